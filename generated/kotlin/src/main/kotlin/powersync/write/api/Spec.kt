// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

// The names by which the support files that are the same for every spec (the
// PowerSync connector) reach this one.

internal typealias WritePathClient = PowerSyncWriteApiClient

/** The security scheme the connector sends the PowerSync token with. */
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

/** Sends one batch and maps the reply onto the protocol's replies. */
internal suspend fun WritePathClient.uploadBatch(batch: SpecWriteBatch): WritePathReply =
    when (val response = uploadData(UploadDataRequest(body = batch))) {
        is UploadDataResponse.Status200 -> WritePathReply.Results(response.body)
        is UploadDataResponse.Status400 -> WritePathReply.Failure(400, response.body, null)
        is UploadDataResponse.Status401 -> WritePathReply.Failure(401, response.body, null)
        is UploadDataResponse.Status403 -> WritePathReply.Failure(403, response.body, null)
        is UploadDataResponse.Status413 -> WritePathReply.Failure(413, response.body, null)
        is UploadDataResponse.Status415 -> WritePathReply.Failure(415, response.body, null)
        is UploadDataResponse.Status429 -> WritePathReply.Failure(429, response.body, response.headers.retryAfter?.toLong())
        is UploadDataResponse.Status500 -> WritePathReply.Failure(500, response.body, null)
        is UploadDataResponse.Status503 -> WritePathReply.Failure(503, response.body, response.headers.retryAfter?.toLong())
    }
