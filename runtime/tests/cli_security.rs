//! The built binary and hostile input: control characters in client text never reach a
//! log line or the `dead-letters` output raw, and a dev key whose permissions were
//! loosened stops every command that loads it.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::persist::{NewDeadLetter, Persister};
use serde_json::{Value, json};

mod cli_support;
use cli_support::{fails, http, ok};

/// A client table name that would forge a log line and clear the reader's screen.
const EVIL: &str = "todos\n2030-01-01T00:00:00Z  INFO forged: all good\x1b[2J\u{9b}31m";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_kid_is_logged_as_one_escaped_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let (server, addr) = cli_support::serve(&data, &[]).await;

    // The kid is checked before the signature, so this is refused naming the kid.
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": EVIL});
    let claims = json!({"sub": "u", "exp": 4_102_444_800u64});
    let token = format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(&[0u8; 64])
    );
    let response = http()
        .post(format!("http://{addr}/api/data"))
        .bearer_auth(token)
        .json(&json!({"transactions": []}))
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 401);

    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("refused a bearer token") {
        assert!(Instant::now() < deadline, "no log line: {}", server.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = server.log();
    assert!(!log.contains('\x1b'), "a raw ESC in the log: {log:?}");
    assert!(!log.contains('\u{9b}'), "a raw CSI in the log: {log:?}");
    assert!(!log.contains('\r'), "{log:?}");
    let refused: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("refused a bearer token"))
        .collect();
    assert_eq!(refused.len(), 1, "{log}");
    assert!(
        refused[0].contains("todos\\n2030-01-01T00:00:00Z  INFO forged: all good"),
        "{}",
        refused[0]
    );
    assert!(
        !log.lines().any(|line| line.starts_with("2030-01-01")),
        "a forged line: {log}"
    );
}

#[tokio::test]
async fn dead_letters_list_and_show_escape_client_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let d = data.display().to_string();
    ok(&["migrate", "--data-dir", &d]);
    let persister =
        SqlitePersister::open(data.join("powersync-write.db"), SqliteOptions::default())
            .await
            .expect("open the database");
    let transaction = json!({"crud": [
        {"op": "PUT", "table": EVIL, "id": "1", "op_id": 1, "op_data": {"x": "\x07"}}
    ]});
    let id = persister
        .store_dead_letter(&NewDeadLetter {
            subject: "user\r\n1".to_string(),
            client_id: Some("device-1".to_string()),
            transaction: transaction.clone(),
            error_code: "SCHEMA_MISMATCH".to_string(),
            error_message: format!("no table `{EVIL}`"),
            error_details: json!({"table": EVIL}),
            operation_index: 0,
            idempotency: None,
        })
        .await
        .expect("store a dead letter");
    drop(persister);

    let list = ok(&["dead-letters", "list", "--data-dir", &d]);
    assert_eq!(list.lines().count(), 1, "one letter, one line: {list:?}");
    assert!(
        !list.chars().any(|c| c.is_control() && c != '\n'),
        "{list:?}"
    );
    assert!(list.contains("user\\r\\n1"), "{list}");
    assert!(
        list.contains(
            "no table `todos\\n2030-01-01T00:00:00Z  INFO forged: all good\\u001b[2J\\u009b31m`"
        ),
        "{list}"
    );

    let show = ok(&["dead-letters", "show", &id, "--data-dir", &d]);
    assert!(
        !show.chars().any(|c| c.is_control() && c != '\n'),
        "{show:?}"
    );
    // Still JSON, holding the same text.
    let shown: Value = serde_json::from_str(&show).expect("show prints JSON");
    assert_eq!(shown["transaction"], transaction);
    assert_eq!(shown["subject"], json!("user\r\n1"));

    // Retrying fails again, naming the table: escaped too.
    let retry = fails(&["dead-letters", "retry", &id, "--data-dir", &d]);
    assert_eq!(retry.lines().count(), 1, "{retry:?}");
    assert!(
        !retry.chars().any(|c| c.is_control() && c != '\n'),
        "{retry:?}"
    );
    assert!(retry.contains("todos\\n2030"), "{retry}");
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loosened_dev_key_stops_token_check_config_and_serve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let d = data.display().to_string();
    ok(&["token", "--data-dir", &d, "--sub", "u"]);
    let key = data.join("dev-keys").join("private-key.pem");

    chmod(&key, 0o644);
    let expected = format!("chmod 600 {}", key.display());
    for args in [
        vec!["token", "--data-dir", &d, "--sub", "u"],
        vec!["check-config", "--data-dir", &d],
        vec!["serve", "--data-dir", &d, "--listen", "127.0.0.1:0"],
    ] {
        let stderr = fails(&args);
        assert!(
            stderr.contains(&key.display().to_string()),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("mode 0644"), "{args:?}: {stderr}");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
        assert!(stderr.contains("or delete it"), "{args:?}: {stderr}");
    }

    chmod(&key, 0o600);
    ok(&["token", "--data-dir", &d, "--sub", "u"]);
    ok(&["check-config", "--data-dir", &d]);
    let (_server, _addr) = cli_support::serve(&data, &[]).await;
}
