package powersync.write.sdk

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * The reference backend (`powersync-write-server`, built from `runtime/`) as a child process, as
 * the TypeScript tests' `support/backend.ts` runs it: `serve --migrate` in dev-auth mode (no
 * `[auth]`), so [token] mints tokens it accepts. Its environment is the test's minus every
 * `POWERSYNC_WRITE*` variable (a developer's shell must not change what the test runs), plus [env].
 */
class Backend private constructor(
    private val databaseUrl: String,
    private val env: Map<String, String>,
) {
    val binary: File = backendBinary()

    /** The dev-mode signing key and the server logs (`server-N-port-P.log`). */
    val dataDir: Path = Files.createTempDirectory("powersync-write-kotlin-e2e-")
    private var boundPort: Int? = null
    private var process: Process? = null
    private var logFile: File? = null
    private var starts = 0
    private val shutdownHook = Thread { process?.destroyForcibly() }

    init {
        Runtime.getRuntime().addShutdownHook(shutdownHook)
    }

    /** The port, the same across [stop] and [start]. */
    val port: Int get() = boundPort ?: error("the backend has not been started yet: call Backend.start()")

    val baseUrl: String get() = "http://127.0.0.1:$port"

    /** The current (or last) server run's output. */
    fun log(): String = logFile?.takeIf { it.exists() }?.readText() ?: ""

    /**
     * Starts `serve` and waits for `/ready`; again on the same port and data folder after [stop].
     * The first start picks a free port (another process can take it first, so a few are tried).
     */
    fun start() {
        check(process == null) { "the backend is already running on $baseUrl: stop() it first" }
        val attempts = if (boundPort == null) 3 else 1
        var lastError: Exception? = null
        repeat(attempts) {
            val candidate = boundPort ?: freePort()
            try {
                startOn(candidate)
                boundPort = candidate
                return
            } catch (error: IllegalStateException) {
                lastError = error
            }
        }
        throw lastError ?: IllegalStateException("the backend did not start")
    }

    private fun startOn(candidate: Int) {
        starts += 1
        val log = dataDir.resolve("server-$starts-port-$candidate.log").toFile()
        logFile = log
        val builder =
            ProcessBuilder(
                binary.toString(),
                "serve",
                "--data-dir",
                dataDir.toString(),
                "--database-url",
                databaseUrl,
                "--listen",
                "127.0.0.1:$candidate",
                "--migrate",
            ).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log))
                .redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
        cleanEnv(builder.environment())
        val started = builder.start()
        process = started
        val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        var lastProblem = "no answer yet"
        while (System.nanoTime() < deadline) {
            if (!started.isAlive) {
                process = null
                error(
                    "powersync-write-server serve on 127.0.0.1:$candidate exited with code ${started.exitValue()} before it was ready; " +
                        "its log ($log):\n${log()}",
                )
            }
            try {
                val request = HttpRequest.newBuilder(URI("http://127.0.0.1:$candidate/ready")).timeout(Duration.ofSeconds(5)).build()
                val response = http.send(request, HttpResponse.BodyHandlers.ofString())
                if (response.statusCode() == 200) return
                lastProblem = "/ready answered ${response.statusCode()}: ${response.body()}"
            } catch (error: java.io.IOException) {
                lastProblem = "/ready: $error"
            }
            Thread.sleep(100)
        }
        stop()
        error("powersync-write-server serve on 127.0.0.1:$candidate was not ready within 60 s ($lastProblem); its log ($log):\n${log()}")
    }

    /**
     * SIGTERM and wait for the server to exit (it finishes in-flight batches first). Killed, and
     * this throws, if it has not exited within [timeoutSeconds]: a server ignoring SIGTERM is a bug.
     */
    fun stop(timeoutSeconds: Long = 30) {
        val running = process ?: return
        process = null
        running.destroy()
        if (!running.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            running.destroyForcibly().waitFor()
            error("powersync-write-server on $baseUrl did not exit within $timeoutSeconds s of SIGTERM and was killed; its log:\n${log()}")
        }
    }

    /** Stops the server (killing it if need be) and removes the data folder. */
    fun dispose() {
        try {
            stop()
        } finally {
            runCatching { Runtime.getRuntime().removeShutdownHook(shutdownHook) }
            dataDir.toFile().deleteRecursively()
        }
    }

    class CliResult(
        val code: Int,
        val stdout: String,
        val stderr: String,
    )

    /** Runs another subcommand with this backend's data folder and database, e.g. `dead-letters list`. */
    fun cli(vararg args: String): CliResult {
        val out = Files.createTempFile(dataDir, "cli-", ".out").toFile()
        val err = Files.createTempFile(dataDir, "cli-", ".err").toFile()
        try {
            val builder =
                ProcessBuilder(listOf(binary.toString()) + args + listOf("--data-dir", dataDir.toString(), "--database-url", databaseUrl))
                    .redirectOutput(ProcessBuilder.Redirect.to(out))
                    .redirectError(ProcessBuilder.Redirect.to(err))
                    .redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
            cleanEnv(builder.environment())
            val child = builder.start()
            check(child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly()
                "powersync-write-server ${args.joinToString(" ")} did not finish within 60 s"
            }
            return CliResult(child.exitValue(), out.readText(), err.readText())
        } finally {
            out.delete()
            err.delete()
        }
    }

    /** Like [cli], but throws unless the command succeeds; returns its stdout. */
    fun cliOk(vararg args: String): String {
        val result = cli(*args)
        check(result.code == 0) {
            "powersync-write-server ${args.joinToString(" ")} failed (exit code ${result.code}):\n${result.stdout}${result.stderr}"
        }
        return result.stdout
    }

    /** A dev-mode token for [sub], signed with the key under the data folder. */
    fun token(sub: String): String {
        val token = cliOk("token", "--sub", sub).trim()
        check(token.split('.').size == 3) { "powersync-write-server token --sub $sub printed \"$token\", not a JWT" }
        return token
    }

    private fun cleanEnv(environment: MutableMap<String, String>) {
        environment.keys.removeIf { it.startsWith("POWERSYNC_WRITE") }
        environment.putAll(env)
    }

    companion object {
        /** Creates a data folder and starts `serve`; returns once `/ready` answers 200. */
        fun start(
            databaseUrl: String,
            env: Map<String, String> = emptyMap(),
        ): Backend {
            val backend = Backend(databaseUrl, env)
            try {
                backend.start()
            } catch (error: Throwable) {
                backend.dispose()
                throw error
            }
            return backend
        }

        /** The repository root: the nearest folder above the working directory holding `Cargo.toml` and `runtime/`. */
        fun repoRoot(): File {
            val start = File(System.getProperty("user.dir")).absoluteFile
            return generateSequence(start) { it.parentFile }
                .firstOrNull { File(it, "Cargo.toml").isFile && File(it, "runtime").isDirectory }
                ?: error("cannot find the repository root (a folder with Cargo.toml and runtime/) above $start")
        }

        /**
         * The binary: the system property `backend.binary` (`mvn ... -Dbackend.binary=PATH`), else
         * `$POWERSYNC_WRITE_SERVER`, else the newest of `debug/` and `release/` under `$CARGO_TARGET_DIR`
         * and the repository's `target/`.
         */
        fun backendBinary(): File {
            val name = "powersync-write-server"
            val given = System.getProperty("backend.binary")?.takeIf { it.isNotBlank() } ?: System.getenv("POWERSYNC_WRITE_SERVER")
            if (given != null) {
                val file = File(given)
                check(file.canExecute()) { "the reference backend binary $file (-Dbackend.binary or POWERSYNC_WRITE_SERVER) is missing" }
                return file
            }
            val targets = listOfNotNull(System.getenv("CARGO_TARGET_DIR")?.let(::File), File(repoRoot(), "target"))
            val candidates = targets.flatMap { target -> listOf("debug", "release").map { File(File(target, it), name) } }
            return candidates.filter { it.canExecute() }.maxByOrNull { it.lastModified() }
                ?: error(
                    "the reference backend binary $name is not built: looked for ${candidates.joinToString()}. Build it with " +
                        "`cargo build -p powersync-write-server` at the repository root, or pass its path with " +
                        "-Dbackend.binary=PATH (or POWERSYNC_WRITE_SERVER=PATH)",
                )
        }
    }
}
