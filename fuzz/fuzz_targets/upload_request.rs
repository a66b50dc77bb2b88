//! The generated Rust server's request decoding and validation on any body: the
//! generated router answers every `POST /api/data` with 200, 400, 413 or 415 and a
//! JSON body, never panics, and hands the implementation only what the spec allows.
//!
//! Input: the request body. The implementation here accepts every token and answers
//! one success per transaction; each transaction it receives must be valid or carry
//! at least one violation whose path lies under its own (`$.transactions[i]`).
#![no_main]

use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use powersync_write_api::models::{TransactionResult, TransactionSuccess, WriteBatchResponse};
use powersync_write_api::operations::{
    HealthResponse, ReadyResponse, UploadDataRequest, UploadDataResponse,
};
use powersync_write_api::server::{
    Credentials, PowerSyncWriteApi, Rejection, RouterConfig, router,
};
use powersync_write_api::validation::{Checked, validate_schema};
use serde_json::Value;
use tower::ServiceExt;

/// Small, so the 413 path is reached too.
const BODY_LIMIT: usize = 64 * 1024;

/// Records how many transactions the last request decoded to.
#[derive(Default)]
struct Checker {
    transactions: Mutex<Option<usize>>,
}

impl PowerSyncWriteApi for Checker {
    type Principal = ();

    async fn authenticate(&self, _credentials: Credentials) -> Result<(), Rejection> {
        Ok(())
    }

    async fn upload_data(&self, _principal: (), request: UploadDataRequest) -> UploadDataResponse {
        let transactions = &request.body.transactions;
        assert!(
            (1..=50).contains(&transactions.len()),
            "{} transactions",
            transactions.len()
        );
        for (index, transaction) in transactions.iter().enumerate() {
            if let Checked::Invalid(invalid) = transaction {
                let own = format!("$.transactions[{index}]");
                assert!(
                    !invalid.violations.is_empty(),
                    "transaction {index} is invalid without a violation"
                );
                for violation in &invalid.violations {
                    assert!(
                        violation.path.starts_with(&own),
                        "{violation:?} is not under {own}"
                    );
                }
            }
        }
        *self.transactions.lock().unwrap() = Some(transactions.len());
        let results = transactions
            .iter()
            .map(|_| {
                TransactionResult::Success(TransactionSuccess {
                    write_checkpoint: None,
                    duplicate: None,
                })
            })
            .collect();
        UploadDataResponse::Ok(WriteBatchResponse { results })
    }

    async fn health(&self) -> HealthResponse {
        unreachable!("only uploads are sent")
    }

    async fn ready(&self) -> ReadyResponse {
        unreachable!("only uploads are sent")
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let checker = Arc::new(Checker::default());
    let app = router(
        checker.clone(),
        RouterConfig {
            body_limit: BODY_LIMIT,
        },
    );
    let request = axum::http::Request::post("/api/data")
        .header("authorization", "Bearer fuzz")
        .header("content-type", "application/json")
        .body(Body::from(data.to_vec()))
        .expect("a request");
    let (status, body) = runtime().block_on(async move {
        let response = app.oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, body)
    });
    let body: Value = serde_json::from_slice(&body).expect("a JSON reply");
    let decoded = checker.transactions.lock().unwrap().take();
    match status {
        200 => {
            let count = decoded.expect("200 without a call to upload_data");
            let violations = validate_schema("WriteBatchResponse", &body).expect("a schema");
            assert!(violations.is_empty(), "{violations:?}");
            assert_eq!(body["results"].as_array().map(Vec::len), Some(count));
        }
        400 | 413 | 415 => {
            assert!(decoded.is_none(), "{status} after a call to upload_data");
            let violations = validate_schema("ErrorResponse", &body).expect("a schema");
            assert!(violations.is_empty(), "{violations:?}");
            if status == 400 && data.len() <= BODY_LIMIT {
                for violation in body["violations"].as_array().into_iter().flatten() {
                    let path = violation["path"].as_str().expect("a path");
                    assert!(path.starts_with('$'), "{path}");
                }
            }
        }
        other => panic!("status {other}: {body}"),
    }
});
