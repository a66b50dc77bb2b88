# Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
"""The models of PowerSync Write API: pydantic v2 models of the spec's JSON.

Field names are snake_case; each reads and writes the spec's own property name.
Unknown properties are ignored on input. An optional property left unset is not
sent, and `None` is sent as `null` only where the schema is nullable. Values are
not checked against the schema's constraints here: the server validates requests
and the client validates replies with `validator.py`, which reports every
violation.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import Field

from .wire import WireModel


class WriteBatch(WireModel):
    """One upload request: whole transactions from the client's upload queue, oldest
    first. Servers ignore unknown properties.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset({"client_id"})

    client_id: str | None = None
    """The PowerSync client id of the local database the writes come from (the
    SDK's `getClientId()`). Send it whenever available: together with each
    entry's `op_id` it lets the backend recognise a transaction it has already
    applied (after a lost reply or a retry) and answer `success` with
    `duplicate: true` instead of applying it twice. Omit the property rather
    than sending `null`.
    """

    transactions: list[CrudTransaction]
    """The transactions to apply, in upload-queue order (oldest first): 1 to 50
    per request. Each is applied atomically; the reply has one result per
    transaction, in this order.

    Each transaction is validated on its own (`x-per-item-validation`), so
    that one malformed transaction (an `op` from a newer SDK, an empty
    `table`, an `op_id` that is not an integer) cannot block the device's
    queue: it gets a `fatal_error` result with error code `INVALID_REQUEST`
    and its violations in `failed_operation.details.violations`, and the
    other transactions are processed as usual. Only the envelope (a body
    that is not an object, `transactions` missing, not an array, or not 1 to
    50 items) is answered `400`.
    """


class CrudTransaction(WireModel):
    """The writes of one local transaction, applied all together or not at all. Send
    every entry the SDK's `CrudTransaction` holds, in its order; never split one
    transaction across requests.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset({"transaction_id"})

    transaction_id: int | None = None
    """The local transaction id (the SDK's `CrudTransaction.transactionId`, the
    same as each entry's `transaction_id`). Omit it for entries written outside
    an explicit transaction, where the SDK has none. Values fit in 2^53, so
    JavaScript numbers hold them exactly; servers accept the full int64 range.
    """

    crud: list[CrudEntry]
    """The transaction's entries in the order they were written (increasing
    `op_id`): 1 to 10,000, far more than an interactive app writes in one
    local transaction. A transaction is never split, so a client whose local
    transaction has more entries cannot upload it: the backend answers that
    transaction with `fatal_error` (`INVALID_REQUEST`, a `maxItems`
    violation at `$.transactions[i].crud`) and applies nothing of it. Apps must
    write bulk changes (imports, migrations) in several smaller local
    transactions; a client that finds an oversized transaction in its queue
    hands it to the app instead of sending it.
    """


class CrudEntry(WireModel):
    """One queued write of one row: an SDK `CrudEntry`. Wire names differ from the
    SDK's: `table` is the SDK's `table` (`type` in `toJSON()`), `op_id` its
    `clientId` (`op_id`), `transaction_id` its `transactionId` (`tx_id`),
    `op_data` its `opData` (`data`), `previous_values` its `previousValues`
    (`old`); `op`, `id` and `metadata` keep their names. Values in `op_data` and
    `previous_values` are the local SQLite values as JSON (text, numbers, null);
    the backend converts them to its columns' types.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset(
        {"op_id", "transaction_id", "op_data", "previous_values", "metadata"}
    )
    wire_nullable: ClassVar[frozenset[str]] = frozenset(
        {"op_data", "previous_values", "metadata"}
    )

    op: UpdateType

    table: str
    """The name of the local table the row belongs to, as in the client's
    PowerSync schema (the view name, not the internal `ps_data__` table). The
    backend maps it to its own table.
    """

    id: str
    """The row's id (its `id` column), usually a UUID.
    """

    op_id: int | None = None
    """The entry's position in the local upload queue (the SDK's
    `CrudEntry.clientId`), strictly increasing per client database. Send it:
    with `client_id` it makes retries idempotent. Values fit in 2^53, so
    JavaScript numbers hold them exactly; servers accept the full int64 range.
    """

    transaction_id: int | None = None
    """The local transaction the entry was written in (the SDK's
    `CrudEntry.transactionId`): the same for every entry of one
    `CrudTransaction`, and equal to its `transaction_id`. Values fit in 2^53 in
    JavaScript clients.
    """

    op_data: dict[str, Any] | None = None
    """The written columns (the SDK's `opData`), column name to value: for `PUT`
    every non-null column of the new row, for `PATCH` only the changed columns,
    absent or `null` for `DELETE`. The `id` column is not repeated here.
    """

    previous_values: dict[str, Any] | None = None
    """The columns' values before a `PATCH` or `DELETE` (the SDK's
    `previousValues`), present only for tables created with the
    `trackPreviousValues` option. Backends may use them to detect conflicting
    concurrent changes.
    """

    metadata: str | None = None
    """Client-side metadata attached to the write (the SDK's `metadata`, the
    `_metadata` column of tables created with the `trackMetadata` option),
    passed to the backend's hooks unchanged.
    """


class WriteBatchResponse(WireModel):
    """The reply to a processed batch. Clients must ignore unknown properties."""

    results: list[TransactionResult]
    """One result per transaction of the request, in the same order (the result
    at index i is the outcome of `transactions[i]`). Process them in order:
    complete succeeded transactions as a prefix of the queue and stop at the
    first transaction that stays queued.
    """


class TransactionSuccess(WireModel):
    """The transaction is applied and committed. Complete it in the local queue (the
    SDK's `CrudTransaction.complete`), passing `write_checkpoint` if present, once
    every transaction before it has been completed.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset(
        {"write_checkpoint", "duplicate"}
    )

    status: Literal["success"] = "success"

    write_checkpoint: str | None = None
    """The write checkpoint after this transaction. Pass it to `complete` so the
    SDK keeps showing local data until the synced data includes this write.
    Absent when the backend does not manage write checkpoints.
    """

    duplicate: bool | None = None
    """`true` when the transaction had already been applied (recognised by
    `client_id` and `op_id`) and was not applied again. Complete it all the
    same. Absent or `false` for a first application.
    """


class TransactionRetryableError(WireModel):
    """A temporary failure (database unreachable, lock timeout, deadlock, ...).
    Nothing of the transaction was applied. Keep it and every later transaction
    queued, wait `retry_after_ms` milliseconds (5000 when absent), then upload
    again starting with this transaction. The backend stops the batch here:
    later results are `not_attempted`.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset({"message", "retry_after_ms"})

    status: Literal["retryable_error"] = "retryable_error"

    message: str | None = None
    """What failed, for logs; not meant to be shown to end users. Backends of
    this protocol always send it; other backends may not.
    """

    retry_after_ms: int | None = None
    """Milliseconds to wait before uploading this transaction again. `0` means
    the client may retry at once (it should still apply its own minimum
    back-off). Backends of this protocol always send it; when it is absent
    (the public reference backend does not send it), the client waits its
    own default of 5000 ms, the PowerSync SDKs' retry delay.
    """


class TransactionFatalError(WireModel):
    """A permanent failure: nothing of the transaction was applied, and sending it
    again unchanged fails the same way. If `requires_client_handling` is `false`,
    the backend has kept the transaction (dead letter, `dead_letter_id`): complete
    it locally so the queue moves on, and optionally tell the app. If `true`, the
    backend has not kept it: hand it with `failed_operation` to the app, which
    either discards it (complete it) or retains it (keep it queued and stop
    uploading until the app has fixed or discarded it). Never drop it silently.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset({"dead_letter_id"})

    status: Literal["fatal_error"] = "fatal_error"

    requires_client_handling: bool
    """`false`: the backend kept the transaction; the client may drop it from
    its queue. `true`: the client app must decide whether to retain or discard
    it.
    """

    failed_operation: FailedOperation

    dead_letter_id: str | None = None
    """Where the backend kept the transaction (its dead-letter record id), when
    it did. Show or log it so that support can find the write.
    """


class TransactionNotAttempted(WireModel):
    """The backend stopped the batch before this transaction (an earlier one failed).
    Nothing of it was applied. Keep it queued and send it again in the next
    request, after handling the earlier results.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset({"message"})

    status: Literal["not_attempted"] = "not_attempted"

    message: str | None = None
    """Why the batch stopped, for logs.
    """


class FailedOperation(WireModel):
    """The entry that made a transaction fail, and why. Only `error_code` is
    required; backends of this protocol always send `message` and
    `operation_index` too, and `details` when they have any.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset(
        {"message", "details", "operation_index"}
    )
    wire_nullable: ClassVar[frozenset[str]] = frozenset({"details"})

    error_code: str
    """A stable code for the failure, to branch on. An open set: handle unknown
    codes like `UNCLASSIFIED_ERROR`. Defined codes: `NOT_NULL_VIOLATION`,
    `UNIQUE_VIOLATION`, `FOREIGN_KEY_VIOLATION`, `CHECK_VIOLATION`,
    `CONSTRAINT_VIOLATION` (another constraint), `INVALID_DATA` (a value that
    cannot be converted to the column's type; `details` names the column),
    `INVALID_REQUEST` (the transaction does not match `CrudTransaction`;
    `details.violations` lists the problems as in a `400` body, and
    `operation_index` is the first entry with a problem, or 0),
    `SCHEMA_MISMATCH` (unknown table or column), `UNAUTHORIZED` (this user may
    not make this write), `UNCLASSIFIED_ERROR` (an error the backend could not
    classify). Backends' hooks may add application codes.
    """

    message: str | None = None
    """A description of the failure, for logs and developers. Absent from some
    backends' replies (not this protocol's): clients then describe the
    failure by `error_code` alone.
    """

    details: Any = None
    """Machine-readable context, free-form: any JSON value. Backends of this
    protocol send an object, typically with `table`, `column` and the
    database's own code (`sqlstate`, `errno`); other backends may send a
    string (an error text) or any other JSON value, which clients pass on
    unchanged. Absent or `null` when there is none.
    """

    operation_index: int | None = None
    """The failing entry's index (0-based) within the transaction's `crud`
    array. Backends of this protocol always send it. When it is absent (the
    public reference backend may not send it), the failure concerns the
    transaction as a whole: the client reports it without naming an entry.
    """


class ErrorResponse(WireModel):
    """The body of every non-200 reply. Clients branch on the HTTP status (see each
    response) and use `code` for finer handling and `message` for logs. Only
    `message` is required: the public reference backend's error bodies are
    `{"message": ...}`; backends of this protocol always send `code` too. A
    client that gets a non-200 reply whose body is not an `ErrorResponse` (not
    JSON, as from a proxy, or without `message`) acts on the HTTP status alone.
    """

    wire_optional: ClassVar[frozenset[str]] = frozenset(
        {"code", "violations", "violations_omitted"}
    )

    code: str | None = None
    """A stable code, an open set: `INVALID_REQUEST` (400),
    `UNAUTHENTICATED` (401), `FORBIDDEN` (403), `PAYLOAD_TOO_LARGE` (413),
    `UNSUPPORTED_MEDIA_TYPE` (415), `RATE_LIMITED` (429), `INTERNAL_ERROR`
    (500), `NOT_READY` and `BUSY` (503). Treat an unknown or absent code by its HTTP
    status. Backends of this protocol always send it.
    """

    message: str
    """What went wrong, for logs and developers.
    """

    violations: list[Violation] | None = None
    """For `400`: the problems found in the body, in the order the backend found
    them. Backends of this protocol list at most the first 100 and count the
    others in `violations_omitted`, so that the reply to a huge invalid body
    stays small; clients must not rely on that bound. Absent for other
    statuses.
    """

    violations_omitted: int | None = None
    """For `400`: how many problems were found beyond those listed in
    `violations` (which then holds 100 of them); the body had
    `violations.length + violations_omitted` problems in all. Absent (or
    `0`) when `violations` lists every problem found. Optional: older
    backends never send it.
    """


class Violation(WireModel):
    """One problem found while validating a request body."""

    path: str
    """Where the problem is: `$` is the body, `.name` a property (`['name']` for
    names that are not identifiers), `[i]` an array element; for a missing
    property, the path it should have. Example:
    `$.transactions[0].crud[2].op`.
    """

    keyword: str
    """The rule broken: `type`, `required`, `enum`, `format`, `minimum`,
    `maximum`, `minLength`, `maxLength`, `pattern`, `minItems`, `maxItems`,
    `uniqueItems` or `discriminator`.
    """

    message: str
    """A description of the problem, for developers.
    """


class HealthStatus(WireModel):
    """The state of a probe that succeeded."""

    status: str
    """`ok` when alive or ready; clients only rely on the HTTP status.
    """


UpdateType: TypeAlias = Literal["PUT", "PATCH", "DELETE"]
"""The kind of write (the SDK's `UpdateType`): `PUT` inserts the row or replaces
it if it exists (an SQL `INSERT`; `op_data` holds every non-null column),
`PATCH` updates the columns in `op_data` of an existing row (an SQL `UPDATE`),
`DELETE` deletes the row (an SQL `DELETE`; no `op_data`).
"""


TransactionResult: TypeAlias = Annotated[
    TransactionSuccess
    | TransactionRetryableError
    | TransactionFatalError
    | TransactionNotAttempted,
    Field(discriminator="status"),
]
"""The outcome of one transaction, selected by `status`:
`success` (applied: complete it), `retryable_error` (not applied: retry after
`retry_after_ms`, or 5000 ms when absent), `fatal_error` (not applied and
never will be as it is: drop it if the backend kept it, else hand it to the
app), `not_attempted` (not applied: send it again). A client that meets a
`status` it does not know must treat the transaction as not applied and keep
it queued.
"""

for _model in (
    WriteBatch,
    CrudTransaction,
    CrudEntry,
    WriteBatchResponse,
    TransactionSuccess,
    TransactionRetryableError,
    TransactionFatalError,
    TransactionNotAttempted,
    FailedOperation,
    ErrorResponse,
    Violation,
    HealthStatus,
):
    _model.model_rebuild()
