//! The Kotlin target: one Maven project, Kotlin on the JVM, written in what
//! Kotlin Multiplatform's common source set allows where that costs nothing
//! (kotlinx.serialization, a ktor client). Models are `@Serializable` data
//! classes (an optional property is `null` by default and left out; one that may
//! also be `null` is an `Optional`), string enums are enum classes, number enums
//! enum classes written as numbers, unions sealed interfaces discriminated on
//! their tag. The client has one suspending method per operation, a typed request
//! in and one typed response class per status out; every request and reply is
//! checked by the validator interpreter against the shared schema table.
//!
//! Two resources describe the spec as data: `schemas.json` (the shared schema
//! table) and `operations.json` (each operation's method, path, security,
//! parameters, body and responses, as the support transport reads them), so the
//! Kotlin files hold no long literals. For the PowerSync write path the package
//! also gets the upload connector for the PowerSync Kotlin SDK and `Spec.kt`,
//! through which the connector reaches this spec's names.
//!
//! The lowering here turns the IR into view structs (names from `names`); the
//! askama templates in `templates/kotlin/src/` hold the spec-dependent files and
//! are laid out as ktlint (`ktlint_official`) requires. What is the same for every
//! spec is ordinary Kotlin in `templates/kotlin/support/`, copied after the header
//! with the package line renamed.

mod names;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use serde_json::{Map, Value, json};

use self::names::Names;
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::{
    Api, BodyEncoding, EnumValues, Field, IntFormat, NumberFormat, Operation, ParameterLocation,
    SecuritySchemeKind, StatusCode, Ty, TyKind, TypeDefKind,
};

pub struct KotlinTarget;

const NAME: &str = "kotlin";

/// The versions the generated `pom.xml` pins.
const KOTLIN_VERSION: &str = "2.3.21";
const SERIALIZATION_VERSION: &str = "1.11.0";
const COROUTINES_VERSION: &str = "1.11.0";
const KTOR_VERSION: &str = "3.5.0";
/// The PowerSync Kotlin SDK the connector is written against.
const POWERSYNC_VERSION: &str = "1.14.1";

fn error(message: String) -> TargetError {
    TargetError {
        target: NAME,
        message,
    }
}

impl Target for KotlinTarget {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Kotlin Maven project (kotlinx.serialization, ktor): models, validation, a typed client, and for the write path the PowerSync Kotlin SDK connector"
    }

    fn check_package_name(&self, name: &str) -> Result<(), String> {
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
            || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(
                "a Maven artifactId starts with a letter and holds only ASCII letters, digits and `-._`"
                    .into(),
            );
        }
        Ok(())
    }

    fn generate(&self, api: &Api, ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        check(api)?;
        let names = Names::new(api);
        let header = ctx.header();
        let package = names::package(&ctx.package_name);
        let dir = package.replace('.', "/");
        let write_path = crate::profile::write_path(api);
        let mut files = Vec::new();
        let mut add = |path: String, contents: Result<String, askama::Error>| {
            let mut contents =
                contents.map_err(|e| error(format!("rendering kotlin/{path} failed: {e}")))?;
            if !contents.ends_with('\n') {
                contents.push('\n');
            }
            files.push(GeneratedFile {
                path: format!("{NAME}/{path}").into(),
                contents,
            });
            Ok::<(), TargetError>(())
        };
        let sources = format!("src/main/kotlin/{dir}");
        add(
            "pom.xml".into(),
            Pom {
                // `--` cannot appear in an XML comment (the fixtures' command has `--test`).
                header: header.replace("--", "- -"),
                group: package.clone(),
                artifact: ctx.package_name.clone(),
                version: xml_text(&api.version),
                title: xml_text(&api.title),
                write_path: write_path.is_some(),
                kotlin: KOTLIN_VERSION,
                serialization: SERIALIZATION_VERSION,
                coroutines: COROUTINES_VERSION,
                ktor: KTOR_VERSION,
                powersync: POWERSYNC_VERSION,
            }
            .render(),
        )?;
        add(
            "README.md".into(),
            Readme {
                header: header.clone(),
                title: api.title.clone(),
                group: package.clone(),
                artifact: ctx.package_name.clone(),
                version: api.version.clone(),
                package: package.clone(),
                client: names.client().to_string(),
                example: readme_example(api, &names),
                connector: write_path.is_some().then_some(README_CONNECTOR),
            }
            .render(),
        )?;
        add(
            format!("src/main/resources/{dir}/schemas.json"),
            Ok(crate::schema_table::json_file(api)),
        )?;
        add(
            format!("src/main/resources/{dir}/operations.json"),
            Ok(operations_file(api)),
        )?;
        let models = models(api, &names);
        if let Some(file) = file_name("Models", models.iter().filter_map(ModelView::class_name)) {
            add(
                format!("{sources}/{file}"),
                Models {
                    header: header.clone(),
                    package: package.clone(),
                    imports: model_imports(&models),
                    models,
                }
                .render(),
            )?;
        }
        let operations: Vec<OperationView> = api
            .operations
            .iter()
            .map(|op| operation(api, &names, op))
            .collect();
        let classes = operations.iter().flat_map(|o| {
            o.request
                .iter()
                .chain([&o.response])
                .chain(
                    o.responses
                        .iter()
                        .filter_map(|r| r.headers.as_ref().map(|(name, _)| name)),
                )
                .map(String::as_str)
        });
        if let Some(file) = file_name("Operations", classes) {
            add(
                format!("{sources}/{file}"),
                Operations {
                    header: header.clone(),
                    package: package.clone(),
                    imports: operation_imports(&operations),
                    operations: operations.clone(),
                }
                .render(),
            )?;
        }
        add(
            // ktlint wants a file holding one class named after it.
            format!("{sources}/{}.kt", names.client()),
            Client {
                header: header.clone(),
                package: package.clone(),
                title: api.title.clone(),
                client: names.client().to_string(),
                encodes: operations
                    .iter()
                    .any(|o| !o.params.is_empty() || o.body_arg.is_some()),
                operations,
            }
            .render(),
        )?;
        if let Some(profile) = &write_path {
            add(
                format!("{sources}/Spec.kt"),
                spec_file(api, &names, profile, &header, &package),
            )?;
        }
        let package_line = format!("package {package}\n");
        for (file, contents) in SUPPORT.iter().chain(if write_path.is_some() {
            WRITE_PATH_SUPPORT
        } else {
            &[]
        }) {
            let body = contents.replacen("package powersync.write.api\n", &package_line, 1);
            add(
                format!("{sources}/{file}"),
                Ok(format!("// {header}\n\n{body}")),
            )?;
        }
        // The last step: prettier lays out the README.
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

/// The name of a file declaring `classes`: `<default>.kt`, or the class's own
/// name when it is the only one (ktlint's `filename` rule); none when empty.
fn file_name<'a>(default: &str, classes: impl Iterator<Item = &'a str>) -> Option<String> {
    let classes: Vec<&str> = classes.collect();
    match classes.as_slice() {
        [] => None,
        [only] => Some(format!("{only}.kt")),
        _ => Some(format!("{default}.kt")),
    }
}

/// ktlint's longest line.
const MAX_LINE: usize = 140;

/// Whether a line of `text` indented by `indent` spaces fits [`MAX_LINE`].
fn fits(indent: usize, text: &str) -> bool {
    indent + text.chars().count() <= MAX_LINE
}

/// What the Kotlin target cannot carry, each refused with the reason.
fn check(api: &Api) -> Result<(), TargetError> {
    for op in &api.operations {
        let at = format!("{} `{}`", op.method.as_str(), op.path);
        for p in &op.parameters {
            if p.location == ParameterLocation::Cookie {
                return Err(error(format!(
                    "{at}: cookie parameter `{}` is not supported by the Kotlin target; send it as a header or query parameter",
                    p.name
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
                "security scheme `{}`: API keys in a cookie or path are not supported by the Kotlin target",
                s.name
            )));
        }
    }
    Ok(())
}

// ---- Types

/// Whether a multipart property of type `t` is a file (`Some(false)`) or a list
/// of files (`Some(true)`).
fn file_kind(api: &Api, t: &Ty) -> Option<bool> {
    match &t.kind {
        TyKind::Array(item) if api.is_binary(item) => Some(true),
        _ if api.is_binary(t) => Some(false),
        _ => None,
    }
}

/// The Kotlin type of a type use, `?` when it may be null (free-form JSON has its
/// own `JsonNull`).
fn kotlin_type(names: &Names, t: &Ty) -> String {
    let base = match &t.kind {
        TyKind::Any => return "JsonElement".into(),
        TyKind::Boolean => "Boolean".into(),
        TyKind::Integer(IntFormat::Int32) => "Int".into(),
        TyKind::Integer(IntFormat::Int64) => "Long".into(),
        TyKind::Number(NumberFormat::Float) => "Float".into(),
        TyKind::Number(NumberFormat::Double) => "Double".into(),
        TyKind::String(_) => "String".into(),
        TyKind::Array(item) => format!("List<{}>", kotlin_type(names, item)),
        TyKind::Map(value) => format!("Map<String, {}>", kotlin_type(names, value)),
        TyKind::Named(name) => names.type_name(name).to_string(),
    };
    if t.nullable { format!("{base}?") } else { base }
}

/// A property's type and default: required as it is; optional `T? = null`;
/// optional and nullable (or free-form JSON, whose `null` is a value)
/// `Optional<T?> = Optional.Absent`.
fn property_type(names: &Names, t: &Ty, required: bool) -> (String, Option<&'static str>) {
    let ty = kotlin_type(names, t);
    if required {
        (ty, None)
    } else if t.nullable || t.kind == TyKind::Any {
        (format!("Optional<{ty}>"), Some("Optional.Absent"))
    } else {
        (format!("{ty}?"), Some("null"))
    }
}

#[derive(Clone)]
struct PropertyView {
    name: String,
    /// The wire name as a Kotlin literal, when it differs from the property's name.
    serial_name: Option<String>,
    ty: String,
    default: Option<&'static str>,
    doc: Vec<String>,
    /// Whether the declaration is too long for one line at its indent: the type
    /// goes on the next line.
    wrap: bool,
}

impl PropertyView {
    /// Sets [`PropertyView::wrap`] for a declaration indented by `indent`.
    fn at(mut self, indent: usize) -> PropertyView {
        let default = self.default.map(|d| format!(" = {d}")).unwrap_or_default();
        self.wrap = !fits(indent, &format!("val {}: {}{default},", self.name, self.ty));
        self
    }
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

fn serial_name(kotlin: &str, wire: &str) -> Option<String> {
    (kotlin != wire).then(|| names::string(wire))
}

enum ModelView {
    Struct {
        name: String,
        doc: Vec<String>,
        properties: Vec<PropertyView>,
        /// A union variant's tag, as a Kotlin literal.
        tag: Option<String>,
        /// The unions it is a variant of.
        supertypes: Vec<String>,
        /// A multipart body's file properties: (wire name as a literal, the
        /// property's files as a `List<FileData>` expression).
        files: Vec<(String, String)>,
        /// With both properties and `additionalProperties`: the extra properties'
        /// map's wire name in the generated serializer, as a literal.
        extras: Option<String>,
        /// Whether its `object Serializer` declaration is too long for one line.
        wrap_serializer: bool,
    },
    StringEnum {
        name: String,
        doc: Vec<String>,
        /// (constant, value as a Kotlin literal).
        constants: Vec<(String, String)>,
    },
    NumberEnum {
        name: String,
        doc: Vec<String>,
        /// `Int`, `Long`, `Float` or `Double`.
        value_type: &'static str,
        /// (constant, value as a Kotlin literal).
        constants: Vec<(String, String)>,
        /// Whether its `object Serializer` declaration is too long for one line.
        wrap_serializer: bool,
    },
    Union {
        name: String,
        doc: Vec<String>,
        discriminator: String,
    },
    Alias {
        name: String,
        doc: Vec<String>,
        target: String,
    },
}

impl ModelView {
    /// The class, interface or object it declares (a typealias declares none).
    fn class_name(&self) -> Option<&str> {
        match self {
            ModelView::Struct { name, .. }
            | ModelView::StringEnum { name, .. }
            | ModelView::NumberEnum { name, .. }
            | ModelView::Union { name, .. } => Some(name),
            ModelView::Alias { .. } => None,
        }
    }
}

/// Whether a number enum's `object Serializer` line is too long for one line.
fn number_enum_wraps(name: &str) -> bool {
    !fits(
        4,
        &format!(
            "object Serializer : NumberEnumSerializer<{name}>(\"{name}\", entries, {{ it.value }})"
        ),
    )
}

fn type_doc(description: Option<&str>, pointer: &str) -> Vec<String> {
    let doc = names::doc_lines(description.unwrap_or(""));
    if doc.is_empty() {
        vec![format!("The schema `{pointer}`.")]
    } else {
        doc
    }
}

fn models(api: &Api, names: &Names) -> Vec<ModelView> {
    // The unions each struct is a variant of.
    let mut unions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for t in &api.types {
        if let TypeDefKind::Union(u) = &t.kind {
            for v in &u.variants {
                unions
                    .entry(v.type_name.as_str())
                    .or_default()
                    .push(names.type_name(&t.name).to_string());
            }
        }
    }
    api.types
        .iter()
        .map(|t| {
            let name = names.type_name(&t.name).to_string();
            let doc = type_doc(t.description.as_deref(), &t.pointer);
            match &t.kind {
                TypeDefKind::Struct(s) => {
                    // The extra properties' map comes last, named apart from the others.
                    let extras_ty = s
                        .additional_properties
                        .as_ref()
                        .filter(|_| !s.fields.is_empty());
                    let mut wire: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
                    if extras_ty.is_some() {
                        wire.push("additionalProperties");
                    }
                    let mut property_names = names::property_names(wire.into_iter());
                    let extras_name = if extras_ty.is_some() {
                        property_names.pop()
                    } else {
                        None
                    };
                    let multipart = api.is_multipart_body(&t.name);
                    let mut files = Vec::new();
                    let mut properties = s
                        .fields
                        .iter()
                        .zip(property_names)
                        .map(|(f, name)| {
                            let file = if multipart {
                                file_kind(api, &f.ty)
                            } else {
                                None
                            };
                            let (ty, default) = match file {
                                Some(list) => {
                                    let optional = !f.required || f.ty.nullable;
                                    let ty = if list { "List<FileData>" } else { "FileData" };
                                    files.push((
                                        names::string(&f.name),
                                        match (list, optional) {
                                            (false, false) => format!("listOf({name})"),
                                            (false, true) => format!("listOfNotNull({name})"),
                                            (true, false) => name.clone(),
                                            (true, true) => format!("{name}.orEmpty()"),
                                        },
                                    ));
                                    if optional {
                                        (format!("{ty}?"), (!f.required).then_some("null"))
                                    } else {
                                        (ty.to_string(), None)
                                    }
                                }
                                None => property_type(names, &f.ty, f.required),
                            };
                            PropertyView {
                                serial_name: serial_name(name.trim_matches('`'), &f.name),
                                name,
                                ty,
                                default,
                                doc: field_doc(f),
                                wrap: false,
                            }
                            .at(4)
                        })
                        .collect::<Vec<_>>();
                    let mut extras = None;
                    if let (Some(values), Some(name)) = (extras_ty, extras_name) {
                        // Its wire name is only the generated serializer's: unlike any declared one.
                        let mut wire = name.trim_matches('`').to_string();
                        while s.fields.iter().any(|f| f.name == wire) {
                            wire.push('_');
                        }
                        let literal = names::string(&wire);
                        properties.push(
                            PropertyView {
                                serial_name: serial_name(name.trim_matches('`'), &wire),
                                name,
                                ty: format!("Map<String, {}>", kotlin_type(names, values)),
                                default: Some("emptyMap()"),
                                doc: vec![
                                    "The properties the schema does not declare, by name.".into(),
                                ],
                                wrap: false,
                            }
                            .at(4),
                        );
                        extras = Some(literal);
                    }
                    let properties = if properties.is_empty() {
                        // A free-form object: its properties are a map.
                        match &s.additional_properties {
                            Some(values) => vec![
                                PropertyView {
                                    name: "value".into(),
                                    serial_name: None,
                                    ty: format!("Map<String, {}>", kotlin_type(names, values)),
                                    default: None,
                                    doc: Vec::new(),
                                    wrap: false,
                                }
                                .at(4),
                            ],
                            None => properties,
                        }
                    } else {
                        properties
                    };
                    let supertypes = unions.get(t.name.as_str()).cloned().unwrap_or_default();
                    let wrap_serializer = extras.as_ref().is_some_and(|extras| {
                        !fits(
                            4,
                            &format!(
                                "object Serializer : AdditionalPropertiesSerializer<{name}>(generatedSerializer(), {extras})"
                            ),
                        )
                    });
                    ModelView::Struct {
                        name,
                        doc,
                        properties,
                        tag: s.tag.as_ref().map(|tag| names::string(&tag.value)),
                        supertypes,
                        files,
                        extras,
                        wrap_serializer,
                    }
                }
                TypeDefKind::Enum(e) => {
                    let json: Vec<String> = e.values.json().iter().map(Value::to_string).collect();
                    let constant = |j: &String| names.constant(&t.name, j).to_string();
                    match &e.values {
                        EnumValues::String(values) => ModelView::StringEnum {
                            constants: json
                                .iter()
                                .zip(values)
                                .map(|(j, v)| (constant(j), names::string(v)))
                                .collect(),
                            name,
                            doc,
                        },
                        EnumValues::Integer { format, values } => ModelView::NumberEnum {
                            value_type: if *format == IntFormat::Int32 {
                                "Int"
                            } else {
                                "Long"
                            },
                            constants: json
                                .iter()
                                .zip(values)
                                .map(|(j, v)| {
                                    let literal = if *v == i64::MIN {
                                        "Long.MIN_VALUE".to_string()
                                    } else {
                                        v.to_string()
                                    };
                                    (constant(j), literal)
                                })
                                .collect(),
                            wrap_serializer: number_enum_wraps(&name),
                            name,
                            doc,
                        },
                        EnumValues::Number { format, values } => {
                            let float = *format == NumberFormat::Float;
                            ModelView::NumberEnum {
                                value_type: if float { "Float" } else { "Double" },
                                constants: json
                                    .iter()
                                    .zip(values)
                                    .map(|(j, v)| {
                                        let mut literal = v.to_string();
                                        if !literal.contains(['.', 'e', 'E']) {
                                            literal.push_str(".0");
                                        }
                                        if float {
                                            literal.push('f');
                                        }
                                        (constant(j), literal)
                                    })
                                    .collect(),
                                wrap_serializer: number_enum_wraps(&name),
                                name,
                                doc,
                            }
                        }
                    }
                }
                TypeDefKind::Union(u) => ModelView::Union {
                    name,
                    doc,
                    discriminator: names::string(&u.discriminator),
                },
                TypeDefKind::Alias(ty) => ModelView::Alias {
                    target: kotlin_type(names, ty),
                    name,
                    doc,
                },
            }
        })
        .collect()
}

fn model_imports(models: &[ModelView]) -> Vec<&'static str> {
    let mut imports = BTreeSet::new();
    let uses_type = |imports: &mut BTreeSet<&'static str>, ty: &str| {
        if ty.contains("JsonElement") {
            imports.insert("kotlinx.serialization.json.JsonElement");
        }
    };
    for m in models {
        match m {
            ModelView::Struct {
                properties,
                tag,
                extras,
                ..
            } => {
                imports.insert("kotlinx.serialization.Serializable");
                if extras.is_some() {
                    imports.insert("kotlinx.serialization.ExperimentalSerializationApi");
                    imports.insert("kotlinx.serialization.KeepGeneratedSerializer");
                }
                if tag.is_some() || properties.iter().any(|p| p.serial_name.is_some()) {
                    imports.insert("kotlinx.serialization.SerialName");
                }
                properties
                    .iter()
                    .for_each(|p| uses_type(&mut imports, &p.ty));
            }
            ModelView::StringEnum { .. } => {
                imports.insert("kotlinx.serialization.Serializable");
                imports.insert("kotlinx.serialization.SerialName");
            }
            ModelView::NumberEnum { .. } => {
                imports.insert("kotlinx.serialization.Serializable");
            }
            ModelView::Union { .. } => {
                imports.insert("kotlinx.serialization.ExperimentalSerializationApi");
                imports.insert("kotlinx.serialization.Serializable");
                imports.insert("kotlinx.serialization.json.JsonClassDiscriminator");
            }
            ModelView::Alias { target, .. } => uses_type(&mut imports, target),
        }
    }
    imports.into_iter().collect()
}

// ---- Operations

#[derive(Clone)]
struct ResponseView {
    /// `Status200` or `Default`.
    variant: String,
    /// The status as Kotlin code: `200`, or `reply.status` for the default.
    status: Option<u16>,
    doc: Vec<String>,
    body: Option<String>,
    /// How the client reads the body: `reply.body()`, or `reply.file()` for bytes.
    read: &'static str,
    /// The headers' class name and properties.
    headers: Option<(String, Vec<PropertyView>)>,
    /// The wire names of the headers and whether each is required, in order.
    header_reads: Vec<(String, bool)>,
}

#[derive(Clone)]
struct OperationView {
    /// The client method (`uploadData`) and the operation id as a literal.
    method: String,
    id: String,
    doc: Vec<String>,
    /// `UploadDataRequest`, when the operation takes parameters or a body.
    request: Option<String>,
    request_fields: Vec<PropertyView>,
    /// Per parameter: how the client turns the field into JSON.
    params: Vec<String>,
    /// How the client turns the body into JSON, if the operation has one.
    body_arg: Option<String>,
    /// The raw bytes' body (a `FileData`), when the body is not JSON text.
    raw_arg: Option<String>,
    /// A multipart body's files, as a `Map<String, List<FileData>>` expression.
    files_arg: Option<String>,
    /// `UploadDataResponse`.
    response: String,
    responses: Vec<ResponseView>,
    has_default: bool,
    /// Whether the client method's signature is too long for one line.
    wrap_signature: bool,
}

fn operation(api: &Api, names: &Names, op: &Operation) -> OperationView {
    let method = names.method(&op.id).to_string();
    let stem = names.stem(&op.id).to_string();
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
    let mut doc = names::doc_lines(&text);
    if !doc.is_empty() {
        doc.push(String::new());
    }
    doc.push(format!(
        "`{} {}` (`{}`).",
        op.method.as_str(),
        op.path,
        op.id
    ));
    if op.deprecated {
        doc.push(String::new());
        doc.push("Deprecated: the spec marks this operation deprecated.".into());
    }
    let mut wire: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
    if op.request_body.is_some() {
        wire.push("body");
    }
    let field_names = names::property_names(wire.into_iter());
    let mut request_fields = Vec::new();
    let mut params = Vec::new();
    let mut body_arg = None;
    let mut raw_arg = None;
    let mut files_arg = None;
    for (p, name) in op.parameters.iter().zip(&field_names) {
        let ty = kotlin_type(names, &p.ty);
        let optional = !p.required || p.ty.nullable;
        let mut pdoc = names::doc_lines(p.description.as_deref().unwrap_or(""));
        if !pdoc.is_empty() {
            pdoc.push(String::new());
        }
        let location = match p.location {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header | ParameterLocation::Cookie => "header",
        };
        pdoc.push(format!(
            "The {} {location} parameter `{}`.",
            if p.required { "required" } else { "optional" },
            p.name.replace('`', "'")
        ));
        request_fields.push(
            PropertyView {
                name: name.clone(),
                serial_name: None,
                ty: if optional && !ty.ends_with('?') {
                    format!("{ty}?")
                } else {
                    ty
                },
                default: (!p.required).then_some("null"),
                doc: pdoc,
                wrap: false,
            }
            .at(4),
        );
        params.push(encode(name, optional));
    }
    if let Some(body) = &op.request_body {
        let name = field_names.last().cloned().unwrap_or_else(|| "body".into());
        let ty = if body.encoding == BodyEncoding::Binary {
            "FileData".to_string()
        } else {
            kotlin_type(names, &body.ty)
        };
        let optional = !body.required || body.ty.nullable;
        let mut bdoc = names::doc_lines(body.description.as_deref().unwrap_or(""));
        if !bdoc.is_empty() {
            bdoc.push(String::new());
        }
        bdoc.push(format!(
            "The {} body.",
            if body.required {
                "required"
            } else {
                "optional"
            }
        ));
        request_fields.push(
            PropertyView {
                name: name.clone(),
                serial_name: None,
                ty: if optional && !ty.ends_with('?') {
                    format!("{ty}?")
                } else {
                    ty
                },
                default: (!body.required).then_some("null"),
                doc: bdoc,
                wrap: false,
            }
            .at(4),
        );
        if body.encoding == BodyEncoding::Binary {
            raw_arg = Some(format!("request.{name}"));
        } else {
            body_arg = Some(encode(&name, optional));
        }
        let has_files = !multipart_files(api, body).is_empty();
        if has_files {
            files_arg = Some(if optional {
                format!("request.{name}?.multipartFiles().orEmpty()")
            } else {
                format!("request.{name}.multipartFiles()")
            });
        }
    }
    let responses = op
        .responses
        .iter()
        .map(|r| {
            let word = names::status_word(r.status);
            let variant = match r.status {
                StatusCode::Code(code) => format!("Status{code}"),
                StatusCode::Default => "Default".into(),
            };
            let header_names = names::property_names(r.headers.iter().map(|h| h.name.as_str()));
            let headers = (!r.headers.is_empty()).then(|| {
                (
                    format!("{stem}{word}Headers"),
                    r.headers
                        .iter()
                        .zip(&header_names)
                        .map(|(h, name)| {
                            let mut hdoc = names::doc_lines(h.description.as_deref().unwrap_or(""));
                            if !hdoc.is_empty() {
                                hdoc.push(String::new());
                            }
                            hdoc.push(format!("The header `{}`.", h.name.replace('`', "'")));
                            let ty = kotlin_type(names, &h.ty);
                            PropertyView {
                                name: name.clone(),
                                serial_name: None,
                                ty: if h.required || ty.ends_with('?') {
                                    ty
                                } else {
                                    format!("{ty}?")
                                },
                                default: (!h.required).then_some("null"),
                                doc: hdoc,
                                wrap: false,
                            }
                            .at(4)
                        })
                        .collect(),
                )
            });
            ResponseView {
                variant,
                status: match r.status {
                    StatusCode::Code(code) => Some(code),
                    StatusCode::Default => None,
                },
                doc: names::doc_lines(&r.description),
                body: r.body.as_ref().map(|b| {
                    if b.encoding == BodyEncoding::Binary {
                        "FileData".to_string()
                    } else {
                        kotlin_type(names, &b.ty)
                    }
                }),
                read: if r
                    .body
                    .as_ref()
                    .is_some_and(|b| b.encoding == BodyEncoding::Binary)
                {
                    "reply.file()"
                } else {
                    "reply.body()"
                },
                headers,
                header_reads: r
                    .headers
                    .iter()
                    .map(|h| (names::string(&h.name), h.required))
                    .collect(),
            }
        })
        .collect::<Vec<_>>();
    let request = (!request_fields.is_empty()).then(|| format!("{stem}Request"));
    let signature = format!(
        "suspend fun {method}({}): {stem}Response {{",
        request
            .as_ref()
            .map(|r| format!("request: {r}"))
            .unwrap_or_default()
    );
    OperationView {
        wrap_signature: request.is_some() && !fits(4, &signature),
        request,
        id: names::string(&op.id),
        doc,
        request_fields,
        params,
        body_arg,
        raw_arg,
        files_arg,
        response: format!("{stem}Response"),
        has_default: responses.iter().any(|r| r.status.is_none()),
        responses,
        method,
    }
}

/// How the client turns the request's field `name` into JSON (`null` when an
/// optional one is not set).
fn encode(name: &str, optional: bool) -> String {
    if optional {
        format!("request.{name}?.let {{ WireJson.encodeToJsonElement(it) }}")
    } else {
        format!("WireJson.encodeToJsonElement(request.{name})")
    }
}

fn operation_imports(operations: &[OperationView]) -> Vec<&'static str> {
    let mut imports = BTreeSet::new();
    for o in operations {
        let types = o
            .request_fields
            .iter()
            .map(|f| f.ty.as_str())
            .chain(o.responses.iter().filter_map(|r| r.body.as_deref()))
            .chain(
                o.responses
                    .iter()
                    .filter_map(|r| r.headers.as_ref())
                    .flat_map(|(_, fields)| fields.iter().map(|f| f.ty.as_str())),
            );
        for ty in types {
            if ty.contains("JsonElement") {
                imports.insert("kotlinx.serialization.json.JsonElement");
            }
        }
    }
    imports.into_iter().collect()
}

/// A multipart body's file properties, by wire name.
fn multipart_files(api: &Api, body: &crate::ir::RequestBody) -> Vec<String> {
    match &body.ty.kind {
        TyKind::Named(name) if body.encoding == BodyEncoding::Multipart => {
            match api.type_def(name).map(|t| &t.kind) {
                Some(TypeDefKind::Struct(s)) => s
                    .fields
                    .iter()
                    .filter(|f| file_kind(api, &f.ty).is_some())
                    .map(|f| f.name.clone())
                    .collect(),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// `operations.json`: what the support transport needs of each operation, by
/// `operationId`, and the security schemes, by name.
fn operations_file(api: &Api) -> String {
    let mut operations = Map::new();
    for op in &api.operations {
        let parameters: Vec<Value> = op
            .parameters
            .iter()
            .map(|p| {
                let location = match p.location {
                    ParameterLocation::Path => "path",
                    ParameterLocation::Query => "query",
                    ParameterLocation::Header | ParameterLocation::Cookie => "header",
                };
                let separator = match (&p.ty.kind, p.style.separator()) {
                    (TyKind::Array(_), Some(c)) => Value::from(c.to_string()),
                    (TyKind::Array(_), None) if p.location == ParameterLocation::Query => {
                        Value::Null
                    }
                    _ => Value::from(","),
                };
                json!({
                    "name": p.name,
                    "location": location,
                    "required": p.required,
                    "schema": crate::schema_table::of_ty(&p.ty),
                    "separator": separator,
                })
            })
            .collect();
        let response = |r: &crate::ir::Response| {
            json!({
                "body": r.body.as_ref().map(|b| crate::schema_table::of_ty(&b.ty)),
                "encoding": r.body.as_ref().map(|b| b.encoding.as_str()),
                "headers": r.headers.iter().map(|h| json!({
                    "name": h.name,
                    "required": h.required,
                    "schema": crate::schema_table::of_ty(&h.ty),
                })).collect::<Vec<_>>(),
            })
        };
        let mut responses = Map::new();
        for r in &op.responses {
            responses.insert(names::status_word(r.status).to_lowercase(), response(r));
        }
        operations.insert(
            op.id.clone(),
            json!({
                "method": op.method.as_str(),
                "path": op.path,
                "security": op.security.iter().map(|alternative| {
                    alternative.schemes.iter().map(|u| u.scheme.clone()).collect::<Vec<_>>()
                }).collect::<Vec<_>>(),
                "parameters": parameters,
                "body": op.request_body.as_ref().map(|b| json!({
                    "schema": crate::schema_table::of_ty(&b.ty),
                    "required": b.required,
                    "contentType": b.content_type,
                    "encoding": b.encoding.as_str(),
                    "files": multipart_files(api, b),
                })),
                "responses": responses,
            }),
        );
    }
    let schemes: Map<String, Value> = api
        .security_schemes
        .iter()
        .map(|s| {
            let spec = match &s.kind {
                SecuritySchemeKind::Bearer { .. } => json!({"type": "bearer"}),
                SecuritySchemeKind::ApiKey { location, name } => json!({
                    "type": "apiKey",
                    "location": if *location == ParameterLocation::Query { "query" } else { "header" },
                    "name": name,
                }),
            };
            (s.name.clone(), spec)
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "operations": operations,
        "securitySchemes": schemes,
    }))
    .expect("JSON values serialize");
    text.push('\n');
    text
}

// ---- The write path's Spec.kt

/// `Spec.kt`: the names the connector uses, as aliases of this spec's, and the one
/// call it makes, mapped onto the protocol's replies.
fn spec_file(
    api: &Api,
    names: &Names,
    profile: &crate::profile::WritePath<'_>,
    header: &str,
    package: &str,
) -> Result<String, askama::Error> {
    let union = |tag: &str| {
        api.type_def(profile.result)
            .and_then(|t| match &t.kind {
                TypeDefKind::Union(u) => u.variants.iter().find(|v| v.tag == tag),
                _ => None,
            })
            .map(|v| names.type_name(&v.type_name).to_string())
            .unwrap_or_default()
    };
    let aliases = vec![
        ("SpecWriteBatch", names.type_name(profile.batch).to_string()),
        (
            "SpecCrudTransaction",
            names.type_name(profile.transaction).to_string(),
        ),
        ("SpecCrudEntry", names.type_name(profile.entry).to_string()),
        (
            "SpecUpdateType",
            names.type_name(profile.update_type).to_string(),
        ),
        (
            "SpecWriteBatchResponse",
            names.type_name(profile.response).to_string(),
        ),
        (
            "SpecTransactionResult",
            names.type_name(profile.result).to_string(),
        ),
        ("SpecTransactionSuccess", union("success")),
        ("SpecTransactionRetryableError", union("retryable_error")),
        ("SpecTransactionFatalError", union("fatal_error")),
        ("SpecTransactionNotAttempted", union("not_attempted")),
        (
            "SpecFailedOperation",
            names.type_name(profile.failed_operation).to_string(),
        ),
        (
            "SpecErrorResponse",
            names.type_name(profile.error_response).to_string(),
        ),
        (
            "SpecViolation",
            names.type_name(profile.violation).to_string(),
        ),
    ];
    let op = profile.operation;
    let stem = names.stem(&op.id);
    let view = operation(api, names, op);
    let body_field = view
        .request_fields
        .last()
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let replies =
        op.responses
            .iter()
            .zip(&view.responses)
            .map(|(r, v)| {
                let is_error_body = r.body.as_ref().is_some_and(|b| {
                    b.ty.kind == TyKind::Named(profile.error_response.to_string())
                });
                let status = match r.status {
                    StatusCode::Code(code) => code.to_string(),
                    StatusCode::Default => "response.status".into(),
                };
                // `Retry-After`, when the reply has it as a whole number of seconds.
                let retry_after = r
                    .headers
                    .iter()
                    .zip(v.headers.iter().flat_map(|(_, fields)| fields))
                    .find(|(h, _)| {
                        h.name.eq_ignore_ascii_case("retry-after")
                            && matches!(h.ty.kind, TyKind::Integer(_))
                    })
                    .map(|(h, field)| {
                        let read = format!("response.headers.{}", field.name);
                        match (h.ty.kind.clone(), h.required) {
                            (TyKind::Integer(IntFormat::Int64), _) => read,
                            (_, true) => format!("{read}.toLong()"),
                            (_, false) => format!("{read}?.toLong()"),
                        }
                    })
                    .unwrap_or_else(|| "null".into());
                let reply = if r.status == StatusCode::Code(200) {
                    "WritePathReply.Results(response.body)".to_string()
                } else if is_error_body {
                    format!("WritePathReply.Failure({status}, response.body, {retry_after})")
                } else {
                    format!("WritePathReply.Failure({status}, null, {retry_after})")
                };
                (format!("{}.{}", view.response, v.variant), reply)
            })
            .collect();
    SpecFile {
        header: header.to_string(),
        package: package.to_string(),
        client: names.client().to_string(),
        bearer_scheme: names::string(profile.bearer_scheme),
        aliases,
        method: view.method.clone(),
        request: format!("{stem}Request"),
        body_field,
        replies,
    }
    .render()
}

/// Text as XML character data: `&`, `<` and `>` escaped.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---- README

struct ReadmeExample {
    /// The first operation's method, and its request type, if it takes one.
    method: String,
    request: Option<String>,
    response: String,
    /// The first status' variant (`Status200`).
    variant: String,
}

fn readme_example(api: &Api, names: &Names) -> Option<ReadmeExample> {
    let op = api.operations.first()?;
    let view = operation(api, names, op);
    let first = view.responses.first()?;
    Some(ReadmeExample {
        method: view.method.clone(),
        request: view.request.clone(),
        response: view.response.clone(),
        variant: first.variant.clone(),
    })
}

// ---- Templates

#[derive(Template)]
#[template(path = "kotlin/pom.xml", escape = "none")]
struct Pom {
    header: String,
    group: String,
    artifact: String,
    version: String,
    title: String,
    write_path: bool,
    kotlin: &'static str,
    serialization: &'static str,
    coroutines: &'static str,
    ktor: &'static str,
    powersync: &'static str,
}

#[derive(Template)]
#[template(path = "kotlin/README.md", escape = "none")]
struct Readme {
    header: String,
    title: String,
    group: String,
    artifact: String,
    version: String,
    package: String,
    client: String,
    example: Option<ReadmeExample>,
    /// The connector's section, for write-path specs.
    connector: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "kotlin/src/Models.kt", escape = "none")]
struct Models {
    header: String,
    package: String,
    imports: Vec<&'static str>,
    models: Vec<ModelView>,
}

#[derive(Template)]
#[template(path = "kotlin/src/Operations.kt", escape = "none")]
struct Operations {
    header: String,
    package: String,
    imports: Vec<&'static str>,
    operations: Vec<OperationView>,
}

#[derive(Template)]
#[template(path = "kotlin/src/Client.kt", escape = "none")]
struct Client {
    header: String,
    package: String,
    title: String,
    client: String,
    /// Whether some operation sends parameters or a body.
    encodes: bool,
    operations: Vec<OperationView>,
}

#[derive(Template)]
#[template(path = "kotlin/src/Spec.kt", escape = "none")]
struct SpecFile {
    header: String,
    package: String,
    client: String,
    bearer_scheme: String,
    /// (alias, this spec's type).
    aliases: Vec<(&'static str, String)>,
    method: String,
    request: String,
    body_field: String,
    /// (response variant, the `WritePathReply` it maps to).
    replies: Vec<(String, String)>,
}

/// The README section on the connector, for write-path specs (Markdown, kept
/// beside the connector's sources).
const README_CONNECTOR: &str = include_str!("../../../../templates/kotlin/README-connector.md");

/// The support files: Kotlin that is the same for every spec, kept as ordinary
/// source in `templates/kotlin/support/` (package `powersync.write.api`, renamed
/// on copy).
const SUPPORT: &[(&str, &str)] = &[
    (
        "AdditionalPropertiesSerializer.kt",
        include_str!("../../../../templates/kotlin/support/AdditionalPropertiesSerializer.kt"),
    ),
    (
        "FileData.kt",
        include_str!("../../../../templates/kotlin/support/FileData.kt"),
    ),
    (
        "NumberEnumSerializer.kt",
        include_str!("../../../../templates/kotlin/support/NumberEnumSerializer.kt"),
    ),
    (
        "Optional.kt",
        include_str!("../../../../templates/kotlin/support/Optional.kt"),
    ),
    (
        "Transport.kt",
        include_str!("../../../../templates/kotlin/support/Transport.kt"),
    ),
    (
        "Validator.kt",
        include_str!("../../../../templates/kotlin/support/Validator.kt"),
    ),
    (
        "Wire.kt",
        include_str!("../../../../templates/kotlin/support/Wire.kt"),
    ),
];

/// The support files of write-path specs: the upload connector for the PowerSync
/// Kotlin SDK.
const WRITE_PATH_SUPPORT: &[(&str, &str)] = &[
    (
        "ConnectorErrors.kt",
        include_str!("../../../../templates/kotlin/support/ConnectorErrors.kt"),
    ),
    (
        "ConnectorOptions.kt",
        include_str!("../../../../templates/kotlin/support/ConnectorOptions.kt"),
    ),
    (
        "ConnectorQueue.kt",
        include_str!("../../../../templates/kotlin/support/ConnectorQueue.kt"),
    ),
    (
        "ConnectorSdk.kt",
        include_str!("../../../../templates/kotlin/support/ConnectorSdk.kt"),
    ),
    (
        "PowerSyncWriteUploader.kt",
        include_str!("../../../../templates/kotlin/support/PowerSyncWriteUploader.kt"),
    ),
    (
        "WritePathReply.kt",
        include_str!("../../../../templates/kotlin/support/WritePathReply.kt"),
    ),
];

#[cfg(test)]
mod lowering_tests {
    use super::*;

    fn lower(fixture: &str) -> Api {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        crate::load_and_lower(&root.join("tests/fixtures/features").join(fixture))
            .expect("the fixture lowers")
    }

    #[test]
    fn multipart_files_are_file_data_sent_as_parts() {
        let api = lower("non_json_bodies.yaml");
        let names = Names::new(&api);
        let models = models(&api, &names);
        let upload = models
            .iter()
            .find_map(|m| match m {
                ModelView::Struct {
                    name,
                    properties,
                    files,
                    ..
                } if name == "UploadRequestModel" => Some((properties, files)),
                _ => None,
            })
            .expect("the multipart body's model");
        let types: Vec<(&str, &str)> = upload
            .0
            .iter()
            .map(|p| (p.name.as_str(), p.ty.as_str()))
            .collect();
        assert!(types.contains(&("file", "FileData")), "{types:?}");
        assert!(
            types.contains(&("attachments", "List<FileData>?")),
            "{types:?}"
        );
        assert_eq!(
            upload.1,
            &[
                ("\"file\"".to_string(), "listOf(file)".to_string()),
                (
                    "\"attachments\"".to_string(),
                    "attachments.orEmpty()".to_string()
                ),
            ]
        );
        // The transport learns each body's encoding and a multipart body's files.
        let table: Value = serde_json::from_str(&operations_file(&api)).expect("JSON");
        let ops = &table["operations"];
        assert_eq!(ops["upload"]["body"]["encoding"], "multipart");
        assert_eq!(
            ops["upload"]["body"]["files"],
            json!(["file", "attachments"])
        );
        assert_eq!(ops["saveProfile"]["body"]["encoding"], "form");
        assert_eq!(ops["putBlob"]["body"]["encoding"], "binary");
        assert_eq!(ops["putBlob"]["responses"]["200"]["encoding"], "binary");
        assert_eq!(ops["addNote"]["body"]["encoding"], "text");
        // Raw bytes go beside the JSON arguments, and come back through `reply.file()`.
        let op = api
            .operations
            .iter()
            .find(|o| o.id == "putBlob")
            .expect("putBlob");
        let view = operation(&api, &names, op);
        assert_eq!(view.raw_arg.as_deref(), Some("request.body"));
        assert_eq!(view.body_arg, None);
        assert_eq!(view.responses[0].read, "reply.file()");
    }

    #[test]
    fn declared_and_additional_properties_are_both_kept() {
        let api = lower("maps.yaml");
        let names = Names::new(&api);
        let labels = models(&api, &names)
            .into_iter()
            .find_map(|m| match m {
                ModelView::Struct {
                    name,
                    properties,
                    extras,
                    ..
                } if name == "Labels" => Some((properties, extras)),
                _ => None,
            })
            .expect("Labels");
        let last = labels.0.last().expect("properties");
        assert_eq!(last.name, "additionalProperties");
        assert_eq!(last.ty, "Map<String, String>");
        assert_eq!(last.default, Some("emptyMap()"));
        assert_eq!(labels.1.as_deref(), Some("\"additionalProperties\""));
        assert!(labels.0.len() > 1, "the declared properties stay");
    }
}
