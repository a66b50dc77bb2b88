//! A throwaway PostgreSQL cluster for the tests of one test binary, and a fresh
//! database per test.
//!
//! The cluster is created on first use with `initdb` in a temporary folder (as the
//! `postgres` user when running as root, since PostgreSQL refuses to run as root) and
//! started with `pg_ctl` on a free port, listening on 127.0.0.1 and a socket in that
//! folder. A detached watchdog stops it and removes the folder when the test process
//! has exited, however it exits. Binaries: `$PG_BIN`, else
//! `/usr/lib/postgresql/15/bin`; a missing binary fails the test with a clear message.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use powersync_write_server::hooks::HandlerRegistry;
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::persist::{
    Applied, CheckpointKey, Idempotency, Persister, TransactionWork,
};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry, PutMode, WriteOp};
use serde_json::Value;

pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The binary's cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    match CLUSTER.get_or_init(start) {
        Ok(cluster) => cluster,
        Err(message) => panic!("cannot start the test PostgreSQL cluster: {message}"),
    }
}

fn bin_dir() -> PathBuf {
    std::env::var_os("PG_BIN").map_or_else(
        || PathBuf::from("/usr/lib/postgresql/15/bin"),
        PathBuf::from,
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL binary, as `postgres` when we are root.
fn pg_command(program: &str) -> Command {
    let path = bin_dir().join(program);
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn start() -> Result<Cluster, String> {
    for program in ["initdb", "pg_ctl", "postgres"] {
        let path = bin_dir().join(program);
        if !path.exists() {
            return Err(format!(
                "{} not found: install PostgreSQL 15 (Debian: postgresql-15) or set PG_BIN",
                path.display()
            ));
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("pgtest-")
        .tempdir()
        .map_err(|e| format!("temporary folder: {e}"))?
        .keep();
    if is_root() {
        let id = |flag: &str| -> Result<u32, String> {
            let output = Command::new("id")
                .args([flag, "postgres"])
                .output()
                .map_err(|e| e.to_string())?;
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .map_err(|_| {
                    "no `postgres` user: install PostgreSQL 15 (Debian: postgresql-15)".to_string()
                })
        };
        std::os::unix::fs::chown(&dir, Some(id("-u")?), Some(id("-g")?))
            .map_err(|e| format!("chown: {e}"))?;
    }
    let data = dir.join("data");
    let mut initdb = pg_command("initdb");
    initdb.arg("-D").arg(&data).args([
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    ]);
    run(initdb, "initdb")?;
    watchdog(&dir, &data);
    let mut last_error = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400",
            dir.display()
        );
        let mut pg_ctl = pg_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null());
        match run(pg_ctl, "pg_ctl start") {
            Ok(()) => return Ok(Cluster { port, dir }),
            Err(error) => {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                last_error = format!("{error}\n{log}");
            }
        }
    }
    Err(last_error)
}

/// Stops the cluster and removes its folder once this process is gone.
fn watchdog(dir: &Path, data: &Path) {
    let pg_ctl = bin_dir().join("pg_ctl");
    let as_postgres = if is_root() {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {as_postgres}'{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A fresh database of the cluster.
pub struct TestDb {
    pub name: String,
    pub port: u16,
}

impl TestDb {
    /// Connection URL as `user` (the superuser `postgres` by default).
    pub fn url_as(&self, user: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{}", self.port, self.name)
    }

    pub fn url(&self) -> String {
        self.url_as("postgres")
    }

    /// A direct superuser connection, for setting up and checking.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url()).await
    }

    /// Runs SQL statements as the superuser.
    pub async fn sql(&self, sql: &str) {
        if let Err(error) = self.client().await.batch_execute(sql).await {
            panic!("{sql}: {error:?}");
        }
    }

    /// A migrated persister on this database.
    pub async fn persister(&self) -> PostgresPersister {
        self.persister_with(PostgresConfig::new(self.url())).await
    }

    pub async fn persister_with(&self, config: PostgresConfig) -> PostgresPersister {
        let persister = PostgresPersister::new(config).expect("persister");
        persister.migrate().await.expect("migrate");
        persister
    }
}

pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(connection);
    client
}

/// Creates a new database in the binary's cluster.
pub async fn database() -> TestDb {
    let cluster = cluster();
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let admin = connect(&format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        cluster.port
    ))
    .await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("create database {name}: {e:?}"));
    TestDb {
        name,
        port: cluster.port,
    }
}

// ---- building work for `Persister::apply` ----

pub fn principal() -> Principal {
    Principal {
        subject: "user-1".to_string(),
        claims: Default::default(),
    }
}

/// A mapped entry; `data` is a JSON object of database column -> value.
pub fn entry(
    operation_index: usize,
    op: WriteOp,
    table: &str,
    id: &str,
    data: Value,
) -> MappedEntry {
    let columns = match data {
        Value::Object(map) => map.into_iter().collect(),
        Value::Null => Vec::new(),
        other => panic!("entry data must be an object, got {other}"),
    };
    MappedEntry {
        operation_index,
        op,
        table: table.to_string(),
        key_column: "id".to_string(),
        id: Value::String(id.to_string()),
        columns,
        client_table: table.to_string(),
        source: None,
        guard: None,
    }
}

pub fn put(operation_index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(
        operation_index,
        WriteOp::Put(PutMode::Merge),
        table,
        id,
        data,
    )
}

pub fn patch(operation_index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(operation_index, WriteOp::Patch, table, id, data)
}

pub fn delete(operation_index: usize, table: &str, id: &str) -> MappedEntry {
    entry(operation_index, WriteOp::Delete, table, id, Value::Null)
}

/// Options of one `apply`.
#[derive(Default)]
pub struct Apply<'a> {
    pub idempotency: Option<(&'a str, i64)>,
    pub checkpoint: Option<(&'a str, &'a str)>,
    pub handlers: HandlerRegistry,
}

pub async fn apply_with(
    persister: &PostgresPersister,
    schema: &DatabaseSchema,
    entries: &[MappedEntry],
    options: &Apply<'_>,
) -> Result<Applied, DbError> {
    let principal = principal();
    let work = TransactionWork {
        principal: &principal,
        entries,
        schema,
        idempotency: options
            .idempotency
            .map(|(client_id, last_op_id)| Idempotency {
                client_id,
                last_op_id,
            }),
        checkpoint: options
            .checkpoint
            .map(|(user_id, client_id)| CheckpointKey { user_id, client_id }),
        handlers: &options.handlers,
    };
    persister.apply(&work).await
}

/// Applies with a freshly introspected schema and no options.
pub async fn apply(
    persister: &PostgresPersister,
    entries: &[MappedEntry],
) -> Result<Applied, DbError> {
    let schema = persister.introspect().await.expect("introspect");
    apply_with(persister, &schema, entries, &Apply::default()).await
}

/// Rows of a query, each column cast to text by the caller's SQL.
pub async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.get::<_, Option<String>>(i))
                .collect()
        })
        .collect()
}
