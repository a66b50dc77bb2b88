//! The JSON types of schema keywords, checked on `raw` before `openapiv3` sees the
//! document. Two reasons: the messages name the exact keyword, and `openapiv3`'s
//! error path (untagged enums over flattened structs) retries nested schemas, so
//! its time grows exponentially with the nesting depth of an invalid schema.
//! With every schema keyword well-typed, that path is never taken.

use serde_json::Value;

use super::{LoadedSpec, pointer};
use crate::diagnostics::Diagnostic;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Bool,
    String,
    Number,
    Count,
    Strings,
    Array,
    Schema,
    Schemas,
    SchemaMap,
    BoolOrSchema,
    ExternalDocs,
    Discriminator,
}

const KEYWORDS: &[(&str, Expect)] = &[
    ("nullable", Expect::Bool),
    ("readOnly", Expect::Bool),
    ("writeOnly", Expect::Bool),
    ("deprecated", Expect::Bool),
    ("exclusiveMinimum", Expect::Bool),
    ("exclusiveMaximum", Expect::Bool),
    ("uniqueItems", Expect::Bool),
    ("title", Expect::String),
    ("description", Expect::String),
    ("type", Expect::String),
    ("pattern", Expect::String),
    ("format", Expect::String),
    ("multipleOf", Expect::Number),
    ("minimum", Expect::Number),
    ("maximum", Expect::Number),
    ("minLength", Expect::Count),
    ("maxLength", Expect::Count),
    ("minItems", Expect::Count),
    ("maxItems", Expect::Count),
    ("minProperties", Expect::Count),
    ("maxProperties", Expect::Count),
    ("required", Expect::Strings),
    ("enum", Expect::Array),
    ("properties", Expect::SchemaMap),
    ("items", Expect::Schema),
    ("not", Expect::Schema),
    ("additionalProperties", Expect::BoolOrSchema),
    ("oneOf", Expect::Schemas),
    ("allOf", Expect::Schemas),
    ("anyOf", Expect::Schemas),
    ("externalDocs", Expect::ExternalDocs),
    ("discriminator", Expect::Discriminator),
];

/// Every schema in the document, with a problem per badly typed keyword.
pub fn check(spec: &LoadedSpec) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut schemas: Vec<(&Value, String)> = Vec::new();
    find_schemas(&spec.raw, pointer::ROOT, &mut schemas);
    while let Some((schema, at)) = schemas.pop() {
        let Value::Object(map) = schema else {
            problems.push(spec.error(
                &at,
                format!("a schema must be a mapping, found `{}`", short(schema)),
            ));
            continue;
        };
        if map.contains_key("$ref") {
            continue;
        }
        for (key, expect) in KEYWORDS {
            let Some(value) = map.get(*key) else { continue };
            let here = pointer::join(&at, key);
            let wanted = match (expect, value) {
                (_, Value::Null) if !matches!(expect, Expect::Bool) => None,
                (Expect::Bool, Value::Bool(_))
                | (Expect::String, Value::String(_))
                | (Expect::Number, Value::Number(_)) => None,
                (Expect::Count, Value::Number(n)) if n.as_u64().is_some() => None,
                (Expect::Array, Value::Array(_)) => None,
                (Expect::Strings, Value::Array(items)) if items.iter().all(Value::is_string) => {
                    None
                }
                (Expect::Schema, _) => {
                    schemas.push((value, here));
                    continue;
                }
                (Expect::BoolOrSchema, Value::Bool(_)) => None,
                (Expect::BoolOrSchema, _) => {
                    schemas.push((value, here));
                    continue;
                }
                (Expect::Schemas, Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        schemas.push((item, pointer::join_index(&here, i)));
                    }
                    continue;
                }
                (Expect::SchemaMap, Value::Object(properties)) => {
                    for (name, property) in properties {
                        schemas.push((property, pointer::join(&here, name)));
                    }
                    continue;
                }
                (Expect::ExternalDocs, Value::Object(d))
                    if d.get("url").is_some_and(Value::is_string)
                        && d.get("description")
                            .is_none_or(|v| v.is_string() || v.is_null()) =>
                {
                    None
                }
                (Expect::Discriminator, Value::Object(d))
                    if d.get("propertyName").is_some_and(Value::is_string)
                        && d.get("mapping").is_none_or(|m| {
                            m.as_object()
                                .is_some_and(|m| m.values().all(Value::is_string))
                        }) =>
                {
                    None
                }
                (Expect::Bool, _) => Some("`true` or `false`"),
                (Expect::String, _) => Some("a string"),
                (Expect::Number, _) => Some("a number"),
                (Expect::Count, _) => Some("a non-negative integer"),
                (Expect::Strings, _) => Some("a list of strings"),
                (Expect::Array, _) => Some("a list"),
                (Expect::Schemas, _) => Some("a list of schemas"),
                (Expect::SchemaMap, _) => Some("a mapping from property names to schemas"),
                (Expect::ExternalDocs, _) => {
                    Some("a mapping with a `url` string and an optional `description` string")
                }
                (Expect::Discriminator, _) => Some(
                    "a mapping with a `propertyName` string and an optional `mapping` of strings",
                ),
            };
            if let Some(wanted) = wanted {
                problems.push(spec.error(
                    &here,
                    format!("`{key}` must be {wanted}, found `{}`", short(value)),
                ));
            }
        }
    }
    problems.sort_by_key(|d| (d.location.line, d.location.column));
    problems
}

/// Schema positions outside schemas: component schemas and every `schema` key of
/// parameters, headers and media types. Literal values (`example`, `x-...`) are
/// skipped.
fn find_schemas<'v>(node: &'v Value, at: &str, found: &mut Vec<(&'v Value, String)>) {
    let mut work: Vec<(&'v Value, String)> = vec![(node, at.to_owned())];
    while let Some((node, at)) = work.pop() {
        match node {
            Value::Object(map) => {
                for (key, value) in map {
                    let here = pointer::join(&at, key);
                    if key == "schema" {
                        found.push((value, here));
                    } else if key == "schemas" && at == "#/components" {
                        for (name, schema) in value.as_object().into_iter().flatten() {
                            found.push((schema, pointer::join(&here, name)));
                        }
                    } else if !(key == "example" || key == "examples" || key.starts_with("x-")) {
                        work.push((value, here));
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    work.push((item, pointer::join_index(&at, i)));
                }
            }
            _ => {}
        }
    }
}

/// A value for a message, cut short.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}
