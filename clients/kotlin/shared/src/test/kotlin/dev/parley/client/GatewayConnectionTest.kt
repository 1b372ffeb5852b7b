package dev.parley.client

import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.pingFrame
import dev.parley.msg.v1.MsgServiceGrpcKt.MsgServiceCoroutineStub
import dev.parley.msg.v1.PullOrder
import dev.parley.msg.v1.pullMessagesRequest
import dev.parley.msg.v1.seqRange
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.fail

/** The client layer against a running server: requests matched to answers, pushes, heartbeats, and the unary stubs. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayConnectionTest {

    @Test
    fun `two users chat over the gateway and pull the message`(): Unit = runBlocking {
        Fixture().use { fx ->
            val userA = fx.user("a")
            val userB = fx.user("b")
            val b = fx.connect(this, userB)
            val pushesB = PushRecorder(this, b)
            val a = fx.connect(this, userA)
            try {
                assertEquals(userA, (a.state.value as ConnectionState.Connected).session.userId, "A's SessionFrame.user_id")

                val frame = textTo(userB, "hello from kotlin")
                val ack = a.request(frame).sendAck.ack
                val conversationId = "si_${minOf(userA, userB)}_${maxOf(userA, userB)}"
                assertTrue(ack.seq >= 1, "ack.seq must be >= 1: $ack")
                assertEquals(conversationId, ack.conversationId, "ack.conversation_id")
                assertEquals(frame.send.message.clientMsgId, ack.clientMsgId, "ack.client_msg_id")

                val pushed = pushesB.await("of A's message") { it.hasMessage() && it.message.message.conversationId == conversationId }
                assertEquals(ack.seq, pushed.message.message.seq, "pushed seq vs ack seq")
                assertEquals("hello from kotlin", pushed.message.message.content.text.text, "pushed text")

                // Answers go to their own request, whatever order they are asked in.
                val times = (1L..5L).map { it * 1000 }
                val pongs = times.map { t -> async { a.request(clientFrame { ping = pingFrame { clientTimeMs = t } }) } }
                    .map { it.await().pong.clientTimeMs }
                assertEquals(times, pongs, "each ping's answer echoes its own client time")

                val pulled = MsgServiceCoroutineStub(fx.channel).withDeadlineAfter(10, TimeUnit.SECONDS).pullMessages(
                    pullMessagesRequest {
                        ranges += seqRange { this.conversationId = conversationId; begin = 1; end = ack.seq }
                        order = PullOrder.PULL_ORDER_ASC
                    },
                    bearerMetadata(fx.token(userB)),
                )
                val stored = pulled.resultsList.single { it.conversationId == conversationId }.messagesList
                    .firstOrNull { it.seq == ack.seq } ?: fail("PullMessages has no message at seq ${ack.seq}: $pulled")
                assertFalse(stored.placeholder, "pulled message is a placeholder: $stored")
                assertEquals(userA, stored.senderId, "pulled sender_id")
            } finally {
                pushesB.stop()
                a.close()
                b.close()
            }
        }
    }

    @Test
    fun `the connection pings at the heartbeat interval`(): Unit = runBlocking {
        Fixture().use { fx ->
            val user = fx.user("hb")
            val connection = fx.connect(this, user, FAST.copy(heartbeatInterval = 200.milliseconds))
            try {
                val seen = mutableSetOf<Long>()
                eventually("three heartbeats answered") {
                    connection.pongs.value?.let { seen += it.clientTimeMs }
                    seen.size >= 3
                }
                assertTrue(connection.state.value is ConnectionState.Connected, "still connected: ${connection.state.value}")
            } finally {
                connection.close()
            }
        }
    }
}
