//! Kotlin names for the IR's spec names: case conventions (heck), hard keywords
//! written in backticks, names the package's support code declares kept free, and
//! uniqueness within each namespace the generated code uses.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToUpperCamelCase};

use crate::ir::{Api, EnumValues, TypeDefKind};
use crate::targets::naming::{api_stem, operation_stem, unique};

/// Kotlin's hard keywords: a property or parameter with one of these names is
/// written in backticks.
const KEYWORDS: &[&str] = &[
    "as",
    "break",
    "class",
    "continue",
    "do",
    "else",
    "false",
    "for",
    "fun",
    "if",
    "in",
    "interface",
    "is",
    "null",
    "object",
    "package",
    "return",
    "super",
    "this",
    "throw",
    "true",
    "try",
    "typealias",
    "typeof",
    "val",
    "var",
    "when",
    "while",
];

/// Types the generated files use unqualified, and every name the support files
/// declare in the package: a spec type with one of these names gets a `Model`
/// suffix.
const RESERVED_TYPES: &[&str] = &[
    "AdditionalPropertiesSerializer",
    "Annotation",
    "Any",
    "Array",
    "BodySpec",
    "Boolean",
    "Byte",
    "ByteArray",
    "Char",
    "CharSequence",
    "ClientHandlingDecision",
    "ClientHandlingFailure",
    "ClientHandlingRequiredException",
    "Collection",
    "Comparable",
    "DeadLetteredFailure",
    "Deprecated",
    "Double",
    "Enum",
    "Error",
    "Exception",
    "FileData",
    "Float",
    "Function",
    "HeaderSpec",
    "HttpClient",
    "IllegalArgumentException",
    "IllegalStateException",
    "Int",
    "InvalidRequestException",
    "InvalidResponseException",
    "Iterable",
    "JsonElement",
    "Lazy",
    "List",
    "Long",
    "Map",
    "MutableList",
    "MutableMap",
    "Nothing",
    "Number",
    "NumberEnumSerializer",
    "OperationSpec",
    "OptIn",
    "Optional",
    "OptionalSerializer",
    "Pair",
    "ParameterLocation",
    "ParameterSpec",
    "PowerSyncWriteConnector",
    "PowerSyncWriteUploader",
    "Reply",
    "ResponseSpec",
    "Result",
    "SchemaViolation",
    "SecuritySchemeSpec",
    "Sequence",
    "SerialName",
    "Serializable",
    "Set",
    "Short",
    "String",
    "Suppress",
    "Throwable",
    "Transport",
    "Triple",
    "UnexpectedResponseException",
    "Unit",
    "UploadAuthenticationException",
    "UploadException",
    "UploadLimits",
    "UploadProtocolException",
    "UploadQueue",
    "UploadRejectedException",
    "UploadRetryableException",
    "UploaderOptions",
    "ValidationResult",
    "Validator",
    "WritePathReply",
];

/// Members every data class has: a property with one of these names gets a
/// `Value` suffix.
const DATA_CLASS_MEMBERS: &[&str] = &["copy", "equals", "hashCode", "toString"];

/// The Kotlin names of one API.
pub struct Names {
    /// IR type name -> Kotlin type name.
    types: BTreeMap<String, String>,
    /// operation id -> method name.
    methods: BTreeMap<String, String>,
    /// operation id -> PascalCase stem of its request/response types.
    stems: BTreeMap<String, String>,
    /// (IR type name, JSON text of a value) -> enum constant.
    constants: BTreeMap<(String, String), String>,
    /// The client class.
    client: String,
}

impl Names {
    pub fn new(api: &Api) -> Names {
        let client = format!("{}Client", api_stem(&api.title));
        // Operations' own types share the package's namespace with the models.
        let mut stems = BTreeMap::new();
        let mut taken_stems = BTreeSet::new();
        let mut exported: BTreeSet<String> = BTreeSet::new();
        exported.insert(client.clone());
        for op in &api.operations {
            let stem = unique(operation_stem(&op.id), &mut taken_stems);
            exported.insert(format!("{stem}Request"));
            exported.insert(format!("{stem}Response"));
            for r in &op.responses {
                exported.insert(format!("{stem}{}Headers", status_word(r.status)));
            }
            stems.insert(op.id.clone(), stem);
        }
        let mut taken = BTreeSet::new();
        let mut types = BTreeMap::new();
        for t in &api.types {
            let mut name = t.name.to_upper_camel_case();
            if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                name = format!("T{name}");
            }
            // Long enough to say what it is, short enough that a line naming it
            // twice (`@Serializable(with = Name.Serializer::class)`) fits ktlint's limit.
            if name.chars().count() > MAX_TYPE_NAME {
                // Cut before a word (an upper-case letter), so no word is halved.
                let chars: Vec<char> = name.chars().collect();
                let end = (1..=MAX_TYPE_NAME)
                    .rev()
                    .find(|&i| chars[i].is_uppercase())
                    .unwrap_or(MAX_TYPE_NAME);
                name = chars[..end].iter().collect();
            }
            if RESERVED_TYPES.contains(&name.as_str()) || exported.contains(&name) {
                name.push_str("Model");
            }
            types.insert(t.name.clone(), unique(name, &mut taken));
        }
        let mut methods = BTreeMap::new();
        let mut taken_methods = BTreeSet::new();
        for op in &api.operations {
            let mut method = op.id.to_lower_camel_case();
            if !method.starts_with(|c: char| c.is_ascii_alphabetic()) {
                method = format!("op{}", method.to_upper_camel_case());
            }
            // The client's own members.
            if ["baseUrl", "httpClient", "credentials", "transport"].contains(&method.as_str())
                || DATA_CLASS_MEMBERS.contains(&method.as_str())
            {
                method.push_str("Operation");
            }
            methods.insert(op.id.clone(), unique(method, &mut taken_methods));
        }
        let mut constants = BTreeMap::new();
        for t in &api.types {
            if let TypeDefKind::Enum(e) = &t.kind {
                let mut taken = BTreeSet::new();
                for (json, word) in enum_words(&e.values) {
                    constants.insert((t.name.clone(), json), unique(word, &mut taken));
                }
            }
        }
        Names {
            types,
            methods,
            stems,
            constants,
            client,
        }
    }

    /// The Kotlin name of the IR type `name`.
    pub fn type_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.types.get(name).map(String::as_str).unwrap_or(name)
    }

    pub fn method(&self, id: &str) -> &str {
        &self.methods[id]
    }

    /// `UploadData` for `uploadData`: the stem of `UploadDataRequest` and friends.
    pub fn stem(&self, id: &str) -> &str {
        &self.stems[id]
    }

    /// The constant of the enum `type_name` for the value whose JSON text is `json`.
    pub fn constant(&self, type_name: &str, json: &str) -> &str {
        &self.constants[&(type_name.to_string(), json.to_string())]
    }

    pub fn client(&self) -> &str {
        &self.client
    }
}

/// `200` or `Default`: how a response's status appears in its type names.
pub fn status_word(status: crate::ir::StatusCode) -> String {
    match status {
        crate::ir::StatusCode::Code(code) => code.to_string(),
        crate::ir::StatusCode::Default => "Default".into(),
    }
}

/// Each value's JSON text and its constant's name before uniqueness: string values
/// in SCREAMING_SNAKE_CASE, numbers as `V_1`, `V_MINUS_1`, `V_0_5`.
fn enum_words(values: &EnumValues) -> Vec<(String, String)> {
    let number = |text: String| {
        let word = text
            .replace('-', "MINUS_")
            .replace(['.', '+'], "_")
            .to_ascii_uppercase();
        (text, format!("V_{word}"))
    };
    match values {
        EnumValues::String(values) => values
            .iter()
            .map(|v| {
                let mut word = v.to_shouty_snake_case();
                if !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    word = format!("V_{word}");
                }
                (serde_json::Value::from(v.as_str()).to_string(), word)
            })
            .collect(),
        EnumValues::Integer { values, .. } => {
            values.iter().map(|v| number(v.to_string())).collect()
        }
        EnumValues::Number { values, .. } => values.iter().map(|v| number(v.to_string())).collect(),
    }
}

/// The longest type name before a suffix that makes it unique.
const MAX_TYPE_NAME: usize = 80;

/// The property names of a class (or parameters of a constructor), one per wire
/// name, in order: lowerCamelCase, made unique, data class members avoided, hard
/// keywords in backticks.
pub fn property_names<'a>(wire: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    wire.map(|w| {
        let mut name = w.to_lower_camel_case();
        if name.is_empty() {
            name = "property".into();
        } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name = format!("p{name}");
        }
        if DATA_CLASS_MEMBERS.contains(&name.as_str()) {
            name.push_str("Value");
        }
        let name = unique(name, &mut taken);
        if KEYWORDS.contains(&name.as_str()) {
            format!("`{name}`")
        } else {
            name
        }
    })
    .collect()
}

/// The Kotlin package of a package name: its words, lower case, dot-separated
/// (`powersync-write-api` -> `powersync.write.api`); a word that does not start
/// with a letter or is a keyword gets a `p` prefix.
pub fn package(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_ascii_lowercase();
            if w.starts_with(|c: char| c.is_ascii_digit()) || KEYWORDS.contains(&w.as_str()) {
                format!("p{w}")
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

// ---- Escaping: Kotlin literals and KDoc.

/// A Kotlin string literal: `"`, `\` and `$` escaped, control characters as
/// `\uXXXX`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The lines of a KDoc comment's text, without the ` * ` prefixes; none for an
/// empty text. Kotlin's block comments nest, so `/*` and `*/` in the text are
/// broken up: either would end or open a comment early.
pub fn doc_lines(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.trim()
        .lines()
        .map(|line| {
            line.trim_end()
                .replace("*/", "*&#47;")
                .replace("/*", "/&#42;")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_are_camel_case_unique_and_keywords_escaped() {
        assert_eq!(
            property_names(["client_id", "clientId", "class", "2fa", "copy", ""].into_iter()),
            [
                "clientId",
                "clientId2",
                "`class`",
                "p2fa",
                "copyValue",
                "property"
            ]
        );
    }

    #[test]
    fn enum_constants_are_screaming_and_numbers_readable() {
        let words = enum_words(&EnumValues::String(vec![
            "PUT".into(),
            "put-it".into(),
            "1a".into(),
        ]));
        let names: Vec<_> = words.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(names, ["PUT", "PUT_IT", "V_1A"]);
        let words = enum_words(&EnumValues::Integer {
            format: crate::ir::IntFormat::Int64,
            values: vec![1, -1],
        });
        let names: Vec<_> = words.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(names, ["V_1", "V_MINUS_1"]);
    }

    #[test]
    fn packages_are_dotted_words() {
        assert_eq!(package("powersync-write-api"), "powersync.write.api");
        assert_eq!(package("example.com/2nd-api"), "example.com.p2nd.api");
        assert_eq!(package("my.package"), "my.ppackage");
    }

    #[test]
    fn strings_and_docs_are_escaped() {
        assert_eq!(string("a\"b$c\\d\n"), "\"a\\\"b\\$c\\\\d\\n\"");
        assert!(doc_lines("  \n ").is_empty());
        assert_eq!(
            doc_lines("x */ y /* z\n\nlast"),
            ["x *&#47; y /&#42; z", "", "last"]
        );
    }
}
