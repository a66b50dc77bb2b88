//! `$ref` resolution. Schema references name a component schema (they become
//! [`TyKind::Named`](crate::ir::TyKind::Named)); references to responses, request
//! bodies, parameters, headers and security schemes are followed to their target
//! and lowered in place.

use serde_json::Value;

use super::{Lowerer, did_you_mean, pointer};

impl<'a> Lowerer<'a> {
    /// The component schema named by `reference`, written at `at` (the `$ref` key's
    /// pointer). Reports dangling and unsupported references.
    pub(super) fn schema_ref(&mut self, at: &str, reference: &str) -> Option<(String, &'a Value)> {
        let Some(target) = pointer::parse_ref(reference) else {
            self.error(at, format!("`$ref: {reference}` points outside this document; only local references (`#/...`) are supported"), None);
            return None;
        };
        let tokens = pointer::tokens(&target);
        match tokens.as_slice() {
            [components, schemas, name] if components == "components" && schemas == "schemas" => {
                let spec: &'a crate::spec::LoadedSpec = self.spec;
                match spec
                    .raw
                    .pointer("/components/schemas")
                    .and_then(|s| s.get(name))
                {
                    Some(schema) => Some((name.clone(), schema)),
                    None => {
                        let names: Vec<&str> = self
                            .component_schemas()
                            .into_iter()
                            .map(|(n, _)| n.as_str())
                            .collect();
                        let help = did_you_mean(name, names)
                            .map(|s| format!("did you mean `#/components/schemas/{s}`?"));
                        self.error(at, format!("`$ref` target `{target}` does not exist"), help);
                        None
                    }
                }
            }
            _ => {
                self.error(
                    at,
                    format!("`$ref: {reference}` does not name a schema; supported schema references are `#/components/schemas/<name>`"),
                    Some("give the referenced schema a name under `components/schemas` and refer to that".to_owned()),
                );
                None
            }
        }
    }

    /// Follows `$ref`s from `value` (at `at`) to a non-reference object under
    /// `#/components/<kind>/<name>`. Returns the target and its pointer.
    pub(super) fn follow(
        &mut self,
        at: &str,
        value: &'a Value,
        kind: &str,
    ) -> Option<(String, &'a Value)> {
        let spec: &'a crate::spec::LoadedSpec = self.spec;
        let mut current = (at.to_owned(), value);
        let mut seen: Vec<String> = Vec::new();
        while let Some(reference) = current.1.get("$ref") {
            let ref_at = pointer::join(&current.0, "$ref");
            let Some(reference) = reference.as_str() else {
                self.error(&ref_at, "`$ref` must be a string", None);
                return None;
            };
            let Some(target) = pointer::parse_ref(reference) else {
                self.error(&ref_at, format!("`$ref: {reference}` points outside this document; only local references (`#/...`) are supported"), None);
                return None;
            };
            let tokens = pointer::tokens(&target);
            let prefix = format!("#/components/{kind}/");
            if !(tokens.len() == 3
                && tokens.first().map(String::as_str) == Some("components")
                && tokens.get(1).map(String::as_str) == Some(kind))
            {
                self.error(
                    &ref_at,
                    format!("`$ref: {reference}` must point to `{prefix}<name>` here"),
                    None,
                );
                return None;
            }
            if seen.contains(&target) {
                seen.push(target);
                self.error(
                    &ref_at,
                    format!("`$ref` cycle: {}", seen.join(" -> ")),
                    Some("one of these must be a definition, not a reference".to_owned()),
                );
                return None;
            }
            let Some(next) = pointer::resolve(&spec.raw, &target) else {
                let names: Vec<&str> = spec
                    .raw
                    .pointer(&format!("/components/{kind}"))
                    .and_then(Value::as_object)
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let missing = tokens.get(2).map(String::as_str).unwrap_or_default();
                let help =
                    did_you_mean(missing, names).map(|s| format!("did you mean `{prefix}{s}`?"));
                self.error(
                    &ref_at,
                    format!("`$ref` target `{target}` does not exist"),
                    help,
                );
                return None;
            };
            seen.push(target.clone());
            current = (target, next);
        }
        Some(current)
    }
}
