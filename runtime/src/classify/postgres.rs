//! PostgreSQL SQLSTATE -> class.
//!
//! Retryable: the transaction may succeed unchanged later. Class 08 (connection), 40
//! (serialization failure, deadlock), 53 (insufficient resources), 57 (operator
//! intervention: shutdown, terminated backend, cancel), 58 (system / I/O error),
//! 55P03 (lock not available) and 25006 (read-only transaction, e.g. a standby or a
//! failover in progress).
//!
//! 57014 (query_canceled) is retryable too: our statements are single-row writes by
//! primary key, so a statement timeout or an operator's cancel means contention or
//! load, which passes. Classing it fatal would dead-letter valid writes during a load
//! spike; a handler whose query is slow by itself can still be wrapped by a custom
//! classifier.

use super::Class;
use crate::failure::codes;

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
    use super::*;

    #[test]
    fn table() {
        let fatal = |code| Some(Class::Fatal(code));
        let rows = [
            ("23502", fatal(codes::NOT_NULL_VIOLATION)),
            ("23503", fatal(codes::FOREIGN_KEY_VIOLATION)),
            ("23505", fatal(codes::UNIQUE_VIOLATION)),
            ("23514", fatal(codes::CHECK_VIOLATION)),
            ("23P01", fatal(codes::CONSTRAINT_VIOLATION)),
            ("23001", fatal(codes::CONSTRAINT_VIOLATION)),
            ("22001", fatal(codes::INVALID_DATA)),
            ("22P02", fatal(codes::INVALID_DATA)),
            ("42501", fatal(codes::UNAUTHORIZED)),
            ("42703", fatal(codes::SCHEMA_MISMATCH)),
            ("42P01", fatal(codes::SCHEMA_MISMATCH)),
            ("08006", Some(Class::Retryable)),
            ("08000", Some(Class::Retryable)),
            ("40001", Some(Class::Retryable)),
            ("40P01", Some(Class::Retryable)),
            ("53300", Some(Class::Retryable)),
            ("53100", Some(Class::Retryable)),
            ("57P01", Some(Class::Retryable)),
            ("57014", Some(Class::Retryable)),
            ("58030", Some(Class::Retryable)),
            ("55P03", Some(Class::Retryable)),
            ("25006", Some(Class::Retryable)),
            ("55000", None),
            ("25P02", None),
            ("XX000", None),
            ("P0001", None),
            ("", None),
            ("2", None),
            ("235", None),
        ];
        for (code, expected) in rows {
            assert_eq!(classify(code), expected, "{code}");
        }
    }
}
