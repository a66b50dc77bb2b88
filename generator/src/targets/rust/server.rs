//! `server.rs`: the trait an implementation provides (one method per operation) and
//! the axum adapter that binds it to HTTP.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::operations::{OpView, OperationViews, Shape, status_tokens};
use super::types::{RustTypes, Scope};
use super::{TargetError, doc_lines, error};
use crate::ir::{
    BodyEncoding, Method, ParameterLocation, SecuritySchemeKind, StatusCode, Ty, TyKind,
    TypeDefKind,
};

pub fn render(rs: &RustTypes, views: &OperationViews) -> Result<TokenStream, TargetError> {
    let trait_name = &views.trait_name;
    let secured = views.any_security();
    let mut methods = Vec::new();
    let mut handlers = Vec::new();
    let mut responses = Vec::new();
    for view in &views.ops {
        methods.push(trait_method(view));
        handlers.push(handler(rs, trait_name, view)?);
        responses.push(into_response(view)?);
    }
    let routes = routes(views)?;
    let array_helpers = array_helpers(views);
    let body_helpers = super::forms::server_helpers(
        rs,
        super::forms::Uses::requests(views),
        super::forms::Uses::responses(views),
    );
    let per_item_helpers = per_item_helpers(rs, views);
    let auth_items = secured.then(|| {
        quote! {
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
        }
    });
    let authenticate_any = secured.then(|| {
        quote! {
            /// The principal of the first credential `authenticate` accepts, in the order
            /// of the operation's security alternatives.
            async fn authenticate_any<S: #trait_name>(
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
                Err(refused.unwrap_or_else(|| Rejection::unauthorized("missing or malformed credentials")))
            }
        }
    });
    // Unused (a warning) when no trait method returns a future.
    let future_import = (secured || !methods.is_empty()).then(|| {
        quote!(
            use std::future::Future;
        )
    });
    let title_doc = format!(
        " The operations of {}, one method per operation.",
        rs.api.title
    );
    Ok(quote! {
        //! The server side: implement the trait, then serve [`router`] with axum.
        #![allow(dead_code)]

        #future_import
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
            // Keeps secrets out of logs.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Credentials").field("scheme", &self.scheme).field("secret", &"<redacted>").field("scopes", &self.scopes).finish()
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
            pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
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
                Rejection { retry_after: Some(seconds), ..self }
            }

            /// 400: the request does not match the schema. A `Vec` of more than
            /// [`MAX_VIOLATIONS`](crate::validation::MAX_VIOLATIONS) violations is cut
            /// to them, counting the rest.
            pub fn invalid_request(violations: impl Into<Violations>) -> Self {
                let (violations, violations_omitted) = violations.into().into_parts();
                Rejection {
                    violations,
                    violations_omitted,
                    ..Rejection::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "the request does not match the schema")
                }
            }

            /// 400: the body is not JSON.
            pub fn malformed_json(detail: impl std::fmt::Display) -> Self {
                Rejection::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", format!("the body is not valid JSON: {detail}"))
            }

            /// 401: missing, malformed or refused credentials.
            pub fn unauthorized(message: impl Into<String>) -> Self {
                Rejection::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message)
            }

            /// 413: the body is larger than the configured limit.
            pub fn payload_too_large(limit: usize) -> Self {
                Rejection::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", format!("the body exceeds {limit} bytes"))
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
                    response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
                }
                response
            }
        }

        #[doc = #title_doc]
        ///
        /// Every method returns a `Send` future, so an implementation can be served by
        /// [`router`] on a multi-threaded runtime.
        pub trait #trait_name: Send + Sync + 'static {
            #auth_items
            #(#methods)*

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
                RouterConfig { body_limit: Self::DEFAULT_BODY_LIMIT }
            }
        }

        struct AppState<S> {
            api: Arc<S>,
            config: RouterConfig,
        }

        // Not derived: that would require `S: Clone`.
        impl<S> Clone for AppState<S> {
            fn clone(&self) -> Self {
                AppState { api: Arc::clone(&self.api), config: self.config.clone() }
            }
        }

        /// The axum router serving every operation of `api`. An unknown path answers
        /// 404 and a known path with another method 405 (with `Allow`), both with the
        /// JSON error body of every other rejection.
        pub fn router<S: #trait_name>(api: Arc<S>, config: RouterConfig) -> axum::Router {
            axum::Router::new()
                #(#routes)*
                .fallback(not_found::<S>)
                .method_not_allowed_fallback(method_not_allowed::<S>)
                .with_state(AppState { api, config })
        }

        async fn not_found<S: #trait_name>(
            axum::extract::State(state): axum::extract::State<AppState<S>>,
            uri: http::Uri,
        ) -> Response {
            let message = format!("no operation at {}", uri.path());
            state.api.rejection_response(Rejection::new(StatusCode::NOT_FOUND, "NOT_FOUND", message))
        }

        // axum adds the `Allow` header to what this returns.
        async fn method_not_allowed<S: #trait_name>(
            axum::extract::State(state): axum::extract::State<AppState<S>>,
            method: http::Method,
            uri: http::Uri,
        ) -> Response {
            let message = format!("{method} is not allowed on {}", uri.path());
            state.api.rejection_response(Rejection::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                message,
            ))
        }

        #(#handlers)*

        #(#responses)*

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

        #array_helpers

        #per_item_helpers

        #authenticate_any

        #body_helpers

        fn bearer_credentials(
            headers: &HeaderMap,
            scheme: &'static str,
            scopes: &'static [&'static str],
        ) -> Option<Credentials> {
            let (kind, token) = header_text(headers, "authorization")?.split_once(' ')?;
            let token = token.trim();
            (kind.eq_ignore_ascii_case("bearer") && !token.is_empty())
                .then(|| Credentials { scheme, secret: token.to_owned(), scopes })
        }

        fn key_credentials(
            value: Option<&str>,
            scheme: &'static str,
            scopes: &'static [&'static str],
        ) -> Option<Credentials> {
            value.filter(|v| !v.is_empty()).map(|v| Credentials { scheme, secret: v.to_owned(), scopes })
        }

        fn parameter<T: serde::de::DeserializeOwned>(
            raw: Option<&str>,
            location: &str,
            name: &str,
            kind: operations::TextKind,
        ) -> Result<Option<T>, Rejection> {
            let Some(text) = raw else { return Ok(None) };
            operations::from_text(text, kind).map(Some).map_err(|message| {
                Rejection::invalid_request(vec![Violation::new(&format!("{location}.{name}"), "type", message)])
            })
        }

        /// The path parameters (percent-decoded), or a 400 naming the one that is not
        /// valid percent-encoded UTF-8.
        fn path_values(
            path: Result<axum::extract::Path<Vec<(String, String)>>, axum::extract::rejection::PathRejection>,
        ) -> Result<Vec<(String, String)>, Rejection> {
            use axum::extract::path::ErrorKind;
            use axum::extract::rejection::PathRejection;
            let rejection = match path {
                Ok(axum::extract::Path(values)) => return Ok(values),
                Err(rejection) => rejection,
            };
            let (at, message) = match &rejection {
                PathRejection::FailedToDeserializePathParams(failed) => match failed.kind() {
                    ErrorKind::InvalidUtf8InPathParam { key } => (
                        format!("path.{key}"),
                        format!("the path parameter `{key}` is not valid percent-encoded UTF-8"),
                    ),
                    _ => ("path".to_owned(), rejection.body_text()),
                },
                _ => ("path".to_owned(), rejection.body_text()),
            };
            Err(Rejection::invalid_request(vec![Violation::new(&at, "type", message)]))
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
                operations::TextKind::Boolean => match text {
                    "true" => serde_json::Value::Bool(true),
                    "false" => serde_json::Value::Bool(false),
                    _ => serde_json::Value::String(text.to_owned()),
                },
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
            let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
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
            let declared = header_text(headers, "content-length").and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|length| length > limit as u64) {
                return Err(Rejection::payload_too_large(limit));
            }
            let content_type = headers.get(http::header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?"));
            if let Some(found) = content_type
                && !is_json(found)
            {
                return Err(Rejection::unsupported_media_type(found));
            }
            let bytes = match axum::body::to_bytes(body, limit).await {
                Ok(bytes) => bytes,
                Err(err) => {
                    let too_large = std::error::Error::source(&err)
                        .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
                    return Err(if too_large {
                        Rejection::payload_too_large(limit)
                    } else {
                        Rejection::malformed_json(format!("the body could not be read: {err}"))
                    });
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
        fn decode_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, Rejection> {
            serde_path_to_error::deserialize(value).map_err(|err| {
                let mut path = String::from("$");
                for segment in err.path().iter() {
                    path = match segment {
                        serde_path_to_error::Segment::Seq { index } => crate::validation::index_path(&path, *index),
                        serde_path_to_error::Segment::Map { key } => crate::validation::property_path(&path, key),
                        serde_path_to_error::Segment::Enum { variant } => crate::validation::property_path(&path, variant),
                        serde_path_to_error::Segment::Unknown => path,
                    };
                }
                Rejection::invalid_request(vec![Violation::new(&path, "type", err.inner().to_string())])
            })
        }

        fn json_response<T: serde::Serialize>(status: StatusCode, mut headers: HeaderMap, content_type: &'static str, body: &T) -> Response {
            match serde_json::to_vec(body) {
                Ok(bytes) => {
                    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
                    (status, headers, bytes).into_response()
                }
                Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, format!("the response could not be encoded: {err}")).into_response(),
            }
        }

        fn insert_header<T: serde::Serialize>(headers: &mut HeaderMap, name: &'static str, value: &T) {
            if let Some(value) = operations::to_text(value).and_then(|text| http::HeaderValue::from_str(&text).ok()) {
                headers.insert(http::HeaderName::from_static(name), value);
            }
        }
    })
}

/// The support of `x-per-item-validation` bodies, when an operation has one.
fn per_item_helpers(rs: &RustTypes, views: &OperationViews) -> Option<TokenStream> {
    let used = views.ops.iter().any(|view| {
        view.request
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .is_some_and(|body| !per_item_fields(rs, body.ty).is_empty())
    });
    used.then(|| {
        quote! {
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

        }
    })
}

/// The `x-per-item-validation` fields of a body of type `ty`.
fn per_item_fields<'a>(rs: &RustTypes<'a>, ty: &Ty) -> Vec<&'a crate::ir::Field> {
    let TyKind::Named(name) = &ty.kind else {
        return Vec::new();
    };
    match rs.def(name).map(|def| &def.kind) {
        Ok(TypeDefKind::Struct(s)) => s.fields.iter().filter(|f| f.per_item_validation).collect(),
        _ => Vec::new(),
    }
}

/// The validator path of the body's property `name`: `$.name`, or `$['name']`
/// for a name that is not an identifier (as `property_path` writes it).
fn body_property_path(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        format!("$.{name}")
    } else {
        format!("$['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The adapter's helpers for array parameters, when an operation has one.
fn array_helpers(views: &OperationViews) -> Option<TokenStream> {
    let params = || {
        views
            .ops
            .iter()
            .filter_map(|v| v.request.as_ref())
            .flat_map(|r| &r.params)
            .filter(|p| p.item.is_some())
    };
    let repeated =
        params().any(|p| p.param.location == ParameterLocation::Query && p.separator.is_none());
    let delimited = params().any(|p| {
        matches!(
            p.param.location,
            ParameterLocation::Query | ParameterLocation::Path
        ) && p.separator.is_some()
    });
    let in_header = params().any(|p| p.param.location == ParameterLocation::Header);
    // No array parameter: no helpers.
    params().next()?;
    let delimited = delimited.then(|| {
        quote! {
            /// The items of a query or path parameter written as one value, split on
            /// `separator` after decoding (`,` for style `simple`, and `form` with
            /// `explode: false`; ` ` for `spaceDelimited`; `|` for `pipeDelimited`).
            /// A repeated query key adds its items in turn. `None` when the parameter
            /// is absent; an empty value has no items.
            fn delimited_items<'a>(pairs: &'a [(String, String)], name: &str, separator: char) -> Option<Vec<&'a str>> {
                let mut found = false;
                let mut items = Vec::new();
                for (_, value) in pairs.iter().filter(|(key, _)| key == name) {
                    found = true;
                    if !value.is_empty() {
                        items.extend(value.split(separator));
                    }
                }
                found.then_some(items)
            }
        }
    });
    let query = repeated.then(|| {
        quote! {
            /// Every value of a repeated query key (style `form`, `explode: true`);
            /// `None` when the key is absent.
            fn query_values<'a>(pairs: &'a [(String, String)], name: &str) -> Option<Vec<&'a str>> {
                let values: Vec<&str> = pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect();
                (!values.is_empty()).then_some(values)
            }
        }
    });
    let header = in_header.then(|| {
        quote! {
            /// The comma-separated items of a header (style `simple`), over every line of
            /// it; `None` when the header is absent, no items when it is empty.
            fn header_items<'a>(headers: &'a HeaderMap, name: &str) -> Option<Vec<&'a str>> {
                let lines: Vec<&str> = headers.get_all(name).iter().filter_map(|value| value.to_str().ok()).collect();
                if lines.is_empty() {
                    return None;
                }
                Some(
                    lines
                        .into_iter()
                        .filter(|line| !line.trim().is_empty())
                        .flat_map(|line| line.split(','))
                        .map(str::trim)
                        .collect(),
                )
            }
        }
    });
    Some(quote! {
        #query
        #delimited
        #header

        /// Decodes every item of an array parameter; a violation per item that does not.
        fn array_parameter<T: serde::de::DeserializeOwned>(
            raw: Option<Vec<&str>>,
            location: &str,
            name: &str,
            kind: operations::TextKind,
        ) -> Result<Option<Vec<T>>, Rejection> {
            let Some(texts) = raw else { return Ok(None) };
            let mut items = Vec::with_capacity(texts.len());
            let mut violations = Violations::new();
            for (index, text) in texts.into_iter().enumerate() {
                match operations::from_text(text, kind) {
                    Ok(item) => items.push(item),
                    Err(message) => violations.push(|| Violation::new(
                        &crate::validation::index_path(&format!("{location}.{name}"), index),
                        "type",
                        message,
                    )),
                }
            }
            if violations.is_empty() {
                Ok(Some(items))
            } else {
                Err(Rejection::invalid_request(violations))
            }
        }
    })
}

fn trait_method(view: &OpView) -> TokenStream {
    let op = view.op;
    let method = &view.method;
    let response = &view.response;
    let mut doc = Vec::new();
    if let Some(summary) = &op.summary {
        doc.extend(doc_lines(summary, false));
    }
    if let Some(description) = &op.description {
        if !doc.is_empty() {
            doc.push(quote!(#[doc = ""]));
        }
        doc.extend(doc_lines(description, false));
    }
    if !doc.is_empty() {
        doc.push(quote!(#[doc = ""]));
    }
    let route = format!(" `{} {}` (`{}`).", op.method.as_str(), op.path, op.id);
    doc.push(quote!(#[doc = #route]));
    let principal = (!view.security.is_empty()).then(|| quote!(principal: Self::Principal,));
    let request = view.request.as_ref().map(|r| {
        let name = &r.name;
        quote!(request: operations::#name,)
    });
    quote! {
        #(#doc)*
        fn #method(&self, #principal #request) -> impl Future<Output = operations::#response> + Send;
    }
}

fn handler(
    rs: &RustTypes,
    trait_name: &proc_macro2::Ident,
    view: &OpView,
) -> Result<TokenStream, TargetError> {
    let method = &view.method;
    let handle = format_ident!("handle_{}", method);
    let run = format_ident!("run_{}", method);
    let has_path = view.request.as_ref().is_some_and(|r| {
        r.params
            .iter()
            .any(|p| p.param.location == ParameterLocation::Path)
    });
    let needs_query = view.request.as_ref().is_some_and(|r| {
        r.params
            .iter()
            .any(|p| p.param.location == ParameterLocation::Query)
    }) || view.security.iter().any(|s| {
        matches!(
            &s.kind,
            SecuritySchemeKind::ApiKey {
                location: ParameterLocation::Query,
                ..
            }
        )
    });
    if view.request.is_none() && view.security.is_empty() {
        return Ok(quote! {
            async fn #handle<S: #trait_name>(axum::extract::State(state): axum::extract::State<AppState<S>>) -> Response {
                state.api.#method().await.into_response()
            }
        });
    }
    let mut steps = Vec::new();
    let has_body = view.request.as_ref().is_some_and(|r| r.body.is_some());
    // The request's head is read for the query, headers (parameters, credentials other
    // than a query key) and the body's content type; path parameters come from the
    // `Path` extractor, so an operation with only those reads nothing else.
    let reads_head = needs_query
        || has_body
        || view.request.as_ref().is_some_and(|r| {
            r.params
                .iter()
                .any(|p| p.param.location == ParameterLocation::Header)
        })
        || view.security.iter().any(|s| {
            !matches!(
                &s.kind,
                SecuritySchemeKind::ApiKey {
                    location: ParameterLocation::Query,
                    ..
                }
            )
        });
    let request_param = if reads_head {
        let body_binding = if has_body {
            quote!(body)
        } else {
            quote!(_body)
        };
        steps.push(quote!(let (parts, #body_binding) = request.into_parts();));
        quote!(request)
    } else {
        quote!(_request)
    };
    if needs_query {
        steps.push(quote!(let query = query_pairs(&parts.uri);));
    }
    let mut call_args = Vec::new();
    if !view.security.is_empty() {
        let mut sources = Vec::new();
        for s in &view.security {
            let scheme = &s.scheme;
            let scopes = &s.scopes;
            let scopes = quote!(&[#(#scopes),*]);
            sources.push(match &s.kind {
                SecuritySchemeKind::Bearer { .. } => {
                    quote!(bearer_credentials(&parts.headers, #scheme, #scopes))
                }
                SecuritySchemeKind::ApiKey {
                    location: ParameterLocation::Query,
                    name,
                } => {
                    quote!(key_credentials(lookup(&query, #name), #scheme, #scopes))
                }
                SecuritySchemeKind::ApiKey { name, .. } => {
                    let name = name.to_ascii_lowercase();
                    quote!(key_credentials(header_text(&parts.headers, #name), #scheme, #scopes))
                }
            });
        }
        steps.push(quote! {
            let principal = authenticate_any(&*state.api, [#(#sources),*]).await?;
        });
        call_args.push(quote!(principal));
    }
    if let Some(request) = &view.request {
        let name = &request.name;
        let mut fields = Vec::new();
        // Every parameter is checked against its schema first, all violations
        // reported together; decoding then cannot fail on a checked value.
        let mut checks = Vec::new();
        for p in &request.params {
            let field = &p.field;
            let wire = &p.param.name;
            let kind = p.kind.tokens();
            let required = p.param.required;
            let validate = quote!(crate::validation::parameters::#method::#field);
            let (location, raw) = match p.param.location {
                ParameterLocation::Path => ("path", quote!(lookup(&path, #wire))),
                ParameterLocation::Query => ("query", quote!(lookup(&query, #wire))),
                ParameterLocation::Header => {
                    let lower = wire.to_ascii_lowercase();
                    ("header", quote!(header_text(&parts.headers, #lower)))
                }
                ParameterLocation::Cookie => {
                    return Err(error("cookie parameters are not supported"));
                }
            };
            let Some(item) = &p.item else {
                let ty = &p.ty;
                checks.push(quote! {
                    check_parameter(
                        #raw.map(|text| text_value(text, #kind)),
                        #location, #wire, #required, #validate, &mut violations,
                    );
                });
                let parsed = quote!(parameter::<#ty>(#raw, #location, #wire, #kind)?);
                fields.push(if p.param.required {
                    quote!(#field: required(#parsed, #location, #wire)?,)
                } else {
                    quote!(#field: #parsed,)
                });
                continue;
            };
            let raw = match (p.param.location, p.separator) {
                (ParameterLocation::Query, None) => quote!(query_values(&query, #wire)),
                (ParameterLocation::Query, Some(separator)) => {
                    quote!(delimited_items(&query, #wire, #separator))
                }
                (ParameterLocation::Path, Some(separator)) => {
                    quote!(delimited_items(&path, #wire, #separator))
                }
                (ParameterLocation::Header, _) => {
                    let lower = wire.to_ascii_lowercase();
                    quote!(header_items(&parts.headers, #lower))
                }
                _ => {
                    return Err(error(format!(
                        "operation `{}`: array parameter `{wire}` has no serialization the Rust target reads",
                        view.op.id
                    )));
                }
            };
            checks.push(quote! {
                check_parameter(
                    #raw.map(|texts| {
                        serde_json::Value::Array(texts.into_iter().map(|text| text_value(text, #kind)).collect())
                    }),
                    #location, #wire, #required, #validate, &mut violations,
                );
            });
            let parsed = quote!(array_parameter::<#item>(#raw, #location, #wire, #kind)?);
            // A nullable array is an `Option<Vec<_>>` that the wire never makes `None`.
            let value = match (p.param.required, p.param.ty.nullable) {
                (true, false) => quote!(required(#parsed, #location, #wire)?),
                (true, true) => quote!(Some(required(#parsed, #location, #wire)?)),
                (false, false) => parsed,
                (false, true) => quote!(#parsed.map(Some)),
            };
            fields.push(quote!(#field: #value,));
        }
        if let Some(body) = &request.body
            && body.encoding != BodyEncoding::Json
        {
            let field = &body.field;
            let validate = quote!(crate::validation::bodies::#method);
            let read = super::forms::server_read(
                rs,
                body.encoding,
                body.content_type,
                body.ty,
                &validate,
                body.required,
            )?;
            fields.push(quote!(#field: #read,));
        } else if let Some(body) = &request.body
            && let per_item = per_item_fields(rs, body.ty)
            && !per_item.is_empty()
        {
            // Items validated one by one: only the envelope can refuse the request.
            let field = &body.field;
            let ty = rs.ty(body.ty, Scope::Crate)?;
            let TyKind::Named(type_name) = &body.ty.kind else {
                return Err(error("a per-item body is a named type"));
            };
            let envelope = rs.validator(type_name)?;
            let mut ns = super::names::Namespace::snake();
            let mut takes = Vec::new();
            let mut puts = Vec::new();
            let def = rs.def(type_name)?;
            let TypeDefKind::Struct(st) = &def.kind else {
                return Err(error("a per-item body is a struct"));
            };
            for f in &st.fields {
                let rust = super::names::ident(&ns.claim(&super::names::snake(&f.name, "field")));
                if !f.per_item_validation {
                    continue;
                }
                let TyKind::Array(item) = &f.ty.kind else {
                    return Err(error("x-per-item-validation on a non-array"));
                };
                let TyKind::Named(item_name) = &item.kind else {
                    return Err(error(format!(
                        "`{}.{}`: x-per-item-validation needs items of a named type",
                        def.name, f.name
                    )));
                };
                let item_validator = rs.validator(item_name)?;
                let wire = &f.name;
                let items = format_ident!("items_{}", rust.to_string().trim_start_matches("r#"));
                let at = body_property_path(wire);
                takes.push(quote!(let #items = take_items(&mut value, #wire);));
                puts.push(quote! {
                    decoded.#rust = crate::validation::check_items(#items, #at, crate::validation::#item_validator);
                });
            }
            let required = body.required;
            let decode = quote! {
                match json_value(&parts.headers, body, state.config.body_limit, #required).await? {
                    Some(mut value) => {
                        check_envelope(&value, crate::validation::bodies::#method, crate::validation::envelopes::#envelope)?;
                        #(#takes)*
                        let mut decoded: #ty = decode_value(value)?;
                        #(#puts)*
                        Some(decoded)
                    }
                    None => None,
                }
            };
            fields.push(if required {
                quote!(#field: #decode.ok_or_else(|| Rejection::malformed_json("a body is required"))?,)
            } else {
                quote!(#field: #decode,)
            });
        } else if let Some(body) = &request.body {
            let field = &body.field;
            let ty = rs.ty(body.ty, Scope::Crate)?;
            let required = body.required;
            let read = quote! {
                json_body::<#ty>(&parts.headers, body, state.config.body_limit, crate::validation::bodies::#method, #required).await?
            };
            fields.push(if required {
                quote!(#field: #read.ok_or_else(|| Rejection::malformed_json("a body is required"))?,)
            } else {
                quote!(#field: #read,)
            });
        }
        if !checks.is_empty() {
            steps.push(quote! {
                let mut violations = Violations::new();
                #(#checks)*
                if !violations.is_empty() {
                    return Err(Rejection::invalid_request(violations));
                }
            });
        }
        steps.push(quote!(let request = operations::#name { #(#fields)* };));
        call_args.push(quote!(request));
    }
    // The extractor's rejection is taken, not answered by axum (a plain-text 400):
    // `path_values` turns it into the adapter's JSON 400.
    let path_type = quote!(
        Result<axum::extract::Path<Vec<(String, String)>>, axum::extract::rejection::PathRejection>
    );
    let path_param = has_path.then(|| quote!(path: #path_type,));
    let path_arg = has_path.then(|| quote!(path,));
    let path_run = has_path.then(|| quote!(path: #path_type,));
    let path_decode = has_path.then(|| quote!(let path = path_values(path)?;));
    Ok(quote! {
        async fn #handle<S: #trait_name>(
            axum::extract::State(state): axum::extract::State<AppState<S>>,
            #path_param
            request: axum::extract::Request,
        ) -> Response {
            let api = Arc::clone(&state.api);
            match #run(state, #path_arg request).await {
                Ok(response) => response,
                Err(rejection) => api.rejection_response(rejection),
            }
        }

        async fn #run<S: #trait_name>(
            state: AppState<S>,
            #path_run
            #request_param: axum::extract::Request,
        ) -> Result<Response, Rejection> {
            #path_decode
            #(#steps)*
            Ok(state.api.#method(#(#call_args),*).await.into_response())
        }
    })
}

fn into_response(view: &OpView) -> Result<TokenStream, TargetError> {
    let name = &view.response;
    let mut arms = Vec::new();
    for r in &view.responses {
        let variant = &r.variant;
        let status = match r.status {
            StatusCode::Code(code) => status_tokens(code),
            StatusCode::Default => quote!(status),
        };
        let mut inserts = Vec::new();
        let mut bindings = Vec::new();
        if r.status == StatusCode::Default {
            bindings.push(quote!(status));
        }
        for h in &r.headers {
            let field = &h.field;
            let header = &h.name;
            bindings.push(quote!(#field));
            inserts.push(quote!(insert_header(&mut headers, #header, &#field);));
        }
        let body_field = &r.body_field;
        if r.body.is_some() && r.shape == Shape::Struct {
            bindings.push(quote!(#body_field));
        }
        let pattern = match r.shape {
            Shape::Unit => quote!(Self::#variant),
            Shape::Tuple => quote!(Self::#variant(#body_field)),
            Shape::Struct => quote!(Self::#variant { #(#bindings),* }),
        };
        let headers_init = if inserts.is_empty() {
            quote!(let headers = HeaderMap::new();)
        } else {
            quote!(let mut headers = HeaderMap::new(); #(#inserts)*)
        };
        let respond = match r.body {
            Some((_, content_type, BodyEncoding::Text)) => {
                let content_type =
                    super::forms::sent_content_type(BodyEncoding::Text, content_type);
                quote!(text_response(#status, headers, #content_type, &#body_field))
            }
            Some((_, content_type, BodyEncoding::Binary)) => {
                quote!(binary_response(#status, headers, #content_type, #body_field))
            }
            Some((_, content_type, _)) => {
                quote!(json_response(#status, headers, #content_type, &#body_field))
            }
            None => quote!((#status, headers).into_response()),
        };
        arms.push(quote!(#pattern => { #headers_init #respond }));
    }
    if arms.is_empty() {
        return Err(error(format!(
            "operation `{}` has no responses",
            view.op.id
        )));
    }
    Ok(quote! {
        impl IntoResponse for operations::#name {
            fn into_response(self) -> Response {
                match self {
                    #(#arms)*
                }
            }
        }
    })
}

/// One `.route(path, method_router)` per path, in spec order.
fn routes(views: &OperationViews) -> Result<Vec<TokenStream>, TargetError> {
    let mut paths: Vec<(&str, Vec<TokenStream>)> = Vec::new();
    let mut shapes = BTreeSet::new();
    for view in &views.ops {
        let op = view.op;
        let path = op.path.as_str();
        if !path.starts_with('/') || path.contains("{*") {
            return Err(error(format!(
                "operation `{}`: path `{path}` cannot be routed",
                op.id
            )));
        }
        let handle = format_ident!("handle_{}", view.method);
        let method = format_ident!(
            "{}",
            match op.method {
                Method::Get => "get",
                Method::Put => "put",
                Method::Post => "post",
                Method::Delete => "delete",
                Method::Options => "options",
                Method::Head => "head",
                Method::Patch => "patch",
                Method::Trace => "trace",
            }
        );
        match paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, methods)) => methods.push(quote!(.#method(#handle::<S>))),
            None => {
                // axum refuses two routes that differ only in parameter names.
                if !shapes.insert(route_shape(path)) {
                    return Err(error(format!(
                        "operation `{}`: path `{path}` conflicts with another path that differs only in parameter names",
                        op.id
                    )));
                }
                paths.push((path, vec![quote!(axum::routing::#method(#handle::<S>))]));
            }
        }
    }
    Ok(paths
        .into_iter()
        .map(|(path, methods)| quote!(.route(#path, #(#methods)*)))
        .collect())
}

fn route_shape(path: &str) -> String {
    let mut shape = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                shape.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => shape.push(c),
            _ => {}
        }
    }
    shape
}
