package dev.parley.client

import java.io.IOException
import java.io.InputStream
import java.io.OutputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.concurrent.thread

/**
 * A loopback TCP proxy to the test server that can break the connections through it, as a phone's
 * network does: [dropAll] closes them (the client sees the connection end), [stallAll] stops
 * forwarding while keeping them open (a dead link only a heartbeat notices). New connections
 * are forwarded normally either way.
 */
class TcpProxy(target: String) : AutoCloseable {
    private val host = target.substringBeforeLast(':')
    private val port = target.substringAfterLast(':').toInt()
    private val listener = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    private val links = CopyOnWriteArrayList<Link>()

    val address: String = "127.0.0.1:${listener.localPort}"

    init {
        thread(isDaemon = true, name = "tcp-proxy-accept") {
            while (true) {
                val client = try {
                    listener.accept()
                } catch (ignored: IOException) {
                    break
                }
                try {
                    links += Link(client, Socket(host, port))
                } catch (ignored: IOException) {
                    client.close()
                }
            }
        }
    }

    /** Connections accepted so far and not dropped. */
    val openLinks: Int get() = links.size

    fun dropAll() {
        links.forEach { it.close() }
        links.clear()
    }

    fun stallAll() {
        links.forEach { it.stalled = true }
    }

    override fun close() {
        listener.close()
        dropAll()
    }

    private class Link(private val client: Socket, private val upstream: Socket) {
        @Volatile
        var stalled = false

        init {
            pump(client.getInputStream(), upstream.getOutputStream())
            pump(upstream.getInputStream(), client.getOutputStream())
        }

        private fun pump(from: InputStream, to: OutputStream) = thread(isDaemon = true, name = "tcp-proxy-pump") {
            val buffer = ByteArray(16 * 1024)
            try {
                while (true) {
                    val n = from.read(buffer)
                    if (n < 0) break
                    while (stalled) Thread.sleep(50) // hold the bytes: the link goes silent, not closed
                    to.write(buffer, 0, n)
                    to.flush()
                }
            } catch (ignored: IOException) {
            } catch (ignored: InterruptedException) {
            } finally {
                if (!stalled) close()
            }
        }

        fun close() {
            stalled = false
            runCatching { client.close() }
            runCatching { upstream.close() }
        }
    }
}
