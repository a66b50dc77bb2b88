package powersync.write.tests.validator

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import powersync.write.api.ValidationResult
import powersync.write.api.Validator
import java.lang.reflect.InvocationTargetException
import java.net.URL

/**
 * Edge cases of the validator that the shared vectors leave out (the vectors avoid numbers whose verdict depends on
 * the parser, and cover only the spec's own schemas): exact integers, inline schemas, deep values, the envelope.
 */
class EdgeCasesTest {
    private fun json(text: String): JsonElement = Json.parseToJsonElement(text)

    private fun schema(text: String): JsonObject = json(text).jsonObject

    private fun pairs(result: ValidationResult) = result.violations.map { "${it.path} ${it.keyword}" }

    private fun entry(field: String) = """{"op": "PUT", "table": "t", "id": "1", $field}"""

    @Test
    fun integralNumbersWithAFractionOrExponentAreNotIntegers() {
        for (text in listOf("1.0", "1e2", "1E2", "-0.0")) {
            val result = Validator.validate("CrudEntry", json(entry(""""op_id": $text""")))
            assertEquals(listOf("$.op_id type"), pairs(result), text)
        }
        assertTrue(Validator.validate("CrudEntry", json(entry(""""op_id": -0"""))).valid)
    }

    @Test
    fun integersFarBeyondInt64AreOutsideItsRangeNotRounded() {
        val huge = "1" + "0".repeat(400)
        for (text in listOf(huge, "-$huge", "18446744073709551616")) {
            val result = Validator.validate("CrudEntry", json(entry(""""op_id": $text""")))
            assertEquals(listOf("$.op_id format"), pairs(result), text)
        }
        // Built in Kotlin rather than parsed: the same exact reading.
        val built =
            JsonObject(
                json(entry(""""op_id": 0""")).jsonObject + ("op_id" to JsonPrimitive(Long.MAX_VALUE)),
            )
        assertTrue(Validator.validate("CrudEntry", built).valid)
    }

    @Test
    fun int32EdgesOfOperationIndex() {
        fun failed(index: String) = json("""{"error_code": "X", "operation_index": $index}""")
        assertTrue(Validator.validate("FailedOperation", failed("2147483647")).valid)
        assertEquals(listOf("$.operation_index format"), pairs(Validator.validate("FailedOperation", failed("2147483648"))))
        // Below int32 and below the minimum 0: both are reported.
        assertEquals(
            listOf("$.operation_index format", "$.operation_index minimum"),
            pairs(Validator.validate("FailedOperation", failed("-2147483649"))),
        )
    }

    @Test
    fun integerBoundsCompareExactlyBeyondWhatADoubleHolds() {
        // As doubles, 2^53 + 1 reads as 2^53: these verdicts need the exact values.
        val atMost = schema("""{"type": "integer", "format": "int64", "maximum": {"value": 9007199254740992, "exclusive": false}}""")
        assertTrue(Validator.validateSchema(atMost, json("9007199254740992")).valid)
        assertEquals(listOf("$ maximum"), pairs(Validator.validateSchema(atMost, json("9007199254740993"))))
        val below = schema("""{"type": "integer", "format": "int64", "maximum": {"value": 9007199254740993, "exclusive": true}}""")
        assertTrue(Validator.validateSchema(below, json("9007199254740992")).valid)
        assertEquals(listOf("$ maximum"), pairs(Validator.validateSchema(below, json("9007199254740993"))))
        val exclusive = schema("""{"type": "integer", "format": "int32", "minimum": {"value": 0, "exclusive": true}}""")
        assertEquals(listOf("$ minimum"), pairs(Validator.validateSchema(exclusive, json("0"))))
        assertTrue(Validator.validateSchema(exclusive, json("1")).valid)
    }

    @Test
    fun numbersAreFiniteDoublesAndEnumsCompareByValue() {
        val number = schema("""{"type": "number", "enum": [1, 2.5]}""")
        for (ok in listOf("1", "1.0", "1e0", "2.50")) assertTrue(Validator.validateSchema(number, json(ok)).valid, ok)
        assertEquals(listOf("$ enum"), pairs(Validator.validateSchema(number, json("3"))))
        assertEquals(listOf("$ type"), pairs(Validator.validateSchema(number, json("1e400"))))
        assertEquals(listOf("$ type"), pairs(Validator.validateSchema(number, json("\"1\""))))
    }

    @Test
    fun stringsCountCodePointsAndPatternsSearchUnanchored() {
        val twoToThree = schema("""{"type": "string", "minLength": 2, "maxLength": 3}""")
        // One code point, two UTF-16 units: too short.
        assertEquals(listOf("$ minLength"), pairs(Validator.validateSchema(twoToThree, JsonPrimitive("\uD83D\uDE00"))))
        // Three code points, six UTF-16 units: not too long.
        assertTrue(Validator.validateSchema(twoToThree, JsonPrimitive("\uD83D\uDE00".repeat(3))).valid)

        val digits = schema("""{"type": "string", "pattern": "[0-9]+"}""")
        assertTrue(Validator.validateSchema(digits, JsonPrimitive("abc1")).valid)
        assertEquals(listOf("$ pattern"), pairs(Validator.validateSchema(digits, JsonPrimitive("abc"))))
        val anchored = schema("""{"type": "string", "pattern": "^[0-9]+$"}""")
        assertEquals(listOf("$ pattern"), pairs(Validator.validateSchema(anchored, JsonPrimitive("abc1"))))
    }

    @Test
    fun propertyNamesThatAreNotIdentifiersAreQuotedInPaths() {
        val counts = schema("""{"type": "map", "values": {"type": "integer", "format": "int32"}}""")
        val value = json("""{"ok_1": "x", "it's": "x", "a\\b": "x", "1a": "x", "": "x", "fine": 1}""")
        assertEquals(
            listOf("$.ok_1 type", "$['it\\'s'] type", "$['a\\\\b'] type", "$['1a'] type", "$[''] type"),
            pairs(Validator.validateSchema(counts, value)),
        )
    }

    @Test
    fun uniqueItemsCompareJsonValuesByValue() {
        val unique = schema("""{"type": "array", "uniqueItems": true, "items": {"type": "any"}}""")
        for (dup in listOf("[1, 1.0]", """[{"a": 1, "b": [2]}, {"b": [2], "a": 1}]""", "[null, null]", "[true, true]")) {
            assertEquals(listOf("$ uniqueItems"), pairs(Validator.validateSchema(unique, json(dup))), dup)
        }
        for (distinct in listOf("""["1", 1]""", "[true, \"true\"]", """[{"a": 1}, {"a": 1, "b": 2}]""", "[[1], [1, 1]]")) {
            assertTrue(Validator.validateSchema(unique, json(distinct)).valid, distinct)
        }
    }

    @Test
    fun deepValuesDoNotOverflowTheStack() {
        fun nested(
            depth: Int,
            leaf: JsonElement,
        ): JsonElement {
            var value = leaf
            repeat(depth) { value = JsonArray(listOf(value)) }
            return value
        }
        val depth = 200_000
        // Free-form values are accepted however deep.
        val entry = json(entry(""""op_data": {}""")).jsonObject
        val deepEntry = JsonObject(entry + ("op_data" to JsonObject(mapOf("v" to nested(depth, JsonPrimitive(1))))))
        assertTrue(Validator.validate("CrudEntry", deepEntry).valid)
        // uniqueItems compares two deep values to their leaves.
        val unique = schema("""{"type": "array", "uniqueItems": true, "items": {"type": "any"}}""")
        val same = JsonArray(listOf(nested(depth, JsonPrimitive(1)), nested(depth, JsonPrimitive(1.0))))
        assertEquals(listOf("$ uniqueItems"), pairs(Validator.validateSchema(unique, same)))
        val different = JsonArray(listOf(nested(depth, JsonPrimitive(1)), nested(depth, JsonPrimitive(2))))
        assertTrue(Validator.validateSchema(unique, different).valid)
        // A deep schema walks a value as deep, and the path says every level. (Schema nodes are read with the
        // thread's stack: a few hundred levels, far beyond what a spec nests.)
        var deepSchema = """{"type": "boolean"}"""
        repeat(300) { deepSchema = """{"type": "array", "items": $deepSchema}""" }
        val result = Validator.validateSchema(schema(deepSchema), nested(300, JsonPrimitive("no")))
        assertEquals(listOf("$" + "[0]".repeat(300) + " type"), pairs(result))
    }

    @Test
    fun theCapCountsEveryViolationPastTheHundredth() {
        // 3 violations an entry (op, table, id all missing): entries 0..32 give 99, the 100th is entry 33's op.
        val crud = (0 until 2_000).joinToString { "{}" }
        val result = Validator.validate("CrudTransaction", json("""{"crud": [$crud]}"""))
        assertEquals(Validator.MAX_VIOLATIONS, result.violations.size)
        assertEquals(2_000 * 3 - 100, result.omitted)
        assertEquals(listOf("$.crud[0].op required", "$.crud[0].table required", "$.crud[0].id required"), pairs(result).take(3))
        assertEquals("$.crud[33].op required", pairs(result).last())
        assertTrue(!result.valid)
    }

    @Test
    fun nullIsATypeViolationUnlessNullable() {
        assertTrue(Validator.validate("CrudEntry", json(entry(""""metadata": null, "op_data": null"""))).valid)
        assertEquals(listOf("$.table type"), pairs(Validator.validate("CrudEntry", json("""{"op": "PUT", "table": null, "id": "1"}"""))))
        assertEquals(listOf("$ type"), pairs(Validator.validate("WriteBatch", json("null"))))
    }

    @Test
    fun aBooleanIsNotItsString() {
        val value = json("""{"status": "success", "duplicate": "true"}""")
        assertEquals(listOf("$.duplicate type"), pairs(Validator.validate("TransactionResult", value)))
        assertTrue(Validator.validate("TransactionResult", json("""{"status": "success", "duplicate": true}""")).valid)
    }

    @Test
    fun aUnionTagThatIsNotAStringIsATypeViolationAtTheTag() {
        for (tag in listOf("null", "1", "[\"success\"]")) {
            val result = Validator.validate("TransactionResult", json("""{"status": $tag, "message": 5}"""))
            assertEquals(listOf("$.status type"), pairs(result), tag)
        }
    }

    @Test
    fun inlineSchemasRefersToTheTableAndReportFromTheGivenPath() {
        val ref = schema("""{"type": "ref", "name": "CrudEntry"}""")
        assertEquals(
            listOf("$.crud[3].op required", "$.crud[3].table required", "$.crud[3].id required"),
            pairs(Validator.validateSchema(ref, json("{}"), "$.crud[3]")),
        )
        val unknown =
            assertThrows<IllegalArgumentException> {
                Validator.validateSchema(schema("""{"type": "ref", "name": "Nope"}"""), json("1"))
            }
        assertTrue(unknown.message.orEmpty().contains("Nope"), unknown.message)
        val malformed =
            assertThrows<IllegalArgumentException> { Validator.validateSchema(schema("""{"type": "tuple"}"""), json("1")) }
        assertTrue(malformed.message.orEmpty().contains("tuple"), malformed.message)
    }

    @Test
    fun theEnvelopeLeavesOutThePerItemArraysItems() {
        val batch = json("""{"client_id": 5, "transactions": [{"crud": []}, {"crud": [{}]}]}""")
        assertEquals(listOf("$.client_id type"), pairs(Validator.validateEnvelope("WriteBatch", batch)))
        assertEquals(
            listOf(
                "$.client_id type",
                "$.transactions[0].crud minItems",
                "$.transactions[1].crud[0].op required",
                "$.transactions[1].crud[0].table required",
                "$.transactions[1].crud[0].id required",
            ),
            pairs(Validator.validate("WriteBatch", batch)),
        )
        // The array's own keywords stay in the envelope.
        assertEquals(listOf("$.transactions minItems"), pairs(Validator.validateEnvelope("WriteBatch", json("""{"transactions": []}"""))))

        val arrays = Validator.perItemArrays("WriteBatch")
        assertEquals(setOf("transactions"), arrays.keys)
        val items = arrays.getValue("transactions")
        assertEquals(
            listOf(
                "$.transactions[1].crud[0].op required",
                "$.transactions[1].crud[0].table required",
                "$.transactions[1].crud[0].id required",
            ),
            pairs(Validator.validateSchema(items, json("""{"crud": [{}]}"""), "$.transactions[1]")),
        )
        assertEquals(emptyMap<String, JsonObject>(), Validator.perItemArrays("CrudEntry"))
    }

    @Test
    fun aMissingSchemaTableIsAClearError() {
        // The package's classes loaded again, by a loader that does not see schemas.json.
        val loader = HidingLoader(Validator::class.java.classLoader)
        val validator = loader.loadClass(Validator::class.java.name)
        val validate = validator.getMethod("validate", String::class.java, JsonElement::class.java)
        val thrown =
            assertThrows<InvocationTargetException> {
                validate.invoke(validator.getField("INSTANCE").get(null), "WriteBatch", json("{}"))
            }
        val cause = thrown.cause
        assertTrue(cause is IllegalStateException, "$cause")
        assertTrue(cause!!.message.orEmpty().contains("powersync/write/api/schemas.json"), cause.message)
    }

    /** Defines the package's classes itself (child first) and hides the schema table. */
    private class HidingLoader(
        parent: ClassLoader,
    ) : ClassLoader(parent) {
        private val prefix = Validator::class.java.packageName + "."

        override fun loadClass(
            name: String,
            resolve: Boolean,
        ): Class<*> {
            if (!name.startsWith(prefix)) return super.loadClass(name, resolve)
            synchronized(getClassLoadingLock(name)) {
                findLoadedClass(name)?.let { return it }
                val bytes =
                    parent.getResourceAsStream(name.replace('.', '/') + ".class")?.use { it.readBytes() }
                        ?: throw ClassNotFoundException(name)
                return defineClass(name, bytes, 0, bytes.size)
            }
        }

        override fun getResource(name: String): URL? = if (name.endsWith("schemas.json")) null else super.getResource(name)
    }
}
