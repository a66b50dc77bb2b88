//! The MariaDB cells: the same four cells and workload as on PostgreSQL, the runtime
//! serving `mysql://` (through `persist::open`) against a direct mysql_async baseline,
//! in the same run.
//!
//! The server is a throwaway MariaDB (`throwaway_servers::mariadb`), durable as a
//! production server: `innodb_flush_log_at_trx_commit = 1` (the log is flushed to disk
//! at every commit), which the run checks and prints.
//!
//! The direct baseline issues, per upload transaction, the statements the runtime's
//! MySQL persister issues for it (`persist/mysql/store.rs`, text from its
//! `statements.rs`): START TRANSACTION; the ledger claim (one upsert, which a replay
//! fails); the list's upsert; the three todos in one three-row `INSERT ... ON
//! DUPLICATE KEY UPDATE`; the PATCH's `UPDATE`; the write checkpoint when the engine
//! keeps them; COMMIT. It does what a hand-written backend on mysql_async does: each
//! statement awaited before the next, as prepared statements on a pool of the
//! runtime's size, with the runtime's session settings, a connection taken from the
//! pool per transaction. Values are bound as the persister converts them (DATETIME as
//! a date, BOOLEAN as 0/1, ids as text). The runtime sends the same statements as one
//! script, one round trip per transaction (`persist/mysql/script.rs`): that, and not
//! other statements, is its advantage.
//!
//! Both paths are also measured on the server's side: its statement counters
//! (`SHOW GLOBAL STATUS`) before and after every run, per transaction, show that the
//! two paths run the same statements and where the runtime does more.

use mysql_async::prelude::Queryable as _;
use mysql_async::{Conn, OptsBuilder, Pool, PoolConstraints, PoolOpts, TxOpts, Value as MyValue};

use std::time::{Duration, Instant};

use super::{
    COMPLETED_AT, CONCURRENCY, CREATED_AT, Client, Config, EngineConfig, JoinSet, Load, Measured,
    Options, Result, Row, SUBJECT, TRANSACTIONS_PER_REQUEST, Transaction, WorkerStats, collect,
    cpu_time, print_table, start_server, summarize, threads_cpu_time,
};

/// The server's options beyond the helper's (which already flushes at every commit):
/// a buffer pool that holds the benchmark's rows, as a production server's would.
const SERVER_OPTIONS: &[&str] = &[
    "--innodb-flush-log-at-trx-commit=1",
    "--innodb-buffer-pool-size=512M",
];

/// The server settings worth knowing when reading the figures.
const SHOWN_SETTINGS: &[&str] = &[
    "version",
    "innodb_flush_log_at_trx_commit",
    "innodb_flush_method",
    "innodb_doublewrite",
    "innodb_buffer_pool_size",
    "innodb_log_file_size",
    "log_bin",
    "sync_binlog",
    // `transaction_isolation` from MariaDB 11.1 and MySQL 8 on.
    "tx_isolation",
    "max_connections",
];

/// Server counters compared per transaction between the two paths.
const COUNTERS: &[&str] = &[
    "Questions",
    "Com_stmt_prepare",
    "Com_stmt_execute",
    "Com_stmt_close",
    "Com_begin",
    "Com_commit",
    "Com_rollback",
    "Com_insert",
    "Com_update",
    "Com_select",
    "Com_set_option",
    "Com_reset_connection",
    "Connections",
    "Innodb_data_fsyncs",
];

/// The runtime's session settings (`persist/mysql/mod.rs`), so both paths run with
/// the same `sql_mode` and time zone.
const SESSION: [&str; 2] = [
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,\
     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    "SET time_zone = '+00:00', NAMES utf8mb4",
];

/// The persister's statements for this workload's shapes, as `statements.rs` builds
/// them: the ledger claim, a PUT of a list, a PUT of todos (the columns sorted by
/// name; three rows when grouped), a PATCH of a todo, the checkpoint's two.
const LEDGER_CLAIM: &str = "INSERT INTO `powersync_write_ledger` (subject, client_id, last_op_id) \
     VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE last_op_id = IF(last_op_id < VALUES(last_op_id), \
     VALUES(last_op_id), NULL), updated_at = CURRENT_TIMESTAMP(6)";
const PUT_LIST: &str = "INSERT INTO `lists` (`id`, `created_at`, `name`, `owner_id`) \
     VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `id` = IF(`id` = VALUES(`id`), `id`, NULL), \
     `created_at` = VALUES(`created_at`), `name` = VALUES(`name`), `owner_id` = VALUES(`owner_id`)";
const PUT_TODOS_HEAD: &str = "INSERT INTO `todos` (`id`, `completed`, `created_at`, \
     `created_by`, `description`, `list_id`) VALUES ";
const PUT_TODOS_ROW: &str = "(?, ?, ?, ?, ?, ?)";
const PUT_TODOS_TAIL: &str = " ON DUPLICATE KEY UPDATE `id` = IF(`id` = VALUES(`id`), `id`, NULL), \
     `completed` = VALUES(`completed`), `created_at` = VALUES(`created_at`), \
     `created_by` = VALUES(`created_by`), `description` = VALUES(`description`), \
     `list_id` = VALUES(`list_id`)";
const PATCH_TODO: &str = "UPDATE `todos` SET `completed` = ?, `completed_at` = ?, \
     `completed_by` = ? WHERE `id` = ?";
const CHECKPOINT_BUMP: &str = "INSERT INTO `powersync_write_checkpoints` (user_id, client_id, \
     checkpoint) VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE checkpoint = checkpoint + 1";
const CHECKPOINT_READ: &str = "SELECT checkpoint FROM `powersync_write_checkpoints` \
     WHERE user_id = ? AND client_id = ?";

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Runtime,
    Direct,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Runtime => "runtime",
            Side::Direct => "direct",
        }
    }
}

pub(super) fn run(options: &Options) -> Result<()> {
    let server = throwaway_servers::mariadb::Server::start(SERVER_OPTIONS)
        .map_err(|e| format!("cannot start the throwaway MariaDB server: {e}"))?;
    server.sql("CREATE DATABASE bench")?;
    let url = server.url("bench");
    let data_dir = tempfile::Builder::new()
        .prefix("write-path-bench-mariadb-")
        .tempdir()?;

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
    let _ = rustls::crypto::ring::default_provider().install_default();
    let endpoint = format!("http://{address}/api/data");
    let mariadbd = server
        .pid()
        .ok_or("the throwaway MariaDB server has no process")?
        .to_string();
    let outcome = client_runtime.block_on(drive(options, &url, &endpoint, &token, &mariadbd));
    let _ = shutdown.send(());
    server_runtime.shutdown_timeout(Duration::from_secs(5));
    client_runtime.shutdown_timeout(Duration::from_secs(5));
    server.stop();
    outcome
}

async fn drive(
    options: &Options,
    url: &str,
    endpoint: &str,
    token: &str,
    mariadbd: &str,
) -> Result<()> {
    let mut admin = Conn::new(mysql_async::Opts::from_url(url)?).await?;
    print_settings(&mut admin).await?;
    let pool = baseline_pool(url)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()?;
    let mut rows = Vec::new();
    let mut server_work = Vec::new();
    let mut cpu = Vec::new();
    let mut run_number = 0usize;
    for per_request in TRANSACTIONS_PER_REQUEST {
        for concurrency in CONCURRENCY {
            let cell = format!("{per_request} tx/req, c={concurrency}");
            let short = format!("{per_request}x{concurrency}");
            if !options.cells.is_empty() && !options.cells.contains(&short) {
                continue;
            }
            let sides = [Side::Runtime, Side::Direct];
            // Per side, over every round: the CPU time spent, and the transactions.
            let mut spent = [(Spent::default(), 0u64); 2];
            let mut runs = Vec::new();
            for round_number in 0..options.rounds {
                let mut round = Vec::new();
                for (index, side) in sides.into_iter().enumerate() {
                    run_number += 1;
                    reset(&mut admin).await?;
                    let load = Load {
                        run: run_number,
                        per_request,
                        concurrency,
                        options,
                    };
                    eprintln!("running MariaDB {cell}, {} ...", side.name());
                    let before = counters(&mut admin).await?;
                    let cpu_before = Spent::now(mariadbd)?;
                    let measured = match side {
                        Side::Runtime => load.http(&http, "runtime", endpoint, token).await?,
                        Side::Direct => load.mariadb_direct(&pool).await?,
                    };
                    let cpu_after = Spent::now(mariadbd)?;
                    let after = counters(&mut admin).await?;
                    // Warm-up included, in the CPU time as in the transactions (every
                    // acknowledged one: `verify` checks the tables hold them all).
                    spent[index].0.add(&cpu_after, &cpu_before);
                    spent[index].1 += measured.transactions;
                    verify(&mut admin, side.name(), measured.transactions).await?;
                    // The statements are the same every round: the first round's counts.
                    if round_number == 0 {
                        server_work.push((
                            cell.clone(),
                            side.name(),
                            per_transaction(&before, &after, measured.transactions),
                        ));
                    }
                    round.push(measured);
                }
                runs.push(round);
            }
            for (index, side) in sides.into_iter().enumerate() {
                cpu.push((cell.clone(), side.name(), spent[index]));
            }
            let reference = |side: usize| (sides[side] == Side::Runtime).then_some((1, "direct"));
            for (side, (measured, ratio)) in summarize(runs, reference).into_iter().enumerate() {
                rows.push(Row {
                    cell: cell.clone(),
                    path: sides[side].name().to_string(),
                    measured,
                    ratio,
                });
            }
        }
    }
    pool.disconnect().await?;
    print_table("MariaDB", options, &rows);
    print_server_work(&server_work);
    print_cpu(&cpu);
    Ok(())
}

/// CPU time: this process's, its threads' by runtime (the backend's `server`, the load
/// generator's or the baseline's `client`), and mariadbd's.
#[derive(Default, Clone, Copy)]
struct Spent {
    bench: Duration,
    backend: Duration,
    client: Duration,
    mariadbd: Duration,
}

impl Spent {
    fn now(mariadbd: &str) -> Result<Spent> {
        Ok(Spent {
            bench: cpu_time("self")?,
            backend: threads_cpu_time("server")?,
            client: threads_cpu_time("client")?,
            mariadbd: cpu_time(mariadbd)?,
        })
    }

    /// Adds the time between `before` and `after`. A thread that ended in between
    /// takes its time out of the thread sums: saturating, as the process's own sum
    /// keeps it.
    fn add(&mut self, after: &Spent, before: &Spent) {
        self.bench += after.bench.saturating_sub(before.bench);
        self.backend += after.backend.saturating_sub(before.backend);
        self.client += after.client.saturating_sub(before.client);
        self.mariadbd += after.mariadbd.saturating_sub(before.mariadbd);
    }
}

/// Per cell and side: the CPU time of this process (split into the backend's and the
/// client's threads) and of mariadbd, per transaction.
fn print_cpu(cpu: &[(String, &str, (Spent, u64))]) {
    println!();
    println!("CPU time per upload transaction, every round and its warm-up (/proc/PID/stat)");
    println!(
        "{:<18} {:<8} {:>10} {:>10} {:>10} {:>12} {:>10}",
        "cell", "path", "bench µs", "backend", "client", "mariadbd µs", "total µs"
    );
    for (cell, path, (spent, transactions)) in cpu {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / (*transactions).max(1) as f64;
        println!(
            "{cell:<18} {path:<8} {:>10.0} {:>10.0} {:>10.0} {:>12.0} {:>10.0}",
            per(spent.bench),
            per(spent.backend),
            per(spent.client),
            per(spent.mariadbd),
            per(spent.bench) + per(spent.mariadbd)
        );
    }
    println!(
        "(bench: this process; backend: its `server` threads, the runtime; client: its \
         `client` threads, the load generator over HTTP or the direct baseline)"
    );
}

/// The baseline's pool: the runtime's size and session, connections kept while idle
/// and not reset when returned, so each keeps its prepared statements.
fn baseline_pool(url: &str) -> Result<Pool> {
    let size = Config::default().pool_size;
    let constraints = PoolConstraints::new(0, size).ok_or("invalid pool size")?;
    let pool_opts = PoolOpts::default()
        .with_constraints(constraints)
        .with_inactive_connection_ttl(Duration::from_secs(300))
        .with_ttl_check_interval(Duration::from_secs(300))
        .with_reset_connection(false);
    let builder = OptsBuilder::from_opts(mysql_async::Opts::from_url(url)?)
        .pool_opts(pool_opts)
        .setup(SESSION.to_vec())
        .prefer_socket(false)
        .client_found_rows(true);
    Ok(Pool::new(builder))
}

async fn print_settings(admin: &mut Conn) -> Result<()> {
    println!("MariaDB settings (the throwaway server's, with {SERVER_OPTIONS:?}):");
    for name in SHOWN_SETTINGS {
        let value: Option<Option<String>> = admin.query_first(format!("SELECT @@{name}")).await?;
        let value = value.flatten().unwrap_or_default();
        println!("  {name} = {value}");
        if *name == "innodb_flush_log_at_trx_commit" && value != "1" {
            return Err(format!(
                "innodb_flush_log_at_trx_commit is {value}: commits would not be durable, \
                 unlike a production server's"
            )
            .into());
        }
    }
    let engine = EngineConfig::default();
    println!(
        "runtime: pool_size {}, dev auth, ledger on, write checkpoints {}; direct: a pool of \
         the same size, statements prepared once per connection",
        Config::default().pool_size,
        if engine.write_checkpoints {
            "on"
        } else {
            "off"
        },
    );
    Ok(())
}

/// Empties the tables, so every run starts alike.
async fn reset(admin: &mut Conn) -> Result<()> {
    admin
        .query_drop(
            "SET FOREIGN_KEY_CHECKS = 0; TRUNCATE todos; TRUNCATE lists; \
             TRUNCATE powersync_write_ledger; TRUNCATE powersync_write_checkpoints; \
             SET FOREIGN_KEY_CHECKS = 1",
        )
        .await?;
    Ok(())
}

/// The rows must be exactly what was acknowledged: no lost or extra write.
async fn verify(admin: &mut Conn, path: &str, transactions: u64) -> Result<()> {
    let row: Option<(i64, i64, i64)> = admin
        .query_first(
            "SELECT (SELECT count(*) FROM lists), (SELECT count(*) FROM todos), \
             (SELECT count(*) FROM todos WHERE completed)",
        )
        .await?;
    let (lists, todos, completed) = row.ok_or("no count")?;
    let expected = i64::try_from(transactions)?;
    if (lists, todos, completed) != (expected, 3 * expected, expected) {
        return Err(format!(
            "MariaDB {path}: {transactions} transactions acknowledged, but the tables hold \
             {lists} lists, {todos} todos, {completed} completed"
        )
        .into());
    }
    Ok(())
}

async fn counters(admin: &mut Conn) -> Result<Vec<(String, u64)>> {
    let names: Vec<String> = COUNTERS.iter().map(|c| format!("'{c}'")).collect();
    let rows: Vec<(String, String)> = admin
        .query(format!(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ({})",
            names.join(", ")
        ))
        .await?;
    Ok(COUNTERS
        .iter()
        .filter_map(|name| {
            rows.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(n, v)| (n.clone(), v.parse().unwrap_or(0)))
        })
        .collect())
}

/// Each counter's increase per transaction. The admin connection's own `SHOW` and
/// `SELECT`s add a handful over the whole run, noise at these counts.
fn per_transaction(
    before: &[(String, u64)],
    after: &[(String, u64)],
    transactions: u64,
) -> Vec<(String, f64)> {
    after
        .iter()
        .map(|(name, value)| {
            let was = before
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, v)| *v);
            (
                name.clone(),
                value.saturating_sub(was) as f64 / transactions.max(1) as f64,
            )
        })
        .collect()
}

/// One run's server work: (cell, path, counter -> per transaction).
type ServerWork<'a> = (String, &'a str, Vec<(String, f64)>);

fn print_server_work(work: &[ServerWork<'_>]) {
    let Some((_, _, first)) = work.first() else {
        return;
    };
    println!();
    println!("MariaDB server work per upload transaction (SHOW GLOBAL STATUS, run deltas)");
    print!("{:<18} {:<8}", "cell", "path");
    for (name, _) in first {
        print!(" {:>8}", short_counter(name));
    }
    println!();
    for (cell, path, values) in work {
        print!("{cell:<18} {path:<8}");
        for (_, value) in values {
            print!(" {value:>8.2}");
        }
        println!();
    }
    println!(
        "(prep/exec/close: COM_STMT_PREPARE/EXECUTE/CLOSE; reset: COM_RESET_CONNECTION; \
         conns: new connections; fsyncs: InnoDB's)"
    );
}

fn short_counter(name: &str) -> &str {
    match name {
        "Questions" => "queries",
        "Com_stmt_prepare" => "prep",
        "Com_stmt_execute" => "exec",
        "Com_stmt_close" => "close",
        "Com_begin" => "begin",
        "Com_commit" => "commit",
        "Com_rollback" => "rollback",
        "Com_insert" => "insert",
        "Com_update" => "update",
        "Com_select" => "select",
        "Com_set_option" => "set",
        "Com_reset_connection" => "reset",
        "Connections" => "conns",
        "Innodb_data_fsyncs" => "fsyncs",
        other => other,
    }
}

// ---- the direct baseline ----

impl Load<'_> {
    /// The baseline: each worker applies its transactions one after the other, each
    /// on a connection from the shared pool.
    async fn mariadb_direct(&self, pool: &Pool) -> Result<Measured> {
        let window = self.window();
        let mut workers = JoinSet::new();
        let todos_sql = format!(
            "{PUT_TODOS_HEAD}{}{PUT_TODOS_TAIL}",
            [PUT_TODOS_ROW; 3].join(", ")
        );
        for worker in 0..self.concurrency {
            let pool = pool.clone();
            let mut client = Client::new(self.run, worker);
            let per_request = self.per_request;
            let todos_sql = todos_sql.clone();
            workers.spawn(async move {
                let mut stats = WorkerStats::default();
                for _ in 0..window.max_per_worker {
                    let started = Instant::now();
                    if started >= window.deadline {
                        break;
                    }
                    for tx in client.batch(per_request) {
                        apply(&pool, &todos_sql, &client.client_id, &tx).await?;
                    }
                    stats.record(&window, started, per_request);
                }
                Ok(stats)
            });
        }
        collect(workers, window).await
    }
}

/// `2024-05-01 12:00:00.000Z` as the converter binds it to a DATETIME(6).
fn datetime(text: &str) -> Result<MyValue> {
    let parts: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let [year, month, day, hour, minute, second, millis] = parts[..] else {
        return Err(format!("{text}: expected YYYY-MM-DD HH:MM:SS.mmmZ").into());
    };
    Ok(MyValue::Date(
        u16::try_from(year)?,
        u8::try_from(month)?,
        u8::try_from(day)?,
        u8::try_from(hour)?,
        u8::try_from(minute)?,
        u8::try_from(second)?,
        millis * 1000,
    ))
}

/// One upload transaction as the runtime's MySQL persister runs it.
async fn apply(pool: &Pool, todos_sql: &str, client_id: &str, tx: &Transaction) -> Result<()> {
    let created_at = datetime(CREATED_AT)?;
    let completed_at = datetime(COMPLETED_AT)?;
    let list = tx.list.to_string();
    let mut conn = pool.get_conn().await?;
    let mut db = conn.start_transaction(TxOpts::default()).await?;
    let key = (SUBJECT, client_id);
    // A replay makes the claim set the NOT NULL last_op_id to NULL: refused (1048).
    db.exec_drop(LEDGER_CLAIM, (SUBJECT, client_id, tx.last_op_id()))
        .await
        .map_err(|e| {
            format!(
                "direct: the ledger claim of op {} failed: {e}",
                tx.last_op_id()
            )
        })?;
    db.exec_drop(
        PUT_LIST,
        vec![
            MyValue::from(&list),
            created_at.clone(),
            MyValue::from(tx.list_name()),
            MyValue::from(SUBJECT),
        ],
    )
    .await?;
    let mut todos = Vec::with_capacity(18);
    for (i, todo) in tx.todos.iter().enumerate() {
        todos.extend([
            MyValue::from(todo.to_string()),
            MyValue::Int(0),
            created_at.clone(),
            MyValue::from(SUBJECT),
            MyValue::from(tx.description(i)),
            MyValue::from(&list),
        ]);
    }
    db.exec_drop(todos_sql, todos).await?;
    db.exec_drop(
        PATCH_TODO,
        vec![
            MyValue::Int(1),
            completed_at,
            MyValue::from(SUBJECT),
            MyValue::from(tx.todos[0].to_string()),
        ],
    )
    .await?;
    if EngineConfig::default().write_checkpoints {
        db.exec_drop(CHECKPOINT_BUMP, key).await?;
        let _: Option<i64> = db.exec_first(CHECKPOINT_READ, key).await?;
    }
    db.commit().await?;
    Ok(())
}
