package powersync.write.sdk

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors

/**
 * The least of a PowerSync service that makes the SDK consider itself connected, since the SDK runs
 * its upload loop (and so calls the connector's `uploadData`) only while connected: `POST
 * /sync/stream` answers an empty, complete checkpoint as NDJSON and keeps the stream open;
 * `GET /write-checkpoint2.json` (asked after each upload) answers a write checkpoint. Downloads are
 * not what these tests are about.
 */
class FakeSyncService : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
    private val closing = CountDownLatch(1)
    private val executor = Executors.newCachedThreadPool { runnable -> Thread(runnable, "fake-sync-service").apply { isDaemon = true } }

    /** Every request's method and path, in order. */
    val requests: MutableList<String> = Collections.synchronizedList(mutableListOf())

    val endpoint: String get() = "http://127.0.0.1:${server.address.port}"

    init {
        server.createContext("/") { exchange -> exchange.use { handle(it) } }
        server.executor = executor
        server.start()
    }

    private fun handle(exchange: HttpExchange) {
        exchange.requestBody.readAllBytes()
        requests += "${exchange.requestMethod} ${exchange.requestURI.path}"
        when (exchange.requestURI.path) {
            "/sync/stream" -> {
                exchange.responseHeaders.add("Content-Type", "application/x-ndjson")
                exchange.sendResponseHeaders(200, 0)
                val lines =
                    """{"checkpoint":{"last_op_id":"0","buckets":[]}}""" + "\n" +
                        """{"checkpoint_complete":{"last_op_id":"0"}}""" + "\n"
                try {
                    exchange.responseBody.write(lines.toByteArray())
                    exchange.responseBody.flush()
                    // Held open, as a real service holds its stream, until the test ends.
                    closing.await()
                } catch (_: IOException) {
                    // The SDK disconnected.
                }
            }

            "/write-checkpoint2.json" -> {
                reply(exchange, 200, """{"data":{"write_checkpoint":"1"}}""")
            }

            else -> {
                reply(exchange, 404, """{"error":"the fake sync service has no ${exchange.requestURI.path}"}""")
            }
        }
    }

    private fun reply(
        exchange: HttpExchange,
        status: Int,
        body: String,
    ) {
        val bytes = body.toByteArray()
        exchange.responseHeaders.add("Content-Type", "application/json")
        exchange.sendResponseHeaders(status, bytes.size.toLong())
        exchange.responseBody.write(bytes)
    }

    override fun close() {
        closing.countDown()
        server.stop(0)
        executor.shutdownNow()
    }
}
