//! The runtime's shared vocabulary: who uploads ([`Principal`]), what one entry
//! becomes once mapped onto the database ([`MappedEntry`], [`WriteOp`], [`RowGuard`]),
//! which database answered ([`Dialect`]), how it failed ([`DbError`], [`Class`]) and
//! what is kept of a transaction that failed for good ([`NewDeadLetter`]).
//!
//! Every other module of the runtime may use these; this module uses none of them, so
//! the dependencies between the runtime's modules point one way: persisters, hooks,
//! classification and the engine all meet here.

use std::sync::Arc;

use powersync_write_api::models::{CrudEntry, UpdateType};
use serde_json::{Map, Value};

/// The verified identity of an uploader.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The token's `sub`.
    pub subject: String,
    /// Every claim of the verified token.
    pub claims: Map<String, Value>,
}

/// What one database error code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Retryable,
    /// Fatal, with this error code.
    Fatal(&'static str),
}

/// Which database a persister speaks to; classifiers key their tables on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    /// MySQL and MariaDB (`persist::mysql`); its errors' `code` is the server's error
    /// number as text (`"1062"`).
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
