//! Every MySQL type family through `MysqlPersister` on a real MariaDB: values are
//! converted as the README's table says and read back by direct SQL as the server
//! stored them; values that do not convert fail as INVALID_DATA naming table, column
//! and operation index, with nothing written; introspection finds each family, the
//! primary key by any name, MariaDB's JSON, and leaves generated columns out.

mod mysql_support;

use mysql_support::{WRITTEN, apply, database, put};
use powersync_write_server::hooks::HandlerRegistry;
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::Persister;
use powersync_write_server::schema::ColumnType;
use powersync_write_server::vocab::DbError;
use serde_json::{Value, json};

const KINDS: &str = "CREATE TABLE kinds (
    id CHAR(36) NOT NULL PRIMARY KEY,
    flag BOOLEAN,
    tiny TINYINT UNSIGNED,
    big BIGINT UNSIGNED,
    yr YEAR,
    price DECIMAL(30,10),
    ratio DOUBLE,
    single FLOAT,
    day DATE,
    at DATETIME(6),
    stamp TIMESTAMP(3) NULL,
    span TIME,
    doc JSON,
    mood ENUM('sad','ok','happy'),
    tags SET('a','b','c'),
    uid BINARY(16),
    raw BLOB,
    body TEXT,
    twice INT AS (tiny * 2) VIRTUAL
) ENGINE=InnoDB";

#[tokio::test]
async fn every_family_is_introspected() {
    let db = database();
    db.sql(KINDS);
    let schema = db.persister().await.introspect().await.expect("introspect");
    let kinds = &schema.tables["kinds"];
    let ty = |column: &str| kinds.columns[column].ty.clone();
    assert_eq!(ty("flag"), ColumnType::Bool);
    assert_eq!(ty("big"), ColumnType::Int8);
    assert_eq!(ty("price"), ColumnType::Numeric);
    assert_eq!(ty("at"), ColumnType::Timestamp);
    assert_eq!(ty("stamp"), ColumnType::TimestampTz);
    // MariaDB's JSON is a LONGTEXT with a json_valid check.
    assert_eq!(kinds.columns["doc"].sql_type, "longtext");
    assert_eq!(ty("doc"), ColumnType::Json);
    assert_eq!(
        ty("tags"),
        ColumnType::Set {
            labels: vec!["a".into(), "b".into(), "c".into()]
        }
    );
    assert_eq!(ty("uid"), ColumnType::Uuid);
    assert_eq!(ty("raw"), ColumnType::Bytea);
    assert!(
        !kinds.columns.contains_key("twice"),
        "generated columns cannot be written"
    );
    assert_eq!(kinds.primary_key, Some(vec!["id".to_string()]));
    // The runtime's own tables are not user tables.
    assert!(
        schema
            .tables
            .keys()
            .all(|t| !t.starts_with("powersync_write_"))
    );
}

#[tokio::test]
async fn every_family_is_stored_as_converted() {
    let db = database();
    db.sql(KINDS);
    let persister = db.persister().await;
    let id = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
    let data = json!({
        "flag": "true",
        "tiny": 255,
        "big": "18446744073709551615",
        "yr": 2024,
        "price": "12345678901234567890.0123456789",
        "ratio": 0.1,
        "single": 1.5,
        "day": "2024-02-29",
        "at": "2024-01-02T03:04:05.678901+02:00",
        "stamp": "2024-01-02 03:04:05.6789Z",
        "span": "-12:34:56",
        "doc": "{\"a\": [1, 2]}",
        "mood": "happy",
        "tags": "c,a",
        "uid": "00112233-4455-6677-8899-aabbccddeeff",
        "raw": "\\x00ff10",
        "body": "héllo 😀"
    });
    assert_eq!(
        apply(&persister, &[put(0, "kinds", id, data)]).await,
        WRITTEN
    );
    let row = db.sql(&format!(
        "SELECT flag, tiny, big, yr, price, ratio, single, day, at, stamp, span, doc, mood, \
         tags, HEX(uid), HEX(raw), HEX(body), twice FROM kinds WHERE id = '{id}'"
    ));
    let hex_utf8: String = "héllo 😀".bytes().map(|b| format!("{b:02X}")).collect();
    let expected = [
        "1",
        "255",
        "18446744073709551615",
        "2024",
        "12345678901234567890.0123456789",
        "0.1",
        "1.5",
        "2024-02-29",
        // The offset applied: stored as UTC.
        "2024-01-02 01:04:05.678901",
        // Rounded to the column's 3 digits.
        "2024-01-02 03:04:05.679",
        "-12:34:56",
        "{\"a\": [1, 2]}",
        "happy",
        // In the column's label order.
        "a,c",
        "00112233445566778899AABBCCDDEEFF",
        "00FF10",
        // Read as bytes (the command-line client may not print UTF-8): full UTF-8.
        &hex_utf8,
        "510",
    ];
    assert_eq!(row.trim_end().split('\t').collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn a_value_that_does_not_convert_is_invalid_data_and_nothing_is_written() {
    let db = database();
    db.sql(KINDS);
    let persister = db.persister().await;
    let cases: [(&str, Value); 8] = [
        ("flag", json!(2)),
        ("tiny", json!(256)),
        ("price", json!("12345678901234567890123.5")),
        ("at", json!("2024-02-30 00:00:00")),
        ("doc", json!("{oops")),
        ("mood", json!("Happy")),
        ("uid", json!("not-a-uuid")),
        ("raw", json!("@@")),
    ];
    for (column, bad) in cases {
        let entries = [
            put(0, "kinds", "a", json!({"body": "first"})),
            put(1, "kinds", "b", json!({"body": "second"})),
            put(2, "kinds", "c", json!({ column: bad })),
        ];
        let error = apply(&persister, &entries).await.expect_err(column);
        let DbError::InvalidValue {
            table,
            column: named,
            operation_index,
            message,
        } = &error
        else {
            panic!("{column}: expected INVALID_DATA, got {error:?}");
        };
        assert_eq!(
            (table.as_str(), named.as_str(), *operation_index),
            ("kinds", column, 2),
            "{message}"
        );
        assert_eq!(db.sql("SELECT COUNT(*) FROM kinds"), "0\n", "{column}");
    }
}

#[tokio::test]
async fn the_primary_key_may_have_any_name_and_composite_or_missing_keys_are_refused() {
    let db = database();
    db.sql(
        "CREATE TABLE notes (note_key BINARY(16) NOT NULL PRIMARY KEY, body TEXT) ENGINE=InnoDB;
         CREATE TABLE pairs (a INT NOT NULL, b INT NOT NULL, body TEXT, PRIMARY KEY (a, b)) ENGINE=InnoDB;
         CREATE TABLE loose (id CHAR(36), body TEXT) ENGINE=InnoDB",
    );
    let persister = db.persister().await;
    let schema = persister.introspect().await.expect("introspect");
    let mapping = MappingConfig::default();
    let handlers = HandlerRegistry::default();
    let id = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
    let entry = |table: &str| {
        serde_json::from_value(json!({
            "op": "PUT", "table": table, "id": id, "op_id": 1, "op_data": {"body": "x"}
        }))
        .expect("a CRUD entry")
    };

    let mapped = mapping
        .map(0, &entry("notes"), &schema, &handlers)
        .expect("mapped")
        .expect("written");
    assert_eq!(mapped.key_column, "note_key");
    let work_schema = schema.clone();
    let principal = mysql_support::principal_of("user-1");
    let work = powersync_write_server::persist::TransactionWork {
        principal: &principal,
        entries: &[mapped],
        schema: &work_schema,
        idempotency: None,
        checkpoint: None,
        handlers: &handlers,
    };
    assert_eq!(persister.apply(&work).await, WRITTEN);
    assert_eq!(
        db.sql("SELECT HEX(note_key), body FROM notes"),
        "0B9E6C2A3F1E4C7B9A512D0F6C8E4A11\tx\n"
    );

    let composite = mapping
        .map(4, &entry("pairs"), &schema, &handlers)
        .expect_err("composite key");
    assert_eq!(
        (composite.operation_index, composite.table.as_str()),
        (4, "pairs")
    );
    assert!(
        composite.message.contains("(`a`, `b`)"),
        "{}",
        composite.message
    );
    let missing = mapping
        .map(5, &entry("loose"), &schema, &handlers)
        .expect_err("no key");
    assert!(
        missing.message.contains("no primary key"),
        "{}",
        missing.message
    );
}

#[tokio::test]
async fn tables_without_transactions_are_refused() {
    let db = database();
    db.sql(
        "CREATE TABLE cache (id CHAR(36) NOT NULL PRIMARY KEY, body TEXT) ENGINE=MyISAM;
         CREATE TABLE kept (id CHAR(36) NOT NULL PRIMARY KEY, body TEXT) ENGINE=InnoDB",
    );
    let schema = db.persister().await.introspect().await.expect("introspect");
    let entry = |table: &str| {
        serde_json::from_value(json!({
            "op": "PUT", "table": table, "id": "r1", "op_id": 1, "op_data": {"body": "x"}
        }))
        .expect("a CRUD entry")
    };
    let mapping = MappingConfig::default();
    let handlers = HandlerRegistry::default();
    let refused = mapping
        .map(2, &entry("cache"), &schema, &handlers)
        .expect_err("MyISAM has no transactions");
    assert_eq!(
        (refused.operation_index, refused.table.as_str()),
        (2, "cache")
    );
    assert!(
        refused.message.contains("MyISAM storage engine")
            && refused.message.contains("ENGINE=InnoDB"),
        "{}",
        refused.message
    );
    assert!(mapping.map(2, &entry("kept"), &schema, &handlers).is_ok());
}

/// A pooled connection keeps the runtime's session (UTC, strict) when it is reused:
/// on a server whose own time zone is +05:00, a TIMESTAMP written by the second
/// transaction on the one pooled connection is the same instant as the first's.
/// A transaction of unguarded writes is one script (no prepared statement, one
/// COMMIT); a guarded one runs statement by statement on prepared statements that
/// the connection keeps, so its second run prepares nothing again.
#[tokio::test]
async fn a_reused_connection_keeps_its_session_and_its_prepared_statements() {
    use powersync_write_server::persist::mysql::{MysqlConfig, MysqlPersister};
    use powersync_write_server::vocab::RowGuard;
    use throwaway_servers::mariadb::Server;

    let server = Server::start(&["--default-time-zone=+05:00"]).expect("a private MariaDB");
    server
        .sql(
            "CREATE DATABASE d; CREATE TABLE d.events (id CHAR(36) PRIMARY KEY, \
             at TIMESTAMP(0) NULL, owner VARCHAR(64)) ENGINE=InnoDB",
        )
        .unwrap();
    let mut config = MysqlConfig::new(server.url("d"));
    config.pool_size = 1;
    let persister = MysqlPersister::new(config).expect("persister");
    let schema = persister.introspect().await.expect("introspect");
    let write = |id: &'static str, guarded: bool| {
        let schema = &schema;
        let persister = &persister;
        async move {
            let mut entry = put(0, "events", id, json!({"at": "2024-01-01T00:00:00Z"}));
            if guarded {
                entry.columns.push(("owner".to_string(), json!("user-1")));
                entry.guard = Some(RowGuard::Owner {
                    column: "owner".to_string(),
                });
            }
            mysql_support::apply_with(persister, schema, &[entry], &Default::default()).await
        }
    };
    let status = || -> [u64; 3] {
        let text = server
            .sql(
                "SHOW GLOBAL STATUS WHERE Variable_name IN \
                 ('Com_stmt_prepare', 'Com_stmt_execute', 'Com_commit')",
            )
            .unwrap();
        let value = |name: &str| -> u64 {
            text.lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim().parse().unwrap())
                .unwrap_or_else(|| panic!("no {name} in {text}"))
        };
        [
            value("Com_stmt_prepare"),
            value("Com_stmt_execute"),
            value("Com_commit"),
        ]
    };
    let delta =
        |before: [u64; 3], after: [u64; 3]| -> [u64; 3] { [0, 1, 2].map(|i| after[i] - before[i]) };
    let before = status();
    assert_eq!(write("a", false).await, WRITTEN);
    assert_eq!(
        delta(before, status()),
        [0, 0, 1],
        "an unguarded transaction is one script: nothing prepared or executed, one COMMIT"
    );
    assert_eq!(write("b", true).await, WRITTEN);
    let before = status();
    assert_eq!(write("c", true).await, WRITTEN);
    let [prepared, executed, committed] = delta(before, status());
    assert_eq!(prepared, 0, "statements were prepared again");
    assert!(
        executed >= 2,
        "the guarded transaction ran {executed} prepared statements"
    );
    assert_eq!(committed, 1);
    // With `[mysql] scripts = false` (a server or proxy that refuses multi-statement
    // queries) an unguarded transaction runs statement by statement too.
    let mut config = MysqlConfig::new(server.url("d"));
    config.pool_size = 1;
    config.scripts = false;
    let stepwise = MysqlPersister::new(config).expect("persister");
    let before = status();
    let entries = [put(0, "events", "d", json!({"at": "2024-01-01T00:00:00Z"}))];
    assert_eq!(
        mysql_support::apply_with(&stepwise, &schema, &entries, &Default::default()).await,
        WRITTEN
    );
    let [_, executed, committed] = delta(before, status());
    assert!(
        executed >= 1,
        "scripts off ran {executed} prepared statements"
    );
    assert_eq!(committed, 1);
    assert_eq!(
        server
            .sql("SELECT id, UNIX_TIMESTAMP(at) FROM d.events ORDER BY id")
            .unwrap(),
        "a\t1704067200\nb\t1704067200\nc\t1704067200\nd\t1704067200\n"
    );
}
