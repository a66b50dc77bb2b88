//! Document-wide checks done at load time, before `openapiv3` sees the document.

use serde_json::Value;

use super::{LoadedSpec, pointer};
use crate::diagnostics::{Diagnostic, Diagnostics};

const SUPPORTED: &str = "supported are OpenAPI 3.0.x documents (3.0.0 to 3.0.4)";

/// The document must be a mapping declaring `openapi: 3.0.x`.
pub fn version(spec: &LoadedSpec) -> Result<(), Diagnostics> {
    let Value::Object(root) = &spec.raw else {
        return Err(spec
            .error(
                pointer::ROOT,
                format!("the document is not a mapping; {SUPPORTED}"),
            )
            .with_help("an OpenAPI document is a mapping that starts with `openapi: 3.0.3`")
            .into());
    };
    match root.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(()),
        Some(Value::String(v)) if v.starts_with("3.1") => Err(spec
            .error("#/openapi", format!("OpenAPI {v} is not supported; {SUPPORTED}"))
            .with_help("declare `openapi: 3.0.3` and use 3.0 schema syntax (`nullable: true` instead of `type: [..., \"null\"]`)")
            .into()),
        Some(Value::String(v)) => Err(spec
            .error("#/openapi", format!("OpenAPI version `{v}` is not supported; {SUPPORTED}"))
            .into()),
        Some(other) => Err(spec
            .error("#/openapi", format!("`openapi` must be a string, found `{other}`; {SUPPORTED}"))
            .with_help("quote the version: `openapi: \"3.0.3\"` (unquoted `3.0` is a number)")
            .into()),
        None if root.contains_key("swagger") => Err(spec
            .error("#/swagger", format!("Swagger 2.0 documents are not supported; {SUPPORTED}"))
            .with_help("convert the document to OpenAPI 3.0 (for example with swagger2openapi)")
            .into()),
        None => Err(spec
            .error(pointer::ROOT, format!("the document has no `openapi` version; {SUPPORTED}"))
            .with_help("add `openapi: 3.0.3` at the top")
            .into()),
    }
}

/// Every `$ref` must be local (`#/...`): one document is the whole contract.
pub fn external_refs(spec: &LoadedSpec) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    // Iterative walk: (node, pointer, whether the node is a map of property names).
    let mut work: Vec<(&Value, String, bool)> = vec![(&spec.raw, pointer::ROOT.to_owned(), false)];
    while let Some((node, at, names)) = work.pop() {
        match node {
            Value::Object(map) => {
                // Pushed in reverse so that problems come out in document order.
                for (key, value) in map.iter().rev() {
                    let here = pointer::join(&at, key);
                    if !names && key == "$ref" {
                        if let Value::String(r) = value
                            && pointer::parse_ref(r).is_none()
                        {
                            problems.push(
                                    spec.error(&here, format!("`$ref: {r}` points outside this document; only local references (`#/...`) are supported"))
                                        .with_help("move the referenced definition into this document's `components` and refer to it as `#/components/...`"),
                                );
                        }
                        continue;
                    }
                    // Literal values can hold any JSON, including keys named `$ref`.
                    let literal = !names
                        && (matches!(key.as_str(), "example" | "default" | "enum" | "value")
                            || key.starts_with("x-"));
                    if !literal {
                        work.push((value, here, !names && key == "properties"));
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    work.push((item, pointer::join_index(&at, i), false));
                }
            }
            _ => {}
        }
    }
    problems
}

/// The JSON pointer of a `serde_path_to_error` path.
pub fn error_pointer(path: &serde_path_to_error::Path) -> String {
    let mut at = pointer::ROOT.to_owned();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => at = pointer::join_index(&at, *index),
            serde_path_to_error::Segment::Map { key } => at = pointer::join(&at, key),
            _ => {}
        }
    }
    at
}
