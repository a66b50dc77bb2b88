//! tokio-postgres and pool errors -> [`DbError`].

use deadpool_postgres::PoolError;

use crate::vocab::{DbError, Dialect};

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
