package powersync.write.sdk

import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import java.sql.Connection
import java.sql.DriverManager
import java.util.concurrent.TimeUnit

/**
 * A throwaway PostgreSQL cluster, like the TypeScript tests' `support/postgres.ts`: `initdb` into a
 * temporary folder and `pg_ctl start` on a free port of 127.0.0.1. PostgreSQL refuses to run as
 * root, so as root its binaries run as the `postgres` user (`runuser`) and the folder is handed to
 * that user. Binaries come from `$PG_BIN`, else `/usr/lib/postgresql/15/bin`. [stop] stops the
 * server and removes the folder; a JVM shutdown hook and a detached watchdog do the same if the
 * test process ends without calling it.
 */
class PostgresCluster private constructor(
    val dir: Path,
    private val data: Path,
    val port: Int,
) {
    private var stopped = false
    private val shutdownHook = Thread { stopQuietly() }

    init {
        Runtime.getRuntime().addShutdownHook(shutdownHook)
    }

    /** The URL the backend takes. */
    fun url(database: String): String = "postgres://postgres@127.0.0.1:$port/$database"

    fun jdbc(database: String): Connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:$port/$database?user=postgres")

    fun createDatabase(name: String): String {
        require(Regex("[a-z_][a-z0-9_]*").matches(name)) { "database name \"$name\": use lower-case letters, digits and _" }
        jdbc("postgres").use { it.createStatement().use { statement -> statement.execute("CREATE DATABASE $name") } }
        return url(name)
    }

    /** The server's log so far, for failure messages. */
    fun log(): String = dir.resolve("log").toFile().let { if (it.exists()) it.readText() else "" }

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
            val outcome =
                runPg(listOf("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"), dir.resolve("pg_ctl-stop.out"))
            check(outcome.code == 0) { "pg_ctl stop failed (exit code ${outcome.code}) for the test cluster in $dir: ${outcome.output}" }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    private fun stopQuietly() {
        try {
            stop()
        } catch (_: Exception) {
            // Best effort at JVM exit; the watchdog removes what is left.
        }
    }

    companion object {
        private val binDir: String = System.getenv("PG_BIN") ?: "/usr/lib/postgresql/15/bin"

        // The owner of /proc/self is this process's user.
        private val isRoot: Boolean = Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0

        /** Starts a fresh cluster; throws (after removing what it made) if it cannot. */
        fun start(): PostgresCluster {
            for (program in listOf("initdb", "pg_ctl", "postgres")) {
                val path = File(binDir, program)
                check(path.canExecute()) {
                    "$path not found: these tests need a PostgreSQL 15 server's binaries. Install them " +
                        "(Debian/Ubuntu: `apt-get install postgresql-15`) or set PG_BIN to the folder holding initdb, pg_ctl and postgres."
                }
            }
            val dir = Files.createTempDirectory("pgtest-")
            val data = dir.resolve("data")
            try {
                if (isRoot) {
                    val chown = run(listOf("chown", "postgres:postgres", dir.toString()), dir.resolve("chown.out"))
                    check(chown.code == 0) {
                        "tests run as root but the folder cannot be handed to a `postgres` user to run PostgreSQL as " +
                            "(${chown.output.trim()}): install PostgreSQL 15 (it creates the user), or run the tests as a non-root user"
                    }
                }
                val initdb =
                    runPg(
                        listOf("initdb", "-D", data.toString(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"),
                        dir.resolve("initdb.out"),
                    )
                check(initdb.code == 0) { "initdb failed (exit code ${initdb.code}) in $data:\n${initdb.output}" }
                startWatchdog(dir, data)
                var lastError = ""
                // A free port can be taken by someone else before the server binds it: try again.
                repeat(5) {
                    val port = freePort()
                    val options =
                        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off " +
                            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                    val start =
                        runPg(
                            listOf(
                                "pg_ctl",
                                "-D",
                                data.toString(),
                                "-l",
                                dir.resolve("log").toString(),
                                "-w",
                                "-t",
                                "60",
                                "-o",
                                options,
                                "start",
                            ),
                            dir.resolve("pg_ctl.out"),
                        )
                    if (start.code == 0) return PostgresCluster(dir, data, port)
                    lastError = "pg_ctl start failed (exit code ${start.code}): ${start.output}\n${readOrEmpty(dir.resolve("log"))}"
                }
                error("cannot start the test PostgreSQL cluster in $dir: $lastError")
            } catch (error: Throwable) {
                // Stop a server a failed attempt may have left behind before removing its folder.
                runCatching { runPg(listOf("pg_ctl", "-D", data.toString(), "-m", "immediate", "stop"), null) }
                dir.toFile().deleteRecursively()
                throw error
            }
        }

        private fun readOrEmpty(path: Path): String = path.toFile().let { if (it.exists()) it.readText() else "" }

        private data class Outcome(
            val code: Int,
            val output: String,
        )

        /**
         * Runs a command to its end with its output in a file, not a pipe: `pg_ctl start` leaves the
         * server running with the descriptors it was given, so a pipe would never reach end-of-file.
         */
        private fun run(
            command: List<String>,
            outputFile: Path?,
        ): Outcome {
            val builder = ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
            val out = outputFile?.toFile() ?: File("/dev/null")
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(out))
            val process = builder.start()
            check(process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly()
                "${command.joinToString(" ")} did not finish within 120 s"
            }
            return Outcome(process.exitValue(), if (outputFile == null) "" else out.readText())
        }

        /** A PostgreSQL binary's command line, as `postgres` when we are root. */
        private fun runPg(
            command: List<String>,
            outputFile: Path?,
        ): Outcome {
            val path = File(binDir, command.first()).toString()
            val full = if (isRoot) listOf("runuser", "-u", "postgres", "--", path) + command.drop(1) else listOf(path) + command.drop(1)
            return run(full, outputFile)
        }

        /** Stops the cluster and removes its folder once this JVM is gone, however it ends (kill -9 skips shutdown hooks). */
        private fun startWatchdog(
            dir: Path,
            data: Path,
        ) {
            val asPostgres = if (isRoot) "runuser -u postgres -- " else ""
            val pgCtl = quote(File(binDir, "pg_ctl").toString())
            val script =
                "while kill -0 ${ProcessHandle.current().pid()} 2>/dev/null; do sleep 1; done; " +
                    "$asPostgres$pgCtl -D ${quote(data.toString())} -m immediate stop >/dev/null 2>&1; " +
                    "rm -rf ${quote(dir.toString())}"
            // Without a watchdog only the crash-time cleanup is lost; stop() still works.
            runCatching {
                ProcessBuilder("setsid", "sh", "-c", script)
                    .redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start()
            }
        }

        internal fun quote(text: String): String = "'" + text.replace("'", "'\\''") + "'"
    }
}

/** A port on 127.0.0.1 that was free a moment ago. */
fun freePort(): Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
