package powersync.write.sdk

import com.powersync.connectors.PowerSyncCredentials
import io.ktor.client.HttpClient
import io.ktor.client.call.save
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.HttpSend
import io.ktor.client.plugins.plugin
import io.ktor.client.statement.bodyAsText
import io.ktor.http.content.OutgoingContent
import io.ktor.http.content.TextContent
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import powersync.write.api.DeadLetteredTransaction
import powersync.write.api.PowerSyncWriteConnector
import powersync.write.api.UploadRetryableException
import powersync.write.api.UploaderOptions
import java.sql.Connection
import java.time.Instant
import java.time.OffsetDateTime
import java.util.Collections
import java.util.UUID

/**
 * End to end with the real SDK: a `com.powersync:core-jvm` database queues local writes, the
 * generated connector (`PowerSyncWriteConnector.uploadData(database)`, the SDK's own connector
 * interface) uploads them to the reference backend (`powersync-write-server`, started here) on a
 * throwaway PostgreSQL cluster, and the test reads PostgreSQL back. The Kotlin twin of the
 * TypeScript `e2e.test.ts`, same schema and assertions, plus integer, real and bigint columns.
 *
 * The SDK calls `uploadData` itself only while connected to a PowerSync service. The first three
 * tests call the connector's `uploadData(database)` as the SDK's upload loop does; the last one
 * connects the database to a [FakeSyncService] (an empty, complete checkpoint), so the SDK's own
 * upload loop calls the connector, surfaces its exception as the upload error and replays.
 *
 * [SdkEndToEndThroughPoolerTest] runs every test again with the backend behind PgBouncer in
 * transaction mode.
 *
 * Needs PostgreSQL 15's binaries (`PG_BIN`) and the built backend (`cargo build -p
 * powersync-write-server`, or `-Dbackend.binary=PATH`); fails, never skips, without them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
open class SdkEndToEndTest {
    /** Whether the backend reaches PostgreSQL through PgBouncer in `pool_mode = transaction`. */
    protected open val throughPooler = false

    private val user = "user-e2e"
    private var cluster: PostgresCluster? = null
    private var backend: Backend? = null
    private var sql: Connection? = null
    private var token = ""

    @BeforeAll
    fun startServers() {
        val started = PostgresCluster.start(pooler = throughPooler)
        cluster = started
        val url = started.createDatabase("e2e")
        // The test prepares and reads the database directly; only the backend goes through the pooler.
        sql = started.jdbc("e2e").also { connection -> connection.createStatement().use { it.execute(SERVER_SCHEMA) } }
        backend =
            Backend.start(
                databaseUrl = if (throughPooler) started.poolerUrl("e2e") else url,
                // This test is about the connector and the backend's replies, not policies (some of its
                // lists have no owner_id): every table is writable.
                env =
                    buildMap {
                        put("POWERSYNC_WRITE__AUTHORIZATION__DEFAULT", "allow")
                        if (throughPooler) put("POWERSYNC_WRITE__POSTGRES__TRANSACTION_POOLER", "true")
                    },
            )
        token = server().token(user)
    }

    @AfterAll
    fun stopServers() {
        // Every step runs even if an earlier one fails; the first failure is reported.
        val failures = mutableListOf<Throwable>()
        for (step in listOf({ sql?.close() }, { backend?.dispose() }, { cluster?.stop() })) {
            try {
                step()
            } catch (error: Throwable) {
                failures += error
            }
        }
        failures.firstOrNull()?.let { throw it }
    }

    private fun pg(): Connection = sql ?: error("the PostgreSQL connection was not set up (see the @BeforeAll error)")

    private fun server(): Backend = backend ?: error("the backend was not started (see the @BeforeAll error)")

    /** The generated connector base class, as an app subclasses it; this test never syncs, so no credentials. */
    private class TestConnector(
        options: UploaderOptions,
    ) : PowerSyncWriteConnector(options) {
        override suspend fun fetchCredentials(): PowerSyncCredentials? = null
    }

    private fun connector(
        baseUrl: String = server().baseUrl,
        replies: MutableList<JsonObject> = mutableListOf(),
        requests: MutableList<JsonObject> = mutableListOf(),
        onDeadLettered: (suspend (DeadLetteredTransaction) -> Unit)? = null,
    ): TestConnector =
        TestConnector(
            UploaderOptions(
                baseUrl = baseUrl,
                fetchToken = { _ -> token },
                httpClient = recordingClient(replies, requests),
                onDeadLettered = onDeadLettered,
            ),
        )

    @Test
    fun `rows reach PostgreSQL with their real types and the queue is emptied`() =
        runBlocking {
            withLocalDatabase { local ->
                val db = local.db
                val (listId, todo1, todo2, todo3) = List(4) { UUID.randomUUID() }
                val attrs = """{"priority":2,"tags":["home","urgent"],"note":"2% milk","nested":{"ok":true},"big":9007199254740993}"""

                db.writeTransaction { tx ->
                    tx.execute(
                        "INSERT INTO lists (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)",
                        // PowerSync's own timestamp format (space, no `T`).
                        listOf(listId.toString(), "Groceries", user, "2024-05-06 07:08:09.123Z"),
                    )
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed, completed_at, attrs, priority, effort, counter) " +
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        listOf(
                            todo1.toString(),
                            listId.toString(),
                            "Milk",
                            true,
                            "2024-05-06T07:10:00.500Z",
                            attrs,
                            3,
                            2.5,
                            5_000_000_000L,
                        ),
                    )
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed, counter) VALUES (?, ?, ?, ?, ?)",
                        listOf(todo2.toString(), listId.toString(), "Bread", false, Long.MIN_VALUE),
                    )
                }
                db.writeTransaction { tx ->
                    tx.execute(
                        "UPDATE todos SET completed = ?, completed_at = ?, counter = ?, effort = ?, priority = ? WHERE id = ?",
                        // An offset, so a conversion that drops it would store the wrong instant.
                        listOf(true, "2024-05-06T09:10:11.250+02:00", Long.MAX_VALUE, 0.1, -2_147_483_648L, todo2.toString()),
                    )
                }
                db.writeTransaction { tx ->
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(todo3.toString(), listId.toString(), "Mistake", false),
                    )
                }
                db.writeTransaction { tx -> tx.execute("DELETE FROM todos WHERE id = ?", listOf(todo3.toString())) }
                val sent = local.queue()
                assertEquals(4, sent.map { it.txId }.toSet().size, "four local transactions are queued")

                val replies = mutableListOf<JsonObject>()
                val requests = mutableListOf<JsonObject>()
                connector(replies = replies, requests = requests).uploadData(db)

                assertQueueEmpty(local)
                assertEquals(List(4) { "success" }, statuses(replies))

                // The wire form: one request, client_id and every op_id and transaction_id sent, and each
                // value with its JSON type (numbers as numbers, int64 edges exact), never as a string.
                val request = requests.single()
                assertEquals(JsonPrimitive(clientId(local)), request["client_id"])
                val transactions = request.getValue("transactions").jsonArray.map { it.jsonObject }
                val entries = transactions.flatMap { it.getValue("crud").jsonArray.map { entry -> entry.jsonObject } }
                assertEquals(sent.map { JsonPrimitive(it.id) }, entries.map { it["op_id"] })
                assertEquals(sent.map { JsonPrimitive(it.txId) }, entries.map { it["transaction_id"] })
                val (_, milkPut, breadPut, breadPatch) = entries.map { it["op_data"]?.jsonObject }
                assertEquals(JsonPrimitive(1), milkPut?.get("completed"), "a boolean goes as the number SQLite stores")
                assertEquals(JsonPrimitive(3), milkPut?.get("priority"))
                assertEquals(JsonPrimitive(2.5), milkPut?.get("effort"))
                assertEquals(JsonPrimitive(5_000_000_000L), milkPut?.get("counter"))
                assertEquals(
                    JsonPrimitive(attrs),
                    milkPut?.get("attrs"),
                    "JSON text goes as the string it is; the backend parses it for jsonb",
                )
                assertEquals(JsonPrimitive(0), breadPut?.get("completed"))
                assertEquals(JsonPrimitive(Long.MIN_VALUE), breadPut?.get("counter"))
                assertEquals(JsonPrimitive(Long.MAX_VALUE), breadPatch?.get("counter"))
                assertEquals(JsonPrimitive(Int.MIN_VALUE), breadPatch?.get("priority"))
                assertEquals(JsonPrimitive(0.1), breadPatch?.get("effort"))
                assertEquals(JsonPrimitive("DELETE"), entries.last()["op"])
                assertNull(entries.last()["op_data"], "a DELETE sends no op_data")

                pg().prepareStatement("SELECT id, name, owner_id, created_at FROM lists WHERE id = ?").use { query ->
                    query.setObject(1, listId)
                    query.executeQuery().use { rows ->
                        assertTrue(rows.next(), "the list reached PostgreSQL")
                        assertEquals(listId, rows.getObject("id", UUID::class.java))
                        assertEquals("Groceries", rows.getString("name"))
                        assertEquals(user, rows.getString("owner_id"))
                        assertEquals(
                            Instant.parse("2024-05-06T07:08:09.123Z"),
                            rows.getObject("created_at", OffsetDateTime::class.java).toInstant(),
                        )
                        assertTrue(!rows.next())
                    }
                }

                val todos =
                    rowsOf(
                        "SELECT id, list_id, description, completed, completed_at, attrs::text AS attrs, priority, effort, counter, " +
                            "jsonb_typeof(attrs) AS attrs_kind FROM todos WHERE list_id = ? ORDER BY description DESC",
                        listId,
                    )
                assertEquals(2, todos.size, "Milk and Bread; Mistake was deleted: $todos")
                val (milk, bread) = todos
                // getObject gives each column's own Java type: a wrong PostgreSQL type would fail here.
                assertEquals(todo1, milk["id"])
                assertEquals(listId, milk["list_id"])
                assertEquals("Milk", milk["description"])
                assertEquals(true, milk["completed"])
                assertEquals(Instant.parse("2024-05-06T07:10:00.500Z"), (milk["completed_at"] as OffsetDateTime).toInstant())
                assertEquals(Json.parseToJsonElement(attrs), Json.parseToJsonElement(milk["attrs"] as String))
                assertEquals("object", milk["attrs_kind"], "attrs is stored as a JSON object, not a JSON string")
                assertEquals(3, milk["priority"])
                assertEquals(2.5f, milk["effort"])
                assertEquals(5_000_000_000L, milk["counter"])

                assertEquals(todo2, bread["id"])
                assertEquals("Bread", bread["description"])
                assertEquals(true, bread["completed"])
                assertEquals(Instant.parse("2024-05-06T07:10:11.250Z"), (bread["completed_at"] as OffsetDateTime).toInstant())
                assertNull(bread["attrs"])
                assertEquals(Int.MIN_VALUE, bread["priority"])
                assertEquals(0.1f, bread["effort"])
                assertEquals(Long.MAX_VALUE, bread["counter"])

                // Every operation applied exactly once, in order; the deleted todo is gone.
                assertEquals(expectedAudit(sent), auditOf(listOf(listId, todo1, todo2, todo3)))
                // client_id and op_id were sent: the backend's idempotency ledger holds the last op.
                assertEquals(sent.last().id, ledger(clientId(local)))
            }
        }

    @Test
    fun `a foreign-key violation is dead-lettered, reported, and does not block later transactions`() =
        runBlocking {
            withLocalDatabase { local ->
                val db = local.db
                val (listId, goodBefore, orphan, goodAfter) = List(4) { UUID.randomUUID() }
                val missingList = UUID.randomUUID()

                db.writeTransaction { tx ->
                    tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", listOf(listId.toString(), "Work"))
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(goodBefore.toString(), listId.toString(), "Before", false),
                    )
                }
                val beforeBad = local.queue()
                db.writeTransaction { tx ->
                    // The local database has no foreign keys; PostgreSQL rejects this.
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(orphan.toString(), missingList.toString(), "Orphan", false),
                    )
                }
                val withBad = local.queue()
                db.writeTransaction { tx ->
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(goodAfter.toString(), listId.toString(), "After", true),
                    )
                }
                db.writeTransaction { tx ->
                    tx.execute("UPDATE lists SET name = ? WHERE id = ?", listOf("Work (renamed)", listId.toString()))
                }
                val sent = local.queue()
                assertEquals(1, withBad.size - beforeBad.size)

                val deadLettered = mutableListOf<DeadLetteredTransaction>()
                val replies = mutableListOf<JsonObject>()
                // Under the backend's default batch policy ("stop") the transactions after the
                // dead-lettered one are not attempted in that request; the connector completes the
                // prefix (the dead-lettered one included) and sends the rest in the same call.
                connector(replies = replies, onDeadLettered = { deadLettered += it }).uploadData(db)
                assertQueueEmpty(local)

                // The backend answered fatal_error, kept (requires_client_handling false).
                val fatal =
                    replies
                        .flatMap {
                            it
                                .getValue(
                                    "results",
                                ).jsonArray
                        }.map { it.jsonObject }
                        .filter { status(it) == "fatal_error" }
                assertEquals(1, fatal.size, "one fatal result expected, got $replies")
                assertEquals(false, fatal[0].getValue("requires_client_handling").jsonPrimitive.booleanOrNull)
                val failed = fatal[0].getValue("failed_operation").jsonObject
                assertEquals("FOREIGN_KEY_VIOLATION", failed.getValue("error_code").jsonPrimitive.content)
                assertEquals(0, failed.getValue("operation_index").jsonPrimitive.intOrNull)
                val deadLetterId = fatal[0]["dead_letter_id"]?.jsonPrimitive?.content
                assertNotNull(deadLetterId, "the fatal result names its dead letter")

                // The connector told the app, naming the dead letter and the transaction.
                assertEquals(1, deadLettered.size, "onDeadLettered calls: $deadLettered")
                assertEquals(deadLetterId, deadLettered[0].deadLetterId)
                assertEquals("FOREIGN_KEY_VIOLATION", deadLettered[0].failedOperation.errorCode)
                assertEquals(listOf(orphan.toString()), deadLettered[0].transaction.crud.map { it.id })
                assertEquals(withBad.last().id, deadLettered[0].transaction.lastOpId)

                // The backend kept the whole transaction.
                val letters =
                    rowsOf(
                        "SELECT id::text AS id, subject, error_code, operation_index, \"transaction\"::text AS tx " +
                            "FROM powersync_write_dead_letters WHERE client_id = ?",
                        clientId(local),
                    )
                assertEquals(1, letters.size, "dead letters: $letters")
                val letter = letters[0]
                assertEquals(deadLetterId, letter["id"])
                assertEquals(user, letter["subject"])
                assertEquals("FOREIGN_KEY_VIOLATION", letter["error_code"])
                val kept =
                    Json
                        .parseToJsonElement(letter["tx"] as String)
                        .jsonObject
                        .getValue("crud")
                        .jsonArray
                        .map { it.jsonObject }
                assertEquals(
                    listOf(listOf("PUT", "todos", orphan.toString(), missingList.toString())),
                    kept.map { entry ->
                        listOf(
                            entry.getValue("op").jsonPrimitive.content,
                            entry.getValue("table").jsonPrimitive.content,
                            entry.getValue("id").jsonPrimitive.content,
                            entry
                                .getValue("op_data")
                                .jsonObject
                                .getValue("list_id")
                                .jsonPrimitive.content,
                        )
                    },
                )
                val listed = server().cliOk("dead-letters", "list")
                assertTrue(Regex("$deadLetterId.*FOREIGN_KEY_VIOLATION").containsMatchIn(listed), "dead-letters list printed:\n$listed")

                // Everything else reached PostgreSQL, once; the orphan did not.
                assertEquals(
                    expectedAudit(beforeBad + sent.drop(withBad.size)),
                    auditOf(listOf(listId, goodBefore, orphan, goodAfter)),
                )
                assertEquals("Work (renamed)", rowsOf("SELECT name FROM lists WHERE id = ?", listId).single()["name"])
                assertEquals(
                    listOf(goodAfter, goodBefore),
                    rowsOf(
                        "SELECT id FROM todos WHERE id IN (?, ?, ?) ORDER BY description",
                        goodBefore,
                        orphan,
                        goodAfter,
                    ).map { it["id"] },
                )
            }
        }

    @Test
    fun `the queue survives a lost reply and a stopped backend, and the replay applies nothing twice`() =
        runBlocking {
            withLocalDatabase { local ->
                val db = local.db
                val (listId, todoA, todoB) = List(3) { UUID.randomUUID() }
                db.writeTransaction { tx ->
                    tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", listOf(listId.toString(), "Home"))
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(todoA.toString(), listId.toString(), "Dishes", false),
                    )
                }
                db.writeTransaction { tx -> tx.execute("UPDATE todos SET completed = ? WHERE id = ?", listOf(true, todoA.toString())) }
                db.writeTransaction { tx ->
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(todoB.toString(), listId.toString(), "Laundry", false),
                    )
                }
                val firstSent = local.queue()
                val ids = listOf(listId, todoA, todoB)

                ReplyDroppingProxy(targetPort = server().port).use { proxy ->
                    val replies = mutableListOf<JsonObject>()
                    val up = connector(baseUrl = proxy.baseUrl, replies = replies)

                    // 1. The backend applies the batch but the reply never arrives (the connection is
                    //    reset after the commit): nothing may be completed locally.
                    proxy.dropNextReplies.set(1)
                    val lost = assertThrows<UploadRetryableException> { up.uploadData(db) }
                    assertEquals(0, proxy.dropNextReplies.get(), "the proxy lost a reply")
                    assertEquals(1, proxy.droppedReplies.size)
                    assertTrue(proxy.droppedReplies[0].startsWith("HTTP/1.1 200"), "the lost reply: ${proxy.droppedReplies[0]}")
                    assertEquals(
                        List(3) { "success" },
                        statuses(listOf(Json.parseToJsonElement(proxy.droppedReplies[0].substringAfter("\n")).jsonObject)),
                    )
                    assertTrue(replies.isEmpty(), "the connector saw no reply")
                    assertEquals(firstSent, local.queue(), "the queue is intact after a lost reply (${lost.message})")
                    assertEquals(expectedAudit(firstSent), auditOf(ids), "the backend did apply the batch once")

                    // 2. The backend is down: uploadData throws and the queue stays as it was.
                    server().stop()
                    assertThrows<UploadRetryableException> { up.uploadData(db) }
                    assertEquals(firstSent, local.queue(), "the queue is intact while the backend is down")

                    // 3. Offline, the app writes more.
                    db.writeTransaction { tx ->
                        tx.execute("UPDATE todos SET description = ? WHERE id = ?", listOf("Laundry (whites)", todoB.toString()))
                        tx.execute("DELETE FROM todos WHERE id = ?", listOf(todoA.toString()))
                    }
                    val allSent = local.queue()

                    // 4. After a restart on the same port and data folder the upload goes through; the
                    //    transactions the backend had already applied are answered as duplicates.
                    server().start()
                    up.uploadData(db)
                    assertQueueEmpty(local)

                    assertEquals(expectedAudit(allSent), auditOf(ids), "every operation applied exactly once")
                    val last = replies.lastOrNull() ?: error("the replay was not answered")
                    assertEquals(
                        listOf("success" to true, "success" to true, "success" to true, "success" to false),
                        last.getValue("results").jsonArray.map { result ->
                            status(result.jsonObject) to (result.jsonObject["duplicate"]?.jsonPrimitive?.booleanOrNull == true)
                        },
                    )
                    assertEquals(allSent.last().id, ledger(clientId(local)))
                    assertEquals(
                        listOf(mapOf("id" to todoB, "description" to "Laundry (whites)", "completed" to false)),
                        rowsOf("SELECT id, description, completed FROM todos WHERE list_id = ?", listId),
                    )
                }
            }
        }

    /** An app's connector: the generated base class, with credentials for the (fake) PowerSync service. */
    private class AppConnector(
        options: UploaderOptions,
        private val service: FakeSyncService,
    ) : PowerSyncWriteConnector(options) {
        override suspend fun fetchCredentials(): PowerSyncCredentials =
            PowerSyncCredentials(endpoint = service.endpoint, token = "sync-token")
    }

    @Test
    fun `the SDK's own upload loop drives the connector, and its next round replays a lost reply without applying anything twice`() =
        runBlocking {
            withLocalDatabase { local ->
                val db = local.db
                val (listId, todoA, todoB) = List(3) { UUID.randomUUID() }
                db.writeTransaction { tx ->
                    tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", listOf(listId.toString(), "Garden"))
                    tx.execute(
                        "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                        listOf(todoA.toString(), listId.toString(), "Weeds", false),
                    )
                }
                db.writeTransaction { tx -> tx.execute("UPDATE todos SET completed = ? WHERE id = ?", listOf(true, todoA.toString())) }

                FakeSyncService().use { service ->
                    ReplyDroppingProxy(targetPort = server().port).use { proxy ->
                        // The SDK's first upload is applied by the backend but its reply is lost.
                        proxy.dropNextReplies.set(1)
                        val replies = mutableListOf<JsonObject>()
                        val requests = mutableListOf<JsonObject>()
                        val connector =
                            AppConnector(
                                UploaderOptions(
                                    baseUrl = proxy.baseUrl,
                                    fetchToken = { _ -> token },
                                    httpClient = recordingClient(replies, requests),
                                ),
                                service,
                            )
                        // What the SDK shows the app as its upload error, each distinct one once.
                        val uploadErrors = Collections.synchronizedList(mutableListOf<Any>())
                        val watcher =
                            launch(Dispatchers.Default) {
                                db.currentStatus.asFlow().collect { status ->
                                    val error = status.uploadError
                                    if (error != null && uploadErrors.lastOrNull() !== error) uploadErrors += error
                                }
                            }
                        val firstSent = local.queue()
                        try {
                            db.connect(connector, crudThrottleMs = 10, retryDelayMs = 100)
                            // 1. The SDK calls uploadData on connecting; the backend applies the batch, the
                            //    reply is lost, the connector throws and the SDK shows that as its upload error.
                            waitUntil("the SDK reported a failed upload", local) {
                                synchronized(uploadErrors) { uploadErrors.any { it is UploadRetryableException } }
                            }
                            // A local write while that round still runs (it waits retryDelayMs after the error) would
                            // not start another, so let it end first.
                            waitUntil("the SDK's failed upload round ended", local) { !db.currentStatus.uploading }
                            delay(300)
                            assertEquals(1, proxy.droppedReplies.size, "the proxy lost one reply")
                            assertEquals(firstSent, local.queue(), "the queue is intact after the lost reply")
                            assertEquals(expectedAudit(firstSent), auditOf(listOf(listId, todoA)), "the backend did apply the batch once")

                            // 2. core-jvm 1.14.1 does not call uploadData again on a timer after it threw (its
                            //    upload round ends after retryDelayMs); the next local write starts a new round,
                            //    which sends the whole queue again.
                            db.writeTransaction { tx ->
                                tx.execute(
                                    "INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, ?)",
                                    listOf(todoB.toString(), listId.toString(), "Hedge", false),
                                )
                            }
                            waitUntil("the SDK uploaded the queue after a local write", local) { local.queue().isEmpty() }
                            // The SDK goes on as after any upload that empties the queue: it asks the service for a
                            // write checkpoint.
                            waitUntil("the SDK asked for a write checkpoint", local) { "GET /write-checkpoint2.json" in service.requests }
                        } finally {
                            db.disconnect()
                            watcher.cancel()
                        }

                        assertNull(db.getNextCrudTransaction())
                        assertEquals(1, proxy.droppedReplies.size, "no other reply was lost")
                        // The replay: the two transactions the backend had applied are duplicates.
                        assertEquals(
                            listOf("success" to true, "success" to true, "success" to false),
                            replies.flatMap { reply ->
                                reply.getValue("results").jsonArray.map { result ->
                                    status(result.jsonObject) to (result.jsonObject["duplicate"]?.jsonPrimitive?.booleanOrNull == true)
                                }
                            },
                        )
                        assertEquals(
                            listOf(
                                Triple("lists", "INSERT", listId),
                                Triple("todos", "INSERT", todoA),
                                Triple("todos", "UPDATE", todoA),
                                Triple("todos", "INSERT", todoB),
                            ),
                            auditOf(listOf(listId, todoA, todoB)),
                            "every write applied exactly once",
                        )
                        val lastOpId =
                            requests
                                .last()
                                .getValue("transactions")
                                .jsonArray
                                .last()
                                .jsonObject
                                .getValue("crud")
                                .jsonArray
                                .last()
                                .jsonObject
                                .getValue("op_id")
                                .jsonPrimitive
                                .content
                                .toLong()
                        assertEquals(lastOpId, ledger(clientId(local)))
                    }
                }
            }
        }

    /** Polls [condition] every 50 ms for up to 30 s; fails naming [what] and the SDK's status. */
    private suspend fun waitUntil(
        what: String,
        local: LocalDatabase,
        condition: suspend () -> Boolean,
    ) {
        val deadline = System.nanoTime() + 30_000_000_000L
        while (!condition()) {
            check(System.nanoTime() < deadline) {
                "timed out after 30 s waiting until $what; the SDK's status: ${local.db.currentStatus}; queue: ${local.queue()}"
            }
            delay(50)
        }
    }

    private suspend fun assertQueueEmpty(local: LocalDatabase) {
        assertEquals(emptyList<QueuedRow>(), local.queue(), "ps_crud should be empty")
        assertNull(local.db.getNextCrudTransaction())
    }

    private suspend fun clientId(local: LocalDatabase): String =
        local.db.get("SELECT powersync_client_id()") { cursor -> cursor.getString(0) ?: error("powersync_client_id() is NULL") }

    private fun ledger(clientId: String): Long? =
        rowsOf("SELECT last_op_id FROM powersync_write_ledger WHERE client_id = ?", clientId).singleOrNull()?.get("last_op_id") as Long?

    /** The audit rows of these row ids, in the order the writes were applied. */
    private fun auditOf(ids: List<UUID>): List<Triple<String, String, UUID>> =
        rowsOf(
            "SELECT table_name, op, row_id FROM audit WHERE row_id = ANY(?) ORDER BY seq",
            pg().createArrayOf("uuid", ids.toTypedArray()),
        ).map { Triple(it["table_name"] as String, it["op"] as String, it["row_id"] as UUID) }

    /** The audit rows one would expect if every queued operation were applied exactly once. */
    private fun expectedAudit(rows: List<QueuedRow>): List<Triple<String, String, UUID>> =
        rows.map { row ->
            val entry = Json.parseToJsonElement(row.data).jsonObject
            val op =
                when (val queued = entry.getValue("op").jsonPrimitive.content) {
                    "PUT" -> "INSERT"
                    "PATCH" -> "UPDATE"
                    "DELETE" -> "DELETE"
                    else -> error("unexpected queued op $queued")
                }
            Triple(entry.getValue("type").jsonPrimitive.content, op, UUID.fromString(entry.getValue("id").jsonPrimitive.content))
        }

    /**
     * Runs a query with positional parameters; each row by column label, values as the JDBC driver
     * types them (timestamptz as OffsetDateTime).
     */
    private fun rowsOf(
        query: String,
        vararg parameters: Any,
    ): List<Map<String, Any?>> =
        pg().prepareStatement(query).use { statement ->
            parameters.forEachIndexed { index, value -> statement.setObject(index + 1, value) }
            statement.executeQuery().use { rows ->
                val meta = rows.metaData
                buildList {
                    while (rows.next()) {
                        add(
                            (1..meta.columnCount).associate { column ->
                                // timestamptz as an instant with its offset, not a java.sql.Timestamp in the JVM's zone.
                                val value =
                                    if (meta.getColumnTypeName(column) == "timestamptz") {
                                        rows.getObject(column, OffsetDateTime::class.java)
                                    } else {
                                        rows.getObject(column)
                                    }
                                meta.getColumnLabel(column) to value
                            },
                        )
                    }
                }
            }
        }

    private fun status(result: JsonObject): String = result.getValue("status").jsonPrimitive.content

    private fun statuses(replies: List<JsonObject>): List<String> =
        replies.flatMap { reply -> reply.getValue("results").jsonArray.map { status(it.jsonObject) } }

    companion object {
        /**
         * The server side, as in the TypeScript test plus three numeric columns: real types, which the
         * backend learns by introspection at start, so these tables exist before it starts. The audit
         * trigger makes every applied write visible, so a write applied twice shows up as two rows.
         */
        val SERVER_SCHEMA =
            """
            CREATE TABLE lists (
              id uuid PRIMARY KEY,
              name text NOT NULL,
              owner_id text,
              created_at timestamptz
            );
            CREATE TABLE todos (
              id uuid PRIMARY KEY,
              list_id uuid NOT NULL REFERENCES lists (id),
              description text NOT NULL,
              completed boolean NOT NULL DEFAULT false,
              completed_at timestamptz,
              attrs jsonb,
              priority integer,
              effort real,
              counter bigint
            );
            CREATE TABLE audit (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              table_name text NOT NULL,
              op text NOT NULL,
              row_id uuid NOT NULL
            );
            CREATE FUNCTION audit_write() RETURNS trigger LANGUAGE plpgsql AS ${'$'}${'$'}
            BEGIN
              INSERT INTO audit (table_name, op, row_id)
              VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
              RETURN NULL;
            END ${'$'}${'$'};
            CREATE TRIGGER lists_audit AFTER INSERT OR UPDATE OR DELETE ON lists
              FOR EACH ROW EXECUTE FUNCTION audit_write();
            CREATE TRIGGER todos_audit AFTER INSERT OR UPDATE OR DELETE ON todos
              FOR EACH ROW EXECUTE FUNCTION audit_write();
            """.trimIndent()

        /**
         * A ktor client that records the JSON body of every request to `/api/data` and of every 200
         * reply, so the test sees what went over the wire without trusting the code under test to report it.
         */
        fun recordingClient(
            replies: MutableList<JsonObject>,
            requests: MutableList<JsonObject> = mutableListOf(),
        ): HttpClient {
            val client = HttpClient(CIO)
            client.plugin(HttpSend).intercept { request ->
                if (request.url
                        .build()
                        .encodedPath
                        .endsWith("/api/data")
                ) {
                    val text =
                        when (val body = request.body) {
                            is TextContent -> body.text
                            is OutgoingContent.ByteArrayContent -> body.bytes().decodeToString()
                            else -> error("the test records request bodies sent as text or bytes; the client sent ${body::class}")
                        }
                    val sent = Json.parseToJsonElement(text).jsonObject
                    synchronized(requests) { requests += sent }
                }
                val call = execute(request)
                if (call.response.status.value == 200 &&
                    call.request.url.encodedPath
                        .endsWith("/api/data")
                ) {
                    // A saved call's body can be read again by the connector.
                    val saved = call.save()
                    val reply = Json.parseToJsonElement(saved.response.bodyAsText()).jsonObject
                    synchronized(replies) { replies += reply }
                    saved
                } else {
                    call
                }
            }
            return client
        }
    }
}
