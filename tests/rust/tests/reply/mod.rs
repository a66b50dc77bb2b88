//! Reading an adapter's reply in these tests: its status and JSON body, and the
//! violations a 400 lists.
// Each test file uses what it needs of this module.
#![allow(dead_code)]

use axum::response::Response;
use http::StatusCode;
use serde_json::Value;

/// The reply's status and its JSON body (`null` when it has none).
pub async fn json_reply(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body can be read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    (status, body)
}

/// `(path, keyword)` of every violation a 400's body lists.
pub fn violation_paths(body: &Value) -> Vec<(&str, &str)> {
    body["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("no violations in {body}"))
        .iter()
        .map(|v| (v["path"].as_str().unwrap(), v["keyword"].as_str().unwrap()))
        .collect()
}
