//! `client.rs`: a reqwest client with one async method per operation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::operations::{OpView, OperationViews, Shape};
use super::types::RustTypes;
use super::{TargetError, doc_lines, error};
use crate::ir::{BodyEncoding, ParameterLocation, SecuritySchemeKind, StatusCode, TyKind};

pub fn render(rs: &RustTypes, views: &OperationViews) -> Result<TokenStream, TargetError> {
    let schemes = views.ops.iter().flat_map(|o| &o.security).map(|s| &s.kind);
    let uses_bearer = schemes
        .clone()
        .any(|k| matches!(k, SecuritySchemeKind::Bearer { .. }));
    let uses_key = schemes
        .clone()
        .any(|k| matches!(k, SecuritySchemeKind::ApiKey { .. }));
    let mut methods = Vec::new();
    for view in &views.ops {
        methods.push(method(rs, view)?);
    }
    let array_params = || {
        views
            .ops
            .iter()
            .filter_map(|v| v.request.as_ref())
            .flat_map(|r| &r.params)
            .filter(|p| p.item.is_some())
    };
    let any_array = array_params().next().is_some();
    let delimited_arrays = array_params().any(|p| p.separator.is_some());
    let path_arrays = array_params().any(|p| p.param.location == ParameterLocation::Path);
    let query_delimited = array_params()
        .any(|p| p.param.location == ParameterLocation::Query && p.separator.is_some());
    let texts_helper = any_array.then(|| {
        quote! {
            /// The text of every item of an array parameter; none for `null`.
            fn texts<T: serde::Serialize>(value: &T, name: &str) -> Result<Vec<String>, ClientError> {
                match serde_json::to_value(value) {
                    Ok(serde_json::Value::Array(items)) => items.iter().map(|item| text(item, name)).collect(),
                    Ok(serde_json::Value::Null) => Ok(Vec::new()),
                    Ok(_) => Err(ClientError::InvalidRequest(format!("`{name}` is not an array"))),
                    Err(e) => Err(ClientError::InvalidRequest(format!("`{name}`: {e}"))),
                }
            }
        }
    });
    let delimited_helper = delimited_arrays.then(|| {
        quote! {
            /// The items of an array parameter written as one value, joined by
            /// `separator` (`,` for style `simple`, and `form` with `explode: false`;
            /// ` ` for `spaceDelimited`; `|` for `pipeDelimited`). A server splits the
            /// decoded value, so an item holding the separator cannot be told apart
            /// from two items, nor one empty item from none: both are refused.
            fn delimited<T: serde::Serialize>(value: &T, name: &str, separator: char) -> Result<String, ClientError> {
                let items = texts(value, name)?;
                if items.iter().any(|item| item.contains(separator)) {
                    return Err(ClientError::InvalidRequest(format!(
                        "an item of `{name}` contains {separator:?}, which separates its items"
                    )));
                }
                if let [only] = items.as_slice()
                    && only.is_empty()
                {
                    return Err(ClientError::InvalidRequest(format!(
                        "`{name}` holds one empty item, which reads as no items"
                    )));
                }
                Ok(items.join(separator.encode_utf8(&mut [0; 4])))
            }
        }
    });
    let query_helper = query_delimited.then(|| {
        quote! {
            /// Appends an array query parameter written as one value (style `form` with
            /// `explode: false`, `spaceDelimited`, `pipeDelimited`): each item encoded on
            /// its own, joined by the separator as OpenAPI writes it (`ids=1,2`,
            /// `ids=1%202`, `ids=1|2`). An empty array is `ids=`.
            fn append_delimited<T: serde::Serialize>(
                url: &mut reqwest::Url,
                name: &str,
                value: &T,
                separator: char,
            ) -> Result<(), ClientError> {
                let text = delimited(value, name, separator)?;
                let joint = if separator == ' ' { "%20".to_owned() } else { separator.to_string() };
                let items: Vec<String> = text.split(separator).map(form_encode).collect();
                let pair = format!("{}={}", form_encode(name), items.join(&joint));
                let query = match url.query() {
                    Some(query) if !query.is_empty() => format!("{query}&{pair}"),
                    _ => pair,
                };
                url.set_query(Some(&query));
                Ok(())
            }

            /// `application/x-www-form-urlencoded` text, as `append_pair` writes it:
            /// letters, digits and `*-._` as they are, a space as `+`, any other byte
            /// as `%XX`.
            fn form_encode(text: &str) -> String {
                let mut encoded = String::with_capacity(text.len());
                for byte in text.bytes() {
                    match byte {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => encoded.push(char::from(byte)),
                        b' ' => encoded.push('+'),
                        _ => encoded.push_str(&format!("%{byte:02X}")),
                    }
                }
                encoded
            }
        }
    });
    let path_helper = path_arrays.then(|| {
        quote! {
            /// An array path parameter: its items comma-separated (style `simple`). A
            /// path segment cannot be empty, so neither can the array.
            fn path_list<T: serde::Serialize>(value: &T, name: &str) -> Result<String, ClientError> {
                let text = delimited(value, name, ',')?;
                if text.is_empty() {
                    return Err(ClientError::InvalidRequest(format!(
                        "the path parameter `{name}` has no items; a path segment cannot be empty"
                    )));
                }
                Ok(text)
            }
        }
    });
    let body_helpers = super::forms::client_helpers(
        rs,
        super::forms::Uses::requests(views),
        super::forms::Uses::responses(views),
    );
    let bearer_field = uses_bearer.then(|| quote!(bearer_token: Option<String>,));
    let key_field = uses_key.then(|| quote!(api_key: Option<String>,));
    let bearer_init = uses_bearer.then(|| quote!(bearer_token: None,));
    let key_init = uses_key.then(|| quote!(api_key: None,));
    let bearer_setter = uses_bearer.then(|| {
        quote! {
            /// Sends `Authorization: Bearer <token>` to the operations that need a bearer token.
            pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
                self.bearer_token = Some(token.into());
                self
            }
        }
    });
    let key_setter = uses_key.then(|| {
        quote! {
            /// Sends this API key to the operations that need one.
            pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
                self.api_key = Some(key.into());
                self
            }
        }
    });
    Ok(quote! {
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
                    ClientError::InvalidRequest(message) => write!(f, "invalid request: {message}"),
                    ClientError::Transport(err) => write!(f, "transport error: {err}"),
                    ClientError::UnexpectedStatus { status, body } => write!(f, "unexpected status {status}: {body}"),
                    ClientError::InvalidBody { status, message } => write!(f, "invalid body for status {status}: {message}"),
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
            #bearer_field
            #key_field
        }

        impl Client {
            /// A client for the API at `base_url` (`http://localhost:8080`, or with a path prefix).
            pub fn new(base_url: impl Into<String>) -> Self {
                Self::with_http_client(base_url, reqwest::Client::new())
            }

            /// A client using a configured `reqwest::Client` (timeouts, proxies, TLS).
            pub fn with_http_client(base_url: impl Into<String>, http: reqwest::Client) -> Self {
                Client { http, base_url: base_url.into(), #bearer_init #key_init }
            }

            #bearer_setter
            #key_setter

            pub fn base_url(&self) -> &str {
                &self.base_url
            }

            fn url(&self, segments: &[String]) -> Result<reqwest::Url, ClientError> {
                let mut url = reqwest::Url::parse(&self.base_url).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
                url.path_segments_mut()
                    .map_err(|()| ClientError::InvalidUrl(format!("`{}` cannot be a base URL", self.base_url)))?
                    .pop_if_empty()
                    .extend(segments);
                Ok(url)
            }

            #(#methods)*
        }

        fn text<T: serde::Serialize>(value: &T, name: &str) -> Result<String, ClientError> {
            operations::to_text(value).ok_or_else(|| ClientError::InvalidRequest(format!("`{name}` has no text form")))
        }

        #texts_helper
        #delimited_helper
        #query_helper
        #path_helper
        #body_helpers

        fn decode<T: serde::de::DeserializeOwned>(status: http::StatusCode, bytes: &[u8]) -> Result<T, ClientError> {
            serde_json::from_slice(bytes).map_err(|e| ClientError::InvalidBody { status, message: e.to_string() })
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
                return Err(ClientError::InvalidBody { status, message: problems.join("; ") });
            }
            serde_json::from_value(value).map_err(|e| ClientError::InvalidBody { status, message: e.to_string() })
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

        fn required_header<T>(status: http::StatusCode, name: &'static str, value: Option<T>) -> Result<T, ClientError> {
            value.ok_or_else(|| ClientError::InvalidHeader { status, name, message: "missing, or not of its type".to_owned() })
        }
    })
}

/// The expression of one path segment: literal text with `{param}` parts replaced.
fn segment(view: &OpView, raw: &str) -> Result<TokenStream, TargetError> {
    let mut parts = Vec::new();
    let mut rest = raw;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let literal = &rest[..start];
        if !literal.is_empty() {
            parts.push(quote!(#literal.to_owned()));
        }
        let name = &rest[start + 1..start + len];
        let param = view
            .request
            .as_ref()
            .and_then(|r| {
                r.params
                    .iter()
                    .find(|p| p.param.location == ParameterLocation::Path && p.param.name == name)
            })
            .ok_or_else(|| {
                error(format!(
                    "operation `{}`: path parameter `{name}` is not declared",
                    view.op.id
                ))
            })?;
        let field = &param.field;
        let write = if param.item.is_some() {
            quote!(path_list)
        } else {
            quote!(text)
        };
        parts.push(if param.param.required {
            quote!(#write(&request.#field, #name)?)
        } else {
            quote!(request.#field.as_ref().map(|v| #write(v, #name)).transpose()?.unwrap_or_default())
        });
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        parts.push(quote!(#rest.to_owned()));
    }
    Ok(match parts.as_slice() {
        [single] => single.clone(),
        _ => quote!([#(#parts),*].concat()),
    })
}

fn method(rs: &RustTypes, view: &OpView) -> Result<TokenStream, TargetError> {
    let op = view.op;
    let name = &view.method;
    let response = &view.response;
    let mut doc: Vec<TokenStream> = op
        .summary
        .iter()
        .flat_map(|s| doc_lines(s, false))
        .collect();
    let route = format!(" `{} {}` (`{}`).", op.method.as_str(), op.path, op.id);
    if !doc.is_empty() {
        doc.push(quote!(#[doc = ""]));
    }
    doc.push(quote!(#[doc = #route]));
    let mut segments = Vec::new();
    for raw in op.path.split('/').filter(|s| !s.is_empty()) {
        segments.push(segment(view, raw)?);
    }
    let mut steps = vec![quote!(let mut url = self.url(&[#(#segments),*])?;)];
    let mut builder = Vec::new();
    if let Some(request) = &view.request {
        let mut query = Vec::new();
        for p in &request.params {
            let field = &p.field;
            let wire = &p.param.name;
            let value = if p.param.required {
                quote!(Some(&request.#field))
            } else {
                quote!(request.#field.as_ref())
            };
            match (p.param.location, &p.item, p.separator) {
                (ParameterLocation::Query, Some(_), None) => query.push(quote! {
                    if let Some(value) = #value {
                        for item in texts(value, #wire)? {
                            url.query_pairs_mut().append_pair(#wire, &item);
                        }
                    }
                }),
                (ParameterLocation::Query, Some(_), Some(separator)) => query.push(quote! {
                    if let Some(value) = #value {
                        append_delimited(&mut url, #wire, value, #separator)?;
                    }
                }),
                (ParameterLocation::Header, Some(_), separator) => {
                    let separator = separator.unwrap_or(',');
                    builder.push(quote! {
                        if let Some(value) = #value {
                            builder = builder.header(#wire, delimited(value, #wire, #separator)?);
                        }
                    })
                }
                (ParameterLocation::Query, None, _) => query.push(quote! {
                    if let Some(value) = #value {
                        url.query_pairs_mut().append_pair(#wire, &text(value, #wire)?);
                    }
                }),
                (ParameterLocation::Header, None, _) => builder.push(quote! {
                    if let Some(value) = #value {
                        builder = builder.header(#wire, text(value, #wire)?);
                    }
                }),
                _ => {}
            }
        }
        steps.extend(query);
    }
    let method = match op.method.as_str() {
        "GET" => quote!(GET),
        "PUT" => quote!(PUT),
        "POST" => quote!(POST),
        "DELETE" => quote!(DELETE),
        "OPTIONS" => quote!(OPTIONS),
        "HEAD" => quote!(HEAD),
        "PATCH" => quote!(PATCH),
        _ => quote!(TRACE),
    };
    // The client holds one bearer token and one API key: an operation that accepts
    // several bearer schemes (say `oauth2` or `openIdConnect`) sends the token once,
    // as one `Authorization` header.
    let mut sent_bearer = false;
    let mut sent_keys: Vec<(ParameterLocation, &str)> = Vec::new();
    for s in &view.security {
        match &s.kind {
            SecuritySchemeKind::Bearer { .. } if sent_bearer => {}
            SecuritySchemeKind::ApiKey { location, name }
                if sent_keys.contains(&(*location, name.as_str())) => {}
            SecuritySchemeKind::Bearer { .. } => {
                sent_bearer = true;
                builder.push(quote! {
                if let Some(token) = &self.bearer_token {
                    builder = builder.bearer_auth(token);
                }
                })
            }
            SecuritySchemeKind::ApiKey {
                location: ParameterLocation::Query,
                name,
            } => {
                sent_keys.push((ParameterLocation::Query, name));
                steps.push(quote! {
                    if let Some(key) = &self.api_key {
                        url.query_pairs_mut().append_pair(#name, key);
                    }
                })
            }
            SecuritySchemeKind::ApiKey { location, name } => {
                sent_keys.push((*location, name));
                builder.push(quote! {
                    if let Some(key) = &self.api_key {
                        builder = builder.header(#name, key);
                    }
                })
            }
        }
    }
    if let Some(body) = view.request.as_ref().and_then(|r| r.body.as_ref()) {
        let field = &body.field;
        let content_type = body.content_type;
        let value = if body.required {
            quote!(Some(&request.#field))
        } else {
            quote!(request.#field.as_ref())
        };
        let write = match body.encoding {
            BodyEncoding::Json => quote! {
                let bytes = serde_json::to_vec(body).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
                builder = builder.header(http::header::CONTENT_TYPE, #content_type).body(bytes);
            },
            encoding => super::forms::client_write(rs, encoding, content_type, body.ty)?,
        };
        builder.push(quote! {
            if let Some(body) = #value {
                #write
            }
        });
    }
    // Bindings are `mut` only when something is added to them.
    if let [only] = steps.as_mut_slice() {
        *only = quote!(let url = self.url(&[#(#segments),*])?;);
    }
    let builder_mut = (!builder.is_empty()).then(|| quote!(mut));
    steps
        .push(quote!(let #builder_mut builder = self.http.request(reqwest::Method::#method, url);));
    steps.extend(builder);
    let mut arms = Vec::new();
    // The value of the `default` response, if there is one.
    let mut default_value = None;
    for r in &view.responses {
        let variant = &r.variant;
        let body = r.body.map(|(ty, _, encoding)| match (encoding, &ty.kind) {
            (BodyEncoding::Text, _) => quote!(decode_text(status, &bytes)?),
            (BodyEncoding::Binary, _) => quote!(bytes.to_vec()),
            // A named schema is checked against the spec before decoding, as the
            // other languages' clients do (a negative `retry_after_ms` is refused).
            (_, TyKind::Named(name)) => {
                let name = name.as_str();
                quote!(decode_checked(status, &bytes, #name)?)
            }
            _ => quote!(decode(status, &bytes)?),
        });
        let mut fields = Vec::new();
        for h in &r.headers {
            let field = &h.field;
            let header_name = &h.name;
            let kind = h.kind.tokens();
            let read = quote!(header(&headers, #header_name, #kind));
            fields.push(if h.header.required {
                quote!(#field: required_header(status, #header_name, #read)?,)
            } else {
                quote!(#field: #read,)
            });
        }
        let body_field = &r.body_field;
        let value = match r.shape {
            Shape::Unit => quote!(operations::#response::#variant),
            Shape::Tuple => quote!(operations::#response::#variant(#body)),
            Shape::Struct => {
                let status = matches!(r.status, StatusCode::Default).then(|| quote!(status,));
                let body = body.map(|b| quote!(#body_field: #b,));
                quote!(operations::#response::#variant { #status #(#fields)* #body })
            }
        };
        match r.status {
            StatusCode::Code(code) => {
                let code = Literal::u16_unsuffixed(code);
                arms.push(quote!(#code => #value,));
            }
            StatusCode::Default => {
                arms.push(quote!(_ => #value,));
                default_value = Some(value);
            }
        }
    }
    let has_default = default_value.is_some();
    if !has_default {
        arms.push(quote! {
            _ => return Err(ClientError::UnexpectedStatus {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }),
        });
    }
    // A `default` alone covers every status: no match (clippy's
    // `match_single_binding`).
    let result = match (arms.len(), default_value) {
        (1, Some(value)) => value,
        _ => quote! {
            match status.as_u16() {
                #(#arms)*
            }
        },
    };
    // The body is read to the end either way (so the connection can be reused),
    // and kept when a response decodes it or an unexpected status reports it.
    let read = if has_default && view.responses.iter().all(|r| r.body.is_none()) {
        quote!(response.bytes().await.map_err(ClientError::Transport)?;)
    } else {
        quote!(let bytes = response.bytes().await.map_err(ClientError::Transport)?;)
    };
    let request_arg = view.request.as_ref().map(|r| {
        let ty = &r.name;
        quote!(request: &operations::#ty)
    });
    let headers = view
        .responses
        .iter()
        .any(|r| !r.headers.is_empty())
        .then(|| quote!(let headers = response.headers().clone();));
    Ok(quote! {
        #(#doc)*
        pub async fn #name(&self, #request_arg) -> Result<operations::#response, ClientError> {
            #(#steps)*
            let response = builder.send().await.map_err(ClientError::Transport)?;
            let status = response.status();
            #headers
            #read
            Ok(#result)
        }
    })
}
