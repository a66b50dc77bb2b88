//! Persisters: everything that touches a database, behind one trait so the engine
//! does not know which database it writes to.
//!
//! A persister introspects the schema, creates the runtime's own tables (`migrate`),
//! applies one upload transaction atomically together with its idempotency-ledger and
//! write-checkpoint updates, and keeps dead letters. Values are converted to column
//! types inside the persister, since that is database-specific.

use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::{CrudEntry, UpdateType};
use serde_json::Value;

use crate::hooks::{HandlerRegistry, Principal};
use crate::schema::DatabaseSchema;

pub mod example;
pub mod postgres;
pub mod sqlite;
pub mod version;

pub use version::{RuntimeTables, SCHEMA_VERSION, SchemaProblem};

/// Which database a persister speaks to; classifiers key their tables on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// A database-level error, before classification.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DbError {
    /// The database refused a statement: SQLSTATE (PostgreSQL), errno (MySQL) or
    /// extended result code (SQLite) in `code`.
    #[error("{message} ({dialect:?} {code})")]
    Database {
        dialect: Dialect,
        code: String,
        message: String,
        table: Option<String>,
        column: Option<String>,
        constraint: Option<String>,
        /// The entry being applied when it failed, when the persister knows it.
        operation_index: Option<usize>,
    },
    /// The connection failed or was lost (including during COMMIT), or none could be
    /// had in time: the outcome is "nothing applied", and retrying may succeed.
    #[error("database connection: {message}")]
    Connection { message: String },
    /// A value could not be converted to its column's type.
    #[error("{table}.{column}: {message} (operation {operation_index})")]
    InvalidValue {
        table: String,
        column: String,
        message: String,
        operation_index: usize,
    },
    /// The row's stored owner (or its parent's) is not the uploader: the guarded
    /// statement matched no row ([`RowGuard`]).
    #[error("{table}: {message} (operation {operation_index})")]
    Denied {
        table: String,
        message: String,
        operation_index: usize,
    },
    /// A custom table handler refused the entry.
    #[error("{code}: {message} (operation {operation_index})")]
    Handler {
        code: String,
        message: String,
        operation_index: usize,
    },
    /// The runtime's own tables (ledger, checkpoints, dead letters) are missing or not
    /// of this release's schema version ([`version`]): an operator must run `migrate`.
    /// Never the client's fault, so never a fatal failure of its transaction.
    #[error("{message}")]
    RuntimeTables { message: String },
}

impl DbError {
    /// Locates a database error at an entry, unless the persister already did.
    pub fn at_operation(self, index: usize) -> DbError {
        match self {
            DbError::Database {
                dialect,
                code,
                message,
                table,
                column,
                constraint,
                operation_index: None,
            } => DbError::Database {
                dialect,
                code,
                message,
                table,
                column,
                constraint,
                operation_index: Some(index),
            },
            other => other,
        }
    }
}

/// How a PUT treats columns it does not mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PutMode {
    /// Upsert only the supplied columns; others keep their value (or default on insert).
    #[default]
    Merge,
    /// The row becomes exactly the supplied columns; others are set to NULL.
    Replace,
}

/// The write of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOp {
    Put(PutMode),
    Patch,
    Delete,
}

/// One entry, mapped onto the database: names are introspected identifiers, values
/// still JSON (the persister converts them to the column types).
#[derive(Debug, Clone, PartialEq)]
pub struct MappedEntry {
    /// Index in the transaction's `crud` list (the `operation_index` of failures).
    pub operation_index: usize,
    pub op: WriteOp,
    /// The database table.
    pub table: String,
    /// The primary-key column and the row id.
    pub key_column: String,
    pub id: Value,
    /// Database column -> value, in the order the client sent them.
    pub columns: Vec<(String, Value)>,
    /// The client's table name, for custom handlers registered under it.
    pub client_table: String,
    /// The entry as the client sent it, kept only for tables with a custom handler
    /// (which see the wire entry: `op_id`, `previous_values`, `metadata`, ...).
    pub source: Option<Arc<CrudEntry>>,
    /// The ownership condition the stored row must meet, set by the authorization
    /// policy; the persister folds it into the entry's statement.
    pub guard: Option<RowGuard>,
}

impl RowGuard {
    /// The refusal of an entry whose stored row (or the parent it names) is not the
    /// uploader's.
    pub fn denied(&self, entry: &MappedEntry) -> DbError {
        let message = match self {
            RowGuard::Owner { column } => format!(
                "the row of `{}` with this id belongs to another user (its `{column}` is not the user's id)",
                entry.table
            ),
            RowGuard::Parent {
                column,
                parent_table,
                ..
            } => format!(
                "the row of `{}` with this id, or the value sent for `{column}`, references a \
                 `{parent_table}` row that does not exist or belongs to another user",
                entry.table
            ),
        };
        DbError::Denied {
            table: entry.table.clone(),
            message,
            operation_index: entry.operation_index,
        }
    }
}

/// ` AND a AND b` for the SQL conditions present (a guard's stored-row and sent-value
/// conditions, appended to a `WHERE`).
pub fn and_conditions(conditions: [Option<String>; 2]) -> String {
    conditions
        .into_iter()
        .flatten()
        .map(|condition| format!(" AND {condition}"))
        .collect()
}

/// An ownership condition on the row an entry writes, checked by the database in the
/// write statement itself (no extra round trip): an upsert's conflict clause or an
/// `UPDATE`/`DELETE`'s `WHERE`, plus a check of the affected row count. A row that
/// exists but fails the condition is [`DbError::Denied`]; a PATCH or DELETE of a row
/// that does not exist stays a no-op, as without a guard.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowGuard {
    /// The row's `column` equals the uploader's subject.
    Owner { column: String },
    /// The row's `column` references (by `parent_key`) a row of `parent_table` whose
    /// `parent_owner` equals the uploader's subject; so does the value sent for
    /// `column`, when one is sent.
    Parent {
        column: String,
        parent_table: String,
        parent_key: String,
        parent_owner: String,
    },
}

impl MappedEntry {
    /// The wire entry a custom handler sees: the one the client sent, or for an entry
    /// built without it (by hand, in tests), one rebuilt from the mapped entry.
    pub fn wire_entry(&self) -> CrudEntry {
        if let Some(source) = &self.source {
            return CrudEntry::clone(source);
        }
        let (op, op_data) = match self.op {
            WriteOp::Put(_) => (
                UpdateType::Put,
                Some(Some(self.columns.iter().cloned().collect())),
            ),
            WriteOp::Patch => (
                UpdateType::Patch,
                Some(Some(self.columns.iter().cloned().collect())),
            ),
            WriteOp::Delete => (UpdateType::Delete, None),
        };
        CrudEntry {
            op,
            table: self.client_table.clone(),
            id: match &self.id {
                Value::String(id) => id.clone(),
                other => other.to_string(),
            },
            op_id: None,
            transaction_id: None,
            op_data,
            previous_values: None,
            metadata: None,
        }
    }
}

/// Everything a persister needs to apply one upload transaction.
pub struct TransactionWork<'a> {
    pub principal: &'a Principal,
    pub entries: &'a [MappedEntry],
    pub schema: &'a DatabaseSchema,
    /// Set when the client sent `client_id` and every entry has an `op_id`.
    pub idempotency: Option<Idempotency<'a>>,
    /// Set when write checkpoints are enabled.
    pub checkpoint: Option<CheckpointKey<'a>>,
    pub handlers: &'a HandlerRegistry,
}

/// The ledger key and range of one transaction. The ledger is keyed by the principal's
/// subject and this client id together: a client id is the client's own choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idempotency<'a> {
    pub client_id: &'a str,
    /// The transaction's highest `op_id`: it is a replay when the ledger's last
    /// applied op_id for the client is at least this.
    pub last_op_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointKey<'a> {
    pub user_id: &'a str,
    pub client_id: &'a str,
}

/// What applying a transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written and committed; the new write checkpoint if checkpoints are enabled.
    Written { write_checkpoint: Option<i64> },
    /// The ledger shows it was applied before: nothing was written.
    Duplicate,
}

/// A transaction kept instead of applied.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeadLetter {
    /// The verified subject of the uploader.
    pub subject: String,
    pub client_id: Option<String>,
    /// The whole transaction as received (the wire `CrudTransaction`, as JSON).
    pub transaction: Value,
    pub error_code: String,
    pub error_message: String,
    pub error_details: Value,
    pub operation_index: usize,
    /// Advance the ledger too, so a replay of the batch does not store it again.
    pub idempotency: Option<(String, i64)>,
}

/// A stored dead letter.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Stable id (a UUID), returned to the client as `dead_letter_id`.
    pub id: String,
    /// RFC 3339 time it was stored.
    pub created_at: String,
    pub letter: NewDeadLetter,
}

#[async_trait]
pub trait Persister: Send + Sync + 'static {
    fn dialect(&self) -> Dialect;
    /// Creates the runtime's own tables if missing (ledger, checkpoints, dead letters),
    /// upgrades older layouts in place and records [`SCHEMA_VERSION`], never touching
    /// any other table. Idempotent, and safe when several instances run it at once;
    /// refuses ([`DbError::RuntimeTables`]) a database of a newer version.
    async fn migrate(&self) -> Result<(), DbError>;
    /// What the runtime's own tables look like (`serve` refuses to start, and `/ready`
    /// answers 503, unless [`RuntimeTables::check`] passes). One or two cheap queries.
    async fn runtime_tables(&self) -> Result<RuntimeTables, DbError>;
    /// Creates the example `lists`/`todos` tables if missing ([`example`]).
    async fn create_example_schema(&self) -> Result<(), DbError>;
    /// Cheap round trip for `/ready`.
    async fn ping(&self) -> Result<(), DbError>;
    /// The user tables and their columns (the runtime's own tables excluded).
    async fn introspect(&self) -> Result<DatabaseSchema, DbError>;
    /// Applies one transaction atomically with its ledger and checkpoint updates.
    async fn apply(&self, work: &TransactionWork<'_>) -> Result<Applied, DbError>;
    /// Stores a dead letter in its own database transaction; returns its id.
    async fn store_dead_letter(&self, letter: &NewDeadLetter) -> Result<String, DbError>;
    /// Dead letters, oldest first.
    async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, DbError>;
    async fn get_dead_letter(&self, id: &str) -> Result<Option<DeadLetter>, DbError>;
    /// The dead letter stored for the transaction of `subject`'s `client_id` ending at
    /// `last_op_id` (its ledger key), so a replay is answered with the same failure.
    /// Another user's letters are never found, whatever `client_id` they sent.
    async fn find_dead_letter(
        &self,
        subject: &str,
        client_id: &str,
        last_op_id: i64,
    ) -> Result<Option<DeadLetter>, DbError>;
    /// Removes a dead letter; `false` when there was none with that id.
    async fn delete_dead_letter(&self, id: &str) -> Result<bool, DbError>;
}

/// A shared persister.
pub type SharedPersister = Arc<dyn Persister>;

/// Opens the persister for a database URL: `sqlite://PATH` or `postgres://...`
/// (`postgresql://` too), with the pool size and options of the configuration.
pub async fn open(url: &str, config: &crate::config::Config) -> Result<SharedPersister, DbError> {
    if url.starts_with("sqlite:") {
        let persister = sqlite::SqlitePersister::connect(url, config.sqlite.clone()).await?;
        Ok(Arc::new(persister))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut pg = postgres::PostgresConfig::new(url);
        pg.pool_size = config.pool_size;
        Ok(Arc::new(postgres::PostgresPersister::new(pg)?))
    } else {
        Err(DbError::Connection {
            message: format!(
                "unsupported database URL `{}`: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE",
                redact_url(url)
            ),
        })
    }
}

/// The URL without its password, for logs and messages (kept here for callers; the
/// work is in [`crate::redact`]).
pub use crate::redact::redact_url;

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite://data/a.db"), "sqlite://data/a.db");
    }
}
