//! Lowering: a loaded spec -> the IR ([`crate::ir::Api`]).
//!
//! Schemas are read from the spec's `raw` JSON (every node has a pointer, unknown
//! keywords are visible and numbers stay exactly as written); the `openapiv3`
//! deserialization done at load time has already checked the document's shape.
//!
//! One module per concern: `keywords` (which schema keywords are supported and
//! where), `refs` (`$ref` resolution), `schema` (types, hoisting of inline schemas),
//! `all_of` (merging), `union` (oneOf + discriminator), `cycles` (types that can
//! never be finite), `operation` and `security`. Every problem becomes a located
//! diagnostic; lowering goes on after one so that a single run reports them all.
//!
//! Decisions the IR does not spell out:
//! - `nullable: true` on a named schema makes every use of it nullable (a
//!   `TypeDef` itself is never nullable; an alias's `Ty` has `nullable: false`).
//! - `additionalProperties: {}` means the same as `true` (unknown properties are
//!   accepted and ignored); `false` is rejected, since readers always accept
//!   unknown properties.
//! - A field merged by `allOf` keeps the pointer of the member that defines it.
//! - `allOf: [{$ref: X}]` with only documentation or `nullable` beside it is a
//!   (nullable) use of `X`, not a new struct.
//! - Inline schemas in operations are hoisted under the operationId in PascalCase:
//!   `UploadDataRequest` (request body), `UploadData200Response` (response body),
//!   `UploadData429ResponseRetryAfter` (response header), `UploadDataOrder`
//!   (parameter). Under `components/requestBodies/R` and `components/responses/R`
//!   the prefix is `RRequestBody` and `RResponse` instead, shared by every use.
//! - An enum is a string, integer or number enum (`EnumValues`): every value has
//!   the enum's type (an integer enum's values are written without a fraction, even
//!   `.0`, and fit `format`), is listed once (numbers compare as numbers: `1` and
//!   `1.0` are one value), and `null` in the list of a `nullable` enum is dropped
//!   (the enum is nullable where it is used). Boolean enums, and constraints beside
//!   `enum` (`pattern`/`minLength`/`maxLength`/`format` for strings,
//!   `minimum`/`maximum` and their exclusive forms for numbers), are rejected.
//! - Parameter styles: `form` in the query and cookies (`explode: true`, the
//!   default, repeats the key per item; `explode: false` comma-separates the items),
//!   `spaceDelimited` and `pipeDelimited` in the query (arrays, `explode: false`),
//!   and `simple` in the path and headers (comma-separated, either `explode`), as
//!   [`crate::ir::ParameterStyle`]. `matrix`, `label`, `deepObject`, a style where
//!   OpenAPI does not define it, `allowReserved` and `allowEmptyValue` are rejected.
//! - `multipleOf`, `minProperties`, `maxProperties` and `readOnly`/`writeOnly: true`
//!   are rejected.
//! - A union variant without a `mapping` entry is selected by the one value of its
//!   discriminator property when that is a one-value `enum`, else by its schema's
//!   name (the OpenAPI rule). Real specs that write no mapping mean the value: the
//!   variant could never be selected by a name its own schema refuses.
//! - `oauth2` and `openIdConnect` schemes are bearer tokens (RFC 6750); their flows
//!   and discovery URL are documentation.
//! - Documentation-only constructs are accepted and ignored by the code: response
//!   `links` and operation `callbacks` (kept in the IR for the docs), schema `xml`,
//!   `example`/`examples`, and a response body without a `schema` (the response
//!   then has no typed body).
//! - Request and response bodies are read from one media type (`content`): see
//!   `content` for which, and what each media type allows.

mod all_of;
mod content;
mod cycles;
mod keywords;
mod operation;
mod per_item;
mod refs;
mod schema;
mod security;
mod union;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::ir::{Api, Ty, TyKind, TypeDef, TypeDefKind};
use crate::spec::{LoadedSpec, pointer};

/// Lowers a loaded spec to the IR, or returns every problem found, in document order.
pub fn lower(spec: &LoadedSpec) -> Result<Api, Diagnostics> {
    let mut lowerer = Lowerer::new(spec);
    lowerer.schemas();
    let security_schemes = lowerer.security_schemes();
    let operations = lowerer.operations();
    lowerer.check_multipart_uses();
    lowerer.apply_union_tags();
    lowerer.check_per_item_uses();
    lowerer.check_variant_uses();
    lowerer.check_cycles();

    let Lowerer {
        mut diagnostics,
        types,
        ..
    } = lowerer;
    if !diagnostics.is_empty() {
        diagnostics.sort_by_key(|d| (d.location.line, d.location.column));
        diagnostics.dedup();
        return Err(Diagnostics(diagnostics));
    }
    let info = &spec.document.info;
    Ok(Api {
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        types: types.into_iter().flatten().collect(),
        operations,
        security_schemes,
    })
}

struct Lowerer<'a> {
    spec: &'a LoadedSpec,
    diagnostics: Vec<Diagnostic>,
    /// The named types in output order. A slot is reserved (`None`) before a type's
    /// own schema is lowered, so that the types hoisted from it follow it.
    types: Vec<Option<TypeDef>>,
    /// Every type name given out -> the pointer of the schema that defines it.
    names: BTreeMap<String, String>,
    /// Schema pointer -> the name of the type hoisted from it (a schema reached
    /// twice, e.g. through an allOf, is hoisted once).
    hoisted: BTreeMap<String, String>,
    /// Uses of named types as values (fields, items, bodies, ...): (name, pointer).
    /// `oneOf` members are not uses: they are how a union names its variants.
    uses: Vec<(String, String)>,
    /// Struct name -> the discriminator properties of unions it is a variant of,
    /// found before lowering so that a variant's one-value tag enum is not hoisted.
    discriminators: BTreeMap<String, BTreeSet<String>>,
    /// (struct, property) -> the values of the tag property's inline enum.
    tag_enums: BTreeMap<(String, String), Vec<String>>,
    /// Variant struct -> the union whose tag it carries.
    variant_of: BTreeMap<String, String>,
    /// (union pointer, member) of the variants no `mapping` entry names: their tag is
    /// settled once every struct is lowered (see `resolve_implicit_tags`).
    implicit_tags: BTreeSet<(String, String)>,
    /// The named types of multipart request bodies: (name, pointer of the body's
    /// schema).
    multipart_uses: Vec<(String, String)>,
}

impl<'a> Lowerer<'a> {
    fn new(spec: &'a LoadedSpec) -> Self {
        let mut lowerer = Lowerer {
            spec,
            diagnostics: Vec::new(),
            types: Vec::new(),
            names: BTreeMap::new(),
            hoisted: BTreeMap::new(),
            uses: Vec::new(),
            discriminators: BTreeMap::new(),
            tag_enums: BTreeMap::new(),
            variant_of: BTreeMap::new(),
            implicit_tags: BTreeSet::new(),
            multipart_uses: Vec::new(),
        };
        for (name, _) in lowerer.component_schemas() {
            lowerer.names.insert(name.clone(), schema_pointer(name));
        }
        lowerer.discriminators = union::variant_discriminators(&spec.raw);
        lowerer
    }

    /// `components/schemas`, in spec order.
    fn component_schemas(&self) -> Vec<(&'a String, &'a Value)> {
        let spec: &'a LoadedSpec = self.spec;
        match spec.raw.pointer("/components/schemas") {
            Some(Value::Object(map)) => map.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Lowers every component schema, in spec order.
    fn schemas(&mut self) {
        for (name, schema) in self.component_schemas() {
            let at = schema_pointer(name);
            let slot = self.reserve();
            let def = self.define(name, &at, schema, None);
            self.fill(slot, def);
        }
    }

    fn reserve(&mut self) -> usize {
        self.types.push(None);
        self.types.len() - 1
    }

    fn fill(&mut self, slot: usize, def: TypeDef) {
        if let Some(place) = self.types.get_mut(slot) {
            *place = Some(def);
        }
    }

    /// The named type called `name`, if lowered.
    fn find_type(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().flatten().find(|t| t.name == name)
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn error(&mut self, at: &str, message: impl Into<String>, help: Option<String>) {
        let mut d = self.spec.error(at, message);
        d.help = help;
        self.report(d);
    }

    /// `file:line:column (#/pointer)`, for messages that name a second place.
    fn place(&self, at: &str) -> String {
        format!("{} ({at})", self.spec.locate(at))
    }

    fn use_of(&mut self, name: &str, at: &str) {
        self.uses.push((name.to_owned(), at.to_owned()));
    }
}

/// `#/components/schemas/<name>`.
fn schema_pointer(name: &str) -> String {
    pointer::join("#/components/schemas", name)
}

fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn bool_field(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn string_field(value: &Value, key: &str) -> Option<String> {
    str_field(value, key).map(str::to_owned)
}

/// ` (did you mean `x`?)`-style advice: the closest candidate within a small edit
/// distance.
fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = usize::from(ca != *cb);
            let value = (previous + cost).min(above + 1).min(left + 1);
            previous = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// A list of names for messages: `` `a`, `b` and `c` ``.
fn name_list<'n>(names: impl IntoIterator<Item = &'n str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => "none".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A type use that stands in where an error was reported (lowering goes on to find
/// more problems; the result is discarded).
fn error_ty() -> Ty {
    Ty::new(TyKind::Any)
}

fn is_struct(kind: &TypeDefKind) -> bool {
    matches!(kind, TypeDefKind::Struct(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("requried", ["required", "properties"]),
            Some("required")
        );
        assert_eq!(did_you_mean("zzz", ["required"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(name_list(["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
