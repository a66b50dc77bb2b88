package powersync.write.api

import io.ktor.client.HttpClient

/** The protocol's maximum number of transactions per request. */
const val MAX_TRANSACTIONS_PER_REQUEST: Int = 50

/**
 * The pause, in milliseconds, after a `retryable_error` result without `retry_after_ms`: 5000,
 * the PowerSync SDKs' own retry delay. See [UploaderOptions.defaultRetryAfterMs].
 */
const val DEFAULT_RETRY_AFTER_MS: Long = 5000

/** How long to wait for a reply to one request by default, in milliseconds. See [UploaderOptions.timeoutMs]. */
const val DEFAULT_TIMEOUT_MS: Long = 30_000

/** The longest pause an `uploadData` call waits out by default. See [UploaderOptions.maxRetryWaitMs]. */
const val DEFAULT_MAX_RETRY_WAIT_MS: Long = 30_000

/**
 * Limits on one request. A batch stops before the transaction that would exceed a limit, except
 * that a transaction larger than a limit on its own is sent alone, since a transaction is never split.
 */
data class UploadLimits(
    /** Transactions per request, 1 to 50 (the protocol's maximum). */
    val maxTransactions: Int = MAX_TRANSACTIONS_PER_REQUEST,
    /** Queued writes (CRUD entries) per request. */
    val maxOperations: Int = 1000,
    /**
     * Bytes of the JSON request body (UTF-8). Half the reference backend's default body limit,
     * leaving room for proxies with smaller limits; lowered for the uploader's lifetime when the
     * backend or a proxy answers 413 to a batch of several transactions.
     */
    val maxBytes: Int = 2 * 1024 * 1024,
)

/** The app's answer for a transaction that needs it: see [ClientHandlingFailure]. */
enum class ClientHandlingDecision {
    /** Keep it at the head of the queue; uploading stops with [ClientHandlingRequiredException]. */
    RETAIN,

    /** Remove it from the queue (after saving or reporting it as the app sees fit). */
    DISCARD,
}

/**
 * A transaction the backend refused for good (`fatal_error` with `requires_client_handling: true`)
 * and did not keep: only the app can decide what becomes of it.
 */
class ClientHandlingFailure(
    /** The queued transaction. */
    val transaction: QueuedTransaction,
    /** The transaction as it was sent. */
    val sent: SpecCrudTransaction,
    /** The backend's result for it. */
    val result: SpecTransactionFatalError,
    /**
     * The failing operation. Its `details` are passed on as the backend sent them: an object
     * from backends of this protocol, any JSON value from others.
     */
    val failedOperation: SpecFailedOperation,
    /**
     * The queued entry `failedOperation.operationIndex` points at; null when that index is absent
     * (the failure concerns the whole transaction) or out of range.
     */
    val entry: QueuedEntry?,
)

/**
 * A transaction the backend refused for good but kept as a dead letter (`fatal_error` with
 * `requires_client_handling: false`); the uploader removes it from the local queue.
 */
class DeadLetteredTransaction(
    val transaction: QueuedTransaction,
    val sent: SpecCrudTransaction,
    val result: SpecTransactionFatalError,
    val failedOperation: SpecFailedOperation,
    val entry: QueuedEntry?,
    /** The backend's id of the kept copy, if it reported one. */
    val deadLetterId: String?,
)

/** Where the uploader reports what it does; the SDK's logger fits behind it. */
interface UploadLogger {
    fun debug(message: String) {}

    fun warn(
        message: String,
        error: Throwable? = null,
    ) {}
}

/** Options of [PowerSyncWriteUploader]. */
class UploaderOptions(
    /** The backend's base URL, e.g. `https://api.example.com`; `/api/data` is appended. */
    val baseUrl: String,
    /**
     * Returns the bearer token (JWT) for the backend, or null to send no `Authorization` header
     * (signed out: the backend then answers 401 and the upload fails with an
     * [UploadAuthenticationException]). Called once per `uploadData` call with
     * `forceRefresh = false` (return a cached token if you have a valid one), and again with
     * `forceRefresh = true` when the backend answers 401.
     */
    val fetchToken: suspend (forceRefresh: Boolean) -> String?,
    /** The ktor client requests go through (any engine). Its own timeouts, if any, apply too. */
    val httpClient: HttpClient,
    /** Limits on each request; see [UploadLimits]. */
    val limits: UploadLimits = UploadLimits(),
    /**
     * How long to wait for a reply to one request, in milliseconds, before giving up on it as a
     * retryable failure (nothing is completed; the same transactions are sent again later, which
     * is safe because the backend recognises replays by `client_id` and `op_id`).
     */
    val timeoutMs: Long = DEFAULT_TIMEOUT_MS,
    /**
     * When the backend asked for a pause (`retry_after_ms`, or `Retry-After` on a 429 or 503), the
     * next `uploadData` call waits for the rest of it before sending, but only if that rest is at
     * most this many milliseconds; a longer rest makes the call throw an
     * [UploadRetryableException] at once, without sending, so the SDK's retry loop stays responsive.
     */
    val maxRetryWaitMs: Long = DEFAULT_MAX_RETRY_WAIT_MS,
    /** The pause after a `retryable_error` result without `retry_after_ms`; subject to [maxRetryWaitMs]. */
    val defaultRetryAfterMs: Long = DEFAULT_RETRY_AFTER_MS,
    /**
     * Decides about a transaction the backend refused for good and did not keep. DISCARD removes
     * it from the queue; RETAIN keeps it at the head of the queue and the call throws a
     * [ClientHandlingRequiredException] (the hook is asked again each time it is sent). A hook
     * that throws counts as RETAIN. Null: always RETAIN, so nothing is dropped without the app's consent.
     */
    val onClientHandlingRequired: (suspend (ClientHandlingFailure) -> ClientHandlingDecision)? = null,
    /**
     * Told about each transaction the backend kept as a dead letter, before it is removed from the
     * local queue. Exceptions it throws are logged and ignored: the backend already holds the transaction.
     */
    val onDeadLettered: (suspend (DeadLetteredTransaction) -> Unit)? = null,
    /** Where progress and anomalies are logged; null logs nothing. */
    val logger: UploadLogger? = null,
)
