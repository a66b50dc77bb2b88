package powersync.write.api

// Stand-in for the generated operations (see /work/notes/kotlin-contract.md).

data class UploadDataRequest(
    val body: WriteBatch,
)

sealed interface UploadDataResponse {
    val status: Int

    data class Status200(
        val body: WriteBatchResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 200
    }

    data class Status400(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 400
    }

    data class Status401(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 401
    }

    data class Status403(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 403
    }

    data class Status413(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 413
    }

    data class Status415(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 415
    }

    data class Status429(
        val body: ErrorResponse,
        val headers: UploadData429Headers,
    ) : UploadDataResponse {
        override val status: Int get() = 429
    }

    data class Status500(
        val body: ErrorResponse,
    ) : UploadDataResponse {
        override val status: Int get() = 500
    }

    data class Status503(
        val body: ErrorResponse,
        val headers: UploadData503Headers,
    ) : UploadDataResponse {
        override val status: Int get() = 503
    }
}

/** `Retry-After`, in seconds. */
data class UploadData429Headers(
    val retryAfter: Long? = null,
)

/** `Retry-After`, in seconds. */
data class UploadData503Headers(
    val retryAfter: Long? = null,
)

sealed interface HealthResponse {
    val status: Int

    data class Status200(
        val body: HealthStatus,
    ) : HealthResponse {
        override val status: Int get() = 200
    }
}

sealed interface ReadyResponse {
    val status: Int

    data class Status200(
        val body: HealthStatus,
    ) : ReadyResponse {
        override val status: Int get() = 200
    }

    data class Status503(
        val body: ErrorResponse,
        val headers: Ready503Headers,
    ) : ReadyResponse {
        override val status: Int get() = 503
    }
}

/** `Retry-After`, in seconds. */
data class Ready503Headers(
    val retryAfter: Long? = null,
)
