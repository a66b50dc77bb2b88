//! Shared by the `sqlite_*` tests: a real SQLite file in a temporary folder, entry
//! builders and a row reader.
#![allow(dead_code)]

use std::path::PathBuf;

use powersync_write_server::classify::DefaultClassifier;
use powersync_write_server::failure::Failure;
use powersync_write_server::hooks::{ErrorClassifier, HandlerRegistry};
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::persist::{
    Applied, CheckpointKey, Idempotency, Persister, TransactionWork,
};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry, PutMode, WriteOp};
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

pub struct Db {
    pub dir: TempDir,
    pub path: PathBuf,
    pub persister: SqlitePersister,
    pub schema: DatabaseSchema,
}

/// A fresh database with `ddl` run, migrated and introspected.
pub async fn db(ddl: &str) -> Db {
    db_with(ddl, SqliteOptions::default()).await
}

pub async fn db_with(ddl: &str, options: SqliteOptions) -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.db");
    let persister = SqlitePersister::connect(&format!("sqlite://{}", path.display()), options)
        .await
        .expect("open");
    raw_at(&path).execute_batch(ddl).expect("ddl");
    persister.migrate().await.expect("migrate");
    let schema = persister.introspect().await.expect("introspect");
    Db {
        dir,
        path,
        persister,
        schema,
    }
}

fn raw_at(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    conn.execute_batch("PRAGMA foreign_keys = ON").expect("fk");
    conn
}

impl Db {
    /// A second, independent connection to the same file.
    pub fn raw(&self) -> rusqlite::Connection {
        raw_at(&self.path)
    }

    /// Every row of a query, as SQLite values.
    pub fn rows(&self, sql: &str) -> Vec<Vec<SqlValue>> {
        let conn = self.raw();
        let mut stmt = conn.prepare(sql).expect("prepare");
        let count = stmt.column_count();
        stmt.query_map([], |row| {
            (0..count).map(|i| row.get::<_, SqlValue>(i)).collect()
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    }

    pub fn count(&self, table: &str) -> i64 {
        self.raw()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    pub async fn apply(&self, entries: &[MappedEntry]) -> Result<Applied, DbError> {
        self.apply_with(entries, None, None, &HandlerRegistry::default())
            .await
    }

    pub async fn apply_with(
        &self,
        entries: &[MappedEntry],
        idempotency: Option<(&str, i64)>,
        checkpoint: Option<(&str, &str)>,
        handlers: &HandlerRegistry,
    ) -> Result<Applied, DbError> {
        let principal = principal();
        let work = TransactionWork {
            principal: &principal,
            entries,
            schema: &self.schema,
            idempotency: idempotency.map(|(client_id, last_op_id)| Idempotency {
                client_id,
                last_op_id,
            }),
            checkpoint: checkpoint.map(|(user_id, client_id)| CheckpointKey { user_id, client_id }),
            handlers,
        };
        self.persister.apply(&work).await
    }
}

pub fn principal() -> Principal {
    Principal {
        subject: "user-1".to_string(),
        claims: Map::new(),
    }
}

pub fn entry(index: usize, op: WriteOp, table: &str, id: &str, data: Value) -> MappedEntry {
    let columns = match data {
        Value::Object(map) => map.into_iter().collect(),
        _ => Vec::new(),
    };
    MappedEntry {
        operation_index: index,
        op,
        table: table.to_string(),
        key_column: "id".to_string(),
        id: json!(id),
        columns,
        client_table: table.to_string(),
        source: None,
        guard: None,
    }
}

pub fn put(index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(index, WriteOp::Put(PutMode::Merge), table, id, data)
}

pub fn replace(index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(index, WriteOp::Put(PutMode::Replace), table, id, data)
}

pub fn patch(index: usize, table: &str, id: &str, data: Value) -> MappedEntry {
    entry(index, WriteOp::Patch, table, id, data)
}

pub fn delete(index: usize, table: &str, id: &str) -> MappedEntry {
    entry(index, WriteOp::Delete, table, id, Value::Null)
}

pub fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.to_string())
}

/// The failure the default classifier makes of an error.
pub fn classify(error: &DbError) -> Failure {
    DefaultClassifier::default().classify(error, usize::MAX)
}

/// The fatal code and operation index, or a panic naming what came instead.
pub fn fatal(error: &DbError) -> (String, usize) {
    match classify(error) {
        Failure::Fatal(failure) => (failure.code, failure.operation_index),
        other => panic!("expected a fatal failure for {error:?}, got {other:?}"),
    }
}

pub fn assert_retryable(error: &DbError) {
    match classify(error) {
        Failure::Retryable { .. } => {}
        other => panic!("expected a retryable failure for {error:?}, got {other:?}"),
    }
}
