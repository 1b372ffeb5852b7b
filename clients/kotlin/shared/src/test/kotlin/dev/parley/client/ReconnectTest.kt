package dev.parley.client

import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.pingFrame
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

/**
 * Forced disconnects under a connection (through [TcpProxy]) and its recovery: it must reconnect,
 * authenticate again, serve requests made while it was down, and receive pushes sent afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReconnectTest {

    @Test
    fun `a dropped connection comes back and receives a push sent after recovery`(): Unit =
        recovers(FAST) { proxy -> proxy.dropAll() }

    @Test
    fun `a silent connection is noticed by the heartbeat and replaced`(): Unit =
        recovers(FAST.copy(heartbeatInterval = 300.milliseconds, requestTimeout = 1.seconds)) { proxy -> proxy.stallAll() }

    private fun recovers(options: ConnectionOptions, breakLink: (TcpProxy) -> Unit): Unit = runBlocking {
        Fixture().use { fx ->
            TcpProxy(TestServer.address).use { proxy ->
                val proxied = TestServer.channel(proxy.address)
                val sender = fx.user("s")
                val receiver = fx.user("r")
                val authCalls = AtomicInteger()
                val a = fx.connect(this, sender)
                val b = fx.connect(this, receiver, options, proxied, authCalls)
                val pushes = PushRecorder(this, b)
                val states = mutableListOf<ConnectionState>()
                val watcher = launch(start = CoroutineStart.UNDISPATCHED) { b.state.collect { states += it } }
                try {
                    val first = (b.state.value as ConnectionState.Connected).session
                    assertEquals(1, authCalls.get(), "one auth before the break")

                    breakLink(proxy)
                    val down = b.awaitState("a reconnect wait after the break") { it is ConnectionState.WaitingToReconnect }
                    // Asked while down: waits for the next session instead of failing.
                    val pong = async { b.request(clientFrame { ping = pingFrame { clientTimeMs = 42 } }) }
                    val second = b.awaitConnected("a new session after the break").session
                    assertEquals(42, pong.await().pong.clientTimeMs, "the ping asked while down is answered")

                    assertEquals(2, authCalls.get(), "authenticated again, with a new token, after the break")
                    assertNotEquals(first, second, "a new SessionFrame")
                    assertEquals(receiver, second.userId)
                    assertTrue(states.any { it is ConnectionState.WaitingToReconnect }, "states seen: $states")
                    println("reconnected after ${(down as ConnectionState.WaitingToReconnect).cause}")

                    val ack = a.request(textTo(receiver, "after the break")).sendAck.ack
                    val pushed = pushes.await("of the message sent after recovery") {
                        it.hasMessage() && it.message.message.seq == ack.seq && it.message.message.conversationId == ack.conversationId
                    }
                    assertEquals("after the break", pushed.message.message.content.text.text)
                } finally {
                    watcher.cancel()
                    pushes.stop()
                    a.close()
                    b.close()
                    proxied.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
                }
            }
        }
    }
}
