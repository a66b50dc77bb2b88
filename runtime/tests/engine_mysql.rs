//! The batch engine over a real MariaDB (the throwaway server of
//! `throwaway_servers::mariadb`): concurrent uploads from many clients lose nothing, a
//! fatal failure is kept as a dead letter while the rest of the batch goes on, one
//! batch sent twice at once is applied once, and
//! the built binary migrates, creates the example schema and serves uploads with
//! `--database-url mysql://...`.

mod cli_support;
mod mysql_support;

use std::sync::Arc;
use std::time::Duration;

use cli_support::{http, ok};
use mysql_support::{TestDb, database};
use powersync_write_api::models::{
    CrudEntry, CrudTransaction, TransactionResult, UpdateType, WriteBatch,
};
use powersync_write_server::engine::{BatchPolicy, Engine, EngineConfig, Hooks};
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::Persister;
use powersync_write_server::policy::Policies;
use powersync_write_server::vocab::Principal;
use serde_json::{Map, Value, json};

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

fn principal(subject: &str) -> Principal {
    Principal {
        subject: subject.to_string(),
        claims: Map::new(),
    }
}

/// A UUID unique to (client, batch, transaction, row).
fn uuid(client: usize, batch: usize, tx: usize, row: usize) -> String {
    format!("{client:08x}-{batch:04x}-4000-8000-{tx:08x}{row:04x}")
}

async fn engine(db: &TestDb, config: EngineConfig) -> Arc<Engine> {
    let persister = db.persister().await;
    persister
        .create_example_schema()
        .await
        .expect("example schema");
    let hooks = Hooks::defaults(config.retry_after_ms);
    Arc::new(
        Engine::new(
            Arc::new(persister),
            MappingConfig::default(),
            Policies::allow_all(),
            hooks,
            config,
        )
        .await
        .expect("engine"),
    )
}

/// The benchmark's transaction: 1 list, 3 todos in it, and 1 PATCH completing one.
fn workload(client: usize, batch: usize, tx: usize, first_op_id: i64) -> CrudTransaction {
    let list = uuid(client, batch, tx, 0);
    let mut crud = vec![entry(
        UpdateType::Put,
        "lists",
        &list,
        first_op_id,
        json!({"name": format!("list {client}/{batch}/{tx}"), "owner_id": format!("user-{client}")}),
    )];
    for row in 1..=3 {
        crud.push(entry(
            UpdateType::Put,
            "todos",
            &uuid(client, batch, tx, row),
            first_op_id + row as i64,
            json!({"description": format!("todo {row}"), "list_id": list, "completed": 0}),
        ));
    }
    crud.push(entry(
        UpdateType::Patch,
        "todos",
        &uuid(client, batch, tx, 1),
        first_op_id + 4,
        json!({"completed": 1, "completed_at": "2026-01-02 03:04:05.678"}),
    ));
    CrudTransaction {
        transaction_id: Some(first_op_id),
        crud,
    }
}

const CLIENTS: usize = 16;
const BATCHES: usize = 10;
const TRANSACTIONS: usize = 2;
const OPS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_from_many_clients_lose_nothing() {
    let db = database();
    let engine = engine(&db, EngineConfig::default()).await;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let principal = principal(&format!("user-{client}"));
            let mut op_id = 1i64;
            for batch in 0..BATCHES {
                let transactions = (0..TRANSACTIONS)
                    .map(|tx| {
                        let t = workload(client, batch, tx, op_id);
                        op_id += OPS as i64;
                        t.into()
                    })
                    .collect();
                let sent = WriteBatch {
                    client_id: Some(format!("client-{client}")),
                    transactions,
                };
                let results = engine.process(&principal, &sent).await;
                for result in &results {
                    assert!(
                        matches!(result, TransactionResult::Success(s) if s.duplicate.is_none()),
                        "client {client} batch {batch}: {result:?}"
                    );
                }
                assert_eq!(results.len(), TRANSACTIONS);
            }
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }

    let transactions = CLIENTS * BATCHES * TRANSACTIONS;
    assert_eq!(
        db.sql(
            "SELECT (SELECT COUNT(*) FROM lists), (SELECT COUNT(*) FROM todos), \
             (SELECT COUNT(*) FROM todos WHERE completed), \
             (SELECT COUNT(*) FROM todos WHERE completed_at = '2026-01-02 03:04:05.678'), \
             (SELECT COUNT(*) FROM powersync_write_dead_letters)"
        ),
        format!(
            "{transactions}\t{}\t{transactions}\t{transactions}\t0\n",
            3 * transactions
        )
    );
    let last = BATCHES * TRANSACTIONS * OPS;
    let mut expected: Vec<String> = (0..CLIENTS)
        .map(|c| format!("user-{c}\tclient-{c}\t{last}"))
        .collect();
    expected.sort();
    assert_eq!(
        db.sql(
            "SELECT subject, client_id, last_op_id FROM powersync_write_ledger ORDER BY subject"
        ),
        expected.join("\n") + "\n"
    );
    // Every todo is in its own transaction's list (the ids share that prefix).
    assert_eq!(
        db.sql("SELECT COUNT(*) FROM todos WHERE LEFT(id, 32) <> LEFT(list_id, 32)"),
        "0\n"
    );
}

#[tokio::test]
async fn a_fatal_failure_is_kept_and_the_batch_goes_on_under_skip() {
    let db = database();
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        ..EngineConfig::default()
    };
    let engine = engine(&db, config).await;
    let missing_list = uuid(9, 9, 9, 9);
    let sent = WriteBatch {
        client_id: Some("c1".to_string()),
        transactions: vec![
            CrudTransaction {
                transaction_id: None,
                crud: vec![entry(
                    UpdateType::Put,
                    "todos",
                    &uuid(0, 0, 0, 1),
                    1,
                    json!({"description": "orphan", "list_id": missing_list}),
                )],
            },
            workload(0, 0, 1, 2),
        ]
        .into_iter()
        .map(Into::into)
        .collect(),
    };
    let results = engine.process(&principal("user-1"), &sent).await;
    let TransactionResult::FatalError(fatal) = &results[0] else {
        panic!("{results:?}");
    };
    assert!(!fatal.requires_client_handling);
    // 1452: a foreign key's parent row is missing.
    assert_eq!(
        fatal
            .failed_operation
            .details
            .as_ref()
            .and_then(|d| d.get("database_code").cloned()),
        Some(json!("1452")),
        "{fatal:?}"
    );
    assert_eq!(fatal.failed_operation.operation_index, Some(0));
    assert!(matches!(&results[1], TransactionResult::Success(_)));
    let id = fatal.dead_letter_id.clone().expect("a dead letter");
    assert_eq!(
        db.sql(
            "SELECT id, subject, client_id, operation_index, \
             JSON_VALUE(`transaction`, '$.crud[0].op_data.description') \
             FROM powersync_write_dead_letters"
        ),
        format!("{id}\tuser-1\tc1\t0\torphan\n")
    );
    assert_eq!(db.sql("SELECT COUNT(*) FROM todos"), "3\n");

    // A replay answers the same, and stores nothing twice.
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(again[0], results[0]);
    assert!(matches!(&again[1], TransactionResult::Success(s) if s.duplicate == Some(true)));
    assert_eq!(
        db.sql("SELECT COUNT(*) FROM powersync_write_dead_letters"),
        "1\n"
    );
}

const LIST: &str = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
const MILK: &str = "7d1f0c3e-5a2b-4e8f-b6c9-1a2b3c4d5e6f";

/// Two uploads of one batch from one client, the second sent while the first is still
/// running (a client that timed out and resent): the ledger row's lock makes the
/// second wait for the first to commit, then answer it as a replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_sent_twice_at_once_is_applied_once() {
    let db = database();
    let engine = engine(&db, EngineConfig::default()).await;
    let user = principal("user-1");
    // The client's ledger row exists, as on any device past its first upload.
    let earlier = WriteBatch {
        client_id: Some("c1".to_string()),
        transactions: vec![workload(0, 0, 0, 1).into()],
    };
    let results = engine.process(&user, &earlier).await;
    assert!(matches!(&results[0], TransactionResult::Success(s) if s.duplicate.is_none()));

    // Every write of a todo row is counted; a list's write takes half a second, so
    // the second upload arrives while the first holds the ledger row.
    db.sql(
        "CREATE TABLE todo_audit (id VARCHAR(64) NOT NULL, op VARCHAR(6) NOT NULL);
         CREATE TRIGGER audit_todo_insert AFTER INSERT ON todos
           FOR EACH ROW INSERT INTO todo_audit VALUES (NEW.id, 'INSERT');
         CREATE TRIGGER audit_todo_update AFTER UPDATE ON todos
           FOR EACH ROW INSERT INTO todo_audit VALUES (NEW.id, 'UPDATE');
         CREATE TRIGGER slow_list BEFORE INSERT ON lists
           FOR EACH ROW SET @slept = SLEEP(0.5);",
    );
    let sent = WriteBatch {
        client_id: Some("c1".to_string()),
        transactions: vec![workload(0, 1, 0, 6).into()],
    };
    let uploads = [(), ()].map(|()| {
        let (engine, user, sent) = (engine.clone(), user.clone(), sent.clone());
        tokio::spawn(async move { engine.process(&user, &sent).await })
    });
    let db = Arc::new(db);
    let mut waited = false;
    while !uploads.iter().all(tokio::task::JoinHandle::is_finished) {
        let db = db.clone();
        let waiting = tokio::task::spawn_blocking(move || {
            db.sql(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()",
            )
        })
        .await
        .expect("poll");
        waited |= waiting.trim() != "0";
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut answers = Vec::new();
    for upload in uploads {
        let results = upload.await.expect("upload");
        assert_eq!(results.len(), 1);
        answers.push(match &results[0] {
            TransactionResult::Success(s) if s.duplicate == Some(true) => "duplicate",
            TransactionResult::Success(_) => "success",
            other => panic!("{other:?}"),
        });
    }
    answers.sort_unstable();
    assert_eq!(answers, ["duplicate", "success"]);
    assert!(
        waited,
        "the second upload never waited on a lock: the race this test is about did not happen"
    );
    assert_eq!(
        db.sql("SELECT op, COUNT(*) FROM todo_audit GROUP BY op ORDER BY op"),
        "INSERT\t3\nUPDATE\t1\n",
        "each todo written once"
    );
    assert_eq!(
        db.sql("SELECT client_id, last_op_id FROM powersync_write_ledger"),
        "c1\t10\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_migrates_and_serves_uploads_on_mysql() {
    let db = database();
    let url = db.url();
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();

    let migrated = ok(&["migrate", "--database-url", &url, "--example-schema"]);
    assert!(migrated.contains("mysql://"), "{migrated}");
    // Migrating again is harmless.
    ok(&["migrate", "--database-url", &url, "--example-schema"]);
    let (server, listen) = cli_support::serve_with(
        dir.path(),
        &["--database-url", &url, "--example-schema"],
        &[],
    )
    .await;
    let token = ok(&["token", "--data-dir", &d, "--sub", "user-1"]);
    let batch = json!({
        "client_id": "device-1",
        "transactions": [
            {"crud": [
                {"op": "PUT", "table": "lists", "id": LIST, "op_id": 1,
                 "op_data": {"name": "Groceries", "owner_id": "user-1"}},
                {"op": "PUT", "table": "todos", "id": MILK, "op_id": 2,
                 "op_data": {"description": "Milk", "completed": 0, "list_id": LIST}}
            ]},
            {"crud": [
                {"op": "PATCH", "table": "todos", "id": MILK, "op_id": 3,
                 "op_data": {"completed": 1}}
            ]}
        ]
    });
    let response = http()
        .post(format!("http://{listen}/api/data"))
        .bearer_auth(token.trim())
        .json(&batch)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.expect("JSON reply");
    assert_eq!(
        reply,
        json!({"results": [{"status": "success"}, {"status": "success"}]}),
        "{}",
        server.log()
    );
    assert_eq!(
        db.sql("SELECT l.name, l.owner_id, t.description, t.completed FROM lists l JOIN todos t ON t.list_id = l.id"),
        "Groceries\tuser-1\tMilk\t1\n"
    );
    let ready = http()
        .get(format!("http://{listen}/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 200);
}
