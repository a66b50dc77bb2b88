//! Python names for the IR's spec names: case conventions (heck), reserved words
//! escaped, uniqueness within each namespace the generated code uses; and the
//! escaping of Python literals and docstrings.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::ir::{Api, Operation, TypeDefKind};

/// Python's keywords and soft keywords, never a name.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type",
];

/// Names a model's fields cannot take: the attributes of pydantic's `BaseModel` and
/// of the package's `WireModel`, and the built-in types the models' annotations
/// name (a field `str` would shadow `str` in the annotations after it).
const RESERVED_FIELDS: &[&str] = &[
    "bool",
    "construct",
    "copy",
    "dict",
    "float",
    "from_orm",
    "int",
    "json",
    "list",
    "model_computed_fields",
    "model_config",
    "model_construct",
    "model_copy",
    "model_dump",
    "model_dump_json",
    "model_extra",
    "model_fields",
    "model_fields_set",
    "model_json_schema",
    "model_parametrized_name",
    "model_post_init",
    "model_rebuild",
    "model_validate",
    "model_validate_json",
    "model_validate_strings",
    "parse_file",
    "parse_obj",
    "parse_raw",
    "schema",
    "schema_json",
    "str",
    "to_json",
    "to_json_value",
    "update_forward_refs",
    "validate",
    "wire_nullable",
    "wire_optional",
];

/// Names the package's modules use next to the models (the models' imports, the
/// names `__init__.py` exports): a spec type with one of these names gets a `Model`
/// suffix.
const RESERVED_TYPES: &[&str] = &[
    "Annotated",
    "Any",
    "AsgiApp",
    "AuthenticatedContext",
    "Checked",
    "ClassVar",
    "ConfigDict",
    "Core",
    "Credentials",
    "DEFAULT_BODY_LIMIT",
    "False",
    "Field",
    "File",
    "HttpRejection",
    "Invalid",
    "Literal",
    "MAX_VIOLATIONS",
    "None",
    "OPERATIONS",
    "Optional",
    "Options",
    "Request",
    "RequestContext",
    "Response",
    "SECURITY_SCHEMES",
    "True",
    "TypeAlias",
    "Union",
    "Valid",
    "WireModel",
];

/// Method names the handler protocol and the clients already use.
const RESERVED_METHODS: &[&str] = &["aclose", "authenticate", "close"];

/// Attributes every typed response has.
const RESERVED_HEADER_KEYS: &[&str] = &["body", "status"];

/// The Python names of one API.
pub struct Names {
    types: BTreeMap<String, String>,
    methods: BTreeMap<String, String>,
    stems: BTreeMap<String, String>,
    /// (type name, wire name) -> Python field name.
    fields: BTreeMap<(String, String), String>,
}

impl Names {
    pub fn new(api: &Api) -> Names {
        let mut exported: BTreeSet<String> = RESERVED_TYPES.iter().map(|s| s.to_string()).collect();
        let stem = api_stem(&api.title);
        exported.insert(format!("{stem}Handler"));
        exported.insert(format!("{stem}Client"));
        exported.insert(format!("Async{stem}Client"));
        let mut stems = BTreeMap::new();
        let mut taken_stems = BTreeSet::new();
        for op in &api.operations {
            let stem = unique(operation_stem(&op.id), &mut taken_stems);
            for suffix in [
                "Request",
                "ReceivedRequest",
                "ReceivedBody",
                "Response",
                "Default",
            ] {
                exported.insert(format!("{stem}{suffix}"));
            }
            for r in &op.responses {
                if let crate::ir::StatusCode::Code(code) = r.status {
                    exported.insert(format!("{stem}{code}"));
                }
            }
            stems.insert(op.id.clone(), stem);
        }
        let mut taken = BTreeSet::new();
        let mut types = BTreeMap::new();
        for t in &api.types {
            let mut name = identifier(&t.name.to_upper_camel_case());
            if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                name = format!("T{name}");
            }
            if exported.contains(&name) {
                name.push_str("Model");
            }
            types.insert(t.name.clone(), unique(name, &mut taken));
        }
        let mut fields = BTreeMap::new();
        for t in &api.types {
            if let TypeDefKind::Struct(s) = &t.kind {
                let mut taken = BTreeSet::new();
                let wire = s
                    .tag
                    .iter()
                    .map(|tag| tag.property.as_str())
                    .chain(s.fields.iter().map(|f| f.name.as_str()));
                for name in wire {
                    let python = unique(field_name(name), &mut taken);
                    fields.insert((t.name.clone(), name.to_string()), python);
                }
            }
        }
        let mut methods = BTreeMap::new();
        let mut taken_methods = BTreeSet::new();
        for op in &api.operations {
            let mut method = snake(&op.id, "op");
            if KEYWORDS.contains(&method.as_str()) || RESERVED_METHODS.contains(&method.as_str()) {
                method.push('_');
            }
            methods.insert(op.id.clone(), unique(method, &mut taken_methods));
        }
        Names {
            types,
            methods,
            stems,
            fields,
        }
    }

    /// The Python name of the IR type `name`.
    pub fn type_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.types.get(name).map(String::as_str).unwrap_or(name)
    }

    /// The Python name of the property `wire` of the struct `type_name`.
    pub fn field<'a>(&'a self, type_name: &str, wire: &'a str) -> &'a str {
        self.fields
            .get(&(type_name.to_string(), wire.to_string()))
            .map(String::as_str)
            .unwrap_or(wire)
    }

    pub fn method(&self, op: &Operation) -> &str {
        &self.methods[&op.id]
    }

    /// `UploadData` for `uploadData`: the stem of `UploadDataRequest` and friends.
    pub fn stem(&self, op: &Operation) -> &str {
        &self.stems[&op.id]
    }
}

/// `text` with every character that cannot be in a Python identifier (ASCII only)
/// replaced by `_`.
fn identifier(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// snake_case, made an identifier that does not start with a digit or `_`;
/// `fallback` names an empty result.
fn snake(text: &str, fallback: &str) -> String {
    let name = identifier(&text.to_snake_case());
    let name = name.trim_start_matches('_').to_string();
    if name.is_empty() {
        fallback.to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{fallback}_{name}")
    } else {
        name
    }
}

/// A model field's name: snake_case, not a keyword or a `BaseModel` attribute, and
/// not starting with `_` (pydantic keeps such names private).
pub fn field_name(wire: &str) -> String {
    let mut name = snake(wire, "field");
    if KEYWORDS.contains(&name.as_str()) || RESERVED_FIELDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A response header's attribute name (`Retry-After` -> `retry_after`).
pub fn header_key(name: &str) -> String {
    let mut key = snake(name, "header");
    if KEYWORDS.contains(&key.as_str()) || RESERVED_HEADER_KEYS.contains(&key.as_str()) {
        key.push('_');
    }
    key
}

/// The PascalCase stem of an operation's types.
fn operation_stem(id: &str) -> String {
    let stem = identifier(&id.to_upper_camel_case());
    if stem.starts_with(|c: char| c.is_ascii_alphabetic()) {
        stem
    } else {
        format!("Op{stem}")
    }
}

/// PascalCase of an API title, for the handler and client names.
pub fn api_stem(title: &str) -> String {
    let stem = identifier(&title.to_upper_camel_case());
    if stem.starts_with(|c: char| c.is_ascii_alphabetic()) {
        stem
    } else {
        format!("Api{stem}")
    }
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

/// A Python string literal in double quotes.
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
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The lines of a docstring's text: trimmed, backslashes doubled and `"""` broken
/// up so the text cannot end the docstring or make an escape; none for an empty
/// text.
pub fn doc_lines(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.trim()
        .lines()
        .map(|line| {
            line.trim_end()
                .replace('\\', "\\\\")
                .replace("\"\"\"", "\\\"\\\"\\\"")
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
        })
        .map(|line| {
            // A docstring ending in `"` would make four quotes in a row.
            if line.ends_with('"') {
                format!("{}\\\"", &line[..line.len() - 1])
            } else {
                line
            }
        })
        .collect()
}

/// A JSON value as a Python literal (`true` -> `True`, `null` -> `None`).
pub fn literal(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), literal(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_snake_case_identifiers_that_pydantic_keeps_public() {
        assert_eq!(field_name("clientId"), "client_id");
        assert_eq!(field_name("__proto__"), "proto");
        assert_eq!(field_name("class"), "class_");
        assert_eq!(field_name("model_dump"), "model_dump_");
        assert_eq!(field_name("str"), "str_");
        assert_eq!(field_name("2fa"), "field_2fa");
        assert_eq!(field_name("é"), "field");
        assert_eq!(header_key("Retry-After"), "retry_after");
        assert_eq!(header_key("Status"), "status_");
        let api = crate::ir::Api {
            title: "T".into(),
            version: "1".into(),
            description: None,
            types: ["None", "field", "Options"]
                .iter()
                .map(|name| crate::ir::TypeDef {
                    name: name.to_string(),
                    description: None,
                    example: None,
                    pointer: String::new(),
                    kind: TypeDefKind::Alias(crate::ir::Ty::new(crate::ir::TyKind::Boolean)),
                })
                .collect(),
            operations: Vec::new(),
            security_schemes: Vec::new(),
        };
        let names = Names::new(&api);
        assert_eq!(names.type_name("None"), "NoneModel");
        assert_eq!(names.type_name("field"), "FieldModel");
        assert_eq!(names.type_name("Options"), "OptionsModel");
    }

    #[test]
    fn literals_and_docstrings_are_escaped() {
        assert_eq!(string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(
            literal(&serde_json::json!({"a": [true, null, 1.5]})),
            "{\"a\": [True, None, 1.5]}"
        );
        assert_eq!(doc_lines("x \"\"\" y\\z\n"), ["x \\\"\\\"\\\" y\\\\z"]);
        assert_eq!(doc_lines("say \"hi\""), ["say \"hi\\\""]);
        assert!(doc_lines("  ").is_empty());
    }
}
