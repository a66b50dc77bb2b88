//! The Rust conformance client: calls the generated client once per case of the
//! file given as its argument and prints one outcome per line, as
//! `tests/conformance/README.md` says.

use powersync_write_api::client::{Client, ClientError};
use powersync_write_api::models::WriteBatch;
use powersync_write_api::operations::{
    HealthResponse, ReadyResponse, UploadDataRequest, UploadDataResponse,
};
use serde_json::{Value, json};

/// The request every client sends (README.md).
const REQUEST: &str = r#"{"client_id": "conformance-client",
 "transactions": [{"transaction_id": 7,
                   "crud": [{"op": "PUT", "table": "todos", "id": "t1",
                             "op_id": 1, "op_data": {"description": "buy milk", "done": false}}]}]}"#;

fn response(status: u16, body: impl serde::Serialize) -> Value {
    json!({"outcome": "response", "status": status, "body": body})
}

fn with_retry_after(mut outcome: Value, retry_after: Option<i32>) -> Value {
    outcome["retry_after"] = json!(retry_after);
    outcome
}

fn upload_outcome(reply: UploadDataResponse) -> Value {
    use UploadDataResponse as R;
    match reply {
        R::Ok(body) => response(200, body),
        R::BadRequest(body) => response(400, body),
        R::Unauthorized(body) => response(401, body),
        R::Forbidden(body) => response(403, body),
        R::PayloadTooLarge(body) => response(413, body),
        R::UnsupportedMediaType(body) => response(415, body),
        R::TooManyRequests { retry_after, body } => {
            with_retry_after(response(429, body), retry_after)
        }
        R::InternalServerError(body) => response(500, body),
        R::ServiceUnavailable { retry_after, body } => {
            with_retry_after(response(503, body), retry_after)
        }
    }
}

fn error_outcome(error: ClientError) -> Value {
    match error {
        ClientError::UnexpectedStatus { status, .. } => {
            json!({"outcome": "unexpected_status", "status": status.as_u16()})
        }
        ClientError::InvalidBody { status, .. } | ClientError::InvalidHeader { status, .. } => {
            json!({"outcome": "invalid_response", "status": status.as_u16()})
        }
        ClientError::Transport(_) => json!({"outcome": "transport_error"}),
        other => json!({"outcome": "client_error", "message": other.to_string()}),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = std::env::var("CONFORMANCE_BASE_URL")?;
    let file = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: conformance-client-rust <cases.json>"))?;
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(file)?)?;
    let body: WriteBatch = serde_json::from_str(REQUEST)?;
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let client = Client::new(format!("{base}/{name}")).with_bearer_token("conformance-token");
        let mut outcome = match case["operation"].as_str() {
            Some("uploadData") => {
                let request = UploadDataRequest { body: body.clone() };
                client.upload_data(&request).await.map(upload_outcome)
            }
            Some("health") => client.health().await.map(|r| match r {
                HealthResponse::Ok(body) => response(200, body),
            }),
            Some("ready") => client.ready().await.map(|r| match r {
                ReadyResponse::Ok(body) => response(200, body),
                ReadyResponse::ServiceUnavailable { retry_after, body } => {
                    with_retry_after(response(503, body), retry_after)
                }
            }),
            other => anyhow::bail!("case {name}: unknown operation {other:?}"),
        }
        .unwrap_or_else(error_outcome);
        outcome["case"] = json!(name);
        println!("{outcome}");
    }
    Ok(())
}
