//! Every row of the PostgreSQL classification table, provoked on a real server, and
//! a connection killed in the middle of a transaction.

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use powersync_write_api::models::CrudEntry;
use powersync_write_server::classify::DefaultClassifier;
use powersync_write_server::failure::{Failure, codes};
use powersync_write_server::hooks::{ErrorClassifier, HandlerRegistry, SqlExecutor, TableHandler};
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::persist::{Applied, Persister};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry};
use serde_json::{Value, json};
use support::postgres::{Apply, TestDb, apply, apply_with, database, patch, put, rows};
use tokio::sync::{Notify, mpsc};

fn classify(error: &DbError) -> Failure {
    DefaultClassifier::default().classify(error, 0)
}

/// Asserts a fatal failure with `code` at `index`, and that the database said `sqlstate`.
fn assert_fatal(
    result: Result<Applied, DbError>,
    sqlstate: &str,
    code: &str,
    index: usize,
) -> DbError {
    let error = result.expect_err("the transaction must fail");
    match &error {
        DbError::Database { code: state, .. } => assert_eq!(state, sqlstate, "{error:?}"),
        other => panic!("expected a database error {sqlstate}, got {other:?}"),
    }
    match classify(&error) {
        Failure::Fatal(failure) => {
            assert_eq!(
                (failure.code.as_str(), failure.operation_index),
                (code, index),
                "{failure:?}"
            );
        }
        other => panic!("expected fatal {code}, got {other:?}"),
    }
    error
}

fn assert_retryable(error: &DbError) {
    assert!(
        matches!(classify(error), Failure::Retryable { .. }),
        "{error:?} must be retryable"
    );
}

fn sqlstate(error: &DbError) -> &str {
    match error {
        DbError::Database { code, .. } => code,
        _ => "",
    }
}

async fn count(db: &TestDb, table: &str) -> String {
    let client = db.client().await;
    let found = rows(&client, &format!("SELECT count(*)::text FROM {table}")).await;
    found[0][0].clone().unwrap_or_default()
}

#[tokio::test]
async fn constraint_violations() {
    let db = database().await;
    db.sql(
        "CREATE TABLE lists (id text PRIMARY KEY);
         CREATE TABLE todos (
             id text PRIMARY KEY,
             title text NOT NULL DEFAULT 'untitled',
             list_id text REFERENCES lists (id),
             email text UNIQUE,
             n integer CHECK (n > 0),
             code text,
             EXCLUDE USING btree (code WITH =));
         CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
         CREATE TABLE scores (id text PRIMARY KEY, score positive)",
    )
    .await;
    let persister = db.persister().await;
    apply(
        &persister,
        &[
            put(0, "lists", "l1", json!({})),
            put(1, "todos", "seed", json!({"email": "e", "code": "c"})),
        ],
    )
    .await
    .unwrap();
    let ok = |i: usize| put(i, "todos", &format!("ok{i}"), json!({"n": 1}));

    let error = assert_fatal(
        apply(
            &persister,
            &[ok(0), put(1, "todos", "a", json!({"title": null}))],
        )
        .await,
        "23502",
        codes::NOT_NULL_VIOLATION,
        1,
    );
    assert!(
        matches!(error, DbError::Database { ref column, ref table, .. }
        if column.as_deref() == Some("title") && table.as_deref() == Some("todos"))
    );
    let error = assert_fatal(
        apply(
            &persister,
            &[ok(0), put(1, "todos", "a", json!({"list_id": "missing"}))],
        )
        .await,
        "23503",
        codes::FOREIGN_KEY_VIOLATION,
        1,
    );
    assert!(
        matches!(error, DbError::Database { ref constraint, .. } if constraint.as_deref() == Some("todos_list_id_fkey"))
    );
    assert_fatal(
        apply(
            &persister,
            &[ok(0), put(1, "todos", "a", json!({"email": "e"}))],
        )
        .await,
        "23505",
        codes::UNIQUE_VIOLATION,
        1,
    );
    assert_fatal(
        apply(&persister, &[ok(0), put(1, "todos", "a", json!({"n": 0}))]).await,
        "23514",
        codes::CHECK_VIOLATION,
        1,
    );
    assert_fatal(
        apply(&persister, &[put(0, "scores", "s", json!({"score": -1}))]).await,
        "23514",
        codes::CHECK_VIOLATION,
        0,
    );
    assert_fatal(
        apply(
            &persister,
            &[ok(0), ok(1), put(2, "todos", "a", json!({"code": "c"}))],
        )
        .await,
        "23P01",
        codes::CONSTRAINT_VIOLATION,
        2,
    );
    assert_eq!(count(&db, "todos").await, "1");
}

#[tokio::test]
async fn invalid_data_from_the_database() {
    let db = database().await;
    db.sql("CREATE TABLE t (id text PRIMARY KEY, short varchar(3), small numeric(3, 1))")
        .await;
    let persister = db.persister().await;
    assert_fatal(
        apply(
            &persister,
            &[
                put(0, "t", "a", json!({"short": "abc"})),
                put(1, "t", "b", json!({"short": "abcd"})),
            ],
        )
        .await,
        "22001",
        codes::INVALID_DATA,
        1,
    );
    assert_fatal(
        apply(&persister, &[put(0, "t", "a", json!({"small": "100"}))]).await,
        "22003",
        codes::INVALID_DATA,
        0,
    );
    assert_eq!(count(&db, "t").await, "0");
}

#[tokio::test]
async fn permission_and_row_level_security_refusals_are_unauthorized() {
    let db = database().await;
    let role = format!("{}_app", db.name);
    db.sql(&format!(
        "CREATE TABLE todos (id text PRIMARY KEY, title text);
         CREATE TABLE notes (id text PRIMARY KEY, owner text NOT NULL);
         ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
         CREATE ROLE {role} LOGIN;
         CREATE POLICY own ON notes TO {role} USING (owner = current_user) WITH CHECK (owner = current_user);
         GRANT SELECT ON todos TO {role};
         GRANT ALL ON notes TO {role};"
    ))
    .await;
    // The runtime tables exist (created by an administrator) and the role may use them.
    db.persister().await;
    db.sql(&format!(
        "GRANT ALL ON powersync_write_ledger, powersync_write_checkpoints TO {role}"
    ))
    .await;
    let persister = PostgresPersister::from_url(&db.url_as(&role)).unwrap();
    assert_fatal(
        apply(&persister, &[put(0, "todos", "a", json!({"title": "x"}))]).await,
        "42501",
        codes::UNAUTHORIZED,
        0,
    );
    assert_fatal(
        apply(
            &persister,
            &[
                put(0, "notes", "mine", json!({"owner": role})),
                put(1, "notes", "theirs", json!({"owner": "someone"})),
            ],
        )
        .await,
        "42501",
        codes::UNAUTHORIZED,
        1,
    );
    assert_eq!(count(&db, "notes").await, "0");
    apply(
        &persister,
        &[put(0, "notes", "mine", json!({"owner": role}))],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_stale_schema_is_a_schema_mismatch() {
    let db = database().await;
    db.sql("CREATE TABLE todos (id text PRIMARY KEY, title text, gone text)")
        .await;
    let persister = db.persister().await;
    let stale = persister.introspect().await.unwrap();
    db.sql("ALTER TABLE todos DROP COLUMN gone").await;
    let entries = [
        put(0, "todos", "a", json!({"title": "x"})),
        put(1, "todos", "b", json!({"gone": "x"})),
    ];
    assert_fatal(
        apply_with(&persister, &stale, &entries, &Apply::default()).await,
        "42703",
        codes::SCHEMA_MISMATCH,
        1,
    );
    db.sql("DROP TABLE todos").await;
    assert_fatal(
        apply_with(&persister, &stale, &entries[..1], &Apply::default()).await,
        "42P01",
        codes::SCHEMA_MISMATCH,
        0,
    );
}

/// A custom handler that reports its backend pid, optionally runs `before`, waits
/// for the test's go, then runs `after`: the test acts while the transaction is open.
struct Pause {
    before: Option<&'static str>,
    after: Option<&'static str>,
    ready: mpsc::UnboundedSender<i32>,
    go: Arc<Notify>,
}

#[async_trait]
impl TableHandler for Pause {
    async fn handle(
        &self,
        _principal: &Principal,
        _entry: &CrudEntry,
        _mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        if let Some(sql) = self.before {
            db.execute(sql, &[]).await?;
        }
        let pid = db.query("SELECT pg_backend_pid() AS pid", &[]).await?;
        let pid = pid
            .first()
            .and_then(|row| row.get("pid"))
            .and_then(Value::as_i64)
            .unwrap_or_default();
        let _ = self.ready.send(pid as i32);
        self.go.notified().await;
        if let Some(sql) = self.after {
            db.execute(sql, &[]).await?;
        }
        Ok(())
    }
}

struct Paused {
    ready: mpsc::UnboundedReceiver<i32>,
    go: Arc<Notify>,
    result: tokio::task::JoinHandle<Result<Applied, DbError>>,
}

impl Paused {
    async fn pid(&mut self) -> i32 {
        tokio::time::timeout(Duration::from_secs(20), self.ready.recv())
            .await
            .expect("the handler did not start")
            .expect("the handler is gone")
    }

    async fn finish(self) -> Result<Applied, DbError> {
        self.go.notify_one();
        tokio::time::timeout(Duration::from_secs(30), self.result)
            .await
            .expect("apply hangs")
            .expect("apply panicked")
    }
}

/// Applies `entries` in the background; entries whose client table is `pause` go to
/// a [`Pause`] handler.
fn apply_paused(
    persister: &Arc<PostgresPersister>,
    schema: &Arc<DatabaseSchema>,
    entries: Vec<MappedEntry>,
    before: Option<&'static str>,
    after: Option<&'static str>,
) -> Paused {
    let (ready_tx, ready) = mpsc::unbounded_channel();
    let go = Arc::new(Notify::new());
    let mut handlers = HandlerRegistry::default();
    handlers.register(
        "pause",
        Arc::new(Pause {
            before,
            after,
            ready: ready_tx,
            go: go.clone(),
        }),
    );
    let (persister, schema) = (persister.clone(), schema.clone());
    let result = tokio::spawn(async move {
        let options = Apply {
            handlers,
            ..Apply::default()
        };
        apply_with(&persister, &schema, &entries, &options).await
    });
    Paused { ready, go, result }
}

fn pause(operation_index: usize) -> MappedEntry {
    let mut entry = put(operation_index, "counters", "x", json!({}));
    entry.client_table = "pause".to_string();
    entry
}

async fn wait_for(client: &tokio_postgres::Client, sql: &str) {
    for _ in 0..200 {
        if !client
            .query(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
            .is_empty()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for: {sql}");
}

const COUNTERS: &str = "CREATE TABLE counters (id text PRIMARY KEY, n integer NOT NULL DEFAULT 0);
                        INSERT INTO counters VALUES ('x', 0), ('y', 0)";

async fn persister_and_schema(db: &TestDb) -> (Arc<PostgresPersister>, Arc<DatabaseSchema>) {
    let persister = db.persister().await;
    let schema = persister.introspect().await.unwrap();
    (Arc::new(persister), Arc::new(schema))
}

#[tokio::test]
async fn connection_killed_mid_transaction_is_retryable_and_nothing_is_applied() {
    let db = database().await;
    db.sql(COUNTERS).await;
    let (persister, schema) = persister_and_schema(&db).await;
    let entries = vec![
        put(0, "counters", "new", json!({"n": 1})),
        pause(1),
        patch(2, "counters", "x", json!({"n": 5})),
    ];
    let mut paused = apply_paused(
        &persister,
        &schema,
        entries,
        None,
        Some("UPDATE counters SET n = 9 WHERE id = 'y'"),
    );
    let pid = paused.pid().await;
    let admin = db.client().await;
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap();
    wait_for(
        &admin,
        &format!("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = {pid})"),
    )
    .await;
    let error = paused.finish().await.unwrap_err();
    assert!(
        matches!(error, DbError::Connection { .. }) || sqlstate(&error) == "57P01",
        "expected a lost connection, got {error:?}"
    );
    assert_retryable(&error);
    assert_eq!(
        rows(&admin, "SELECT id, n::text FROM counters ORDER BY id").await,
        vec![
            vec![Some("x".into()), Some("0".into())],
            vec![Some("y".into()), Some("0".into())]
        ]
    );
    // The pool drops the dead connection; the next transaction works.
    let applied = apply_with(
        &persister,
        &schema,
        &[patch(0, "counters", "x", json!({"n": 1}))],
        &Apply::default(),
    )
    .await;
    assert!(
        matches!(applied, Ok(Applied::Written { .. })),
        "{applied:?}"
    );
}

#[tokio::test]
async fn backend_terminated_during_a_statement_is_57p01_retryable() {
    let db = database().await;
    db.sql(COUNTERS).await;
    let (persister, schema) = persister_and_schema(&db).await;
    let entries = vec![put(0, "counters", "new", json!({})), pause(1)];
    let mut paused = apply_paused(
        &persister,
        &schema,
        entries,
        None,
        Some("SELECT pg_sleep(30)"),
    );
    let pid = paused.pid().await;
    paused.go.notify_one();
    let admin = db.client().await;
    wait_for(
        &admin,
        &format!("SELECT 1 FROM pg_stat_activity WHERE pid = {pid} AND query LIKE '%pg_sleep%'"),
    )
    .await;
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap();
    let error = paused.finish().await.unwrap_err();
    assert_eq!(sqlstate(&error), "57P01", "{error:?}");
    assert_retryable(&error);
    assert_eq!(count(&db, "counters").await, "2");
}

#[tokio::test]
async fn serialization_failure_is_retryable() {
    let db = database().await;
    db.sql(COUNTERS).await;
    db.sql(&format!(
        "ALTER DATABASE {} SET default_transaction_isolation = 'repeatable read'",
        db.name
    ))
    .await;
    let (persister, schema) = persister_and_schema(&db).await;
    let entries = vec![pause(0), patch(1, "counters", "x", json!({"n": 2}))];
    let mut paused = apply_paused(
        &persister,
        &schema,
        entries,
        Some("SELECT count(*) FROM counters"),
        None,
    );
    paused.pid().await;
    db.sql("UPDATE counters SET n = 5 WHERE id = 'x'").await;
    let error = paused.finish().await.unwrap_err();
    assert_eq!(sqlstate(&error), "40001", "{error:?}");
    assert!(matches!(
        error,
        DbError::Database {
            operation_index: Some(1),
            ..
        }
    ));
    assert_retryable(&error);
}

#[tokio::test]
async fn deadlock_is_retryable() {
    let db = database().await;
    db.sql(COUNTERS).await;
    db.sql(&format!(
        "ALTER DATABASE {} SET deadlock_timeout = '100ms'",
        db.name
    ))
    .await;
    let (persister, schema) = persister_and_schema(&db).await;
    // The persister's transaction locks x, then (after the pause) wants y.
    let entries = vec![
        patch(0, "counters", "x", json!({"n": 1})),
        pause(1),
        patch(2, "counters", "y", json!({"n": 1})),
    ];
    let mut paused = apply_paused(&persister, &schema, entries, None, None);
    let pid = paused.pid().await;
    // Another transaction holds y and waits for x; it waits longer before checking for
    // deadlocks, so the persister's transaction is the one chosen to fail.
    let other = Arc::new(db.client().await);
    other
        .batch_execute(
            "SET deadlock_timeout = '20s'; BEGIN; UPDATE counters SET n = 7 WHERE id = 'y'",
        )
        .await
        .unwrap();
    let waiter = {
        let other = other.clone();
        tokio::spawn(async move {
            other
                .execute("UPDATE counters SET n = 7 WHERE id = 'x'", &[])
                .await
        })
    };
    let admin = db.client().await;
    wait_for(
        &admin,
        &format!("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> {pid} AND datname = current_database()"),
    )
    .await;
    let error = paused.finish().await.unwrap_err();
    assert_eq!(sqlstate(&error), "40P01", "{error:?}");
    assert!(matches!(
        error,
        DbError::Database {
            operation_index: Some(2),
            ..
        }
    ));
    assert_retryable(&error);
    waiter.await.unwrap().unwrap();
    other.batch_execute("COMMIT").await.unwrap();
    assert_eq!(
        rows(&admin, "SELECT n::text FROM counters ORDER BY id").await,
        vec![vec![Some("7".into())], vec![Some("7".into())]]
    );
}

#[tokio::test]
async fn lock_not_available_is_retryable() {
    let db = database().await;
    db.sql(COUNTERS).await;
    db.sql(&format!(
        "ALTER DATABASE {} SET lock_timeout = '200ms'",
        db.name
    ))
    .await;
    let (persister, schema) = persister_and_schema(&db).await;
    let holder = db.client().await;
    holder
        .batch_execute("BEGIN; SELECT * FROM counters WHERE id = 'x' FOR UPDATE")
        .await
        .unwrap();
    let entries = [
        put(0, "counters", "z", json!({})),
        patch(1, "counters", "x", json!({"n": 1})),
    ];
    let error = apply_with(&persister, &schema, &entries, &Apply::default())
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&error), "55P03", "{error:?}");
    assert_retryable(&error);
    holder.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(count(&db, "counters").await, "2");
}

#[tokio::test]
async fn statement_timeout_is_retryable() {
    let db = database().await;
    db.sql(COUNTERS).await;
    db.sql(&format!(
        "ALTER DATABASE {} SET statement_timeout = '200ms'",
        db.name
    ))
    .await;
    let (persister, schema) = persister_and_schema(&db).await;
    let entries = vec![put(0, "counters", "z", json!({})), pause(1)];
    let paused = apply_paused(
        &persister,
        &schema,
        entries,
        None,
        Some("SELECT pg_sleep(5)"),
    );
    let error = paused.finish().await.unwrap_err();
    assert_eq!(sqlstate(&error), "57014", "{error:?}");
    assert!(matches!(
        error,
        DbError::Database {
            operation_index: Some(1),
            ..
        }
    ));
    assert_retryable(&error);
    assert_eq!(count(&db, "counters").await, "2");
}

#[tokio::test]
async fn read_only_database_is_retryable() {
    let db = database().await;
    db.sql(COUNTERS).await;
    db.persister().await;
    db.sql(&format!(
        "ALTER DATABASE {} SET default_transaction_read_only = on",
        db.name
    ))
    .await;
    // New connections see the setting.
    let persister = PostgresPersister::from_url(&db.url()).unwrap();
    let error = apply(&persister, &[put(0, "counters", "z", json!({}))])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&error), "25006", "{error:?}");
    assert_retryable(&error);
    let letter = persister
        .store_dead_letter(&powersync_write_server::persist::NewDeadLetter {
            subject: "s".into(),
            client_id: None,
            transaction: json!({}),
            error_code: "X".into(),
            error_message: "m".into(),
            error_details: json!({}),
            operation_index: 0,
            idempotency: None,
        })
        .await
        .unwrap_err();
    assert_retryable(&letter);
}

#[tokio::test]
async fn too_many_connections_is_retryable() {
    let db = database().await;
    let role = format!("{}_limited", db.name);
    db.sql(&format!("CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
        .await;
    let persister = PostgresPersister::new(PostgresConfig::new(db.url_as(&role))).unwrap();
    let error = persister.ping().await.unwrap_err();
    assert_eq!(sqlstate(&error), "53300", "{error:?}");
    assert_retryable(&error);
}
