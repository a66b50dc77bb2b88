// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! The client side: one async method per operation, returning the typed response
//! of the status the server answered with.
#![allow(dead_code)]
use crate::operations;
/// Why a call did not produce a typed response.
#[derive(Debug)]
pub enum ClientError {
    /// The base URL cannot be combined with the operation's path.
    InvalidUrl(String),
    /// The request could not be encoded.
    InvalidRequest(String),
    /// The request could not be sent or the response not received.
    Transport(reqwest::Error),
    /// The server answered with a status the spec does not list for the operation.
    UnexpectedStatus { status: http::StatusCode, body: String },
    /// The body does not decode into the type the spec gives for this status.
    InvalidBody { status: http::StatusCode, message: String },
    /// A response header the spec describes is missing or cannot be decoded.
    InvalidHeader { status: http::StatusCode, name: &'static str, message: String },
}
impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::InvalidUrl(message) => write!(f, "invalid URL: {message}"),
            ClientError::InvalidRequest(message) => {
                write!(f, "invalid request: {message}")
            }
            ClientError::Transport(err) => write!(f, "transport error: {err}"),
            ClientError::UnexpectedStatus { status, body } => {
                write!(f, "unexpected status {status}: {body}")
            }
            ClientError::InvalidBody { status, message } => {
                write!(f, "invalid body for status {status}: {message}")
            }
            ClientError::InvalidHeader { status, name, message } => {
                write!(f, "invalid header `{name}` for status {status}: {message}")
            }
        }
    }
}
impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Transport(err) => Some(err),
            _ => None,
        }
    }
}
/// A client of the API at one base URL.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    bearer_token: Option<String>,
}
impl Client {
    /// A client for the API at `base_url` (`http://localhost:8080`, or with a path prefix).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_http_client(base_url, reqwest::Client::new())
    }
    /// A client using a configured `reqwest::Client` (timeouts, proxies, TLS).
    pub fn with_http_client(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        Client {
            http,
            base_url: base_url.into(),
            bearer_token: None,
        }
    }
    /// Sends `Authorization: Bearer <token>` to the operations that need a bearer token.
    pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    fn url(&self, segments: &[String]) -> Result<reqwest::Url, ClientError> {
        let mut url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| ClientError::InvalidUrl(
                format!("`{}` cannot be a base URL", self.base_url),
            ))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }
    /// Upload a batch of queued local transactions
    ///
    /// `POST /api/data` (`uploadData`).
    pub async fn upload_data(
        &self,
        request: &operations::UploadDataRequest,
    ) -> Result<operations::UploadDataResponse, ClientError> {
        let url = self.url(&["api".to_owned(), "data".to_owned()])?;
        let mut builder = self.http.request(reqwest::Method::POST, url);
        if let Some(token) = &self.bearer_token {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = Some(&request.body) {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
            builder = builder
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        let response = builder.send().await.map_err(ClientError::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(ClientError::Transport)?;
        Ok(
            match status.as_u16() {
                200 => {
                    operations::UploadDataResponse::Ok(
                        decode_checked(status, &bytes, "WriteBatchResponse")?,
                    )
                }
                400 => {
                    operations::UploadDataResponse::BadRequest(
                        decode_checked(status, &bytes, "ErrorResponse")?,
                    )
                }
                401 => {
                    operations::UploadDataResponse::Unauthorized(
                        decode_checked(status, &bytes, "ErrorResponse")?,
                    )
                }
                403 => {
                    operations::UploadDataResponse::Forbidden(
                        decode_checked(status, &bytes, "ErrorResponse")?,
                    )
                }
                413 => {
                    operations::UploadDataResponse::PayloadTooLarge(
                        decode_checked(status, &bytes, "ErrorResponse")?,
                    )
                }
                415 => {
                    operations::UploadDataResponse::UnsupportedMediaType(
                        decode_checked(status, &bytes, "ErrorResponse")?,
                    )
                }
                429 => {
                    operations::UploadDataResponse::TooManyRequests {
                        retry_after: header(
                            &headers,
                            "retry-after",
                            crate::operations::TextKind::Integer,
                        ),
                        body: decode_checked(status, &bytes, "ErrorResponse")?,
                    }
                }
                500 => {
                    operations::UploadDataResponse::InternalServerError(
                        decode_checked(status, &bytes, "ErrorResponse")?,
                    )
                }
                503 => {
                    operations::UploadDataResponse::ServiceUnavailable {
                        retry_after: header(
                            &headers,
                            "retry-after",
                            crate::operations::TextKind::Integer,
                        ),
                        body: decode_checked(status, &bytes, "ErrorResponse")?,
                    }
                }
                _ => {
                    return Err(ClientError::UnexpectedStatus {
                        status,
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
            },
        )
    }
    /// Liveness probe
    ///
    /// `GET /health` (`health`).
    pub async fn health(&self) -> Result<operations::HealthResponse, ClientError> {
        let url = self.url(&["health".to_owned()])?;
        let builder = self.http.request(reqwest::Method::GET, url);
        let response = builder.send().await.map_err(ClientError::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(ClientError::Transport)?;
        Ok(
            match status.as_u16() {
                200 => {
                    operations::HealthResponse::Ok(
                        decode_checked(status, &bytes, "HealthStatus")?,
                    )
                }
                _ => {
                    return Err(ClientError::UnexpectedStatus {
                        status,
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
            },
        )
    }
    /// Readiness probe
    ///
    /// `GET /ready` (`ready`).
    pub async fn ready(&self) -> Result<operations::ReadyResponse, ClientError> {
        let url = self.url(&["ready".to_owned()])?;
        let builder = self.http.request(reqwest::Method::GET, url);
        let response = builder.send().await.map_err(ClientError::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(ClientError::Transport)?;
        Ok(
            match status.as_u16() {
                200 => {
                    operations::ReadyResponse::Ok(
                        decode_checked(status, &bytes, "HealthStatus")?,
                    )
                }
                503 => {
                    operations::ReadyResponse::ServiceUnavailable {
                        retry_after: header(
                            &headers,
                            "retry-after",
                            crate::operations::TextKind::Integer,
                        ),
                        body: decode_checked(status, &bytes, "ErrorResponse")?,
                    }
                }
                _ => {
                    return Err(ClientError::UnexpectedStatus {
                        status,
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
            },
        )
    }
}
fn text<T: serde::Serialize>(value: &T, name: &str) -> Result<String, ClientError> {
    operations::to_text(value)
        .ok_or_else(|| ClientError::InvalidRequest(format!("`{name}` has no text form")))
}
fn decode<T: serde::de::DeserializeOwned>(
    status: http::StatusCode,
    bytes: &[u8],
) -> Result<T, ClientError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ClientError::InvalidBody {
            status,
            message: e.to_string(),
        })
}
/// The body as the named schema `schema`: JSON, checked against the schema,
/// then decoded.
fn decode_checked<T: serde::de::DeserializeOwned>(
    status: http::StatusCode,
    bytes: &[u8],
    schema: &str,
) -> Result<T, ClientError> {
    let value: serde_json::Value = decode(status, bytes)?;
    if let Some(found) = crate::validation::validate_schema(schema, &value)
        && !found.is_empty()
    {
        let problems: Vec<String> = found
            .listed()
            .iter()
            .map(|v| format!("{}: {} ({})", v.path, v.message, v.keyword))
            .collect();
        return Err(ClientError::InvalidBody {
            status,
            message: problems.join("; "),
        });
    }
    serde_json::from_value(value)
        .map_err(|e| ClientError::InvalidBody {
            status,
            message: e.to_string(),
        })
}
/// A response header, read liberally: one that is absent, or does not parse
/// as its type, is `None` (a `Retry-After` holding an HTTP date, say).
fn header<T: serde::de::DeserializeOwned>(
    headers: &http::HeaderMap,
    name: &'static str,
    kind: operations::TextKind,
) -> Option<T> {
    let text = headers.get(name)?.to_str().ok()?;
    operations::from_text(text, kind).ok()
}
fn required_header<T>(
    status: http::StatusCode,
    name: &'static str,
    value: Option<T>,
) -> Result<T, ClientError> {
    value
        .ok_or_else(|| ClientError::InvalidHeader {
            status,
            name,
            message: "missing, or not of its type".to_owned(),
        })
}
