package powersync.write.sdk

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.io.OutputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger

/**
 * A TCP proxy on 127.0.0.1 in front of the backend that can lose replies: while [dropNextReplies]
 * is above zero, it forwards a request, reads the backend's whole reply (so the backend has
 * committed and answered) and then resets the client's connection instead of passing the reply on
 * — a connection lost after the commit, the case idempotent replays exist for. Otherwise it passes
 * bytes through both ways. Replies are framed by `Content-Length` (the backend always sends it).
 */
class ReplyDroppingProxy(
    private val targetPort: Int,
) : AutoCloseable {
    private val server = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    private val sockets: MutableSet<Socket> = Collections.synchronizedSet(mutableSetOf())

    /** How many of the next replies to lose. */
    val dropNextReplies = AtomicInteger(0)

    /** The replies lost so far: status line and body, as the backend sent them. */
    val droppedReplies: MutableList<String> = Collections.synchronizedList(mutableListOf())

    val port: Int get() = server.localPort
    val baseUrl: String get() = "http://127.0.0.1:$port"

    init {
        thread("proxy-accept") {
            while (!server.isClosed) {
                val client =
                    try {
                        server.accept()
                    } catch (_: IOException) {
                        break
                    }
                thread("proxy-connection") { serve(client) }
            }
        }
    }

    private fun serve(client: Socket) {
        val upstream =
            try {
                Socket(InetAddress.getLoopbackAddress(), targetPort)
            } catch (_: IOException) {
                // The backend is down: the client sees its connection closed, as it would without a proxy (refused).
                client.close()
                return
            }
        sockets.add(client)
        sockets.add(upstream)
        thread("proxy-request") { pump(client.getInputStream(), upstream.getOutputStream(), client, upstream) }
        try {
            val input = upstream.getInputStream()
            val output = client.getOutputStream()
            while (true) {
                val reply = readReply(input) ?: break
                if (dropNextReplies.getAndUpdate { if (it > 0) it - 1 else it } > 0) {
                    val text = reply.toString(Charsets.UTF_8)
                    droppedReplies.add(text.substringBefore("\r\n") + "\n" + text.substringAfter("\r\n\r\n"))
                    // RST, not FIN: the client must not mistake this for a clean close before a reply.
                    client.setSoLinger(true, 0)
                    break
                }
                output.write(reply)
                output.flush()
            }
        } catch (_: IOException) {
            // Either side went away: close both.
        } finally {
            closeQuietly(client)
            closeQuietly(upstream)
        }
    }

    /** One HTTP/1.1 reply (head and Content-Length body), or null at end of stream before one starts. */
    private fun readReply(input: InputStream): ByteArray? {
        val head = ByteArrayOutputStream()
        var matched = 0
        val terminator = "\r\n\r\n".toByteArray()
        while (matched < terminator.size) {
            val byte = input.read()
            if (byte < 0) {
                if (head.size() == 0) return null
                throw IOException("the backend closed the connection in the middle of a reply's head")
            }
            head.write(byte)
            matched =
                if (byte.toByte() == terminator[matched]) {
                    matched + 1
                } else if (byte.toByte() == terminator[0]) {
                    1
                } else {
                    0
                }
        }
        val headText = head.toString(Charsets.ISO_8859_1)
        val length =
            headText.lines().firstNotNullOfOrNull(::contentLength)
                ?: throw IOException("the proxy only frames replies with Content-Length; the backend sent:\n$headText")
        val body = input.readNBytes(length)
        if (body.size < length) throw IOException("the backend closed the connection in the middle of a reply's body")
        return head.toByteArray() + body
    }

    /** The value of a `Content-Length` header line, or null for any other line. */
    private fun contentLength(line: String): Int? {
        val (name, value) = line.split(':', limit = 2).takeIf { it.size == 2 } ?: return null
        return if (name.trim().equals("content-length", ignoreCase = true)) value.trim().toInt() else null
    }

    private fun pump(
        from: InputStream,
        to: OutputStream,
        vararg close: Socket,
    ) {
        try {
            from.copyTo(to)
        } catch (_: IOException) {
            // The other direction notices and closes both.
        } finally {
            close.forEach(::closeQuietly)
        }
    }

    private fun closeQuietly(socket: Socket) {
        try {
            socket.close()
        } catch (_: IOException) {
            // Already closed.
        }
        sockets.remove(socket)
    }

    override fun close() {
        server.close()
        synchronized(sockets) { sockets.toList() }.forEach(::closeQuietly)
    }

    private fun thread(
        name: String,
        body: () -> Unit,
    ) {
        Thread(body, name).apply { isDaemon = true }.start()
    }
}
