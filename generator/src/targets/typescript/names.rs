//! TypeScript names for the IR's spec names: case conventions (heck), reserved
//! names, and uniqueness within each namespace the generated code uses.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToLowerCamelCase, ToUpperCamelCase};

use super::TargetError;
use crate::ir::{Api, Operation};

/// Global types `models.ts` uses unqualified (and a few a reader would expect to
/// mean the built-in): a spec type with one of these names gets a `Model` suffix.
const RESERVED_TYPES: &[&str] = &[
    "Array",
    "Boolean",
    "Date",
    "Error",
    "Function",
    "JSON",
    "Map",
    "Number",
    "Object",
    "Promise",
    "ReadonlyArray",
    "Record",
    "RegExp",
    "Set",
    "String",
    "Symbol",
];

/// Names the package's other modules export next to the models (`index.ts`
/// re-exports them all): a spec type with one of these names gets a `Model` suffix.
const EXPORTED: &[&str] = &[
    "AuthenticatedContext",
    "Bound",
    "ClientHandlingRequiredError",
    "ClientOptions",
    "CredentialSource",
    "Credentials",
    "DEFAULT_BODY_LIMIT",
    "FetchHandler",
    "HandlerOptions",
    "HeaderSpec",
    "HttpRejection",
    "InvalidResponseError",
    "MAX_VIOLATIONS",
    "OperationSpec",
    "ParameterLocation",
    "ParameterSpec",
    "Property",
    "RequestContext",
    "RequestOptions",
    "ResponseSpec",
    "Schema",
    "SchemaName",
    "SchemaViolation",
    "SecuritySchemeSpec",
    "UnexpectedResponseError",
    "Violations",
];

/// Member names the generated handler interface and client already use, or that
/// cannot name a method: an operation with one of these gets a `_` suffix.
const RESERVED_MEMBERS: &[&str] = &["authenticate", "constructor"];

/// The TypeScript names of one API.
pub struct Names {
    /// IR type name -> TypeScript type name.
    types: BTreeMap<String, String>,
    /// operation id -> method name.
    methods: BTreeMap<String, String>,
    /// operation id -> PascalCase stem of its request/response types.
    stems: BTreeMap<String, String>,
}

impl Names {
    pub fn new(api: &Api) -> Result<Names, TargetError> {
        let mut taken = BTreeSet::new();
        let mut types = BTreeMap::new();
        // Names of the operations' own types, which share the package's namespace.
        let mut exported: BTreeSet<String> = EXPORTED.iter().map(|s| s.to_string()).collect();
        let stem = api_stem(&api.title);
        exported.insert(format!("{stem}Handler"));
        exported.insert(format!("{stem}Client"));
        for op in &api.operations {
            let stem = op.id.to_upper_camel_case();
            exported.insert(format!("{stem}Request"));
            exported.insert(format!("{stem}Response"));
        }
        for t in &api.types {
            let mut name = t.name.to_upper_camel_case();
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                name = format!("T{name}");
            }
            if RESERVED_TYPES.contains(&name.as_str()) || exported.contains(&name) {
                name.push_str("Model");
            }
            let name = unique(name, &mut taken);
            types.insert(t.name.clone(), name);
        }
        let mut methods = BTreeMap::new();
        let mut stems = BTreeMap::new();
        let mut taken_methods = BTreeSet::new();
        let mut taken_stems = BTreeSet::new();
        for op in &api.operations {
            let mut method = op.id.to_lower_camel_case();
            if method.is_empty() || !method.starts_with(|c: char| c.is_ascii_alphabetic()) {
                method = format!("op{}", method.to_upper_camel_case());
            }
            if RESERVED_MEMBERS.contains(&method.as_str()) {
                method.push('_');
            }
            methods.insert(op.id.clone(), unique(method, &mut taken_methods));
            let stem = unique(op.id.to_upper_camel_case(), &mut taken_stems);
            stems.insert(op.id.clone(), stem);
        }
        Ok(Names {
            types,
            methods,
            stems,
        })
    }

    /// The TypeScript name of the IR type `name`.
    pub fn type_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.types.get(name).map(String::as_str).unwrap_or(name)
    }

    pub fn method(&self, op: &Operation) -> &str {
        &self.methods[&op.id]
    }

    /// `UploadData` for `uploadData`: the stem of `UploadDataRequest` and friends.
    pub fn stem(&self, op: &Operation) -> &str {
        &self.stems[&op.id]
    }
}

/// `name`, or `name2`, `name3`, ... if it is taken; records the result as taken.
fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// The camelCase property name of a header (`Retry-After` -> `retryAfter`).
pub fn header_key(name: &str) -> String {
    let key = name.to_lower_camel_case();
    if key.is_empty() {
        "header".to_string()
    } else {
        key
    }
}

/// PascalCase of an API title, for the handler and client names.
pub fn api_stem(title: &str) -> String {
    let stem = title.to_upper_camel_case();
    if stem.starts_with(|c: char| c.is_ascii_alphabetic()) {
        stem
    } else {
        format!("Api{stem}")
    }
}
