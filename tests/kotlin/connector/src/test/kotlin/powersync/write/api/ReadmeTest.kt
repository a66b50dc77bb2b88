package powersync.write.api

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import kotlin.io.path.readText

/** The connector README's example is the compiled AppConnector of these tests, word for word. */
class ReadmeTest {
    @Test
    fun `the README's first Kotlin example is the compiled AppConnector`() {
        val root = ConnectorScenariosTest.repoRoot()
        val readme = root.resolve("templates/kotlin/README-connector.md").readText()
        val block =
            Regex("```kotlin\n(.*?)\n```", RegexOption.DOT_MATCHES_ALL).find(readme)?.groupValues?.get(1)
                ?: throw AssertionError("templates/kotlin/README-connector.md has no ```kotlin block")
        val example =
            root
                .resolve("tests/kotlin/connector/src/test/kotlin/com/example/app/AppConnector.kt")
                .readText()
                .trimEnd('\n')
        assertEquals(example, block, "update templates/kotlin/README-connector.md from AppConnector.kt (or the reverse)")
    }
}
