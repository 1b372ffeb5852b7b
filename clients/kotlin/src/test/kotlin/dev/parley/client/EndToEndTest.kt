package dev.parley.client

import dev.parley.auth.v1.AuthServiceGrpcKt.AuthServiceCoroutineStub
import dev.parley.auth.v1.getAdminTokenRequest
import dev.parley.auth.v1.issueUserTokenRequest
import dev.parley.common.v1.Platform
import dev.parley.common.v1.SessionType
import dev.parley.gateway.v1.ClientFrame
import dev.parley.gateway.v1.GatewayServiceGrpcKt.GatewayServiceCoroutineStub
import dev.parley.gateway.v1.ServerFrame
import dev.parley.gateway.v1.SessionFrame
import dev.parley.gateway.v1.authFrame
import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.pingFrame
import dev.parley.gateway.v1.sendFrame
import dev.parley.msg.v1.MsgServiceGrpcKt.MsgServiceCoroutineStub
import dev.parley.msg.v1.PullOrder
import dev.parley.msg.v1.content
import dev.parley.msg.v1.outgoingMessage
import dev.parley.msg.v1.pullMessagesRequest
import dev.parley.msg.v1.seqRange
import dev.parley.msg.v1.textContent
import dev.parley.user.v1.UserServiceGrpcKt.UserServiceCoroutineStub
import dev.parley.user.v1.registerUsersRequest
import dev.parley.user.v1.userInfo
import io.grpc.ManagedChannel
import io.grpc.ManagedChannelBuilder
import io.grpc.StatusException
import io.grpc.StatusRuntimeException
import java.util.UUID
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.consumeAsFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.fail

/** Every network wait in this test is bounded by this, so a broken server fails instead of hanging. */
private val STEP_TIMEOUT = 10.seconds
private const val SDK_VERSION = "parley-kotlin-test/0.1"

/**
 * End-to-end check of the generated Java messages, grpc-java stubs and grpc-kotlin coroutine
 * stubs against a running Parley server.
 *
 * Needs PARLEY_TEST_ADDR (host:port, plaintext gRPC) and PARLEY_TEST_ADMIN_SECRET; it FAILS
 * (never skips) without them. tests/clients/test_kotlin.py starts a server and sets both.
 */
class EndToEndTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    fun `two users chat over the gateway stream and pull the message`(): Unit = runBlocking {
        val addr = System.getenv("PARLEY_TEST_ADDR")?.trim().orEmpty()
        if (addr.isEmpty()) {
            fail(
                "PARLEY_TEST_ADDR is not set. This end-to-end test needs a running Parley server: " +
                    "set PARLEY_TEST_ADDR=host:port (plaintext gRPC) and PARLEY_TEST_ADMIN_SECRET, " +
                    "or run it through `pytest tests/clients/test_kotlin.py`, which starts a server.",
            )
        }
        val adminSecret = System.getenv("PARLEY_TEST_ADMIN_SECRET")
        if (adminSecret.isNullOrEmpty()) {
            fail("PARLEY_TEST_ADMIN_SECRET is not set (PARLEY_TEST_ADDR=$addr): the test needs the server's admin secret.")
        }

        val channel: ManagedChannel = ManagedChannelBuilder.forTarget(addr).usePlaintext().build()
        val streams = mutableListOf<GatewayConnection>()
        try {
            // A fresh stub per call: withDeadlineAfter fixes the deadline when it is called.
            fun auth() = AuthServiceCoroutineStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            fun users() = UserServiceCoroutineStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            fun msgs() = MsgServiceCoroutineStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)

            // 1. Admin token.
            val adminToken = unary("AuthService.GetAdminToken") {
                auth().getAdminToken(getAdminTokenRequest {
                    secret = adminSecret
                    adminId = "kotlin-e2e"
                })
            }.token
            assertTrue(adminToken.isNotEmpty(), "GetAdminToken returned an empty token")
            val admin = bearerMetadata(adminToken)

            // 2. Two fresh users. User ids are [A-Za-z0-9.@-]{1,64}: no underscore, which
            //    separates the two users in a single-chat conversation id (si_<a>_<b>).
            val suffix = UUID.randomUUID().toString().replace("-", "").take(12)
            val userA = "kt-a-$suffix"
            val userB = "kt-b-$suffix"
            unary("UserService.RegisterUsers") {
                users().registerUsers(
                    registerUsersRequest {
                        users += userInfo { userId = userA; nickname = "Kotlin A" }
                        users += userInfo { userId = userB; nickname = "Kotlin B" }
                    },
                    admin,
                )
            }

            // 3. Android user tokens.
            suspend fun issue(user: String): String = unary("AuthService.IssueUserToken($user)") {
                auth().issueUserToken(
                    issueUserTokenRequest {
                        userId = user
                        platform = Platform.PLATFORM_ANDROID
                    },
                    admin,
                )
            }.token.also { assertTrue(it.isNotEmpty(), "IssueUserToken($user) returned an empty token") }
            val tokenA = issue(userA)
            val tokenB = issue(userB)

            // 4. Open B's stream, then A's; each authenticates with its first frame.
            val b = GatewayConnection("B($userB)", this, channel).also { streams += it }
            val sessionB = b.authenticate(tokenB, "kt-e2e-b-$suffix")
            assertEquals(userB, sessionB.userId, "B's SessionFrame.user_id")
            val a = GatewayConnection("A($userA)", this, channel).also { streams += it }
            val sessionA = a.authenticate(tokenA, "kt-e2e-a-$suffix")
            assertEquals(userA, sessionA.userId, "A's SessionFrame.user_id")

            // 5. A sends a text message to B over the stream and gets a SendAck.
            val text = "hello from kotlin"
            val clientMsgId = UUID.randomUUID().toString()
            a.send(clientFrame {
                requestId = "2"
                send = sendFrame {
                    message = outgoingMessage {
                        this.clientMsgId = clientMsgId
                        sessionType = SessionType.SESSION_TYPE_SINGLE
                        recvId = userB
                        content = content { this.text = textContent { this.text = text } }
                    }
                }
            })
            val ack = a.await("send_ack for request_id 2", requestId = "2") {
                it.requestId == "2" && it.hasSendAck()
            }.sendAck.ack
            val conversationId = "si_${minOf(userA, userB)}_${maxOf(userA, userB)}"
            assertTrue(ack.seq >= 1, "ack.seq must be >= 1: $ack")
            assertEquals(conversationId, ack.conversationId, "ack.conversation_id")
            assertEquals(clientMsgId, ack.clientMsgId, "ack.client_msg_id")

            // 6. B gets the message pushed on its stream.
            val pushed = b.await("a pushed message in $conversationId") {
                it.hasMessage() && it.message.message.conversationId == conversationId
            }.message.message
            assertEquals(ack.seq, pushed.seq, "pushed message seq vs ack seq")
            assertEquals(text, pushed.content.text.text, "pushed message text")
            assertEquals(userA, pushed.senderId, "pushed message sender_id")
            assertEquals(clientMsgId, pushed.clientMsgId, "pushed message client_msg_id")

            // 7. Heartbeat.
            val clientTime = System.currentTimeMillis()
            a.send(clientFrame {
                requestId = "3"
                ping = pingFrame { clientTimeMs = clientTime }
            })
            val pong = a.await("pong for request_id 3", requestId = "3") {
                it.requestId == "3" && it.hasPong()
            }.pong
            assertEquals(clientTime, pong.clientTimeMs, "pong.client_time_ms echoes the ping")

            // 8. B pulls the range [1, ack.seq] with its own token.
            val pulled = unary("MsgService.PullMessages") {
                msgs().pullMessages(
                    pullMessagesRequest {
                        ranges += seqRange {
                            this.conversationId = conversationId
                            begin = 1
                            end = ack.seq
                        }
                        order = PullOrder.PULL_ORDER_ASC
                    },
                    bearerMetadata(tokenB),
                )
            }
            val result = pulled.resultsList.firstOrNull { it.conversationId == conversationId }
                ?: fail("PullMessages returned no result for $conversationId: $pulled")
            val stored = result.messagesList.firstOrNull { it.seq == ack.seq }
                ?: fail("PullMessages has no message at seq ${ack.seq}: $result")
            assertFalse(stored.placeholder, "pulled message at seq ${ack.seq} is a placeholder: $stored")
            assertEquals(text, stored.content.text.text, "pulled message text")
            assertEquals(userA, stored.senderId, "pulled message sender_id")
            assertEquals(clientMsgId, stored.clientMsgId, "pulled message client_msg_id")
        } finally {
            streams.forEach { it.close() }
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
        }
    }
}

/** Runs one unary call with a timeout, turning errors into readable test failures. */
private suspend fun <T> unary(what: String, call: suspend () -> T): T =
    try {
        withTimeout(STEP_TIMEOUT) { call() }
    } catch (e: TimeoutCancellationException) {
        fail("$what: no answer within $STEP_TIMEOUT", e)
    } catch (e: StatusException) {
        fail("$what failed: ${e.status}", e)
    } catch (e: StatusRuntimeException) {
        fail("$what failed: ${e.status}", e)
    }

/**
 * One GatewayService.Connect stream driven from coroutines: frames to send go through a
 * channel that backs the request Flow, and received frames are buffered in another channel.
 */
private class GatewayConnection(val name: String, scope: CoroutineScope, channel: ManagedChannel) {
    private val outgoing = Channel<ClientFrame>(Channel.UNLIMITED)
    private val incoming = Channel<ServerFrame>(Channel.UNLIMITED)
    private val seen = mutableListOf<String>()

    private val job: Job = scope.launch {
        try {
            GatewayServiceCoroutineStub(channel)
                .connect(outgoing.consumeAsFlow())
                .collect { incoming.send(it) }
            incoming.close(IllegalStateException("$name: the server ended the stream"))
        } catch (e: CancellationException) {
            incoming.close()
            throw e
        } catch (e: Throwable) {
            incoming.close(e)
        }
    }

    suspend fun send(frame: ClientFrame) = outgoing.send(frame)

    suspend fun authenticate(token: String, deviceId: String): SessionFrame {
        send(clientFrame {
            requestId = "1"
            auth = authFrame {
                this.token = token
                platform = Platform.PLATFORM_ANDROID
                this.deviceId = deviceId
                sdkVersion = SDK_VERSION
            }
        })
        return await("a SessionFrame answering the AuthFrame", requestId = "1") { it.hasSession() }.session
    }

    /**
     * Waits (at most [STEP_TIMEOUT]) for the first frame matching [predicate], skipping others.
     * An ErrorFrame echoing [requestId] fails the test at once.
     */
    suspend fun await(what: String, requestId: String? = null, predicate: (ServerFrame) -> Boolean): ServerFrame {
        try {
            return withTimeout(STEP_TIMEOUT) {
                var match: ServerFrame? = null
                while (match == null) {
                    val frame = try {
                        incoming.receive()
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Throwable) {
                        fail("$name: the stream ended while waiting for $what: $e; frames seen: $seen", e)
                    }
                    seen += frame.toString().replace(Regex("\\s+"), " ").trim()
                    if (predicate(frame)) {
                        match = frame
                    } else if (requestId != null && frame.hasError() && frame.requestId == requestId) {
                        fail("$name: got an ErrorFrame instead of $what: ${frame.error}")
                    }
                }
                match
            }
        } catch (e: TimeoutCancellationException) {
            fail("$name: no $what within $STEP_TIMEOUT; frames seen: $seen", e)
        }
    }

    suspend fun close() {
        outgoing.close()
        job.cancelAndJoin()
    }
}
