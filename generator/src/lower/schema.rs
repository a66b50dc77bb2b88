//! Schemas -> named types and type uses. An inline object, enum, union or
//! allOf merge found where a type is used is hoisted into a named type: the parent's
//! name followed by the property name in PascalCase (`CrudEntry` + `op` ->
//! `CrudEntryOp`), `Item` for array items and `Value` for map values.

use heck::ToUpperCamelCase;
use serde_json::Value;

use super::all_of::{annotated_nullable, annotation, is_annotation_member};
use super::keywords::Shape;
use super::{Lowerer, bool_field, error_ty, name_list, pointer, str_field, string_field};
use crate::ir::{
    Bound, Constraints, EnumDef, EnumValues, Field, IntFormat, NumberFormat, StringFormat,
    StructDef, Ty, TyKind, TypeDef, TypeDefKind,
};

impl<'a> Lowerer<'a> {
    /// The named type `name` defined by the schema at `at`. `shape` is passed when
    /// the caller has already classified the schema.
    pub(super) fn define(
        &mut self,
        name: &str,
        at: &str,
        schema: &'a Value,
        shape: Option<Shape<'a>>,
    ) -> TypeDef {
        let shape = match shape {
            Some(s) => s,
            None => self.classify(at, schema),
        };
        let kind = match shape {
            Shape::OneOf => TypeDefKind::Union(self.union_def(at, schema)),
            Shape::AllOf if single_ref(schema).is_none() => {
                TypeDefKind::Struct(self.merge_all_of(name, at, schema))
            }
            Shape::Object if has_properties(schema) => {
                TypeDefKind::Struct(self.struct_def(name, at, schema))
            }
            Shape::String | Shape::Integer | Shape::Number if schema.get("enum").is_some() => {
                TypeDefKind::Enum(self.enum_def(shape, at, schema))
            }
            _ => {
                // The schema's own `nullable` applies where the type is used (see
                // `ref_ty`), not to the alias.
                let mut ty = self.shaped_ty(shape, at, schema, name);
                ty.nullable = false;
                TypeDefKind::Alias(ty)
            }
        };
        TypeDef {
            name: name.to_owned(),
            description: annotated_string(schema, "description"),
            example: annotation(schema, "example").cloned(),
            pointer: at.to_owned(),
            kind,
        }
    }

    /// The type of a value described by the schema at `at`; `name` is the name an
    /// inline schema here is hoisted under.
    pub(super) fn ty(&mut self, at: &str, schema: &'a Value, name: &str) -> Ty {
        let shape = self.classify(at, schema);
        self.shaped_ty(shape, at, schema, name)
    }

    fn shaped_ty(&mut self, shape: Shape<'a>, at: &str, schema: &'a Value, name: &str) -> Ty {
        let nullable = annotated_nullable(schema);
        let kind = match shape {
            Shape::Invalid => return error_ty(),
            Shape::Ref(reference) => return self.ref_ty(&pointer::join(at, "$ref"), reference, at),
            Shape::AllOf => match single_ref(schema) {
                Some((index, reference)) => {
                    let ref_at = pointer::join(
                        &pointer::join_index(&pointer::join(at, "allOf"), index),
                        "$ref",
                    );
                    let mut ty = self.ref_ty(&ref_at, reference, at);
                    ty.nullable |= nullable;
                    return ty;
                }
                None => self.hoist(name, at, schema, shape),
            },
            Shape::OneOf => self.hoist(name, at, schema, shape),
            Shape::Object if has_properties(schema) => self.hoist(name, at, schema, shape),
            Shape::String | Shape::Integer | Shape::Number if schema.get("enum").is_some() => {
                self.hoist(name, at, schema, shape)
            }
            Shape::Object => self.map_kind(at, schema, name),
            Shape::Any => TyKind::Any,
            Shape::Array => {
                let items_at = pointer::join(at, "items");
                match schema.get("items") {
                    Some(items) => {
                        TyKind::Array(Box::new(self.ty(&items_at, items, &format!("{name}Item"))))
                    }
                    None => {
                        self.error(
                            at,
                            "an array needs `items`",
                            Some("add `items: {}` for any values, or the items' schema".to_owned()),
                        );
                        TyKind::Array(Box::new(error_ty()))
                    }
                }
            }
            Shape::String => TyKind::String(string_format(str_field(schema, "format"))),
            Shape::Integer => TyKind::Integer(self.int_format(at, schema)),
            Shape::Number => TyKind::Number(self.number_format(at, schema)),
            Shape::Boolean => TyKind::Boolean,
        };
        if shape == Shape::Boolean && schema.get("enum").is_some() {
            self.error(
                &pointer::join(at, "enum"),
                "an enum of boolean values is not supported; supported are string, integer and number enums",
                Some("drop `enum` (a boolean has two values already), or use `type: string` with the values as strings".to_owned()),
            );
        }
        let constraints = self.constraints(shape, at, schema);
        Ty {
            kind,
            nullable,
            constraints,
        }
    }

    /// A reference to a component schema, used at `use_at`. A schema marked
    /// `nullable` makes every use of it nullable.
    pub(super) fn ref_ty(&mut self, ref_at: &str, reference: &str, use_at: &str) -> Ty {
        match self.schema_ref(ref_at, reference) {
            Some((name, target)) => {
                self.use_of(&name, use_at);
                Ty {
                    kind: TyKind::Named(name),
                    nullable: annotated_nullable(target),
                    constraints: Constraints::default(),
                }
            }
            None => error_ty(),
        }
    }

    /// Hoists the inline schema at `at` into the named type `name`.
    fn hoist(&mut self, name: &str, at: &str, schema: &'a Value, shape: Shape<'a>) -> TyKind {
        if let Some(existing) = self.hoisted.get(at) {
            let existing = existing.clone();
            self.use_of(&existing, at);
            return TyKind::Named(existing);
        }
        if let Some(other) = self.names.get(name).cloned() {
            let place = self.place(&other);
            self.error(
                at,
                format!("this inline schema would be named `{name}`, but that name is already taken by the schema at {place}"),
                Some("move this schema to `components/schemas` under a name of your choice and `$ref` it, or rename the other schema".to_owned()),
            );
            return TyKind::Any;
        }
        self.names.insert(name.to_owned(), at.to_owned());
        self.hoisted.insert(at.to_owned(), name.to_owned());
        self.use_of(name, at);
        let slot = self.reserve();
        let def = self.define(name, at, schema, Some(shape));
        self.fill(slot, def);
        TyKind::Named(name.to_owned())
    }

    /// `type: object` without properties: a map.
    fn map_kind(&mut self, at: &str, schema: &'a Value, name: &str) -> TyKind {
        let values = self
            .additional_properties(at, schema, name)
            .unwrap_or_else(|| Ty::new(TyKind::Any));
        TyKind::Map(Box::new(values))
    }

    /// The type of `additionalProperties`, when it has a schema that says something.
    pub(super) fn additional_properties(
        &mut self,
        at: &str,
        schema: &'a Value,
        name: &str,
    ) -> Option<Ty> {
        let ap_at = pointer::join(at, "additionalProperties");
        match schema.get("additionalProperties") {
            None | Some(Value::Bool(true)) => None,
            Some(Value::Object(map)) if map.is_empty() => None,
            Some(Value::Bool(false)) => {
                self.error(
                    &ap_at,
                    "additionalProperties: false is not supported; supported are `true` or a schema (unknown properties are accepted and ignored)",
                    Some("remove it; readers ignore properties they do not know, which keeps old clients working with newer servers".to_owned()),
                );
                None
            }
            Some(values) => Some(self.ty(&ap_at, values, &format!("{name}Value"))),
        }
    }

    /// A struct from an object schema with properties.
    fn struct_def(&mut self, name: &str, at: &str, schema: &'a Value) -> StructDef {
        let properties_at = pointer::join(at, "properties");
        let properties: Vec<(String, String, &'a Value)> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), pointer::join(&properties_at, k), v))
                    .collect()
            })
            .unwrap_or_default();
        let required = required_list(at, schema);
        let additional_properties = self.additional_properties(at, schema, name);
        let fields = self.fields(name, &properties, &required);
        StructDef {
            fields,
            additional_properties,
            tag: None,
        }
    }

    /// Fields from (name, pointer, schema) properties; `required` lists (name,
    /// pointer of the `required` entry).
    pub(super) fn fields(
        &mut self,
        struct_name: &str,
        properties: &[(String, String, &'a Value)],
        required: &[(String, String)],
    ) -> Vec<Field> {
        for (name, at) in required {
            if !properties.iter().any(|(p, ..)| p == name) {
                let names: Vec<&str> = properties.iter().map(|(p, ..)| p.as_str()).collect();
                let help = match super::did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "add `{name}` under `properties`, or remove it from `required` (properties are {})",
                        name_list(names)
                    ),
                };
                self.error(
                    at,
                    format!("`{name}` is listed in `required` but is not a property"),
                    Some(help),
                );
            }
        }
        properties
            .iter()
            .map(|(name, at, schema)| {
                let is_tag = self
                    .discriminators
                    .get(struct_name)
                    .is_some_and(|props| props.contains(name));
                let ty = if is_tag {
                    self.tag_ty(struct_name, name, at, schema)
                } else {
                    self.ty(
                        at,
                        schema,
                        &format!("{struct_name}{}", name.to_upper_camel_case()),
                    )
                };
                Field {
                    name: name.clone(),
                    description: annotated_string(schema, "description"),
                    ty,
                    required: required.iter().any(|(r, _)| r == name),
                    default: annotation(schema, "default").cloned(),
                    example: annotation(schema, "example").cloned(),
                    deprecated: annotation(schema, "deprecated").and_then(Value::as_bool)
                        == Some(true),
                    per_item_validation: self.per_item_flag(at, schema),
                    pointer: at.clone(),
                }
            })
            .collect()
    }

    /// A union variant's discriminator property: an inline string, maybe a one-value
    /// enum, which becomes the struct's tag (checked in `union`) instead of a type.
    fn tag_ty(&mut self, struct_name: &str, property: &str, at: &str, schema: &'a Value) -> Ty {
        let shape = self.classify(at, schema);
        if shape == Shape::String
            && let Some(values) = schema.get("enum").and_then(Value::as_array)
        {
            let strings: Option<Vec<String>> = values
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect();
            if let Some(strings) = strings {
                self.tag_enums
                    .insert((struct_name.to_owned(), property.to_owned()), strings);
                return Ty {
                    kind: TyKind::String(StringFormat::Plain),
                    nullable: bool_field(schema, "nullable"),
                    constraints: Constraints::default(),
                };
            }
        }
        let name = format!("{struct_name}{}", property.to_upper_camel_case());
        self.shaped_ty(shape, at, schema, &name)
    }

    /// `format` of an integer schema.
    fn int_format(&mut self, at: &str, schema: &Value) -> IntFormat {
        match str_field(schema, "format") {
            None | Some("int64") => IntFormat::Int64,
            Some("int32") => IntFormat::Int32,
            Some(other) => {
                self.error(
                    &pointer::join(at, "format"),
                    format!("integer format `{other}` is not supported; supported are int32 and int64"),
                    Some("remove `format` for a 64-bit integer, or use `minimum`/`maximum` for a narrower range".to_owned()),
                );
                IntFormat::Int64
            }
        }
    }

    /// `format` of a number schema.
    fn number_format(&mut self, at: &str, schema: &Value) -> NumberFormat {
        match str_field(schema, "format") {
            None | Some("double") => NumberFormat::Double,
            Some("float") => NumberFormat::Float,
            Some(other) => {
                self.error(
                    &pointer::join(at, "format"),
                    format!(
                        "number format `{other}` is not supported; supported are float and double"
                    ),
                    Some("remove `format` for a double".to_owned()),
                );
                NumberFormat::Double
            }
        }
    }

    /// A string, integer or number enum (`shape` says which). Every value must have
    /// the enum's type (and fit its `format`) and be listed once; `null` is allowed,
    /// and skipped, when the schema is `nullable`.
    fn enum_def(&mut self, shape: Shape<'a>, at: &str, schema: &'a Value) -> EnumDef {
        let fixed: &[&str] = match shape {
            Shape::String => &["format", "pattern", "minLength", "maxLength"],
            _ => &["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
        };
        for key in fixed {
            if schema.get(*key).is_some() {
                let what = if shape == Shape::String {
                    "strings"
                } else {
                    "numbers"
                };
                self.error(
                    &pointer::join(at, key),
                    format!("`{key}` next to `enum` is not supported; the enum's values already fix the {what}"),
                    Some(format!("remove `{key}`")),
                );
            }
        }
        let enum_at = pointer::join(at, "enum");
        let nullable = bool_field(schema, "nullable");
        let listed: Vec<(String, &'a Value)> = schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, v)| (pointer::join_index(&enum_at, i), v))
            // With `nullable: true`, OpenAPI 3.0 wants `null` listed too.
            .filter(|(_, v)| !(nullable && v.is_null()))
            .collect();
        let values = match shape {
            Shape::Integer => {
                let format = self.int_format(at, schema);
                let values = self.enum_integers(format, &listed);
                EnumValues::Integer { format, values }
            }
            Shape::Number => {
                let format = self.number_format(at, schema);
                let values = self.enum_numbers(format, &listed);
                EnumValues::Number { format, values }
            }
            _ => EnumValues::String(self.enum_strings(&listed)),
        };
        if values.is_empty() && listed.is_empty() {
            self.error(
                &enum_at,
                "the enum has no values",
                Some("list at least one value".to_owned()),
            );
        }
        EnumDef { values }
    }

    fn enum_strings(&mut self, listed: &[(String, &Value)]) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for (here, value) in listed {
            match value {
                Value::String(s) if values.contains(s) => self.twice(here, s),
                Value::String(s) => values.push(s.clone()),
                other => self.error(
                    here,
                    format!("enum value `{other}` is not a string, but the enum is `type: string`"),
                    Some("quote the value, or use `nullable: true` for null".to_owned()),
                ),
            }
        }
        values
    }

    fn enum_integers(&mut self, format: IntFormat, listed: &[(String, &Value)]) -> Vec<i64> {
        let mut values: Vec<i64> = Vec::new();
        for (here, value) in listed {
            let Value::Number(n) = value else {
                self.not_a_number(here, value, "integer");
                continue;
            };
            let Some(i) = n.as_i64() else {
                if n.is_u64() {
                    self.error(
                        here,
                        format!("enum value `{n}` is outside the int64 range"),
                        Some("use a smaller value, or a string enum".to_owned()),
                    );
                } else {
                    self.error(
                        here,
                        format!(
                            "enum value `{n}` is not an integer, but the enum is `type: integer`"
                        ),
                        Some(
                            "write it without a fraction or exponent, or use `type: number`"
                                .to_owned(),
                        ),
                    );
                }
                continue;
            };
            if format == IntFormat::Int32 && i32::try_from(i).is_err() {
                self.error(
                    here,
                    format!("enum value `{i}` is outside the int32 range of `format: int32`"),
                    Some(
                        "use `format: int64`, or a value from -2147483648 to 2147483647".to_owned(),
                    ),
                );
            } else if values.contains(&i) {
                self.twice(here, &i.to_string());
            } else {
                values.push(i);
            }
        }
        values
    }

    fn enum_numbers(
        &mut self,
        format: NumberFormat,
        listed: &[(String, &Value)],
    ) -> Vec<serde_json::Number> {
        let mut values: Vec<serde_json::Number> = Vec::new();
        for (here, value) in listed {
            let Value::Number(n) = value else {
                self.not_a_number(here, value, "number");
                continue;
            };
            let f = n.as_f64().unwrap_or(f64::NAN);
            if format == NumberFormat::Float && f.abs() > f64::from(f32::MAX) {
                self.error(
                    here,
                    format!("enum value `{n}` is outside the range of `format: float`"),
                    Some("use `format: double`".to_owned()),
                );
            } else if values.iter().any(|v| v.as_f64() == Some(f)) {
                // `1` and `1.0` are the same number.
                self.twice(here, &n.to_string());
            } else {
                values.push(n.clone());
            }
        }
        values
    }

    fn twice(&mut self, at: &str, value: &str) {
        self.error(
            at,
            format!("enum value `{value}` is listed twice"),
            Some("remove one".to_owned()),
        );
    }

    fn not_a_number(&mut self, at: &str, value: &Value, ty: &str) {
        let help = if value.is_null() {
            "use `nullable: true` for null".to_owned()
        } else {
            format!(
                "write the values as {ty}s without quotes, or use `type: string`; the values of one enum all have the same type"
            )
        };
        self.error(
            at,
            format!(
                "enum value `{value}` is not {} {ty}, but the enum is `type: {ty}`",
                if ty == "integer" { "an" } else { "a" }
            ),
            Some(help),
        );
    }

    fn constraints(&mut self, shape: Shape<'a>, at: &str, schema: &'a Value) -> Constraints {
        let mut c = Constraints::default();
        match shape {
            Shape::String => {
                c.min_length = self.count(at, schema, "minLength");
                c.max_length = self.count(at, schema, "maxLength");
                c.pattern = string_field(schema, "pattern");
                self.check_order(at, "minLength", c.min_length, c.max_length);
            }
            Shape::Array => {
                c.min_items = self.count(at, schema, "minItems");
                c.max_items = self.count(at, schema, "maxItems");
                c.unique_items = bool_field(schema, "uniqueItems");
                self.check_order(at, "minItems", c.min_items, c.max_items);
            }
            Shape::Integer | Shape::Number => {
                c.minimum = self.bound(at, schema, "minimum", "exclusiveMinimum");
                c.maximum = self.bound(at, schema, "maximum", "exclusiveMaximum");
                if let (Some(min), Some(max)) = (&c.minimum, &c.maximum)
                    && let (Some(lo), Some(hi)) = (min.value.as_f64(), max.value.as_f64())
                    && lo > hi
                {
                    self.error(
                        &pointer::join(at, "minimum"),
                        format!("`minimum` ({lo}) is greater than `maximum` ({hi}); no value fits"),
                        None,
                    );
                }
            }
            _ => {}
        }
        c
    }

    fn count(&mut self, at: &str, schema: &Value, key: &str) -> Option<u64> {
        let value = schema.get(key)?;
        let count = value.as_u64();
        if count.is_none() {
            self.error(
                &pointer::join(at, key),
                format!("`{key}` must be a non-negative integer, found `{value}`"),
                None,
            );
        }
        count
    }

    fn check_order(&mut self, at: &str, min_key: &str, min: Option<u64>, max: Option<u64>) {
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            let max_key = min_key.replacen("min", "max", 1);
            self.error(
                &pointer::join(at, min_key),
                format!("`{min_key}` ({lo}) is greater than `{max_key}` ({hi}); no value fits"),
                None,
            );
        }
    }

    fn bound(&mut self, at: &str, schema: &Value, key: &str, exclusive_key: &str) -> Option<Bound> {
        let exclusive = bool_field(schema, exclusive_key);
        match schema.get(key) {
            Some(Value::Number(n)) => Some(Bound {
                value: n.clone(),
                exclusive,
            }),
            Some(other) => {
                self.error(
                    &pointer::join(at, key),
                    format!("`{key}` must be a number, found `{other}`"),
                    None,
                );
                None
            }
            None => {
                if exclusive {
                    self.error(
                        &pointer::join(at, exclusive_key),
                        format!("`{exclusive_key}: true` needs `{key}`; in OpenAPI 3.0 it only makes `{key}` exclusive"),
                        Some(format!("add `{key}: <number>`")),
                    );
                }
                None
            }
        }
    }
}

/// `properties` with at least one property.
pub(super) fn has_properties(schema: &Value) -> bool {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty())
}

/// `required` entries as (name, pointer).
pub(super) fn required_list(at: &str, schema: &Value) -> Vec<(String, String)> {
    let required_at = pointer::join(at, "required");
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| {
            v.as_str()
                .map(|s| (s.to_owned(), pointer::join_index(&required_at, i)))
        })
        .collect()
}

/// `allOf: [{$ref: X}]` with nothing to merge (other members, if any, only
/// annotate): the OpenAPI 3.0 way to add `nullable` or documentation to a reference.
/// Returns the reference and its member's index.
pub(super) fn single_ref(schema: &Value) -> Option<(usize, &str)> {
    if schema.get("properties").is_some() || schema.get("required").is_some() {
        return None;
    }
    let members = schema.get("allOf").and_then(Value::as_array)?;
    let mut structural = members
        .iter()
        .enumerate()
        .filter(|(_, m)| !is_annotation_member(m));
    match (structural.next(), structural.next()) {
        (Some((index, only)), None) => str_field(only, "$ref").map(|r| (index, r)),
        _ => None,
    }
}

/// A string annotation of `schema`, its own or an allOf annotation member's.
fn annotated_string(schema: &Value, key: &str) -> Option<String> {
    annotation(schema, key)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn string_format(format: Option<&str>) -> StringFormat {
    match format {
        None => StringFormat::Plain,
        Some("date-time") => StringFormat::DateTime,
        Some("date") => StringFormat::Date,
        Some("uuid") => StringFormat::Uuid,
        Some("byte") => StringFormat::Byte,
        Some("binary") => StringFormat::Binary,
        Some(other) => StringFormat::Other(other.to_owned()),
    }
}
