//! Every PostgreSQL type family: introspected, converted from what a client sends,
//! and refused with INVALID_DATA naming table, column and entry when it does not fit.

mod support;

use powersync_write_server::persist::Persister;
use powersync_write_server::schema::ColumnType;
use powersync_write_server::vocab::DbError;
use serde_json::{Value, json};
use support::postgres::{Apply, TestDb, apply_with, database, put, rows};

const SCHEMA: &str = r#"
CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s "ok"');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE types (
    id uuid PRIMARY KEY,
    b boolean, i2 smallint, i4 integer, i8 bigint, num numeric, num2 numeric(6, 2),
    f4 real, f8 double precision, txt text, vc varchar(10), ch char(3), u uuid,
    j json, jb jsonb, d date, tm time, ttz timetz, ts timestamp, tstz timestamptz,
    iv interval, by bytea, m mood, p posint, ai integer[], at text[], am mood[], aj jsonb[],
    ip inet
)"#;

async fn setup() -> (
    TestDb,
    powersync_write_server::persist::postgres::PostgresPersister,
) {
    let db = database().await;
    db.sql(SCHEMA).await;
    let persister = db.persister().await;
    (db, persister)
}

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[tokio::test]
async fn introspection_reports_every_family() {
    let (_db, persister) = setup().await;
    let schema = persister.introspect().await.unwrap();
    let table = &schema.tables["types"];
    let ty = |column: &str| table.columns[column].ty.clone();
    let array = |element: ColumnType| ColumnType::Array(Box::new(element));
    let mood = ColumnType::Enum {
        labels: vec!["happy".into(), "sad".into(), "it's \"ok\"".into()],
    };
    let expected = [
        ("id", ColumnType::Uuid),
        ("b", ColumnType::Bool),
        ("i2", ColumnType::Int2),
        ("i4", ColumnType::Int4),
        ("i8", ColumnType::Int8),
        ("num", ColumnType::Numeric),
        ("num2", ColumnType::Numeric),
        ("f4", ColumnType::Float4),
        ("f8", ColumnType::Float8),
        ("txt", ColumnType::Text),
        ("vc", ColumnType::Text),
        ("ch", ColumnType::Text),
        ("u", ColumnType::Uuid),
        ("j", ColumnType::Json),
        ("jb", ColumnType::Jsonb),
        ("d", ColumnType::Date),
        ("tm", ColumnType::Time),
        ("ttz", ColumnType::TimeTz),
        ("ts", ColumnType::Timestamp),
        ("tstz", ColumnType::TimestampTz),
        ("iv", ColumnType::Interval),
        ("by", ColumnType::Bytea),
        ("m", mood.clone()),
        (
            "p",
            ColumnType::Domain {
                base: Box::new(ColumnType::Int4),
            },
        ),
        ("ai", array(ColumnType::Int4)),
        ("at", array(ColumnType::Text)),
        ("am", array(mood)),
        ("aj", array(ColumnType::Jsonb)),
        ("ip", ColumnType::Other),
    ];
    for (column, family) in expected {
        assert_eq!(ty(column), family, "{column}");
    }
    assert_eq!(table.columns.len(), 29);
    assert_eq!(table.columns["m"].sql_type, "\"public\".\"mood\"");
    assert_eq!(table.columns["vc"].sql_type, "\"pg_catalog\".\"varchar\"");
    assert!(!table.columns["id"].nullable && table.columns["b"].nullable);
}

#[tokio::test]
async fn valid_values_of_every_family_are_stored_exactly() {
    let (db, persister) = setup().await;
    let schema = persister.introspect().await.unwrap();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("b", json!(1), "true"),
        ("b", json!("0"), "false"),
        ("b", json!(true), "true"),
        ("b", json!("false"), "false"),
        ("i2", json!(32767), "32767"),
        ("i2", json!("-5"), "-5"),
        ("i4", json!(-2147483648i64), "-2147483648"),
        ("i4", json!(3.0), "3"),
        ("i8", json!(9223372036854775807i64), "9223372036854775807"),
        ("i8", json!("-9223372036854775808"), "-9223372036854775808"),
        (
            "num",
            json!("12345678901234567890.123456789012345"),
            "12345678901234567890.123456789012345",
        ),
        ("num", json!(0.1), "0.1"),
        ("num", json!(42), "42"),
        ("num", json!("-1.5e3"), "-1500"),
        ("num2", json!("1.005"), "1.01"),
        ("f4", json!(1.5), "1.5"),
        ("f8", json!("3.141592653589793"), "3.141592653589793"),
        ("f8", json!(1e300), "1e+300"),
        ("txt", json!("héllo \"q\" ' \\"), "héllo \"q\" ' \\"),
        ("txt", json!(42), "42"),
        ("txt", json!({"a": 1}), "{\"a\":1}"),
        ("vc", json!("abc"), "abc"),
        ("ch", json!("ab"), "ab"),
        (
            "u",
            json!("6F9619FF-8B86-D011-B42D-00C04FC964FF"),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff",
        ),
        (
            "j",
            json!("{\"b\": 1,  \"a\": [true]}"),
            "{\"b\": 1,  \"a\": [true]}",
        ),
        ("j", json!({"x": [1, null]}), "{\"x\":[1,null]}"),
        ("jb", json!("{\"b\": 1, \"a\": 2}"), "{\"a\": 2, \"b\": 1}"),
        ("jb", json!([1, "two"]), "[1, \"two\"]"),
        ("d", json!("2024-02-29"), "2024-02-29"),
        ("tm", json!("13:14:15.123"), "13:14:15.123"),
        ("ttz", json!("13:14:15+02"), "13:14:15+02"),
        (
            "ts",
            json!("2024-01-02 03:04:05.678Z"),
            "2024-01-02 03:04:05.678",
        ),
        (
            "ts",
            json!("2024-01-02T03:04:05+01:00"),
            "2024-01-02 02:04:05",
        ),
        ("ts", json!("2024-01-02T03:04:05"), "2024-01-02 03:04:05"),
        (
            "tstz",
            json!("2024-01-02 03:04:05.678Z"),
            "2024-01-02 03:04:05.678+00",
        ),
        (
            "tstz",
            json!("2024-01-02T03:04:05+01:00"),
            "2024-01-02 02:04:05+00",
        ),
        ("iv", json!("1 day 02:00:00"), "1 day 02:00:00"),
        ("by", json!("3q2+7w=="), "\\xdeadbeef"),
        ("by", json!("\\xCAFE"), "\\xcafe"),
        ("m", json!("it's \"ok\""), "it's \"ok\""),
        ("p", json!("5"), "5"),
        ("ai", json!([1, 2, null]), "{1,2,NULL}"),
        ("ai", json!("[[1,2],[3,4]]"), "{{1,2},{3,4}}"),
        (
            "at",
            json!(["a,b", "c\"d", "e\\f", "NULL", "", "{x}"]),
            r#"{"a,b","c\"d","e\\f","NULL","","{x}"}"#,
        ),
        (
            "am",
            json!(["happy", "it's \"ok\""]),
            r#"{happy,"it's \"ok\""}"#,
        ),
        ("aj", json!([{"a": 1}, [2]]), r#"{"{\"a\": 1}",[2]}"#),
        ("ip", json!("10.0.0.1"), "10.0.0.1/32"),
        ("txt", Value::Null, "<null>"),
    ];
    let client = db.client().await;
    client.batch_execute("SET TIME ZONE 'UTC'").await.unwrap();
    for (n, (column, value, expected)) in cases.iter().enumerate() {
        // One entry takes the single-row statement, two the grouped (UNNEST) one.
        let single = [put(0, "types", &id(n), json!({ *column: value }))];
        let (first, second) = (id(1000 + n), id(2000 + n));
        let grouped = [
            put(0, "types", &first, json!({ *column: value })),
            put(1, "types", &second, json!({ *column: value })),
        ];
        for entries in [&single[..], &grouped[..]] {
            let applied = apply_with(&persister, &schema, entries, &Apply::default()).await;
            assert!(applied.is_ok(), "{column} = {value}: {applied:?}");
        }
        for row_id in [id(n), first, second] {
            let sql = format!(
                "SELECT coalesce({column}::text, '<null>') FROM types WHERE id = '{row_id}'"
            );
            let stored = rows(&client, &sql).await;
            assert_eq!(
                stored,
                vec![vec![Some(expected.to_string())]],
                "{column} = {value} ({row_id})"
            );
        }
    }
}

#[tokio::test]
async fn invalid_values_are_refused_naming_table_column_and_entry() {
    let (db, persister) = setup().await;
    let schema = persister.introspect().await.unwrap();
    let cases: Vec<(&str, Value)> = vec![
        ("b", json!(2)),
        ("b", json!("yes")),
        ("i2", json!(32768)),
        ("i4", json!("1.5")),
        ("i4", json!(true)),
        ("i8", json!("9223372036854775808")),
        ("num", json!("12abc")),
        ("num", json!({"n": 1})),
        ("f4", json!(1e39)),
        ("f8", json!("x")),
        ("txt", json!("a\u{0}b")),
        ("u", json!("not-a-uuid")),
        ("j", json!("{bad")),
        ("jb", json!("[1,")),
        ("d", json!("2023-02-29")),
        ("d", json!(20240101)),
        ("tm", json!("25:00")),
        ("ttz", json!("12:00+99")),
        ("ts", json!("02/01/2024")),
        ("tstz", json!("2024-13-01 00:00:00Z")),
        // A multi-byte character in the offset once panicked on byte slicing.
        ("tstz", json!("2024-01-01T10:00:00+0é00")),
        ("ttz", json!("10:00:00+0é00")),
        // An absurd exponent is this column's INVALID_DATA, not a database error.
        ("num", json!("1e9223372036854775807")),
        ("num", json!("1e-9223372036854775808")),
        ("by", json!("\\xabc")),
        ("by", json!("%%%")),
        ("m", json!("angry")),
        ("p", json!("x")),
        ("ai", json!([1, "x"])),
        ("ai", json!("{1,2}")),
        ("ai", json!(5)),
        ("am", json!(["happy", "angry"])),
    ];
    for (column, value) in cases {
        let entries = [
            put(0, "types", &id(1000), json!({})),
            put(1, "types", &id(1001), json!({ column: value })),
        ];
        match apply_with(&persister, &schema, &entries, &Apply::default()).await {
            Err(DbError::InvalidValue {
                table,
                column: bad,
                message,
                operation_index,
            }) => {
                assert_eq!(
                    (table.as_str(), bad.as_str(), operation_index),
                    ("types", column, 1),
                    "{message}"
                );
            }
            other => panic!("{column} = {value}: expected InvalidValue, got {other:?}"),
        }
    }
    // The row id is converted for the key column too.
    match apply_with(
        &persister,
        &schema,
        &[put(0, "types", "nope", json!({}))],
        &Apply::default(),
    )
    .await
    {
        Err(DbError::InvalidValue {
            column,
            operation_index: 0,
            ..
        }) => assert_eq!(column, "id"),
        other => panic!("expected InvalidValue, got {other:?}"),
    }
    let client = db.client().await;
    assert_eq!(
        rows(&client, "SELECT count(*)::text FROM types").await,
        vec![vec![Some("0".to_string())]]
    );
}

/// The conversion's numeric range is PostgreSQL's own: what it lets through the
/// database stores, and what it refuses the database refuses too ("value overflows
/// numeric format"), so its INVALID_DATA names the column without refusing more.
#[tokio::test]
async fn numeric_range_is_postgresqls() {
    let (db, persister) = setup().await;
    let schema = persister.introspect().await.unwrap();
    let client = db.client().await;
    let accepted = [
        ("1e131071", 131_072),
        ("0.001e131074", 131_072),
        ("1e-16383", 16_385),
        ("-0.5e-16382", 16_386),
        ("0e999999", 1),
    ];
    for (n, (value, text_len)) in accepted.into_iter().enumerate() {
        let entries = [put(0, "types", &id(n), json!({ "num": value }))];
        let applied = apply_with(&persister, &schema, &entries, &Apply::default()).await;
        assert!(applied.is_ok(), "{value}: {applied:?}");
        let stored = rows(
            &client,
            &format!(
                "SELECT length(num::text)::text FROM types WHERE id = '{}'",
                id(n)
            ),
        )
        .await;
        assert_eq!(stored, vec![vec![Some(text_len.to_string())]], "{value}");
    }
    for value in [
        "1e131072",
        "10e131071",
        "1e-16384",
        "0.1e-16383",
        "0e-16384",
    ] {
        let direct = client
            .simple_query(&format!("SELECT '{value}'::numeric"))
            .await;
        let error = direct.expect_err(value);
        let message = error.as_db_error().map(|e| e.message().to_string());
        assert_eq!(
            message.as_deref(),
            Some("value overflows numeric format"),
            "{value}"
        );
        let entries = [put(0, "types", &id(100), json!({ "num": value }))];
        match apply_with(&persister, &schema, &entries, &Apply::default()).await {
            Err(DbError::InvalidValue {
                column, message, ..
            }) => {
                assert_eq!(column, "num");
                assert!(
                    message.contains("PostgreSQL's numeric holds at most"),
                    "{message}"
                );
            }
            other => panic!("{value}: expected InvalidValue, got {other:?}"),
        }
    }
}
