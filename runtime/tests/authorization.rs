//! Who may write what, on real SQLite, PostgreSQL and MariaDB: the `[authorization]` policies
//! (deny by default, owner column, parent owner, explicit allow and deny, the client
//! handling switch) and the idempotency ledger, which is keyed by the token's `sub`
//! and the client id, so another user cannot silence a device by reusing its id.
//!
//! Every scenario is an attack seen in review: another user's row changed, deleted,
//! taken over by PUT or moved to another owner, a todo moved into someone else's
//! list, a role raised on a table without a policy, and a ledger poisoned with
//! `op_id = i64::MAX`.

mod mysql_support;
mod support;

use std::path::PathBuf;
use std::sync::Arc;

use powersync_write_api::models::{
    CrudEntry, CrudTransaction, TransactionResult, UpdateType, WriteBatch,
};
use powersync_write_server::engine::{BatchPolicy, Engine, EngineConfig, Hooks};
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::SharedPersister;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::policy::{AuthorizationConfig, Policies};
use powersync_write_server::vocab::Principal;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

const ALICE: &str = "alice";
const BOB: &str = "bob";
const ALICE_LIST: &str = "00000000-0000-4000-8000-00000000a001";
const BOB_LIST: &str = "00000000-0000-4000-8000-00000000b001";
const ALICE_TODO: &str = "00000000-0000-4000-8000-00000000a101";
const BOB_TODO: &str = "00000000-0000-4000-8000-00000000b101";
const NEW_ID: &str = "00000000-0000-4000-8000-0000000000c1";

/// The example schema's policies: lists by `owner_id`, todos by their list.
const POLICIES: &str = powersync_write_server::policy::EXAMPLE_POLICIES;

// ---- the two databases ----

enum Db {
    Sqlite { _dir: TempDir, path: PathBuf },
    Postgres(support::postgres::TestDb),
    Mysql(mysql_support::TestDb),
}

/// A database with the runtime's tables, the example lists/todos and an
/// `app_users(id, role)` table that has no policy.
async fn sqlite() -> (Db, SharedPersister) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.db");
    let persister = SqlitePersister::open(&path, SqliteOptions::default())
        .await
        .expect("open");
    let db = Db::Sqlite { _dir: dir, path };
    let persister: SharedPersister = Arc::new(persister);
    prepare(&db, &persister).await;
    (db, persister)
}

async fn postgres() -> (Db, SharedPersister) {
    let test_db = support::postgres::database().await;
    let persister: SharedPersister = Arc::new(test_db.persister().await);
    let db = Db::Postgres(test_db);
    prepare(&db, &persister).await;
    (db, persister)
}

async fn mysql() -> (Db, SharedPersister) {
    let test_db = mysql_support::database();
    let persister: SharedPersister = Arc::new(test_db.persister().await);
    let db = Db::Mysql(test_db);
    prepare(&db, &persister).await;
    (db, persister)
}

/// The scenarios' SQL in MySQL's words: `||` concatenates (PIPES_AS_CONCAT), text
/// casts are to CHAR, and a TEXT key needs a length.
fn in_mysql(sql: &str) -> String {
    format!(
        "SET SESSION sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT'); {}",
        sql.replace("AS TEXT)", "AS CHAR)")
            .replace("id TEXT PRIMARY KEY", "id VARCHAR(255) PRIMARY KEY")
    )
}

async fn prepare(db: &Db, persister: &SharedPersister) {
    persister.migrate().await.expect("migrate");
    persister
        .create_example_schema()
        .await
        .expect("example schema");
    db.execute("CREATE TABLE app_users (id TEXT PRIMARY KEY, role TEXT)")
        .await;
}

impl Db {
    async fn execute(&self, sql: &str) {
        match self {
            Db::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|conn| conn.execute_batch(sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Db::Postgres(db) => db.sql(sql).await,
            Db::Mysql(db) => {
                db.sql(&in_mysql(sql));
            }
        }
    }

    /// The first column of every row, as text (`NULL` as "NULL").
    async fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            Db::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).expect("open");
                let mut stmt = conn.prepare(sql).expect("prepare");
                stmt.query_map([], |row| {
                    Ok(row
                        .get::<_, Option<String>>(0)?
                        .unwrap_or_else(|| "NULL".into()))
                })
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
            }
            Db::Postgres(db) => support::postgres::rows(&db.client().await, sql)
                .await
                .into_iter()
                .map(|row| row[0].clone().unwrap_or_else(|| "NULL".into()))
                .collect(),
            // The client prints NULL as `NULL`; one row a line, the first column.
            Db::Mysql(db) => db
                .sql(&in_mysql(sql))
                .lines()
                .map(|line| line.split('\t').next().unwrap_or_default().to_string())
                .collect(),
        }
    }
}

async fn engine(persister: &SharedPersister, policies: &str) -> Engine {
    let config: AuthorizationConfig = toml::from_str(policies).expect("policies");
    let policies = Policies::from_config(&config).expect("valid policies");
    Engine::new(
        persister.clone(),
        MappingConfig::default(),
        policies,
        Hooks::defaults(1_000),
        EngineConfig {
            batch_policy: BatchPolicy::Skip,
            // Every unknown table is looked up again at once (the attack below uses
            // one); the reload's rate limit has tests of its own.
            schema_reload_interval_ms: 0,
            ..EngineConfig::default()
        },
    )
    .await
    .expect("engine")
}

// ---- requests ----

fn entry(op: UpdateType, table: &str, id: &str, op_id: i64, data: Value) -> CrudEntry {
    CrudEntry {
        op,
        table: table.to_string(),
        id: id.to_string(),
        op_id: Some(op_id),
        transaction_id: None,
        op_data: data.as_object().cloned().map(Some),
        previous_values: None,
        metadata: None,
    }
}

fn put(table: &str, id: &str, op_id: i64, data: Value) -> CrudEntry {
    entry(UpdateType::Put, table, id, op_id, data)
}

fn patch(table: &str, id: &str, op_id: i64, data: Value) -> CrudEntry {
    entry(UpdateType::Patch, table, id, op_id, data)
}

fn delete(table: &str, id: &str, op_id: i64) -> CrudEntry {
    entry(UpdateType::Delete, table, id, op_id, Value::Null)
}

fn principal(subject: &str) -> Principal {
    Principal {
        subject: subject.to_string(),
        claims: Map::new(),
    }
}

/// One transaction of `crud` from `subject`'s device `client_id`.
async fn send(
    engine: &Engine,
    subject: &str,
    client_id: &str,
    crud: Vec<CrudEntry>,
) -> TransactionResult {
    let batch = WriteBatch {
        client_id: Some(client_id.to_string()),
        transactions: vec![
            CrudTransaction {
                transaction_id: None,
                crud,
            }
            .into(),
        ],
    };
    let mut results = engine.process(&principal(subject), &batch).await;
    assert_eq!(results.len(), 1);
    results.remove(0)
}

/// The result as (status, error code, operation index, table).
fn outcome(result: &TransactionResult) -> (String, String, i32, String) {
    match result {
        TransactionResult::Success(s) if s.duplicate == Some(true) => {
            ("duplicate".into(), String::new(), -1, String::new())
        }
        TransactionResult::Success(_) => ("success".into(), String::new(), -1, String::new()),
        TransactionResult::FatalError(f) => (
            if f.requires_client_handling {
                "client"
            } else {
                "dead letter"
            }
            .into(),
            f.failed_operation.error_code.clone(),
            f.failed_operation.operation_index.unwrap_or(-1),
            f.failed_operation
                .details
                .as_ref()
                .and_then(|d| d.get("table").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default(),
        ),
        TransactionResult::RetryableError(r) => (
            "retryable".into(),
            r.message.clone().unwrap_or_default(),
            -1,
            String::new(),
        ),
        TransactionResult::NotAttempted(_) => {
            ("not attempted".into(), String::new(), -1, String::new())
        }
    }
}

fn ok() -> (String, String, i32, String) {
    ("success".into(), String::new(), -1, String::new())
}

fn denied(index: i32, table: &str) -> (String, String, i32, String) {
    (
        "dead letter".into(),
        "UNAUTHORIZED".into(),
        index,
        table.into(),
    )
}

fn list(id: &str, owner: &str, op_id: i64) -> CrudEntry {
    put(
        "lists",
        id,
        op_id,
        json!({"name": format!("{owner}'s list"), "owner_id": owner}),
    )
}

fn todo(id: &str, list_id: &str, op_id: i64) -> CrudEntry {
    put(
        "todos",
        id,
        op_id,
        json!({"description": "a todo", "completed": 0, "list_id": list_id}),
    )
}

/// Alice's and Bob's lists and a todo in each.
async fn seed(engine: &Engine) {
    let seeded = send(
        engine,
        ALICE,
        "alice-phone",
        vec![list(ALICE_LIST, ALICE, 1), todo(ALICE_TODO, ALICE_LIST, 2)],
    )
    .await;
    assert_eq!(outcome(&seeded), ok());
    let seeded = send(
        engine,
        BOB,
        "bob-phone",
        vec![list(BOB_LIST, BOB, 1), todo(BOB_TODO, BOB_LIST, 2)],
    )
    .await;
    assert_eq!(outcome(&seeded), ok());
}

// ---- the scenarios, each run on both databases ----

async fn tables_without_a_policy_are_denied(db: Db, persister: SharedPersister) {
    let closed_by_default = engine(&persister, "").await;
    // Raising one's own role on a table nobody configured.
    let result = send(
        &closed_by_default,
        BOB,
        "bob-phone",
        vec![put("app_users", BOB, 1, json!({"role": "admin"}))],
    )
    .await;
    assert_eq!(outcome(&result), denied(0, "app_users"));
    let TransactionResult::FatalError(fatal) = &result else {
        unreachable!()
    };
    assert!(
        fatal
            .failed_operation
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("has no policy for this table, and the default is deny"),
        "{fatal:?}"
    );
    assert!(
        fatal.dead_letter_id.is_some(),
        "kept, so the queue moves on"
    );
    assert!(db.texts("SELECT role FROM app_users").await.is_empty());

    // `default = "allow"` is the explicit opt-out.
    let open = engine(&persister, "default = \"allow\"").await;
    let result = send(
        &open,
        BOB,
        "bob-phone",
        vec![put("app_users", BOB, 2, json!({"role": "member"}))],
    )
    .await;
    assert_eq!(outcome(&result), ok());

    // An explicit `deny` wins over the default.
    let closed = engine(
        &persister,
        "default = \"allow\"\n[tables.app_users]\npolicy = \"deny\"",
    )
    .await;
    let result = send(
        &closed,
        BOB,
        "bob-phone",
        vec![patch("app_users", BOB, 3, json!({"role": "admin"}))],
    )
    .await;
    assert_eq!(outcome(&result), denied(0, "app_users"));
    assert_eq!(db.texts("SELECT role FROM app_users").await, ["member"]);
}

async fn owners_write_only_their_own_rows(db: Db, persister: SharedPersister) {
    let engine = engine(&persister, POLICIES).await;
    seed(&engine).await;
    let alice_list = format!("SELECT name || ' ' || owner_id FROM lists WHERE id = '{ALICE_LIST}'");
    let untouched = vec![format!("{ALICE}'s list {ALICE}")];

    // Bob changes, deletes and takes over Alice's list: each refused at its entry,
    // and her row stays as it was. (Op ids rise per device, as a real queue's do:
    // a refused transaction is kept, which moves the device's ledger past it.)
    for (n, attack) in [
        patch("lists", ALICE_LIST, 101, json!({"name": "pwned"})),
        delete("lists", ALICE_LIST, 103),
        put(
            "lists",
            ALICE_LIST,
            105,
            json!({"name": "mine now", "owner_id": BOB}),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let result = send(
            &engine,
            BOB,
            "bob-phone",
            vec![list(NEW_ID, BOB, 100 + n as i64 * 2), attack],
        )
        .await;
        assert_eq!(outcome(&result), denied(1, "lists"), "attack {n}");
        assert_eq!(db.texts(&alice_list).await, untouched, "attack {n}");
    }
    // Nothing of a refused transaction is applied: not even Bob's own new list.
    assert!(
        db.texts(&format!("SELECT id FROM lists WHERE id = '{NEW_ID}'"))
            .await
            .is_empty()
    );

    // The values sent: a row created for someone else, moved to someone else, or
    // created without an owner.
    for (n, attack) in [
        list(NEW_ID, ALICE, 200),
        patch("lists", BOB_LIST, 201, json!({"owner_id": ALICE})),
        put("lists", NEW_ID, 202, json!({"name": "no owner"})),
    ]
    .into_iter()
    .enumerate()
    {
        let result = send(&engine, BOB, "bob-phone", vec![attack]).await;
        assert_eq!(outcome(&result), denied(0, "lists"), "value attack {n}");
    }
    assert_eq!(
        db.texts(&format!(
            "SELECT owner_id FROM lists WHERE id = '{BOB_LIST}'"
        ))
        .await,
        [BOB]
    );

    // Her own writes go through; a PATCH or DELETE of a row that does not exist is
    // still a no-op, not a refusal.
    let result = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![
            patch(
                "lists",
                ALICE_LIST,
                30,
                json!({"name": "renamed", "owner_id": ALICE}),
            ),
            patch("lists", NEW_ID, 31, json!({"name": "gone"})),
            delete("lists", NEW_ID, 32),
        ],
    )
    .await;
    assert_eq!(outcome(&result), ok());
    assert_eq!(db.texts(&alice_list).await, [format!("renamed {ALICE}")]);

    // Several rows of one shape (one grouped statement on PostgreSQL): the refused
    // entry is located.
    let result = send(
        &engine,
        BOB,
        "bob-phone",
        vec![
            patch("lists", BOB_LIST, 300, json!({"name": "b"})),
            patch("lists", NEW_ID, 301, json!({"name": "b"})),
            patch("lists", ALICE_LIST, 302, json!({"name": "b"})),
        ],
    )
    .await;
    assert_eq!(outcome(&result), denied(2, "lists"));
    assert_eq!(db.texts(&alice_list).await, [format!("renamed {ALICE}")]);
    let result = send(
        &engine,
        BOB,
        "bob-phone",
        vec![
            delete("lists", NEW_ID, 303),
            delete("lists", ALICE_LIST, 304),
        ],
    )
    .await;
    assert_eq!(outcome(&result), denied(1, "lists"));
}

async fn children_belong_to_the_owner_of_their_parent(db: Db, persister: SharedPersister) {
    let engine = engine(&persister, POLICIES).await;
    seed(&engine).await;
    let alice_todo =
        format!("SELECT description || ' ' || list_id FROM todos WHERE id = '{ALICE_TODO}'");
    let untouched = vec![format!("a todo {ALICE_LIST}")];

    for (n, attack) in [
        // A todo planted in Alice's list.
        todo(NEW_ID, ALICE_LIST, 10),
        // Alice's todo changed, deleted, or taken over into Bob's list.
        patch("todos", ALICE_TODO, 11, json!({"description": "pwned"})),
        delete("todos", ALICE_TODO, 12),
        todo(ALICE_TODO, BOB_LIST, 13),
        // Bob's todo moved into Alice's list.
        patch("todos", BOB_TODO, 14, json!({"list_id": ALICE_LIST})),
        // A todo created without a list.
        put("todos", NEW_ID, 15, json!({"description": "orphan"})),
    ]
    .into_iter()
    .enumerate()
    {
        let result = send(&engine, BOB, "bob-phone", vec![attack]).await;
        assert_eq!(outcome(&result), denied(0, "todos"), "attack {n}");
        assert_eq!(db.texts(&alice_todo).await, untouched, "attack {n}");
    }
    assert_eq!(
        db.texts(&format!(
            "SELECT CAST(list_id AS TEXT) FROM todos WHERE id = '{BOB_TODO}'"
        ))
        .await,
        [BOB_LIST]
    );
    assert!(
        db.texts(&format!("SELECT id FROM todos WHERE id = '{NEW_ID}'"))
            .await
            .is_empty()
    );

    // Alice creates a list and moves her todo there in one transaction.
    let result = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![
            list(NEW_ID, ALICE, 20),
            patch(
                "todos",
                ALICE_TODO,
                21,
                json!({"list_id": NEW_ID, "completed": 1}),
            ),
            todo(BOB_TODO.replace('b', "c").as_str(), NEW_ID, 22),
        ],
    )
    .await;
    assert_eq!(outcome(&result), ok());
    assert_eq!(
        db.texts(&format!(
            "SELECT CAST(list_id AS TEXT) FROM todos WHERE id = '{ALICE_TODO}'"
        ))
        .await,
        [NEW_ID]
    );
}

async fn denials_can_go_to_the_client(db: Db, persister: SharedPersister) {
    let engine = engine(
        &persister,
        &format!("requires_client_handling = true\n{POLICIES}"),
    )
    .await;
    seed(&engine).await;
    let result = send(
        &engine,
        BOB,
        "bob-phone",
        vec![patch("lists", ALICE_LIST, 10, json!({"name": "pwned"}))],
    )
    .await;
    assert_eq!(
        outcome(&result),
        ("client".into(), "UNAUTHORIZED".into(), 0, "lists".into())
    );
    let TransactionResult::FatalError(fatal) = &result else {
        unreachable!()
    };
    assert_eq!(fatal.dead_letter_id, None);
    assert!(persister.list_dead_letters(10).await.unwrap().is_empty());
    drop(db);
}

/// The attack on the ledger: Bob learns Alice's client id and sends it with the
/// largest op id, on a table that does not exist, so it is dead-lettered.
async fn another_user_cannot_silence_a_device(db: Db, persister: SharedPersister) {
    let engine = engine(&persister, POLICIES).await;
    let poison = send(
        &engine,
        BOB,
        "alice-phone",
        vec![put("no_such_table", "x", i64::MAX, json!({}))],
    )
    .await;
    assert_eq!(outcome(&poison).1, "SCHEMA_MISMATCH");
    let TransactionResult::FatalError(poison) = poison else {
        unreachable!()
    };

    // Alice's device goes on from op id 1: applied, not mistaken for a replay.
    let result = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![list(ALICE_LIST, ALICE, 1)],
    )
    .await;
    assert_eq!(outcome(&result), ok());
    assert_eq!(
        db.texts(&format!(
            "SELECT owner_id FROM lists WHERE id = '{ALICE_LIST}'"
        ))
        .await,
        [ALICE]
    );
    // Her replay is a duplicate, as before.
    let replay = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![list(ALICE_LIST, ALICE, 1)],
    )
    .await;
    assert_eq!(outcome(&replay).0, "duplicate");

    // A replay of Bob's poison by Alice's device is not answered with Bob's dead letter.
    let replay = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![put("no_such_table", "x", i64::MAX, json!({}))],
    )
    .await;
    let TransactionResult::FatalError(replay) = replay else {
        panic!("{replay:?}")
    };
    assert_ne!(replay.dead_letter_id, poison.dead_letter_id);
    // Bob's own replay is.
    let again = send(
        &engine,
        BOB,
        "alice-phone",
        vec![put("no_such_table", "x", i64::MAX, json!({}))],
    )
    .await;
    let TransactionResult::FatalError(again) = again else {
        panic!("{again:?}")
    };
    assert_eq!(again.dead_letter_id, poison.dead_letter_id);
}

/// A ledger of the first layout (keyed by client id alone) is upgraded by `migrate`:
/// what it recorded still answers replays, for the device's user.
async fn the_old_ledger_is_migrated(db: Db, persister: SharedPersister, old_ledger: &str) {
    db.execute(&format!(
        "DROP TABLE powersync_write_ledger; {old_ledger} \
         INSERT INTO powersync_write_ledger (client_id, last_op_id) VALUES ('alice-phone', 5);"
    ))
    .await;
    persister
        .migrate()
        .await
        .expect("migrate upgrades the ledger");
    persister
        .migrate()
        .await
        .expect("and runs again as a no-op");
    assert_eq!(
        db.texts("SELECT subject || '|' || client_id || '|' || CAST(last_op_id AS TEXT) FROM powersync_write_ledger")
            .await,
        ["|alice-phone|5"]
    );
    let engine = engine(&persister, POLICIES).await;
    let replay = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![list(ALICE_LIST, ALICE, 5)],
    )
    .await;
    assert_eq!(outcome(&replay).0, "duplicate");
    assert!(db.texts("SELECT id FROM lists").await.is_empty());
    let next = send(
        &engine,
        ALICE,
        "alice-phone",
        vec![list(ALICE_LIST, ALICE, 6)],
    )
    .await;
    assert_eq!(outcome(&next), ok());
    assert_eq!(
        db.texts("SELECT subject || '|' || CAST(last_op_id AS TEXT) FROM powersync_write_ledger ORDER BY subject")
            .await,
        ["|5", "alice|6"]
    );
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (db, persister) = super::sqlite().await;
                    super::$name(db, persister).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (db, persister) = super::postgres().await;
                    super::$name(db, persister).await;
                }
            )*
        }
        mod on_mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (db, persister) = super::mysql().await;
                    super::$name(db, persister).await;
                }
            )*
        }
    };
}

on_both!(
    tables_without_a_policy_are_denied,
    owners_write_only_their_own_rows,
    children_belong_to_the_owner_of_their_parent,
    denials_can_go_to_the_client,
    another_user_cannot_silence_a_device,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_sqlite_ledger_is_migrated() {
    let (db, persister) = sqlite().await;
    the_old_ledger_is_migrated(
        db,
        persister,
        "CREATE TABLE powersync_write_ledger (client_id TEXT PRIMARY KEY NOT NULL, last_op_id INTEGER NOT NULL);",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_postgres_ledger_is_migrated() {
    let (db, persister) = postgres().await;
    the_old_ledger_is_migrated(
        db,
        persister,
        "CREATE TABLE powersync_write_ledger (client_id text PRIMARY KEY, last_op_id bigint NOT NULL, \
         updated_at timestamptz NOT NULL DEFAULT now());",
    )
    .await;
}

#[tokio::test]
async fn policies_that_do_not_fit_the_database_are_named() {
    let (_db, persister) = sqlite().await;
    let engine = engine(
        &persister,
        "[tables.lists]\nowner_column = \"owner\"\n[tables.notes]\npolicy = \"allow\"\n\
         [tables.todos]\nparent_table = \"lists\"\nparent_column = \"list\"",
    )
    .await;
    assert_eq!(
        engine.policy_problems(),
        [
            "[authorization.tables.lists]: table `lists` has no column `owner`",
            "[authorization.tables.todos]: table `todos` has no column `list`",
            "[authorization.tables.todos]: table `lists` has no column `owner`",
        ]
    );
}
