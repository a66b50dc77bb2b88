// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

/** The request of `uploadData`: its parameters and body. */
data class UploadDataRequest(
    /**
     * The transactions to apply, oldest first, 1 to 50 per request.
     *
     * The required body.
     */
    val body: WriteBatch,
)

/** The replies of `uploadData`, one class per status the spec lists. */
sealed interface UploadDataResponse {
    /** The reply's HTTP status. */
    val status: Int

    /**
     * The batch was processed. `results` has exactly one entry per transaction of
     * the request, in the same order. Act on each result as described in
     * `TransactionResult`, in order.
     */
    data class Status200(
        val body: WriteBatchResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 200
    }

    /**
     * The body's envelope is not a valid `WriteBatch`: malformed JSON, not an
     * object, `transactions` missing or not an array, or not 1 to 50
     * transactions. (A malformed transaction inside a valid envelope is not a
     * `400`: it gets its own `fatal_error` result, see `WriteBatch.transactions`.)
     * `violations` lists the problems found in the whole body, at most the first
     * 100, and `violations_omitted` counts the others. Nothing was applied.
     * Sending the same body again fails again: if the number of transactions was
     * exceeded, send fewer transactions per request; otherwise this is a client
     * bug, so report it to the app (error hook, logs) and stop uploading instead
     * of retrying in a loop.
     */
    data class Status400(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 400
    }

    /**
     * The bearer token is missing, malformed, expired or not accepted. Nothing was
     * applied. Fetch fresh credentials and send the same batch again; if a fresh
     * token is refused too, tell the app (the user probably has to sign in again) and
     * keep the queue intact.
     */
    data class Status401(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 401
    }

    /**
     * The token is valid but this user may not upload at all. Nothing was applied.
     * Retrying will not help until the user's permissions change: keep the queue
     * intact and tell the app. (A refusal of a single transaction is not a `403`: it
     * is a `fatal_error` result with error code `UNAUTHORIZED`.)
     */
    data class Status403(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 403
    }

    /**
     * The body exceeds the backend's size limit. Nothing was applied. Send the same
     * transactions again in smaller requests (fewer transactions each, never
     * splitting a transaction). If a single transaction alone is too large, hand it
     * to the app: it cannot be uploaded as it is.
     */
    data class Status413(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 413
    }

    /**
     * The request's `Content-Type` is not `application/json`. Nothing was applied.
     * This is a client bug: send the body as JSON with `Content-Type:
     * application/json`.
     */
    data class Status415(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 415
    }

    /**
     * Rate limited. Nothing was applied. Wait the number of seconds given by
     * `Retry-After` (or, if it is absent or not an integer, the client's own back-off
     * delay) and send the same batch again.
     */
    data class Status429(
        val body: ErrorResponse,
        val headers: UploadData429Headers,
    ) : UploadDataResponse {
        override val status: Int get() = 429
    }

    /**
     * An unexpected failure in the backend (a bug: every expected failure is
     * reported per transaction in a `200` reply). Transactions before the failure may
     * have been applied. Send the same batch again after a back-off delay, increasing
     * the delay on repeated failures; with `client_id` and `op_id`s sent, already
     * applied transactions come back as `success` with `duplicate: true`.
     */
    data class Status500(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 500
    }

    /**
     * The backend is not ready (starting, shutting down, or its database is
     * unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
     * an upload: nothing was applied; wait the number of seconds
     * given by `Retry-After` (or the client's own back-off delay) and send the same
     * batch again. For `/ready`: do not route uploads to this instance for now.
     */
    data class Status503(
        val body: ErrorResponse,
        val headers: UploadData503Headers,
    ) : UploadDataResponse {
        override val status: Int get() = 503
    }
}

/** The headers of `uploadData`'s 429 reply. */
data class UploadData429Headers(
    /**
     * Seconds to wait before sending again. Sent by this protocol's backends on
     * every `429`; a proxy's reply may lack it, so clients fall back to their own
     * back-off delay.
     *
     * The header `Retry-After`.
     */
    val retryAfter: Int? = null,
)

/** The headers of `uploadData`'s 503 reply. */
data class UploadData503Headers(
    /**
     * Seconds to wait before sending again. Optional: when absent, use the
     * client's own back-off delay.
     *
     * The header `Retry-After`.
     */
    val retryAfter: Int? = null,
)

/** The replies of `health`, one class per status the spec lists. */
sealed interface HealthResponse {
    /** The reply's HTTP status. */
    val status: Int

    /** The process is alive. */
    data class Status200(
        val body: HealthStatus,
    ) : HealthResponse {
        override val status: Int get() = 200
    }
}

/** The replies of `ready`, one class per status the spec lists. */
sealed interface ReadyResponse {
    /** The reply's HTTP status. */
    val status: Int

    /** The backend is ready to accept uploads. */
    data class Status200(
        val body: HealthStatus,
    ) : ReadyResponse {
        override val status: Int get() = 200
    }

    /**
     * The backend is not ready (starting, shutting down, or its database is
     * unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
     * an upload: nothing was applied; wait the number of seconds
     * given by `Retry-After` (or the client's own back-off delay) and send the same
     * batch again. For `/ready`: do not route uploads to this instance for now.
     */
    data class Status503(
        val body: ErrorResponse,
        val headers: Ready503Headers,
    ) : ReadyResponse {
        override val status: Int get() = 503
    }
}

/** The headers of `ready`'s 503 reply. */
data class Ready503Headers(
    /**
     * Seconds to wait before sending again. Optional: when absent, use the
     * client's own back-off delay.
     *
     * The header `Retry-After`.
     */
    val retryAfter: Int? = null,
)
