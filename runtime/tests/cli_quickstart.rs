//! The built binary, driven as the README's quick start does: `migrate`, `serve` as a
//! child process, `token`, an upload with an HTTP client, then resolving a dead letter
//! with `dead-letters list|show|retry|discard`; and the refusals of `serve` (dev mode
//! on a public address) and `check-config` (an unknown key).

use std::path::Path;

use serde_json::{Value, json};

mod cli_support;
use cli_support::{ChildGuard, command, fails, free_port, http, ok};

const LIST: &str = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
const MILK: &str = "7d1f0c3e-5a2b-4e8f-b6c9-1a2b3c4d5e6f";
const BREAD: &str = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b";
const MISSING_LIST: &str = "00000000-0000-4000-8000-000000000000";

/// `serve --example-schema` on a free port (as the README's quick start); the base URL.
async fn serve(data_dir: &Path) -> (ChildGuard, String) {
    let (guard, listen) = cli_support::serve_with(data_dir, &["--example-schema"], &[]).await;
    (guard, format!("http://{listen}"))
}

async fn upload(base: &str, token: &str, body: &Value) -> Value {
    let response = http()
        .post(format!("{base}/api/data"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON reply")
}

fn rows(db: &Path, sql: &str) -> Vec<Vec<Value>> {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let mut stmt = conn.prepare(sql).expect("prepare");
    let count = stmt.column_count();
    stmt.query_map([], |row| {
        (0..count)
            .map(|i| {
                Ok(match row.get::<_, rusqlite::types::Value>(i)? {
                    rusqlite::types::Value::Null => Value::Null,
                    rusqlite::types::Value::Integer(n) => json!(n),
                    rusqlite::types::Value::Text(t) => json!(t),
                    other => json!(format!("{other:?}")),
                })
            })
            .collect()
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// The quick start's request: a list and two todos in one transaction, then a PATCH
/// completing one of them.
fn quick_start_batch() -> Value {
    json!({
        "client_id": "device-1",
        "transactions": [
            {"crud": [
                {"op": "PUT", "table": "lists", "id": LIST, "op_id": 1,
                 "op_data": {"name": "Groceries", "owner_id": "user-1"}},
                {"op": "PUT", "table": "todos", "id": MILK, "op_id": 2,
                 "op_data": {"description": "Milk", "completed": 0, "list_id": LIST}},
                {"op": "PUT", "table": "todos", "id": BREAD, "op_id": 3,
                 "op_data": {"description": "Bread", "completed": 0, "list_id": LIST}}
            ]},
            {"crud": [
                {"op": "PATCH", "table": "todos", "id": MILK, "op_id": 4,
                 "op_data": {"completed": 1, "completed_at": "2026-01-02 03:04:05.678Z"}}
            ]}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_start_works_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let d = data.display().to_string();
    let db = data.join("powersync-write.db");

    let migrated = ok(&["migrate", "--data-dir", &d, "--example-schema"]);
    assert!(migrated.starts_with("migrated sqlite://"), "{migrated}");
    let (server, base) = serve(&data).await;
    let token = ok(&["token", "--data-dir", &d, "--sub", "user-1"]);
    let token = token.trim();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");

    let reply = upload(&base, token, &quick_start_batch()).await;
    assert_eq!(
        reply,
        json!({"results": [{"status": "success"}, {"status": "success"}]}),
        "{}",
        server.log()
    );
    assert_eq!(
        rows(&db, "SELECT id, name, owner_id FROM lists"),
        [[json!(LIST), json!("Groceries"), json!("user-1")]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT description, completed, completed_at, list_id FROM todos ORDER BY description"
        ),
        [
            [json!("Bread"), json!(0), Value::Null, json!(LIST)],
            [
                json!("Milk"),
                json!(1),
                json!("2026-01-02 03:04:05.678Z"),
                json!(LIST)
            ],
        ]
    );

    // A todo in a list that does not exist: kept as a dead letter.
    let orphan = json!({
        "client_id": "device-1",
        "transactions": [{"crud": [
            {"op": "PUT", "table": "todos", "id": "9c8b7a6d-1e2f-4a3b-8c7d-6e5f4a3b2c1d", "op_id": 5,
             "op_data": {"description": "Orphan", "completed": 0, "list_id": MISSING_LIST}}
        ]}]
    });
    let reply = upload(&base, token, &orphan).await;
    let result = &reply["results"][0];
    assert_eq!(result["status"], "fatal_error", "{reply}");
    // The example policy: a todo belongs to the owner of its list, and this list
    // does not exist.
    assert_eq!(result["failed_operation"]["error_code"], "UNAUTHORIZED");
    assert_eq!(result["failed_operation"]["details"]["table"], "todos");
    let id = result["dead_letter_id"]
        .as_str()
        .expect("dead_letter_id")
        .to_string();

    let listed = ok(&["dead-letters", "list", "--data-dir", &d]);
    assert!(
        listed.contains(&id) && listed.contains("user-1") && listed.contains("UNAUTHORIZED"),
        "{listed}"
    );
    let shown: Value = serde_json::from_str(&ok(&["dead-letters", "show", &id, "--data-dir", &d]))
        .expect("show prints JSON");
    assert_eq!(shown["id"], json!(id));
    assert_eq!(shown["subject"], "user-1");
    assert_eq!(shown["client_id"], "device-1");
    assert_eq!(shown["transaction"], orphan["transactions"][0]);
    assert!(
        shown["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("does not exist or belongs to another user")),
        "the operator sees why: {shown}"
    );

    // Retrying before the cause is fixed keeps it (the retry bypasses the policies,
    // so it is the database's foreign key that refuses it now).
    let error = fails(&["dead-letters", "retry", &id, "--data-dir", &d]);
    assert!(error.contains("FOREIGN_KEY_VIOLATION"), "{error}");
    // Fix the cause (the missing list), then retry: applied and removed.
    let fix = json!({"transactions": [{"crud": [
        {"op": "PUT", "table": "lists", "id": MISSING_LIST,
         "op_data": {"name": "Recovered", "owner_id": "user-1"}}
    ]}]});
    assert_eq!(
        upload(&base, token, &fix).await,
        json!({"results": [{"status": "success"}]})
    );
    let retried = ok(&["dead-letters", "retry", &id, "--data-dir", &d]);
    assert!(retried.contains(&id), "{retried}");
    assert_eq!(
        rows(
            &db,
            "SELECT description FROM todos WHERE list_id = '00000000-0000-4000-8000-000000000000'"
        ),
        [[json!("Orphan")]]
    );
    assert_eq!(
        ok(&["dead-letters", "list", "--data-dir", &d]).trim(),
        "no dead letters"
    );

    let error = fails(&["dead-letters", "discard", "no-such-id", "--data-dir", &d]);
    assert!(
        error.contains("no dead letter with id no-such-id"),
        "{error}"
    );
    drop(server);
}

#[test]
fn dev_mode_refuses_a_public_address_naming_the_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    let listen = format!("0.0.0.0:{}", free_port());
    let error = fails(&[
        "serve",
        "--data-dir",
        &dir.path().display().to_string(),
        "--listen",
        &listen,
    ]);
    assert!(
        error.contains("--insecure-dev-auth-on-public-address"),
        "{error}"
    );
}

#[test]
fn check_config_names_an_unknown_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "[engine]\nbatch_polcy = \"skip\"\n").expect("write config");
    let error = fails(&[
        "check-config",
        "--data-dir",
        &d,
        "--config",
        &file.display().to_string(),
    ]);
    assert!(
        error.contains("batch_polcy") && error.contains("config.toml"),
        "{error}"
    );

    let output = command(&["check-config", "--data-dir", &d])
        .env("POWERSYNC_WRITE__LISTN", "127.0.0.1:7000")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("POWERSYNC_WRITE__LISTN") && error.contains("listn"),
        "{error}"
    );

    std::fs::write(&file, "[engine]\nbatch_policy = \"skip\"\n").expect("write config");
    let valid = ok(&[
        "check-config",
        "--data-dir",
        &d,
        "--config",
        &file.display().to_string(),
    ]);
    assert!(valid.contains("configuration is valid"), "{valid}");
}

#[test]
fn check_config_lists_every_tables_effective_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    ok(&["migrate", "--data-dir", &d, "--example-schema"]);
    let file = dir.path().join("config.toml");
    let config = file.display().to_string();
    std::fs::write(
        &file,
        "[authorization.tables.lists]\nowner_column = \"owner_id\"\n",
    )
    .expect("write config");
    let listed = ok(&["check-config", "--data-dir", &d, "--config", &config]);
    for line in [
        "  lists: owner: rows whose `owner_id` is the user's sub",
        "  todos: deny: no user writes",
        "  other tables: deny: no user writes",
        "  denied writes: kept as dead letters",
    ] {
        assert!(listed.lines().any(|l| l == line), "{line:?} in:\n{listed}");
    }

    // A policy naming a column the table does not have stops the check, naming it.
    std::fs::write(
        &file,
        "[authorization.tables.lists]\nowner_column = \"owner\"\n",
    )
    .expect("write config");
    let error = fails(&["check-config", "--data-dir", &d, "--config", &config]);
    assert!(
        error.contains("[authorization.tables.lists]: table `lists` has no column `owner`"),
        "{error}"
    );
}
