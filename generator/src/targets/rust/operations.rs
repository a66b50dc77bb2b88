//! `operations.rs`: the typed request and per-status response of every operation,
//! plus the view of each operation that the server and client renderers share.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::names::{Namespace, camel, ident, snake, status_variant};
use super::types::{Aliases, RustTypes, Scope};
use super::{TargetError, doc_lines, docs, error};
use crate::ir::{
    BodyEncoding, EnumValues, Operation, Parameter, ParameterLocation, ResponseHeader,
    SecuritySchemeKind, StatusCode, Ty, TyKind, TypeDefKind,
};

/// How a parameter or header travels as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    String,
    Integer,
    Number,
    Boolean,
}

impl TextKind {
    pub fn tokens(self) -> TokenStream {
        match self {
            TextKind::String => quote!(crate::operations::TextKind::String),
            TextKind::Integer => quote!(crate::operations::TextKind::Integer),
            TextKind::Number => quote!(crate::operations::TextKind::Number),
            TextKind::Boolean => quote!(crate::operations::TextKind::Boolean),
        }
    }
}

pub struct ParamView<'a> {
    pub param: &'a Parameter,
    pub field: Ident,
    /// How the value (of an array: each item) is written as text.
    pub kind: TextKind,
    /// The Rust type of the value (without the `Option` of an optional parameter).
    pub ty: TokenStream,
    /// The Rust type of an item when the parameter is an array.
    pub item: Option<TokenStream>,
    /// How an array's items are written: joined by this character in one value
    /// (`,` in the path and headers, and in the query with `explode: false`; ` ` or
    /// `|` in the query), or, when `None`, one query pair per item.
    pub separator: Option<char>,
}

pub struct BodyView<'a> {
    pub field: Ident,
    pub ty: &'a Ty,
    pub required: bool,
    pub content_type: &'a str,
    pub encoding: BodyEncoding,
}

pub struct RequestView<'a> {
    pub name: Ident,
    pub params: Vec<ParamView<'a>>,
    pub body: Option<BodyView<'a>>,
}

pub struct HeaderView<'a> {
    /// Lower-case header name.
    pub name: String,
    pub field: Ident,
    pub header: &'a ResponseHeader,
    pub kind: TextKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Unit,
    Tuple,
    Struct,
}

pub struct ResponseView<'a> {
    pub status: StatusCode,
    pub variant: Ident,
    pub description: &'a str,
    /// The body's type, media type and encoding.
    pub body: Option<(&'a Ty, &'a str, BodyEncoding)>,
    pub body_field: Ident,
    pub headers: Vec<HeaderView<'a>>,
    pub shape: Shape,
}

/// One security alternative: a single scheme.
pub struct SecurityView {
    pub scheme: String,
    pub kind: SecuritySchemeKind,
    /// The scopes the operation requires of the scheme.
    pub scopes: Vec<String>,
}

pub struct OpView<'a> {
    pub op: &'a Operation,
    pub method: Ident,
    pub request: Option<RequestView<'a>>,
    pub response: Ident,
    pub responses: Vec<ResponseView<'a>>,
    pub security: Vec<SecurityView>,
}

pub struct OperationViews<'a> {
    pub ops: Vec<OpView<'a>>,
    pub trait_name: Ident,
    /// Every type name taken in `operations.rs`.
    pub types: Namespace,
}

impl<'a> OperationViews<'a> {
    pub fn new(rs: &RustTypes<'a>) -> Result<Self, TargetError> {
        // Methods share a namespace with the trait's and the client's own methods.
        let mut methods = Namespace::snake().reserve(&[
            "authenticate",
            "rejection_response",
            "new",
            "with_http_client",
            "with_bearer_token",
            "with_api_key",
            "base_url",
            "url",
        ]);
        let mut types = Namespace::camel().reserve(&["TextKind"]);
        let mut ops = Vec::new();
        for op in &rs.api.operations {
            let base = camel(&op.id, "Operation");
            let method = ident(&methods.claim(&snake(&op.id, "operation")));
            let request = request_view(rs, op, types.claim(&format!("{base}Request")))?;
            let response = format_ident!("{}", types.claim(&format!("{base}Response")));
            ops.push(OpView {
                op,
                method,
                request,
                response,
                responses: response_views(rs, op)?,
                security: security_views(rs, op)?,
            });
        }
        let trait_name = match camel(&rs.api.title, "Api") {
            n if [
                "Credentials",
                "Rejection",
                "RouterConfig",
                "AppState",
                "Self",
            ]
            .contains(&n.as_str()) =>
            {
                format!("{n}Service")
            }
            n => n,
        };
        Ok(OperationViews {
            ops,
            trait_name: format_ident!("{}", trait_name),
            types,
        })
    }

    pub fn any_security(&self) -> bool {
        self.ops.iter().any(|o| !o.security.is_empty())
    }
}

fn what(op: &Operation) -> String {
    format!("operation `{}` ({} {})", op.id, op.method.as_str(), op.path)
}

/// How a parameter or header of type `ty` is written as text.
pub fn text_kind(rs: &RustTypes, ty: &Ty) -> Option<TextKind> {
    match &ty.kind {
        TyKind::Boolean => Some(TextKind::Boolean),
        TyKind::Integer(_) => Some(TextKind::Integer),
        TyKind::Number(_) => Some(TextKind::Number),
        TyKind::String(_) => Some(TextKind::String),
        TyKind::Named(name) => match &rs.api.type_def(name)?.kind {
            TypeDefKind::Enum(e) => Some(match e.values {
                EnumValues::String(_) => TextKind::String,
                EnumValues::Integer { .. } => TextKind::Integer,
                EnumValues::Number { .. } => TextKind::Number,
            }),
            // An alias of an alias chain is followed once; deeper chains are rare.
            TypeDefKind::Alias(inner) if !matches!(inner.kind, TyKind::Named(_)) => {
                text_kind(rs, inner)
            }
            _ => None,
        },
        _ => None,
    }
}

fn request_view<'a>(
    rs: &RustTypes<'a>,
    op: &'a Operation,
    name: String,
) -> Result<Option<RequestView<'a>>, TargetError> {
    let mut fields = Namespace::snake();
    let mut params = Vec::new();
    for param in &op.parameters {
        if param.location == ParameterLocation::Cookie {
            return Err(error(format!(
                "{}: cookie parameter `{}` is not supported by the Rust target",
                what(op),
                param.name
            )));
        }
        let (scalar, item) = match &param.ty.kind {
            TyKind::Array(item) => (item.as_ref(), Some(rs.ty(item, Scope::Crate)?)),
            _ => (&param.ty, None),
        };
        let kind = text_kind(rs, scalar).ok_or_else(|| {
            error(format!(
                "{}: parameter `{}` must be a string, number, integer, boolean or enum \
                 (or an array of these) for the Rust target",
                what(op),
                param.name
            ))
        })?;
        let separator = match (param.location, param.style.separator()) {
            (ParameterLocation::Query, separator) => separator,
            (_, Some(separator)) => Some(separator),
            (_, None) => {
                return Err(error(format!(
                    "{}: parameter `{}`: repeated keys are a query style",
                    what(op),
                    param.name
                )));
            }
        };
        params.push(ParamView {
            param,
            field: ident(&fields.claim(&snake(&param.name, "param"))),
            kind,
            ty: rs.ty(&param.ty, Scope::Crate)?,
            item,
            separator,
        });
    }
    let body = op.request_body.as_ref().map(|b| BodyView {
        field: ident(&fields.claim("body")),
        ty: &b.ty,
        required: b.required,
        content_type: &b.content_type,
        encoding: b.encoding,
    });
    if params.is_empty() && body.is_none() {
        return Ok(None);
    }
    Ok(Some(RequestView {
        name: format_ident!("{}", name),
        params,
        body,
    }))
}

/// A header name as the `http` crate accepts it in `HeaderName::from_static`.
pub fn header_name(op: &Operation, name: &str) -> Result<String, TargetError> {
    let legal = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if legal {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(error(format!(
            "{}: `{name}` is not a legal HTTP header name",
            what(op)
        )))
    }
}

fn response_views<'a>(
    rs: &RustTypes<'a>,
    op: &'a Operation,
) -> Result<Vec<ResponseView<'a>>, TargetError> {
    let mut variants = Namespace::camel().reserve(&["Self"]);
    let mut views = Vec::new();
    for response in &op.responses {
        let base = match response.status {
            StatusCode::Code(code) if (100..=999).contains(&code) => status_variant(code),
            StatusCode::Code(code) => {
                return Err(error(format!(
                    "{}: {code} is not an HTTP status code",
                    what(op)
                )));
            }
            StatusCode::Default => "Default".to_owned(),
        };
        let mut fields = Namespace::snake().reserve(&["status"]);
        let mut headers = Vec::new();
        for header in &response.headers {
            let kind = text_kind(rs, &header.ty).ok_or_else(|| {
                error(format!(
                    "{}: response header `{}` must be a string, number, integer, boolean or enum for the Rust target",
                    what(op),
                    header.name
                ))
            })?;
            headers.push(HeaderView {
                name: header_name(op, &header.name)?,
                field: ident(&fields.claim(&snake(&header.name, "header"))),
                header,
                kind,
            });
        }
        let body = match &response.body {
            Some(b)
                if b.content_type
                    .bytes()
                    .all(|c| c.is_ascii_graphic() || c == b' ') =>
            {
                Some((&b.ty, b.content_type.as_str(), b.encoding))
            }
            Some(b) => {
                return Err(error(format!(
                    "{}: illegal media type `{}`",
                    what(op),
                    b.content_type
                )));
            }
            None => None,
        };
        let shape = match (response.status, headers.is_empty(), body.is_some()) {
            (StatusCode::Default, _, _) | (_, false, _) => Shape::Struct,
            (_, true, true) => Shape::Tuple,
            (_, true, false) => Shape::Unit,
        };
        views.push(ResponseView {
            status: response.status,
            variant: format_ident!("{}", variants.claim(&base)),
            description: &response.description,
            body,
            body_field: ident(&fields.claim("body")),
            headers,
            shape,
        });
    }
    Ok(views)
}

fn security_views(rs: &RustTypes, op: &Operation) -> Result<Vec<SecurityView>, TargetError> {
    let mut views = Vec::new();
    for requirement in &op.security {
        let [single] = requirement.schemes.as_slice() else {
            return Err(error(format!(
                "{}: a security requirement must name exactly one scheme for the Rust target \
                 (optional authentication and scheme combinations are not supported)",
                what(op)
            )));
        };
        let scheme = rs
            .api
            .security_schemes
            .iter()
            .find(|s| s.name == single.scheme)
            .ok_or_else(|| {
                error(format!(
                    "{}: unknown security scheme `{}`",
                    what(op),
                    single.scheme
                ))
            })?;
        if let SecuritySchemeKind::ApiKey { location, name } = &scheme.kind {
            if *location == ParameterLocation::Cookie || *location == ParameterLocation::Path {
                return Err(error(format!(
                    "{}: API keys in a cookie or path are not supported by the Rust target",
                    what(op)
                )));
            }
            if *location == ParameterLocation::Header {
                header_name(op, name)?;
            }
        }
        views.push(SecurityView {
            scheme: scheme.name.clone(),
            kind: scheme.kind.clone(),
            scopes: single.scopes.clone(),
        });
    }
    Ok(views)
}

/// The Rust type of a body: raw bytes are a `Vec<u8>`, anything else its type's.
pub fn body_ty(
    rs: &RustTypes,
    ty: &Ty,
    encoding: BodyEncoding,
) -> Result<TokenStream, TargetError> {
    match encoding {
        BodyEncoding::Binary => Ok(quote!(Vec<u8>)),
        _ => rs.ty(ty, Scope::Crate),
    }
}

/// The status code of a response as an `http::StatusCode` expression.
pub fn status_tokens(code: u16) -> TokenStream {
    let code = proc_macro2::Literal::u16_unsuffixed(code);
    quote!(crate::operations::status(#code))
}

pub fn render(rs: &RustTypes, views: &OperationViews) -> Result<TokenStream, TargetError> {
    let mut items = Vec::new();
    let mut aliases = Aliases::new(views.types.clone());
    for view in &views.ops {
        let op = view.op;
        let summary = format!(" `{}`: `{} {}`.", op.id, op.method.as_str(), op.path);
        if let Some(request) = &view.request {
            let name = &request.name;
            let doc = format!(" The request of{summary}");
            let mut fields = Vec::new();
            for p in &request.params {
                let field = &p.field;
                let ty = &p.ty;
                let pdoc = docs(p.param.description.as_deref());
                let ty = if p.param.required {
                    quote!(#ty)
                } else {
                    quote!(Option<#ty>)
                };
                fields.push(quote!(#pdoc pub #field: #ty,));
            }
            if let Some(body) = &request.body {
                let field = &body.field;
                let ty = body_ty(rs, body.ty, body.encoding)?;
                let ty = aliases.written(
                    &format!("{name}Body"),
                    &format!(
                        "The type of `{name}::{field}`, named here as it is too complex to \
                         write in place."
                    ),
                    ty,
                    |ty| {
                        if body.required {
                            ty
                        } else {
                            quote!(Option<#ty>)
                        }
                    },
                );
                let bdoc = docs(
                    op.request_body
                        .as_ref()
                        .and_then(|b| b.description.as_deref()),
                );
                fields.push(quote!(#bdoc pub #field: #ty,));
            }
            items.extend(aliases.take());
            items.push(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #name {
                    #(#fields)*
                }
            });
        }
        let name = &view.response;
        let doc = format!(" The responses of{summary} One variant per status.");
        let mut variants = Vec::new();
        let mut status_arms = Vec::new();
        for r in &view.responses {
            let variant = &r.variant;
            let label = match r.status {
                StatusCode::Code(code) => code.to_string(),
                StatusCode::Default => "Any other status".to_owned(),
            };
            let vdoc = doc_lines(&format!("{label}: {}", r.description), false);
            let body_ty = match r.body {
                Some((ty, _, encoding)) => Some(aliases.written(
                    &format!("{name}{variant}Body"),
                    &format!(
                        "The body of `{name}::{variant}`, named here as it is too complex to \
                         write in place."
                    ),
                    body_ty(rs, ty, encoding)?,
                    |ty| ty,
                )),
                None => None,
            };
            let declaration = match r.shape {
                Shape::Unit => quote!(#variant),
                Shape::Tuple => quote!(#variant(#body_ty)),
                Shape::Struct => {
                    let status = matches!(r.status, StatusCode::Default)
                        .then(|| quote!(status: http::StatusCode,));
                    let mut fields = Vec::new();
                    for h in &r.headers {
                        let field = &h.field;
                        let ty = rs.ty(&h.header.ty, Scope::Crate)?;
                        let ty = if h.header.required {
                            ty
                        } else {
                            quote!(Option<#ty>)
                        };
                        let hdoc = docs(h.header.description.as_deref());
                        fields.push(quote!(#hdoc #field: #ty,));
                    }
                    let body = body_ty.as_ref().map(|ty| {
                        let field = &r.body_field;
                        quote!(#field: #ty,)
                    });
                    quote!(#variant { #status #(#fields)* #body })
                }
            };
            variants.push(quote!(#(#vdoc)* #declaration,));
            status_arms.push(match (r.status, r.shape) {
                (StatusCode::Default, _) => quote!(Self::#variant { status, .. } => *status,),
                (StatusCode::Code(code), shape) => {
                    let pattern = match shape {
                        Shape::Unit => quote!(Self::#variant),
                        Shape::Tuple => quote!(Self::#variant(_)),
                        Shape::Struct => quote!(Self::#variant { .. }),
                    };
                    let status = status_tokens(code);
                    quote!(#pattern => #status,)
                }
            });
        }
        if variants.is_empty() {
            return Err(error(format!("{}: no responses", what(op))));
        }
        items.extend(aliases.take());
        items.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(clippy::large_enum_variant)]
            pub enum #name {
                #(#variants)*
            }
            impl #name {
                /// The HTTP status of this response.
                pub fn status(&self) -> http::StatusCode {
                    match self {
                        #(#status_arms)*
                    }
                }
            }
        });
    }
    Ok(quote! {
        //! The typed request and per-status response of every operation, shared by the
        //! server trait and the client.
        #![allow(dead_code)]

        #(#items)*

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
        pub(crate) fn from_text<T: serde::de::DeserializeOwned>(text: &str, kind: TextKind) -> Result<T, String> {
            let value = match kind {
                TextKind::String => serde_json::Value::String(text.to_owned()),
                TextKind::Integer | TextKind::Number | TextKind::Boolean => {
                    serde_json::from_str::<serde_json::Value>(text.trim())
                        .map_err(|_| format!("`{text}` is not a valid value"))?
                }
            };
            serde_json::from_value(value).map_err(|e| format!("`{text}` is not a valid value: {e}"))
        }

        /// The text of a parameter or header value; `None` for `null`.
        pub(crate) fn to_text<T: serde::Serialize>(value: &T) -> Option<String> {
            match serde_json::to_value(value).ok()? {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => Some(text),
                other => Some(other.to_string()),
            }
        }
    })
}
