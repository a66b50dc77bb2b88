//! Serving the application over HTTP/1.1 with the limits `axum::serve` cannot set
//! (`[http]`): a time limit on request headers, one on request bodies, and a cap on
//! open connections, with graceful shutdown.
//!
//! - Headers: hyper's `header_read_timeout`. Its clock starts when the connection
//!   starts waiting for a request: at accept, and again after each response on a
//!   keep-alive connection, so it is also the idle limit of keep-alive connections.
//! - Bodies: a deadline for the whole body from the end of the headers, answered with
//!   408. (tower-http's `RequestBodyTimeoutLayer` restarts its clock at every chunk,
//!   so a client trickling a byte at a time would hold a 4 MiB body open for days.)
//! - Connections: at `max_connections` the server stops accepting until one closes.
//!   New clients wait in the kernel's listen backlog instead of being refused, and are
//!   served as slots free up; since every held connection is bounded by the two time
//!   limits, that wait is bounded too. The process never needs more sockets than the
//!   cap, so reaching the open-file limit cannot stop `accept` for good (it did
//!   before, with half-open connections that never closed).
//! - CORS (`[http.cors]`): browsers' preflights are answered and replies carry
//!   `Access-Control-Allow-Origin` for allowed origins. The layer is the outermost one,
//!   so every reply, the 401, 413 and 408 ones included, carries it: a browser hides a
//!   reply without it from the page, which then sees only a network error.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The `[http]` configuration table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Time allowed for a request's headers, counted from accept or, on a keep-alive
    /// connection, from the previous response: also the keep-alive idle limit.
    pub header_read_timeout_ms: u64,
    /// Time allowed for a request's whole body, counted from the end of its headers;
    /// a slower body is answered with 408 and the connection closed.
    pub body_read_timeout_ms: u64,
    /// Open connections at most; at the cap, new ones wait until one closes.
    pub max_connections: usize,
    /// Upload batches held at once, read or being processed; beyond it a batch is
    /// answered 503 `BUSY` with `Retry-After` before its body is read (`admission`).
    pub max_batches_in_flight: usize,
    /// Upload batches held at once for one token `sub`; beyond it, 429
    /// `RATE_LIMITED` with `Retry-After`.
    pub max_batches_per_user: usize,
    /// Which web pages may call the API from a browser (`[http.cors]`).
    pub cors: CorsConfig,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 60_000,
            max_connections: 512,
            max_batches_in_flight: 64,
            max_batches_per_user: 8,
            cors: CorsConfig::default(),
        }
    }
}

/// The `[http.cors]` table: which web pages (origins) a browser lets call the API.
///
/// The default allows every origin. Uploads authenticate with a bearer token that the
/// calling page must already hold, never with cookies (credentials stay off: no
/// `Access-Control-Allow-Credentials`), so a hostile page that a user visits gains
/// nothing from being allowed: without a token its requests get 401, exactly as if
/// it sent them from a server, where CORS does not apply anyway.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// `"*"` (every origin), or a list of origins (`scheme://host[:port]`, as browsers
    /// send them in `Origin`); `[]` lets no page call the API. One origin may also be
    /// given as a plain string.
    #[serde(deserialize_with = "one_or_many")]
    pub allowed_origins: Vec<String>,
    /// Request headers a page may send: `authorization` and `content-type` (every
    /// upload sends both), plus any the app's connector adds.
    pub allowed_headers: Vec<String>,
    /// How long a browser may reuse a preflight's answer, seconds (0: ask every time).
    pub max_age_seconds: u64,
}

/// Browsers keep a preflight's answer at most this long (Firefox: 24 h; Chromium: 2 h).
const MAX_AGE_LIMIT_SECONDS: u64 = 86_400;

/// Request headers every upload sends, so `allowed_headers` must list them.
const REQUIRED_HEADERS: [&str; 2] = ["authorization", "content-type"];

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig {
            allowed_origins: vec!["*".to_string()],
            allowed_headers: REQUIRED_HEADERS.iter().map(|h| h.to_string()).collect(),
            max_age_seconds: 3600,
        }
    }
}

/// A string, or a list of strings.
fn one_or_many<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "\"*\", an origin, or a list of origins")]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

impl CorsConfig {
    /// The layer this configuration describes, or what is wrong with it.
    pub fn layer(&self) -> Result<CorsLayer, HttpError> {
        let allow_origin = if self.allowed_origins.iter().any(|o| o == "*") {
            if self.allowed_origins.len() > 1 {
                return Err(cors_error(
                    "allowed_origins",
                    format!(
                        "\"*\" allows every origin, so it cannot be combined with others \
                         ({}): write either allowed_origins = \"*\" or a list without it",
                        self.allowed_origins.join(", ")
                    ),
                ));
            }
            AllowOrigin::any()
        } else {
            let origins = self
                .allowed_origins
                .iter()
                .map(|origin| {
                    check_origin(origin).map_err(|message| cors_error("allowed_origins", message))
                })
                .collect::<Result<Vec<_>, _>>()?;
            AllowOrigin::list(origins)
        };
        let mut headers = Vec::new();
        for name in &self.allowed_headers {
            if name.trim() == "*" {
                return Err(cors_error(
                    "allowed_headers",
                    "\"*\" is not supported (browsers never let it cover `authorization`): \
                     list the header names"
                        .to_string(),
                ));
            }
            let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                cors_error(
                    "allowed_headers",
                    format!("`{name}` is not a valid HTTP header name"),
                )
            })?;
            headers.push(header);
        }
        let missing: Vec<&str> = REQUIRED_HEADERS
            .into_iter()
            .filter(|required| !headers.iter().any(|h| h.as_str() == *required))
            .collect();
        if !missing.is_empty() {
            return Err(cors_error(
                "allowed_headers",
                format!(
                    "it must list {} (every upload sends them, so browsers would block \
                     every upload); add them to the list",
                    missing.join(" and ")
                ),
            ));
        }
        if self.max_age_seconds > MAX_AGE_LIMIT_SECONDS {
            return Err(cors_error(
                "max_age_seconds",
                format!(
                    "{} is more than browsers keep a preflight's answer \
                     ({MAX_AGE_LIMIT_SECONDS}, a day); use at most that",
                    self.max_age_seconds
                ),
            ));
        }
        Ok(CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(headers)
            // Replies' headers a page may read besides the always-readable ones:
            // Retry-After, so a browser connector can honour a 429 or 503.
            .expose_headers([header::RETRY_AFTER])
            .max_age(Duration::from_secs(self.max_age_seconds)))
    }
}

fn cors_error(key: &'static str, message: String) -> HttpError {
    HttpError::Cors { key, message }
}

/// `origin` as the `Origin` header value browsers send (`scheme://host[:port]`: no
/// path, no trailing slash, lower case, no default port), or why it is not one.
fn check_origin(origin: &str) -> Result<HeaderValue, String> {
    const FORM: &str = "scheme://host[:port], e.g. https://app.example.com";
    if origin == "null" {
        return Err(
            "`null` (the origin of sandboxed frames and file: pages, which any page can \
             make) cannot be allowed; use \"*\" to allow every origin"
                .to_string(),
        );
    }
    if origin.contains('*') {
        return Err(format!(
            "`{origin}`: patterns are not supported; list each origin ({FORM}), or use \
             \"*\" alone to allow every origin"
        ));
    }
    let url = url::Url::parse(origin)
        .map_err(|error| format!("`{origin}` is not an origin ({FORM}): {error}"))?;
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
        return Err(format!("`{origin}` has no host; an origin is {FORM}"));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{origin}` has a user name or password; an origin is {FORM}"
        ));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{origin}` has a path, query or fragment; an origin is only {FORM}"
        ));
    }
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let normalized = format!("{}://{host}{port}", url.scheme());
    if normalized != origin {
        return Err(format!(
            "`{origin}` is not written the way browsers send it, so it would never match; \
             write `{normalized}`"
        ));
    }
    HeaderValue::from_str(&normalized)
        .map_err(|_| format!("`{origin}` is not a valid header value; an origin is {FORM}"))
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("[http] {key} must be at least 1 (it is {value}); see config.example.toml")]
    Zero { key: &'static str, value: u64 },
    #[error("[http.cors] {key}: {message}; see config.example.toml")]
    Cors { key: &'static str, message: String },
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

impl HttpConfig {
    /// The admission of upload batches under these limits.
    pub fn admission(&self) -> Arc<crate::admission::Admission> {
        crate::admission::Admission::new(self.max_batches_in_flight, self.max_batches_per_user)
    }

    /// Refuses limits that would refuse everything, and a `[http.cors]` table that
    /// does not describe a CORS policy.
    pub fn check(&self) -> Result<(), HttpError> {
        let _layer = self.cors.layer()?;
        for (key, value) in [
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("body_read_timeout_ms", self.body_read_timeout_ms),
            ("max_connections", self.max_connections as u64),
            ("max_batches_in_flight", self.max_batches_in_flight as u64),
            ("max_batches_per_user", self.max_batches_per_user as u64),
        ] {
            if value == 0 {
                return Err(HttpError::Zero { key, value });
            }
        }
        Ok(())
    }
}

/// Serves `app` on `listener` under the limits of `config` until `shutdown` completes;
/// then stops accepting at once and returns when every open connection has finished
/// its in-flight request.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    config: &HttpConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), HttpError> {
    config.check()?;
    let body_timeout = Duration::from_millis(config.body_read_timeout_ms);
    // CORS last, so outermost: the 408 of `body_deadline` carries its headers too.
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            body_timeout,
            body_deadline,
        ))
        .layer(config.cors.layer()?);
    let service = TowerToHyperService::new(app);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(config.header_read_timeout_ms))
        .keep_alive(true);

    let slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    let mut saturated = false;
    tokio::pin!(shutdown);
    loop {
        if slots.available_permits() == 0 && !saturated {
            tracing::warn!(
                max_connections = config.max_connections,
                "all connection slots are in use; new connections wait until one closes"
            );
        }
        saturated = slots.available_permits() == 0;
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // closed: never, the semaphore is ours
            },
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                // E.g. the open-file limit: wait rather than spin, then try again.
                tracing::warn!(
                    %error,
                    "cannot accept a connection; trying again in 100 ms (if this is the \
                     open-file limit, lower [http] max_connections or raise `ulimit -n`)"
                );
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let connection =
            graceful.watch(builder.serve_connection(TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // Timeouts, resets and malformed requests: the client's doing.
                tracing::debug!(%peer, %error, "connection closed with an error");
            }
            drop(slot);
        });
    }
    // Stop accepting now (the port closes), then let open connections finish.
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Errors of one connection that `accept` reports; the next accept is unaffected.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Puts the whole request body under one deadline; a handler that then failed to read
/// it gets its answer replaced with 408 (whatever it made of the read error).
async fn body_deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let expired = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        Body::new(DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(limit)),
            expired: expired.clone(),
            limit,
        })
    });
    let response = next.run(request).await;
    if !expired.load(Ordering::Acquire) {
        return response;
    }
    let mut response = (
        StatusCode::REQUEST_TIMEOUT,
        axum::Json(serde_json::json!({
            "code": "REQUEST_TIMEOUT",
            "message": format!(
                "the request body did not arrive within {} ms ([http] body_read_timeout_ms)",
                limit.as_millis()
            ),
        })),
    )
        .into_response();
    // The rest of the body may still be on its way: do not read it as a next request.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request body that fails once its deadline passes while data is still missing
/// (data already received is always delivered first).
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
    limit: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0} ms")]
struct BodyTimeout(u128);

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(BodyTimeout(self.limit.as_millis()).into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_are_refused_naming_the_key() {
        assert!(HttpConfig::default().check().is_ok());
        let config = HttpConfig {
            max_connections: 0,
            ..HttpConfig::default()
        };
        let message = config.check().unwrap_err().to_string();
        assert!(message.contains("[http] max_connections"), "{message}");
    }

    fn cors(origins: &[&str]) -> CorsConfig {
        CorsConfig {
            allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..CorsConfig::default()
        }
    }

    fn cors_refusal(config: CorsConfig) -> String {
        let message = HttpConfig {
            cors: config,
            ..HttpConfig::default()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(message.starts_with("[http.cors] "), "{message}");
        message
    }

    #[test]
    fn origins_are_star_alone_or_origins_as_browsers_send_them() {
        for good in [
            &["*"][..],
            &[],
            &["https://app.example.com", "http://localhost:5173"],
            &["http://127.0.0.1:8080", "http://[::1]:3000"],
            &["capacitor://localhost"],
        ] {
            assert!(cors(good).layer().is_ok(), "{good:?}");
        }
        let message = cors_refusal(cors(&["*", "https://app.example.com"]));
        assert!(message.contains("allowed_origins"), "{message}");
        assert!(message.contains("cannot be combined"), "{message}");
        for (bad, says) in [
            (
                "https://app.example.com/",
                "write `https://app.example.com`",
            ),
            ("https://App.Example.com", "write `https://app.example.com`"),
            (
                "https://app.example.com:443",
                "write `https://app.example.com`",
            ),
            ("https://app.example.com/app", "path"),
            ("https://user@app.example.com", "user name"),
            ("app.example.com", "is not an origin"),
            ("https://*.example.com", "patterns are not supported"),
            ("null", "`null`"),
        ] {
            let message = cors_refusal(cors(&["https://ok.example.com", bad]));
            assert!(message.contains("allowed_origins"), "{message}");
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn headers_must_include_what_uploads_send_and_be_header_names() {
        let with = |headers: &[&str]| CorsConfig {
            allowed_headers: headers.iter().map(|h| h.to_string()).collect(),
            ..CorsConfig::default()
        };
        assert!(
            with(&["authorization", "content-type", "x-app-version"])
                .layer()
                .is_ok()
        );
        let message = cors_refusal(with(&["content-type", "x-app-version"]));
        assert!(message.contains("allowed_headers"), "{message}");
        assert!(message.contains("must list authorization"), "{message}");
        let message = cors_refusal(with(&["authorization", "content-type", "bad header"]));
        assert!(message.contains("`bad header`"), "{message}");
        let message = cors_refusal(with(&["*"]));
        assert!(message.contains("\"*\" is not supported"), "{message}");
    }

    #[test]
    fn max_age_is_at_most_a_day() {
        let config = |max_age_seconds| CorsConfig {
            max_age_seconds,
            ..CorsConfig::default()
        };
        assert!(config(0).layer().is_ok());
        assert!(config(86_400).layer().is_ok());
        let message = cors_refusal(config(86_401));
        assert!(message.contains("max_age_seconds"), "{message}");
    }
}
