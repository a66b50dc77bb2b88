// The file name is the one the generated package uses for it (see the Kotlin contract).
@file:Suppress("ktlint:standard:filename")

package powersync.write.api

import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.content.TextContent
import kotlinx.serialization.DeserializationStrategy
import kotlinx.serialization.SerializationException

// Stand-in for the generated client (see /work/notes/kotlin-contract.md): no schema
// validation beyond what decoding into the models checks.

class PowerSyncWriteApiClient(
    val baseUrl: String,
    val httpClient: HttpClient,
    /** The credential for a security scheme, by scheme name; null sends none. */
    val credentials: suspend (scheme: String) -> String? = { null },
) {
    private val base = baseUrl.trimEnd('/')

    suspend fun uploadData(request: UploadDataRequest): UploadDataResponse {
        val operation = "uploadData"
        val text = WireJson.encodeToString(WriteBatch.serializer(), request.body)
        val token = credentials("bearerAuth")
        val response =
            httpClient.post("$base/api/data") {
                if (token != null) header(HttpHeaders.Authorization, "Bearer $token")
                setBody(TextContent(text, ContentType.Application.Json))
            }
        val reply = Reply.read(operation, response)
        return when (reply.status) {
            200 -> {
                UploadDataResponse.Status200(reply.decode(WriteBatchResponse.serializer()))
            }

            400 -> {
                UploadDataResponse.Status400(reply.decode(ErrorResponse.serializer()))
            }

            401 -> {
                UploadDataResponse.Status401(reply.decode(ErrorResponse.serializer()))
            }

            403 -> {
                UploadDataResponse.Status403(reply.decode(ErrorResponse.serializer()))
            }

            413 -> {
                UploadDataResponse.Status413(reply.decode(ErrorResponse.serializer()))
            }

            415 -> {
                UploadDataResponse.Status415(reply.decode(ErrorResponse.serializer()))
            }

            429 -> {
                val headers = UploadData429Headers(reply.retryAfter())
                UploadDataResponse.Status429(reply.decode(ErrorResponse.serializer()), headers)
            }

            500 -> {
                UploadDataResponse.Status500(reply.decode(ErrorResponse.serializer()))
            }

            503 -> {
                val headers = UploadData503Headers(reply.retryAfter())
                UploadDataResponse.Status503(reply.decode(ErrorResponse.serializer()), headers)
            }

            else -> {
                throw reply.unexpected()
            }
        }
    }

    suspend fun health(): HealthResponse {
        val reply = Reply.read("health", httpClient.get("$base/health"))
        return when (reply.status) {
            200 -> HealthResponse.Status200(reply.decode(HealthStatus.serializer()))
            else -> throw reply.unexpected()
        }
    }

    suspend fun ready(): ReadyResponse {
        val reply = Reply.read("ready", httpClient.get("$base/ready"))
        return when (reply.status) {
            200 -> {
                ReadyResponse.Status200(reply.decode(HealthStatus.serializer()))
            }

            503 -> {
                val headers = Ready503Headers(reply.retryAfter())
                ReadyResponse.Status503(reply.decode(ErrorResponse.serializer()), headers)
            }

            else -> {
                throw reply.unexpected()
            }
        }
    }

    private class Reply(
        val operation: String,
        val status: Int,
        val headers: Map<String, List<String>>,
        val body: String,
    ) {
        fun <T> decode(deserializer: DeserializationStrategy<T>): T {
            val json =
                try {
                    WireJson.parseToJsonElement(body)
                } catch (e: SerializationException) {
                    throw invalid("the body is not JSON (${e.message})")
                }
            return try {
                WireJson.decodeFromJsonElement(deserializer, json)
            } catch (e: SerializationException) {
                throw invalid("the body does not match the schema (${e.message})")
            } catch (e: IllegalArgumentException) {
                throw invalid("the body does not match the schema (${e.message})")
            }
        }

        fun retryAfter(): Long? {
            val text = headers["retry-after"]?.firstOrNull()?.trim() ?: return null
            val seconds = text.toLongOrNull()
            if (seconds == null || seconds < 0) {
                throw invalid("the Retry-After header \"$text\" is not a whole number of seconds")
            }
            return seconds
        }

        fun unexpected(): UnexpectedResponseException = UnexpectedResponseException(operation, status, body, headers)

        private fun invalid(detail: String): InvalidResponseException =
            InvalidResponseException(operation, status, emptyList(), detail, headers, body)

        companion object {
            suspend fun read(
                operation: String,
                response: HttpResponse,
            ): Reply {
                val headers = mutableMapOf<String, List<String>>()
                response.headers.forEach { name, values -> headers[name.lowercase()] = values }
                return Reply(operation, response.status.value, headers, response.bodyAsText())
            }
        }
    }
}
