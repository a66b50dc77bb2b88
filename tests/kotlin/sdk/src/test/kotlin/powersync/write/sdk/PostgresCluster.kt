package powersync.write.sdk

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import java.sql.Connection
import java.sql.DriverManager
import java.util.concurrent.TimeUnit

/**
 * A throwaway PostgreSQL cluster: the same one the Rust and TypeScript tests use, started by the
 * `throwaway-server` binary (`tests/servers`), which prints one JSON line describing the running
 * server and stops it (removing its folder) when its stdin closes. So the server also stops when
 * this JVM dies without calling [stop]; a shutdown hook calls it on a normal exit.
 *
 * The binary is `$THROWAWAY_SERVER` (set by `cargo xtask test`), else `debug/throwaway-server` under
 * `$CARGO_TARGET_DIR`, else under the repository's `target/`. It finds PostgreSQL 15's binaries in
 * `$PG_BIN`, else `/usr/lib/postgresql/15/bin`.
 */
class PostgresCluster private constructor(
    private val process: Process,
    private val stderr: File,
    val dir: Path,
    private val logFile: File,
    val port: Int,
    /** PgBouncer's port in front of the cluster (`pool_mode = transaction`), when started with a pooler. */
    val poolerPort: Int?,
) {
    private var stopped = false
    private val shutdownHook = Thread { stopQuietly() }

    init {
        Runtime.getRuntime().addShutdownHook(shutdownHook)
    }

    /** The URL the backend takes. */
    fun url(database: String): String = "postgres://postgres@127.0.0.1:$port/$database"

    /** The URL of [database] through PgBouncer, for the backend; the cluster must have been started with a pooler. */
    fun poolerUrl(database: String): String {
        val port = checkNotNull(poolerPort) { "this cluster has no pooler: start it with PostgresCluster.start(pooler = true)" }
        return "postgres://postgres@127.0.0.1:$port/$database"
    }

    fun jdbc(database: String): Connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:$port/$database?user=postgres")

    fun createDatabase(name: String): String {
        require(Regex("[a-z_][a-z0-9_]*").matches(name)) { "database name \"$name\": use lower-case letters, digits and _" }
        jdbc("postgres").use { it.createStatement().use { statement -> statement.execute("CREATE DATABASE $name") } }
        return url(name)
    }

    /** The server's log so far, for failure messages. */
    fun log(): String = if (logFile.exists()) logFile.readText() else ""

    /** Stops the server (fast shutdown) and removes the folder. Safe to call twice. */
    @Synchronized
    fun stop() {
        if (stopped) return
        stopped = true
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook)
        } catch (_: IllegalStateException) {
            // Already shutting down: the hook is running this.
        }
        try {
            process.outputStream.close()
            check(process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly()
                "throwaway-server did not stop the test cluster in $dir within 120 s"
            }
            check(process.exitValue() == 0) {
                "throwaway-server did not stop the test cluster in $dir cleanly (exit code ${process.exitValue()}): ${stderr.readText()}"
            }
        } finally {
            stderr.delete()
        }
    }

    private fun stopQuietly() {
        try {
            stop()
        } catch (_: Exception) {
            // Best effort at JVM exit; the closed stdin stops the server anyway.
        }
    }

    companion object {
        fun throwawayServerBinary(): File {
            System.getenv("THROWAWAY_SERVER")?.let { given ->
                val file = File(given)
                check(file.canExecute()) { "the throwaway-server binary $file (THROWAWAY_SERVER) is missing" }
                return file
            }
            val target = System.getenv("CARGO_TARGET_DIR")?.let(::File) ?: File(Backend.repoRoot(), "target")
            val file = File(File(target, "debug"), "throwaway-server")
            check(file.canExecute()) {
                "the throwaway-server binary $file does not exist: build it with " +
                    "`cargo build -p throwaway-servers --bin throwaway-server` at the repository root, or set THROWAWAY_SERVER to its path"
            }
            return file
        }

        /**
         * Starts a fresh cluster, with [pooler] PgBouncer in transaction mode in front of it; throws, with the
         * binary's error output, if it cannot.
         */
        fun start(pooler: Boolean = false): PostgresCluster {
            val binary = throwawayServerBinary()
            val kind = if (pooler) "postgres+pgbouncer" else "postgres"
            val stderr = Files.createTempFile("throwaway-server-", ".err").toFile()
            val process =
                ProcessBuilder(binary.toString(), kind)
                    .redirectError(ProcessBuilder.Redirect.to(stderr))
                    .start()
            try {
                val line =
                    process.inputStream.bufferedReader().readLine()
                        ?: run {
                            process.waitFor(60, TimeUnit.SECONDS)
                            error("$binary $kind ended before the cluster was ready: ${stderr.readText()}")
                        }
                val description = Json.parseToJsonElement(line).jsonObject
                val text = { key: String -> description.getValue(key).jsonPrimitive.content }
                return PostgresCluster(
                    process = process,
                    stderr = stderr,
                    dir = Path.of(text("dir")),
                    logFile = File(text("log")),
                    port = description.getValue("port").jsonPrimitive.int,
                    poolerPort = description["pooler_port"]?.jsonPrimitive?.int,
                )
            } catch (error: Throwable) {
                process.outputStream.close()
                process.waitFor(60, TimeUnit.SECONDS)
                stderr.delete()
                throw error
            }
        }
    }
}

/** A port on 127.0.0.1 that was free a moment ago. */
fun freePort(): Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
