//! Every SQLite classification row, provoked for real on a database file and run
//! through the default classifier.

mod sqlite_support;

use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::CrudEntry;
use powersync_write_server::failure::Failure;
use powersync_write_server::hooks::{HandlerRegistry, SqlExecutor, SqlParam, TableHandler};
use powersync_write_server::persist::Persister;
use powersync_write_server::persist::sqlite::SqliteOptions;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, Dialect, MappedEntry};
use serde_json::json;
use sqlite_support::*;

const SCHEMA: &str = "
CREATE TABLE lists (id TEXT PRIMARY KEY, name TEXT NOT NULL, code TEXT UNIQUE);
CREATE TABLE todos (
    id TEXT PRIMARY KEY,
    list_id TEXT REFERENCES lists(id),
    qty INTEGER CONSTRAINT qty_positive CHECK (qty > 0)
);
CREATE TABLE strict_t (id TEXT PRIMARY KEY, n INTEGER) STRICT;
CREATE TABLE by_rowid (id TEXT UNIQUE, k INTEGER PRIMARY KEY);
CREATE TABLE guarded (id TEXT PRIMARY KEY, v TEXT);
CREATE TRIGGER guarded_no_x BEFORE INSERT ON guarded WHEN NEW.v = 'x'
    BEGIN SELECT RAISE(ABORT, 'x is not allowed'); END;
";

fn details(error: &DbError) -> serde_json::Map<String, serde_json::Value> {
    match classify(error) {
        Failure::Fatal(failure) => failure.details,
        other => panic!("expected fatal, got {other:?}"),
    }
}

fn code(error: &DbError) -> String {
    match error {
        DbError::Database {
            dialect: Dialect::Sqlite,
            code,
            ..
        } => code.clone(),
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn not_null() {
    let db = db(SCHEMA).await;
    let error = db
        .apply(&[put(0, "lists", "l1", json!({"name": null}))])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "1299");
    assert_eq!(fatal(&error), ("NOT_NULL_VIOLATION".into(), 0));
    let details = details(&error);
    assert_eq!(
        (details["table"].as_str(), details["column"].as_str()),
        (Some("lists"), Some("name"))
    );
}

#[tokio::test]
async fn unique() {
    let db = db(SCHEMA).await;
    let error = db
        .apply(&[
            put(0, "lists", "l1", json!({"name": "a", "code": "c"})),
            put(1, "lists", "l2", json!({"name": "b", "code": "c"})),
        ])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "2067");
    assert_eq!(fatal(&error), ("UNIQUE_VIOLATION".into(), 1));
    assert_eq!(details(&error)["column"], json!("code"));
}

#[tokio::test]
async fn primary_key() {
    // The upsert resolves conflicts on the key column, so a duplicate primary key
    // arises on a table whose rowid is the primary key and the client id a unique
    // column: inserting the same rowid twice from a handler.
    let db = db(SCHEMA).await;
    let mut handlers = HandlerRegistry::default();
    handlers.register(
        "raw",
        Arc::new(Sql(vec![
            "INSERT INTO by_rowid (id, k) VALUES ('a', 1)",
            "INSERT INTO by_rowid (id, k) VALUES ('b', 1)",
        ])),
    );
    let error = db
        .apply_with(&[raw_entry(0)], None, None, &handlers)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "1555");
    assert_eq!(fatal(&error), ("UNIQUE_VIOLATION".into(), 0));
    assert_eq!(db.count("by_rowid"), 0);
}

#[tokio::test]
async fn foreign_key() {
    let db = db(SCHEMA).await;
    let error = db
        .apply(&[put(0, "todos", "t1", json!({"list_id": "missing"}))])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "787");
    assert_eq!(fatal(&error), ("FOREIGN_KEY_VIOLATION".into(), 0));
}

#[tokio::test]
async fn check() {
    let db = db(SCHEMA).await;
    let error = db
        .apply(&[put(0, "todos", "t1", json!({"qty": 0}))])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "275");
    assert_eq!(fatal(&error), ("CHECK_VIOLATION".into(), 0));
    assert_eq!(details(&error)["constraint"], json!("qty_positive"));
}

#[tokio::test]
async fn other_constraint_from_a_trigger() {
    let db = db(SCHEMA).await;
    let error = db
        .apply(&[
            put(0, "guarded", "g1", json!({"v": "ok"})),
            put(1, "guarded", "g2", json!({"v": "x"})),
        ])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "1811");
    assert_eq!(fatal(&error), ("CONSTRAINT_VIOLATION".into(), 1));
    assert_eq!(db.count("guarded"), 0);
}

#[tokio::test]
async fn strict_table_type_mismatch() {
    // The column has no declared family the converter would check (Int8 would), so
    // reach the STRICT check itself through a handler.
    let db = db(SCHEMA).await;
    let mut handlers = HandlerRegistry::default();
    handlers.register(
        "raw",
        Arc::new(Sql(vec![
            "INSERT INTO strict_t (id, n) VALUES ('a', 'not a number')",
        ])),
    );
    let error = db
        .apply_with(&[raw_entry(0)], None, None, &handlers)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "3091");
    assert_eq!(fatal(&error), ("INVALID_DATA".into(), 0));
    assert_eq!(details(&error)["column"], json!("n"));
}

#[tokio::test]
async fn datatype_mismatch() {
    let db = db(SCHEMA).await;
    let mut handlers = HandlerRegistry::default();
    handlers.register(
        "raw",
        Arc::new(Sql(vec![
            "INSERT INTO by_rowid (id, k) VALUES ('a', 'not an integer')",
        ])),
    );
    let error = db
        .apply_with(&[raw_entry(0)], None, None, &handlers)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "20");
    assert_eq!(fatal(&error), ("INVALID_DATA".into(), 0));
}

#[tokio::test]
async fn busy_when_another_connection_holds_the_write_lock() {
    let db = db_with(
        SCHEMA,
        SqliteOptions {
            busy_timeout_ms: 20,
            ..SqliteOptions::default()
        },
    )
    .await;
    let other = db.raw();
    other
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO lists (id, name) VALUES ('held', 'h');")
        .unwrap();
    let error = db
        .apply(&[put(0, "lists", "l1", json!({"name": "a"}))])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "5");
    assert_retryable(&error);
    // Dead letters wait on the same lock.
    let stored = db
        .persister
        .store_dead_letter(&powersync_write_server::persist::NewDeadLetter {
            subject: "s".into(),
            client_id: None,
            transaction: json!({}),
            error_code: "X".into(),
            error_message: "m".into(),
            error_details: json!({}),
            operation_index: 0,
            idempotency: None,
        })
        .await;
    assert_retryable(&stored.unwrap_err());
    other.execute_batch("ROLLBACK").unwrap();
    db.apply(&[put(0, "lists", "l1", json!({"name": "a"}))])
        .await
        .unwrap();
}

#[tokio::test]
async fn dropped_table_is_schema_mismatch() {
    let db = db(SCHEMA).await;
    // Prepare (and cache) the statement first, then drop the table under it.
    db.apply(&[put(0, "todos", "t1", json!({"qty": 1}))])
        .await
        .unwrap();
    db.raw().execute_batch("DROP TABLE todos").unwrap();
    let error = db
        .apply(&[
            put(0, "lists", "l1", json!({"name": "a"})),
            put(1, "todos", "t2", json!({"qty": 1})),
        ])
        .await
        .unwrap_err();
    assert_eq!(code(&error), "1");
    assert_eq!(fatal(&error), ("SCHEMA_MISMATCH".into(), 1));
    assert_eq!(db.count("lists"), 0);
}

#[tokio::test]
async fn dropped_column_is_schema_mismatch() {
    let db = db(SCHEMA).await;
    db.raw()
        .execute_batch("ALTER TABLE todos DROP COLUMN qty")
        .unwrap();
    let error = db
        .apply(&[put(0, "todos", "t1", json!({"qty": 1}))])
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("SCHEMA_MISMATCH".into(), 0));
    let error = db
        .apply(&[patch(4, "todos", "t1", json!({"qty": 1}))])
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("SCHEMA_MISMATCH".into(), 4));
}

#[tokio::test]
async fn a_table_missing_from_the_schema_snapshot_is_schema_mismatch() {
    let db = db(SCHEMA).await;
    let error = db
        .apply(&[put(2, "nowhere", "x", json!({}))])
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("SCHEMA_MISMATCH".into(), 2));
    let error = db
        .apply(&[put(1, "lists", "x", json!({"ghost": 1}))])
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("SCHEMA_MISMATCH".into(), 1));
}

#[tokio::test]
async fn key_without_unique_index_is_schema_mismatch() {
    let db = db("CREATE TABLE loose (id TEXT, v TEXT);").await;
    let error = db
        .apply(&[put(0, "loose", "a", json!({"v": "x"}))])
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("SCHEMA_MISMATCH".into(), 0));
}

#[tokio::test]
async fn read_only_is_retryable() {
    let db = db(SCHEMA).await;
    let mut handlers = HandlerRegistry::default();
    handlers.register(
        "raw",
        Arc::new(Sql(vec![
            "PRAGMA query_only = ON",
            "INSERT INTO lists (id, name) VALUES ('a', 'b')",
        ])),
    );
    let error = db
        .apply_with(&[raw_entry(0)], None, None, &handlers)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "8");
    assert_retryable(&error);
}

#[tokio::test]
async fn disk_full_is_retryable() {
    let db = db(SCHEMA).await;
    let mut handlers = HandlerRegistry::default();
    // max_page_count caps the file at its current size, so the next page fails.
    handlers.register(
        "raw",
        Arc::new(Sql(vec![
            "PRAGMA max_page_count = 1",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
         INSERT INTO lists (id, name) SELECT 'id' || i, hex(randomblob(500)) FROM n",
        ])),
    );
    let error = db.apply_with(&[raw_entry(0)], None, None, &handlers).await;
    match error {
        Err(error) => {
            assert_eq!(code(&error), "13");
            assert_retryable(&error);
        }
        Ok(applied) => panic!("expected SQLITE_FULL, got {applied:?}"),
    }
}

/// Runs fixed statements; a `PRAGMA ... = ON/1` is undone before returning, so the
/// writer connection stays usable.
struct Sql(Vec<&'static str>);

#[async_trait]
impl TableHandler for Sql {
    async fn handle(
        &self,
        _: &Principal,
        _: &CrudEntry,
        _: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        let mut result = Ok(());
        for sql in &self.0 {
            if let Err(error) = db.execute(sql, &[] as &[SqlParam]).await {
                result = Err(error);
                break;
            }
        }
        for reset in [
            "PRAGMA query_only = OFF",
            "PRAGMA max_page_count = 4294967294",
        ] {
            db.execute(reset, &[]).await?;
        }
        result
    }
}

fn raw_entry(index: usize) -> MappedEntry {
    put(index, "raw", "r", json!({}))
}

#[test]
fn locked_is_retryable() {
    // SQLITE_LOCKED needs two connections sharing one cache: a reader of a table
    // another connection is writing is refused at once (no busy handler applies).
    use powersync_write_server::persist::sqlite::db_error;
    use rusqlite::{Connection, OpenFlags};
    let dir = tempfile::tempdir().unwrap();
    let uri = format!(
        "file:{}?cache=shared",
        dir.path().join("shared.db").display()
    );
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_SHARED_CACHE;
    let writer = Connection::open_with_flags(&uri, flags).unwrap();
    writer
        .execute_batch("CREATE TABLE t (x); BEGIN; INSERT INTO t VALUES (1);")
        .unwrap();
    let reader = Connection::open_with_flags(&uri, flags).unwrap();
    let error = reader
        .query_row("SELECT count(*) FROM t", [], |row| row.get::<_, i64>(0))
        .unwrap_err();
    let error = db_error(error, Some(0));
    assert_eq!(code(&error), "262", "SQLITE_LOCKED_SHAREDCACHE");
    assert_retryable(&error);
}
