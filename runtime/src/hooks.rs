//! The extension points, each a trait with a default, so an application embeds the
//! runtime as a library and changes only what it needs.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::{CrudEntry, CrudTransaction};
use serde_json::{Map, Value};

use crate::failure::{Failure, FatalFailure};
use crate::vocab::{DbError, Dialect, MappedEntry, NewDeadLetter, Principal};

/// Decides whether the principal may apply a transaction. Runs before anything is
/// written; a refusal is a fatal `UNAUTHORIZED` failure at the refused entry.
#[async_trait]
pub trait Authorizer: Send + Sync {
    async fn authorize(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> Result<(), Refusal>;
}

/// A refusal by the authorizer.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub operation_index: usize,
    pub message: String,
}

/// The default authorizer: every verified principal may write everything.
pub struct AllowAll;

#[async_trait]
impl Authorizer for AllowAll {
    async fn authorize(
        &self,
        _principal: &Principal,
        _client_id: Option<&str>,
        _transaction: &CrudTransaction,
    ) -> Result<(), Refusal> {
        Ok(())
    }
}

/// A parameter of a statement a custom handler runs.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlParam {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// The open database transaction, as custom handlers see it: they run inside the same
/// transaction as the rest of the upload, so their writes commit or roll back with it.
#[async_trait]
pub trait SqlExecutor: Send {
    fn dialect(&self) -> Dialect;
    /// Runs one statement (placeholders: `$1..` on PostgreSQL, `?` on SQLite and MySQL);
    /// returns the number of rows affected.
    async fn execute(&mut self, sql: &str, params: &[SqlParam]) -> Result<u64, DbError>;
    /// Runs a query; each row as a JSON object keyed by column name.
    async fn query(
        &mut self,
        sql: &str,
        params: &[SqlParam],
    ) -> Result<Vec<Map<String, Value>>, DbError>;
    /// Applies the entry the default way (upsert, update or delete).
    async fn apply_default(&mut self, entry: &MappedEntry) -> Result<(), DbError>;
}

/// Server-side logic for one client table (or a "mutator" pseudo-table that has no
/// database table), instead of the default write.
#[async_trait]
pub trait TableHandler: Send + Sync {
    async fn handle(
        &self,
        principal: &Principal,
        entry: &CrudEntry,
        mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError>;
}

/// Custom handlers by client table name.
#[derive(Default, Clone)]
pub struct HandlerRegistry {
    handlers: BTreeMap<String, Arc<dyn TableHandler>>,
}

impl HandlerRegistry {
    pub fn register(&mut self, client_table: impl Into<String>, handler: Arc<dyn TableHandler>) {
        self.handlers.insert(client_table.into(), handler);
    }

    pub fn get(&self, client_table: &str) -> Option<&Arc<dyn TableHandler>> {
        self.handlers.get(client_table)
    }

    /// Tables that need no database table because a handler owns them.
    pub fn contains(&self, client_table: &str) -> bool {
        self.handlers.contains_key(client_table)
    }
}

/// Turns a database error into a protocol failure. The default classifier
/// (`classify::DefaultClassifier`) knows PostgreSQL, MySQL/MariaDB and SQLite codes; wrap it to
/// treat some errors differently.
pub trait ErrorClassifier: Send + Sync {
    /// `operation_index` is the failing entry when the persister did not say.
    fn classify(&self, error: &DbError, operation_index: usize) -> Failure;
}

/// Decides who deals with a fatal failure: the client app (`true`) or the backend,
/// which keeps the transaction as a dead letter (`false`, the default).
pub trait FatalRouter: Send + Sync {
    fn requires_client_handling(&self, principal: &Principal, failure: &FatalFailure) -> bool;
}

/// The default router: the backend keeps every fatal failure as a dead letter, so no
/// client queue is ever blocked and nothing is lost.
pub struct KeepAsDeadLetter;

impl FatalRouter for KeepAsDeadLetter {
    fn requires_client_handling(&self, _principal: &Principal, _failure: &FatalFailure) -> bool {
        false
    }
}

/// Where fatal failures the client need not handle are kept. The default (no sink
/// set) is the persister's dead-letter table (`Persister::store_dead_letter`),
/// written in its own database transaction together with the idempotency ledger, so
/// a replay is answered with the same failure. A custom sink (a queue, another store)
/// must be durable before it returns: the client drops the transaction on `Ok`. An
/// `Err` turns the answer into a retryable error, so nothing is ever lost.
#[async_trait]
pub trait DeadLetterSink: Send + Sync {
    /// Keeps the letter; returns its id (sent to the client as `dead_letter_id`).
    async fn keep(&self, letter: &NewDeadLetter) -> Result<String, DbError>;
}
