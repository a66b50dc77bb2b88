//! SIGTERM while a batch is in flight: the built binary stops accepting connections
//! at once, lets the batch finish (and answer), then exits with status 0.
//!
//! The batch is held in flight by the test itself: it takes SQLite's write lock on the
//! server's database file, so the server's `BEGIN IMMEDIATE` waits in the busy handler
//! until the test commits.
#![cfg(unix)]

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod cli_support;
use cli_support::{ChildGuard, http, ok};

const LIST: &str = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
/// Far above the test's hold of the lock, so a loaded machine cannot turn the wait
/// into SQLITE_BUSY.
const BUSY_TIMEOUT_MS: &str = "30000";

/// `serve --example-schema` (its policies let user-1 write their list) with request
/// tracing on (to see when the upload reached the handler), once `/health` answers.
async fn serve(data_dir: &Path) -> (ChildGuard, SocketAddr) {
    cli_support::serve_with(
        data_dir,
        &["--example-schema"],
        &[
            ("POWERSYNC_WRITE__SQLITE__BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS),
            ("RUST_LOG", "info,tower_http=debug"),
        ],
    )
    .await
}

/// Polls until `done` holds, or panics with `what` and the server's log.
async fn wait_for(server: &ChildGuard, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within 20 s: {}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_in_flight_batch_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let d = data.display().to_string();
    let db = data.join("powersync-write.db");

    ok(&["migrate", "--data-dir", &d, "--example-schema"]);
    let (mut server, addr) = serve(&data).await;
    let token = ok(&["token", "--data-dir", &d, "--sub", "user-1"])
        .trim()
        .to_string();

    // Hold the write lock: the upload will wait inside the server's BEGIN IMMEDIATE.
    let lock = rusqlite::Connection::open(&db).expect("open the database");
    lock.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");

    let batch = json!({
        "client_id": "device-1",
        "transactions": [{"crud": [
            {"op": "PUT", "table": "lists", "id": LIST, "op_id": 1,
             "op_data": {"name": "Groceries", "owner_id": "user-1"}}
        ]}]
    });
    let upload = tokio::spawn(async move {
        let response = http()
            .post(format!("http://{addr}/api/data"))
            .bearer_auth(token)
            .json(&batch)
            .send()
            .await
            .expect("upload");
        let status = response.status();
        (status, response.text().await.expect("reply body"))
    });

    // The handler has the request once the trace layer logs it (health checks log
    // too, under their own URI).
    wait_for(&server, "the upload reaching the server", || {
        server
            .log()
            .lines()
            .any(|line| line.contains("/api/data") && line.contains("started processing request"))
    })
    .await;
    // Give it the moment to get past authentication and parsing to the lock; the
    // graceful shutdown waits for it either way.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !upload.is_finished(),
        "the upload should be waiting for the lock"
    );

    let pid = server.child.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -TERM {pid} failed");

    // The listener closes at once, while the batch is still waiting.
    wait_for(&server, "the listener closing", || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err()
    })
    .await;
    assert!(
        !upload.is_finished(),
        "the upload must still be in flight when the lock is released: {}",
        server.log()
    );
    assert!(
        server.child.try_wait().expect("poll the server").is_none(),
        "the server must not exit with a batch in flight: {}",
        server.log()
    );

    lock.execute_batch("COMMIT")
        .expect("release the write lock");
    drop(lock);

    let (status, body) = tokio::time::timeout(Duration::from_secs(20), upload)
        .await
        .expect("the upload answers after the lock is released")
        .expect("upload task");
    assert_eq!(status, 200, "{body}\n{}", server.log());
    let reply: Value = serde_json::from_str(&body).expect("JSON reply");
    assert_eq!(reply, json!({"results": [{"status": "success"}]}));

    let exit = server.exit_within(Duration::from_secs(10)).await;
    let log = server.log();
    assert!(
        exit.is_some_and(|status| status.success()),
        "the server should exit with status 0 after the batch, got {exit:?}: {log}"
    );
    assert!(log.contains("stopped: in-flight batches finished"), "{log}");

    let conn = rusqlite::Connection::open(&db).expect("open the database");
    let name: String = conn
        .query_row("SELECT name FROM lists WHERE id = ?1", [LIST], |row| {
            row.get(0)
        })
        .expect("the uploaded list is in the database");
    assert_eq!(name, "Groceries");
}
