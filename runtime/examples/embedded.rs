//! Embedding the runtime as a library, with two hooks of your own:
//!
//! - an authorizer: a list written by a PUT (or a PATCH that changes `owner_id`) must be
//!   owned by the uploader (`owner_id` = the token's `sub`), else the transaction is
//!   refused at that entry;
//! - a table handler for `todos`: when a write sets `completed` to true, it also sets
//!   `completed_by` to the uploader, inside the same database transaction.
//!
//! Run it, then mint a dev token from its data folder and upload as in the README:
//!
//! ```sh
//! cargo run -p powersync-write-server --example embedded
//! cargo run -p powersync-write-server -- token --data-dir data/embedded --sub user-1
//! ```

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use powersync_write_api::models::{CrudEntry, CrudTransaction, UpdateType};
use powersync_write_server::auth::{AuthConfig, Authenticator};
use powersync_write_server::engine::{Engine, EngineConfig, Hooks};
use powersync_write_server::hooks::{Authorizer, Refusal, SqlExecutor, TableHandler};
use powersync_write_server::http::HttpConfig;
use powersync_write_server::mapping::MappingConfig;
use powersync_write_server::metrics::Metrics;
use powersync_write_server::persist::Persister;
use powersync_write_server::persist::sqlite::{SqliteOptions, SqlitePersister};
use powersync_write_server::policy::Policies;
use powersync_write_server::service::{self, WriteService};
use powersync_write_server::vocab::Principal;
use powersync_write_server::vocab::{DbError, MappedEntry, WriteOp};
use serde_json::Value;

/// Lists belong to the user who writes them.
pub struct OwnerIsUploader;

#[async_trait]
impl Authorizer for OwnerIsUploader {
    async fn authorize(
        &self,
        principal: &Principal,
        _client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> Result<(), Refusal> {
        for (operation_index, entry) in transaction.crud.iter().enumerate() {
            if entry.table != "lists" {
                continue;
            }
            let owner = entry
                .op_data
                .as_ref()
                .and_then(|data| data.as_ref())
                .and_then(|data| data.get("owner_id"));
            let refused = match entry.op {
                // A PUT creates or replaces the row: it must name the uploader.
                UpdateType::Put => owner != Some(&Value::from(principal.subject.as_str())),
                // A PATCH may leave the owner alone, but not hand the list to someone else.
                UpdateType::Patch => {
                    owner.is_some_and(|owner| owner != &Value::from(principal.subject.as_str()))
                }
                UpdateType::Delete => false,
            };
            if refused {
                return Err(Refusal {
                    operation_index,
                    message: format!(
                        "lists.owner_id must be the uploader ({})",
                        principal.subject
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Writes `todos` the default way, adding `completed_by` when a todo gets completed.
pub struct StampCompletedBy;

#[async_trait]
impl TableHandler for StampCompletedBy {
    async fn handle(
        &self,
        principal: &Principal,
        _entry: &CrudEntry,
        mapped: &MappedEntry,
        db: &mut dyn SqlExecutor,
    ) -> Result<(), DbError> {
        let completes = mapped.op != WriteOp::Delete
            && mapped
                .columns
                .iter()
                .any(|(column, value)| column == "completed" && is_true(value));
        if !completes {
            return db.apply_default(mapped).await;
        }
        let mut stamped = mapped.clone();
        stamped
            .columns
            .retain(|(column, _)| column != "completed_by");
        stamped.columns.push((
            "completed_by".to_string(),
            Value::from(principal.subject.as_str()),
        ));
        db.apply_default(&stamped).await
    }
}

/// SQLite clients store booleans as 0/1.
fn is_true(value: &Value) -> bool {
    matches!(value, Value::Bool(true)) || value.as_i64() == Some(1) || value == "true"
}

/// The default hooks with ours in place.
pub fn hooks() -> Hooks {
    let mut hooks = Hooks::defaults(EngineConfig::default().retry_after_ms);
    hooks.authorizer = Arc::new(OwnerIsUploader);
    hooks.handlers.register("todos", Arc::new(StampCompletedBy));
    hooks
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let data_dir = Path::new("data/embedded");
    let persister =
        SqlitePersister::open(data_dir.join("app.db"), SqliteOptions::default()).await?;
    persister.migrate().await?;
    persister.create_example_schema().await?;

    let engine = Engine::new(
        Arc::new(persister),
        MappingConfig::default(),
        // This example's authorizer hook decides alone.
        Policies::allow_all(),
        hooks(),
        EngineConfig::default(),
    )
    .await?;
    // Dev-mode auth: a keypair under the data folder; `token --data-dir` mints tokens.
    let authenticator = Authenticator::new(&AuthConfig::default(), data_dir).await?;
    // The `[http]` limits' defaults: timeouts, connection cap, batches in flight.
    let http = HttpConfig::default();
    let service = WriteService {
        engine: Arc::new(engine),
        authenticator: Arc::new(authenticator),
        metrics: Arc::new(Metrics::new()),
        admission: http.admission(),
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:6060").await?;
    println!("listening on http://127.0.0.1:6060");
    // Until Ctrl-C; in-flight batches finish first.
    powersync_write_server::http::serve(
        listener,
        service::app(service, 4 * 1024 * 1024),
        &http,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await?;
    Ok(())
}
