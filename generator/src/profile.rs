//! Profiles: what a spec is, beyond its operations and types, that targets act on.
//!
//! Today there is one: the PowerSync write path. When a spec has it, targets that
//! ship a PowerSync connector (the TypeScript `uploadData` connector today) add it,
//! naming what it uses through the [`WritePath`] this module found, never by the
//! names of `spec/powersync-write.yaml`. Every target asks here, so they agree on
//! which specs get a connector.

use crate::ir::{
    Api, EnumDef, EnumValues, Operation, SecuritySchemeKind, StatusCode, Ty, TyKind, TypeDef,
    TypeDefKind, UnionDef,
};

/// The `operationId` of the upload operation.
pub const UPLOAD_OPERATION: &str = "uploadData";

/// The tags a write path's transaction result union has, one per outcome.
pub const RESULT_TAGS: [&str; 4] = ["success", "retryable_error", "fatal_error", "not_attempted"];

/// The parts of a spec a PowerSync connector uses, by their IR names (targets map
/// them to their own names: a TypeScript connector's client is the title's stem
/// followed by `Client`, as for any spec).
#[derive(Debug, Clone, PartialEq)]
pub struct WritePath<'a> {
    /// The upload operation (`uploadData`): its method is what the connector calls.
    pub operation: &'a Operation,
    /// The bearer scheme the connector sends the PowerSync token with
    /// (`bearerAuth`): one alternative of the operation's security.
    pub bearer_scheme: &'a str,
    /// Its request body (`WriteBatch`): `{transactions: [Transaction]}`.
    pub batch: &'a str,
    /// One queued transaction (`CrudTransaction`): `{crud: [Entry], ...}`.
    pub transaction: &'a str,
    /// One queued write (`CrudEntry`): `{op: UpdateType, ...}`.
    pub entry: &'a str,
    /// The enum of write kinds (`UpdateType`).
    pub update_type: &'a str,
    /// Its `200` body (`WriteBatchResponse`): `{results: [TransactionResult]}`.
    pub response: &'a str,
    /// The union of outcomes (`TransactionResult`), tagged with [`RESULT_TAGS`].
    pub result: &'a str,
    /// The `fatal_error` variant (`TransactionFatalError`).
    pub fatal_error: &'a str,
    /// Its `failed_operation` (`FailedOperation`).
    pub failed_operation: &'a str,
    /// The body of the operation's error replies (`ErrorResponse`).
    pub error_response: &'a str,
    /// One item of its `violations` (`Violation`).
    pub violation: &'a str,
}

/// The PowerSync write path of `api`, if it has one: an `uploadData` operation
/// taking a batch of transactions of entries and answering, with `200`, one result
/// per transaction from a union tagged `success`, `retryable_error`, `fatal_error`
/// and `not_attempted`, and with its error statuses an error body listing
/// violations. Every type is found through the operation, so a spec may name its
/// types as it likes.
pub fn write_path(api: &Api) -> Option<WritePath<'_>> {
    let operation = api.operations.iter().find(|op| op.id == UPLOAD_OPERATION)?;
    let bearer_scheme = operation.security.iter().find_map(|requirement| {
        let [only] = requirement.schemes.as_slice() else {
            return None;
        };
        let scheme = api
            .security_schemes
            .iter()
            .find(|s| s.name == only.scheme)?;
        matches!(scheme.kind, SecuritySchemeKind::Bearer { .. }).then_some(scheme.name.as_str())
    })?;

    let batch = named(&operation.request_body.as_ref()?.ty)?;
    let transaction = array_field_item(api, batch, "transactions")?;
    let entry = array_field_item(api, transaction, "crud")?;
    let update_type = named(&field(api, entry, "op")?.ty)?;
    if !matches!(
        &api.type_def(update_type)?.kind,
        TypeDefKind::Enum(EnumDef {
            values: EnumValues::String(_)
        })
    ) {
        return None;
    }

    let response = named(body(operation, |s| s == StatusCode::Code(200))?)?;
    let result = array_field_item(api, response, "results")?;
    let union = union(api.type_def(result)?)?;
    if !RESULT_TAGS
        .iter()
        .all(|tag| union.variants.iter().any(|v| v.tag == *tag))
    {
        return None;
    }
    let fatal_error = union
        .variants
        .iter()
        .find(|v| v.tag == "fatal_error")?
        .type_name
        .as_str();
    let failed_operation = named(&field(api, fatal_error, "failed_operation")?.ty)?;

    let error_response = named(body(operation, |s| s != StatusCode::Code(200))?)?;
    let violation = array_field_item(api, error_response, "violations")?;

    Some(WritePath {
        operation,
        bearer_scheme,
        batch,
        transaction,
        entry,
        update_type,
        response,
        result,
        fatal_error,
        failed_operation,
        error_response,
        violation,
    })
}

/// The type names the example backends of the generated Python and Go packages
/// (`templates/python/examples/`, `templates/go/examples/`) are written against: those
/// of `spec/powersync-write.yaml`.
pub const EXAMPLE_TYPES: &[&str] = &[
    "WriteBatch",
    "CrudTransaction",
    "CrudEntry",
    "UpdateType",
    "WriteBatchResponse",
    "TransactionResult",
    "TransactionSuccess",
    "TransactionRetryableError",
    "TransactionFatalError",
    "TransactionNotAttempted",
    "FailedOperation",
    "ErrorResponse",
    "HealthStatus",
];

/// The operations the example backends implement, by `operationId`.
pub const EXAMPLE_OPERATIONS: &[&str] = &[UPLOAD_OPERATION, "health", "ready"];

/// Whether the example backends compile against `api`'s packages: it is the write
/// path, its types have the names the examples use ([`EXAMPLE_TYPES`]) and its
/// operations are exactly [`EXAMPLE_OPERATIONS`] (a handler interface has one method
/// per operation). Targets that ship the examples add them only then (and only under
/// the package name the examples import).
pub fn fits_the_examples(api: &Api) -> bool {
    let Some(profile) = write_path(api) else {
        return false;
    };
    let profile_names = [
        profile.batch,
        profile.transaction,
        profile.entry,
        profile.update_type,
        profile.response,
        profile.result,
        profile.fatal_error,
        profile.failed_operation,
        profile.error_response,
    ];
    let operations: Vec<&str> = api.operations.iter().map(|op| op.id.as_str()).collect();
    profile_names
        .iter()
        .all(|name| EXAMPLE_TYPES.contains(name))
        && EXAMPLE_TYPES
            .iter()
            .all(|name| api.type_def(name).is_some())
        && operations.len() == EXAMPLE_OPERATIONS.len()
        && EXAMPLE_OPERATIONS.iter().all(|id| operations.contains(id))
}

/// The name of a named type.
fn named(ty: &Ty) -> Option<&str> {
    match &ty.kind {
        TyKind::Named(name) => Some(name),
        _ => None,
    }
}

/// The body type of the first response whose status passes `status`.
fn body(op: &Operation, status: impl Fn(StatusCode) -> bool) -> Option<&Ty> {
    op.responses
        .iter()
        .filter(|r| status(r.status))
        .find_map(|r| r.body.as_ref())
        .map(|b| &b.ty)
}

/// The property `name` of the struct `type_name`.
fn field<'a>(api: &'a Api, type_name: &str, name: &str) -> Option<&'a crate::ir::Field> {
    match &api.type_def(type_name)?.kind {
        TypeDefKind::Struct(s) => s.fields.iter().find(|f| f.name == name),
        _ => None,
    }
}

/// The named item type of the array property `name` of the struct `type_name`.
fn array_field_item<'a>(api: &'a Api, type_name: &str, name: &str) -> Option<&'a str> {
    match &field(api, type_name, name)?.ty.kind {
        TyKind::Array(item) => named(item),
        _ => None,
    }
}

fn union(def: &TypeDef) -> Option<&UnionDef> {
    match &def.kind {
        TypeDefKind::Union(u) => Some(u),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn main_spec() -> Api {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/powersync-write.yaml");
        crate::load_and_lower(&path).expect("the main spec lowers")
    }

    #[test]
    fn the_main_spec_is_the_write_path_with_its_own_names() {
        let api = main_spec();
        let profile = write_path(&api).expect("the main spec is the write path");
        assert_eq!(profile.operation.id, "uploadData");
        assert_eq!(profile.bearer_scheme, "bearerAuth");
        let names = [
            profile.batch,
            profile.transaction,
            profile.entry,
            profile.update_type,
            profile.response,
            profile.result,
            profile.fatal_error,
            profile.failed_operation,
            profile.error_response,
            profile.violation,
        ];
        assert_eq!(
            names,
            [
                "WriteBatch",
                "CrudTransaction",
                "CrudEntry",
                "UpdateType",
                "WriteBatchResponse",
                "TransactionResult",
                "TransactionFatalError",
                "FailedOperation",
                "ErrorResponse",
                "Violation",
            ]
        );
    }

    #[test]
    fn the_examples_fit_the_main_spec_only() {
        let mut api = main_spec();
        assert!(fits_the_examples(&api));
        let renamed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/features/renamed_write_path.yaml");
        let renamed = crate::load_and_lower(&renamed).expect("the fixture lowers");
        assert!(write_path(&renamed).is_some());
        assert!(!fits_the_examples(&renamed));
        // One more operation: the examples' handlers would lack its method.
        let mut extra = api.operations[0].clone();
        extra.id = "another".into();
        api.operations.push(extra);
        assert!(!fits_the_examples(&api));
    }

    #[test]
    fn tokens_from_oauth2_or_openid_connect_are_bearer_tokens_too() {
        for issuer in [
            crate::ir::TokenIssuer::OAuth2 { flows: Vec::new() },
            crate::ir::TokenIssuer::OpenIdConnect {
                url: "https://id.example/.well-known/openid-configuration".into(),
            },
        ] {
            let mut api = main_spec();
            api.security_schemes[0].kind = SecuritySchemeKind::Bearer {
                bearer_format: None,
                issuer,
            };
            let profile = write_path(&api).expect("still the write path");
            assert_eq!(profile.bearer_scheme, "bearerAuth");
        }
        let mut api = main_spec();
        api.security_schemes[0].kind = SecuritySchemeKind::ApiKey {
            location: crate::ir::ParameterLocation::Header,
            name: "X-Key".into(),
        };
        assert!(
            write_path(&api).is_none(),
            "an API key is not the PowerSync token"
        );
    }

    #[test]
    fn a_missing_outcome_or_operation_is_not_the_write_path() {
        let mut api = main_spec();
        let Some(TypeDefKind::Union(u)) = api
            .types
            .iter_mut()
            .find(|t| t.name == "TransactionResult")
            .map(|t| &mut t.kind)
        else {
            panic!("TransactionResult is a union");
        };
        u.variants.retain(|v| v.tag != "not_attempted");
        assert!(write_path(&api).is_none());

        let mut api = main_spec();
        api.operations.retain(|op| op.id != UPLOAD_OPERATION);
        assert!(write_path(&api).is_none());

        // The connector sends a bearer token: an upload without one is not it.
        let mut api = main_spec();
        for op in &mut api.operations {
            op.security.clear();
        }
        assert!(write_path(&api).is_none());
    }

    #[test]
    fn renamed_types_are_found_through_the_operation() {
        let mut api = main_spec();
        let rename = |api: &mut Api, from: &str, to: &str| {
            let text = format!("{api:?}");
            assert!(text.contains(from));
            for t in &mut api.types {
                if t.name == from {
                    t.name = to.to_string();
                }
                rename_in_kind(&mut t.kind, from, to);
            }
            for op in &mut api.operations {
                for r in &mut op.responses {
                    if let Some(b) = &mut r.body {
                        rename_in_ty(&mut b.ty, from, to);
                    }
                }
                if let Some(b) = &mut op.request_body {
                    rename_in_ty(&mut b.ty, from, to);
                }
            }
        };
        rename(&mut api, "CrudEntry", "QueuedWrite");
        rename(&mut api, "TransactionFatalError", "Fatal");
        let profile = write_path(&api).expect("still the write path");
        assert_eq!(profile.entry, "QueuedWrite");
        assert_eq!(profile.fatal_error, "Fatal");
    }

    fn rename_in_ty(ty: &mut Ty, from: &str, to: &str) {
        match &mut ty.kind {
            TyKind::Named(n) if n == from => *n = to.to_string(),
            TyKind::Array(item) | TyKind::Map(item) => rename_in_ty(item, from, to),
            _ => {}
        }
    }

    fn rename_in_kind(kind: &mut TypeDefKind, from: &str, to: &str) {
        match kind {
            TypeDefKind::Struct(s) => {
                for f in &mut s.fields {
                    rename_in_ty(&mut f.ty, from, to);
                }
            }
            TypeDefKind::Union(u) => {
                for v in &mut u.variants {
                    if v.type_name == from {
                        v.type_name = to.to_string();
                    }
                }
            }
            TypeDefKind::Alias(ty) => rename_in_ty(ty, from, to),
            TypeDefKind::Enum(_) => {}
        }
    }
}
