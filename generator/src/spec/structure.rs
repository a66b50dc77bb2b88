//! Where a structurally invalid document goes wrong.
//!
//! `openapiv3`'s types buffer parts of the document (flattened maps such as
//! `paths` and `responses`, the untagged `ReferenceOr`), and a deserialization
//! error raised inside a buffered part loses its path: a bad security requirement
//! deep in an operation is reported at `#/paths`. This module finds the node
//! itself: it walks the document along OpenAPI's structure, deserializes each part
//! with its own type, and descends into the first part that fails.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{checks, pointer};

/// The OpenAPI objects whose errors can hide inside a buffered part.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Document,
    Paths,
    PathItem,
    Operation,
    Callback,
    Responses,
    Response,
    RequestBody,
    MediaType,
    Parameter,
    Header,
    Components,
    Schema,
    SecurityScheme,
    Example,
    Link,
    Encoding,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The deepest node of `document` that fails to deserialize as its OpenAPI type,
/// with the error's message; `None` if the document deserializes.
pub fn locate_error(document: &Value) -> Option<(String, String)> {
    refine(Kind::Document, document, pointer::ROOT)
}

fn refine(kind: Kind, value: &Value, at: &str) -> Option<(String, String)> {
    let error = check(kind, value)?;
    for (tokens, child, child_kind) in children(kind, value) {
        let here = tokens
            .iter()
            .fold(at.to_owned(), |p, t| pointer::join(&p, t));
        if let Some(found) = refine(child_kind, child, &here) {
            return Some(found);
        }
    }
    let (path, message) = error;
    Some((
        format!("{at}{}", path.strip_prefix('#').unwrap_or(&path)),
        message,
    ))
}

/// Deserializes `value` as `kind`'s type (a `$ref` object as a reference); the
/// error's path (relative, as a pointer) and message.
fn check(kind: Kind, value: &Value) -> Option<(String, String)> {
    use openapiv3 as o;
    let reference = value.get("$ref").is_some();
    match kind {
        Kind::Document => try_as::<o::OpenAPI>(value),
        Kind::Paths => try_as::<o::Paths>(value),
        Kind::Operation => try_as::<o::Operation>(value),
        Kind::Callback => try_as::<o::Callback>(value),
        Kind::Responses => try_as::<o::Responses>(value),
        Kind::MediaType => try_as::<o::MediaType>(value),
        Kind::Components => try_as::<o::Components>(value),
        Kind::Encoding => try_as::<o::Encoding>(value),
        _ if reference => try_as::<o::ReferenceOr<()>>(value),
        Kind::PathItem => try_as::<o::PathItem>(value),
        Kind::Response => try_as::<o::Response>(value),
        Kind::RequestBody => try_as::<o::RequestBody>(value),
        Kind::Parameter => try_as::<o::Parameter>(value),
        Kind::Header => try_as::<o::Header>(value),
        Kind::Schema => try_as::<o::Schema>(value),
        Kind::SecurityScheme => try_as::<o::SecurityScheme>(value),
        Kind::Example => try_as::<o::Example>(value),
        Kind::Link => try_as::<o::Link>(value),
    }
}

fn try_as<T: DeserializeOwned>(value: &Value) -> Option<(String, String)> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => None,
        Err(e) => Some((checks::error_pointer(e.path()), e.inner().to_string())),
    }
}

/// The parts of `value` that may hide an error, in document order.
fn children(kind: Kind, value: &Value) -> Vec<(Vec<String>, &Value, Kind)> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    if map.contains_key("$ref") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut field = |name: &str, kind: Kind| {
        if let Some(v) = map.get(name) {
            out.push((vec![name.to_owned()], v, kind));
        }
    };
    match kind {
        Kind::Document => {
            field("paths", Kind::Paths);
            field("components", Kind::Components);
        }
        Kind::Operation => {
            field("requestBody", Kind::RequestBody);
            field("responses", Kind::Responses);
        }
        Kind::Response => {}
        Kind::RequestBody => {}
        Kind::MediaType => field("schema", Kind::Schema),
        Kind::Parameter | Kind::Header => field("schema", Kind::Schema),
        _ => {}
    }
    // Maps and lists of typed entries.
    let entries = |name: &str| -> Vec<(String, &Value)> {
        match map.get(name) {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut nested = |name: &str, kind: Kind| {
        for (key, v) in entries(name) {
            out.push((vec![name.to_owned(), key], v, kind));
        }
    };
    match kind {
        Kind::PathItem => nested("parameters", Kind::Parameter),
        Kind::Operation => {
            nested("parameters", Kind::Parameter);
            nested("callbacks", Kind::Callback);
        }
        Kind::Response => {
            nested("headers", Kind::Header);
            nested("content", Kind::MediaType);
            nested("links", Kind::Link);
        }
        Kind::RequestBody => nested("content", Kind::MediaType),
        Kind::MediaType | Kind::Parameter | Kind::Header => {
            nested("examples", Kind::Example);
            nested("content", Kind::MediaType);
        }
        Kind::Components => {
            nested("schemas", Kind::Schema);
            nested("responses", Kind::Response);
            nested("parameters", Kind::Parameter);
            nested("examples", Kind::Example);
            nested("requestBodies", Kind::RequestBody);
            nested("headers", Kind::Header);
            nested("securitySchemes", Kind::SecurityScheme);
            nested("links", Kind::Link);
            nested("callbacks", Kind::Callback);
        }
        _ => {}
    }
    if matches!(kind, Kind::MediaType) {
        nested("encoding", Kind::Encoding);
    }
    // Entries of the map-like objects, keyed by anything but extensions.
    let entry_kind = match kind {
        Kind::Paths | Kind::Callback => Some(Kind::PathItem),
        Kind::Responses => Some(Kind::Response),
        _ => None,
    };
    if let Some(entry_kind) = entry_kind {
        for (key, v) in map {
            if !key.starts_with("x-") {
                out.push((vec![key.clone()], v, entry_kind));
            }
        }
    }
    if matches!(kind, Kind::PathItem) {
        for method in METHODS {
            if let Some(v) = map.get(method) {
                out.push((vec![method.to_owned()], v, Kind::Operation));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(paths: &str, components: &str) -> (String, String) {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}components:\n{components}"
        );
        let document: Value = serde_saphyr::from_str(&text).unwrap();
        locate_error(&document).expect("the document is invalid")
    }

    #[test]
    fn finds_the_offending_node_inside_buffered_parts() {
        let (at, message) = located(
            "  /a/{id}:\n    get:\n      responses:\n        '200': {}\n",
            "  {}\n",
        );
        assert_eq!(at, "#/paths/~1a~1{id}/get/responses/200");
        assert!(message.contains("description"), "{message}");

        let (at, _) = located(
            "  /a:\n    parameters:\n      - {name: q, in: body}\n    get:\n      responses: {}\n",
            "  {}\n",
        );
        assert_eq!(at, "#/paths/~1a/parameters/0/in");

        let (at, _) = located(
            "  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            examples:\n              one: 5\n      responses: {}\n",
            "  {}\n",
        );
        assert_eq!(
            at,
            "#/paths/~1a/post/requestBody/content/application~1json/examples/one"
        );

        let (at, _) = located(
            "  {}\n",
            "  securitySchemes:\n    key: {type: apiKey, in: cookie}\n",
        );
        assert_eq!(at, "#/components/securitySchemes/key");
    }

    #[test]
    fn a_valid_document_has_no_error() {
        let document: Value = serde_saphyr::from_str(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/R'}\n",
        )
        .unwrap();
        assert_eq!(locate_error(&document), None);
    }
}
