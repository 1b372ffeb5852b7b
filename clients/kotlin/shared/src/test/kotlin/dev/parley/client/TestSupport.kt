package dev.parley.client

import dev.parley.common.v1.SessionType
import dev.parley.gateway.v1.ClientFrame
import dev.parley.gateway.v1.ServerFrame
import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.sendFrame
import dev.parley.msg.v1.content
import dev.parley.msg.v1.outgoingMessage
import dev.parley.msg.v1.textContent
import java.util.UUID
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.fail

/** A text message to [to] as a send frame. */
fun textTo(to: String, text: String): ClientFrame = clientFrame {
    send = sendFrame {
        message = outgoingMessage {
            clientMsgId = UUID.randomUUID().toString()
            sessionType = SessionType.SESSION_TYPE_SINGLE
            recvId = to
            content = content { this.text = textContent { this.text = text } }
        }
    }
}

/** Records a connection's pushes from its creation on (the flow is hot: subscribe before they come). */
class PushRecorder(scope: CoroutineScope, connection: GatewayConnection) {
    private val frames = Channel<ServerFrame>(Channel.UNLIMITED)
    private val seen = mutableListOf<String>()
    private val job: Job = scope.launch(start = CoroutineStart.UNDISPATCHED) {
        connection.pushes.collect { frames.send(it) }
    }

    /** The first recorded push matching [predicate] (others are skipped), within [STEP_TIMEOUT]. */
    suspend fun await(what: String, predicate: (ServerFrame) -> Boolean): ServerFrame =
        try {
            withTimeout(STEP_TIMEOUT) {
                var match: ServerFrame? = null
                while (match == null) {
                    val frame = frames.receive()
                    seen += frame.bodyCase.name
                    if (predicate(frame)) match = frame
                }
                match
            }
        } catch (e: TimeoutCancellationException) {
            fail("no push $what within $STEP_TIMEOUT; pushes seen: $seen", e)
        }

    fun stop() = job.cancel()
}

/** Runs [block] and returns what it threw, failing unless that is a [T]. */
suspend inline fun <reified T : Throwable> assertFailsWith(block: suspend () -> Unit): T {
    val thrown = try {
        block()
        null
    } catch (e: Throwable) {
        e
    }
    return thrown as? T ?: fail("expected ${T::class.simpleName}, got $thrown", thrown)
}
