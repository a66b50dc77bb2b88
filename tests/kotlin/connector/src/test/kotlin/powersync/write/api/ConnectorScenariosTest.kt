package powersync.write.api

import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.exists
import kotlin.io.path.isDirectory
import kotlin.io.path.name
import kotlin.io.path.readText

/**
 * Replays every file of tests/connector-scenarios (the format is that folder's README) against
 * the real [PowerSyncWriteUploader]: a real HTTP server on 127.0.0.1 answers the scripted replies
 * and an in-memory queue with the SDKs' semantics holds the transactions. One test per file,
 * named by it. Every `expect` key is checked, and a key the format does not define fails the
 * scenario, so a typo cannot make a check vanish. The TypeScript connector's tests replay the
 * same files.
 */
class ConnectorScenariosTest {
    @Test
    fun `tests-connector-scenarios holds the scenarios`() {
        assertTrue(scenarioFiles().size >= 50, "only ${scenarioFiles().size} scenario files in ${scenariosDir()}")
    }

    @TestFactory
    fun scenarios(): List<DynamicTest> =
        scenarioFiles().map { file ->
            DynamicTest.dynamicTest(file.name.removeSuffix(".json")) { runScenario(file) }
        }

    companion object {
        /** The repository root: the nearest folder up from here holding Cargo.toml and runtime/. */
        fun repoRoot(): Path {
            var dir: Path? = Paths.get("").toAbsolutePath()
            while (dir != null) {
                if (dir.resolve("Cargo.toml").exists() && dir.resolve("runtime").isDirectory()) return dir
                dir = dir.parent
            }
            error("no folder holding Cargo.toml and runtime/ above ${Paths.get("").toAbsolutePath()}: run the tests inside the repository")
        }

        fun scenariosDir(): Path = repoRoot().resolve("tests/connector-scenarios")

        fun scenarioFiles(): List<Path> =
            Files.list(scenariosDir()).use { files ->
                files.filter { it.name.endsWith(".json") }.sorted().toList()
            }
    }
}

private fun fail(message: String): Nothing = throw AssertionError(message)

private fun obj(
    value: JsonElement?,
    where: String,
): JsonObject = value as? JsonObject ?: fail("$where must be an object")

private fun arr(
    value: JsonElement?,
    where: String,
): JsonArray = value as? JsonArray ?: fail("$where must be an array")

private fun str(
    value: JsonElement?,
    where: String,
): String {
    val primitive = value as? JsonPrimitive
    if (primitive == null || !primitive.isString) fail("$where must be a string")
    return primitive.content
}

private fun num(
    value: JsonElement?,
    where: String,
): Long {
    val primitive = value as? JsonPrimitive
    if (primitive == null || primitive.isString) fail("$where must be a number")
    return primitive.longOrNull ?: fail("$where must be an integer")
}

private fun keys(
    value: JsonObject,
    where: String,
    allowed: List<String>,
) {
    for (key in value.keys) {
        if (key !in allowed) fail("$where has the key \"$key\", which the format does not define")
    }
}

private fun fillQueue(
    queue: FakeQueue,
    transactions: JsonArray,
) {
    var opId = 0L
    transactions.forEachIndexed { index, value ->
        val where = "queue[$index]"
        val transaction = obj(value, where)
        keys(transaction, where, listOf("transaction_id", "crud"))
        val transactionId = transaction["transaction_id"]?.let { num(it, "$where.transaction_id") }
        val crud = arr(transaction["crud"], "$where.crud")
        if (crud.isEmpty()) fail("$where.crud is empty")
        if (transactionId == null && crud.size != 1) fail("$where has no transaction_id, so it must hold a single entry")
        crud.forEachIndexed { i, entryValue ->
            val at = "$where.crud[$i]"
            val entry = obj(entryValue, at)
            keys(entry, at, listOf("op", "table", "id", "op_data", "previous_values", "metadata"))
            val op =
                when (val name = str(entry["op"], "$at.op")) {
                    "PUT" -> UpdateType.PUT
                    "PATCH" -> UpdateType.PATCH
                    "DELETE" -> UpdateType.DELETE
                    else -> fail("$at.op: $name is not an op of this protocol")
                }
            opId += 1
            queue.entries +=
                QueuedEntry(
                    opId = opId,
                    id = str(entry["id"], "$at.id"),
                    op = op,
                    table = str(entry["table"], "$at.table"),
                    transactionId = transactionId,
                    opData = entry["op_data"]?.let { obj(it, "$at.op_data") },
                    previousValues = entry["previous_values"]?.let { obj(it, "$at.previous_values") },
                    metadata = entry["metadata"]?.let { str(it, "$at.metadata") },
                )
        }
    }
}

private fun reply(
    value: JsonElement,
    where: String,
): ScriptedReply {
    val given = obj(value, where)
    keys(given, where, listOf("status", "body", "body_text", "content_type", "headers", "all_success", "hang", "close"))
    if (given["hang"] == JsonPrimitive(true)) return ScriptedReply.Hang
    if (given["close"] == JsonPrimitive(true)) return ScriptedReply.Close
    val status = given["status"]?.let { num(it, "$where.status").toInt() } ?: 200
    val headers =
        obj(given["headers"] ?: JsonObject(emptyMap()), "$where.headers").mapValues { (name, text) ->
            str(text, "$where.headers.$name")
        }
    val allSuccess = given["all_success"]
    if (allSuccess != null) {
        val options = obj(allSuccess, "$where.all_success")
        keys(options, "$where.all_success", listOf("first_checkpoint"))
        val first = options["first_checkpoint"]?.let { num(it, "$where.first_checkpoint") }
        return ScriptedReply.Computed { request ->
            val transactions = ((request.json as JsonObject)["transactions"] as JsonArray)
            val results =
                buildJsonArray {
                    transactions.indices.forEach { index ->
                        add(
                            buildJsonObject {
                                put("status", JsonPrimitive("success"))
                                if (first != null) put("write_checkpoint", JsonPrimitive((first + index).toString()))
                            },
                        )
                    }
                }
            ScriptedReply.Send(status, headers, JsonObject(mapOf("results" to results)).toString(), "application/json")
        }
    }
    val bodyText = given["body_text"]
    if (bodyText != null) {
        val contentType = given["content_type"]?.let { str(it, "$where.content_type") } ?: "text/html"
        return ScriptedReply.Send(status, headers, str(bodyText, "$where.body_text"), contentType)
    }
    // Any JSON body, a string one included, goes out as JSON.
    val body = given["body"] ?: JsonObject(emptyMap())
    return ScriptedReply.Send(status, headers, body.toString(), "application/json")
}

/** What a hook call is compared as. */
private fun hookRecord(
    transaction: QueuedTransaction,
    failed: FailedOperation,
    entry: QueuedEntry?,
    deadLetterId: String?,
    withDeadLetterId: Boolean,
): Map<String, JsonElement> {
    val record =
        mutableMapOf<String, JsonElement>(
            "op_ids" to JsonArray(transaction.crud.map { JsonPrimitive(it.opId) }),
            "error_code" to JsonPrimitive(failed.errorCode),
            "operation_index" to (failed.operationIndex?.let { JsonPrimitive(it) } ?: JsonNull),
            "entry_op_id" to (entry?.opId?.let { JsonPrimitive(it) } ?: JsonNull),
        )
    if (withDeadLetterId) record["dead_letter_id"] = deadLetterId?.let { JsonPrimitive(it) } ?: JsonNull
    val details = failed.details
    if (details is Optional.Present) record["details"] = details.value
    return record
}

private fun checkHookCalls(
    expected: JsonArray,
    actual: List<Map<String, JsonElement>>,
    where: String,
    allowed: List<String>,
) {
    assertEquals(expected.size, actual.size, "$where: the hook was called ${actual.size} times, expected ${expected.size}: $actual")
    expected.forEachIndexed { index, value ->
        val want = obj(value, "$where[$index]")
        keys(want, "$where[$index]", allowed)
        val got = actual[index]
        for ((key, wanted) in want) {
            if (key == "details" && "details" !in got) fail("$where[$index]: the failure carried no details")
            assertEquals(wanted, got[key] ?: JsonNull, "$where[$index].$key")
        }
    }
}

private fun jsonOf(value: Any?): JsonElement =
    when (value) {
        null -> JsonNull
        is String -> JsonPrimitive(value)
        is Number -> JsonPrimitive(value)
        is Boolean -> JsonPrimitive(value)
        is List<*> -> JsonArray(value.map { jsonOf(it) })
        is JsonElement -> value
        else -> error("no JSON form for $value")
    }

private fun checkError(
    expected: JsonElement,
    outcome: UploadException?,
    where: String,
) {
    if (expected is JsonNull) {
        if (outcome != null) throw AssertionError("$where: the call threw ${outcome.message}, expected no error", outcome)
        return
    }
    val want = obj(expected, "$where.error")
    keys(
        want,
        "$where.error",
        listOf("kind", "retry_after_ms", "status", "code", "violations", "table", "operation_index", "error_code", "message_contains"),
    )
    val kind = str(want["kind"], "$where.error.kind")
    val matches =
        when (kind) {
            "retryable" -> outcome is UploadRetryableException
            "rejected" -> outcome is UploadRejectedException
            "authentication" -> outcome is UploadAuthenticationException
            "client_handling_required" -> outcome is ClientHandlingRequiredException
            "protocol" -> outcome is UploadProtocolException
            else -> fail("$where.error.kind: unknown $kind")
        }
    if (!matches) {
        throw AssertionError(
            "$where: expected a $kind error, got ${outcome?.let { "${it::class.simpleName}: ${it.message}" }}",
            outcome,
        )
    }
    val error = outcome!!
    val message = error.message.orEmpty()

    fun field(
        key: String,
        actual: Any?,
    ) {
        val wanted = want[key] ?: return
        assertEquals(wanted, jsonOf(actual), "$where.error.$key ($message)")
    }
    val retryAfterMs = (error as? UploadRetryableException)?.retryAfterMs
    if (want["retry_after_ms"] == JsonPrimitive("set")) {
        assertTrue(retryAfterMs != null, "$where.error.retry_after_ms: none set ($message)")
    } else {
        field("retry_after_ms", retryAfterMs)
    }
    field(
        "status",
        when (error) {
            is UploadRejectedException -> error.status
            is UploadAuthenticationException -> error.status
            is UploadProtocolException -> error.status
            else -> null
        },
    )
    field("code", (error as? UploadRejectedException)?.code)
    if (want["violations"] != null) {
        val violations = (error as? UploadRejectedException)?.violations.orEmpty()
        field(
            "violations",
            JsonArray(violations.map { JsonObject(mapOf("path" to JsonPrimitive(it.path), "keyword" to JsonPrimitive(it.keyword))) }),
        )
    }
    field("table", (error as? ClientHandlingRequiredException)?.table)
    field("operation_index", (error as? ClientHandlingRequiredException)?.operationIndex)
    field("error_code", (error as? ClientHandlingRequiredException)?.errorCode)
    for (text in arr(want["message_contains"] ?: JsonArray(emptyList()), "$where.error.message_contains")) {
        val part = str(text, "$where.error.message_contains[]")
        assertTrue(message.contains(part), "$where: the message does not contain \"$part\": $message")
    }
    // No message shows a field the backend left out.
    assertTrue(!Regex("\\bnull\\b").containsMatchIn(message), "$where: $message")
}

private fun opIdsOf(request: RecordedRequest): JsonElement {
    val transactions = (request.json as? JsonObject)?.get("transactions") as? JsonArray ?: return JsonArray(emptyList())
    return JsonArray(
        transactions.map { transaction ->
            JsonArray(((transaction as JsonObject)["crud"] as JsonArray).map { (it as JsonObject)["op_id"] ?: JsonNull })
        },
    )
}

private fun checkRequests(
    expected: JsonArray,
    requests: List<RecordedRequest>,
    previous: RecordedRequest?,
    previousCallLastReplyNanos: Long?,
    where: String,
) {
    assertEquals(
        expected.size,
        requests.size,
        "$where: ${requests.size} requests, expected ${expected.size}: ${requests.map { opIdsOf(it) }}",
    )
    expected.forEachIndexed { index, value ->
        val at = "$where.expect.requests[$index]"
        val want = obj(value, at)
        keys(want, at, listOf("authorization", "op_ids", "body", "same_body_as_previous", "delay_ms_at_least"))
        val request = requests[index]
        want["authorization"]?.let { assertEquals(it, jsonOf(request.headers["authorization"]), "$at.authorization") }
        want["op_ids"]?.let { assertEquals(it, opIdsOf(request), "$at.op_ids") }
        want["body"]?.let { assertEquals(it, request.json, "$at.body") }
        if (want["same_body_as_previous"] == JsonPrimitive(true)) {
            val before = if (index > 0) requests[index - 1] else previous
            assertTrue(before != null, "$at: there is no previous request")
            assertEquals(before!!.text, request.text, "$at.same_body_as_previous")
        }
        want["delay_ms_at_least"]?.let {
            val least = num(it, "$at.delay_ms_at_least")
            assertTrue(previousCallLastReplyNanos != null, "$at: no reply of an earlier call to measure from")
            val waitedMs = (request.receivedAtNanos - previousCallLastReplyNanos!!) / 1_000_000.0
            // The server's clock against the uploader's System.currentTimeMillis(): 5 ms of slack.
            assertTrue(waitedMs >= least - 5, "$at: sent $waitedMs ms after the previous call's last reply, expected at least $least")
        }
    }
}

private fun runScenario(file: Path) {
    val root = obj(WireJson.parseToJsonElement(file.readText()), "the scenario")
    keys(root, "the scenario", listOf("description", "options", "tokens", "client_id", "queue", "hooks", "calls"))
    str(root["description"], "description")
    val tokens: List<String?> =
        root["tokens"]?.let { list -> arr(list, "tokens").map { if (it is JsonNull) null else str(it, "tokens[]") } }
            ?: listOf("token-1", "token-2", "token-3")
    val clientId: String? =
        when (val given = root["client_id"]) {
            null -> "client-1"
            is JsonNull -> null
            else -> str(given, "client_id")
        }
    // The SDKs' queue semantics; the runner numbers the entries itself.
    val queue = FakeQueue(clientId)
    fillQueue(queue, arr(root["queue"], "queue"))
    val hooks = root["hooks"]?.let { obj(it, "hooks") } ?: JsonObject(emptyMap())
    keys(hooks, "hooks", listOf("client_handling", "dead_lettered"))
    val answers = hooks["client_handling"]?.let { list -> arr(list, "hooks.client_handling").map { str(it, "hooks.client_handling[]") } }
    val remainingAnswers = answers?.toMutableList()
    val deadLetteredThrows =
        when (val given = hooks["dead_lettered"]) {
            null -> false
            JsonPrimitive("throw") -> true
            else -> fail("hooks.dead_lettered must be \"throw\", got $given")
        }

    val tokenCalls = mutableListOf<Boolean>()
    val deadLettered = mutableListOf<Map<String, JsonElement>>()
    val clientHandling = mutableListOf<Map<String, JsonElement>>()

    val given = root["options"]?.let { obj(it, "options") } ?: JsonObject(emptyMap())
    keys(given, "options", listOf("maxTransactions", "maxOperations", "maxBytes", "maxRetryWaitMs", "defaultRetryAfterMs", "timeoutMs"))

    fun option(key: String): Long? = given[key]?.let { num(it, "options.$key") }
    val defaults = UploadLimits()

    FakeServer().use { server ->
        HttpClient(CIO).use { httpClient ->
            val options =
                UploaderOptions(
                    baseUrl = server.url,
                    fetchToken = { forceRefresh ->
                        tokenCalls += forceRefresh
                        if (tokenCalls.size > tokens.size) {
                            fail("the token function was called ${tokenCalls.size} times; tokens has ${tokens.size}")
                        }
                        tokens[tokenCalls.size - 1]
                    },
                    httpClient = httpClient,
                    limits =
                        UploadLimits(
                            maxTransactions = option("maxTransactions")?.toInt() ?: defaults.maxTransactions,
                            maxOperations = option("maxOperations")?.toInt() ?: defaults.maxOperations,
                            maxBytes = option("maxBytes")?.toInt() ?: defaults.maxBytes,
                        ),
                    timeoutMs = option("timeoutMs") ?: DEFAULT_TIMEOUT_MS,
                    maxRetryWaitMs = option("maxRetryWaitMs") ?: DEFAULT_MAX_RETRY_WAIT_MS,
                    defaultRetryAfterMs = option("defaultRetryAfterMs") ?: DEFAULT_RETRY_AFTER_MS,
                    onDeadLettered = { info ->
                        deadLettered += hookRecord(info.transaction, info.failedOperation, info.entry, info.deadLetterId, true)
                        if (deadLetteredThrows) throw IllegalStateException("dead-letter hook broke")
                    },
                    onClientHandlingRequired =
                        if (remainingAnswers == null) {
                            null
                        } else {
                            { failure ->
                                clientHandling += hookRecord(failure.transaction, failure.failedOperation, failure.entry, null, false)
                                when (val answer = remainingAnswers.removeFirstOrNull()) {
                                    "retain" -> ClientHandlingDecision.RETAIN
                                    "discard" -> ClientHandlingDecision.DISCARD
                                    "throw" -> throw IllegalStateException("hook broke")
                                    null -> fail("onClientHandlingRequired was called more often than hooks.client_handling has answers")
                                    else -> fail("unknown client_handling answer $answer")
                                }
                            }
                        },
                )
            val uploader = PowerSyncWriteUploader(options)

            val calls = arr(root["calls"], "calls")
            if (calls.isEmpty()) fail("calls is empty")
            var requestsBefore = 0
            var previousCallLastReplyNanos: Long? = null
            calls.forEachIndexed { index, callValue ->
                val where = "calls[$index]"
                val call = obj(callValue, where)
                keys(call, where, listOf("replies", "expect"))
                server.push(
                    arr(call["replies"] ?: JsonArray(emptyList()), "$where.replies").mapIndexed {
                        i,
                        r,
                        ->
                        reply(r, "$where.replies[$i]")
                    },
                )
                val expect = obj(call["expect"], "$where.expect")
                keys(
                    expect,
                    "$where.expect",
                    listOf("requests", "token_requests", "completions", "dead_lettered", "client_handling", "error", "remaining_op_ids"),
                )
                val tokensBefore = tokenCalls.size
                val completionsBefore = queue.completions.size
                val deadBefore = deadLettered.size
                val handlingBefore = clientHandling.size

                val outcome: UploadException? =
                    try {
                        runBlocking { uploader.uploadData(queue) }
                        null
                    } catch (e: UploadException) {
                        e
                    }

                val requests = server.requests.subList(requestsBefore, server.requests.size).toList()
                val previous = server.requests.getOrNull(requestsBefore - 1)
                requestsBefore = server.requests.size
                assertEquals(0, server.unused, "$where: scripted replies were not requested")
                for (request in requests) {
                    assertEquals("POST", request.method, "$where: method")
                    assertEquals("/api/data", request.path, "$where: path")
                    assertTrue(
                        request.headers["content-type"].orEmpty().startsWith("application/json"),
                        "$where: content-type ${request.headers}",
                    )
                }
                expect["requests"]?.let {
                    checkRequests(
                        arr(it, "$where.expect.requests"),
                        requests,
                        previous,
                        previousCallLastReplyNanos,
                        where,
                    )
                }
                expect["token_requests"]?.let { wanted ->
                    assertEquals(wanted, jsonOf(tokenCalls.drop(tokensBefore)), "$where: token requests (forceRefresh)")
                }
                expect["completions"]?.let { completions ->
                    val wanted =
                        arr(completions, "$where.expect.completions").mapIndexed { i, c ->
                            val completion = obj(c, "$where.expect.completions[$i]")
                            keys(completion, "$where.expect.completions[$i]", listOf("up_to_op_id", "checkpoint"))
                            JsonObject(
                                mapOf(
                                    "up_to_op_id" to (completion["up_to_op_id"] ?: JsonNull),
                                    "checkpoint" to (completion["checkpoint"] ?: JsonNull),
                                ),
                            )
                        }
                    val actual =
                        queue.completions.drop(completionsBefore).map {
                            JsonObject(mapOf("up_to_op_id" to JsonPrimitive(it.upToOpId), "checkpoint" to jsonOf(it.checkpoint)))
                        }
                    assertEquals(wanted, actual, "$where: completions")
                }
                expect["dead_lettered"]?.let {
                    checkHookCalls(
                        arr(it, "$where.expect.dead_lettered"),
                        deadLettered.drop(deadBefore),
                        "$where.expect.dead_lettered",
                        listOf("op_ids", "dead_letter_id", "error_code", "operation_index", "entry_op_id", "details"),
                    )
                }
                expect["client_handling"]?.let {
                    checkHookCalls(
                        arr(it, "$where.expect.client_handling"),
                        clientHandling.drop(handlingBefore),
                        "$where.expect.client_handling",
                        listOf("op_ids", "error_code", "operation_index", "entry_op_id", "details"),
                    )
                }
                if ("error" in expect) {
                    checkError(expect["error"]!!, outcome, where)
                } else if (outcome != null) {
                    // An exception no scenario asked about is still reported, not swallowed.
                    throw AssertionError("$where: the call threw ${outcome.message}", outcome)
                }
                expect["remaining_op_ids"]?.let {
                    assertEquals(it, jsonOf(queue.entries.map { entry -> entry.opId }), "$where: op_ids still queued")
                }
                previousCallLastReplyNanos = server.lastReplyAtNanos
            }
        }
    }
}
