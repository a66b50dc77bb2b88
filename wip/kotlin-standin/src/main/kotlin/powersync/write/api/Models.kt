package powersync.write.api

import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonClassDiscriminator
import kotlinx.serialization.json.JsonElement

// Stand-in for the generated models (see /work/notes/kotlin-contract.md).

@Serializable
data class WriteBatch(
    @SerialName("client_id") val clientId: String? = null,
    val transactions: List<CrudTransaction>,
)

@Serializable
data class CrudTransaction(
    @SerialName("transaction_id") val transactionId: Long? = null,
    val crud: List<CrudEntry>,
)

@Serializable
data class CrudEntry(
    val op: UpdateType,
    val table: String,
    val id: String,
    @SerialName("op_id") val opId: Long? = null,
    @SerialName("transaction_id") val transactionId: Long? = null,
    @SerialName("op_data") val opData: Optional<Map<String, JsonElement>?> = Optional.Absent,
    @SerialName("previous_values") val previousValues: Optional<Map<String, JsonElement>?> = Optional.Absent,
    val metadata: Optional<String?> = Optional.Absent,
)

@Serializable
enum class UpdateType {
    @SerialName("PUT")
    PUT,

    @SerialName("PATCH")
    PATCH,

    @SerialName("DELETE")
    DELETE,
}

@Serializable
data class WriteBatchResponse(
    val results: List<TransactionResult>,
)

@OptIn(ExperimentalSerializationApi::class)
@Serializable
@JsonClassDiscriminator("status")
sealed interface TransactionResult

@Serializable
@SerialName("success")
data class TransactionSuccess(
    @SerialName("write_checkpoint") val writeCheckpoint: String? = null,
    val duplicate: Boolean? = null,
) : TransactionResult

@Serializable
@SerialName("retryable_error")
data class TransactionRetryableError(
    val message: String? = null,
    @SerialName("retry_after_ms") val retryAfterMs: Long? = null,
) : TransactionResult

@Serializable
@SerialName("fatal_error")
data class TransactionFatalError(
    @SerialName("requires_client_handling") val requiresClientHandling: Boolean,
    @SerialName("failed_operation") val failedOperation: FailedOperation,
    @SerialName("dead_letter_id") val deadLetterId: String? = null,
) : TransactionResult

@Serializable
@SerialName("not_attempted")
data class TransactionNotAttempted(
    val message: String? = null,
) : TransactionResult

@Serializable
data class FailedOperation(
    @SerialName("error_code") val errorCode: String,
    val message: String? = null,
    val details: Optional<JsonElement> = Optional.Absent,
    @SerialName("operation_index") val operationIndex: Int? = null,
)

@Serializable
data class ErrorResponse(
    val code: String? = null,
    val message: String,
    val violations: List<Violation>? = null,
    @SerialName("violations_omitted") val violationsOmitted: Long? = null,
)

@Serializable
data class Violation(
    val path: String,
    val keyword: String,
    val message: String,
)

@Serializable
data class HealthStatus(
    val status: String,
)
