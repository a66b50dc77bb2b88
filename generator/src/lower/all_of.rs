//! `allOf`: every member (an object schema, inline or by `$ref`, itself possibly an
//! allOf) is merged into one struct: properties in member order, `required` unioned.
//! Members that only annotate (`{description: ...}`, `{nullable: true}`) add no
//! structure: they are merged as annotations of the schema (see [`annotation`]).

use serde_json::Value;

use super::keywords::{ANNOTATIONS, Shape};
use super::schema::required_list;
use super::{Lowerer, pointer, schema_pointer};
use crate::ir::StructDef;

#[derive(Default)]
struct Merged<'a> {
    /// (name, pointer, schema) in merge order.
    properties: Vec<(String, String, &'a Value)>,
    /// (name, pointer of the `required` entry).
    required: Vec<(String, String)>,
}

impl<'a> Lowerer<'a> {
    pub(super) fn merge_all_of(&mut self, name: &str, at: &str, schema: &'a Value) -> StructDef {
        let mut merged = Merged::default();
        let mut stack = vec![name.to_owned()];
        self.merge_members(at, schema, &mut merged, &mut stack);
        // Properties and `required` beside `allOf` count as one more member.
        self.merge_object(at, schema, &mut merged);
        let fields = self.fields(name, &merged.properties, &merged.required);
        StructDef {
            fields,
            additional_properties: None,
            tag: None,
        }
    }

    fn merge_members(
        &mut self,
        at: &str,
        schema: &'a Value,
        merged: &mut Merged<'a>,
        stack: &mut Vec<String>,
    ) {
        let all_of_at = pointer::join(at, "allOf");
        let members = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, member) in members.iter().enumerate() {
            let member_at = pointer::join_index(&all_of_at, i);
            if is_annotation_member(member) {
                continue;
            }
            match self.classify(&member_at, member) {
                Shape::Ref(reference) => {
                    let ref_at = pointer::join(&member_at, "$ref");
                    let Some((target_name, target)) = self.schema_ref(&ref_at, reference) else { continue };
                    if stack.contains(&target_name) {
                        let cycle = format!("{} -> {target_name}", stack.join(" -> "));
                        self.error(&ref_at, format!("allOf cycle: {cycle}; a schema cannot include itself"), Some("remove one of these `$ref`s".to_owned()));
                        continue;
                    }
                    let target_at = schema_pointer(&target_name);
                    match self.classify(&target_at, target) {
                        Shape::AllOf => {
                            stack.push(target_name);
                            self.merge_members(&target_at, target, merged, stack);
                            self.merge_object(&target_at, target, merged);
                            stack.pop();
                        }
                        Shape::Object => self.merge_object(&target_at, target, merged),
                        Shape::Invalid => {}
                        _ => self.error(
                            &ref_at,
                            format!("allOf member `{target_name}` is not an object schema; supported allOf members are object schemas (by `$ref` or inline) and members with only annotations (description, nullable, ...)"),
                            Some("merge only objects; for alternatives use `oneOf` with a discriminator".to_owned()),
                        ),
                    }
                }
                Shape::Object => self.merge_object(&member_at, member, merged),
                Shape::Invalid => {}
                _ => self.error(
                    &member_at,
                    "this allOf member is not an object schema; supported allOf members are object schemas (by `$ref` or inline) and members with only annotations (description, nullable, ...)",
                    Some("give the member `type: object` and `properties`, or keep only annotations in it".to_owned()),
                ),
            }
        }
    }

    fn merge_object(&mut self, at: &str, schema: &'a Value, merged: &mut Merged<'a>) {
        match schema.get("additionalProperties") {
            None | Some(Value::Bool(true)) => {}
            Some(Value::Object(m)) if m.is_empty() => {}
            Some(_) => self.error(
                &pointer::join(at, "additionalProperties"),
                "additionalProperties in an allOf member is not supported; supported are members with `properties` and `required`",
                Some("define the merged object under one name with `additionalProperties` there".to_owned()),
            ),
        }
        let properties_at = pointer::join(at, "properties");
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let here = pointer::join(&properties_at, name);
            match merged.properties.iter().find(|(n, ..)| n == name) {
                Some((.., first)) if *first == property => {}
                Some((_, first_at, _)) => {
                    let place = self.place(first_at);
                    self.error(
                        &here,
                        format!("property `{name}` is defined twice in this allOf merge with different schemas: here and at {place}"),
                        Some("define it in one member only, or make both definitions identical".to_owned()),
                    );
                }
                None => merged.properties.push((name.clone(), here, property)),
            }
        }
        for (name, entry_at) in required_list(at, schema) {
            if !merged.required.iter().any(|(n, _)| *n == name) {
                merged.required.push((name, entry_at));
            }
        }
    }
}

/// An allOf member with only annotations (`description`, `nullable`, `example`, ...,
/// and `x-` extensions): it constrains nothing, so it is merged as annotations.
pub(super) fn is_annotation_member(member: &Value) -> bool {
    member.as_object().is_some_and(|m| {
        !m.is_empty()
            && m.keys()
                .all(|k| k.starts_with("x-") || ANNOTATIONS.contains(&k.as_str()))
    })
}

/// The annotation `key` of `schema`: its own, or else that of its first allOf member
/// with only annotations that has it (`allOf: [{$ref: X}, {description: ...}]`).
pub(super) fn annotation<'v>(schema: &'v Value, key: &str) -> Option<&'v Value> {
    schema.get(key).or_else(|| {
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|m| is_annotation_member(m))
            .find_map(|m| m.get(key))
    })
}

/// Whether `schema` is `nullable`, by itself or by an annotation member.
pub(super) fn annotated_nullable(schema: &Value) -> bool {
    annotation(schema, "nullable").and_then(Value::as_bool) == Some(true)
}
