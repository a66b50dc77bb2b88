package powersync.write.tests.validator

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import powersync.write.api.Validator
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.exists
import kotlin.io.path.isDirectory
import kotlin.io.path.name
import kotlin.io.path.readText

/** Replays every shared vector of tests/vectors (format and rules in its README) through the Kotlin validator. */
class VectorsTest {
    @TestFactory
    fun vectors(): List<DynamicTest> {
        val folder = repoRoot().resolve("tests/vectors")
        val files =
            Files.list(folder).use { schemas -> schemas.filter { it.isDirectory() }.sorted().toList() }.flatMap { schema ->
                Files.list(schema).use { cases -> cases.filter { it.name.endsWith(".json") }.sorted().toList() }
            }
        // An empty or misplaced folder must fail, not pass with nothing run (there are 101 vectors today).
        assertTrue(files.size >= MINIMUM_VECTORS, "expected at least $MINIMUM_VECTORS vectors under $folder, found ${files.size}")
        return files.map { file -> DynamicTest.dynamicTest("${file.parent.name}/${file.name}") { replay(file) } }
    }

    private fun replay(file: Path) {
        val vector = Json.parseToJsonElement(file.readText()) as JsonObject
        val unknown = vector.keys - setOf("description", "schema", "value", "errors", "omitted")
        assertTrue(unknown.isEmpty(), "$file: keys the vector format does not define: $unknown")
        val schema = (vector["schema"] as JsonPrimitive).content
        assertEquals(file.parent.name, schema, "$file: the schema is not the folder's name")
        val value = vector["value"] ?: error("$file: no value (a null value is written as null)")
        val expected =
            (vector["errors"] as JsonArray).map { error ->
                val e = error as JsonObject
                pair((e["path"] as JsonPrimitive).content, (e["keyword"] as JsonPrimitive).content)
            }
        val omitted = (vector["omitted"] as JsonPrimitive?)?.content?.toInt() ?: 0

        val result = Validator.validate(schema, value)

        // Multisets of (path, keyword): sorted lists compare as such and show what differs.
        assertEquals(expected.sorted(), result.violations.map { pair(it.path, it.keyword) }.sorted(), "$file: violations")
        assertEquals(omitted, result.omitted, "$file: omitted")
        assertTrue(result.violations.all { it.message.isNotBlank() }, "$file: a violation without a message")
    }

    private fun pair(
        path: String,
        keyword: String,
    ) = "$path $keyword"

    private companion object {
        const val MINIMUM_VECTORS = 100
    }
}

/** The repository's root: the nearest folder above the working directory with Cargo.toml and runtime/. */
internal fun repoRoot(): Path {
    var at: Path? = Paths.get("").toAbsolutePath()
    while (at != null) {
        if (at.resolve("Cargo.toml").exists() && at.resolve("runtime").isDirectory()) return at
        at = at.parent
    }
    error("no folder above ${Paths.get("").toAbsolutePath()} holds Cargo.toml and runtime/: run the tests inside the repository")
}
