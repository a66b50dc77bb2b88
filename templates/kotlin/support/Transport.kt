package powersync.write.api

/** A request the client refused to send because it does not match the spec. */
class InvalidRequestException(
    val operation: String,
    detail: String,
) : Exception("$operation: the request does not match the API specification: $detail")

/** A reply with a status the spec does not list for the operation (for example a proxy's 502 or 404 page). */
class UnexpectedResponseException(
    val operation: String,
    val status: Int,
    val body: String,
    /** Lower-case header names. */
    val headers: Map<String, List<String>>,
) : Exception("$operation: HTTP $status is not a status the API specification lists for this operation")

/** A reply with a listed status whose body or headers do not match the spec (not JSON, or schema violations). */
class InvalidResponseException(
    val operation: String,
    val status: Int,
    val violations: List<SchemaViolation>,
    detail: String?,
    /** Lower-case header names. */
    val headers: Map<String, List<String>>,
    val body: String,
) : Exception(describeInvalidResponse(operation, status, violations, detail))

private fun describeInvalidResponse(
    operation: String,
    status: Int,
    violations: List<SchemaViolation>,
    detail: String?,
): String {
    val listed = violations.take(5).joinToString("; ") { "${it.path}: ${it.message}" }
    val more = if (violations.size > 5) "; and ${violations.size - 5} more" else ""
    val why = listOfNotNull(detail, listed.ifEmpty { null }).joinToString("; ")
    return "$operation: the HTTP $status reply does not match the API specification" +
        (if (why.isEmpty()) "" else ": $why") + more
}
