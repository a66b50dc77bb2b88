package powersync.write.api

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.math.BigDecimal
import java.math.BigInteger
import java.util.concurrent.ConcurrentHashMap
import java.util.regex.Pattern
import java.util.regex.PatternSyntaxException

/**
 * One problem found in a value: [path] says where (`$` is the value itself, `.name` a property, `[i]` an array
 * element), [keyword] the schema keyword that failed (`type`, `required`, `enum`, ...), [message] what is wrong, for people.
 */
data class SchemaViolation(
    val path: String,
    val keyword: String,
    val message: String,
)

/**
 * What a validation found: the first [Validator.MAX_VIOLATIONS] violations at most, in walk order, and the count of
 * the others.
 */
data class ValidationResult(
    val violations: List<SchemaViolation>,
    val omitted: Int,
) {
    /** Whether nothing was found. */
    val valid: Boolean get() = violations.isEmpty() && omitted == 0
}

/**
 * Validation of raw JSON values against the spec's schema table (`schemas.json`, shared with every other language of
 * this project, which report the same (path, keyword) pairs). Nothing below a `type` violation is checked.
 */
object Validator {
    /** The most violations one validation lists; it only counts the ones after them. The same in every language. */
    const val MAX_VIOLATIONS: Int = 100

    /** Validates [value] against the named schema of `schemas.json`. */
    fun validate(
        schemaName: String,
        value: JsonElement,
    ): ValidationResult = run(named(schemaName), value, ROOT, envelope = false)

    /**
     * Validates [value] against [schema], a schema node in the format of `schemas.json` (for parameters, headers and
     * bodies that are not a named schema), reporting paths from [path].
     */
    fun validateSchema(
        schema: JsonObject,
        value: JsonElement,
        path: String = ROOT,
    ): ValidationResult = run(parseInline(schema), value, path, envelope = false)

    /**
     * Validates [value] against the named schema without the items of its `x-per-item-validation` arrays (`perItem`):
     * what can make a whole request invalid when those items are validated one by one.
     */
    fun validateEnvelope(
        schemaName: String,
        value: JsonElement,
    ): ValidationResult = run(named(schemaName), value, ROOT, envelope = true)

    /**
     * The `x-per-item-validation` arrays of a named object schema: each property's name and its items' schema node,
     * in the schema's order (validate an item with [validateSchema] and the path `$.name[i]`).
     */
    fun perItemArrays(schemaName: String): Map<String, JsonObject> {
        var resolved = named(schemaName)
        if (resolved.kind == "ref") resolved = table.getValue(resolved.name!!)
        val found = LinkedHashMap<String, JsonObject>()
        for (property in resolved.properties) {
            val schema = property.schema
            if (schema.kind == "array" && schema.perItem) found[property.name] = schema.items!!.source
        }
        return found
    }

    private const val ROOT = "$"
    private const val RESOURCE = "schemas.json"

    // Loaded on first use; a failure is not cached, so each call says what is wrong.
    private val table: Map<String, Schema> by lazy { loadTable() }

    private fun named(schemaName: String): Schema =
        table[schemaName]
            ?: throw IllegalArgumentException(
                "the spec has no schema named \"$schemaName\" (schemas.json names ${table.keys.joinToString(", ")})",
            )

    private fun parseInline(schema: JsonObject): Schema {
        val parsed =
            try {
                readSchema(schema, "the schema")
            } catch (e: SchemaTableException) {
                throw IllegalArgumentException("a schema to validate against does not read: ${e.message}", e)
            }
        val missing = danglingReferences(parsed, "the schema", table.keys)
        require(missing == null) { "a schema to validate against refers to a schema schemas.json does not have: $missing" }
        return parsed
    }

    private fun run(
        schema: Schema,
        value: JsonElement,
        path: String,
        envelope: Boolean,
    ): ValidationResult {
        val walk = Walk(table, envelope)
        walk.check(Task(schema, value, Path(null, path, -1)))
        return ValidationResult(walk.listed.toList(), walk.omitted)
    }

    private fun loadTable(): Map<String, Schema> {
        val resource = "${Validator::class.java.packageName.replace('.', '/')}/$RESOURCE"
        val stream =
            Validator::class.java.getResourceAsStream(RESOURCE)
                ?: throw IllegalStateException(
                    "the schema table $resource is not on the classpath: it ships in the generated package's " +
                        "src/main/resources/$resource; build the package with its resources",
                )
        val text = stream.use { it.readBytes().toString(Charsets.UTF_8) }
        try {
            val root = Json.parseToJsonElement(text) as? JsonObject ?: throw SchemaTableException("expected an object")
            val schemas = LinkedHashMap<String, Schema>()
            for ((name, node) in root) schemas[name] = readSchema(node, name)
            for ((name, schema) in schemas) {
                danglingReferences(schema, name, schemas.keys)?.let { throw SchemaTableException("refers to $it") }
            }
            return schemas
        } catch (e: IllegalArgumentException) {
            // kotlinx.serialization's SerializationException is one: the text is not JSON.
            throw IllegalStateException("$resource is not JSON: ${e.message}; it is written by the generator", e)
        } catch (e: SchemaTableException) {
            throw IllegalStateException("$resource does not read: ${e.message}; it is written by the generator", e)
        }
    }

    /** A schema node that does not have the format of `schemas.json`. */
    private class SchemaTableException(
        message: String,
    ) : Exception(message)

    private class Bound(
        val text: String,
        val exact: BigDecimal,
        val exclusive: Boolean,
    )

    private class Property(
        val name: String,
        val schema: Schema,
        val required: Boolean,
    )

    /** One node of the schema table, read once. [source] is the node as written, handed out by `perItemArrays`. */
    private class Schema(
        val source: JsonObject,
        val kind: String,
        val format: String?,
        val nullable: Boolean,
        val enum: List<JsonElement>?,
        val minimum: Bound?,
        val maximum: Bound?,
        val minLength: Long?,
        val maxLength: Long?,
        val minItems: Long?,
        val maxItems: Long?,
        val pattern: String?,
        val regex: Pattern?,
        val regexError: String?,
        val uniqueItems: Boolean,
        val perItem: Boolean,
        val items: Schema?,
        val values: Schema?,
        val name: String?,
        val properties: List<Property>,
        val additional: Schema?,
        val discriminator: String?,
        val mapping: Map<String, String>,
    ) {
        fun declares(property: String): Boolean = properties.any { it.name == property }
    }

    // Compiled once per text: validateSchema reads its schema node on each call.
    private val patterns = ConcurrentHashMap<String, Pattern>()

    private val kinds = setOf("any", "boolean", "integer", "number", "string", "array", "map", "object", "union", "ref")

    private fun readSchema(
        node: JsonElement,
        where: String,
    ): Schema {
        val obj = node as? JsonObject ?: throw SchemaTableException("$where: a schema must be an object")

        fun text(key: String): String? {
            val v = obj[key] ?: return null
            if (v !is JsonPrimitive || !v.isString) throw SchemaTableException("$where.$key must be a string")
            return v.content
        }

        fun flag(key: String): Boolean {
            val v = obj[key] ?: return false
            if (v !is JsonPrimitive || v.isString || v.content !in setOf("true", "false")) {
                throw SchemaTableException("$where.$key must be true or false")
            }
            return v.content == "true"
        }

        fun count(key: String): Long? {
            val v = obj[key] ?: return null
            val n = (v as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()
            return n ?: throw SchemaTableException("$where.$key must be an integer")
        }

        fun bound(key: String): Bound? {
            val v = obj[key] ?: return null
            val b = v as? JsonObject ?: throw SchemaTableException("$where.$key must be an object")
            val value = b["value"] as? JsonPrimitive
            val exact = value?.takeIf { !it.isString && it !is JsonNull }?.content?.toBigDecimalOrNull()
            if (value == null || exact == null) throw SchemaTableException("$where.$key.value must be a number")
            val exclusive = (b["exclusive"] as? JsonPrimitive)?.takeIf { !it.isString }?.content == "true"
            return Bound(value.content, exact, exclusive)
        }

        fun sub(key: String): Schema? = obj[key]?.let { readSchema(it, "$where.$key") }

        val kind = text("type") ?: throw SchemaTableException("$where.type is missing")
        if (kind !in kinds) throw SchemaTableException("$where.type \"$kind\" is not one of ${kinds.joinToString(", ")}")
        val enum =
            obj["enum"]?.let {
                it as? JsonArray ?: throw SchemaTableException("$where.enum must be an array")
            }
        val properties = mutableListOf<Property>()
        obj["properties"]?.let { props ->
            val p = props as? JsonObject ?: throw SchemaTableException("$where.properties must be an object")
            for ((name, entry) in p) {
                val e = entry as? JsonObject ?: throw SchemaTableException("$where.properties.$name must be an object")
                val schema =
                    readSchema(
                        e["schema"] ?: throw SchemaTableException("$where.properties.$name.schema is missing"),
                        "$where.properties.$name",
                    )
                val required = (e["required"] as? JsonPrimitive)?.takeIf { !it.isString }?.content == "true"
                properties += Property(name, schema, required)
            }
        }
        val mapping = LinkedHashMap<String, String>()
        obj["mapping"]?.let { m ->
            val entries = m as? JsonObject ?: throw SchemaTableException("$where.mapping must be an object")
            for ((tag, target) in entries) {
                val t = (target as? JsonPrimitive)?.takeIf { it.isString }?.content
                mapping[tag] = t ?: throw SchemaTableException("$where.mapping.$tag must be a schema name")
            }
        }
        val pattern = text("pattern")
        var regex: Pattern? = null
        var regexError: String? = null
        if (pattern != null) {
            try {
                regex = patterns.getOrPut(pattern) { Pattern.compile(pattern) }
            } catch (e: PatternSyntaxException) {
                // As the other languages do with a pattern they cannot compile: no string matches it.
                regexError = e.description
            }
        }
        val schema =
            Schema(
                source = obj,
                kind = kind,
                format = text("format"),
                nullable = flag("nullable"),
                enum = enum,
                minimum = bound("minimum"),
                maximum = bound("maximum"),
                minLength = count("minLength"),
                maxLength = count("maxLength"),
                minItems = count("minItems"),
                maxItems = count("maxItems"),
                pattern = pattern,
                regex = regex,
                regexError = regexError,
                uniqueItems = flag("uniqueItems"),
                perItem = flag("perItem"),
                items = sub("items"),
                values = sub("values"),
                name = text("name"),
                properties = properties,
                additional = sub("additionalProperties"),
                discriminator = text("discriminator"),
                mapping = mapping,
            )
        val needs =
            when (kind) {
                "array" -> "items".takeIf { schema.items == null }
                "map" -> "values".takeIf { schema.values == null }
                "ref" -> "name".takeIf { schema.name == null }
                "union" -> "discriminator".takeIf { schema.discriminator == null }
                else -> null
            }
        if (needs != null) throw SchemaTableException("$where: a schema of type $kind needs $needs")
        return schema
    }

    /** The first reference of [schema] (or of a schema inside it) to a name not in [names], said with its place. */
    private fun danglingReferences(
        schema: Schema,
        where: String,
        names: Set<String>,
    ): String? {
        if (schema.kind == "ref" && schema.name !in names) return "\"${schema.name}\" (at $where)"
        for ((tag, target) in schema.mapping) {
            if (target !in names) return "\"$target\" (at $where.mapping.$tag)"
        }
        val inside =
            listOfNotNull(
                schema.items?.let { it to "$where.items" },
                schema.values?.let { it to "$where.values" },
                schema.additional?.let { it to "$where.additionalProperties" },
            ) + schema.properties.map { it.schema to "$where.properties.${it.name}" }
        for ((sub, at) in inside) danglingReferences(sub, at, names)?.let { return it }
        return null
    }

    /**
     * A place in the value, built into text only when a violation there is listed: paths past the cap cost nothing,
     * and a deep value does not build a path for each of its levels.
     */
    private class Path(
        val parent: Path?,
        // The root's text, or a property name; null for an array element.
        val name: String?,
        val index: Int,
    ) {
        fun property(name: String): Path = Path(this, name, -1)

        fun item(index: Int): Path = Path(this, null, index)

        fun render(): String {
            val chain = ArrayList<Path>()
            var at: Path? = this
            while (at != null) {
                chain += at
                at = at.parent
            }
            val out = StringBuilder(chain.last().name)
            for (i in chain.size - 2 downTo 0) {
                val step = chain[i]
                when {
                    step.name == null -> out.append('[').append(step.index).append(']')
                    identifier.matches(step.name) -> out.append('.').append(step.name)
                    else -> out.append("['").append(step.name.replace("\\", "\\\\").replace("'", "\\'")).append("']")
                }
            }
            return out.toString()
        }
    }

    private val identifier = Regex("[A-Za-z_][A-Za-z0-9_]*")

    private class Task(
        val schema: Schema,
        val value: JsonElement,
        val path: Path,
    )

    private val minInt32 = BigInteger.valueOf(Int.MIN_VALUE.toLong())
    private val maxInt32 = BigInteger.valueOf(Int.MAX_VALUE.toLong())
    private val minInt64 = BigInteger.valueOf(Long.MIN_VALUE)
    private val maxInt64 = BigInteger.valueOf(Long.MAX_VALUE)

    /** The JSON type of a value, as messages name it. */
    private fun jsonType(value: JsonElement): String =
        when {
            value is JsonNull -> "null"
            value is JsonObject -> "object"
            value is JsonArray -> "array"
            value is JsonPrimitive && value.isString -> "string"
            isBoolean(value) -> "boolean"
            isIntegerLiteral((value as JsonPrimitive).content) -> "integer"
            else -> "number"
        }

    private fun isBoolean(value: JsonElement): Boolean =
        value is JsonPrimitive && value !is JsonNull && !value.isString && (value.content == "true" || value.content == "false")

    /** The text of a JSON number, or null for any other value. */
    private fun numberText(value: JsonElement): String? =
        if (value !is JsonPrimitive || value is JsonNull || value.isString || isBoolean(value)) null else value.content

    /** Whether a number is written without fraction or exponent (`1.0` is not an integer, as in Go and Python). */
    private fun isIntegerLiteral(text: String): Boolean = text.none { it == '.' || it == 'e' || it == 'E' }

    private fun integerOf(text: String): BigInteger? = if (isIntegerLiteral(text)) text.toBigIntegerOrNull() else null

    /** Numbers compare by value: integers exactly, others as doubles. */
    private fun numbersEqual(
        a: String,
        b: String,
    ): Boolean {
        val x = integerOf(a)
        val y = integerOf(b)
        if (x != null && y != null) return x == y
        val f = a.toDoubleOrNull()
        val g = b.toDoubleOrNull()
        return f != null && g != null && f == g
    }

    private fun shown(value: JsonElement): String = if (value is JsonPrimitive) value.content else value.toString()

    /** One validation: the walk and what it found. */
    private class Walk(
        val table: Map<String, Schema>,
        val envelope: Boolean,
    ) {
        val listed = ArrayList<SchemaViolation>()
        var omitted = 0

        /** Records a violation: listed while fewer than the cap are, else only counted ([message] runs only if listed). */
        fun add(
            path: Path,
            keyword: String,
            message: () -> String,
        ) {
            if (listed.size < Validator.MAX_VIOLATIONS) {
                listed += SchemaViolation(path.render(), keyword, message())
            } else {
                omitted++
            }
        }

        fun typeViolation(
            path: Path,
            expected: String,
            value: JsonElement,
        ) = add(path, "type") { "expected $expected, found ${jsonType(value)}" }

        // A deep recursion on the heap: a value nested however deep (a recursive schema) cannot overflow the stack.
        private val walker =
            DeepRecursiveFunction<Task, Unit> { task ->
                val schema = task.schema
                val value = task.value
                val path = task.path
                if (schema.kind == "any" || (value is JsonNull && schema.nullable)) return@DeepRecursiveFunction
                when (schema.kind) {
                    "ref" -> {
                        callRecursive(Task(table.getValue(schema.name!!), value, path))
                    }

                    "boolean" -> {
                        if (!isBoolean(value)) typeViolation(path, "boolean", value)
                    }

                    "integer" -> {
                        checkInteger(schema, value, path)
                    }

                    "number" -> {
                        checkNumber(schema, value, path)
                    }

                    "string" -> {
                        checkString(schema, value, path)
                    }

                    "array" -> {
                        if (value !is JsonArray) return@DeepRecursiveFunction typeViolation(path, "array", value)
                        checkArrayKeywords(schema, value, path)
                        if (envelope && schema.perItem) return@DeepRecursiveFunction
                        for ((i, item) in value.withIndex()) callRecursive(Task(schema.items!!, item, path.item(i)))
                    }

                    "map" -> {
                        if (value !is JsonObject) return@DeepRecursiveFunction typeViolation(path, "object", value)
                        for ((name, item) in value) callRecursive(Task(schema.values!!, item, path.property(name)))
                    }

                    "object" -> {
                        if (value !is JsonObject) return@DeepRecursiveFunction typeViolation(path, "object", value)
                        for (property in schema.properties) {
                            val item = value[property.name]
                            if (item != null) {
                                callRecursive(Task(property.schema, item, path.property(property.name)))
                            } else if (property.required) {
                                add(path.property(property.name), "required") { "the property `${property.name}` is required" }
                            }
                        }
                        val additional = schema.additional ?: return@DeepRecursiveFunction
                        for ((name, item) in value) {
                            if (!schema.declares(name)) callRecursive(Task(additional, item, path.property(name)))
                        }
                    }

                    "union" -> {
                        if (value !is JsonObject) return@DeepRecursiveFunction typeViolation(path, "object", value)
                        val variant = selectVariant(schema, value, path) ?: return@DeepRecursiveFunction
                        callRecursive(Task(table.getValue(variant), value, path))
                    }
                }
            }

        fun check(task: Task) = walker.invoke(task)

        /** The variant a union's tag selects, or null after reporting why none is. */
        private fun selectVariant(
            schema: Schema,
            value: JsonObject,
            path: Path,
        ): String? {
            val discriminator = schema.discriminator!!
            val tagPath = path.property(discriminator)
            val tag = value[discriminator]
            if (tag == null) {
                add(tagPath, "required") { "the property `$discriminator` is required" }
                return null
            }
            if (tag !is JsonPrimitive || !tag.isString) {
                typeViolation(tagPath, "string", tag)
                return null
            }
            val variant = schema.mapping[tag.content]
            if (variant == null) {
                add(tagPath, "discriminator") { "must be one of ${schema.mapping.keys.joinToString(", ")}" }
            }
            return variant
        }

        private fun checkBounds(
            schema: Schema,
            compare: (Bound) -> Int,
            path: Path,
        ) {
            schema.minimum?.let { b ->
                val c = compare(b)
                if (c < 0 || (b.exclusive && c == 0)) add(path, "minimum") { "must be ${if (b.exclusive) ">" else ">="} ${b.text}" }
            }
            schema.maximum?.let { b ->
                val c = compare(b)
                if (c > 0 || (b.exclusive && c == 0)) add(path, "maximum") { "must be ${if (b.exclusive) "<" else "<="} ${b.text}" }
            }
        }

        private fun checkEnum(
            schema: Schema,
            path: Path,
            equal: (JsonElement) -> Boolean,
        ) {
            val allowed = schema.enum!!
            if (allowed.none(equal)) add(path, "enum") { "must be one of ${allowed.joinToString(", ") { shown(it) }}" }
        }

        /** An integer is a JSON number without fraction or exponent, read exactly, then held to its format's range. */
        private fun checkInteger(
            schema: Schema,
            value: JsonElement,
            path: Path,
        ) {
            val text = numberText(value)
            val integer = text?.let { integerOf(it) }
            if (text == null || integer == null) return typeViolation(path, "integer", value)
            if (schema.enum != null) {
                return checkEnum(schema, path) { allowed -> numberText(allowed)?.let { numbersEqual(it, text) } == true }
            }
            val int32 = schema.format == "int32"
            val (low, high) = if (int32) minInt32 to maxInt32 else minInt64 to maxInt64
            if (integer < low || integer > high) {
                add(path, "format") { "is outside the ${if (int32) "int32" else "int64"} range" }
            }
            val exact = BigDecimal(integer)
            checkBounds(schema, { exact.compareTo(it.exact) }, path)
        }

        private fun checkNumber(
            schema: Schema,
            value: JsonElement,
            path: Path,
        ) {
            val number = numberText(value)?.toDoubleOrNull()
            // Beyond the range of a double (or not a number at all): not a finite number.
            if (number == null || !number.isFinite()) return typeViolation(path, "number", value)
            if (schema.enum != null) {
                return checkEnum(schema, path) { allowed -> numberText(allowed)?.toDoubleOrNull() == number }
            }
            checkBounds(schema, { number.compareTo(it.text.toDouble()) }, path)
        }

        private fun checkString(
            schema: Schema,
            value: JsonElement,
            path: Path,
        ) {
            if (value !is JsonPrimitive || !value.isString) return typeViolation(path, "string", value)
            val text = value.content
            if (schema.enum != null) {
                checkEnum(schema, path) { allowed -> allowed is JsonPrimitive && allowed.isString && allowed.content == text }
            }
            // Lengths count Unicode code points, not UTF-16 units.
            val length = text.codePointCount(0, text.length).toLong()
            schema.minLength?.let { limit ->
                if (length < limit) add(path, "minLength") { "must be at least $limit characters long" }
            }
            schema.maxLength?.let { limit ->
                if (length > limit) add(path, "maxLength") { "must be at most $limit characters long" }
            }
            val pattern = schema.pattern ?: return
            if (schema.regex == null || !schema.regex.matcher(text).find()) {
                add(path, "pattern") {
                    val broken = schema.regexError?.let { " (the pattern does not compile in Java: $it)" } ?: ""
                    "must match the pattern `$pattern`$broken"
                }
            }
        }

        private fun checkArrayKeywords(
            schema: Schema,
            value: JsonArray,
            path: Path,
        ) {
            val length = value.size.toLong()
            schema.minItems?.let { limit ->
                if (length < limit) add(path, "minItems") { "must have at least $limit items" }
            }
            schema.maxItems?.let { limit ->
                if (length > limit) add(path, "maxItems") { "must have at most $limit items" }
            }
            if (schema.uniqueItems && hasDuplicates(value)) add(path, "uniqueItems") { "items must be unique" }
        }
    }

    private fun hasDuplicates(items: List<JsonElement>): Boolean {
        for (i in items.indices) {
            for (j in i + 1 until items.size) {
                if (jsonEqual.invoke(items[i] to items[j])) return true
            }
        }
        return false
    }

    /** Equality of JSON values: numbers by value, objects by their members in any order; on the heap, for deep values. */
    private val jsonEqual =
        DeepRecursiveFunction<Pair<JsonElement, JsonElement>, Boolean> { (a, b) ->
            when {
                a is JsonArray -> {
                    if (b !is JsonArray || a.size != b.size) return@DeepRecursiveFunction false
                    for (i in a.indices) {
                        if (!callRecursive(a[i] to b[i])) return@DeepRecursiveFunction false
                    }
                    true
                }

                a is JsonObject -> {
                    if (b !is JsonObject || a.size != b.size) return@DeepRecursiveFunction false
                    for ((name, item) in a) {
                        val other = b[name] ?: return@DeepRecursiveFunction false
                        if (!callRecursive(item to other)) return@DeepRecursiveFunction false
                    }
                    true
                }

                a is JsonNull -> {
                    b is JsonNull
                }

                a is JsonPrimitive && a.isString -> {
                    b is JsonPrimitive && b.isString && a.content == b.content
                }

                isBoolean(a) -> {
                    isBoolean(b) && (a as JsonPrimitive).content == (b as JsonPrimitive).content
                }

                else -> {
                    val x = numberText(a)
                    val y = numberText(b)
                    x != null && y != null && numbersEqual(x, y)
                }
            }
        }
}
