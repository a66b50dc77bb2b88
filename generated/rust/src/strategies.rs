// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! proptest strategies for every model, generated from the spec, and the
//! encode -> decode property over all of them.
#![allow(unused_variables)]
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
/// How deep generated values nest through arrays, maps and nullable values.
pub const DEPTH: u32 = 3;
/// A small JSON value of any type.
pub fn any_json() -> BoxedStrategy<serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null), any:: < bool > ()
        .prop_map(serde_json::Value::from), any:: < i64 > ()
        .prop_map(serde_json::Value::from), "[a-z ]{0,8}"
        .prop_map(serde_json::Value::from),
    ]
        .boxed()
}
/// A small free-form JSON object.
pub fn free_form_object() -> BoxedStrategy<serde_json::Map<String, serde_json::Value>> {
    proptest::collection::btree_map("[a-z_]{1,8}", any_json(), 0..3)
        .prop_map(|map| map.into_iter().collect())
        .boxed()
}
/// `empty` once `depth` is used up (so recursive types stay finite), else `make()`.
fn or_empty<T: Clone + std::fmt::Debug + 'static>(
    depth: u32,
    empty: T,
    make: impl FnOnce() -> BoxedStrategy<T>,
) -> BoxedStrategy<T> {
    if depth == 0 { Just(empty).boxed() } else { make() }
}
/// Values of `WriteBatch`, nesting at most `depth` levels.
pub fn write_batch(depth: u32) -> BoxedStrategy<crate::models::WriteBatch> {
    let child = depth.saturating_sub(1);
    (
        (
            or_empty(
                depth,
                None,
                || proptest::option::of(any::<String>().boxed()).boxed(),
            ),
            or_empty(
                depth,
                Vec::new(),
                || {
                    proptest::collection::vec(
                            crud_transaction(child)
                                .prop_map(crate::validation::Checked::Valid),
                            0..3,
                        )
                        .boxed()
                },
            ),
        ),
    )
        .prop_map(|((f0, f1),)| crate::models::WriteBatch {
            client_id: f0,
            transactions: f1,
        })
        .boxed()
}
/// Values of `CrudTransaction`, nesting at most `depth` levels.
pub fn crud_transaction(depth: u32) -> BoxedStrategy<crate::models::CrudTransaction> {
    let child = depth.saturating_sub(1);
    (
        (
            or_empty(depth, None, || proptest::option::of(any::<i64>().boxed()).boxed()),
            or_empty(
                depth,
                Vec::new(),
                || proptest::collection::vec(crud_entry(child), 0..3).boxed(),
            ),
        ),
    )
        .prop_map(|((f0, f1),)| crate::models::CrudTransaction {
            transaction_id: f0,
            crud: f1,
        })
        .boxed()
}
/// Values of `CrudEntry`, nesting at most `depth` levels.
pub fn crud_entry(depth: u32) -> BoxedStrategy<crate::models::CrudEntry> {
    let child = depth.saturating_sub(1);
    (
        (
            update_type(child),
            any::<String>().boxed(),
            any::<String>().boxed(),
            or_empty(depth, None, || proptest::option::of(any::<i64>().boxed()).boxed()),
            or_empty(depth, None, || proptest::option::of(any::<i64>().boxed()).boxed()),
            or_empty(
                depth,
                None,
                || {
                    proptest::option::of(
                            or_empty(
                                depth,
                                None,
                                || {
                                    proptest::option::of(
                                            or_empty(depth, serde_json::Map::new(), free_form_object),
                                        )
                                        .boxed()
                                },
                            ),
                        )
                        .boxed()
                },
            ),
            or_empty(
                depth,
                None,
                || {
                    proptest::option::of(
                            or_empty(
                                depth,
                                None,
                                || {
                                    proptest::option::of(
                                            or_empty(depth, serde_json::Map::new(), free_form_object),
                                        )
                                        .boxed()
                                },
                            ),
                        )
                        .boxed()
                },
            ),
            or_empty(
                depth,
                None,
                || {
                    proptest::option::of(
                            or_empty(
                                depth,
                                None,
                                || proptest::option::of(any::<String>().boxed()).boxed(),
                            ),
                        )
                        .boxed()
                },
            ),
        ),
    )
        .prop_map(|((f0, f1, f2, f3, f4, f5, f6, f7),)| crate::models::CrudEntry {
            op: f0,
            table: f1,
            id: f2,
            op_id: f3,
            transaction_id: f4,
            op_data: f5,
            previous_values: f6,
            metadata: f7,
        })
        .boxed()
}
/// Values of `UpdateType`, nesting at most `depth` levels.
pub fn update_type(depth: u32) -> BoxedStrategy<crate::models::UpdateType> {
    let child = depth.saturating_sub(1);
    proptest::sample::select(crate::models::UpdateType::ALL.to_vec()).boxed()
}
/// Values of `WriteBatchResponse`, nesting at most `depth` levels.
pub fn write_batch_response(
    depth: u32,
) -> BoxedStrategy<crate::models::WriteBatchResponse> {
    let child = depth.saturating_sub(1);
    (
        (
            or_empty(
                depth,
                Vec::new(),
                || proptest::collection::vec(transaction_result(child), 0..3).boxed(),
            ),
        ),
    )
        .prop_map(|((f0,),)| crate::models::WriteBatchResponse {
            results: f0,
        })
        .boxed()
}
/// Values of `TransactionResult`, nesting at most `depth` levels.
pub fn transaction_result(
    depth: u32,
) -> BoxedStrategy<crate::models::TransactionResult> {
    let child = depth.saturating_sub(1);
    proptest::strategy::Union::new(
            vec![
                transaction_success(child).prop_map(crate
                ::models::TransactionResult::Success).boxed(),
                transaction_retryable_error(child).prop_map(crate
                ::models::TransactionResult::RetryableError).boxed(),
                transaction_fatal_error(child).prop_map(crate
                ::models::TransactionResult::FatalError).boxed(),
                transaction_not_attempted(child).prop_map(crate
                ::models::TransactionResult::NotAttempted).boxed()
            ],
        )
        .boxed()
}
/// Values of `TransactionSuccess`, nesting at most `depth` levels.
pub fn transaction_success(
    depth: u32,
) -> BoxedStrategy<crate::models::TransactionSuccess> {
    let child = depth.saturating_sub(1);
    (
        (
            or_empty(
                depth,
                None,
                || proptest::option::of(any::<String>().boxed()).boxed(),
            ),
            or_empty(depth, None, || proptest::option::of(any::<bool>().boxed()).boxed()),
        ),
    )
        .prop_map(|((f0, f1),)| crate::models::TransactionSuccess {
            write_checkpoint: f0,
            duplicate: f1,
        })
        .boxed()
}
/// Values of `TransactionRetryableError`, nesting at most `depth` levels.
pub fn transaction_retryable_error(
    depth: u32,
) -> BoxedStrategy<crate::models::TransactionRetryableError> {
    let child = depth.saturating_sub(1);
    (
        (
            or_empty(
                depth,
                None,
                || proptest::option::of(any::<String>().boxed()).boxed(),
            ),
            or_empty(depth, None, || proptest::option::of(any::<i64>().boxed()).boxed()),
        ),
    )
        .prop_map(|((f0, f1),)| crate::models::TransactionRetryableError {
            message: f0,
            retry_after_ms: f1,
        })
        .boxed()
}
/// Values of `TransactionFatalError`, nesting at most `depth` levels.
pub fn transaction_fatal_error(
    depth: u32,
) -> BoxedStrategy<crate::models::TransactionFatalError> {
    let child = depth.saturating_sub(1);
    (
        (
            any::<bool>().boxed(),
            failed_operation(child),
            or_empty(
                depth,
                None,
                || proptest::option::of(any::<String>().boxed()).boxed(),
            ),
        ),
    )
        .prop_map(|((f0, f1, f2),)| crate::models::TransactionFatalError {
            requires_client_handling: f0,
            failed_operation: f1,
            dead_letter_id: f2,
        })
        .boxed()
}
/// Values of `TransactionNotAttempted`, nesting at most `depth` levels.
pub fn transaction_not_attempted(
    depth: u32,
) -> BoxedStrategy<crate::models::TransactionNotAttempted> {
    let child = depth.saturating_sub(1);
    ((or_empty(depth, None, || proptest::option::of(any::<String>().boxed()).boxed()),),)
        .prop_map(|((f0,),)| crate::models::TransactionNotAttempted {
            message: f0,
        })
        .boxed()
}
/// Values of `FailedOperation`, nesting at most `depth` levels.
pub fn failed_operation(depth: u32) -> BoxedStrategy<crate::models::FailedOperation> {
    let child = depth.saturating_sub(1);
    (
        (
            any::<String>().boxed(),
            or_empty(
                depth,
                None,
                || proptest::option::of(any::<String>().boxed()).boxed(),
            ),
            or_empty(depth, None, || proptest::option::of(any_json()).boxed()),
            or_empty(depth, None, || proptest::option::of(any::<i32>().boxed()).boxed()),
        ),
    )
        .prop_map(|((f0, f1, f2, f3),)| crate::models::FailedOperation {
            error_code: f0,
            message: f1,
            details: f2,
            operation_index: f3,
        })
        .boxed()
}
/// Values of `ErrorResponse`, nesting at most `depth` levels.
pub fn error_response(depth: u32) -> BoxedStrategy<crate::models::ErrorResponse> {
    let child = depth.saturating_sub(1);
    (
        (
            or_empty(
                depth,
                None,
                || proptest::option::of(any::<String>().boxed()).boxed(),
            ),
            any::<String>().boxed(),
            or_empty(
                depth,
                None,
                || {
                    proptest::option::of(
                            or_empty(
                                depth,
                                Vec::new(),
                                || proptest::collection::vec(violation(child), 0..3).boxed(),
                            ),
                        )
                        .boxed()
                },
            ),
            or_empty(depth, None, || proptest::option::of(any::<i64>().boxed()).boxed()),
        ),
    )
        .prop_map(|((f0, f1, f2, f3),)| crate::models::ErrorResponse {
            code: f0,
            message: f1,
            violations: f2,
            violations_omitted: f3,
        })
        .boxed()
}
/// Values of `Violation`, nesting at most `depth` levels.
pub fn violation(depth: u32) -> BoxedStrategy<crate::models::Violation> {
    let child = depth.saturating_sub(1);
    ((any::<String>().boxed(), any::<String>().boxed(), any::<String>().boxed()),)
        .prop_map(|((f0, f1, f2),)| crate::models::Violation {
            path: f0,
            keyword: f1,
            message: f2,
        })
        .boxed()
}
/// Values of `HealthStatus`, nesting at most `depth` levels.
pub fn health_status(depth: u32) -> BoxedStrategy<crate::models::HealthStatus> {
    let child = depth.saturating_sub(1);
    ((any::<String>().boxed(),),)
        .prop_map(|((f0,),)| crate::models::HealthStatus {
            status: f0,
        })
        .boxed()
}
/// Checks, for `cases` generated values of every model, that encoding to JSON and
/// decoding gives the same value back.
pub fn check_all_roundtrips(cases: u32) -> Result<(), String> {
    roundtrip::<crate::models::WriteBatch>("WriteBatch", write_batch(DEPTH), cases)?;
    roundtrip::<
        crate::models::CrudTransaction,
    >("CrudTransaction", crud_transaction(DEPTH), cases)?;
    roundtrip::<crate::models::CrudEntry>("CrudEntry", crud_entry(DEPTH), cases)?;
    roundtrip::<crate::models::UpdateType>("UpdateType", update_type(DEPTH), cases)?;
    roundtrip::<
        crate::models::WriteBatchResponse,
    >("WriteBatchResponse", write_batch_response(DEPTH), cases)?;
    roundtrip::<
        crate::models::TransactionResult,
    >("TransactionResult", transaction_result(DEPTH), cases)?;
    roundtrip::<
        crate::models::TransactionSuccess,
    >("TransactionSuccess", transaction_success(DEPTH), cases)?;
    roundtrip::<
        crate::models::TransactionRetryableError,
    >("TransactionRetryableError", transaction_retryable_error(DEPTH), cases)?;
    roundtrip::<
        crate::models::TransactionFatalError,
    >("TransactionFatalError", transaction_fatal_error(DEPTH), cases)?;
    roundtrip::<
        crate::models::TransactionNotAttempted,
    >("TransactionNotAttempted", transaction_not_attempted(DEPTH), cases)?;
    roundtrip::<
        crate::models::FailedOperation,
    >("FailedOperation", failed_operation(DEPTH), cases)?;
    roundtrip::<
        crate::models::ErrorResponse,
    >("ErrorResponse", error_response(DEPTH), cases)?;
    roundtrip::<crate::models::Violation>("Violation", violation(DEPTH), cases)?;
    roundtrip::<
        crate::models::HealthStatus,
    >("HealthStatus", health_status(DEPTH), cases)?;
    Ok(())
}
fn roundtrip<T>(name: &str, strategy: BoxedStrategy<T>, cases: u32) -> Result<(), String>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    runner
        .run(
            &strategy,
            |value| {
                let json = serde_json::to_string(&value)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let back: T = serde_json::from_str(&json)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
                prop_assert_eq!(& back, & value, "encoded as {}", json);
                Ok(())
            },
        )
        .map_err(|e| format!("{name}: {e}"))
}
