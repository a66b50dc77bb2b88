//! Tagged unions: `oneOf` + `discriminator`, every member a `$ref` to an object
//! schema. Each variant struct carries its tag (`StructTag`) and loses the
//! discriminator property from its fields, so a variant struct belongs to one union
//! (or several with the same tag) and is not used on its own.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::keywords::Shape;
use super::schema::{has_properties, single_ref};
use super::{Lowerer, is_struct, name_list, pointer, schema_pointer, str_field};
use crate::ir::{StructTag, TyKind, TypeDefKind, UnionDef, UnionVariant};

/// Struct name -> the discriminator properties of the unions it is a member of,
/// from every `oneOf` + `discriminator` in the document.
pub(super) fn variant_discriminators(raw: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut work = vec![raw];
    while let Some(node) = work.pop() {
        match node {
            Value::Object(map) => {
                let property = map
                    .get("discriminator")
                    .and_then(|d| str_field(d, "propertyName"));
                if let (Some(property), Some(Value::Array(members))) = (property, map.get("oneOf"))
                {
                    for member in members {
                        let name = str_field(member, "$ref")
                            .and_then(pointer::parse_ref)
                            .and_then(|r| {
                                r.strip_prefix("#/components/schemas/")
                                    .map(pointer::unescape)
                            });
                        if let Some(name) = name {
                            found.entry(name).or_default().insert(property.to_owned());
                        }
                    }
                }
                work.extend(map.values());
            }
            Value::Array(items) => work.extend(items),
            _ => {}
        }
    }
    found
}

impl<'a> Lowerer<'a> {
    pub(super) fn union_def(&mut self, at: &str, schema: &'a Value) -> UnionDef {
        let one_of_at = pointer::join(at, "oneOf");
        let Some(discriminator) = schema.get("discriminator") else {
            self.error(
                &one_of_at,
                "oneOf without a discriminator is not supported; supported is oneOf with a `discriminator` whose members are $refs to object schemas",
                Some("add `discriminator: {propertyName: <a required string property of every member>}`".to_owned()),
            );
            return UnionDef {
                discriminator: String::new(),
                variants: Vec::new(),
            };
        };
        let property = str_field(discriminator, "propertyName")
            .unwrap_or_default()
            .to_owned();

        // Members, in oneOf order: (name, pointer of the `$ref`, is an object).
        let mut members: Vec<(String, String, bool)> = Vec::new();
        let items = schema
            .get("oneOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, member) in items.iter().enumerate() {
            let member_at = pointer::join_index(&one_of_at, i);
            let Shape::Ref(reference) = self.classify(&member_at, member) else {
                self.error(
                    &member_at,
                    "an inline oneOf member is not supported; supported are $refs to named object schemas",
                    Some("move this schema to `components/schemas` and refer to it with `$ref`".to_owned()),
                );
                continue;
            };
            let ref_at = pointer::join(&member_at, "$ref");
            let Some((member_name, target)) = self.schema_ref(&ref_at, reference) else {
                continue;
            };
            if members.iter().any(|(m, ..)| *m == member_name) {
                self.error(
                    &ref_at,
                    format!("`{member_name}` is listed twice in oneOf"),
                    Some("remove one".to_owned()),
                );
                continue;
            }
            let is_object = self.is_object_schema(&member_name, target);
            members.push((member_name, ref_at, is_object));
        }

        // Mapping: tag -> member, in spec order.
        let mapping_at = pointer::join(&pointer::join(at, "discriminator"), "mapping");
        let mut mapped: Vec<(String, String, String)> = Vec::new(); // (tag, member, entry pointer)
        for (tag, target) in discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let entry_at = pointer::join(&mapping_at, tag);
            let Some(target) = target.as_str() else {
                continue;
            };
            let Some(target_name) = self.mapping_target(&entry_at, target) else {
                continue;
            };
            match members.iter().find(|(m, ..)| *m == target_name) {
                None => {
                    let names = members.iter().map(|(m, ..)| m.as_str());
                    let listed = name_list(names);
                    self.error(
                        &entry_at,
                        format!("discriminator mapping `{tag}` points to `{target_name}`, which is not a oneOf member (members are {listed})"),
                        Some(format!("add `$ref: '#/components/schemas/{target_name}'` to oneOf, or remove this entry")),
                    );
                }
                Some((.., false)) => {
                    let kind = self.describe(&target_name);
                    self.error(
                        &entry_at,
                        format!("discriminator mapping `{tag}` points to `{target_name}`, which is {kind}, not an object; a union variant must be an object schema with the `{property}` property"),
                        Some(format!("map `{tag}` to an object schema that has a required `{property}: {{type: string, enum: [{tag}]}}` property")),
                    );
                }
                Some(_) => {}
            }
            mapped.push((tag.clone(), target_name, entry_at));
        }
        for (member, ref_at, is_object) in &members {
            if !is_object && !mapped.iter().any(|(_, m, _)| m == member) {
                let kind = self.describe(member);
                self.error(
                    ref_at,
                    format!("oneOf member `{member}` is {kind}, not an object; a union variant must be an object schema with the `{property}` property"),
                    Some("make the member an object schema, or wrap the value in one".to_owned()),
                );
            }
        }

        let mut variants: Vec<UnionVariant> = Vec::new();
        for (member, ref_at, _) in &members {
            let tags: Vec<&(String, String, String)> =
                mapped.iter().filter(|(_, m, _)| m == member).collect();
            let tag = match tags.as_slice() {
                [] => {
                    self.implicit_tags.insert((at.to_owned(), member.clone()));
                    member.clone()
                }
                [(tag, ..)] => tag.clone(),
                [(first, ..), (second, _, second_at), ..] => {
                    self.error(
                        second_at,
                        format!("discriminator values `{first}` and `{second}` both map to `{member}`; supported is one value per variant"),
                        Some(format!("give each value its own schema (each can `allOf` `{member}`)")),
                    );
                    first.clone()
                }
            };
            if let Some(other) = variants.iter().find(|v| v.tag == tag) {
                let other = other.type_name.clone();
                self.error(
                    ref_at,
                    format!(
                        "discriminator value `{tag}` would select both `{other}` and `{member}`"
                    ),
                    Some(format!(
                        "add a `mapping` entry giving `{member}` its own value"
                    )),
                );
                continue;
            }
            variants.push(UnionVariant {
                tag,
                type_name: member.clone(),
            });
        }
        UnionDef {
            discriminator: property,
            variants,
        }
    }

    /// A mapping value: `#/components/schemas/X` or a bare `X`.
    fn mapping_target(&mut self, entry_at: &str, target: &str) -> Option<String> {
        if target.starts_with('#') || target.contains('/') {
            return self.schema_ref(entry_at, target).map(|(name, _)| name);
        }
        if self
            .component_schemas()
            .iter()
            .any(|(n, _)| n.as_str() == target)
        {
            return Some(target.to_owned());
        }
        let names: Vec<&str> = self
            .component_schemas()
            .into_iter()
            .map(|(n, _)| n.as_str())
            .collect();
        let help = super::did_you_mean(target, names).map(|s| format!("did you mean `{s}`?"));
        self.error(
            entry_at,
            format!(
                "discriminator mapping target `{target}` does not exist in `components/schemas`"
            ),
            help,
        );
        None
    }

    /// Whether the component schema `name` lowers to a struct.
    fn is_object_schema(&mut self, name: &str, schema: &'a Value) -> bool {
        match self.classify(&schema_pointer(name), schema) {
            Shape::Object => has_properties(schema),
            Shape::AllOf => single_ref(schema).is_none(),
            // Reported where the schema is defined.
            Shape::Invalid => true,
            _ => false,
        }
    }

    /// What a non-object component schema is, for messages.
    fn describe(&mut self, name: &str) -> String {
        let schema = self
            .component_schemas()
            .into_iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, s)| s);
        let Some(schema) = schema else {
            return "missing".to_owned();
        };
        match self.classify(&schema_pointer(name), schema) {
            Shape::String if schema.get("enum").is_some() => "a string enum".to_owned(),
            Shape::String => "a string schema".to_owned(),
            Shape::Integer if schema.get("enum").is_some() => "an integer enum".to_owned(),
            Shape::Integer => "an integer schema".to_owned(),
            Shape::Number if schema.get("enum").is_some() => "a number enum".to_owned(),
            Shape::Number => "a number schema".to_owned(),
            Shape::Boolean => "a boolean schema".to_owned(),
            Shape::Array => "an array schema".to_owned(),
            Shape::Object => "a map (an object without properties)".to_owned(),
            Shape::OneOf => "a union".to_owned(),
            Shape::Ref(_) | Shape::AllOf => "a reference to another schema".to_owned(),
            Shape::Any | Shape::Invalid => "a schema without a type".to_owned(),
        }
    }

    /// Moves each variant's discriminator property into its struct's tag. A variant
    /// that cannot carry its tag is reported once per problem, naming every union
    /// that selects it (one inline `oneOf` used in several places is several unions).
    pub(super) fn apply_union_tags(&mut self) {
        let collided = self.resolve_implicit_tags();
        let unions: Vec<(String, String, UnionDef)> = self
            .types
            .iter()
            .flatten()
            .filter_map(|t| match &t.kind {
                TypeDefKind::Union(u) => Some((t.name.clone(), t.pointer.clone(), u.clone())),
                _ => None,
            })
            .collect();
        let mut problems: Vec<(TagProblem, Vec<(String, String)>)> = Vec::new();
        for (union_name, union_at, union) in unions {
            for variant in &union.variants {
                for problem in self.tag_variant(&union_name, &union.discriminator, variant) {
                    // Its tag enum's value is taken: reported once, by the collision.
                    if matches!(problem.kind, TagProblemKind::OtherValues(_))
                        && collided.contains(&problem.variant)
                    {
                        continue;
                    }
                    let union = (union_name.clone(), union_at.clone());
                    match problems.iter_mut().find(|(p, _)| *p == problem) {
                        Some((_, selecting)) => selecting.push(union),
                        None => problems.push((problem, vec![union])),
                    }
                }
            }
        }
        for (problem, selecting) in problems {
            self.report_tag_problem(problem, &selecting);
        }
    }

    /// A variant without a `mapping` entry is selected by its schema's name, as the
    /// OpenAPI specification says, unless its discriminator property is a one-value
    /// `enum`: then by that value. A struct that allows only `track` could never be
    /// selected by `TrackObject`, and real specs that write no mapping mean the value.
    ///
    /// Returns the variants whose one value was already taken (reported here).
    fn resolve_implicit_tags(&mut self) -> BTreeSet<String> {
        let implicit = std::mem::take(&mut self.implicit_tags);
        let mut collisions = Vec::new();
        for def in self.types.iter_mut().flatten() {
            let TypeDefKind::Union(union) = &mut def.kind else {
                continue;
            };
            for i in 0..union.variants.len() {
                let member = union.variants[i].type_name.clone();
                if !implicit.contains(&(def.pointer.clone(), member.clone())) {
                    continue;
                }
                let key = (member.clone(), union.discriminator.clone());
                let Some([value]) = self.tag_enums.get(&key).map(Vec::as_slice) else {
                    continue;
                };
                match union.variants.iter().find(|v| v.tag == *value) {
                    Some(other) => collisions.push((
                        def.pointer.clone(),
                        value.clone(),
                        other.type_name.clone(),
                        member,
                    )),
                    None => union.variants[i].tag = value.clone(),
                }
            }
        }
        let mut collided = BTreeSet::new();
        for (at, value, other, member) in collisions {
            self.error(
                &pointer::join(&at, "discriminator"),
                format!("discriminator value `{value}` would select both `{other}` and `{member}`"),
                Some(format!(
                    "add a `mapping` entry giving `{member}` its own value, and make its `enum` match"
                )),
            );
            collided.insert(member);
        }
        collided
    }

    /// Tags the variant's struct, or returns why it cannot be.
    fn tag_variant(
        &mut self,
        union_name: &str,
        property: &str,
        variant: &UnionVariant,
    ) -> Vec<TagProblem> {
        let wanted = StructTag {
            property: property.to_owned(),
            value: variant.tag.clone(),
        };
        let Some(def) = self
            .types
            .iter()
            .flatten()
            .find(|t| t.name == variant.type_name && is_struct(&t.kind))
        else {
            return Vec::new(); // not an object: reported by union_def
        };
        let TypeDefKind::Struct(def_struct) = &def.kind else {
            return Vec::new();
        };
        let def_pointer = def.pointer.clone();
        let name = variant.type_name.as_str();
        match &def_struct.tag {
            Some(tag) if *tag == wanted => return Vec::new(),
            Some(tag) => {
                let first = self.variant_of.get(name).cloned().unwrap_or_default();
                self.error(
                    &def_pointer,
                    format!(
                        "`{name}` is a variant of both `{first}` (tag {}: {}) and `{union_name}` (tag {}: {}); a struct carries one tag",
                        tag.property, tag.value, wanted.property, wanted.value
                    ),
                    Some("define a separate schema for each union (each can `allOf` the shared properties from a common schema)".to_string()),
                );
                return Vec::new();
            }
            None => {}
        }
        let field = def_struct.fields.iter().position(|f| f.name == property);
        let Some(field) = field.and_then(|i| def_struct.fields.get(i)).cloned() else {
            return vec![TagProblem {
                at: def_pointer,
                variant: name.to_owned(),
                property: property.to_owned(),
                tag: variant.tag.clone(),
                kind: TagProblemKind::NoProperty,
            }];
        };
        let problem = |kind| TagProblem {
            at: field.pointer.clone(),
            variant: name.to_owned(),
            property: property.to_owned(),
            tag: variant.tag.clone(),
            kind,
        };
        let mut problems = Vec::new();
        if !matches!(field.ty.kind, TyKind::String(_)) || field.ty.nullable {
            problems.push(problem(TagProblemKind::NotAString));
        }
        if !field.required {
            problems.push(problem(TagProblemKind::NotRequired));
        }
        if let Some(values) = self.tag_enums.get(&(name.to_owned(), property.to_owned()))
            && values.as_slice() != [variant.tag.clone()]
        {
            problems.push(problem(TagProblemKind::OtherValues(values.clone())));
        }
        if !problems.is_empty() {
            return problems;
        }
        self.variant_of
            .insert(name.to_owned(), union_name.to_owned());
        let def = self.types.iter_mut().flatten().find(|t| t.name == name);
        if let Some(TypeDefKind::Struct(s)) = def.map(|d| &mut d.kind) {
            s.fields.retain(|f| f.name != property);
            s.tag = Some(wanted);
        }
        Vec::new()
    }

    /// One diagnostic for `problem`, shared by the unions `selecting` (name, pointer).
    fn report_tag_problem(&mut self, problem: TagProblem, selecting: &[(String, String)]) {
        let TagProblem {
            at,
            variant,
            property,
            tag,
            kind,
        } = problem;
        let unions = name_list(selecting.iter().map(|(n, _)| n.as_str()));
        let (a_union, has, it) = if selecting.len() == 1 {
            (format!("the union {unions}"), "has", "it")
        } else {
            (format!("the unions {unions}"), "have", "each")
        };
        // The tag is the schema's name when no `mapping` entry gives another value.
        let implicit = tag == variant;
        let (message, help) = match kind {
            TagProblemKind::NoProperty => (
                format!("`{variant}` is a variant of {a_union} but has no `{property}` property"),
                format!(
                    "add `{property}: {{type: string, enum: [{tag}]}}` to its properties and to `required`"
                ),
            ),
            TagProblemKind::NotAString => (
                format!(
                    "the discriminator property `{property}` of `{variant}` must be an inline, non-nullable `type: string`"
                ),
                format!("write `{property}: {{type: string, enum: [{tag}]}}`"),
            ),
            TagProblemKind::NotRequired => (
                format!(
                    "the discriminator property `{property}` must be required in `{variant}`: it selects `{variant}` in {a_union}"
                ),
                format!("add `{property}` to `required`"),
            ),
            TagProblemKind::OtherValues(values) if implicit => {
                let listed = name_list(values.iter().map(String::as_str));
                const SHOWN: usize = 3;
                let mut places: Vec<String> = selecting
                    .iter()
                    .take(SHOWN)
                    .map(|(_, union_at)| {
                        let discriminator = pointer::join(union_at, "discriminator");
                        self.spec.locate(&discriminator).to_string()
                    })
                    .collect();
                if selecting.len() > SHOWN {
                    places.push(format!("{} more", selecting.len() - SHOWN));
                }
                let value = match values.as_slice() {
                    [one] => one.clone(),
                    _ => "<value>".to_owned(),
                };
                (
                    format!(
                        "`{property}` of `{variant}` allows {listed}, but {a_union} {has} no discriminator `mapping` entry for `{variant}`, so {it} expects `{property}` to be the schema's name, `{variant}` (or the value of a one-value `enum`)"
                    ),
                    format!(
                        "add `mapping: {{{value}: '#/components/schemas/{variant}'}}` to the discriminator of {} (at {})",
                        if selecting.len() == 1 {
                            "the union"
                        } else {
                            "each union"
                        },
                        places.join(", ")
                    ),
                )
            }
            TagProblemKind::OtherValues(values) => {
                let listed = name_list(values.iter().map(String::as_str));
                (
                    format!(
                        "`{property}` of `{variant}` allows {listed}, but the discriminator mapping of {a_union} selects `{variant}` with `{tag}`"
                    ),
                    format!("make it `enum: [{tag}]`, or fix the discriminator mapping"),
                )
            }
        };
        self.error(&at, message, Some(help));
    }

    /// A variant struct has lost its tag property to the union: it cannot stand for
    /// a value on its own.
    pub(super) fn check_variant_uses(&mut self) {
        let uses = std::mem::take(&mut self.uses);
        for (name, at) in &uses {
            let Some(union_name) = self.variant_of.get(name).cloned() else {
                continue;
            };
            let property = self
                .find_type(name)
                .and_then(|t| match &t.kind {
                    TypeDefKind::Struct(s) => s.tag.as_ref().map(|tag| tag.property.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            self.error(
                at,
                format!("`{name}` is a variant of the union `{union_name}` (its `{property}` property becomes the union's tag), so it cannot also be used on its own"),
                Some(format!("refer to `{union_name}` here, or define a separate schema for this use")),
            );
        }
        self.uses = uses;
    }
}

/// Why a variant struct cannot carry a union's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TagProblem {
    /// Where to report it: the tag property, or the variant if it has none.
    at: String,
    variant: String,
    property: String,
    /// The value the union selects the variant with.
    tag: String,
    kind: TagProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TagProblemKind {
    NoProperty,
    NotAString,
    NotRequired,
    /// The property's `enum` allows other values than the tag.
    OtherValues(Vec<String>),
}
