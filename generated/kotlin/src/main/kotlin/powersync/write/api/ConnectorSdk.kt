// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import com.powersync.PowerSyncDatabase
import com.powersync.connectors.PowerSyncBackendConnector
import com.powersync.db.crud.CrudEntry
import com.powersync.db.crud.CrudTransaction
import com.powersync.db.crud.UpdateType
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.map

/**
 * The SDK's upload queue as the uploader reads it. Values are taken from `jsonValues`, so each
 * keeps its JSON type (integers beyond 32 bits, reals, booleans, nulls); the SDK's string view
 * of `opData` would turn them into strings.
 */
fun PowerSyncDatabase.asUploadQueue(): UploadQueue = SdkUploadQueue(this)

private class SdkUploadQueue(
    private val database: PowerSyncDatabase,
) : UploadQueue {
    /** The SDK's `complete` of each transaction read, by its last op_id. */
    private val completers = mutableMapOf<Long, suspend (String?) -> Unit>()

    override suspend fun clientId(): String? =
        // The SDK has no accessor for it; the PowerSync SQLite extension provides it.
        database.get("SELECT powersync_client_id()") { cursor -> cursor.getString(0).orEmpty() }.ifEmpty { null }

    override fun transactions(): Flow<QueuedTransaction> =
        database.getCrudTransactions().map { transaction ->
            val queued = transaction.toQueuedTransaction()
            synchronized(completers) { completers[queued.lastOpId] = transaction.complete }
            queued
        }

    override suspend fun complete(
        upToOpId: Long,
        writeCheckpoint: String?,
    ) {
        val complete =
            synchronized(completers) { completers[upToOpId] }
                ?: throw IllegalStateException(
                    "PowerSync upload: no transaction ending at op_id $upToOpId was read from the upload queue; " +
                        "the uploader completes only transactions it read. This is a bug in the uploader.",
                )
        complete(writeCheckpoint)
        // Completed transactions are gone from the queue; their completers are not needed again.
        synchronized(completers) { completers.keys.removeAll { it <= upToOpId } }
    }
}

/** The SDK's transaction as the uploader reads it (see [toQueuedEntry]). */
fun CrudTransaction.toQueuedTransaction(): QueuedTransaction =
    QueuedTransaction(
        transactionId = transactionId?.toLong(),
        crud = crud.map { it.toQueuedEntry() },
    )

/**
 * The SDK's entry as the uploader sends it: `op_data` and `previous_values` from `jsonValues`, so
 * every value keeps its JSON type (the string view would quote numbers; the typed view fails on
 * integers beyond 32 bits).
 */
fun CrudEntry.toQueuedEntry(): QueuedEntry =
    QueuedEntry(
        opId = clientId.toLong(),
        id = id,
        op =
            when (op) {
                UpdateType.PUT -> SpecUpdateType.PUT
                UpdateType.PATCH -> SpecUpdateType.PATCH
                UpdateType.DELETE -> SpecUpdateType.DELETE
            },
        table = table,
        transactionId = transactionId?.toLong(),
        opData = opData?.jsonValues,
        previousValues = previousValues?.jsonValues,
        metadata = metadata,
    )

/**
 * A `PowerSyncBackendConnector` whose `uploadData` is a [PowerSyncWriteUploader]; subclasses
 * supply `fetchCredentials` (the PowerSync service's endpoint and token).
 */
abstract class PowerSyncWriteConnector(
    options: UploaderOptions,
) : PowerSyncBackendConnector() {
    protected val uploader: PowerSyncWriteUploader = PowerSyncWriteUploader(options)

    /** Uploads the local queue; see [PowerSyncWriteUploader.uploadData]. */
    override suspend fun uploadData(database: PowerSyncDatabase) {
        uploader.uploadData(database.asUploadQueue())
    }
}
