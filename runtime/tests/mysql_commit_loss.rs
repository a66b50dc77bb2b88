//! The connection to MariaDB lost during COMMIT, on both sides of the server's
//! decision: the COMMIT never reached the server (nothing applied; a retry writes),
//! or the server committed but its answer never reached us (outcome unknown; the
//! retry is answered by the ledger as a duplicate). Either way the client is told
//! "retryable".
//!
//! A real server cannot drop a connection exactly at COMMIT on demand, so a small TCP
//! proxy between the persister and the test server (`throwaway_servers::commit_proxy`)
//! injects the fault, as tests/postgres_commit_loss.rs does for PostgreSQL.
//!
//! Each case runs on both of the persister's paths: a transaction of unguarded writes
//! is one script ending in COMMIT; one with a guarded write runs statement by
//! statement and commits on its own.

mod mysql_support;

use mysql_support::{Apply, TestDb, apply_with, database, put};
use powersync_write_server::classify::DefaultClassifier;
use powersync_write_server::failure::Failure;
use powersync_write_server::hooks::ErrorClassifier;
use powersync_write_server::persist::mysql::{MysqlConfig, MysqlPersister};
use powersync_write_server::persist::{Applied, Persister};
use powersync_write_server::schema::DatabaseSchema;
use powersync_write_server::vocab::{DbError, MappedEntry, RowGuard};
use serde_json::json;
use throwaway_servers::commit_proxy::{CommitProxy, Fault};
use throwaway_servers::mariadb;

/// A transaction of unguarded writes is one script (`persist/mysql/script.rs`) whose
/// last statement is COMMIT: the proxy acts on the packet that carries it, so a lost
/// COMMIT loses the whole script, and a lost answer loses every statement's answer.
const SCRIPT_COMMIT: &[u8] = b";\nCOMMIT";
/// A transaction run statement by statement ends with `Transaction::commit`'s text
/// query COMMIT: a packet of 7 bytes (3-byte length, sequence 0), COM_QUERY (0x03),
/// "COMMIT".
const COMMIT_PACKET: &[u8] = b"\x07\0\0\0\x03COMMIT";

const CLIENT_ID: &str = "client-1";

struct Setup {
    proxy: CommitProxy,
    persister: MysqlPersister,
    schema: DatabaseSchema,
    db: TestDb,
}

/// A database with `notes`, a persister reaching it through the proxy (one
/// connection, so a lost one must be replaced), and the server's own view through
/// the `mariadb` client for checks.
async fn setup() -> Setup {
    let db = database();
    db.sql(
        "CREATE TABLE notes (id VARCHAR(64) PRIMARY KEY, body TEXT, owner VARCHAR(64)) \
         ENGINE=InnoDB",
    );
    let proxy = CommitProxy::start(mariadb::shared().port, &[SCRIPT_COMMIT, COMMIT_PACKET]).await;
    let mut config = MysqlConfig::new(format!(
        "mysql://root@127.0.0.1:{}/{}",
        proxy.addr.port(),
        db.name
    ));
    config.pool_size = 1;
    let persister = db.persister_with(config).await;
    let schema = persister.introspect().await.expect("introspect");
    Setup {
        proxy,
        persister,
        schema,
        db,
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

    /// Rows of `notes`, and the ledger and checkpoint, as the server sees them
    /// (tab-separated, a row a line).
    fn state(&self) -> (String, String) {
        let notes = self.db.sql("SELECT id, body FROM notes ORDER BY id");
        let runtime = self.db.sql(
            "SELECT l.last_op_id, c.checkpoint
             FROM powersync_write_ledger l
             LEFT JOIN powersync_write_checkpoints c ON c.client_id = l.client_id",
        );
        (notes, runtime)
    }
}

/// A PUT of a note; `guarded`: owned by the uploader, which sends the transaction
/// statement by statement.
fn note(id: &str, body: &str, guarded: bool) -> MappedEntry {
    let mut entry = put(0, "notes", id, json!({"body": body, "owner": "user-1"}));
    if guarded {
        entry.guard = Some(RowGuard::Owner {
            column: "owner".to_string(),
        });
    }
    entry
}

fn ledger(last_op_id: i64, checkpoint: i64) -> String {
    format!("{last_op_id}\t{checkpoint}\n")
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
    commit_never_reaching_the_server(false).await;
}

#[tokio::test]
async fn commit_never_reaching_the_server_is_retryable_and_the_retry_writes_stepwise() {
    commit_never_reaching_the_server(true).await;
}

async fn commit_never_reaching_the_server(guarded: bool) {
    let setup = setup().await;
    let first = setup.apply(&[note("a", "first", guarded)], 1).await;
    assert_eq!(
        first,
        Ok(Applied::Written {
            write_checkpoint: Some(1)
        })
    );

    let entries = [note("b", "second", guarded)];
    setup.proxy.arm(Fault::DropCommit);
    assert_lost_and_retryable(setup.apply(&entries, 2).await);
    assert_eq!(
        setup.proxy.fired(),
        1,
        "the proxy must have dropped a COMMIT"
    );
    // Nothing of the transaction is visible: not the row, not the ledger, not the
    // checkpoint (the server rolls back the transaction of a closed connection).
    assert_eq!(setup.state(), ("a\tfirst\n".to_string(), ledger(1, 1)));

    // The same transaction again, through the disarmed proxy on a fresh connection.
    let retried = setup.apply(&entries, 2).await;
    assert_eq!(
        retried,
        Ok(Applied::Written {
            write_checkpoint: Some(2)
        })
    );
    assert_eq!(
        setup.state(),
        ("a\tfirst\nb\tsecond\n".to_string(), ledger(2, 2))
    );
}

#[tokio::test]
async fn commit_answer_lost_is_retryable_and_the_replay_is_a_duplicate() {
    commit_answer_lost(false).await;
}

#[tokio::test]
async fn commit_answer_lost_is_retryable_and_the_replay_is_a_duplicate_stepwise() {
    commit_answer_lost(true).await;
}

async fn commit_answer_lost(guarded: bool) {
    let setup = setup().await;
    let entries = [note("c", "third", guarded)];
    setup.proxy.arm(Fault::DropCommitAnswer);
    assert_lost_and_retryable(setup.apply(&entries, 7).await);
    assert_eq!(
        setup.proxy.fired(),
        1,
        "the proxy must have dropped a COMMIT's answer"
    );
    // The server committed: the row, the ledger and the checkpoint are there.
    assert_eq!(setup.state(), ("c\tthird\n".to_string(), ledger(7, 1)));

    // The client cannot know, so it retries: the ledger recognizes the replay and
    // nothing is written twice.
    let replay = setup.apply(&entries, 7).await;
    assert_eq!(replay, Ok(Applied::Duplicate));
    assert_eq!(setup.state(), ("c\tthird\n".to_string(), ledger(7, 1)));
}
