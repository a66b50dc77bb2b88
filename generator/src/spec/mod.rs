//! Loading a spec: YAML or JSON text -> `serde_json::Value` (`raw`) -> `openapiv3`
//! types, plus a JSON pointer -> line:column map so that every later error can name
//! its place in the file.
//!
//! Both views come from the same parser (`serde_saphyr` and its event parser), so a
//! pointer built from `raw` always finds the node the map recorded. Loading also
//! rejects what makes the rest meaningless: malformed YAML, an OpenAPI version other
//! than 3.0.x, and `$ref`s to other files.

mod checks;
pub mod pointer;
mod schema_shape;
mod source_map;
mod structure;

use std::path::Path;

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics, Location};

pub use source_map::{MAX_DEPTH, SourceMap};

/// A spec file, loaded and checked to be a structurally valid OpenAPI 3.0 document.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The file name used in messages.
    pub display_path: String,
    pub document: openapiv3::OpenAPI,
    /// The document as plain JSON, for what `openapiv3` does not keep (unknown
    /// keywords, numbers exactly as written).
    pub raw: Value,
    pub source_map: SourceMap,
}

impl LoadedSpec {
    /// Where the node at `pointer` is, or its nearest located ancestor.
    pub fn locate(&self, pointer: &str) -> Location {
        let (line, column) = self.source_map.get(pointer);
        Location {
            file: self.display_path.clone(),
            line,
            column,
        }
    }

    /// A diagnostic at `pointer`.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            location: self.locate(pointer),
            pointer: Some(pointer.to_owned()),
            message: message.into(),
            help: None,
        }
    }
}

/// Loads the spec at `path`; messages name the file as `path` is written.
pub fn load_file(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    let display_path = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(&display_path, &text),
        Err(error) => Err(Diagnostic {
            location: Location {
                file: display_path,
                line: 1,
                column: 1,
            },
            pointer: None,
            message: format!("cannot read the spec: {error}"),
            help: None,
        }
        .into()),
    }
}

/// Loads a spec from `text`; `display_path` is the file name used in messages.
pub fn load_str(display_path: &str, text: &str) -> Result<LoadedSpec, Diagnostics> {
    let at = |line: usize, column: usize| Location {
        file: display_path.to_owned(),
        line,
        column,
    };
    let source_map = SourceMap::build(text).map_err(|e| Diagnostic {
        location: at(e.line, e.column),
        pointer: None,
        message: format!("malformed YAML: {}", e.message),
        help: e.help,
    })?;
    // OpenAPI 3.0 documents are YAML 1.2 (core schema): only `true`/`false` are
    // booleans, so `required: [x, y]` and `enum: [SE, NO]` stay strings.
    let options = serde_saphyr::options! { strict_booleans: true };
    let raw: Value = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (to_usize(l.line()), to_usize(l.column())))
            .unwrap_or((1, 1));
        Diagnostic {
            location: at(line, column),
            pointer: None,
            message: format!("malformed YAML: {}", plain_message(&e)),
            help: None,
        }
    })?;

    let mut spec = LoadedSpec {
        display_path: display_path.to_owned(),
        document: openapiv3::OpenAPI::default(),
        raw,
        source_map,
    };
    checks::version(&spec)?;
    let problems = checks::external_refs(&spec);
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    let problems = schema_shape::check(&spec);
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    let readable = for_openapiv3(&spec.raw);
    spec.document = serde_path_to_error::deserialize(&*readable).map_err(|e| {
        // The path is lost inside buffered parts (`paths`, `responses`, `$ref`-able
        // objects): find the offending node itself.
        let (pointer, message) = structure::locate_error(&spec.raw)
            .unwrap_or_else(|| (checks::error_pointer(e.path()), e.inner().to_string()));
        spec.error(
            &pointer,
            format!("not a valid OpenAPI 3.0 document: {message}"),
        )
    })?;
    Ok(spec)
}

/// The document as `openapiv3` can read it. It models an operation's callback as a
/// map of path items, without the `$ref` OpenAPI 3.0 allows there
/// (`callbacks: {onChange: {$ref: '#/components/callbacks/Changed'}}`): those are
/// left out of its copy; lowering reads callbacks from `raw` and checks the `$ref`.
fn for_openapiv3(raw: &Value) -> std::borrow::Cow<'_, Value> {
    let is_ref = |callback: &Value| callback.get("$ref").is_some();
    let has_ref = raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("callbacks").and_then(Value::as_object))
        .any(|callbacks| callbacks.values().any(is_ref));
    if !has_ref {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut copy = raw.clone();
    let items = copy
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for op in items {
        if let Some(callbacks) = op.get_mut("callbacks").and_then(Value::as_object_mut) {
            callbacks.retain(|_, callback| !is_ref(callback));
        }
    }
    std::borrow::Cow::Owned(copy)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX).max(1)
}

/// serde-saphyr's message without its snippet and its ` at line L, column C` suffix
/// (we print the location ourselves, compiler style).
fn plain_message(error: &serde_saphyr::Error) -> String {
    let options = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
    let text = error.without_snippet().render_with_options(options);
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_are_strings() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    P:\n      required: [x, y, n]\n      enum: [SE, NO, yes, off, On, Y]\n      properties:\n        y: {nullable: true}\n        on: {readOnly: false}\n";
        let spec = load_str("t.yaml", text).unwrap();
        let p = &spec.raw["components"]["schemas"]["P"];
        assert_eq!(p["required"], serde_json::json!(["x", "y", "n"]));
        assert_eq!(
            p["enum"],
            serde_json::json!(["SE", "NO", "yes", "off", "On", "Y"])
        );
        assert_eq!(p["properties"]["y"]["nullable"], Value::Bool(true));
        assert_eq!(p["properties"]["on"]["readOnly"], Value::Bool(false));
        assert_eq!(spec.locate("#/components/schemas/P/properties/on").line, 11);
    }
}
