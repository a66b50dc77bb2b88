//! Bodies and their media types: which of a `content` map's media types a body is
//! read and written in, how it travels (JSON, a form, multipart, text or raw bytes)
//! and what its schema may be for that.
//!
//! - One media type per body. When a JSON media type is listed beside others (the
//!   Swagger petstore's `application/json` + `application/xml` +
//!   `application/x-www-form-urlencoded`), the JSON one is used and the others are
//!   not served: the same schema as JSON serves every client that can speak JSON,
//!   where refusing would reject many real specs over an alternative.
//! - A form (`application/x-www-form-urlencoded`) is an object whose properties are
//!   scalars, string enums and arrays of these. Multipart (`multipart/form-data`)
//!   also allows files: `format: binary` strings and arrays of them. Both are
//!   request bodies only.
//! - `text/*` carries a string (its constraints are checked); any other media type
//!   that is not JSON or XML is raw bytes, `{type: string, format: binary}` or no
//!   schema.

use serde_json::Value;

use super::{Lowerer, pointer};
use crate::ir::{BodyEncoding, StringFormat, Ty, TyKind, TypeDefKind};

/// The media type chosen for a body: as written, its encoding, the pointer of its
/// media type object and that object.
pub(super) struct Chosen<'a> {
    pub content_type: String,
    pub encoding: BodyEncoding,
    pub at: String,
    pub media: &'a Value,
}

/// How a property of a form or multipart body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormValue {
    /// One value: a string, number, integer, boolean or string enum.
    Scalar,
    /// Several values of one name.
    Array,
    /// A file part (multipart only).
    File,
    /// Several file parts of one name (multipart only).
    Files,
}

const SUPPORTED: &str = "supported are JSON (`application/json`, `application/*+json`), `application/x-www-form-urlencoded` and `multipart/form-data` request bodies, `text/*` and raw bytes (such as `application/octet-stream`)";

impl<'a> Lowerer<'a> {
    /// The media type of `content` a body is read and written in; `None` (with the
    /// problem reported) when there is none that can be used. `what` is `request
    /// body` or `response`.
    pub(super) fn body_content(
        &mut self,
        at: &str,
        value: &'a Value,
        what: &str,
    ) -> Option<Chosen<'a>> {
        let content_at = pointer::join(at, "content");
        let entries: Vec<(&'a String, &'a Value)> = value
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .collect();
        let json: Vec<(&'a String, &'a Value)> = entries
            .iter()
            .copied()
            .filter(|(media_type, _)| is_json(media_type))
            .collect();
        let (media_type, media) = match (json.as_slice(), entries.as_slice()) {
            ([(first, media), (second, _), ..], _) => {
                self.error(
                    &pointer::join(&content_at, second),
                    format!("a second JSON media type (`{second}` after `{first}`) is not supported; supported is one media type per {what}"),
                    Some("keep one of them".to_owned()),
                );
                (*first, *media)
            }
            // Other media types beside the JSON one are not served.
            ([only], _) => *only,
            ([], [(first, media), (second, _), ..]) => {
                self.error(
                    &pointer::join(&content_at, second),
                    format!("a second media type (`{second}` after `{first}`) is not supported; supported is one media type per {what}, or a JSON one beside others (which are then not served)"),
                    Some("keep one of them".to_owned()),
                );
                (*first, *media)
            }
            ([], [only]) => *only,
            ([], []) => return None,
        };
        let media_at = pointer::join(&content_at, media_type);
        let encoding = self.encoding(&media_at, media_type, what)?;
        Some(Chosen {
            content_type: media_type.clone(),
            encoding,
            at: media_at,
            media,
        })
    }

    /// How a body in `media_type` travels, or `None` with the problem reported.
    fn encoding(&mut self, at: &str, media_type: &str, what: &str) -> Option<BodyEncoding> {
        let essence = essence(media_type);
        let well_formed = essence
            .split_once('/')
            .is_some_and(|(kind, sub)| is_token(kind) && is_token(sub))
            && media_type
                .bytes()
                .all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t');
        let request = what == "request body";
        let (problem, help) = if essence.contains('*') {
            (
                format!(
                    "the media type range `{media_type}` is not supported for a {what}; supported are single media types"
                ),
                "name the one media type the body is sent in, such as `image/png` or `application/json`",
            )
        } else if !well_formed {
            (
                format!("`{media_type}` is not a media type"),
                "write `type/subtype`, such as `application/json`",
            )
        } else if is_json(media_type) {
            return Some(BodyEncoding::Json);
        } else if essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
        {
            (
                format!("XML (`{media_type}`) is not supported; {SUPPORTED}"),
                "describe the body as JSON; listed beside an `application/json` media type, the XML one is not served",
            )
        } else if essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data"
        {
            if request {
                return Some(if essence.starts_with("multipart/") {
                    BodyEncoding::Multipart
                } else {
                    BodyEncoding::Form
                });
            }
            (
                format!(
                    "a response in `{media_type}` is not supported; supported response bodies are JSON, `text/*` and raw bytes"
                ),
                "describe the response as JSON",
            )
        } else if essence.starts_with("multipart/") {
            (
                format!(
                    "`{media_type}` is not supported; the multipart media type supported is `multipart/form-data`"
                ),
                "send the parts as `multipart/form-data`, or the data as JSON",
            )
        } else if essence.starts_with("text/") {
            return Some(BodyEncoding::Text);
        } else {
            return Some(BodyEncoding::Binary);
        };
        self.error(at, problem, Some(help.to_owned()));
        None
    }

    /// The type of a body in `chosen`, checked for its encoding: the schema's type,
    /// or for a body without a schema the type that implies (`None` with the
    /// problem reported, or for a JSON response without a schema: it has no typed
    /// body).
    pub(super) fn body_ty(&mut self, chosen: &Chosen<'a>, name: &str, what: &str) -> Option<Ty> {
        let schema_at = pointer::join(&chosen.at, "schema");
        let Some(schema) = chosen.media.get("schema") else {
            return match chosen.encoding {
                BodyEncoding::Binary => Some(Ty::new(TyKind::String(StringFormat::Binary))),
                BodyEncoding::Text if what == "response" => {
                    Some(Ty::new(TyKind::String(StringFormat::Plain)))
                }
                BodyEncoding::Json if what == "response" => None,
                _ => {
                    self.error(
                        &chosen.at,
                        format!("the {what} has no `schema`"),
                        Some("add `schema:` with the body's schema".to_owned()),
                    );
                    None
                }
            };
        };
        let ty = self.ty(&schema_at, schema, name);
        match chosen.encoding {
            BodyEncoding::Json => {}
            BodyEncoding::Binary => {
                let plain = !ty.nullable && ty.constraints.is_empty();
                if !(plain && self.resolves_to_binary(&ty)) {
                    self.error(
                        &schema_at,
                        format!("{} {what} is raw bytes: its schema must be `{{type: string, format: binary}}`", a(&chosen.content_type)),
                        Some("write `schema: {type: string, format: binary}` (or no schema); for structured data use JSON".to_owned()),
                    );
                }
                return Some(Ty::new(TyKind::String(StringFormat::Binary)));
            }
            BodyEncoding::Text => {
                let scalar = self.scalar_kind(&ty);
                if ty.nullable || !matches!(scalar, Some(Scalar::String)) {
                    self.error(
                        &schema_at,
                        format!("{} {what} is text: its schema must be a string (or a string enum), not nullable", a(&chosen.content_type)),
                        Some("write `schema: {type: string}`; for structured data use JSON, for bytes `format: binary` with a binary media type".to_owned()),
                    );
                }
            }
            BodyEncoding::Form | BodyEncoding::Multipart => {
                self.check_form(&schema_at, &ty, chosen);
                self.check_encoding_object(chosen, &ty);
                if chosen.encoding == BodyEncoding::Multipart
                    && let TyKind::Named(type_name) = &ty.kind
                {
                    self.multipart_uses
                        .push((type_name.clone(), schema_at.clone()));
                }
            }
        }
        Some(ty)
    }

    /// A form or multipart body: a struct of scalars, arrays of scalars and (for
    /// multipart) files.
    fn check_form(&mut self, at: &str, ty: &Ty, chosen: &Chosen<'a>) {
        let media_type = &chosen.content_type;
        let multipart = chosen.encoding == BodyEncoding::Multipart;
        let found = match &ty.kind {
            TyKind::Named(name) => match self.find_type(name).map(|t| &t.kind) {
                Some(TypeDefKind::Struct(st)) => Some((name.clone(), st.clone())),
                _ => None,
            },
            _ => None,
        };
        let Some((type_name, st)) = found else {
            self.error(
                at,
                format!(
                    "{} body must be an object with properties, one per field",
                    a(media_type)
                ),
                Some("describe the fields as `type: object` with `properties`".to_owned()),
            );
            return;
        };
        if ty.nullable {
            self.error(
                at,
                format!("{} body cannot be `nullable`", a(media_type)),
                Some("remove `nullable`".to_owned()),
            );
        }
        if st.additional_properties.is_some() {
            self.error(
                at,
                format!("`additionalProperties` with a schema is not supported in {} body (`{type_name}`); supported are the listed properties", a(media_type)),
                Some("list every field under `properties`".to_owned()),
            );
        }
        let allowed = if multipart {
            "strings, numbers, integers, booleans, string enums, arrays of these, and files (`type: string, format: binary`, or an array of them)"
        } else {
            "strings, numbers, integers, booleans, string enums and arrays of these"
        };
        for field in &st.fields {
            if field.per_item_validation {
                self.error(
                    &format!("{}/{}", field.pointer, super::per_item::KEY),
                    format!(
                        "`{}` is not supported in {} body",
                        super::per_item::KEY,
                        a(media_type)
                    ),
                    Some("remove it; it applies to JSON request bodies".to_owned()),
                );
            }
            match self.form_value(&field.ty) {
                Some(FormValue::File | FormValue::Files) if !multipart => self.error(
                    &field.pointer,
                    format!("the file `{}` (`format: binary`) cannot be sent in {} body", field.name, a(media_type)),
                    Some("send files as `multipart/form-data`, or the value as a plain string".to_owned()),
                ),
                Some(FormValue::File | FormValue::Files) if field.ty.nullable => self.error(
                    &field.pointer,
                    format!("the file `{}` cannot be `nullable`: a multipart body has no null", field.name),
                    Some("remove `nullable`; leave the property out of `required` to make it optional".to_owned()),
                ),
                Some(FormValue::File | FormValue::Files) if !self.file_ty(&field.ty).constraints.is_empty() => self.error(
                    &field.pointer,
                    format!("`minLength`, `maxLength` and `pattern` are not supported on the file `{}`: a file is bytes, not text", field.name),
                    Some("remove them; the server's body limit bounds a file's size".to_owned()),
                ),
                Some(_) => {}
                None => self.error(
                    &field.pointer,
                    format!("the type of `{}` is not supported in {} body; supported are {allowed}", field.name, a(media_type)),
                    Some("send nested data as JSON".to_owned()),
                ),
            }
        }
    }

    /// The `encoding` object of a form or multipart body: for multipart, a file
    /// property's `contentType` is accepted (the media type of the file is whatever
    /// the sender gives, so it is documentation) and `style`, `explode` and
    /// `allowReserved` are ignored, as OpenAPI says for multipart; anything else is
    /// refused.
    fn check_encoding_object(&mut self, chosen: &Chosen<'a>, ty: &Ty) {
        let Some(encoding) = chosen.media.get("encoding").and_then(Value::as_object) else {
            return;
        };
        let encoding_at = pointer::join(&chosen.at, "encoding");
        let media_type = &chosen.content_type;
        if chosen.encoding == BodyEncoding::Form {
            if !encoding.is_empty() {
                self.error(
                    &encoding_at,
                    format!("`encoding` is not supported for {} body", a(media_type)),
                    Some("remove it: fields are sent as `name=value` pairs, an array as one pair per item (style `form`, `explode: true`)".to_owned()),
                );
            }
            return;
        }
        let fields = match &ty.kind {
            TyKind::Named(name) => match self.find_type(name).map(|t| &t.kind) {
                Some(TypeDefKind::Struct(st)) => st.fields.clone(),
                _ => return,
            },
            _ => return,
        };
        for (property, spec) in encoding {
            let property_at = pointer::join(&encoding_at, property);
            let Some(field) = fields.iter().find(|f| f.name == *property) else {
                self.error(
                    &property_at,
                    format!("`encoding` names `{property}`, which is not a property of the body"),
                    Some("remove it, or fix the name".to_owned()),
                );
                continue;
            };
            let file = matches!(
                self.form_value(&field.ty),
                Some(FormValue::File | FormValue::Files)
            );
            for key in spec.as_object().into_iter().flatten().map(|(k, _)| k) {
                let ignored = matches!(key.as_str(), "style" | "explode" | "allowReserved")
                    || key.starts_with("x-")
                    || (key == "contentType" && file);
                if ignored {
                    continue;
                }
                let help = if key == "contentType" {
                    "remove it: a part that is not a file is sent as text"
                } else {
                    "remove it"
                };
                self.error(
                    &pointer::join(&property_at, key),
                    format!("`{key}` in the `encoding` of `{property}` is not supported; supported is `contentType` on a file property (documentation only)"),
                    Some(help.to_owned()),
                );
            }
        }
    }

    /// Refuses a use of a multipart body's type (one with files) anywhere but as
    /// a multipart body: a file is bytes there, but would be a string in JSON.
    pub(super) fn check_multipart_uses(&mut self) {
        let mut problems = Vec::new();
        for (name, body_at) in &self.multipart_uses {
            let has_files = match self.find_type(name).map(|t| &t.kind) {
                Some(TypeDefKind::Struct(st)) => st.fields.iter().any(|f| {
                    matches!(
                        self.form_value(&f.ty),
                        Some(FormValue::File | FormValue::Files)
                    )
                }),
                _ => false,
            };
            if !has_files {
                continue;
            }
            for (used, at) in &self.uses {
                if used == name && !self.multipart_uses.iter().any(|(_, body)| body == at) {
                    problems.push((at.clone(), name.clone(), body_at.clone()));
                }
            }
        }
        problems.sort();
        problems.dedup_by(|a, b| a.0 == b.0);
        for (at, name, body_at) in problems {
            let place = self.place(&body_at);
            self.error(
                &at,
                format!("`{name}` is the schema of a multipart body with files (at {place}), so it cannot be used here: a file is bytes in a multipart body, a string anywhere else"),
                Some(format!("give the multipart body a schema of its own, or use another schema here instead of `{name}`")),
            );
        }
    }

    /// How a property of type `ty` travels in a form or multipart body; `None` when
    /// it cannot.
    fn form_value(&self, ty: &Ty) -> Option<FormValue> {
        if let TyKind::Array(item) = &self.resolve(ty).kind {
            return match self.scalar_kind(item)? {
                Scalar::Binary => Some(FormValue::Files),
                _ => Some(FormValue::Array),
            };
        }
        match self.scalar_kind(ty)? {
            Scalar::Binary => Some(FormValue::File),
            _ => Some(FormValue::Scalar),
        }
    }

    /// The `format: binary` type of a file property (an array's items, aliases
    /// followed).
    fn file_ty<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        match &self.resolve(ty).kind {
            TyKind::Array(item) => self.resolve(item),
            _ => self.resolve(ty),
        }
    }

    fn resolves_to_binary(&self, ty: &Ty) -> bool {
        self.scalar_kind(ty) == Some(Scalar::Binary)
    }

    /// What a scalar type is, following aliases; `None` for anything else.
    fn scalar_kind(&self, ty: &Ty) -> Option<Scalar> {
        match &self.resolve(ty).kind {
            TyKind::String(StringFormat::Binary) => Some(Scalar::Binary),
            TyKind::String(_) => Some(Scalar::String),
            TyKind::Boolean | TyKind::Integer(_) | TyKind::Number(_) => Some(Scalar::Other),
            TyKind::Named(name) => match self.find_type(name).map(|t| &t.kind) {
                Some(TypeDefKind::Enum(_)) => Some(Scalar::String),
                _ => None,
            },
            _ => None,
        }
    }

    /// `ty` with named aliases followed (at most as many steps as there are types).
    fn resolve<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        let mut ty = ty;
        for _ in 0..=self.types.len() {
            let TyKind::Named(name) = &ty.kind else {
                return ty;
            };
            match self.find_type(name).map(|t| &t.kind) {
                Some(TypeDefKind::Alias(inner)) => ty = inner,
                _ => return ty,
            }
        }
        ty
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    /// A string or string enum.
    String,
    /// A `format: binary` string.
    Binary,
    /// A number, integer or boolean.
    Other,
}

/// `` a `text/plain` `` or `` an `application/pdf` ``.
fn a(media_type: &str) -> String {
    let vowel = media_type
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} `{media_type}`", if vowel { "an" } else { "a" })
}

/// The media type without parameters, lower case: `text/plain`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// An RFC 9110 token: the type or subtype of a media type.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `application/json`, `application/<x>+json`, with or without parameters.
pub(super) fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_media_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/plain"));
        assert_eq!(essence("Text/Plain; charset=UTF-8"), "text/plain");
        assert!(is_token("octet-stream"));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
    }
}
