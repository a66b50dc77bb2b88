//! Helpers for the conformance tests of the generated Rust crate: reading the shared
//! vectors, and the schema-aware comparison of a value with its re-encoding.

use std::path::{Path, PathBuf};

use powersync_write_gen::ir::{Api, Ty, TyKind, TypeDefKind};
use serde_json::Value;

/// The repository root (this crate lives in `tests/rust`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One file of `tests/vectors/<Schema>/<case>.json`.
#[derive(Debug)]
pub struct Vector {
    pub file: String,
    pub schema: String,
    pub value: Value,
    /// `(path, keyword)` pairs, sorted.
    pub errors: Vec<(String, String)>,
    /// How many violations the value has beyond the listed `errors` (0 when absent).
    pub omitted: u64,
}

/// The index `i` of a violation path inside `$.transactions[i]` (the item itself
/// or anything below it), where a server with per-transaction validation reports it.
pub fn transaction_of(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("$.transactions[")?;
    let close = rest.find(']')?;
    let after = &rest[close + 1..];
    if !(after.is_empty() || after.starts_with('.') || after.starts_with('[')) {
        return None;
    }
    rest[..close].parse().ok()
}

/// How a server that validates `WriteBatch.transactions` one by one answers a
/// `WriteBatch` vector: `None` when a violation lies outside every transaction
/// (the envelope: `400` with all of `errors`), else each invalid transaction's
/// violations by index (`200`, the others valid).
pub fn per_transaction(
    errors: &[(String, String)],
) -> Option<std::collections::BTreeMap<usize, Vec<(String, String)>>> {
    let mut by_index = std::collections::BTreeMap::<usize, Vec<(String, String)>>::new();
    for (path, keyword) in errors {
        by_index
            .entry(transaction_of(path)?)
            .or_default()
            .push((path.clone(), keyword.clone()));
    }
    Some(by_index)
}

/// Every vector, in file-name order.
pub fn vectors() -> Result<Vec<Vector>, String> {
    let dir = repo_root().join("tests/vectors");
    let mut files = Vec::new();
    for schema_dir in read_dir(&dir)? {
        if schema_dir.is_dir() {
            files.extend(
                read_dir(&schema_dir)?
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "json")),
            );
        }
    }
    files.sort();
    files.iter().map(|f| read_vector(f)).collect()
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    entries
        .map(|e| {
            e.map(|e| e.path())
                .map_err(|e| format!("{}: {e}", dir.display()))
        })
        .collect()
}

fn read_vector(path: &Path) -> Result<Vector, String> {
    let name = path
        .strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
    let field = |key: &str| json.get(key).ok_or_else(|| format!("{name}: no `{key}`"));
    let schema = field("schema")?
        .as_str()
        .ok_or_else(|| format!("{name}: `schema` is not a string"))?;
    let mut errors = Vec::new();
    for error in field("errors")?
        .as_array()
        .ok_or_else(|| format!("{name}: `errors` is not an array"))?
    {
        let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_owned);
        match (text("path"), text("keyword")) {
            (Some(path), Some(keyword)) => errors.push((path, keyword)),
            _ => return Err(format!("{name}: an error without path or keyword")),
        }
    }
    errors.sort();
    let omitted = match json.get("omitted") {
        None => 0,
        Some(n) => n
            .as_u64()
            .ok_or_else(|| format!("{name}: `omitted` is not a non-negative integer"))?,
    };
    let value = field("value")?.clone();
    Ok(Vector {
        file: name,
        schema: schema.to_owned(),
        value,
        errors,
        omitted,
    })
}

/// The IR of the project's spec, through the real loader and lowering.
pub fn spec_api() -> Result<Api, String> {
    let spec = powersync_write_gen::spec::load_file(&repo_root().join("spec/powersync-write.yaml"))
        .map_err(|e| e.to_string())?;
    powersync_write_gen::lower::lower(&spec).map_err(|e| e.to_string())
}

/// `value` without the properties its schema does not declare: what a model that
/// drops unknown properties must give back when it re-encodes `value`.
pub fn known_part(api: &Api, ty: &Ty, value: &Value) -> Value {
    match (&ty.kind, value) {
        (TyKind::Array(item), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| known_part(api, item, v)).collect())
        }
        (TyKind::Map(inner), Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), known_part(api, inner, v)))
                .collect(),
        ),
        (TyKind::Named(name), _) => known_part_of(api, name, value),
        _ => value.clone(),
    }
}

/// [`known_part`] for the named schema `name`.
pub fn known_part_of(api: &Api, name: &str, value: &Value) -> Value {
    let (Some(def), Value::Object(map)) = (api.type_def(name), value) else {
        return match api.type_def(name).map(|d| &d.kind) {
            Some(TypeDefKind::Alias(inner)) => known_part(api, inner, value),
            _ => value.clone(),
        };
    };
    match &def.kind {
        TypeDefKind::Struct(s) => {
            let mut out = serde_json::Map::new();
            for (key, v) in map {
                let declared = s.fields.iter().find(|f| f.name == *key);
                let is_tag = s.tag.as_ref().is_some_and(|t| t.property == *key);
                match (declared, &s.additional_properties) {
                    (Some(field), _) => out.insert(key.clone(), known_part(api, &field.ty, v)),
                    (None, Some(extra)) if !is_tag => {
                        out.insert(key.clone(), known_part(api, extra, v))
                    }
                    (None, _) if is_tag => out.insert(key.clone(), v.clone()),
                    (None, _) => None,
                };
            }
            Value::Object(out)
        }
        TypeDefKind::Union(u) => {
            let tag = map.get(&u.discriminator).and_then(Value::as_str);
            match u.variants.iter().find(|v| Some(v.tag.as_str()) == tag) {
                Some(variant) => known_part_of(api, &variant.type_name, value),
                None => value.clone(),
            }
        }
        TypeDefKind::Alias(inner) => known_part(api, inner, value),
        TypeDefKind::Enum(_) => value.clone(),
    }
}

/// JSON equality where numbers compare by value (`5` equals `5.0`), since a `double`
/// model re-encodes an integer literal with a fraction.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
