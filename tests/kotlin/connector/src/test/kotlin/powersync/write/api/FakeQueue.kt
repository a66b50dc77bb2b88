package powersync.write.api

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * An in-memory upload queue with the PowerSync SDKs' semantics:
 * - entries have increasing op_ids; consecutive entries with the same non-null transaction id
 *   form one transaction, an entry without one is a transaction of its own;
 * - `transactions()` is a fresh lazy flow starting at the oldest entry not completed yet;
 * - `complete(upToOpId, checkpoint)` removes every entry up to that op_id (so it completes all
 *   earlier transactions too) and records the call.
 */
class FakeQueue(
    /** Null: the queue reports no client id. */
    private val clientIdValue: String? = "client-1",
) : UploadQueue {
    /** One recorded `complete` call. */
    data class Completion(
        val upToOpId: Long,
        val checkpoint: String?,
    )

    val entries: MutableList<QueuedEntry> = mutableListOf()
    val completions: MutableList<Completion> = mutableListOf()

    override suspend fun clientId(): String? = clientIdValue

    override fun transactions(): Flow<QueuedTransaction> =
        flow {
            var after = -1L
            while (true) {
                val transaction = transactionAfter(after) ?: break
                after = transaction.lastOpId
                emit(transaction)
            }
        }

    override suspend fun complete(
        upToOpId: Long,
        writeCheckpoint: String?,
    ) {
        check(entries.any { it.opId == upToOpId }) { "complete($upToOpId): no such entry is queued" }
        entries.removeAll { it.opId <= upToOpId }
        completions += Completion(upToOpId, writeCheckpoint)
    }

    private fun transactionAfter(after: Long): QueuedTransaction? {
        val start = entries.indexOfFirst { it.opId > after }
        if (start < 0) return null
        val head = entries[start]
        val crud = mutableListOf(head)
        if (head.transactionId != null) {
            for (entry in entries.drop(start + 1)) {
                if (entry.transactionId != head.transactionId) break
                crud += entry
            }
        }
        return QueuedTransaction(head.transactionId, crud.toList())
    }
}
