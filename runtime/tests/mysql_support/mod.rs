//! Shared helpers of the MySQL/MariaDB tests: a fresh database per test on the
//! binary's throwaway MariaDB (`throwaway_servers::mariadb`), and work for
//! `Persister::apply`.

#![allow(dead_code)]

use powersync_write_server::hooks::HandlerRegistry;
use powersync_write_server::persist::mysql::{MysqlConfig, MysqlPersister};
use powersync_write_server::persist::{
    Applied, CheckpointKey, Idempotency, Persister, TransactionWork,
};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::{DbError, MappedEntry, Principal, PutMode, WriteOp};
use serde_json::Value;
use throwaway_servers::mariadb;

/// A fresh database of the binary's MariaDB server.
pub struct TestDb {
    pub name: String,
}

impl TestDb {
    pub fn url(&self) -> String {
        mariadb::shared().url(&self.name)
    }

    /// Runs SQL as root in this database; its output (tab-separated rows, one a line).
    pub fn sql(&self, sql: &str) -> String {
        mariadb::shared()
            .sql(&format!("USE `{}`; {sql}", self.name))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A migrated persister on this database.
    pub async fn persister(&self) -> MysqlPersister {
        self.persister_with(MysqlConfig::new(self.url())).await
    }

    pub async fn persister_with(&self, config: MysqlConfig) -> MysqlPersister {
        let persister = MysqlPersister::new(config).expect("persister");
        persister.migrate().await.expect("migrate");
        persister
    }
}

/// Creates a new database on the binary's server.
pub fn database() -> TestDb {
    TestDb {
        name: mariadb::shared().database(),
    }
}

pub fn principal_of(subject: &str) -> Principal {
    Principal {
        subject: subject.to_string(),
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
pub struct Apply<'a> {
    pub subject: &'a str,
    pub idempotency: Option<(&'a str, i64)>,
    pub checkpoint: Option<(&'a str, &'a str)>,
    pub handlers: HandlerRegistry,
}

impl Default for Apply<'_> {
    fn default() -> Self {
        Apply {
            subject: "user-1",
            idempotency: None,
            checkpoint: None,
            handlers: HandlerRegistry::default(),
        }
    }
}

pub async fn apply_with(
    persister: &MysqlPersister,
    schema: &DatabaseSchema,
    entries: &[MappedEntry],
    options: &Apply<'_>,
) -> Result<Applied, DbError> {
    let principal = principal_of(options.subject);
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
    persister: &MysqlPersister,
    entries: &[MappedEntry],
) -> Result<Applied, DbError> {
    let schema = persister.introspect().await.expect("introspect");
    apply_with(persister, &schema, entries, &Apply::default()).await
}

pub const WRITTEN: Result<Applied, DbError> = Ok(Applied::Written {
    write_checkpoint: None,
});
