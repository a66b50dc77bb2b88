//! The axum adapter, driven with `tower::ServiceExt::oneshot`.

mod common;

use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode, header};
use powersync_write_api::models::CrudTransaction;
use powersync_write_api::server::{RouterConfig, router};
use powersync_write_api::validation::{self, Checked};
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

/// Sends `body` to a fresh in-memory implementation and returns the status, the
/// reply and the transactions the implementation received.
async fn send_to_memory(body: &Value) -> (StatusCode, Value, Vec<Checked<CrudTransaction>>) {
    let api = Arc::new(Memory::default());
    let response = router(Arc::clone(&api), RouterConfig::default())
        .oneshot(json_upload(body))
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let reply = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let received = api.received.lock().unwrap();
    let transactions = received
        .first()
        .map(|(_, batch)| batch.transactions.clone())
        .unwrap_or_default();
    (status, reply, transactions)
}

fn pairs(violations: &[validation::Violation]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = violations
        .iter()
        .map(|v| (v.path.clone(), v.keyword.clone()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn a_bad_op_reaches_the_implementation_as_an_invalid_transaction() {
    let mut body = batch();
    body["transactions"][0]["crud"][0]["op"] = json!("UPSERT");
    let (status, _, received) = send_to_memory(&body).await;
    assert_eq!(status, StatusCode::OK);
    let Some(Checked::Invalid(invalid)) = received.first() else {
        panic!("expected an invalid transaction, got {received:?}");
    };
    assert_eq!(invalid.raw, body["transactions"][0]);
    assert_eq!(
        pairs(&invalid.violations),
        [("$.transactions[0].crud[0].op".to_owned(), "enum".to_owned())]
    );
    assert_eq!(invalid.violations_omitted, 0);
}

#[tokio::test]
async fn one_malformed_transaction_leaves_the_others_valid() {
    let good = batch()["transactions"][0].clone();
    let body = json!({"client_id": "c1", "transactions": [
        good,
        {"crud": [{"op": "UPSERT", "table": "", "id": "x", "op_id": "7"}]},
        "not a transaction",
        good,
    ]});
    let (status, _, received) = send_to_memory(&body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(received.len(), 4);
    assert!(received[0].valid().is_some() && received[3].valid().is_some());
    let Checked::Invalid(second) = &received[1] else {
        panic!("transaction 1 must be invalid");
    };
    assert_eq!(
        pairs(&second.violations),
        [
            ("$.transactions[1].crud[0].op".to_owned(), "enum".to_owned()),
            (
                "$.transactions[1].crud[0].op_id".to_owned(),
                "type".to_owned()
            ),
            (
                "$.transactions[1].crud[0].table".to_owned(),
                "minLength".to_owned()
            ),
        ]
    );
    let Checked::Invalid(third) = &received[2] else {
        panic!("transaction 2 must be invalid");
    };
    assert_eq!(third.raw, json!("not a transaction"));
    assert_eq!(
        pairs(&third.violations),
        [("$.transactions[2]".to_owned(), "type".to_owned())]
    );
}

#[tokio::test]
async fn an_integer_beyond_the_rust_type_makes_only_its_transaction_invalid() {
    // 2^63 is beyond int64: a `format` violation of this transaction alone.
    let body = json!({"transactions": [{"transaction_id": 9223372036854775808u64, "crud": [
        {"op": "DELETE", "table": "todos", "id": "t1"}
    ]}]});
    let (status, _, received) = send_to_memory(&body).await;
    assert_eq!(status, StatusCode::OK);
    let Some(Checked::Invalid(invalid)) = received.first() else {
        panic!("expected an invalid transaction, got {received:?}");
    };
    assert_eq!(
        pairs(&invalid.violations),
        [(
            "$.transactions[0].transaction_id".to_owned(),
            "format".to_owned()
        )]
    );
}

#[tokio::test]
async fn every_violation_of_a_refused_envelope_is_listed() {
    // `client_id` makes the envelope invalid: the 400 then lists the
    // transactions' violations too, as without per-transaction validation.
    let body = json!({"client_id": 5, "transactions": [
        {"crud": [{"op": "PUT", "table": "", "id": 5}]}, {"crud": []}
    ]});
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
        ("$.client_id", "type"),
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
/// millions of violations. Listing them all answered 433 MB after 12 s; the
/// transaction must reach the implementation with the first `MAX_VIOLATIONS`
/// listed and the others counted.
#[tokio::test]
async fn a_near_limit_transaction_of_empty_entries_keeps_a_bounded_report() {
    let limit = RouterConfig::DEFAULT_BODY_LIMIT;
    let count = (limit - 29) / 3;
    let text = empty_entries_body(count);
    let api = Arc::new(Memory::default());
    let response = router(Arc::clone(&api), RouterConfig::default())
        .oneshot(upload(text, Some("application/json"), Some(GOOD_TOKEN)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let received = api.received.lock().unwrap();
    let Some(Checked::Invalid(invalid)) = received[0].1.transactions.first() else {
        panic!("expected an invalid transaction");
    };
    assert_eq!(invalid.violations.len(), validation::MAX_VIOLATIONS);
    assert_eq!(invalid.violations[0].path, "$.transactions[0].crud");
    assert_eq!(invalid.violations[0].keyword, "maxItems");
    assert_eq!(invalid.violations[99].path, "$.transactions[0].crud[32].id");
    let total = 1 + 3 * count as u64;
    assert_eq!(invalid.violations_omitted, total - 100);
}

/// The same body with an invalid envelope is refused whole, with the cap.
#[tokio::test]
async fn a_near_limit_body_with_a_bad_envelope_gets_a_small_400() {
    let limit = RouterConfig::DEFAULT_BODY_LIMIT;
    // 29 bytes of envelope plus 3 per entry (`{}` and a comma, one comma less).
    let count = (limit - 29 - 14) / 3;
    let text = empty_entries_body(count).replacen('{', "{\"client_id\":1,", 1);
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
    assert_eq!(violations[0]["path"], "$.client_id");
    assert_eq!(
        violations[1],
        json!({"path": "$.transactions[0].crud", "keyword": "maxItems", "message": "must have at most 10000 items"})
    );
    assert_eq!(violations[99]["path"], "$.transactions[0].crud[32].table");
    // client_id, one maxItems violation, and op, table and id missing in every entry.
    let total = 2 + 3 * count as u64;
    assert_eq!(body["violations_omitted"], json!(total - 100));
}

#[tokio::test]
async fn a_few_violations_are_all_listed_without_an_omitted_count() {
    let body = json!({"client_id": 1, "transactions": [{"crud": [{}]}]});
    let (status, body) = send(json_upload(&body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["violations"].as_array().unwrap().len(), 4);
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

/// Every `WriteBatch` vector, served: a violation outside every transaction
/// refuses the body with all of the vector's violations; otherwise the body is
/// accepted and each transaction with violations reaches the implementation as
/// invalid with exactly its own (tests/vectors/README.md).
#[tokio::test]
async fn every_write_batch_vector_gets_its_verdict() {
    let vectors: Vec<_> = conformance_rust::vectors()
        .unwrap()
        .into_iter()
        .filter(|v| v.schema == "WriteBatch")
        .collect();
    assert!(vectors.len() >= 10, "too few WriteBatch vectors");
    let mut accepted_with_invalid = 0;
    for vector in &vectors {
        let (status, reply, received) = send_to_memory(&vector.value).await;
        match conformance_rust::per_transaction(&vector.errors) {
            None => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{}", vector.file);
                let mut got: Vec<(String, String)> = reply["violations"]
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
                assert_eq!(got, vector.errors, "{}", vector.file);
                assert_eq!(
                    reply["violations_omitted"].as_u64().unwrap_or(0),
                    vector.omitted,
                    "{}",
                    vector.file
                );
            }
            Some(invalid) => {
                assert_eq!(status, StatusCode::OK, "{}: {reply}", vector.file);
                let sent = vector.value["transactions"].as_array().unwrap();
                assert_eq!(received.len(), sent.len(), "{}", vector.file);
                for (index, checked) in received.iter().enumerate() {
                    match (checked, invalid.get(&index)) {
                        (Checked::Valid(_), None) => {}
                        (Checked::Invalid(item), Some(expected)) => {
                            accepted_with_invalid += 1;
                            assert_eq!(
                                &pairs(&item.violations),
                                expected,
                                "{} [{index}]",
                                vector.file
                            );
                            assert_eq!(
                                item.violations_omitted, vector.omitted,
                                "{} [{index}]",
                                vector.file
                            );
                            assert_eq!(item.raw, sent[index], "{} [{index}]", vector.file);
                        }
                        (got, expected) => panic!(
                            "{} [{index}]: got {got:?}, expected {expected:?}",
                            vector.file
                        ),
                    }
                }
            }
        }
    }
    assert!(
        accepted_with_invalid >= 5,
        "too few vectors with an invalid transaction in a valid envelope"
    );
}
