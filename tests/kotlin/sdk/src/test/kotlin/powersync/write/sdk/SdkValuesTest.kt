package powersync.write.sdk

import com.powersync.db.crud.CrudEntry
import com.powersync.db.crud.SqliteRow
import com.powersync.db.crud.UpdateType
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.double
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * What `com.powersync:core-jvm` 1.14.1 hands an upload connector, on a real database: the three
 * views of an entry's values (`opData` as strings, `opData.typed`, `opData.jsonValues`). The
 * connector sends `jsonValues`, the only view that keeps both the JSON type and every int64;
 * these tests fail if an SDK update changes what it relies on.
 */
class SdkValuesTest {
    private val big = 5_000_000_000L

    @Test
    fun `opData reads every value as a string and loses its JSON type`() =
        runBlocking {
            withLocalDatabase { local ->
                val entry = insertSample(local, "t1").single()
                val opData = data(entry)
                assertEquals("1", opData["completed"], "a Kotlin true is stored as 1")
                assertEquals("5000000000", opData["counter"])
                assertEquals("2.5", opData["effort"])
                assertEquals("""{"a":[1,2],"b":null}""", opData["attrs"], "JSON text stays text")
                // A text column holding "0" and an integer column holding 0 read the same here.
                assertEquals("0", opData["description"])
                assertEquals("0", opData["priority"])
                assertEquals(setOf("list_id", "description", "completed", "attrs", "priority", "effort", "counter"), opData.keys)
            }
        }

    @Test
    fun `typed parses whole numbers as Int and throws beyond the Int range`() =
        runBlocking {
            withLocalDatabase { local ->
                local.db.writeTransaction { tx ->
                    for ((id, counter) in listOf("min" to Long.MIN_VALUE, "max" to Long.MAX_VALUE, "big" to big)) {
                        tx.execute("INSERT INTO todos (id, counter) VALUES (?, ?)", listOf(id, counter))
                    }
                    tx.execute("INSERT INTO todos (id, counter) VALUES (?, ?)", listOf("int-max", Int.MAX_VALUE.toLong()))
                    tx.execute("INSERT INTO todos (id, counter) VALUES (?, ?)", listOf("int-max-1", Int.MAX_VALUE.toLong() + 1))
                }
                val entries = queuedEntries(local).associateBy { it.id }
                for (id in listOf("min", "max", "big", "int-max-1")) {
                    val typed = data(entries.getValue(id)).typed
                    // Integer.parseInt on the JSON number's text.
                    val error = assertThrows(NumberFormatException::class.java) { typed["counter"] }
                    assertTrue(error.message!!.contains(data(entries.getValue(id))["counter"]!!), error.message)
                    // Reading the whole map throws as well: a connector cannot use typed at all once a row holds a big number.
                    assertThrows(NumberFormatException::class.java) { typed.entries.map { it.value } }
                }
                assertEquals(Int.MAX_VALUE, data(entries.getValue("int-max")).typed["counter"])

                val sample = data(insertSample(local, "t2").single()).typed
                assertEquals(1, sample["completed"])
                assertEquals(2.5, sample["effort"])
                assertEquals("0", sample["description"], "a JSON string stays a String")
                assertEquals(0, sample["priority"])
            }
        }

    @Test
    fun `jsonValues keeps the JSON type and every int64`() =
        runBlocking {
            withLocalDatabase { local ->
                local.db.writeTransaction { tx ->
                    for ((id, counter) in listOf("min" to Long.MIN_VALUE, "max" to Long.MAX_VALUE, "big" to big)) {
                        tx.execute("INSERT INTO todos (id, counter) VALUES (?, ?)", listOf(id, counter))
                    }
                }
                val entries = queuedEntries(local).associateBy { it.id }
                for ((id, counter) in listOf("min" to Long.MIN_VALUE, "max" to Long.MAX_VALUE, "big" to big)) {
                    val value = data(entries.getValue(id)).jsonValues.getValue("counter") as JsonPrimitive
                    assertFalse(value.isString, "$id: a number, not a string")
                    assertEquals(counter, value.longOrNull, "$id: exact")
                    assertEquals(counter.toString(), value.content)
                }

                val json = data(insertSample(local, "t3").single()).jsonValues
                assertEquals(JsonPrimitive(1), json["completed"], "a Kotlin true is the number 1 (no JSON boolean in SQLite)")
                assertEquals(JsonPrimitive(0), json["priority"])
                assertEquals(JsonPrimitive("0"), json["description"], "text that looks like a number stays a JSON string")
                assertEquals(2.5, (json.getValue("effort") as JsonPrimitive).double)
                assertEquals(JsonPrimitive("""{"a":[1,2],"b":null}"""), json["attrs"], "JSON text is a JSON string, not an object")
                assertEquals(JsonPrimitive(big), json["counter"])
            }
        }

    @Test
    fun `a NULL is left out of a PUT and is a JSON null in a PATCH`() =
        runBlocking {
            withLocalDatabase { local ->
                local.db.writeTransaction { tx ->
                    tx.execute(
                        "INSERT INTO todos (id, description, completed, attrs) VALUES (?, ?, ?, ?)",
                        listOf("n", null, false, null),
                    )
                    tx.execute("UPDATE todos SET description = ?, completed = NULL WHERE id = ?", listOf("set", "n"))
                    tx.execute("UPDATE todos SET description = NULL WHERE id = ?", listOf("n"))
                    tx.execute("DELETE FROM todos WHERE id = ?", listOf("n"))
                }
                val (put, patch, patchNull, delete) = queuedEntries(local)
                assertEquals(UpdateType.PUT, put.op)
                assertEquals(setOf("completed"), data(put).keys, "NULL columns are not in a PUT")
                assertEquals(JsonPrimitive(0), data(put).jsonValues["completed"], "a Kotlin false is the number 0")

                assertEquals(UpdateType.PATCH, patch.op)
                assertEquals(JsonNull, data(patch).jsonValues["completed"])
                assertTrue(data(patch).containsKey("completed"))
                assertNull(data(patch)["completed"], "opData has the key, with a Kotlin null")
                assertNull(data(patch).typed["completed"])

                assertEquals(mapOf("description" to JsonNull), data(patchNull).jsonValues.toMap())

                assertEquals(UpdateType.DELETE, delete.op)
                assertNull(delete.opData, "a DELETE has no opData")
            }
        }

    @Test
    fun `a real column stores whatever number it is given as a double`() =
        runBlocking {
            withLocalDatabase { local ->
                local.db.writeTransaction { tx ->
                    tx.execute("INSERT INTO todos (id, effort) VALUES (?, ?)", listOf("r1", 3))
                    tx.execute("INSERT INTO todos (id, effort) VALUES (?, ?)", listOf("r2", 1e300))
                    tx.execute("INSERT INTO todos (id, effort) VALUES (?, ?)", listOf("r3", -0.0))
                }
                val efforts = queuedEntries(local).map { data(it).jsonValues.getValue("effort") as JsonPrimitive }
                assertEquals(listOf("3.0", "1e+300", "0.0"), efforts.map { it.content }, "SQLite's text of each double")
                assertEquals(listOf(3.0, 1e300, 0.0), efforts.map { it.double })
                assertEquals(listOf(3.0, 1e300, 0.0), queuedEntries(local).map { data(it).typed["effort"] })
            }
        }

    @Test
    fun `one writeTransaction is one CrudTransaction whose completion empties the queue`() =
        runBlocking {
            withLocalDatabase { local ->
                insertSample(local, "a")
                local.db.writeTransaction { tx ->
                    tx.execute("UPDATE todos SET completed = ? WHERE id = ?", listOf(false, "a"))
                    tx.execute("INSERT INTO lists (id, name) VALUES (?, ?)", listOf("l", "List"))
                }
                val rows = local.queue()
                assertEquals(3, rows.size)
                assertEquals(2, rows.mapNotNull { it.txId }.toSet().size)

                val first = local.db.getNextCrudTransaction() ?: error("the first transaction is not queued")
                assertEquals(rows[0].txId?.toInt(), first.transactionId)
                assertEquals(listOf(rows[0].id.toInt()), first.crud.map { it.clientId }, "clientId is ps_crud.id, the op id")
                first.complete(null)

                val second = local.db.getNextCrudTransaction() ?: error("the second transaction is not queued")
                assertEquals(listOf("todos" to UpdateType.PATCH, "lists" to UpdateType.PUT), second.crud.map { it.table to it.op })
                assertEquals(rows.drop(1).map { it.id.toInt() }, second.crud.map { it.clientId })
                assertEquals(setOf(rows[1].txId?.toInt()), second.crud.map { it.transactionId }.toSet())
                second.complete("42")

                assertNull(local.db.getNextCrudTransaction())
                assertEquals(emptyList<QueuedRow>(), local.queue())
            }
        }

    /** One todo holding every kind of value: a boolean, an int64 beyond Int, a double, JSON text, a numeric-looking string. */
    private suspend fun insertSample(
        local: LocalDatabase,
        id: String,
    ): List<CrudEntry> {
        val before = local.queue().size
        local.db.writeTransaction { tx ->
            tx.execute(
                "INSERT INTO todos (id, list_id, description, completed, attrs, priority, effort, counter) " +
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                listOf(id, "list-1", "0", true, """{"a":[1,2],"b":null}""", 0, 2.5, big),
            )
        }
        return queuedEntries(local).drop(before)
    }

    /** Every queued entry, across transactions, without completing any. */
    private suspend fun queuedEntries(local: LocalDatabase): List<CrudEntry> =
        local.db
            .getCrudBatch(1000)
            ?.crud
            .orEmpty()

    private fun data(entry: CrudEntry): SqliteRow = entry.opData ?: error("${entry.op} ${entry.id} has no opData")
}
