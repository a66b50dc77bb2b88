//! Inputs that once panicked (or aborted) a value conversion, each kept as a test
//! against both persisters' converters, and the "never panics" property that the
//! fuzz targets (`fuzz/`) check at length, here in a short run for every
//! `cargo test`.

use powersync_write_server::persist::postgres::convert_value as postgres;
use powersync_write_server::persist::sqlite::convert_value as sqlite;
use powersync_write_server::schema::ColumnType;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};

/// Both converters refuse `value` for `ty`; the messages contain `says`.
fn refused(ty: &ColumnType, value: Value, says: &str) {
    let message = sqlite(&value, ty).expect_err("sqlite");
    assert!(message.contains(says), "sqlite, {value}: {message}");
    let message = postgres(ty, &value).expect_err("postgres");
    assert!(message.contains(says), "postgres, {value}: {message}");
}

/// Issue item 2: the digit count plus this exponent overflowed i64, and
/// `"0".repeat(..)` of the wrapped result aborted the process (SQLite); PostgreSQL
/// sent it to the database unchecked.
#[test]
fn numeric_exponent_near_i64_max() {
    refused(
        &ColumnType::Numeric,
        json!("1e9223372036854775807"),
        "out of range",
    );
    refused(
        &ColumnType::Numeric,
        json!("-1e9223372036854775807"),
        "out of range",
    );
}

/// Issue item 5: a multi-byte character in the offset panicked on byte slicing.
#[test]
fn multibyte_character_in_an_offset() {
    for ty in [ColumnType::TimestampTz, ColumnType::Timestamp] {
        refused(&ty, json!("2024-01-01T10:00:00+0é00"), "expected");
    }
    refused(&ColumnType::TimeTz, json!("10:00:00+0é00"), "expected");
}

/// Found by the fuzz target convert_sqlite (with its dictionary): the overflow of
/// item 2 with a signed exponent.
#[test]
fn fuzz_found_signed_exponent_near_i64_max() {
    refused(
        &ColumnType::Numeric,
        json!("2e+9223372036854775807"),
        "out of range",
    );
}

/// Found by the fuzz target convert_postgres: a four-byte "offset" holding a
/// multi-byte character, in a time column (`&zone[..2]` ended inside 'Ӑ').
#[test]
fn fuzz_found_multibyte_character_in_a_time_offset() {
    refused(&ColumnType::Time, json!("2.0-4Ӑt"), "expected");
    refused(&ColumnType::TimeTz, json!("2.0-4Ӑt"), "expected");
}

/// Column types to draw from: every family, enums, domains and arrays of them.
fn column_type() -> impl Strategy<Value = ColumnType> {
    let leaf = prop_oneof![
        Just(ColumnType::Bool),
        Just(ColumnType::Int2),
        Just(ColumnType::Int4),
        Just(ColumnType::Int8),
        Just(ColumnType::Numeric),
        Just(ColumnType::Float4),
        Just(ColumnType::Float8),
        Just(ColumnType::Text),
        Just(ColumnType::Uuid),
        Just(ColumnType::Json),
        Just(ColumnType::Jsonb),
        Just(ColumnType::Date),
        Just(ColumnType::Time),
        Just(ColumnType::TimeTz),
        Just(ColumnType::Timestamp),
        Just(ColumnType::TimestampTz),
        Just(ColumnType::Interval),
        Just(ColumnType::Bytea),
        Just(ColumnType::Other),
        prop::collection::vec("[a-zé ]{0,4}", 1..4).prop_map(|labels| ColumnType::Enum { labels }),
    ];
    leaf.prop_recursive(3, 8, 1, |inner| {
        prop_oneof![
            inner.clone().prop_map(|ty| ColumnType::Array(Box::new(ty))),
            inner.prop_map(|base| ColumnType::Domain {
                base: Box::new(base)
            }),
        ]
    })
}

/// Strings near what the parsers accept (digits, signs, separators, a multi-byte
/// character where an ASCII one is expected), and any string at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Timestamps, dates and times with any offset.
        "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{0,10})?)?)?([Zz]|[+-][0-9é:]{0,5})?",
        "[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?(\\.[0-9é]{0,3})?([+-][0-9é:]{0,6})?",
        // Decimals with exponents up to and past i64's ends.
        "[+-]?[0-9]{0,4}(\\.[0-9]{0,4})?([eE][+-]?(922337203685477580[0-9]|[0-9]{1,22}))?",
        "[+-]?(NaN|[Ii]nf(inity)?|0x1F|1_000)",
        // Bytes, UUIDs, JSON text.
        "\\\\x[0-9a-fA-Fé]{0,9}|[A-Za-z0-9+/=_-]{0,12}",
        "[0-9a-fA-Fé-]{30,40}",
        "[\\[\\]{}\",:0-9a-z é\\\\]{0,20}",
        any::<String>(),
    ]
}

/// JSON values as a request body holds them: scalars, the strings above, nested
/// arrays and objects, and arrays sent as JSON text.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| Value::String(Value::Array(items).to_string())),
            prop::collection::btree_map("[a-z]{0,3}", inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    // A failing case is written to `convert_regressions.proptest-regressions` beside
    // this file (proptest's default place cannot be found for an integration test):
    // commit it, and every later run replays the case first.
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Any value for any column type is converted or refused with a message, by
    /// both converters: never a panic (which would leave the client without an
    /// answer, retrying for ever).
    #[test]
    fn conversions_never_panic(ty in column_type(), value in value()) {
        if let Err(message) = sqlite(&value, &ty) {
            prop_assert!(!message.is_empty());
        }
        if let Err(message) = postgres(&ty, &value) {
            prop_assert!(!message.is_empty());
        }
    }
}
