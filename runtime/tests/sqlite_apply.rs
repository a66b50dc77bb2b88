//! The SQLite persister against real database files: operations, atomicity,
//! idempotency ledger, checkpoints, custom handlers, quoting, concurrency, dead
//! letters, opening and introspection.

mod sqlite_support;

use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::{CrudEntry, UpdateType};
use powersync_write_server::hooks::{HandlerRegistry, SqlExecutor, SqlParam, TableHandler};
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister, path_from_url};
use powersync_write_server::persist::{Applied, NewDeadLetter, Persister};
use powersync_write_server::schema::ColumnType;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry};
use rusqlite::types::Value as SqlValue;
use serde_json::json;
use sqlite_support::*;

const TODOS: &str = "
CREATE TABLE lists (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE todos (
    id TEXT PRIMARY KEY,
    list_id TEXT REFERENCES lists(id),
    description TEXT,
    done BOOLEAN,
    rank INTEGER DEFAULT 7
);
";

const WRITTEN: Applied = Applied::Written {
    write_checkpoint: None,
};

fn todo_row(db: &Db, id: &str) -> Vec<SqlValue> {
    let rows = db.rows(&format!(
        "SELECT description, done, rank FROM todos WHERE id = '{id}'"
    ));
    rows.into_iter().next().unwrap_or_default()
}

#[tokio::test]
async fn put_inserts_a_row() {
    let db = db(TODOS).await;
    let applied = db
        .apply(&[put(
            0,
            "todos",
            "t1",
            json!({"description": "milk", "done": 1}),
        )])
        .await;
    assert_eq!(applied, Ok(WRITTEN));
    assert_eq!(
        todo_row(&db, "t1"),
        vec![text("milk"), SqlValue::Integer(1), SqlValue::Integer(7)]
    );
}

#[tokio::test]
async fn put_merge_upserts_only_supplied_columns() {
    let db = db(TODOS).await;
    db.apply(&[put(
        0,
        "todos",
        "t1",
        json!({"description": "milk", "done": 0, "rank": 3}),
    )])
    .await
    .unwrap();
    db.apply(&[put(0, "todos", "t1", json!({"description": "oat milk"}))])
        .await
        .unwrap();
    assert_eq!(
        todo_row(&db, "t1"),
        vec![text("oat milk"), SqlValue::Integer(0), SqlValue::Integer(3)]
    );
    assert_eq!(db.count("todos"), 1);
}

#[tokio::test]
async fn put_replace_sets_unsupplied_columns_to_null() {
    let db = db(TODOS).await;
    db.apply(&[put(
        0,
        "todos",
        "t1",
        json!({"description": "milk", "done": 0, "rank": 3}),
    )])
    .await
    .unwrap();
    db.apply(&[replace(0, "todos", "t1", json!({"description": "bread"}))])
        .await
        .unwrap();
    assert_eq!(
        todo_row(&db, "t1"),
        vec![text("bread"), SqlValue::Null, SqlValue::Null]
    );
    // On insert too: the row is exactly the supplied columns.
    db.apply(&[replace(0, "todos", "t2", json!({"done": true}))])
        .await
        .unwrap();
    assert_eq!(
        todo_row(&db, "t2"),
        vec![SqlValue::Null, SqlValue::Integer(1), SqlValue::Null]
    );
}

#[tokio::test]
async fn patch_updates_supplied_columns_and_ignores_missing_rows() {
    let db = db(TODOS).await;
    db.apply(&[put(
        0,
        "todos",
        "t1",
        json!({"description": "milk", "done": 0}),
    )])
    .await
    .unwrap();
    let applied = db
        .apply(&[
            patch(0, "todos", "t1", json!({"done": "true"})),
            patch(1, "todos", "missing", json!({"done": 1})),
            patch(2, "todos", "t1", json!({})),
        ])
        .await;
    assert_eq!(applied, Ok(WRITTEN));
    assert_eq!(
        todo_row(&db, "t1"),
        vec![text("milk"), SqlValue::Integer(1), SqlValue::Integer(7)]
    );
    assert_eq!(db.count("todos"), 1);
}

#[tokio::test]
async fn delete_removes_the_row() {
    let db = db(TODOS).await;
    db.apply(&[
        put(0, "todos", "t1", json!({})),
        put(1, "todos", "t2", json!({})),
    ])
    .await
    .unwrap();
    db.apply(&[delete(0, "todos", "t1"), delete(1, "todos", "nothing")])
        .await
        .unwrap();
    assert_eq!(db.rows("SELECT id FROM todos"), vec![vec![text("t2")]]);
}

#[tokio::test]
async fn mixed_runs_apply_in_order() {
    let db = db(TODOS).await;
    let mut entries = vec![put(0, "lists", "l1", json!({"name": "shopping"}))];
    for i in 1..=20 {
        entries.push(put(
            i,
            "todos",
            &format!("t{i}"),
            json!({"list_id": "l1", "description": format!("item {i}")}),
        ));
    }
    entries.push(patch(21, "todos", "t3", json!({"done": 1})));
    entries.push(delete(22, "todos", "t4"));
    entries.push(put(
        23,
        "todos",
        "t4",
        json!({"list_id": "l1", "description": "again", "done": 0}),
    ));
    entries.push(put(
        24,
        "todos",
        "t5",
        json!({"description": "reordered", "list_id": "l1"}),
    ));
    assert_eq!(db.apply(&entries).await, Ok(WRITTEN));
    assert_eq!(db.count("todos"), 20);
    assert_eq!(
        todo_row(&db, "t3"),
        vec![text("item 3"), SqlValue::Integer(1), SqlValue::Integer(7)]
    );
    assert_eq!(
        todo_row(&db, "t4"),
        vec![text("again"), SqlValue::Integer(0), SqlValue::Integer(7)]
    );
    assert_eq!(todo_row(&db, "t5")[0], text("reordered"));
}

#[tokio::test]
async fn a_failure_leaves_nothing_applied() {
    let db = db(TODOS).await;
    let error = db
        .apply(&[
            put(0, "lists", "l1", json!({"name": "a"})),
            put(1, "todos", "t1", json!({"list_id": "l1"})),
            put(2, "lists", "l2", json!({"name": null})),
            put(3, "todos", "t2", json!({"list_id": "l1"})),
        ])
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("NOT_NULL_VIOLATION".to_string(), 2));
    assert_eq!(db.count("lists"), 0);
    assert_eq!(db.count("todos"), 0);
    // The writer is usable again afterwards.
    assert_eq!(
        db.apply(&[put(0, "lists", "l1", json!({"name": "a"}))])
            .await,
        Ok(WRITTEN)
    );
}

#[tokio::test]
async fn a_conversion_failure_in_a_run_leaves_nothing_applied() {
    let db = db(TODOS).await;
    let error = db
        .apply(&[
            put(0, "todos", "t1", json!({"done": 1})),
            put(1, "todos", "t2", json!({"done": 0})),
            put(2, "todos", "t3", json!({"done": "maybe"})),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DbError::InvalidValue { table, column, operation_index: 2, .. } if table == "todos" && column == "done"),
        "{error:?}"
    );
    assert_eq!(db.count("todos"), 0);
}

#[tokio::test]
async fn a_replay_is_a_duplicate_and_writes_nothing() {
    let db = db(TODOS).await;
    let handlers = HandlerRegistry::default();
    let first = [put(0, "lists", "l1", json!({"name": "first"}))];
    assert_eq!(
        db.apply_with(&first, Some(("client-a", 10)), None, &handlers)
            .await,
        Ok(WRITTEN)
    );
    let replay = [
        put(0, "lists", "l1", json!({"name": "changed"})),
        put(1, "lists", "l2", json!({"name": "x"})),
    ];
    assert_eq!(
        db.apply_with(&replay, Some(("client-a", 10)), None, &handlers)
            .await,
        Ok(Applied::Duplicate)
    );
    assert_eq!(
        db.apply_with(&replay, Some(("client-a", 9)), None, &handlers)
            .await,
        Ok(Applied::Duplicate)
    );
    assert_eq!(
        db.rows("SELECT id, name FROM lists"),
        vec![vec![text("l1"), text("first")]]
    );
    // Another client, or a later op_id, applies.
    assert_eq!(
        db.apply_with(&replay, Some(("client-b", 10)), None, &handlers)
            .await,
        Ok(WRITTEN)
    );
    assert_eq!(
        db.apply_with(&replay, Some(("client-a", 11)), None, &handlers)
            .await,
        Ok(WRITTEN)
    );
    assert_eq!(
        db.rows("SELECT client_id, last_op_id FROM powersync_write_ledger ORDER BY client_id"),
        vec![
            vec![text("client-a"), SqlValue::Integer(11)],
            vec![text("client-b"), SqlValue::Integer(10)]
        ]
    );
}

#[tokio::test]
async fn a_failed_transaction_does_not_advance_the_ledger() {
    let db = db(TODOS).await;
    let handlers = HandlerRegistry::default();
    let bad = [put(0, "lists", "l1", json!({"name": null}))];
    assert!(
        db.apply_with(
            &bad,
            Some(("client-a", 5)),
            Some(("u", "client-a")),
            &handlers
        )
        .await
        .is_err()
    );
    assert_eq!(db.count("powersync_write_ledger"), 0);
    assert_eq!(db.count("powersync_write_checkpoints"), 0);
}

#[tokio::test]
async fn checkpoints_increment_per_user_and_client() {
    let db = db(TODOS).await;
    let handlers = HandlerRegistry::default();
    let entries = [put(0, "lists", "l1", json!({"name": "a"}))];
    let checkpoint = |value| {
        Ok(Applied::Written {
            write_checkpoint: Some(value),
        })
    };
    assert_eq!(
        db.apply_with(&entries, None, Some(("u1", "c1")), &handlers)
            .await,
        checkpoint(1)
    );
    assert_eq!(
        db.apply_with(&entries, None, Some(("u1", "c1")), &handlers)
            .await,
        checkpoint(2)
    );
    assert_eq!(
        db.apply_with(&entries, None, Some(("u1", "c2")), &handlers)
            .await,
        checkpoint(1)
    );
    assert_eq!(
        db.apply_with(&entries, None, Some(("u2", "c1")), &handlers)
            .await,
        checkpoint(1)
    );
    assert_eq!(
        db.apply_with(&entries, None, Some(("u1", "c1")), &handlers)
            .await,
        checkpoint(3)
    );
    // A duplicate does not move it.
    assert_eq!(
        db.apply_with(&entries, Some(("c1", 1)), Some(("u1", "c1")), &handlers)
            .await,
        checkpoint(4)
    );
    assert_eq!(
        db.apply_with(&entries, Some(("c1", 1)), Some(("u1", "c1")), &handlers)
            .await,
        Ok(Applied::Duplicate)
    );
    assert_eq!(
        db.apply_with(&entries, Some(("c1", 2)), Some(("u1", "c1")), &handlers)
            .await,
        checkpoint(5)
    );
}

/// Writes an audit row through the executor, reads it back, then applies the entry
/// the default way.
struct Audit;

#[async_trait]
impl TableHandler for Audit {
    async fn handle(
        &self,
        principal: &Principal,
        entry: &CrudEntry,
        mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        assert_eq!(entry.op, UpdateType::Put);
        // An await that needs the runtime's timer, to show the handler is driven.
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        let changed = db
            .execute(
                "INSERT INTO audit (who, row_id) VALUES (?, ?)",
                &[
                    SqlParam::Text(principal.subject.clone()),
                    SqlParam::Text(entry.id.clone()),
                ],
            )
            .await?;
        assert_eq!(changed, 1);
        let rows = db
            .query(
                "SELECT count(*) AS n FROM audit WHERE row_id = ?",
                &[SqlParam::Text(entry.id.clone())],
            )
            .await?;
        assert_eq!(rows[0]["n"], json!(1));
        db.apply_default(mapped).await
    }
}

#[tokio::test]
async fn a_handler_runs_inside_the_same_transaction() {
    let db = db(&format!(
        "{TODOS} CREATE TABLE audit (who TEXT, row_id TEXT);"
    ))
    .await;
    let mut handlers = HandlerRegistry::default();
    handlers.register("lists", Arc::new(Audit));
    let ok = [put(0, "lists", "l1", json!({"name": "a"}))];
    assert_eq!(db.apply_with(&ok, None, None, &handlers).await, Ok(WRITTEN));
    assert_eq!(
        db.rows("SELECT who, row_id FROM audit"),
        vec![vec![text("user-1"), text("l1")]]
    );
    assert_eq!(db.count("lists"), 1);

    // A later entry fails: the handler's audit row rolls back with everything else.
    let failing = [
        put(0, "lists", "l2", json!({"name": "b"})),
        put(1, "todos", "t1", json!({"list_id": "nope"})),
    ];
    let error = db
        .apply_with(&failing, None, None, &handlers)
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("FOREIGN_KEY_VIOLATION".to_string(), 1));
    assert_eq!(db.count("audit"), 1);
    assert_eq!(db.count("lists"), 1);
}

/// Refuses everything with an application code.
struct Refuse;

#[async_trait]
impl TableHandler for Refuse {
    async fn handle(
        &self,
        _: &Principal,
        _: &CrudEntry,
        mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        db.execute("INSERT INTO audit (who) VALUES ('refuse')", &[])
            .await?;
        Err(DbError::Handler {
            code: "NOT_ALLOWED".into(),
            message: "no".into(),
            operation_index: mapped.operation_index,
        })
    }
}

#[tokio::test]
async fn a_handler_error_rolls_back_and_keeps_its_code() {
    let db = db(&format!(
        "{TODOS} CREATE TABLE audit (who TEXT, row_id TEXT);"
    ))
    .await;
    let mut handlers = HandlerRegistry::default();
    handlers.register("mutator", Arc::new(Refuse));
    let mut call = put(1, "mutator", "m1", json!({"x": 1}));
    call.table = "mutator".into();
    let entries = [put(0, "lists", "l1", json!({"name": "a"})), call];
    let error = db
        .apply_with(&entries, None, None, &handlers)
        .await
        .unwrap_err();
    assert_eq!(fatal(&error), ("NOT_ALLOWED".to_string(), 1));
    assert_eq!(db.count("lists"), 0);
    assert_eq!(db.count("audit"), 0);
}

#[tokio::test]
async fn hostile_identifiers_are_quoted() {
    let db = db(r#"CREATE TABLE "we""ird; --" (id TEXT PRIMARY KEY, "a""b" TEXT, "select" INTEGER, "c d" TEXT);"#).await;
    let table = r#"we"ird; --"#;
    assert!(db.schema.tables[table].columns.contains_key(r#"a"b"#));
    let entries = [
        put(
            0,
            table,
            "r1",
            json!({r#"a"b"#: "x", "select": 1, "c d": "y"}),
        ),
        patch(1, table, "r1", json!({r#"a"b"#: "z"})),
        replace(2, table, "r2", json!({"c d": "w"})),
    ];
    assert_eq!(db.apply(&entries).await, Ok(WRITTEN));
    assert_eq!(
        db.rows(r#"SELECT id, "a""b", "select", "c d" FROM "we""ird; --" ORDER BY id"#),
        vec![
            vec![text("r1"), text("z"), SqlValue::Integer(1), text("y")],
            vec![text("r2"), SqlValue::Null, SqlValue::Null, text("w")],
        ]
    );
    db.apply(&[delete(0, table, "r1")]).await.unwrap();
    assert_eq!(
        db.rows(r#"SELECT count(*) FROM "we""ird; --""#),
        vec![vec![SqlValue::Integer(1)]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_lose_nothing() {
    let db = Arc::new(db(TODOS).await);
    let mut tasks = Vec::new();
    for client in 0..16 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let handlers = HandlerRegistry::default();
            for tx in 0..10i64 {
                let entries: Vec<_> = (0..5)
                    .map(|i| {
                        put(
                            i,
                            "todos",
                            &format!("c{client}-t{tx}-{i}"),
                            json!({"description": "x"}),
                        )
                    })
                    .collect();
                let client_id = format!("client-{client}");
                let applied = db
                    .apply_with(&entries, Some((&client_id, tx + 1)), None, &handlers)
                    .await;
                assert_eq!(applied, Ok(WRITTEN));
            }
        }));
    }
    // Reads run beside the writes.
    for _ in 0..20 {
        db.persister.ping().await.unwrap();
        db.persister.introspect().await.unwrap();
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(db.count("todos"), 16 * 10 * 5);
    assert_eq!(
        db.rows("SELECT min(last_op_id), count(*) FROM powersync_write_ledger"),
        vec![vec![SqlValue::Integer(10), SqlValue::Integer(16)]]
    );
}

fn letter(client: Option<&str>, idempotency: Option<(&str, i64)>) -> NewDeadLetter {
    NewDeadLetter {
        subject: "user-1".into(),
        client_id: client.map(str::to_string),
        transaction: json!({"transaction_id": 3, "crud": [{"op": "PUT", "table": "lists", "id": "l1"}]}),
        error_code: "NOT_NULL_VIOLATION".into(),
        error_message: "NOT NULL constraint failed: lists.name".into(),
        error_details: json!({"table": "lists", "column": "name"}),
        operation_index: 0,
        idempotency: idempotency.map(|(c, o)| (c.to_string(), o)),
    }
}

#[tokio::test]
async fn dead_letters_roundtrip() {
    let db = db(TODOS).await;
    let p = &db.persister;
    let first = letter(Some("c1"), Some(("c1", 7)));
    let second = letter(None, None);
    let id1 = p.store_dead_letter(&first).await.unwrap();
    let id2 = p.store_dead_letter(&second).await.unwrap();
    assert_ne!(id1, id2);
    assert!(uuid::Uuid::parse_str(&id1).is_ok());

    let listed = p.list_dead_letters(10).await.unwrap();
    assert_eq!(
        listed.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        vec![id1.as_str(), id2.as_str()]
    );
    assert_eq!(listed[0].letter, first);
    assert_eq!(listed[1].letter, second);
    assert!(
        listed[0].created_at.ends_with('Z') && listed[0].created_at.contains('T'),
        "{}",
        listed[0].created_at
    );
    assert_eq!(p.list_dead_letters(1).await.unwrap().len(), 1);

    let got = p.get_dead_letter(&id2).await.unwrap().unwrap();
    assert_eq!(got, listed[1]);
    assert_eq!(p.get_dead_letter("nope").await.unwrap(), None);

    assert!(p.delete_dead_letter(&id1).await.unwrap());
    assert!(!p.delete_dead_letter(&id1).await.unwrap());
    assert_eq!(p.list_dead_letters(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_dead_letter_advances_the_ledger() {
    let db = db(TODOS).await;
    db.persister
        .store_dead_letter(&letter(Some("c1"), Some(("c1", 7))))
        .await
        .unwrap();
    let handlers = HandlerRegistry::default();
    let entries = [put(0, "lists", "l1", json!({"name": "a"}))];
    assert_eq!(
        db.apply_with(&entries, Some(("c1", 7)), None, &handlers)
            .await,
        Ok(Applied::Duplicate)
    );
    assert_eq!(db.count("lists"), 0);
    // Never backwards.
    db.persister
        .store_dead_letter(&letter(Some("c1"), Some(("c1", 3))))
        .await
        .unwrap();
    assert_eq!(
        db.rows("SELECT last_op_id FROM powersync_write_ledger"),
        vec![vec![SqlValue::Integer(7)]]
    );
}

#[tokio::test]
async fn opens_creating_the_folder_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/app.db");
    let persister = SqlitePersister::connect(
        &format!("sqlite://{}", path.display()),
        SqliteOptions::default(),
    )
    .await
    .unwrap();
    assert!(path.exists());
    assert_eq!(persister.path(), path);
    persister.ping().await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_file_that_cannot_be_opened_is_a_connection_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let under_a_file =
        SqlitePersister::open(blocker.join("app.db"), SqliteOptions::default()).await;
    assert!(
        matches!(under_a_file, Err(DbError::Connection { .. })),
        "{:?}",
        under_a_file.err()
    );

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    let not_a_database = SqlitePersister::open(&garbage, SqliteOptions::default()).await;
    assert!(
        matches!(not_a_database, Err(DbError::Connection { .. })),
        "{:?}",
        not_a_database.err()
    );

    let bad_url = SqlitePersister::connect("postgres://x", SqliteOptions::default()).await;
    assert!(matches!(bad_url, Err(DbError::Connection { .. })));
}

#[test]
fn urls() {
    assert_eq!(
        path_from_url("sqlite:///abs/app.db"),
        Some("/abs/app.db".into())
    );
    assert_eq!(
        path_from_url("sqlite://data/app.db"),
        Some("data/app.db".into())
    );
    assert_eq!(path_from_url("sqlite://"), None);
    assert_eq!(path_from_url("postgres://x"), None);
}

#[tokio::test]
async fn migrate_is_idempotent_and_introspect_skips_runtime_tables() {
    let db = db(&format!(
        "{TODOS} CREATE TABLE typed (id TEXT PRIMARY KEY, n NUMERIC(10,2), j JSON, ts DATETIME, b BLOB, \
         u UUID, anything, g INTEGER GENERATED ALWAYS AS (1) VIRTUAL NOT NULL);"
    ))
    .await;
    db.persister.migrate().await.unwrap();
    let schema = db.persister.introspect().await.unwrap();
    assert_eq!(
        schema.tables.keys().collect::<Vec<_>>(),
        vec!["lists", "todos", "typed"]
    );
    let typed = &schema.tables["typed"];
    let ty = |c: &str| typed.columns[c].ty.clone();
    assert_eq!(ty("n"), ColumnType::Numeric);
    assert_eq!(ty("j"), ColumnType::Json);
    assert_eq!(ty("ts"), ColumnType::Timestamp);
    assert_eq!(ty("b"), ColumnType::Bytea);
    assert_eq!(ty("u"), ColumnType::Uuid);
    assert_eq!(ty("anything"), ColumnType::Other);
    assert_eq!(typed.columns["n"].sql_type, "NUMERIC(10,2)");
    assert!(
        !typed.columns.contains_key("g"),
        "generated columns cannot be written"
    );
    assert!(!schema.tables["lists"].columns["name"].nullable);
    assert!(schema.tables["todos"].columns["description"].nullable);
    assert_eq!(schema.tables["todos"].columns["done"].ty, ColumnType::Bool);
}
