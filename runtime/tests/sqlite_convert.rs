//! Value conversion by column type, valid and invalid, through real inserts: each
//! case is stored, then read back with its SQLite storage class.

mod sqlite_support;

use powersync_write_server::vocab::DbError;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};
use sqlite_support::*;

const TYPED: &str = "
CREATE TABLE typed (
    id TEXT PRIMARY KEY,
    b BOOLEAN,
    i INTEGER,
    f REAL,
    n NUMERIC,
    t TEXT,
    j JSON,
    u UUID,
    d DATE,
    tm TIME,
    ts TIMESTAMP,
    tz TIMESTAMPTZ,
    by BLOB,
    o
);
CREATE TABLE by_int (id INTEGER PRIMARY KEY, v TEXT);
";

/// Stores `value` in `column` and returns what SQLite holds.
async fn stored(db: &Db, column: &str, value: Value) -> Result<SqlValue, DbError> {
    db.apply(&[put(0, "typed", "row", json!({ column: value }))])
        .await?;
    let rows = db.rows(&format!("SELECT {column} FROM typed WHERE id = 'row'"));
    Ok(rows[0][0].clone())
}

async fn check_valid(db: &Db, column: &str, cases: Vec<(Value, SqlValue)>) {
    for (value, expected) in cases {
        assert_eq!(
            stored(db, column, value.clone()).await,
            Ok(expected),
            "{column} <- {value}"
        );
    }
}

/// Each value is refused as InvalidValue naming the table, column and entry.
async fn check_invalid(db: &Db, column: &str, values: Vec<Value>) {
    for value in values {
        let entries = [
            put(0, "typed", "ok", json!({})),
            put(1, "typed", "bad", json!({ column: value.clone() })),
        ];
        match db.apply(&entries).await {
            Err(DbError::InvalidValue {
                table,
                column: c,
                operation_index,
                message,
            }) => {
                assert_eq!(
                    (table.as_str(), c.as_str(), operation_index),
                    ("typed", column, 1),
                    "{value}"
                );
                assert!(!message.is_empty());
                assert_eq!(
                    fatal(&DbError::InvalidValue {
                        table,
                        column: c,
                        message,
                        operation_index
                    })
                    .0,
                    "INVALID_DATA"
                );
            }
            other => panic!("{column} <- {value}: expected InvalidValue, got {other:?}"),
        }
        assert_eq!(db.count("typed WHERE id = 'ok'"), 0, "nothing applied");
    }
}

fn int(v: i64) -> SqlValue {
    SqlValue::Integer(v)
}

#[tokio::test]
async fn null_is_null_everywhere() {
    let db = db(TYPED).await;
    for column in [
        "b", "i", "f", "n", "t", "j", "u", "d", "tm", "ts", "tz", "by", "o",
    ] {
        assert_eq!(
            stored(&db, column, Value::Null).await,
            Ok(SqlValue::Null),
            "{column}"
        );
    }
}

#[tokio::test]
async fn booleans() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "b",
        vec![
            (json!(1), int(1)),
            (json!(0), int(0)),
            (json!(true), int(1)),
            (json!(false), int(0)),
            (json!("true"), int(1)),
            (json!("FALSE"), int(0)),
            (json!("1"), int(1)),
            (json!("0"), int(0)),
        ],
    )
    .await;
    check_invalid(
        &db,
        "b",
        vec![json!(2), json!("yes"), json!(0.5), json!([1]), json!({})],
    )
    .await;
}

#[tokio::test]
async fn integers() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "i",
        vec![
            (json!(42), int(42)),
            (json!(-7), int(-7)),
            (json!("123"), int(123)),
            (json!(5.0), int(5)),
            (json!(i64::MAX), int(i64::MAX)),
            (json!(i64::MIN.to_string()), int(i64::MIN)),
        ],
    )
    .await;
    check_invalid(
        &db,
        "i",
        vec![
            json!(1.5),
            json!("1.5"),
            json!("abc"),
            json!(true),
            json!(u64::MAX),
            json!("9223372036854775808"),
            json!([]),
        ],
    )
    .await;
}

#[tokio::test]
async fn floats() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "f",
        vec![
            (json!(1.25), SqlValue::Real(1.25)),
            (json!(3), SqlValue::Real(3.0)),
            (json!("2.5e3"), SqlValue::Real(2500.0)),
        ],
    )
    .await;
    check_invalid(
        &db,
        "f",
        vec![
            json!("NaN"),
            json!("inf"),
            json!("abc"),
            json!(true),
            json!({}),
        ],
    )
    .await;
}

#[tokio::test]
async fn numerics_are_exact() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "n",
        vec![
            (json!("12.50"), SqlValue::Real(12.5)),
            (json!("100"), int(100)),
            (json!(7), int(7)),
            (json!(0.25), SqlValue::Real(0.25)),
            (json!("-0.000123"), SqlValue::Real(-0.000123)),
        ],
    )
    .await;
    // More digits than a REAL keeps: SQLite's NUMERIC affinity would round even the
    // text, so they are refused rather than silently changed.
    check_invalid(
        &db,
        "n",
        vec![
            json!("12345678901234567890.123456789"),
            json!("0.1000000000000000000001"),
            json!("99999999999999999999"),
            json!("1,5"),
            json!("NaN"),
            json!("abc"),
            json!(true),
            json!([1]),
            // Beyond any REAL, and (the first) an exponent whose digit count overflowed
            // i64 arithmetic and aborted the process.
            json!("1e9223372036854775807"),
            json!("-1e9223372036854775807"),
            json!("1e400"),
            json!("1e-400"),
            json!("1e99999999999999999999"),
        ],
    )
    .await;
}

#[tokio::test]
async fn texts() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "t",
        vec![
            (json!("hello"), text("hello")),
            (json!(""), text("")),
            (json!(5), text("5")),
            (json!({"a": 1}), text(r#"{"a":1}"#)),
        ],
    )
    .await;
}

#[tokio::test]
async fn json_is_validated_and_canonical() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "j",
        vec![
            (
                json!(r#"{ "b": 1,  "a": [1, 2] }"#),
                text(r#"{"b":1,"a":[1,2]}"#),
            ),
            (json!({"x": true}), text(r#"{"x":true}"#)),
            (json!([1, "two"]), text(r#"[1,"two"]"#)),
            (json!("\"just a string\""), text("\"just a string\"")),
            // JSON text of a number: the column's NUMERIC affinity stores it as one.
            (json!(3), int(3)),
        ],
    )
    .await;
    check_invalid(
        &db,
        "j",
        vec![json!("{not json"), json!("hello"), json!("")],
    )
    .await;
}

#[tokio::test]
async fn uuids() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "u",
        vec![
            (
                json!("67e55044-10b1-426f-9247-bb680e5fe0c8"),
                text("67e55044-10b1-426f-9247-bb680e5fe0c8"),
            ),
            (
                json!("67E55044-10B1-426F-9247-BB680E5FE0C8"),
                text("67e55044-10b1-426f-9247-bb680e5fe0c8"),
            ),
        ],
    )
    .await;
    check_invalid(
        &db,
        "u",
        vec![
            json!("not-a-uuid"),
            json!("67e55044-10b1-426f-9247"),
            json!(12),
        ],
    )
    .await;
}

#[tokio::test]
async fn dates_and_times() {
    let db = db(TYPED).await;
    check_valid(&db, "d", vec![(json!("2024-02-29"), text("2024-02-29"))]).await;
    check_invalid(
        &db,
        "d",
        vec![json!("2023-02-29"), json!("02/03/2024"), json!(20240101)],
    )
    .await;
    check_valid(
        &db,
        "tm",
        vec![
            (json!("13:45:00.5"), text("13:45:00.5")),
            (json!("08:00"), text("08:00")),
        ],
    )
    .await;
    check_invalid(&db, "tm", vec![json!("25:00"), json!("noon")]).await;
    let powersync = "2024-01-02 03:04:05.678Z";
    check_valid(
        &db,
        "ts",
        vec![
            (json!(powersync), text(powersync)),
            (json!("2024-01-02T03:04:05"), text("2024-01-02T03:04:05")),
        ],
    )
    .await;
    check_valid(
        &db,
        "tz",
        vec![(
            json!("2024-01-02T03:04:05+02:00"),
            text("2024-01-02T03:04:05+02:00"),
        )],
    )
    .await;
    check_invalid(
        &db,
        "ts",
        vec![
            json!("2024-01-02 25:00:00"),
            json!("yesterday"),
            json!(1704164645),
        ],
    )
    .await;
    check_invalid(
        &db,
        "tz",
        vec![
            json!("2024-01-02T03:04:05+2"),
            // A multi-byte character in the offset.
            json!("2024-01-01T10:00:00+0é00"),
        ],
    )
    .await;
}

#[tokio::test]
async fn bytes_from_base64_or_hex() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "by",
        vec![
            (json!("aGVsbG8="), SqlValue::Blob(b"hello".to_vec())),
            (json!("aGVsbG8"), SqlValue::Blob(b"hello".to_vec())),
            (json!("\\x00ff41"), SqlValue::Blob(vec![0, 255, 0x41])),
        ],
    )
    .await;
    check_invalid(
        &db,
        "by",
        vec![
            json!("\\x0"),
            json!("\\xzz"),
            json!("not base64!"),
            json!(5),
        ],
    )
    .await;
}

#[tokio::test]
async fn undeclared_types_store_as_given() {
    let db = db(TYPED).await;
    check_valid(
        &db,
        "o",
        vec![
            (json!("text"), text("text")),
            (json!(5), int(5)),
            (json!(1.5), SqlValue::Real(1.5)),
            (json!([1]), text("[1]")),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_key_is_converted_too() {
    let db = db(TYPED).await;
    db.apply(&[put(0, "by_int", "42", json!({"v": "x"}))])
        .await
        .unwrap();
    assert_eq!(
        db.rows("SELECT id, typeof(id) FROM by_int"),
        vec![vec![int(42), text("integer")]]
    );
    db.apply(&[patch(0, "by_int", "42", json!({"v": "y"}))])
        .await
        .unwrap();
    assert_eq!(db.rows("SELECT v FROM by_int"), vec![vec![text("y")]]);
    let error = db
        .apply(&[put(3, "by_int", "forty-two", json!({}))])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DbError::InvalidValue { column, operation_index: 3, .. } if column == "id"),
        "{error:?}"
    );
}
