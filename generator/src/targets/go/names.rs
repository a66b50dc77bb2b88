//! Go names for the IR's spec names: exported MixedCaps with Go's initialisms
//! (`client_id` -> `ClientID`), names the package's own declarations use kept
//! free, and uniqueness within the package and within each struct.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;

use super::TargetError;
use crate::ir::{Api, EnumValues, TypeDefKind};

/// Words Go writes in capitals (`ID`, `URL`), as in the Go standard library.
const INITIALISMS: &[&str] = &[
    "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP",
    "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL",
    "UDP", "UI", "UID", "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS",
];

/// Exported names of the package's own declarations (support files and the
/// generated server and client): a spec type with one of these names gets a
/// `Model` suffix.
const EXPORTED: &[&str] = &[
    "Checked",
    "Client",
    "ClientCredentials",
    "ClientOptions",
    "CredentialSource",
    "Credentials",
    "DefaultBodyLimit",
    "HTTPError",
    "Handler",
    "InvalidRequestError",
    "InvalidResponseError",
    "MaxViolations",
    "NewClient",
    "Optional",
    "Options",
    "PrincipalFrom",
    "RequestFrom",
    "Response",
    "SchemaViolation",
    "Server",
    "Some",
    "StaticCredential",
    "UnexpectedResponseError",
    "Validate",
    "Violations",
    "WriteError",
];

/// Field names a generated struct cannot have: its methods and the field of the
/// properties a schema does not name.
const RESERVED_FIELDS: &[&str] = &["AdditionalProperties", "MarshalJSON", "UnmarshalJSON"];

/// The Go names of one API.
pub struct Names {
    /// IR type name -> Go type name.
    types: BTreeMap<String, String>,
    /// (IR type name, enum value as JSON) -> constant name.
    constants: BTreeMap<(String, String), String>,
    /// operation id -> method name (also the stem of its request/response types).
    methods: BTreeMap<String, String>,
    /// union IR name -> its variants' interface name.
    union_values: BTreeMap<String, String>,
}

impl Names {
    pub fn new(api: &Api) -> Result<Names, TargetError> {
        let mut taken: BTreeSet<String> = EXPORTED.iter().map(|s| s.to_string()).collect();
        // Operation names come first: each stands for a family of type names
        // (`UploadDataRequest`, `UploadData200Response`, ...), kept free below.
        let mut methods = BTreeMap::new();
        let mut taken_methods: BTreeSet<String> = ["Authenticate".to_string()].into();
        let mut families: Vec<String> = Vec::new();
        for op in &api.operations {
            let method = unique(exported(&op.id, "Op"), &mut taken_methods);
            families.push(method.clone());
            methods.insert(op.id.clone(), method);
        }
        let clashes = |name: &str| {
            families.iter().any(|stem| {
                name.strip_prefix(stem.as_str()).is_some_and(|rest| {
                    rest.ends_with("Request")
                        || rest.ends_with("Response")
                        || rest.ends_with("ResponseHeaders")
                        || rest.ends_with("ReceivedBody")
                })
            })
        };
        let mut types = BTreeMap::new();
        for t in &api.types {
            let mut name = exported(&t.name, "T");
            if taken.contains(&name) || clashes(&name) {
                name.push_str("Model");
            }
            types.insert(t.name.clone(), unique(name, &mut taken));
        }
        let mut union_values = BTreeMap::new();
        for t in &api.types {
            if let TypeDefKind::Union(_) = &t.kind {
                let name = unique(format!("{}Value", types[&t.name]), &mut taken);
                union_values.insert(t.name.clone(), name);
            }
        }
        let mut constants = BTreeMap::new();
        for t in &api.types {
            if let TypeDefKind::Enum(e) = &t.kind {
                let type_name = &types[&t.name];
                for (value, json) in enum_words(&e.values) {
                    let name = unique(format!("{type_name}{value}"), &mut taken);
                    constants.insert((t.name.clone(), json), name);
                }
            }
        }
        Ok(Names {
            types,
            constants,
            methods,
            union_values,
        })
    }

    /// The Go name of the IR type `name`.
    pub fn type_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.types.get(name).map(String::as_str).unwrap_or(name)
    }

    /// The constant of an enum value (given as its JSON text).
    pub fn constant(&self, type_name: &str, json: &str) -> &str {
        &self.constants[&(type_name.to_string(), json.to_string())]
    }

    /// The method of an operation, also the stem of its types (`UploadData`).
    pub fn method(&self, id: &str) -> &str {
        &self.methods[id]
    }

    /// The interface the variants of a union implement.
    pub fn union_value(&self, name: &str) -> &str {
        &self.union_values[name]
    }
}

/// Each enum value's word for its constant, and its JSON text.
fn enum_words(values: &EnumValues) -> Vec<(String, String)> {
    values
        .json()
        .iter()
        .map(|v| {
            let word = match v {
                serde_json::Value::String(s) => exported(s, "V"),
                other => {
                    let text = other.to_string();
                    let mut word = String::new();
                    for c in text.chars() {
                        match c {
                            '-' => word.push_str("Minus"),
                            '.' => word.push('_'),
                            '+' => {}
                            c if c.is_ascii_alphanumeric() => word.push(c),
                            _ => word.push('_'),
                        }
                    }
                    if word.starts_with(|c: char| c.is_ascii_digit()) {
                        word.insert(0, 'V');
                    }
                    word
                }
            };
            (word, v.to_string())
        })
        .collect()
}

/// The exported Go identifier for a spec name: its words (as heck splits them)
/// capitalised, initialisms in capitals; `prefix` before a name that does not
/// start with a letter, or that has no letter or digit at all.
pub fn exported(name: &str, prefix: &str) -> String {
    let mut out = String::new();
    for word in name.to_snake_case().split('_').filter(|w| !w.is_empty()) {
        let upper = word.to_uppercase();
        if INITIALISMS.contains(&upper.as_str()) {
            out.push_str(&upper);
        } else {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    // Keep only what an identifier may hold (letters and digits; heck leaves
    // other punctuation in words).
    let out: String = out
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if out.starts_with(|c: char| c.is_alphabetic() && c.is_uppercase()) {
        out
    } else {
        format!("{prefix}{out}")
    }
}

/// The field names of one struct: exported, unique, never a reserved one.
pub fn field_names<'a>(wire: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken: BTreeSet<String> = RESERVED_FIELDS.iter().map(|s| s.to_string()).collect();
    wire.map(|name| {
        let mut field = exported(name, "F");
        if RESERVED_FIELDS.contains(&field.as_str()) {
            field.push_str("Field");
        }
        unique(field, &mut taken)
    })
    .collect()
}

/// `name`, or `name2`, `name3`, ... if it is taken; records the result as taken.
pub fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// A Go interpreted string literal.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            // U+FEFF is not allowed in Go source; the others are escaped for reading.
            c if c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether encoding/json accepts `name` as a struct tag's name (no quote,
/// backslash, comma or backquote, and only letters, digits and its punctuation).
pub fn is_tag_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| "!#$%&()*+-./:;<=>?@[]^_{|}~ ".contains(c) || c.is_alphanumeric())
}

/// The lines of a `//` doc comment's text, `prefix` before the first word
/// (Go's convention: a comment starts with the name it documents).
pub fn doc_lines(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    text.lines()
        .map(|line| line.trim_end().replace('\t', "    "))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_exported_with_initialisms() {
        assert_eq!(exported("client_id", "F"), "ClientID");
        assert_eq!(exported("op_id", "F"), "OpID");
        assert_eq!(exported("uploadData", "Op"), "UploadData");
        assert_eq!(exported("write_checkpoint", "F"), "WriteCheckpoint");
        assert_eq!(exported("retry_after_ms", "F"), "RetryAfterMs");
        assert_eq!(exported("X-Request-Id", "F"), "XRequestID");
        assert_eq!(exported("2fa", "F"), "F2fa");
        assert_eq!(exported("", "F"), "F");
        assert_eq!(exported("type", "F"), "Type");
    }

    #[test]
    fn fields_are_unique_and_never_reserved() {
        let names = field_names(["id", "ID", "additionalProperties"].into_iter());
        assert_eq!(names, ["ID", "ID2", "AdditionalPropertiesField"]);
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\x01\"");
    }

    #[test]
    fn tag_names_refuse_what_encoding_json_cannot_read() {
        assert!(is_tag_name("client_id"));
        assert!(is_tag_name("X-Shards"));
        assert!(!is_tag_name("a,b"));
        assert!(!is_tag_name("a\"b"));
        assert!(!is_tag_name(""));
    }
}
