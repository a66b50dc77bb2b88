package powersync.write.api

// Stand-in for the generated Spec.kt (see /work/notes/kotlin-contract.md): how the support
// code reaches this spec's names.

internal typealias WritePathClient = PowerSyncWriteApiClient

internal const val BEARER_SCHEME = "bearerAuth"

internal typealias SpecWriteBatch = WriteBatch
internal typealias SpecCrudTransaction = CrudTransaction
internal typealias SpecCrudEntry = CrudEntry
internal typealias SpecUpdateType = UpdateType
internal typealias SpecWriteBatchResponse = WriteBatchResponse
internal typealias SpecTransactionResult = TransactionResult
internal typealias SpecTransactionSuccess = TransactionSuccess
internal typealias SpecTransactionRetryableError = TransactionRetryableError
internal typealias SpecTransactionFatalError = TransactionFatalError
internal typealias SpecTransactionNotAttempted = TransactionNotAttempted
internal typealias SpecFailedOperation = FailedOperation
internal typealias SpecErrorResponse = ErrorResponse
internal typealias SpecViolation = Violation

/** Sends one batch and maps the reply onto the protocol's statuses. */
internal suspend fun WritePathClient.uploadBatch(batch: SpecWriteBatch): WritePathReply =
    when (val response = uploadData(UploadDataRequest(batch))) {
        is UploadDataResponse.Status200 -> WritePathReply.Results(response.body)
        is UploadDataResponse.Status400 -> WritePathReply.Failure(400, response.body, null)
        is UploadDataResponse.Status401 -> WritePathReply.Failure(401, response.body, null)
        is UploadDataResponse.Status403 -> WritePathReply.Failure(403, response.body, null)
        is UploadDataResponse.Status413 -> WritePathReply.Failure(413, response.body, null)
        is UploadDataResponse.Status415 -> WritePathReply.Failure(415, response.body, null)
        is UploadDataResponse.Status429 -> WritePathReply.Failure(429, response.body, response.headers.retryAfter)
        is UploadDataResponse.Status500 -> WritePathReply.Failure(500, response.body, null)
        is UploadDataResponse.Status503 -> WritePathReply.Failure(503, response.body, response.headers.retryAfter)
    }
