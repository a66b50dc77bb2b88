// The file name is the one the generated package uses for it (see the Kotlin contract).
@file:Suppress("ktlint:standard:filename")

package powersync.write.api

/** One reply to an upload request, as the connector acts on it. */
internal sealed interface WritePathReply {
    /** 200: one result per transaction of the request. */
    data class Results(
        val body: SpecWriteBatchResponse,
    ) : WritePathReply

    /** 400, 401, 403, 413, 415, 429, 500, 503 with the protocol's error body. */
    data class Failure(
        val status: Int,
        val body: SpecErrorResponse,
        /** `Retry-After` in seconds (429 and 503 only), when the reply carried one. */
        val retryAfterSeconds: Long?,
    ) : WritePathReply
}
