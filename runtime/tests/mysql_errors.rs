//! Every row of the MySQL/MariaDB classification table that MariaDB can produce,
//! provoked on a real server: first by direct SQL through mysql_async (the number,
//! and the table/column/constraint read from the message), then through
//! `MysqlPersister::apply` (the failing entry's index reaches the failure). The rows
//! MariaDB cannot produce (MySQL 8's 3819 and 1836; the client library's 2006 and
//! 2013, which mysql_async reports as I/O errors) are proven here by what MariaDB and
//! mysql_async answer instead, and their table rows in persist/mysql/classify.rs's
//! unit tests.

mod mysql_support;

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};
use mysql_support::{Apply, apply, apply_with, database, delete, patch, put};
use powersync_write_server::classify::DefaultClassifier;
use powersync_write_server::failure::{Failure, codes};
use powersync_write_server::hooks::ErrorClassifier;
use powersync_write_server::persist::mysql::classify::{from_acquire, from_mysql};
use powersync_write_server::persist::mysql::{MysqlConfig, MysqlPersister};
use powersync_write_server::persist::{Applied, Persister};
use powersync_write_server::vocab::DbError;
use serde_json::{Value, json};
use throwaway_servers::mariadb::{self, Server};

/// The session the persister's connections run with (strict: a value that does not
/// fit is an error, not a warning).
const STRICT: &str = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,\
    NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

const SCHEMA: &str = "
    CREATE TABLE lists (id VARCHAR(64) PRIMARY KEY) ENGINE=InnoDB;
    CREATE TABLE todos (
        id VARCHAR(64) PRIMARY KEY,
        title VARCHAR(100) NOT NULL,
        code VARCHAR(4),
        n INT,
        due DATETIME(6),
        qty INT,
        list_id VARCHAR(64),
        CONSTRAINT positive CHECK (qty > 0),
        UNIQUE KEY todos_code (code),
        CONSTRAINT todos_list FOREIGN KEY (list_id) REFERENCES lists (id)
    ) ENGINE=InnoDB;
    INSERT INTO lists VALUES ('l1');
    INSERT INTO todos (id, title, code, list_id) VALUES ('a', 'milk', 'A1', 'l1');";

async fn connect(url: &str) -> Result<Conn, mysql_async::Error> {
    let opts = Opts::from_url(url).expect("a valid URL");
    let builder = OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .init(vec![STRICT]);
    Conn::new(builder).await
}

/// `user`'s URL of `database` on `server` (password `pw`).
fn user_url(server: &Server, user: &str, database: &str) -> String {
    format!("mysql://{user}:pw@127.0.0.1:{}/{database}", server.port)
}

/// The statement's error through `from_mysql`, as entry 0.
async fn failing(conn: &mut Conn, sql: &str, params: Vec<mysql_async::Value>) -> DbError {
    match conn.exec_drop(sql, params).await {
        Ok(()) => panic!("`{sql}` must fail"),
        Err(error) => from_mysql(&error, Some(0)),
    }
}

fn classify(error: &DbError) -> Failure {
    DefaultClassifier::default().classify(error, 0)
}

/// `[table, column, constraint]` as `from_mysql` read them from the message.
type Names<'a> = [Option<&'a str>; 3];

/// Asserts the server's number and the names in the error, and that the classifier
/// answers fatal `code` at `index` with the same names and the number in `details`.
fn assert_fatal(error: &DbError, errno: &str, code: &str, names: Names<'_>, index: usize) {
    let DbError::Database {
        code: number,
        table,
        column,
        constraint,
        operation_index,
        ..
    } = error
    else {
        panic!("expected the server's error {errno}, got {error:?}");
    };
    assert_eq!(number, errno, "{error:?}");
    assert_eq!(
        [table.as_deref(), column.as_deref(), constraint.as_deref()],
        names,
        "{error:?}"
    );
    assert_eq!(*operation_index, Some(index), "{error:?}");
    let Failure::Fatal(failure) = classify(error) else {
        panic!("{error:?} must be fatal {code}");
    };
    assert_eq!(
        (failure.code.as_str(), failure.operation_index),
        (code, index),
        "{failure:?}"
    );
    assert_eq!(failure.details["database_code"], errno, "{failure:?}");
    for (key, name) in ["table", "column", "constraint"].into_iter().zip(names) {
        assert_eq!(
            failure.details.get(key).and_then(Value::as_str),
            name,
            "{key} in {failure:?}"
        );
    }
}

/// Asserts the server's number and that the classifier answers retryable.
fn assert_retryable_number(error: &DbError, errno: &str) {
    assert!(
        matches!(error, DbError::Database { code, .. } if code == errno),
        "expected the server's error {errno}, got {error:?}"
    );
    assert_retryable(error);
}

fn assert_retryable(error: &DbError) {
    assert!(
        matches!(classify(error), Failure::Retryable { .. }),
        "{error:?} must be retryable"
    );
}

fn assert_lost_connection(error: &DbError) {
    assert!(
        matches!(error, DbError::Connection { .. }),
        "expected a lost connection, got {error:?}"
    );
    assert_retryable(error);
}

fn text(value: &str) -> mysql_async::Value {
    mysql_async::Value::from(value)
}

#[tokio::test]
async fn constraint_and_value_errors_by_direct_sql() {
    let db = database();
    db.sql(SCHEMA);
    let mut conn = connect(&db.url()).await.expect("connect");
    let insert = "INSERT INTO todos (id, title, code, n, due, qty, list_id) \
                  VALUES (?, ?, ?, ?, ?, ?, ?)";
    let row = |id: &str, n: mysql_async::Value, due: &str, qty: i64, list: &str, code: &str| {
        vec![
            text(id),
            text("title"),
            text(code),
            n,
            text(due),
            mysql_async::Value::from(qty),
            text(list),
        ]
    };
    let good = |id: &str| row(id, 1.into(), "2024-05-01 10:00:00", 1, "l1", id);

    // 1062, on the primary key and on another unique key.
    let error = failing(&mut conn, insert, good("a")).await;
    assert_fatal(
        &error,
        "1062",
        codes::UNIQUE_VIOLATION,
        [None, None, Some("PRIMARY")],
        0,
    );
    let mut other = good("b");
    other[2] = text("A1");
    let error = failing(&mut conn, insert, other).await;
    assert_fatal(
        &error,
        "1062",
        codes::UNIQUE_VIOLATION,
        [None, None, Some("todos_code")],
        0,
    );

    // 1452: no such list; 1451: a list still referenced.
    let mut orphan = good("b");
    orphan[6] = text("nope");
    let error = failing(&mut conn, insert, orphan).await;
    assert_fatal(
        &error,
        "1452",
        codes::FOREIGN_KEY_VIOLATION,
        [Some("todos"), Some("list_id"), Some("todos_list")],
        0,
    );
    let error = failing(
        &mut conn,
        "DELETE FROM lists WHERE id = ?",
        vec![text("l1")],
    )
    .await;
    assert_fatal(
        &error,
        "1451",
        codes::FOREIGN_KEY_VIOLATION,
        [Some("todos"), Some("list_id"), Some("todos_list")],
        0,
    );

    // 1048: NULL in a NOT NULL column; 1364: the column left out, no default.
    let error = failing(
        &mut conn,
        "UPDATE todos SET title = ? WHERE id = 'a'",
        vec![mysql_async::Value::NULL],
    )
    .await;
    assert_fatal(
        &error,
        "1048",
        codes::NOT_NULL_VIOLATION,
        [None, Some("title"), None],
        0,
    );
    let error = failing(
        &mut conn,
        "INSERT INTO todos (id) VALUES (?)",
        vec![text("b")],
    )
    .await;
    assert_fatal(
        &error,
        "1364",
        codes::NOT_NULL_VIOLATION,
        [None, Some("title"), None],
        0,
    );

    // 1406: too long; 1366: not a number; 1292: not a date; 1264: out of range.
    let error = failing(
        &mut conn,
        insert,
        row("b", 1.into(), "2024-05-01", 1, "l1", "TOOLONG"),
    )
    .await;
    assert_fatal(
        &error,
        "1406",
        codes::INVALID_DATA,
        [None, Some("code"), None],
        0,
    );
    let error = failing(
        &mut conn,
        insert,
        row("b", text("many"), "2024-05-01", 1, "l1", "b"),
    )
    .await;
    assert_fatal(
        &error,
        "1366",
        codes::INVALID_DATA,
        [Some("todos"), Some("n"), None],
        0,
    );
    let error = failing(&mut conn, insert, row("b", 1.into(), "soon", 1, "l1", "b")).await;
    assert_fatal(
        &error,
        "1292",
        codes::INVALID_DATA,
        [Some("todos"), Some("due"), None],
        0,
    );
    let error = failing(
        &mut conn,
        insert,
        row("b", 99_999_999_999_i64.into(), "2024-05-01", 1, "l1", "b"),
    )
    .await;
    assert_fatal(
        &error,
        "1264",
        codes::INVALID_DATA,
        [None, Some("n"), None],
        0,
    );

    // 4025: MariaDB's CHECK violation (MySQL 8 says 3819).
    let error = failing(
        &mut conn,
        insert,
        row("b", 1.into(), "2024-05-01", 0, "l1", "b"),
    )
    .await;
    assert_fatal(
        &error,
        "4025",
        codes::CHECK_VIOLATION,
        [Some("todos"), None, Some("positive")],
        0,
    );

    // 1146 and 1054: the schema is not what the statement expects.
    let error = failing(
        &mut conn,
        "INSERT INTO nothing (id) VALUES (?)",
        vec![text("b")],
    )
    .await;
    assert_fatal(
        &error,
        "1146",
        codes::SCHEMA_MISMATCH,
        [Some("nothing"), None, None],
        0,
    );
    let error = failing(
        &mut conn,
        "UPDATE todos SET nope = ? WHERE id = 'a'",
        vec![text("b")],
    )
    .await;
    assert_fatal(
        &error,
        "1054",
        codes::SCHEMA_MISMATCH,
        [None, Some("nope"), None],
        0,
    );

    // Nothing of it was written.
    assert_eq!(db.sql("SELECT id, title FROM todos"), "a\tmilk\n");
}

/// A user who may only read, and update one column: 1142 (table) and 1143 (column).
#[tokio::test]
async fn denied_table_and_column_by_direct_sql() {
    let db = database();
    db.sql(SCHEMA);
    let user = format!("reader_{}", db.name);
    db.sql(&format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY 'pw';
         GRANT SELECT ON `{db}`.* TO '{user}'@'%';
         GRANT UPDATE (title) ON `{db}`.todos TO '{user}'@'%';",
        db = db.name
    ));
    let url = user_url(mariadb::shared(), &user, &db.name);
    let mut conn = connect(&url).await.expect("connect as the reader");
    let error = failing(
        &mut conn,
        "INSERT INTO todos (id, title) VALUES (?, ?)",
        vec![text("b"), text("bread")],
    )
    .await;
    assert_fatal(
        &error,
        "1142",
        codes::UNAUTHORIZED,
        [Some("todos"), None, None],
        0,
    );
    let error = failing(
        &mut conn,
        "UPDATE todos SET n = ? WHERE id = 'a'",
        vec![1.into()],
    )
    .await;
    assert_fatal(
        &error,
        "1143",
        codes::UNAUTHORIZED,
        [Some("todos"), Some("n"), None],
        0,
    );
}

/// Two transactions each holding the row the other wants: InnoDB rolls one back
/// with 1213.
#[tokio::test]
async fn deadlock_is_retryable() {
    let db = database();
    db.sql(SCHEMA);
    db.sql("INSERT INTO todos (id, title) VALUES ('b', 'bread')");
    let mut first = connect(&db.url()).await.expect("connect");
    let mut second = connect(&db.url()).await.expect("connect");
    for (conn, id) in [(&mut first, "a"), (&mut second, "b")] {
        conn.query_drop("START TRANSACTION").await.unwrap();
        conn.exec_drop("UPDATE todos SET n = 1 WHERE id = ?", (id,))
            .await
            .unwrap();
    }
    // The first waits for `b`, then the second asks for `a`: a cycle.
    let waiting = tokio::spawn(async move {
        let result = first
            .exec_drop("UPDATE todos SET n = 2 WHERE id = ?", ("b",))
            .await;
        (first, result)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second_result = second
        .exec_drop("UPDATE todos SET n = 2 WHERE id = ?", ("a",))
        .await;
    let (_first, first_result) = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("the deadlock is detected at once")
        .unwrap();
    let errors: Vec<DbError> = [first_result, second_result]
        .into_iter()
        .filter_map(|result| result.err())
        .map(|error| from_mysql(&error, Some(0)))
        .collect();
    assert_eq!(errors.len(), 1, "exactly one victim: {errors:?}");
    assert_retryable_number(&errors[0], "1213");
}

/// A row locked longer than the session's `innodb_lock_wait_timeout`: 1205.
#[tokio::test]
async fn lock_wait_timeout_is_retryable() {
    let db = database();
    db.sql(SCHEMA);
    let mut holder = connect(&db.url()).await.expect("connect");
    holder.query_drop("START TRANSACTION").await.unwrap();
    holder
        .query_drop("UPDATE todos SET n = 1 WHERE id = 'a'")
        .await
        .unwrap();
    let mut waiter = connect(&db.url()).await.expect("connect");
    waiter
        .query_drop("SET SESSION innodb_lock_wait_timeout = 1")
        .await
        .unwrap();
    let error = failing(
        &mut waiter,
        "UPDATE todos SET n = ? WHERE id = 'a'",
        vec![2.into()],
    )
    .await;
    assert_retryable_number(&error, "1205");
    holder.query_drop("ROLLBACK").await.unwrap();
}

/// A server at its `max_connections`: the next connection is refused with 1040,
/// kept by `from_acquire` and retryable; the persister answers retryable too.
#[tokio::test]
async fn too_many_connections_is_retryable() {
    let server = Server::start(&["--max-connections=10"]).expect("a private MariaDB");
    // 10 is MariaDB's least. The application's user: an administrator (root) may
    // exceed the limit by one.
    server
        .sql(
            "CREATE DATABASE d;
             CREATE USER 'app'@'%' IDENTIFIED BY 'pw';
             GRANT ALL ON d.* TO 'app'@'%';",
        )
        .unwrap();
    let url = user_url(&server, "app", "d");
    let mut open = Vec::new();
    let refused = loop {
        match connect(&url).await {
            Ok(conn) => open.push(conn),
            Err(error) => break error,
        }
        assert!(open.len() <= 10, "max_connections was not enforced");
    };
    assert_eq!(open.len(), 10, "{refused:?}");
    let error = from_acquire(&refused);
    assert_retryable_number(&error, "1040");

    let mut config = MysqlConfig::new(url);
    config.connect_timeout = Duration::from_secs(5);
    let persister = MysqlPersister::new(config).expect("persister");
    let error = persister.ping().await.expect_err("no connection to be had");
    assert_retryable_number(&error, "1040");

    // Once one is free, the same work succeeds.
    open.pop().unwrap().disconnect().await.unwrap();
    persister
        .ping()
        .await
        .expect("a connection once one is free");
    server.stop();
}

/// A read-only server (a replica, or a failover in progress): MariaDB answers 1290
/// (MySQL 8 answers 1836) to a user without the READ ONLY ADMIN privilege, by
/// direct SQL and through the persister.
#[tokio::test]
async fn read_only_server_is_retryable() {
    let server = Server::start(&["--read-only"]).expect("a private MariaDB");
    // Root bypasses read_only; the application's user does not.
    server
        .sql(
            "CREATE DATABASE d;
             CREATE TABLE d.notes (id VARCHAR(64) PRIMARY KEY, body TEXT);
             CREATE USER 'app'@'%' IDENTIFIED BY 'pw';
             GRANT ALL ON d.* TO 'app'@'%';",
        )
        .unwrap();
    let url = user_url(&server, "app", "d");
    let mut conn = connect(&url).await.expect("connect");
    let error = failing(
        &mut conn,
        "INSERT INTO notes (id, body) VALUES (?, ?)",
        vec![text("a"), text("x")],
    )
    .await;
    assert_retryable_number(&error, "1290");

    let persister = MysqlPersister::from_url(&url).expect("persister");
    let error = apply(&persister, &[put(0, "notes", "a", json!({"body": "x"}))])
        .await
        .expect_err("read-only");
    assert_retryable_number(&error, "1290");

    // The failover completes: the same transaction is written.
    server.sql("SET GLOBAL read_only = OFF").unwrap();
    let applied = apply(&persister, &[put(0, "notes", "a", json!({"body": "x"}))]).await;
    assert!(
        matches!(applied, Ok(Applied::Written { .. })),
        "{applied:?}"
    );
    assert_eq!(
        server.sql("SELECT id, body FROM d.notes").unwrap(),
        "a\tx\n"
    );
    server.stop();
}

/// The server gone: a connection KILLed by an administrator, and the server process
/// killed. mysql_async reports what libmysqlclient calls 2006/2013 as I/O or
/// closed-connection errors, and MariaDB may send 1927 (connection killed) first:
/// each is retryable, and acquiring while the server is down is a retryable
/// connection error (refused). After a restart, the persister works again.
#[tokio::test]
async fn server_gone_is_retryable() {
    let db = database();
    db.sql(SCHEMA);
    let mut victim = connect(&db.url()).await.expect("connect");
    let id: u32 = victim.id();
    db.sql(&format!("KILL CONNECTION {id}"));
    let error = failing(
        &mut victim,
        "UPDATE todos SET n = ? WHERE id = 'a'",
        vec![1.into()],
    )
    .await;
    match &error {
        DbError::Connection { .. } => {}
        DbError::Database { code, .. } => assert_eq!(code, "1927", "{error:?}"),
        other => panic!("expected a lost connection, got {other:?}"),
    }
    assert_retryable(&error);

    let mut server = Server::start(&[]).expect("a private MariaDB");
    server
        .sql("CREATE DATABASE d; CREATE TABLE d.notes (id VARCHAR(64) PRIMARY KEY, body TEXT)")
        .unwrap();
    let mut config = MysqlConfig::new(server.url("d"));
    config.connect_timeout = Duration::from_secs(3);
    let persister = MysqlPersister::new(config).expect("persister");
    let entries = [put(0, "notes", "a", json!({"body": "x"}))];
    let schema = persister.introspect().await.expect("introspect");
    let mut conn = connect(&server.url("d")).await.expect("connect");

    server.kill();
    let error = failing(&mut conn, "SELECT ?", vec![1.into()]).await;
    assert_lost_connection(&error);
    // The persister's pooled connection is dead, and no new one can be had.
    let error = apply_with(&persister, &schema, &entries, &Apply::default())
        .await
        .expect_err("the server is down");
    assert_lost_connection(&error);
    let refused = connect(&server.url("d")).await.expect_err("nobody listens");
    assert_lost_connection(&from_acquire(&refused));

    server.restart().expect("restart");
    let applied = apply_with(&persister, &schema, &entries, &Apply::default()).await;
    assert!(
        matches!(applied, Ok(Applied::Written { .. })),
        "{applied:?}"
    );
    server.stop();
}

/// A URL whose port nobody listens on: refused at acquisition, retryable (the public
/// reference backend classes this fatal and drops the write).
#[tokio::test]
async fn connection_refused_at_acquisition_is_retryable() {
    let port = throwaway_servers::free_port().expect("a free port");
    let url = format!("mysql://root@127.0.0.1:{port}/d");
    let refused = connect(&url).await.expect_err("nobody listens");
    let error = from_acquire(&refused);
    assert_lost_connection(&error);
    let DbError::Connection { message } = &error else {
        unreachable!()
    };
    assert!(message.contains("refused"), "{message}");

    let mut config = MysqlConfig::new(url);
    config.connect_timeout = Duration::from_secs(3);
    let persister = MysqlPersister::new(config).expect("persister");
    let error = persister.ping().await.expect_err("nobody listens");
    assert_lost_connection(&error);
}

/// Through the persister: the failing entry of three (grouped into one statement)
/// is located, its index, table and column reach the failure, and nothing of the
/// transaction is written.
#[tokio::test]
async fn through_the_persister_the_failing_entry_is_located() {
    let db = database();
    db.sql(SCHEMA);
    let persister = db.persister().await;
    let ok =
        |index: usize, id: &str| put(index, "todos", id, json!({"title": id, "list_id": "l1"}));
    // (the failing entry's data, a valid one of the same shape, ...): the three
    // entries are one statement, which fails; the slow path finds entry 2.
    let cases: Vec<(Value, Value, &str, &str, Names<'_>)> = vec![
        (
            json!({"title": "x", "list_id": "nope"}),
            json!({"title": "x", "list_id": "l1"}),
            "1452",
            codes::FOREIGN_KEY_VIOLATION,
            [Some("todos"), Some("list_id"), Some("todos_list")],
        ),
        (
            json!({"title": null}),
            json!({"title": "x"}),
            "1048",
            codes::NOT_NULL_VIOLATION,
            [None, Some("title"), None],
        ),
        (
            json!({"title": "x", "code": "TOOLONG"}),
            json!({"title": "x", "code": null}),
            "1406",
            codes::INVALID_DATA,
            [None, Some("code"), None],
        ),
        (
            json!({"title": "x", "qty": 0}),
            json!({"title": "x", "qty": 1}),
            "4025",
            codes::CHECK_VIOLATION,
            [Some("todos"), None, Some("positive")],
        ),
    ];
    for (bad, good, errno, code, names) in cases {
        let entries = [
            put(0, "todos", "b", good.clone()),
            put(1, "todos", "c", good),
            put(2, "todos", "d", bad),
        ];
        let error = apply(&persister, &entries).await.expect_err(errno);
        assert_fatal(&error, errno, code, names, 2);
    }

    // Values the server would refuse as 1366, 1292 and 1264 (proven by direct SQL
    // above) never reach it through the persister: conversion refuses them first,
    // as INVALID_DATA naming table, column and index.
    for (bad, column) in [
        (json!({"title": "x", "n": "many"}), "n"),
        (json!({"title": "x", "due": "soon"}), "due"),
        (json!({"title": "x", "n": 99_999_999_999_i64}), "n"),
    ] {
        let entries = [ok(0, "b"), ok(1, "c"), put(2, "todos", "d", bad)];
        let error = apply(&persister, &entries).await.expect_err(column);
        assert!(
            matches!(&error, DbError::InvalidValue { table, column: c, operation_index: 2, .. }
                if table == "todos" && c == column),
            "{error:?}"
        );
        let Failure::Fatal(failure) = classify(&error) else {
            panic!("{error:?} must be fatal");
        };
        assert_eq!(failure.code, codes::INVALID_DATA, "{failure:?}");
    }

    // 1364: a new row without its NOT NULL column.
    let entries = [
        ok(0, "b"),
        ok(1, "c"),
        put(2, "todos", "d", json!({"n": 1})),
    ];
    let error = apply(&persister, &entries).await.expect_err("1364");
    assert_fatal(
        &error,
        "1364",
        codes::NOT_NULL_VIOLATION,
        [None, Some("title"), None],
        2,
    );

    // 1062: the row sent collides with another row on another unique key.
    let entries = [
        ok(0, "b"),
        ok(1, "c"),
        put(2, "todos", "d", json!({"title": "x", "code": "A1"})),
    ];
    let error = apply(&persister, &entries).await.expect_err("1062");
    let DbError::Database {
        code,
        table,
        operation_index,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (code.as_str(), table.as_deref(), *operation_index),
        ("1062", Some("todos"), Some(2))
    );
    let Failure::Fatal(failure) = classify(&error) else {
        panic!("{error:?}")
    };
    assert_eq!(
        (failure.code.as_str(), failure.operation_index),
        (codes::UNIQUE_VIOLATION, 2)
    );

    // 1451: deleting a list still referenced.
    let entries = [
        ok(0, "b"),
        patch(1, "todos", "a", json!({"n": 3})),
        delete(2, "lists", "l1"),
    ];
    let error = apply(&persister, &entries).await.expect_err("1451");
    assert_fatal(
        &error,
        "1451",
        codes::FOREIGN_KEY_VIOLATION,
        [Some("todos"), Some("list_id"), Some("todos_list")],
        2,
    );

    // Nothing of any of them was written.
    assert_eq!(
        db.sql("SELECT id, title, IFNULL(n, 'NULL') FROM todos"),
        "a\tmilk\tNULL\n"
    );
    assert_eq!(db.sql("SELECT id FROM lists"), "l1\n");
}

/// The schema changed under the persister (a table or column dropped after
/// introspection): 1146 / 1054, SCHEMA_MISMATCH at the entry; a user without
/// INSERT: 1142 at the entry.
#[tokio::test]
async fn through_the_persister_schema_and_grants() {
    let db = database();
    db.sql(SCHEMA);
    db.sql("CREATE TABLE notes (id VARCHAR(64) PRIMARY KEY, body TEXT, extra TEXT)");
    let persister = db.persister().await;
    let schema = persister.introspect().await.expect("introspect");
    db.sql("DROP TABLE notes");
    let ok = |index: usize, id: &str| put(index, "todos", id, json!({"title": id}));
    let entries = [
        ok(0, "b"),
        ok(1, "c"),
        put(2, "notes", "n", json!({"body": "x"})),
    ];
    let error = apply_with(&persister, &schema, &entries, &Apply::default())
        .await
        .expect_err("1146");
    assert_fatal(
        &error,
        "1146",
        codes::SCHEMA_MISMATCH,
        [Some("notes"), None, None],
        2,
    );
    db.sql("ALTER TABLE todos DROP COLUMN code");
    let entries = [
        ok(0, "b"),
        ok(1, "c"),
        put(2, "todos", "d", json!({"title": "x", "code": "c"})),
    ];
    let error = apply_with(&persister, &schema, &entries, &Apply::default())
        .await
        .expect_err("1054");
    assert_fatal(
        &error,
        "1054",
        codes::SCHEMA_MISMATCH,
        [None, Some("code"), None],
        2,
    );

    let user = format!("reader_{}", db.name);
    db.sql(&format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY 'pw';
         GRANT SELECT ON `{db}`.* TO '{user}'@'%';
         GRANT INSERT, UPDATE ON `{db}`.lists TO '{user}'@'%';",
        db = db.name
    ));
    let reader =
        MysqlPersister::from_url(&user_url(mariadb::shared(), &user, &db.name)).expect("persister");
    let entries = [
        put(0, "lists", "l2", json!({})),
        put(1, "lists", "l3", json!({})),
        ok(2, "b"),
    ];
    let error = apply(&reader, &entries).await.expect_err("1142");
    assert_fatal(
        &error,
        "1142",
        codes::UNAUTHORIZED,
        [Some("todos"), None, None],
        2,
    );
    assert_eq!(db.sql("SELECT id FROM lists"), "l1\n");
}
