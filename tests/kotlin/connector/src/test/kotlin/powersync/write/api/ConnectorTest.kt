package powersync.write.api

import com.powersync.PowerSyncDatabase
import com.powersync.connectors.PowerSyncCredentials
import com.powersync.db.crud.CrudEntry
import com.powersync.db.crud.CrudRow
import com.powersync.db.schema.Column
import com.powersync.db.schema.Schema
import com.powersync.db.schema.Table
import com.powersync.inMemory
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** What the connector scenarios cannot express: values' JSON types, the SDK adapter, options, cancellation. */
class ConnectorTest {
    private fun successFor(checkpoint: Long): ScriptedReply =
        ScriptedReply.Computed { request ->
            val count = (request.json as JsonObject)["transactions"]!!.jsonArray.size
            val results = (0 until count).joinToString(",") { """{"status":"success","write_checkpoint":"${checkpoint + it}"}""" }
            ScriptedReply.Send(200, emptyMap(), """{"results":[$results]}""", "application/json")
        }

    private fun options(
        server: FakeServer,
        httpClient: HttpClient,
        timeoutMs: Long = DEFAULT_TIMEOUT_MS,
    ) = UploaderOptions(
        baseUrl = server.url,
        fetchToken = { "token-1" },
        httpClient = httpClient,
        timeoutMs = timeoutMs,
    )

    /** The op_data of the only entry of the only transaction of the only request. */
    private fun sentOpData(server: FakeServer): JsonObject {
        assertEquals(1, server.requests.size)
        val transactions =
            server.requests[0]
                .json!!
                .jsonObject["transactions"]!!
                .jsonArray
        return transactions[0]
            .jsonObject["crud"]!!
            .jsonArray[0]
            .jsonObject["op_data"]!!
            .jsonObject
    }

    @Test
    fun `values read by the SDK keep their JSON types on the wire, int64 edges included`() {
        // The SDK's own parsing of a queued row (ps_crud's JSON), then the uploader.
        val data =
            """{"op":"PUT","type":"todos","id":"row-1","data":{"big":5000000000,"min":-9223372036854775808,""" +
                """"max":9223372036854775807,"yes":true,"no":false,"none":null,"half":0.5,"tiny":1.0E-300,"text":"5"}}"""
        val entry = CrudEntry.fromRow(CrudRow("1", data, 7)).toQueuedEntry()
        assertEquals(1L, entry.opId)
        assertEquals(7L, entry.transactionId)

        FakeServer().use { server ->
            HttpClient(CIO).use { httpClient ->
                server.push(listOf(successFor(1)))
                val queue = FakeQueue()
                queue.entries += entry
                runBlocking { PowerSyncWriteUploader(options(server, httpClient)).uploadData(queue) }
                assertTrue(queue.entries.isEmpty())

                val text = server.requests[0].text
                for (literal in listOf(
                    "\"big\":5000000000",
                    "\"min\":-9223372036854775808",
                    "\"max\":9223372036854775807",
                    "\"yes\":true",
                    "\"no\":false",
                    "\"none\":null",
                    "\"half\":0.5",
                    "\"text\":\"5\"",
                )) {
                    assertTrue(text.contains(literal), "the request does not hold $literal: $text")
                }
                val sent = sentOpData(server)
                assertEquals(JsonPrimitive(5000000000L), sent["big"])
                assertEquals(JsonPrimitive(Long.MIN_VALUE), sent["min"])
                assertEquals(JsonPrimitive(Long.MAX_VALUE), sent["max"])
                assertEquals(JsonPrimitive(true), sent["yes"])
                assertEquals(JsonNull, sent["none"])
                assertFalse(sent["tiny"]!!.jsonPrimitive.isString, "a real number went out as a string")
                assertEquals(1.0E-300, sent["tiny"]!!.jsonPrimitive.content.toDouble())
                assertTrue(sent["text"]!!.jsonPrimitive.isString, "a string went out as a number")
            }
        }
    }

    @Test
    fun `values of every JSON type in a queued entry go out unchanged`() {
        val opData: Map<String, JsonElement> =
            mapOf(
                "list" to JsonArray(listOf(JsonPrimitive(1), JsonPrimitive("a"), JsonNull)),
                "object" to JsonObject(mapOf("nested" to JsonPrimitive(false))),
                "negative" to JsonPrimitive(-1.25),
            )
        FakeServer().use { server ->
            HttpClient(CIO).use { httpClient ->
                server.push(listOf(successFor(1)))
                val queue = FakeQueue()
                queue.entries += QueuedEntry(opId = 1, id = "row-1", op = UpdateType.PATCH, table = "todos", opData = opData)
                runBlocking { PowerSyncWriteUploader(options(server, httpClient)).uploadData(queue) }
                assertEquals(JsonObject(opData), sentOpData(server))
            }
        }
    }

    @Test
    fun `a real PowerSync database uploads through PowerSyncWriteConnector and its queue empties`() {
        val schema =
            Schema(
                Table(
                    "todos",
                    listOf(Column.text("description"), Column.integer("n"), Column.real("r"), Column.integer("done")),
                ),
            )
        FakeServer().use { server ->
            HttpClient(CIO).use { httpClient ->
                runBlocking {
                    val database = PowerSyncDatabase.inMemory(schema, this)
                    try {
                        database.writeTransaction { tx ->
                            tx.execute(
                                "INSERT INTO todos (id, description, n, r, done) VALUES (?, ?, ?, ?, ?)",
                                listOf("row-1", "first", 5000000000L, 0.5, true),
                            )
                            tx.execute(
                                "INSERT INTO todos (id, description, n, r) VALUES (?, ?, ?, ?)",
                                listOf("row-2", null, Long.MIN_VALUE, null),
                            )
                        }
                        database.execute(
                            "INSERT INTO todos (id, description, n) VALUES (?, ?, ?)",
                            listOf("row-3", "third", Long.MAX_VALUE),
                        )
                        val connector =
                            object : PowerSyncWriteConnector(options(server, httpClient)) {
                                override suspend fun fetchCredentials(): PowerSyncCredentials? = null
                            }
                        server.push(listOf(successFor(100)))
                        connector.uploadData(database)

                        assertEquals(1, server.requests.size)
                        val body = server.requests[0].json!!.jsonObject
                        val clientId = body["client_id"]!!.jsonPrimitive
                        assertTrue(clientId.isString && clientId.content.isNotEmpty(), "client_id: $clientId")
                        val transactions = body["transactions"]!!.jsonArray
                        assertEquals(2, transactions.size, "two transactions: ${server.requests[0].text}")
                        val first = transactions[0].jsonObject["crud"]!!.jsonArray
                        assertEquals(2, first.size)
                        val row1 = first[0].jsonObject["op_data"]!!.jsonObject
                        assertEquals(JsonPrimitive(5000000000L), row1["n"])
                        assertEquals(JsonPrimitive(0.5), row1["r"])
                        assertEquals(JsonPrimitive("first"), row1["description"])
                        // SQLite has no booleans: the SDK stores (and the uploader sends) 1.
                        assertEquals(JsonPrimitive(1), row1["done"])
                        val row2 = first[1].jsonObject["op_data"]!!.jsonObject
                        assertEquals(JsonPrimitive(Long.MIN_VALUE), row2["n"])
                        val row3 = transactions[1].jsonObject["crud"]!!.jsonArray[0].jsonObject
                        assertEquals(JsonPrimitive(Long.MAX_VALUE), row3["op_data"]!!.jsonObject["n"])
                        // The SDK gives a write outside writeTransaction a transaction of its own.
                        val firstId = transactions[0].jsonObject["transaction_id"]
                        assertEquals(firstId, first[1].jsonObject["transaction_id"])
                        assertFalse(firstId == row3["transaction_id"], "row-3 was written in a transaction of its own")
                        assertEquals(JsonPrimitive("PUT"), row3["op"])
                        // Every op_id, increasing.
                        val opIds =
                            transactions.flatMap { tx ->
                                tx.jsonObject["crud"]!!.jsonArray.map {
                                    it.jsonObject["op_id"]!!
                                        .jsonPrimitive.content
                                        .toLong()
                                }
                            }
                        assertEquals(opIds.sorted(), opIds)
                        assertEquals(3, opIds.toSet().size)

                        assertNull(database.getCrudBatch(), "the upload queue is empty after the backend accepted everything")
                    } finally {
                        database.close()
                    }
                }
            }
        }
    }

    @Test
    fun `a proxy's Retry-After in fractional seconds is honoured to the millisecond, a negative one not at all`() {
        FakeServer().use { server ->
            HttpClient(CIO).use { httpClient ->
                val queue = FakeQueue()
                queue.entries += QueuedEntry(opId = 1, id = "row-1", op = UpdateType.DELETE, table = "todos")
                val uploader = PowerSyncWriteUploader(options(server, httpClient).copyWith(maxRetryWaitMs = 0))
                server.push(listOf(ScriptedReply.Send(503, mapOf("retry-after" to "0.25"), "<html>503</html>", "text/html")))
                val first = assertThrows<UploadRetryableException> { runBlocking { uploader.uploadData(queue) } }
                assertEquals(250L, first.retryAfterMs)
                // The pause is longer than maxRetryWaitMs (0): the next call sends nothing.
                val second = assertThrows<UploadRetryableException> { runBlocking { uploader.uploadData(queue) } }
                assertTrue(second.message!!.contains("Nothing was sent"), second.message)
                assertEquals(1, server.requests.size)
            }
        }
        FakeServer().use { server ->
            HttpClient(CIO).use { httpClient ->
                val queue = FakeQueue()
                queue.entries += QueuedEntry(opId = 1, id = "row-1", op = UpdateType.DELETE, table = "todos")
                val uploader = PowerSyncWriteUploader(options(server, httpClient).copyWith(maxRetryWaitMs = 0))
                server.push(
                    listOf(ScriptedReply.Send(429, mapOf("retry-after" to "-5"), """{"message":"slow down"}""", "application/json")),
                )
                val error = assertThrows<UploadRetryableException> { runBlocking { uploader.uploadData(queue) } }
                assertNull(error.retryAfterMs)
                server.push(listOf(successFor(1)))
                runBlocking { uploader.uploadData(queue) }
                assertEquals(2, server.requests.size)
                assertTrue(queue.entries.isEmpty())
            }
        }
    }

    private fun UploaderOptions.copyWith(maxRetryWaitMs: Long) =
        UploaderOptions(
            baseUrl = baseUrl,
            fetchToken = fetchToken,
            httpClient = httpClient,
            limits = limits,
            timeoutMs = timeoutMs,
            maxRetryWaitMs = maxRetryWaitMs,
            defaultRetryAfterMs = defaultRetryAfterMs,
        )

    @Test
    fun `options out of range are refused with the option's name`() {
        HttpClient(CIO).use { httpClient ->
            fun options(
                limits: UploadLimits = UploadLimits(),
                timeoutMs: Long = DEFAULT_TIMEOUT_MS,
                maxRetryWaitMs: Long = DEFAULT_MAX_RETRY_WAIT_MS,
                baseUrl: String = "http://127.0.0.1:1",
            ) = UploaderOptions(baseUrl, { null }, httpClient, limits, timeoutMs, maxRetryWaitMs)
            for ((what, given) in listOf(
                "limits.maxTransactions" to options(limits = UploadLimits(maxTransactions = 51)),
                "limits.maxTransactions" to options(limits = UploadLimits(maxTransactions = 0)),
                "limits.maxOperations" to options(limits = UploadLimits(maxOperations = 0)),
                "limits.maxBytes" to options(limits = UploadLimits(maxBytes = -1)),
                "timeoutMs" to options(timeoutMs = 0),
                "maxRetryWaitMs" to options(maxRetryWaitMs = -1),
                "baseUrl" to options(baseUrl = " "),
            )) {
                val error = assertThrows<IllegalArgumentException> { PowerSyncWriteUploader(given) }
                assertTrue(error.message!!.contains(what), "${error.message} does not name $what")
            }
        }
    }

    @Test
    fun `the caller's cancellation is not turned into an upload error`() {
        FakeServer().use { server ->
            HttpClient(CIO).use { httpClient ->
                server.push(listOf(ScriptedReply.Hang))
                val queue = FakeQueue()
                queue.entries += QueuedEntry(opId = 1, id = "row-1", op = UpdateType.DELETE, table = "todos")
                val uploader = PowerSyncWriteUploader(options(server, httpClient, timeoutMs = 60_000))
                assertThrows<TimeoutCancellationException> {
                    runBlocking { withTimeout(300) { uploader.uploadData(queue) } }
                }
                assertEquals(1, server.requests.size)
                assertEquals(listOf(1L), queue.entries.map { it.opId })
            }
        }
    }
}
