//! `models.py`: one pydantic model per struct, one type alias per other named type.

use std::collections::BTreeSet;

use super::names::{Names, doc_lines, string};
use crate::ir::{Api, EnumValues, Ty, TyKind, TypeDef, TypeDefKind};

/// The Python type of a use of a type. `prefix` qualifies named types (`models.`
/// outside `models.py`); `quoted` says which named types must be written as a
/// forward reference (a string) where the text is evaluated.
pub fn ty(names: &Names, t: &Ty, prefix: &str, quoted: &dyn Fn(&str) -> bool) -> String {
    let inner = match &t.kind {
        TyKind::Boolean => "bool".to_string(),
        TyKind::Integer(_) => "int".to_string(),
        TyKind::Number(_) => "float".to_string(),
        TyKind::String(_) => "str".to_string(),
        TyKind::Any => return "Any".to_string(),
        TyKind::Array(item) => format!("list[{}]", ty(names, item, prefix, quoted)),
        TyKind::Map(value) => format!("dict[str, {}]", ty(names, value, prefix, quoted)),
        TyKind::Named(name) => {
            let python = format!("{prefix}{}", names.type_name(name));
            if quoted(name) {
                format!("\"{python}\"")
            } else {
                python
            }
        }
    };
    if t.nullable {
        if inner.starts_with('"') {
            format!("Optional[{inner}]")
        } else {
            format!("{inner} | None")
        }
    } else {
        inner
    }
}

/// The Python type of a property of the struct `owner` when it is a file of a
/// multipart body: `File`, or `list[File]` for an array of files.
pub fn file_type(api: &Api, owner: &str, t: &Ty) -> Option<&'static str> {
    if !api.is_multipart_body(owner) {
        return None;
    }
    if api.is_binary(t) {
        return Some(if t.nullable { "File | None" } else { "File" });
    }
    let mut t = t;
    for _ in 0..=api.types.len() {
        match &t.kind {
            TyKind::Array(item) if api.is_binary(item) => return Some("list[File]"),
            TyKind::Named(alias) => match api.type_def(alias).map(|d| &d.kind) {
                Some(TypeDefKind::Alias(inner)) => t = inner,
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// Whether `None` is a value of the type `text` (so `| None` is not added again).
pub fn admits_none(text: &str) -> bool {
    text == "Any" || text.ends_with("| None") || text.starts_with("Optional[")
}

/// The doc text of a field or type.
pub fn doc_text(description: Option<&str>) -> String {
    description.unwrap_or("").trim().to_string()
}

pub struct ModelsView {
    pub classes: Vec<ClassView>,
    pub aliases: Vec<AliasView>,
    /// Every class name, for `model_rebuild`.
    pub class_names: Vec<String>,
}

pub struct ClassView {
    pub name: String,
    pub doc: Vec<String>,
    /// `{"a", "b"}` or empty.
    pub optional: String,
    pub nullable: String,
    /// Whether unknown properties are kept (`additionalProperties` with a schema).
    pub extra: bool,
    pub fields: Vec<FieldView>,
}

pub struct FieldView {
    pub name: String,
    pub annotation: String,
    /// ` = None`, ` = Field(...)`, or empty.
    pub default: String,
    pub doc: Vec<String>,
}

pub struct AliasView {
    pub name: String,
    pub doc: Vec<String>,
    pub value: String,
}

/// `Field(...)` arguments for a field whose Python name is not its wire name.
fn alias_args(python: &str, wire: &str) -> Option<String> {
    (python != wire).then(|| {
        let wire = string(wire);
        format!("validation_alias={wire}, serialization_alias={wire}")
    })
}

fn default(python: &str, wire: &str, value: Option<&str>) -> String {
    match (alias_args(python, wire), value) {
        (None, None) => String::new(),
        (None, Some(v)) => format!(" = {v}"),
        (Some(args), None) => format!(" = Field({args})"),
        (Some(args), Some(v)) => format!(" = Field(default={v}, {args})"),
    }
}

fn set_literal(names: &[String]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let items: Vec<String> = names.iter().map(|n| string(n)).collect();
    format!("{{{}}}", items.join(", "))
}

fn class(api: &Api, names: &Names, t: &TypeDef, s: &crate::ir::StructDef) -> ClassView {
    let name = names.type_name(&t.name).to_string();
    let never = |_: &str| false;
    let mut fields = Vec::new();
    let mut optional = Vec::new();
    let mut nullable = Vec::new();
    if let Some(tag) = &s.tag {
        let python = names.field(&t.name, &tag.property).to_string();
        let value = string(&tag.value);
        fields.push(FieldView {
            default: default(&python, &tag.property, Some(&value)),
            annotation: format!("Literal[{value}]"),
            name: python,
            doc: Vec::new(),
        });
    }
    for f in &s.fields {
        let python = names.field(&t.name, &f.name).to_string();
        let mut annotation = match file_type(api, &t.name, &f.ty) {
            Some(file) => file.to_string(),
            None => ty(names, &f.ty, "", &never),
        };
        if f.ty.nullable || matches!(f.ty.kind, TyKind::Any) {
            nullable.push(python.clone());
        }
        let value = if f.required {
            None
        } else {
            optional.push(python.clone());
            if !admits_none(&annotation) {
                annotation.push_str(" | None");
            }
            Some("None")
        };
        let mut doc = doc_text(f.description.as_deref());
        if f.deprecated {
            doc.push_str(if doc.is_empty() {
                "Deprecated."
            } else {
                "\n\nDeprecated."
            });
        }
        fields.push(FieldView {
            default: default(&python, &f.name, value),
            annotation,
            name: python,
            doc: doc_lines(&doc),
        });
    }
    ClassView {
        name,
        doc: doc_lines(&doc_text(t.description.as_deref())),
        optional: set_literal(&optional),
        nullable: set_literal(&nullable),
        extra: s.additional_properties.is_some(),
        fields,
    }
}

/// The models of `api`: the classes in spec order, then the aliases, each after
/// the aliases it refers to (a reference to a later one, in a cycle, quoted).
pub fn render(api: &Api, names: &Names) -> ModelsView {
    let mut classes = Vec::new();
    for t in &api.types {
        if let TypeDefKind::Struct(s) = &t.kind {
            classes.push(class(api, names, t, s));
        }
    }
    let others: Vec<&TypeDef> = api
        .types
        .iter()
        .filter(|t| !matches!(t.kind, TypeDefKind::Struct(_)))
        .collect();
    // Aliases in dependency order: repeatedly take the first whose alias
    // references are all emitted; in a cycle, the first remaining.
    let alias_names: BTreeSet<&str> = others.iter().map(|t| t.name.as_str()).collect();
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    let mut remaining = others;
    let mut aliases = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .position(|t| {
                references(t).iter().all(|r| {
                    !alias_names.contains(r.as_str()) || emitted.contains(r) || *r == t.name
                })
            })
            .unwrap_or(0);
        let t = remaining.remove(ready);
        let quoted = |name: &str| alias_names.contains(name) && !emitted.contains(name);
        let value = alias_value(api, names, t, &quoted);
        aliases.push(AliasView {
            name: names.type_name(&t.name).to_string(),
            doc: doc_lines(&doc_text(t.description.as_deref())),
            value,
        });
        emitted.insert(t.name.clone());
    }
    let class_names = classes.iter().map(|c| c.name.clone()).collect();
    ModelsView {
        classes,
        aliases,
        class_names,
    }
}

fn alias_value(api: &Api, names: &Names, t: &TypeDef, quoted: &dyn Fn(&str) -> bool) -> String {
    match &t.kind {
        TypeDefKind::Alias(inner) => ty(names, inner, "", quoted),
        TypeDefKind::Enum(e) => match &e.values {
            EnumValues::String(values) => {
                let items: Vec<String> = values.iter().map(|v| string(v)).collect();
                format!("Literal[{}]", items.join(", "))
            }
            EnumValues::Integer { values, .. } => {
                let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                format!("Literal[{}]", items.join(", "))
            }
            // `Literal` cannot hold floats: the validator checks the values.
            EnumValues::Number { .. } => "float".to_string(),
        },
        TypeDefKind::Union(u) => {
            let variants: Vec<String> = u
                .variants
                .iter()
                .map(|v| names.type_name(&v.type_name).to_string())
                .collect();
            let tag = u
                .variants
                .first()
                .map(|v| names.field(&v.type_name, &u.discriminator).to_string())
                .unwrap_or_else(|| u.discriminator.clone());
            let _ = api;
            if variants.len() == 1 {
                variants[0].clone()
            } else {
                format!(
                    "Annotated[{}, Field(discriminator={})]",
                    variants.join(" | "),
                    string(&tag)
                )
            }
        }
        TypeDefKind::Struct(_) => unreachable!("structs are classes"),
    }
}

/// The named types a non-struct type refers to.
fn references(t: &TypeDef) -> Vec<String> {
    fn walk(t: &Ty, out: &mut Vec<String>) {
        match &t.kind {
            TyKind::Array(inner) | TyKind::Map(inner) => walk(inner, out),
            TyKind::Named(name) => out.push(name.clone()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let TypeDefKind::Alias(inner) = &t.kind {
        walk(inner, &mut out);
    }
    out
}
