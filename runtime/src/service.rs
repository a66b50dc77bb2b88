//! The runtime behind the generated server trait: the generated axum router does the
//! HTTP work (body limit, content type, validation, bearer extraction) and calls this.

use std::sync::Arc;
use std::time::Instant;

use axum::http::StatusCode;
use powersync_write_api::models::{ErrorResponse, HealthStatus, WriteBatchResponse};
use powersync_write_api::operations::{
    HealthResponse, ReadyResponse, UploadDataRequest, UploadDataResponse,
};
use powersync_write_api::server::{
    Credentials, PowerSyncWriteApi, Rejection, RouterConfig, router,
};
use powersync_write_api::validation::Checked;

use crate::admission::{Admission, Refusal, Slot};
use crate::auth::{AuthError, Authenticator};
use crate::engine::Engine;
use crate::metrics::Metrics;
use crate::vocab::DbError;
use crate::vocab::Principal;

/// Seconds a load balancer waits before asking `/ready` again.
const READY_RETRY_AFTER_SECONDS: i32 = 5;

/// Seconds a refused batch waits before it is sent again: batches take about this
/// long, so a place has likely freed by then.
const BUSY_RETRY_AFTER_SECONDS: u32 = 1;

pub struct WriteService {
    pub engine: Arc<Engine>,
    pub authenticator: Arc<Authenticator>,
    pub metrics: Arc<Metrics>,
    pub admission: Arc<Admission>,
}

/// A verified uploader whose batch has a place (see `admission`): the place is held
/// as long as this value, which goes with the batch into its task.
pub struct Admitted {
    pub principal: Principal,
    _slot: Slot,
}

impl PowerSyncWriteApi for WriteService {
    type Principal = Admitted;

    /// Verifies the token, then admits the batch: this hook runs before the body is
    /// read, so a refused batch costs no body.
    async fn authenticate(&self, credentials: Credentials) -> Result<Admitted, Rejection> {
        let principal = self.verify(&credentials).await?;
        match self.admission.admit(&principal.subject) {
            Ok(slot) => Ok(Admitted {
                principal,
                _slot: slot,
            }),
            Err(refusal) => {
                tracing::warn!(subject = %principal.subject, %refusal, "refused a batch");
                let (status, code, reason) = match refusal {
                    Refusal::User { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "user"),
                    Refusal::Server { .. } => (StatusCode::SERVICE_UNAVAILABLE, "BUSY", "server"),
                };
                self.metrics.refused(reason);
                Err(Rejection::new(status, code, refusal.to_string())
                    .with_retry_after(BUSY_RETRY_AFTER_SECONDS))
            }
        }
    }

    async fn upload_data(
        &self,
        admitted: Admitted,
        request: UploadDataRequest,
    ) -> UploadDataResponse {
        let (engine, metrics) = (self.engine.clone(), self.metrics.clone());
        // The batch runs in its own task: a client that goes away mid-request drops
        // this handler, not the batch, which is finished (dead letters included) and
        // logged as any other. Its replay is then answered from the ledger.
        let batch = tokio::spawn(async move {
            // Taken apart here, so the block owns the slot too (it would capture only
            // the field it uses) and the place is freed when the batch is done.
            let Admitted { principal, _slot } = admitted;
            let started = Instant::now();
            let batch = request.body;
            let results = engine.process(&principal, &batch).await;
            let operations = batch
                .transactions
                .iter()
                .map(|t| match t {
                    Checked::Valid(t) => t.crud.len(),
                    Checked::Invalid(invalid) => invalid.raw["crud"].as_array().map_or(0, Vec::len),
                })
                .sum();
            metrics.batch(operations, &results, started.elapsed());
            tracing::info!(
                subject = %principal.subject,
                transactions = batch.transactions.len(),
                operations,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "processed a batch"
            );
            results
        });
        let results = match batch.await {
            Ok(results) => results,
            // A panic in the batch stays a panic of this request (never aborted here).
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        UploadDataResponse::Ok(WriteBatchResponse { results })
    }

    async fn health(&self) -> HealthResponse {
        HealthResponse::Ok(HealthStatus {
            status: "ok".to_string(),
        })
    }

    async fn ready(&self) -> ReadyResponse {
        // One catalog query (two once versioned): the database answers, and the
        // runtime's tables are there at this release's version.
        let problem = match self.engine.persister().runtime_tables().await {
            Ok(tables) => match tables.check() {
                Ok(()) => {
                    return ReadyResponse::Ok(HealthStatus {
                        status: "ready".to_string(),
                    });
                }
                Err(problem) => {
                    tracing::warn!(%problem, "not ready");
                    problem.to_string()
                }
            },
            Err(DbError::RuntimeTables { message }) => {
                tracing::warn!(%message, "not ready");
                message
            }
            Err(error) => {
                tracing::warn!(%error, "not ready: database unreachable");
                "the database is not reachable (the server log has the error)".to_string()
            }
        };
        ReadyResponse::ServiceUnavailable {
            retry_after: Some(READY_RETRY_AFTER_SECONDS),
            body: ErrorResponse {
                code: Some("NOT_READY".to_string()),
                message: problem,
                violations: None,
                violations_omitted: None,
            },
        }
    }
}

impl WriteService {
    async fn verify(&self, credentials: &Credentials) -> Result<Principal, Rejection> {
        self.authenticator
            .verify(&credentials.secret)
            .await
            .map_err(|error| match error {
                // The key server is down: a 401 would log the user out of a good session.
                AuthError::KeysUnavailable {
                    retry_after_seconds,
                    ..
                } => {
                    tracing::warn!(%error, "could not verify a bearer token");
                    Rejection::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "NOT_READY",
                        error.to_string(),
                    )
                    .with_retry_after(retry_after_seconds)
                }
                _ => {
                    tracing::info!(%error, "refused a bearer token");
                    Rejection::unauthorized(error.to_string())
                }
            })
    }
}

/// The whole HTTP application: the generated routes plus `/metrics`.
pub fn app(service: WriteService, body_limit: usize) -> axum::Router {
    let metrics = service.metrics.clone();
    router(Arc::new(service), RouterConfig { body_limit })
        .route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4",
                        )],
                        metrics.render(),
                    )
                }
            }),
        )
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
