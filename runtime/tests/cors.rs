//! `[http.cors]` over plain HTTP against the built binary: the preflight a browser
//! sends before an upload, the headers on real replies (200, 401, 413 and 404, each of
//! which a browser hides from the page without `Access-Control-Allow-Origin`), a
//! refused origin, and configurations refused at start. The same in a real browser:
//! tests/typescript/test/browser.test.ts.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

mod cli_support;
use cli_support::{command, http, ok};

const PAGE: &str = "http://127.0.0.1:5173";
const OTHER_PAGE: &str = "http://127.0.0.1:5174";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("ASCII header"))
}

/// A header's comma-separated values, lower-cased.
fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    header(headers, name)
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

/// What Chromium sends before `fetch(url, {method: "POST", headers: {authorization,
/// "content-type": "application/json"}})` from `origin`.
async fn preflight(base: &str, path: &str, origin: &str, headers: &str) -> Response {
    http()
        .request(Method::OPTIONS, format!("{base}{path}"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("preflight")
}

async fn upload(base: &str, origin: &str, token: Option<&str>, body: &Value) -> Response {
    let mut request = http()
        .post(format!("{base}/api/data"))
        .header("origin", origin)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("upload")
}

fn batch(list_id: &str) -> Value {
    json!({
        "client_id": "browser-1",
        "transactions": [{"crud": [{
            "op": "PUT", "table": "lists", "id": list_id, "op_id": 1,
            "op_data": {"name": "Groceries", "owner_id": "user-1"}
        }]}]
    })
}

/// Example schema, a token for user-1, and `serve` with `env`.
async fn start(dir: &Path, env: &[(&str, &str)]) -> (cli_support::ChildGuard, String, String) {
    let d = dir.display().to_string();
    ok(&["migrate", "--data-dir", &d, "--example-schema"]);
    let token = ok(&["token", "--data-dir", &d, "--sub", "user-1"])
        .trim()
        .to_string();
    let (server, addr) = cli_support::serve_with(dir, &["--example-schema"], env).await;
    (server, format!("http://{addr}"), token)
}

fn assert_no_credentials(headers: &HeaderMap) {
    assert_eq!(
        header(headers, "access-control-allow-credentials"),
        None,
        "credentials must stay off: {headers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_every_origin_may_upload_and_read_every_reply() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, base, token) =
        start(dir.path(), &[("POWERSYNC_WRITE__BODY_LIMIT_BYTES", "2048")]).await;

    let reply = preflight(&base, "/api/data", PAGE, "authorization,content-type").await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", server.log());
    let headers = reply.headers();
    assert_eq!(
        header(headers, "access-control-allow-origin"),
        Some("*"),
        "{headers:?}"
    );
    let methods = list(headers, "access-control-allow-methods");
    assert!(methods.contains(&"post".to_string()), "{methods:?}");
    assert!(methods.contains(&"get".to_string()), "{methods:?}");
    let allowed = list(headers, "access-control-allow-headers");
    assert!(
        allowed.contains(&"authorization".to_string()),
        "{allowed:?}"
    );
    assert!(allowed.contains(&"content-type".to_string()), "{allowed:?}");
    assert_eq!(header(headers, "access-control-max-age"), Some("3600"));
    assert_no_credentials(headers);

    // A real upload: applied, and readable by the page.
    let list_id = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
    let reply = upload(&base, PAGE, Some(&token), &batch(list_id)).await;
    assert_eq!(reply.status(), StatusCode::OK);
    let headers = reply.headers().clone();
    assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        list(&headers, "access-control-expose-headers"),
        vec!["retry-after".to_string()]
    );
    assert_no_credentials(&headers);
    let body: Value = reply.json().await.expect("JSON reply");
    assert_eq!(body["results"][0]["status"], "success", "{body}");
    // Sent again (a lost reply): the row is stored, so it is a duplicate.
    let again: Value = upload(&base, PAGE, Some(&token), &batch(list_id))
        .await
        .json()
        .await
        .expect("JSON reply");
    assert_eq!(again["results"][0]["duplicate"], true, "{again}");

    // Error replies carry the headers too, so the page can read why.
    let reply = upload(&base, OTHER_PAGE, None, &batch(list_id)).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(reply.headers(), "access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(
        list(reply.headers(), "access-control-expose-headers"),
        vec!["retry-after".to_string()]
    );
    let too_big = json!({"transactions": [{"crud": [{
        "op": "PUT", "table": "lists", "id": list_id,
        "op_data": {"name": "x".repeat(4096), "owner_id": "user-1"}
    }]}]});
    let reply = upload(&base, PAGE, Some(&token), &too_big).await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        header(reply.headers(), "access-control-allow-origin"),
        Some("*")
    );
    let reply = http()
        .get(format!("{base}/nowhere"))
        .header("origin", PAGE)
        .send()
        .await
        .expect("get");
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header(reply.headers(), "access-control-allow-origin"),
        Some("*")
    );

    // Preflights of the other endpoints are answered alike, and harmlessly.
    for path in ["/health", "/ready"] {
        let reply = http()
            .request(Method::OPTIONS, format!("{base}{path}"))
            .header("origin", PAGE)
            .header("access-control-request-method", "GET")
            .send()
            .await
            .expect("preflight");
        assert_eq!(reply.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(reply.headers(), "access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(reply.text().await.expect("body"), "", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_of_origins_allows_those_and_no_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, base, token) = start(
        dir.path(),
        &[
            (
                "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS",
                &format!(r#"["https://app.example.com", "{PAGE}"]"#),
            ),
            (
                "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_HEADERS",
                r#"["authorization", "content-type", "x-app-version"]"#,
            ),
            ("POWERSYNC_WRITE__HTTP__CORS__MAX_AGE_SECONDS", "60"),
        ],
    )
    .await;

    let reply = preflight(
        &base,
        "/api/data",
        PAGE,
        "authorization,content-type,x-app-version",
    )
    .await;
    assert_eq!(reply.status(), StatusCode::OK, "{}", server.log());
    let headers = reply.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), Some(PAGE));
    // The answer differs by origin, so caches must keep one per origin.
    assert!(
        list(headers, "vary").contains(&"origin".to_string()),
        "{headers:?}"
    );
    let allowed = list(headers, "access-control-allow-headers");
    for name in ["authorization", "content-type", "x-app-version"] {
        assert!(allowed.contains(&name.to_string()), "{name}: {allowed:?}");
    }
    assert_eq!(header(headers, "access-control-max-age"), Some("60"));
    assert_no_credentials(headers);

    // Not in the list (another port is another origin): no Allow-Origin, so the
    // browser never sends the upload.
    for refused in [OTHER_PAGE, "https://evil.example.com", "null"] {
        let reply = preflight(&base, "/api/data", refused, "authorization,content-type").await;
        assert_eq!(
            header(reply.headers(), "access-control-allow-origin"),
            None,
            "{refused}: {:?}",
            reply.headers()
        );
    }

    let list_id = "7d1f0c3e-5a2b-4e8f-b6c9-1a2b3c4d5e6f";
    let reply = upload(&base, PAGE, Some(&token), &batch(list_id)).await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        header(reply.headers(), "access-control-allow-origin"),
        Some(PAGE)
    );
    assert_eq!(
        list(reply.headers(), "access-control-expose-headers"),
        vec!["retry-after".to_string()]
    );
    let reply = upload(&base, PAGE, None, &batch(list_id)).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(reply.headers(), "access-control-allow-origin"),
        Some(PAGE)
    );
    // A refused origin's reply (sent by something other than a browser) has none.
    let reply = upload(&base, OTHER_PAGE, None, &batch(list_id)).await;
    assert_eq!(header(reply.headers(), "access-control-allow-origin"), None);
}

#[test]
fn a_wrong_cors_table_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display().to_string();
    for (name, value, says) in [
        (
            "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS",
            r#"["*", "https://app.example.com"]"#,
            "[http.cors] allowed_origins",
        ),
        (
            "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS",
            "https://app.example.com/",
            "write `https://app.example.com`",
        ),
        (
            "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_HEADERS",
            r#"["x-app-version"]"#,
            "[http.cors] allowed_headers",
        ),
        (
            "POWERSYNC_WRITE__HTTP__CORS__ALLOW_CREDENTIALS",
            "true",
            "allow_credentials",
        ),
    ] {
        for args in [
            &["check-config", "--data-dir", &d][..],
            &["serve", "--data-dir", &d, "--listen", "127.0.0.1:0"],
        ] {
            let mut child = command(args)
                .env(name, value)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            // A server that accepted the table would run on: give it a while, then stop it.
            let deadline = Instant::now() + Duration::from_secs(30);
            let status = loop {
                if let Some(status) = child.try_wait().expect("wait") {
                    break Some(status);
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut stderr)
                .expect("read stderr");
            let status = status.unwrap_or_else(|| panic!("{args:?} {name}={value} kept running"));
            assert!(!status.success(), "{args:?} {name}={value}");
            assert!(stderr.contains(says), "{args:?} {name}={value}: {stderr}");
        }
    }
}
