//! Array parameters written as one value, end to end, on the generated crate of the
//! `form_arrays` feature fixture: in the query `form` with `explode: false`
//! (`?ids=1,2,3`) beside the default repeated keys (`?tags=a&tags=b`),
//! `spaceDelimited` (`?sizes=1.5%202`) and `pipeDelimited` (`?colors=red|blue`); in
//! the path and a header `simple` (`/boards/7,8/cards`, `X-Flags: true,false`).
//! The client writes the separators as OpenAPI does; the adapter splits the decoded
//! value, so it also reads `?ids=1%2C2`; an empty value is an empty array.

mod reply;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use feature_form_arrays::client::{Client, ClientError};
use feature_form_arrays::models::ListCardsColorsItem;
use feature_form_arrays::operations::{ListCardsRequest, ListCardsResponse};
use feature_form_arrays::server::{FormArrays, RouterConfig, router};
use http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Records every request that reaches the implementation.
#[derive(Default)]
struct Recorder {
    received: Mutex<Vec<ListCardsRequest>>,
}

impl FormArrays for Recorder {
    async fn list_cards(&self, request: ListCardsRequest) -> ListCardsResponse {
        self.received.lock().unwrap().push(request);
        ListCardsResponse::NoContent
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

fn request() -> ListCardsRequest {
    ListCardsRequest {
        board_ids: vec![7, -8],
        ids: vec![1, 2, 3],
        // Characters that need escaping in a query string, and an empty item.
        names: Some(vec!["a b&c=d".into(), String::new(), "é|%2C+".into()]),
        tags: Some(vec!["x,y".into(), "z".into()]),
        sizes: Some(vec![1.5, -2.0, 3e10]),
        colors: Some(vec![ListCardsColorsItem::Red, ListCardsColorsItem::Blue]),
        x_flags: Some(vec![true, false]),
        limit: Some(10),
    }
}

#[tokio::test]
async fn delimited_arrays_arrive_intact() {
    let (client, api) = serve().await;
    let sent = request();
    let response = client.list_cards(&sent).await.unwrap();
    assert_eq!(response, ListCardsResponse::NoContent);
    let sent_minimal = ListCardsRequest {
        board_ids: vec![1],
        ids: vec![0],
        names: None,
        tags: None,
        sizes: None,
        colors: None,
        x_flags: None,
        limit: None,
    };
    client.list_cards(&sent_minimal).await.unwrap();
    let received = api.received.lock().unwrap();
    assert_eq!(*received, vec![sent, sent_minimal]);
}

#[tokio::test]
async fn an_empty_array_is_sent_as_an_empty_value_and_arrives_empty() {
    let (client, api) = serve().await;
    let sent = ListCardsRequest {
        ids: Vec::new(),
        names: Some(Vec::new()),
        sizes: Some(Vec::new()),
        colors: Some(Vec::new()),
        // An empty header value.
        x_flags: Some(Vec::new()),
        ..request()
    };
    client.list_cards(&sent).await.unwrap();
    assert_eq!(api.received.lock().unwrap()[0], sent);
}

/// What the client puts on the wire: the raw path and query a bare server sees.
#[tokio::test]
async fn the_client_writes_the_separators_as_openapi_does() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |uri: http::Uri| {
        let record = Arc::clone(&record);
        async move {
            record.lock().unwrap().push(uri.to_string());
            StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::new(format!("http://{address}"));
    client.list_cards(&request()).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        "/boards/7,-8/cards?ids=1,2,3&names=a+b%26c%3Dd,,%C3%A9%7C%252C%2B\
         &tags=x%2Cy&tags=z&sizes=1.5%20-2.0%2030000000000.0&colors=red|blue&limit=10"
    );
}

#[tokio::test]
async fn items_that_hold_the_separator_are_refused_by_the_client() {
    let (client, api) = serve().await;
    let refused = |request: ListCardsRequest| {
        let client = client.clone();
        async move {
            match client.list_cards(&request).await {
                Err(ClientError::InvalidRequest(message)) => message,
                other => panic!("expected InvalidRequest, got {other:?}"),
            }
        }
    };
    let message = refused(ListCardsRequest {
        names: Some(vec!["a,b".into()]),
        ..request()
    })
    .await;
    assert!(
        message.contains("`names`") && message.contains("','"),
        "{message}"
    );
    // One empty item would arrive as no items.
    let message = refused(ListCardsRequest {
        names: Some(vec![String::new()]),
        ..request()
    })
    .await;
    assert!(message.contains("one empty item"), "{message}");
    // A path segment cannot be empty.
    let message = refused(ListCardsRequest {
        board_ids: Vec::new(),
        ..request()
    })
    .await;
    assert!(message.contains("`board_ids` has no items"), "{message}");
    assert!(api.received.lock().unwrap().is_empty());
}

/// Sends a raw request to the router; the status and the JSON body (`null` if none).
async fn send(uri: &str, flags: Option<&str>) -> (StatusCode, Value, Arc<Recorder>) {
    let api = Arc::new(Recorder::default());
    let mut request = Request::get(uri);
    if let Some(flags) = flags {
        request = request.header("x-flags", flags);
    }
    let response = router(Arc::clone(&api), RouterConfig::default())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, body) = reply::json_reply(response).await;
    (status, body, api)
}

/// The one request the implementation received.
async fn received(uri: &str, flags: Option<&str>) -> ListCardsRequest {
    let (status, body, api) = send(uri, flags).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{uri}: {body}");
    let mut received = api.received.lock().unwrap();
    assert_eq!(received.len(), 1);
    received.remove(0)
}

use reply::violation_paths as paths;

#[tokio::test]
async fn the_server_reads_every_spelling_of_the_separators() {
    let got = received(
        "/boards/1,2/cards?ids=1,2,3&names=a,,b%20c&sizes=1+2.5&colors=red|green&tags=t",
        Some("true, false"),
    )
    .await;
    assert_eq!(got.board_ids, vec![1, 2]);
    assert_eq!(got.ids, vec![1, 2, 3]);
    assert_eq!(
        got.names,
        Some(vec!["a".to_owned(), String::new(), "b c".to_owned()])
    );
    assert_eq!(got.sizes, Some(vec![1.0, 2.5]));
    assert_eq!(
        got.colors,
        Some(vec![ListCardsColorsItem::Red, ListCardsColorsItem::Green])
    );
    assert_eq!(got.tags, Some(vec!["t".to_owned()]));
    assert_eq!(got.x_flags, Some(vec![true, false]));

    // Encoded separators split too (the value is decoded first), and the path's.
    let got = received(
        "/boards/3%2C4/cards?ids=1%2C2&sizes=1%202&colors=blue%7Cred",
        None,
    )
    .await;
    assert_eq!(got.board_ids, vec![3, 4]);
    assert_eq!(got.ids, vec![1, 2]);
    assert_eq!(got.sizes, Some(vec![1.0, 2.0]));
    assert_eq!(
        got.colors,
        Some(vec![ListCardsColorsItem::Blue, ListCardsColorsItem::Red])
    );

    // A repeated key adds its items; without `=` a key has an empty value.
    let got = received("/boards/1/cards?ids=1,2&ids=&ids=3&names", None).await;
    assert_eq!(got.ids, vec![1, 2, 3]);
    assert_eq!(got.names, Some(Vec::new()));
    assert_eq!(got.sizes, None);
}

#[tokio::test]
async fn an_empty_value_is_an_empty_array_and_a_missing_one_absent() {
    let got = received("/boards/1/cards?ids=&sizes=&colors=", None).await;
    assert_eq!(got.ids, Vec::<i32>::new());
    assert_eq!(got.sizes, Some(Vec::new()));
    assert_eq!(got.colors, Some(Vec::new()));
    assert_eq!(got.names, None);

    let (status, body, api) = send("/boards/1/cards?names=a", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("query.ids", "required")]);
    assert!(api.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_item_that_does_not_decode_is_a_400_naming_it() {
    let (status, body, api) = send("/boards/1/cards?ids=1,x,3,", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], json!("INVALID_REQUEST"));
    // The trailing comma leaves an empty last item, which is no integer.
    assert_eq!(
        paths(&body),
        vec![("query.ids[1]", "type"), ("query.ids[3]", "type")]
    );
    assert!(api.received.lock().unwrap().is_empty());

    let (status, body, _) = send("/boards/1/cards?ids=1&colors=red|nope", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("query.colors[1]", "enum")]);

    // A comma does not separate the items of a `spaceDelimited` array.
    let (status, body, _) = send("/boards/1/cards?ids=1&sizes=1,2", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("query.sizes[0]", "type")]);

    let (status, body, _) = send("/boards/1,two/cards?ids=1", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("path.board_ids[1]", "type")]);

    let (status, body, _) = send("/boards/1/cards?ids=1", Some("true,maybe")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("header.X-Flags[1]", "type")]);
}
