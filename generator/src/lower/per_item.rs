//! `x-per-item-validation`: an array property of a request body's schema whose items
//! a server validates one by one, so that one invalid item never refuses the rest.
//!
//! Servers get each item as valid or as its violations; only the envelope (the body
//! with those items left out) can make the request `400`. The flag is honoured only
//! where that meaning is clear: on an array property of a named object schema that
//! is used as a request body and nowhere else.

use serde_json::Value;

use super::Lowerer;
use crate::ir::{TyKind, TypeDefKind};

/// The extension's key.
pub(super) const KEY: &str = "x-per-item-validation";

impl<'a> Lowerer<'a> {
    /// The value of the extension on the property schema at `at`, if well-formed.
    pub(super) fn per_item_flag(&mut self, at: &str, schema: &Value) -> bool {
        match schema.get(KEY) {
            None => false,
            Some(Value::Bool(flag)) => *flag,
            Some(other) => {
                self.error(
                    &format!("{at}/{KEY}"),
                    format!("`{KEY}` must be `true` or `false`, found `{other}`"),
                    Some(
                        "write `true` to validate the array's items one by one, or remove it"
                            .to_owned(),
                    ),
                );
                false
            }
        }
    }

    /// Refuses the extension where a server could not honour it: on a property that
    /// is not an array, or in a type used anywhere but as a request body.
    pub(super) fn check_per_item_uses(&mut self) {
        let mut problems = Vec::new();
        for def in self.types.iter().flatten() {
            let TypeDefKind::Struct(st) = &def.kind else {
                continue;
            };
            for field in st.fields.iter().filter(|f| f.per_item_validation) {
                let at = format!("{}/{KEY}", field.pointer);
                let items_named = match &field.ty.kind {
                    TyKind::Array(item) => matches!(item.kind, TyKind::Named(_)),
                    _ => false,
                };
                if !items_named {
                    problems.push((
                        at,
                        format!(
                            "`{KEY}` is set on `{}.{}`, which is not an array of a named schema",
                            def.name, field.name
                        ),
                        format!(
                            "give the array `items: {{$ref: '#/components/schemas/...'}}`, or remove `{KEY}`: it applies to the items of an array property"
                        ),
                    ));
                    continue;
                }
                if !field.required || field.ty.nullable {
                    problems.push((
                        at,
                        format!(
                            "`{KEY}` is set on `{}.{}`, which is optional or nullable",
                            def.name, field.name
                        ),
                        format!(
                            "list `{}` in `required` and drop `nullable`, or remove `{KEY}`",
                            field.name
                        ),
                    ));
                    continue;
                }
                let body_uses = self.uses.iter().filter(|(name, _)| name == &def.name);
                let mut as_body = false;
                for (_, use_at) in body_uses {
                    if is_request_body_schema(use_at) {
                        as_body = true;
                    } else {
                        problems.push((
                            at.clone(),
                            format!(
                                "`{KEY}` is set on `{}.{}`, but `{}` is also used at {}, which is not a request body",
                                def.name,
                                field.name,
                                def.name,
                                self.place(use_at)
                            ),
                            format!("use `{}` only as a request body's schema, or remove `{KEY}`", def.name),
                        ));
                    }
                }
                if !as_body {
                    problems.push((
                        at,
                        format!(
                            "`{KEY}` is set on `{}.{}`, but `{}` is not the schema of any request body",
                            def.name, field.name, def.name
                        ),
                        format!("remove `{KEY}`: servers honour it only on a request body's own properties"),
                    ));
                }
            }
        }
        for (at, message, help) in problems {
            self.error(&at, message, Some(help));
        }
    }
}

/// Whether `at` points at a request body's JSON schema (inline in an operation or
/// under `components/requestBodies`).
fn is_request_body_schema(at: &str) -> bool {
    (at.contains("/requestBody/content/") || at.starts_with("/components/requestBodies/"))
        && at.ends_with("/schema")
}
