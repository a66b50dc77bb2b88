//! Keys from a JWKS URL served by a local HTTP server: rotation without restart, the
//! reload rate limit, one fetch for concurrent misses, the cache TTL, start-up
//! failures (timeout, error status, oversized body), and over HTTP against the
//! backend: the whole bad-token matrix (401), a rotated key (200) and a key server
//! that is down (503 with Retry-After, not 401).

mod auth_support;

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_support::*;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use powersync_write_server::auth::{AuthConfig, AuthError, AuthMode, Authenticator};
use powersync_write_server::engine::{Engine, EngineConfig, Hooks};
use powersync_write_server::http::HttpConfig;
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::metrics::Metrics;
use powersync_write_server::persist::Persister;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::policy::Policies;
use powersync_write_server::service::{self, WriteService};
use serde_json::{Value, json};

#[derive(Clone)]
struct Served {
    document: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
    status: Arc<AtomicU16>,
}

struct JwksServer {
    base: String,
    served: Served,
}

impl JwksServer {
    async fn start(keys: &[&TestKey]) -> JwksServer {
        let served = Served {
            document: Arc::new(Mutex::new(jwks(keys))),
            hits: Arc::new(AtomicUsize::new(0)),
            status: Arc::new(AtomicU16::new(200)),
        };
        let app = Router::new()
            .route("/jwks", get(serve_jwks))
            .route("/slow", get(slow))
            .route("/huge", get(huge))
            .route(
                "/moved",
                get(|| async { axum::response::Redirect::temporary("/jwks") }),
            )
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // Ends with the test's runtime.
        tokio::spawn(async move { axum::serve(listener, app).await });
        JwksServer { base, served }
    }

    fn serve(&self, keys: &[&TestKey]) {
        *self.served.document.lock().unwrap() = jwks(keys);
    }

    fn fail_with(&self, status: u16) {
        self.served.status.store(status, Ordering::SeqCst);
    }

    fn hits(&self) -> usize {
        self.served.hits.load(Ordering::SeqCst)
    }

    fn config(&self, path: &str, min_interval_seconds: u64) -> AuthConfig {
        let mut config = AuthConfig {
            mode: Some(AuthMode::Jwks),
            jwks_url: Some(format!("{}{path}", self.base)),
            issuers: vec![ISSUER.into()],
            audiences: vec![AUDIENCE.into()],
            ..AuthConfig::default()
        };
        config.jwks_refresh.min_interval_seconds = min_interval_seconds;
        config.jwks_refresh.timeout_seconds = 1;
        config
    }

    async fn authenticator(&self, min_interval_seconds: u64) -> Authenticator {
        let dir = tempfile::tempdir().unwrap();
        Authenticator::new(&self.config("/jwks", min_interval_seconds), dir.path())
            .await
            .unwrap()
    }
}

async fn serve_jwks(State(served): State<Served>) -> impl IntoResponse {
    served.hits.fetch_add(1, Ordering::SeqCst);
    let status = StatusCode::from_u16(served.status.load(Ordering::SeqCst)).unwrap();
    let body = served.document.lock().unwrap().clone();
    (status, [(header::CONTENT_TYPE, "application/json")], body)
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "{}"
}

async fn huge() -> String {
    format!(
        "{{\"keys\":[],\"padding\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    )
}

async fn unknown_kid(auth: &Authenticator, key: &TestKey) -> bool {
    matches!(
        auth.verify(&key.sign(&claims("u"))).await,
        Err(AuthError::UnknownKey { .. })
    )
}

#[tokio::test]
async fn a_rotated_key_is_fetched_on_first_use_without_restart() {
    let a = ed25519("a");
    let b = rsa(jsonwebtoken::Algorithm::RS256, "b");
    let server = JwksServer::start(&[&a]).await;
    let auth = server.authenticator(30).await;
    assert_eq!(server.hits(), 1, "loaded once at start");
    assert_eq!(
        auth.verify(&a.sign(&claims("u"))).await.unwrap().subject,
        "u"
    );
    assert_eq!(server.hits(), 1, "a known kid needs no fetch");

    server.serve(&[&a, &b]);
    assert_eq!(
        auth.verify(&b.sign(&claims("rotated")))
            .await
            .unwrap()
            .subject,
        "rotated"
    );
    assert_eq!(server.hits(), 2, "one fetch for the new kid");
    assert!(auth.verify(&b.sign(&claims("u"))).await.is_ok());
    assert_eq!(server.hits(), 2);
}

/// The reload interval of the rate-limit test: long enough that its dozen
/// verifications finish inside it on a loaded two-core machine (which the test checks).
const INTERVAL: Duration = Duration::from_secs(5);

#[tokio::test]
async fn unknown_kids_cause_at_most_one_fetch_per_interval() {
    let a = ed25519("a");
    let b = es256("b");
    let c = es256("c");
    let server = JwksServer::start(&[&a]).await;
    let auth = server.authenticator(INTERVAL.as_secs()).await;
    // Signed up front so the rate-limited part runs well within the interval.
    let (token_b, token_c) = (b.sign(&claims("u")), c.sign(&claims("u")));
    let unknown = |token: String| {
        let auth = &auth;
        async move { matches!(auth.verify(&token).await, Err(AuthError::UnknownKey { .. })) }
    };

    // The first miss fetches; the key is still unknown.
    let fetching = Instant::now();
    assert!(unknown(token_b.clone()).await);
    let fetched = Instant::now();
    assert_eq!(server.hits(), 2);
    // Within the interval further misses do not fetch, even once the key exists.
    server.serve(&[&a, &b, &c]);
    for _ in 0..5 {
        assert!(unknown(token_b.clone()).await);
        assert!(unknown(token_c.clone()).await);
    }
    assert_eq!(server.hits(), 2, "rate limited");
    assert!(
        fetching.elapsed() < INTERVAL,
        "the misses took {:?}, longer than the interval: the test proved nothing",
        fetching.elapsed()
    );
    // Once the interval has passed, the next miss fetches again.
    tokio::time::sleep(INTERVAL.saturating_sub(fetched.elapsed()) + Duration::from_millis(100))
        .await;
    assert!(auth.verify(&token_b).await.is_ok());
    assert!(auth.verify(&token_c).await.is_ok());
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn concurrent_misses_share_one_fetch() {
    let a = ed25519("a");
    let b = ed25519("b");
    let server = JwksServer::start(&[&a]).await;
    let auth = Arc::new(server.authenticator(30).await);
    server.serve(&[&a, &b]);
    let token = b.sign(&claims("u"));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let auth = auth.clone();
            let token = token.clone();
            tokio::spawn(async move { auth.verify(&token).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().subject, "u");
    }
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn keys_older_than_the_ttl_are_reloaded_so_removed_keys_stop_working() {
    let a = ed25519("a");
    let b = ed25519("b");
    let server = JwksServer::start(&[&a]).await;
    // Long enough for the cached checks below on a loaded machine (checked).
    let ttl = Duration::from_secs(4);
    let mut config = server.config("/jwks", 0);
    config.jwks_refresh.cache_ttl_seconds = ttl.as_secs();
    let dir = tempfile::tempdir().unwrap();
    let loading = Instant::now();
    let auth = Authenticator::new(&config, dir.path()).await.unwrap();
    let loaded = Instant::now();
    assert!(auth.verify(&a.sign(&claims("u"))).await.is_ok());
    server.serve(&[&b]);
    assert!(
        auth.verify(&a.sign(&claims("u"))).await.is_ok(),
        "still cached"
    );
    assert!(
        loading.elapsed() < ttl,
        "the cached checks took {:?}, longer than the TTL: the test proved nothing",
        loading.elapsed()
    );
    tokio::time::sleep(ttl.saturating_sub(loaded.elapsed()) + Duration::from_millis(100)).await;
    assert!(unknown_kid(&auth, &a).await, "removed from the JWKS");
    assert!(auth.verify(&b.sign(&claims("u"))).await.is_ok());
}

#[tokio::test]
async fn a_failing_reload_keeps_the_loaded_keys() {
    let a = ed25519("a");
    let b = ed25519("b");
    let server = JwksServer::start(&[&a]).await;
    let auth = server.authenticator(0).await;
    server.fail_with(500);
    // Not "unknown": the key may exist, the server could not tell (answered 503).
    assert!(matches!(
        auth.verify(&b.sign(&claims("u"))).await,
        Err(AuthError::KeysUnavailable { ref kid, .. }) if kid == "b"
    ));
    assert_eq!(server.hits(), 2, "the reload was tried");
    assert!(
        auth.verify(&a.sign(&claims("u"))).await.is_ok(),
        "old keys still work"
    );
    server.fail_with(200);
    server.serve(&[&a, &b]);
    assert!(auth.verify(&b.sign(&claims("u"))).await.is_ok());
}

#[tokio::test]
async fn a_jwks_url_that_cannot_be_loaded_stops_the_start() {
    let server = JwksServer::start(&[&ed25519("a")]).await;
    let dir = tempfile::tempdir().unwrap();
    let start = |path: &str| {
        let config = server.config(path, 30);
        let dir = dir.path().to_path_buf();
        async move {
            Authenticator::new(&config, &dir)
                .await
                .err()
                .map(|e| e.to_string())
        }
    };

    let started = std::time::Instant::now();
    let error = start("/slow").await.expect("timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the 1 s timeout held"
    );
    assert!(error.contains("/slow"), "{error}");

    let error = start("/huge").await.expect("too large");
    assert!(error.contains("larger than"), "{error}");

    let error = start("/missing").await.expect("404");
    assert!(error.contains("404"), "{error}");

    server.fail_with(503);
    let error = start("/jwks").await.expect("503");
    assert!(error.contains("503"), "{error}");

    server.fail_with(200);
    *server.served.document.lock().unwrap() = "<html>".into();
    let error = start("/jwks").await.expect("not JSON");
    assert!(error.contains("not JSON"), "{error}");
}

#[tokio::test]
async fn a_redirect_to_the_jwks_is_followed() {
    let a = ed25519("a");
    let server = JwksServer::start(&[&a]).await;
    let dir = tempfile::tempdir().unwrap();
    let auth = Authenticator::new(&server.config("/moved", 30), dir.path())
        .await
        .unwrap();
    assert!(auth.verify(&a.sign(&claims("u"))).await.is_ok());
    assert_eq!(server.hits(), 1);
}

/// A JWKS URL's basic-auth password and token parameter appear in no error, whatever
/// fails: the connection, the status, the document, the time limit or the URL itself.
#[tokio::test]
async fn credentials_in_the_jwks_url_never_reach_an_error() {
    let a = ed25519("a");
    let server = JwksServer::start(&[&a]).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let with_credentials = |base: &str, path: &str| {
        let rest = base.strip_prefix("http://").unwrap();
        format!("http://user:hunter2@{rest}{path}?access_token=t0ps3cret")
    };
    let attempt = |url: String| async move {
        let mut config = server_config_for(url);
        config.jwks_refresh.timeout_seconds = 1;
        let dir = tempfile::tempdir().unwrap();
        Authenticator::new(&config, dir.path())
            .await
            .err()
            .expect("the JWKS cannot load")
            .to_string()
    };

    let mut messages = vec![attempt(with_credentials(&format!("http://{closed}"), "/jwks")).await];
    server.fail_with(500);
    messages.push(attempt(with_credentials(&server.base, "/jwks")).await);
    server.fail_with(200);
    *server.served.document.lock().unwrap() = "not json".to_string();
    messages.push(attempt(with_credentials(&server.base, "/jwks")).await);
    messages.push(attempt(with_credentials(&server.base, "/slow")).await);
    messages.push(attempt("ftp://user:hunter2@127.0.0.1/jwks?access_token=t0ps3cret".into()).await);
    for message in &messages {
        assert!(!message.contains("hunter2"), "{message}");
        assert!(!message.contains("t0ps3cret"), "{message}");
        assert!(message.contains("user:***@"), "{message}");
    }
    // Each still says what went wrong.
    assert!(messages[0].contains("onnect"), "{}", messages[0]);
    assert!(messages[1].contains("500"), "{}", messages[1]);
    assert!(messages[2].contains("not JSON"), "{}", messages[2]);
    assert!(
        messages[3].contains("timed out") || messages[3].contains("longer than 1 s"),
        "{}",
        messages[3]
    );
    assert!(messages[4].contains("scheme `ftp`"), "{}", messages[4]);
}

fn server_config_for(url: String) -> AuthConfig {
    AuthConfig {
        mode: Some(AuthMode::Jwks),
        jwks_url: Some(url),
        issuers: vec![ISSUER.into()],
        audiences: vec![AUDIENCE.into()],
        ..AuthConfig::default()
    }
}

// ---- over HTTP, against the backend ----

/// The backend over HTTP on a fresh SQLite file, verifying tokens as `auth` says.
struct Backend {
    base: String,
    dir: tempfile::TempDir,
}

impl Backend {
    async fn start(auth: &AuthConfig) -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let authenticator = Authenticator::new(auth, dir.path()).await.unwrap();
        let sqlite = SqlitePersister::open(dir.path().join("app.db"), SqliteOptions::default())
            .await
            .unwrap();
        sqlite.migrate().await.unwrap();
        sqlite.create_example_schema().await.unwrap();
        let config = EngineConfig::default();
        let engine = Engine::new(
            Arc::new(sqlite),
            MappingConfig::default(),
            Policies::allow_all(),
            Hooks::defaults(config.retry_after_ms),
            config,
        )
        .await
        .unwrap();
        let service = WriteService {
            engine: Arc::new(engine),
            authenticator: Arc::new(authenticator),
            metrics: Arc::new(Metrics::new()),
            admission: HttpConfig::default().admission(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // Ends with the test's runtime.
        tokio::spawn(async move { axum::serve(listener, service::app(service, 64 * 1024)).await });
        Backend { base, dir }
    }

    /// Uploads one list named `name` with `token` (no Authorization header for `None`):
    /// the status, the `Retry-After` header and the body.
    async fn upload(&self, token: Option<&str>, name: &str) -> (u16, Option<String>, Value) {
        let body = json!({"client_id": "c1", "transactions": [{"crud": [{
            "op": "PUT", "table": "lists", "id": uuid::Uuid::new_v4().to_string(),
            "op_data": {"name": name, "owner_id": "u"}
        }]}]});
        let mut request = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{}/api/data", self.base))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_string());
        (status, retry_after, response.json().await.unwrap())
    }

    /// The names of the lists written.
    fn lists(&self) -> Vec<String> {
        let conn = rusqlite::Connection::open(self.dir.path().join("app.db")).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM lists ORDER BY name")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

#[tokio::test]
async fn over_http_every_bad_token_is_401_and_every_good_key_type_is_accepted() {
    let rs = rsa(jsonwebtoken::Algorithm::RS256, "rs");
    let es = es256("es");
    let ed = ed25519("ed");
    let server = JwksServer::start(&[&rs, &es, &ed]).await;
    let backend = Backend::start(&server.config("/jwks", 30)).await;
    assert_eq!(server.hits(), 1, "loaded at start");

    for key in [&rs, &es, &ed] {
        let (status, _, body) = backend
            .upload(Some(&key.sign(&claims("u"))), &key.kid)
            .await;
        assert_eq!(status, 200, "{}: {body}", key.kid);
    }

    // Another key under a kid the JWKS has (rsa() is one key per test binary).
    let impostor = ed25519("ed");
    let hs256 = {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("rs".into());
        let secret = jsonwebtoken::EncodingKey::from_secret(b"a shared secret of 32 bytes ok!!");
        jsonwebtoken::encode(&header, &claims("u"), &secret).unwrap()
    };
    let bad: Vec<(&str, Option<String>)> = vec![
        (
            "expired",
            Some(ed.sign(&with(claims("u"), "exp", json!(now() - 3600)))),
        ),
        (
            "not yet valid",
            Some(ed.sign(&with(claims("u"), "nbf", json!(now() + 3600)))),
        ),
        (
            "wrong issuer",
            Some(es.sign(&with(claims("u"), "iss", json!("https://elsewhere.test/")))),
        ),
        (
            "wrong audience",
            Some(rs.sign(&with(claims("u"), "aud", json!("another-app")))),
        ),
        (
            "wrong key under a known kid",
            Some(impostor.sign(&claims("u"))),
        ),
        (
            "no sub",
            Some(ed.sign(&with(claims("u"), "sub", Value::Null))),
        ),
        ("HS256, not enabled", Some(hs256)),
        (
            "alg none",
            Some(raw_token(
                &json!({"alg": "none", "kid": "ed"}),
                &claims("u"),
                b"",
            )),
        ),
        ("malformed", Some("not.a.token".to_string())),
        ("missing", None),
        (
            "kid not in the JWKS",
            Some(ed25519("unknown").sign(&claims("u"))),
        ),
    ];
    for (case, token) in &bad {
        let (status, retry_after, body) = backend.upload(token.as_deref(), case).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["code"], "UNAUTHENTICATED", "{case}: {body}");
        assert_eq!(retry_after, None, "{case}");
    }
    // The unknown kid caused one reload; a second one within the interval none.
    assert_eq!(server.hits(), 2);
    let (status, _, _) = backend
        .upload(Some(&es256("unknown-2").sign(&claims("u"))), "again")
        .await;
    assert_eq!(status, 401);
    assert_eq!(server.hits(), 2, "rate limited");
    assert_eq!(
        backend.lists(),
        ["ed", "es", "rs"],
        "only the good tokens wrote"
    );
}

#[tokio::test]
async fn over_http_a_rotated_key_is_accepted_after_one_reload() {
    let old = es256("2026-01");
    let new = rsa(jsonwebtoken::Algorithm::RS256, "2026-02");
    let server = JwksServer::start(&[&old]).await;
    let backend = Backend::start(&server.config("/jwks", 30)).await;
    server.serve(&[&old, &new]);
    let (status, _, body) = backend
        .upload(Some(&new.sign(&claims("u"))), "rotated")
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = backend.upload(Some(&new.sign(&claims("u"))), "again").await;
    assert_eq!(status, 200);
    assert_eq!(server.hits(), 2, "one reload for the new kid");
    assert_eq!(backend.lists(), ["again", "rotated"]);
}

#[tokio::test]
async fn over_http_a_key_server_that_is_down_gives_503_with_retry_after_not_401() {
    let old = ed25519("old");
    let new = ed25519("new");
    let server = JwksServer::start(&[&old]).await;
    let backend = Backend::start(&server.config("/jwks", 30)).await;
    server.serve(&[&old, &new]);
    server.fail_with(502);

    // A token the server may well accept once its keys are reachable: not a 401, which
    // would make the client drop a good session.
    let token = new.sign(&claims("u"));
    let (status, retry_after, body) = backend.upload(Some(&token), "lost?").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "NOT_READY", "{body}");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=30).contains(&seconds), "{seconds}");
    // Within the reload interval the answer stays 503, without fetching again.
    let (status, retry_after, _) = backend.upload(Some(&token), "lost?").await;
    assert_eq!(status, 503);
    assert!(retry_after.is_some());
    assert_eq!(server.hits(), 2, "one failed reload");
    // Tokens of keys already loaded go on working meanwhile.
    let (status, _, _) = backend
        .upload(Some(&old.sign(&claims("u"))), "old key")
        .await;
    assert_eq!(status, 200);
    assert_eq!(backend.lists(), ["old key"], "nothing written for the 503s");
}
