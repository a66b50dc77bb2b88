package powersync.write.api

/** Base class of every exception the uploader throws on purpose; whatever it concerns stays queued. */
sealed class UploadException(
    message: String,
    /**
     * True when sending the same transactions again later may succeed without anyone acting.
     * The SDK retries in both cases; apps can use this to decide whether to bother the user.
     */
    val retryable: Boolean,
    cause: Throwable? = null,
) : Exception(message, cause)

/**
 * The backend could not apply the transactions now (a retryable result, 429, 500, 503, a
 * network failure or a timeout). They stay queued; the next call sends them again, not before
 * [retryAfterMs] has passed when it is set.
 */
class UploadRetryableException(
    message: String,
    /** The pause the backend asked for, in milliseconds, if it asked for one. */
    val retryAfterMs: Long? = null,
    cause: Throwable? = null,
) : UploadException(message, true, cause)

/**
 * The backend refused the whole request (400, 403, 413, 415): sending it unchanged fails again.
 * The transactions stay queued.
 */
class UploadRejectedException(
    message: String,
    val status: Int,
    /** The protocol's error body, or null when the reply's body was something else (a proxy's page). */
    val body: SpecErrorResponse?,
    cause: Throwable? = null,
) : UploadException(message, false, cause) {
    /** The error body's `code`, when the reply had one. */
    val code: String? get() = body?.code

    val violations: List<SpecViolation> get() = body?.violations ?: emptyList()
}

/**
 * The backend refused the credentials, even freshly fetched ones (401 twice): the user probably
 * has to sign in again. The queue is intact.
 */
class UploadAuthenticationException(
    message: String,
    cause: Throwable? = null,
) : UploadException(message, false, cause) {
    val status: Int get() = 401
}

/**
 * A transaction needs the app's decision and was retained: it stays at the head of the queue and
 * blocks the transactions after it until `onClientHandlingRequired` answers DISCARD for it.
 */
class ClientHandlingRequiredException(
    message: String,
    val failure: ClientHandlingFailure,
    cause: Throwable? = null,
) : UploadException(message, false, cause) {
    /** The table of the failing entry, when the backend named one. */
    val table: String? get() = failure.entry?.table

    /** The failing entry's index in the transaction; null when the failure concerns the whole transaction. */
    val operationIndex: Int? get() = failure.failedOperation.operationIndex

    val errorCode: String get() = failure.failedOperation.errorCode
}

/**
 * The reply broke the protocol (a status the spec does not list, a body that does not match its
 * schema, a `results` list whose length differs from the batch): nothing was completed. Usually a
 * proxy in the way, a wrong `baseUrl`, or a backend bug.
 */
class UploadProtocolException(
    message: String,
    /** The HTTP status of the offending reply. */
    val status: Int?,
    cause: Throwable? = null,
) : UploadException(message, false, cause)
