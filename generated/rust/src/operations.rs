// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! The typed request and per-status response of every operation, shared by the
//! server trait and the client.
#![allow(dead_code)]
/// The request of `uploadData`: `POST /api/data`.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadDataRequest {
    /// The transactions to apply, oldest first, 1 to 50 per request.
    pub body: crate::models::WriteBatch,
}
/// The responses of `uploadData`: `POST /api/data`. One variant per status.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum UploadDataResponse {
    /// 200: The batch was processed. `results` has exactly one entry per transaction of
    /// the request, in the same order. Act on each result as described in
    /// `TransactionResult`, in order.
    Ok(crate::models::WriteBatchResponse),
    /// 400: The body's envelope is not a valid `WriteBatch`: malformed JSON, not an
    /// object, `transactions` missing or not an array, or not 1 to 50
    /// transactions. (A malformed transaction inside a valid envelope is not a
    /// `400`: it gets its own `fatal_error` result, see `WriteBatch.transactions`.)
    /// `violations` lists the problems found in the whole body, at most the first
    /// 100, and `violations_omitted` counts the others. Nothing was applied.
    /// Sending the same body again fails again: if the number of transactions was
    /// exceeded, send fewer transactions per request; otherwise this is a client
    /// bug, so report it to the app (error hook, logs) and stop uploading instead
    /// of retrying in a loop.
    BadRequest(crate::models::ErrorResponse),
    /// 401: The bearer token is missing, malformed, expired or not accepted. Nothing was
    /// applied. Fetch fresh credentials and send the same batch again; if a fresh
    /// token is refused too, tell the app (the user probably has to sign in again) and
    /// keep the queue intact.
    Unauthorized(crate::models::ErrorResponse),
    /// 403: The token is valid but this user may not upload at all. Nothing was applied.
    /// Retrying will not help until the user's permissions change: keep the queue
    /// intact and tell the app. (A refusal of a single transaction is not a `403`: it
    /// is a `fatal_error` result with error code `UNAUTHORIZED`.)
    Forbidden(crate::models::ErrorResponse),
    /// 413: The body exceeds the backend's size limit. Nothing was applied. Send the same
    /// transactions again in smaller requests (fewer transactions each, never
    /// splitting a transaction). If a single transaction alone is too large, hand it
    /// to the app: it cannot be uploaded as it is.
    PayloadTooLarge(crate::models::ErrorResponse),
    /// 415: The request's `Content-Type` is not `application/json`. Nothing was applied.
    /// This is a client bug: send the body as JSON with `Content-Type:
    /// application/json`.
    UnsupportedMediaType(crate::models::ErrorResponse),
    /// 429: Rate limited. Nothing was applied. Wait the number of seconds given by
    /// `Retry-After` (or, if it is absent or not an integer, the client's own back-off
    /// delay) and send the same batch again.
    TooManyRequests {
        /// Seconds to wait before sending again. Sent by this protocol's backends on
        /// every `429`; a proxy's reply may lack it, so clients fall back to their own
        /// back-off delay.
        retry_after: Option<i32>,
        body: crate::models::ErrorResponse,
    },
    /// 500: An unexpected failure in the backend (a bug: every expected failure is
    /// reported per transaction in a `200` reply). Transactions before the failure may
    /// have been applied. Send the same batch again after a back-off delay, increasing
    /// the delay on repeated failures; with `client_id` and `op_id`s sent, already
    /// applied transactions come back as `success` with `duplicate: true`.
    InternalServerError(crate::models::ErrorResponse),
    /// 503: The backend is not ready (starting, shutting down, or its database is
    /// unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
    /// an upload: nothing was applied; wait the number of seconds
    /// given by `Retry-After` (or the client's own back-off delay) and send the same
    /// batch again. For `/ready`: do not route uploads to this instance for now.
    ServiceUnavailable {
        /// Seconds to wait before sending again. Optional: when absent, use the
        /// client's own back-off delay.
        retry_after: Option<i32>,
        body: crate::models::ErrorResponse,
    },
}
impl UploadDataResponse {
    /// The HTTP status of this response.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Ok(_) => crate::operations::status(200),
            Self::BadRequest(_) => crate::operations::status(400),
            Self::Unauthorized(_) => crate::operations::status(401),
            Self::Forbidden(_) => crate::operations::status(403),
            Self::PayloadTooLarge(_) => crate::operations::status(413),
            Self::UnsupportedMediaType(_) => crate::operations::status(415),
            Self::TooManyRequests { .. } => crate::operations::status(429),
            Self::InternalServerError(_) => crate::operations::status(500),
            Self::ServiceUnavailable { .. } => crate::operations::status(503),
        }
    }
}
/// The responses of `health`: `GET /health`. One variant per status.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum HealthResponse {
    /// 200: The process is alive.
    Ok(crate::models::HealthStatus),
}
impl HealthResponse {
    /// The HTTP status of this response.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Ok(_) => crate::operations::status(200),
        }
    }
}
/// The responses of `ready`: `GET /ready`. One variant per status.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum ReadyResponse {
    /// 200: The backend is ready to accept uploads.
    Ok(crate::models::HealthStatus),
    /// 503: The backend is not ready (starting, shutting down, or its database is
    /// unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
    /// an upload: nothing was applied; wait the number of seconds
    /// given by `Retry-After` (or the client's own back-off delay) and send the same
    /// batch again. For `/ready`: do not route uploads to this instance for now.
    ServiceUnavailable {
        /// Seconds to wait before sending again. Optional: when absent, use the
        /// client's own back-off delay.
        retry_after: Option<i32>,
        body: crate::models::ErrorResponse,
    },
}
impl ReadyResponse {
    /// The HTTP status of this response.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Ok(_) => crate::operations::status(200),
            Self::ServiceUnavailable { .. } => crate::operations::status(503),
        }
    }
}
/// A status code from the spec (always in the legal range, checked by the generator).
pub(crate) fn status(code: u16) -> http::StatusCode {
    http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
}
/// How a parameter or header value is written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    String,
    Integer,
    Number,
    Boolean,
}
/// Decodes the text of a parameter or header into `T`.
pub(crate) fn from_text<T: serde::de::DeserializeOwned>(
    text: &str,
    kind: TextKind,
) -> Result<T, String> {
    let value = match kind {
        TextKind::String => serde_json::Value::String(text.to_owned()),
        TextKind::Integer | TextKind::Number | TextKind::Boolean => {
            serde_json::from_str::<serde_json::Value>(text.trim())
                .map_err(|_| format!("`{text}` is not a valid value"))?
        }
    };
    serde_json::from_value(value)
        .map_err(|e| format!("`{text}` is not a valid value: {e}"))
}
/// The text of a parameter or header value; `None` for `null`.
pub(crate) fn to_text<T: serde::Serialize>(value: &T) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}
