// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The upload half of a PowerSync backend connector: an `uploadData` that sends the local upload
 * queue to a backend speaking this write protocol.
 *
 * It reads whole transactions from the queue, packs them into requests within [UploadLimits]
 * (never splitting a transaction), sends each with the generated client, and completes exactly
 * the prefix of the batch the backend accepted, passing the newest write checkpoint. Whatever is
 * not accepted stays queued and makes [uploadData] throw an [UploadException], which the SDK shows
 * as the sync status's upload error; the SDK calls `uploadData` again in its next upload round
 * (in 1.14.1, on the next local write or reconnect).
 *
 * One instance per backend: it remembers the pause the backend asked for and a lowered byte limit.
 */
class PowerSyncWriteUploader(
    private val options: UploaderOptions,
) {
    private val maxTransactions: Int
    private val maxOperations: Int

    @Volatile private var maxBytes: Int
    private val timeoutMs: Long
    private val maxRetryWaitMs: Long
    private val defaultRetryAfterMs: Long

    /** No request before this time (ms since the epoch): the backend's pause. */
    @Volatile private var notBefore: Long = 0

    init {
        val where = "PowerSyncWriteUploader options"
        require(options.baseUrl.isNotBlank()) {
            "$where: baseUrl must be the backend's base URL, e.g. \"https://api.example.com\"."
        }
        val limits = options.limits
        maxTransactions =
            positive("$where: limits.maxTransactions", limits.maxTransactions.toLong(), MAX_TRANSACTIONS_PER_REQUEST.toLong())
                .toInt()
        maxOperations = positive("$where: limits.maxOperations", limits.maxOperations.toLong()).toInt()
        maxBytes = positive("$where: limits.maxBytes", limits.maxBytes.toLong()).toInt()
        timeoutMs = positive("$where: timeoutMs", options.timeoutMs)
        maxRetryWaitMs = nonNegative("$where: maxRetryWaitMs", options.maxRetryWaitMs)
        defaultRetryAfterMs = nonNegative("$where: defaultRetryAfterMs", options.defaultRetryAfterMs)
    }

    /**
     * Uploads the queue until it is empty, or throws an [UploadException] when something stays
     * queued. Use it as the connector's `uploadData`.
     */
    suspend fun uploadData(queue: UploadQueue) {
        waitForPause()

        // Sent with every batch so the backend can recognise replays; read up front because
        // the byte limit counts it.
        val clientId = queue.clientId()
        var client: WritePathClient? = null
        var token: String? = null
        // The queue's head after the last completion: a queue that does not advance must not
        // make this loop spin (the SDK detects it and backs off).
        var lastCompletedOpId: Long? = null

        while (true) {
            val batch = readBatch(queue, clientId)
            val first = batch.firstOrNull() ?: return
            val firstOpId = first.queued.firstOpId
            if (lastCompletedOpId != null && firstOpId <= lastCompletedOpId) {
                options.logger?.warn(
                    "PowerSync upload: the queue still starts at op_id $firstOpId after transactions up to op_id " +
                        "$lastCompletedOpId were completed; stopping this round.",
                )
                return
            }

            if (client == null) {
                // Deferred until there is something to send: an empty queue costs no token fetch.
                token = options.fetchToken(false)
                client =
                    WritePathClient(
                        baseUrl = options.baseUrl,
                        httpClient = options.httpClient,
                        credentials = { scheme -> if (scheme == BEARER_SCHEME) token else null },
                    )
            }

            val body = SpecWriteBatch(clientId = clientId, transactions = batch.map { it.wire })
            var refreshed = false
            var sent: Sent
            while (true) {
                try {
                    sent = send(client, body, batch)
                    break
                } catch (e: NeedsFreshToken) {
                    if (refreshed) {
                        throw UploadAuthenticationException(
                            "PowerSync upload to ${url()}: the backend refused a freshly fetched token too " +
                                "(401${describeBody(e.body)}). The user probably has to sign in again; the upload queue " +
                                "is kept and uploading resumes once fetchToken returns a token the backend accepts.",
                        )
                    }
                    refreshed = true
                    token = options.fetchToken(true)
                }
            }

            when (val outcome = sent) {
                is Sent.TooLarge -> {
                    // The backend (or a proxy) takes less than we sent: learn a smaller byte limit
                    // and re-pack. Terminates, since a single transaction is answered by an
                    // exception instead (see byStatus).
                    val smaller = maxOf(1L, outcome.bodyBytes / 2).toInt()
                    maxBytes = minOf(maxBytes, smaller)
                    options.logger?.warn(
                        "PowerSync upload: the backend refused a ${outcome.bodyBytes}-byte request as too large (413); " +
                            "sending at most $maxBytes bytes per request from now on.",
                    )
                }

                is Sent.Results -> {
                    val progress = applyResults(queue, batch, outcome.body)
                    if (progress.completed != null) lastCompletedOpId = progress.completed.queued.lastOpId
                    if (progress.stop != null) throw progress.stop
                    // Whole batch done, or stopped at not_attempted after progress: the rest is
                    // still queued and goes out in the next request.
                }
            }
        }
    }

    /** The endpoint, for messages. */
    private fun url(): String = "${options.baseUrl.trimEnd('/')}/api/data"

    /** Waits out the backend's requested pause, or refuses if it is too long. */
    private suspend fun waitForPause() {
        val remaining = notBefore - System.currentTimeMillis()
        if (remaining <= 0) return
        if (remaining > maxRetryWaitMs) {
            throw UploadRetryableException(
                "PowerSync upload to ${url()}: the backend asked to pause uploads; $remaining ms remain, more than " +
                    "maxRetryWaitMs ($maxRetryWaitMs ms). Nothing was sent; the upload queue is kept and the SDK will " +
                    "call uploadData again.",
                remaining,
            )
        }
        delay(remaining)
    }

    /** Remembers that no request may be sent for [ms] milliseconds. */
    private fun pauseFor(ms: Long) {
        notBefore = maxOf(notBefore, System.currentTimeMillis() + ms)
    }

    /**
     * Reads the next batch from the head of the queue. A fresh read each time, so the batch
     * starts at the oldest transaction not completed yet (including ones a previous batch sent
     * but could not complete).
     */
    private suspend fun readBatch(
        queue: UploadQueue,
        clientId: String?,
    ): List<Packed> {
        val batch = mutableListOf<Packed>()
        var operations = 0
        // `{"client_id":"…","transactions":[` … `]}`: the body without transactions.
        var bytes = utf8Length(WireJson.encodeToString(SpecWriteBatch.serializer(), SpecWriteBatch(clientId, emptyList())))
        queue
            .transactions()
            .takeWhile { queued ->
                val packed = pack(queued)
                val separator = if (batch.isEmpty()) 0 else 1
                val fits =
                    operations + packed.wire.crud.size <= maxOperations &&
                        bytes.toLong() + separator + packed.bytes <= maxBytes
                // Never split: a transaction over a limit on its own goes alone.
                if (!fits && batch.isNotEmpty()) return@takeWhile false
                batch += packed
                operations += packed.wire.crud.size
                bytes += separator + packed.bytes
                fits && batch.size < maxTransactions
            }.collect()
        return batch
    }

    /**
     * Sends one batch. Returns the 200 reply or a 413 of a multi-transaction batch; throws
     * [NeedsFreshToken] on 401 and an [UploadException] on anything else.
     */
    private suspend fun send(
        client: WritePathClient,
        body: SpecWriteBatch,
        batch: List<Packed>,
    ): Sent {
        val where = "PowerSync upload to ${url()} (${describeBatch(batch)})"
        val bodyBytes = utf8Length(WireJson.encodeToString(SpecWriteBatch.serializer(), body)).toLong()
        val reply: WritePathReply
        try {
            reply = withTimeoutOrNull(timeoutMs) { client.uploadBatch(body) }
                ?: throw UploadRetryableException(
                    "$where: no reply within $timeoutMs ms (timeoutMs). The outcome is unknown; the upload queue is " +
                        "kept and the same transactions are sent again later (the backend recognises any it already applied).",
                )
        } catch (e: CancellationException) {
            // The caller's cancellation (the SDK disconnecting): not ours to turn into an error.
            throw e
        } catch (e: UploadException) {
            throw e
        } catch (e: UnexpectedResponseException) {
            return unexpected(e.status, e, null, where, batch, bodyBytes)
        } catch (e: InvalidResponseException) {
            return unexpected(e.status, e, e.headers, where, batch, bodyBytes)
        } catch (e: Exception) {
            // Anything else is the HTTP engine failing (each reports network errors its own
            // way): the outcome is unknown, so retry.
            throw UploadRetryableException(
                "$where: the request failed (${errorMessage(e)}). The outcome is unknown; the upload queue is kept " +
                    "and the same transactions are sent again later. Check the network and baseUrl.",
                null,
                e,
            )
        }
        return when (reply) {
            is WritePathReply.Results -> {
                Sent.Results(reply.body)
            }

            is WritePathReply.Failure -> {
                byStatus(reply.status, reply.body, reply.retryAfterSeconds?.let { it * 1000 }, where, batch, bodyBytes, null)
            }
        }
    }

    /**
     * Acts on a non-200 reply by its HTTP status. [body] is null when the reply's body was not the
     * protocol's error body (not JSON, as from a proxy, or JSON of another shape): the status alone
     * decides then, and [cause] is the client's exception about the body.
     */
    private fun byStatus(
        status: Int,
        body: SpecErrorResponse?,
        retryAfterMs: Long?,
        where: String,
        batch: List<Packed>,
        bodyBytes: Long,
        cause: Exception?,
    ): Sent {
        val kept = "Nothing was applied; the upload queue is kept"
        val said =
            when {
                body != null -> describeBody(body)
                cause != null -> ", with a body that is not this protocol's error body (probably from a proxy)"
                else -> ""
            }
        when (status) {
            401 -> {
                throw NeedsFreshToken(body)
            }

            413 -> {
                if (batch.size > 1) return Sent.TooLarge(bodyBytes)
                throw UploadRejectedException(
                    "$where: the transaction is too large to upload (413 for a $bodyBytes-byte request$said). It cannot " +
                        "be uploaded as it is; the upload queue is kept. Raise the backend's body limit, or have the app " +
                        "remove or shrink the transaction.",
                    413,
                    body,
                    cause,
                )
            }

            400 -> {
                throw UploadRejectedException(
                    "$where: the backend refused the request as invalid (400$said). $kept; sending it unchanged fails " +
                        "again, so this is a bug in the app, this uploader or the backend: report it.",
                    400,
                    body,
                    cause,
                )
            }

            403 -> {
                throw UploadRejectedException(
                    "$where: the user may not upload (403$said). $kept until the user's permissions change.",
                    403,
                    body,
                    cause,
                )
            }

            415 -> {
                throw UploadRejectedException(
                    "$where: the backend refused the content type (415$said). $kept; check that nothing between the app " +
                        "and the backend rewrites the request.",
                    415,
                    body,
                    cause,
                )
            }

            429, 503 -> {
                // A negative Retry-After is no pause at all.
                val pause = retryAfterMs?.takeIf { it >= 0 }
                if (pause != null) pauseFor(pause)
                val why =
                    if (status == 429) {
                        "rate limited"
                    } else {
                        "not ready (starting, stopping, or its database is unreachable)"
                    }
                val next =
                    if (pause != null) {
                        "in $pause ms at the earliest (Retry-After)"
                    } else {
                        "after the SDK's retry delay"
                    }
                throw UploadRetryableException(
                    "$where: the backend is $why ($status$said). $kept and sent again $next.",
                    pause,
                    cause,
                )
            }

            500 -> {
                throw UploadRetryableException(
                    "$where: the backend failed unexpectedly (500$said). Some transactions may have been applied; the " +
                        "upload queue is kept and the same transactions are sent again later (the backend recognises any " +
                        "it already applied).",
                    null,
                    cause,
                )
            }

            else -> {
                throw UploadProtocolException("PowerSync upload: unhandled reply status $status.", status, cause)
            }
        }
    }

    /** A reply the generated client could not map onto the spec. */
    private fun unexpected(
        status: Int,
        error: Exception,
        invalidHeaders: Map<String, List<String>>?,
        where: String,
        batch: List<Packed>,
        bodyBytes: Long,
    ): Sent {
        // A status the protocol defines, with a body that is not its error body (a proxy's page,
        // or a backend's error of another shape): act on the status as for the backend's own
        // reply. Only the 200 reply must match.
        if (invalidHeaders != null && status in ERROR_STATUSES) {
            return byStatus(status, null, retryAfterMs(invalidHeaders), where, batch, bodyBytes, error)
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw UploadRetryableException(
                "$where: HTTP $status with a reply that is not this protocol's (probably from a proxy): ${error.message}. " +
                    "The outcome is unknown; the upload queue is kept and the same transactions are sent again later.",
                null,
                error,
            )
        }
        throw UploadProtocolException(
            "$where: a reply this protocol does not allow (HTTP $status): ${error.message}. Nothing was completed; " +
                "the upload queue is kept. Check baseUrl and any proxy in front of the backend.",
            status,
            error,
        )
    }

    /**
     * Walks the results in order, completes the accepted prefix with one `complete` call, and
     * returns the exception that ended the prefix, if any.
     */
    private suspend fun applyResults(
        queue: UploadQueue,
        batch: List<Packed>,
        body: SpecWriteBatchResponse,
    ): Progress {
        val results = body.results
        if (results.size != batch.size) {
            return Progress(
                null,
                UploadProtocolException(
                    "PowerSync upload to ${url()} (${describeBatch(batch)}): the backend answered ${results.size} results " +
                        "for ${batch.size} transactions. Nothing was completed, since results cannot be matched to " +
                        "transactions; the upload queue is kept. This is a backend bug.",
                    200,
                ),
            )
        }

        var lastDone = -1
        var checkpoint: String? = null
        var stop: UploadException? = null
        var index = 0
        while (index < results.size && stop == null) {
            val packed = batch[index]
            when (val result = results[index]) {
                is SpecTransactionSuccess -> {
                    lastDone = index
                    if (result.writeCheckpoint != null) checkpoint = result.writeCheckpoint
                }

                is SpecTransactionFatalError -> {
                    if (!result.requiresClientHandling) {
                        reportDeadLetter(packed, result)
                        lastDone = index
                    } else {
                        val failure = toFailure(packed, result)
                        val decision = decide(failure)
                        if (decision.choice == ClientHandlingDecision.DISCARD) {
                            options.logger?.warn(
                                "PowerSync upload: the app discarded ${describeTransaction(packed.queued)} after the " +
                                    "backend refused it (${describeFailure(failure.failedOperation)}).",
                            )
                            lastDone = index
                        } else {
                            stop =
                                ClientHandlingRequiredException(
                                    "PowerSync upload to ${url()}: the backend refused ${describeTransaction(packed.queued)} " +
                                        "for good${describeOperation(failure.failedOperation, failure.entry)} with " +
                                        "${describeFailure(failure.failedOperation)}. It needs the app's decision and was " +
                                        "retained: it stays at the head of the upload queue, blocking later transactions, " +
                                        "until onClientHandlingRequired answers DISCARD for it.",
                                    failure,
                                    decision.error,
                                )
                        }
                    }
                }

                is SpecTransactionRetryableError -> {
                    val waitMs = result.retryAfterMs ?: defaultRetryAfterMs
                    pauseFor(waitMs)
                    val reason = if (result.message != null) ": ${result.message}" else " (it gave no reason)"
                    val defaulted =
                        if (result.retryAfterMs == null) {
                            " (the backend gave no retry_after_ms; this is the uploader's defaultRetryAfterMs)"
                        } else {
                            ""
                        }
                    stop =
                        UploadRetryableException(
                            "PowerSync upload to ${url()}: the backend could not apply ${describeTransaction(packed.queued)} " +
                                "now$reason. It and the transactions after it stay queued and are sent again in $waitMs ms " +
                                "at the earliest$defaulted.",
                            waitMs,
                        )
                }

                is SpecTransactionNotAttempted -> {
                    val reason = if (result.message != null) " (${result.message})" else ""
                    stop =
                        UploadRetryableException(
                            "PowerSync upload to ${url()}: the backend did not attempt ${describeTransaction(packed.queued)}" +
                                "$reason. It stays queued and is sent again.",
                        )
                }
            }
            index++
        }

        val completed = if (lastDone >= 0) batch[lastDone] else null
        if (completed != null) {
            // Completing the last accepted transaction completes all before it.
            queue.complete(completed.queued.lastOpId, checkpoint)
            options.logger?.debug(
                "PowerSync upload: completed ${lastDone + 1} of ${batch.size} transactions" +
                    (if (checkpoint != null) " (write checkpoint $checkpoint)" else "") + ".",
            )
        }
        // not_attempted after progress: send the rest at once instead of waiting for the SDK's
        // retry delay. Without progress it would loop, so throw.
        if (stop is UploadRetryableException && completed != null && results.getOrNull(lastDone + 1) is SpecTransactionNotAttempted) {
            stop = null
        }
        return Progress(completed, stop)
    }

    private suspend fun reportDeadLetter(
        packed: Packed,
        result: SpecTransactionFatalError,
    ) {
        val failure = toFailure(packed, result)
        val info =
            DeadLetteredTransaction(
                failure.transaction,
                failure.sent,
                failure.result,
                failure.failedOperation,
                failure.entry,
                result.deadLetterId,
            )
        options.logger?.warn(
            "PowerSync upload: the backend refused ${describeTransaction(packed.queued)}" +
                "${describeOperation(failure.failedOperation, failure.entry)} (${describeFailure(failure.failedOperation)}) " +
                "and kept it as dead letter ${result.deadLetterId ?: "(no id)"}; removing it from the local queue.",
        )
        val hook = options.onDeadLettered ?: return
        try {
            hook(info)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            options.logger?.warn("PowerSync upload: onDeadLettered threw; ignored, since the backend kept the transaction.", e)
        }
    }

    private suspend fun decide(failure: ClientHandlingFailure): Decision {
        val hook = options.onClientHandlingRequired ?: return Decision(ClientHandlingDecision.RETAIN, null)
        return try {
            Decision(hook(failure), null)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            Decision(ClientHandlingDecision.RETAIN, e)
        }
    }

    private class Decision(
        val choice: ClientHandlingDecision,
        val error: Exception?,
    )

    private class Progress(
        val completed: Packed?,
        val stop: UploadException?,
    )
}

/** A transaction read from the queue together with its wire form. */
private class Packed(
    val queued: QueuedTransaction,
    val wire: SpecCrudTransaction,
    /** UTF-8 length of the wire form's JSON. */
    val bytes: Int,
)

/** What became of one request, as far as the loop in `uploadData` cares. */
private sealed interface Sent {
    class Results(
        val body: SpecWriteBatchResponse,
    ) : Sent

    class TooLarge(
        val bodyBytes: Long,
    ) : Sent
}

/** Internal: a 401, for the caller to refresh the token once. */
private class NeedsFreshToken(
    val body: SpecErrorResponse?,
) : Exception("401 Unauthorized")

/** The statuses of the protocol's non-200 replies. */
private val ERROR_STATUSES = setOf(400, 401, 403, 413, 415, 429, 500, 503)

/**
 * `Retry-After` in milliseconds, read from a reply the client could not map (a proxy's page):
 * a number of seconds, fractions included; null when absent or not a number (an HTTP date).
 */
private fun retryAfterMs(headers: Map<String, List<String>>): Long? {
    val text = headers["retry-after"]?.firstOrNull()?.trim()
    if (text.isNullOrEmpty()) return null
    val seconds = text.toDoubleOrNull()?.takeIf { it.isFinite() } ?: return null
    return (seconds * 1000).toLong()
}

/** The wire form of a queued transaction: only keys with values are sent. */
private fun pack(queued: QueuedTransaction): Packed {
    val crud =
        queued.crud.map { entry ->
            SpecCrudEntry(
                op = entry.op,
                table = entry.table,
                id = entry.id,
                opId = entry.opId,
                transactionId = entry.transactionId,
                opData = entry.opData?.let { Optional.Present(it) } ?: Optional.Absent,
                previousValues = entry.previousValues?.let { Optional.Present(it) } ?: Optional.Absent,
                metadata = entry.metadata?.let { Optional.Present(it) } ?: Optional.Absent,
            )
        }
    val wire = SpecCrudTransaction(transactionId = queued.transactionId, crud = crud)
    return Packed(queued, wire, utf8Length(WireJson.encodeToString(SpecCrudTransaction.serializer(), wire)))
}

private fun toFailure(
    packed: Packed,
    result: SpecTransactionFatalError,
): ClientHandlingFailure {
    val index = result.failedOperation.operationIndex
    return ClientHandlingFailure(
        transaction = packed.queued,
        sent = packed.wire,
        result = result,
        failedOperation = result.failedOperation,
        entry = index?.let { packed.queued.crud.getOrNull(it) },
    )
}

/** UTF-8 byte length without encoding the text. */
private fun utf8Length(text: String): Int {
    var length = 0
    var i = 0
    while (i < text.length) {
        val code = text[i].code
        when {
            code < 0x80 -> {
                length += 1
            }

            code < 0x800 -> {
                length += 2
            }

            Character.isHighSurrogate(text[i]) && i + 1 < text.length && Character.isLowSurrogate(text[i + 1]) -> {
                length += 4
                i++
            }

            else -> {
                length += 3
            }
        }
        i++
    }
    return length
}

private fun describeTransaction(queued: QueuedTransaction): String {
    val first = queued.firstOpId
    val last = queued.lastOpId
    val ops = if (first == last) "op_id $first" else "op_id $first..$last"
    return if (queued.transactionId != null) "transaction ${queued.transactionId} ($ops)" else "the transaction with $ops"
}

private fun describeBatch(batch: List<Packed>): String {
    if (batch.isEmpty()) return "empty batch"
    val from = batch.first().queued.firstOpId
    val to = batch.last().queued.lastOpId
    val count = if (batch.size == 1) "1 transaction" else "${batch.size} transactions"
    return "$count, op_id $from..$to"
}

/** ` at operation 2 (PUT todos id …)`, or nothing when the backend named no entry. */
private fun describeOperation(
    failed: SpecFailedOperation,
    entry: QueuedEntry?,
): String {
    val index = failed.operationIndex ?: return ""
    val what = if (entry == null) "" else " (${entry.op} ${entry.table} id ${entry.id})"
    return " at operation $index$what"
}

/** `CODE: message`, or `CODE` alone when the backend sent no message. */
private fun describeFailure(failed: SpecFailedOperation): String =
    if (failed.message != null) "${failed.errorCode}: ${failed.message}" else failed.errorCode

private fun describeBody(body: SpecErrorResponse?): String {
    if (body == null) return ""
    val violations = body.violations.orEmpty()
    val listed = if (violations.isEmpty()) "" else "; " + violations.joinToString("; ") { "${it.path}: ${it.message}" }
    val code = if (body.code != null) "${body.code}: " else ""
    return " $code${body.message}$listed"
}

private fun errorMessage(error: Throwable): String {
    val own = error.message ?: error::class.simpleName ?: "unknown error"
    val cause = error.cause
    return if (cause != null && cause.message != null && cause.message != error.message) "$own: ${cause.message}" else own
}

private fun positive(
    what: String,
    value: Long,
    max: Long? = null,
): Long {
    require(value >= 1 && (max == null || value <= max)) {
        "$what must be an integer from 1${if (max != null) " to $max" else ""}, got $value."
    }
    return value
}

private fun nonNegative(
    what: String,
    value: Long,
): Long {
    require(value >= 0) { "$what must be an integer of 0 or more, got $value." }
    return value
}
