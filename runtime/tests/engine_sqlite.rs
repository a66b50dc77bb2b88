//! The batch engine over real SQLite files: batch policies, dead letters (and a
//! dead-letter store that fails), the fatal router, idempotent replays, schema
//! mismatches and the one schema refresh, the authorizer, message redaction, write
//! checkpoints, and the hooks of `examples/embedded.rs`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use powersync_write_api::models::{
    CrudEntry, CrudTransaction, TransactionResult, UpdateType, WriteBatch,
};
use powersync_write_api::validation::{Checked, check_items, validate_crud_transaction};
use powersync_write_server::engine::{BatchPolicy, Engine, EngineConfig, Hooks};
use powersync_write_server::failure::FatalFailure;
use powersync_write_server::hooks::{Authorizer, FatalRouter, Refusal};
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::persist::{
    Applied, DeadLetter, NewDeadLetter, Persister, RuntimeTables, SharedPersister, TransactionWork,
};
use powersync_write_server::policy::Policies;
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, Dialect};
use rusqlite::types::Value as Sql;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

/// The hooks of the embedding example, compiled into this test so the example's
/// logic is what is tested (its `main` is not used here).
#[path = "../examples/embedded.rs"]
#[allow(dead_code)]
mod embedded;

const LIST: &str = "00000000-0000-4000-8000-000000000001";
const LIST2: &str = "00000000-0000-4000-8000-000000000002";
const MISSING_LIST: &str = "00000000-0000-4000-8000-0000000000ff";
const TODO: &str = "00000000-0000-4000-8000-000000000101";
const TODO2: &str = "00000000-0000-4000-8000-000000000102";

// ---- building requests ----

fn entry(op: UpdateType, table: &str, id: &str, op_id: Option<i64>, data: Value) -> CrudEntry {
    CrudEntry {
        op,
        table: table.to_string(),
        id: id.to_string(),
        op_id,
        transaction_id: None,
        op_data: match data {
            Value::Object(map) => Some(Some(map)),
            _ => None,
        },
        previous_values: None,
        metadata: None,
    }
}

fn put(table: &str, id: &str, op_id: i64, data: Value) -> CrudEntry {
    entry(UpdateType::Put, table, id, Some(op_id), data)
}

fn patch(table: &str, id: &str, op_id: i64, data: Value) -> CrudEntry {
    entry(UpdateType::Patch, table, id, Some(op_id), data)
}

fn delete(table: &str, id: &str, op_id: i64) -> CrudEntry {
    entry(UpdateType::Delete, table, id, Some(op_id), Value::Null)
}

fn tx(crud: Vec<CrudEntry>) -> CrudTransaction {
    CrudTransaction {
        transaction_id: None,
        crud,
    }
}

fn batch(client_id: Option<&str>, transactions: Vec<CrudTransaction>) -> WriteBatch {
    WriteBatch {
        client_id: client_id.map(str::to_string),
        transactions: transactions.into_iter().map(Into::into).collect(),
    }
}

fn list(id: &str, op_id: i64) -> CrudEntry {
    put(
        "lists",
        id,
        op_id,
        json!({"name": format!("list {op_id}"), "owner_id": "user-1"}),
    )
}

fn todo(id: &str, list_id: &str, op_id: i64) -> CrudEntry {
    put(
        "todos",
        id,
        op_id,
        json!({"description": format!("todo {op_id}"), "list_id": list_id}),
    )
}

fn principal(subject: &str) -> Principal {
    Principal {
        subject: subject.to_string(),
        claims: Map::new(),
    }
}

// ---- the database ----

struct Db {
    _dir: TempDir,
    path: PathBuf,
    persister: SharedPersister,
}

/// A fresh SQLite file with the runtime's tables and the example `lists`/`todos`.
async fn db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.db");
    let persister = SqlitePersister::open(&path, SqliteOptions::default())
        .await
        .expect("open");
    persister.migrate().await.expect("migrate");
    persister
        .create_example_schema()
        .await
        .expect("example schema");
    Db {
        _dir: dir,
        path,
        persister: Arc::new(persister),
    }
}

impl Db {
    async fn engine(&self, hooks: Hooks, config: EngineConfig) -> Engine {
        self.engine_over(self.persister.clone(), hooks, config)
            .await
    }

    async fn engine_over(
        &self,
        persister: SharedPersister,
        hooks: Hooks,
        config: EngineConfig,
    ) -> Engine {
        // Tables created by a test right after the engine starts are looked up at
        // once; the reload's rate limit is tested in engine_limits.rs.
        let config = EngineConfig {
            schema_reload_interval_ms: 0,
            ..config
        };
        Engine::new(
            persister,
            MappingConfig::default(),
            Policies::allow_all(),
            hooks,
            config,
        )
        .await
        .expect("engine")
    }

    async fn default_engine(&self, policy: BatchPolicy) -> Engine {
        let config = EngineConfig {
            batch_policy: policy,
            ..EngineConfig::default()
        };
        self.engine(Hooks::defaults(config.retry_after_ms), config)
            .await
    }

    fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("raw open")
    }

    fn rows(&self, sql: &str) -> Vec<Vec<Sql>> {
        let conn = self.raw();
        let mut stmt = conn.prepare(sql).expect("prepare");
        let count = stmt.column_count();
        stmt.query_map([], |row| (0..count).map(|i| row.get(i)).collect())
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn count(&self, table: &str) -> i64 {
        self.raw()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    async fn dead_letters(&self) -> Vec<DeadLetter> {
        self.persister
            .list_dead_letters(100)
            .await
            .expect("dead letters")
    }
}

fn text(value: &str) -> Sql {
    Sql::Text(value.to_string())
}

// ---- reading results ----

fn statuses(results: &[TransactionResult]) -> Vec<&'static str> {
    results
        .iter()
        .map(|result| match result {
            TransactionResult::Success(s) if s.duplicate == Some(true) => "duplicate",
            TransactionResult::Success(_) => "success",
            TransactionResult::RetryableError(_) => "retryable_error",
            TransactionResult::FatalError(_) => "fatal_error",
            TransactionResult::NotAttempted(_) => "not_attempted",
        })
        .collect()
}

/// The result as JSON, with a dead-letter id (random) replaced by `"<id>"`.
fn shape(result: &TransactionResult) -> Value {
    let mut value = serde_json::to_value(result).expect("json");
    if let Some(id) = value.get_mut("dead_letter_id") {
        *id = json!("<id>");
    }
    value
}

fn dead_letter_id(result: &TransactionResult) -> String {
    match result {
        TransactionResult::FatalError(fatal) => {
            fatal.dead_letter_id.clone().expect("a dead-letter id")
        }
        other => panic!("expected a fatal error, got {other:?}"),
    }
}

const FK_MESSAGE: &str = "the row references a row that does not exist, or is still referenced";

/// Three transactions; the middle one references a list that does not exist.
fn batch_with_fk_failure(client_id: Option<&str>) -> WriteBatch {
    batch(
        client_id,
        vec![
            tx(vec![list(LIST, 1)]),
            tx(vec![list(LIST2, 2), todo(TODO, MISSING_LIST, 3)]),
            tx(vec![todo(TODO2, LIST, 4)]),
        ],
    )
}

// ---- batch policy ----

#[tokio::test]
async fn stop_policy_leaves_later_transactions_not_attempted() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let results = engine
        .process(&principal("user-1"), &batch_with_fk_failure(Some("c1")))
        .await;
    assert_eq!(
        statuses(&results),
        ["success", "fatal_error", "not_attempted"]
    );
    assert_eq!(db.count("lists"), 1, "the failed transaction rolled back");
    assert_eq!(
        db.count("todos"),
        0,
        "the transaction after it was not applied"
    );
}

#[tokio::test]
async fn skip_policy_applies_later_transactions_with_one_result_each() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let results = engine
        .process(&principal("user-1"), &batch_with_fk_failure(Some("c1")))
        .await;
    assert_eq!(statuses(&results), ["success", "fatal_error", "success"]);
    assert_eq!(
        db.rows("SELECT id FROM lists ORDER BY id"),
        [[text(LIST)]],
        "the failed transaction's list is rolled back with it"
    );
    assert_eq!(db.rows("SELECT id FROM todos"), [[text(TODO2)]]);
}

// ---- malformed transactions (no poison pills) ----

/// A batch as the generated server hands it over: each transaction of `raw`
/// validated on its own.
fn checked_batch(client_id: &str, raw: Value) -> WriteBatch {
    WriteBatch {
        client_id: Some(client_id.to_string()),
        transactions: check_items(
            raw.as_array().expect("an array").clone(),
            "$.transactions",
            validate_crud_transaction,
        ),
    }
}

/// A list, a transaction from a newer SDK (an unknown `op`, then an empty table),
/// and a todo in that list.
fn batch_with_malformed_middle() -> WriteBatch {
    checked_batch(
        "c1",
        json!([
            {"crud": [{"op": "PUT", "table": "lists", "id": LIST, "op_id": 1,
                       "op_data": {"name": "l", "owner_id": "user-1"}}]},
            {"crud": [
                {"op": "PUT", "table": "lists", "id": LIST2, "op_id": 2, "op_data": {"name": "m"}},
                {"op": "UPSERT", "table": "lists", "id": LIST2, "op_id": 3},
                {"op": "DELETE", "table": "", "id": LIST2, "op_id": 4}
            ]},
            {"crud": [{"op": "PUT", "table": "todos", "id": TODO, "op_id": 5,
                       "op_data": {"description": "d", "list_id": LIST}}]}
        ]),
    )
}

#[tokio::test]
async fn a_malformed_transaction_is_dead_lettered_as_invalid_request_under_stop() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let sent = batch_with_malformed_middle();
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&results),
        ["success", "fatal_error", "not_attempted"]
    );
    let failure = serde_json::to_value(&results[1]).unwrap();
    assert_eq!(failure["requires_client_handling"], false);
    assert_eq!(failure["failed_operation"]["error_code"], "INVALID_REQUEST");
    // The first entry with a problem, and the table it names.
    assert_eq!(failure["failed_operation"]["operation_index"], 1);
    assert_eq!(failure["failed_operation"]["details"]["table"], "lists");
    let violations: Vec<(&str, &str)> = failure["failed_operation"]["details"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap(), v["keyword"].as_str().unwrap()))
        .collect();
    assert_eq!(
        violations,
        [
            ("$.transactions[1].crud[1].op", "enum"),
            ("$.transactions[1].crud[2].table", "minLength"),
        ]
    );

    // Kept exactly as received, with its ledger key.
    let letters = db.dead_letters().await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].id, dead_letter_id(&results[1]));
    assert_eq!(letters[0].letter.error_code, "INVALID_REQUEST");
    let Checked::Invalid(invalid) = &sent.transactions[1] else {
        panic!("the middle transaction is invalid");
    };
    assert_eq!(letters[0].letter.transaction, invalid.raw);
    assert_eq!(
        db.count("lists"),
        1,
        "nothing of the malformed one is applied"
    );
    assert_eq!(db.count("todos"), 0);

    // The client completes the kept one and sends the rest: it applies.
    let rest = checked_batch("c1", json!([invalid_free_todo()]));
    let results = engine.process(&principal("user-1"), &rest).await;
    assert_eq!(statuses(&results), ["success"]);
    assert_eq!(db.count("todos"), 1);
}

fn invalid_free_todo() -> Value {
    json!({"crud": [{"op": "PUT", "table": "todos", "id": TODO, "op_id": 5,
                     "op_data": {"description": "d", "list_id": LIST}}]})
}

#[tokio::test]
async fn a_malformed_transaction_is_skipped_under_skip_and_its_replay_is_answered_the_same() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let sent = batch_with_malformed_middle();
    let first = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&first), ["success", "fatal_error", "success"]);
    assert_eq!(db.count("todos"), 1);

    // The reply was lost: the same batch again. The valid ones are duplicates, the
    // malformed one gets its first dead letter back, not a second one.
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["duplicate", "fatal_error", "duplicate"]);
    assert_eq!(dead_letter_id(&again[1]), dead_letter_id(&first[1]));
    assert_eq!(db.dead_letters().await.len(), 1);
}

#[tokio::test]
async fn a_transaction_that_is_not_an_object_is_kept_too() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let sent = checked_batch("c1", json!(["not a transaction", invalid_free_todo()]));
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&results), ["fatal_error", "not_attempted"]);
    let failure = serde_json::to_value(&results[0]).unwrap();
    assert_eq!(failure["failed_operation"]["operation_index"], 0);
    assert_eq!(
        failure["failed_operation"]["details"]["violations"][0]["path"],
        "$.transactions[0]"
    );
    let letters = db.dead_letters().await;
    assert_eq!(letters[0].letter.transaction, json!("not a transaction"));
}

// ---- dead letters ----

#[tokio::test]
async fn a_fatal_failure_is_kept_as_a_dead_letter_and_unblocks_the_queue() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let sent = batch_with_fk_failure(Some("c1"));
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        shape(&results[1]),
        json!({
            "status": "fatal_error",
            "requires_client_handling": false,
            "failed_operation": {
                "error_code": "FOREIGN_KEY_VIOLATION",
                "message": FK_MESSAGE,
                "details": {"database_code": "787", "table": "todos"},
                "operation_index": 1
            },
            "dead_letter_id": "<id>"
        })
    );
    let id = dead_letter_id(&results[1]);

    let letters = db.dead_letters().await;
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_eq!(letter.id, id);
    assert_eq!(letter.letter.subject, "user-1");
    assert_eq!(letter.letter.client_id.as_deref(), Some("c1"));
    assert_eq!(letter.letter.error_code, "FOREIGN_KEY_VIOLATION");
    assert_eq!(letter.letter.operation_index, 1);
    assert_eq!(
        letter.letter.transaction,
        serde_json::to_value(&sent.transactions[1]).unwrap(),
        "the whole transaction is kept"
    );

    // The client drops the kept transaction and sends the rest of its queue.
    let next = batch(
        Some("c1"),
        vec![sent.transactions[2].valid().unwrap().clone()],
    );
    let results = engine.process(&principal("user-1"), &next).await;
    assert_eq!(statuses(&results), ["success"]);
    assert_eq!(db.rows("SELECT id FROM todos"), [[text(TODO2)]]);
}

#[tokio::test]
async fn replaying_a_batch_whose_transaction_was_dead_lettered_keeps_one_dead_letter() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let sent = batch_with_fk_failure(Some("c1"));
    let first = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&first),
        ["success", "fatal_error", "not_attempted"]
    );

    // The reply was lost: the client sends the same batch again and gets the same
    // answer for the kept transaction, without a second dead letter.
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&again),
        ["duplicate", "fatal_error", "not_attempted"]
    );
    assert_eq!(shape(&again[1]), shape(&first[1]));
    assert_eq!(dead_letter_id(&again[1]), dead_letter_id(&first[1]));
    assert_eq!(db.dead_letters().await.len(), 1, "no second dead letter");
    assert_eq!(db.count("lists"), 1);
    assert_eq!(db.count("todos"), 0);

    // The client drops it and goes on with its queue.
    let rest = batch(
        Some("c1"),
        vec![sent.transactions[2].valid().unwrap().clone()],
    );
    let results = engine.process(&principal("user-1"), &rest).await;
    assert_eq!(statuses(&results), ["success"]);
    assert_eq!(db.rows("SELECT id FROM todos"), [[text(TODO2)]]);
}

/// Delegates everything to SQLite, with the faults switched on here: faults a real
/// database does not produce on demand between one statement and the next.
#[derive(Default)]
struct Faults {
    /// `store_dead_letter` fails.
    dead_letter_store: bool,
    /// `find_dead_letter` fails.
    dead_letter_lookup: bool,
    /// `introspect` fails from its second call on (the engine's start is the first).
    introspect_after_start: bool,
    /// `apply` fails with a lost connection (retryable) for the transaction whose
    /// highest `op_id` is this.
    apply_lost_at: Option<i64>,
}

struct Faulty {
    inner: SharedPersister,
    faults: Faults,
    introspections: AtomicUsize,
}

fn faulty(db: &Db, faults: Faults) -> Arc<Faulty> {
    Arc::new(Faulty {
        inner: db.persister.clone(),
        faults,
        introspections: AtomicUsize::new(0),
    })
}

fn injected(what: &str) -> DbError {
    DbError::Connection {
        message: format!("{what} (injected)"),
    }
}

#[async_trait]
impl Persister for Faulty {
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
        let calls = self.introspections.fetch_add(1, Ordering::SeqCst);
        if self.faults.introspect_after_start && calls > 0 {
            return Err(injected("connection refused"));
        }
        self.inner.introspect().await
    }
    async fn apply(&self, work: &TransactionWork<'_>) -> Result<Applied, DbError> {
        let last_op_id = work.idempotency.map(|key| key.last_op_id);
        if last_op_id.is_some() && last_op_id == self.faults.apply_lost_at {
            return Err(injected("server closed the connection"));
        }
        self.inner.apply(work).await
    }
    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError> {
        if self.faults.dead_letter_store {
            return Err(injected("disk I/O error"));
        }
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
        if self.faults.dead_letter_lookup {
            return Err(injected("connection reset"));
        }
        self.inner
            .find_dead_letter(subject, client_id, last_op_id)
            .await
    }
    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError> {
        self.inner.delete_dead_letter(id).await
    }
}

#[tokio::test]
async fn a_dead_letter_that_cannot_be_stored_is_retryable_and_stops_the_batch() {
    let db = db().await;
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        retry_after_ms: 750,
        ..EngineConfig::default()
    };
    let failing = faulty(
        &db,
        Faults {
            dead_letter_store: true,
            ..Faults::default()
        },
    );
    let engine = db.engine_over(failing, Hooks::defaults(750), config).await;
    let sent = batch_with_fk_failure(Some("c1"));
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&results),
        ["success", "retryable_error", "not_attempted"],
        "even under skip: the transaction is neither applied nor kept"
    );
    match &results[1] {
        TransactionResult::RetryableError(error) => {
            assert_eq!(error.retry_after_ms, Some(750));
            let message = error.message.as_deref().unwrap_or_default();
            assert!(message.contains("FOREIGN_KEY_VIOLATION"), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(db.dead_letters().await.is_empty());

    // The ledger did not move past it: once the store works again, the same batch
    // keeps it this time instead of calling it a replay.
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["duplicate", "fatal_error", "success"]);
    assert_eq!(db.dead_letters().await.len(), 1);
}

#[tokio::test]
async fn a_retryable_failure_stops_the_batch_even_under_skip_and_the_ledger_stays_before_it() {
    let db = db().await;
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        ..EngineConfig::default()
    };
    let failing = faulty(
        &db,
        Faults {
            apply_lost_at: Some(2),
            ..Faults::default()
        },
    );
    let engine = db
        .engine_over(failing, Hooks::defaults(config.retry_after_ms), config)
        .await;
    let sent = batch(
        Some("c1"),
        vec![
            tx(vec![list(LIST, 1)]),
            tx(vec![list(LIST2, 2)]),
            tx(vec![todo(TODO, LIST, 3)]),
        ],
    );
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&results),
        ["success", "retryable_error", "not_attempted"]
    );
    assert_eq!(db.rows("SELECT id FROM lists"), [[text(LIST)]]);
    assert_eq!(db.count("todos"), 0, "nothing after it was applied");
    assert_eq!(
        db.rows("SELECT last_op_id FROM powersync_write_ledger"),
        [[Sql::Integer(1)]],
        "the ledger must not pass a transaction the client still holds"
    );
    assert!(db.dead_letters().await.is_empty());

    // The client sends the batch again once the database is back: every transaction
    // is applied once.
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["duplicate", "success", "success"]);
    assert_eq!(db.count("lists"), 2);
    assert_eq!(db.rows("SELECT id FROM todos"), [[text(TODO)]]);
    assert_eq!(
        db.rows("SELECT last_op_id FROM powersync_write_ledger"),
        [[Sql::Integer(3)]]
    );
}

#[tokio::test]
async fn a_replay_whose_dead_letter_lookup_fails_is_retryable() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let sent = batch_with_fk_failure(Some("c1"));
    let first = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&first), ["success", "fatal_error", "success"]);

    // A replay cannot tell whether a transaction was written or kept as a dead
    // letter without the lookup: it must not guess `success`.
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        retry_after_ms: 640,
        ..EngineConfig::default()
    };
    let failing = faulty(
        &db,
        Faults {
            dead_letter_lookup: true,
            ..Faults::default()
        },
    );
    let blind = db.engine_over(failing, Hooks::defaults(640), config).await;
    let replayed = blind.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&replayed),
        ["retryable_error", "not_attempted", "not_attempted"]
    );
    match &replayed[0] {
        TransactionResult::RetryableError(error) => {
            assert_eq!(error.retry_after_ms, Some(640));
            let message = error.message.as_deref().unwrap_or_default();
            assert!(
                message.contains("could not check how this replayed transaction ended"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }

    // With the lookup back, the replay gets the answers of the first upload.
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["duplicate", "fatal_error", "duplicate"]);
    assert_eq!(shape(&again[1]), shape(&first[1]));
    assert_eq!(dead_letter_id(&again[1]), dead_letter_id(&first[1]));
    assert_eq!(db.dead_letters().await.len(), 1);
}

#[tokio::test]
async fn a_schema_refresh_that_fails_is_retryable_not_a_mismatch() {
    let db = db().await;
    let failing = faulty(
        &db,
        Faults {
            introspect_after_start: true,
            ..Faults::default()
        },
    );
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        ..EngineConfig::default()
    };
    let engine = db
        .engine_over(failing, Hooks::defaults(config.retry_after_ms), config)
        .await;
    // A table the engine has not seen yet: applying to it needs a refresh.
    db.raw()
        .execute_batch("CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT)")
        .unwrap();
    let sent = batch(
        Some("c1"),
        vec![
            tx(vec![list(LIST, 1)]),
            tx(vec![put("projects", LIST2, 2, json!({"name": "p"}))]),
            tx(vec![list(LIST2, 3)]),
        ],
    );
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(
        statuses(&results),
        ["success", "retryable_error", "not_attempted"],
        "the database could not be asked: not the client's mismatch, never a dead letter"
    );
    assert!(db.dead_letters().await.is_empty());

    // With the database reachable, the refresh finds the table.
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["duplicate", "success", "success"]);
    assert_eq!(db.rows("SELECT name FROM projects"), [[text("p")]]);
}

/// Hands foreign-key failures to the client app.
struct ClientHandlesForeignKeys;

impl FatalRouter for ClientHandlesForeignKeys {
    fn requires_client_handling(&self, _principal: &Principal, failure: &FatalFailure) -> bool {
        failure.code == "FOREIGN_KEY_VIOLATION"
    }
}

#[tokio::test]
async fn a_failure_routed_to_the_client_is_not_kept_and_stops_even_under_skip() {
    let db = db().await;
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        ..EngineConfig::default()
    };
    let hooks = Hooks {
        router: Arc::new(ClientHandlesForeignKeys),
        ..Hooks::defaults(config.retry_after_ms)
    };
    let engine = db.engine(hooks, config).await;
    let results = engine
        .process(&principal("user-1"), &batch_with_fk_failure(Some("c1")))
        .await;
    assert_eq!(
        statuses(&results),
        ["success", "fatal_error", "not_attempted"]
    );
    match &results[1] {
        TransactionResult::FatalError(fatal) => {
            assert!(fatal.requires_client_handling);
            assert_eq!(fatal.dead_letter_id, None);
            assert_eq!(fatal.failed_operation.error_code, "FOREIGN_KEY_VIOLATION");
            assert_eq!(fatal.failed_operation.operation_index, Some(1));
        }
        other => panic!("{other:?}"),
    }
    assert!(db.dead_letters().await.is_empty());
    assert_eq!(db.count("todos"), 0);
}

// ---- idempotent replays ----

#[tokio::test]
async fn a_replayed_batch_is_a_duplicate_and_applies_nothing() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let sent = batch(
        Some("c1"),
        vec![
            tx(vec![list(LIST, 1), todo(TODO, LIST, 2)]),
            tx(vec![patch("todos", TODO, 3, json!({"completed": 1}))]),
        ],
    );
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&results), ["success", "success"]);

    // Someone changes the rows in between; a replay must not overwrite them.
    db.raw()
        .execute_batch(
            "UPDATE lists SET name = 'renamed'; UPDATE todos SET completed = 0, description = 'edited'",
        )
        .unwrap();
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["duplicate", "duplicate"]);
    assert_eq!(
        db.rows("SELECT name FROM lists"),
        [[text("renamed")]],
        "nothing applied again"
    );
    assert_eq!(
        db.rows("SELECT description, completed FROM todos"),
        [[text("edited"), Sql::Integer(0)]]
    );
    assert_eq!(
        db.rows("SELECT client_id, last_op_id FROM powersync_write_ledger"),
        [[text("c1"), Sql::Integer(3)]]
    );

    // Without a client_id there is no ledger: the same writes apply again.
    let anonymous = batch(None, vec![sent.transactions[0].valid().unwrap().clone()]);
    let results = engine.process(&principal("user-1"), &anonymous).await;
    assert_eq!(statuses(&results), ["success"]);
    assert_eq!(db.rows("SELECT name FROM lists"), [[text("list 1")]]);
}

#[tokio::test]
async fn a_transaction_with_an_entry_without_op_id_is_not_deduplicated() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let rename = entry(
        UpdateType::Patch,
        "lists",
        LIST,
        None,
        json!({"name": "renamed by the client"}),
    );
    let sent = batch(Some("c1"), vec![tx(vec![list(LIST, 1), rename])]);
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&results), ["success"]);
    assert!(
        db.rows("SELECT * FROM powersync_write_ledger").is_empty(),
        "no key to record"
    );

    // Without a complete set of op_ids the transaction cannot be recognised: a resend
    // is applied again.
    db.raw()
        .execute_batch("UPDATE lists SET name = 'edited'")
        .unwrap();
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&again), ["success"]);
    assert_eq!(
        db.rows("SELECT name FROM lists"),
        [[text("renamed by the client")]]
    );
}

#[tokio::test]
async fn the_ledger_keeps_a_transactions_highest_op_id_not_its_last() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let sent = batch(Some("c1"), vec![tx(vec![list(LIST, 7), list(LIST2, 5)])]);
    let results = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(statuses(&results), ["success"]);
    assert_eq!(
        db.rows("SELECT last_op_id FROM powersync_write_ledger"),
        [[Sql::Integer(7)]]
    );

    // op_ids only grow on a device: a transaction at or below 7 was sent before.
    let older = batch(Some("c1"), vec![tx(vec![todo(TODO, LIST, 6)])]);
    let results = engine.process(&principal("user-1"), &older).await;
    assert_eq!(statuses(&results), ["duplicate"]);
    assert_eq!(db.count("todos"), 0);
}

// ---- schema ----

#[tokio::test]
async fn unknown_tables_and_columns_are_schema_mismatches() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Skip).await;
    let results = engine
        .process(
            &principal("user-1"),
            &batch(
                None,
                vec![
                    tx(vec![list(LIST, 1), put("nope", "x", 2, json!({"a": 1}))]),
                    tx(vec![put(
                        "lists",
                        LIST2,
                        3,
                        json!({"name": "n", "owner_id": "u", "colour\"; DROP TABLE lists; --": "red"}),
                    )]),
                ],
            ),
        )
        .await;
    let failed: Vec<Value> = results
        .iter()
        .map(|r| shape(r)["failed_operation"].clone())
        .collect();
    assert_eq!(
        failed,
        [
            json!({
                "error_code": "SCHEMA_MISMATCH",
                "message": "table `nope` does not exist in the database",
                "details": {"table": "nope"},
                "operation_index": 1
            }),
            json!({
                "error_code": "SCHEMA_MISMATCH",
                "message": "table `lists` has no column `colour\"; DROP TABLE lists; --`",
                "details": {"table": "lists", "column": "colour\"; DROP TABLE lists; --"},
                "operation_index": 0
            }),
        ]
    );
    assert_eq!(db.count("lists"), 0);
    assert_eq!(db.dead_letters().await.len(), 2);
}

#[tokio::test]
async fn a_table_created_after_start_is_found_by_the_schema_refresh() {
    let db = db().await;
    let engine = db.default_engine(BatchPolicy::Stop).await;
    db.raw()
        .execute_batch("CREATE TABLE tags (id TEXT PRIMARY KEY NOT NULL, label TEXT NOT NULL)")
        .unwrap();
    let results = engine
        .process(
            &principal("user-1"),
            &batch(
                None,
                vec![tx(vec![put("tags", "t1", 1, json!({"label": "urgent"}))])],
            ),
        )
        .await;
    assert_eq!(statuses(&results), ["success"]);
    assert_eq!(
        db.rows("SELECT id, label FROM tags"),
        [[text("t1"), text("urgent")]]
    );
    assert!(engine.schema().tables.contains_key("tags"));
}

// ---- authorizer ----

/// Refuses deletes of lists, at the refused entry.
struct NoListDeletes;

#[async_trait]
impl Authorizer for NoListDeletes {
    async fn authorize(
        &self,
        principal: &Principal,
        _client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> Result<(), Refusal> {
        match transaction
            .crud
            .iter()
            .position(|e| e.table == "lists" && e.op == UpdateType::Delete)
        {
            Some(operation_index) => Err(Refusal {
                operation_index,
                message: format!("{} may not delete lists", principal.subject),
            }),
            None => Ok(()),
        }
    }
}

#[tokio::test]
async fn an_authorizer_refusal_is_unauthorized_at_the_refused_entry() {
    let db = db().await;
    let config = EngineConfig::default();
    let hooks = Hooks {
        authorizer: Arc::new(NoListDeletes),
        ..Hooks::defaults(config.retry_after_ms)
    };
    let engine = db.engine(hooks, config).await;
    let results = engine
        .process(
            &principal("user-7"),
            &batch(
                Some("c1"),
                vec![
                    tx(vec![list(LIST, 1)]),
                    tx(vec![
                        list(LIST2, 2),
                        todo(TODO, LIST2, 3),
                        delete("lists", LIST, 4),
                    ]),
                ],
            ),
        )
        .await;
    assert_eq!(statuses(&results), ["success", "fatal_error"]);
    assert_eq!(
        shape(&results[1])["failed_operation"],
        json!({
            "error_code": "UNAUTHORIZED",
            "message": "user-7 may not delete lists",
            "details": {"table": "lists"},
            "operation_index": 2
        })
    );
    assert_eq!(
        db.rows("SELECT id FROM lists"),
        [[text(LIST)]],
        "nothing of the refused transaction was written"
    );
    assert_eq!(db.count("todos"), 0);
}

// ---- redaction ----

#[tokio::test]
async fn database_messages_reach_clients_only_when_configured() {
    for expose in [false, true] {
        let db = db().await;
        let config = EngineConfig {
            expose_database_messages: expose,
            ..EngineConfig::default()
        };
        let engine = db
            .engine(Hooks::defaults(config.retry_after_ms), config)
            .await;
        let results = engine
            .process(&principal("user-1"), &batch_with_fk_failure(None))
            .await;
        let message = shape(&results[1])["failed_operation"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        if expose {
            assert!(
                message.contains("FOREIGN KEY constraint failed"),
                "{message}"
            );
        } else {
            assert_eq!(message, FK_MESSAGE);
        }
        // The operator always sees what the database said.
        let letters = db.dead_letters().await;
        assert!(
            letters[0]
                .letter
                .error_message
                .contains("FOREIGN KEY constraint failed"),
            "{:?}",
            letters[0].letter
        );
    }
}

// ---- write checkpoints ----

#[tokio::test]
async fn write_checkpoints_are_returned_when_enabled() {
    let db = db().await;
    let config = EngineConfig {
        write_checkpoints: true,
        ..EngineConfig::default()
    };
    let engine = db
        .engine(Hooks::defaults(config.retry_after_ms), config)
        .await;
    let sent = batch(
        Some("c1"),
        vec![tx(vec![list(LIST, 1)]), tx(vec![todo(TODO, LIST, 2)])],
    );
    let results = engine.process(&principal("user-1"), &sent).await;
    let shapes: Vec<Value> = results.iter().map(shape).collect();
    assert_eq!(
        shapes,
        [
            json!({"status": "success", "write_checkpoint": "1"}),
            json!({"status": "success", "write_checkpoint": "2"}),
        ]
    );
    let next = batch(Some("c1"), vec![tx(vec![list(LIST2, 3)])]);
    let results = engine.process(&principal("user-1"), &next).await;
    assert_eq!(
        shape(&results[0]),
        json!({"status": "success", "write_checkpoint": "3"})
    );
    assert_eq!(
        db.rows("SELECT user_id, client_id, checkpoint FROM powersync_write_checkpoints"),
        [[text("user-1"), text("c1"), Sql::Integer(3)]]
    );

    // Off by default.
    let engine = db.default_engine(BatchPolicy::Stop).await;
    let results = engine
        .process(
            &principal("user-1"),
            &batch(Some("c1"), vec![tx(vec![todo(TODO2, LIST, 4)])]),
        )
        .await;
    assert_eq!(shape(&results[0]), json!({"status": "success"}));
}

// ---- the embedding example's hooks ----

#[tokio::test]
async fn the_example_hooks_check_owners_and_stamp_completed_by() {
    let db = db().await;
    let engine = db.engine(embedded::hooks(), EngineConfig::default()).await;
    let alice = principal("alice");

    // A list owned by someone else is refused at that entry, before anything is written.
    let results = engine
        .process(
            &alice,
            &batch(
                Some("c1"),
                vec![tx(vec![
                    put(
                        "lists",
                        LIST,
                        1,
                        json!({"name": "mine", "owner_id": "alice"}),
                    ),
                    put(
                        "lists",
                        LIST2,
                        2,
                        json!({"name": "theirs", "owner_id": "bob"}),
                    ),
                ])],
            ),
        )
        .await;
    assert_eq!(
        shape(&results[0])["failed_operation"],
        json!({
            "error_code": "UNAUTHORIZED",
            "message": "lists.owner_id must be the uploader (alice)",
            "details": {"table": "lists"},
            "operation_index": 1
        })
    );
    assert_eq!(db.count("lists"), 0);

    // Own lists pass; completing a todo stamps who completed it, in the same
    // database transaction.
    let results = engine
        .process(
            &alice,
            &batch(
                Some("c1"),
                vec![
                    tx(vec![
                        put(
                            "lists",
                            LIST,
                            3,
                            json!({"name": "mine", "owner_id": "alice"}),
                        ),
                        todo(TODO, LIST, 4),
                        todo(TODO2, LIST, 5),
                    ]),
                    tx(vec![
                        patch("todos", TODO, 6, json!({"completed": 1})),
                        patch("todos", TODO2, 7, json!({"description": "renamed"})),
                    ]),
                    tx(vec![patch(
                        "lists",
                        LIST,
                        8,
                        json!({"owner_id": "mallory"}),
                    )]),
                ],
            ),
        )
        .await;
    assert_eq!(statuses(&results), ["success", "success", "fatal_error"]);
    assert_eq!(
        db.rows("SELECT id, description, completed, completed_by FROM todos ORDER BY id"),
        [
            vec![text(TODO), text("todo 4"), Sql::Integer(1), text("alice")],
            vec![text(TODO2), text("renamed"), Sql::Integer(0), Sql::Null],
        ]
    );
    assert_eq!(
        db.rows("SELECT owner_id FROM lists"),
        [[text("alice")]],
        "a PATCH handing the list to someone else is refused too"
    );
}

/// A sink keeping letters in memory, as an application's queue would.
#[derive(Default)]
struct MemorySink(std::sync::Mutex<Vec<NewDeadLetter>>);

#[async_trait]
impl powersync_write_server::hooks::DeadLetterSink for MemorySink {
    async fn keep(&self, letter: &NewDeadLetter) -> Result<String, DbError> {
        let mut kept = self.0.lock().unwrap();
        kept.push(letter.clone());
        Ok(format!("memory-{}", kept.len()))
    }
}

#[tokio::test]
async fn a_custom_dead_letter_sink_receives_kept_failures_instead_of_the_table() {
    let db = db().await;
    let config = EngineConfig::default();
    let sink = Arc::new(MemorySink::default());
    let hooks = Hooks {
        dead_letters: Some(sink.clone()),
        ..Hooks::defaults(config.retry_after_ms)
    };
    let engine = db.engine(hooks, config).await;
    let results = engine
        .process(&principal("user-1"), &batch_with_fk_failure(Some("c1")))
        .await;
    assert_eq!(dead_letter_id(&results[1]), "memory-1");
    let kept = sink.0.lock().unwrap().clone();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].error_code, "FOREIGN_KEY_VIOLATION");
    assert_eq!(kept[0].subject, "user-1");
    assert!(db.dead_letters().await.is_empty(), "the table is not used");
}
