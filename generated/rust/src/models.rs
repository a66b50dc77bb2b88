// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! The spec's named types. Decoding does not check constraints: run
//! `validate()` (or the validator in `crate::validation` on the raw JSON) for that.
/// One upload request: whole transactions from the client's upload queue, oldest
/// first. Servers ignore unknown properties.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WriteBatch {
    /// The PowerSync client id of the local database the writes come from (the
    /// SDK's `getClientId()`). Send it whenever available: together with each
    /// entry's `op_id` it lets the backend recognise a transaction it has already
    /// applied (after a lost reply or a retry) and answer `success` with
    /// `duplicate: true` instead of applying it twice. Omit the property rather
    /// than sending `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The transactions to apply, in upload-queue order (oldest first): 1 to 50
    /// per request. Each is applied atomically; the reply has one result per
    /// transaction, in this order.
    ///
    /// Each transaction is validated on its own (`x-per-item-validation`), so
    /// that one malformed transaction (an `op` from a newer SDK, an empty
    /// `table`, an `op_id` that is not an integer) cannot block the device's
    /// queue: it gets a `fatal_error` result with error code `INVALID_REQUEST`
    /// and its violations in `failed_operation.details.violations`, and the
    /// other transactions are processed as usual. Only the envelope (a body
    /// that is not an object, `transactions` missing, not an array, or not 1 to
    /// 50 items) is answered `400`.
    pub transactions: Vec<crate::validation::Checked<CrudTransaction>>,
}
impl WriteBatch {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_write_batch,
        )
    }
}
/// The writes of one local transaction, applied all together or not at all. Send
/// every entry the SDK's `CrudTransaction` holds, in its order; never split one
/// transaction across requests.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrudTransaction {
    /// The local transaction id (the SDK's `CrudTransaction.transactionId`, the
    /// same as each entry's `transaction_id`). Omit it for entries written outside
    /// an explicit transaction, where the SDK has none. Values fit in 2^53, so
    /// JavaScript numbers hold them exactly; servers accept the full int64 range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
    /// The transaction's entries in the order they were written (increasing
    /// `op_id`): 1 to 10,000, far more than an interactive app writes in one
    /// local transaction. A transaction is never split, so a client whose local
    /// transaction has more entries cannot upload it: the backend answers that
    /// transaction with `fatal_error` (`INVALID_REQUEST`, a `maxItems`
    /// violation at `$.transactions[i].crud`) and applies nothing of it. Apps must
    /// write bulk changes (imports, migrations) in several smaller local
    /// transactions; a client that finds an oversized transaction in its queue
    /// hands it to the app instead of sending it.
    pub crud: Vec<CrudEntry>,
}
impl CrudTransaction {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_crud_transaction,
        )
    }
}
/// One queued write of one row: an SDK `CrudEntry`. Wire names differ from the
/// SDK's: `table` is the SDK's `table` (`type` in `toJSON()`), `op_id` its
/// `clientId` (`op_id`), `transaction_id` its `transactionId` (`tx_id`),
/// `op_data` its `opData` (`data`), `previous_values` its `previousValues`
/// (`old`); `op`, `id` and `metadata` keep their names. Values in `op_data` and
/// `previous_values` are the local SQLite values as JSON (text, numbers, null);
/// the backend converts them to its columns' types.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrudEntry {
    pub op: UpdateType,
    /// The name of the local table the row belongs to, as in the client's
    /// PowerSync schema (the view name, not the internal `ps_data__` table). The
    /// backend maps it to its own table.
    pub table: String,
    /// The row's id (its `id` column), usually a UUID.
    pub id: String,
    /// The entry's position in the local upload queue (the SDK's
    /// `CrudEntry.clientId`), strictly increasing per client database. Send it:
    /// with `client_id` it makes retries idempotent. Values fit in 2^53, so
    /// JavaScript numbers hold them exactly; servers accept the full int64 range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_id: Option<i64>,
    /// The local transaction the entry was written in (the SDK's
    /// `CrudEntry.transactionId`): the same for every entry of one
    /// `CrudTransaction`, and equal to its `transaction_id`. Values fit in 2^53 in
    /// JavaScript clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
    /// The written columns (the SDK's `opData`), column name to value: for `PUT`
    /// every non-null column of the new row, for `PATCH` only the changed columns,
    /// absent or `null` for `DELETE`. The `id` column is not repeated here.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_some"
    )]
    pub op_data: Option<Option<serde_json::Map<String, serde_json::Value>>>,
    /// The columns' values before a `PATCH` or `DELETE` (the SDK's
    /// `previousValues`), present only for tables created with the
    /// `trackPreviousValues` option. Backends may use them to detect conflicting
    /// concurrent changes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_some"
    )]
    pub previous_values: Option<Option<serde_json::Map<String, serde_json::Value>>>,
    /// Client-side metadata attached to the write (the SDK's `metadata`, the
    /// `_metadata` column of tables created with the `trackMetadata` option),
    /// passed to the backend's hooks unchanged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_some"
    )]
    pub metadata: Option<Option<String>>,
}
impl CrudEntry {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_crud_entry,
        )
    }
}
/// The kind of write (the SDK's `UpdateType`): `PUT` inserts the row or replaces
/// it if it exists (an SQL `INSERT`; `op_data` holds every non-null column),
/// `PATCH` updates the columns in `op_data` of an existing row (an SQL `UPDATE`),
/// `DELETE` deletes the row (an SQL `DELETE`; no `op_data`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize
)]
#[allow(clippy::enum_variant_names)]
pub enum UpdateType {
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
    Delete,
}
impl UpdateType {
    /// Every value, in the spec's order.
    pub const ALL: [Self; 3usize] = [Self::Put, Self::Patch, Self::Delete];
    /// The value as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}
impl std::fmt::Display for UpdateType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
impl UpdateType {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_update_type,
        )
    }
}
/// The reply to a processed batch. Clients must ignore unknown properties.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WriteBatchResponse {
    /// One result per transaction of the request, in the same order (the result
    /// at index i is the outcome of `transactions[i]`). Process them in order:
    /// complete succeeded transactions as a prefix of the queue and stop at the
    /// first transaction that stays queued.
    pub results: Vec<TransactionResult>,
}
impl WriteBatchResponse {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_write_batch_response,
        )
    }
}
/// The outcome of one transaction, selected by `status`:
/// `success` (applied: complete it), `retryable_error` (not applied: retry after
/// `retry_after_ms`, or 5000 ms when absent), `fatal_error` (not applied and
/// never will be as it is: drop it if the backend kept it, else hand it to the
/// app), `not_attempted` (not applied: send it again). A client that meets a
/// `status` it does not know must treat the transaction as not applied and keep
/// it queued.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status")]
#[allow(clippy::large_enum_variant, clippy::enum_variant_names)]
pub enum TransactionResult {
    #[serde(rename = "success")]
    Success(TransactionSuccess),
    #[serde(rename = "retryable_error")]
    RetryableError(TransactionRetryableError),
    #[serde(rename = "fatal_error")]
    FatalError(TransactionFatalError),
    #[serde(rename = "not_attempted")]
    NotAttempted(TransactionNotAttempted),
}
impl TransactionResult {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_transaction_result,
        )
    }
}
/// The transaction is applied and committed. Complete it in the local queue (the
/// SDK's `CrudTransaction.complete`), passing `write_checkpoint` if present, once
/// every transaction before it has been completed.
///
/// On the wire this variant carries `"status": "success"`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransactionSuccess {
    /// The write checkpoint after this transaction. Pass it to `complete` so the
    /// SDK keeps showing local data until the synced data includes this write.
    /// Absent when the backend does not manage write checkpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_checkpoint: Option<String>,
    /// `true` when the transaction had already been applied (recognised by
    /// `client_id` and `op_id`) and was not applied again. Complete it all the
    /// same. Absent or `false` for a first application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
}
impl TransactionSuccess {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            Some(("status", "success")),
            crate::validation::validate_transaction_success,
        )
    }
}
/// A temporary failure (database unreachable, lock timeout, deadlock, ...).
/// Nothing of the transaction was applied. Keep it and every later transaction
/// queued, wait `retry_after_ms` milliseconds (5000 when absent), then upload
/// again starting with this transaction. The backend stops the batch here:
/// later results are `not_attempted`.
///
/// On the wire this variant carries `"status": "retryable_error"`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransactionRetryableError {
    /// What failed, for logs; not meant to be shown to end users. Backends of
    /// this protocol always send it; other backends may not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Milliseconds to wait before uploading this transaction again. `0` means
    /// the client may retry at once (it should still apply its own minimum
    /// back-off). Backends of this protocol always send it; when it is absent
    /// (the public reference backend does not send it), the client waits its
    /// own default of 5000 ms, the PowerSync SDKs' retry delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<i64>,
}
impl TransactionRetryableError {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            Some(("status", "retryable_error")),
            crate::validation::validate_transaction_retryable_error,
        )
    }
}
/// A permanent failure: nothing of the transaction was applied, and sending it
/// again unchanged fails the same way. If `requires_client_handling` is `false`,
/// the backend has kept the transaction (dead letter, `dead_letter_id`): complete
/// it locally so the queue moves on, and optionally tell the app. If `true`, the
/// backend has not kept it: hand it with `failed_operation` to the app, which
/// either discards it (complete it) or retains it (keep it queued and stop
/// uploading until the app has fixed or discarded it). Never drop it silently.
///
/// On the wire this variant carries `"status": "fatal_error"`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransactionFatalError {
    /// `false`: the backend kept the transaction; the client may drop it from
    /// its queue. `true`: the client app must decide whether to retain or discard
    /// it.
    pub requires_client_handling: bool,
    pub failed_operation: FailedOperation,
    /// Where the backend kept the transaction (its dead-letter record id), when
    /// it did. Show or log it so that support can find the write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_id: Option<String>,
}
impl TransactionFatalError {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            Some(("status", "fatal_error")),
            crate::validation::validate_transaction_fatal_error,
        )
    }
}
/// The backend stopped the batch before this transaction (an earlier one failed).
/// Nothing of it was applied. Keep it queued and send it again in the next
/// request, after handling the earlier results.
///
/// On the wire this variant carries `"status": "not_attempted"`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransactionNotAttempted {
    /// Why the batch stopped, for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
impl TransactionNotAttempted {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            Some(("status", "not_attempted")),
            crate::validation::validate_transaction_not_attempted,
        )
    }
}
/// The entry that made a transaction fail, and why. Only `error_code` is
/// required; backends of this protocol always send `message` and
/// `operation_index` too, and `details` when they have any.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FailedOperation {
    /// A stable code for the failure, to branch on. An open set: handle unknown
    /// codes like `UNCLASSIFIED_ERROR`. Defined codes: `NOT_NULL_VIOLATION`,
    /// `UNIQUE_VIOLATION`, `FOREIGN_KEY_VIOLATION`, `CHECK_VIOLATION`,
    /// `CONSTRAINT_VIOLATION` (another constraint), `INVALID_DATA` (a value that
    /// cannot be converted to the column's type; `details` names the column),
    /// `INVALID_REQUEST` (the transaction does not match `CrudTransaction`;
    /// `details.violations` lists the problems as in a `400` body, and
    /// `operation_index` is the first entry with a problem, or 0),
    /// `SCHEMA_MISMATCH` (unknown table or column), `UNAUTHORIZED` (this user may
    /// not make this write), `UNCLASSIFIED_ERROR` (an error the backend could not
    /// classify). Backends' hooks may add application codes.
    pub error_code: String,
    /// A description of the failure, for logs and developers. Absent from some
    /// backends' replies (not this protocol's): clients then describe the
    /// failure by `error_code` alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Machine-readable context, free-form: any JSON value. Backends of this
    /// protocol send an object, typically with `table`, `column` and the
    /// database's own code (`sqlstate`, `errno`); other backends may send a
    /// string (an error text) or any other JSON value, which clients pass on
    /// unchanged. Absent or `null` when there is none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_some"
    )]
    pub details: Option<serde_json::Value>,
    /// The failing entry's index (0-based) within the transaction's `crud`
    /// array. Backends of this protocol always send it. When it is absent (the
    /// public reference backend may not send it), the failure concerns the
    /// transaction as a whole: the client reports it without naming an entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_index: Option<i32>,
}
impl FailedOperation {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_failed_operation,
        )
    }
}
/// The body of every non-200 reply. Clients branch on the HTTP status (see each
/// response) and use `code` for finer handling and `message` for logs. Only
/// `message` is required: the public reference backend's error bodies are
/// `{"message": ...}`; backends of this protocol always send `code` too. A
/// client that gets a non-200 reply whose body is not an `ErrorResponse` (not
/// JSON, as from a proxy, or without `message`) acts on the HTTP status alone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorResponse {
    /// A stable code, an open set: `INVALID_REQUEST` (400),
    /// `UNAUTHENTICATED` (401), `FORBIDDEN` (403), `PAYLOAD_TOO_LARGE` (413),
    /// `UNSUPPORTED_MEDIA_TYPE` (415), `RATE_LIMITED` (429), `INTERNAL_ERROR`
    /// (500), `NOT_READY` and `BUSY` (503). Treat an unknown or absent code by its HTTP
    /// status. Backends of this protocol always send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong, for logs and developers.
    pub message: String,
    /// For `400`: the problems found in the body, in the order the backend found
    /// them. Backends of this protocol list at most the first 100 and count the
    /// others in `violations_omitted`, so that the reply to a huge invalid body
    /// stays small; clients must not rely on that bound. Absent for other
    /// statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<Violation>>,
    /// For `400`: how many problems were found beyond those listed in
    /// `violations` (which then holds 100 of them); the body had
    /// `violations.length + violations_omitted` problems in all. Absent (or
    /// `0`) when `violations` lists every problem found. Optional: older
    /// backends never send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violations_omitted: Option<i64>,
}
impl ErrorResponse {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_error_response,
        )
    }
}
/// One problem found while validating a request body.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// Where the problem is: `$` is the body, `.name` a property (`['name']` for
    /// names that are not identifiers), `[i]` an array element; for a missing
    /// property, the path it should have. Example:
    /// `$.transactions[0].crud[2].op`.
    pub path: String,
    /// The rule broken: `type`, `required`, `enum`, `format`, `minimum`,
    /// `maximum`, `minLength`, `maxLength`, `pattern`, `minItems`, `maxItems`,
    /// `uniqueItems` or `discriminator`.
    pub keyword: String,
    /// A description of the problem, for developers.
    pub message: String,
}
impl Violation {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_violation,
        )
    }
}
/// The state of a probe that succeeded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HealthStatus {
    /// `ok` when alive or ready; clients only rely on the HTTP status.
    pub status: String,
}
impl HealthStatus {
    /// Checks this value against the schema, returning the violations (the first
    /// `MAX_VIOLATIONS` listed, the others counted).
    pub fn validate(&self) -> Result<(), crate::validation::Violations> {
        crate::validation::validate_model(
            self,
            None,
            crate::validation::validate_health_status,
        )
    }
}
/// Decodes `value` as the model of the schema called `name` (as in the spec) and
/// encodes it again; `None` if the spec has no schema of that name. Properties
/// the model does not declare are dropped; a union variant gets its tag back,
/// which its struct implies rather than holds.
pub fn reencode(
    name: &str,
    value: &serde_json::Value,
) -> Option<Result<serde_json::Value, serde_json::Error>> {
    Some(
        match name {
            "WriteBatch" => reencode_as::<WriteBatch>(value, None),
            "CrudTransaction" => reencode_as::<CrudTransaction>(value, None),
            "CrudEntry" => reencode_as::<CrudEntry>(value, None),
            "UpdateType" => reencode_as::<UpdateType>(value, None),
            "WriteBatchResponse" => reencode_as::<WriteBatchResponse>(value, None),
            "TransactionResult" => reencode_as::<TransactionResult>(value, None),
            "TransactionSuccess" => {
                reencode_as::<TransactionSuccess>(value, Some(("status", "success")))
            }
            "TransactionRetryableError" => {
                reencode_as::<
                    TransactionRetryableError,
                >(value, Some(("status", "retryable_error")))
            }
            "TransactionFatalError" => {
                reencode_as::<
                    TransactionFatalError,
                >(value, Some(("status", "fatal_error")))
            }
            "TransactionNotAttempted" => {
                reencode_as::<
                    TransactionNotAttempted,
                >(value, Some(("status", "not_attempted")))
            }
            "FailedOperation" => reencode_as::<FailedOperation>(value, None),
            "ErrorResponse" => reencode_as::<ErrorResponse>(value, None),
            "Violation" => reencode_as::<Violation>(value, None),
            "HealthStatus" => reencode_as::<HealthStatus>(value, None),
            _ => return None,
        },
    )
}
fn reencode_as<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    tag: Option<(&str, &str)>,
) -> Result<serde_json::Value, serde_json::Error> {
    let model = <T as serde::Deserialize>::deserialize(value)?;
    let mut encoded = serde_json::to_value(&model)?;
    if let (Some((property, tag)), Some(object)) = (tag, encoded.as_object_mut()) {
        object.insert(property.to_owned(), serde_json::Value::String(tag.to_owned()));
    }
    Ok(encoded)
}
/// Deserializes a present value (even `null`) as `Some`, so that an optional
/// nullable property keeps "absent" (`None`) and "null" (`Some(None)`) apart.
fn deserialize_some<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <T as serde::Deserialize<'de>>::deserialize(deserializer).map(Some)
}
