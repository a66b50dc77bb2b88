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
//!
//! The table is shared with the TypeScript PostgreSQL module as data:
//! `tests/postgres-vectors/sqlstates.json`, which both are tested against.

use crate::failure::codes;
use crate::vocab::Class;

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
    use serde_json::Value;

    use super::*;

    /// The shared table (tests/postgres-vectors/README.md): what the TypeScript module
    /// must answer too.
    const VECTORS: &str = include_str!("../../../tests/postgres-vectors/sqlstates.json");

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
