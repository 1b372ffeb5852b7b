package dev.parley.client

import dev.parley.auth.v1.AuthServiceGrpcKt.AuthServiceCoroutineStub
import dev.parley.auth.v1.getAdminTokenRequest
import dev.parley.auth.v1.issueUserTokenRequest
import dev.parley.common.v1.Platform
import dev.parley.gateway.v1.AuthFrame
import dev.parley.gateway.v1.authFrame
import dev.parley.user.v1.UserServiceGrpcKt.UserServiceCoroutineStub
import dev.parley.user.v1.registerUsersRequest
import dev.parley.user.v1.userInfo
import io.grpc.Grpc
import io.grpc.ManagedChannel
import io.grpc.ManagedChannelBuilder
import io.grpc.Metadata
import io.grpc.TlsChannelCredentials
import java.io.File
import java.util.UUID
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.fail

/** Every network wait in the tests is bounded by this, so a broken server fails instead of hanging. */
val STEP_TIMEOUT = 10.seconds
const val SDK_VERSION = "parley-kotlin-test/0.1"

/** Options that make reconnects and heartbeats fast enough for a test. */
val FAST = ConnectionOptions(initialBackoff = 200.milliseconds, maxBackoff = 1.seconds, requestTimeout = 5.seconds)

/**
 * The running server the tests talk to: PARLEY_TEST_ADDR (host:port, plaintext gRPC) and
 * PARLEY_TEST_ADMIN_SECRET. Without them the tests FAIL (never skip);
 * tests/clients/test_kotlin.py starts a server and sets both.
 */
object TestServer {
    val address: String by lazy {
        System.getenv("PARLEY_TEST_ADDR")?.trim().orEmpty().ifEmpty {
            fail(
                "PARLEY_TEST_ADDR is not set. These end-to-end tests need a running Parley server: " +
                    "set PARLEY_TEST_ADDR=host:port (plaintext gRPC) and PARLEY_TEST_ADMIN_SECRET, " +
                    "or run them through `pytest tests/clients/test_kotlin.py`, which starts a server.",
            )
        }
    }
    val adminSecret: String by lazy {
        System.getenv("PARLEY_TEST_ADMIN_SECRET").orEmpty().ifEmpty {
            fail("PARLEY_TEST_ADMIN_SECRET is not set (PARLEY_TEST_ADDR=$address): the tests need the server's admin secret.")
        }
    }

    fun channel(target: String = address): ManagedChannel = ManagedChannelBuilder.forTarget(target).usePlaintext().build()

    /** The same server's TLS twin (PARLEY_TEST_TLS_ADDR, same admin secret), with a `parley dev-cert` certificate... */
    val tlsAddress: String by lazy { required("PARLEY_TEST_TLS_ADDR", "host:port of a `parley serve` with a TLS certificate") }

    /** ...and the PEM file to trust for it (PARLEY_TEST_TLS_CA: the dev certificate, its own CA). */
    val tlsCa: File by lazy { File(required("PARLEY_TEST_TLS_CA", "the CA file of the TLS server's certificate")) }

    /** A channel to the TLS server trusting [tlsCa] only (not the system's roots, not everything). */
    fun tlsChannel(): ManagedChannel =
        Grpc.newChannelBuilder(tlsAddress, TlsChannelCredentials.newBuilder().trustManager(tlsCa).build()).build()

    private fun required(name: String, what: String): String =
        System.getenv(name)?.trim().orEmpty().ifEmpty { fail("$name is not set: $what (tests/clients/test_kotlin.py sets it).") }
}

/**
 * One test's users on one channel: registers them and issues Android tokens through admin calls.
 * The calls wait (within their deadline) for the channel to connect, so that an auth provider asked
 * while a restarted server comes back gets its token instead of stopping the connection.
 */
class Fixture(
    val channel: ManagedChannel = TestServer.channel(),
    private val adminSecret: String = TestServer.adminSecret,
) : AutoCloseable {
    private val suffix = UUID.randomUUID().toString().replace("-", "").take(12)

    fun auth() = AuthServiceCoroutineStub(channel).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS)
    private fun users() = UserServiceCoroutineStub(channel).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS)

    suspend fun admin(): Metadata = bearerMetadata(
        auth().getAdminToken(getAdminTokenRequest { secret = adminSecret; adminId = "kotlin-e2e" }).token,
    )

    /** Registers a fresh user. User ids are [A-Za-z0-9.@-]{1,64}: no underscore (it separates si_<a>_<b>). */
    suspend fun user(name: String): String {
        val id = "kt-$name-$suffix"
        users().registerUsers(registerUsersRequest { users += userInfo { userId = id; nickname = "Kotlin $name" } }, admin())
        return id
    }

    suspend fun token(user: String): String =
        auth().issueUserToken(issueUserTokenRequest { userId = user; platform = Platform.PLATFORM_ANDROID }, admin()).token

    /** An auth provider that issues a new token per attempt, as an app asking its app server would, and counts them. */
    fun authProvider(user: String, calls: AtomicInteger = AtomicInteger()): suspend () -> AuthFrame = {
        calls.incrementAndGet()
        val token = token(user)
        authFrame {
            this.token = token
            platform = Platform.PLATFORM_ANDROID
            deviceId = "kt-device-$user"
            sdkVersion = SDK_VERSION
        }
    }

    /** A started connection for [user], waited for until authenticated. */
    suspend fun connect(
        scope: CoroutineScope,
        user: String,
        options: ConnectionOptions = FAST,
        channel: ManagedChannel = this.channel,
        calls: AtomicInteger = AtomicInteger(),
    ): GatewayConnection =
        GatewayConnection(channel, scope, options, authProvider(user, calls)).also {
            it.start()
            it.awaitConnected("$user's first session")
        }

    override fun close() {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
    }
}

suspend fun GatewayConnection.awaitConnected(what: String): ConnectionState.Connected =
    awaitState(what) { it is ConnectionState.Connected } as ConnectionState.Connected

suspend fun GatewayConnection.awaitState(what: String, predicate: (ConnectionState) -> Boolean): ConnectionState =
    try {
        withTimeout(STEP_TIMEOUT) { state.first(predicate) }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        fail("no $what within $STEP_TIMEOUT; state is ${state.value}", e)
    }

/** Polls [condition] until it holds, at most [STEP_TIMEOUT]. */
suspend fun eventually(what: String, condition: () -> Boolean) {
    try {
        withTimeout(STEP_TIMEOUT) { while (!condition()) delay(20) }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        fail("$what: not within $STEP_TIMEOUT", e)
    }
}
