// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import io.ktor.client.HttpClient
import io.ktor.client.request.forms.FormDataContent
import io.ktor.client.request.forms.MultiPartFormDataContent
import io.ktor.client.request.forms.formData
import io.ktor.client.request.header
import io.ktor.client.request.request
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsBytes
import io.ktor.http.ContentType
import io.ktor.http.Headers
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.Parameters
import io.ktor.http.URLBuilder
import io.ktor.http.content.ByteArrayContent
import io.ktor.http.content.OutgoingContent
import io.ktor.http.content.TextContent
import io.ktor.http.encodeURLParameter
import io.ktor.http.takeFrom
import kotlinx.serialization.DeserializationStrategy
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.boolean
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.serializer

/** The request cannot be sent as it is: it breaks the spec (the server would refuse it). */
class InvalidRequestException(
    val operation: String,
    detail: String,
) : Exception("$operation: the request cannot be sent: $detail")

/** The server answered a status the spec does not list for the operation. */
class UnexpectedResponseException(
    val operation: String,
    val status: Int,
    val body: String,
    /** The reply's headers, by lower-case name. */
    val headers: Map<String, List<String>>,
) : Exception("$operation: the server answered $status, which the spec does not list; body: ${body.take(200)}")

/**
 * The server answered a status the spec lists, but the reply does not match it:
 * its body is not JSON, or breaks the schema ([violations]). [status], [headers]
 * and [body] are the reply's, so a caller can still act on the status.
 */
class InvalidResponseException(
    val operation: String,
    val status: Int,
    val violations: List<SchemaViolation>,
    detail: String?,
    /** The reply's headers, by lower-case name. */
    val headers: Map<String, List<String>>,
    val body: String,
) : Exception(
        "$operation: the $status reply does not match the spec: " +
            (detail ?: violations.joinToString("; ") { "${it.path}: ${it.message} (${it.keyword})" }),
    )

/** Where a parameter is sent. */
internal enum class ParameterLocation { PATH, QUERY, HEADER }

/**
 * A parameter as the client writes it. [separator] joins an array's items in one
 * value (`,` in the path and headers and for `explode: false`, `" "` and `|` for
 * the delimited query styles); `null` repeats the query key per item.
 */
internal class ParameterSpec(
    val name: String,
    val location: ParameterLocation,
    val required: Boolean,
    val schema: JsonObject,
    val separator: String?,
)

/** A response header as the client reads it. */
internal class HeaderSpec(
    val name: String,
    val required: Boolean,
    val schema: JsonObject,
)

/**
 * An operation's request body. [encoding] is how it travels: `json`, `form`,
 * `multipart` (with the file properties [files]), `text` or `binary` (raw bytes).
 */
internal class BodySpec(
    val schema: JsonObject,
    val required: Boolean,
    val contentType: String,
    val encoding: String,
    val files: List<String>,
)

/**
 * One status (or `default`) of an operation: its body's schema, if it has a body,
 * how the body travels ([encoding]: `json`, `text` or `binary`), and its headers.
 */
internal class ResponseSpec(
    val body: JsonObject?,
    val encoding: String?,
    val headers: List<HeaderSpec>,
)

/** How a credential is sent: as a bearer token, or as an API key in a header or the query. */
internal class SecuritySchemeSpec(
    val bearer: Boolean,
    val location: ParameterLocation,
    val name: String,
)

/**
 * Everything the client needs to send one operation and read its reply, from the
 * package's `operations.json`. [security] lists the alternatives, each the schemes
 * that must all be sent; [responses] are by status, [fallback] is `default`.
 */
internal class OperationSpec(
    val id: String,
    val method: String,
    val path: String,
    val security: List<List<String>>,
    val parameters: List<ParameterSpec>,
    val body: BodySpec?,
    val responses: Map<Int, ResponseSpec>,
    val fallback: ResponseSpec?,
)

/** The package's `operations.json`, read once: every operation by id, and the security schemes by name. */
internal object OperationTable {
    private val table: JsonObject by lazy {
        val stream =
            OperationTable::class.java.getResourceAsStream("operations.json")
                ?: error(
                    "operations.json is missing beside ${OperationTable::class.java.name}: the package was not built from its generated sources",
                )
        WireJson.parseToJsonElement(stream.use { it.readBytes().decodeToString() }).jsonObject
    }

    val schemes: Map<String, SecuritySchemeSpec> by lazy {
        table.getValue("securitySchemes").jsonObject.mapValues { (_, value) ->
            val scheme = value.jsonObject
            SecuritySchemeSpec(
                bearer = scheme.string("type") == "bearer",
                location = if (scheme.string("location") == "query") ParameterLocation.QUERY else ParameterLocation.HEADER,
                name = scheme.string("name").orEmpty(),
            )
        }
    }

    private val operations: Map<String, OperationSpec> by lazy {
        table.getValue("operations").jsonObject.mapValues { (id, value) -> operation(id, value.jsonObject) }
    }

    fun operation(id: String): OperationSpec = operations[id] ?: error("operations.json has no operation `$id`")

    private fun operation(
        id: String,
        json: JsonObject,
    ): OperationSpec {
        val responses = json.getValue("responses").jsonObject.mapValues { (_, value) -> response(value.jsonObject) }
        return OperationSpec(
            id = id,
            method = json.string("method").orEmpty(),
            path = json.string("path").orEmpty(),
            security = json.getValue("security").jsonArray.map { alternative -> alternative.jsonArray.map { it.jsonPrimitive.content } },
            parameters =
                json.getValue("parameters").jsonArray.map {
                    val parameter = it.jsonObject
                    ParameterSpec(
                        name = parameter.string("name").orEmpty(),
                        location =
                            when (parameter.string("location")) {
                                "path" -> ParameterLocation.PATH
                                "query" -> ParameterLocation.QUERY
                                else -> ParameterLocation.HEADER
                            },
                        required = parameter.getValue("required").jsonPrimitive.boolean,
                        schema = parameter.getValue("schema").jsonObject,
                        separator = parameter.string("separator"),
                    )
                },
            body =
                (json["body"] as? JsonObject)?.let {
                    BodySpec(
                        it.getValue("schema").jsonObject,
                        it.getValue("required").jsonPrimitive.boolean,
                        it.string("contentType").orEmpty(),
                        it.string("encoding") ?: "json",
                        (it["files"] as? JsonArray).orEmpty().map { file -> file.jsonPrimitive.content },
                    )
                },
            responses = responses.filterKeys { it != "default" }.mapKeys { (status, _) -> status.toInt() },
            fallback = responses["default"],
        )
    }

    private fun response(json: JsonObject): ResponseSpec =
        ResponseSpec(
            body = json["body"] as? JsonObject,
            encoding = json.string("encoding"),
            headers =
                json.getValue("headers").jsonArray.map {
                    val header = it.jsonObject
                    HeaderSpec(
                        header.string("name").orEmpty(),
                        header.getValue("required").jsonPrimitive.boolean,
                        header.getValue("schema").jsonObject,
                    )
                },
        )

    private fun JsonObject.string(key: String): String? = (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content
}

/**
 * A reply that matches its operation's spec: [body] has passed its schema, and so
 * have the headers the spec lists ([headerValues], by the spec's header name).
 */
class Reply(
    val operation: String,
    val status: Int,
    /** The reply's headers, by lower-case name. */
    val headers: Map<String, List<String>>,
    val text: String,
    val body: JsonElement?,
    val headerValues: Map<String, JsonElement>,
    /** The body's bytes, as they arrived. */
    private val bytes: ByteArray = text.encodeToByteArray(),
) {
    /** A body of raw bytes, with the reply's media type. */
    fun file(): FileData = FileData(bytes.copyOf(), null, headers["content-type"]?.firstOrNull())

    /** The body as [T] (through [strategy]). */
    fun <T> decodeBody(strategy: DeserializationStrategy<T>): T = decode(strategy, body ?: JsonNull, "body")

    /** The header [name] as [T], or `null` when the reply does not have it. */
    fun <T> decodeHeader(
        name: String,
        strategy: DeserializationStrategy<T>,
    ): T? = headerValues[name]?.let { decode(strategy, it, "header `$name`") }

    /** The body as [T]. */
    inline fun <reified T> body(): T = decodeBody(serializer<T>())

    /** The header [name] as [T], or `null` when absent. */
    inline fun <reified T> header(name: String): T? = decodeHeader(name, serializer<T>())

    /** The required header [name] as [T] (the transport has checked that the reply has it). */
    inline fun <reified T> requiredHeader(name: String): T =
        decodeHeader(name, serializer<T>())
            ?: throw InvalidResponseException(operation, status, emptyList(), "the required header `$name` is missing", headers, text)

    /** The error for a status the generated client has no case for. */
    fun unexpected(): UnexpectedResponseException = UnexpectedResponseException(operation, status, text, headers)

    private fun <T> decode(
        strategy: DeserializationStrategy<T>,
        value: JsonElement,
        what: String,
    ): T =
        try {
            WireJson.decodeFromJsonElement(strategy, value)
        } catch (e: SerializationException) {
            throw InvalidResponseException(operation, status, emptyList(), "its $what cannot be read: ${e.message}", headers, text)
        } catch (e: IllegalArgumentException) {
            throw InvalidResponseException(operation, status, emptyList(), "its $what cannot be read: ${e.message}", headers, text)
        }
}

/**
 * Sends requests as their [OperationSpec] says and checks the replies against it:
 * the code the generated client's methods share.
 */
class Transport(
    private val baseUrl: String,
    private val httpClient: HttpClient,
    private val credentials: suspend (scheme: String) -> String?,
) {
    /**
     * Sends the operation [operationId] with [parameters] (one value per parameter
     * of the spec, in its order; `null` leaves an optional one out) and [body] (the
     * JSON value a JSON, form, multipart or text body stands for; a multipart body's
     * [files] by property; a raw body's bytes [raw]), and returns the reply once it
     * has passed the spec.
     */
    suspend fun send(
        operationId: String,
        parameters: List<JsonElement?>,
        body: JsonElement?,
        files: Map<String, List<FileData>> = emptyMap(),
        raw: FileData? = null,
    ): Reply {
        val spec = OperationTable.operation(operationId)
        val url = URLBuilder().takeFrom(baseUrl.trimEnd('/'))
        var path = spec.path
        val headers = mutableListOf<Pair<String, String>>()
        for ((parameter, value) in spec.parameters.zip(parameters)) {
            if (value == null) {
                if (parameter.required) throw InvalidRequestException(spec.id, "the required parameter `${parameter.name}` is missing")
                continue
            }
            check(spec.id, "parameter `${parameter.name}`", parameter.schema, value)
            when (parameter.location) {
                ParameterLocation.PATH -> {
                    path = path.replace("{${parameter.name}}", text(value, parameter.separator ?: ",").encodeURLParameter())
                }

                ParameterLocation.HEADER -> {
                    headers += parameter.name to text(value, parameter.separator ?: ",")
                }

                ParameterLocation.QUERY -> {
                    if (value is JsonArray && parameter.separator == null) {
                        value.forEach { url.parameters.append(parameter.name, text(it, ",")) }
                    } else {
                        url.parameters.append(parameter.name, text(value, parameter.separator ?: ","))
                    }
                }
            }
        }
        url.encodedPathSegments = url.encodedPathSegments.filter { it.isNotEmpty() } + path.trimStart('/').split('/')
        val content =
            spec.body?.let { bodySpec ->
                if (bodySpec.encoding == "binary") {
                    if (raw == null && bodySpec.required) throw InvalidRequestException(spec.id, "the required body is missing")
                    raw?.let { ByteArrayContent(it.bytes, ContentType.parse(it.contentType ?: bodySpec.contentType)) }
                } else if (body == null) {
                    if (bodySpec.required) throw InvalidRequestException(spec.id, "the required body is missing")
                    null
                } else {
                    check(spec.id, "body", bodySpec.schema, body)
                    content(spec.id, bodySpec, body, files)
                }
            }
        authorize(spec, url, headers)
        val response =
            httpClient.request(url.build()) {
                method = HttpMethod.parse(spec.method)
                headers.forEach { (name, value) -> header(name, value) }
                if (content != null) setBody(content)
            }
        return read(
            spec,
            response.status.value,
            response.headers.entries().associate { (k, v) ->
                k.lowercase() to v
            },
            response.bodyAsBytes(),
        )
    }

    /** A checked body as it travels: JSON text, a form, multipart parts or text. */
    private fun content(
        operation: String,
        spec: BodySpec,
        body: JsonElement,
        files: Map<String, List<FileData>>,
    ): OutgoingContent =
        when (spec.encoding) {
            "form" -> {
                FormDataContent(Parameters.build { fields(body).forEach { (name, value) -> append(name, value) } })
            }

            "multipart" -> {
                MultiPartFormDataContent(
                    formData {
                        for ((name, value) in fields(body)) {
                            if (name !in spec.files) append(name, value)
                        }
                        for (name in spec.files) {
                            for (file in files[name].orEmpty()) {
                                val filename = (file.filename ?: name).replace("\\", "\\\\").replace("\"", "\\\"")
                                val partHeaders =
                                    Headers.build {
                                        append(HttpHeaders.ContentType, file.contentType ?: "application/octet-stream")
                                        append(HttpHeaders.ContentDisposition, "filename=\"$filename\"")
                                    }
                                append(name, file.bytes, partHeaders)
                            }
                        }
                    },
                )
            }

            "text" -> {
                val text =
                    (body as? JsonPrimitive)?.takeIf { it.isString }?.content
                        ?: throw InvalidRequestException(operation, "its body is not text")
                val type = ContentType.parse(spec.contentType)
                TextContent(text, if (type.parameter("charset") == null) type.withParameter("charset", "utf-8") else type)
            }

            else -> {
                TextContent(WireJson.encodeToString(JsonElement.serializer(), body), ContentType.parse(spec.contentType))
            }
        }

    /** Adds the credentials of the first alternative of the spec's security whose every scheme has one. */
    private suspend fun authorize(
        spec: OperationSpec,
        url: URLBuilder,
        headers: MutableList<Pair<String, String>>,
    ) {
        for (alternative in spec.security) {
            val values = alternative.map { it to credentials(it) }
            if (values.any { it.second == null }) continue
            for ((scheme, value) in values) {
                val how =
                    OperationTable.schemes[scheme]
                        ?: throw InvalidRequestException(spec.id, "the security scheme `$scheme` is not declared")
                when {
                    how.bearer -> headers += "Authorization" to "Bearer $value"
                    how.location == ParameterLocation.QUERY -> url.parameters.append(how.name, value.orEmpty())
                    else -> headers += how.name to value.orEmpty()
                }
            }
            return
        }
    }

    private fun read(
        spec: OperationSpec,
        status: Int,
        headers: Map<String, List<String>>,
        bytes: ByteArray,
    ): Reply {
        val text = bytes.decodeToString()
        val response =
            spec.responses[status] ?: spec.fallback
                ?: throw UnexpectedResponseException(spec.id, status, text, headers)
        val invalid = { violations: List<SchemaViolation>, detail: String? ->
            InvalidResponseException(spec.id, status, violations, detail, headers, text)
        }
        val body =
            response.body?.takeIf { response.encoding != "binary" }?.let { schema ->
                val parsed =
                    if (response.encoding == "text") {
                        JsonPrimitive(text)
                    } else {
                        try {
                            WireJson.parseToJsonElement(text)
                        } catch (e: SerializationException) {
                            throw invalid(emptyList(), "its body is not JSON (${e.message?.lineSequence()?.first()})")
                        }
                    }
                val result = Validator.validateSchema(schema, parsed)
                if (result.violations.isNotEmpty()) throw invalid(result.violations, null)
                parsed
            }
        val headerValues = mutableMapOf<String, JsonElement>()
        for (header in response.headers) {
            val raw = headers[header.name.lowercase()]?.joinToString(",")
            if (raw == null) {
                if (header.required) throw invalid(emptyList(), "the required header `${header.name}` is missing")
                continue
            }
            val value = headerValue(raw.trim(), header.schema)
            val result = Validator.validateSchema(header.schema, value)
            if (result.violations.isNotEmpty()) {
                throw invalid(result.violations.map { it.copy(path = "header `${header.name}`${it.path.removePrefix("$")}") }, null)
            }
            headerValues[header.name] = value
        }
        return Reply(spec.id, status, headers, text, body, headerValues, bytes)
    }

    private fun check(
        operation: String,
        what: String,
        schema: JsonObject,
        value: JsonElement,
    ) {
        val result = Validator.validateSchema(schema, value)
        if (result.violations.isNotEmpty()) {
            val listed = result.violations.joinToString("; ") { "${it.path}: ${it.message} (${it.keyword})" }
            throw InvalidRequestException(operation, "its $what does not match the spec: $listed")
        }
    }
}

/** A parameter's text: a string as it is, other scalars as JSON writes them, an array's items joined by [separator]. */
private fun text(
    value: JsonElement,
    separator: String,
): String =
    when (value) {
        is JsonArray -> value.joinToString(separator) { text(it, separator) }
        is JsonPrimitive -> value.content
        is JsonObject -> value.toString()
    }

/** A form's fields: a `name=value` pair per property, an array's one per item, `null`s left out. */
private fun fields(body: JsonElement): List<Pair<String, String>> =
    (body as? JsonObject).orEmpty().flatMap { (name, value) ->
        val items = if (value is JsonArray) value else listOf(value)
        items.filter { it !is JsonNull }.map { name to text(it, ",") }
    }

/** A header's text as the JSON value its schema describes: a number, a boolean, an array of them or a string. */
private fun headerValue(
    raw: String,
    schema: JsonObject,
): JsonElement =
    when (schema["type"]?.jsonPrimitive?.content) {
        "integer", "number" -> {
            raw.toBigDecimalOrNull()?.let { JsonPrimitive(it) } ?: JsonPrimitive(raw)
        }

        "boolean" -> {
            raw.toBooleanStrictOrNull()?.let { JsonPrimitive(it) } ?: JsonPrimitive(raw)
        }

        "array" -> {
            val items = schema["items"] as? JsonObject ?: JsonObject(emptyMap())
            JsonArray(raw.split(',').map { headerValue(it.trim(), items) })
        }

        else -> {
            JsonPrimitive(raw)
        }
    }
