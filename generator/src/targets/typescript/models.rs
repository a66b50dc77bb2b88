//! `models.ts`: one interface or type alias per named type of the IR.

use super::names::Names;
use super::names::{doc_lines, key, string};
use askama::Template;

use crate::ir::{Api, Field, IntFormat, StringFormat, Ty, TyKind, TypeDef, TypeDefKind};

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
            TyKind::String(StringFormat::Binary) => note("Format: `binary`.".to_string()),
            TyKind::String(StringFormat::Other(format)) => note(format!("Format: `{format}`.")),
            _ => {}
        }
    }
    text
}

/// `models.ts`, rendered by `templates/typescript/src/models.ts`.
#[derive(Template)]
#[template(path = "typescript/src/models.ts", escape = "none")]
pub struct Models {
    header: String,
    types: Vec<TypeView>,
}

/// One named type: its doc comment's lines and its declaration.
struct TypeView {
    doc: Vec<String>,
    body: TypeBody,
}

enum TypeBody {
    Interface(InterfaceView),
    /// `export type Name = ...;`, laid out.
    Alias(String),
}

struct InterfaceView {
    name: String,
    /// A union variant's tag: the property key and its string literal type.
    tag: Option<(String, String)>,
    members: Vec<MemberView>,
    /// Whether the schema has `additionalProperties`: an index signature.
    extra: bool,
}

impl InterfaceView {
    fn is_empty(&self) -> bool {
        self.members.is_empty() && self.tag.is_none() && !self.extra
    }
}

struct MemberView {
    doc: Vec<String>,
    /// `  name?: Type;`, laid out.
    line: String,
}

pub fn render(api: &Api, names: &Names, header: &str) -> Models {
    Models {
        header: header.to_string(),
        types: api
            .types
            .iter()
            .map(|t| declaration(api, names, t))
            .collect(),
    }
}

fn declaration(api: &Api, names: &Names, t: &TypeDef) -> TypeView {
    let name = names.type_name(&t.name);
    let doc = doc_lines(&doc_text(t.description.as_deref(), None));
    let body = match &t.kind {
        TypeDefKind::Struct(s) => TypeBody::Interface(InterfaceView {
            name: name.to_string(),
            tag: s
                .tag
                .as_ref()
                .map(|tag| (key(&tag.property), string(&tag.value))),
            members: s
                .fields
                .iter()
                .map(|f| member(names, f, super::operations::file_type(api, &t.name, f)))
                .collect(),
            extra: s.additional_properties.is_some(),
        }),
        TypeDefKind::Enum(e) => {
            let members = super::schema::enum_literals(&e.values);
            TypeBody::Alias(format!("export type {name} = {};", members.join(" | ")))
        }
        TypeDefKind::Union(u) => {
            let members: Vec<String> = u
                .variants
                .iter()
                .map(|v| names.type_name(&v.type_name).to_string())
                .collect();
            TypeBody::Alias(format!("export type {name} = {};", members.join(" | ")))
        }
        TypeDefKind::Alias(alias) => {
            TypeBody::Alias(format!("export type {name} = {};", ty(names, alias, "")))
        }
    };
    TypeView { doc, body }
}

/// A struct's member; `file` is the type of a multipart body's file field.
fn member(names: &Names, field: &Field, file: Option<&str>) -> MemberView {
    let mut text = doc_text(field.description.as_deref(), Some(&field.ty));
    if field.deprecated {
        text.push_str(if text.is_empty() {
            "@deprecated"
        } else {
            "\n\n@deprecated"
        });
    }
    let optional = if field.required { "" } else { "?" };
    let type_text = match file {
        Some(file) => file.to_string(),
        None => ty(names, &field.ty, ""),
    };
    MemberView {
        doc: doc_lines(&text),
        line: format!("  {}{optional}: {type_text};", key(&field.name)),
    }
}
