package dev.parley.client

import dev.parley.auth.v1.forceLogoutRequest
import dev.parley.auth.v1.getAdminTokenRequest
import dev.parley.common.v1.ErrorReason
import dev.parley.common.v1.Platform
import dev.parley.gateway.v1.ServerFrame
import dev.parley.gateway.v1.authFrame
import io.grpc.Status
import io.grpc.StatusException
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

/** The ErrorReason of every kind of failure: unary status, stream status, ErrorFrame, logout. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ErrorsTest {

    @Test
    fun `a unary failure gives the reason from its trailers`(): Unit = runBlocking {
        Fixture().use { fx ->
            val e = assertFailsWith<StatusException> { fx.auth().getAdminToken(getAdminTokenRequest { secret = "not-the-secret"; adminId = "kt" }) }
            assertEquals(ErrorReason.ERROR_REASON_SECRET_INVALID, e.errorReason, "reason of $e")
            val error = e.parleyError()!!
            assertEquals(e.status.code, error.code)
            assertEquals("ERROR_REASON_SECRET_INVALID", error.reasonName)
            // Wrapped failures keep their reason.
            assertEquals(ErrorReason.ERROR_REASON_SECRET_INVALID, RuntimeException("wrapped", e).errorReason)
            assertNull(IllegalStateException("not a call").parleyError())
        }
    }

    @Test
    fun `a refused request gives the reason of its ErrorFrame`(): Unit = runBlocking {
        Fixture().use { fx ->
            val connection = fx.connect(this, fx.user("e"))
            try {
                val e = assertFailsWith<ParleyRequestException> { connection.request(textTo("kt-nobody-${System.nanoTime()}", "hello?")) }
                assertEquals(ErrorReason.ERROR_REASON_USER_NOT_FOUND, e.errorReason, "reason of $e")
                assertEquals(Status.Code.NOT_FOUND, e.parleyError()!!.code)
                assertTrue(connection.state.value is ConnectionState.Connected, "an ErrorFrame leaves the stream open")
            } finally {
                connection.close()
            }
        }
    }

    @Test
    fun `a refused stream gives the reason from its status`(): Unit = runBlocking {
        Fixture().use { fx ->
            val connection = GatewayConnection(fx.channel, this, FAST) {
                authFrame { token = "not-a-token"; platform = Platform.PLATFORM_ANDROID; deviceId = "kt-bad"; sdkVersion = SDK_VERSION }
            }
            connection.start()
            try {
                val waiting = connection.awaitState("a failed attempt") { it is ConnectionState.WaitingToReconnect }
                val cause = (waiting as ConnectionState.WaitingToReconnect).cause
                assertEquals(ErrorReason.ERROR_REASON_TOKEN_INVALID, cause.errorReason, "reason of $cause")
                assertEquals(Status.Code.UNAUTHENTICATED, cause.parleyError()!!.code)
            } finally {
                connection.close()
            }
        }
    }

    @Test
    fun `a forced logout stops the connection with its reason`(): Unit = runBlocking {
        Fixture().use { fx ->
            val user = fx.user("k")
            val connection = fx.connect(this, user)
            val pushes = PushRecorder(this, connection)
            try {
                fx.auth().forceLogout(forceLogoutRequest { userId = user; platform = Platform.PLATFORM_ANDROID }, fx.admin())
                val kicked: ServerFrame = pushes.await("KickedFrame") { it.hasKicked() }
                assertEquals(ErrorReason.ERROR_REASON_TOKEN_REVOKED, kicked.kicked.reason)
                val state = connection.awaitState("the logout") { it is ConnectionState.LoggedOut }
                assertEquals(ConnectionState.LoggedOut(ErrorReason.ERROR_REASON_TOKEN_REVOKED), state)
                val e = assertFailsWith<ConnectionClosedException> { connection.request(textTo(user, "still there?")) }
                assertEquals(ErrorReason.ERROR_REASON_TOKEN_REVOKED, e.errorReason)
            } finally {
                pushes.stop()
                connection.close()
            }
        }
    }
}
