//! MySQL/MariaDB persister against a real MariaDB server: operations, grouping, the
//! other-unique-key guard of PUT, ledger, checkpoints, dead letters, runtime tables,
//! identifiers.

mod mysql_support;

use mysql_support::{Apply, WRITTEN, apply, apply_with, database, delete, entry, patch, put};
use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::{CrudEntry, UpdateType};
use powersync_write_server::classify::DefaultClassifier;
use powersync_write_server::failure::Failure;
use powersync_write_server::hooks::{
    ErrorClassifier, HandlerRegistry, SqlExecutor, SqlParam, TableHandler,
};
use powersync_write_server::persist::{Applied, NewDeadLetter, Persister, version};
use powersync_write_server::vocab::{DbError, MappedEntry, Principal, PutMode, WriteOp};
use serde_json::{Value, json};

const TODOS: &str = "CREATE TABLE todos (
    id VARCHAR(64) PRIMARY KEY,
    description TEXT,
    done BOOLEAN,
    `rank` INT NOT NULL DEFAULT 5) ENGINE=InnoDB";

fn todos(db: &mysql_support::TestDb) -> String {
    db.sql("SELECT id, IFNULL(description, 'NULL'), IFNULL(done, 'NULL'), `rank` FROM todos ORDER BY id")
}

#[tokio::test]
async fn put_inserts_then_merges_only_supplied_columns() {
    let db = database();
    db.sql(TODOS);
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
    assert_eq!(applied, WRITTEN);
    apply(
        &persister,
        &[put(0, "todos", "a", json!({"done": 1, "rank": 7}))],
    )
    .await
    .unwrap();
    assert_eq!(todos(&db), "a\tmilk\t1\t7\n");
}

#[tokio::test]
async fn put_replace_sets_unmentioned_columns_to_null() {
    let db = database();
    db.sql(TODOS);
    db.sql("INSERT INTO todos VALUES ('a', 'milk', 1, 3)");
    let persister = db.persister().await;
    let replace = entry(
        0,
        WriteOp::Put(PutMode::Replace),
        "todos",
        "a",
        json!({"rank": 9}),
    );
    apply(&persister, &[replace]).await.unwrap();
    assert_eq!(todos(&db), "a\tNULL\tNULL\t9\n");
}

#[tokio::test]
async fn patch_updates_supplied_columns_and_ignores_missing_rows() {
    let db = database();
    db.sql(TODOS);
    db.sql("INSERT INTO todos VALUES ('a', 'milk', 0, 3)");
    let persister = db.persister().await;
    let applied = apply(
        &persister,
        &[
            patch(0, "todos", "a", json!({"done": 1})),
            patch(1, "todos", "missing", json!({"done": 1})),
        ],
    )
    .await;
    assert_eq!(applied, WRITTEN);
    assert_eq!(todos(&db), "a\tmilk\t1\t3\n");
}

#[tokio::test]
async fn delete_removes_the_rows_in_one_statement() {
    let db = database();
    db.sql(TODOS);
    db.sql("INSERT INTO todos (id) VALUES ('a'), ('b'), ('c')");
    let persister = db.persister().await;
    let before = persister.write_statements();
    apply(
        &persister,
        &[delete(0, "todos", "a"), delete(1, "todos", "c")],
    )
    .await
    .unwrap();
    assert_eq!(persister.write_statements() - before, 1);
    assert_eq!(db.sql("SELECT id FROM todos"), "b\n");
}

#[tokio::test]
async fn consecutive_entries_of_one_shape_share_one_statement() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let entries: Vec<_> = (0..5)
        .map(|i| {
            put(
                i,
                "todos",
                &format!("t{i}"),
                json!({"description": format!("d{i}")}),
            )
        })
        .chain([put(5, "todos", "t5", json!({"rank": 1}))])
        .collect();
    let before = persister.write_statements();
    apply(&persister, &entries).await.unwrap();
    // Five of one shape, then another shape.
    assert_eq!(persister.write_statements() - before, 2);
    assert_eq!(db.sql("SELECT COUNT(*) FROM todos"), "6\n");
    // The same id twice starts a new group (one statement cannot upsert a row twice
    // predictably).
    let before = persister.write_statements();
    apply(
        &persister,
        &[
            put(0, "todos", "x", json!({"description": "1"})),
            put(1, "todos", "x", json!({"description": "2"})),
        ],
    )
    .await
    .unwrap();
    assert_eq!(persister.write_statements() - before, 2);
    assert_eq!(
        db.sql("SELECT description FROM todos WHERE id = 'x'"),
        "2\n"
    );
}

#[tokio::test]
async fn failing_grouped_statement_is_located_and_nothing_is_written() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let entries = vec![
        put(0, "todos", "a", json!({"description": "ok", "rank": 1})),
        put(1, "todos", "b", json!({"description": "ok", "rank": 2})),
        put(
            2,
            "todos",
            "c",
            json!({"description": "bad", "rank": "not a number"}),
        ),
        put(3, "todos", "d", json!({"description": "ok", "rank": 4})),
    ];
    let error = apply(&persister, &entries).await.unwrap_err();
    match &error {
        DbError::Database {
            operation_index, ..
        } => assert_eq!(*operation_index, Some(2), "{error:?}"),
        DbError::InvalidValue {
            operation_index, ..
        } => assert_eq!(*operation_index, 2, "{error:?}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(db.sql("SELECT COUNT(*) FROM todos"), "0\n");
}

#[tokio::test]
async fn put_colliding_on_another_unique_key_is_refused_and_the_other_row_untouched() {
    let db = database();
    db.sql(
        "CREATE TABLE users (id VARCHAR(64) PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE, \
         name TEXT) ENGINE=InnoDB",
    );
    db.sql("INSERT INTO users VALUES ('u1', 'a@example.com', 'first')");
    let persister = db.persister().await;
    for entries in [
        // Alone, and inside a group (located at its entry).
        vec![put(
            0,
            "users",
            "u2",
            json!({"email": "a@example.com", "name": "second"}),
        )],
        vec![
            put(
                0,
                "users",
                "u3",
                json!({"email": "c@example.com", "name": "third"}),
            ),
            put(
                1,
                "users",
                "u2",
                json!({"email": "a@example.com", "name": "second"}),
            ),
        ],
    ] {
        let index = entries.len() - 1;
        let error = apply(&persister, &entries).await.unwrap_err();
        match &error {
            DbError::Database {
                code,
                table,
                operation_index,
                message,
                ..
            } => {
                assert_eq!(code, "1062", "{error:?}");
                assert_eq!(table.as_deref(), Some("users"));
                assert_eq!(*operation_index, Some(index));
                assert!(message.contains("unique key"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            db.sql("SELECT id, email, name FROM users ORDER BY id"),
            "u1\ta@example.com\tfirst\n"
        );
    }
    // The row's own key still upserts.
    apply(
        &persister,
        &[put(
            0,
            "users",
            "u1",
            json!({"email": "a@example.com", "name": "renamed"}),
        )],
    )
    .await
    .unwrap();
    assert_eq!(db.sql("SELECT name FROM users"), "renamed\n");
}

#[tokio::test]
async fn ledger_answers_replays_as_duplicates_and_writes_nothing() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let options = Apply {
        idempotency: Some(("client-a", 10)),
        ..Apply::default()
    };
    let entries = [put(0, "todos", "a", json!({"rank": 1}))];
    assert_eq!(
        apply_with(&persister, &schema, &entries, &options).await,
        WRITTEN
    );
    db.sql("UPDATE todos SET `rank` = 2");
    let before = persister.write_statements();
    assert_eq!(
        apply_with(&persister, &schema, &entries, &options).await,
        Ok(Applied::Duplicate)
    );
    assert_eq!(persister.write_statements(), before);
    assert_eq!(db.sql("SELECT `rank` FROM todos"), "2\n");
    // An older op id is a replay too; a newer one is applied.
    let older = Apply {
        idempotency: Some(("client-a", 9)),
        ..Apply::default()
    };
    assert_eq!(
        apply_with(&persister, &schema, &entries, &older).await,
        Ok(Applied::Duplicate)
    );
    let newer = Apply {
        idempotency: Some(("client-a", 11)),
        ..Apply::default()
    };
    let next = [put(0, "todos", "b", json!({"rank": 3}))];
    assert_eq!(
        apply_with(&persister, &schema, &next, &newer).await,
        WRITTEN
    );
    // The ledger is keyed by the subject too: another user with the same client id.
    let other = Apply {
        subject: "user-2",
        idempotency: Some(("client-a", 10)),
        ..Apply::default()
    };
    let theirs = [put(0, "todos", "c", json!({"rank": 4}))];
    assert_eq!(
        apply_with(&persister, &schema, &theirs, &other).await,
        WRITTEN
    );
    assert_eq!(db.sql("SELECT id FROM todos ORDER BY id"), "a\nb\nc\n");
}

#[tokio::test]
async fn failed_transaction_leaves_the_ledger_unclaimed() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let options = Apply {
        idempotency: Some(("client-a", 5)),
        ..Apply::default()
    };
    let bad = [put(0, "todos", "a", json!({"rank": "x"}))];
    assert!(
        apply_with(&persister, &schema, &bad, &options)
            .await
            .is_err()
    );
    let good = [put(0, "todos", "a", json!({"rank": 1}))];
    assert_eq!(
        apply_with(&persister, &schema, &good, &options).await,
        WRITTEN
    );
}

#[tokio::test]
async fn write_checkpoints_increase_per_user_and_client() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    let entries = [put(0, "todos", "a", json!({"rank": 1}))];
    let at = |user, client| Apply {
        checkpoint: Some((user, client)),
        ..Apply::default()
    };
    let checkpoint = |applied: Result<Applied, DbError>| match applied {
        Ok(Applied::Written { write_checkpoint }) => write_checkpoint,
        other => panic!("{other:?}"),
    };
    let first = checkpoint(apply_with(&persister, &schema, &entries, &at("u", "c")).await);
    let second = checkpoint(apply_with(&persister, &schema, &entries, &at("u", "c")).await);
    let other = checkpoint(apply_with(&persister, &schema, &entries, &at("u", "d")).await);
    assert_eq!(first, Some(1));
    assert_eq!(second, Some(2));
    assert_eq!(other, Some(1));
}

fn letter(subject: &str, client: &str, op: i64) -> NewDeadLetter {
    NewDeadLetter {
        subject: subject.to_string(),
        client_id: Some(client.to_string()),
        transaction: json!({"crud": [{"op": "PUT", "id": "a"}]}),
        error_code: "UNIQUE_VIOLATION".to_string(),
        error_message: "duplicate ✓".to_string(),
        error_details: json!({"code": "1062"}),
        operation_index: 3,
        idempotency: Some((client.to_string(), op)),
    }
}

#[tokio::test]
async fn dead_letters_roundtrip_and_advance_the_ledger() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let stored = letter("user-1", "client-a", 7);
    let id = persister.store_dead_letter(&stored).await.unwrap();
    let second = persister
        .store_dead_letter(&letter("user-2", "client-a", 8))
        .await
        .unwrap();
    let got = persister.get_dead_letter(&id).await.unwrap().unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.letter, stored);
    assert!(
        got.created_at.ends_with('Z') && got.created_at.contains('T'),
        "{}",
        got.created_at
    );
    let listed = persister.list_dead_letters(10).await.unwrap();
    let ids: Vec<_> = listed.iter().map(|l| l.id.clone()).collect();
    assert_eq!(ids, vec![id.clone(), second.clone()]);
    assert_eq!(persister.list_dead_letters(1).await.unwrap().len(), 1);
    let found = persister
        .find_dead_letter("user-1", "client-a", 7)
        .await
        .unwrap();
    assert_eq!(found.map(|l| l.id), Some(id.clone()));
    // Another user's letter is never found under the same client id.
    assert!(
        persister
            .find_dead_letter("user-2", "client-a", 7)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        persister
            .find_dead_letter("user-1", "client-a", 8)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        persister
            .get_dead_letter("not-a-uuid")
            .await
            .unwrap()
            .is_none()
    );
    // The ledger moved past the dead letter: a replay is a duplicate.
    let schema = persister.introspect().await.unwrap();
    let options = Apply {
        idempotency: Some(("client-a", 7)),
        ..Apply::default()
    };
    let entries = [put(0, "todos", "a", json!({"rank": 1}))];
    assert_eq!(
        apply_with(&persister, &schema, &entries, &options).await,
        Ok(Applied::Duplicate)
    );
    assert!(persister.delete_dead_letter(&id).await.unwrap());
    assert!(!persister.delete_dead_letter(&id).await.unwrap());
    assert!(persister.get_dead_letter(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn migrate_is_idempotent_and_safe_concurrently_and_reports_the_version() {
    let db = database();
    let persister = db.persister().await;
    persister.migrate().await.unwrap();
    let tables = persister.runtime_tables().await.unwrap();
    assert_eq!(tables.recorded_version, Some(version::SCHEMA_VERSION));
    assert!(tables.ledger_has_subject);
    assert_eq!(tables.check(), Ok(()));

    let fresh = database();
    let persisters: Vec<_> = (0..4)
        .map(|_| {
            powersync_write_server::persist::mysql::MysqlPersister::from_url(&fresh.url()).unwrap()
        })
        .collect();
    let results = futures_util::future::join_all(persisters.iter().map(|p| p.migrate())).await;
    for result in results {
        result.unwrap();
    }
    assert_eq!(
        persisters[0].runtime_tables().await.unwrap().check(),
        Ok(())
    );
    // The runtime's tables are InnoDB and utf8mb4, and not introspected as user tables.
    assert_eq!(
        fresh.sql(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND ENGINE = 'InnoDB' AND TABLE_COLLATION LIKE 'utf8mb4%'"
        ),
        "4\n"
    );
    assert!(persisters[0].introspect().await.unwrap().tables.is_empty());
    // A newer version is refused.
    fresh.sql("UPDATE powersync_write_schema_version SET version = 99");
    match persisters[0].migrate().await {
        Err(DbError::RuntimeTables { message }) => assert!(message.contains("99"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn missing_runtime_tables_are_reported_as_such() {
    let db = database();
    let persister =
        powersync_write_server::persist::mysql::MysqlPersister::from_url(&db.url()).unwrap();
    let tables = persister.runtime_tables().await.unwrap();
    assert!(tables.present.is_empty());
    assert!(persister.list_dead_letters(1).await.is_err());
}

#[tokio::test]
async fn identifiers_with_backticks_and_odd_names_are_quoted() {
    let db = database();
    db.sql(
        "CREATE TABLE `we``ird table` (`key col` VARCHAR(20) PRIMARY KEY, `a``b` TEXT, \
         `select` INT) ENGINE=InnoDB",
    );
    let persister = db.persister().await;
    let mut first = put(0, "we`ird table", "k1", json!({"a`b": "x", "select": 1}));
    first.key_column = "key col".to_string();
    let mut second = put(1, "we`ird table", "k2", json!({"a`b": "y", "select": 2}));
    second.key_column = "key col".to_string();
    let mut gone = delete(2, "we`ird table", "k1");
    gone.key_column = "key col".to_string();
    let mut changed = patch(3, "we`ird table", "k2", json!({"select": 5}));
    changed.key_column = "key col".to_string();
    apply(&persister, &[first, second, gone, changed])
        .await
        .unwrap();
    assert_eq!(
        db.sql("SELECT `key col`, `a``b`, `select` FROM `we``ird table`"),
        "k2\ty\t5\n"
    );
    // A column that is not in the schema never reaches SQL.
    let mut hostile = put(0, "we`ird table", "k3", json!({"x`; DROP TABLE t; --": 1}));
    hostile.key_column = "key col".to_string();
    match apply(&persister, &[hostile]).await {
        Err(DbError::Database { code, column, .. }) => {
            assert_eq!(code, "1054");
            assert_eq!(column.as_deref(), Some("x`; DROP TABLE t; --"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_url_without_a_database_is_refused_clearly() {
    let url = throwaway_servers::mariadb::shared().url("");
    match powersync_write_server::persist::mysql::MysqlPersister::from_url(&url) {
        Err(DbError::Connection { message }) => {
            assert!(message.contains("no database"), "{message}")
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("accepted {url}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let persister = powersync_write_server::persist::mysql::MysqlPersister::from_url(&format!(
        "mysql://root@127.0.0.1:{port}/x"
    ))
    .unwrap();
    assert!(matches!(
        persister.ping().await,
        Err(DbError::Connection { .. })
    ));
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
                "INSERT INTO audit (who, row_id, n, ok, score) VALUES (?, ?, ?, ?, ?)",
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
                "SELECT who, n, ok, score, amount, uid FROM audit WHERE row_id = ?",
                &[SqlParam::Text(entry.id.clone())],
            )
            .await?;
        assert_eq!(read.len(), 1);
        assert_eq!(read[0]["who"], json!("user-1"));
        assert_eq!(read[0]["n"], json!(7));
        assert_eq!(read[0]["ok"], json!(1));
        assert_eq!(read[0]["score"], json!(1.5));
        assert_eq!(read[0]["amount"], json!("-1234.5600"));
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
    let db = database();
    db.sql(TODOS);
    db.sql(
        "CREATE TABLE audit (who TEXT, row_id TEXT, n INT, ok BOOLEAN, score DOUBLE, \
         amount DECIMAL(10, 4) DEFAULT -1234.56, uid CHAR(36)) ENGINE=InnoDB",
    );
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
    assert_eq!(
        apply_with(&persister, &schema, &entries, &options).await,
        WRITTEN
    );
    assert_eq!(
        db.sql("SELECT id, IFNULL(description, 'NULL') FROM todos ORDER BY id"),
        "a\tNULL\nb\tNULL\nh1\tvia handler\n"
    );
    assert_eq!(db.sql("SELECT row_id FROM audit"), "h1\n");

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
    assert_eq!(db.sql("SELECT COUNT(*) FROM todos"), "3\n");
    assert_eq!(db.sql("SELECT COUNT(*) FROM audit"), "1\n");
}

/// Writes its row, then never finishes (a request whose client went away).
struct Stuck;

#[async_trait]
impl TableHandler for Stuck {
    async fn handle(
        &self,
        _principal: &Principal,
        _entry: &CrudEntry,
        mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        let mut target = mapped.clone();
        target.table = "todos".to_string();
        db.apply_default(&target).await?;
        std::future::pending::<()>().await;
        Ok(())
    }
}

/// A migrated persister with a pool of one connection, and the schema.
async fn one_connection(
    db: &mysql_support::TestDb,
) -> (
    powersync_write_server::persist::mysql::MysqlPersister,
    powersync_write_server::schema::DatabaseSchema,
) {
    let mut config = powersync_write_server::persist::mysql::MysqlConfig::new(db.url());
    config.pool_size = 1;
    let persister = db.persister_with(config).await;
    let schema = persister.introspect().await.unwrap();
    (persister, schema)
}

#[tokio::test]
async fn a_dropped_transaction_is_rolled_back_before_its_connection_is_reused() {
    let db = database();
    db.sql(TODOS);
    // One connection: the next transaction gets the very one that was abandoned.
    let (persister, schema) = one_connection(&db).await;
    let mut handlers = HandlerRegistry::default();
    handlers.register("stuck", Arc::new(Stuck));
    let options = Apply {
        handlers,
        ..Apply::default()
    };
    let mut stuck = put(0, "todos", "abandoned", json!({}));
    stuck.client_table = "stuck".to_string();
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        apply_with(&persister, &schema, &[stuck], &options),
    )
    .await;
    assert!(abandoned.is_err(), "the handler never finishes");
    let next = [put(0, "todos", "next", json!({}))];
    assert_eq!(
        apply_with(&persister, &schema, &next, &Apply::default()).await,
        WRITTEN
    );
    assert_eq!(db.sql("SELECT id FROM todos"), "next\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replays_apply_once() {
    let db = database();
    db.sql(TODOS);
    let persister = Arc::new(db.persister().await);
    let schema = Arc::new(persister.introspect().await.unwrap());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (persister, schema) = (persister.clone(), schema.clone());
            tokio::spawn(async move {
                let options = Apply {
                    idempotency: Some(("client-a", 3)),
                    ..Apply::default()
                };
                let entries = [
                    put(0, "todos", "a", json!({"rank": 1})),
                    patch(1, "todos", "a", json!({"rank": 2})),
                ];
                apply_with(&persister, &schema, &entries, &options).await
            })
        })
        .collect();
    let mut written = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(Applied::Written { .. }) => written += 1,
            Ok(Applied::Duplicate) => {}
            Err(error) => panic!("{error:?}"),
        }
    }
    assert_eq!(written, 1);
    assert_eq!(db.sql("SELECT `rank` FROM todos"), "2\n");
    assert_eq!(
        db.sql("SELECT subject, client_id, last_op_id FROM powersync_write_ledger"),
        "user-1\tclient-a\t3\n"
    );
}

/// A transaction of unguarded writes travels as one script with its values written
/// into the SQL text (persist/mysql/script.rs): every value reaches the server
/// exactly, whatever it holds (quotes, backslashes, NUL, `?`, SQL, non-UTF-8 bytes,
/// extreme doubles), and a `?` in an identifier is no placeholder. Compared as HEX()
/// and as the server prints doubles, so no byte or bit can differ unseen.
#[tokio::test]
async fn script_literals_carry_every_value_exactly() {
    let db = database();
    db.sql(
        "CREATE TABLE `q?t` (id VARCHAR(64) PRIMARY KEY, `what?` TEXT, bin BLOB, \
         d DOUBLE, n DECIMAL(40,20)) ENGINE=InnoDB",
    );
    let persister = db.persister().await;
    let hostile = "it's \\' \"q\" \0 \u{1a} \n ?, ? 🦀 ' OR 1=1; -- `x`";
    let rows = [
        ("a", 0.1, "12345678901234567890.12345678901234567890"),
        ("b", 1e300, "-0.00000000000000000001"),
        ("c", -2.5e-300, "0"),
        ("d", 5e-324, "99999999999999999999.99999999999999999999"),
    ];
    let entries: Vec<MappedEntry> = rows
        .iter()
        .enumerate()
        .map(|(i, (id, d, n))| {
            put(
                i,
                "q?t",
                id,
                json!({"what?": format!("{hostile}{i}"), "bin": "\\xff00275c22", "d": d, "n": n}),
            )
        })
        .collect();
    apply(&persister, &entries).await.unwrap();
    let mut expected = String::new();
    for (i, (id, d, n)) in rows.iter().enumerate() {
        let text: String = format!("{hostile}{i}")
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect();
        expected.push_str(&format!("{id}\t{text}\tFF00275C22\t{d:e}\t{n}\n"));
    }
    let stored = db.sql("SELECT id, HEX(`what?`), HEX(bin), d, n FROM `q?t` ORDER BY id");
    // The server prints doubles in its own notation: read them back as f64.
    let normalized: String = stored
        .lines()
        .map(|line| {
            let mut fields: Vec<String> = line.split('\t').map(str::to_string).collect();
            fields[3] = format!("{:e}", fields[3].parse::<f64>().unwrap());
            let n: &str = &fields[4];
            let n = n.trim_end_matches('0').trim_end_matches('.');
            fields[4] = if n.is_empty() || n == "-" {
                "0".into()
            } else {
                n.into()
            };
            fields.join("\t") + "\n"
        })
        .collect();
    let expected: String = expected
        .lines()
        .map(|line| {
            let mut fields: Vec<String> = line.split('\t').map(str::to_string).collect();
            let n: &str = &fields[4];
            let n = if n.contains('.') {
                n.trim_end_matches('0').trim_end_matches('.')
            } else {
                n
            };
            fields[4] = n.to_string();
            fields.join("\t") + "\n"
        })
        .collect();
    assert_eq!(normalized, expected);
}

/// A script that fails part way is rolled back before its connection serves the next
/// transaction: on a pool of one connection, the earlier statements of a failed
/// transaction are not committed by the next one's START TRANSACTION (which commits
/// whatever transaction is open).
#[tokio::test]
async fn a_failed_script_leaves_nothing_for_the_next_transaction_to_commit() {
    let db = database();
    db.sql(TODOS);
    let (persister, schema) = one_connection(&db).await;
    // Two statements (PATCH is never grouped): the second fails in the server.
    let failing = [
        put(
            0,
            "todos",
            "first",
            json!({"description": "written, then rolled back"}),
        ),
        patch(1, "todos", "first", json!({"rank": null})),
    ];
    let options = Apply {
        idempotency: Some(("client-1", 7)),
        ..Apply::default()
    };
    let error = apply_with(&persister, &schema, &failing, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DbError::Database { code, operation_index: Some(1), .. } if code == "1048"),
        "{error:?}"
    );
    let next = [put(0, "todos", "next", json!({}))];
    assert_eq!(
        apply_with(&persister, &schema, &next, &Apply::default()).await,
        WRITTEN
    );
    assert_eq!(db.sql("SELECT id FROM todos"), "next\n");
    assert_eq!(
        db.sql("SELECT COUNT(*) FROM powersync_write_ledger"),
        "0\n",
        "the failed transaction's ledger claim was committed"
    );
}

/// Twenty todos `row0`..`row19` of 60 kB descriptions (under TEXT's 64 KiB) in
/// alternating shapes: one statement per entry, about 120 kB of literal each, 2.4 MB
/// in all.
fn big_rows() -> Vec<MappedEntry> {
    let big = "x".repeat(60_000);
    (0..20)
        .map(|i| {
            let data = if i % 2 == 0 {
                json!({"description": format!("{big}{i}")})
            } else {
                json!({"description": format!("{big}{i}"), "done": true})
            };
            put(i, "todos", &format!("row{i}"), data)
        })
        .collect()
}

/// A script longer than one piece (`script::PIECE_BYTES`, 1 MiB) is sent in pieces,
/// one transaction across them: a failure in the last piece leaves nothing of the
/// earlier ones, and without it every row arrives whole.
#[tokio::test]
async fn a_script_sent_in_pieces_is_still_one_transaction() {
    let db = database();
    db.sql(TODOS);
    let persister = db.persister().await;
    let entries = |last_rank: Value| -> Vec<MappedEntry> {
        let mut entries = big_rows();
        entries.push(put(20, "todos", "last", json!({"rank": last_rank})));
        entries
    };
    let error = apply(&persister, &entries(Value::Null)).await.unwrap_err();
    assert!(
        matches!(&error, DbError::Database { code, operation_index: Some(20), .. } if code == "1048"),
        "{error:?}"
    );
    assert_eq!(db.sql("SELECT COUNT(*) FROM todos"), "0\n");
    apply(&persister, &entries(json!(1))).await.unwrap();
    assert_eq!(
        db.sql("SELECT COUNT(*), MIN(LENGTH(description)), MAX(LENGTH(description)) FROM todos WHERE id LIKE 'row%'"),
        "20\t60001\t60002\n"
    );
}

/// On a server whose `max_allowed_packet` is below the 1 MiB pieces (here 512 KiB),
/// the pieces of a script shrink to fit: a transaction of 2.4 MB in many statements
/// of 120 kB is written whole, where a piece of 1 MiB would be refused.
#[tokio::test]
async fn script_pieces_fit_a_small_max_allowed_packet() {
    use powersync_write_server::persist::mysql::{MysqlConfig, MysqlPersister};

    let server = throwaway_servers::mariadb::Server::start(&["--max-allowed-packet=512K"])
        .expect("a private MariaDB");
    server
        .sql(&format!(
            "CREATE DATABASE d; USE d; {TODOS}; \
             CREATE TABLE notes (id VARCHAR(64) PRIMARY KEY, body LONGTEXT) ENGINE=InnoDB"
        ))
        .unwrap();
    let persister = MysqlPersister::new(MysqlConfig::new(server.url("d"))).expect("persister");
    let schema = persister.introspect().await.expect("introspect");
    assert_eq!(
        apply_with(&persister, &schema, &big_rows(), &Apply::default()).await,
        WRITTEN
    );
    assert_eq!(
        server
            .sql("SELECT COUNT(*), SUM(LENGTH(description)) FROM d.todos WHERE id LIKE 'row%'")
            .unwrap(),
        "20\t1200030\n"
    );
    // Six rows of one shape make one statement of 720 kB, over the limit: the
    // transaction is run again entry by entry, on a working connection, and written.
    let big = "y".repeat(60_000);
    let grouped: Vec<MappedEntry> = (0..6)
        .map(|i| {
            put(
                i,
                "todos",
                &format!("grouped{i}"),
                json!({"description": big}),
            )
        })
        .collect();
    assert_eq!(
        apply_with(&persister, &schema, &grouped, &Apply::default()).await,
        WRITTEN
    );
    // One row over the limit cannot be cut: it is the transaction's fatal failure,
    // never a retry that would fail forever.
    let huge = [put(
        0,
        "notes",
        "huge",
        json!({"body": "z".repeat(600_000)}),
    )];
    let error = apply_with(&persister, &schema, &huge, &Apply::default())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("max_allowed_packet"),
        "{error:?}"
    );
    let failure = DefaultClassifier::default().classify(&error, 0);
    assert!(matches!(failure, Failure::Fatal { .. }), "{failure:?}");
    assert_eq!(
        apply_with(
            &persister,
            &schema,
            &[put(0, "todos", "after", json!({}))],
            &Apply::default()
        )
        .await,
        WRITTEN,
        "the connection serves the next transaction"
    );
}
