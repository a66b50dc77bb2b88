//! The connection lost during COMMIT, on both sides of the server's decision: the
//! COMMIT never reached the server (nothing applied; a retry writes), or the server
//! committed but its answer never reached us (outcome unknown; the retry is answered
//! by the ledger as a duplicate). Either way the client is told "retryable".
//!
//! A real server cannot drop a connection exactly at COMMIT on demand, so a small TCP
//! proxy between the persister and the test cluster
//! (`throwaway_servers::commit_proxy`) injects the fault.

mod support;

use powersync_write_server::classify::DefaultClassifier;
use powersync_write_server::failure::Failure;
use powersync_write_server::hooks::ErrorClassifier;
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::persist::{Applied, Persister};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::{DbError, MappedEntry};
use serde_json::json;
use support::postgres::{Apply, apply_with, database, put, rows};
use throwaway_servers::commit_proxy::{CommitProxy, Fault};

/// `Transaction::commit` sends a simple query: 'Q', length 11 (itself + "COMMIT\0").
const COMMIT_MESSAGE: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";

const CLIENT_ID: &str = "client-1";

struct Setup {
    proxy: CommitProxy,
    persister: PostgresPersister,
    schema: DatabaseSchema,
    admin: tokio_postgres::Client,
}

/// A database with `notes`, a persister reaching it through the proxy (one
/// connection, so a lost one must be replaced), and a direct connection for checks.
async fn setup() -> Setup {
    let db = database().await;
    db.sql("CREATE TABLE notes (id text PRIMARY KEY, body text)")
        .await;
    let proxy = CommitProxy::start(db.port, &[COMMIT_MESSAGE]).await;
    let mut config = PostgresConfig::new(format!(
        "postgres://postgres@127.0.0.1:{}/{}",
        proxy.addr.port(),
        db.name
    ));
    config.pool_size = 1;
    let persister = db.persister_with(config).await;
    let schema = persister.introspect().await.expect("introspect");
    let admin = db.client().await;
    Setup {
        proxy,
        persister,
        schema,
        admin,
    }
}

impl Setup {
    async fn apply(&self, entries: &[MappedEntry], last_op_id: i64) -> Result<Applied, DbError> {
        let options = Apply {
            idempotency: Some((CLIENT_ID, last_op_id)),
            checkpoint: Some(("user-1", CLIENT_ID)),
            ..Apply::default()
        };
        apply_with(&self.persister, &self.schema, entries, &options).await
    }

    /// Rows of `notes` and the ledger/checkpoint state, as the real server sees them.
    async fn state(&self) -> (Vec<Vec<Option<String>>>, Vec<Vec<Option<String>>>) {
        let notes = rows(&self.admin, "SELECT id, body FROM notes ORDER BY id").await;
        let runtime = rows(
            &self.admin,
            "SELECT l.last_op_id::text, c.checkpoint::text
             FROM powersync_write_ledger l
             LEFT JOIN powersync_write_checkpoints c USING (client_id)",
        )
        .await;
        (notes, runtime)
    }
}

fn note(id: &str, body: &str) -> Vec<Option<String>> {
    vec![Some(id.to_string()), Some(body.to_string())]
}

fn ledger(last_op_id: i64, checkpoint: i64) -> Vec<Vec<Option<String>>> {
    vec![vec![
        Some(last_op_id.to_string()),
        Some(checkpoint.to_string()),
    ]]
}

/// The error of a lost connection, and that it is retryable.
fn assert_lost_and_retryable(result: Result<Applied, DbError>) {
    let error = result.expect_err("the COMMIT was lost: the transaction must fail");
    assert!(
        matches!(error, DbError::Connection { .. }),
        "expected a lost connection, got {error:?}"
    );
    let failure = DefaultClassifier::default().classify(&error, 0);
    assert!(
        matches!(failure, Failure::Retryable { .. }),
        "{error:?} must be retryable, got {failure:?}"
    );
}

#[tokio::test]
async fn commit_never_reaching_the_server_is_retryable_and_the_retry_writes() {
    let setup = setup().await;
    let first = setup
        .apply(&[put(0, "notes", "a", json!({"body": "first"}))], 1)
        .await;
    assert_eq!(
        first,
        Ok(Applied::Written {
            write_checkpoint: Some(1)
        })
    );

    let entries = [put(0, "notes", "b", json!({"body": "second"}))];
    setup.proxy.arm(Fault::DropCommit);
    assert_lost_and_retryable(setup.apply(&entries, 2).await);
    assert_eq!(
        setup.proxy.fired(),
        1,
        "the proxy must have dropped a COMMIT"
    );
    // Nothing of the transaction is visible: not the row, not the ledger, not the
    // checkpoint.
    assert_eq!(
        setup.state().await,
        (vec![note("a", "first")], ledger(1, 1))
    );

    // The same transaction again, through the disarmed proxy on a fresh connection.
    let retried = setup.apply(&entries, 2).await;
    assert_eq!(
        retried,
        Ok(Applied::Written {
            write_checkpoint: Some(2)
        })
    );
    assert_eq!(
        setup.state().await,
        (vec![note("a", "first"), note("b", "second")], ledger(2, 2))
    );
}

#[tokio::test]
async fn commit_answer_lost_is_retryable_and_the_replay_is_a_duplicate() {
    let setup = setup().await;
    let entries = [put(0, "notes", "c", json!({"body": "third"}))];
    setup.proxy.arm(Fault::DropCommitAnswer);
    assert_lost_and_retryable(setup.apply(&entries, 7).await);
    assert_eq!(
        setup.proxy.fired(),
        1,
        "the proxy must have dropped a COMMIT's answer"
    );
    // The server committed: the row, the ledger and the checkpoint are there.
    assert_eq!(
        setup.state().await,
        (vec![note("c", "third")], ledger(7, 1))
    );

    // The client cannot know, so it retries: the ledger recognizes the replay and
    // nothing is written twice.
    let replay = setup.apply(&entries, 7).await;
    assert_eq!(replay, Ok(Applied::Duplicate));
    assert_eq!(
        setup.state().await,
        (vec![note("c", "third")], ledger(7, 1))
    );
}
