//! OAuth 2.0 and OpenID Connect schemes end to end, on the generated crate of the
//! `oauth_and_openid` feature fixture: both are bearer tokens, `authenticate` gets
//! the scopes the operation requires of each scheme, an operation accepting two
//! bearer schemes tries the second when the first refuses the token, and the client
//! sends its token in one `Authorization` header.

mod reply;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use feature_oauth_and_openid::client::Client;
use feature_oauth_and_openid::operations::{CreateItemResponse, HealthResponse, ListItemsResponse};
use feature_oauth_and_openid::server::{
    Credentials, OAuthAndOpenId, Rejection, RouterConfig, router,
};
use http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

/// Accepts the token `good` for the schemes in `accepts`, and records every call.
struct Gate {
    accepts: &'static [&'static str],
    seen: Mutex<Vec<(&'static str, Vec<&'static str>)>>,
}

impl Gate {
    fn new(accepts: &'static [&'static str]) -> Arc<Gate> {
        Arc::new(Gate {
            accepts,
            seen: Mutex::new(Vec::new()),
        })
    }

    fn seen(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        self.seen.lock().unwrap().clone()
    }
}

impl OAuthAndOpenId for Gate {
    type Principal = &'static str;

    async fn authenticate(&self, credentials: Credentials) -> Result<&'static str, Rejection> {
        self.seen
            .lock()
            .unwrap()
            .push((credentials.scheme, credentials.scopes.to_vec()));
        if credentials.secret == "good" && self.accepts.contains(&credentials.scheme) {
            Ok(credentials.scheme)
        } else {
            Err(Rejection::unauthorized(format!(
                "{} refused the token",
                credentials.scheme
            )))
        }
    }

    async fn list_items(&self, _principal: &'static str) -> ListItemsResponse {
        ListItemsResponse::NoContent
    }

    async fn create_item(&self, _principal: &'static str) -> CreateItemResponse {
        CreateItemResponse::NoContent
    }

    async fn health(&self) -> HealthResponse {
        HealthResponse::NoContent
    }
}

async fn send(
    gate: &Arc<Gate>,
    method: &str,
    uri: &str,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router(Arc::clone(gate), RouterConfig::default())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, body) = reply::json_reply(response).await;
    (status, body)
}

#[tokio::test]
async fn authenticate_gets_the_scopes_the_operation_requires() {
    let gate = Gate::new(&["oauth"]);
    let (status, _) = send(&gate, "POST", "/items", Some("good")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&gate, "GET", "/items", Some("good")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        gate.seen(),
        vec![
            ("oauth", vec!["items:write"]),
            ("oauth", vec!["items:read"])
        ]
    );
}

#[tokio::test]
async fn a_token_refused_by_the_first_scheme_is_tried_with_the_next() {
    let gate = Gate::new(&["openId"]);
    let (status, _) = send(&gate, "GET", "/items", Some("good")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        gate.seen(),
        vec![("oauth", vec!["items:read"]), ("openId", vec![])]
    );
}

#[tokio::test]
async fn a_token_every_scheme_refuses_gets_the_first_refusal() {
    let gate = Gate::new(&["oauth", "openId"]);
    let (status, body) = send(&gate, "GET", "/items", Some("bad")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "oauth refused the token");
    assert_eq!(gate.seen().len(), 2);
}

#[tokio::test]
async fn no_token_is_refused_without_calling_authenticate() {
    let gate = Gate::new(&["oauth"]);
    let (status, body) = send(&gate, "GET", "/items", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "UNAUTHENTICATED");
    assert_eq!(body["message"], "missing or malformed credentials");
    let (status, _) = send(&gate, "GET", "/health", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(gate.seen().is_empty());
}

#[tokio::test]
async fn the_client_sends_its_token_once() {
    // A bare server that counts the `Authorization` headers of each request.
    let counts: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let recorded = Arc::clone(&counts);
    let app = axum::Router::new().route(
        "/items",
        axum::routing::any(move |headers: http::HeaderMap| {
            let recorded = Arc::clone(&recorded);
            async move {
                recorded.lock().unwrap().push(
                    headers
                        .get_all("authorization")
                        .iter()
                        .map(|v| v.to_str().unwrap().to_owned())
                        .collect(),
                );
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::new(format!("http://{address}")).with_bearer_token("t0k3n");
    assert_eq!(
        client.list_items().await.unwrap(),
        ListItemsResponse::NoContent
    );
    assert_eq!(
        client.create_item().await.unwrap(),
        CreateItemResponse::NoContent
    );
    assert_eq!(
        *counts.lock().unwrap(),
        vec![
            vec!["Bearer t0k3n".to_owned()],
            vec!["Bearer t0k3n".to_owned()]
        ]
    );
}
