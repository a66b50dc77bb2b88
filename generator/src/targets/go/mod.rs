//! The Go target: one Go module, one package, standard library only. Models
//! (optional properties as pointers, `Optional` for a property that may be left
//! out and may be null, unions as a struct holding one variant, discriminated on
//! their tag), a validator interpreter walking the shared schema table
//! (`schemas.json`, embedded), a strict-server interface (one method per
//! operation, a typed request in, one typed response per status out) served by
//! `Handler` on `net/http`'s route patterns, and a typed client taking a
//! `context.Context`. Bodies are JSON, a form, multipart (a file property is a
//! `File`, left out of the JSON encoding and moved by generated methods), text
//! or raw bytes (a `File`); the support code reads form and multipart fields as
//! the JSON value they stand for, so one validator checks every encoding.
//!
//! The lowering here turns the IR into view structs (names from `names`); the
//! askama templates in `templates/go/src/` hold the spec-dependent files. What is
//! the same for every spec is ordinary Go in `templates/go/support/`, copied
//! after the header with the package clause renamed; its `_test.go` files are
//! copied too, so every generated package tests its own support code. The last
//! step runs `gofmt` over the Go files (`gofmt`).

pub mod gofmt;
mod names;

use std::collections::BTreeMap;

use askama::Template;

use self::names::Names;
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::{
    Api, BodyEncoding, EnumValues, Field, IntFormat, NumberFormat, Operation, ParameterLocation,
    SecuritySchemeKind, StatusCode, StructDef, Ty, TyKind, TypeDefKind,
};

pub struct GoTarget;

const NAME: &str = "go";

/// The Go release the generated `go.mod` names: `omitzero` needs 1.24.
pub const GO_VERSION: &str = "1.24";

fn error(message: String) -> TargetError {
    TargetError {
        target: NAME,
        message,
    }
}

impl Target for GoTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Go module (standard library only): models, validation, a strict-server net/http handler, a typed client"
    }

    fn check_package_name(&self, name: &str) -> Result<(), String> {
        if name.is_empty() {
            return Err("a Go module path cannot be empty".into());
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
        {
            return Err("a Go module path may hold only ASCII letters, digits and `-._~/`".into());
        }
        if !package_identifier(name).starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err("a Go module path's last element must contain a letter".into());
        }
        Ok(())
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        check(api)?;
        let names = Names::new(api)?;
        let header = ctx.header();
        let package = package_identifier(&ctx.package_name);
        let mut files = Vec::new();
        let mut add = |path: &str, contents: Result<String, askama::Error>| {
            let mut contents =
                contents.map_err(|e| error(format!("rendering go/{path} failed: {e}")))?;
            if !contents.ends_with('\n') {
                contents.push('\n');
            }
            files.push(GeneratedFile {
                path: format!("{NAME}/{path}").into(),
                contents,
            });
            Ok::<(), TargetError>(())
        };
        add(
            "go.mod",
            GoMod {
                header: header.clone(),
                module: ctx.package_name.clone(),
                go_version: GO_VERSION,
            }
            .render(),
        )?;
        let write_path = crate::profile::write_path(api);
        let examples = has_examples(api, &ctx.package_name);
        add(
            "README.md",
            Readme {
                example_backend: examples.then_some(EXAMPLE_MAIN),
                header: header.clone(),
                title: api.title.clone(),
                module: ctx.package_name.clone(),
                package: package.clone(),
                write_path: write_path.is_some(),
                non_json: api.operations.iter().any(|op| {
                    op.request_body
                        .iter()
                        .map(|b| b.encoding)
                        .chain(
                            op.responses
                                .iter()
                                .filter_map(|r| Some(r.body.as_ref()?.encoding)),
                        )
                        .any(|e| e != BodyEncoding::Json)
                }),
                example: readme_example(api, &names),
            }
            .render(),
        )?;
        add("schemas.json", Ok(crate::schema_table::json_file(api)))?;
        let models = models(api, &names)?;
        add(
            "models.go",
            Models {
                header: header.clone(),
                package: package.clone(),
                doc: names::doc_lines(&format!(
                    "Package {package} is the server stub, client and models of {}, generated from its OpenAPI spec.",
                    api.title
                )),
                json: models.iter().any(ModelView::uses_json),
                fmt: models.iter().any(|m| matches!(m, ModelView::Union { .. })),
                models,
            }
            .render(),
        )?;
        let operations: Vec<OperationView> = api
            .operations
            .iter()
            .map(|op| operation(api, &names, op))
            .collect::<Result<_, _>>()?;
        add(
            "operations.go",
            Operations {
                header: header.clone(),
                package: package.clone(),
                json: operations.iter().any(|o| {
                    o.request_fields
                        .iter()
                        .chain(&o.received_fields)
                        .any(|f| f.ty.contains("json."))
                }) || operations
                    .iter()
                    .flat_map(|o| &o.responses)
                    .any(|r| r.body.as_deref().is_some_and(|b| b.contains("json."))),
                schemes: security_schemes(api),
                operations: operations.clone(),
            }
            .render(),
        )?;
        add(
            "server.go",
            Server {
                header: header.clone(),
                package: package.clone(),
                title: api.title.clone(),
                secured: api.operations.iter().any(|op| !op.security.is_empty()),
                operations: operations.clone(),
            }
            .render(),
        )?;
        add(
            "client.go",
            Client {
                header: header.clone(),
                package: package.clone(),
                title: api.title.clone(),
                schemes: api
                    .security_schemes
                    .iter()
                    .zip(names::field_names(
                        api.security_schemes.iter().map(|s| s.name.as_str()),
                    ))
                    .map(|(s, field)| (field, names::string(&s.name)))
                    .collect(),
                operations,
            }
            .render(),
        )?;
        for (path, contents) in SUPPORT {
            let body = contents.replacen("package api\n", &format!("package {package}\n"), 1);
            add(path, Ok(format!("// {header}\n\n{body}")))?;
        }
        if examples {
            add(
                &format!("{EXAMPLE_DIR}/main.go"),
                Ok(format!("// {header}\n\n{EXAMPLE_MAIN}")),
            )?;
            add(&format!("{EXAMPLE_DIR}/go.mod"), example_go_mod(&header))?;
            add(
                &format!("{EXAMPLE_DIR}/go.sum"),
                Ok(EXAMPLE_GO_SUM.to_string()),
            )?;
        }
        // The last steps: gofmt lays out the Go files, prettier the README.
        gofmt::format(&mut files)?;
        let mut readme: Vec<GeneratedFile> = files
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "md"))
            .cloned()
            .collect();
        super::format::format(&mut readme, NAME)?;
        for formatted in readme {
            if let Some(f) = files.iter_mut().find(|f| f.path == formatted.path) {
                *f = formatted;
            }
        }
        Ok(files)
    }
}

/// The package clause's name for a module path: its last element's letters and
/// digits, in lower case (`powersync-write-api` -> `powersyncwriteapi`).
pub fn package_identifier(module: &str) -> String {
    let last = module.rsplit('/').next().unwrap_or(module);
    let name: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api{name}")
    } else {
        name
    }
}

/// What the Go target cannot carry, each refused with the reason.
fn check(api: &Api) -> Result<(), TargetError> {
    for op in &api.operations {
        let at = format!("{} `{}`", op.method.as_str(), op.path);
        for p in &op.parameters {
            if p.location == ParameterLocation::Cookie {
                return Err(error(format!(
                    "{at}: cookie parameter `{}` is not supported by the Go target; send it as a header or query parameter",
                    p.name
                )));
            }
        }
        for segment in op.path.split('/') {
            if segment.contains('{')
                && !(segment.starts_with('{')
                    && segment.ends_with('}')
                    && segment.matches('{').count() == 1)
            {
                return Err(error(format!(
                    "{at}: the segment `{segment}` mixes a parameter with other text; Go's route patterns need each parameter to be a whole path segment"
                )));
            }
        }
    }
    for s in &api.security_schemes {
        if let SecuritySchemeKind::ApiKey { location, .. } = &s.kind
            && !matches!(
                location,
                ParameterLocation::Header | ParameterLocation::Query
            )
        {
            return Err(error(format!(
                "security scheme `{}`: API keys in a cookie or path are not supported by the Go target",
                s.name
            )));
        }
    }
    for t in &api.types {
        if let TypeDefKind::Struct(s) = &t.kind {
            for f in &s.fields {
                if !names::is_tag_name(&f.name) {
                    return Err(error(format!(
                        "{}: the property name `{}` cannot be written in a Go struct tag (it holds a quote, backslash, comma or other character encoding/json refuses)",
                        t.pointer, f.name
                    )));
                }
            }
        }
    }
    let mut patterns = Vec::new();
    let table = serde_json::Value::Object(crate::schema_table::table(api));
    collect_patterns(&table, &mut patterns);
    for op in &api.operations {
        for p in &op.parameters {
            collect_patterns(&crate::schema_table::of_ty(&p.ty), &mut patterns);
        }
    }
    for pattern in patterns {
        for construct in ["(?=", "(?!", "(?<=", "(?<!", "\\1", "\\2", "\\k<"] {
            if pattern.contains(construct) {
                return Err(error(format!(
                    "the pattern `{pattern}` uses `{construct}`, which Go's regular expressions (RE2) do not support"
                )));
            }
        }
    }
    Ok(())
}

fn collect_patterns(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "pattern"
                    && let serde_json::Value::String(p) = v
                {
                    out.push(p.clone());
                } else {
                    collect_patterns(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

// ---- Types

/// The Go type of a type use, nullable items as pointers.
fn go_type(names: &Names, t: &Ty) -> String {
    match &t.kind {
        TyKind::Any => "json.RawMessage".into(),
        TyKind::Boolean => "bool".into(),
        TyKind::Integer(IntFormat::Int32) => "int32".into(),
        TyKind::Integer(IntFormat::Int64) => "int64".into(),
        TyKind::Number(NumberFormat::Float) => "float32".into(),
        TyKind::Number(NumberFormat::Double) => "float64".into(),
        TyKind::String(_) => "string".into(),
        TyKind::Array(item) => format!("[]{}", element(names, item)),
        TyKind::Map(value) => format!("map[string]{}", element(names, value)),
        TyKind::Named(name) => names.type_name(name).to_string(),
    }
}

/// A body's Go type: raw bytes are a `File` (bytes and media type), anything
/// else the type of its schema.
fn body_type(names: &Names, encoding: BodyEncoding, t: &Ty) -> String {
    if encoding == BodyEncoding::Binary {
        "File".into()
    } else {
        go_type(names, t)
    }
}

/// An array item's or map value's type: a pointer when it may be null.
fn element(names: &Names, t: &Ty) -> String {
    if t.nullable && !matches!(t.kind, TyKind::Any | TyKind::Array(_) | TyKind::Map(_)) {
        format!("*{}", go_type(names, t))
    } else {
        go_type(names, t)
    }
}

/// A property's Go type and its `json` tag options: required as it is (a
/// pointer when it may be null); optional as a pointer left out when nil, or
/// `Optional[*T]` when it may also be null (a slice or map is null when nil,
/// without a pointer). Any JSON value is a
/// `json.RawMessage`, whose JSON `null` is a value like the others.
fn property_type(names: &Names, t: &Ty, required: bool) -> (String, &'static str) {
    let base = go_type(names, t);
    if t.kind == TyKind::Any {
        return (base, if required { "" } else { ",omitempty" });
    }
    // A slice or map is null when nil: it needs no pointer to be nullable.
    let nullable = if matches!(t.kind, TyKind::Array(_) | TyKind::Map(_)) {
        base.clone()
    } else {
        format!("*{base}")
    };
    match (required, t.nullable) {
        (true, false) => (base, ""),
        (true, true) => (nullable, ""),
        (false, false) => (format!("*{base}"), ",omitempty"),
        (false, true) => (format!("Optional[{nullable}]"), ",omitzero"),
    }
}

#[derive(Clone)]
struct FieldView {
    name: String,
    ty: String,
    /// The whole tag, backquotes included.
    tag: String,
    doc: Vec<String>,
}

fn tag(wire: &str, options: &str) -> String {
    format!("`json:\"{wire}{options}\"`")
}

fn struct_fields(names: &Names, s: &StructDef) -> Vec<FieldView> {
    let field_names = names::field_names(s.fields.iter().map(|f| f.name.as_str()));
    s.fields
        .iter()
        .zip(field_names)
        .map(|(f, name)| {
            let (ty, options) = property_type(names, &f.ty, f.required);
            FieldView {
                name,
                ty,
                tag: tag(&f.name, options),
                doc: field_doc(f),
            }
        })
        .collect()
}

/// A multipart body's file property: one `File`, or several of one name.
enum FileField {
    One { required: bool },
    Many,
}

/// The file properties of a struct that is a multipart body (`format: binary`
/// strings and arrays of them), by index; empty for any other struct, whose
/// binary strings are strings as JSON has them.
fn file_fields(api: &Api, name: &str, s: &StructDef) -> Vec<(usize, FileField)> {
    if !api.is_multipart_body(name) {
        return Vec::new();
    }
    s.fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.ty.kind {
            TyKind::Array(item) if api.is_binary(item) => Some((i, FileField::Many)),
            _ if api.is_binary(&f.ty) => Some((
                i,
                FileField::One {
                    required: f.required,
                },
            )),
            _ => None,
        })
        .collect()
}

/// A multipart body's file property as the models template writes it.
struct FileView {
    /// The Go field.
    field: String,
    /// The property name, as a Go literal.
    wire: String,
    /// `one` (`File`), `optional` (`*File`) or `many` (`[]File`).
    kind: &'static str,
}

/// Makes a multipart body's file properties `File`, `*File` (optional) or
/// `[]File`, left out of the JSON encoding: the models template writes the
/// methods moving them between the fields and the parts.
fn file_views(
    s: &StructDef,
    fields: &mut [FieldView],
    files: &[(usize, FileField)],
) -> Vec<FileView> {
    let mut out = Vec::new();
    for (i, kind) in files {
        let field = &mut fields[*i];
        field.tag = "`json:\"-\"`".into();
        if !field.doc.is_empty() {
            field.doc.push(String::new());
        }
        let (ty, kind, doc) = match kind {
            FileField::One { required: true } => (
                "File",
                "one",
                "A file: the part's bytes, file name and media type.",
            ),
            FileField::One { required: false } => (
                "*File",
                "optional",
                "A file: the part's bytes, file name and media type; nil when absent.",
            ),
            FileField::Many => (
                "[]File",
                "many",
                "Files, one part each: their bytes, file names and media types; nil when there are none.",
            ),
        };
        field.ty = ty.into();
        field.doc.push(doc.into());
        out.push(FileView {
            field: field.name.clone(),
            wire: names::string(&s.fields[*i].name),
            kind,
        });
    }
    out
}

fn field_doc(f: &Field) -> Vec<String> {
    let mut doc = names::doc_lines(f.description.as_deref().unwrap_or(""));
    if f.deprecated {
        if !doc.is_empty() {
            doc.push(String::new());
        }
        doc.push("Deprecated: the spec marks this property deprecated.".into());
    }
    doc
}

enum ModelView {
    Struct {
        name: String,
        doc: Vec<String>,
        fields: Vec<FieldView>,
        /// A union variant's discriminator: property and value, as Go literals.
        tag: Option<(String, String)>,
        /// The type of the properties the schema does not name, and the names
        /// it does (as Go literals).
        extra: Option<(String, Vec<String>)>,
        /// The marker methods of the unions this struct is a variant of.
        markers: Vec<String>,
        /// A multipart body's file properties.
        files: Vec<FileView>,
    },
    Enum {
        name: String,
        doc: Vec<String>,
        base: String,
        constants: Vec<(String, String)>,
    },
    Union {
        name: String,
        doc: Vec<String>,
        value: String,
        marker: String,
        discriminator: String,
        variants: Vec<(String, String)>,
    },
    Alias {
        name: String,
        doc: Vec<String>,
        target: String,
    },
}

impl ModelView {
    fn uses_json(&self) -> bool {
        match self {
            ModelView::Struct {
                fields, tag, extra, ..
            } => tag.is_some() || extra.is_some() || fields.iter().any(|f| f.ty.contains("json.")),
            ModelView::Union { .. } => true,
            ModelView::Alias { target, .. } => target.contains("json."),
            ModelView::Enum { .. } => false,
        }
    }
}

fn type_doc(name: &str, description: Option<&str>) -> Vec<String> {
    let mut doc = names::doc_lines(description.unwrap_or(""));
    if doc.is_empty() {
        doc.push(format!("{name} is a schema of the spec."));
    } else {
        doc[0] = format!("{name}: {}", doc[0]);
    }
    doc
}

fn models(api: &Api, names: &Names) -> Result<Vec<ModelView>, TargetError> {
    // Which unions each struct is a variant of.
    let mut markers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for t in &api.types {
        if let TypeDefKind::Union(u) = &t.kind {
            for v in &u.variants {
                markers
                    .entry(v.type_name.as_str())
                    .or_default()
                    .push(format!("is{}", names.type_name(&t.name)));
            }
        }
    }
    let mut out = Vec::new();
    for t in &api.types {
        let name = names.type_name(&t.name).to_string();
        let doc = type_doc(&name, t.description.as_deref());
        out.push(match &t.kind {
            TypeDefKind::Struct(s) => {
                let mut declared: Vec<String> =
                    s.fields.iter().map(|f| names::string(&f.name)).collect();
                if let Some(tag) = &s.tag {
                    declared.push(names::string(&tag.property));
                }
                let mut fields = struct_fields(names, s);
                let files = file_views(s, &mut fields, &file_fields(api, &t.name, s));
                ModelView::Struct {
                    fields,
                    files,
                    tag: s
                        .tag
                        .as_ref()
                        .map(|tag| (names::string(&tag.property), names::string(&tag.value))),
                    extra: s
                        .additional_properties
                        .as_ref()
                        .map(|extra| (element(names, extra), declared)),
                    markers: markers.get(t.name.as_str()).cloned().unwrap_or_default(),
                    name,
                    doc,
                }
            }
            TypeDefKind::Enum(e) => {
                let (base, literals): (&str, Vec<(String, String)>) = match &e.values {
                    EnumValues::String(values) => (
                        "string",
                        values
                            .iter()
                            .map(|v| {
                                (
                                    serde_json::Value::from(v.as_str()).to_string(),
                                    names::string(v),
                                )
                            })
                            .collect(),
                    ),
                    EnumValues::Integer { format, values } => (
                        if *format == IntFormat::Int32 {
                            "int32"
                        } else {
                            "int64"
                        },
                        values
                            .iter()
                            .map(|v| (v.to_string(), v.to_string()))
                            .collect(),
                    ),
                    EnumValues::Number { format, values } => (
                        if *format == NumberFormat::Float {
                            "float32"
                        } else {
                            "float64"
                        },
                        values
                            .iter()
                            .map(|v| (v.to_string(), v.to_string()))
                            .collect(),
                    ),
                };
                ModelView::Enum {
                    constants: literals
                        .into_iter()
                        .map(|(json, literal)| {
                            (names.constant(&t.name, &json).to_string(), literal)
                        })
                        .collect(),
                    base: base.to_string(),
                    name,
                    doc,
                }
            }
            TypeDefKind::Union(u) => ModelView::Union {
                value: names.union_value(&t.name).to_string(),
                marker: format!("is{name}"),
                discriminator: names::string(&u.discriminator),
                variants: u
                    .variants
                    .iter()
                    .map(|v| {
                        (
                            names::string(&v.tag),
                            names.type_name(&v.type_name).to_string(),
                        )
                    })
                    .collect(),
                name,
                doc,
            },
            TypeDefKind::Alias(ty) => ModelView::Alias {
                target: if ty.nullable && ty.kind != TyKind::Any {
                    format!("*{}", go_type(names, ty))
                } else {
                    go_type(names, ty)
                },
                name,
                doc,
            },
        });
    }
    Ok(out)
}

// ---- Operations

#[derive(Clone)]
struct ResponseView {
    /// `UploadData200Response`.
    type_name: String,
    /// The status as Go code: `200`, or `r.StatusCode` for the default.
    status: String,
    /// The status in the client's switch: `case 200`, or `default`.
    case: String,
    is_default: bool,
    description: Vec<String>,
    body: Option<String>,
    /// The headers' struct name and fields.
    headers: Option<(String, Vec<FieldView>)>,
}

#[derive(Clone)]
struct OperationView {
    method: String,
    doc: Vec<String>,
    /// The unexported variable of its spec (`operationUploadData`).
    spec_var: String,
    spec: String,
    /// Whether the operation takes a request (parameters or a body).
    has_request: bool,
    request_fields: Vec<FieldView>,
    /// For each parameter, in order: its field in the request.
    param_fields: Vec<String>,
    /// The body's field (`Body`), if any.
    body_field: Option<String>,
    /// Whether the body has per-item arrays: the server's request is
    /// `<Method>ReceivedRequest`, its body `<Method>ReceivedBody`.
    received: bool,
    received_fields: Vec<FieldView>,
    responses: Vec<ResponseView>,
}

impl OperationView {
    /// The request type the server hands the implementation.
    fn server_request(&self) -> String {
        if self.received {
            format!("{}ReceivedRequest", self.method)
        } else {
            format!("{}Request", self.method)
        }
    }

    fn has_default(&self) -> bool {
        self.responses.iter().any(|r| r.is_default)
    }

    fn params_list(&self) -> String {
        self.param_fields
            .iter()
            .map(|f| format!("request.{f}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn schema_literal(t: &Ty) -> String {
    format!(
        "mustSchema({})",
        names::string(&crate::schema_table::of_ty(t).to_string())
    )
}

fn operation(api: &Api, names: &Names, op: &Operation) -> Result<OperationView, TargetError> {
    let method = names.method(&op.id).to_string();
    let mut doc = Vec::new();
    let mut text = String::new();
    if let Some(s) = &op.summary {
        text.push_str(s.trim());
    }
    if let Some(d) = &op.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(d.trim());
    }
    let lines = names::doc_lines(&text);
    if lines.is_empty() {
        doc.push(format!(
            "{method} is `{} {}` (`{}`).",
            op.method.as_str(),
            op.path,
            op.id
        ));
    } else {
        doc.push(format!("{method}: {}", lines[0]));
        doc.extend(lines[1..].iter().cloned());
        doc.push(String::new());
        doc.push(format!(
            "`{} {}` (`{}`).",
            op.method.as_str(),
            op.path,
            op.id
        ));
    }
    if op.deprecated {
        doc.push(String::new());
        doc.push("Deprecated: the spec marks this operation deprecated.".into());
    }
    // Request fields: parameters, then the body.
    let mut wire: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
    if op.request_body.is_some() {
        wire.push("body");
    }
    let field_names = names::field_names(wire.into_iter());
    let mut request_fields = Vec::new();
    let mut param_fields = Vec::new();
    for (p, field) in op.parameters.iter().zip(&field_names) {
        let base = go_type(names, &p.ty);
        let ty = if p.required && !p.ty.nullable {
            base
        } else {
            format!("*{base}")
        };
        let mut pdoc = names::doc_lines(p.description.as_deref().unwrap_or(""));
        let location = match p.location {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
            ParameterLocation::Cookie => "cookie",
        };
        let kind = if p.required { "required" } else { "optional" };
        pdoc.push(format!("The {kind} {location} parameter `{}`.", p.name));
        request_fields.push(FieldView {
            name: field.clone(),
            ty,
            tag: String::new(),
            doc: pdoc,
        });
        param_fields.push(field.clone());
    }
    let mut body_field = None;
    let mut received = false;
    let mut received_fields = Vec::new();
    if let Some(body) = &op.request_body {
        let field = field_names.last().cloned().unwrap_or_else(|| "Body".into());
        let base = body_type(names, body.encoding, &body.ty);
        let ty = if body.required && !body.ty.nullable {
            base
        } else {
            format!("*{base}")
        };
        let mut bdoc = names::doc_lines(body.description.as_deref().unwrap_or(""));
        bdoc.push(format!(
            "The {} body.",
            if body.required {
                "required"
            } else {
                "optional"
            }
        ));
        request_fields.push(FieldView {
            name: field.clone(),
            ty,
            tag: String::new(),
            doc: bdoc,
        });
        body_field = Some(field);
        // A per-item body: the named struct with per-item arrays of Checked.
        if let TyKind::Named(name) = &body.ty.kind
            && let Some(TypeDefKind::Struct(s)) = api.type_def(name).map(|t| &t.kind)
            && s.fields.iter().any(|f| f.per_item_validation)
        {
            received = true;
            let mut fields = struct_fields(names, s);
            for (f, view) in s.fields.iter().zip(fields.iter_mut()) {
                if f.per_item_validation
                    && let TyKind::Array(item) = &f.ty.kind
                {
                    view.ty = format!("[]Checked[{}]", element(names, item));
                    view.tag = tag(&f.name, if f.required { "" } else { ",omitempty" });
                    view.doc.push(String::new());
                    view.doc.push(
                        "Each item is checked on its own (`x-per-item-validation`): an invalid one arrives with its violations instead of refusing the request."
                            .into(),
                    );
                }
            }
            received_fields = fields;
        }
    }
    let mut responses = Vec::new();
    for r in &op.responses {
        let (type_name, status, case, is_default) = match r.status {
            StatusCode::Code(code) => (
                format!("{method}{code}Response"),
                code.to_string(),
                format!("case {code}"),
                false,
            ),
            StatusCode::Default => (
                format!("{method}DefaultResponse"),
                "r.StatusCode".to_string(),
                "default".to_string(),
                true,
            ),
        };
        let headers = if r.headers.is_empty() {
            None
        } else {
            let header_names = names::field_names(r.headers.iter().map(|h| h.name.as_str()));
            Some((
                format!("{type_name}Headers"),
                r.headers
                    .iter()
                    .zip(header_names)
                    .map(|(h, name)| {
                        let base = go_type(names, &h.ty);
                        let mut hdoc = names::doc_lines(h.description.as_deref().unwrap_or(""));
                        hdoc.push(format!("The header `{}`.", h.name));
                        FieldView {
                            name,
                            ty: if h.required { base } else { format!("*{base}") },
                            tag: String::new(),
                            doc: hdoc,
                        }
                    })
                    .collect(),
            ))
        };
        responses.push(ResponseView {
            type_name,
            status,
            case,
            is_default,
            description: names::doc_lines(&r.description),
            body: r.body.as_ref().map(|b| {
                if b.encoding == BodyEncoding::Binary {
                    "File".to_string()
                } else {
                    element(names, &b.ty)
                }
            }),
            headers,
        });
    }
    Ok(OperationView {
        spec_var: format!("operation{method}"),
        spec: operation_spec(api, op),
        has_request: !op.parameters.is_empty() || op.request_body.is_some(),
        request_fields,
        param_fields,
        body_field,
        received,
        received_fields,
        responses,
        method,
        doc,
    })
}

/// The Go literal of an operation's `operationSpec`.
fn operation_spec(api: &Api, op: &Operation) -> String {
    let s = names::string;
    let mut out = String::from("&operationSpec{\n");
    out.push_str(&format!("id: {},\n", s(&op.id)));
    out.push_str(&format!("method: {},\n", s(op.method.as_str())));
    out.push_str(&format!("path: {},\n", s(&op.path)));
    if !op.security.is_empty() {
        out.push_str("security: [][]securityUse{\n");
        for requirement in &op.security {
            out.push('{');
            for use_ in &requirement.schemes {
                let scopes: Vec<String> = use_.scopes.iter().map(|x| s(x)).collect();
                out.push_str(&format!(
                    "{{scheme: {}, scopes: []string{{{}}}}},",
                    s(&use_.scheme),
                    scopes.join(", ")
                ));
            }
            out.push_str("},\n");
        }
        out.push_str("},\n");
    }
    if !op.parameters.is_empty() {
        out.push_str("parameters: []parameterSpec{\n");
        for p in &op.parameters {
            let location = match p.location {
                ParameterLocation::Path => "path",
                ParameterLocation::Query => "query",
                ParameterLocation::Header | ParameterLocation::Cookie => "header",
            };
            let separator = match (&p.ty.kind, p.style.separator()) {
                (TyKind::Array(_), Some(c)) => c.to_string(),
                _ => String::new(),
            };
            out.push_str(&format!(
                "{{name: {}, location: {}, required: {}, schema: {}, separator: {}}},\n",
                s(&p.name),
                s(location),
                p.required,
                schema_literal(&p.ty),
                s(&separator)
            ));
        }
        out.push_str("},\n");
    }
    if let Some(body) = &op.request_body {
        let files = match &body.ty.kind {
            TyKind::Named(name) => match api.type_def(name).map(|t| &t.kind) {
                Some(TypeDefKind::Struct(st)) => file_fields(api, name, st)
                    .into_iter()
                    .map(|(i, _)| s(&st.fields[i].name))
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let files = if files.is_empty() {
            String::new()
        } else {
            format!(", files: []string{{{}}}", files.join(", "))
        };
        out.push_str(&format!(
            "body: &bodySpec{{schema: {}, required: {}, contentType: {}, encoding: {}{files}}},\n",
            schema_literal(&body.ty),
            body.required,
            s(&body.content_type),
            s(body.encoding.as_str()),
        ));
    }
    let response = |r: &crate::ir::Response| {
        let mut text = String::from("&responseSpec{");
        if let Some(b) = &r.body {
            text.push_str(&format!(
                "body: {}, contentType: {}, encoding: {}",
                schema_literal(&b.ty),
                s(&b.content_type),
                s(b.encoding.as_str())
            ));
        }
        if !r.headers.is_empty() {
            if r.body.is_some() {
                text.push_str(", ");
            }
            text.push_str("headers: []headerSpec{");
            for h in &r.headers {
                text.push_str(&format!(
                    "{{name: {}, schema: {}}},",
                    s(&h.name),
                    schema_literal(&h.ty)
                ));
            }
            text.push('}');
        }
        text.push('}');
        text
    };
    out.push_str("responses: map[int]*responseSpec{\n");
    for r in &op.responses {
        if let StatusCode::Code(code) = r.status {
            out.push_str(&format!("{code}: {},\n", response(r)));
        }
    }
    out.push_str("},\n");
    if let Some(r) = op
        .responses
        .iter()
        .find(|r| r.status == StatusCode::Default)
    {
        out.push_str(&format!("fallback: {},\n", response(r)));
    }
    out.push('}');
    out
}

/// The `securitySchemes` map entries: name literal -> spec literal.
fn security_schemes(api: &Api) -> Vec<(String, String)> {
    api.security_schemes
        .iter()
        .map(|scheme| {
            let spec = match &scheme.kind {
                SecuritySchemeKind::Bearer { .. } => "{kind: \"bearer\"}".to_string(),
                SecuritySchemeKind::ApiKey { location, name } => format!(
                    "{{kind: \"apiKey\", location: {}, name: {}}}",
                    names::string(match location {
                        ParameterLocation::Query => "query",
                        _ => "header",
                    }),
                    names::string(name)
                ),
            };
            (names::string(&scheme.name), spec)
        })
        .collect()
}

// ---- README

struct ReadmeExample {
    /// The first operation's method, with whether it takes a request.
    method: String,
    has_request: bool,
    /// The first operation's first listed status' response type.
    response: String,
    /// The client credential field, if the spec has a scheme.
    credential: Option<String>,
    secured: bool,
}

fn readme_example(api: &Api, names: &Names) -> Option<ReadmeExample> {
    let op = api.operations.first()?;
    let method = names.method(&op.id).to_string();
    let response = op.responses.first().map(|r| match r.status {
        StatusCode::Code(code) => format!("{method}{code}Response"),
        StatusCode::Default => format!("{method}DefaultResponse"),
    })?;
    Some(ReadmeExample {
        method,
        has_request: !op.parameters.is_empty() || op.request_body.is_some(),
        response,
        credential: names::field_names(api.security_schemes.iter().map(|s| s.name.as_str()))
            .into_iter()
            .next(),
        secured: api.operations.iter().any(|op| !op.security.is_empty()),
    })
}

// ---- Templates

#[derive(Template)]
#[template(path = "go/src/go.mod", escape = "none")]
struct GoMod {
    header: String,
    module: String,
    go_version: &'static str,
}

#[derive(Template)]
#[template(path = "go/src/README.md", escape = "none")]
struct Readme {
    header: String,
    /// The example backend's main.go, shown in full.
    example_backend: Option<&'static str>,
    title: String,
    module: String,
    package: String,
    write_path: bool,
    /// Whether an operation has a body that is not JSON.
    non_json: bool,
    example: Option<ReadmeExample>,
}

#[derive(Template)]
#[template(path = "go/src/models.go", escape = "none")]
struct Models {
    header: String,
    package: String,
    doc: Vec<String>,
    json: bool,
    fmt: bool,
    models: Vec<ModelView>,
}

#[derive(Template)]
#[template(path = "go/src/operations.go", escape = "none")]
struct Operations {
    header: String,
    package: String,
    json: bool,
    schemes: Vec<(String, String)>,
    operations: Vec<OperationView>,
}

#[derive(Template)]
#[template(path = "go/src/server.go", escape = "none")]
struct Server {
    header: String,
    package: String,
    title: String,
    secured: bool,
    operations: Vec<OperationView>,
}

#[derive(Template)]
#[template(path = "go/src/client.go", escape = "none")]
struct Client {
    header: String,
    package: String,
    title: String,
    /// Credential fields and their scheme names (Go literals).
    schemes: Vec<(String, String)>,
    operations: Vec<OperationView>,
}

/// The support files: Go that is the same for every spec, kept as ordinary
/// source in `templates/go/support/` (package `api`, renamed on copy), tests
/// included.
/// The example backend (net/http, pgx): a module of its own in
/// `templates/go/examples/pgx/`, built and linted there and as copied, copied verbatim
/// (main.go after the header) and shown in full in the README. Only for the modules
/// it compiles against: the write path of the main spec's names, under the module
/// path it imports.
const EXAMPLE_DIR: &str = "examples/pgx";
const EXAMPLE_MAIN: &str = include_str!("../../../../templates/go/examples/pgx/main.go");
const EXAMPLE_GO_MOD: &str = include_str!("../../../../templates/go/examples/pgx/go.mod");
const EXAMPLE_GO_SUM: &str = include_str!("../../../../templates/go/examples/pgx/go.sum");
/// The module path the example imports, and where its `go.mod` finds it: from the
/// template's folder, and from the copy's (`<module>/examples/pgx`).
const EXAMPLE_MODULE: &str = "powersync-write-api";
const EXAMPLE_REPLACE_IN_TEMPLATES: &str = "=> ../../../../generated/go";
const EXAMPLE_REPLACE_IN_PACKAGE: &str = "=> ../..";

/// Whether the module gets the example backend.
fn has_examples(api: &Api, module: &str) -> bool {
    module == EXAMPLE_MODULE && crate::profile::fits_the_examples(api)
}

/// The example's go.mod as copied: its `replace` points at this module's folder.
fn example_go_mod(header: &str) -> Result<String, askama::Error> {
    let replace = format!("replace {EXAMPLE_MODULE} {EXAMPLE_REPLACE_IN_TEMPLATES}\n");
    let [(start, _)] = EXAMPLE_GO_MOD.match_indices(&replace).collect::<Vec<_>>()[..] else {
        return Err(askama::Error::custom(format!(
            "templates/go/examples/pgx/go.mod must hold the line `{}` once",
            replace.trim_end()
        )));
    };
    let mut go_mod = format!("// {header}\n\n");
    go_mod.push_str(&EXAMPLE_GO_MOD[..start]);
    go_mod.push_str(&format!(
        "replace {EXAMPLE_MODULE} {EXAMPLE_REPLACE_IN_PACKAGE}\n"
    ));
    go_mod.push_str(&EXAMPLE_GO_MOD[start + replace.len()..]);
    Ok(go_mod)
}

const SUPPORT: &[(&str, &str)] = &[
    (
        "jsonvalue.go",
        include_str!("../../../../templates/go/support/jsonvalue.go"),
    ),
    (
        "validator.go",
        include_str!("../../../../templates/go/support/validator.go"),
    ),
    (
        "values.go",
        include_str!("../../../../templates/go/support/values.go"),
    ),
    (
        "spec.go",
        include_str!("../../../../templates/go/support/spec.go"),
    ),
    (
        "serve.go",
        include_str!("../../../../templates/go/support/serve.go"),
    ),
    (
        "bodies.go",
        include_str!("../../../../templates/go/support/bodies.go"),
    ),
    (
        "transport.go",
        include_str!("../../../../templates/go/support/transport.go"),
    ),
];

#[cfg(test)]
mod example_tests {
    use super::{EXAMPLE_DIR, EXAMPLE_MAIN, GoTarget};
    use crate::targets::{Context, GeneratedFile, Target};

    fn generate(spec: &str, package_name: &str) -> Vec<GeneratedFile> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let api = crate::load_and_lower(&root.join(spec)).expect("the spec lowers");
        let context = Context {
            spec_display_path: spec.into(),
            regenerate_command: "gen".into(),
            package_name: package_name.into(),
        };
        GoTarget
            .generate(&api, &context)
            .expect("the target generates")
    }

    fn file<'a>(files: &'a [GeneratedFile], path: &str) -> Option<&'a str> {
        files
            .iter()
            .find(|f| f.path == std::path::Path::new("go").join(path))
            .map(|f| f.contents.as_str())
    }

    #[test]
    fn the_readme_shows_the_example_backend_exactly_as_copied() {
        let files = generate("spec/powersync-write.yaml", "powersync-write-api");
        let main = file(&files, &format!("{EXAMPLE_DIR}/main.go")).expect("main.go is copied");
        let (header, body) = main.split_once("\n\n").expect("a header line");
        assert!(header.starts_with("// Generated from"), "{header}");
        assert_eq!(
            body, EXAMPLE_MAIN,
            "the copy is the template, unchanged by gofmt"
        );
        let readme = file(&files, "README.md").expect("a README");
        assert!(
            readme.contains(&format!("```go\n{body}```")),
            "the README shows the example in full"
        );
        let go_mod = file(&files, &format!("{EXAMPLE_DIR}/go.mod")).expect("go.mod is copied");
        assert!(
            go_mod.contains("\nreplace powersync-write-api => ../..\n"),
            "{go_mod}"
        );
        assert!(!go_mod.contains("generated/go"), "{go_mod}");
        assert!(file(&files, &format!("{EXAMPLE_DIR}/go.sum")).is_some());
    }

    #[test]
    fn no_example_where_it_would_not_compile() {
        let renamed = generate(
            "generator/tests/fixtures/features/renamed_write_path.yaml",
            "powersync-write-api",
        );
        assert!(file(&renamed, &format!("{EXAMPLE_DIR}/main.go")).is_none());
        let other_name = generate("spec/powersync-write.yaml", "example.com/other");
        assert!(file(&other_name, &format!("{EXAMPLE_DIR}/main.go")).is_none());
        assert!(
            !file(&other_name, "README.md")
                .unwrap()
                .contains("examples/pgx")
        );
    }
}
