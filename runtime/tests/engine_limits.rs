//! What one client's input may cost the server, on real SQLite: unknown tables reload
//! the schema at most once per interval, each user keeps a bounded number of dead
//! letters per window, and retryable answers do not carry the database's own words.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use powersync_write_api::models::{
    CrudEntry, CrudTransaction, TransactionResult, UpdateType, WriteBatch,
};
use powersync_write_server::engine::{BatchPolicy, Engine, EngineConfig, Hooks, RETRYABLE_MESSAGE};
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::persist::{
    Applied, DeadLetter, NewDeadLetter, Persister, RuntimeTables, SharedPersister, TransactionWork,
};
use powersync_write_server::policy::Policies;
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, Dialect};
use serde_json::{Map, json};
use tempfile::TempDir;

/// The real SQLite persister, counting its introspections (it changes nothing).
struct CountingIntrospections {
    inner: SqlitePersister,
    introspections: AtomicUsize,
}

#[async_trait]
impl Persister for CountingIntrospections {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    async fn migrate(&self) -> Result<(), DbError> {
        self.inner.migrate().await
    }
    async fn create_example_schema(&self) -> Result<(), DbError> {
        self.inner.create_example_schema().await
    }
    async fn ping(&self) -> Result<(), DbError> {
        self.inner.ping().await
    }
    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError> {
        self.inner.runtime_tables().await
    }
    async fn introspect(&self) -> Result<DatabaseSchema, DbError> {
        self.introspections.fetch_add(1, Ordering::SeqCst);
        self.inner.introspect().await
    }
    async fn apply(&self, work: &TransactionWork<'_>) -> Result<Applied, DbError> {
        self.inner.apply(work).await
    }
    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError> {
        self.inner.store_dead_letter(letter).await
    }
    async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, DbError> {
        self.inner.list_dead_letters(limit).await
    }
    async fn get_dead_letter(&self, id: &str) -> Result<Option<DeadLetter>, DbError> {
        self.inner.get_dead_letter(id).await
    }
    async fn find_dead_letter(
        &self,
        subject: &str,
        client_id: &str,
        last_op_id: i64,
    ) -> Result<Option<DeadLetter>, DbError> {
        self.inner
            .find_dead_letter(subject, client_id, last_op_id)
            .await
    }
    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError> {
        self.inner.delete_dead_letter(id).await
    }
}

struct Db {
    _dir: TempDir,
    path: std::path::PathBuf,
    persister: Arc<CountingIntrospections>,
}

async fn db(options: SqliteOptions) -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.db");
    let inner = SqlitePersister::open(&path, options).await.expect("open");
    inner.migrate().await.expect("migrate");
    inner.create_example_schema().await.expect("example");
    Db {
        _dir: dir,
        path,
        persister: Arc::new(CountingIntrospections {
            inner,
            introspections: AtomicUsize::new(0),
        }),
    }
}

async fn engine(db: &Db, config: EngineConfig) -> Engine {
    let persister: SharedPersister = db.persister.clone();
    Engine::new(
        persister,
        MappingConfig::default(),
        Policies::allow_all(),
        Hooks::defaults(config.retry_after_ms),
        EngineConfig {
            batch_policy: BatchPolicy::Skip,
            ..config
        },
    )
    .await
    .expect("engine")
}

fn put(table: &str, id: &str, op_id: i64) -> CrudEntry {
    CrudEntry {
        op: UpdateType::Put,
        table: table.to_string(),
        id: id.to_string(),
        op_id: Some(op_id),
        transaction_id: None,
        op_data: json!({"name": "x", "owner_id": "u"})
            .as_object()
            .cloned()
            .map(Some),
        previous_values: None,
        metadata: None,
    }
}

async fn send(engine: &Engine, subject: &str, entry: CrudEntry) -> TransactionResult {
    let batch = WriteBatch {
        client_id: Some(format!("{subject}-device")),
        transactions: vec![
            CrudTransaction {
                transaction_id: None,
                crud: vec![entry],
            }
            .into(),
        ],
    };
    let principal = Principal {
        subject: subject.to_string(),
        claims: Map::new(),
    };
    engine.process(&principal, &batch).await.remove(0)
}

fn retry_after(result: &TransactionResult) -> Option<i64> {
    match result {
        TransactionResult::RetryableError(r) => r.retry_after_ms,
        _ => None,
    }
}

fn error_code(result: &TransactionResult) -> Option<&str> {
    match result {
        TransactionResult::FatalError(f) => Some(&f.failed_operation.error_code),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tables_reload_the_schema_at_most_once_per_interval() {
    let db = db(SqliteOptions::default()).await;
    let interval = Duration::from_millis(400);
    let engine = engine(
        &db,
        EngineConfig {
            schema_reload_interval_ms: 400,
            ..EngineConfig::default()
        },
    )
    .await;
    let loaded = db.persister.introspections.load(Ordering::SeqCst);
    assert_eq!(loaded, 1, "the engine learns the schema once at start");

    // A flood of unknown tables right after start: answered retryable, no reload,
    // nothing kept.
    for op_id in 1..=50 {
        let result = send(&engine, "mallory", put("nope", "x", op_id)).await;
        let wait = retry_after(&result).unwrap_or_else(|| panic!("{result:?}"));
        assert!((1..=400).contains(&wait), "{wait}");
    }
    assert_eq!(db.persister.introspections.load(Ordering::SeqCst), loaded);
    assert!(db.persister.list_dead_letters(10).await.unwrap().is_empty());

    // Once the interval has passed, one mismatch reloads: a table created meanwhile
    // is found, an unknown one is kept as a dead letter.
    rusqlite::Connection::open(&db.path)
        .and_then(|c| {
            c.execute_batch("CREATE TABLE notes (id TEXT PRIMARY KEY, name TEXT, owner_id TEXT)")
        })
        .expect("create notes");
    tokio::time::sleep(interval).await;
    let result = send(&engine, "alice", put("notes", "n1", 1)).await;
    assert!(
        matches!(result, TransactionResult::Success(_)),
        "{result:?}"
    );
    assert_eq!(
        db.persister.introspections.load(Ordering::SeqCst),
        loaded + 1
    );
    let result = send(&engine, "mallory", put("nope", "x", 60)).await;
    assert!(retry_after(&result).is_some(), "{result:?}");
    tokio::time::sleep(interval).await;
    let result = send(&engine, "mallory", put("nope", "x", 61)).await;
    assert_eq!(error_code(&result), Some("SCHEMA_MISMATCH"), "{result:?}");
    assert_eq!(
        db.persister.introspections.load(Ordering::SeqCst),
        loaded + 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_keeps_a_bounded_number_of_dead_letters_per_window() {
    let db = db(SqliteOptions::default()).await;
    let engine = engine(
        &db,
        EngineConfig {
            dead_letters_per_user: 3,
            dead_letter_window_seconds: 3600,
            ..EngineConfig::default()
        },
    )
    .await;
    // Todos in a list that does not exist: each a foreign-key failure.
    let orphan = |op_id: i64| CrudEntry {
        table: "todos".into(),
        op_data: json!({"description": "d", "list_id": "00000000-0000-4000-8000-0000000000ff"})
            .as_object()
            .cloned()
            .map(Some),
        ..put(
            "todos",
            &format!("00000000-0000-4000-8000-{op_id:012}"),
            op_id,
        )
    };
    let mut codes = Vec::new();
    for op_id in 1..=5 {
        let result = send(&engine, "mallory", orphan(op_id)).await;
        codes.push(match &result {
            TransactionResult::FatalError(f) if f.dead_letter_id.is_some() => "kept",
            TransactionResult::RetryableError(r) if r.retry_after_ms > Some(3_000_000) => {
                "retryable"
            }
            other => panic!("{other:?}"),
        });
    }
    assert_eq!(codes, ["kept", "kept", "kept", "retryable", "retryable"]);
    assert_eq!(db.persister.list_dead_letters(10).await.unwrap().len(), 3);
    // Another user is not held back by mallory's budget.
    let result = send(&engine, "alice", orphan(1)).await;
    assert_eq!(error_code(&result), Some("FOREIGN_KEY_VIOLATION"));
    assert_eq!(db.persister.list_dead_letters(10).await.unwrap().len(), 4);
    // A replay of a kept transaction costs nothing: it gets its letter back.
    let result = send(&engine, "mallory", orphan(3)).await;
    assert!(
        matches!(&result, TransactionResult::FatalError(f) if f.dead_letter_id.is_some()),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retryable_answers_carry_the_database_message_only_when_configured() {
    let options = SqliteOptions {
        busy_timeout_ms: 50,
        ..SqliteOptions::default()
    };
    let db = db(options).await;
    // Another connection holds the write lock: SQLITE_BUSY, a retryable failure.
    let lock = rusqlite::Connection::open(&db.path).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE").expect("lock");
    for (expose, expected) in [(false, None), (true, Some("locked"))] {
        let engine = engine(
            &db,
            EngineConfig {
                expose_database_messages: expose,
                ..EngineConfig::default()
            },
        )
        .await;
        let result = send(
            &engine,
            "alice",
            put("lists", "00000000-0000-4000-8000-000000000001", 1),
        )
        .await;
        let TransactionResult::RetryableError(retryable) = result else {
            panic!("{result:?}")
        };
        match expected {
            None => assert_eq!(retryable.message.as_deref(), Some(RETRYABLE_MESSAGE)),
            Some(word) => {
                let message = retryable.message.as_deref().unwrap_or_default();
                assert!(message.contains(word), "{message}");
            }
        }
    }
    lock.execute_batch("ROLLBACK").expect("unlock");
}
