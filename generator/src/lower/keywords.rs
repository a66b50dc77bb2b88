//! Which schema keywords are supported, and where. Every keyword of a schema is
//! checked here once, before the schema is lowered: unsupported or misplaced
//! keywords are errors, never ignored (openapiv3 silently drops unknown keys, so
//! this reads the raw JSON).

use serde_json::Value;

use super::{Lowerer, did_you_mean, pointer};

/// What a schema is, as far as lowering cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape<'v> {
    Ref(&'v str),
    OneOf,
    AllOf,
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    /// No type and nothing that needs one: any JSON value.
    Any,
    /// Something was wrong and has been reported.
    Invalid,
}

/// Keywords that document a schema without changing what it accepts.
pub(super) const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "default",
    "deprecated",
    "externalDocs",
    "nullable",
    "readOnly",
    "writeOnly",
    // Documentation only: how the value would be written in XML.
    "xml",
];

/// Annotations that may stand next to `$ref` (OpenAPI 3.0 ignores `$ref` siblings;
/// these only document the use).
const REF_SIBLINGS: &[&str] = &[
    "description",
    "title",
    "example",
    "deprecated",
    "externalDocs",
];

/// Type-specific keywords and the types they apply to.
const TYPED: &[(&str, &[&str])] = &[
    ("format", &["string", "integer", "number"]),
    ("pattern", &["string"]),
    ("minLength", &["string"]),
    ("maxLength", &["string"]),
    ("minimum", &["integer", "number"]),
    ("maximum", &["integer", "number"]),
    ("exclusiveMinimum", &["integer", "number"]),
    ("exclusiveMaximum", &["integer", "number"]),
    ("items", &["array"]),
    ("minItems", &["array"]),
    ("maxItems", &["array"]),
    ("uniqueItems", &["array"]),
    ("properties", &["object"]),
    ("required", &["object"]),
    ("additionalProperties", &["object"]),
    ("enum", &["string", "integer", "number", "boolean"]),
];

const STRUCTURE: &[&str] = &["type", "$ref", "oneOf", "allOf", "discriminator"];

const TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object"];

/// Keywords we know and do not support: (keyword, message, help).
const UNSUPPORTED: &[(&str, &str, &str)] = &[
    (
        "anyOf",
        "anyOf is not supported; supported are oneOf with a discriminator (tagged unions) and allOf (merged objects)",
        "give each alternative a named object schema with a common required string property, then use `oneOf` with `discriminator: {propertyName: ...}`",
    ),
    (
        "not",
        "not is not supported; supported are schemas that say what a value is (type, enum, constraints)",
        "remove `not` and check that rule in application code",
    ),
    (
        "multipleOf",
        "multipleOf is not supported; supported numeric constraints are minimum, maximum, exclusiveMinimum and exclusiveMaximum",
        "remove `multipleOf` and check that rule in application code",
    ),
    (
        "minProperties",
        "minProperties is not supported; supported object keywords are properties, required and additionalProperties",
        "remove `minProperties` and check that rule in application code",
    ),
    (
        "maxProperties",
        "maxProperties is not supported; supported object keywords are properties, required and additionalProperties",
        "remove `maxProperties` and check that rule in application code",
    ),
    (
        "const",
        "const is not supported (it is not an OpenAPI 3.0 keyword); supported is a one-value enum",
        "write `enum: [<value>]` with `type: string`",
    ),
    (
        "if",
        "if/then/else is not supported (it is not an OpenAPI 3.0 keyword); supported are oneOf with a discriminator",
        "model the alternatives as a tagged union (`oneOf` + `discriminator`)",
    ),
    (
        "then",
        "if/then/else is not supported (it is not an OpenAPI 3.0 keyword); supported are oneOf with a discriminator",
        "model the alternatives as a tagged union (`oneOf` + `discriminator`)",
    ),
    (
        "else",
        "if/then/else is not supported (it is not an OpenAPI 3.0 keyword); supported are oneOf with a discriminator",
        "model the alternatives as a tagged union (`oneOf` + `discriminator`)",
    ),
    (
        "patternProperties",
        "patternProperties is not supported; supported is additionalProperties with a schema (a map)",
        "use `additionalProperties: <schema>` for the values, and check key patterns in application code",
    ),
    (
        "prefixItems",
        "prefixItems (tuples) is not supported; supported are arrays with one `items` schema",
        "use an object with named properties instead of a tuple",
    ),
    (
        "$defs",
        "$defs is not supported; supported are named schemas under #/components/schemas",
        "move these definitions to `components/schemas` and refer to them with `$ref: '#/components/schemas/<name>'`",
    ),
    (
        "definitions",
        "definitions is not supported; supported are named schemas under #/components/schemas",
        "move these definitions to `components/schemas` and refer to them with `$ref: '#/components/schemas/<name>'`",
    ),
    (
        "unevaluatedProperties",
        "unevaluatedProperties is not supported (it is not an OpenAPI 3.0 keyword); unknown properties are accepted and ignored",
        "remove it",
    ),
    (
        "unevaluatedItems",
        "unevaluatedItems is not supported (it is not an OpenAPI 3.0 keyword); supported are arrays with one `items` schema",
        "remove it",
    ),
    (
        "examples",
        "examples is not supported in a schema (it is OpenAPI 3.1); supported is `example`",
        "write one `example: <value>`",
    ),
];

impl<'a> Lowerer<'a> {
    /// Checks every keyword of the schema at `at` and says what it is.
    pub(super) fn classify(&mut self, at: &str, schema: &'a Value) -> Shape<'a> {
        let Some(map) = schema.as_object() else {
            self.error(at, "a schema must be a mapping", None);
            return Shape::Invalid;
        };
        for (key, value) in map {
            let here = pointer::join(at, key);
            if let Some((_, message, help)) = UNSUPPORTED.iter().find(|(k, ..)| k == key) {
                self.error(&here, *message, Some((*help).to_owned()));
            } else if (key == "readOnly" || key == "writeOnly") && value.as_bool() == Some(true) {
                self.error(
                    &here,
                    format!("{key} is not supported; supported are schemas that mean the same in requests and responses"),
                    Some("use separate schemas for what is sent and what is received".to_owned()),
                );
            } else if !key.starts_with("x-") && !is_known(key) {
                let known = ANNOTATIONS
                    .iter()
                    .chain(STRUCTURE)
                    .copied()
                    .chain(TYPED.iter().map(|(k, _)| *k));
                let help = match did_you_mean(key, known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => {
                        "remove it, or prefix it with `x-` if it is a vendor extension".to_owned()
                    }
                };
                self.error(
                    &here,
                    format!("`{key}` is not an OpenAPI 3.0 schema keyword"),
                    Some(help),
                );
            }
        }

        if let Some(reference) = map.get("$ref") {
            for key in map.keys() {
                let ignored = key != "$ref"
                    && !key.starts_with("x-")
                    && is_known(key)
                    && !REF_SIBLINGS.contains(&key.as_str());
                if ignored {
                    let help = if key == "nullable" {
                        "to make a reference nullable, write `nullable: true` next to `allOf: [{$ref: ...}]` instead".to_owned()
                    } else {
                        "move it into the referenced schema, or wrap the reference in `allOf: [{$ref: ...}]`".to_owned()
                    };
                    self.error(
                        &pointer::join(at, key),
                        format!("`{key}` next to `$ref` is ignored by OpenAPI 3.0; beside `$ref` only documentation (description, example, ...) is supported"),
                        Some(help),
                    );
                }
            }
            return match reference.as_str() {
                Some(r) => Shape::Ref(r),
                None => Shape::Invalid,
            };
        }

        let ty = match map.get("type") {
            None => None,
            Some(Value::String(t)) if TYPES.contains(&t.as_str()) => Some(t.as_str()),
            Some(other) => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_owned);
                self.error(
                    &pointer::join(at, "type"),
                    format!("type `{shown}` is not supported; supported are string, integer, number, boolean, array and object"),
                    Some("for a nullable value write one type and `nullable: true`".to_owned()),
                );
                return Shape::Invalid;
            }
        };

        if map.contains_key("oneOf") || map.contains_key("allOf") {
            let (this, other) = if map.contains_key("oneOf") {
                ("oneOf", "allOf")
            } else {
                ("allOf", "oneOf")
            };
            if map.contains_key(other) {
                self.error(
                    &pointer::join(at, other),
                    "oneOf and allOf in the same schema is not supported; supported is one of them per schema",
                    Some("give the allOf merge a name in `components/schemas` and use it as a oneOf member".to_owned()),
                );
                return Shape::Invalid;
            }
            // Siblings: documentation, `type: object`, and for allOf an extra inline member.
            for (key, value) in map {
                let fine = key == this
                    || key.starts_with("x-")
                    || !is_known(key)
                    || ANNOTATIONS.contains(&key.as_str())
                    || (key == "type" && value.as_str() == Some("object"))
                    || (this == "oneOf" && key == "discriminator")
                    || (this == "allOf" && (key == "properties" || key == "required"));
                if !fine {
                    self.error(
                        &pointer::join(at, key),
                        format!("`{key}` next to `{this}` is not supported; supported beside `{this}` are documentation keywords{}", if this == "allOf" { ", `type: object`, `properties` and `required`" } else { ", `type: object` and `discriminator`" }),
                        Some(format!("move `{key}` into the {} schemas", if this == "allOf" { "merged" } else { "variant" })),
                    );
                }
            }
            return if this == "oneOf" {
                Shape::OneOf
            } else {
                Shape::AllOf
            };
        }

        if map.contains_key("discriminator") {
            self.error(
                &pointer::join(at, "discriminator"),
                "discriminator without oneOf is not supported; supported is discriminator on a schema with `oneOf`",
                Some("put `oneOf` (with $refs to the variants) and `discriminator` on a union schema, and refer to that union".to_owned()),
            );
        }

        let mut valid = true;
        for (key, applies_to) in TYPED {
            if !map.contains_key(*key) {
                continue;
            }
            match ty {
                Some(t) if applies_to.contains(&t) => {}
                Some(t) => {
                    self.error(
                        &pointer::join(at, key),
                        format!(
                            "`{key}` does not apply to type {t}; it applies to {}",
                            applies_to.join(" and ")
                        ),
                        Some(format!("remove `{key}`, or change `type`")),
                    );
                }
                None if valid => {
                    let wanted = applies_to.first().copied().unwrap_or("object");
                    self.error(
                        &pointer::join(at, key),
                        format!("`type` is missing; `{key}` needs `type: {wanted}`"),
                        Some(format!("add `type: {wanted}` to this schema")),
                    );
                    valid = false;
                }
                None => {}
            }
        }
        if !valid {
            return Shape::Invalid;
        }
        match ty {
            None => Shape::Any,
            Some("string") => Shape::String,
            Some("integer") => Shape::Integer,
            Some("number") => Shape::Number,
            Some("boolean") => Shape::Boolean,
            Some("array") => Shape::Array,
            _ => Shape::Object,
        }
    }
}

fn is_known(key: &str) -> bool {
    ANNOTATIONS.contains(&key)
        || STRUCTURE.contains(&key)
        || TYPED.iter().any(|(k, _)| *k == key)
        || UNSUPPORTED.iter().any(|(k, ..)| *k == key)
}
