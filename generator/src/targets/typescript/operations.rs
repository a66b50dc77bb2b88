//! Per operation: the request and response types (`operations.ts`), the spec the
//! adapters run on, the handler interface's method and the server's route
//! (`server.ts`), and the client's method (`client.ts`).

use super::TargetError;
use super::literal::Lit;
use super::models::{doc_text, ty};
use super::names::{Names, header_key};
use super::names::{doc_lines, is_identifier, key, string};
use super::schema;
use crate::ir::{
    Api, BodyEncoding, Operation, ParameterLocation, SecuritySchemeKind, StatusCode, TyKind,
    TypeDefKind,
};

/// A call or signature `head(arg, arg)tail` on one line when it fits at `indent`,
/// else one argument per line with a trailing comma, as prettier prints them.
/// A call or signature `head(args)tail` at `indent`, rendered by the templates'
/// `call` macro.
pub struct Call {
    pub pad: String,
    pub head: String,
    pub args: Vec<String>,
    pub tail: String,
}

impl Call {
    pub fn new(indent: usize, head: &str, args: Vec<String>, tail: &str) -> Call {
        Call {
            pad: " ".repeat(indent),
            head: head.to_string(),
            args,
            tail: tail.to_string(),
        }
    }
}

fn location_group(location: ParameterLocation) -> &'static str {
    match location {
        ParameterLocation::Path => "path",
        ParameterLocation::Query => "query",
        ParameterLocation::Header => "headers",
        ParameterLocation::Cookie => "cookies",
    }
}

/// The key of a parameter in its group: headers in camelCase, the others as on
/// the wire.
fn parameter_key(location: ParameterLocation, name: &str) -> String {
    if location == ParameterLocation::Header {
        header_key(name)
    } else {
        name.to_string()
    }
}

/// Refuses what this target cannot serve, naming the operation.
pub fn check(api: &Api) -> Result<(), TargetError> {
    for op in &api.operations {
        for p in &op.parameters {
            if p.location == ParameterLocation::Cookie {
                return Err(TargetError {
                    target: "typescript",
                    message: format!(
                        "{} `{}`: cookie parameter `{}` is not supported by the TypeScript target; send it as a header or query parameter",
                        op.method.as_str(),
                        op.path,
                        p.name
                    ),
                });
            }
        }
        if op.method == crate::ir::Method::Trace {
            return Err(TargetError {
                target: "typescript",
                message: format!(
                    "TRACE `{}`: the Fetch API cannot send TRACE requests; remove the operation",
                    op.path
                ),
            });
        }
    }
    for s in &api.security_schemes {
        if let SecuritySchemeKind::ApiKey { location, .. } = &s.kind
            && !matches!(
                location,
                ParameterLocation::Header | ParameterLocation::Query
            )
        {
            return Err(TargetError {
                target: "typescript",
                message: format!(
                    "security scheme `{}`: API keys in a cookie or path are not supported by the TypeScript target",
                    s.name
                ),
            });
        }
    }
    Ok(())
}

/// Whether the operation's typed request has anything in it.
pub fn has_request(op: &Operation) -> bool {
    op.request_body.is_some() || !op.parameters.is_empty()
}

fn operation_doc(op: &Operation) -> String {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(summary.trim());
    }
    if let Some(description) = &op.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(description.trim());
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "`{} {}` (`{}`).",
        op.method.as_str(),
        op.path,
        op.id
    ));
    if op.deprecated {
        text.push_str("\n\n@deprecated");
    }
    text
}

/// A body whose `x-per-item-validation` arrays reach the handler checked.
pub struct ReceivedBody {
    /// `Received<models.T, "a" | "b">`.
    pub ty: String,
    /// `?` for an optional body.
    pub optional: &'static str,
    /// The arrays, for the doc: `` `a` `` or `` `a` and `b` ``.
    pub fields_text: String,
}

/// The received form of `op`'s body, when it has `x-per-item-validation` arrays.
pub fn received_body(names: &Names, api: &Api, op: &Operation) -> Option<ReceivedBody> {
    let body = op.request_body.as_ref()?;
    let TyKind::Named(name) = &body.ty.kind else {
        return None;
    };
    let TypeDefKind::Struct(s) = &api.type_def(name)?.kind else {
        return None;
    };
    let fields: Vec<&str> = s
        .fields
        .iter()
        .filter(|f| f.per_item_validation)
        .map(|f| f.name.as_str())
        .collect();
    if fields.is_empty() {
        return None;
    }
    let keys: Vec<String> = fields.iter().map(|f| format!("\"{f}\"")).collect();
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    Some(ReceivedBody {
        ty: format!(
            "Received<{}, {}>",
            ty(names, &body.ty, "models."),
            keys.join(" | ")
        ),
        optional: if body.required { "" } else { "?" },
        fields_text: quoted.join(" and "),
    })
}

/// A member of an interface with its doc comment: `  name?: Type;`, laid out.
pub struct MemberLine {
    pub doc: Vec<String>,
    pub line: String,
}

/// What `operations.ts` has for one operation: its request interface, the form
/// the handler receives it in, and its response union.
pub struct OperationTypes {
    pub stem: String,
    pub request: Option<RequestTypes>,
    pub received: Option<ReceivedTypes>,
    /// The response union's doc comment, by line.
    pub response_doc: Vec<String>,
    /// `export type XResponse = ...;`, laid out.
    pub response: String,
}

pub struct RequestTypes {
    pub doc: Vec<String>,
    /// The parameter groups present: `path`, `query`, `headers`.
    pub groups: Vec<ParameterGroup>,
    pub body: Option<MemberLine>,
}

pub struct ParameterGroup {
    pub name: &'static str,
    /// `?` when every parameter of the group is optional.
    pub optional: &'static str,
    pub parameters: Vec<MemberLine>,
}

pub struct ReceivedTypes {
    pub doc: Vec<String>,
    /// `?` for an optional body.
    pub optional: &'static str,
    /// `Received<models.T, "a" | "b">`.
    pub ty: String,
}

/// The request interface and response union of `op` in `operations.ts`.
pub fn types(names: &Names, api: &Api, op: &Operation) -> OperationTypes {
    let stem = names.stem(op);
    let request = has_request(op).then(|| RequestTypes {
        doc: doc_lines(&format!(
            "The request of `{}`: `{} {}`.",
            op.id,
            op.method.as_str(),
            op.path
        )),
        groups: [
            ParameterLocation::Path,
            ParameterLocation::Query,
            ParameterLocation::Header,
        ]
        .into_iter()
        .filter_map(|location| {
            let params: Vec<_> = op
                .parameters
                .iter()
                .filter(|p| p.location == location)
                .collect();
            if params.is_empty() {
                return None;
            }
            Some(ParameterGroup {
                name: location_group(location),
                optional: if params.iter().all(|p| !p.required) {
                    "?"
                } else {
                    ""
                },
                parameters: params
                    .into_iter()
                    .map(|p| {
                        let optional = if p.required { "" } else { "?" };
                        MemberLine {
                            doc: doc_lines(&doc_text(p.description.as_deref(), Some(&p.ty))),
                            line: format!(
                                "    {}{optional}: {};",
                                key(&parameter_key(location, &p.name)),
                                ty(names, &p.ty, "models.")
                            ),
                        }
                    })
                    .collect(),
            })
        })
        .collect(),
        body: op.request_body.as_ref().map(|body| {
            let optional = if body.required { "" } else { "?" };
            MemberLine {
                doc: doc_lines(&doc_text(body.description.as_deref(), None)),
                line: format!(
                    "  body{optional}: {};",
                    body_type(names, body.encoding, &body.ty)
                ),
            }
        }),
    });
    let received = received_body(names, api, op).map(|received| ReceivedTypes {
        doc: doc_lines(&format!(
            "The request of `{}` as the server hands it to the handler: the items\nof {} are each checked on their own (`x-per-item-validation`), so an\ninvalid one arrives with its violations instead of refusing the request.",
            op.id, received.fields_text
        )),
        optional: received.optional,
        ty: received.ty,
    });
    let members: Vec<String> = op
        .responses
        .iter()
        .map(|r| {
            let status = match r.status {
                StatusCode::Code(code) => code.to_string(),
                StatusCode::Default => "number".to_string(),
            };
            let mut parts = vec![format!("status: {status}")];
            if let Some(body) = &r.body {
                parts.push(format!(
                    "body: {}",
                    body_type(names, body.encoding, &body.ty)
                ));
            }
            if !r.headers.is_empty() {
                let headers: Vec<String> = r
                    .headers
                    .iter()
                    .map(|h| {
                        let optional = if h.required { "" } else { "?" };
                        format!(
                            "{}{optional}: {}",
                            key(&header_key(&h.name)),
                            ty(names, &h.ty, "models.")
                        )
                    })
                    .collect();
                parts.push(format!("headers: {{ {} }}", headers.join("; ")));
            }
            format!("{{ {} }}", parts.join("; "))
        })
        .collect();
    OperationTypes {
        stem: stem.to_string(),
        request,
        received,
        response_doc: doc_lines(&format!(
            "The responses of `{}`: `{} {}`, one member per status.",
            op.id,
            op.method.as_str(),
            op.path
        )),
        response: if members.is_empty() {
            format!("export type {stem}Response = never;")
        } else {
            format!("export type {stem}Response = {};", members.join(" | "))
        },
    }
}

/// The TypeScript type of a body: raw bytes are a `Blob` (it works the same in
/// Node 20+ and browsers, carries its media type, is what `fetch` sends and
/// `FormData` takes as a file), anything else its schema's type.
fn body_type(names: &Names, encoding: BodyEncoding, t: &crate::ir::Ty) -> String {
    match encoding {
        BodyEncoding::Binary => "Blob".to_string(),
        _ => ty(names, t, "models."),
    }
}

/// The `encoding` of a body in the spec literal: none for JSON, the default.
fn encoding_prop(encoding: BodyEncoding) -> Option<(String, Lit)> {
    (encoding != BodyEncoding::Json).then(|| ("encoding".to_string(), Lit::str(encoding.as_str())))
}

/// The `OperationSpec` literal of `op`.
pub fn spec(api: &Api, op: &Operation) -> Lit {
    let mut props = vec![
        ("id".to_string(), Lit::str(op.id.as_str())),
        ("method".to_string(), Lit::str(op.method.as_str())),
        ("path".to_string(), Lit::str(op.path.as_str())),
        (
            "security".to_string(),
            Lit::Array(
                op.security
                    .iter()
                    .map(|r| {
                        Lit::Array(
                            r.schemes
                                .iter()
                                .map(|s| {
                                    Lit::Object(vec![
                                        ("scheme".to_string(), Lit::str(s.scheme.as_str())),
                                        (
                                            "scopes".to_string(),
                                            Lit::Array(
                                                s.scopes
                                                    .iter()
                                                    .map(|scope| Lit::str(scope.as_str()))
                                                    .collect(),
                                            ),
                                        ),
                                    ])
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
        ),
        (
            "parameters".to_string(),
            Lit::Array(
                op.parameters
                    .iter()
                    .map(|p| {
                        let location = match p.location {
                            ParameterLocation::Path => "path",
                            ParameterLocation::Query => "query",
                            ParameterLocation::Header => "header",
                            ParameterLocation::Cookie => "cookie",
                        };
                        let mut props = vec![
                            ("name".into(), Lit::str(p.name.as_str())),
                            ("location".into(), Lit::str(location)),
                            ("key".into(), Lit::str(parameter_key(p.location, &p.name))),
                            ("required".into(), Lit::raw(p.required.to_string())),
                            ("schema".into(), schema::of_ty(&p.ty)),
                        ];
                        if let (TyKind::Array(_), Some(separator)) =
                            (&p.ty.kind, p.style.separator())
                        {
                            props.push(("separator".into(), Lit::str(separator.to_string())));
                        }
                        Lit::Object(props)
                    })
                    .collect(),
            ),
        ),
    ];
    if let Some(body) = &op.request_body {
        let mut body_props = vec![
            ("schema".into(), schema::of_ty(&body.ty)),
            ("required".into(), Lit::raw(body.required.to_string())),
            ("contentType".into(), Lit::str(body.content_type.as_str())),
        ];
        body_props.extend(encoding_prop(body.encoding));
        if body.encoding == BodyEncoding::Multipart {
            body_props.push((
                "files".into(),
                Lit::Array(
                    file_fields(api, &body.ty)
                        .into_iter()
                        .map(Lit::str)
                        .collect(),
                ),
            ));
        }
        props.push(("body".into(), Lit::Object(body_props)));
    }
    let responses = op
        .responses
        .iter()
        .map(|r| {
            let key = match r.status {
                StatusCode::Code(code) => code.to_string(),
                StatusCode::Default => "default".to_string(),
            };
            let mut props = Vec::new();
            if let Some(body) = &r.body {
                props.push(("body".to_string(), schema::of_ty(&body.ty)));
                props.push((
                    "contentType".to_string(),
                    Lit::str(body.content_type.as_str()),
                ));
                props.extend(encoding_prop(body.encoding));
            }
            props.push((
                "headers".to_string(),
                Lit::Array(
                    r.headers
                        .iter()
                        .map(|h| {
                            Lit::Object(vec![
                                ("name".into(), Lit::str(h.name.as_str())),
                                ("key".into(), Lit::str(header_key(&h.name))),
                                ("required".into(), Lit::raw(h.required.to_string())),
                                ("schema".into(), schema::of_ty(&h.ty)),
                            ])
                        })
                        .collect(),
                ),
            ));
            (key, Lit::Object(props))
        })
        .collect();
    props.push(("responses".into(), Lit::Object(responses)));
    Lit::Object(props)
}

/// The file properties of a multipart body of type `t` (a named struct):
/// `format: binary` strings and arrays of them.
pub fn file_fields<'a>(api: &'a Api, t: &crate::ir::Ty) -> Vec<&'a str> {
    let TyKind::Named(name) = &t.kind else {
        return Vec::new();
    };
    let Some(TypeDefKind::Struct(st)) = api.type_def(name).map(|d| &d.kind) else {
        return Vec::new();
    };
    st.fields
        .iter()
        .filter(|f| file_type(api, name, f).is_some())
        .map(|f| f.name.as_str())
        .collect()
}

/// The TypeScript type of `field` of the struct `owner` when it is a file of a
/// multipart body: `Blob`, or `Blob[]` for an array of files.
pub fn file_type(api: &Api, owner: &str, field: &crate::ir::Field) -> Option<&'static str> {
    if !api.is_multipart_body(owner) {
        return None;
    }
    if api.is_binary(&field.ty) {
        return Some("Blob");
    }
    let mut t = &field.ty;
    for _ in 0..=api.types.len() {
        match &t.kind {
            TyKind::Array(item) if api.is_binary(item) => return Some("Blob[]"),
            TyKind::Named(alias) => match api.type_def(alias).map(|d| &d.kind) {
                Some(TypeDefKind::Alias(inner)) => t = inner,
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// The `securitySchemes` literal.
pub fn security_schemes(api: &Api) -> Lit {
    Lit::Table {
        entry: "SecuritySchemeSpec",
        entries: api
            .security_schemes
            .iter()
            .map(|s| {
                let spec = match &s.kind {
                    SecuritySchemeKind::Bearer { .. } => {
                        Lit::Object(vec![("type".into(), Lit::str("bearer"))])
                    }
                    SecuritySchemeKind::ApiKey { location, name } => Lit::Object(vec![
                        ("type".into(), Lit::str("apiKey")),
                        (
                            "location".into(),
                            Lit::str(if *location == ParameterLocation::Query {
                                "query"
                            } else {
                                "header"
                            }),
                        ),
                        ("name".into(), Lit::str(name.as_str())),
                    ]),
                };
                (s.name.clone(), spec)
            })
            .collect(),
    }
}

/// Whether `op` needs credentials (an alternative that names a scheme).
pub fn secured(op: &Operation) -> bool {
    op.security.iter().any(|r| !r.schemes.is_empty())
}

/// The request type the handler gets: `{stem}ReceivedRequest` when items are
/// checked one by one, else `{stem}Request`.
fn handler_request(names: &Names, api: &Api, op: &Operation) -> String {
    let stem = names.stem(op);
    match received_body(names, api, op) {
        Some(_) => format!("ops.{stem}ReceivedRequest"),
        None => format!("ops.{stem}Request"),
    }
}

/// What `server.ts` has for one operation: the handler interface's method, the
/// route table's entry and the invoke function.
pub struct ServerOperation {
    /// The method's doc comment, by line.
    pub doc: Vec<String>,
    /// The handler interface's method signature.
    pub member: Call,
    /// `route(ops.operations.x, invokeX)`.
    pub route: String,
    /// `UploadData`: `invokeUploadData`, `ops.UploadDataResponse`.
    pub stem: String,
    /// `request`, or `_request` when the operation takes none.
    pub request_param: &'static str,
    /// The invoke function's `return handler.x(...);`.
    pub invoke: Call,
}

pub fn server_operation(names: &Names, api: &Api, op: &Operation) -> ServerOperation {
    let stem = names.stem(op);
    let mut params = Vec::new();
    let mut args = Vec::new();
    if has_request(op) {
        params.push(format!("request: {}", handler_request(names, api, op)));
        args.push(format!("request as {}", handler_request(names, api, op)));
    }
    if secured(op) {
        params.push("context: AuthenticatedContext<Principal>".to_string());
        args.push("context as AuthenticatedContext<Principal>".to_string());
    } else {
        params.push("context: RequestContext".to_string());
        args.push("context".to_string());
    }
    ServerOperation {
        doc: doc_lines(&operation_doc(op)),
        member: Call::new(
            2,
            names.method(op),
            params,
            &format!(": Promise<ops.{stem}Response>;"),
        ),
        route: route_entry(names, op),
        stem: stem.to_string(),
        request_param: if has_request(op) {
            "request"
        } else {
            "_request"
        },
        invoke: Call::new(
            2,
            &format!("return handler.{}", names.method(op)),
            args,
            ";",
        ),
    }
}

/// The client's method for `op`.
pub struct ClientMethod {
    /// Its doc comment, by line.
    pub doc: Vec<String>,
    /// `async name(request, options): Promise<...> {`.
    pub signature: Call,
    /// `return this.#call(ops.operations.x, request, options);`.
    pub body: Call,
}

pub fn client_method(names: &Names, op: &Operation) -> ClientMethod {
    let stem = names.stem(op);
    let mut params = Vec::new();
    if has_request(op) {
        params.push(format!("request: ops.{stem}Request"));
    }
    params.push("options: RequestOptions = {}".to_string());
    let request = if has_request(op) { "request" } else { "{}" };
    ClientMethod {
        doc: doc_lines(&operation_doc(op)),
        signature: Call::new(
            2,
            &format!("async {}", names.method(op)),
            params,
            &format!(": Promise<ops.{stem}Response> {{"),
        ),
        body: Call::new(
            4,
            "return this.#call",
            vec![
                operation_ref(op),
                request.to_string(),
                "options".to_string(),
            ],
            ";",
        ),
    }
}

/// `ops.operations.uploadData`, or `ops.operations["odd-id"]`.
fn operation_ref(op: &Operation) -> String {
    if is_identifier(&op.id) {
        format!("ops.operations.{}", op.id)
    } else {
        format!("ops.operations[{}]", string(&op.id))
    }
}

/// `route(ops.operations.x, invokeX)`: the route table's entry for `op`.
pub fn route_entry(names: &Names, op: &Operation) -> String {
    format!("route({}, invoke{})", operation_ref(op), names.stem(op))
}
