//! TypeScript names for the IR's spec names: case conventions (heck), reserved
//! names, and uniqueness within each namespace the generated code uses.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToLowerCamelCase, ToUpperCamelCase};

use super::TargetError;
use crate::ir::{Api, Operation};
pub use crate::targets::naming::api_stem;
use crate::targets::naming::{operation_stem, unique};

/// Global types `models.ts` uses unqualified (and a few a reader would expect to
/// mean the built-in): a spec type with one of these names gets a `Model` suffix.
const RESERVED_TYPES: &[&str] = &[
    "Array",
    "Boolean",
    "Date",
    "Error",
    "Function",
    "JSON",
    "Map",
    "Number",
    "Object",
    "Promise",
    "ReadonlyArray",
    "Record",
    "RegExp",
    "Set",
    "String",
    "Symbol",
];

/// Names the package's other modules export next to the models (`index.ts`
/// re-exports them all): a spec type with one of these names gets a `Model` suffix.
const EXPORTED: &[&str] = &[
    "AuthenticatedContext",
    "BodyEncoding",
    "BodySpec",
    "Bound",
    "Checked",
    "ClientHandlingRequiredError",
    "ClientOptions",
    "CredentialSource",
    "Credentials",
    "DEFAULT_BODY_LIMIT",
    "FetchHandler",
    "HandlerOptions",
    "HeaderSpec",
    "HttpRejection",
    "InvalidResponseError",
    "MAX_VIOLATIONS",
    "OperationSpec",
    "ParameterLocation",
    "ParameterSpec",
    "Property",
    "Received",
    "RequestContext",
    "RequestOptions",
    "ResponseSpec",
    "Schema",
    "SchemaName",
    "SchemaViolation",
    "SecuritySchemeSpec",
    "UnexpectedResponseError",
    "Violations",
];

/// Member names the generated handler interface and client already use, that
/// cannot name a method (`new(...)` in an interface is a construct signature), or
/// that every object has from `Object.prototype` (a client method `toString` that
/// sends a request would run whenever the client is turned into a string): an
/// operation with one of these gets a `_` suffix.
const RESERVED_MEMBERS: &[&str] = &[
    "authenticate",
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "new",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
];

/// The TypeScript names of one API.
pub struct Names {
    /// IR type name -> TypeScript type name.
    types: BTreeMap<String, String>,
    /// operation id -> method name.
    methods: BTreeMap<String, String>,
    /// operation id -> PascalCase stem of its request/response types.
    stems: BTreeMap<String, String>,
}

impl Names {
    pub fn new(api: &Api) -> Result<Names, TargetError> {
        let mut taken = BTreeSet::new();
        let mut types = BTreeMap::new();
        // Names of the operations' own types, which share the package's namespace.
        let mut exported: BTreeSet<String> = EXPORTED.iter().map(|s| s.to_string()).collect();
        let stem = api_stem(&api.title);
        exported.insert(format!("{stem}Handler"));
        exported.insert(format!("{stem}Client"));
        for op in &api.operations {
            let stem = operation_stem(&op.id);
            exported.insert(format!("{stem}Request"));
            exported.insert(format!("{stem}Response"));
        }
        for t in &api.types {
            let mut name = t.name.to_upper_camel_case();
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                name = format!("T{name}");
            }
            if RESERVED_TYPES.contains(&name.as_str()) || exported.contains(&name) {
                name.push_str("Model");
            }
            let name = unique(name, &mut taken);
            types.insert(t.name.clone(), name);
        }
        let mut methods = BTreeMap::new();
        let mut stems = BTreeMap::new();
        let mut taken_methods = BTreeSet::new();
        let mut taken_stems = BTreeSet::new();
        for op in &api.operations {
            let mut method = op.id.to_lower_camel_case();
            if method.is_empty() || !method.starts_with(|c: char| c.is_ascii_alphabetic()) {
                method = format!("op{}", method.to_upper_camel_case());
            }
            if RESERVED_MEMBERS.contains(&method.as_str()) {
                method.push('_');
            }
            methods.insert(op.id.clone(), unique(method, &mut taken_methods));
            let stem = unique(operation_stem(&op.id), &mut taken_stems);
            stems.insert(op.id.clone(), stem);
        }
        Ok(Names {
            types,
            methods,
            stems,
        })
    }

    /// The TypeScript name of the IR type `name`.
    pub fn type_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.types.get(name).map(String::as_str).unwrap_or(name)
    }

    pub fn method(&self, op: &Operation) -> &str {
        &self.methods[&op.id]
    }

    /// `UploadData` for `uploadData`: the stem of `UploadDataRequest` and friends.
    pub fn stem(&self, op: &Operation) -> &str {
        &self.stems[&op.id]
    }
}

/// The camelCase property name of a header (`Retry-After` -> `retryAfter`).
pub fn header_key(name: &str) -> String {
    let key = name.to_lower_camel_case();
    if key.is_empty() {
        "header".to_string()
    } else {
        key
    }
}

// ---- Escaping: TypeScript literals, keys and doc comments.

/// A string literal: double quotes unless the text holds more double than single
/// quotes (prettier's choice, so prettier leaves it alone), the chosen quote and
/// control characters escaped.
pub fn string(text: &str) -> String {
    let doubles = text.matches('"').count();
    let singles = text.matches('\'').count();
    let quote = if doubles > singles { '\'' } else { '"' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Whether `name` can be written unquoted as a property key or used as an identifier
/// (ASCII only: the generated code never needs more).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property key: bare when it can be, else a string literal.
pub fn key(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        string(name)
    }
}

/// The lines of a JSDoc comment's text, without the ` * ` prefixes; none for an
/// empty text. `*/` in the text is broken up so it cannot end the comment early.
pub fn doc_lines(text: &str) -> Vec<String> {
    text.trim()
        .lines()
        .map(|line| line.trim_end().replace("*/", "*\\/"))
        .filter(|_| !text.trim().is_empty())
        .collect()
}

#[cfg(test)]
mod escaping_tests {
    use super::*;

    #[test]
    fn strings_use_prettiers_quotes() {
        assert_eq!(string("plain"), "\"plain\"");
        assert_eq!(string("it's"), "\"it's\"");
        assert_eq!(string("say \"hi\""), "'say \"hi\"'");
        assert_eq!(string("a\\b\n"), "\"a\\\\b\\n\"");
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(key("client_id"), "client_id");
        assert_eq!(key("X-Shards"), "\"X-Shards\"");
        assert_eq!(key("2fa"), "\"2fa\"");
    }

    #[test]
    fn doc_lines_are_trimmed_and_cannot_close_the_comment() {
        assert!(doc_lines("  \n ").is_empty());
        assert_eq!(
            doc_lines("\nFirst */ line  \n\nlast\n"),
            ["First *\\/ line", "", "last"]
        );
    }
}
