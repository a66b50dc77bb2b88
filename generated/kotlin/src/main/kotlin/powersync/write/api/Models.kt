// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonClassDiscriminator
import kotlinx.serialization.json.JsonElement

/**
 * One upload request: whole transactions from the client's upload queue, oldest
 * first. Servers ignore unknown properties.
 */
@Serializable
data class WriteBatch(
    /**
     * The PowerSync client id of the local database the writes come from (the
     * SDK's `getClientId()`). Send it whenever available: together with each
     * entry's `op_id` it lets the backend recognise a transaction it has already
     * applied (after a lost reply or a retry) and answer `success` with
     * `duplicate: true` instead of applying it twice. Omit the property rather
     * than sending `null`.
     */
    @SerialName("client_id")
    val clientId: String? = null,
    /**
     * The transactions to apply, in upload-queue order (oldest first): 1 to 50
     * per request. Each is applied atomically; the reply has one result per
     * transaction, in this order.
     *
     * Each transaction is validated on its own (`x-per-item-validation`), so
     * that one malformed transaction (an `op` from a newer SDK, an empty
     * `table`, an `op_id` that is not an integer) cannot block the device's
     * queue: it gets a `fatal_error` result with error code `INVALID_REQUEST`
     * and its violations in `failed_operation.details.violations`, and the
     * other transactions are processed as usual. Only the envelope (a body
     * that is not an object, `transactions` missing, not an array, or not 1 to
     * 50 items) is answered `400`.
     */
    val transactions: List<CrudTransaction>,
)

/**
 * The writes of one local transaction, applied all together or not at all. Send
 * every entry the SDK's `CrudTransaction` holds, in its order; never split one
 * transaction across requests.
 */
@Serializable
data class CrudTransaction(
    /**
     * The local transaction id (the SDK's `CrudTransaction.transactionId`, the
     * same as each entry's `transaction_id`). Omit it for entries written outside
     * an explicit transaction, where the SDK has none. Values fit in 2^53, so
     * JavaScript numbers hold them exactly; servers accept the full int64 range.
     */
    @SerialName("transaction_id")
    val transactionId: Long? = null,
    /**
     * The transaction's entries in the order they were written (increasing
     * `op_id`): 1 to 10,000, far more than an interactive app writes in one
     * local transaction. A transaction is never split, so a client whose local
     * transaction has more entries cannot upload it: the backend answers that
     * transaction with `fatal_error` (`INVALID_REQUEST`, a `maxItems`
     * violation at `$.transactions[i].crud`) and applies nothing of it. Apps must
     * write bulk changes (imports, migrations) in several smaller local
     * transactions; a client that finds an oversized transaction in its queue
     * hands it to the app instead of sending it.
     */
    val crud: List<CrudEntry>,
)

/**
 * One queued write of one row: an SDK `CrudEntry`. Wire names differ from the
 * SDK's: `table` is the SDK's `table` (`type` in `toJSON()`), `op_id` its
 * `clientId` (`op_id`), `transaction_id` its `transactionId` (`tx_id`),
 * `op_data` its `opData` (`data`), `previous_values` its `previousValues`
 * (`old`); `op`, `id` and `metadata` keep their names. Values in `op_data` and
 * `previous_values` are the local SQLite values as JSON (text, numbers, null);
 * the backend converts them to its columns' types.
 */
@Serializable
data class CrudEntry(
    val op: UpdateType,
    /**
     * The name of the local table the row belongs to, as in the client's
     * PowerSync schema (the view name, not the internal `ps_data__` table). The
     * backend maps it to its own table.
     */
    val table: String,
    /** The row's id (its `id` column), usually a UUID. */
    val id: String,
    /**
     * The entry's position in the local upload queue (the SDK's
     * `CrudEntry.clientId`), strictly increasing per client database. Send it:
     * with `client_id` it makes retries idempotent. Values fit in 2^53, so
     * JavaScript numbers hold them exactly; servers accept the full int64 range.
     */
    @SerialName("op_id")
    val opId: Long? = null,
    /**
     * The local transaction the entry was written in (the SDK's
     * `CrudEntry.transactionId`): the same for every entry of one
     * `CrudTransaction`, and equal to its `transaction_id`. Values fit in 2^53 in
     * JavaScript clients.
     */
    @SerialName("transaction_id")
    val transactionId: Long? = null,
    /**
     * The written columns (the SDK's `opData`), column name to value: for `PUT`
     * every non-null column of the new row, for `PATCH` only the changed columns,
     * absent or `null` for `DELETE`. The `id` column is not repeated here.
     */
    @SerialName("op_data")
    val opData: Optional<Map<String, JsonElement>?> = Optional.Absent,
    /**
     * The columns' values before a `PATCH` or `DELETE` (the SDK's
     * `previousValues`), present only for tables created with the
     * `trackPreviousValues` option. Backends may use them to detect conflicting
     * concurrent changes.
     */
    @SerialName("previous_values")
    val previousValues: Optional<Map<String, JsonElement>?> = Optional.Absent,
    /**
     * Client-side metadata attached to the write (the SDK's `metadata`, the
     * `_metadata` column of tables created with the `trackMetadata` option),
     * passed to the backend's hooks unchanged.
     */
    val metadata: Optional<String?> = Optional.Absent,
)

/**
 * The kind of write (the SDK's `UpdateType`): `PUT` inserts the row or replaces
 * it if it exists (an SQL `INSERT`; `op_data` holds every non-null column),
 * `PATCH` updates the columns in `op_data` of an existing row (an SQL `UPDATE`),
 * `DELETE` deletes the row (an SQL `DELETE`; no `op_data`).
 */
@Serializable
enum class UpdateType {
    @SerialName("PUT")
    PUT,

    @SerialName("PATCH")
    PATCH,

    @SerialName("DELETE")
    DELETE,
}

/** The reply to a processed batch. Clients must ignore unknown properties. */
@Serializable
data class WriteBatchResponse(
    /**
     * One result per transaction of the request, in the same order (the result
     * at index i is the outcome of `transactions[i]`). Process them in order:
     * complete succeeded transactions as a prefix of the queue and stop at the
     * first transaction that stays queued.
     */
    val results: List<TransactionResult>,
)

/**
 * The outcome of one transaction, selected by `status`:
 * `success` (applied: complete it), `retryable_error` (not applied: retry after
 * `retry_after_ms`, or 5000 ms when absent), `fatal_error` (not applied and
 * never will be as it is: drop it if the backend kept it, else hand it to the
 * app), `not_attempted` (not applied: send it again). A client that meets a
 * `status` it does not know must treat the transaction as not applied and keep
 * it queued.
 */
@OptIn(ExperimentalSerializationApi::class)
@Serializable
@JsonClassDiscriminator("status")
sealed interface TransactionResult

/**
 * The transaction is applied and committed. Complete it in the local queue (the
 * SDK's `CrudTransaction.complete`), passing `write_checkpoint` if present, once
 * every transaction before it has been completed.
 */
@Serializable
@SerialName("success")
data class TransactionSuccess(
    /**
     * The write checkpoint after this transaction. Pass it to `complete` so the
     * SDK keeps showing local data until the synced data includes this write.
     * Absent when the backend does not manage write checkpoints.
     */
    @SerialName("write_checkpoint")
    val writeCheckpoint: String? = null,
    /**
     * `true` when the transaction had already been applied (recognised by
     * `client_id` and `op_id`) and was not applied again. Complete it all the
     * same. Absent or `false` for a first application.
     */
    val duplicate: Boolean? = null,
) : TransactionResult

/**
 * A temporary failure (database unreachable, lock timeout, deadlock, ...).
 * Nothing of the transaction was applied. Keep it and every later transaction
 * queued, wait `retry_after_ms` milliseconds (5000 when absent), then upload
 * again starting with this transaction. The backend stops the batch here:
 * later results are `not_attempted`.
 */
@Serializable
@SerialName("retryable_error")
data class TransactionRetryableError(
    /**
     * What failed, for logs; not meant to be shown to end users. Backends of
     * this protocol always send it; other backends may not.
     */
    val message: String? = null,
    /**
     * Milliseconds to wait before uploading this transaction again. `0` means
     * the client may retry at once (it should still apply its own minimum
     * back-off). Backends of this protocol always send it; when it is absent
     * (the public reference backend does not send it), the client waits its
     * own default of 5000 ms, the PowerSync SDKs' retry delay.
     */
    @SerialName("retry_after_ms")
    val retryAfterMs: Long? = null,
) : TransactionResult

/**
 * A permanent failure: nothing of the transaction was applied, and sending it
 * again unchanged fails the same way. If `requires_client_handling` is `false`,
 * the backend has kept the transaction (dead letter, `dead_letter_id`): complete
 * it locally so the queue moves on, and optionally tell the app. If `true`, the
 * backend has not kept it: hand it with `failed_operation` to the app, which
 * either discards it (complete it) or retains it (keep it queued and stop
 * uploading until the app has fixed or discarded it). Never drop it silently.
 */
@Serializable
@SerialName("fatal_error")
data class TransactionFatalError(
    /**
     * `false`: the backend kept the transaction; the client may drop it from
     * its queue. `true`: the client app must decide whether to retain or discard
     * it.
     */
    @SerialName("requires_client_handling")
    val requiresClientHandling: Boolean,
    @SerialName("failed_operation")
    val failedOperation: FailedOperation,
    /**
     * Where the backend kept the transaction (its dead-letter record id), when
     * it did. Show or log it so that support can find the write.
     */
    @SerialName("dead_letter_id")
    val deadLetterId: String? = null,
) : TransactionResult

/**
 * The backend stopped the batch before this transaction (an earlier one failed).
 * Nothing of it was applied. Keep it queued and send it again in the next
 * request, after handling the earlier results.
 */
@Serializable
@SerialName("not_attempted")
data class TransactionNotAttempted(
    /** Why the batch stopped, for logs. */
    val message: String? = null,
) : TransactionResult

/**
 * The entry that made a transaction fail, and why. Only `error_code` is
 * required; backends of this protocol always send `message` and
 * `operation_index` too, and `details` when they have any.
 */
@Serializable
data class FailedOperation(
    /**
     * A stable code for the failure, to branch on. An open set: handle unknown
     * codes like `UNCLASSIFIED_ERROR`. Defined codes: `NOT_NULL_VIOLATION`,
     * `UNIQUE_VIOLATION`, `FOREIGN_KEY_VIOLATION`, `CHECK_VIOLATION`,
     * `CONSTRAINT_VIOLATION` (another constraint), `INVALID_DATA` (a value that
     * cannot be converted to the column's type; `details` names the column),
     * `INVALID_REQUEST` (the transaction does not match `CrudTransaction`;
     * `details.violations` lists the problems as in a `400` body, and
     * `operation_index` is the first entry with a problem, or 0),
     * `SCHEMA_MISMATCH` (unknown table or column), `UNAUTHORIZED` (this user may
     * not make this write), `UNCLASSIFIED_ERROR` (an error the backend could not
     * classify). Backends' hooks may add application codes.
     */
    @SerialName("error_code")
    val errorCode: String,
    /**
     * A description of the failure, for logs and developers. Absent from some
     * backends' replies (not this protocol's): clients then describe the
     * failure by `error_code` alone.
     */
    val message: String? = null,
    /**
     * Machine-readable context, free-form: any JSON value. Backends of this
     * protocol send an object, typically with `table`, `column` and the
     * database's own code (`sqlstate`, `errno`); other backends may send a
     * string (an error text) or any other JSON value, which clients pass on
     * unchanged. Absent or `null` when there is none.
     */
    val details: Optional<JsonElement> = Optional.Absent,
    /**
     * The failing entry's index (0-based) within the transaction's `crud`
     * array. Backends of this protocol always send it. When it is absent (the
     * public reference backend may not send it), the failure concerns the
     * transaction as a whole: the client reports it without naming an entry.
     */
    @SerialName("operation_index")
    val operationIndex: Int? = null,
)

/**
 * The body of every non-200 reply. Clients branch on the HTTP status (see each
 * response) and use `code` for finer handling and `message` for logs. Only
 * `message` is required: the public reference backend's error bodies are
 * `{"message": ...}`; backends of this protocol always send `code` too. A
 * client that gets a non-200 reply whose body is not an `ErrorResponse` (not
 * JSON, as from a proxy, or without `message`) acts on the HTTP status alone.
 */
@Serializable
data class ErrorResponse(
    /**
     * A stable code, an open set: `INVALID_REQUEST` (400),
     * `UNAUTHENTICATED` (401), `FORBIDDEN` (403), `PAYLOAD_TOO_LARGE` (413),
     * `UNSUPPORTED_MEDIA_TYPE` (415), `RATE_LIMITED` (429), `INTERNAL_ERROR`
     * (500), `NOT_READY` and `BUSY` (503). Treat an unknown or absent code by its HTTP
     * status. Backends of this protocol always send it.
     */
    val code: String? = null,
    /** What went wrong, for logs and developers. */
    val message: String,
    /**
     * For `400`: the problems found in the body, in the order the backend found
     * them. Backends of this protocol list at most the first 100 and count the
     * others in `violations_omitted`, so that the reply to a huge invalid body
     * stays small; clients must not rely on that bound. Absent for other
     * statuses.
     */
    val violations: List<Violation>? = null,
    /**
     * For `400`: how many problems were found beyond those listed in
     * `violations` (which then holds 100 of them); the body had
     * `violations.length + violations_omitted` problems in all. Absent (or
     * `0`) when `violations` lists every problem found. Optional: older
     * backends never send it.
     */
    @SerialName("violations_omitted")
    val violationsOmitted: Long? = null,
)

/** One problem found while validating a request body. */
@Serializable
data class Violation(
    /**
     * Where the problem is: `$` is the body, `.name` a property (`['name']` for
     * names that are not identifiers), `[i]` an array element; for a missing
     * property, the path it should have. Example:
     * `$.transactions[0].crud[2].op`.
     */
    val path: String,
    /**
     * The rule broken: `type`, `required`, `enum`, `format`, `minimum`,
     * `maximum`, `minLength`, `maxLength`, `pattern`, `minItems`, `maxItems`,
     * `uniqueItems` or `discriminator`.
     */
    val keyword: String,
    /** A description of the problem, for developers. */
    val message: String,
)

/** The state of a probe that succeeded. */
@Serializable
data class HealthStatus(
    /** `ok` when alive or ready; clients only rely on the HTTP status. */
    val status: String,
)
