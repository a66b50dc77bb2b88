//! The validator's schema table in `schemas.ts`: the shared table of
//! [`crate::schema_table`] printed as `Schema` object literals.

use super::literal::Lit;
use super::names::Names;
use super::names::string;
use crate::ir::{Api, EnumValues, Ty, TypeDefKind};
use crate::schema_table;
use serde_json::Value;

/// The `Schema` literal of a type use.
pub fn of_ty(t: &Ty) -> Lit {
    literal(&schema_table::of_ty(t), None)
}

/// A schema of the shared table as a literal: the objects under `properties` and
/// `mapping` are keyed by the spec's names, so they are tables of `Property` and
/// `SchemaName` entries.
fn literal(value: &Value, table: Option<&'static str>) -> Lit {
    match value {
        Value::Null => Lit::raw("null"),
        Value::Bool(b) => Lit::raw(b.to_string()),
        Value::Number(n) => Lit::raw(number(n)),
        Value::String(s) => Lit::str(s.as_str()),
        Value::Array(items) => Lit::Array(items.iter().map(|i| literal(i, None)).collect()),
        Value::Object(props) => {
            let entries = props
                .iter()
                .map(|(key, v)| {
                    let inner = match (table, key.as_str()) {
                        (None, "properties") => Some("Property"),
                        (None, "mapping") => Some("SchemaName"),
                        _ => None,
                    };
                    (key.clone(), literal(v, inner))
                })
                .collect();
            match table {
                Some(entry) => Lit::Table { entry, entries },
                None => Lit::Object(entries),
            }
        }
    }
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
    schema_table::enum_values(values)
        .iter()
        .map(|v| literal(v, None).print(0))
        .collect()
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
            .map(|t| (t.name.clone(), literal(&schema_table::of_type_def(t), None)))
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
