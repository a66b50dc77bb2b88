//! PostgreSQL persister against a real server: operations, grouping, ledger,
//! checkpoints, dead letters, custom handlers, identifiers, introspection.

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::{CrudEntry, UpdateType};
use powersync_write_server::hooks::{HandlerRegistry, SqlExecutor, SqlParam, TableHandler};
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::persist::{Applied, NewDeadLetter, Persister};
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry, PutMode, WriteOp};
use serde_json::{Value, json};
use support::postgres::{Apply, apply, apply_with, database, delete, entry, patch, put, rows};

const TODOS: &str = "CREATE TABLE todos (
    id text PRIMARY KEY,
    description text,
    done boolean,
    rank integer NOT NULL DEFAULT 5)";

async fn todos(client: &tokio_postgres::Client) -> Vec<Vec<Option<String>>> {
    rows(
        client,
        "SELECT id, description, done::text, rank::text FROM todos ORDER BY id",
    )
    .await
}

fn row(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_string)).collect()
}

#[tokio::test]
async fn put_inserts_then_merges_only_supplied_columns() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    let applied = apply(
        &persister,
        &[put(
            0,
            "todos",
            "a",
            json!({"description": "milk", "done": 0}),
        )],
    )
    .await;
    assert_eq!(
        applied,
        Ok(Applied::Written {
            write_checkpoint: None
        })
    );
    apply(&persister, &[put(0, "todos", "a", json!({"done": "1"}))])
        .await
        .unwrap();
    let client = db.client().await;
    assert_eq!(
        todos(&client).await,
        vec![row(&[Some("a"), Some("milk"), Some("true"), Some("5")])]
    );
}

#[tokio::test]
async fn put_replace_sets_unmentioned_columns_to_null() {
    let db = database().await;
    db.sql(
        "CREATE TABLE todos (id text PRIMARY KEY, description text, done boolean, rank integer)",
    )
    .await;
    let persister = db.persister().await;
    apply(
        &persister,
        &[put(
            0,
            "todos",
            "a",
            json!({"description": "milk", "done": 0, "rank": 2}),
        )],
    )
    .await
    .unwrap();
    let replace = entry(
        0,
        WriteOp::Put(PutMode::Replace),
        "todos",
        "a",
        json!({"done": true}),
    );
    apply(&persister, &[replace]).await.unwrap();
    let client = db.client().await;
    assert_eq!(
        todos(&client).await,
        vec![row(&[Some("a"), None, Some("true"), None])]
    );
}

#[tokio::test]
async fn patch_updates_supplied_columns_and_ignores_missing_rows() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    apply(
        &persister,
        &[put(
            0,
            "todos",
            "a",
            json!({"description": "milk", "done": 0}),
        )],
    )
    .await
    .unwrap();
    let applied = apply(
        &persister,
        &[
            patch(0, "todos", "a", json!({"done": 1, "rank": "7"})),
            patch(1, "todos", "missing", json!({"done": 1})),
            // A PATCH without columns changes nothing.
            patch(2, "todos", "a", json!({})),
        ],
    )
    .await;
    assert_eq!(
        applied,
        Ok(Applied::Written {
            write_checkpoint: None
        })
    );
    let client = db.client().await;
    assert_eq!(
        todos(&client).await,
        vec![row(&[Some("a"), Some("milk"), Some("true"), Some("7")])]
    );
}

#[tokio::test]
async fn delete_removes_the_row() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    apply(
        &persister,
        &[
            put(0, "todos", "a", json!({})),
            put(1, "todos", "b", json!({})),
        ],
    )
    .await
    .unwrap();
    apply(
        &persister,
        &[delete(0, "todos", "a"), delete(1, "todos", "nope")],
    )
    .await
    .unwrap();
    let client = db.client().await;
    assert_eq!(
        todos(&client).await,
        vec![row(&[Some("b"), None, None, Some("5")])]
    );
}

#[tokio::test]
async fn consecutive_entries_of_one_shape_share_one_statement() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let mut entries: Vec<MappedEntry> = (0..20)
        .map(|i| {
            put(
                i,
                "todos",
                &format!("t{i:02}"),
                json!({"description": format!("d{i}"), "done": i % 2}),
            )
        })
        .collect();
    // Same columns in another order: same shape.
    let mut reordered = put(20, "todos", "t20", json!({"done": 1}));
    reordered
        .columns
        .push(("description".to_string(), json!("d20")));
    entries.push(reordered);
    entries.push(patch(21, "todos", "t00", json!({"rank": 1})));
    entries.push(patch(22, "todos", "t01", json!({"rank": 2})));
    entries.push(delete(23, "todos", "t02"));
    entries.push(delete(24, "todos", "t03"));
    let before = persister.write_statements();
    apply_with(&persister, &schema, &entries, &Apply::default())
        .await
        .unwrap();
    assert_eq!(
        persister.write_statements() - before,
        3,
        "one statement per PUT, PATCH and DELETE group"
    );
    let client = db.client().await;
    let all = todos(&client).await;
    assert_eq!(all.len(), 19);
    assert_eq!(
        all[0],
        row(&[Some("t00"), Some("d0"), Some("false"), Some("1")])
    );
    assert_eq!(
        all[1],
        row(&[Some("t01"), Some("d1"), Some("true"), Some("2")])
    );
    assert_eq!(
        all[18],
        row(&[Some("t20"), Some("d20"), Some("true"), Some("5")])
    );

    // The same id twice starts a new group, and the later entry wins.
    let before = persister.write_statements();
    let twice = [
        put(0, "todos", "x", json!({"description": "first"})),
        put(1, "todos", "y", json!({"description": "other"})),
        put(2, "todos", "x", json!({"description": "second"})),
    ];
    apply_with(&persister, &schema, &twice, &Apply::default())
        .await
        .unwrap();
    assert_eq!(persister.write_statements() - before, 2);
    let x = rows(&client, "SELECT description FROM todos WHERE id = 'x'").await;
    assert_eq!(x, vec![row(&[Some("second")])]);
}

#[tokio::test]
async fn failing_grouped_statement_is_located_and_nothing_is_written() {
    let db = database().await;
    db.sql("CREATE TABLE people (id text PRIMARY KEY, email text UNIQUE)")
        .await;
    db.sql("INSERT INTO people VALUES ('old', 'taken@example.com')")
        .await;
    let persister = db.persister().await;
    let entries = [
        put(0, "people", "a", json!({"email": "a@example.com"})),
        put(1, "people", "b", json!({"email": "b@example.com"})),
        put(2, "people", "c", json!({"email": "taken@example.com"})),
        put(3, "people", "d", json!({"email": "d@example.com"})),
    ];
    let error = apply(&persister, &entries).await.unwrap_err();
    match error {
        DbError::Database {
            code,
            operation_index,
            table,
            constraint,
            ..
        } => {
            assert_eq!(code, "23505");
            assert_eq!(operation_index, Some(2));
            assert_eq!(table.as_deref(), Some("people"));
            assert_eq!(constraint.as_deref(), Some("people_email_key"));
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    let client = db.client().await;
    assert_eq!(
        rows(&client, "SELECT id FROM people").await,
        vec![row(&[Some("old")])]
    );
}

#[tokio::test]
async fn deferred_constraint_failing_at_commit_is_located() {
    let db = database().await;
    db.sql(
        "CREATE TABLE lists (id text PRIMARY KEY);
         CREATE TABLE items (id text PRIMARY KEY,
             list_id text REFERENCES lists (id) DEFERRABLE INITIALLY DEFERRED)",
    )
    .await;
    let persister = db.persister().await;
    let entries = [
        put(0, "lists", "l1", json!({})),
        put(1, "items", "i1", json!({"list_id": "l1"})),
        put(2, "items", "i2", json!({"list_id": "nope"})),
    ];
    match apply(&persister, &entries).await.unwrap_err() {
        DbError::Database {
            code,
            operation_index,
            ..
        } => {
            assert_eq!(code, "23503");
            assert_eq!(operation_index, Some(2));
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    let client = db.client().await;
    assert!(rows(&client, "SELECT id FROM lists").await.is_empty());
}

#[tokio::test]
async fn ledger_answers_replays_as_duplicates_and_writes_nothing() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let first = Apply {
        idempotency: Some(("client-1", 10)),
        ..Apply::default()
    };
    let entries = [put(0, "todos", "a", json!({"description": "v1"}))];
    assert_eq!(
        apply_with(&persister, &schema, &entries, &first).await,
        Ok(Applied::Written {
            write_checkpoint: None
        })
    );
    let replay = [
        put(0, "todos", "a", json!({"description": "v2"})),
        put(1, "todos", "b", json!({})),
    ];
    let before = persister.write_statements();
    for last_op_id in [10, 9] {
        let options = Apply {
            idempotency: Some(("client-1", last_op_id)),
            ..Apply::default()
        };
        assert_eq!(
            apply_with(&persister, &schema, &replay, &options).await,
            Ok(Applied::Duplicate)
        );
    }
    let client = db.client().await;
    assert_eq!(
        rows(&client, "SELECT id, description FROM todos").await,
        vec![row(&[Some("a"), Some("v1")])]
    );
    assert_eq!(
        rows(
            &client,
            "SELECT last_op_id::text FROM powersync_write_ledger WHERE client_id = 'client-1'"
        )
        .await,
        vec![row(&[Some("10")])]
    );
    assert_eq!(
        persister.write_statements(),
        before,
        "a duplicate runs no write"
    );
    // Another client and a later op_id are applied.
    let later = Apply {
        idempotency: Some(("client-1", 11)),
        ..Apply::default()
    };
    assert!(matches!(
        apply_with(&persister, &schema, &replay, &later).await,
        Ok(Applied::Written { .. })
    ));
    let other = Apply {
        idempotency: Some(("client-2", 1)),
        ..Apply::default()
    };
    assert!(matches!(
        apply_with(&persister, &schema, &replay, &other).await,
        Ok(Applied::Written { .. })
    ));
    assert_eq!(
        rows(
            &client,
            "SELECT last_op_id::text FROM powersync_write_ledger ORDER BY client_id"
        )
        .await,
        vec![row(&[Some("11")]), row(&[Some("1")])]
    );
    // A failed transaction does not advance the ledger.
    let failing = [put(0, "todos", "c", json!({"rank": null}))];
    let options = Apply {
        idempotency: Some(("client-2", 5)),
        ..Apply::default()
    };
    assert!(
        apply_with(&persister, &schema, &failing, &options)
            .await
            .is_err()
    );
    assert_eq!(
        rows(
            &client,
            "SELECT last_op_id::text FROM powersync_write_ledger WHERE client_id = 'client-2'"
        )
        .await,
        vec![row(&[Some("1")])]
    );
}

#[tokio::test]
async fn write_checkpoints_increment_per_user_and_client() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let entries = [put(0, "todos", "a", json!({}))];
    let mut seen = Vec::new();
    for key in [("u1", "c1"), ("u1", "c1"), ("u1", "c2"), ("u1", "c1")] {
        let options = Apply {
            checkpoint: Some(key),
            ..Apply::default()
        };
        match apply_with(&persister, &schema, &entries, &options).await {
            Ok(Applied::Written { write_checkpoint }) => seen.push(write_checkpoint),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen, vec![Some(1), Some(2), Some(1), Some(3)]);
    // A duplicate does not increment it.
    let options = Apply {
        checkpoint: Some(("u1", "c1")),
        idempotency: Some(("c1", 5)),
        ..Apply::default()
    };
    apply_with(&persister, &schema, &entries, &options)
        .await
        .unwrap();
    assert_eq!(
        apply_with(&persister, &schema, &entries, &options).await,
        Ok(Applied::Duplicate)
    );
    let client = db.client().await;
    assert_eq!(
        rows(
            &client,
            "SELECT checkpoint::text FROM powersync_write_checkpoints WHERE client_id = 'c1'"
        )
        .await,
        vec![row(&[Some("4")])]
    );
}

#[tokio::test]
async fn dead_letters_roundtrip_and_advance_the_ledger() {
    let db = database().await;
    db.sql(TODOS).await;
    let persister = db.persister().await;
    // migrate is idempotent.
    persister.migrate().await.unwrap();
    let letter = NewDeadLetter {
        subject: "user-1".to_string(),
        client_id: Some("client-9".to_string()),
        transaction: json!({"transaction_id": 3, "crud": [{"op": "PUT", "table": "todos", "id": "a", "op_id": 7}]}),
        error_code: "CHECK_VIOLATION".to_string(),
        error_message: "new row violates check constraint".to_string(),
        error_details: json!({"table": "todos", "constraint": "c"}),
        operation_index: 0,
        idempotency: Some(("client-9".to_string(), 7)),
    };
    let id = persister.store_dead_letter(&letter).await.unwrap();
    let second = NewDeadLetter {
        client_id: None,
        idempotency: None,
        ..letter.clone()
    };
    let id2 = persister.store_dead_letter(&second).await.unwrap();
    let listed = persister.list_dead_letters(10).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].letter, letter);
    assert_eq!(listed[1].id, id2);
    assert_eq!(listed[1].letter, second);
    assert!(
        listed[0].created_at.ends_with('Z') && listed[0].created_at.contains('T'),
        "{}",
        listed[0].created_at
    );
    assert_eq!(persister.list_dead_letters(1).await.unwrap().len(), 1);
    assert_eq!(
        persister
            .get_dead_letter(&id)
            .await
            .unwrap()
            .map(|d| d.letter),
        Some(letter)
    );
    assert_eq!(persister.get_dead_letter("not-a-uuid").await.unwrap(), None);
    // The ledger moved with it: a replay of the transaction is a duplicate.
    let schema = persister.introspect().await.unwrap();
    let options = Apply {
        idempotency: Some(("client-9", 7)),
        ..Apply::default()
    };
    let entries = [put(0, "todos", "a", json!({}))];
    assert_eq!(
        apply_with(&persister, &schema, &entries, &options).await,
        Ok(Applied::Duplicate)
    );
    assert!(persister.delete_dead_letter(&id).await.unwrap());
    assert!(!persister.delete_dead_letter(&id).await.unwrap());
    assert!(
        !persister
            .delete_dead_letter("'; DROP TABLE todos; --")
            .await
            .unwrap()
    );
    assert_eq!(persister.list_dead_letters(10).await.unwrap().len(), 1);
}

/// Writes an audit row through the executor, reads it back, then applies the entry
/// the default way; fails when asked to.
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
        let inserted = db
            .execute(
                "INSERT INTO audit (who, row_id, n, ok, score) VALUES ($1, $2, $3, $4, $5)",
                &[
                    SqlParam::Text(principal.subject.clone()),
                    SqlParam::Text(entry.id.clone()),
                    SqlParam::Int(7),
                    SqlParam::Bool(true),
                    SqlParam::Float(1.5),
                ],
            )
            .await?;
        assert_eq!(inserted, 1);
        let read = db
            .query(
                "SELECT who, n, ok, score, amount, doc, uid FROM audit WHERE row_id = $1",
                &[SqlParam::Text(entry.id.clone())],
            )
            .await?;
        assert_eq!(read.len(), 1);
        assert_eq!(read[0]["who"], json!("user-1"));
        assert_eq!(read[0]["n"], json!(7));
        assert_eq!(read[0]["ok"], json!(true));
        assert_eq!(read[0]["score"], json!(1.5));
        assert_eq!(read[0]["amount"], json!("-1234.5600"));
        assert_eq!(read[0]["doc"], json!({"k": [1]}));
        assert_eq!(read[0]["uid"], Value::Null);
        let mut target = mapped.clone();
        target.table = "todos".to_string();
        target.columns.retain(|(column, _)| column != "fail");
        db.apply_default(&target).await?;
        if entry
            .op_data
            .clone()
            .flatten()
            .is_some_and(|d| d.contains_key("fail"))
        {
            return Err(DbError::Handler {
                code: "APP_REFUSED".to_string(),
                message: "refused".to_string(),
                operation_index: mapped.operation_index,
            });
        }
        Ok(())
    }
}

#[tokio::test]
async fn custom_handlers_run_inside_the_transaction() {
    let db = database().await;
    db.sql(TODOS).await;
    db.sql(
        "CREATE TABLE audit (who text, row_id text, n integer, ok boolean, score float8,
             amount numeric(10, 4) DEFAULT -1234.56, tags text[], doc jsonb DEFAULT '{\"k\": [1]}', uid uuid)",
    )
    .await;
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let mut handlers = HandlerRegistry::default();
    handlers.register("audited_todos", Arc::new(Audit));
    let options = Apply {
        handlers,
        ..Apply::default()
    };
    let mut audited = put(1, "todos", "h1", json!({"description": "via handler"}));
    audited.client_table = "audited_todos".to_string();
    let entries = [
        put(0, "todos", "a", json!({})),
        audited.clone(),
        put(2, "todos", "b", json!({})),
    ];
    apply_with(&persister, &schema, &entries, &options)
        .await
        .unwrap();
    let client = db.client().await;
    assert_eq!(
        rows(&client, "SELECT id, description FROM todos ORDER BY id").await,
        vec![
            row(&[Some("a"), None]),
            row(&[Some("b"), None]),
            row(&[Some("h1"), Some("via handler")])
        ]
    );
    assert_eq!(
        rows(&client, "SELECT row_id FROM audit").await,
        vec![row(&[Some("h1")])]
    );

    // A refusal rolls back everything, the handler's own writes included.
    let mut refused = audited.clone();
    refused.id = json!("h2");
    refused.columns.push(("fail".to_string(), json!(1)));
    refused.operation_index = 1;
    let entries = [put(0, "todos", "c", json!({})), refused];
    let error = apply_with(&persister, &schema, &entries, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            DbError::Handler {
                operation_index: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        rows(&client, "SELECT count(*)::text FROM todos").await,
        vec![row(&[Some("3")])]
    );
    assert_eq!(
        rows(&client, "SELECT count(*)::text FROM audit").await,
        vec![row(&[Some("1")])]
    );
}

#[tokio::test]
async fn identifiers_with_quotes_are_quoted_and_hostile_names_never_reach_sql() {
    let db = database().await;
    db.sql(
        r#"CREATE TABLE "we""ird table" ("id" text PRIMARY KEY, "co""l" text, "select" integer)"#,
    )
    .await;
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let table = r#"we"ird table"#;
    assert!(schema.tables[table].columns.contains_key(r#"co"l"#));
    let entries = [
        put(0, table, "a", json!({r#"co"l"#: "x", "select": 1})),
        put(1, table, "b", json!({r#"co"l"#: "y", "select": 2})),
        patch(2, table, "a", json!({"select": 3})),
        delete(3, table, "b"),
    ];
    apply_with(&persister, &schema, &entries, &Apply::default())
        .await
        .unwrap();
    let client = db.client().await;
    assert_eq!(
        rows(
            &client,
            r#"SELECT id, "co""l", "select"::text FROM "we""ird table""#
        )
        .await,
        vec![row(&[Some("a"), Some("x"), Some("3")])]
    );

    // Client names go through the mapping, which only knows introspected names.
    let mapping = MappingConfig::default();
    let handlers = HandlerRegistry::default();
    let hostile = |table: &str, data: Value| CrudEntry {
        op: UpdateType::Put,
        table: table.to_string(),
        id: "z".to_string(),
        op_id: None,
        transaction_id: None,
        op_data: Some(data.as_object().cloned()),
        previous_values: None,
        metadata: None,
    };
    for (table_name, data) in [
        (
            r#"we"ird table"; DROP TABLE "we""ird table"; --"#,
            json!({}),
        ),
        (r#"we"ird table"#, json!({r#"co"l" = 'x'; --"#: 1})),
    ] {
        let result = mapping.map(0, &hostile(table_name, data), &schema, &handlers);
        assert!(result.is_err(), "{table_name} must be rejected");
    }
    // Even if an unknown name reached the persister, it is refused before any SQL.
    let error = apply_with(
        &persister,
        &schema,
        &[put(0, "no\"table", "z", json!({}))],
        &Apply::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, DbError::Database { ref code, .. } if code == "42P01"),
        "{error:?}"
    );
    let error = apply_with(
        &persister,
        &schema,
        &[put(0, table, "z", json!({"nope\"": 1}))],
        &Apply::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, DbError::Database { ref code, operation_index: Some(0), .. } if code == "42703")
    );
    assert_eq!(
        rows(&client, r#"SELECT count(*)::text FROM "we""ird table""#).await,
        vec![row(&[Some("1")])]
    );
}

#[tokio::test]
async fn introspection_covers_configured_schemas_and_skips_runtime_tables() {
    let db = database().await;
    db.sql(
        "CREATE TABLE todos (id text PRIMARY KEY, n integer NOT NULL, g integer GENERATED ALWAYS AS (n * 2) STORED);
         CREATE SCHEMA app;
         CREATE TABLE app.todos (id text PRIMARY KEY);
         CREATE TABLE app.extra (id uuid PRIMARY KEY);
         CREATE SCHEMA hidden;
         CREATE TABLE hidden.secret (id text PRIMARY KEY);
         CREATE VIEW todo_view AS SELECT id FROM todos;
         CREATE TABLE powersync_write_custom (id text)",
    )
    .await;
    let mut config = PostgresConfig::new(db.url());
    config.schemas = vec!["public".to_string(), "app".to_string()];
    let persister = db.persister_with(config).await;
    let schema = persister.introspect().await.unwrap();
    let names: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["app.todos", "extra", "todos"]);
    assert_eq!(schema.tables["extra"].namespace.as_deref(), Some("app"));
    let todos = &schema.tables["todos"];
    assert_eq!(todos.namespace.as_deref(), Some("public"));
    assert!(!todos.columns["n"].nullable);
    assert!(!todos.columns["id"].nullable);
    assert!(
        !todos.columns.contains_key("g"),
        "generated columns cannot be written"
    );
    // Writes go to the right schema.
    apply_with(
        &persister,
        &schema,
        &[put(
            0,
            "extra",
            "6f9619ff-8b86-d011-b42d-00c04fc964ff",
            json!({}),
        )],
        &Apply::default(),
    )
    .await
    .unwrap();
    let client = db.client().await;
    assert_eq!(
        rows(&client, "SELECT count(*)::text FROM app.extra").await,
        vec![row(&[Some("1")])]
    );
}

#[tokio::test]
async fn ping_works_and_an_unreachable_server_is_a_connection_error() {
    let db = database().await;
    let persister = db.persister().await;
    persister.ping().await.unwrap();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = PostgresConfig::new(format!("postgres://postgres@127.0.0.1:{port}/x"));
    config.connect_timeout = std::time::Duration::from_secs(2);
    let gone = PostgresPersister::new(config).unwrap();
    assert!(matches!(gone.ping().await, Err(DbError::Connection { .. })));
    let empty = powersync_write_server::schema::DatabaseSchema::default();
    let applied = apply_with(&gone, &empty, &[], &Apply::default()).await;
    assert!(
        matches!(applied, Err(DbError::Connection { .. })),
        "{applied:?}"
    );
    assert!(matches!(
        gone.introspect().await,
        Err(DbError::Connection { .. })
    ));
    assert!(matches!(
        gone.store_dead_letter(&NewDeadLetter {
            subject: "s".into(),
            client_id: None,
            transaction: json!({}),
            error_code: "X".into(),
            error_message: "m".into(),
            error_details: json!({}),
            operation_index: 0,
            idempotency: None,
        })
        .await,
        Err(DbError::Connection { .. })
    ));
    assert!(PostgresPersister::from_url("mysql://nope").is_err());
}
