package dev.parley.sdk

import dev.parley.client.ConnectionState
import dev.parley.client.GatewayConnection
import dev.parley.client.ParleyRequestException
import dev.parley.common.v1.SessionType
import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.sendFrame
import dev.parley.msg.v1.Content
import dev.parley.msg.v1.OutgoingMessage
import dev.parley.msg.v1.message
import dev.parley.msg.v1.outgoingMessage
import io.grpc.Status
import java.io.IOException
import java.util.UUID
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/**
 * The local-first outbox: a message is stored as SENDING together with its outbox entry, shown at
 * once, and sent whenever the stream is up, again with the same client_msg_id after a lost answer,
 * a reconnect or an app restart (the server stores it once), until it is acknowledged (SENT, with
 * its seq) or refused (FAILED).
 */
internal class Outbox(
    private val connection: GatewayConnection,
    private val syncer: Syncer,
    scope: CoroutineScope,
    private val me: () -> String,
) {
    private val wakeups = Channel<Unit>(Channel.CONFLATED)

    init {
        scope.launch { for (w in wakeups) drain() }
    }

    /** Sends what the outbox holds (called on every session and every new message). */
    fun wake() {
        wakeups.trySend(Unit)
    }

    suspend fun send(conversationId: String, content: Content): ChatMessage {
        val sender = me().ifEmpty { throw IllegalStateException("the user is not known before the first session") }
        val now = System.currentTimeMillis()
        val outgoing = outgoingFor(conversationId, sender, UUID.randomUUID().toString(), content, now)
        val msg = ChatMessage(
            conversationId, 0, outgoing.clientMsgId, "", sender, MessageState.NORMAL, SendStatus.SENDING, content, null,
            false, 0, now, 0, false,
        )
        syncer.write { tx, applier, fx ->
            applier.insertOutgoing(tx, msg, fx)
            tx.addToOutbox(outgoing)
        }
        wake()
        return msg
    }

    suspend fun resend(clientMsgId: String): ChatMessage? {
        val msg = syncer.write { tx, _, fx ->
            val failed = tx.messageByClientId(me(), clientMsgId)?.takeIf { it.sendStatus == SendStatus.FAILED } ?: return@write null
            val sending = failed.copy(sendStatus = SendStatus.SENDING, error = "")
            tx.saveMessage(sending)
            tx.addToOutbox(outgoingFor(failed.conversationId, failed.senderId, clientMsgId, failed.content ?: Content.getDefaultInstance(), failed.sendTimeMs))
            fx.events += ParleyEvent.MessageUpdated(sending, MessageChange.SENDING_AGAIN)
            sending
        }
        wake()
        return msg
    }

    private suspend fun drain() {
        while (connection.state.value is ConnectionState.Connected) {
            val pending = syncer.read { it.outbox() }
            if (pending.isEmpty()) return
            for (outgoing in pending) {
                if (!sendOne(outgoing)) return // the stream broke: the next session wakes the outbox again
            }
        }
    }

    /** One attempt; false when it should be tried again later. */
    private suspend fun sendOne(outgoing: OutgoingMessage): Boolean {
        try {
            val ack = connection.request(clientFrame { send = sendFrame { message = outgoing } }).sendAck.ack
            val sent = syncer.write { tx, applier, fx -> applier.applyAck(tx, ack, fx) } ?: return true
            // The server pushes this user's message to their other devices only: take it in from
            // the ack, so the synced seq moves on without a pull.
            syncer.add(
                listOf(
                    message {
                        conversationId = sent.conversationId; seq = sent.seq; clientMsgId = sent.clientMsgId
                        serverMsgId = sent.serverMsgId; senderId = sent.senderId; sendTimeMs = sent.sendTimeMs
                        serverTimeMs = sent.serverTimeMs; sent.content?.let { content = it }
                    },
                ),
                fromPush = true,
            )
            return true
        } catch (e: ParleyRequestException) {
            if (Status.fromCodeValue(e.frame.code).code in TRANSIENT) {
                delay(200.milliseconds)
                return false.also { wake() }
            }
            syncer.write { tx, applier, fx -> applier.fail(tx, outgoing.clientMsgId, e.frame.reason.name, fx) }
            return true
        } catch (e: IOException) {
            return false
        }
    }

    private fun outgoingFor(conversationId: String, sender: String, clientMsgId: String, content: Content, sendTimeMs: Long): OutgoingMessage =
        outgoingMessage {
            this.clientMsgId = clientMsgId
            this.content = content
            this.sendTimeMs = sendTimeMs
            when {
                conversationId.startsWith("si_") -> {
                    val users = conversationId.removePrefix("si_").split("_")
                    require(users.size == 2 && sender in users) { "not a conversation of $sender: $conversationId" }
                    sessionType = SessionType.SESSION_TYPE_SINGLE
                    recvId = if (users[0] == sender) users[1] else users[0]
                }
                conversationId.startsWith("sg_") && conversationId.length > 3 -> {
                    sessionType = SessionType.SESSION_TYPE_GROUP
                    groupId = conversationId.removePrefix("sg_")
                }
                else -> throw IllegalArgumentException("cannot send to $conversationId")
            }
        }

    private companion object {
        val TRANSIENT = setOf(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED, Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED)
    }
}
