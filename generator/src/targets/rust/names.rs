//! Rust names for the IR's spec names: case conventions (heck), keyword escaping and
//! uniqueness within each namespace the generated code uses.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words that are keywords in Rust 2024 (strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be written as raw identifiers (`r#self` is not legal).
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Type names the generated modules use unqualified (prelude items); a spec type
/// with one of these names gets a suffix so it cannot shadow them.
const RESERVED_TYPES: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Drop",
    "Eq",
    "Err",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "Unpin",
    "Vec",
    "Self",
];

/// An identifier for `raw` in `snake_case`, keyword-escaped, never empty.
pub fn snake(raw: &str, fallback: &str) -> String {
    let mut s = ascii_only(&raw.to_snake_case());
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("{fallback}_{s}");
    }
    s
}

/// An identifier for `raw` in `UpperCamelCase`, never empty, never a reserved type.
pub fn camel(raw: &str, fallback: &str) -> String {
    let mut s = ascii_only(&raw.to_upper_camel_case());
    if s.is_empty() {
        s = fallback.to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("{fallback}{s}");
    }
    s
}

fn ascii_only(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// An [`Ident`] for an already legal name, escaping keywords (`r#type`, `self_`).
pub fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// Allocates unique names in one namespace: the first taker of a name keeps it, later
/// ones get a numeric suffix.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    taken: BTreeSet<String>,
    snake: bool,
}

impl Namespace {
    pub fn snake() -> Self {
        Namespace {
            taken: BTreeSet::new(),
            snake: true,
        }
    }

    pub fn camel() -> Self {
        Namespace {
            taken: BTreeSet::new(),
            snake: false,
        }
    }

    /// Marks names the generated code itself uses in this namespace.
    pub fn reserve(mut self, names: &[&str]) -> Self {
        self.taken.extend(names.iter().map(|n| (*n).to_owned()));
        self
    }

    /// A unique name derived from `base` (already converted to the right case).
    pub fn claim(&mut self, base: &str) -> String {
        let mut candidate = base.to_owned();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = if self.snake {
                format!("{base}_{n}")
            } else {
                format!("{base}{n}")
            };
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

/// The Rust names of the API's named types and their validator functions.
#[derive(Debug, Clone)]
pub struct TypeNames {
    types: BTreeMap<String, String>,
    /// Every name taken in `models.rs`'s type namespace.
    type_ns: Namespace,
    validators: BTreeMap<String, String>,
    strategies: BTreeMap<String, String>,
}

/// Whether a multipart body of `api` has a file field (the crate then has `File`).
fn has_file_fields(api: &crate::ir::Api) -> bool {
    use crate::ir::{BodyEncoding, TyKind, TypeDefKind};
    api.operations
        .iter()
        .filter_map(|op| op.request_body.as_ref())
        .filter(|b| b.encoding == BodyEncoding::Multipart)
        .any(|b| {
            let TyKind::Named(name) = &b.ty.kind else {
                return false;
            };
            let Some(TypeDefKind::Struct(st)) = api.type_def(name).map(|t| &t.kind) else {
                return false;
            };
            st.fields.iter().any(|f| {
                api.is_binary(&f.ty)
                    || matches!(&f.ty.kind, TyKind::Array(item) if api.is_binary(item))
                    || matches!(&f.ty.kind, TyKind::Named(alias)
                        if matches!(api.type_def(alias).map(|t| &t.kind),
                            Some(TypeDefKind::Alias(inner))
                                if matches!(&inner.kind, TyKind::Array(item) if api.is_binary(item))))
            })
        })
}

impl TypeNames {
    pub fn new(api: &crate::ir::Api) -> Self {
        let mut type_ns = Namespace::camel().reserve(RESERVED_TYPES);
        // The model of a multipart body's files (`models::File`), when there is one.
        if has_file_fields(api) {
            type_ns = type_ns.reserve(&["File"]);
        }
        let mut fn_ns = Namespace::snake().reserve(&["validate_schema", "validate_model"]);
        let mut strategy_ns = Namespace::snake().reserve(&["any_json", "free_form_object"]);
        let mut types = BTreeMap::new();
        let mut validators = BTreeMap::new();
        let mut strategies = BTreeMap::new();
        for def in &api.types {
            let camel_name = camel(&def.name, "Type");
            let base = if RESERVED_TYPES.contains(&camel_name.as_str())
                || (camel_name == "File" && has_file_fields(api))
            {
                format!("{camel_name}Model")
            } else {
                camel_name
            };
            types.insert(def.name.clone(), type_ns.claim(&base));
            let snake_name = snake(&def.name, "type");
            validators.insert(
                def.name.clone(),
                fn_ns.claim(&format!("validate_{snake_name}")),
            );
            strategies.insert(def.name.clone(), strategy_ns.claim(&snake_name));
        }
        TypeNames {
            types,
            type_ns,
            validators,
            strategies,
        }
    }

    /// The Rust type name of the spec type `name`.
    pub fn type_name(&self, name: &str) -> Option<&str> {
        self.types.get(name).map(String::as_str)
    }

    /// `models.rs`'s type namespace with every model's name taken, for more names
    /// (type aliases) in that module.
    pub fn model_namespace(&self) -> Namespace {
        self.type_ns.clone()
    }

    /// The validator function of the spec type `name`.
    pub fn validator(&self, name: &str) -> Option<&str> {
        self.validators.get(name).map(String::as_str)
    }

    /// The proptest strategy function of the spec type `name`.
    pub fn strategy(&self, name: &str) -> Option<&str> {
        self.strategies.get(name).map(String::as_str)
    }
}

/// The variant name for an HTTP status code: the canonical reason phrase in
/// UpperCamelCase (`429` -> `TooManyRequests`), else `Status` + the code.
pub fn status_variant(code: u16) -> String {
    match canonical_reason(code) {
        Some(reason) => camel(reason, "Status"),
        None => format!("Status{code}"),
    }
}

/// The standard reason phrases (the same table as the `http` crate's), kept here so
/// the generator's output does not depend on another crate's version.
fn canonical_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("match").to_string(), "r#match");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("op_data").to_string(), "op_data");
    }

    #[test]
    fn names_are_converted_and_never_empty() {
        assert_eq!(snake("opData", "field"), "op_data");
        assert_eq!(snake("$$", "field"), "field");
        assert_eq!(snake("1st", "field"), "field_1st");
        assert_eq!(camel("update-type", "Type"), "UpdateType");
        assert_eq!(camel("9lives", "Type"), "Type9lives");
    }

    #[test]
    fn namespaces_make_names_unique() {
        let mut ns = Namespace::snake().reserve(&["body"]);
        assert_eq!(ns.claim("body"), "body_2");
        assert_eq!(ns.claim("a"), "a");
        assert_eq!(ns.claim("a"), "a_2");
    }

    #[test]
    fn status_variants_use_reason_phrases() {
        assert_eq!(status_variant(200), "Ok");
        assert_eq!(status_variant(429), "TooManyRequests");
        assert_eq!(status_variant(299), "Status299");
    }
}
