//! The axum adapter, driven with `tower::ServiceExt::oneshot`.

mod common;

use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode, header};
use powersync_write_api::server::{RouterConfig, router};
use powersync_write_api::validation;
use serde_json::{Value, json};
use tower::ServiceExt;

use common::{GOOD_TOKEN, Memory};

fn batch() -> Value {
    json!({
        "client_id": "c1",
        "transactions": [{"transaction_id": 1, "crud": [
            {"op": "PUT", "table": "todos", "id": "t1", "op_id": 1, "op_data": {"title": "milk"}}
        ]}]
    })
}

fn upload(body: impl Into<Body>, content_type: Option<&str>, token: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/api/data");
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(body.into()).unwrap()
}

fn json_upload(body: &Value) -> Request<Body> {
    upload(body.to_string(), Some("application/json"), Some(GOOD_TOKEN))
}

async fn send_with(
    config: RouterConfig,
    request: Request<Body>,
) -> (StatusCode, Value, http::HeaderMap) {
    let response = router(Arc::new(Memory::default()), config)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body, headers)
}

async fn send(request: Request<Body>) -> (StatusCode, Value) {
    let (status, body, _) = send_with(RouterConfig::default(), request).await;
    (status, body)
}

#[tokio::test]
async fn a_valid_batch_is_answered_by_the_implementation() {
    let api = Arc::new(Memory::default());
    let response = router(Arc::clone(&api), RouterConfig::default())
        .oneshot(json_upload(&batch()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body,
        json!({"results": [{"status": "success", "write_checkpoint": "7"}]})
    );
    let received = api.received.lock().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, "user-1");
    assert_eq!(
        received[0].1.transactions[0].valid().unwrap().crud[0].table,
        "todos"
    );
}

#[tokio::test]
async fn a_bad_op_is_refused_naming_its_path() {
    let mut body = batch();
    body["transactions"][0]["crud"][0]["op"] = json!("UPSERT");
    let (status, body) = send(json_upload(&body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "INVALID_REQUEST");
    assert_eq!(
        body["violations"][0]["path"],
        "$.transactions[0].crud[0].op"
    );
    assert_eq!(body["violations"][0]["keyword"], "enum");
}

#[tokio::test]
async fn every_violation_is_listed() {
    let body =
        json!({"transactions": [{"crud": [{"op": "PUT", "table": "", "id": 5}]}, {"crud": []}]});
    let (status, body) = send(json_upload(&body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut got: Vec<(String, String)> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    let expected = [
        ("$.transactions[0].crud[0].id", "type"),
        ("$.transactions[0].crud[0].table", "minLength"),
        ("$.transactions[1].crud", "minItems"),
    ];
    assert_eq!(got, expected.map(|(p, k)| (p.to_owned(), k.to_owned())));
}

/// The body of `count` empty entries in one transaction, as a string.
fn empty_entries_body(count: usize) -> String {
    let mut body = String::from("{\"transactions\":[{\"crud\":[");
    for i in 0..count {
        body.push_str(if i == 0 { "{}" } else { ",{}" });
    }
    body.push_str("]}]}");
    body
}

/// The risk the cap removes: a body at the size limit made of `{}` entries has
/// millions of violations. Listing them all answered 433 MB after 12 s; the reply
/// must list the first `MAX_VIOLATIONS` and count the others.
#[tokio::test]
async fn a_near_limit_body_of_empty_entries_gets_a_small_400() {
    let limit = RouterConfig::DEFAULT_BODY_LIMIT;
    // 29 bytes of envelope plus 3 per entry (`{}` and a comma, one comma less).
    let count = (limit - 29) / 3;
    let text = empty_entries_body(count);
    assert!(
        text.len() <= limit && text.len() + 3 > limit,
        "{}",
        text.len()
    );
    let started = std::time::Instant::now();
    let response = router(Arc::new(Memory::default()), RouterConfig::default())
        .oneshot(upload(text, Some("application/json"), Some(GOOD_TOKEN)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "{count} empty entries: a {}-byte 400 reply in {elapsed:?}",
        bytes.len()
    );
    assert!(
        bytes.len() < 16 * 1024,
        "the reply has {} bytes",
        bytes.len()
    );
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["code"], "INVALID_REQUEST");
    let violations = body["violations"].as_array().unwrap();
    assert_eq!(violations.len(), validation::MAX_VIOLATIONS);
    assert_eq!(
        violations[0],
        json!({"path": "$.transactions[0].crud", "keyword": "maxItems", "message": "must have at most 10000 items"})
    );
    assert_eq!(violations[99]["path"], "$.transactions[0].crud[32].id");
    // One maxItems violation plus op, table and id missing in every entry.
    let total = 1 + 3 * count as u64;
    assert_eq!(body["violations_omitted"], json!(total - 100));
}

#[tokio::test]
async fn a_few_violations_are_all_listed_without_an_omitted_count() {
    let (status, body) = send(json_upload(&json!({"transactions": [{"crud": [{}]}]}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["violations"].as_array().unwrap().len(), 3);
    assert!(body.get("violations_omitted").is_none(), "{body}");
}

#[tokio::test]
async fn malformed_json_is_refused() {
    let (status, body) = send(upload(
        "{\"transactions\": [",
        Some("application/json"),
        Some(GOOD_TOKEN),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "INVALID_REQUEST");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let config = RouterConfig { body_limit: 64 };
    // No Content-Length header (oneshot sends none): the body is cut off while read.
    let (status, body, _) = send_with(config.clone(), json_upload(&batch())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
    // A declared length over the limit is refused before reading.
    let mut declared = json_upload(&batch());
    declared
        .headers_mut()
        .insert(header::CONTENT_LENGTH, batch().to_string().len().into());
    assert_eq!(
        send_with(config.clone(), declared).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // Under the limit, the same batch is accepted.
    let roomy = RouterConfig { body_limit: 4096 };
    assert_eq!(
        send_with(roomy, json_upload(&batch())).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_non_json_content_type_is_refused() {
    let (status, body) = send(upload(
        batch().to_string(),
        Some("text/plain"),
        Some(GOOD_TOKEN),
    ))
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn missing_malformed_or_refused_credentials_get_401() {
    for request in [
        upload(batch().to_string(), Some("application/json"), None),
        upload(batch().to_string(), Some("application/json"), Some("")),
        upload(
            batch().to_string(),
            Some("application/json"),
            Some("wrong-token"),
        ),
    ] {
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "UNAUTHENTICATED");
    }
    let basic = Request::post("/api/data")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .body(Body::from(batch().to_string()))
        .unwrap();
    assert_eq!(send(basic).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn response_headers_are_written() {
    let mut body = batch();
    body["client_id"] = json!("busy");
    let (status, body, headers) = send_with(RouterConfig::default(), json_upload(&body)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "BUSY");
    assert_eq!(
        headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("3")
    );
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_gets_405() {
    let request = Request::get("/api/data").body(Body::empty()).unwrap();
    assert_eq!(send(request).await.0, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn unsecured_operations_need_no_credentials() {
    let (status, body) = send(Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
}
