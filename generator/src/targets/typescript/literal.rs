//! Object and array literals of data (the schema table, the operation table, the
//! security schemes), printed for prettier to lay out: objects expanded, one
//! property per line (prettier keeps an object expanded when its source has a line
//! break after `{`), arrays on one line (prettier breaks them when too wide).
//!
//! The tables keyed by the spec's own names ([`Lit::Table`]) are written so that
//! any name works: in an object literal whose contextual type is a
//! `Record<string, T>`, a key that names a member of `Object.prototype` takes its
//! contextual type from `Object` (`constructor: Function`), not `T`, so the string
//! literals under it would widen to `string` and tsc refuse them; such an entry's
//! value gets its own `satisfies T` (a string value `as const satisfies T`: the
//! key's contextual type would still widen the checked literal itself). And a `__proto__:` key sets the literal's
//! prototype instead of defining a property, so it is written `["__proto__"]`.

use std::collections::BTreeSet;

use super::names::{key, string};

/// The members `Object` declares in TypeScript's `lib.es5.d.ts`: as keys of an
/// object literal typed `Record<string, T>`, their contextual type is the
/// member's, not `T`.
const OBJECT_MEMBERS: &[&str] = &[
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
];

/// A value in an object literal or array literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// Source text printed as is (`true`, `12`, `schemas.WriteBatch`).
    Raw(String),
    Str(String),
    Array(Vec<Lit>),
    /// Printed expanded, one property per line.
    Object(Vec<(String, Lit)>),
    /// An object keyed by names from the spec (property names, tag values,
    /// operation ids, security scheme names) whose values are all of the
    /// TypeScript type `entry`; printed like [`Lit::Object`].
    Table {
        entry: &'static str,
        entries: Vec<(String, Lit)>,
    },
}

impl Lit {
    pub fn raw(text: impl Into<String>) -> Lit {
        Lit::Raw(text.into())
    }

    pub fn str(text: impl Into<String>) -> Lit {
        Lit::Str(text.into())
    }

    /// The literal, its lines after the first indented by `indent`.
    pub fn print(&self, indent: usize) -> String {
        match self {
            Lit::Raw(text) => text.clone(),
            Lit::Str(text) => string(text),
            Lit::Array(items) => {
                let items: Vec<String> = items.iter().map(|item| item.print(indent)).collect();
                format!("[{}]", items.join(", "))
            }
            Lit::Object(props) => object(props, None, indent),
            Lit::Table { entry, entries } => object(entries, Some(entry), indent),
        }
    }

    /// The entry types the printed literal names in `satisfies` clauses (for the
    /// module's imports).
    pub fn satisfied_types(&self) -> BTreeSet<&'static str> {
        let mut types = BTreeSet::new();
        self.collect_satisfied(&mut types);
        types
    }

    fn collect_satisfied(&self, into: &mut BTreeSet<&'static str>) {
        match self {
            Lit::Raw(_) | Lit::Str(_) => {}
            Lit::Array(items) => items.iter().for_each(|i| i.collect_satisfied(into)),
            Lit::Object(props) => props.iter().for_each(|(_, v)| v.collect_satisfied(into)),
            Lit::Table { entry, entries } => {
                for (name, value) in entries {
                    if OBJECT_MEMBERS.contains(&name.as_str()) {
                        into.insert(entry);
                    }
                    value.collect_satisfied(into);
                }
            }
        }
    }
}

/// An object literal, expanded; under a table's `entry` type, an entry whose key
/// names an `Object` member is checked with its own `satisfies`.
fn object(props: &[(String, Lit)], entry: Option<&str>, indent: usize) -> String {
    if props.is_empty() {
        return "{}".to_string();
    }
    let pad = " ".repeat(indent + 2);
    let mut out = String::from("{\n");
    for (name, value) in props {
        let printed = value.print(indent + 2);
        let key = literal_key(name);
        match entry {
            Some(entry) if OBJECT_MEMBERS.contains(&name.as_str()) => {
                let constant = if matches!(value, Lit::Str(_)) {
                    " as const"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "{pad}{key}: {printed}{constant} satisfies {entry},\n"
                ));
            }
            _ => out.push_str(&format!("{pad}{key}: {printed},\n")),
        }
    }
    out.push_str(&" ".repeat(indent));
    out.push('}');
    out
}

/// A key of an object literal: `__proto__` computed, so that it defines a
/// property rather than the literal's prototype.
fn literal_key(name: &str) -> String {
    if name == "__proto__" {
        format!("[{}]", string(name))
    } else {
        key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_expanded_and_arrays_flat() {
        let object = Lit::Object(vec![
            ("type".into(), Lit::str("string")),
            (
                "enum".into(),
                Lit::Array(vec![Lit::str("a"), Lit::str("b")]),
            ),
            (
                "X-Key".into(),
                Lit::Object(vec![("n".into(), Lit::raw("1"))]),
            ),
        ]);
        assert_eq!(
            object.print(0),
            "{\n  type: \"string\",\n  enum: [\"a\", \"b\"],\n  \"X-Key\": {\n    n: 1,\n  },\n}"
        );
        assert_eq!(Lit::Object(Vec::new()).print(4), "{}");
    }

    #[test]
    fn table_entries_named_like_object_members_are_checked_on_their_own() {
        let entry = |kind: &str| Lit::Object(vec![("type".into(), Lit::str(kind))]);
        let table = Lit::Table {
            entry: "Property",
            entries: vec![
                ("id".into(), entry("string")),
                ("constructor".into(), entry("string")),
                ("valueOf".into(), entry("integer")),
                ("__proto__".into(), entry("boolean")),
            ],
        };
        assert_eq!(
            table.print(0),
            "{\n  id: {\n    type: \"string\",\n  },\n  \
             constructor: {\n    type: \"string\",\n  } satisfies Property,\n  \
             valueOf: {\n    type: \"integer\",\n  } satisfies Property,\n  \
             [\"__proto__\"]: {\n    type: \"boolean\",\n  },\n}"
        );
        assert_eq!(table.satisfied_types(), BTreeSet::from(["Property"]));
        // A string keeps its literal type.
        let mapping = Lit::Table {
            entry: "SchemaName",
            entries: vec![("toString".into(), Lit::str("Circle"))],
        };
        assert_eq!(
            mapping.print(0),
            "{\n  toString: \"Circle\" as const satisfies SchemaName,\n}"
        );
        // A plain object is not a table: its keys are the generator's own.
        let plain = Lit::Object(vec![("constructor".into(), entry("string"))]);
        assert!(!plain.print(0).contains("satisfies"));
        assert!(plain.satisfied_types().is_empty());
        // Nested tables are found.
        let outer = Lit::Object(vec![("properties".into(), table)]);
        assert_eq!(outer.satisfied_types(), BTreeSet::from(["Property"]));
    }
}
