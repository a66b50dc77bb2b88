//! The built binary's start against its own tables, on SQLite and PostgreSQL: `serve`
//! on a database `migrate` has not prepared (missing, older or newer tables) exits
//! non-zero naming the database (without its password) and what to run; `serve
//! --migrate` and `migrate` (idempotent) prepare it. And its logs: no colour escapes
//! when stderr is a file, colours on a terminal with client text still escaped, and
//! `--log-format json` one JSON object per line.
#![cfg(unix)]

mod cli_support;
mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine as _;
use cli_support::{ChildGuard, command, free_port, http, ok};
use serde_json::{Value, json};

/// Runs `serve` with `args`, which must exit (not serve) within 60 s; returns whether
/// it succeeded and its stderr. The data folder is a temporary one unless `args` name
/// one.
async fn serve_exits(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("serve.log");
    let data = dir.path().join("data").display().to_string();
    let mut full = vec!["serve", "--listen", "127.0.0.1:0"];
    if !args.contains(&"--data-dir") {
        full.extend(["--data-dir", &data]);
    }
    full.extend_from_slice(args);
    let child = command(&full)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawn serve");
    let mut guard = ChildGuard { child, log };
    match guard.exit_within(Duration::from_secs(60)).await {
        Some(status) => (status.success(), guard.log()),
        None => panic!("serve {args:?} is serving: {}", guard.log()),
    }
}

/// `serve` with `args` on a free port, once `/ready` answers 200.
async fn serve_ready(data_dir: &Path, args: &[&str]) -> ChildGuard {
    let (guard, addr) = cli_support::serve_with(data_dir, args, &[]).await;
    let response = http()
        .get(format!("http://{addr}/ready"))
        .send()
        .await
        .expect("/ready");
    assert_eq!(response.status(), 200, "{}", guard.log());
    guard
}

fn sqlite_url(data: &Path) -> String {
    format!("sqlite://{}", data.join("app.db").display())
}

fn sqlite(data: &Path, sql: &str) {
    std::fs::create_dir_all(data).expect("data dir");
    rusqlite::Connection::open(data.join("app.db"))
        .and_then(|conn| conn.execute_batch(sql))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The runtime's tables as the first release made them (no version table).
const SQLITE_FIRST_LAYOUT: &str = "
CREATE TABLE powersync_write_ledger (client_id TEXT PRIMARY KEY NOT NULL, last_op_id INTEGER NOT NULL);
CREATE TABLE powersync_write_checkpoints (user_id TEXT NOT NULL, client_id TEXT NOT NULL,
    checkpoint INTEGER NOT NULL, PRIMARY KEY (user_id, client_id));
CREATE TABLE powersync_write_dead_letters (id TEXT PRIMARY KEY NOT NULL, created_at TEXT NOT NULL,
    subject TEXT NOT NULL, client_id TEXT, \"transaction\" TEXT NOT NULL, error_code TEXT NOT NULL,
    error_message TEXT NOT NULL, error_details TEXT NOT NULL, operation_index INTEGER NOT NULL,
    ledger_client_id TEXT, ledger_op_id INTEGER);
INSERT INTO powersync_write_ledger VALUES ('phone', 5);
";

const POSTGRES_FIRST_LAYOUT: &str = "
CREATE TABLE powersync_write_ledger (client_id text PRIMARY KEY, last_op_id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE powersync_write_checkpoints (user_id text NOT NULL, client_id text NOT NULL,
    checkpoint bigint NOT NULL, PRIMARY KEY (user_id, client_id));
CREATE TABLE powersync_write_dead_letters (seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), subject text NOT NULL,
    client_id text, \"transaction\" json NOT NULL, error_code text NOT NULL,
    error_message text NOT NULL, error_details json NOT NULL, operation_index integer NOT NULL,
    ledger_client_id text, ledger_op_id bigint);
INSERT INTO powersync_write_ledger (client_id, last_op_id) VALUES ('phone', 5);
";

fn assert_names_migrate(stderr: &str) {
    assert!(
        stderr.contains("run `powersync-write-server migrate`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`powersync-write-server serve --migrate`"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_an_unmigrated_sqlite_database_exits_naming_it_and_migrate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let d = data.display().to_string();
    let (success, stderr) = serve_exits(&["--data-dir", &d], &[]).await;
    assert!(!success, "{stderr}");
    let url = format!("sqlite://{}", data.join("powersync-write.db").display());
    assert!(
        stderr.contains(&format!("cannot serve the database {url}:")),
        "{stderr}"
    );
    assert!(stderr.contains("do not exist"), "{stderr}");
    assert_names_migrate(&stderr);

    // `serve --migrate` prepares it; then plain `serve` starts too.
    drop(serve_ready(&data, &["--migrate"]).await);
    drop(serve_ready(&data, &[]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_an_unmigrated_postgres_database_exits_naming_it_without_the_password() {
    let db = support::postgres::database().await;
    let url = format!(
        "postgres://postgres:s3cret-pw@127.0.0.1:{}/{}",
        db.port, db.name
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    let (success, stderr) = serve_exits(&["--data-dir", &d, "--database-url", &url], &[]).await;
    assert!(!success, "{stderr}");
    let shown = format!("postgres://postgres:***@127.0.0.1:{}/{}", db.port, db.name);
    assert!(
        stderr.contains(&format!("cannot serve the database {shown}:")),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
    assert_names_migrate(&stderr);

    drop(serve_ready(dir.path(), &["--database-url", &url, "--migrate"]).await);
    drop(serve_ready(dir.path(), &["--database-url", &url]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_twice_is_idempotent_and_records_the_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let url = sqlite_url(&data);
    for _ in 0..2 {
        let out = ok(&["migrate", "--database-url", &url]);
        assert_eq!(
            out.trim(),
            format!("migrated {url}: the runtime's tables are at schema version 2")
        );
    }
    let db = rusqlite::Connection::open(data.join("app.db")).expect("open");
    let versions: Vec<i64> = db
        .prepare("SELECT version FROM powersync_write_schema_version")
        .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect())
        .expect("versions");
    assert_eq!(versions, [2]);
    drop(serve_ready(&data, &["--database-url", &url]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_sqlite_layout_is_refused_then_upgraded_and_versioned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let url = sqlite_url(&data);
    sqlite(&data, SQLITE_FIRST_LAYOUT);
    let (success, stderr) = serve_exits(&["--database-url", &url], &[]).await;
    assert!(!success, "{stderr}");
    assert!(
        stderr.contains("schema version 1, older than this release's 2"),
        "{stderr}"
    );
    assert_names_migrate(&stderr);

    ok(&["migrate", "--database-url", &url]);
    let db = rusqlite::Connection::open(data.join("app.db")).expect("open");
    let (version, ledger): (i64, String) = db
        .query_row(
            "SELECT (SELECT version FROM powersync_write_schema_version), \
             (SELECT subject || '|' || client_id || '|' || last_op_id FROM powersync_write_ledger)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("version and ledger");
    assert_eq!((version, ledger.as_str()), (2, "|phone|5"));
    drop(serve_ready(&data, &["--database-url", &url]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_postgres_layout_is_upgraded_by_serve_migrate() {
    let db = support::postgres::database().await;
    db.sql(POSTGRES_FIRST_LAYOUT).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    let url = db.url();
    let (success, stderr) = serve_exits(&["--data-dir", &d, "--database-url", &url], &[]).await;
    assert!(!success, "{stderr}");
    assert!(
        stderr.contains("schema version 1, older than this release's 2"),
        "{stderr}"
    );

    drop(serve_ready(dir.path(), &["--database-url", &url, "--migrate"]).await);
    let rows = support::postgres::rows(
        &db.client().await,
        "SELECT (SELECT version::text FROM powersync_write_schema_version), \
         (SELECT subject || '|' || client_id || '|' || last_op_id FROM powersync_write_ledger)",
    )
    .await;
    assert_eq!(
        rows,
        [[Some("2".to_string()), Some("|phone|5".to_string())]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_version_is_refused_by_serve_and_migrate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let url = sqlite_url(&data);
    ok(&["migrate", "--database-url", &url]);
    sqlite(
        &data,
        "UPDATE powersync_write_schema_version SET version = 3",
    );
    for args in [
        vec!["--database-url", url.as_str()],
        vec!["--database-url", url.as_str(), "--migrate"],
    ] {
        let (success, stderr) = serve_exits(&args, &[]).await;
        assert!(!success, "{args:?}: {stderr}");
        assert!(
            stderr.contains("schema version 3, newer than this release's 2"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(&url), "{args:?}: {stderr}");
    }
    let stderr = cli_support::fails(&["migrate", "--database-url", &url]);
    assert!(
        stderr.contains("schema version 3, newer than this release's 2"),
        "{stderr}"
    );
    assert!(stderr.contains("does not downgrade"), "{stderr}");
    let db = rusqlite::Connection::open(data.join("app.db")).expect("open");
    let version: i64 = db
        .query_row(
            "SELECT version FROM powersync_write_schema_version",
            [],
            |r| r.get(0),
        )
        .expect("version");
    assert_eq!(version, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_postgres_version_is_refused() {
    let db = support::postgres::database().await;
    let url = db.url();
    ok(&["migrate", "--database-url", &url]);
    db.sql("UPDATE powersync_write_schema_version SET version = 3")
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    let (success, stderr) = serve_exits(&["--data-dir", &d, "--database-url", &url], &[]).await;
    assert!(!success, "{stderr}");
    assert!(
        stderr.contains("schema version 3, newer than this release's 2"),
        "{stderr}"
    );
    let stderr = cli_support::fails(&["migrate", "--database-url", &url]);
    assert!(
        stderr.contains("schema version 3, newer than this release's 2"),
        "{stderr}"
    );
}

// ---- logs ----

/// A client table name that would forge a log line and clear the reader's screen.
const EVIL: &str = "todos\n2030-01-01T00:00:00Z  INFO forged\x1b[2J";

/// A token refused naming its `kid` (checked before the signature), so the server
/// logs client text.
async fn send_forged_kid(addr: &str) {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
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
}

async fn wait_for_log(log: impl Fn() -> String, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = log();
        if text.contains(what) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no `{what}` in the log: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_written_to_a_file_has_no_colour_escapes() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Even where a terminal would be told to use colours.
    let (server, addr) = cli_support::serve_with(
        dir.path(),
        &["--migrate"],
        &[("TERM", "xterm-256color"), ("CLICOLOR_FORCE", "1")],
    )
    .await;
    send_forged_kid(&addr.to_string()).await;
    let log = wait_for_log(|| server.log(), "refused a bearer token").await;
    assert!(log.contains(" INFO "), "{log}");
    assert!(!log.contains('\x1b'), "an ESC in the log file: {log:?}");
    assert!(
        log.contains("todos\\n2030-01-01T00:00:00Z  INFO forged\\u001b[2J"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_format_json_writes_one_object_per_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The flag wins over the configuration's `log_format`.
    let (server, addr) = cli_support::serve_with(
        dir.path(),
        &["--migrate", "--log-format", "json"],
        &[("POWERSYNC_WRITE__LOG_FORMAT", "text")],
    )
    .await;
    send_forged_kid(&addr.to_string()).await;
    let log = wait_for_log(|| server.log(), "refused a bearer token").await;
    drop(server);
    let lines: Vec<Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect();
    assert!(lines.iter().all(Value::is_object), "{log}");
    assert!(!log.contains('\x1b'), "{log:?}");
    let serving = lines
        .iter()
        .find(|line| line["fields"]["message"] == "serving")
        .unwrap_or_else(|| panic!("no `serving` line: {log}"));
    assert_eq!(serving["level"], "INFO");
    let refused = lines
        .iter()
        .find(|line| line["fields"]["message"] == "refused a bearer token")
        .unwrap_or_else(|| panic!("no refusal: {log}"));
    // The client text, whole once decoded.
    let error = refused["fields"]["error"].as_str().unwrap_or_default();
    assert!(error.contains(EVIL), "{refused}");

    // The error that stops `serve` is a JSON line too.
    let data = dir.path().join("fresh");
    let d = data.display().to_string();
    let (success, stderr) = serve_exits(&["--data-dir", &d, "--log-format", "json"], &[]).await;
    assert!(!success, "{stderr}");
    let last: Value = stderr
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("the last line is not JSON: {stderr}"));
    assert_eq!(last["level"], "ERROR", "{last}");
    let error = last["fields"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("cannot serve the database"), "{last}");
    assert!(error.contains("powersync-write-server migrate"), "{last}");
}

#[test]
fn log_format_names_its_values() {
    let stderr = cli_support::fails(&["serve", "--log-format", "xml"]);
    assert!(stderr.contains("`xml`: expected text or json"), "{stderr}");
}

/// On a terminal (a pseudo-terminal from util-linux `script`), the text log has the
/// formatter's colours while client text in it stays escaped.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_on_a_terminal_is_coloured_with_client_text_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let typescript = dir.path().join("terminal.log");
    let serve = format!(
        "exec timeout 60 {} serve --migrate --data-dir {} --listen {addr}",
        cli_support::BIN,
        dir.path().display()
    );
    let mut script = std::process::Command::new("script");
    script
        .args(["-q", "-f", "-e", "-c", &serve])
        .arg(&typescript)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("POWERSYNC_WRITE") {
            script.env_remove(name);
        }
    }
    let child = script
        .spawn()
        .expect("util-linux `script` (package bsdutils) runs the server on a terminal");
    // Killing `script` closes the terminal, which hangs the server up.
    let guard = ChildGuard {
        child,
        log: typescript.clone(),
    };
    let log = wait_for_log(|| guard.log(), "serving").await;
    assert!(log.contains("\x1b["), "no colours on a terminal: {log:?}");
    send_forged_kid(&addr).await;
    let log = wait_for_log(|| guard.log(), "refused a bearer token").await;
    let refused = log
        .lines()
        .find(|line| line.contains("refused a bearer token"))
        .expect("the refusal");
    assert!(
        refused.contains("todos\\n2030-01-01T00:00:00Z  INFO forged\\u001b[2J"),
        "{refused:?}"
    );
    assert!(!log.contains("\x1b[2J"), "a raw client ESC: {log:?}");
    assert!(
        !log.lines().any(|line| line.starts_with("2030-01-01")),
        "a forged line: {log:?}"
    );
}
