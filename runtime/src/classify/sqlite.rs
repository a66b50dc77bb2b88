//! SQLite extended result codes -> class.
//!
//! The SQLite persister puts the numeric extended result code into `DbError::Database
//! { code }` (`"1299"` for SQLITE_CONSTRAINT_NOTNULL). Constraint codes are matched
//! exactly; everything else by its primary code (the low byte). Plain SQLITE_ERROR
//! says nothing by itself, so schema problems are recognised by SQLite's messages.
//!
//! Retryable are the conditions of the database, not of the transaction: busy or
//! locked by another connection, read-only (file permissions, a read-only mount,
//! `query_only`; like PostgreSQL 25006 and MySQL 1290 it is fixed by an operator, and
//! classing it fatal would turn every upload during the outage into a dead letter),
//! disk full, I/O errors, out of memory, interrupted, cannot open, schema changed
//! under a prepared statement, and a corrupt or non-database file (the transaction is
//! not at fault; it applies once the file is restored).

use rusqlite::ffi;

use crate::failure::codes;
use crate::vocab::Class;

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
