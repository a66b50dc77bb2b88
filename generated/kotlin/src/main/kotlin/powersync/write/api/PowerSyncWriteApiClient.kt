// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import io.ktor.client.HttpClient
import kotlinx.serialization.json.encodeToJsonElement

/**
 * A client for PowerSync Write API: one suspending method per operation, a typed request
 * in and the reply's class for its status out.
 *
 * Requests are checked against the spec before they are sent
 * ([InvalidRequestException]); a reply with a status the spec does not list is an
 * [UnexpectedResponseException], one whose body or headers break the spec an
 * [InvalidResponseException]. Network failures are ktor's exceptions, as thrown.
 */
class PowerSyncWriteApiClient(
    /** The server's base URL, e.g. `https://api.example.com`; the operations' paths are appended. */
    baseUrl: String,
    /** The ktor client requests go through: its engine, timeouts and plugins are the app's. */
    httpClient: HttpClient,
    /** The credential for a security scheme, by the scheme's name; `null` sends none. */
    credentials: suspend (scheme: String) -> String? = { null },
) {
    private val transport = Transport(baseUrl, httpClient, credentials)

    /**
     * Upload a batch of queued local transactions
     *
     * Applies each transaction of the batch atomically, in order, and answers one
     * result per transaction. The reply to a batch that was processed is always `200`,
     * whatever happened to the individual transactions: read `results`. Within a
     * batch, the backend stops at the first transaction that ends in
     * `retryable_error` (later ones are `not_attempted`); after a `fatal_error` it
     * either stops the same way or, under a skip policy, goes on with the next
     * transaction.
     *
     * `POST /api/data` (`uploadData`).
     */
    suspend fun uploadData(request: UploadDataRequest): UploadDataResponse {
        val reply =
            transport.send(
                "uploadData",
                emptyList(),
                WireJson.encodeToJsonElement(request.body),
            )
        return when (reply.status) {
            200 -> {
                UploadDataResponse.Status200(
                    reply.body(),
                )
            }

            400 -> {
                UploadDataResponse.Status400(
                    reply.body(),
                )
            }

            401 -> {
                UploadDataResponse.Status401(
                    reply.body(),
                )
            }

            403 -> {
                UploadDataResponse.Status403(
                    reply.body(),
                )
            }

            413 -> {
                UploadDataResponse.Status413(
                    reply.body(),
                )
            }

            415 -> {
                UploadDataResponse.Status415(
                    reply.body(),
                )
            }

            429 -> {
                UploadDataResponse.Status429(
                    reply.body(),
                    UploadData429Headers(
                        reply.header("Retry-After"),
                    ),
                )
            }

            500 -> {
                UploadDataResponse.Status500(
                    reply.body(),
                )
            }

            503 -> {
                UploadDataResponse.Status503(
                    reply.body(),
                    UploadData503Headers(
                        reply.header("Retry-After"),
                    ),
                )
            }

            else -> {
                throw reply.unexpected()
            }
        }
    }

    /**
     * Liveness probe
     *
     * Answers `200` while the process is running and able to serve HTTP, without
     * touching the database. Use it to decide whether to restart the process, not
     * whether to send it traffic (use `/ready` for that). Needs no credentials.
     *
     * `GET /health` (`health`).
     */
    suspend fun health(): HealthResponse {
        val reply =
            transport.send(
                "health",
                emptyList(),
                null,
            )
        return when (reply.status) {
            200 -> {
                HealthResponse.Status200(
                    reply.body(),
                )
            }

            else -> {
                throw reply.unexpected()
            }
        }
    }

    /**
     * Readiness probe
     *
     * Answers `200` when the backend can accept uploads (in particular, its database
     * is reachable and holds the backend's own tables at the version it needs),
     * `503` otherwise. Load balancers should route uploads only to ready instances.
     * Needs no credentials.
     *
     * `GET /ready` (`ready`).
     */
    suspend fun ready(): ReadyResponse {
        val reply =
            transport.send(
                "ready",
                emptyList(),
                null,
            )
        return when (reply.status) {
            200 -> {
                ReadyResponse.Status200(
                    reply.body(),
                )
            }

            503 -> {
                ReadyResponse.Status503(
                    reply.body(),
                    Ready503Headers(
                        reply.header("Retry-After"),
                    ),
                )
            }

            else -> {
                throw reply.unexpected()
            }
        }
    }
}
