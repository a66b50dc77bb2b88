//! The Rust conformance server: the generated axum router over the in-memory
//! implementation of `tests/conformance/README.md`, on `127.0.0.1:$PORT`.

use std::sync::Arc;

use powersync_write_api::models::{
    FailedOperation, HealthStatus, TransactionFatalError, TransactionResult, TransactionSuccess,
    WriteBatchResponse,
};
use powersync_write_api::operations::{
    HealthResponse, ReadyResponse, UploadDataRequest, UploadDataResponse,
};
use powersync_write_api::server::{
    Credentials, PowerSyncWriteApi, Rejection, RouterConfig, router,
};
use powersync_write_api::validation::Checked;
use serde_json::json;

struct InMemory;

impl PowerSyncWriteApi for InMemory {
    type Principal = String;

    async fn authenticate(&self, credentials: Credentials) -> Result<String, Rejection> {
        if credentials.secret == "conformance-token" {
            Ok("conformance-user".to_owned())
        } else {
            Err(Rejection::unauthorized(
                "the token is not the conformance token",
            ))
        }
    }

    async fn upload_data(&self, _: String, request: UploadDataRequest) -> UploadDataResponse {
        let results = request
            .body
            .transactions
            .iter()
            .map(|transaction| match transaction {
                Checked::Valid(t) => TransactionResult::Success(TransactionSuccess {
                    write_checkpoint: Some(t.crud.len().to_string()),
                    duplicate: None,
                }),
                Checked::Invalid(invalid) => {
                    let violations: Vec<_> = invalid
                        .violations
                        .iter()
                        .map(|v| json!({"path": v.path, "keyword": v.keyword}))
                        .collect();
                    TransactionResult::FatalError(TransactionFatalError {
                        requires_client_handling: false,
                        failed_operation: FailedOperation {
                            error_code: "INVALID_REQUEST".to_owned(),
                            message: Some("the transaction does not match the schema".to_owned()),
                            details: Some(json!({
                                "violations": violations,
                                "violations_omitted": invalid.violations_omitted,
                            })),
                            operation_index: None,
                        },
                        dead_letter_id: None,
                    })
                }
            })
            .collect();
        UploadDataResponse::Ok(WriteBatchResponse { results })
    }

    async fn health(&self) -> HealthResponse {
        HealthResponse::Ok(HealthStatus {
            status: "ok".to_owned(),
        })
    }

    async fn ready(&self) -> ReadyResponse {
        ReadyResponse::Ok(HealthStatus {
            status: "ok".to_owned(),
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::var("PORT")?.parse()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let app = router(Arc::new(InMemory), RouterConfig { body_limit: 65536 });
    axum::serve(listener, app).await?;
    Ok(())
}
