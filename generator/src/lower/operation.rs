//! Operations: parameters (path-level merged with the operation's), request bodies
//! (their media types in `content`), responses per status with headers, and the
//! effective security.

use heck::ToUpperCamelCase;
use serde_json::Value;

use super::{Lowerer, bool_field, pointer, str_field, string_field};
use crate::ir::{
    Callback, CallbackRequest, Link, Method, Operation, Parameter, ParameterLocation,
    ParameterStyle, RequestBody, Response, ResponseBody, ResponseHeader, SecurityRequirement,
    StatusCode, Ty, TyKind, TypeDefKind,
};

const METHODS: [(&str, Method); 8] = [
    ("get", Method::Get),
    ("put", Method::Put),
    ("post", Method::Post),
    ("delete", Method::Delete),
    ("options", Method::Options),
    ("head", Method::Head),
    ("patch", Method::Patch),
    ("trace", Method::Trace),
];

impl<'a> Lowerer<'a> {
    /// Every operation, paths in document order, methods in [`METHODS`] order.
    pub(super) fn operations(&mut self) -> Vec<Operation> {
        let spec: &'a crate::spec::LoadedSpec = self.spec;
        let document_security = match spec.raw.get("security") {
            Some(list) => self.security_requirements("#/security", list),
            None => Vec::new(),
        };
        let mut operations = Vec::new();
        let mut ids: Vec<(String, String)> = Vec::new();
        // Path templates with their parameter names blanked (`/items/{}`), and where.
        let mut shapes: Vec<(String, String, String)> = Vec::new();
        for (path, item) in spec
            .raw
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let item_at = pointer::join("#/paths", path);
            if item.get("$ref").is_some() {
                self.error(
                    &pointer::join(&item_at, "$ref"),
                    "a path item `$ref` is not supported; supported are path items written in place",
                    Some("write the operations under the path itself".to_owned()),
                );
                continue;
            }
            let shape = template_shape(path);
            if let Some((_, first, first_at)) = shapes.iter().find(|(s, ..)| *s == shape) {
                let place = self.place(first_at);
                self.error(
                    &item_at,
                    format!("path `{path}` is the same template as `{first}` (at {place}), with other parameter names; OpenAPI forbids such paths, as a request cannot tell them apart"),
                    Some(format!("move these operations under `{first}`, naming the parameters as it does")),
                );
                continue;
            }
            shapes.push((shape, path.clone(), item_at.clone()));
            for (key, method) in METHODS {
                let Some(op) = item.get(key) else { continue };
                let op_at = pointer::join(&item_at, key);
                let operation = self.operation(
                    path,
                    method,
                    &item_at,
                    item,
                    &op_at,
                    op,
                    &document_security,
                    &mut ids,
                );
                operations.push(operation);
            }
        }
        operations
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: Method,
        item_at: &str,
        item: &'a Value,
        op_at: &str,
        op: &'a Value,
        document_security: &[SecurityRequirement],
        ids: &mut Vec<(String, String)>,
    ) -> Operation {
        let id = match str_field(op, "operationId") {
            Some(id) if !id.is_empty() => {
                let id_at = pointer::join(op_at, "operationId");
                if let Some((_, first_at)) = ids.iter().find(|(i, _)| i == id) {
                    let place = self.place(first_at);
                    self.error(
                        &id_at,
                        format!("duplicate operationId `{id}`; it is first used at {place}"),
                        Some("operationIds must be unique: every target names a handler method after them".to_owned()),
                    );
                } else {
                    ids.push((id.to_owned(), id_at));
                }
                id.to_owned()
            }
            _ => {
                self.error(
                    op_at,
                    format!("{} {path} has no operationId", method.as_str()),
                    Some("add `operationId: <name>` (for example `uploadData`); every target names the handler method after it".to_owned()),
                );
                String::new()
            }
        };
        // Hoisted inline schemas are named after the operation.
        let prefix = if id.is_empty() {
            format!("{} {path}", method.as_str()).to_upper_camel_case()
        } else {
            id.to_upper_camel_case()
        };
        // `callbacks` describe requests the API makes, not ones it serves: shown by
        // the docs, no code.
        let callbacks = self.callbacks(&pointer::join(op_at, "callbacks"), op.get("callbacks"));

        let parameters = self.parameters(&prefix, path, item_at, item, op_at, op);
        let request_body = op.get("requestBody").and_then(|body| {
            self.request_body(
                &format!("{prefix}Request"),
                &pointer::join(op_at, "requestBody"),
                body,
            )
        });
        let responses = match op.get("responses") {
            Some(responses) => {
                self.responses(&prefix, &pointer::join(op_at, "responses"), responses)
            }
            None => Vec::new(),
        };
        let security = match op.get("security") {
            Some(list) => self.security_requirements(&pointer::join(op_at, "security"), list),
            None => document_security.to_vec(),
        };
        Operation {
            id,
            method,
            path: path.to_owned(),
            summary: string_field(op, "summary"),
            description: string_field(op, "description"),
            tags: op
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            parameters,
            request_body,
            responses,
            security,
            deprecated: bool_field(op, "deprecated"),
            callbacks,
            pointer: op_at.to_owned(),
        }
    }

    /// Path-level parameters, overridden (same name and `in`) or extended by the
    /// operation's.
    fn parameters(
        &mut self,
        prefix: &str,
        path: &str,
        item_at: &str,
        item: &'a Value,
        op_at: &str,
        op: &'a Value,
    ) -> Vec<Parameter> {
        let mut merged: Vec<(Parameter, String)> = Vec::new();
        for (owner_at, owner) in [(item_at, item), (op_at, op)] {
            let list_at = pointer::join(owner_at, "parameters");
            let mut in_this_list: Vec<(String, ParameterLocation)> = Vec::new();
            for (i, value) in owner
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = pointer::join_index(&list_at, i);
                let Some((at, param)) = self.follow(&at, value, "parameters") else {
                    continue;
                };
                let Some(parameter) = self.parameter(prefix, &at, param) else {
                    continue;
                };
                let key = (parameter.name.clone(), parameter.location);
                if in_this_list.contains(&key) {
                    self.error(
                        &at,
                        format!(
                            "parameter `{}` is declared twice in this list",
                            parameter.name
                        ),
                        Some("remove one".to_owned()),
                    );
                    continue;
                }
                in_this_list.push(key);
                match merged
                    .iter_mut()
                    .find(|(p, _)| p.name == parameter.name && p.location == parameter.location)
                {
                    Some(slot) => *slot = (parameter, at),
                    None => merged.push((parameter, at)),
                }
            }
        }

        let placeholders = path_placeholders(path);
        for name in &placeholders {
            let declared = merged
                .iter()
                .any(|(p, _)| p.location == ParameterLocation::Path && p.name == *name);
            if !declared {
                self.error(
                    op_at,
                    format!("path parameter `{{{name}}}` of `{path}` is not declared"),
                    Some(format!("add a parameter `{{name: {name}, in: path, required: true, schema: {{type: string}}}}`")),
                );
            }
        }
        for (p, at) in &merged {
            if p.location == ParameterLocation::Path && !placeholders.contains(&p.name) {
                self.error(
                    at,
                    format!("path parameter `{}` does not appear in `{path}`", p.name),
                    Some(format!(
                        "add `{{{}}}` to the path, or remove the parameter",
                        p.name
                    )),
                );
            }
        }
        merged.into_iter().map(|(p, _)| p).collect()
    }

    fn parameter(&mut self, prefix: &str, at: &str, param: &'a Value) -> Option<Parameter> {
        let name = str_field(param, "name").unwrap_or_default().to_owned();
        let location = match str_field(param, "in").unwrap_or_default() {
            "path" => ParameterLocation::Path,
            "query" => ParameterLocation::Query,
            "header" => ParameterLocation::Header,
            "cookie" => ParameterLocation::Cookie,
            other => {
                self.error(&pointer::join(at, "in"), format!("parameter location `{other}` is not supported; supported are path, query, header and cookie"), None);
                return None;
            }
        };
        if location == ParameterLocation::Path && !bool_field(param, "required") {
            self.error(
                at,
                format!("path parameter `{name}` must have `required: true`"),
                Some("add `required: true`".to_owned()),
            );
        }
        let style = self.serialization(at, param, location);
        let schema_at = pointer::join(at, "schema");
        let Some(schema) = param.get("schema") else {
            self.no_schema(at, param, &format!("parameter `{name}`"));
            return None;
        };
        let ty = self.ty(
            &schema_at,
            schema,
            &format!("{prefix}{}", name.to_upper_camel_case()),
        );
        self.check_simple(&schema_at, &ty, true, &format!("parameter `{name}`"));
        if matches!(
            style,
            ParameterStyle::SpaceDelimited | ParameterStyle::PipeDelimited
        ) && !matches!(ty.kind, TyKind::Array(_))
        {
            self.error(
                &pointer::join(at, "style"),
                format!(
                    "style `{}` applies to arrays, and parameter `{name}` is not one",
                    str_field(param, "style").unwrap_or_default()
                ),
                Some("remove `style`".to_owned()),
            );
        }
        Some(Parameter {
            name,
            location,
            required: bool_field(param, "required"),
            description: string_field(param, "description"),
            ty,
            style,
        })
    }

    /// The serialization of a parameter: each location's styles that carry scalars
    /// and arrays of them, with either `explode` where both write the same; the
    /// others (`matrix`, `label`, `deepObject`, `allowReserved`, ...) are errors
    /// naming the keyword (the location's default stands in after one, so the
    /// parameter is still declared).
    fn serialization(
        &mut self,
        at: &str,
        param: &Value,
        location: ParameterLocation,
    ) -> ParameterStyle {
        let (place, supported) = match location {
            ParameterLocation::Query => (
                "in the query",
                "`form` (the default), `spaceDelimited` and `pipeDelimited`",
            ),
            ParameterLocation::Cookie => ("in a cookie", "`form` (the default)"),
            ParameterLocation::Path => ("in the path", "`simple` (the default)"),
            ParameterLocation::Header => ("in a header", "`simple` (the default)"),
        };
        let explode = param.get("explode").and_then(Value::as_bool);
        let style = match str_field(param, "style") {
            None => ParameterStyle::default_for(location),
            Some(style) => match (style, location) {
                ("form", ParameterLocation::Query | ParameterLocation::Cookie) => {
                    ParameterStyle::FormExploded
                }
                ("simple", ParameterLocation::Path | ParameterLocation::Header) => {
                    ParameterStyle::Simple
                }
                ("spaceDelimited", ParameterLocation::Query) => ParameterStyle::SpaceDelimited,
                ("pipeDelimited", ParameterLocation::Query) => ParameterStyle::PipeDelimited,
                (other, _) => {
                    self.error(
                        &pointer::join(at, "style"),
                        format!("parameter style `{other}` is not supported {place}; supported {place} {} {supported}", if location == ParameterLocation::Query { "are" } else { "is" }),
                        Some(match location {
                            ParameterLocation::Query => "remove `style` to send an array as repeated keys (`?name=a&name=b`), or write `explode: false` to send it comma-separated (`?name=a,b`)".to_owned(),
                            ParameterLocation::Cookie => "remove `style`".to_owned(),
                            _ => "remove `style`; the default, `simple`, writes an array comma-separated (`a,b`)".to_owned(),
                        }),
                    );
                    ParameterStyle::default_for(location)
                }
            },
        };
        let style = match (style, explode) {
            (ParameterStyle::FormExploded, Some(false)) => ParameterStyle::Form,
            (ParameterStyle::SpaceDelimited | ParameterStyle::PipeDelimited, Some(true)) => {
                let name = str_field(param, "style").unwrap_or_default();
                self.error(
                    &pointer::join(at, "explode"),
                    format!("`explode: true` with style `{name}` is not supported; `{name}` separates the items of one value, which is `explode: false`"),
                    Some("remove `explode`, or remove `style` to send an array as repeated keys (`?name=a&name=b`)".to_owned()),
                );
                ParameterStyle::default_for(location)
            }
            // `simple` writes scalars and arrays the same with either `explode`.
            (style, _) => style,
        };
        for key in ["allowReserved", "allowEmptyValue"] {
            if bool_field(param, key) {
                self.error(
                    &pointer::join(at, key),
                    format!("`{key}: true` is not supported"),
                    Some(format!("remove `{key}`")),
                );
            }
        }
        style
    }

    fn no_schema(&mut self, at: &str, value: &Value, what: &str) {
        if value.get("content").is_some() {
            self.error(
                &pointer::join(at, "content"),
                format!("{what} with `content` is not supported; supported is `schema`"),
                Some("describe the value with `schema:`".to_owned()),
            );
        } else {
            self.error(
                at,
                format!("{what} has no `schema`"),
                Some("add `schema: {type: string}` or the value's schema".to_owned()),
            );
        }
    }

    /// Parameters and headers carry plain values: scalars, enums and arrays of
    /// these.
    fn check_simple(&mut self, at: &str, ty: &Ty, arrays: bool, what: &str) {
        // A type that could not be lowered is already reported here; saying it is
        // not supported as well would only mislead.
        let reported = |d: &crate::diagnostics::Diagnostic| {
            d.pointer
                .as_deref()
                .is_some_and(|p| p == at || p.starts_with(&format!("{at}/")))
        };
        let lost = match &ty.kind {
            TyKind::Array(items) => items.kind == TyKind::Any,
            kind => *kind == TyKind::Any,
        };
        if lost && self.diagnostics.iter().any(reported) {
            return;
        }
        let ok = match &ty.kind {
            TyKind::Array(items) => arrays && self.is_scalar(items),
            _ => self.is_scalar(ty),
        };
        if !ok {
            self.error(
                at,
                format!("this type is not supported for {what}; supported are strings, numbers, integers, booleans, enums{}", if arrays { " and arrays of these" } else { "" }),
                Some("send structured data in a JSON request body".to_owned()),
            );
        }
    }

    fn is_scalar(&self, ty: &Ty) -> bool {
        match &ty.kind {
            TyKind::Boolean | TyKind::Integer(_) | TyKind::Number(_) | TyKind::String(_) => true,
            TyKind::Named(name) => match self.find_type(name).map(|t| &t.kind) {
                Some(TypeDefKind::Enum(_)) => true,
                Some(TypeDefKind::Alias(inner)) => {
                    matches!(
                        inner.kind,
                        TyKind::Boolean
                            | TyKind::Integer(_)
                            | TyKind::Number(_)
                            | TyKind::String(_)
                    )
                }
                Some(_) => false,
                // Unknown: reported elsewhere.
                None => true,
            },
            TyKind::Array(_) | TyKind::Map(_) | TyKind::Any => false,
        }
    }

    fn request_body(&mut self, name: &str, at: &str, value: &'a Value) -> Option<RequestBody> {
        let (at, body) = self.follow(at, value, "requestBodies")?;
        let name =
            component_name(&at, "requestBodies", "RequestBody").unwrap_or_else(|| name.to_owned());
        let Some(chosen) = self.body_content(&at, body, "request body") else {
            if body
                .get("content")
                .and_then(Value::as_object)
                .is_none_or(|c| c.is_empty())
            {
                self.error(
                    &at,
                    "the request body has no content",
                    Some("add `content: {application/json: {schema: ...}}`".to_owned()),
                );
            }
            return None;
        };
        let ty = self.body_ty(&chosen, &name, "request body")?;
        Some(RequestBody {
            description: string_field(body, "description"),
            required: bool_field(body, "required"),
            content_type: chosen.content_type,
            encoding: chosen.encoding,
            ty,
        })
    }

    fn responses(&mut self, prefix: &str, at: &str, value: &'a Value) -> Vec<Response> {
        let Some(map) = value.as_object() else {
            return Vec::new();
        };
        if map.is_empty() {
            self.error(
                at,
                "the operation has no responses",
                Some("add at least one, for example `'200': {description: OK}`".to_owned()),
            );
        }
        let mut responses = Vec::new();
        let mut default = None;
        for (code, response) in map {
            let code_at = pointer::join(at, code);
            let status = match code.as_str() {
                "default" => StatusCode::Default,
                c => match c.parse::<u16>() {
                    Ok(n) if (100..=599).contains(&n) && c.len() == 3 => StatusCode::Code(n),
                    _ if c.len() == 3 && c.ends_with("XX") => {
                        self.error(
                            &code_at,
                            format!("status code range `{c}` is not supported; supported are status codes and `default`"),
                            Some("list each status code the operation returns".to_owned()),
                        );
                        continue;
                    }
                    _ => {
                        self.error(&code_at, format!("`{c}` is not an HTTP status code; supported are 100 to 599 and `default`"), None);
                        continue;
                    }
                },
            };
            let label = match status {
                StatusCode::Code(n) => n.to_string(),
                StatusCode::Default => "Default".to_owned(),
            };
            let Some(lowered) = self.response(
                &format!("{prefix}{label}Response"),
                status,
                &code_at,
                response,
            ) else {
                continue;
            };
            match status {
                StatusCode::Default => default = Some(lowered),
                StatusCode::Code(_) => responses.push(lowered),
            }
        }
        responses.extend(default);
        responses
    }

    fn response(
        &mut self,
        name: &str,
        status: StatusCode,
        at: &str,
        value: &'a Value,
    ) -> Option<Response> {
        let (at, response) = self.follow(at, value, "responses")?;
        let name = component_name(&at, "responses", "Response").unwrap_or_else(|| name.to_owned());
        // `links` (how this response's values feed other operations): shown by the
        // docs, no code.
        let links = self.links(&pointer::join(&at, "links"), response.get("links"));
        let headers_at = pointer::join(&at, "headers");
        let mut headers = Vec::new();
        for (header_name, header) in response
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let header_at = pointer::join(&headers_at, header_name);
            let Some((header_at, header)) = self.follow(&header_at, header, "headers") else {
                continue;
            };
            let what = format!("header `{header_name}`");
            let Some(schema) = header.get("schema") else {
                self.no_schema(&header_at, header, &what);
                continue;
            };
            let schema_at = pointer::join(&header_at, "schema");
            let ty = self.ty(
                &schema_at,
                schema,
                &format!("{name}{}", header_name.to_upper_camel_case()),
            );
            self.check_simple(&schema_at, &ty, true, &what);
            headers.push(ResponseHeader {
                name: header_name.clone(),
                description: string_field(header, "description"),
                required: bool_field(header, "required"),
                ty,
            });
        }
        // A JSON body without a `schema` is not described: the response has no
        // typed body (its content is left alone).
        let body = self
            .body_content(&at, response, "response")
            .and_then(|chosen| {
                let ty = self.body_ty(&chosen, &name, "response")?;
                Some(ResponseBody {
                    content_type: chosen.content_type,
                    encoding: chosen.encoding,
                    ty,
                })
            });
        Some(Response {
            status,
            description: string_field(response, "description").unwrap_or_default(),
            headers,
            body,
            links,
        })
    }

    /// The `links` of a response, `$ref`s to `components/links` followed.
    fn links(&mut self, at: &str, value: Option<&'a Value>) -> Vec<Link> {
        let spec: &'a crate::spec::LoadedSpec = self.spec;
        let ids: Vec<&str> = spec
            .raw
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|paths| paths.values())
            .flat_map(|item| METHODS.iter().filter_map(|(key, _)| item.get(*key)))
            .filter_map(|op| str_field(op, "operationId"))
            .collect();
        let mut links = Vec::new();
        for (name, link) in value.and_then(Value::as_object).into_iter().flatten() {
            let Some((_, link)) = self.follow(&pointer::join(at, name), link, "links") else {
                continue;
            };
            let (operation, known_operation) = match str_field(link, "operationId") {
                Some(id) => (id.to_owned(), ids.contains(&id)),
                None => (
                    str_field(link, "operationRef")
                        .unwrap_or_default()
                        .to_owned(),
                    false,
                ),
            };
            let parameters = link
                .get("parameters")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, value)| {
                    let shown = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    (name.clone(), shown)
                })
                .collect();
            links.push(Link {
                name: name.clone(),
                operation,
                known_operation,
                parameters,
                description: string_field(link, "description"),
            });
        }
        links
    }

    /// The `callbacks` of an operation, `$ref`s to `components/callbacks` followed.
    fn callbacks(&mut self, at: &str, value: Option<&'a Value>) -> Vec<Callback> {
        let mut callbacks = Vec::new();
        for (name, callback) in value.and_then(Value::as_object).into_iter().flatten() {
            let Some((_, callback)) = self.follow(&pointer::join(at, name), callback, "callbacks")
            else {
                continue;
            };
            let mut requests = Vec::new();
            for (expression, item) in callback.as_object().into_iter().flatten() {
                for (key, method) in METHODS {
                    if let Some(op) = item.get(key) {
                        requests.push(CallbackRequest {
                            expression: expression.clone(),
                            method,
                            summary: string_field(op, "summary"),
                        });
                    }
                }
            }
            callbacks.push(Callback {
                name: name.clone(),
                requests,
            });
        }
        callbacks
    }
}

/// For an object defined under `#/components/<kind>/<name>`: PascalCase(name) +
/// `suffix`, the prefix of types hoisted from it (shared by every use).
fn component_name(at: &str, kind: &str, suffix: &str) -> Option<String> {
    let tokens = pointer::tokens(at);
    match tokens.as_slice() {
        [components, k, name] if components == "components" && k == kind => {
            Some(format!("{}{suffix}", name.to_upper_camel_case()))
        }
        _ => None,
    }
}

/// `{name}` placeholders of a path template.
fn path_placeholders(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].to_owned());
        rest = &after[close + 1..];
    }
    names
}

/// A path template with its parameter names left out: `/items/{id}` and
/// `/items/{itemId}` both give `/items/{}`.
fn template_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                shape.push('{');
            }
            '}' => {
                in_name = false;
                shape.push('}');
            }
            _ if in_name => {}
            _ => shape.push(c),
        }
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders() {
        assert_eq!(path_placeholders("/a/{id}/b/{x}"), ["id", "x"]);
        assert_eq!(path_placeholders("/a/{"), Vec::<String>::new());
    }
}
