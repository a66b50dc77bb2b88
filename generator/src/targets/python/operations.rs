//! Per operation: the request and per-status response classes and the entry of the
//! operation table (`operations.py`), the handler protocol's method and the
//! server's route (`server.py`), and the clients' methods (`client.py`).

use super::models::{admits_none, doc_text, ty};
use super::names::{Names, doc_lines, header_key, literal, string};
use crate::ir::{
    Api, BodyEncoding, Operation, SecuritySchemeKind, StatusCode, Ty, TyKind, TypeDefKind,
};
use crate::schema_table;

/// The Python type of a body or header in `operations.py`.
fn py(names: &Names, t: &Ty) -> String {
    ty(names, t, "models.", &|_| false)
}

/// The Python type of a body: raw bytes are `bytes`, anything else its schema's type.
fn body_py(names: &Names, encoding: BodyEncoding, t: &Ty) -> String {
    match encoding {
        BodyEncoding::Binary => "bytes".to_string(),
        _ => py(names, t),
    }
}

/// The `encoding=` argument of a body's spec entry: none for JSON, the default.
fn encoding_arg(encoding: BodyEncoding) -> Option<String> {
    (encoding != BodyEncoding::Json).then(|| format!("encoding={}", string(encoding.as_str())))
}

/// The file properties of a multipart body of type `t` (a named struct), by wire
/// name: `format: binary` strings and arrays of them.
fn file_fields<'a>(api: &'a Api, t: &Ty) -> Vec<&'a str> {
    let TyKind::Named(name) = &t.kind else {
        return Vec::new();
    };
    let Some(TypeDefKind::Struct(st)) = api.type_def(name).map(|d| &d.kind) else {
        return Vec::new();
    };
    st.fields
        .iter()
        .filter(|f| super::models::file_type(api, name, &f.ty).is_some())
        .map(|f| f.name.as_str())
        .collect()
}

pub fn operation_doc(op: &Operation) -> Vec<String> {
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
        text.push_str("\n\nDeprecated.");
    }
    doc_lines(&text)
}

pub fn secured(op: &Operation) -> bool {
    op.security.iter().any(|r| !r.schemes.is_empty())
}

/// A field of a generated dataclass: `name: T` plus ` = default`.
pub struct Attr {
    pub name: String,
    pub annotation: String,
    pub default: String,
    pub doc: Vec<String>,
}

/// One `x-per-item-validation` array of a received body.
pub struct ItemsView {
    pub name: String,
    pub wire: String,
    /// The items' Python type.
    pub item: String,
    pub required: bool,
}

/// A body whose `x-per-item-validation` arrays reach the handler checked.
pub struct ReceivedView {
    pub class_name: String,
    pub model: String,
    pub doc: Vec<String>,
    pub attrs: Vec<Attr>,
    /// The envelope's other fields, by Python name.
    pub copied: Vec<String>,
    pub items: Vec<ItemsView>,
}

pub struct ResponseView {
    pub class_name: String,
    pub doc: Vec<String>,
    pub attrs: Vec<Attr>,
    /// The `ResponseSpec(...)` entry, keyed.
    pub entry: String,
}

pub struct OperationView {
    /// The id as a Python string literal, and as docstring text.
    pub id_lit: String,
    pub id_doc: String,
    pub stem: String,
    pub method: String,
    pub doc: Vec<String>,
    pub secured: bool,
    /// `{stem}Request` when the operation has a body.
    pub request: Option<RequestView>,
    pub received: Option<ReceivedView>,
    pub responses: Vec<ResponseView>,
    /// `A | B`.
    pub response_union: String,
    /// The `OperationSpec(...)` expression.
    pub spec: String,
    /// `TypeAdapter(models.X)` of the body, for the server.
    pub body_adapter: Option<String>,
    pub body_required: bool,
    pub has_body: bool,
    /// The request's attribute of each parameter.
    pub parameter_keys: Vec<String>,
    /// Whether each parameter is required (the server never lets one be missing).
    pub parameter_required: Vec<bool>,
}

pub struct RequestView {
    pub doc: Vec<String>,
    /// The body (`body`) and the parameters, required ones first.
    pub attrs: Vec<Attr>,
}

/// The request's attribute name of each parameter, in the operation's order.
pub fn parameter_keys(op: &Operation) -> Vec<String> {
    let mut taken: std::collections::BTreeSet<String> = ["body".to_string()].into();
    op.parameters
        .iter()
        .map(|p| super::names::unique(super::names::field_name(&p.name), &mut taken))
        .collect()
}

fn schema_literal(t: &Ty) -> String {
    literal(&schema_table::of_ty(t))
}

fn received(names: &Names, api: &Api, op: &Operation, stem: &str) -> Option<ReceivedView> {
    let body = op.request_body.as_ref()?;
    let TyKind::Named(type_name) = &body.ty.kind else {
        return None;
    };
    let TypeDefKind::Struct(s) = &api.type_def(type_name)?.kind else {
        return None;
    };
    if !s.fields.iter().any(|f| f.per_item_validation) {
        return None;
    }
    let mut required_attrs = Vec::new();
    let mut optional_attrs = Vec::new();
    let mut copied = Vec::new();
    let mut items = Vec::new();
    if let Some(tag) = &s.tag {
        let name = names.field(type_name, &tag.property).to_string();
        required_attrs.push(Attr {
            annotation: format!("Literal[{}]", string(&tag.value)),
            default: String::new(),
            doc: Vec::new(),
            name: name.clone(),
        });
        copied.push(name);
    }
    for f in &s.fields {
        let name = names.field(type_name, &f.name).to_string();
        let doc = doc_lines(&doc_text(f.description.as_deref()));
        let mut annotation = if f.per_item_validation {
            let TyKind::Array(item) = &f.ty.kind else {
                continue;
            };
            items.push(ItemsView {
                name: name.clone(),
                wire: string(&f.name),
                item: py(names, item),
                required: f.required,
            });
            format!("list[Checked[{}]]", py(names, item))
        } else {
            copied.push(name.clone());
            py(names, &f.ty)
        };
        if f.required {
            required_attrs.push(Attr {
                name,
                annotation,
                default: String::new(),
                doc,
            });
        } else {
            if !admits_none(&annotation) {
                annotation.push_str(" | None");
            }
            optional_attrs.push(Attr {
                name,
                annotation,
                default: " = None".into(),
                doc,
            });
        }
    }
    required_attrs.extend(optional_attrs);
    let arrays: Vec<String> = items
        .iter()
        .map(|i| format!("`{}`", i.wire.trim_matches('"')))
        .collect();
    Some(ReceivedView {
        class_name: format!("{stem}ReceivedBody"),
        model: format!("models.{}", names.type_name(type_name)),
        doc: doc_lines(&format!(
            "The body of `{}` as the server hands it to the handler: the items of {} are \
             each checked on their own (`x-per-item-validation`), so an invalid one arrives \
             as `Invalid`, with its violations and its JSON as received, instead of refusing \
             the request.",
            op.id,
            arrays.join(" and ")
        )),
        attrs: required_attrs,
        copied,
        items,
    })
}

fn security_literal(op: &Operation) -> String {
    let alternatives: Vec<String> = op
        .security
        .iter()
        .map(|r| {
            let uses: Vec<String> = r
                .schemes
                .iter()
                .map(|u| {
                    let scopes: Vec<String> = u.scopes.iter().map(|s| string(s)).collect();
                    let scopes = if scopes.len() == 1 {
                        format!("({},)", scopes[0])
                    } else {
                        format!("({})", scopes.join(", "))
                    };
                    format!("SecurityUse({}, {scopes})", string(&u.scheme))
                })
                .collect();
            if uses.len() == 1 {
                format!("({},)", uses[0])
            } else {
                format!("({})", uses.join(", "))
            }
        })
        .collect();
    if alternatives.len() == 1 {
        format!("({},)", alternatives[0])
    } else {
        format!("({})", alternatives.join(", "))
    }
}

pub fn operation(names: &Names, api: &Api, op: &Operation) -> OperationView {
    let stem = names.stem(op).to_string();
    let mut responses = Vec::new();
    for r in &op.responses {
        let (class_name, key, status_attr) = match r.status {
            StatusCode::Code(code) => (
                format!("{stem}{code}"),
                code.to_string(),
                Attr {
                    name: "status".into(),
                    annotation: format!("Literal[{code}]"),
                    default: format!(" = {code}"),
                    doc: Vec::new(),
                },
            ),
            StatusCode::Default => (
                format!("{stem}Default"),
                "\"default\"".to_string(),
                Attr {
                    name: "status".into(),
                    annotation: "int".into(),
                    default: String::new(),
                    doc: Vec::new(),
                },
            ),
        };
        let mut attrs = Vec::new();
        let mut trailing = Vec::new();
        let default_status = matches!(r.status, StatusCode::Default);
        let mut status_attr = Some(status_attr);
        if default_status {
            attrs.extend(status_attr.take());
        }
        let mut entry_args = vec![format!("make={class_name}")];
        if let Some(body) = &r.body {
            attrs.push(Attr {
                name: "body".into(),
                annotation: body_py(names, body.encoding, &body.ty),
                default: String::new(),
                doc: Vec::new(),
            });
            entry_args.push(format!("body={}", schema_literal(&body.ty)));
            entry_args.push(format!("content_type={}", string(&body.content_type)));
            entry_args.extend(encoding_arg(body.encoding));
            if !matches!(body.ty.kind, TyKind::Any) && body.encoding != BodyEncoding::Binary {
                entry_args.push(format!(
                    "decode=TypeAdapter({}).validate_python",
                    py(names, &body.ty)
                ));
            }
        }
        let mut header_specs = Vec::new();
        let mut taken = std::collections::BTreeSet::new();
        for h in &r.headers {
            let key_name = super::names::unique(header_key(&h.name), &mut taken);
            let mut annotation = py(names, &h.ty);
            let mut default = String::new();
            if !h.required {
                if !admits_none(&annotation) {
                    annotation.push_str(" | None");
                }
                default = " = None".into();
            }
            let attr = Attr {
                name: key_name.clone(),
                annotation,
                default,
                doc: doc_lines(&format!(
                    "The `{}` header.{}",
                    h.name,
                    h.description
                        .as_deref()
                        .map(|d| format!(" {}", d.trim()))
                        .unwrap_or_default()
                )),
            };
            if h.required {
                attrs.push(attr);
            } else {
                trailing.push(attr);
            }
            header_specs.push(format!(
                "HeaderSpec({}, {}, {}, {})",
                string(&h.name),
                string(&key_name),
                if h.required { "True" } else { "False" },
                schema_literal(&h.ty)
            ));
        }
        if !header_specs.is_empty() {
            entry_args.push(format!("headers=({},)", header_specs.join(", ")));
        }
        trailing.extend(status_attr);
        attrs.extend(trailing);
        let description = r.description.trim();
        let status_text = match r.status {
            StatusCode::Code(code) => code.to_string(),
            StatusCode::Default => "any other status".to_string(),
        };
        responses.push(ResponseView {
            doc: doc_lines(&format!(
                "The `{status_text}` response of `{}`{}",
                op.id,
                if description.is_empty() {
                    ".".to_string()
                } else {
                    format!(": {description}")
                }
            )),
            attrs,
            entry: format!("{key}: ResponseSpec({})", entry_args.join(", ")),
            class_name,
        });
    }
    let response_union = responses
        .iter()
        .map(|r| r.class_name.clone())
        .collect::<Vec<_>>()
        .join(" | ");
    let keys = parameter_keys(op);
    let request = (op.request_body.is_some() || !op.parameters.is_empty()).then(|| {
        let mut required = Vec::new();
        let mut optional = Vec::new();
        let mut body_doc = String::new();
        if let Some(b) = &op.request_body {
            let mut annotation = body_py(names, b.encoding, &b.ty);
            let attr = if b.required {
                Attr {
                    name: "body".into(),
                    annotation,
                    default: String::new(),
                    doc: Vec::new(),
                }
            } else {
                if !admits_none(&annotation) {
                    annotation.push_str(" | None");
                }
                Attr {
                    name: "body".into(),
                    annotation,
                    default: " = None".into(),
                    doc: Vec::new(),
                }
            };
            if b.required {
                required.push(attr);
            } else {
                optional.push(attr);
            }
            if let Some(d) = &b.description {
                body_doc = format!("\n\nThe body: {}", d.trim());
            }
        }
        for (p, key) in op.parameters.iter().zip(&keys) {
            let mut annotation = py(names, &p.ty);
            let location = match p.location {
                crate::ir::ParameterLocation::Path => "path",
                crate::ir::ParameterLocation::Query => "query",
                crate::ir::ParameterLocation::Header => "header",
                crate::ir::ParameterLocation::Cookie => "cookie",
            };
            let doc = doc_lines(&format!(
                "The {location} parameter `{}`.{}",
                p.name,
                p.description
                    .as_deref()
                    .map(|d| format!(" {}", d.trim()))
                    .unwrap_or_default()
            ));
            if p.required {
                required.push(Attr {
                    name: key.clone(),
                    annotation,
                    default: String::new(),
                    doc,
                });
            } else {
                if !admits_none(&annotation) {
                    annotation.push_str(" | None");
                }
                optional.push(Attr {
                    name: key.clone(),
                    annotation,
                    default: " = None".into(),
                    doc,
                });
            }
        }
        required.extend(optional);
        RequestView {
            doc: doc_lines(&format!(
                "The request of `{}`: `{} {}`.{body_doc}",
                op.id,
                op.method.as_str(),
                op.path,
            )),
            attrs: required,
        }
    });
    let parameter_specs: Vec<String> = op
        .parameters
        .iter()
        .zip(&keys)
        .map(|(p, key)| {
            let location = match p.location {
                crate::ir::ParameterLocation::Path => "path",
                crate::ir::ParameterLocation::Query => "query",
                _ => "header",
            };
            let separator = match (&p.ty.kind, p.style.separator()) {
                (TyKind::Array(_), Some(c)) => string(&c.to_string()),
                _ => "None".to_string(),
            };
            format!(
                "ParameterSpec({}, {}, {}, {}, {}, {separator})",
                string(&p.name),
                string(location),
                string(key),
                if p.required { "True" } else { "False" },
                literal(&schema_table::of_ty(&p.ty)),
            )
        })
        .collect();
    let mut spec_args = vec![
        format!("id={}", string(&op.id)),
        format!("method={}", string(op.method.as_str())),
        format!("path={}", string(&op.path)),
        format!(
            "security={}",
            if op.security.is_empty() {
                "()".to_string()
            } else {
                security_literal(op)
            }
        ),
        format!(
            "responses={{{}}}",
            responses
                .iter()
                .map(|r| r.entry.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    if !parameter_specs.is_empty() {
        spec_args.push(format!("parameters=({},)", parameter_specs.join(", ")));
    }
    if let Some(b) = &op.request_body {
        let mut args = vec![
            schema_literal(&b.ty),
            if b.required { "True" } else { "False" }.to_string(),
            string(&b.content_type),
        ];
        args.extend(encoding_arg(b.encoding));
        if b.encoding == BodyEncoding::Multipart {
            let files: Vec<String> = file_fields(api, &b.ty).into_iter().map(string).collect();
            if !files.is_empty() {
                args.push(format!("files=({},)", files.join(", ")));
            }
        }
        spec_args.push(format!("body=BodySpec({})", args.join(", ")));
    }
    OperationView {
        id_lit: string(&op.id),
        id_doc: doc_lines(&op.id).join(" "),
        method: names.method(op).to_string(),
        doc: operation_doc(op),
        secured: secured(op),
        received: received(names, api, op, &stem),
        body_adapter: op
            .request_body
            .as_ref()
            .filter(|b| !matches!(b.ty.kind, TyKind::Any) && b.encoding != BodyEncoding::Binary)
            .map(|b| format!("TypeAdapter({})", py(names, &b.ty))),
        body_required: op.request_body.as_ref().is_some_and(|b| b.required),
        has_body: op.request_body.is_some(),
        parameter_required: op.parameters.iter().map(|p| p.required).collect(),
        parameter_keys: keys,
        request,
        responses,
        response_union,
        spec: format!("OperationSpec({})", spec_args.join(", ")),
        stem,
    }
}

/// `SECURITY_SCHEMES`'s entries.
pub fn security_schemes(api: &Api) -> Vec<String> {
    api.security_schemes
        .iter()
        .map(|s| {
            let spec = match &s.kind {
                SecuritySchemeKind::Bearer { .. } => "SecuritySchemeSpec(\"bearer\")".to_string(),
                SecuritySchemeKind::ApiKey { location, name } => format!(
                    "SecuritySchemeSpec(\"apiKey\", {}, {})",
                    string(match location {
                        crate::ir::ParameterLocation::Query => "query",
                        _ => "header",
                    }),
                    string(name)
                ),
            };
            format!("{}: {spec}", string(&s.name))
        })
        .collect()
}
