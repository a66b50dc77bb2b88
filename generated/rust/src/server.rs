// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! The server side: implement the trait, then serve [`router`] with axum.
#![allow(dead_code)]
use std::future::Future;
use std::sync::Arc;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use crate::operations;
use crate::validation::{Violation, Violations};
/// A credential taken from a request: the security scheme's name (as in the spec)
/// and the bearer token or API key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub scheme: &'static str,
    pub secret: String,
    /// The scopes the operation requires of this scheme (its `security` entry in
    /// the spec; usually empty outside `oauth2` and `openIdConnect`).
    /// `authenticate` must refuse a token that does not grant them all.
    pub scopes: &'static [&'static str],
}
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("scheme", &self.scheme)
            .field("secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .finish()
    }
}
/// A request refused before (or instead of) reaching the implementation.
///
/// Serialized as `{"code": "...", "message": "...", "violations": [...],
/// "violations_omitted": n}`, the shape of the spec's error response by
/// convention; `status` is the HTTP status. `violations` lists at most
/// [`MAX_VIOLATIONS`](crate::validation::MAX_VIOLATIONS) violations, and
/// `violations_omitted` (absent when 0) counts the ones found beyond them.
/// The adapter's codes: `INVALID_REQUEST` (400: not JSON, or the schema
/// violations), `UNAUTHENTICATED` (401), `PAYLOAD_TOO_LARGE` (413),
/// `UNSUPPORTED_MEDIA_TYPE` (415).
/// `retry_after` (set with [`Rejection::with_retry_after`]) is sent as the
/// `Retry-After` header, for a 429 or 503 the client should send again later.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejection {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    #[serde(skip_serializing_if = "is_zero")]
    pub violations_omitted: u64,
    #[serde(skip)]
    pub retry_after: Option<u32>,
}
fn is_zero(n: &u64) -> bool {
    *n == 0
}
impl Rejection {
    pub fn new(
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Rejection {
            status,
            code: code.into(),
            message: message.into(),
            violations: Vec::new(),
            violations_omitted: 0,
            retry_after: None,
        }
    }
    /// The same rejection, telling the client to send again after `seconds`
    /// (the `Retry-After` header).
    pub fn with_retry_after(self, seconds: u32) -> Self {
        Rejection {
            retry_after: Some(seconds),
            ..self
        }
    }
    /// 400: the request does not match the schema. A `Vec` of more than
    /// [`MAX_VIOLATIONS`](crate::validation::MAX_VIOLATIONS) violations is cut
    /// to them, counting the rest.
    pub fn invalid_request(violations: impl Into<Violations>) -> Self {
        let (violations, violations_omitted) = violations.into().into_parts();
        Rejection {
            violations,
            violations_omitted,
            ..Rejection::new(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "the request does not match the schema",
            )
        }
    }
    /// 400: the body is not JSON.
    pub fn malformed_json(detail: impl std::fmt::Display) -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            format!("the body is not valid JSON: {detail}"),
        )
    }
    /// 401: missing, malformed or refused credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Rejection::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message)
    }
    /// 413: the body is larger than the configured limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the body exceeds {limit} bytes"),
        )
    }
    /// 415: the body is not JSON by its content type.
    pub fn unsupported_media_type(found: &str) -> Self {
        Rejection::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("expected a JSON content type, found `{found}`"),
        )
    }
}
impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after;
        let mut response = (self.status, axum::Json(self)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(seconds),
                );
        }
        response
    }
}
/// The operations of PowerSync Write API, one method per operation.
///
/// Every method returns a `Send` future, so an implementation can be served by
/// [`router`] on a multi-threaded runtime.
pub trait PowerSyncWriteApi: Send + Sync + 'static {
    /// Who made a request, as `authenticate` decided.
    type Principal: Send;
    /// Checks the credentials of a request to an operation that requires them.
    /// The adapter calls this before reading the body; a missing or malformed
    /// credential is refused with 401 without calling it. When the operation
    /// accepts several schemes, each credential found is tried in the spec's
    /// order until one is accepted; the first refusal is the answer when none is.
    fn authenticate(
        &self,
        credentials: Credentials,
    ) -> impl Future<Output = Result<Self::Principal, Rejection>> + Send;
    /// Upload a batch of queued local transactions
    ///
    /// Applies each transaction of the batch atomically, in order, and answers one
    /// result per transaction. The reply to a batch that was processed is always `200`,
    /// whatever happened to the individual transactions: read `results`. Within a
    /// batch, the backend stops at the first transaction that ends in
    /// `retryable_error` (later ones are `not_attempted`); after a `fatal_error` it
    /// either stops the same way or, under a skip policy, goes on with the next
    /// transaction.
    ///
    /// `POST /api/data` (`uploadData`).
    fn upload_data(
        &self,
        principal: Self::Principal,
        request: operations::UploadDataRequest,
    ) -> impl Future<Output = operations::UploadDataResponse> + Send;
    /// Liveness probe
    ///
    /// Answers `200` while the process is running and able to serve HTTP, without
    /// touching the database. Use it to decide whether to restart the process, not
    /// whether to send it traffic (use `/ready` for that). Needs no credentials.
    ///
    /// `GET /health` (`health`).
    fn health(&self) -> impl Future<Output = operations::HealthResponse> + Send;
    /// Readiness probe
    ///
    /// Answers `200` when the backend can accept uploads (in particular, its database
    /// is reachable and holds the backend's own tables at the version it needs),
    /// `503` otherwise. Load balancers should route uploads only to ready instances.
    /// Needs no credentials.
    ///
    /// `GET /ready` (`ready`).
    fn ready(&self) -> impl Future<Output = operations::ReadyResponse> + Send;
    /// Turns a rejection into the HTTP response; override to change its shape.
    fn rejection_response(&self, rejection: Rejection) -> Response {
        rejection.into_response()
    }
}
/// Settings of the adapter.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// The largest accepted request body in bytes; larger ones get 413.
    pub body_limit: usize,
}
impl RouterConfig {
    pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;
}
impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            body_limit: Self::DEFAULT_BODY_LIMIT,
        }
    }
}
struct AppState<S> {
    api: Arc<S>,
    config: RouterConfig,
}
impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            api: Arc::clone(&self.api),
            config: self.config.clone(),
        }
    }
}
/// The axum router serving every operation of `api`. An unknown path answers
/// 404 and a known path with another method 405 (with `Allow`), both with the
/// JSON error body of every other rejection.
pub fn router<S: PowerSyncWriteApi>(api: Arc<S>, config: RouterConfig) -> axum::Router {
    axum::Router::new()
        .route("/api/data", axum::routing::post(handle_upload_data::<S>))
        .route("/health", axum::routing::get(handle_health::<S>))
        .route("/ready", axum::routing::get(handle_ready::<S>))
        .fallback(not_found::<S>)
        .method_not_allowed_fallback(method_not_allowed::<S>)
        .with_state(AppState { api, config })
}
async fn not_found<S: PowerSyncWriteApi>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
    uri: http::Uri,
) -> Response {
    let message = format!("no operation at {}", uri.path());
    state
        .api
        .rejection_response(Rejection::new(StatusCode::NOT_FOUND, "NOT_FOUND", message))
}
async fn method_not_allowed<S: PowerSyncWriteApi>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
    method: http::Method,
    uri: http::Uri,
) -> Response {
    let message = format!("{method} is not allowed on {}", uri.path());
    state
        .api
        .rejection_response(
            Rejection::new(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", message),
        )
}
async fn handle_upload_data<S: PowerSyncWriteApi>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
    request: axum::extract::Request,
) -> Response {
    let api = Arc::clone(&state.api);
    match run_upload_data(state, request).await {
        Ok(response) => response,
        Err(rejection) => api.rejection_response(rejection),
    }
}
async fn run_upload_data<S: PowerSyncWriteApi>(
    state: AppState<S>,
    request: axum::extract::Request,
) -> Result<Response, Rejection> {
    let (parts, body) = request.into_parts();
    let principal = authenticate_any(
            &*state.api,
            [bearer_credentials(&parts.headers, "bearerAuth", &[])],
        )
        .await?;
    let request = operations::UploadDataRequest {
        body: match json_value(&parts.headers, body, state.config.body_limit, true)
            .await?
        {
            Some(mut value) => {
                check_envelope(
                    &value,
                    crate::validation::bodies::upload_data,
                    crate::validation::envelopes::validate_write_batch,
                )?;
                let items_transactions = take_items(&mut value, "transactions");
                let mut decoded: crate::models::WriteBatch = decode_value(value)?;
                decoded.transactions = crate::validation::check_items(
                    items_transactions,
                    "$.transactions",
                    crate::validation::validate_crud_transaction,
                );
                Some(decoded)
            }
            None => None,
        }
            .ok_or_else(|| Rejection::malformed_json("a body is required"))?,
    };
    Ok(state.api.upload_data(principal, request).await.into_response())
}
async fn handle_health<S: PowerSyncWriteApi>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
) -> Response {
    state.api.health().await.into_response()
}
async fn handle_ready<S: PowerSyncWriteApi>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
) -> Response {
    state.api.ready().await.into_response()
}
impl IntoResponse for operations::UploadDataResponse {
    fn into_response(self) -> Response {
        match self {
            Self::Ok(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(200),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::BadRequest(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(400),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::Unauthorized(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(401),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::Forbidden(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(403),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::PayloadTooLarge(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(413),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::UnsupportedMediaType(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(415),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::TooManyRequests { retry_after, body } => {
                let mut headers = HeaderMap::new();
                insert_header(&mut headers, "retry-after", &retry_after);
                json_response(
                    crate::operations::status(429),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::InternalServerError(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(500),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::ServiceUnavailable { retry_after, body } => {
                let mut headers = HeaderMap::new();
                insert_header(&mut headers, "retry-after", &retry_after);
                json_response(
                    crate::operations::status(503),
                    headers,
                    "application/json",
                    &body,
                )
            }
        }
    }
}
impl IntoResponse for operations::HealthResponse {
    fn into_response(self) -> Response {
        match self {
            Self::Ok(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(200),
                    headers,
                    "application/json",
                    &body,
                )
            }
        }
    }
}
impl IntoResponse for operations::ReadyResponse {
    fn into_response(self) -> Response {
        match self {
            Self::Ok(body) => {
                let headers = HeaderMap::new();
                json_response(
                    crate::operations::status(200),
                    headers,
                    "application/json",
                    &body,
                )
            }
            Self::ServiceUnavailable { retry_after, body } => {
                let mut headers = HeaderMap::new();
                insert_header(&mut headers, "retry-after", &retry_after);
                json_response(
                    crate::operations::status(503),
                    headers,
                    "application/json",
                    &body,
                )
            }
        }
    }
}
fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}
fn query_pairs(uri: &http::Uri) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|query| query.0)
        .unwrap_or_default()
}
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
/// Checks a body whose `x-per-item-validation` arrays are validated item by
/// item: only the envelope (`validate_envelope`, the body without those items)
/// can refuse it. A refused body is reported whole, items included, by
/// `validate`, so the `400` lists every violation as without per-item
/// validation.
fn check_envelope(
    value: &serde_json::Value,
    validate: fn(&serde_json::Value, &str, &mut Violations),
    validate_envelope: fn(&serde_json::Value, &str, &mut Violations),
) -> Result<(), Rejection> {
    let mut envelope = Violations::new();
    validate_envelope(value, "$", &mut envelope);
    if envelope.is_empty() {
        return Ok(());
    }
    let mut violations = Violations::new();
    validate(value, "$", &mut violations);
    Err(Rejection::invalid_request(violations))
}
/// Takes the items of the array property `name` out of a checked body,
/// leaving it empty so the rest decodes on its own.
fn take_items(value: &mut serde_json::Value, name: &str) -> Vec<serde_json::Value> {
    match value.get_mut(name).and_then(serde_json::Value::as_array_mut) {
        Some(items) => std::mem::take(items),
        None => Vec::new(),
    }
}
/// The principal of the first credential `authenticate` accepts, in the order
/// of the operation's security alternatives.
async fn authenticate_any<S: PowerSyncWriteApi>(
    api: &S,
    found: impl IntoIterator<Item = Option<Credentials>>,
) -> Result<S::Principal, Rejection> {
    let mut refused = None;
    for credentials in found.into_iter().flatten() {
        match api.authenticate(credentials).await {
            Ok(principal) => return Ok(principal),
            Err(rejection) => {
                refused.get_or_insert(rejection);
            }
        }
    }
    Err(
        refused
            .unwrap_or_else(|| Rejection::unauthorized(
                "missing or malformed credentials",
            )),
    )
}
fn bearer_credentials(
    headers: &HeaderMap,
    scheme: &'static str,
    scopes: &'static [&'static str],
) -> Option<Credentials> {
    let (kind, token) = header_text(headers, "authorization")?.split_once(' ')?;
    let token = token.trim();
    (kind.eq_ignore_ascii_case("bearer") && !token.is_empty())
        .then(|| Credentials {
            scheme,
            secret: token.to_owned(),
            scopes,
        })
}
fn key_credentials(
    value: Option<&str>,
    scheme: &'static str,
    scopes: &'static [&'static str],
) -> Option<Credentials> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| Credentials {
            scheme,
            secret: v.to_owned(),
            scopes,
        })
}
fn parameter<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
    location: &str,
    name: &str,
    kind: operations::TextKind,
) -> Result<Option<T>, Rejection> {
    let Some(text) = raw else { return Ok(None) };
    operations::from_text(text, kind)
        .map(Some)
        .map_err(|message| {
            Rejection::invalid_request(
                vec![Violation::new(& format!("{location}.{name}"), "type", message)],
            )
        })
}
/// The path parameters (percent-decoded), or a 400 naming the one that is not
/// valid percent-encoded UTF-8.
fn path_values(
    path: Result<
        axum::extract::Path<Vec<(String, String)>>,
        axum::extract::rejection::PathRejection,
    >,
) -> Result<Vec<(String, String)>, Rejection> {
    use axum::extract::path::ErrorKind;
    use axum::extract::rejection::PathRejection;
    let rejection = match path {
        Ok(axum::extract::Path(values)) => return Ok(values),
        Err(rejection) => rejection,
    };
    let (at, message) = match &rejection {
        PathRejection::FailedToDeserializePathParams(failed) => {
            match failed.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    (
                        format!("path.{key}"),
                        format!(
                            "the path parameter `{key}` is not valid percent-encoded UTF-8"
                        ),
                    )
                }
                _ => ("path".to_owned(), rejection.body_text()),
            }
        }
        _ => ("path".to_owned(), rejection.body_text()),
    };
    Err(Rejection::invalid_request(vec![Violation::new(& at, "type", message)]))
}
/// A parameter's text as the JSON value its schema describes, for the
/// validator: a number or boolean that does not read as one stays a string,
/// which the validator reports (`type`).
fn text_value(text: &str, kind: operations::TextKind) -> serde_json::Value {
    match kind {
        operations::TextKind::String => serde_json::Value::String(text.to_owned()),
        operations::TextKind::Integer | operations::TextKind::Number => {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(number @ serde_json::Value::Number(_)) => number,
                _ => serde_json::Value::String(text.to_owned()),
            }
        }
        operations::TextKind::Boolean => {
            match text {
                "true" => serde_json::Value::Bool(true),
                "false" => serde_json::Value::Bool(false),
                _ => serde_json::Value::String(text.to_owned()),
            }
        }
    }
}
/// Checks a parameter against its schema with `validate`, adding what is wrong
/// to `out`; `value` is what was sent (see [`text_value`]), if anything.
fn check_parameter(
    value: Option<serde_json::Value>,
    location: &str,
    name: &str,
    required: bool,
    validate: fn(&serde_json::Value, &str, &mut Violations),
    out: &mut Violations,
) {
    match value {
        Some(value) => validate(&value, &format!("{location}.{name}"), out),
        None if required => out.push(|| missing(location, name)),
        None => {}
    }
}
/// The violation of a required parameter that was not sent.
fn missing(location: &str, name: &str) -> Violation {
    Violation::new(
        &format!("{location}.{name}"),
        "required",
        format!("the {location} parameter `{name}` is required"),
    )
}
fn required<T>(value: Option<T>, location: &str, name: &str) -> Result<T, Rejection> {
    value.ok_or_else(|| Rejection::invalid_request(vec![missing(location, name)]))
}
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}
/// Reads, parses, validates and decodes a JSON body, in that order: the
/// validator reports the violations (the first `MAX_VIOLATIONS`, and the
/// count of the others); typed decoding only backs it up.
async fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
    validate: fn(&serde_json::Value, &str, &mut Violations),
    required: bool,
) -> Result<Option<T>, Rejection> {
    let Some(value) = json_value(headers, body, limit, required).await? else {
        return Ok(None);
    };
    let mut violations = Violations::new();
    validate(&value, "$", &mut violations);
    if !violations.is_empty() {
        return Err(Rejection::invalid_request(violations));
    }
    decode_value(value).map(Some)
}
/// Reads and parses a JSON body: 413 over `limit`, 415 for another content
/// type, 400 for malformed JSON; `None` for an absent optional body.
async fn json_value(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
    required: bool,
) -> Result<Option<serde_json::Value>, Rejection> {
    let declared = header_text(headers, "content-length")
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Rejection::payload_too_large(limit));
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("?"));
    if let Some(found) = content_type && !is_json(found) {
        return Err(Rejection::unsupported_media_type(found));
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let too_large = std::error::Error::source(&err)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            return Err(
                if too_large {
                    Rejection::payload_too_large(limit)
                } else {
                    Rejection::malformed_json(
                        format!("the body could not be read: {err}"),
                    )
                },
            );
        }
    };
    if content_type.is_none() {
        if bytes.is_empty() && !required {
            return Ok(None);
        }
        return Err(Rejection::unsupported_media_type(""));
    }
    serde_json::from_slice(&bytes).map(Some).map_err(Rejection::malformed_json)
}
/// Decodes a validated value into its type; a failure is a 400 `type`
/// violation at the path where decoding stopped.
fn decode_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, Rejection> {
    serde_path_to_error::deserialize(value)
        .map_err(|err| {
            let mut path = String::from("$");
            for segment in err.path().iter() {
                path = match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        crate::validation::index_path(&path, *index)
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        crate::validation::property_path(&path, key)
                    }
                    serde_path_to_error::Segment::Enum { variant } => {
                        crate::validation::property_path(&path, variant)
                    }
                    serde_path_to_error::Segment::Unknown => path,
                };
            }
            Rejection::invalid_request(
                vec![Violation::new(& path, "type", err.inner().to_string())],
            )
        })
}
fn json_response<T: serde::Serialize>(
    status: StatusCode,
    mut headers: HeaderMap,
    content_type: &'static str,
    body: &T,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            headers
                .insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static(content_type),
                );
            (status, headers, bytes).into_response()
        }
        Err(err) => {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the response could not be encoded: {err}"),
            )
                .into_response()
        }
    }
}
fn insert_header<T: serde::Serialize>(
    headers: &mut HeaderMap,
    name: &'static str,
    value: &T,
) {
    if let Some(value) = operations::to_text(value)
        .and_then(|text| http::HeaderValue::from_str(&text).ok())
    {
        headers.insert(http::HeaderName::from_static(name), value);
    }
}
