//! The validator's schema table in `validation.ts`: every named type and every type
//! use as a `Schema` object literal.

use super::literal::Lit;
use super::names::Names;
use super::names::string;
use crate::ir::{Api, Bound, EnumValues, IntFormat, Ty, TyKind, TypeDef, TypeDefKind};

/// The `Schema` literal of a type use.
pub fn of_ty(t: &Ty) -> Lit {
    let mut props: Vec<(String, Lit)> = Vec::new();
    let mut kind = |name: &str| props.push(("type".into(), Lit::str(name)));
    match &t.kind {
        TyKind::Any => return Lit::Object(vec![("type".into(), Lit::str("any"))]),
        TyKind::Boolean => kind("boolean"),
        TyKind::Integer(format) => {
            kind("integer");
            props.push(("format".into(), Lit::str(int_format(*format))));
        }
        TyKind::Number(_) => kind("number"),
        TyKind::String(_) => kind("string"),
        TyKind::Array(item) => {
            kind("array");
            props.push(("items".into(), of_ty(item)));
        }
        TyKind::Map(value) => {
            kind("map");
            props.push(("values".into(), of_ty(value)));
        }
        TyKind::Named(name) => {
            kind("ref");
            props.push(("name".into(), Lit::str(name.as_str())));
        }
    }
    if t.nullable {
        props.push(("nullable".into(), Lit::raw("true")));
    }
    let c = &t.constraints;
    if let Some(b) = &c.minimum {
        props.push(("minimum".into(), bound(b)));
    }
    if let Some(b) = &c.maximum {
        props.push(("maximum".into(), bound(b)));
    }
    let mut count = |name: &str, value: Option<u64>| {
        if let Some(v) = value {
            props.push((name.into(), Lit::raw(v.to_string())));
        }
    };
    count("minLength", c.min_length);
    count("maxLength", c.max_length);
    count("minItems", c.min_items);
    count("maxItems", c.max_items);
    if let Some(pattern) = &c.pattern {
        props.push(("pattern".into(), Lit::str(pattern.as_str())));
    }
    if c.unique_items {
        props.push(("uniqueItems".into(), Lit::raw("true")));
    }
    Lit::Object(props)
}

fn bound(b: &Bound) -> Lit {
    Lit::Object(vec![
        ("value".into(), Lit::raw(number(&b.value))),
        ("exclusive".into(), Lit::raw(b.exclusive.to_string())),
    ])
}

/// A number as prettier prints it (no `.0`, no exponent for ordinary values).
pub fn number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

fn int_format(format: IntFormat) -> &'static str {
    match format {
        IntFormat::Int32 => "int32",
        IntFormat::Int64 => "int64",
    }
}

/// The largest integer a JavaScript number holds exactly, `2^53 - 1`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Refuses an enum value that a JavaScript number cannot hold exactly: an integer
/// beyond `±(2^53 - 1)` would read back as its neighbour, so the validator could
/// not tell a listed value from an unlisted one.
pub fn check_enums(api: &Api) -> Result<(), super::TargetError> {
    for t in &api.types {
        let TypeDefKind::Enum(e) = &t.kind else {
            continue;
        };
        let too_large = |magnitude: Option<u64>| magnitude.is_some_and(|m| m > MAX_SAFE_INTEGER);
        let unsafe_value = match &e.values {
            EnumValues::String(_) => None,
            EnumValues::Integer { values, .. } => values
                .iter()
                .find(|v| too_large(Some(v.unsigned_abs())))
                .map(ToString::to_string),
            EnumValues::Number { values, .. } => values
                .iter()
                .find(|v| too_large(v.as_u64().or_else(|| v.as_i64().map(i64::unsigned_abs))))
                .map(ToString::to_string),
        };
        if let Some(value) = unsafe_value {
            return Err(super::TargetError {
                target: "typescript",
                message: format!(
                    "enum `{}` ({}): the value {value} is beyond 2^53 - 1, where a JavaScript number no longer holds every integer exactly; use values within ±9007199254740991, or a string enum",
                    t.name, t.pointer
                ),
            });
        }
    }
    Ok(())
}

/// An enum's values as TypeScript literals (`"a"`, `1`, `0.5`), in spec order.
pub fn enum_literals(values: &EnumValues) -> Vec<String> {
    match values {
        EnumValues::String(v) => v.iter().map(|s| string(s)).collect(),
        EnumValues::Integer { values, .. } => values.iter().map(i64::to_string).collect(),
        EnumValues::Number { values, .. } => values.iter().map(number).collect(),
    }
}

/// The `Schema` literal of a named type.
pub fn of_type_def(t: &TypeDef) -> Lit {
    match &t.kind {
        TypeDefKind::Alias(ty) => of_ty(ty),
        TypeDefKind::Enum(e) => {
            let mut props = Vec::new();
            match &e.values {
                EnumValues::String(_) => props.push(("type".into(), Lit::str("string"))),
                EnumValues::Integer { format, .. } => {
                    props.push(("type".into(), Lit::str("integer")));
                    props.push(("format".into(), Lit::str(int_format(*format))));
                }
                EnumValues::Number { .. } => props.push(("type".into(), Lit::str("number"))),
            }
            let values = enum_literals(&e.values).into_iter().map(Lit::raw).collect();
            props.push(("enum".into(), Lit::Array(values)));
            Lit::Object(props)
        }
        TypeDefKind::Union(u) => Lit::Object(vec![
            ("type".into(), Lit::str("union")),
            ("discriminator".into(), Lit::str(u.discriminator.as_str())),
            (
                "mapping".into(),
                Lit::Table {
                    entry: "SchemaName",
                    entries: u
                        .variants
                        .iter()
                        .map(|v| (v.tag.clone(), Lit::str(v.type_name.as_str())))
                        .collect(),
                },
            ),
        ]),
        TypeDefKind::Struct(s) => {
            let mut properties = Vec::new();
            if let Some(tag) = &s.tag {
                // Checked on its own, a variant's tag must be its one value.
                let schema = Lit::Object(vec![
                    ("type".into(), Lit::str("string")),
                    (
                        "enum".into(),
                        Lit::Array(vec![Lit::str(tag.value.as_str())]),
                    ),
                ]);
                properties.push((tag.property.clone(), property(schema, true)));
            }
            for f in &s.fields {
                let mut schema = of_ty(&f.ty);
                if f.per_item_validation
                    && let Lit::Object(props) = &mut schema
                {
                    props.push(("perItem".into(), Lit::raw("true")));
                }
                properties.push((f.name.clone(), property(schema, f.required)));
            }
            let mut props = vec![
                ("type".into(), Lit::str("object")),
                (
                    "properties".into(),
                    Lit::Table {
                        entry: "Property",
                        entries: properties,
                    },
                ),
            ];
            if let Some(extra) = &s.additional_properties {
                props.push(("additionalProperties".into(), of_ty(extra)));
            }
            Lit::Object(props)
        }
    }
}

fn property(schema: Lit, required: bool) -> Lit {
    Lit::Object(vec![
        ("schema".into(), schema),
        ("required".into(), Lit::raw(required.to_string())),
    ])
}

/// `export type SchemaName = ...;`: the union of every named type's spec name.
pub fn schema_names(api: &Api) -> String {
    let mut out = String::from("/** The name of a schema of the spec (`components/schemas`). */\n");
    if api.types.is_empty() {
        out.push_str("export type SchemaName = never;");
        return out;
    }
    let members: Vec<String> = api.types.iter().map(|t| string(&t.name)).collect();
    out.push_str(&format!(
        "export type SchemaName = {};",
        members.join(" | ")
    ));
    out
}

/// The `schemas` table: spec name -> `Schema`, printed after `= `, and the types it
/// needs from `validator.ts` (`Schema`, and `Property` if an entry is checked on
/// its own). Its type `Record<SchemaName, Schema>` names every key, so its own
/// entries need no `satisfies`.
pub fn table(api: &Api) -> (String, Vec<&'static str>) {
    let table = Lit::Object(
        api.types
            .iter()
            .map(|t| (t.name.clone(), of_type_def(t)))
            .collect(),
    );
    let mut imports = table.satisfied_types();
    // Defined in `schemas.ts` itself.
    imports.remove("SchemaName");
    imports.insert("Schema");
    (table.print(0), imports.into_iter().collect())
}

/// One `validate<Type>` function per named type.
pub struct ValidatorView {
    /// `export function validateX(value: unknown): Violations`.
    pub signature: String,
    pub schema: String,
    pub schema_literal: String,
}

pub fn validators(api: &Api, names: &Names) -> Vec<ValidatorView> {
    api.types
        .iter()
        .map(|t| ValidatorView {
            signature: format!(
                "export function validate{}(value: unknown): Violations",
                names.type_name(&t.name)
            ),
            schema: t.name.clone(),
            schema_literal: string(&t.name),
        })
        .collect()
}
