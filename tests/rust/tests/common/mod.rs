//! A small in-memory implementation of the generated server trait.

use std::sync::Mutex;

use powersync_write_api::models::{
    ErrorResponse, HealthStatus, TransactionResult, TransactionSuccess, WriteBatch,
    WriteBatchResponse,
};
use powersync_write_api::operations::{
    HealthResponse, ReadyResponse, UploadDataRequest, UploadDataResponse,
};
use powersync_write_api::server::{Credentials, PowerSyncWriteApi, Rejection};

pub const GOOD_TOKEN: &str = "good-token";

/// Accepts `GOOD_TOKEN` only, answers every transaction with success, and keeps what it
/// received. A batch whose `client_id` is `"busy"` gets 429 with `Retry-After: 3`.
#[derive(Default)]
pub struct Memory {
    pub received: Mutex<Vec<(String, WriteBatch)>>,
}

impl PowerSyncWriteApi for Memory {
    type Principal = String;

    async fn authenticate(&self, credentials: Credentials) -> Result<String, Rejection> {
        if credentials.scheme == "bearerAuth" && credentials.secret == GOOD_TOKEN {
            Ok("user-1".to_owned())
        } else {
            Err(Rejection::unauthorized("unknown token"))
        }
    }

    async fn upload_data(
        &self,
        principal: String,
        request: UploadDataRequest,
    ) -> UploadDataResponse {
        if request.body.client_id.as_deref() == Some("busy") {
            return UploadDataResponse::TooManyRequests {
                retry_after: Some(3),
                body: ErrorResponse {
                    code: Some("BUSY".into()),
                    message: "try later".into(),
                    violations: None,
                    violations_omitted: None,
                },
            };
        }
        let results = request
            .body
            .transactions
            .iter()
            .map(|_| {
                TransactionResult::Success(TransactionSuccess {
                    write_checkpoint: Some("7".into()),
                    duplicate: None,
                })
            })
            .collect();
        self.received
            .lock()
            .unwrap()
            .push((principal, request.body));
        UploadDataResponse::Ok(WriteBatchResponse { results })
    }

    async fn health(&self) -> HealthResponse {
        HealthResponse::Ok(HealthStatus {
            status: "ok".into(),
        })
    }

    async fn ready(&self) -> ReadyResponse {
        ReadyResponse::Ok(HealthStatus {
            status: "ready".into(),
        })
    }
}
