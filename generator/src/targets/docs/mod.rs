//! The docs target: a Markdown API reference, `docs/README.md`.
//!
//! The lowering here turns the IR into view structs whose strings are Markdown
//! already (type names linked to their sections, constraints in words, table cells
//! escaped) and gives every heading its GitHub anchor; the askama templates in
//! `templates/docs/` lay them out as prettier prints them.
//!
//! The spec's descriptions are CommonMark and are kept so, not escaped: their
//! emphasis, lists and links mean in the reference what they mean in the spec.
//! Only a backtick that opens no code span in its description is escaped (it is
//! literal text either way), so that it cannot pair with a code span the docs add
//! after it in the same cell (``Default: `0` ``). As CommonMark can be written in many
//! ways that prettier rewrites (`*emphasis*` as `_emphasis_`, `*` bullets as `-`),
//! the target's last step runs the pinned prettier over the page, as the
//! TypeScript target does (`super::format`).

mod markdown;

use askama::Template;

use self::markdown::{Slugger, Table, cell, code, link, literal_backticks};
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::{
    Api, BodyEncoding, Bound, Constraints, EnumValues, IntFormat, NumberFormat, Operation,
    Parameter, ParameterLocation, ParameterStyle, SecurityRequirement, SecuritySchemeKind,
    StatusCode, StringFormat, TokenIssuer, Ty, TyKind, TypeDef, TypeDefKind,
};

pub struct DocsTarget;

const NAME: &str = "docs";

impl Target for DocsTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Markdown API reference (docs/README.md)"
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        let contents = Reference::new(api, ctx).render().map_err(|e| TargetError {
            target: NAME,
            message: format!("rendering docs/README.md failed: {e}"),
        })?;
        let mut files = vec![GeneratedFile {
            path: "docs/README.md".into(),
            contents,
        }];
        super::format::format(&mut files, NAME)?;
        Ok(files)
    }
}

/// The whole reference (`templates/docs/README.md`).
#[derive(Template)]
#[template(path = "docs/README.md")]
struct Reference {
    header: String,
    title: String,
    version: String,
    description: Option<String>,
    contents: Vec<ContentsEntry>,
    security_schemes: Vec<SchemeView>,
    operations: Vec<OperationView>,
    types: Vec<TypeView>,
}

/// A line of the table of contents: a link, optional text after it, sub-entries.
struct ContentsEntry {
    link: String,
    children: Vec<String>,
}

struct SchemeView {
    name: String,
    /// What the client sends, in a sentence.
    usage: String,
    /// Where tokens come from (`oauth2` flows, an OpenID Connect discovery URL),
    /// one Markdown list item each.
    issuer: Vec<String>,
    description: Option<String>,
    /// Links to the operations that accept this scheme.
    used_by: Vec<String>,
}

struct OperationView {
    id: String,
    method: &'static str,
    path: String,
    deprecated: bool,
    summary: Option<String>,
    description: Option<String>,
    /// A sentence naming the credentials the operation needs.
    authentication: String,
    parameters: Option<Table>,
    /// A sentence describing the request body.
    request_body: Option<String>,
    responses: Table,
    response_headers: Option<Table>,
    /// The responses' `links`, one Markdown list item each.
    links: Vec<String>,
    /// The requests of the operation's `callbacks`, one Markdown list item each.
    callbacks: Vec<String>,
}

struct TypeView {
    name: String,
    description: Option<String>,
    /// The sentence saying which union selects this struct, and how.
    variant_of: Option<String>,
    /// Structs: the fields (discriminator first for a union variant).
    fields: Option<Table>,
    /// Structs: what happens to properties that are not listed.
    other_properties: Option<String>,
    /// Enums: what the values are (`A string`, `An integer (int32)`), and the
    /// allowed values, as code.
    enum_intro: String,
    enum_values: Vec<String>,
    /// Unions: the intro sentence and the discriminator table.
    union_intro: Option<String>,
    variants: Option<Table>,
    /// Aliases: the type in words, and its constraints.
    alias: Option<String>,
}

/// Anchors of every heading, decided in document order before anything links to them.
struct Anchors {
    /// The section headings that are written (empty sections are left out).
    sections: Vec<(String, String)>,
    schemes: Vec<(String, String)>,
    operations: Vec<(String, String)>,
    types: Vec<(String, String)>,
}

impl Anchors {
    fn new(api: &Api) -> Self {
        let mut slugger = Slugger::default();
        // The headings the template writes, in its order; skipping one would shift
        // the `-1` suffixes GitHub gives to repeated names.
        slugger.slug(&api.title);
        slugger.slug("Contents");
        let mut sections = Vec::new();
        let mut named = |section: &str, names: Vec<&str>| {
            if names.is_empty() {
                return Vec::new();
            }
            sections.push((section.to_string(), slugger.slug(section)));
            names
                .into_iter()
                .map(|n| (n.to_string(), slugger.slug(n)))
                .collect()
        };
        let schemes = named(
            "Authentication",
            api.security_schemes
                .iter()
                .map(|s| s.name.as_str())
                .collect(),
        );
        let operations = named(
            "Endpoints",
            api.operations.iter().map(|o| o.id.as_str()).collect(),
        );
        let types = named("Types", api.types.iter().map(|t| t.name.as_str()).collect());
        Anchors {
            sections,
            schemes,
            operations,
            types,
        }
    }

    fn find(list: &[(String, String)], name: &str) -> Option<String> {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(n, anchor)| link(n, anchor))
    }

    /// A link to a named type's section, the name as code.
    fn type_link(&self, name: &str) -> String {
        match self.types.iter().find(|(n, _)| n == name) {
            Some((_, anchor)) => link(&code(name), anchor),
            None => code(name),
        }
    }

    fn scheme_link(&self, name: &str) -> String {
        Self::find(&self.schemes, name).unwrap_or_else(|| code(name))
    }

    fn operation_link(&self, id: &str) -> String {
        Self::find(&self.operations, id).unwrap_or_else(|| code(id))
    }
}

impl Reference {
    fn new(api: &Api, ctx: &Context) -> Self {
        let anchors = Anchors::new(api);
        let mut contents = Vec::new();
        let mut section = |title: &str, entries: Vec<String>| {
            if let Some(target) = Anchors::find(&anchors.sections, title) {
                contents.push(ContentsEntry {
                    link: target,
                    children: entries,
                });
            }
        };
        section(
            "Authentication",
            anchors.schemes.iter().map(|(n, a)| link(n, a)).collect(),
        );
        section(
            "Endpoints",
            api.operations
                .iter()
                .map(|op| {
                    let target = anchors.operation_link(&op.id);
                    format!(
                        "{target}: {}",
                        code(&format!("{} {}", op.method.as_str(), op.path))
                    )
                })
                .collect(),
        );
        section(
            "Types",
            anchors.types.iter().map(|(n, a)| link(n, a)).collect(),
        );

        Reference {
            header: ctx.header(),
            title: api.title.clone(),
            version: code(&api.version),
            description: text(&api.description),
            contents,
            security_schemes: api
                .security_schemes
                .iter()
                .map(|scheme| SchemeView {
                    name: scheme.name.clone(),
                    usage: match &scheme.kind {
                        SecuritySchemeKind::Bearer {
                            bearer_format,
                            issuer,
                        } => {
                            let what = match issuer {
                                TokenIssuer::Unspecified => "HTTP bearer token",
                                TokenIssuer::OAuth2 { .. } => "OAuth 2.0 access token",
                                TokenIssuer::OpenIdConnect { .. } => "OpenID Connect access token",
                            };
                            let format = bearer_format
                                .as_deref()
                                .map(|f| format!(" The token is a {f}."))
                                .unwrap_or_default();
                            format!(
                                "{what}: send {}.{format}",
                                code("Authorization: Bearer <token>")
                            )
                        }
                        SecuritySchemeKind::ApiKey { location, name } => {
                            format!(
                                "API key: send it in the {} {}.",
                                location_name(*location),
                                code(name)
                            )
                        }
                    },
                    issuer: issuer_items(&scheme.kind),
                    description: text(&scheme.description),
                    used_by: api
                        .operations
                        .iter()
                        .filter(|op| {
                            op.security
                                .iter()
                                .any(|req| req.schemes.iter().any(|s| s.scheme == scheme.name))
                        })
                        .map(|op| anchors.operation_link(&op.id))
                        .collect(),
                })
                .collect(),
            operations: api
                .operations
                .iter()
                .map(|op| operation_view(op, api, &anchors))
                .collect(),
            types: api
                .types
                .iter()
                .map(|t| type_view(t, api, &anchors))
                .collect(),
        }
    }
}

/// A description as Markdown: trimmed, `None` when empty.
fn text(description: &Option<String>) -> Option<String> {
    description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
}

/// Text on one line, for a list item.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn location_name(location: ParameterLocation) -> &'static str {
    match location {
        ParameterLocation::Path => "path",
        ParameterLocation::Query => "query",
        ParameterLocation::Header => "header",
        ParameterLocation::Cookie => "cookie",
    }
}

/// How an array parameter's items travel, with an example: `; comma-separated:
/// `ids=a,b``. Empty for a scalar, whose text is the same in every style.
fn serialization_text(p: &Parameter) -> String {
    if !matches!(p.ty.kind, TyKind::Array(_)) {
        return String::new();
    }
    let n = &p.name;
    let query = matches!(
        p.location,
        ParameterLocation::Query | ParameterLocation::Cookie
    );
    let (how, example) = match p.style {
        ParameterStyle::FormExploded => ("the key repeated per item", format!("{n}=a&{n}=b")),
        ParameterStyle::Form | ParameterStyle::Simple if query => {
            ("comma-separated", format!("{n}=a,b"))
        }
        ParameterStyle::Form | ParameterStyle::Simple => ("comma-separated", "a,b".to_owned()),
        ParameterStyle::SpaceDelimited => ("space-separated", format!("{n}=a%20b")),
        ParameterStyle::PipeDelimited => ("pipe-separated", format!("{n}=a|b")),
    };
    format!("; {how}: {}", code(&example))
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

fn operation_view(op: &Operation, api: &Api, anchors: &Anchors) -> OperationView {
    let mut parameters = Table::new(&[
        "Name",
        "In",
        "Type",
        "Required",
        "Constraints",
        "Description",
    ]);
    for p in &op.parameters {
        parameters.push(vec![
            cell(&code(&p.name)),
            location_name(p.location).to_string(),
            cell(&format!(
                "{}{}",
                ty_text(&p.ty, anchors),
                serialization_text(p)
            )),
            yes_no(p.required),
            cell(&constraints_text(&p.ty)),
            cell(&literal_backticks(p.description.as_deref().unwrap_or(""))),
        ]);
    }

    let request_body = op.request_body.as_ref().map(|body| {
        let presence = if body.required {
            "required"
        } else {
            "optional"
        };
        let mut sentence = format!(
            "**Request body** ({presence}): {}{}{}.",
            body_text(body.encoding, &body.ty, anchors),
            media_type_note(&body.content_type),
            fields_note(api, body.encoding, &body.ty)
        );
        let constraints = constraints_text(&body.ty);
        if !constraints.is_empty() {
            sentence.push_str(&format!(" Constraints: {constraints}."));
        }
        if let Some(d) = text(&body.description) {
            sentence.push(' ');
            sentence.push_str(&d);
        }
        sentence
    });

    let mut responses = Table::new(&["Status", "Description", "Body"]);
    let mut headers = Table::new(&["Status", "Header", "Type", "Required", "Description"]);
    let mut links = Vec::new();
    for response in &op.responses {
        let status = match response.status {
            StatusCode::Code(code) => code.to_string(),
            StatusCode::Default => "default".to_string(),
        };
        let body = response
            .body
            .as_ref()
            .map(|b| {
                format!(
                    "{}{}",
                    body_text(b.encoding, &b.ty, anchors),
                    media_type_note(&b.content_type)
                )
            })
            .unwrap_or_default();
        responses.push(vec![
            status.clone(),
            cell(&literal_backticks(&response.description)),
            cell(&body),
        ]);
        for h in &response.headers {
            let mut description = literal_backticks(h.description.as_deref().unwrap_or(""));
            let constraints = constraints_text(&h.ty);
            if !constraints.is_empty() {
                description = format!("{} ({constraints})", description.trim())
                    .trim()
                    .to_string();
            }
            headers.push(vec![
                status.clone(),
                cell(&code(&h.name)),
                cell(&ty_text(&h.ty, anchors)),
                yes_no(h.required),
                cell(&description),
            ]);
        }
        for link in &response.links {
            let target = if link.known_operation {
                anchors.operation_link(&link.operation)
            } else {
                code(&link.operation)
            };
            let mut item = format!("{status}, {}: {target}", code(&link.name));
            if !link.parameters.is_empty() {
                let given: Vec<String> = link
                    .parameters
                    .iter()
                    .map(|(name, value)| format!("{} = {}", code(name), code(value)))
                    .collect();
                item.push_str(&format!(" with {}", given.join(", ")));
            }
            if let Some(d) = text(&link.description) {
                item.push_str(&format!(": {}", one_line(&d)));
            }
            links.push(item);
        }
    }
    let callbacks = op
        .callbacks
        .iter()
        .flat_map(|callback| {
            callback.requests.iter().map(|request| {
                let mut item = format!(
                    "{}: {}",
                    code(&callback.name),
                    code(&format!(
                        "{} {}",
                        request.method.as_str(),
                        request.expression
                    ))
                );
                if let Some(summary) = text(&request.summary) {
                    item.push_str(&format!(": {}", one_line(&summary)));
                }
                item
            })
        })
        .collect();

    OperationView {
        id: op.id.clone(),
        method: op.method.as_str(),
        path: op.path.clone(),
        deprecated: op.deprecated,
        summary: text(&op.summary),
        description: text(&op.description),
        authentication: authentication_text(&op.security, anchors),
        parameters: (!parameters.is_empty()).then_some(parameters),
        request_body,
        responses,
        response_headers: (!headers.is_empty()).then_some(headers),
        links,
        callbacks,
    }
}

/// A body's type in words: raw bytes say so, text is UTF-8.
fn body_text(encoding: BodyEncoding, ty: &Ty, anchors: &Anchors) -> String {
    match encoding {
        BodyEncoding::Binary => "raw bytes".to_string(),
        BodyEncoding::Text => format!("{} (UTF-8 text)", ty_text(ty, anchors)),
        _ => ty_text(ty, anchors),
    }
}

/// For a form or multipart body: its fields, and how arrays and files travel.
fn fields_note(api: &Api, encoding: BodyEncoding, ty: &Ty) -> String {
    let (noun, multipart) = match encoding {
        BodyEncoding::Form => ("fields", false),
        BodyEncoding::Multipart => ("parts", true),
        _ => return String::new(),
    };
    let TyKind::Named(name) = &ty.kind else {
        return String::new();
    };
    let Some(TypeDefKind::Struct(st)) = api.type_def(name).map(|t| &t.kind) else {
        return String::new();
    };
    let fields: Vec<String> = st
        .fields
        .iter()
        .map(|f| {
            let array_items = match &f.ty.kind {
                TyKind::Array(item) => Some(item.as_ref()),
                TyKind::Named(alias) => match api.type_def(alias).map(|t| &t.kind) {
                    Some(TypeDefKind::Alias(Ty {
                        kind: TyKind::Array(item),
                        ..
                    })) => Some(item.as_ref()),
                    _ => None,
                },
                _ => None,
            };
            let note = match array_items {
                Some(item) if multipart && api.is_binary(item) => " (files, a part each)",
                Some(_) => " (repeated, once per item)",
                None if multipart && api.is_binary(&f.ty) => " (a file)",
                None => "",
            };
            format!("{}{note}", code(&f.name))
        })
        .collect();
    let list = match fields.split_last() {
        None => return String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    };
    format!(", {noun} {list}")
}

/// Bodies are JSON unless noted, so only other media types are named.
fn media_type_note(content_type: &str) -> String {
    if content_type == "application/json" {
        String::new()
    } else {
        format!(" as {}", code(content_type))
    }
}

/// The list under a bearer scheme saying where its tokens come from.
fn issuer_items(kind: &SecuritySchemeKind) -> Vec<String> {
    let SecuritySchemeKind::Bearer { issuer, .. } = kind else {
        return Vec::new();
    };
    match issuer {
        TokenIssuer::Unspecified => Vec::new(),
        TokenIssuer::OpenIdConnect { url } => vec![format!("Discovery document: {}", code(url))],
        TokenIssuer::OAuth2 { flows } => flows
            .iter()
            .map(|flow| {
                let urls = [
                    ("authorization URL", &flow.authorization_url),
                    ("token URL", &flow.token_url),
                    ("refresh URL", &flow.refresh_url),
                ]
                .into_iter()
                .filter_map(|(what, url)| url.as_ref().map(|u| format!("{what} {}", code(u))))
                .collect::<Vec<_>>();
                let scopes = if flow.scopes.is_empty() {
                    "no scopes".to_owned()
                } else {
                    let listed: Vec<String> = flow
                        .scopes
                        .iter()
                        .map(|(name, about)| {
                            if about.is_empty() {
                                code(name)
                            } else {
                                format!("{} ({})", code(name), one_line(about))
                            }
                        })
                        .collect();
                    format!("scopes {}", listed.join(", "))
                };
                let mut parts = urls;
                parts.push(scopes);
                format!("Flow {}: {}", code(&flow.kind), parts.join("; "))
            })
            .collect(),
    }
}

fn authentication_text(security: &[SecurityRequirement], anchors: &Anchors) -> String {
    let alternatives: Vec<String> = security
        .iter()
        .map(|requirement| {
            let schemes: Vec<String> = requirement
                .schemes
                .iter()
                .map(|u| {
                    let name = anchors.scheme_link(&u.scheme);
                    if u.scopes.is_empty() {
                        name
                    } else {
                        let scopes: Vec<String> = u.scopes.iter().map(|s| code(s)).collect();
                        format!("{name} (scopes: {})", scopes.join(", "))
                    }
                })
                .collect();
            if schemes.is_empty() {
                "no credentials".to_string()
            } else {
                schemes.join(" and ")
            }
        })
        .collect();
    match alternatives.as_slice() {
        [] => "**Authentication**: none.".to_string(),
        [only] => format!("**Authentication**: {only}."),
        many => format!("**Authentication**: any one of: {}.", many.join("; ")),
    }
}

fn type_view(def: &TypeDef, api: &Api, anchors: &Anchors) -> TypeView {
    let mut view = TypeView {
        name: def.name.clone(),
        description: text(&def.description),
        variant_of: None,
        fields: None,
        other_properties: None,
        enum_intro: String::new(),
        enum_values: Vec::new(),
        union_intro: None,
        variants: None,
        alias: None,
    };
    match &def.kind {
        TypeDefKind::Struct(s) => {
            let mut fields = Table::new(&[
                "Field",
                "Type",
                "Required",
                "Nullable",
                "Constraints",
                "Description",
            ]);
            if let Some(tag) = &s.tag {
                let unions: Vec<String> = api
                    .types
                    .iter()
                    .filter(|t| match &t.kind {
                        TypeDefKind::Union(u) => u.variants.iter().any(|v| v.type_name == def.name),
                        _ => false,
                    })
                    .map(|t| anchors.type_link(&t.name))
                    .collect();
                let selector = code(&format!("\"{}\": \"{}\"", tag.property, tag.value));
                view.variant_of = Some(if unions.is_empty() {
                    format!("Selected by {selector}.")
                } else {
                    format!("Variant of {}, selected by {selector}.", unions.join(", "))
                });
                fields.push(vec![
                    cell(&code(&tag.property)),
                    "string".to_string(),
                    yes_no(true),
                    yes_no(false),
                    cell(&format!("always {}", code(&tag.value))),
                    "The discriminator.".to_string(),
                ]);
            }
            for field in &s.fields {
                // One space between the parts that are there.
                let mut parts = Vec::new();
                if field.deprecated {
                    parts.push("**Deprecated.**".to_string());
                }
                parts.push(literal_backticks(
                    field.description.as_deref().unwrap_or("").trim(),
                ));
                if let Some(default) = &field.default {
                    parts.push(format!("Default: {}.", code(&default.to_string())));
                }
                if let Some(example) = &field.example {
                    parts.push(format!("Example: {}.", code(&example.to_string())));
                }
                parts.retain(|part| !part.is_empty());
                let description = parts.join(" ");
                fields.push(vec![
                    cell(&code(&field.name)),
                    cell(&ty_text(
                        &Ty {
                            nullable: false,
                            ..field.ty.clone()
                        },
                        anchors,
                    )),
                    yes_no(field.required),
                    yes_no(field.ty.nullable),
                    cell(&constraints_text(&field.ty)),
                    cell(description.trim()),
                ]);
            }
            view.fields = (!fields.is_empty()).then_some(fields);
            view.other_properties = s.additional_properties.as_ref().map(|ty| {
                let constraints = constraints_text(ty);
                let constraints = if constraints.is_empty() {
                    String::new()
                } else {
                    format!(" ({constraints})")
                };
                format!(
                    "Properties not listed above are allowed; their values are {}{constraints}.",
                    ty_text(ty, anchors)
                )
            });
        }
        TypeDefKind::Enum(e) => {
            view.enum_intro = match &e.values {
                EnumValues::String(_) => "A string".to_string(),
                EnumValues::Integer { format, .. } => {
                    format!(
                        "An {}",
                        ty_text(&Ty::new(TyKind::Integer(*format)), anchors)
                    )
                }
                EnumValues::Number { format, .. } => {
                    format!("A {}", ty_text(&Ty::new(TyKind::Number(*format)), anchors))
                }
            };
            view.enum_values = e
                .values
                .json()
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => code(s),
                    other => code(&other.to_string()),
                })
                .collect();
        }
        TypeDefKind::Union(u) => {
            view.union_intro = Some(format!(
                "One of the following objects, told apart by their {} property:",
                code(&u.discriminator)
            ));
            let mut variants = Table::new(&[&code(&u.discriminator), "Variant", "Description"]);
            for variant in &u.variants {
                let description = api
                    .type_def(&variant.type_name)
                    .and_then(|t| t.description.as_deref())
                    .unwrap_or("");
                variants.push(vec![
                    cell(&code(&variant.tag)),
                    cell(&anchors.type_link(&variant.type_name)),
                    cell(&literal_backticks(description)),
                ]);
            }
            view.variants = Some(variants);
        }
        TypeDefKind::Alias(ty) => {
            let constraints = constraints_text(ty);
            let constraints = if constraints.is_empty() {
                String::new()
            } else {
                format!(", {constraints}")
            };
            view.alias = Some(format!("Type: {}{constraints}.", ty_text(ty, anchors)));
        }
    }
    view
}

/// A type in words, named types linked: `array of [`CrudEntry`](#crudentry)`.
fn ty_text(ty: &Ty, anchors: &Anchors) -> String {
    let base = match &ty.kind {
        TyKind::Boolean => "boolean".to_string(),
        TyKind::Integer(IntFormat::Int32) => "integer (int32)".to_string(),
        TyKind::Integer(IntFormat::Int64) => "integer (int64)".to_string(),
        TyKind::Number(NumberFormat::Float) => "number (float)".to_string(),
        TyKind::Number(NumberFormat::Double) => "number (double)".to_string(),
        TyKind::String(format) => match format {
            StringFormat::Plain => "string".to_string(),
            StringFormat::DateTime => "string (date-time)".to_string(),
            StringFormat::Date => "string (date)".to_string(),
            StringFormat::Uuid => "string (uuid)".to_string(),
            StringFormat::Byte => "string (base64)".to_string(),
            StringFormat::Binary => "string (binary)".to_string(),
            StringFormat::Other(other) => format!("string ({other})"),
        },
        TyKind::Array(item) => format!("array of {}", nested_ty_text(item, anchors)),
        TyKind::Map(value) if value.kind == TyKind::Any && !value.nullable => {
            "object (any properties)".to_string()
        }
        TyKind::Map(value) => format!("object of {}", nested_ty_text(value, anchors)),
        TyKind::Any => "any JSON value".to_string(),
        TyKind::Named(name) => anchors.type_link(name),
    };
    if ty.nullable {
        format!("{base} or null")
    } else {
        base
    }
}

/// An item or value type inside another: parenthesized when it reads as two words.
fn nested_ty_text(ty: &Ty, anchors: &Anchors) -> String {
    let text = ty_text(ty, anchors);
    if ty.nullable {
        format!("({text})")
    } else {
        text
    }
}

/// Constraints in words (`1..=50 items`, `≥ 0`, `pattern `^a+$``), the item's
/// and value's constraints included; empty when there are none.
fn constraints_text(ty: &Ty) -> String {
    let mut parts = own_constraints(&ty.constraints);
    match &ty.kind {
        TyKind::Array(item) => {
            let inner = constraints_text(item);
            if !inner.is_empty() {
                parts.push(format!("each item {inner}"));
            }
        }
        TyKind::Map(value) => {
            let inner = constraints_text(value);
            if !inner.is_empty() {
                parts.push(format!("each value {inner}"));
            }
        }
        _ => {}
    }
    parts.join(", ")
}

fn own_constraints(c: &Constraints) -> Vec<String> {
    let mut parts = Vec::new();
    match (&c.minimum, &c.maximum) {
        (
            Some(Bound {
                value: min,
                exclusive: false,
            }),
            Some(Bound {
                value: max,
                exclusive: false,
            }),
        ) => parts.push(format!("{min}..={max}")),
        (min, max) => {
            if let Some(b) = min {
                parts.push(format!(
                    "{} {}",
                    if b.exclusive { ">" } else { "≥" },
                    b.value
                ));
            }
            if let Some(b) = max {
                parts.push(format!(
                    "{} {}",
                    if b.exclusive { "<" } else { "≤" },
                    b.value
                ));
            }
        }
    }
    if let Some(range) = count_range(c.min_length, c.max_length, "character", "characters") {
        parts.push(range);
    }
    if let Some(pattern) = &c.pattern {
        parts.push(format!("pattern {}", code(pattern)));
    }
    if let Some(range) = count_range(c.min_items, c.max_items, "item", "items") {
        parts.push(range);
    }
    if c.unique_items {
        parts.push("unique items".to_string());
    }
    parts
}

fn count_range(min: Option<u64>, max: Option<u64>, one: &str, many: &str) -> Option<String> {
    let noun = |n: u64| if n == 1 { one } else { many };
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(format!("exactly {a} {}", noun(a))),
        (Some(a), Some(b)) => Some(format!("{a}..={b} {many}")),
        (Some(a), None) => Some(format!("at least {a} {}", noun(a))),
        (None, Some(b)) => Some(format!("at most {b} {}", noun(b))),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests;
