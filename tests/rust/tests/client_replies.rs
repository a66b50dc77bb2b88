//! The generated reqwest client against a scripted HTTP server on 127.0.0.1 that
//! answers with raw bodies: every reply the spec allows, including those shaped like
//! the public reference backend's (no `retry_after_ms`, no `operation_index` or
//! `message`, `details` of any JSON type, error bodies of only `{"message": ...}`),
//! decodes into the typed response of its status.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::response::Response;
use conformance_rust::vectors;
use http::StatusCode;
use powersync_write_api::client::{Client, ClientError};
use powersync_write_api::models::{
    CrudEntry, CrudTransaction, ErrorResponse, TransactionResult, UpdateType, WriteBatch,
    WriteBatchResponse,
};
use powersync_write_api::operations::{UploadDataRequest, UploadDataResponse};
use serde_json::{Value, json};

/// One scripted reply: status, body text, extra headers.
struct Scripted {
    status: u16,
    body: String,
    headers: Vec<(&'static str, &'static str)>,
}

fn reply(status: u16, body: &Value) -> Scripted {
    Scripted {
        status,
        body: body.to_string(),
        headers: Vec::new(),
    }
}

/// Serves `script` in order, one reply per request, on an ephemeral port.
async fn serve(script: Vec<Scripted>) -> Client {
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let app = axum::Router::new().fallback(move || {
        let script = Arc::clone(&script);
        async move {
            let next = script.lock().unwrap().pop_front();
            let Some(next) = next else {
                return Response::builder()
                    .status(599)
                    .body(Body::from("unscripted request"))
                    .unwrap();
            };
            let mut builder = Response::builder()
                .status(next.status)
                .header("content-type", "application/json");
            for (name, value) in next.headers {
                builder = builder.header(name, value);
            }
            builder.body(Body::from(next.body)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Client::new(format!("http://{address}")).with_bearer_token("t")
}

fn request() -> UploadDataRequest {
    UploadDataRequest {
        body: WriteBatch {
            client_id: None,
            transactions: vec![
                CrudTransaction {
                    transaction_id: None,
                    crud: vec![CrudEntry {
                        op: UpdateType::Delete,
                        table: "todos".into(),
                        id: "t1".into(),
                        op_id: Some(1),
                        transaction_id: None,
                        op_data: None,
                        previous_values: None,
                        metadata: None,
                    }],
                }
                .into(),
            ],
        },
    }
}

#[tokio::test]
async fn reference_style_results_decode_with_the_absent_fields_as_none() {
    let body = json!({"results": [
        {"status": "retryable_error"},
        {"status": "retryable_error", "message": "deadlock detected"},
        {"status": "fatal_error", "requires_client_handling": true,
         "failed_operation": {"error_code": "23505", "details": "duplicate key"}},
        {"status": "fatal_error", "requires_client_handling": false,
         "failed_operation": {"error_code": "E", "details": [1, "two"], "operation_index": 0}},
        {"status": "fatal_error", "requires_client_handling": false,
         "failed_operation": {"error_code": "E", "details": null}},
    ]});
    let client = serve(vec![reply(200, &body)]).await;
    let response = client.upload_data(&request()).await.unwrap();
    let UploadDataResponse::Ok(WriteBatchResponse { results }) = response else {
        panic!("{response:?}")
    };
    let [
        TransactionResult::RetryableError(bare),
        TransactionResult::RetryableError(with_message),
        TransactionResult::FatalError(string_details),
        TransactionResult::FatalError(array_details),
        TransactionResult::FatalError(null_details),
    ] = results.as_slice()
    else {
        panic!("{results:?}")
    };
    assert_eq!((bare.message.as_deref(), bare.retry_after_ms), (None, None));
    assert_eq!(
        (with_message.message.as_deref(), with_message.retry_after_ms),
        (Some("deadlock detected"), None)
    );
    let failed = &string_details.failed_operation;
    assert_eq!(failed.error_code, "23505");
    assert_eq!(failed.message, None);
    assert_eq!(failed.operation_index, None);
    assert_eq!(failed.details, Some(json!("duplicate key")));
    assert_eq!(
        array_details.failed_operation.details,
        Some(json!([1, "two"]))
    );
    assert_eq!(array_details.failed_operation.operation_index, Some(0));
    // `null` is kept apart from an absent `details`.
    assert_eq!(null_details.failed_operation.details, Some(Value::Null));
}

#[tokio::test]
async fn error_bodies_of_only_a_message_decode_for_every_error_status() {
    let only_message = json!({"message": "Invalid body provided"});
    let statuses = [400, 401, 403, 413, 415, 429, 500, 503];
    let client = serve(statuses.iter().map(|s| reply(*s, &only_message)).collect()).await;
    let expected = ErrorResponse {
        code: None,
        message: "Invalid body provided".into(),
        violations: None,
        violations_omitted: None,
    };
    for status in statuses {
        let response = client.upload_data(&request()).await.unwrap();
        let body = match response {
            UploadDataResponse::BadRequest(body)
            | UploadDataResponse::Unauthorized(body)
            | UploadDataResponse::Forbidden(body)
            | UploadDataResponse::PayloadTooLarge(body)
            | UploadDataResponse::UnsupportedMediaType(body)
            | UploadDataResponse::InternalServerError(body) => body,
            UploadDataResponse::TooManyRequests { retry_after, body }
            | UploadDataResponse::ServiceUnavailable { retry_after, body } => {
                assert_eq!(retry_after, None, "{status}");
                body
            }
            UploadDataResponse::Ok(_) => panic!("{status}: decoded as 200"),
        };
        assert_eq!(body, expected, "{status}");
    }
}

#[tokio::test]
async fn a_non_json_error_body_is_an_error_that_names_the_status() {
    let client = serve(vec![Scripted {
        status: 503,
        body: "<html>Service Unavailable</html>".into(),
        headers: vec![("retry-after", "7")],
    }])
    .await;
    match client.upload_data(&request()).await {
        Err(ClientError::InvalidBody { status, .. }) => {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        }
        other => panic!("{other:?}"),
    }
}

/// Every valid `WriteBatchResponse` vector is a 200 reply the client decodes, and
/// every valid `ErrorResponse` vector a 400 reply it decodes, into the same value
/// the model decodes from the vector directly.
#[tokio::test]
async fn every_valid_reply_vector_decodes_through_the_client() {
    let vectors = vectors().unwrap();
    let replies: Vec<_> = vectors
        .iter()
        .filter(|v| v.errors.is_empty())
        .filter_map(|v| match v.schema.as_str() {
            "WriteBatchResponse" => Some((200, v)),
            "ErrorResponse" => Some((400, v)),
            _ => None,
        })
        .collect();
    assert!(
        replies
            .iter()
            .any(|(_, v)| v.file.contains("reference-backend")),
        "the reference-style reply vectors are missing"
    );
    let client = serve(
        replies
            .iter()
            .map(|(status, v)| reply(*status, &v.value))
            .collect(),
    )
    .await;
    for (status, vector) in &replies {
        let response = client.upload_data(&request()).await;
        match (status, response) {
            (200, Ok(UploadDataResponse::Ok(body))) => {
                let direct: WriteBatchResponse =
                    serde_json::from_value(vector.value.clone()).unwrap();
                assert_eq!(body, direct, "{}", vector.file);
            }
            (400, Ok(UploadDataResponse::BadRequest(body))) => {
                let direct: ErrorResponse = serde_json::from_value(vector.value.clone()).unwrap();
                assert_eq!(body, direct, "{}", vector.file);
            }
            (_, other) => panic!("{}: {other:?}", vector.file),
        }
    }
}
