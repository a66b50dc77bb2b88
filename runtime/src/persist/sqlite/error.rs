//! rusqlite errors -> [`DbError`], with the table, column or constraint read from
//! SQLite's message where it names them.

use rusqlite::ffi;

use crate::vocab::{DbError, Dialect};

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
}
