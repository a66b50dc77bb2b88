//! `validation.rs`: one function per named type checking a raw `serde_json::Value`
//! against the schema, plus the shared checks those functions call.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::TargetError;
use super::model::{float_literal, int_literal};
use super::operations::OperationViews;
use super::types::RustTypes;
use crate::ir::{
    Bound, Constraints, EnumDef, EnumValues, IntFormat, StructDef, Ty, TyKind, TypeDef,
    TypeDefKind, UnionDef,
};

/// The regular expressions of every `pattern`, compiled once each.
#[derive(Default)]
struct Patterns {
    by_source: BTreeMap<String, usize>,
    order: Vec<String>,
}

impl Patterns {
    fn get(&mut self, source: &str) -> TokenStream {
        let next = self.order.len();
        let index = *self
            .by_source
            .entry(source.to_owned())
            .or_insert_with(|| next);
        if index == next {
            self.order.push(source.to_owned());
        }
        let id = format_ident!("PATTERN_{}", index);
        quote!(Some((#source, &*#id)))
    }

    fn statics(&self) -> TokenStream {
        let items = self.order.iter().enumerate().map(|(i, source)| {
            let id = format_ident!("PATTERN_{}", i);
            quote! {
                static #id: LazyLock<Result<Regex, regex::Error>> = LazyLock::new(|| Regex::new(#source));
            }
        });
        quote!(#(#items)*)
    }
}

pub fn render(rs: &RustTypes, views: &OperationViews) -> Result<TokenStream, TargetError> {
    let mut patterns = Patterns::default();
    let mut bodies = Vec::new();
    for view in &views.ops {
        let Some(body) = view.request.as_ref().and_then(|r| r.body.as_ref()) else {
            continue;
        };
        // Raw bytes have no schema to check.
        if body.encoding == crate::ir::BodyEncoding::Binary {
            continue;
        }
        let method = &view.method;
        let doc = format!(" Validates the request body of `{}`.", view.op.id);
        let check = check_ty(rs, body.ty, &quote!(value), &quote!(path), 0, &mut patterns)?
            .unwrap_or_else(|| quote!(let _ = (value, path, out);));
        bodies.push(quote! {
            #[doc = #doc]
            pub fn #method(value: &Value, path: &str, out: &mut Violations) {
                #check
            }
        });
    }
    // Parameters: one module per operation, one validator per parameter, so a
    // server checks every parameter against its schema (constraints and enums
    // included) before decoding, as it checks a body.
    let mut parameters = Vec::new();
    for view in &views.ops {
        let Some(request) = view.request.as_ref().filter(|r| !r.params.is_empty()) else {
            continue;
        };
        let method = &view.method;
        let mut checks = Vec::new();
        for p in &request.params {
            let field = &p.field;
            let doc = format!(
                " Validates the {} parameter `{}` of `{}`.",
                location_name(p.param.location),
                p.param.name,
                view.op.id
            );
            let check = check_ty(
                rs,
                &p.param.ty,
                &quote!(value),
                &quote!(path),
                0,
                &mut patterns,
            )?
            .unwrap_or_else(|| quote!(let _ = (value, path, out);));
            checks.push(quote! {
                #[doc = #doc]
                pub fn #field(value: &Value, path: &str, out: &mut Violations) {
                    #check
                }
            });
        }
        let doc = format!(" The validators of the parameters of `{}`.", view.op.id);
        parameters.push(quote! {
            #[doc = #doc]
            pub mod #method {
                use super::super::*;

                #(#checks)*
            }
        });
    }
    let parameters = (!parameters.is_empty()).then(|| {
        quote! {
            /// The validators of the operations' parameters, by operation and parameter.
            pub mod parameters {
                #(#parameters)*
            }
        }
    });
    let mut functions = Vec::new();
    let mut lookup = Vec::new();
    let mut envelopes = Vec::new();
    for def in &rs.api.types {
        functions.push(type_validator(rs, def, &mut patterns)?);
        if let TypeDefKind::Struct(s) = &def.kind
            && s.fields.iter().any(|f| f.per_item_validation)
        {
            envelopes.push(envelope_validator(rs, def, s, &mut patterns)?);
        }
        let name = &def.name;
        let validator = rs.validator(name)?;
        lookup.push(quote!(#name => #validator,));
    }
    // Without schemas, `match name { _ => return None }` trips clippy.
    let validator_body = if lookup.is_empty() {
        quote! {
            let _ = name;
            None
        }
    } else {
        quote! {
            Some(match name {
                #(#lookup)*
                _ => return None,
            })
        }
    };
    // Unused (a warning) when no operation has a body.
    let bodies_import = (!bodies.is_empty()).then(|| {
        quote!(
            use super::*;
        )
    });
    let statics = patterns.statics();
    let lazy_import = (!patterns.order.is_empty()).then(|| {
        quote!(
            use std::sync::LazyLock;
        )
    });
    let helpers = helpers();
    let numeric_enums = numeric_enum_helpers(rs);
    let per_item = (!envelopes.is_empty()).then(|| {
        let checked = checked_items();
        quote! {
            #checked

            /// The validators of the types with `x-per-item-validation` arrays, with those
            /// arrays' items left out: what can make a request `400` when its items are
            /// validated one by one.
            pub mod envelopes {
                use super::*;

                #(#envelopes)*
            }
        }
    });
    Ok(quote! {
        //! Validation of raw JSON against the spec's schemas, run before typed decoding.
        //!
        //! Every function reports the violations it finds as [`Violation`]s with a path
        //! (`$` is the root, `.name` or `['name']` a property, `[i]` an array item) and
        //! the JSON Schema keyword that failed. Nothing below a `type` violation is checked.
        //!
        //! A validation lists at most [`MAX_VIOLATIONS`] violations, the first ones found
        //! while walking the value in schema order, and only counts the others
        //! ([`Violations::omitted`]): an invalid value of any size costs a bounded amount
        //! of memory and gives a bounded report.
        #![allow(dead_code, clippy::ptr_arg)]

        use regex::Regex;
        use serde_json::{Map, Value};
        #lazy_import

        /// One way a value fails its schema.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub struct Violation {
            /// Where: `$.transactions[0].crud[2].op`.
            pub path: String,
            /// The schema keyword that failed (`type`, `required`, `enum`, ...).
            pub keyword: String,
            /// For people.
            pub message: String,
        }

        impl Violation {
            pub fn new(path: &str, keyword: &str, message: String) -> Self {
                Violation { path: path.to_owned(), keyword: keyword.to_owned(), message }
            }
        }

        /// The most violations one validation lists; it only counts the ones after them.
        /// The same in every language this project generates.
        pub const MAX_VIOLATIONS: usize = 100;

        /// What a validation found: the first [`MAX_VIOLATIONS`] violations, in the order
        /// they were found, and the number of further violations found but not listed.
        /// Past the cap nothing is allocated for a violation.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Violations {
            listed: Vec<Violation>,
            omitted: u64,
        }

        impl Violations {
            pub fn new() -> Self {
                Violations::default()
            }

            /// Whether [`MAX_VIOLATIONS`] are listed: any further one is only counted.
            pub fn is_full(&self) -> bool {
                self.listed.len() >= MAX_VIOLATIONS
            }

            /// Records a violation: listed while fewer than [`MAX_VIOLATIONS`] are, else
            /// counted. `make` runs only when the violation is listed.
            pub fn push(&mut self, make: impl FnOnce() -> Violation) {
                if self.is_full() {
                    self.omitted += 1;
                } else {
                    self.listed.push(make());
                }
            }

            /// Whether no violation was found.
            pub fn is_empty(&self) -> bool {
                self.listed.is_empty() && self.omitted == 0
            }

            /// The listed violations, at most [`MAX_VIOLATIONS`], in the order found.
            pub fn listed(&self) -> &[Violation] {
                &self.listed
            }

            /// How many violations were found beyond the listed ones.
            pub fn omitted(&self) -> u64 {
                self.omitted
            }

            /// How many violations were found in all.
            pub fn total(&self) -> u64 {
                self.listed.len() as u64 + self.omitted
            }

            /// The listed violations and the number omitted.
            pub fn into_parts(self) -> (Vec<Violation>, u64) {
                (self.listed, self.omitted)
            }
        }

        /// Lists the first [`MAX_VIOLATIONS`] and counts the rest.
        impl From<Vec<Violation>> for Violations {
            fn from(violations: Vec<Violation>) -> Self {
                let mut out = Violations::new();
                for violation in violations {
                    out.push(|| violation);
                }
                out
            }
        }

        /// The validator of the schema called `name` (as in the spec), if there is one.
        pub fn validator(name: &str) -> Option<fn(&Value, &str, &mut Violations)> {
            #validator_body
        }

        /// Validates `value` against the schema called `name`; `None` if the spec has no
        /// schema of that name.
        pub fn validate_schema(name: &str, value: &Value) -> Option<Violations> {
            let check = validator(name)?;
            let mut out = Violations::new();
            check(value, "$", &mut out);
            Some(out)
        }

        /// Validates a typed model by serializing it first. `tag` is the discriminator
        /// property and value of a union variant, which the variant struct does not hold.
        pub fn validate_model<T: serde::Serialize>(
            model: &T,
            tag: Option<(&str, &str)>,
            check: fn(&Value, &str, &mut Violations),
        ) -> Result<(), Violations> {
            let mut value = match serde_json::to_value(model) {
                Ok(value) => value,
                Err(error) => return Err(vec![Violation::new("$", "type", error.to_string())].into()),
            };
            if let (Some((property, tag)), Some(object)) = (tag, value.as_object_mut()) {
                object.insert(property.to_owned(), Value::String(tag.to_owned()));
            }
            let mut out = Violations::new();
            check(&value, "$", &mut out);
            if out.is_empty() { Ok(()) } else { Err(out) }
        }

        #helpers
        #numeric_enums

        fn check_string(
            value: &Value,
            path: &str,
            out: &mut Violations,
            min_length: Option<u64>,
            max_length: Option<u64>,
            pattern: Option<(&str, &Result<Regex, regex::Error>)>,
        ) {
            let Some(text) = value.as_str() else {
                return type_violation(out, path, "string", value);
            };
            // Lengths count Unicode code points, as JSON Schema does.
            let length = text.chars().count() as u64;
            if let Some(min) = min_length.filter(|min| length < *min) {
                out.push(|| Violation::new(path, "minLength", format!("must be at least {min} characters long")));
            }
            if let Some(max) = max_length.filter(|max| length > *max) {
                out.push(|| Violation::new(path, "maxLength", format!("must be at most {max} characters long")));
            }
            match pattern {
                Some((source, Ok(regex))) if !regex.is_match(text) => out.push(|| Violation::new(
                    path,
                    "pattern",
                    format!("must match the pattern `{source}`"),
                )),
                Some((source, Err(error))) => out.push(|| Violation::new(
                    path,
                    "pattern",
                    format!("the schema's pattern `{source}` is not supported: {error}"),
                )),
                _ => {}
            }
        }

        #statics

        #(#functions)*

        /// The validators of the operations' request bodies, by operation.
        pub mod bodies {
            #bodies_import

            #(#bodies)*
        }

        #parameters

        #per_item
    })
}

/// The validator of a struct with `x-per-item-validation` arrays that checks
/// everything but those arrays' items.
fn envelope_validator(
    rs: &RustTypes,
    def: &TypeDef,
    s: &StructDef,
    patterns: &mut Patterns,
) -> Result<TokenStream, TargetError> {
    let validator = rs.validator(&def.name)?;
    let doc = format!(
        " Validates a `{}` at `path` without the items of its `x-per-item-validation` arrays.",
        def.name
    );
    let body = struct_body(rs, s, patterns, true)?;
    // A number enum's values may be close to a constant clippy knows (`3.14159`).
    let allow = matches!(
        &def.kind,
        TypeDefKind::Enum(EnumDef {
            values: EnumValues::Number { .. }
        })
    )
    .then(|| quote!(#[allow(clippy::approx_constant)]));
    Ok(quote! {
        #[doc = #doc]
        #allow
        pub fn #validator(value: &Value, path: &str, out: &mut Violations) {
            #body
        }
    })
}

/// `Checked`: an item of an `x-per-item-validation` array as a server received it.
fn checked_items() -> TokenStream {
    quote! {
        /// An item of an array whose items are validated one by one
        /// (`x-per-item-validation`): valid and decoded, or invalid with its violations.
        /// It encodes as the item itself (an invalid one as the JSON received) and
        /// decodes as a valid item: only a server's per-item validation makes
        /// `Invalid`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Checked<T> {
            Valid(T),
            Invalid(InvalidItem),
        }

        /// An item that failed its schema, kept as received.
        #[derive(Debug, Clone, PartialEq)]
        pub struct InvalidItem {
            /// The item's JSON, exactly as received.
            pub raw: Value,
            /// Its violations, with paths from the request body's root
            /// (`$.transactions[1].crud[0].op`): the first `MAX_VIOLATIONS`.
            pub violations: Vec<Violation>,
            /// How many more violations it has beyond `violations`.
            pub violations_omitted: u64,
        }

        impl<T> Checked<T> {
            /// The item, if it is valid.
            pub fn valid(&self) -> Option<&T> {
                match self {
                    Checked::Valid(item) => Some(item),
                    Checked::Invalid(_) => None,
                }
            }
        }

        impl<T> From<T> for Checked<T> {
            fn from(item: T) -> Self {
                Checked::Valid(item)
            }
        }

        impl<T: serde::Serialize> serde::Serialize for Checked<T> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    Checked::Valid(item) => item.serialize(serializer),
                    Checked::Invalid(invalid) => invalid.raw.serialize(serializer),
                }
            }
        }

        impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Checked<T> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                T::deserialize(deserializer).map(Checked::Valid)
            }
        }

        /// Validates each item of a per-item array on its own (paths from `path`, the
        /// array's own path) and decodes the valid ones.
        pub fn check_items<T: serde::de::DeserializeOwned>(
            items: Vec<Value>,
            path: &str,
            validate: fn(&Value, &str, &mut Violations),
        ) -> Vec<Checked<T>> {
            items
                .into_iter()
                .enumerate()
                .map(|(index, raw)| {
                    let at = index_path(path, index);
                    let mut violations = Violations::new();
                    validate(&raw, &at, &mut violations);
                    if violations.is_empty() {
                        // Typed decoding only backs the validator up: it refuses what the
                        // schema cannot say, such as an integer beyond the Rust type.
                        match T::deserialize(&raw) {
                            Ok(item) => return Checked::Valid(item),
                            Err(error) => violations.push(|| Violation::new(&at, "type", error.to_string())),
                        }
                    }
                    let (violations, violations_omitted) = violations.into_parts();
                    Checked::Invalid(InvalidItem { raw, violations, violations_omitted })
                })
                .collect()
        }
    }
}

/// The checks that do not depend on the spec.
/// `1, 2, 3`: an enum's values for a message.
fn location_name(location: crate::ir::ParameterLocation) -> &'static str {
    match location {
        crate::ir::ParameterLocation::Path => "path",
        crate::ir::ParameterLocation::Query => "query",
        crate::ir::ParameterLocation::Header => "header",
        crate::ir::ParameterLocation::Cookie => "cookie",
    }
}

fn shown(values: impl Iterator<Item = String>) -> String {
    values.collect::<Vec<_>>().join(", ")
}

/// The checks of integer and number enums, when the spec has one.
fn numeric_enum_helpers(rs: &RustTypes) -> Option<TokenStream> {
    let (mut integer, mut number) = (false, false);
    for def in &rs.api.types {
        if let TypeDefKind::Enum(e) = &def.kind {
            integer |= matches!(e.values, EnumValues::Integer { .. });
            number |= matches!(e.values, EnumValues::Number { .. });
        }
    }
    let integer = integer.then(|| {
        quote! {
            /// An integer enum: an integer (written without fraction or exponent), one of
            /// `allowed` (`shown` lists them for the message).
            fn check_integer_enum(value: &Value, path: &str, out: &mut Violations, allowed: &[i64], shown: &str) {
                let number = match value {
                    Value::Number(n) if n.is_i64() || n.is_u64() => n,
                    _ => return type_violation(out, path, "integer", value),
                };
                if !number.as_i64().is_some_and(|i| allowed.contains(&i)) {
                    out.push(|| Violation::new(path, "enum", format!("must be one of {shown}")));
                }
            }
        }
    });
    let number = number.then(|| {
        quote! {
            /// A number enum: a number equal to one of `allowed` (`1.0` equals `1`).
            fn check_number_enum(value: &Value, path: &str, out: &mut Violations, allowed: &[f64], shown: &str) {
                let Some(number) = value.as_f64() else {
                    return type_violation(out, path, "number", value);
                };
                if !allowed.contains(&number) {
                    out.push(|| Violation::new(path, "enum", format!("must be one of {shown}")));
                }
            }
        }
    });
    (integer.is_some() || number.is_some()).then(|| quote!(#integer #number))
}

fn helpers() -> TokenStream {
    quote! {
        /// The path of property `name` below `path`.
        pub fn property_path(path: &str, name: &str) -> String {
            let mut chars = name.chars();
            let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if plain {
                format!("{path}.{name}")
            } else {
                let escaped = name.replace('\\', "\\\\").replace('\'', "\\'");
                format!("{path}['{escaped}']")
            }
        }

        /// The path of item `index` below `path`.
        pub fn index_path(path: &str, index: usize) -> String {
            format!("{path}[{index}]")
        }

        /// [`property_path`], or an empty string once `out` is full: no violation is
        /// listed any more, so the path would go unused, and a huge invalid value does
        /// not allocate a path for each of its nodes.
        fn property_path_in(out: &Violations, path: &str, name: &str) -> String {
            if out.is_full() { String::new() } else { property_path(path, name) }
        }

        /// [`index_path`], or an empty string once `out` is full (see
        /// [`property_path_in`]).
        fn index_path_in(out: &Violations, path: &str, index: usize) -> String {
            if out.is_full() { String::new() } else { index_path(path, index) }
        }

        fn json_type(value: &Value) -> &'static str {
            match value {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            }
        }

        fn type_violation(out: &mut Violations, path: &str, expected: &str, value: &Value) {
            out.push(|| Violation::new(path, "type", format!("expected {expected}, found {}", json_type(value))));
        }

        fn required(out: &mut Violations, path: &str, name: &str) {
            out.push(|| Violation::new(&property_path(path, name), "required", format!("`{name}` is required")));
        }

        fn expect_object<'v>(value: &'v Value, path: &str, out: &mut Violations) -> Option<&'v Map<String, Value>> {
            let object = value.as_object();
            if object.is_none() {
                type_violation(out, path, "object", value);
            }
            object
        }

        #[derive(Debug, Clone, Copy)]
        enum Limit {
            Int(i128),
            Float(f64),
        }

        /// A `minimum` or `maximum`.
        #[derive(Debug, Clone, Copy)]
        struct Bound {
            limit: Limit,
            exclusive: bool,
        }

        fn number_limit(number: &serde_json::Number) -> Option<Limit> {
            if let Some(i) = number.as_i64() {
                Some(Limit::Int(i.into()))
            } else if let Some(u) = number.as_u64() {
                Some(Limit::Int(u.into()))
            } else {
                number.as_f64().map(Limit::Float)
            }
        }

        fn compare(value: Limit, bound: Limit) -> Option<std::cmp::Ordering> {
            match (value, bound) {
                (Limit::Int(v), Limit::Int(b)) => Some(v.cmp(&b)),
                (Limit::Int(v), Limit::Float(b)) => (v as f64).partial_cmp(&b),
                (Limit::Float(v), Limit::Int(b)) => v.partial_cmp(&(b as f64)),
                (Limit::Float(v), Limit::Float(b)) => v.partial_cmp(&b),
            }
        }

        fn show(limit: Limit) -> String {
            match limit {
                Limit::Int(i) => i.to_string(),
                Limit::Float(f) => f.to_string(),
            }
        }

        fn check_bounds(value: Limit, path: &str, out: &mut Violations, minimum: Option<Bound>, maximum: Option<Bound>) {
            use std::cmp::Ordering::{Greater, Less};
            if let Some(min) = minimum {
                let ordering = compare(value, min.limit);
                if ordering == Some(Less) || (min.exclusive && ordering != Some(Greater)) {
                    let op = if min.exclusive { ">" } else { ">=" };
                    out.push(|| Violation::new(path, "minimum", format!("must be {op} {}", show(min.limit))));
                }
            }
            if let Some(max) = maximum {
                let ordering = compare(value, max.limit);
                if ordering == Some(Greater) || (max.exclusive && ordering != Some(Less)) {
                    let op = if max.exclusive { "<" } else { "<=" };
                    out.push(|| Violation::new(path, "maximum", format!("must be {op} {}", show(max.limit))));
                }
            }
        }

        fn check_boolean(value: &Value, path: &str, out: &mut Violations) {
            if !value.is_boolean() {
                type_violation(out, path, "boolean", value);
            }
        }

        /// An integer is a number written without fraction or exponent.
        fn check_integer(value: &Value, path: &str, out: &mut Violations, int32: bool, minimum: Option<Bound>, maximum: Option<Bound>) {
            let number = match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => n,
                _ => return type_violation(out, path, "integer", value),
            };
            let Some(limit) = number_limit(number) else { return };
            let (name, range) = if int32 {
                ("int32", i128::from(i32::MIN)..=i128::from(i32::MAX))
            } else {
                ("int64", i128::from(i64::MIN)..=i128::from(i64::MAX))
            };
            if let Limit::Int(i) = limit
                && !range.contains(&i)
            {
                out.push(|| Violation::new(path, "format", format!("is outside the {name} range")));
            }
            check_bounds(limit, path, out, minimum, maximum);
        }

        fn check_number(value: &Value, path: &str, out: &mut Violations, minimum: Option<Bound>, maximum: Option<Bound>) {
            let Some(limit) = value.as_number().and_then(number_limit) else {
                return type_violation(out, path, "number", value);
            };
            check_bounds(limit, path, out, minimum, maximum);
        }

        fn check_enum(value: &Value, path: &str, out: &mut Violations, allowed: &[&str]) {
            match value.as_str() {
                None => type_violation(out, path, "string", value),
                Some(text) if !allowed.contains(&text) => {
                    out.push(|| Violation::new(path, "enum", format!("must be one of {}", allowed.join(", "))));
                }
                Some(_) => {}
            }
        }

        /// The discriminator property of a union variant checked on its own.
        fn check_tag(object: &Map<String, Value>, path: &str, out: &mut Violations, property: &str, tag: &str) {
            match object.get(property) {
                None => required(out, path, property),
                Some(value) => check_enum(value, &property_path_in(out, path, property), out, &[tag]),
            }
        }

        fn check_array<'v>(
            value: &'v Value,
            path: &str,
            out: &mut Violations,
            min_items: Option<u64>,
            max_items: Option<u64>,
            unique_items: bool,
        ) -> Option<&'v Vec<Value>> {
            let Some(items) = value.as_array() else {
                type_violation(out, path, "array", value);
                return None;
            };
            let count = items.len() as u64;
            if let Some(min) = min_items.filter(|min| count < *min) {
                out.push(|| Violation::new(path, "minItems", format!("must have at least {min} items")));
            }
            if let Some(max) = max_items.filter(|max| count > *max) {
                out.push(|| Violation::new(path, "maxItems", format!("must have at most {max} items")));
            }
            if unique_items && items.iter().enumerate().any(|(i, a)| items.iter().skip(i + 1).any(|b| a == b)) {
                out.push(|| Violation::new(path, "uniqueItems", "items must be unique".to_owned()));
            }
            Some(items)
        }
    }
}

fn type_validator(
    rs: &RustTypes,
    def: &TypeDef,
    patterns: &mut Patterns,
) -> Result<TokenStream, TargetError> {
    let validator = rs.validator(&def.name)?;
    let doc = format!(
        " Validates a `{}` at `path`, adding its violations to `out`.",
        def.name
    );
    let body = match &def.kind {
        TypeDefKind::Struct(s) => struct_body(rs, s, patterns, false)?,
        TypeDefKind::Enum(e) => match &e.values {
            EnumValues::String(values) => quote!(check_enum(value, path, out, &[#(#values),*]);),
            EnumValues::Integer { values, .. } => {
                let shown = shown(values.iter().map(ToString::to_string));
                let values = values.iter().map(|v| int_literal(*v));
                quote!(check_integer_enum(value, path, out, &[#(#values),*], #shown);)
            }
            EnumValues::Number { values, .. } => {
                let shown = shown(values.iter().map(ToString::to_string));
                let values = values
                    .iter()
                    .map(|v| float_literal(v.as_f64().unwrap_or(f64::NAN)));
                quote!(check_number_enum(value, path, out, &[#(#values),*], #shown);)
            }
        },
        TypeDefKind::Union(u) => union_body(rs, u)?,
        TypeDefKind::Alias(ty) => {
            match check_ty(rs, ty, &quote!(value), &quote!(path), 0, patterns)? {
                Some(check) => check,
                None => quote!(let _ = (value, path, out);),
            }
        }
    };
    // A number enum's values may be close to a constant clippy knows (`3.14159`).
    let allow = matches!(
        &def.kind,
        TypeDefKind::Enum(EnumDef {
            values: EnumValues::Number { .. }
        })
    )
    .then(|| quote!(#[allow(clippy::approx_constant)]));
    Ok(quote! {
        #[doc = #doc]
        #allow
        pub fn #validator(value: &Value, path: &str, out: &mut Violations) {
            #body
        }
    })
}

/// The checks of a struct's properties. With `envelope`, the items of its
/// `x-per-item-validation` arrays are left out (the array's own keywords stay).
fn struct_body(
    rs: &RustTypes,
    s: &StructDef,
    patterns: &mut Patterns,
    envelope: bool,
) -> Result<TokenStream, TargetError> {
    let mut checks = Vec::new();
    if let Some(tag) = &s.tag {
        let (property, value) = (&tag.property, &tag.value);
        checks.push(quote!(check_tag(object, path, out, #property, #value);));
    }
    for field in &s.fields {
        let name = &field.name;
        let envelope_ty;
        let ty = match &field.ty.kind {
            TyKind::Array(_) if envelope && field.per_item_validation => {
                envelope_ty = Ty {
                    kind: TyKind::Array(Box::new(Ty::new(TyKind::Any))),
                    ..field.ty.clone()
                };
                &envelope_ty
            }
            _ => &field.ty,
        };
        let check = check_ty(rs, ty, &quote!(value), &quote!(&path), 0, patterns)?;
        checks.push(match (check, field.required) {
            (Some(check), true) => quote! {
                match object.get(#name) {
                    Some(value) => {
                        let path = property_path_in(out, path, #name);
                        #check
                    }
                    None => required(out, path, #name),
                }
            },
            (Some(check), false) => quote! {
                if let Some(value) = object.get(#name) {
                    let path = property_path_in(out, path, #name);
                    #check
                }
            },
            (None, true) => quote! {
                if !object.contains_key(#name) {
                    required(out, path, #name);
                }
            },
            (None, false) => quote!(),
        });
    }
    if let Some(extra) = &s.additional_properties
        && let Some(check) = check_ty(rs, extra, &quote!(value), &quote!(&path), 0, patterns)?
    {
        let mut known: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
        known.extend(s.tag.as_ref().map(|t| t.property.as_str()));
        checks.push(quote! {
            for (name, value) in object {
                if ![#(#known),*].contains(&name.as_str()) {
                    let path = property_path_in(out, path, name);
                    #check
                }
            }
        });
    }
    if checks.iter().all(TokenStream::is_empty) {
        // Nothing to check inside (an `allOf` merged into no properties, say).
        return Ok(quote!(expect_object(value, path, out);));
    }
    Ok(quote! {
        let Some(object) = expect_object(value, path, out) else { return };
        #(#checks)*
    })
}

fn union_body(rs: &RustTypes, u: &UnionDef) -> Result<TokenStream, TargetError> {
    let property = &u.discriminator;
    let tags: Vec<&str> = u.variants.iter().map(|v| v.tag.as_str()).collect();
    let expected = format!("is not one of {}", tags.join(", "));
    let mut arms = Vec::new();
    for variant in &u.variants {
        let tag = &variant.tag;
        let validator = rs.validator(&variant.type_name)?;
        arms.push(quote!(Some(#tag) => #validator(value, path, out),));
    }
    Ok(quote! {
        let Some(object) = expect_object(value, path, out) else { return };
        let Some(tag) = object.get(#property) else {
            return required(out, path, #property);
        };
        match tag.as_str() {
            None => {
                let tag_path = property_path_in(out, path, #property);
                type_violation(out, &tag_path, "string", tag)
            }
            #(#arms)*
            Some(other) => out.push(|| Violation::new(
                &property_path(path, #property),
                "discriminator",
                format!("`{other}` {}", #expected),
            )),
        }
    })
}

fn bound(bound: Option<&Bound>) -> TokenStream {
    let Some(b) = bound else { return quote!(None) };
    let exclusive = b.exclusive;
    let limit = if let Some(i) = b.value.as_i64() {
        let lit = Literal::i128_unsuffixed(i.into());
        quote!(Limit::Int(#lit))
    } else if let Some(u) = b.value.as_u64() {
        let lit = Literal::i128_unsuffixed(u.into());
        quote!(Limit::Int(#lit))
    } else {
        let lit = Literal::f64_suffixed(b.value.as_f64().unwrap_or(0.0));
        quote!(Limit::Float(#lit))
    };
    quote!(Some(Bound { limit: #limit, exclusive: #exclusive }))
}

fn option_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(n) => {
            let lit = Literal::u64_unsuffixed(n);
            quote!(Some(#lit))
        }
        None => quote!(None),
    }
}

/// The statements checking `value` (an expression of type `&Value`) at `path` (a
/// `&str` expression) against `ty`; `None` when every value is valid.
fn check_ty(
    rs: &RustTypes,
    ty: &Ty,
    value: &TokenStream,
    path: &TokenStream,
    depth: usize,
    patterns: &mut Patterns,
) -> Result<Option<TokenStream>, TargetError> {
    let c: &Constraints = &ty.constraints;
    // A nullable type's check runs on anything but `null`; a container's check is
    // an `if let`, which takes the condition in its own chain (one `if`: clippy's
    // `collapsible_if` refuses two).
    let not_null = ty.nullable.then(|| quote!(!#value.is_null() &&));
    let check = match &ty.kind {
        TyKind::Any => return Ok(None),
        TyKind::Boolean => quote!(check_boolean(#value, #path, out);),
        TyKind::Integer(format) => {
            let int32 = *format == IntFormat::Int32;
            let (min, max) = (bound(c.minimum.as_ref()), bound(c.maximum.as_ref()));
            quote!(check_integer(#value, #path, out, #int32, #min, #max);)
        }
        TyKind::Number(_) => {
            let (min, max) = (bound(c.minimum.as_ref()), bound(c.maximum.as_ref()));
            quote!(check_number(#value, #path, out, #min, #max);)
        }
        TyKind::String(_) => {
            let (min, max) = (option_u64(c.min_length), option_u64(c.max_length));
            let pattern = match &c.pattern {
                Some(p) => patterns.get(p),
                None => quote!(None),
            };
            quote!(check_string(#value, #path, out, #min, #max, #pattern);)
        }
        TyKind::Array(item) => {
            let (min, max) = (option_u64(c.min_items), option_u64(c.max_items));
            let unique = c.unique_items;
            let items = format_ident!("items_{}", depth);
            let index = format_ident!("index_{}", depth);
            let item_value = format_ident!("item_{}", depth);
            let item_path = format_ident!("path_{}", depth);
            let inner = check_ty(
                rs,
                item,
                &quote!(#item_value),
                &quote!(&#item_path),
                depth + 1,
                patterns,
            )?;
            match inner {
                Some(inner) => {
                    return Ok(Some(quote! {
                        if #not_null let Some(#items) = check_array(#value, #path, out, #min, #max, #unique) {
                            for (#index, #item_value) in #items.iter().enumerate() {
                                let #item_path = index_path_in(out, #path, #index);
                                #inner
                            }
                        }
                    }));
                }
                None => quote!(check_array(#value, #path, out, #min, #max, #unique);),
            }
        }
        TyKind::Map(values) => {
            let object = format_ident!("object_{}", depth);
            let key = format_ident!("key_{}", depth);
            let item_value = format_ident!("item_{}", depth);
            let item_path = format_ident!("path_{}", depth);
            let inner = check_ty(
                rs,
                values,
                &quote!(#item_value),
                &quote!(&#item_path),
                depth + 1,
                patterns,
            )?;
            match inner {
                Some(inner) => {
                    return Ok(Some(quote! {
                        if #not_null let Some(#object) = expect_object(#value, #path, out) {
                            for (#key, #item_value) in #object {
                                let #item_path = property_path_in(out, #path, #key);
                                #inner
                            }
                        }
                    }));
                }
                None => quote!(expect_object(#value, #path, out);),
            }
        }
        TyKind::Named(name) => {
            let validator = rs.validator(name)?;
            quote!(#validator(#value, #path, out);)
        }
    };
    Ok(Some(if ty.nullable {
        quote! {
            if !#value.is_null() {
                #check
            }
        }
    } else {
        check
    }))
}
