//! SQLite's errors: rusqlite errors -> [`DbError`], with the table, column or constraint
//! read from SQLite's message where it names them, and extended result codes ->
//! [`Class`] (the table the runtime's default classifier uses).
//!
//! The classes: [`db_error`] puts the numeric extended result code into
//! `DbError::Database { code }` (`"1299"` for SQLITE_CONSTRAINT_NOTNULL). Constraint codes are matched
//! exactly; everything else by its primary code (the low byte). Plain SQLITE_ERROR
//! says nothing by itself, so schema problems are recognised by SQLite's messages.
//!
//! Retryable are the conditions of the database, not of the transaction: busy or
//! locked by another connection, read-only (file permissions, a read-only mount,
//! `query_only`; like PostgreSQL 25006 it is fixed by an operator, and
//! classing it fatal would turn every upload during the outage into a dead letter),
//! disk full, I/O errors, out of memory, interrupted, cannot open, schema changed
//! under a prepared statement, and a corrupt or non-database file (the transaction is
//! not at fault; it applies once the file is restored).

use rusqlite::ffi;

use crate::failure::codes;
use crate::persist::version;
use crate::vocab::{Class, DbError, Dialect};

/// The `code` of errors raised by rusqlite itself rather than by SQLite (a bad
/// parameter count in a handler's statement, ...).
pub const CLIENT_LIBRARY_CODE: &str = "rusqlite";

/// Converts an error of a statement; `operation_index` is the entry it ran for.
pub fn db_error(error: rusqlite::Error, operation_index: Option<usize>) -> DbError {
    match error {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            let located = locate(&message);
            DbError::Database {
                dialect: Dialect::Sqlite,
                code: failure.extended_code.to_string(),
                message,
                table: located.table,
                column: located.column,
                constraint: located.constraint,
                operation_index,
            }
        }
        other => DbError::Database {
            dialect: Dialect::Sqlite,
            code: CLIENT_LIBRARY_CODE.to_string(),
            message: other.to_string(),
            table: None,
            column: None,
            constraint: None,
            operation_index,
        },
    }
}

/// An error SQLite itself would raise (`SQLITE_ERROR` with its wording), for names
/// the runtime finds missing from its schema snapshot before running anything.
pub fn missing(
    message: String,
    table: &str,
    column: Option<&str>,
    operation_index: usize,
) -> DbError {
    DbError::Database {
        dialect: Dialect::Sqlite,
        code: ffi::SQLITE_ERROR.to_string(),
        message,
        table: Some(table.to_string()),
        column: column.map(str::to_string),
        constraint: None,
        operation_index: Some(operation_index),
    }
}

/// An error while opening the database: the outcome is "nothing applied", retryable.
pub fn connection_error(context: &str, error: impl std::fmt::Display) -> DbError {
    DbError::Connection {
        message: format!("{context}: {error}"),
    }
}

#[derive(Debug, Default, PartialEq)]
struct Located {
    table: Option<String>,
    column: Option<String>,
    constraint: Option<String>,
}

/// Reads names out of SQLite's messages (their wording is stable across versions).
fn locate(message: &str) -> Located {
    let table_column = |rest: &str| -> Located {
        // `t.c` (one column); several (`t.a, t.b`) name no single column.
        let first = rest.split(", ").next().unwrap_or(rest);
        let several = rest.contains(", ");
        match first.split_once('.') {
            Some((table, column)) => Located {
                table: Some(table.to_string()),
                column: (!several).then(|| column.to_string()),
                constraint: None,
            },
            None => Located::default(),
        }
    };
    for prefix in ["NOT NULL constraint failed: ", "UNIQUE constraint failed: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return table_column(rest);
        }
    }
    if let Some(rest) = message.strip_prefix("CHECK constraint failed: ") {
        return Located {
            constraint: Some(rest.to_string()),
            ..Located::default()
        };
    }
    if let Some(rest) = message.strip_prefix("cannot store ")
        && let Some((_, place)) = rest.split_once(" column ")
    {
        return table_column(place);
    }
    if let Some(rest) = message.strip_prefix("no such table: ") {
        let table = rest.strip_prefix("main.").unwrap_or(rest);
        return Located {
            table: Some(table.to_string()),
            ..Located::default()
        };
    }
    if let Some(rest) = message.strip_prefix("no such column: ") {
        return Located {
            column: Some(rest.to_string()),
            ..Located::default()
        };
    }
    if let Some(rest) = message.strip_prefix("table ")
        && let Some((table, column)) = rest.split_once(" has no column named ")
    {
        return Located {
            table: Some(table.to_string()),
            column: Some(column.to_string()),
            constraint: None,
        };
    }
    Located::default()
}

/// An error of a statement on one of the runtime's tables: a missing table or column
/// (or the ledger's older key) is [`DbError::RuntimeTables`], anything else as usual.
pub fn runtime_error(table: &str, error: rusqlite::Error) -> DbError {
    let error = db_error(error, None);
    match &error {
        DbError::Database { code, message, .. }
            if classify(code, message) == Some(Class::Fatal(codes::SCHEMA_MISMATCH)) =>
        {
            version::table_error(table, message)
        }
        _ => error,
    }
}

/// Messages of SQLITE_ERROR that mean the database does not have the table or
/// column the runtime expected (it changed since introspection, or the mapping
/// names a key column without a unique index).
const SCHEMA_MISMATCH_MESSAGES: &[&str] = &[
    "no such table",
    "no such column",
    "has no column named",
    "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
];

/// The class of an SQLite error, or `None` when unknown.
pub fn classify(code: &str, message: &str) -> Option<Class> {
    let code: i32 = code.parse().ok()?;
    let class = match code {
        ffi::SQLITE_CONSTRAINT_NOTNULL => Class::Fatal(codes::NOT_NULL_VIOLATION),
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            Class::Fatal(codes::UNIQUE_VIOLATION)
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Class::Fatal(codes::FOREIGN_KEY_VIOLATION),
        ffi::SQLITE_CONSTRAINT_CHECK => Class::Fatal(codes::CHECK_VIOLATION),
        // A STRICT table refusing a value of the wrong type.
        ffi::SQLITE_CONSTRAINT_DATATYPE => Class::Fatal(codes::INVALID_DATA),
        _ => match code & 0xff {
            ffi::SQLITE_CONSTRAINT => Class::Fatal(codes::CONSTRAINT_VIOLATION),
            // A non-integer into an INTEGER PRIMARY KEY; a value over SQLite's size limit.
            ffi::SQLITE_MISMATCH | ffi::SQLITE_TOOBIG => Class::Fatal(codes::INVALID_DATA),
            ffi::SQLITE_BUSY
            | ffi::SQLITE_LOCKED
            | ffi::SQLITE_READONLY
            | ffi::SQLITE_IOERR
            | ffi::SQLITE_FULL
            | ffi::SQLITE_NOMEM
            | ffi::SQLITE_INTERRUPT
            | ffi::SQLITE_CANTOPEN
            | ffi::SQLITE_PROTOCOL
            | ffi::SQLITE_SCHEMA
            | ffi::SQLITE_CORRUPT
            | ffi::SQLITE_NOTADB => Class::Retryable,
            ffi::SQLITE_AUTH => Class::Fatal(codes::UNAUTHORIZED),
            ffi::SQLITE_ERROR if SCHEMA_MISMATCH_MESSAGES.iter().any(|m| message.contains(m)) => {
                Class::Fatal(codes::SCHEMA_MISMATCH)
            }
            _ => return None,
        },
    };
    Some(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(message: &str) -> (Option<String>, Option<String>, Option<String>) {
        let l = locate(message);
        (l.table, l.column, l.constraint)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn reads_names_from_messages() {
        assert_eq!(
            names("NOT NULL constraint failed: todos.title"),
            (s("todos"), s("title"), None)
        );
        assert_eq!(
            names("UNIQUE constraint failed: t.a, t.b"),
            (s("t"), None, None)
        );
        assert_eq!(
            names("CHECK constraint failed: positive"),
            (None, None, s("positive"))
        );
        assert_eq!(
            names("cannot store TEXT value in INTEGER column t.n"),
            (s("t"), s("n"), None)
        );
        assert_eq!(names("no such table: main.todos"), (s("todos"), None, None));
        assert_eq!(
            names("table t has no column named x"),
            (s("t"), s("x"), None)
        );
        assert_eq!(names("FOREIGN KEY constraint failed"), (None, None, None));
    }

    fn class(code: i32, message: &str) -> Option<Class> {
        classify(&code.to_string(), message)
    }

    #[test]
    fn constraint_codes() {
        let cases = [
            (ffi::SQLITE_CONSTRAINT_NOTNULL, codes::NOT_NULL_VIOLATION),
            (ffi::SQLITE_CONSTRAINT_UNIQUE, codes::UNIQUE_VIOLATION),
            (ffi::SQLITE_CONSTRAINT_PRIMARYKEY, codes::UNIQUE_VIOLATION),
            (
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY,
                codes::FOREIGN_KEY_VIOLATION,
            ),
            (ffi::SQLITE_CONSTRAINT_CHECK, codes::CHECK_VIOLATION),
            (ffi::SQLITE_CONSTRAINT_DATATYPE, codes::INVALID_DATA),
            (ffi::SQLITE_CONSTRAINT_TRIGGER, codes::CONSTRAINT_VIOLATION),
            (ffi::SQLITE_CONSTRAINT_ROWID, codes::CONSTRAINT_VIOLATION),
            (ffi::SQLITE_CONSTRAINT, codes::CONSTRAINT_VIOLATION),
            (ffi::SQLITE_MISMATCH, codes::INVALID_DATA),
            (ffi::SQLITE_TOOBIG, codes::INVALID_DATA),
            (ffi::SQLITE_AUTH, codes::UNAUTHORIZED),
        ];
        for (code, expected) in cases {
            assert_eq!(
                class(code, "x"),
                Some(Class::Fatal(expected)),
                "code {code}"
            );
        }
    }

    #[test]
    fn retryable_codes() {
        for code in [
            ffi::SQLITE_BUSY,
            ffi::SQLITE_BUSY_SNAPSHOT,
            ffi::SQLITE_BUSY_TIMEOUT,
            ffi::SQLITE_LOCKED,
            ffi::SQLITE_LOCKED_SHAREDCACHE,
            ffi::SQLITE_READONLY,
            ffi::SQLITE_READONLY_DBMOVED,
            ffi::SQLITE_IOERR,
            ffi::SQLITE_IOERR_FSYNC,
            ffi::SQLITE_IOERR_SHORT_READ,
            ffi::SQLITE_FULL,
            ffi::SQLITE_NOMEM,
            ffi::SQLITE_INTERRUPT,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_SCHEMA,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_NOTADB,
        ] {
            assert_eq!(class(code, "x"), Some(Class::Retryable), "code {code}");
        }
    }

    #[test]
    fn schema_mismatch_by_message() {
        for message in [
            "no such table: main.todos",
            "no such column: done",
            "table todos has no column named done",
            "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
        ] {
            assert_eq!(
                class(ffi::SQLITE_ERROR, message),
                Some(Class::Fatal(codes::SCHEMA_MISMATCH)),
                "{message}"
            );
        }
        // Only SQLITE_ERROR is read by message.
        assert_eq!(class(ffi::SQLITE_MISUSE, "no such table: t"), None);
    }

    #[test]
    fn unknown_is_none() {
        assert_eq!(class(ffi::SQLITE_ERROR, "near \"x\": syntax error"), None);
        assert_eq!(class(ffi::SQLITE_MISUSE, "bad parameter"), None);
        assert_eq!(class(ffi::SQLITE_RANGE, "column index out of range"), None);
        assert_eq!(classify("rusqlite", "Execute returned results"), None);
        assert_eq!(classify("", ""), None);
    }
}
