//! The runtime's own tables on SQLite and PostgreSQL: `migrate` creates them, records
//! the schema version, upgrades the first layout, is idempotent and safe to run from
//! several instances at once, and refuses a newer version; a runtime table dropped
//! under a running engine is the server's retryable failure (never the client's
//! SCHEMA_MISMATCH or a dead letter), logged as an error naming `migrate`; `/ready`
//! tells missing tables from an unreachable database.

mod support;

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use powersync_write_api::models::WriteBatch;
use powersync_write_api::operations::ReadyResponse;
use powersync_write_api::server::PowerSyncWriteApi;
use powersync_write_server::auth::{AuthConfig, Authenticator};
use powersync_write_server::engine::{Engine, EngineConfig, Hooks};
use powersync_write_server::http::HttpConfig;
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::metrics::Metrics;
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::persist::{SCHEMA_VERSION, SchemaProblem, SharedPersister};
use powersync_write_server::policy::Policies;
use powersync_write_server::service::WriteService;
use powersync_write_server::vocab::DbError;
use powersync_write_server::vocab::Principal;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

const LEDGER: &str = "powersync_write_ledger";
const CHECKPOINTS: &str = "powersync_write_checkpoints";
const DEAD_LETTERS: &str = "powersync_write_dead_letters";
const VERSION: &str = "powersync_write_schema_version";

/// A fresh database of either kind; nothing created in it.
enum Db {
    Sqlite {
        dir: TempDir,
        path: PathBuf,
    },
    /// With a folder for the dev-mode key of `/ready`'s service.
    Postgres(support::postgres::TestDb, TempDir),
}

impl Db {
    async fn sqlite() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("app.db");
        Db::Sqlite { dir, path }
    }

    async fn postgres() -> Db {
        Db::Postgres(
            support::postgres::database().await,
            tempfile::tempdir().expect("temp dir"),
        )
    }

    fn dir(&self) -> PathBuf {
        match self {
            Db::Sqlite { dir, .. } | Db::Postgres(_, dir) => dir.path().to_path_buf(),
        }
    }

    /// A new persister (a new connection pool), not migrated.
    async fn persister(&self) -> SharedPersister {
        match self {
            Db::Sqlite { path, .. } => Arc::new(
                SqlitePersister::open(path, SqliteOptions::default())
                    .await
                    .expect("open"),
            ),
            Db::Postgres(db, _) => {
                let mut config = PostgresConfig::new(db.url());
                config.connect_timeout = Duration::from_secs(2);
                Arc::new(PostgresPersister::new(config).expect("persister"))
            }
        }
    }

    /// Runs SQL behind the persister's back.
    async fn execute(&self, sql: &str) {
        match self {
            Db::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|conn| conn.execute_batch(sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Db::Postgres(db, _) => db.sql(sql).await,
        }
    }

    async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        match self {
            Db::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|conn| conn.query_row(&sql, [], |row| row.get(0)))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Db::Postgres(db, _) => db
                .client()
                .await
                .query_one(&sql, &[])
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get(0),
        }
    }

    /// The ledger of the first layout (keyed by client id alone), as that release made it.
    fn old_ledger(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => {
                "CREATE TABLE powersync_write_ledger (client_id TEXT PRIMARY KEY NOT NULL, \
                 last_op_id INTEGER NOT NULL);"
            }
            Db::Postgres(..) => {
                "CREATE TABLE powersync_write_ledger (client_id text PRIMARY KEY, \
                 last_op_id bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());"
            }
        }
    }
}

/// A migrated persister with the example `lists`/`todos`.
async fn migrated(db: &Db) -> SharedPersister {
    let persister = db.persister().await;
    persister.migrate().await.expect("migrate");
    persister
        .create_example_schema()
        .await
        .expect("example schema");
    persister
}

async fn engine(persister: SharedPersister) -> Engine {
    let config = EngineConfig {
        write_checkpoints: true,
        // An unknown table is looked up again at once, so its failure is fatal at once.
        schema_reload_interval_ms: 0,
        ..EngineConfig::default()
    };
    Engine::new(
        persister,
        MappingConfig::default(),
        Policies::allow_all(),
        Hooks::defaults(config.retry_after_ms),
        config,
    )
    .await
    .expect("engine")
}

fn principal() -> Principal {
    Principal {
        subject: "user-1".to_string(),
        claims: Map::new(),
    }
}

/// One transaction writing a list with op id `op_id` (on client `c1` unless `None`).
fn list_batch(op_id: i64, table: &str, client_id: Option<&str>) -> WriteBatch {
    serde_json::from_value(json!({
        "client_id": client_id,
        "transactions": [{"crud": [{
            "op": "PUT", "table": table, "op_id": op_id,
            "id": format!("00000000-0000-4000-8000-{op_id:012}"),
            "op_data": {"name": "groceries", "owner_id": "user-1"},
        }]}],
    }))
    .expect("batch")
}

const C1: Option<&str> = Some("c1");

async fn upload(engine: &Engine, batch: &WriteBatch) -> Value {
    let results = engine.process(&principal(), batch).await;
    assert_eq!(results.len(), 1);
    serde_json::to_value(&results[0]).expect("result")
}

/// The log of this thread's events while the guard lives (the tests run on a
/// current-thread runtime, so the engine logs on this thread).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn capture() -> (Log, tracing::subscriber::DefaultGuard) {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (log, tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// ---- migrate and the schema version ----

async fn a_fresh_database_is_refused_until_migrated(db: Db) {
    let persister = db.persister().await;
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.version(), None);
    assert_eq!(tables.check(), Err(SchemaProblem::Missing));

    persister.migrate().await.expect("migrate");
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.recorded_version, Some(SCHEMA_VERSION));
    assert_eq!(tables.check(), Ok(()));

    // Again, as on every deploy: nothing changes, one version row.
    db.execute(&format!(
        "INSERT INTO {LEDGER} (subject, client_id, last_op_id) VALUES ('u', 'c', 7)"
    ))
    .await;
    persister.migrate().await.expect("migrate again");
    assert_eq!(db.count(VERSION).await, 1);
    assert_eq!(db.count(LEDGER).await, 1);
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.recorded_version, Some(SCHEMA_VERSION));
    assert_eq!(tables.check(), Ok(()));
}

async fn the_first_layout_is_read_from_the_ledger_then_upgraded_and_versioned(db: Db) {
    let persister = db.persister().await;
    persister.migrate().await.expect("migrate");
    // A database of the first release: no version table, the old ledger.
    db.execute(&format!(
        "DROP TABLE {VERSION}; DROP TABLE {LEDGER}; {} \
         INSERT INTO {LEDGER} (client_id, last_op_id) VALUES ('phone', 5);",
        db.old_ledger()
    ))
    .await;
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.recorded_version, None);
    assert_eq!(tables.version(), Some(1));
    assert_eq!(tables.check(), Err(SchemaProblem::Older { found: 1 }));

    persister.migrate().await.expect("migrate upgrades");
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.recorded_version, Some(SCHEMA_VERSION));
    assert!(tables.ledger_has_subject);
    assert_eq!(tables.check(), Ok(()));
    assert_eq!(
        db.count(&format!(
            "{LEDGER} WHERE subject = '' AND client_id = 'phone' AND last_op_id = 5"
        ))
        .await,
        1
    );

    // Today's layout without a version row (a database migrated by the release
    // before versions were recorded) is read as the current version.
    db.execute(&format!("DROP TABLE {VERSION}")).await;
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.recorded_version, None);
    assert_eq!(tables.version(), Some(SCHEMA_VERSION));
    assert_eq!(tables.check(), Ok(()));
}

async fn a_newer_version_is_refused_and_left_alone(db: Db) {
    let persister = db.persister().await;
    persister.migrate().await.expect("migrate");
    let newer = SCHEMA_VERSION + 1;
    db.execute(&format!("UPDATE {VERSION} SET version = {newer}"))
        .await;
    let tables = persister.runtime_tables().await.expect("runtime tables");
    assert_eq!(tables.check(), Err(SchemaProblem::Newer { found: newer }));

    let Err(DbError::RuntimeTables { message }) = persister.migrate().await else {
        panic!("migrate accepted a newer version");
    };
    assert!(message.contains(&format!("version {newer}")), "{message}");
    assert!(
        message.contains(&format!("this release's {SCHEMA_VERSION}")),
        "{message}"
    );
    assert_eq!(
        db.count(&format!("{VERSION} WHERE version = {newer}"))
            .await,
        1
    );
}

async fn instances_migrating_at_once_all_succeed(db: Db) {
    let mut persisters = Vec::new();
    for _ in 0..4 {
        persisters.push(db.persister().await);
    }
    let results =
        futures_util::future::join_all(persisters.iter().map(|persister| persister.migrate()))
            .await;
    for result in results {
        result.expect("a concurrent migrate");
    }
    assert_eq!(db.count(VERSION).await, 1);
    let tables = persisters[0]
        .runtime_tables()
        .await
        .expect("runtime tables");
    assert_eq!(tables.recorded_version, Some(SCHEMA_VERSION));
    assert_eq!(tables.check(), Ok(()));
}

// ---- a runtime table dropped under a running engine ----

/// Drops `table` after a first upload succeeded; the next upload must be a retryable
/// failure naming `migrate` for the client, an error line naming the table and
/// `migrate` for the operator, nothing written and nothing kept; after `migrate`, it
/// applies. `target` is the table the upload writes: a valid one, or (for the dead
/// letters) one that does not exist, so that the transaction fails and would be kept.
async fn a_dropped_runtime_table_is_the_servers_failure(
    db: &Db,
    table: &str,
    target: &str,
    client_id: Option<&str>,
) {
    let persister = migrated(db).await;
    let engine = engine(persister.clone()).await;
    let first = upload(&engine, &list_batch(1, "lists", C1)).await;
    assert_eq!(first["status"], "success", "{first}");

    db.execute(&format!("DROP TABLE {table}")).await;
    let (log, guard) = Log::capture();
    let result = upload(&engine, &list_batch(2, target, client_id)).await;
    drop(guard);
    let what = format!("{table} dropped, {target} written by {client_id:?}");
    assert_eq!(result["status"], "retryable_error", "{what}: {result}");
    let message = result["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("powersync-write-server migrate"),
        "{what}: {message}"
    );
    assert_eq!(db.count("lists").await, 1, "{what}: written");
    if table != DEAD_LETTERS {
        assert_eq!(db.count(DEAD_LETTERS).await, 0, "{what}: kept");
    }
    let log = log.text();
    let error = log
        .lines()
        .find(|line| line.contains("ERROR") && line.contains(table))
        .unwrap_or_else(|| panic!("{what}: no error line naming the table in:\n{log}"));
    assert!(
        error.contains("powersync-write-server migrate"),
        "{what}: {error}"
    );
    assert!(
        persister
            .runtime_tables()
            .await
            .expect("runtime tables")
            .check()
            .is_err()
    );

    persister.migrate().await.expect("migrate");
    let again = upload(&engine, &list_batch(2, "lists", C1)).await;
    assert_eq!(again["status"], "success", "{what}: {again}");
    assert_eq!(db.count("lists").await, 2);
}

async fn a_dropped_ledger_is_the_servers_failure(db: Db) {
    a_dropped_runtime_table_is_the_servers_failure(&db, LEDGER, "lists", C1).await;
}

async fn dropped_checkpoints_are_the_servers_failure(db: Db) {
    a_dropped_runtime_table_is_the_servers_failure(&db, CHECKPOINTS, "lists", C1).await;
}

/// Without a client id the failed transaction goes straight to the store; with one,
/// the engine first looks for the letter a replay was kept as.
async fn dropped_dead_letters_are_the_servers_failure(db: Db) {
    a_dropped_runtime_table_is_the_servers_failure(&db, DEAD_LETTERS, "no_such_table", None).await;
}

async fn dropped_dead_letters_are_the_servers_failure_on_a_replay_check(db: Db) {
    a_dropped_runtime_table_is_the_servers_failure(&db, DEAD_LETTERS, "no_such_table", C1).await;
}

/// The first layout's ledger under a running engine (restored from a backup, say):
/// its missing `subject` column is the server's failure too.
async fn an_old_ledger_under_a_running_engine_is_the_servers_failure(db: Db) {
    let persister = migrated(&db).await;
    let engine = engine(persister.clone()).await;
    db.execute(&format!("DROP TABLE {LEDGER}; {}", db.old_ledger()))
        .await;
    let result = upload(&engine, &list_batch(1, "lists", C1)).await;
    assert_eq!(result["status"], "retryable_error", "{result}");
    let message = result["message"].as_str().unwrap_or_default();
    assert!(!message.contains("SCHEMA_MISMATCH"), "{message}");
    assert!(
        message.contains("powersync-write-server migrate"),
        "{message}"
    );
    assert_eq!(db.count("lists").await, 0);
    assert_eq!(db.count(DEAD_LETTERS).await, 0);
}

// ---- /ready ----

async fn service(db: &Db, persister: SharedPersister) -> WriteService {
    let config = EngineConfig::default();
    let engine = Engine::new(
        persister,
        MappingConfig::default(),
        Policies::allow_all(),
        Hooks::defaults(config.retry_after_ms),
        config,
    )
    .await
    .expect("engine");
    WriteService {
        engine: Arc::new(engine),
        authenticator: Arc::new(
            Authenticator::new(&AuthConfig::default(), &db.dir())
                .await
                .expect("authenticator"),
        ),
        metrics: Arc::new(Metrics::new()),
        admission: HttpConfig::default().admission(),
    }
}

/// `Ok(())` when ready, else the 503's message.
async fn ready(service: &WriteService) -> Result<(), String> {
    match service.ready().await {
        ReadyResponse::Ok(status) => {
            assert_eq!(status.status, "ready");
            Ok(())
        }
        ReadyResponse::ServiceUnavailable { retry_after, body } => {
            assert!(retry_after.is_some());
            assert_eq!(body.code.as_deref(), Some("NOT_READY"));
            Err(body.message)
        }
    }
}

async fn ready_follows_the_runtime_tables(db: Db) {
    let persister = db.persister().await;
    let service = service(&db, persister.clone()).await;
    let message = ready(&service).await.expect_err("ready before migrate");
    assert!(message.contains("do not exist"), "{message}");
    assert!(
        message.contains("powersync-write-server migrate"),
        "{message}"
    );
    assert!(!message.contains("not reachable"), "{message}");

    persister.migrate().await.expect("migrate");
    assert_eq!(ready(&service).await, Ok(()));

    db.execute(&format!("DROP TABLE {CHECKPOINTS}")).await;
    let message = ready(&service).await.expect_err("ready without a table");
    assert!(message.contains(CHECKPOINTS), "{message}");
    assert!(message.contains("migrate"), "{message}");

    persister.migrate().await.expect("migrate");
    db.execute(&format!("UPDATE {VERSION} SET version = 1"))
        .await;
    let message = ready(&service).await.expect_err("ready at version 1");
    assert!(message.contains("version 1"), "{message}");
    assert!(message.contains("migrate"), "{message}");
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Db::sqlite().await).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Db::postgres().await).await;
                }
            )*
        }
    };
}

on_both!(
    a_fresh_database_is_refused_until_migrated,
    the_first_layout_is_read_from_the_ledger_then_upgraded_and_versioned,
    a_newer_version_is_refused_and_left_alone,
    instances_migrating_at_once_all_succeed,
    a_dropped_ledger_is_the_servers_failure,
    dropped_checkpoints_are_the_servers_failure,
    dropped_dead_letters_are_the_servers_failure,
    dropped_dead_letters_are_the_servers_failure_on_a_replay_check,
    an_old_ledger_under_a_running_engine_is_the_servers_failure,
    ready_follows_the_runtime_tables,
);

/// PostgreSQL only: an unreachable database is told apart from missing tables.
#[tokio::test]
async fn ready_says_when_postgres_is_unreachable() {
    let db = Db::postgres().await;
    let persister = migrated(&db).await;
    let service = service(&db, persister).await;
    assert_eq!(ready(&service).await, Ok(()));
    let Db::Postgres(test_db, _) = &db else {
        unreachable!()
    };
    let admin = support::postgres::connect(&format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        test_db.port
    ))
    .await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            name = test_db.name
        ))
        .await
        .expect("cut the database off");
    let message = ready(&service).await.expect_err("ready while cut off");
    assert!(message.contains("not reachable"), "{message}");
    assert!(!message.contains("migrate"), "{message}");
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS true",
            test_db.name
        ))
        .await
        .expect("reconnect");
    // Pooled connections the server terminated are dropped as they are found broken.
    let mut answer = ready(&service).await;
    for _ in 0..20 {
        if answer.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        answer = ready(&service).await;
    }
    assert_eq!(answer, Ok(()));
}
