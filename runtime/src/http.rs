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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

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
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 60_000,
            max_connections: 512,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("[http] {key} must be at least 1 (it is {value}); see config.example.toml")]
    Zero { key: &'static str, value: u64 },
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

impl HttpConfig {
    /// Refuses limits that would refuse everything.
    pub fn check(&self) -> Result<(), HttpError> {
        for (key, value) in [
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("body_read_timeout_ms", self.body_read_timeout_ms),
            ("max_connections", self.max_connections as u64),
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
    let app = app.layer(axum::middleware::from_fn_with_state(
        body_timeout,
        body_deadline,
    ));
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
}
