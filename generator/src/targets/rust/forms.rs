//! Bodies that are not JSON: forms (`application/x-www-form-urlencoded`),
//! multipart bodies with files, text and raw bytes. The model of a file, the
//! fields of a form as the server decodes and the client encodes them, and the
//! helpers both sides get when a spec has such bodies.
//!
//! A form or multipart body is decoded into the same JSON-shaped value a JSON body
//! would be (each field's text read as its scalar type), validated by the same
//! validator (so violations have the same paths and keywords) and decoded by
//! serde. A file field holds an empty string placeholder in that value; its bytes
//! are put into the decoded struct afterwards.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::names::{Namespace, ident, snake};
use super::operations::{OperationViews, TextKind, text_kind};
use super::types::{RustTypes, Scope};
use super::{TargetError, error};
use crate::ir::{BodyEncoding, Field, Ty, TyKind, TypeDefKind};

/// How a field of a form or multipart body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Scalar(TextKind),
    Array(TextKind),
    /// A file part (multipart).
    File,
    /// Several file parts of one name (multipart).
    Files,
}

impl FieldKind {
    fn tokens(self) -> TokenStream {
        match self {
            FieldKind::Scalar(kind) => {
                let kind = kind.tokens();
                quote!(FormField::Scalar(#kind))
            }
            FieldKind::Array(kind) => {
                let kind = kind.tokens();
                quote!(FormField::Array(#kind))
            }
            FieldKind::File => quote!(FormField::File),
            FieldKind::Files => quote!(FormField::Files),
        }
    }

    pub fn is_file(self) -> bool {
        matches!(self, FieldKind::File | FieldKind::Files)
    }
}

/// A field of a form or multipart body.
pub struct FormFieldView {
    /// The wire name.
    pub name: String,
    /// The struct field, as `models.rs` names it.
    pub field: Ident,
    pub kind: FieldKind,
}

/// `ty` with named aliases followed.
fn resolve<'a>(rs: &RustTypes<'a>, ty: &'a Ty) -> &'a Ty {
    let mut ty = ty;
    for _ in 0..=rs.api.types.len() {
        let TyKind::Named(name) = &ty.kind else {
            return ty;
        };
        match rs.api.type_def(name).map(|t| &t.kind) {
            Some(TypeDefKind::Alias(inner)) => ty = inner,
            _ => return ty,
        }
    }
    ty
}

/// How a field of type `ty` travels in a form or multipart body.
pub fn field_kind(rs: &RustTypes, ty: &Ty) -> Option<FieldKind> {
    if let TyKind::Array(item) = &resolve(rs, ty).kind {
        if rs.api.is_binary(item) {
            return Some(FieldKind::Files);
        }
        return text_kind(rs, resolve(rs, item)).map(FieldKind::Array);
    }
    if rs.api.is_binary(ty) {
        return Some(FieldKind::File);
    }
    text_kind(rs, resolve(rs, ty)).map(FieldKind::Scalar)
}

/// The fields of the form or multipart body of type `ty` (a named struct).
pub fn form_fields(rs: &RustTypes, ty: &Ty) -> Result<Vec<FormFieldView>, TargetError> {
    let TyKind::Named(name) = &ty.kind else {
        return Err(error("a form body is a named struct"));
    };
    let TypeDefKind::Struct(st) = &rs.def(name)?.kind else {
        return Err(error(format!("the form body `{name}` is not a struct")));
    };
    // Field names exactly as the model renderer claims them.
    let mut ns = Namespace::snake();
    let mut fields = Vec::new();
    for f in &st.fields {
        let field = ident(&ns.claim(&snake(&f.name, "field")));
        let kind = field_kind(rs, &f.ty).ok_or_else(|| {
            error(format!(
                "`{name}.{}`: a form field must be a scalar, an array of scalars or a file",
                f.name
            ))
        })?;
        fields.push(FormFieldView {
            name: f.name.clone(),
            field,
            kind,
        });
    }
    Ok(fields)
}

/// The Rust type of a file field of the multipart body struct `owner`, if `field`
/// is one: `File`, or `Vec<File>` for an array of files.
pub fn file_field_ty(
    rs: &RustTypes,
    owner: &str,
    field: &Field,
    scope: Scope,
) -> Option<TokenStream> {
    if !rs.api.is_multipart_body(owner) {
        return None;
    }
    let file = match scope {
        Scope::Models => quote!(File),
        Scope::Crate => quote!(crate::models::File),
    };
    match field_kind(rs, &field.ty)? {
        FieldKind::File => Some(file),
        FieldKind::Files => Some(quote!(Vec<#file>)),
        _ => None,
    }
}

/// Whether some multipart body has a file field: the crate then has `File`.
pub fn has_files(rs: &RustTypes) -> bool {
    rs.api.operations.iter().any(|op| {
        op.request_body.as_ref().is_some_and(|b| {
            b.encoding == BodyEncoding::Multipart
                && form_fields(rs, &b.ty)
                    .is_ok_and(|fields| fields.iter().any(|f| f.kind.is_file()))
        })
    })
}

/// Which encodings the request bodies of a spec use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Uses {
    pub form: bool,
    pub multipart: bool,
    pub text: bool,
    pub binary: bool,
}

impl Uses {
    pub fn requests(views: &OperationViews) -> Uses {
        let mut uses = Uses::default();
        for body in views
            .ops
            .iter()
            .filter_map(|v| v.request.as_ref()?.body.as_ref())
        {
            match body.encoding {
                BodyEncoding::Json => {}
                BodyEncoding::Form => uses.form = true,
                BodyEncoding::Multipart => uses.multipart = true,
                BodyEncoding::Text => uses.text = true,
                BodyEncoding::Binary => uses.binary = true,
            }
        }
        uses
    }

    pub fn responses(views: &OperationViews) -> Uses {
        let mut uses = Uses::default();
        for r in views.ops.iter().flat_map(|v| &v.responses) {
            match r.body.map(|b| b.2) {
                Some(BodyEncoding::Text) => uses.text = true,
                Some(BodyEncoding::Binary) => uses.binary = true,
                _ => {}
            }
        }
        uses
    }

    pub fn any(self) -> bool {
        self.form || self.multipart || self.text || self.binary
    }
}

/// The `Content-Type` a body is sent with: the spec's media type, with
/// `; charset=utf-8` added to a text type that has no parameters.
pub fn sent_content_type(encoding: BodyEncoding, content_type: &str) -> String {
    if encoding == BodyEncoding::Text && !content_type.contains(';') {
        format!("{content_type}; charset=utf-8")
    } else {
        content_type.to_owned()
    }
}

/// `File` in `models.rs`.
pub fn file_model() -> TokenStream {
    quote! {
        /// A file of a multipart body: its bytes, and the file name and media type its
        /// part gave, if any. In JSON, which holds only text, a file is a string: its
        /// bytes as UTF-8 text (invalid sequences replaced); a multipart body carries
        /// the bytes themselves.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct File {
            pub bytes: Vec<u8>,
            pub filename: Option<String>,
            pub content_type: Option<String>,
        }

        impl File {
            /// A file of these bytes, without a file name or media type.
            pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
                File { bytes: bytes.into(), filename: None, content_type: None }
            }

            /// The same file with this file name.
            pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
                self.filename = Some(filename.into());
                self
            }

            /// The same file with this media type.
            pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
                self.content_type = Some(content_type.into());
                self
            }
        }

        impl serde::Serialize for File {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&String::from_utf8_lossy(&self.bytes))
            }
        }

        impl<'de> serde::Deserialize<'de> for File {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(deserializer).map(|text| File::new(text.into_bytes()))
            }
        }
    }
}

/// The server's decoding of a non-JSON request body of `encoding` into the value of
/// the request's body field (an `Option` when not `required`).
pub fn server_read(
    rs: &RustTypes,
    encoding: BodyEncoding,
    content_type: &str,
    ty: &Ty,
    validate: &TokenStream,
    required: bool,
) -> Result<TokenStream, TargetError> {
    let read = match encoding {
        BodyEncoding::Json => return Err(error("a JSON body is read by `json_body`")),
        BodyEncoding::Binary => {
            quote!(binary_body(&parts.headers, body, state.config.body_limit, #required, #content_type).await?)
        }
        BodyEncoding::Text => {
            let ty = rs.ty(ty, Scope::Crate)?;
            quote!(text_body::<#ty>(&parts.headers, body, state.config.body_limit, #validate, #required, #content_type).await?)
        }
        BodyEncoding::Form => {
            let rust = rs.ty(ty, Scope::Crate)?;
            let fields = field_table(&form_fields(rs, ty)?);
            quote!(form_body::<#rust>(&parts.headers, body, state.config.body_limit, #validate, #required, #fields).await?)
        }
        BodyEncoding::Multipart => {
            let rust = rs.ty(ty, Scope::Crate)?;
            let fields = form_fields(rs, ty)?;
            let table = field_table(&fields);
            let fills: Vec<TokenStream> = fields
                .iter()
                .filter(|f| f.kind.is_file())
                .map(|f| {
                    let (field, name) = (&f.field, &f.name);
                    quote!(FillFiles::fill(&mut decoded.#field, &mut files.take(#name));)
                })
                .collect();
            let files = if fills.is_empty() {
                quote!(_files)
            } else {
                quote!(mut files)
            };
            let decoded = if fills.is_empty() {
                quote!(decoded)
            } else {
                quote!(mut decoded)
            };
            quote! {
                multipart_body::<#rust>(&parts.headers, body, state.config.body_limit, #validate, #required, #table)
                    .await?
                    .map(|(#decoded, #files)| {
                        #(#fills)*
                        decoded
                    })
            }
        }
    };
    Ok(if required {
        quote!(required_body(#read)?)
    } else {
        read
    })
}

fn field_table(fields: &[FormFieldView]) -> TokenStream {
    let entries = fields.iter().map(|f| {
        let (name, kind) = (&f.name, f.kind.tokens());
        quote!((#name, #kind))
    });
    quote!(&[#(#entries),*])
}

/// The server's helpers for non-JSON request bodies (`uses`) and response bodies
/// (`responses`).
pub fn server_helpers(rs: &RustTypes, uses: Uses, responses: Uses) -> TokenStream {
    let mut items = Vec::new();
    if uses.any() {
        items.push(quote! {
            /// The media type of a `Content-Type` value, without parameters, in lower case.
            fn essence(content_type: &str) -> String {
                content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
            }

            /// 415: the body's media type is not the one the operation takes.
            fn wrong_media_type(expected: &str, found: Option<&str>) -> Rejection {
                let found = match found {
                    Some(found) => format!("`{found}`"),
                    None => "none".to_owned(),
                };
                Rejection::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UNSUPPORTED_MEDIA_TYPE",
                    format!("expected the content type `{expected}`, found {found}"),
                )
            }

            /// A required body (only an optional one can be absent).
            fn required_body<T>(body: Option<T>) -> Result<T, Rejection> {
                body.ok_or_else(|| Rejection::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "a body is required"))
            }

            /// Reads a body that is not JSON: 413 over `limit`, 415 unless its media type
            /// is `expected` (parameters such as `charset` aside); `None` for an absent
            /// optional body. Returns the body's `Content-Type` with its bytes.
            async fn raw_body(
                headers: &HeaderMap,
                body: axum::body::Body,
                limit: usize,
                required: bool,
                expected: &str,
            ) -> Result<Option<(String, axum::body::Bytes)>, Rejection> {
                let declared = header_text(headers, "content-length").and_then(|v| v.parse::<u64>().ok());
                if declared.is_some_and(|length| length > limit as u64) {
                    return Err(Rejection::payload_too_large(limit));
                }
                let content_type = headers.get(http::header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?").to_owned());
                if let Some(found) = &content_type
                    && essence(found) != essence(expected)
                {
                    return Err(wrong_media_type(expected, Some(found)));
                }
                let bytes = match axum::body::to_bytes(body, limit).await {
                    Ok(bytes) => bytes,
                    Err(err) => {
                        let too_large = std::error::Error::source(&err)
                            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
                        return Err(if too_large {
                            Rejection::payload_too_large(limit)
                        } else {
                            Rejection::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", format!("the body could not be read: {err}"))
                        });
                    }
                };
                match content_type {
                    Some(content_type) => Ok(Some((content_type, bytes))),
                    None if bytes.is_empty() && !required => Ok(None),
                    None => Err(wrong_media_type(expected, None)),
                }
            }
        });
    }
    if uses.text || uses.form || uses.multipart {
        items.push(quote! {
            /// Validates the JSON-shaped value of a body that is not JSON (adding to the
            /// violations found while reading it) and decodes it, as for a JSON body.
            fn check_value<T: serde::de::DeserializeOwned>(
                value: serde_json::Value,
                mut violations: Violations,
                validate: fn(&serde_json::Value, &str, &mut Violations),
            ) -> Result<T, Rejection> {
                validate(&value, "$", &mut violations);
                if !violations.is_empty() {
                    return Err(Rejection::invalid_request(violations));
                }
                decode_value(value)
            }
        });
    }
    if uses.binary {
        items.push(quote! {
            /// Reads a body of raw bytes.
            async fn binary_body(
                headers: &HeaderMap,
                body: axum::body::Body,
                limit: usize,
                required: bool,
                expected: &str,
            ) -> Result<Option<Vec<u8>>, Rejection> {
                Ok(raw_body(headers, body, limit, required, expected).await?.map(|(_, bytes)| bytes.to_vec()))
            }
        });
    }
    if uses.text {
        items.push(quote! {
            /// Reads a text body: 400 unless it is UTF-8; then validated and decoded as the
            /// JSON string it stands for.
            async fn text_body<T: serde::de::DeserializeOwned>(
                headers: &HeaderMap,
                body: axum::body::Body,
                limit: usize,
                validate: fn(&serde_json::Value, &str, &mut Violations),
                required: bool,
                expected: &str,
            ) -> Result<Option<T>, Rejection> {
                let Some((_, bytes)) = raw_body(headers, body, limit, required, expected).await? else {
                    return Ok(None);
                };
                let text = String::from_utf8(bytes.to_vec()).map_err(|err| {
                    Rejection::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", format!("the body is not UTF-8 text: {err}"))
                })?;
                check_value(serde_json::Value::String(text), Violations::new(), validate).map(Some)
            }
        });
    }
    if uses.form || uses.multipart {
        items.push(quote! {
            /// How a field of a form or multipart body is read.
            #[derive(Debug, Clone, Copy)]
            enum FormField {
                /// The first value of the name, as this kind of scalar.
                Scalar(operations::TextKind),
                /// Every value of the name, as this kind of scalar.
                Array(operations::TextKind),
                /// The first part of the name, as a file.
                File,
                /// Every part of the name, as files.
                Files,
            }

            /// The JSON value a field's text stands for: a number or boolean when it reads
            /// as one, else the text (which the validator then refuses where it expects a
            /// number or boolean).
            fn field_value(text: &str, kind: operations::TextKind) -> serde_json::Value {
                let parsed = match kind {
                    operations::TextKind::String => None,
                    operations::TextKind::Integer | operations::TextKind::Number => {
                        serde_json::from_str::<serde_json::Value>(text.trim()).ok().filter(serde_json::Value::is_number)
                    }
                    operations::TextKind::Boolean => match text.trim() {
                        "true" => Some(serde_json::Value::Bool(true)),
                        "false" => Some(serde_json::Value::Bool(false)),
                        _ => None,
                    },
                };
                parsed.unwrap_or_else(|| serde_json::Value::String(text.to_owned()))
            }

            /// The JSON-shaped value of a form or multipart body: each declared field once
            /// (an array field with all its values), a file as an empty string that stands
            /// for it. Fields the schema does not declare are ignored. A value that is not
            /// UTF-8 text is a `type` violation.
            fn form_value(
                parts: &[(String, Result<String, Vec<u8>>)],
                fields: &[(&str, FormField)],
                violations: &mut Violations,
            ) -> serde_json::Value {
                let mut object = serde_json::Map::new();
                for (name, field) in fields {
                    let path = crate::validation::property_path("$", name);
                    let values: Vec<&Result<String, Vec<u8>>> =
                        parts.iter().filter(|(key, _)| key == name).map(|(_, value)| value).collect();
                    let mut text = |index: Option<usize>, value: &Result<String, Vec<u8>>, kind: operations::TextKind| match value {
                        Ok(text) => field_value(text, kind),
                        Err(_) => {
                            let at = match index {
                                Some(index) => crate::validation::index_path(&path, index),
                                None => path.clone(),
                            };
                            violations.push(|| Violation::new(&at, "type", "expected UTF-8 text".to_owned()));
                            serde_json::Value::String(String::new())
                        }
                    };
                    let value = match field {
                        _ if values.is_empty() => continue,
                        FormField::Scalar(kind) => match values.first() {
                            Some(value) => text(None, value, *kind),
                            None => continue,
                        },
                        FormField::Array(kind) => serde_json::Value::Array(
                            values.iter().enumerate().map(|(index, value)| text(Some(index), value, *kind)).collect(),
                        ),
                        FormField::File => serde_json::Value::String(String::new()),
                        FormField::Files => serde_json::Value::Array(vec![serde_json::Value::String(String::new()); values.len()]),
                    };
                    object.insert((*name).to_owned(), value);
                }
                serde_json::Value::Object(object)
            }
        });
    }
    if uses.form {
        items.push(quote! {
            /// Reads an `application/x-www-form-urlencoded` body: its fields are validated
            /// and decoded as the JSON object they stand for.
            async fn form_body<T: serde::de::DeserializeOwned>(
                headers: &HeaderMap,
                body: axum::body::Body,
                limit: usize,
                validate: fn(&serde_json::Value, &str, &mut Violations),
                required: bool,
                fields: &[(&str, FormField)],
            ) -> Result<Option<T>, Rejection> {
                let Some((_, bytes)) = raw_body(headers, body, limit, required, "application/x-www-form-urlencoded").await? else {
                    return Ok(None);
                };
                let parts: Vec<(String, Result<String, Vec<u8>>)> = form_urlencoded::parse(&bytes)
                    .map(|(name, value)| (name.into_owned(), Ok(value.into_owned())))
                    .collect();
                let mut violations = Violations::new();
                let value = form_value(&parts, fields, &mut violations);
                check_value(value, violations, validate).map(Some)
            }
        });
    }
    if uses.multipart {
        let fill = has_files(rs).then(|| {
            quote! {
                /// Puts the files of a multipart body into the decoded struct's file fields.
                trait FillFiles {
                    fn fill(&mut self, files: &mut std::vec::IntoIter<crate::models::File>);
                }

                impl FillFiles for crate::models::File {
                    fn fill(&mut self, files: &mut std::vec::IntoIter<crate::models::File>) {
                        if let Some(file) = files.next() {
                            *self = file;
                        }
                    }
                }

                impl<T: FillFiles> FillFiles for Option<T> {
                    fn fill(&mut self, files: &mut std::vec::IntoIter<crate::models::File>) {
                        if let Some(value) = self {
                            value.fill(files);
                        }
                    }
                }

                impl FillFiles for Vec<crate::models::File> {
                    fn fill(&mut self, files: &mut std::vec::IntoIter<crate::models::File>) {
                        for slot in self {
                            slot.fill(files);
                        }
                    }
                }

                impl MultipartFiles {
                    /// The files of the field `name`, in the order they came.
                    fn take(&mut self, name: &str) -> std::vec::IntoIter<crate::models::File> {
                        let (taken, rest) = std::mem::take(&mut self.0).into_iter().partition(|(key, _)| key == name);
                        self.0 = rest;
                        taken.into_iter().map(|(_, file)| file).collect::<Vec<_>>().into_iter()
                    }
                }
            }
        });
        let file_type = if has_files(rs) {
            quote!(crate::models::File)
        } else {
            quote!(Vec<u8>)
        };
        let make_file = if has_files(rs) {
            quote!(crate::models::File {
                bytes: bytes.to_vec(),
                filename,
                content_type
            })
        } else {
            quote! {{
                let _ = (filename, content_type);
                bytes.to_vec()
            }}
        };
        items.push(quote! {
            /// The file parts of a multipart body, by field name, in the order they came.
            struct MultipartFiles(Vec<(String, #file_type)>);

            #fill

            /// 400: the multipart body cannot be read.
            fn malformed_multipart(err: impl std::fmt::Display) -> Rejection {
                Rejection::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", format!("the multipart body is malformed: {err}"))
            }

            /// Reads a `multipart/form-data` body: its text fields are validated and decoded
            /// as the JSON object they stand for (a file as an empty string); the file parts
            /// are returned on the side, for the caller to put into the decoded value.
            async fn multipart_body<T: serde::de::DeserializeOwned>(
                headers: &HeaderMap,
                body: axum::body::Body,
                limit: usize,
                validate: fn(&serde_json::Value, &str, &mut Violations),
                required: bool,
                fields: &[(&str, FormField)],
            ) -> Result<Option<(T, MultipartFiles)>, Rejection> {
                let Some((content_type, bytes)) = raw_body(headers, body, limit, required, "multipart/form-data").await? else {
                    return Ok(None);
                };
                let boundary = multer::parse_boundary(&content_type).map_err(malformed_multipart)?;
                let mut multipart = multer::Multipart::new(axum::body::Body::from(bytes).into_data_stream(), boundary);
                let mut parts: Vec<(String, Result<String, Vec<u8>>)> = Vec::new();
                let mut files = Vec::new();
                while let Some(part) = multipart.next_field().await.map_err(malformed_multipart)? {
                    // A part without a name (`Content-Disposition: form-data; name=...`)
                    // belongs to no field.
                    let Some(name) = part.name().map(str::to_owned) else { continue };
                    let is_file = fields.iter().any(|(field, kind)| *field == name && matches!(kind, FormField::File | FormField::Files));
                    let filename = part.file_name().map(str::to_owned);
                    let content_type = part.content_type().map(|mime| mime.to_string());
                    let bytes = part.bytes().await.map_err(malformed_multipart)?;
                    if is_file {
                        parts.push((name.clone(), Ok(String::new())));
                        files.push((name, #make_file));
                    } else {
                        parts.push((name, String::from_utf8(bytes.to_vec()).map_err(|err| err.into_bytes())));
                    }
                }
                let mut violations = Violations::new();
                let value = form_value(&parts, fields, &mut violations);
                let decoded = check_value(value, violations, validate)?;
                Ok(Some((decoded, MultipartFiles(files))))
            }
        });
    }
    if responses.text {
        items.push(quote! {
            /// A text response: the body's string (an enum's value), as UTF-8.
            fn text_response<T: serde::Serialize>(status: StatusCode, mut headers: HeaderMap, content_type: &'static str, body: &T) -> Response {
                match operations::to_text(body) {
                    Some(text) => {
                        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
                        (status, headers, text).into_response()
                    }
                    None => (StatusCode::INTERNAL_SERVER_ERROR, "the response could not be encoded: it has no text").into_response(),
                }
            }
        });
    }
    if responses.binary {
        items.push(quote! {
            /// A response of raw bytes.
            fn binary_response(status: StatusCode, mut headers: HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
                headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
                (status, headers, body).into_response()
            }
        });
    }
    quote!(#(#items)*)
}

/// The client's encoding of a non-JSON request body (`body`, a reference) of
/// `encoding`: statements adding it to `builder`.
pub fn client_write(
    rs: &RustTypes,
    encoding: BodyEncoding,
    content_type: &str,
    ty: &Ty,
) -> Result<TokenStream, TargetError> {
    let sent = sent_content_type(encoding, content_type);
    Ok(match encoding {
        BodyEncoding::Json => return Err(error("a JSON body is written by serde_json")),
        BodyEncoding::Binary => quote! {
            builder = builder.header(http::header::CONTENT_TYPE, #sent).body(body.clone());
        },
        BodyEncoding::Text => quote! {
            builder = builder.header(http::header::CONTENT_TYPE, #sent).body(text(body, "body")?);
        },
        BodyEncoding::Form => quote! {
            builder = builder.header(http::header::CONTENT_TYPE, #sent).body(form_text(body)?);
        },
        BodyEncoding::Multipart => {
            let mut parts = Vec::new();
            for f in form_fields(rs, ty)? {
                let (field, name) = (&f.field, &f.name);
                parts.push(if f.kind.is_file() {
                    quote!(let form = FileParts::add_to(&body.#field, form, #name)?;)
                } else {
                    quote!(let form = text_parts(form, #name, &body.#field)?;)
                });
            }
            quote! {
                let form = reqwest::multipart::Form::new();
                #(#parts)*
                builder = builder.multipart(form);
            }
        }
    })
}

/// The client's helpers for non-JSON bodies.
pub fn client_helpers(rs: &RustTypes, uses: Uses, responses: Uses) -> TokenStream {
    let mut items = Vec::new();
    if uses.form || uses.multipart {
        items.push(quote! {
            /// The texts a field value is sent as: one per item of an array, none for `null`.
            fn field_texts<T: serde::Serialize>(value: &T, name: &str) -> Result<Vec<String>, ClientError> {
                let value = serde_json::to_value(value).map_err(|e| ClientError::InvalidRequest(format!("`{name}`: {e}")))?;
                let items = match value {
                    serde_json::Value::Null => Vec::new(),
                    serde_json::Value::Array(items) => items,
                    other => vec![other],
                };
                let mut texts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::Null => {}
                        serde_json::Value::String(text) => texts.push(text),
                        serde_json::Value::Number(_) | serde_json::Value::Bool(_) => texts.push(item.to_string()),
                        _ => return Err(ClientError::InvalidRequest(format!("`{name}` has no text form"))),
                    }
                }
                Ok(texts)
            }
        });
    }
    if uses.form {
        items.push(quote! {
            /// An `application/x-www-form-urlencoded` body: a `name=value` pair per field,
            /// an array field as one pair per item, a `null` or absent field left out.
            fn form_text<T: serde::Serialize>(body: &T) -> Result<String, ClientError> {
                let value = serde_json::to_value(body).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
                let serde_json::Value::Object(fields) = value else {
                    return Err(ClientError::InvalidRequest("a form body must be an object".to_owned()));
                };
                let mut form = form_urlencoded::Serializer::new(String::new());
                for (name, value) in &fields {
                    for text in field_texts(value, name)? {
                        form.append_pair(name, &text);
                    }
                }
                Ok(form.finish())
            }
        });
    }
    if uses.multipart {
        items.push(quote! {
            /// A text part per value of a multipart field (none for `null`).
            fn text_parts<T: serde::Serialize>(
                form: reqwest::multipart::Form,
                name: &'static str,
                value: &T,
            ) -> Result<reqwest::multipart::Form, ClientError> {
                Ok(field_texts(value, name)?.into_iter().fold(form, |form, text| form.text(name, text)))
            }
        });
        if has_files(rs) {
            items.push(quote! {
                /// The file parts of a file field.
                trait FileParts {
                    fn add_to(&self, form: reqwest::multipart::Form, name: &'static str) -> Result<reqwest::multipart::Form, ClientError>;
                }

                /// A file part, named after the field when the file has no name (so that
                /// every server reads it as a file) and `application/octet-stream` when it
                /// has no media type.
                impl FileParts for crate::models::File {
                    fn add_to(&self, form: reqwest::multipart::Form, name: &'static str) -> Result<reqwest::multipart::Form, ClientError> {
                        let part = reqwest::multipart::Part::bytes(self.bytes.clone())
                            .file_name(self.filename.clone().unwrap_or_else(|| name.to_owned()))
                            .mime_str(self.content_type.as_deref().unwrap_or("application/octet-stream"))
                            .map_err(|e| ClientError::InvalidRequest(format!("the media type of `{name}`: {e}")))?;
                        Ok(form.part(name, part))
                    }
                }

                impl<T: FileParts> FileParts for Option<T> {
                    fn add_to(&self, form: reqwest::multipart::Form, name: &'static str) -> Result<reqwest::multipart::Form, ClientError> {
                        match self {
                            Some(value) => value.add_to(form, name),
                            None => Ok(form),
                        }
                    }
                }

                impl FileParts for Vec<crate::models::File> {
                    fn add_to(&self, form: reqwest::multipart::Form, name: &'static str) -> Result<reqwest::multipart::Form, ClientError> {
                        self.iter().try_fold(form, |form, file| file.add_to(form, name))
                    }
                }
            });
        }
    }
    if responses.text {
        items.push(quote! {
            /// Decodes a text body: UTF-8 text, as the JSON string it stands for.
            fn decode_text<T: serde::de::DeserializeOwned>(status: http::StatusCode, bytes: &[u8]) -> Result<T, ClientError> {
                let invalid = |message: String| ClientError::InvalidBody { status, message };
                let text = std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 text: {e}")))?;
                serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| invalid(e.to_string()))
            }
        });
    }
    quote!(#(#items)*)
}
