// The file name is the one the generated package uses for it (see the Kotlin contract).
@file:Suppress("ktlint:standard:filename")

package powersync.write.api

// Stand-in: the real declaration is in templates/kotlin/support/Validator.kt (another branch).

data class SchemaViolation(
    val path: String,
    val keyword: String,
    val message: String,
)
