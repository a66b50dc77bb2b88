//! What became of a transaction that was not applied, in the protocol's terms.
//!
//! Every database, conversion, mapping and hook error ends up as a [`Failure`]:
//! retryable (nothing applied; the client retries after a delay) or fatal (nothing
//! applied; retrying unchanged fails again). The classifier decides which.

use serde_json::{Map, Value};

/// The error codes of `FailedOperation.error_code` (an open set: hooks may add their own).
pub mod codes {
    pub const NOT_NULL_VIOLATION: &str = "NOT_NULL_VIOLATION";
    pub const UNIQUE_VIOLATION: &str = "UNIQUE_VIOLATION";
    pub const FOREIGN_KEY_VIOLATION: &str = "FOREIGN_KEY_VIOLATION";
    pub const CHECK_VIOLATION: &str = "CHECK_VIOLATION";
    pub const CONSTRAINT_VIOLATION: &str = "CONSTRAINT_VIOLATION";
    pub const INVALID_DATA: &str = "INVALID_DATA";
    pub const SCHEMA_MISMATCH: &str = "SCHEMA_MISMATCH";
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    /// The transaction does not match `CrudTransaction` (its violations in `details`).
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    pub const UNCLASSIFIED_ERROR: &str = "UNCLASSIFIED_ERROR";
}

/// Why a transaction was not applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Nothing was applied and trying again later may succeed (connection lost,
    /// deadlock, database read-only or overloaded).
    Retryable {
        message: String,
        retry_after_ms: u64,
    },
    /// Nothing was applied and the same transaction will fail again.
    Fatal(FatalFailure),
}

/// A fatal failure, located at one entry of the transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct FatalFailure {
    /// One of [`codes`], or an application code from a hook.
    pub code: String,
    pub message: String,
    /// Machine-readable context: `table`, `column`, `constraint`, ...
    pub details: Map<String, Value>,
    /// Index of the failing entry in the transaction's `crud` list.
    pub operation_index: usize,
}

impl FatalFailure {
    pub fn new(code: &str, message: impl Into<String>, operation_index: usize) -> Self {
        FatalFailure {
            code: code.to_string(),
            message: message.into(),
            details: Map::new(),
            operation_index,
        }
    }

    /// Adds a `details` entry (`table`, `column`, ...).
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}
