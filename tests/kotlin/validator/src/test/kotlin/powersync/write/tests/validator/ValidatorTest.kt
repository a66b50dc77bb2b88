package powersync.write.tests.validator

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import powersync.write.api.Validator

/** What the shared vectors leave out: the int64 edges, the cap on listed violations, unknown schema names. */
class ValidatorTest {
    private fun json(text: String): JsonElement = Json.parseToJsonElement(text)

    private fun entry(opId: String) = """{"op": "PUT", "table": "lists", "id": "1", "op_id": $opId}"""

    private fun batch(vararg entries: String) = json("""{"transactions": [{"crud": [${entries.joinToString()}]}]}""")

    @Test
    fun int64EdgesAreInsideAndOneBeyondIsOutside() {
        val inside = batch(entry("9223372036854775807"), entry("-9223372036854775808"), entry("5000000000"))
        assertEquals(emptyList<Any>(), Validator.validate("WriteBatch", inside).violations)

        val beyond = Validator.validate("WriteBatch", batch(entry("9223372036854775808"), entry("-9223372036854775809")))
        assertEquals(
            listOf("$.transactions[0].crud[0].op_id format", "$.transactions[0].crud[1].op_id format"),
            beyond.violations.map { "${it.path} ${it.keyword}" },
        )
    }

    @Test
    fun aFractionIsNotAnInteger() {
        val result = Validator.validate("WriteBatch", batch(entry("1.5")))
        assertEquals(listOf("$.transactions[0].crud[0].op_id"), result.violations.map { it.path })
    }

    @Test
    fun atMostAHundredViolationsAreListedAndTheRestCounted() {
        val entries = (0 until 150).map { """{"op": "UPSERT", "table": "lists", "id": "$it"}""" }
        val result = Validator.validate("WriteBatch", batch(*entries.toTypedArray()))
        assertEquals(Validator.MAX_VIOLATIONS, result.violations.size)
        assertEquals(50, result.omitted)
        assertEquals("$.transactions[0].crud[0].op", result.violations.first().path)
        assertEquals("$.transactions[0].crud[99].op", result.violations.last().path)
        assertTrue(result.violations.all { it.keyword == "enum" && it.message.isNotBlank() })
    }

    @Test
    fun anUnknownSchemaNameIsRefusedByName() {
        val error = assertThrows<IllegalArgumentException> { Validator.validate("NoSuchSchema", json("{}")) }
        assertTrue(error.message.orEmpty().contains("NoSuchSchema"), error.message)
    }
}
