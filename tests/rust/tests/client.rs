//! The generated reqwest client against the generated axum router, over real HTTP on
//! 127.0.0.1.

mod common;

use std::sync::Arc;

use powersync_write_api::client::{Client, ClientError};
use powersync_write_api::models::{
    CrudEntry, CrudTransaction, TransactionResult, UpdateType, WriteBatch,
};
use powersync_write_api::operations::{HealthResponse, UploadDataRequest, UploadDataResponse};
use powersync_write_api::server::{RouterConfig, router};

use common::{GOOD_TOKEN, Memory};

async fn serve() -> (String, Arc<Memory>) {
    let api = Arc::new(Memory::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(Arc::clone(&api), RouterConfig::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), api)
}

fn batch(client_id: &str) -> UploadDataRequest {
    let entry = CrudEntry {
        op: UpdateType::Patch,
        table: "todos".into(),
        id: "t1".into(),
        op_id: Some(9),
        transaction_id: None,
        op_data: Some(None),
        previous_values: None,
        metadata: Some(Some("m".into())),
    };
    UploadDataRequest {
        body: WriteBatch {
            client_id: Some(client_id.into()),
            transactions: vec![
                CrudTransaction {
                    transaction_id: Some(3),
                    crud: vec![entry],
                }
                .into(),
            ],
        },
    }
}

#[tokio::test]
async fn the_client_uploads_and_decodes_the_typed_response() {
    let (base, api) = serve().await;
    let client = Client::new(base).with_bearer_token(GOOD_TOKEN);
    let response = client.upload_data(&batch("c1")).await.unwrap();
    let UploadDataResponse::Ok(body) = response else {
        panic!("{response:?}")
    };
    assert!(matches!(
        body.results.as_slice(),
        [TransactionResult::Success(_)]
    ));
    // What the server decoded is what the client sent, `null` and absence kept apart.
    let received = api.received.lock().unwrap();
    assert_eq!(received[0].1, batch("c1").body);
}

#[tokio::test]
async fn other_statuses_decode_into_their_variants() {
    let (base, _) = serve().await;
    let anonymous = Client::new(base.clone());
    let response = anonymous.upload_data(&batch("c1")).await.unwrap();
    let UploadDataResponse::Unauthorized(error) = response else {
        panic!("{response:?}")
    };
    assert_eq!(error.code.as_deref(), Some("UNAUTHENTICATED"));

    let client = Client::new(base).with_bearer_token(GOOD_TOKEN);
    let response = client.upload_data(&batch("busy")).await.unwrap();
    let UploadDataResponse::TooManyRequests { retry_after, body } = response else {
        panic!("{response:?}")
    };
    assert_eq!(retry_after, Some(3));
    assert_eq!(body.code.as_deref(), Some("BUSY"));

    let mut invalid = batch("c1");
    invalid.body.transactions.clear();
    let response = client.upload_data(&invalid).await.unwrap();
    let UploadDataResponse::BadRequest(error) = response else {
        panic!("{response:?}")
    };
    let violations = error.violations.unwrap_or_default();
    assert_eq!(violations[0].path, "$.transactions");
    assert_eq!(violations[0].keyword, "minItems");

    assert_eq!(
        client.health().await.unwrap(),
        HealthResponse::Ok(powersync_write_api::models::HealthStatus {
            status: "ok".into()
        })
    );
}

#[tokio::test]
async fn transport_failures_are_client_errors() {
    // A port nothing listens on: bind one, then drop the listener.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(format!("http://{address}"));
    assert!(matches!(
        client.health().await,
        Err(ClientError::Transport(_))
    ));
    let bad = Client::new("not a url");
    assert!(matches!(
        bad.health().await,
        Err(ClientError::InvalidUrl(_))
    ));
}
