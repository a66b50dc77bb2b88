//! The batch engine over a real PostgreSQL (the test harness's throwaway cluster):
//! concurrent uploads from many clients lose nothing, and a fatal failure is kept as
//! a dead letter while the rest of the batch goes on, and one batch sent twice at once
//! is applied once. Each test runs twice: connected directly, and through PgBouncer
//! in transaction mode with `transaction_pooler` on, where without it the concurrent
//! uploads fail.

mod support;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use powersync_write_api::models::{
    CrudEntry, CrudTransaction, TransactionResult, UpdateType, WriteBatch,
};
use powersync_write_server::engine::{BatchPolicy, Engine, EngineConfig, Hooks};
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::persist::Persister;
use powersync_write_server::persist::postgres::PostgresConfig;
use powersync_write_server::policy::Policies;
use powersync_write_server::vocab::Principal;
use serde_json::{Map, Value, json};
use support::postgres::{TestDb, database, rows};
use throwaway_servers::pgbouncer::Bouncer;

/// How the engine reaches the database.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    Direct,
    /// Through PgBouncer in transaction mode, `transaction_pooler` on.
    Pooler,
    /// Through PgBouncer in transaction mode, `transaction_pooler` left off.
    PoolerUnconfigured,
}

/// The binary's PgBouncer in front of the shared cluster, started on first use.
fn bouncer() -> &'static Bouncer {
    static BOUNCER: OnceLock<Bouncer> = OnceLock::new();
    BOUNCER.get_or_init(|| {
        Bouncer::start(throwaway_servers::postgres::shared())
            .unwrap_or_else(|e| panic!("cannot start PgBouncer: {e}"))
    })
}

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

async fn engine(db: &TestDb, config: EngineConfig, route: Route) -> Arc<Engine> {
    let persister = match route {
        Route::Direct => db.persister().await,
        Route::Pooler | Route::PoolerUnconfigured => {
            db.persister_with(PostgresConfig {
                transaction_pooler: route == Route::Pooler,
                ..PostgresConfig::new(bouncer().url(&db.name))
            })
            .await
        }
    };
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
        json!({"completed": 1, "completed_at": "2026-01-02 03:04:05.678Z"}),
    ));
    CrudTransaction {
        transaction_id: Some(first_op_id),
        crud,
    }
}

const CLIENTS: usize = 16;
const BATCHES: usize = 20;
const TRANSACTIONS: usize = 2;
const OPS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_from_many_clients_lose_nothing() {
    concurrent_uploads(Route::Direct).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_from_many_clients_lose_nothing_behind_a_transaction_pooler() {
    concurrent_uploads(Route::Pooler).await;
}

/// Without the switch, a statement prepared in one transaction is looked for on
/// another server connection in the next: uploads fail (or could run another
/// connection's statement of the same name).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_a_transaction_pooler_cached_statements_fail() {
    let db = database().await;
    let engine = engine(&db, EngineConfig::default(), Route::PoolerUnconfigured).await;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let principal = principal(&format!("user-{client}"));
            let mut op_id = 1i64;
            let mut failed = 0;
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
                failed += results
                    .iter()
                    .filter(|r| !matches!(r, TransactionResult::Success(_)))
                    .count();
            }
            failed
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += task.await.expect("client task");
    }
    assert!(
        failed > 0,
        "every upload succeeded through PgBouncer with cached statements: this test no \
         longer shows why transaction_pooler exists"
    );
}

async fn concurrent_uploads(route: Route) {
    let db = database().await;
    let engine = engine(&db, EngineConfig::default(), route).await;
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
                        "{route:?}, client {client} batch {batch}: {result:?}"
                    );
                }
                assert_eq!(results.len(), TRANSACTIONS);
            }
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }

    let client = db.client().await;
    let transactions = CLIENTS * BATCHES * TRANSACTIONS;
    assert_eq!(
        rows(
            &client,
            "SELECT (SELECT count(*) FROM lists)::text, (SELECT count(*) FROM todos)::text, \
             (SELECT count(*) FROM todos WHERE completed)::text, \
             (SELECT count(*) FROM todos WHERE completed_at IS NOT NULL)::text, \
             (SELECT count(*) FROM powersync_write_dead_letters)::text"
        )
        .await,
        [[
            Some(transactions.to_string()),
            Some((3 * transactions).to_string()),
            Some(transactions.to_string()),
            Some(transactions.to_string()),
            Some("0".to_string()),
        ]]
    );
    let ledger = rows(
        &client,
        "SELECT client_id, last_op_id::text FROM powersync_write_ledger ORDER BY client_id",
    )
    .await;
    let last = (BATCHES * TRANSACTIONS * OPS).to_string();
    let mut expected: Vec<Vec<Option<String>>> = (0..CLIENTS)
        .map(|c| vec![Some(format!("client-{c}")), Some(last.clone())])
        .collect();
    expected.sort();
    assert_eq!(ledger, expected);
    // Every todo is in its own transaction's list (the ids share that prefix).
    assert_eq!(
        rows(
            &client,
            "SELECT count(*)::text FROM todos WHERE left(id::text, 32) <> left(list_id::text, 32)"
        )
        .await,
        [[Some("0".to_string())]]
    );
}

#[tokio::test]
async fn a_fatal_failure_is_kept_and_the_batch_goes_on_under_skip() {
    fatal_failure_under_skip(Route::Direct).await;
}

#[tokio::test]
async fn a_fatal_failure_is_kept_and_the_batch_goes_on_under_skip_behind_a_transaction_pooler() {
    fatal_failure_under_skip(Route::Pooler).await;
}

async fn fatal_failure_under_skip(route: Route) {
    let db = database().await;
    let config = EngineConfig {
        batch_policy: BatchPolicy::Skip,
        ..EngineConfig::default()
    };
    let engine = engine(&db, config, route).await;
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
    assert_eq!(fatal.failed_operation.error_code, "FOREIGN_KEY_VIOLATION");
    assert_eq!(
        fatal.failed_operation.details,
        Some(
            json!({"database_code": "23503", "table": "todos", "constraint": "todos_list_id_fkey"})
        )
    );
    assert!(matches!(&results[1], TransactionResult::Success(_)));

    let client = db.client().await;
    assert_eq!(
        rows(
            &client,
            "SELECT id::text, subject, client_id, error_code, operation_index::text, \
             \"transaction\"::jsonb #>> '{crud,0,op_data,description}' \
             FROM powersync_write_dead_letters"
        )
        .await,
        [[
            fatal.dead_letter_id.clone(),
            Some("user-1".to_string()),
            Some("c1".to_string()),
            Some("FOREIGN_KEY_VIOLATION".to_string()),
            Some("0".to_string()),
            Some("orphan".to_string()),
        ]]
    );
    assert_eq!(
        rows(&client, "SELECT count(*)::text FROM todos").await,
        [[Some("3".to_string())]]
    );

    // A replay answers the same, and stores nothing twice.
    let again = engine.process(&principal("user-1"), &sent).await;
    assert_eq!(again[0], results[0]);
    assert!(matches!(&again[1], TransactionResult::Success(s) if s.duplicate == Some(true)));
    assert_eq!(
        rows(
            &client,
            "SELECT count(*)::text FROM powersync_write_dead_letters"
        )
        .await,
        [[Some("1".to_string())]]
    );
}

/// Two uploads of one batch from one client, the second sent while the first is still
/// running (a client that timed out and resent): the ledger row's lock makes the
/// second wait for the first to commit, then answer it as a replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_sent_twice_at_once_is_applied_once() {
    sent_twice_at_once(Route::Direct).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_sent_twice_at_once_is_applied_once_behind_a_transaction_pooler() {
    sent_twice_at_once(Route::Pooler).await;
}

async fn sent_twice_at_once(route: Route) {
    let db = database().await;
    let engine = engine(&db, EngineConfig::default(), route).await;
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
        "CREATE TABLE todo_audit (id uuid NOT NULL, op text NOT NULL);
         CREATE FUNCTION audit_todo() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO todo_audit VALUES (NEW.id, TG_OP); RETURN NEW; END $$;
         CREATE TRIGGER audit_todo AFTER INSERT OR UPDATE ON todos
           FOR EACH ROW EXECUTE FUNCTION audit_todo();
         CREATE FUNCTION slow_list() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$;
         CREATE TRIGGER slow_list BEFORE INSERT OR UPDATE ON lists
           FOR EACH ROW EXECUTE FUNCTION slow_list();",
    )
    .await;
    let sent = WriteBatch {
        client_id: Some("c1".to_string()),
        transactions: vec![workload(0, 1, 0, 6).into()],
    };
    let uploads = [(), ()].map(|()| {
        let (engine, user, sent) = (engine.clone(), user.clone(), sent.clone());
        tokio::spawn(async move { engine.process(&user, &sent).await })
    });
    let client = db.client().await;
    let mut waited = false;
    while !uploads.iter().all(tokio::task::JoinHandle::is_finished) {
        let waiting = rows(
            &client,
            "SELECT count(*)::text FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        .await;
        waited |= waiting[0][0].as_deref() != Some("0");
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
        rows(
            &client,
            "SELECT op, count(*)::text FROM todo_audit GROUP BY op ORDER BY op"
        )
        .await,
        [
            [Some("INSERT".to_string()), Some("3".to_string())],
            [Some("UPDATE".to_string()), Some("1".to_string())],
        ],
        "each todo written once"
    );
    assert_eq!(
        rows(
            &client,
            "SELECT client_id, last_op_id::text FROM powersync_write_ledger"
        )
        .await,
        [[Some("c1".to_string()), Some("10".to_string())]]
    );
}
