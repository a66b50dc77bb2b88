//! `models.ts`: one interface or type alias per named type of the IR.

use super::names::Names;
use super::syntax::{self, WIDTH};
use crate::ir::{Api, Field, IntFormat, StringFormat, StructDef, Ty, TyKind, TypeDef, TypeDefKind};

/// The TypeScript type of a use of a type. `prefix` qualifies named types
/// (`models.` outside `models.ts`).
pub fn ty(names: &Names, t: &Ty, prefix: &str) -> String {
    let inner = match &t.kind {
        TyKind::Boolean => "boolean".to_string(),
        TyKind::Integer(_) | TyKind::Number(_) => "number".to_string(),
        TyKind::String(_) => "string".to_string(),
        TyKind::Any => "unknown".to_string(),
        TyKind::Array(item) => {
            let item_ty = ty(names, item, prefix);
            if item.nullable {
                format!("({item_ty})[]")
            } else {
                format!("{item_ty}[]")
            }
        }
        TyKind::Map(value) => format!("Record<string, {}>", ty(names, value, prefix)),
        TyKind::Named(name) => format!("{prefix}{}", names.type_name(name)),
    };
    if t.nullable && !matches!(t.kind, TyKind::Any) {
        format!("{inner} | null")
    } else {
        inner
    }
}

/// A sentence on what a JavaScript number cannot hold, for int64 fields.
const INT64_NOTE: &str = "int64: a JavaScript number holds integers exactly up to\n\
2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger values lose precision.";

/// The doc text of a field or type: its description plus notes the type implies.
pub fn doc_text(description: Option<&str>, t: Option<&Ty>) -> String {
    let mut text = description.unwrap_or("").trim().to_string();
    let mut note = |line: String| {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&line);
    };
    if let Some(t) = t {
        match &t.kind {
            TyKind::Integer(IntFormat::Int64) => note(INT64_NOTE.to_string()),
            TyKind::String(StringFormat::DateTime) => {
                note("Format: `date-time` (RFC 3339 text).".to_string())
            }
            TyKind::String(StringFormat::Date) => note("Format: `date`.".to_string()),
            TyKind::String(StringFormat::Uuid) => note("Format: `uuid`.".to_string()),
            TyKind::String(StringFormat::Byte) => note("Format: `byte` (base64 text).".to_string()),
            TyKind::String(StringFormat::Other(format)) => note(format!("Format: `{format}`.")),
            _ => {}
        }
    }
    text
}

pub fn render(api: &Api, names: &Names, header: &str) -> String {
    let mut out = format!("// {header}\n");
    for t in &api.types {
        out.push('\n');
        out.push_str(&declaration(names, t));
    }
    out
}

fn declaration(names: &Names, t: &TypeDef) -> String {
    let name = names.type_name(&t.name);
    let mut out = syntax::doc(&doc_text(t.description.as_deref(), None), 0);
    match &t.kind {
        TypeDefKind::Struct(s) => out.push_str(&interface(names, name, s)),
        TypeDefKind::Enum(e) => {
            let members: Vec<String> = e.values.iter().map(|v| syntax::string(v)).collect();
            out.push_str(&syntax::union_alias(name, &members));
            out.push('\n');
        }
        TypeDefKind::Union(u) => {
            let members: Vec<String> = u
                .variants
                .iter()
                .map(|v| names.type_name(&v.type_name).to_string())
                .collect();
            out.push_str(&syntax::union_alias(name, &members));
            out.push('\n');
        }
        TypeDefKind::Alias(alias) => {
            let text = ty(names, alias, "");
            let line = format!("export type {name} = {text};");
            let members = syntax::union_members(&text);
            if line.len() <= WIDTH || members.len() < 2 {
                out.push_str(&line);
            } else {
                out.push_str(&syntax::union_alias(name, &members));
            }
            out.push('\n');
        }
    }
    out
}

fn interface(names: &Names, name: &str, s: &StructDef) -> String {
    if s.fields.is_empty() && s.tag.is_none() && s.additional_properties.is_none() {
        return format!("export interface {name} {{}}\n");
    }
    let mut out = format!("export interface {name} {{\n");
    if let Some(tag) = &s.tag {
        out.push_str(&format!(
            "  {}: {};\n",
            syntax::key(&tag.property),
            syntax::string(&tag.value)
        ));
    }
    for field in &s.fields {
        out.push_str(&member(names, field));
    }
    if s.additional_properties.is_some() {
        // Declared fields must fit an index signature, so the extra ones are
        // `unknown` here; the validator checks them against their schema.
        out.push_str("  /** Properties the schema does not name. */\n");
        out.push_str("  [property: string]: unknown;\n");
    }
    out.push_str("}\n");
    out
}

fn member(names: &Names, field: &Field) -> String {
    let mut text = doc_text(field.description.as_deref(), Some(&field.ty));
    if field.deprecated {
        text.push_str(if text.is_empty() {
            "@deprecated"
        } else {
            "\n\n@deprecated"
        });
    }
    let mut out = syntax::doc(&text, 2);
    let optional = if field.required { "" } else { "?" };
    let type_text = ty(names, &field.ty, "");
    out.push_str(&syntax::annotated(
        &format!("  {}{optional}:", syntax::key(&field.name)),
        &type_text,
        2,
    ));
    out.push('\n');
    out
}
