package dev.parley.client

import dev.parley.common.v1.ErrorReason
import dev.parley.gateway.v1.AuthFrame
import dev.parley.gateway.v1.ClientFrame
import dev.parley.gateway.v1.GatewayServiceGrpcKt.GatewayServiceCoroutineStub
import dev.parley.gateway.v1.PongFrame
import dev.parley.gateway.v1.ServerFrame
import dev.parley.gateway.v1.SessionFrame
import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.pingFrame
import io.grpc.ManagedChannel
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.random.Random
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.SendChannel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.consumeAsFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull

/**
 * One device's `GatewayService.Connect` stream, kept open: it authenticates with an auth frame
 * first, reconnects with exponential backoff (and authenticates again) whenever the stream breaks,
 * pings at the heartbeat interval and treats an unanswered ping as a broken stream, matches answers
 * to requests by `request_id`, and hands everything else the server pushes to [pushes].
 *
 * [auth] is called before every attempt, so it can fetch a fresh token (an app server's
 * `IssueUserToken`); if it throws, the connection stops ([ConnectionState.Closed]). A `KickedFrame`
 * stops it too ([ConnectionState.LoggedOut]): reconnecting would only take the slot back.
 *
 * ```
 * val connection = GatewayConnection(channel, viewModelScope) { authFrame { token = …; deviceId = …; platform = … } }
 * connection.start()
 * connection.pushes.collect { frame -> … }              // in another coroutine
 * val ack = connection.request(clientFrame { send = sendFrame { … } }).sendAck.ack
 * ```
 *
 * [channel] may be shared with unary stubs. When it is a [ManagedChannel], an unanswered ping also
 * sends it idle, so the next stream dials a new connection instead of the dead one.
 */
class GatewayConnection(
    private val channel: io.grpc.Channel,
    private val scope: CoroutineScope,
    private val options: ConnectionOptions = ConnectionOptions(),
    private val auth: suspend () -> AuthFrame,
) {
    private val stub = GatewayServiceCoroutineStub(channel)
    private val mutableState = MutableStateFlow<ConnectionState>(ConnectionState.Idle)
    private val mutablePushes = MutableSharedFlow<ServerFrame>(extraBufferCapacity = options.pushBuffer)
    private val mutablePongs = MutableStateFlow<PongFrame?>(null)
    private val pending = ConcurrentHashMap<String, CompletableDeferred<ServerFrame>>()
    private val nextId = AtomicLong()

    /** The frames to the current authenticated stream; null between streams. */
    @Volatile
    private var live: SendChannel<ClientFrame>? = null
    private val job: Job = scope.launch(start = CoroutineStart.LAZY) { run() }

    /** Where the connection is; a new [ConnectionState.Connected] means a (re)connection: sync then. */
    val state: StateFlow<ConnectionState> = mutableState.asStateFlow()

    /**
     * Server frames that answer no request: messages, notifications, typing, presence, read state,
     * receipts, and the `KickedFrame`. A hot flow: frames that arrive while nobody collects are
     * dropped (sync after reconnects covers the messages), so collect before [start].
     */
    val pushes: Flow<ServerFrame> = mutablePushes.asSharedFlow()

    /** The last heartbeat answer: its times give the round trip and the server's clock. */
    val pongs: StateFlow<PongFrame?> = mutablePongs.asStateFlow()

    /** Starts connecting (once; later calls do nothing). */
    fun start() {
        job.start()
    }

    /**
     * Sends [frame] and returns the server's answer (the frame echoing its `request_id`, which is
     * set here when empty). Waits for a connection first. Throws [ParleyRequestException] for an
     * `ErrorFrame`, [RequestTimeoutException] after [ConnectionOptions.requestTimeout],
     * [ConnectionLostException] when the stream broke after sending (not retried here: the
     * caller knows whether its request is safe to repeat), and [ConnectionClosedException] once the
     * connection stopped. Frames the server never answers (typing, delivery acks) go by [send].
     */
    suspend fun request(frame: ClientFrame): ServerFrame {
        val framed = if (frame.requestId.isEmpty()) frame.toBuilder().setRequestId(newRequestId()).build() else frame
        val answer = withTimeoutOrNull(options.requestTimeout) {
            var sent: ServerFrame? = null
            while (sent == null) {
                sent = exchange(awaitLive(), framed)
                // Not sent: the stream ended between the lookup and the send; wait for the next one.
                if (sent == null) delay(10)
            }
            sent
        } ?: throw RequestTimeoutException("no answer to ${framed.bodyCase} ${framed.requestId} within ${options.requestTimeout}")
        if (answer.hasError()) throw ParleyRequestException(answer.error)
        return answer
    }

    /** Sends a frame that gets no answer, once connected (bounded by [ConnectionOptions.requestTimeout]). */
    suspend fun send(frame: ClientFrame) {
        withTimeoutOrNull(options.requestTimeout) {
            while (awaitLive().trySend(frame).isFailure) {
                // The stream ended between the lookup and the send: let its end be processed
                // (it may run on this very thread) and wait for the next one.
                delay(10)
            }
        } ?: throw RequestTimeoutException("not connected within ${options.requestTimeout}")
    }

    /** Stops the connection and fails waiting requests with [ConnectionClosedException]. */
    suspend fun close() {
        job.cancelAndJoin()
        stop(ConnectionState.Closed(null), ConnectionClosedException("the connection was closed"))
    }

    private fun newRequestId(): String = "k${nextId.incrementAndGet()}"

    /** The current stream once authenticated; throws once the connection stopped for good. */
    private suspend fun awaitLive(): SendChannel<ClientFrame> {
        while (true) {
            when (val s = mutableState.first { it is ConnectionState.Connected || it.isFinal() }) {
                is ConnectionState.Connected -> live?.let { return it }
                is ConnectionState.LoggedOut -> throw ConnectionClosedException("logged out: ${s.reason.name}", s.reason)
                is ConnectionState.Closed -> throw ConnectionClosedException("the connection is closed", cause = s.cause)
                else -> Unit
            }
            // Connected was published but the stream already ended; let the state move on.
            delay(1)
        }
    }

    /** Sends [frame] on [out] and waits for its answer; null when [out] was already closed (nothing sent). */
    private suspend fun exchange(out: SendChannel<ClientFrame>, frame: ClientFrame): ServerFrame? {
        val answer = CompletableDeferred<ServerFrame>()
        check(pending.putIfAbsent(frame.requestId, answer) == null) { "request_id ${frame.requestId} is already waiting" }
        try {
            // trySend: the stream's channel is cancelled when the stream ends, and a suspending
            // send would then throw CancellationException into the caller.
            if (out.trySend(frame).isFailure) return null
            return answer.await()
        } finally {
            pending.remove(frame.requestId, answer)
        }
    }

    private suspend fun run() {
        try {
            connectLoop()
        } catch (e: CancellationException) {
            stop(ConnectionState.Closed(null), ConnectionClosedException("the connection's scope was cancelled", cause = e))
            throw e
        }
    }

    private suspend fun connectLoop() {
        var attempt = 0
        while (true) {
            attempt++
            mutableState.value = ConnectionState.Connecting(attempt)
            val authFrame = try {
                auth()
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                stop(ConnectionState.Closed(e), ConnectionClosedException("the auth provider failed: $e", cause = e))
                return
            }
            val end = stream(authFrame)
            end.kicked?.let { reason ->
                stop(ConnectionState.LoggedOut(reason), ConnectionClosedException("logged out: ${reason.name}", reason))
                return
            }
            if (end.hadSession) attempt = 1
            val wait = backoff(attempt)
            mutableState.value = ConnectionState.WaitingToReconnect(attempt, wait, end.cause)
            delay(wait)
        }
    }

    private class StreamEnd(val cause: Throwable, val hadSession: Boolean, val kicked: ErrorReason?)

    /** Runs one stream until it ends; returns why. */
    private suspend fun stream(authFrame: AuthFrame): StreamEnd {
        val out = Channel<ClientFrame>(Channel.UNLIMITED) // a new one per stream: consumeAsFlow() is single-use
        val authId = newRequestId()
        out.trySend(clientFrame { requestId = authId; auth = authFrame })
        var hadSession = false
        var kicked: ErrorReason? = null
        val cause: Throwable = try {
            coroutineScope {
                val session = CompletableDeferred<SessionFrame>()
                val heartbeat = launch { heartbeat(session.await(), out) }
                stub.connect(out.consumeAsFlow()).collect { frame ->
                    when {
                        frame.hasSession() && frame.requestId == authId -> {
                            hadSession = true
                            live = out
                            mutableState.value = ConnectionState.Connected(frame.session)
                            session.complete(frame.session)
                        }
                        frame.hasKicked() -> {
                            kicked = frame.kicked.reason
                            mutablePushes.emit(frame)
                        }
                        frame.requestId.isNotEmpty() -> pending[frame.requestId]?.complete(frame)
                        else -> mutablePushes.emit(frame)
                    }
                }
                heartbeat.cancel()
                IOException("the server ended the stream")
            }
        } catch (e: CancellationException) {
            // Only our own cancellation (close(), the scope) stops the loop; one thrown from inside
            // the stream while we are still active is a stream failure like any other.
            if (currentCoroutineContext().isActive) {
                e
            } else {
                endStream(out, e)
                throw e
            }
        } catch (e: Throwable) {
            e
        }
        endStream(out, cause)
        return StreamEnd(cause, hadSession, kicked)
    }

    private suspend fun heartbeat(session: SessionFrame, out: SendChannel<ClientFrame>) {
        val serverInterval = session.heartbeatIntervalMs.milliseconds
        val interval = if (serverInterval.isPositive()) minOf(serverInterval, options.heartbeatInterval) else options.heartbeatInterval
        while (true) {
            delay(interval)
            val frame = clientFrame { requestId = newRequestId(); ping = pingFrame { clientTimeMs = System.currentTimeMillis() } }
            val pong = withTimeoutOrNull(options.requestTimeout) {
                exchange(out, frame) ?: throw ConnectionLostException("the stream closed before a ping was sent", null)
            }
            if (pong == null) {
                (channel as? ManagedChannel)?.enterIdle()
                throw HeartbeatTimeoutException("no pong within ${options.requestTimeout}")
            }
            if (pong.hasPong()) mutablePongs.value = pong.pong
        }
    }

    /** Detaches a finished stream: later requests wait for the next one, sent ones fail. */
    private fun endStream(out: Channel<ClientFrame>, cause: Throwable) {
        if (live === out) live = null
        out.close()
        failPending(ConnectionLostException("the stream ended: $cause", cause))
    }

    private fun stop(final: ConnectionState, failure: Throwable) {
        if (!mutableState.value.isFinal()) mutableState.value = final
        live = null
        failPending(failure)
    }

    private fun failPending(failure: Throwable) {
        pending.values.forEach { it.completeExceptionally(failure) }
    }

    private fun backoff(attempt: Int): Duration {
        var wait = options.initialBackoff
        repeat(attempt - 1) { wait = minOf(wait * options.backoffMultiplier, options.maxBackoff) }
        val jitter = 1.0 + options.backoffJitter * (2 * Random.nextDouble() - 1)
        return minOf(wait * jitter, options.maxBackoff)
    }

    private fun ConnectionState.isFinal(): Boolean = this is ConnectionState.LoggedOut || this is ConnectionState.Closed
}

/** A ping went unanswered for [ConnectionOptions.requestTimeout]: the stream is treated as broken. */
class HeartbeatTimeoutException(message: String) : IOException(message)
