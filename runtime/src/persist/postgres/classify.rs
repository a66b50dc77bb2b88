//! PostgreSQL's errors: tokio-postgres and pool errors -> [`DbError`], and SQLSTATE ->
//! [`Class`] (the table the runtime's default classifier uses).
//!
//! Retryable: the transaction may succeed unchanged later. Class 08 (connection), 40
//! (serialization failure, deadlock), 53 (insufficient resources), 57 (operator
//! intervention: shutdown, terminated backend, cancel), 58 (system / I/O error),
//! 55P03 (lock not available) and 25006 (read-only transaction, e.g. a standby or a
//! failover in progress).
//!
//! 26000 (a prepared statement missing) and 42P05 (one already there) are retryable:
//! they come from the connection, not the data, typically a pooler in transaction
//! mode without `transaction_pooler` set. Fatal, they would dead-letter every valid
//! write until the setting is fixed; retryable, the clients keep them.
//!
//! 57014 (query_canceled) is retryable too: our statements are single-row writes by
//! primary key, so a statement timeout or an operator's cancel means contention or
//! load, which passes. Classing it fatal would dead-letter valid writes during a load
//! spike; a handler whose query is slow by itself can still be wrapped by a custom
//! classifier.
//!
//! The table is shared with the TypeScript PostgreSQL module as data:
//! `tests/postgres-vectors/sqlstates.json`, which both are tested against.

use deadpool_postgres::PoolError;

use crate::failure::codes;
use crate::persist::version;
use crate::vocab::{Class, DbError, Dialect};

/// A statement's error. Errors the server reported keep their SQLSTATE and fields;
/// errors of the connection itself (I/O, closed, protocol, timeout) are
/// [`DbError::Connection`]; client-side errors (a parameter that does not encode, a
/// column that does not decode) are a [`DbError::Database`] without SQLSTATE.
pub fn from_pg(error: &tokio_postgres::Error, operation_index: Option<usize>) -> DbError {
    if let Some(db) = error.as_db_error() {
        let mut message = db.message().to_string();
        if let Some(detail) = db.detail() {
            message = format!("{message}: {detail}");
        }
        return DbError::Database {
            dialect: Dialect::Postgres,
            code: db.code().code().to_string(),
            message,
            table: db.table().map(str::to_string),
            column: db.column().map(str::to_string),
            constraint: db.constraint().map(str::to_string),
            operation_index,
        };
    }
    if is_client_side(error) {
        return DbError::Database {
            dialect: Dialect::Postgres,
            code: String::new(),
            message: error_chain(error),
            table: None,
            column: None,
            constraint: None,
            operation_index,
        };
    }
    DbError::Connection {
        message: error_chain(error),
    }
}

/// Errors raised in this process before or after talking to the server: they say
/// nothing about the connection. Told apart by their text, the only public sign.
fn is_client_side(error: &tokio_postgres::Error) -> bool {
    let text = error.to_string();
    [
        "error serializing parameter",
        "error deserializing column",
        "invalid column",
        "query returned an unexpected",
        "expected ",
        "invalid connection string",
        "invalid configuration",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

/// Failing to get a connection: always "nothing was tried", so retryable. A server
/// refusal in the retryable SQLSTATE classes (too many connections, shutting down)
/// keeps its code; anything else (unreachable, timeout, authentication) is
/// [`DbError::Connection`].
pub fn from_pool(error: PoolError) -> DbError {
    match error {
        PoolError::Backend(error) => match from_pg(&error, None) {
            DbError::Database { ref code, .. }
                if ["08", "53", "57"].iter().any(|c| code.starts_with(c)) =>
            {
                from_pg(&error, None)
            }
            DbError::Database { message, code, .. } => DbError::Connection {
                message: format!("cannot connect: {message} ({code})"),
            },
            DbError::Connection { message } if message.contains("invalid peer certificate") => {
                DbError::Connection {
                    message: format!(
                        "{message} (the server's TLS certificate did not pass the check \
                         `sslmode` asks for: give its CA with `sslrootcert=PATH`, connect by \
                         the name the certificate is for, or use `sslmode=require`, which \
                         encrypts without checking)"
                    ),
                }
            }
            other => other,
        },
        PoolError::Timeout(kind) => DbError::Connection {
            message: format!("timed out getting a database connection ({kind:?})"),
        },
        other => DbError::Connection {
            message: other.to_string(),
        },
    }
}

/// The error of a statement on one of the runtime's tables: a missing table or column,
/// or a conflict target the ledger of an older layout lacks, is the runtime's
/// ([`DbError::RuntimeTables`]); anything else as usual.
pub fn runtime_error(table: &str, error: &tokio_postgres::Error) -> DbError {
    match from_pg(error, None) {
        // 42P01 undefined table, 42703 undefined column, 42P10 no unique index for the
        // ON CONFLICT target.
        DbError::Database { code, message, .. }
            if ["42P01", "42703", "42P10"].contains(&code.as_str()) =>
        {
            version::table_error(table, &message)
        }
        other => other,
    }
}

/// The class of a SQLSTATE, or `None` when unknown.
pub fn classify(sqlstate: &str) -> Option<Class> {
    let class = sqlstate.get(..2)?;
    if sqlstate.len() != 5 {
        return None;
    }
    Some(match (sqlstate, class) {
        ("23502", _) => Class::Fatal(codes::NOT_NULL_VIOLATION),
        ("23503", _) => Class::Fatal(codes::FOREIGN_KEY_VIOLATION),
        ("23505", _) => Class::Fatal(codes::UNIQUE_VIOLATION),
        ("23514", _) => Class::Fatal(codes::CHECK_VIOLATION),
        (_, "23") => Class::Fatal(codes::CONSTRAINT_VIOLATION),
        (_, "22") => Class::Fatal(codes::INVALID_DATA),
        // Prepared statements lost or mixed up between connections (a pooler).
        ("26000" | "42P05", _) => Class::Retryable,
        // insufficient_privilege: missing GRANT or a row-level-security policy.
        ("42501", _) => Class::Fatal(codes::UNAUTHORIZED),
        (_, "42") => Class::Fatal(codes::SCHEMA_MISMATCH),
        ("55P03" | "25006", _) => Class::Retryable,
        (_, "08" | "40" | "53" | "57" | "58") => Class::Retryable,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// The shared table (tests/postgres-vectors/README.md): what the TypeScript module
    /// must answer too.
    const VECTORS: &str = include_str!("../../../../tests/postgres-vectors/sqlstates.json");

    #[test]
    fn every_shared_vector() {
        let vectors: Value = serde_json::from_str(VECTORS).expect("sqlstates.json is JSON");
        let cases = vectors["cases"]
            .as_array()
            .expect("sqlstates.json has cases");
        let mut failures = Vec::new();
        for case in cases {
            let sqlstate = case["sqlstate"].as_str().expect("a sqlstate string");
            let expected = &case["class"];
            let actual = match classify(sqlstate) {
                None => Value::Null,
                Some(Class::Retryable) => Value::from("retryable"),
                Some(Class::Fatal(code)) => Value::from(code),
            };
            if &actual != expected {
                failures.push(format!("{sqlstate}: expected {expected:?}, got {actual:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(cases.len() >= 40, "only {} cases", cases.len());
    }
}
