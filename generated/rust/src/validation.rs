// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! Validation of raw JSON against the spec's schemas, run before typed decoding.
//!
//! Every function reports the violations it finds as [`Violation`]s with a path
//! (`$` is the root, `.name` or `['name']` a property, `[i]` an array item) and
//! the JSON Schema keyword that failed. Nothing below a `type` violation is checked.
//!
//! A validation lists at most [`MAX_VIOLATIONS`] violations, the first ones found
//! while walking the value in schema order, and only counts the others
//! ([`Violations::omitted`]): an invalid value of any size costs a bounded amount
//! of memory and gives a bounded report.
#![allow(dead_code, clippy::ptr_arg)]
use regex::Regex;
use serde_json::{Map, Value};
/// One way a value fails its schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// Where: `$.transactions[0].crud[2].op`.
    pub path: String,
    /// The schema keyword that failed (`type`, `required`, `enum`, ...).
    pub keyword: String,
    /// For people.
    pub message: String,
}
impl Violation {
    pub fn new(path: &str, keyword: &str, message: String) -> Self {
        Violation {
            path: path.to_owned(),
            keyword: keyword.to_owned(),
            message,
        }
    }
}
/// The most violations one validation lists; it only counts the ones after them.
/// The same in every language this project generates.
pub const MAX_VIOLATIONS: usize = 100;
/// What a validation found: the first [`MAX_VIOLATIONS`] violations, in the order
/// they were found, and the number of further violations found but not listed.
/// Past the cap nothing is allocated for a violation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    listed: Vec<Violation>,
    omitted: u64,
}
impl Violations {
    pub fn new() -> Self {
        Violations::default()
    }
    /// Whether [`MAX_VIOLATIONS`] are listed: any further one is only counted.
    pub fn is_full(&self) -> bool {
        self.listed.len() >= MAX_VIOLATIONS
    }
    /// Records a violation: listed while fewer than [`MAX_VIOLATIONS`] are, else
    /// counted. `make` runs only when the violation is listed.
    pub fn push(&mut self, make: impl FnOnce() -> Violation) {
        if self.is_full() {
            self.omitted += 1;
        } else {
            self.listed.push(make());
        }
    }
    /// Whether no violation was found.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.omitted == 0
    }
    /// The listed violations, at most [`MAX_VIOLATIONS`], in the order found.
    pub fn listed(&self) -> &[Violation] {
        &self.listed
    }
    /// How many violations were found beyond the listed ones.
    pub fn omitted(&self) -> u64 {
        self.omitted
    }
    /// How many violations were found in all.
    pub fn total(&self) -> u64 {
        self.listed.len() as u64 + self.omitted
    }
    /// The listed violations and the number omitted.
    pub fn into_parts(self) -> (Vec<Violation>, u64) {
        (self.listed, self.omitted)
    }
}
/// Lists the first [`MAX_VIOLATIONS`] and counts the rest.
impl From<Vec<Violation>> for Violations {
    fn from(violations: Vec<Violation>) -> Self {
        let mut out = Violations::new();
        for violation in violations {
            out.push(|| violation);
        }
        out
    }
}
/// The validator of the schema called `name` (as in the spec), if there is one.
pub fn validator(name: &str) -> Option<fn(&Value, &str, &mut Violations)> {
    Some(
        match name {
            "WriteBatch" => validate_write_batch,
            "CrudTransaction" => validate_crud_transaction,
            "CrudEntry" => validate_crud_entry,
            "UpdateType" => validate_update_type,
            "WriteBatchResponse" => validate_write_batch_response,
            "TransactionResult" => validate_transaction_result,
            "TransactionSuccess" => validate_transaction_success,
            "TransactionRetryableError" => validate_transaction_retryable_error,
            "TransactionFatalError" => validate_transaction_fatal_error,
            "TransactionNotAttempted" => validate_transaction_not_attempted,
            "FailedOperation" => validate_failed_operation,
            "ErrorResponse" => validate_error_response,
            "Violation" => validate_violation,
            "HealthStatus" => validate_health_status,
            _ => return None,
        },
    )
}
/// Validates `value` against the schema called `name`; `None` if the spec has no
/// schema of that name.
pub fn validate_schema(name: &str, value: &Value) -> Option<Violations> {
    let check = validator(name)?;
    let mut out = Violations::new();
    check(value, "$", &mut out);
    Some(out)
}
/// Validates a typed model by serializing it first. `tag` is the discriminator
/// property and value of a union variant, which the variant struct does not hold.
pub fn validate_model<T: serde::Serialize>(
    model: &T,
    tag: Option<(&str, &str)>,
    check: fn(&Value, &str, &mut Violations),
) -> Result<(), Violations> {
    let mut value = match serde_json::to_value(model) {
        Ok(value) => value,
        Err(error) => {
            return Err(vec![Violation::new("$", "type", error.to_string())].into());
        }
    };
    if let (Some((property, tag)), Some(object)) = (tag, value.as_object_mut()) {
        object.insert(property.to_owned(), Value::String(tag.to_owned()));
    }
    let mut out = Violations::new();
    check(&value, "$", &mut out);
    if out.is_empty() { Ok(()) } else { Err(out) }
}
/// The path of property `name` below `path`.
pub fn property_path(path: &str, name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{name}")
    } else {
        let escaped = name.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{path}['{escaped}']")
    }
}
/// The path of item `index` below `path`.
pub fn index_path(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}
/// [`property_path`], or an empty string once `out` is full: no violation is
/// listed any more, so the path would go unused, and a huge invalid value does
/// not allocate a path for each of its nodes.
fn property_path_in(out: &Violations, path: &str, name: &str) -> String {
    if out.is_full() { String::new() } else { property_path(path, name) }
}
/// [`index_path`], or an empty string once `out` is full (see
/// [`property_path_in`]).
fn index_path_in(out: &Violations, path: &str, index: usize) -> String {
    if out.is_full() { String::new() } else { index_path(path, index) }
}
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
fn type_violation(out: &mut Violations, path: &str, expected: &str, value: &Value) {
    out.push(|| Violation::new(
        path,
        "type",
        format!("expected {expected}, found {}", json_type(value)),
    ));
}
fn required(out: &mut Violations, path: &str, name: &str) {
    out.push(|| Violation::new(
        &property_path(path, name),
        "required",
        format!("`{name}` is required"),
    ));
}
fn expect_object<'v>(
    value: &'v Value,
    path: &str,
    out: &mut Violations,
) -> Option<&'v Map<String, Value>> {
    let object = value.as_object();
    if object.is_none() {
        type_violation(out, path, "object", value);
    }
    object
}
#[derive(Debug, Clone, Copy)]
enum Limit {
    Int(i128),
    Float(f64),
}
/// A `minimum` or `maximum`.
#[derive(Debug, Clone, Copy)]
struct Bound {
    limit: Limit,
    exclusive: bool,
}
fn number_limit(number: &serde_json::Number) -> Option<Limit> {
    if let Some(i) = number.as_i64() {
        Some(Limit::Int(i.into()))
    } else if let Some(u) = number.as_u64() {
        Some(Limit::Int(u.into()))
    } else {
        number.as_f64().map(Limit::Float)
    }
}
fn compare(value: Limit, bound: Limit) -> Option<std::cmp::Ordering> {
    match (value, bound) {
        (Limit::Int(v), Limit::Int(b)) => Some(v.cmp(&b)),
        (Limit::Int(v), Limit::Float(b)) => (v as f64).partial_cmp(&b),
        (Limit::Float(v), Limit::Int(b)) => v.partial_cmp(&(b as f64)),
        (Limit::Float(v), Limit::Float(b)) => v.partial_cmp(&b),
    }
}
fn show(limit: Limit) -> String {
    match limit {
        Limit::Int(i) => i.to_string(),
        Limit::Float(f) => f.to_string(),
    }
}
fn check_bounds(
    value: Limit,
    path: &str,
    out: &mut Violations,
    minimum: Option<Bound>,
    maximum: Option<Bound>,
) {
    use std::cmp::Ordering::{Greater, Less};
    if let Some(min) = minimum {
        let ordering = compare(value, min.limit);
        if ordering == Some(Less) || (min.exclusive && ordering != Some(Greater)) {
            let op = if min.exclusive { ">" } else { ">=" };
            out.push(|| Violation::new(
                path,
                "minimum",
                format!("must be {op} {}", show(min.limit)),
            ));
        }
    }
    if let Some(max) = maximum {
        let ordering = compare(value, max.limit);
        if ordering == Some(Greater) || (max.exclusive && ordering != Some(Less)) {
            let op = if max.exclusive { "<" } else { "<=" };
            out.push(|| Violation::new(
                path,
                "maximum",
                format!("must be {op} {}", show(max.limit)),
            ));
        }
    }
}
fn check_boolean(value: &Value, path: &str, out: &mut Violations) {
    if !value.is_boolean() {
        type_violation(out, path, "boolean", value);
    }
}
/// An integer is a number written without fraction or exponent.
fn check_integer(
    value: &Value,
    path: &str,
    out: &mut Violations,
    int32: bool,
    minimum: Option<Bound>,
    maximum: Option<Bound>,
) {
    let number = match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => n,
        _ => return type_violation(out, path, "integer", value),
    };
    let Some(limit) = number_limit(number) else { return };
    let (name, range) = if int32 {
        ("int32", i128::from(i32::MIN)..=i128::from(i32::MAX))
    } else {
        ("int64", i128::from(i64::MIN)..=i128::from(i64::MAX))
    };
    if let Limit::Int(i) = limit && !range.contains(&i) {
        out.push(|| Violation::new(
            path,
            "format",
            format!("is outside the {name} range"),
        ));
    }
    check_bounds(limit, path, out, minimum, maximum);
}
fn check_number(
    value: &Value,
    path: &str,
    out: &mut Violations,
    minimum: Option<Bound>,
    maximum: Option<Bound>,
) {
    let Some(limit) = value.as_number().and_then(number_limit) else {
        return type_violation(out, path, "number", value);
    };
    check_bounds(limit, path, out, minimum, maximum);
}
fn check_enum(value: &Value, path: &str, out: &mut Violations, allowed: &[&str]) {
    match value.as_str() {
        None => type_violation(out, path, "string", value),
        Some(text) if !allowed.contains(&text) => {
            out.push(|| Violation::new(
                path,
                "enum",
                format!("must be one of {}", allowed.join(", ")),
            ));
        }
        Some(_) => {}
    }
}
/// The discriminator property of a union variant checked on its own.
fn check_tag(
    object: &Map<String, Value>,
    path: &str,
    out: &mut Violations,
    property: &str,
    tag: &str,
) {
    match object.get(property) {
        None => required(out, path, property),
        Some(value) => {
            check_enum(value, &property_path_in(out, path, property), out, &[tag])
        }
    }
}
fn check_array<'v>(
    value: &'v Value,
    path: &str,
    out: &mut Violations,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
) -> Option<&'v Vec<Value>> {
    let Some(items) = value.as_array() else {
        type_violation(out, path, "array", value);
        return None;
    };
    let count = items.len() as u64;
    if let Some(min) = min_items.filter(|min| count < *min) {
        out.push(|| Violation::new(
            path,
            "minItems",
            format!("must have at least {min} items"),
        ));
    }
    if let Some(max) = max_items.filter(|max| count > *max) {
        out.push(|| Violation::new(
            path,
            "maxItems",
            format!("must have at most {max} items"),
        ));
    }
    if unique_items
        && items
            .iter()
            .enumerate()
            .any(|(i, a)| items.iter().skip(i + 1).any(|b| a == b))
    {
        out.push(|| Violation::new(
            path,
            "uniqueItems",
            "items must be unique".to_owned(),
        ));
    }
    Some(items)
}
fn check_string(
    value: &Value,
    path: &str,
    out: &mut Violations,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(&str, &Result<Regex, regex::Error>)>,
) {
    let Some(text) = value.as_str() else {
        return type_violation(out, path, "string", value);
    };
    let length = text.chars().count() as u64;
    if let Some(min) = min_length.filter(|min| length < *min) {
        out.push(|| Violation::new(
            path,
            "minLength",
            format!("must be at least {min} characters long"),
        ));
    }
    if let Some(max) = max_length.filter(|max| length > *max) {
        out.push(|| Violation::new(
            path,
            "maxLength",
            format!("must be at most {max} characters long"),
        ));
    }
    match pattern {
        Some((source, Ok(regex))) if !regex.is_match(text) => {
            out.push(|| Violation::new(
                path,
                "pattern",
                format!("must match the pattern `{source}`"),
            ))
        }
        Some((source, Err(error))) => {
            out.push(|| Violation::new(
                path,
                "pattern",
                format!("the schema's pattern `{source}` is not supported: {error}"),
            ))
        }
        _ => {}
    }
}
/// Validates a `WriteBatch` at `path`, adding its violations to `out`.
pub fn validate_write_batch(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    if let Some(value) = object.get("client_id") {
        let path = property_path_in(out, path, "client_id");
        check_string(value, &path, out, None, None, None);
    }
    match object.get("transactions") {
        Some(value) => {
            let path = property_path_in(out, path, "transactions");
            if let Some(items_0) = check_array(
                value,
                &path,
                out,
                Some(1),
                Some(50),
                false,
            ) {
                for (index_0, item_0) in items_0.iter().enumerate() {
                    let path_0 = index_path_in(out, &path, index_0);
                    validate_crud_transaction(item_0, &path_0, out);
                }
            }
        }
        None => required(out, path, "transactions"),
    }
}
/// Validates a `CrudTransaction` at `path`, adding its violations to `out`.
pub fn validate_crud_transaction(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    if let Some(value) = object.get("transaction_id") {
        let path = property_path_in(out, path, "transaction_id");
        check_integer(value, &path, out, false, None, None);
    }
    match object.get("crud") {
        Some(value) => {
            let path = property_path_in(out, path, "crud");
            if let Some(items_0) = check_array(
                value,
                &path,
                out,
                Some(1),
                Some(10000),
                false,
            ) {
                for (index_0, item_0) in items_0.iter().enumerate() {
                    let path_0 = index_path_in(out, &path, index_0);
                    validate_crud_entry(item_0, &path_0, out);
                }
            }
        }
        None => required(out, path, "crud"),
    }
}
/// Validates a `CrudEntry` at `path`, adding its violations to `out`.
pub fn validate_crud_entry(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    match object.get("op") {
        Some(value) => {
            let path = property_path_in(out, path, "op");
            validate_update_type(value, &path, out);
        }
        None => required(out, path, "op"),
    }
    match object.get("table") {
        Some(value) => {
            let path = property_path_in(out, path, "table");
            check_string(value, &path, out, Some(1), None, None);
        }
        None => required(out, path, "table"),
    }
    match object.get("id") {
        Some(value) => {
            let path = property_path_in(out, path, "id");
            check_string(value, &path, out, Some(1), None, None);
        }
        None => required(out, path, "id"),
    }
    if let Some(value) = object.get("op_id") {
        let path = property_path_in(out, path, "op_id");
        check_integer(value, &path, out, false, None, None);
    }
    if let Some(value) = object.get("transaction_id") {
        let path = property_path_in(out, path, "transaction_id");
        check_integer(value, &path, out, false, None, None);
    }
    if let Some(value) = object.get("op_data") {
        let path = property_path_in(out, path, "op_data");
        if !value.is_null() {
            expect_object(value, &path, out);
        }
    }
    if let Some(value) = object.get("previous_values") {
        let path = property_path_in(out, path, "previous_values");
        if !value.is_null() {
            expect_object(value, &path, out);
        }
    }
    if let Some(value) = object.get("metadata") {
        let path = property_path_in(out, path, "metadata");
        if !value.is_null() {
            check_string(value, &path, out, None, None, None);
        }
    }
}
/// Validates a `UpdateType` at `path`, adding its violations to `out`.
pub fn validate_update_type(value: &Value, path: &str, out: &mut Violations) {
    check_enum(value, path, out, &["PUT", "PATCH", "DELETE"]);
}
/// Validates a `WriteBatchResponse` at `path`, adding its violations to `out`.
pub fn validate_write_batch_response(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    match object.get("results") {
        Some(value) => {
            let path = property_path_in(out, path, "results");
            if let Some(items_0) = check_array(value, &path, out, None, None, false) {
                for (index_0, item_0) in items_0.iter().enumerate() {
                    let path_0 = index_path_in(out, &path, index_0);
                    validate_transaction_result(item_0, &path_0, out);
                }
            }
        }
        None => required(out, path, "results"),
    }
}
/// Validates a `TransactionResult` at `path`, adding its violations to `out`.
pub fn validate_transaction_result(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    let Some(tag) = object.get("status") else {
        return required(out, path, "status");
    };
    match tag.as_str() {
        None => {
            let tag_path = property_path_in(out, path, "status");
            type_violation(out, &tag_path, "string", tag)
        }
        Some("success") => validate_transaction_success(value, path, out),
        Some("retryable_error") => validate_transaction_retryable_error(value, path, out),
        Some("fatal_error") => validate_transaction_fatal_error(value, path, out),
        Some("not_attempted") => validate_transaction_not_attempted(value, path, out),
        Some(other) => {
            out.push(|| Violation::new(
                &property_path(path, "status"),
                "discriminator",
                format!(
                    "`{other}` {}",
                    "is not one of success, retryable_error, fatal_error, not_attempted"
                ),
            ))
        }
    }
}
/// Validates a `TransactionSuccess` at `path`, adding its violations to `out`.
pub fn validate_transaction_success(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    check_tag(object, path, out, "status", "success");
    if let Some(value) = object.get("write_checkpoint") {
        let path = property_path_in(out, path, "write_checkpoint");
        check_string(value, &path, out, None, None, None);
    }
    if let Some(value) = object.get("duplicate") {
        let path = property_path_in(out, path, "duplicate");
        check_boolean(value, &path, out);
    }
}
/// Validates a `TransactionRetryableError` at `path`, adding its violations to `out`.
pub fn validate_transaction_retryable_error(
    value: &Value,
    path: &str,
    out: &mut Violations,
) {
    let Some(object) = expect_object(value, path, out) else { return };
    check_tag(object, path, out, "status", "retryable_error");
    if let Some(value) = object.get("message") {
        let path = property_path_in(out, path, "message");
        check_string(value, &path, out, None, None, None);
    }
    if let Some(value) = object.get("retry_after_ms") {
        let path = property_path_in(out, path, "retry_after_ms");
        check_integer(
            value,
            &path,
            out,
            false,
            Some(Bound {
                limit: Limit::Int(0),
                exclusive: false,
            }),
            None,
        );
    }
}
/// Validates a `TransactionFatalError` at `path`, adding its violations to `out`.
pub fn validate_transaction_fatal_error(
    value: &Value,
    path: &str,
    out: &mut Violations,
) {
    let Some(object) = expect_object(value, path, out) else { return };
    check_tag(object, path, out, "status", "fatal_error");
    match object.get("requires_client_handling") {
        Some(value) => {
            let path = property_path_in(out, path, "requires_client_handling");
            check_boolean(value, &path, out);
        }
        None => required(out, path, "requires_client_handling"),
    }
    match object.get("failed_operation") {
        Some(value) => {
            let path = property_path_in(out, path, "failed_operation");
            validate_failed_operation(value, &path, out);
        }
        None => required(out, path, "failed_operation"),
    }
    if let Some(value) = object.get("dead_letter_id") {
        let path = property_path_in(out, path, "dead_letter_id");
        check_string(value, &path, out, None, None, None);
    }
}
/// Validates a `TransactionNotAttempted` at `path`, adding its violations to `out`.
pub fn validate_transaction_not_attempted(
    value: &Value,
    path: &str,
    out: &mut Violations,
) {
    let Some(object) = expect_object(value, path, out) else { return };
    check_tag(object, path, out, "status", "not_attempted");
    if let Some(value) = object.get("message") {
        let path = property_path_in(out, path, "message");
        check_string(value, &path, out, None, None, None);
    }
}
/// Validates a `FailedOperation` at `path`, adding its violations to `out`.
pub fn validate_failed_operation(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    match object.get("error_code") {
        Some(value) => {
            let path = property_path_in(out, path, "error_code");
            check_string(value, &path, out, None, None, None);
        }
        None => required(out, path, "error_code"),
    }
    if let Some(value) = object.get("message") {
        let path = property_path_in(out, path, "message");
        check_string(value, &path, out, None, None, None);
    }
    if let Some(value) = object.get("operation_index") {
        let path = property_path_in(out, path, "operation_index");
        check_integer(
            value,
            &path,
            out,
            true,
            Some(Bound {
                limit: Limit::Int(0),
                exclusive: false,
            }),
            None,
        );
    }
}
/// Validates a `ErrorResponse` at `path`, adding its violations to `out`.
pub fn validate_error_response(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    if let Some(value) = object.get("code") {
        let path = property_path_in(out, path, "code");
        check_string(value, &path, out, None, None, None);
    }
    match object.get("message") {
        Some(value) => {
            let path = property_path_in(out, path, "message");
            check_string(value, &path, out, None, None, None);
        }
        None => required(out, path, "message"),
    }
    if let Some(value) = object.get("violations") {
        let path = property_path_in(out, path, "violations");
        if let Some(items_0) = check_array(value, &path, out, None, None, false) {
            for (index_0, item_0) in items_0.iter().enumerate() {
                let path_0 = index_path_in(out, &path, index_0);
                validate_violation(item_0, &path_0, out);
            }
        }
    }
    if let Some(value) = object.get("violations_omitted") {
        let path = property_path_in(out, path, "violations_omitted");
        check_integer(
            value,
            &path,
            out,
            false,
            Some(Bound {
                limit: Limit::Int(0),
                exclusive: false,
            }),
            None,
        );
    }
}
/// Validates a `Violation` at `path`, adding its violations to `out`.
pub fn validate_violation(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    match object.get("path") {
        Some(value) => {
            let path = property_path_in(out, path, "path");
            check_string(value, &path, out, None, None, None);
        }
        None => required(out, path, "path"),
    }
    match object.get("keyword") {
        Some(value) => {
            let path = property_path_in(out, path, "keyword");
            check_string(value, &path, out, None, None, None);
        }
        None => required(out, path, "keyword"),
    }
    match object.get("message") {
        Some(value) => {
            let path = property_path_in(out, path, "message");
            check_string(value, &path, out, None, None, None);
        }
        None => required(out, path, "message"),
    }
}
/// Validates a `HealthStatus` at `path`, adding its violations to `out`.
pub fn validate_health_status(value: &Value, path: &str, out: &mut Violations) {
    let Some(object) = expect_object(value, path, out) else { return };
    match object.get("status") {
        Some(value) => {
            let path = property_path_in(out, path, "status");
            check_string(value, &path, out, None, None, None);
        }
        None => required(out, path, "status"),
    }
}
/// The validators of the operations' request bodies, by operation.
pub mod bodies {
    use super::*;
    /// Validates the request body of `uploadData`.
    pub fn upload_data(value: &Value, path: &str, out: &mut Violations) {
        validate_write_batch(value, path, out);
    }
}
/// An item of an array whose items are validated one by one
/// (`x-per-item-validation`): valid and decoded, or invalid with its violations.
/// It encodes as the item itself (an invalid one as the JSON received) and
/// decodes as a valid item: only a server's per-item validation makes
/// `Invalid`.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked<T> {
    Valid(T),
    Invalid(InvalidItem),
}
/// An item that failed its schema, kept as received.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidItem {
    /// The item's JSON, exactly as received.
    pub raw: Value,
    /// Its violations, with paths from the request body's root
    /// (`$.transactions[1].crud[0].op`): the first `MAX_VIOLATIONS`.
    pub violations: Vec<Violation>,
    /// How many more violations it has beyond `violations`.
    pub violations_omitted: u64,
}
impl<T> Checked<T> {
    /// The item, if it is valid.
    pub fn valid(&self) -> Option<&T> {
        match self {
            Checked::Valid(item) => Some(item),
            Checked::Invalid(_) => None,
        }
    }
}
impl<T> From<T> for Checked<T> {
    fn from(item: T) -> Self {
        Checked::Valid(item)
    }
}
impl<T: serde::Serialize> serde::Serialize for Checked<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Checked::Valid(item) => item.serialize(serializer),
            Checked::Invalid(invalid) => invalid.raw.serialize(serializer),
        }
    }
}
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Checked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Checked::Valid)
    }
}
/// Validates each item of a per-item array on its own (paths from `path`, the
/// array's own path) and decodes the valid ones.
pub fn check_items<T: serde::de::DeserializeOwned>(
    items: Vec<Value>,
    path: &str,
    validate: fn(&Value, &str, &mut Violations),
) -> Vec<Checked<T>> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            let at = index_path(path, index);
            let mut violations = Violations::new();
            validate(&raw, &at, &mut violations);
            if violations.is_empty() {
                match T::deserialize(&raw) {
                    Ok(item) => return Checked::Valid(item),
                    Err(error) => {
                        violations
                            .push(|| Violation::new(&at, "type", error.to_string()))
                    }
                }
            }
            let (violations, violations_omitted) = violations.into_parts();
            Checked::Invalid(InvalidItem {
                raw,
                violations,
                violations_omitted,
            })
        })
        .collect()
}
/// The validators of the types with `x-per-item-validation` arrays, with those
/// arrays' items left out: what can make a request `400` when its items are
/// validated one by one.
pub mod envelopes {
    use super::*;
    /// Validates a `WriteBatch` at `path` without the items of its `x-per-item-validation` arrays.
    pub fn validate_write_batch(value: &Value, path: &str, out: &mut Violations) {
        let Some(object) = expect_object(value, path, out) else { return };
        if let Some(value) = object.get("client_id") {
            let path = property_path_in(out, path, "client_id");
            check_string(value, &path, out, None, None, None);
        }
        match object.get("transactions") {
            Some(value) => {
                let path = property_path_in(out, path, "transactions");
                check_array(value, &path, out, Some(1), Some(50), false);
            }
            None => required(out, path, "transactions"),
        }
    }
}
