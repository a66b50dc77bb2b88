package powersync.write.api

import kotlinx.coroutines.flow.Flow
import kotlinx.serialization.json.JsonElement

/** One queued write, as the PowerSync SDK's `CrudEntry` provides it. */
data class QueuedEntry(
    /** Position in the local upload queue (the SDK's `clientId`); sent as `op_id`. */
    val opId: Long,
    /** The row's id. */
    val id: String,
    val op: SpecUpdateType,
    /** The local table (view) name. */
    val table: String,
    /** Sent as `transaction_id`; null for writes outside a transaction. */
    val transactionId: Long? = null,
    /** Sent as `op_data`, each value with its JSON type. */
    val opData: Map<String, JsonElement>? = null,
    /** Sent as `previous_values` (tables tracking previous values only). */
    val previousValues: Map<String, JsonElement>? = null,
    /** Sent as `metadata` (tables tracking metadata only). */
    val metadata: String? = null,
)

/** One local transaction, as the SDK's `CrudTransaction` provides it. */
data class QueuedTransaction(
    /** Null for a single write outside a transaction. */
    val transactionId: Long?,
    /** At least one entry, in queue order. */
    val crud: List<QueuedEntry>,
) {
    /** The op_id of the first entry. */
    val firstOpId: Long get() = crud.first().opId

    /** The op_id of the last entry: completing it completes this transaction and every earlier one. */
    val lastOpId: Long get() = crud.last().opId
}

/**
 * What the uploader needs of the local database: the SDK's upload queue. Adapt a
 * `PowerSyncDatabase` with [asUploadQueue]; tests use an in-memory queue.
 */
interface UploadQueue {
    /** The PowerSync client id, sent as `client_id` so the backend recognises replays; null sends none. */
    suspend fun clientId(): String?

    /**
     * Whole transactions, oldest first, starting at the oldest entry not completed yet. Collected
     * lazily: the uploader stops collecting once a request is full.
     */
    fun transactions(): Flow<QueuedTransaction>

    /**
     * Removes every queued entry up to and including op_id [upToOpId] (the last entry of a
     * transaction the uploader read), recording the backend's [writeCheckpoint] when given.
     */
    suspend fun complete(
        upToOpId: Long,
        writeCheckpoint: String?,
    )
}
