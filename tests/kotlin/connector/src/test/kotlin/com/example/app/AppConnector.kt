package com.example.app

import com.powersync.connectors.PowerSyncCredentials
import io.ktor.client.HttpClient
import powersync.write.api.ClientHandlingDecision
import powersync.write.api.PowerSyncWriteConnector
import powersync.write.api.UploadLimits
import powersync.write.api.UploaderOptions

/** The app's sign-in state: anything that hands out the user's access token. */
interface AuthRepository {
    /** The access token, or null when signed out; forceRefresh asks for a freshly issued one. */
    suspend fun accessToken(forceRefresh: Boolean): String?
}

class AppConnector(
    private val auth: AuthRepository,
    httpClient: HttpClient,
    /** Shows the user a change that was not applied. */
    report: (String) -> Unit,
) : PowerSyncWriteConnector(
        UploaderOptions(
            baseUrl = "https://api.example.com",
            // Called with forceRefresh = true once after a 401; then the request is sent again.
            fetchToken = { forceRefresh -> auth.accessToken(forceRefresh) },
            httpClient = httpClient,
            limits = UploadLimits(maxTransactions = 50, maxOperations = 1000, maxBytes = 2 * 1024 * 1024),
            timeoutMs = 30_000,
            // A change the backend refused and did not keep: the app decides.
            onClientHandlingRequired = { failure ->
                // Only errorCode is always there: some backends leave out message and
                // operationIndex (then failure.entry is null).
                val failed = failure.failedOperation
                report("${failure.entry?.table ?: "a change"} was refused: ${failed.errorCode} ${failed.message.orEmpty()}")
                // RETAIN keeps it queued (blocking later changes) until the app resolves it;
                // DISCARD drops it from the queue.
                ClientHandlingDecision.RETAIN
            },
            // A change the backend refused but kept as a dead letter; it leaves the local queue.
            onDeadLettered = { dead ->
                report("kept by the backend as ${dead.deadLetterId}: ${dead.failedOperation.message ?: dead.failedOperation.errorCode}")
            },
        ),
    ) {
    override suspend fun fetchCredentials(): PowerSyncCredentials? {
        val token = auth.accessToken(forceRefresh = false) ?: return null
        return PowerSyncCredentials(endpoint = "https://sync.example.com", token = token)
    }
}
