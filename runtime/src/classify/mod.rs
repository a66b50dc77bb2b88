//! Failure classification: which database errors are worth retrying and which are
//! fatal, and with which error code. One table per database, each row proven by a
//! test that provokes the real error on a real server.

use crate::failure::{Failure, FatalFailure, codes};
use crate::hooks::ErrorClassifier;
use crate::persist;
use crate::vocab::{Class, DbError, Dialect};

/// How long a client waits before retrying after a retryable failure.
pub const DEFAULT_RETRY_AFTER_MS: u64 = 1_000;

/// The built-in classifier: the per-database tables, and everything unknown is fatal
/// `UNCLASSIFIED_ERROR` (kept as a dead letter under the default router, never lost).
#[derive(Debug, Clone)]
pub struct DefaultClassifier {
    pub retry_after_ms: u64,
}

impl Default for DefaultClassifier {
    fn default() -> Self {
        DefaultClassifier {
            retry_after_ms: DEFAULT_RETRY_AFTER_MS,
        }
    }
}

impl ErrorClassifier for DefaultClassifier {
    fn classify(&self, error: &DbError, operation_index: usize) -> Failure {
        match error {
            DbError::Connection { message } => Failure::Retryable {
                message: format!("database unavailable: {message}"),
                retry_after_ms: self.retry_after_ms,
            },
            // The server's own tables: the operator runs `migrate`, then retries succeed.
            DbError::RuntimeTables { message } => Failure::Retryable {
                message: message.clone(),
                retry_after_ms: self.retry_after_ms,
            },
            DbError::InvalidValue {
                table,
                column,
                message,
                operation_index,
            } => Failure::Fatal(
                FatalFailure::new(codes::INVALID_DATA, message.clone(), *operation_index)
                    .detail("table", table.as_str())
                    .detail("column", column.as_str()),
            ),
            DbError::Denied {
                table,
                message,
                operation_index,
            } => Failure::Fatal(
                FatalFailure::new(codes::UNAUTHORIZED, message.clone(), *operation_index)
                    .detail("table", table.as_str()),
            ),
            DbError::Handler {
                code,
                message,
                operation_index,
            } => Failure::Fatal(FatalFailure::new(code, message.clone(), *operation_index)),
            DbError::Database {
                dialect,
                code,
                message,
                table,
                column,
                constraint,
                operation_index: at,
            } => {
                let class = match dialect {
                    Dialect::Postgres => persist::postgres::classify::classify(code),
                    Dialect::Sqlite => persist::sqlite::classify::classify(code, message),
                    Dialect::Mysql => persist::mysql::classify::classify(code),
                };
                match class.unwrap_or(Class::Fatal(codes::UNCLASSIFIED_ERROR)) {
                    Class::Retryable => Failure::Retryable {
                        message: message.clone(),
                        retry_after_ms: self.retry_after_ms,
                    },
                    Class::Fatal(error_code) => {
                        let mut failure = FatalFailure::new(
                            error_code,
                            message.clone(),
                            at.unwrap_or(operation_index),
                        )
                        .detail("database_code", code.as_str());
                        for (key, value) in [
                            ("table", table),
                            ("column", column),
                            ("constraint", constraint),
                        ] {
                            if let Some(value) = value {
                                failure = failure.detail(key, value.as_str());
                            }
                        }
                        Failure::Fatal(failure)
                    }
                }
            }
        }
    }
}
