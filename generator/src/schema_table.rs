//! The validator's schema table: every named schema of the spec, and every type use,
//! as the JSON data a validator interpreter walks. It is the one description of the
//! schemas that the TypeScript, Python and Go validators share: TypeScript prints it
//! as an object literal, Python and Go ship it as `schemas.json` beside their
//! validator. The keys and their meaning are the validation rules of
//! `tests/vectors/README.md`:
//!
//! - `type`: `any`, `boolean`, `integer` (with `format` `int32` or `int64`),
//!   `number`, `string`, `array` (`items`), `map` (`values`: a free-form object's
//!   values), `ref` (`name`: a named schema), `object` (`properties`: name ->
//!   `{schema, required}`, optional `additionalProperties`), `union` (`discriminator`
//!   and `mapping`: tag value -> schema name);
//! - `nullable`, `enum` (the listed values), `minimum` / `maximum`
//!   (`{value, exclusive}`), `minLength`, `maxLength`, `minItems`, `maxItems`,
//!   `pattern`, `uniqueItems`;
//! - `perItem` on an array property: a server validates its items one by one
//!   (`x-per-item-validation`).
//!
//! Object keys keep the spec's order (the walk order of violations).

use serde_json::{Map, Value, json};

use crate::ir::{Api, Bound, EnumValues, IntFormat, Ty, TyKind, TypeDef, TypeDefKind};

/// Every named schema, by spec name, in spec order.
pub fn table(api: &Api) -> Map<String, Value> {
    api.types
        .iter()
        .map(|t| (t.name.clone(), of_type_def(t)))
        .collect()
}

/// The schema of a type use.
pub fn of_ty(t: &Ty) -> Value {
    let mut out = Map::new();
    let kind = |out: &mut Map<String, Value>, name: &str| {
        out.insert("type".into(), name.into());
    };
    match &t.kind {
        TyKind::Any => return json!({"type": "any"}),
        TyKind::Boolean => kind(&mut out, "boolean"),
        TyKind::Integer(format) => {
            kind(&mut out, "integer");
            out.insert("format".into(), int_format(*format).into());
        }
        TyKind::Number(_) => kind(&mut out, "number"),
        TyKind::String(_) => kind(&mut out, "string"),
        TyKind::Array(item) => {
            kind(&mut out, "array");
            out.insert("items".into(), of_ty(item));
        }
        TyKind::Map(value) => {
            kind(&mut out, "map");
            out.insert("values".into(), of_ty(value));
        }
        TyKind::Named(name) => {
            kind(&mut out, "ref");
            out.insert("name".into(), name.as_str().into());
        }
    }
    if t.nullable {
        out.insert("nullable".into(), true.into());
    }
    let c = &t.constraints;
    if let Some(b) = &c.minimum {
        out.insert("minimum".into(), bound(b));
    }
    if let Some(b) = &c.maximum {
        out.insert("maximum".into(), bound(b));
    }
    let counts = [
        ("minLength", c.min_length),
        ("maxLength", c.max_length),
        ("minItems", c.min_items),
        ("maxItems", c.max_items),
    ];
    for (name, value) in counts {
        if let Some(v) = value {
            out.insert(name.into(), v.into());
        }
    }
    if let Some(pattern) = &c.pattern {
        out.insert("pattern".into(), pattern.as_str().into());
    }
    if c.unique_items {
        out.insert("uniqueItems".into(), true.into());
    }
    Value::Object(out)
}

fn bound(b: &Bound) -> Value {
    json!({"value": Value::Number(b.value.clone()), "exclusive": b.exclusive})
}

fn int_format(format: IntFormat) -> &'static str {
    match format {
        IntFormat::Int32 => "int32",
        IntFormat::Int64 => "int64",
    }
}

/// An enum's values as JSON, in spec order.
pub fn enum_values(values: &EnumValues) -> Vec<Value> {
    match values {
        EnumValues::String(v) => v.iter().map(|s| Value::from(s.as_str())).collect(),
        EnumValues::Integer { values, .. } => values.iter().map(|v| Value::from(*v)).collect(),
        EnumValues::Number { values, .. } => values.iter().cloned().map(Value::Number).collect(),
    }
}

/// The schema of a named type.
pub fn of_type_def(t: &TypeDef) -> Value {
    match &t.kind {
        TypeDefKind::Alias(ty) => of_ty(ty),
        TypeDefKind::Enum(e) => {
            let mut out = Map::new();
            match &e.values {
                EnumValues::String(_) => {
                    out.insert("type".into(), "string".into());
                }
                EnumValues::Integer { format, .. } => {
                    out.insert("type".into(), "integer".into());
                    out.insert("format".into(), int_format(*format).into());
                }
                EnumValues::Number { .. } => {
                    out.insert("type".into(), "number".into());
                }
            }
            out.insert("enum".into(), enum_values(&e.values).into());
            Value::Object(out)
        }
        TypeDefKind::Union(u) => {
            let mapping: Map<String, Value> = u
                .variants
                .iter()
                .map(|v| (v.tag.clone(), v.type_name.as_str().into()))
                .collect();
            json!({
                "type": "union",
                "discriminator": u.discriminator.as_str(),
                "mapping": mapping,
            })
        }
        TypeDefKind::Struct(s) => {
            let mut properties = Map::new();
            if let Some(tag) = &s.tag {
                // Checked on its own, a variant's tag must be its one value.
                let schema = json!({"type": "string", "enum": [tag.value.as_str()]});
                properties.insert(tag.property.clone(), property(schema, true));
            }
            for f in &s.fields {
                let mut schema = of_ty(&f.ty);
                if f.per_item_validation
                    && let Value::Object(props) = &mut schema
                {
                    props.insert("perItem".into(), true.into());
                }
                properties.insert(f.name.clone(), property(schema, f.required));
            }
            let mut out = Map::new();
            out.insert("type".into(), "object".into());
            out.insert("properties".into(), properties.into());
            if let Some(extra) = &s.additional_properties {
                out.insert("additionalProperties".into(), of_ty(extra));
            }
            Value::Object(out)
        }
    }
}

fn property(schema: Value, required: bool) -> Value {
    json!({"schema": schema, "required": required})
}

/// The table as the `schemas.json` file Python and Go ship: pretty-printed with two
/// spaces, ending with a newline.
pub fn json_file(api: &Api) -> String {
    let mut text = serde_json::to_string_pretty(&Value::Object(table(api)))
        .expect("a JSON value always serialises");
    text.push('\n');
    text
}
