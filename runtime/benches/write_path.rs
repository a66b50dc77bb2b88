//! The write path under load: the real HTTP server on PostgreSQL against the same SQL
//! done directly with tokio-postgres (the ceiling), in one run; then the same cells on
//! MariaDB against mysql_async (`write_path/mariadb.rs`).
//!
//! Run with `cargo xtask bench-runtime` (or `cargo bench -p powersync-write-server
//! --bench write_path`); options after `--`: `--seconds N` (measured seconds per run,
//! default 8), `--warmup N` (uncounted seconds first, default 1), `--max-requests N`
//! (per run, default 100000), `--cell TXxC` (only that cell, e.g. `50x16`; repeatable),
//! `--database postgres|mariadb|all` (default all), `--rounds N` (default 1: each cell's
//! sides run N times, alternating, and the table shows each side's median run and the
//! median of the per-round ratios with their range; on a shared machine one round's
//! ratio can be off by 0.1 or more).
//!
//! It starts its own throwaway PostgreSQL cluster (server defaults, so commits are
//! durable: fsync and synchronous_commit on), creates the example `lists`/`todos`
//! schema, serves the runtime in process on 127.0.0.1 with dev auth, and drives it
//! over loopback. The workload: transactions of 5 operations (PUT a list, PUT 3 todos
//! of it, PATCH one todo), every worker a distinct `client_id` with increasing
//! `op_id`s so the idempotency ledger is in play as in production. Matrix: 1 and 50
//! transactions per request, concurrency 1 and 16. The direct baseline does what the
//! runtime promises, the way pgbench would: per upload transaction BEGIN, the same
//! ledger upsert, one prepared statement per operation (INSERT ... ON CONFLICT DO
//! UPDATE for a PUT, UPDATE for a PATCH), COMMIT, each statement awaited before the
//! next; one connection per worker. Tables are truncated before every run.
//!
//! `--external NAME=COMMAND` (repeatable) adds another backend of the protocol to
//! every cell, driven over HTTP like the runtime: `cargo xtask bench-examples` passes
//! the example backends of the generated Python and Go packages this way. COMMAND
//! runs under `sh -c` (as `exec COMMAND`, in its own process group) after the
//! runtime has created the tables, with `DATABASE_URL`, `JWT_SECRET`, `WRITE_TABLES`
//! (`lists,todos`), `PORT` and `LISTEN_ADDR` (`127.0.0.1:$PORT`) set; it must serve
//! `GET /ready` and accept HS256 tokens signed with `JWT_SECRET`. Their rows show
//! their ops/s and the ratio to the runtime's in the same cell.
//!
//! A benchmark, not a test: it prints numbers; it fails only when a request fails or
//! the rows written do not match the transactions acknowledged.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use powersync_write_server::auth::{AuthConfig, Authenticator, mint_dev_token};
use powersync_write_server::config::Config;
use powersync_write_server::engine::{Engine, EngineConfig, Hooks};
use powersync_write_server::http::HttpConfig;
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::metrics::Metrics;
use powersync_write_server::persist::{self, OpenOptions};
use powersync_write_server::policy::Policies;
use powersync_write_server::service::{WriteService, app};
use serde::{Deserialize, Serialize};
use serde_json::json;
use throwaway_servers::postgres::Cluster;
use tokio::task::JoinSet;
use uuid::Uuid;

/// The server binary's allocator (runtime/src/main.rs), since the runtime is served in
/// this process; the direct baselines run on it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "write_path/mariadb.rs"]
mod mariadb;
#[path = "write_path/remote.rs"]
mod remote;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

const TRANSACTIONS_PER_REQUEST: [usize; 2] = [1, 50];
const CONCURRENCY: [usize; 2] = [1, 16];
const OPS_PER_TRANSACTION: u64 = 5;
const SUBJECT: &str = "bench-user";
/// Timestamps as the PowerSync client's SQLite stores them.
const CREATED_AT: &str = "2024-05-01 12:00:00.000Z";
const COMPLETED_AT: &str = "2024-05-02 08:30:00.000Z";
/// The server settings worth knowing when reading the figures.
const SHOWN_SETTINGS: &[&str] = &[
    "server_version",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "wal_sync_method",
    "commit_delay",
    "shared_buffers",
    "max_wal_size",
    "max_connections",
];

struct Options {
    seconds: f64,
    warmup: f64,
    max_requests: usize,
    /// Cells to run, as `TXxC` (`50x16`); empty: all.
    cells: Vec<String>,
    /// Other backends to drive alongside the runtime: (name, shell command).
    externals: Vec<(String, String)>,
    postgres: bool,
    mariadb: bool,
    /// Runs of each side per cell, alternating.
    rounds: usize,
    /// `--url` and `--token`: only this running backend is driven.
    url: Option<String>,
    token: Option<String>,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut options = Options {
            seconds: 8.0,
            warmup: 1.0,
            max_requests: 100_000,
            cells: Vec::new(),
            externals: Vec::new(),
            postgres: true,
            mariadb: true,
            rounds: 1,
            url: None,
            token: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match arg.as_str() {
                // cargo bench passes `--bench` to every bench binary.
                "--bench" => {}
                "--seconds" => options.seconds = value("--seconds")?.parse()?,
                "--warmup" => options.warmup = value("--warmup")?.parse()?,
                "--max-requests" => options.max_requests = value("--max-requests")?.parse()?,
                "--cell" => options.cells.push(value("--cell")?),
                "--rounds" => options.rounds = value("--rounds")?.parse()?,
                "--url" => options.url = Some(value("--url")?),
                "--token" => options.token = Some(value("--token")?),
                "--database" => {
                    let given = value("--database")?;
                    (options.postgres, options.mariadb) = match given.as_str() {
                        "postgres" => (true, false),
                        "mariadb" => (false, true),
                        "all" => (true, true),
                        _ => {
                            return Err(format!(
                                "--database {given}: expected postgres, mariadb or all"
                            )
                            .into());
                        }
                    };
                }
                "--external" => {
                    let given = value("--external")?;
                    let Some((name, command)) = given.split_once('=') else {
                        return Err(format!("--external {given}: expected NAME=COMMAND").into());
                    };
                    options
                        .externals
                        .push((name.to_string(), command.to_string()));
                }
                other => {
                    return Err(format!(
                        "unknown argument `{other}`; accepted: --seconds N, --warmup N, \
                         --max-requests N, --cell TXxC (repeatable, e.g. --cell 50x16), \
                         --database postgres|mariadb|all, --rounds N, \
                         --external NAME=COMMAND (repeatable), --url URL --token TOKEN"
                    )
                    .into());
                }
            }
        }
        if !(options.seconds > 0.0 && options.seconds <= 120.0) {
            return Err("--seconds must be in (0, 120]".into());
        }
        if !(1..=50).contains(&options.rounds) {
            return Err("--rounds must be in [1, 50]".into());
        }
        if !(0.0..=60.0).contains(&options.warmup) {
            return Err("--warmup must be in [0, 60]".into());
        }
        if options.url.is_some() != options.token.is_some() {
            return Err(
                "--url and --token go together: the backend's URL and a bearer \
                        token it accepts"
                    .into(),
            );
        }
        if options.url.is_some() && !options.externals.is_empty() {
            return Err("--url drives one running backend: leave out --external".into());
        }
        if !options.externals.is_empty() && !options.postgres {
            return Err("--external backends run on PostgreSQL: add --database all".into());
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let options = Options::parse()?;
    if let (Some(url), Some(token)) = (&options.url, &options.token) {
        return remote::run(&options, &remote::Remote::new(url, token)?);
    }
    if options.postgres {
        run_postgres(&options)?;
    }
    if options.mariadb {
        mariadb::run(&options)?;
    }
    Ok(())
}

fn run_postgres(options: &Options) -> Result<()> {
    // Server defaults: commits are durable (fsync and synchronous_commit on).
    let cluster = Cluster::start(&[])?;
    let url = cluster.url("postgres");
    let data_dir = tempfile::Builder::new()
        .prefix("write-path-bench-")
        .tempdir()?;

    // The server gets its own runtime (its own threads), as if it were its own process.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("server")
        .build()?;
    let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let (address, token) = server_runtime.block_on(start_server(
        url.clone(),
        data_dir.path().to_path_buf(),
        shutdown_rx,
    ))?;

    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("client")
        .build()?;
    // reqwest is built without a TLS provider of its own; plain HTTP still needs one set.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut externals = Vec::new();
    let mut outcome = Ok(());
    for (name, command) in &options.externals {
        match client_runtime.block_on(External::start(name, command, &url, data_dir.path())) {
            Ok(external) => externals.push(external),
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    if outcome.is_ok() {
        let servers = Servers {
            runtime: address,
            token: &token,
            externals: &externals,
        };
        outcome = client_runtime.block_on(drive(options, &url, &servers, data_dir.path()));
    }
    for external in externals {
        external.stop();
    }
    let _ = shutdown.send(());
    server_runtime.shutdown_timeout(Duration::from_secs(5));
    client_runtime.shutdown_timeout(Duration::from_secs(5));
    if let Err(error) = cluster.stop() {
        eprintln!("{error}");
    }
    outcome
}

async fn start_server(
    url: String,
    data_dir: PathBuf,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) -> Result<(SocketAddr, String)> {
    let defaults = Config::default();
    let open = OpenOptions {
        pool_size: defaults.pool_size,
        ..OpenOptions::default()
    };
    let persister = persist::open(&url, &open).await?;
    persister.migrate().await?;
    persister.create_example_schema().await?;
    let engine = Engine::new(
        persister,
        MappingConfig::default(),
        Policies::allow_all(),
        Hooks::defaults(defaults.engine.retry_after_ms),
        EngineConfig::default(),
    )
    .await?;
    let authenticator = Authenticator::new(&AuthConfig::default(), &data_dir).await?;
    let token = mint_dev_token(&data_dir, SUBJECT, Duration::from_secs(3600))?;
    let service = WriteService {
        engine: Arc::new(engine),
        authenticator: Arc::new(authenticator),
        metrics: Arc::new(Metrics::new()),
        admission: // One subject drives every worker here.
        HttpConfig { max_batches_per_user: 1024, ..HttpConfig::default() }.admission(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let router = app(service, defaults.body_limit_bytes);
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = shutdown.await;
            })
            .await;
        if let Err(error) = served {
            eprintln!("server stopped: {error}");
        }
    });
    Ok((address, token))
}

/// A process's CPU time so far, user and system, all threads (`/proc/<pid>/stat`, in
/// the kernel's fixed 100 ticks per second); `pid` is a number or `self`.
fn cpu_time(pid: &str) -> Result<Duration> {
    Ok(stat_cpu_time(&format!("/proc/{pid}/stat"))?.1)
}

/// The CPU time of this process's live threads whose name is `name` (the tokio
/// runtimes name theirs `server` and `client`), to split the bench's own time
/// between the backend and the load generator.
fn threads_cpu_time(name: &str) -> Result<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task")? {
        let path = task?.path().join("stat");
        // A thread may end between the listing and the read.
        let Ok((comm, time)) = stat_cpu_time(&path.to_string_lossy()) else {
            continue;
        };
        if comm == name {
            total += time;
        }
    }
    Ok(total)
}

/// The command name and user plus system CPU time of a `/proc/.../stat` file.
fn stat_cpu_time(path: &str) -> Result<(String, Duration)> {
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string(path)?;
    // The command name may hold spaces: fields count from after its closing `)`.
    let (head, after_name) = stat
        .rsplit_once(')')
        .ok_or_else(|| format!("{path}: no command name"))?;
    let comm = head
        .split_once('(')
        .map_or("", |(_, name)| name)
        .to_string();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime, fields 14 and 15 of the line: 11 and 12 counting from the
    // state (field 3) after the name.
    let ticks = |i: usize| -> Result<u64> {
        Ok(fields
            .get(i)
            .ok_or_else(|| format!("{path}: too few fields"))?
            .parse()?)
    };
    Ok((
        comm,
        Duration::from_millis((ticks(11)? + ticks(12)?) * 1000 / TICKS_PER_SECOND),
    ))
}

// ---- the matrix ----

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Runtime,
    Direct,
    /// The external backend of that index.
    External(usize),
}

/// The backends a run drives over HTTP.
struct Servers<'a> {
    runtime: SocketAddr,
    token: &'a str,
    externals: &'a [External],
}

impl Servers<'_> {
    fn name(&self, side: Side) -> &str {
        match side {
            Side::Runtime => "runtime",
            Side::Direct => "direct",
            Side::External(i) => &self.externals[i].name,
        }
    }

    fn sides(&self) -> Vec<Side> {
        let mut sides = vec![Side::Runtime, Side::Direct];
        sides.extend((0..self.externals.len()).map(Side::External));
        sides
    }
}

/// One measured run.
struct Measured {
    requests: usize,
    transactions: u64,
    ops_per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn drive(options: &Options, url: &str, servers: &Servers<'_>, data_dir: &Path) -> Result<()> {
    let admin = connect(url).await?;
    print_settings(&admin, data_dir).await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()?;
    let endpoint = format!("http://{}/api/data", servers.runtime);
    let mut rows = Vec::new();
    let mut run_number = 0usize;
    for per_request in TRANSACTIONS_PER_REQUEST {
        for concurrency in CONCURRENCY {
            let cell = format!("{per_request} tx/req, c={concurrency}");
            let short = format!("{per_request}x{concurrency}");
            if !options.cells.is_empty() && !options.cells.contains(&short) {
                continue;
            }
            let sides = servers.sides();
            let mut runs = Vec::new();
            for _ in 0..options.rounds {
                let mut round = Vec::new();
                for &path in &sides {
                    run_number += 1;
                    reset(&admin, !servers.externals.is_empty()).await?;
                    let load = Load {
                        run: run_number,
                        per_request,
                        concurrency,
                        options,
                    };
                    let name = servers.name(path);
                    eprintln!("running {cell}, {name} ...");
                    let measured = match path {
                        Side::Runtime => load.http(&http, name, &endpoint, servers.token).await?,
                        Side::Direct => load.direct(url).await?,
                        Side::External(i) => {
                            let external = &servers.externals[i];
                            load.http(&http, name, &external.endpoint(), &external.token)
                                .await?
                        }
                    };
                    verify(&admin, name, measured.transactions).await?;
                    round.push(measured);
                }
                runs.push(round);
            }
            // The runtime against direct SQL; an external backend against the runtime.
            let reference = |side: usize| match sides[side] {
                Side::Runtime => Some((1, "direct")),
                Side::External(_) => Some((0, "runtime")),
                Side::Direct => None,
            };
            for (side, (measured, ratio)) in summarize(runs, reference).into_iter().enumerate() {
                rows.push(Row {
                    cell: cell.clone(),
                    path: servers.name(sides[side]).to_string(),
                    measured,
                    ratio,
                });
            }
        }
    }
    print_table("PostgreSQL", options, &rows);
    Ok(())
}

/// A cell's runs, `runs[round][side]`, summed up per side: the run of median ops/s,
/// and, for a side that `reference` compares with another (its index and name), the
/// median of the per-round ratios, with their range when there are several rounds.
/// Each round runs every side once, one after the other, so a ratio compares runs
/// made moments apart on a shared machine whose speed drifts.
fn summarize(
    runs: Vec<Vec<Measured>>,
    reference: impl Fn(usize) -> Option<(usize, &'static str)>,
) -> Vec<(Measured, String)> {
    let rounds = runs.len();
    let sides = runs.first().map_or(0, Vec::len);
    let ratio = |side: usize| -> String {
        let Some((other, name)) = reference(side) else {
            return String::new();
        };
        let mut ratios: Vec<f64> = runs
            .iter()
            .filter(|round| round[other].ops_per_second > 0.0)
            .map(|round| round[side].ops_per_second / round[other].ops_per_second)
            .collect();
        if ratios.is_empty() {
            return String::new();
        }
        ratios.sort_by(f64::total_cmp);
        let middle = ratios.len() / 2;
        let median = if ratios.len().is_multiple_of(2) {
            (ratios[middle - 1] + ratios[middle]) / 2.0
        } else {
            ratios[middle]
        };
        if rounds == 1 {
            format!("{median:.2} of {name}")
        } else {
            format!(
                "{median:.2} of {name} ({:.2}-{:.2} over {rounds} rounds)",
                ratios[0],
                ratios[ratios.len() - 1]
            )
        }
    };
    let ratios: Vec<String> = (0..sides).map(ratio).collect();
    let mut by_side: Vec<Vec<Measured>> = (0..sides).map(|_| Vec::new()).collect();
    for round in runs {
        for (side, measured) in round.into_iter().enumerate() {
            by_side[side].push(measured);
        }
    }
    by_side
        .into_iter()
        .zip(ratios)
        .map(|(mut measured, ratio)| {
            measured.sort_by(|a, b| a.ops_per_second.total_cmp(&b.ops_per_second));
            let median = measured.swap_remove(measured.len() / 2);
            (median, ratio)
        })
        .collect()
}

/// One line of the result table.
struct Row {
    cell: String,
    path: String,
    measured: Measured,
    /// The runtime's ops/s over direct SQL's; an external backend's over the runtime's.
    ratio: String,
}

fn print_table(database: &str, options: &Options, rows: &[Row]) {
    println!();
    println!(
        "{database} write path, 5-operation transactions, {} s measured per run after {} s \
         warm-up{}",
        options.seconds,
        options.warmup,
        if options.rounds > 1 {
            format!(", median of {} alternating rounds", options.rounds)
        } else {
            String::new()
        }
    );
    println!(
        "{:<18} {:<8} {:>10} {:>10} {:>10} {:>9}  ratio",
        "cell", "path", "ops/s", "p50 ms", "p99 ms", "requests"
    );
    for row in rows {
        let m = &row.measured;
        println!(
            "{:<18} {:<8} {:>10.0} {:>10.2} {:>10.2} {:>9}  {}",
            row.cell,
            row.path,
            m.ops_per_second,
            millis(m.p50),
            millis(m.p99),
            m.requests,
            row.ratio
        );
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

async fn print_settings(admin: &tokio_postgres::Client, data_dir: &Path) -> Result<()> {
    let names: Vec<String> = SHOWN_SETTINGS.iter().map(|s| s.to_string()).collect();
    let rows = admin
        .query(
            "SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings \
             WHERE name = ANY($1) ORDER BY name",
            &[&names],
        )
        .await?;
    println!(
        "PostgreSQL settings (server defaults; only port, socket folder and listen_addresses are set):"
    );
    for row in rows {
        println!(
            "  {} = {}",
            row.get::<_, String>(0),
            row.get::<_, String>(1)
        );
    }
    println!(
        "runtime: pool_size {}, dev auth (keys under {}), ledger on, write checkpoints off",
        Config::default().pool_size,
        data_dir.display()
    );
    Ok(())
}

/// Empties the tables and writes dirty pages out, so every run starts alike. With
/// external backends, also the example backends' own tables.
async fn reset(admin: &tokio_postgres::Client, externals: bool) -> Result<()> {
    let tables = if externals {
        "todos, lists, powersync_write_ledger, write_ledger, write_dead_letters"
    } else {
        "todos, lists, powersync_write_ledger"
    };
    admin
        .batch_execute(&format!("TRUNCATE {tables}; CHECKPOINT"))
        .await?;
    Ok(())
}

/// The rows must be exactly what was acknowledged: no lost or extra write.
async fn verify(admin: &tokio_postgres::Client, path: &str, transactions: u64) -> Result<()> {
    let row = admin
        .query_one(
            "SELECT (SELECT count(*) FROM lists), (SELECT count(*) FROM todos), \
             (SELECT count(*) FROM todos WHERE completed)",
            &[],
        )
        .await?;
    let (lists, todos, completed): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let expected = i64::try_from(transactions)?;
    if (lists, todos, completed) != (expected, 3 * expected, expected) {
        return Err(format!(
            "{path}: {transactions} transactions acknowledged, but the tables hold {lists} lists, \
             {todos} todos, {completed} completed"
        )
        .into());
    }
    Ok(())
}

// ---- the workload ----

/// One upload transaction: a list, three todos of it, one todo completed.
struct Transaction {
    first_op_id: i64,
    list: Uuid,
    todos: [Uuid; 3],
    number: u64,
}

impl Transaction {
    fn new(first_op_id: i64, number: u64) -> Self {
        Transaction {
            first_op_id,
            list: Uuid::new_v4(),
            todos: [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()],
            number,
        }
    }

    fn last_op_id(&self) -> i64 {
        self.first_op_id + OPS_PER_TRANSACTION as i64 - 1
    }

    fn list_name(&self) -> String {
        format!("List {}", self.number)
    }

    fn description(&self, todo: usize) -> String {
        format!("Todo {todo} of list {}", self.number)
    }

    /// The transaction as the PowerSync client uploads it, as typed values that
    /// serialize straight to JSON: the load generator shares the machine with the
    /// backend, so it should cost as little as it can.
    fn wire(&self) -> WireTransaction<'static> {
        let tx_id = self.first_op_id;
        let entry =
            |offset: i64, op: &'static str, table: &'static str, id: &Uuid, data| WireEntry {
                op,
                table,
                id: id.to_string(),
                op_id: self.first_op_id + offset,
                transaction_id: tx_id,
                op_data: data,
            };
        let list = self.list.to_string();
        let todo = |i: usize| {
            entry(
                1 + i as i64,
                "PUT",
                "todos",
                &self.todos[i],
                WireData::Todo {
                    created_at: CREATED_AT,
                    description: self.description(i),
                    completed: 0,
                    created_by: SUBJECT,
                    list_id: list.clone(),
                },
            )
        };
        let crud = [
            entry(
                0,
                "PUT",
                "lists",
                &self.list,
                WireData::List {
                    created_at: CREATED_AT,
                    name: self.list_name(),
                    owner_id: SUBJECT,
                },
            ),
            todo(0),
            todo(1),
            todo(2),
            entry(
                4,
                "PATCH",
                "todos",
                &self.todos[0],
                WireData::Completed {
                    completed: 1,
                    completed_at: COMPLETED_AT,
                    completed_by: SUBJECT,
                },
            ),
        ];
        WireTransaction {
            transaction_id: tx_id,
            crud,
        }
    }
}

/// A request body of the upload endpoint.
#[derive(Serialize)]
struct WireUpload<'a> {
    client_id: &'a str,
    transactions: Vec<WireTransaction<'a>>,
}

#[derive(Serialize)]
struct WireTransaction<'a> {
    transaction_id: i64,
    crud: [WireEntry<'a>; OPS_PER_TRANSACTION as usize],
}

#[derive(Serialize)]
struct WireEntry<'a> {
    op: &'a str,
    table: &'a str,
    id: String,
    op_id: i64,
    transaction_id: i64,
    op_data: WireData<'a>,
}

/// The `op_data` of the workload's three kinds of entry.
#[derive(Serialize)]
#[serde(untagged)]
enum WireData<'a> {
    List {
        created_at: &'a str,
        name: String,
        owner_id: &'a str,
    },
    Todo {
        created_at: &'a str,
        description: String,
        completed: i64,
        created_by: &'a str,
        list_id: String,
    },
    Completed {
        completed: i64,
        completed_at: &'a str,
        completed_by: &'a str,
    },
}

/// The part of a reply the load checks.
#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    results: Vec<ReplyResult>,
}

#[derive(Deserialize)]
struct ReplyResult {
    status: String,
    #[serde(default)]
    duplicate: bool,
}

/// One worker's client: a distinct `client_id` whose `op_id`s only grow.
struct Client {
    client_id: String,
    next_op_id: i64,
    made: u64,
}

impl Client {
    fn new(run: usize, worker: usize) -> Self {
        Client {
            client_id: format!("bench-{run}-{worker}-{}", Uuid::new_v4()),
            next_op_id: 1,
            made: 0,
        }
    }

    fn batch(&mut self, transactions: usize) -> Vec<Transaction> {
        (0..transactions)
            .map(|_| {
                let tx = Transaction::new(self.next_op_id, self.made);
                self.next_op_id += OPS_PER_TRANSACTION as i64;
                self.made += 1;
                tx
            })
            .collect()
    }
}

// ---- the load ----

struct Load<'a> {
    run: usize,
    per_request: usize,
    concurrency: usize,
    options: &'a Options,
}

/// What one worker saw: latencies of counted requests and when the last one ended.
#[derive(Default)]
struct WorkerStats {
    latencies: Vec<Duration>,
    transactions: u64,
    counted_transactions: u64,
    last_end: Option<Instant>,
}

/// When the counted window starts and when workers stop starting requests.
#[derive(Clone, Copy)]
struct Window {
    counted_from: Instant,
    deadline: Instant,
    max_per_worker: usize,
}

impl WorkerStats {
    fn record(&mut self, window: &Window, started: Instant, transactions: usize) {
        let ended = Instant::now();
        self.transactions += transactions as u64;
        if started >= window.counted_from {
            self.latencies.push(ended - started);
            self.counted_transactions += transactions as u64;
            self.last_end = Some(ended);
        }
    }
}

impl Load<'_> {
    fn window(&self) -> Window {
        let now = Instant::now();
        let counted_from = now + Duration::from_secs_f64(self.options.warmup);
        Window {
            counted_from,
            deadline: counted_from + Duration::from_secs_f64(self.options.seconds),
            max_per_worker: self.options.max_requests.div_ceil(self.concurrency).max(1),
        }
    }

    /// The load over HTTP, against the runtime or an external backend (`name`).
    async fn http(
        &self,
        http: &reqwest::Client,
        name: &str,
        endpoint: &str,
        token: &str,
    ) -> Result<Measured> {
        let window = self.window();
        let mut workers = JoinSet::new();
        for worker in 0..self.concurrency {
            let (http, endpoint) = (http.clone(), endpoint.to_string());
            let authorization = format!("Bearer {token}");
            let mut client = Client::new(self.run, worker);
            let per_request = self.per_request;
            let name = name.to_string();
            workers.spawn(async move {
                let mut stats = WorkerStats::default();
                for _ in 0..window.max_per_worker {
                    let started = Instant::now();
                    if started >= window.deadline {
                        break;
                    }
                    let batch = client.batch(per_request);
                    let body = WireUpload {
                        client_id: &client.client_id,
                        transactions: batch.iter().map(Transaction::wire).collect(),
                    };
                    let response = http
                        .post(&endpoint)
                        .header(reqwest::header::AUTHORIZATION, &authorization)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(serde_json::to_vec(&body)?)
                        .send()
                        .await?;
                    let status = response.status();
                    let text = response.text().await?;
                    check_response(&name, status, &text, per_request)?;
                    stats.record(&window, started, per_request);
                }
                Ok::<_, BoxError>(stats)
            });
        }
        collect(workers, window).await
    }

    async fn direct(&self, url: &str) -> Result<Measured> {
        let window = self.window();
        let mut workers = JoinSet::new();
        for worker in 0..self.concurrency {
            let mut connection = connect(url).await?;
            let statements = Statements::prepare(&connection).await?;
            let mut client = Client::new(self.run, worker);
            let per_request = self.per_request;
            workers.spawn(async move {
                let mut stats = WorkerStats::default();
                for _ in 0..window.max_per_worker {
                    let started = Instant::now();
                    if started >= window.deadline {
                        break;
                    }
                    for tx in client.batch(per_request) {
                        statements
                            .apply(&mut connection, &client.client_id, &tx)
                            .await?;
                    }
                    stats.record(&window, started, per_request);
                }
                Ok::<_, BoxError>(stats)
            });
        }
        collect(workers, window).await
    }
}

fn check_response(
    name: &str,
    status: reqwest::StatusCode,
    text: &str,
    expected: usize,
) -> Result<()> {
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(format!(
            "{name} answered {status}: {text}\nThe load sends as one user, up to {} \
             requests at once: raise the backend's per-user limit (the reference backend's \
             [http] max_batches_per_user, e.g. POWERSYNC_WRITE__HTTP__MAX_BATCHES_PER_USER=64)",
            CONCURRENCY[CONCURRENCY.len() - 1]
        )
        .into());
    }
    if !status.is_success() {
        return Err(format!("{name} answered {status}: {text}").into());
    }
    let reply: Reply = serde_json::from_str(text)
        .map_err(|e| format!("{name} answered a body the load cannot read ({e}): {text}"))?;
    let all_applied = reply
        .results
        .iter()
        .all(|r| r.status == "success" && !r.duplicate);
    if reply.results.len() != expected || !all_applied {
        return Err(format!("{name} did not apply every transaction: {text}").into());
    }
    Ok(())
}

async fn collect(mut workers: JoinSet<Result<WorkerStats>>, window: Window) -> Result<Measured> {
    let mut latencies = Vec::new();
    let mut transactions = 0;
    let mut counted = 0;
    let mut last_end = window.counted_from;
    while let Some(joined) = workers.join_next().await {
        let stats = joined??;
        latencies.extend(stats.latencies);
        transactions += stats.transactions;
        counted += stats.counted_transactions;
        if let Some(end) = stats.last_end {
            last_end = last_end.max(end);
        }
    }
    if latencies.is_empty() {
        return Err("no request finished inside the measured window: raise --seconds".into());
    }
    latencies.sort();
    let elapsed = (last_end - window.counted_from).as_secs_f64();
    Ok(Measured {
        requests: latencies.len(),
        transactions,
        ops_per_second: (counted * OPS_PER_TRANSACTION) as f64 / elapsed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    })
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ---- the direct baseline ----

/// The baseline's prepared statements: values travel as text and are cast in SQL, as
/// the runtime does.
struct Statements {
    ledger: tokio_postgres::Statement,
    put_list: tokio_postgres::Statement,
    put_todo: tokio_postgres::Statement,
    patch_todo: tokio_postgres::Statement,
}

impl Statements {
    async fn prepare(client: &tokio_postgres::Client) -> Result<Self> {
        Ok(Statements {
            // The runtime's ledger claim (keyed by subject and client): 0 rows means a replay.
            ledger: client
                .prepare(
                    "INSERT INTO powersync_write_ledger AS l (subject, client_id, last_op_id) \
                     SELECT $1::text, $2::text, $3::bigint WHERE NOT EXISTS (SELECT 1 FROM \
                     powersync_write_ledger WHERE subject = '' AND client_id = $2 AND last_op_id >= $3) \
                     ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = EXCLUDED.last_op_id, \
                     updated_at = now() WHERE l.last_op_id < EXCLUDED.last_op_id",
                )
                .await?,
            put_list: client
                .prepare(
                    "INSERT INTO lists (id, created_at, name, owner_id) \
                     VALUES ($1::text::uuid, $2::text::timestamptz, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, \
                     name = EXCLUDED.name, owner_id = EXCLUDED.owner_id",
                )
                .await?,
            put_todo: client
                .prepare(
                    "INSERT INTO todos (id, completed, created_at, created_by, description, list_id) \
                     VALUES ($1::text::uuid, $2::text::boolean, $3::text::timestamptz, $4, $5, $6::text::uuid) \
                     ON CONFLICT (id) DO UPDATE SET completed = EXCLUDED.completed, \
                     created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by, \
                     description = EXCLUDED.description, list_id = EXCLUDED.list_id",
                )
                .await?,
            patch_todo: client
                .prepare(
                    "UPDATE todos SET completed = $2::text::boolean, \
                     completed_at = $3::text::timestamptz, completed_by = $4 \
                     WHERE id = $1::text::uuid",
                )
                .await?,
        })
    }

    /// One upload transaction, one database transaction, one statement per operation.
    async fn apply(
        &self,
        connection: &mut tokio_postgres::Client,
        client_id: &str,
        tx: &Transaction,
    ) -> Result<()> {
        let db = connection.transaction().await?;
        let claimed = db
            .execute(&self.ledger, &[&SUBJECT, &client_id, &tx.last_op_id()])
            .await?;
        if claimed != 1 {
            return Err(format!(
                "direct: op {} of {client_id} seen as a replay",
                tx.last_op_id()
            )
            .into());
        }
        let list = tx.list.to_string();
        db.execute(
            &self.put_list,
            &[&list, &CREATED_AT, &tx.list_name(), &SUBJECT],
        )
        .await?;
        for (i, todo) in tx.todos.iter().enumerate() {
            db.execute(
                &self.put_todo,
                &[
                    &todo.to_string(),
                    &"0",
                    &CREATED_AT,
                    &SUBJECT,
                    &tx.description(i),
                    &list,
                ],
            )
            .await?;
        }
        db.execute(
            &self.patch_todo,
            &[&tx.todos[0].to_string(), &"1", &COMPLETED_AT, &SUBJECT],
        )
        .await?;
        db.commit().await?;
        Ok(())
    }
}

// ---- external backends ----

/// Another backend of the protocol, run as a child process (`--external`).
struct External {
    name: String,
    address: SocketAddr,
    token: String,
    child: std::process::Child,
}

impl External {
    /// Starts `command` on a free port and waits until its `/ready` answers 200.
    async fn start(name: &str, command: &str, url: &str, data_dir: &Path) -> Result<External> {
        let secret = format!("bench-secret-{}", Uuid::new_v4());
        let port = throwaway_servers::free_port()?;
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let log_path = data_dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {command}"))
            .env("DATABASE_URL", url)
            .env("JWT_SECRET", &secret)
            .env("WRITE_TABLES", "lists,todos")
            .env("PORT", port.to_string())
            .env("LISTEN_ADDR", address.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{name}: cannot run `{command}`: {e}"))?;
        stop_group_when_gone(child.id());
        let mut external = External {
            name: name.to_string(),
            address,
            token: hs256_token(&secret)?,
            child,
        };
        let ready = format!("http://{address}/ready");
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = String::from("no answer yet");
        while Instant::now() < deadline {
            if let Some(status) = external.child.try_wait()? {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("{name} (`{command}`) exited with {status}:\n{log}").into());
            }
            match reqwest::get(&ready).await {
                Ok(response) if response.status().is_success() => return Ok(external),
                Ok(response) => last = format!("/ready answered {}", response.status()),
                Err(error) => last = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        external.stop();
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        Err(format!("{name} (`{command}`) was not ready within 60 s ({last}):\n{log}").into())
    }

    fn endpoint(&self) -> String {
        format!("http://{}/api/data", self.address)
    }

    /// SIGTERM to its process group, then waits (SIGKILL after 10 s).
    fn stop(mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// An HS256 token for [`SUBJECT`], valid for two hours.
fn hs256_token(secret: &str) -> Result<String> {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        + 7200;
    let claims = json!({"sub": SUBJECT, "exp": exp});
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

/// Stops the process group `group` once this process is gone, however it ends.
fn stop_group_when_gone(group: u32) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill -TERM -- -{group} 2>/dev/null",
        pid = std::process::id(),
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

async fn connect(url: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            eprintln!("connection closed: {error}");
        }
    });
    Ok(client)
}
