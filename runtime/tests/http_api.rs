//! The HTTP application (`service::app`) served on a free loopback port and called
//! with reqwest: uploads with valid and refused tokens, the body limit, the content
//! type, request validation, the limits on batches in flight, `/health`, `/ready`
//! (PostgreSQL reachable or not) and `/metrics`. The full token matrix is tested on the `Authenticator` (auth_verify.rs).

mod auth_support;
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use auth_support::*;
use powersync_write_server::admission::Admission;
use powersync_write_server::auth::{AuthConfig, Authenticator, mint_dev_token};
use powersync_write_server::engine::{Engine, EngineConfig, Hooks};
use powersync_write_server::http::HttpConfig;
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::metrics::Metrics;
use powersync_write_server::persist::postgres::PostgresConfig;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::persist::{Persister, SharedPersister};
use powersync_write_server::policy::Policies;
use powersync_write_server::service::{self, WriteService};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

const LIST: &str = "00000000-0000-4000-8000-000000000001";

struct Server {
    base: String,
    dir: TempDir,
    key: TestKey,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("app.db")
    }
}

/// Serves the app on 127.0.0.1:0 with JWKS-file auth (one Ed25519 key) over
/// `persister`, or a fresh SQLite file with the example schema.
async fn serve(
    persister: Option<SharedPersister>,
    auth: Option<AuthConfig>,
    body_limit: usize,
) -> Server {
    serve_admitting(
        persister,
        auth,
        body_limit,
        HttpConfig::default().admission(),
    )
    .await
}

/// [`serve`] with these limits on batches in flight.
async fn serve_admitting(
    persister: Option<SharedPersister>,
    auth: Option<AuthConfig>,
    body_limit: usize,
    admission: Arc<Admission>,
) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = ed25519("k1");
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, jwks(&[&key])).expect("jwks");
    let auth = auth.unwrap_or_else(|| AuthConfig::jwks_file(&jwks_file, ISSUER, AUDIENCE));
    let authenticator = Authenticator::new(&auth, dir.path())
        .await
        .expect("authenticator");
    let persister = match persister {
        Some(persister) => persister,
        None => {
            let sqlite = SqlitePersister::open(dir.path().join("app.db"), SqliteOptions::default())
                .await
                .expect("open");
            sqlite.migrate().await.expect("migrate");
            sqlite
                .create_example_schema()
                .await
                .expect("example schema");
            Arc::new(sqlite)
        }
    };
    let config = EngineConfig::default();
    let engine = Engine::new(
        persister,
        MappingConfig::default(),
        Policies::allow_all(),
        Hooks::defaults(config.retry_after_ms),
        config,
    )
    .await
    .expect("engine");
    let service = WriteService {
        engine: Arc::new(engine),
        authenticator: Arc::new(authenticator),
        metrics: Arc::new(Metrics::new()),
        admission,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    // Ends with the test's runtime.
    tokio::spawn(async move { axum::serve(listener, service::app(service, body_limit)).await });
    Server { base, dir, key }
}

async fn sqlite_server() -> Server {
    serve(None, None, 64 * 1024).await
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

fn upload() -> Value {
    json!({
        "client_id": "c1",
        "transactions": [{
            "crud": [{
                "op": "PUT", "table": "lists", "id": LIST, "op_id": 1,
                "op_data": {"name": "Groceries", "owner_id": "user-1"}
            }]
        }]
    })
}

async fn post(server: &Server, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = http().post(server.url("/api/data")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.expect("JSON reply"))
}

fn lists(server: &Server) -> Vec<String> {
    let conn = rusqlite::Connection::open(server.db_path()).expect("open");
    let mut stmt = conn.prepare("SELECT name FROM lists").expect("prepare");
    stmt.query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[tokio::test]
async fn a_valid_token_gets_200_with_one_result_per_transaction() {
    let server = sqlite_server().await;
    let token = server.key.sign(&claims("user-1"));
    let (status, body) = post(&server, Some(&token), &upload()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"results": [{"status": "success"}]}));
    assert_eq!(lists(&server), ["Groceries"]);

    // The same batch again: recognised by client_id and op_id.
    let (status, body) = post(&server, Some(&token), &upload()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"results": [{"status": "success", "duplicate": true}]})
    );
}

/// What the tracing subscriber of this test binary has written (see [`logs`]).
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogsWriter;

impl std::io::Write for LogsWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log lines of every test of this binary so far, as the backend writes them
/// (text format); the subscriber is installed by the first call.
fn logs() -> String {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(|| LogsWriter)
            .try_init();
    });
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_client_has_gone_is_still_finished() {
    logs();
    let server = sqlite_server().await;
    // A subject of its own, so its log line is this test's.
    let user = "user-gone-away";
    let token = server.key.sign(&claims(user));
    let second = "00000000-0000-4000-8000-000000000002";
    let batch = json!({
        "client_id": "c1",
        "transactions": [
            {"crud": [{"op": "PUT", "table": "lists", "id": LIST, "op_id": 1,
                       "op_data": {"name": "first", "owner_id": user}}]},
            {"crud": [{"op": "PUT", "table": "lists", "id": second, "op_id": 2,
                       "op_data": {"name": "second", "owner_id": user}}]},
            // Not of the spec's shape (no `id`): kept as a dead letter.
            {"crud": [{"op": "PUT", "table": "lists", "op_id": 3,
                       "op_data": {"name": "third"}}]}
        ]
    });
    // Another writer holds the database: the first transaction waits for it.
    let blocker = rusqlite::Connection::open(server.db_path()).expect("open");
    blocker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // The client gives up (and closes its connection) while the batch waits.
    let gone = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .post(server.url("/api/data"))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await;
    assert!(gone.is_err_and(|e| e.is_timeout()), "the client timed out");
    tokio::time::sleep(Duration::from_millis(300)).await;
    blocker.execute_batch("COMMIT").expect("unlock");
    drop(blocker);

    // The whole batch is processed, the transactions that had not started when the
    // client went away too: two applied, the third kept as a dead letter, and the
    // batch logged as any other.
    let processed = |logs: &str| {
        logs.lines()
            .any(|line| line.contains("processed a batch") && line.contains(user))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !processed(&logs()) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logged = logs();
    let line = logged
        .lines()
        .find(|line| line.contains("processed a batch") && line.contains(user))
        .unwrap_or_else(|| panic!("no \"processed a batch\" line for {user}:\n{logged}"));
    assert!(line.contains("transactions=3"), "{line}");
    let mut names = lists(&server);
    names.sort();
    assert_eq!(names, ["first", "second"]);
    let conn = rusqlite::Connection::open(server.db_path()).expect("open");
    let kept: Vec<(String, String)> = conn
        .prepare("SELECT id, error_code FROM powersync_write_dead_letters WHERE subject = ?1")
        .expect("prepare")
        .query_map([user], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].1, "INVALID_REQUEST", "{kept:?}");
    // The client's resend is answered from the ledger and the dead letters.
    let (status, body) = post(&server, Some(&token), &batch).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["results"][0],
        json!({"status": "success", "duplicate": true})
    );
    assert_eq!(
        body["results"][1],
        json!({"status": "success", "duplicate": true})
    );
    assert_eq!(body["results"][2]["status"], "fatal_error", "{body}");
    assert_eq!(body["results"][2]["dead_letter_id"], kept[0].0, "{body}");
}

/// One list PUT by `user` under `client_id`.
fn list_batch(user: &str, client_id: &str, id: &str) -> Value {
    json!({
        "client_id": client_id,
        "transactions": [{"crud": [{"op": "PUT", "table": "lists", "id": id, "op_id": 1,
                                    "op_data": {"name": id, "owner_id": user}}]}]
    })
}

/// Waits (up to 10 s) until `admission` holds `count` batches.
async fn until_in_flight(admission: &Admission, count: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while admission.in_flight() != count {
        assert!(
            std::time::Instant::now() < deadline,
            "{} batches in flight, not {count}",
            admission.in_flight()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_beyond_the_in_flight_limits_are_refused_before_their_body_is_read() {
    // At most 3 batches at once, 2 per user.
    let admission = Admission::new(3, 2);
    let server = serve_admitting(None, None, 64 * 1024, admission.clone()).await;
    let token = |user: &str| server.key.sign(&claims(user));
    let ids = [
        "00000000-0000-4000-8000-000000000011",
        "00000000-0000-4000-8000-000000000012",
        "00000000-0000-4000-8000-000000000021",
    ];
    // Another writer holds the database, so admitted batches stay in flight.
    let blocker = rusqlite::Connection::open(server.db_path()).expect("open");
    blocker.execute_batch("BEGIN EXCLUSIVE").expect("lock");

    // user-1's two batches, from clients that give up while they wait: the batches
    // keep their places until they have been processed.
    for (client, id) in [("phone", ids[0]), ("tablet", ids[1])] {
        let gone = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap()
            .post(server.url("/api/data"))
            .bearer_auth(token("user-1"))
            .json(&list_batch("user-1", client, id))
            .send()
            .await;
        assert!(gone.is_err_and(|e| e.is_timeout()), "the client timed out");
    }
    // user-2's batch, from a patient client.
    let patient = tokio::spawn(
        http()
            .post(server.url("/api/data"))
            .bearer_auth(token("user-2"))
            .json(&list_batch("user-2", "c2", ids[2]))
            .send(),
    );
    until_in_flight(&admission, 3).await;

    // user-1 is at its own limit, whatever client_id it sends: 429, Retry-After.
    let refused = |status: StatusCode, code: &str, response: reqwest::Response| {
        let code = code.to_string();
        async move {
            assert_eq!(response.status(), status);
            let retry_after = response.headers().get("retry-after").cloned();
            assert_eq!(retry_after.expect("Retry-After").to_str().unwrap(), "1");
            let body: Value = response.json().await.expect("JSON reply");
            assert_eq!(body["code"], json!(code), "{body}");
            body["message"].as_str().expect("message").to_string()
        }
    };
    let response = http()
        .post(server.url("/api/data"))
        .bearer_auth(token("user-1"))
        .json(&list_batch(
            "user-1",
            "laptop",
            "00000000-0000-4000-8000-000000000013",
        ))
        .send()
        .await
        .expect("request");
    let message = refused(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", response).await;
    assert!(message.contains("max_batches_per_user"), "{message}");
    // user-3 is under its own limit, but the server holds 3 batches: 503, Retry-After.
    let response = http()
        .post(server.url("/api/data"))
        .bearer_auth(token("user-3"))
        .json(&list_batch(
            "user-3",
            "c3",
            "00000000-0000-4000-8000-000000000031",
        ))
        .send()
        .await
        .expect("request");
    let message = refused(StatusCode::SERVICE_UNAVAILABLE, "BUSY", response).await;
    assert!(message.contains("max_batches_in_flight"), "{message}");

    // A refused batch's body is not read: headers announcing a body that never comes
    // get their answer at once.
    let address = server.base.trim_start_matches("http://").to_string();
    let mut raw = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/data HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: 60000\r\n\r\n",
        token("user-3")
    );
    tokio::io::AsyncWriteExt::write_all(&mut raw, head.as_bytes())
        .await
        .expect("send headers");
    let mut reply = Vec::new();
    let mut buffer = [0u8; 1024];
    while !reply.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::io::AsyncReadExt::read(&mut raw, &mut buffer),
        )
        .await
        .expect("an answer without the body")
        .expect("read");
        assert!(read > 0, "closed without an answer");
        reply.extend_from_slice(&buffer[..read]);
    }
    let reply = String::from_utf8_lossy(&reply).to_lowercase();
    assert!(reply.starts_with("http/1.1 503"), "{reply}");
    assert!(reply.contains("retry-after: 1"), "{reply}");

    // The database frees: every admitted batch is processed, the gone clients' ones
    // too, and their places are freed.
    blocker.execute_batch("COMMIT").expect("unlock");
    drop(blocker);
    let response = patient.await.unwrap().expect("the patient client's reply");
    assert_eq!(response.status(), StatusCode::OK);
    until_in_flight(&admission, 0).await;
    let mut names = lists(&server);
    names.sort();
    assert_eq!(names, ids);
    // user-1 is admitted again.
    let (status, body) = post(
        &server,
        Some(&token("user-1")),
        &list_batch("user-1", "laptop", "00000000-0000-4000-8000-000000000013"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"results": [{"status": "success"}]}));
    // The refusals are counted by reason.
    let metrics = http()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("powersync_write_batches_refused_total{reason=\"user\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("powersync_write_batches_refused_total{reason=\"server\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_dev_mode_token_from_the_data_folder_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(None, Some(AuthConfig::default()), 64 * 1024).await;
    // Dev keys live under the server's data folder; a token minted elsewhere fails.
    let foreign = mint_dev_token(dir.path(), "user-1", Duration::from_secs(60)).unwrap();
    let (status, _) = post(&server, Some(&foreign), &upload()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = mint_dev_token(server.dir.path(), "user-1", Duration::from_secs(60)).unwrap();
    let (status, body) = post(&server, Some(&token), &upload()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"results": [{"status": "success"}]}));
}

#[tokio::test]
async fn refused_credentials_get_401_and_nothing_is_written() {
    let server = sqlite_server().await;
    let expired = server
        .key
        .sign(&with(claims("user-1"), "exp", json!(now() - 3600)));
    let wrong_audience = server
        .key
        .sign(&with(claims("user-1"), "aud", json!("someone-else")));
    let alg_none = raw_token(
        &json!({"alg": "none", "typ": "JWT"}),
        &claims("user-1"),
        b"",
    );
    let cases: [(&str, Option<String>); 6] = [
        ("missing header", None),
        (
            "not a bearer credential",
            Some("Basic dXNlcjpwYXNz".to_string()),
        ),
        ("malformed", Some("Bearer not.a.jwt".to_string())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("wrong audience", Some(format!("Bearer {wrong_audience}"))),
        ("alg none", Some(format!("Bearer {alg_none}"))),
    ];
    for (case, authorization) in cases {
        let mut request = http().post(server.url("/api/data")).json(&upload());
        if let Some(value) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["code"], "UNAUTHENTICATED", "{case}: {body}");
        assert!(body["message"].is_string(), "{case}: {body}");
    }
    assert!(lists(&server).is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    let server = serve(None, None, 512).await;
    let token = server.key.sign(&claims("user-1"));
    let mut big = upload();
    big["transactions"][0]["crud"][0]["op_data"]["name"] = json!("x".repeat(1024));
    let (status, body) = post(&server, Some(&token), &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
    // Under the limit, the same server accepts it.
    let (status, _) = post(&server, Some(&token), &upload()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_text_plain_body_gets_415() {
    let server = sqlite_server().await;
    let token = server.key.sign(&claims("user-1"));
    let response = http()
        .post(server.url("/api/data"))
        .bearer_auth(&token)
        .header(reqwest::header::CONTENT_TYPE, "text/plain")
        .body(upload().to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE");
    assert!(lists(&server).is_empty());
}

#[tokio::test]
async fn an_unknown_op_is_a_fatal_invalid_request_of_its_transaction_alone() {
    let server = sqlite_server().await;
    let token = server.key.sign(&claims("user-1"));
    let mut bad = upload();
    bad["transactions"][0]["crud"][0]["op"] = json!("UPSERT");
    let (status, body) = post(&server, Some(&token), &bad).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let failure = &body["results"][0];
    assert_eq!(failure["status"], "fatal_error", "{body}");
    assert_eq!(failure["requires_client_handling"], false);
    assert_eq!(failure["failed_operation"]["error_code"], "INVALID_REQUEST");
    let paths: Vec<&str> = failure["failed_operation"]["details"]["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["path"].as_str())
        .collect();
    assert_eq!(paths, ["$.transactions[0].crud[0].op"], "{body}");
    assert!(failure["dead_letter_id"].is_string(), "{body}");
    assert!(lists(&server).is_empty());
}

#[tokio::test]
async fn a_broken_envelope_gets_400_naming_its_path() {
    let server = sqlite_server().await;
    let token = server.key.sign(&claims("user-1"));
    let mut bad = upload();
    bad["client_id"] = json!(42);
    bad["transactions"][0]["crud"][0]["op"] = json!("UPSERT");
    let (status, body) = post(&server, Some(&token), &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "INVALID_REQUEST");
    let mut paths: Vec<&str> = body["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["path"].as_str())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        ["$.client_id", "$.transactions[0].crud[0].op"],
        "{body}"
    );
    assert!(lists(&server).is_empty());
}

#[tokio::test]
async fn health_and_metrics() {
    let server = sqlite_server().await;
    let response = http().get(server.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );

    let token = server.key.sign(&claims("user-1"));
    let mut batch = upload();
    batch["transactions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"crud": [{"op": "PUT", "table": "todos", "id": "t1", "op_id": 2,
            "op_data": {"description": "orphan", "list_id": "00000000-0000-4000-8000-0000000000ff"}}]}));
    let (status, body) = post(&server, Some(&token), &batch).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["results"][1]["status"], "fatal_error", "{body}");
    // The schema lets other backends leave these out; this backend always sends them.
    let failed = &body["results"][1]["failed_operation"];
    assert_eq!(failed["operation_index"], 0, "{body}");
    assert!(
        failed["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(failed["details"].is_object(), "{body}");

    let response = http().get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for line in [
        "powersync_write_transactions_total{status=\"success\"} 1",
        "powersync_write_transactions_total{status=\"fatal_error\"} 1",
        "powersync_write_operations_total 2",
        "powersync_write_batch_duration_seconds_count 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
}

#[tokio::test]
async fn ready_follows_the_database() {
    let db = support::postgres::database().await;
    let mut config = PostgresConfig::new(db.url());
    config.connect_timeout = Duration::from_secs(2);
    let persister = db.persister_with(config).await;
    let server = serve(Some(Arc::new(persister)), None, 64 * 1024).await;

    let response = http().get(server.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ready"})
    );

    // The database stops taking connections and drops the open ones.
    let admin = support::postgres::connect(&format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        db.port
    ))
    .await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            name = db.name
        ))
        .await
        .expect("cut the database off");
    let response = http().get(server.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response
            .headers()
            .contains_key(reqwest::header::RETRY_AFTER)
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "NOT_READY", "{body}");
    // Liveness does not depend on the database.
    let response = http().get(server.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS true",
            db.name
        ))
        .await
        .expect("reconnect the database");
    let response = http().get(server.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
