//! Array parameters end to end, on the generated crate of the `parameters` feature
//! fixture: the client sends a query array as repeated keys (`?states=open&states=done`)
//! and a header array comma-separated (`X-Shards: 1,2`); the adapter decodes them, and
//! answers 400 naming the parameter (and item) when one is missing or does not decode.

mod reply;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use feature_parameters::client::Client;
use feature_parameters::models::{GetItemOrder, GetItemStatesItem};
use feature_parameters::operations::{GetItemRequest, GetItemResponse};
use feature_parameters::server::{Parameters, RouterConfig, router};
use http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Records every request that reaches the implementation.
#[derive(Default)]
struct Recorder {
    received: Mutex<Vec<GetItemRequest>>,
}

impl Parameters for Recorder {
    async fn get_item(&self, request: GetItemRequest) -> GetItemResponse {
        self.received.lock().unwrap().push(request);
        GetItemResponse::NoContent
    }
}

async fn serve() -> (Client, Arc<Recorder>) {
    let api = Arc::new(Recorder::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(Arc::clone(&api), RouterConfig::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (Client::new(format!("http://{address}")), api)
}

fn request() -> GetItemRequest {
    GetItemRequest {
        list_id: "groceries".into(),
        item_id: 7,
        x_trace_id: Some("0b7c2a4e-54e4-4a4e-9a43-4c1d9f1f2b11".into()),
        // Characters that need escaping in a query string, and an empty item.
        fields: Some(vec![
            "name".into(),
            "a b&c=d,e".into(),
            String::new(),
            "é".into(),
        ]),
        states: vec![GetItemStatesItem::Done, GetItemStatesItem::Open],
        x_shards: vec![3, -1, 2_147_483_647],
        order: Some(GetItemOrder::Desc),
        limit: Some(10),
    }
}

#[tokio::test]
async fn array_parameters_arrive_intact() {
    let (client, api) = serve().await;
    let sent = request();
    let response = client.get_item(&sent).await.unwrap();
    assert_eq!(response, GetItemResponse::NoContent);
    let sent_minimal = GetItemRequest {
        x_trace_id: None,
        fields: None,
        states: vec![GetItemStatesItem::Open],
        x_shards: vec![0],
        order: None,
        limit: None,
        ..request()
    };
    client.get_item(&sent_minimal).await.unwrap();
    let received = api.received.lock().unwrap();
    assert_eq!(*received, vec![sent, sent_minimal]);
}

#[tokio::test]
async fn an_empty_header_array_arrives_empty() {
    let (client, api) = serve().await;
    let sent = GetItemRequest {
        x_shards: Vec::new(),
        ..request()
    };
    client.get_item(&sent).await.unwrap();
    assert_eq!(api.received.lock().unwrap()[0].x_shards, Vec::<i32>::new());
}

/// Sends a raw request to the router; the status and the JSON body (`null` if none).
async fn send(uri: &str, shards: &[&str]) -> (StatusCode, Value, Arc<Recorder>) {
    let api = Arc::new(Recorder::default());
    let mut request = Request::get(uri);
    for line in shards {
        request = request.header("x-shards", *line);
    }
    let response = router(Arc::clone(&api), RouterConfig::default())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, body) = reply::json_reply(response).await;
    (status, body, api)
}

use reply::violation_paths as paths;

#[tokio::test]
async fn header_items_may_be_spaced_and_span_several_lines() {
    let (status, _, api) = send(
        "/lists/l/items/1?states=open&fields=a&states=done",
        &["1, 2 ,3", "4"],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let received = api.received.lock().unwrap();
    assert_eq!(received[0].x_shards, vec![1, 2, 3, 4]);
    assert_eq!(
        received[0].states,
        vec![GetItemStatesItem::Open, GetItemStatesItem::Done]
    );
    assert_eq!(received[0].fields, Some(vec!["a".to_owned()]));
}

#[tokio::test]
async fn an_item_that_does_not_decode_is_a_400_naming_it() {
    let (status, body, api) = send("/lists/l/items/1?states=open&states=nope", &["1"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], json!("INVALID_REQUEST"));
    // An unlisted value of an enum item is `enum`, as in a body.
    assert_eq!(paths(&body), vec![("query.states[1]", "enum")]);
    assert!(api.received.lock().unwrap().is_empty());

    let (status, body, _) = send("/lists/l/items/1?states=open", &["1,x,2.5"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        paths(&body),
        vec![
            ("header.X-Shards[1]", "type"),
            ("header.X-Shards[2]", "type")
        ]
    );

    // Out of the item type's range (int32): `format`, as in a body.
    let (status, body, _) = send("/lists/l/items/1?states=open", &["4294967296"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("header.X-Shards[0]", "format")]);
}

#[tokio::test]
async fn every_parameter_is_checked_against_its_schema_at_once() {
    // An enum value, a constraint (`limit` has `maximum: 100`) and an item type,
    // in three places: one 400 lists them all, in the parameters' order.
    let (status, body, api) = send("/lists/l/items/1?states=nope&order=up&limit=101", &["x"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        paths(&body),
        vec![
            ("query.states[0]", "enum"),
            ("header.X-Shards[0]", "type"),
            ("query.order", "enum"),
            ("query.limit", "maximum"),
        ]
    );
    assert!(api.received.lock().unwrap().is_empty());
    let (status, _, api) = send("/lists/l/items/1?states=open&limit=100", &["1"]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(api.received.lock().unwrap()[0].limit, Some(100));
}

#[tokio::test]
async fn a_missing_required_array_is_a_400_naming_it() {
    let (status, body, _) = send("/lists/l/items/1?fields=a", &["1"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("query.states", "required")]);

    let (status, body, _) = send("/lists/l/items/1?states=done", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("header.X-Shards", "required")]);
}

#[tokio::test]
async fn a_path_that_is_not_utf8_is_a_400_naming_the_parameter() {
    let (status, body, api) = send("/lists/%FF/items/1?states=open", &["1"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], json!("INVALID_REQUEST"));
    assert_eq!(paths(&body), vec![("path.list_id", "type")]);
    assert!(api.received.lock().unwrap().is_empty());
}
