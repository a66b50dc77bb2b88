package powersync.write.api

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import kotlinx.serialization.json.JsonElement
import java.net.InetAddress
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** One request as the server received it. */
class RecordedRequest(
    val method: String,
    val path: String,
    /** Lower-case names. */
    val headers: Map<String, String>,
    val text: String,
    /** The body parsed as JSON, or null when it is not JSON. */
    val json: JsonElement?,
    /** `System.nanoTime()` when the body had arrived. */
    val receivedAtNanos: Long,
)

/** One scripted reply. */
sealed interface ScriptedReply {
    /** Answers [status] with [body] (sent as it is) of [contentType] and extra [headers]. */
    class Send(
        val status: Int,
        val headers: Map<String, String>,
        val body: String,
        val contentType: String,
    ) : ScriptedReply

    /** Computes the reply from the request it answers. */
    class Computed(
        val make: (RecordedRequest) -> Send,
    ) : ScriptedReply

    /** Never answers; the connection stays open until the server closes. */
    data object Hang : ScriptedReply

    /** Closes the connection without answering (a network failure). */
    data object Close : ScriptedReply
}

/**
 * A real HTTP server on 127.0.0.1 answering a scripted list of replies, one per request in
 * order, and recording every request, so the client's real wire handling is exercised.
 */
class FakeServer : AutoCloseable {
    val requests: MutableList<RecordedRequest> = CopyOnWriteArrayList()
    private val script = ConcurrentLinkedQueue<ScriptedReply>()
    private val released = CountDownLatch(1)
    private val executor: ExecutorService = Executors.newCachedThreadPool()
    private val server: HttpServer = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)

    /** `System.nanoTime()` when the last reply was sent, if any. */
    @Volatile var lastReplyAtNanos: Long? = null
        private set

    val url: String

    init {
        server.executor = executor
        server.createContext("/") { exchange -> answer(exchange) }
        server.start()
        url = "http://127.0.0.1:${server.address.port}"
    }

    fun push(replies: List<ScriptedReply>) {
        script.addAll(replies)
    }

    /** Scripted replies not used yet. */
    val unused: Int get() = script.size

    override fun close() {
        released.countDown()
        server.stop(0)
        executor.shutdownNow()
        executor.awaitTermination(5, TimeUnit.SECONDS)
    }

    private fun answer(exchange: HttpExchange) {
        val text = exchange.requestBody.readAllBytes().toString(Charsets.UTF_8)
        val json =
            try {
                WireJson.parseToJsonElement(text)
            } catch (_: Exception) {
                null
            }
        val headers = exchange.requestHeaders.entries.associate { (name, values) -> name.lowercase() to values.joinToString(", ") }
        val request =
            RecordedRequest(exchange.requestMethod, exchange.requestURI.path, headers, text, json, System.nanoTime())
        requests += request
        // An unscripted request is a test failure: answer something the client refuses loudly.
        val next = script.poll() ?: ScriptedReply.Send(599, emptyMap(), "unscripted request", "text/plain")
        val reply =
            when (next) {
                is ScriptedReply.Computed -> next.make(request)
                else -> next
            }
        when (reply) {
            is ScriptedReply.Send -> {
                val bytes = reply.body.toByteArray(Charsets.UTF_8)
                exchange.responseHeaders.add("content-type", reply.contentType)
                for ((name, value) in reply.headers) exchange.responseHeaders.add(name, value)
                exchange.sendResponseHeaders(reply.status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
                // Recorded before the body goes out, so the client cannot have the whole reply
                // (and the test read this) before it is set.
                lastReplyAtNanos = System.nanoTime()
                exchange.responseBody.use { it.write(bytes) }
            }

            ScriptedReply.Hang -> {
                released.await()
                exchange.close()
            }

            // Without a response sent, closing the exchange closes the connection.
            ScriptedReply.Close -> {
                exchange.close()
            }

            is ScriptedReply.Computed -> {
                error("a computed reply computed another computed reply")
            }
        }
    }
}
