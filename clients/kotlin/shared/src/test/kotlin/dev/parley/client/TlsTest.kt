package dev.parley.client

import dev.parley.auth.v1.AuthServiceGrpcKt.AuthServiceCoroutineStub
import dev.parley.auth.v1.getAdminTokenRequest
import io.grpc.Grpc
import io.grpc.ManagedChannel
import io.grpc.ManagedChannelBuilder
import io.grpc.Status
import io.grpc.StatusException
import io.grpc.TlsChannelCredentials
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

/**
 * The client layer over TLS, against a `parley serve` with the certificate of `parley dev-cert`,
 * trusting that certificate's file (as an app trusts its server's CA), not everything.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsTest {
    @Test
    fun `unary calls, the stream's auth and a push over TLS`(): Unit = runBlocking {
        Fixture(TestServer.tlsChannel()).use { fx ->
            // Unary over TLS: the admin token, two registrations, the tokens of each connection.
            val userA = fx.user("tls-a")
            val userB = fx.user("tls-b")
            // The stream's auth frame over TLS, then a send answered on one stream and pushed on the other.
            val b = fx.connect(this, userB)
            val pushesB = PushRecorder(this, b)
            val a = fx.connect(this, userA)
            try {
                val ack = a.request(textTo(userB, "over TLS")).sendAck.ack
                assertTrue(ack.seq >= 1, "ack over TLS: $ack")
                val pushed = pushesB.await("of the message over TLS") { it.hasMessage() && it.message.message.seq == ack.seq }
                assertEquals("over TLS", pushed.message.message.content.text.text)
            } finally {
                a.close()
                b.close()
                pushesB.stop()
            }
        }
    }

    @Test
    fun `the TLS port refuses a client that does not trust its CA, and cleartext`(): Unit = runBlocking {
        val systemRoots = Grpc.newChannelBuilder(TestServer.tlsAddress, TlsChannelCredentials.create()).build()
        val cleartext = ManagedChannelBuilder.forTarget(TestServer.tlsAddress).usePlaintext().build()
        for ((what, channel) in listOf("the system's roots only" to systemRoots, "cleartext" to cleartext)) {
            val e = assertFailsWith<StatusException> { adminToken(channel) }
            // A failed handshake is UNAVAILABLE; cleartext may also end as a protocol error (INTERNAL).
            assertTrue(e.status.code in setOf(Status.Code.UNAVAILABLE, Status.Code.INTERNAL), "$what: $e")
        }
        // The same call with the dev CA trusted works: the refusals above are about trust, not the call.
        val trusted = TestServer.tlsChannel()
        adminToken(trusted)
        for (channel in listOf(systemRoots, cleartext, trusted)) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
    }

    private suspend fun adminToken(channel: ManagedChannel) {
        AuthServiceCoroutineStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .getAdminToken(getAdminTokenRequest { secret = TestServer.adminSecret; adminId = "kotlin-tls" })
    }
}
