package dev.parley.sdk

import dev.parley.common.v1.SessionType
import dev.parley.msg.v1.Message
import dev.parley.msg.v1.MessageStatus
import dev.parley.msg.v1.message
import dev.parley.msg.v1.messageEdited
import dev.parley.msg.v1.messageRevoked
import dev.parley.msg.v1.messagesDeleted
import dev.parley.msg.v1.notification
import dev.parley.msg.v1.outgoingMessage
import dev.parley.msg.v1.sendAck
import java.nio.file.Files
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** The store and the rules that apply records to it, without a server. */
class StoreTest {
    private val me = "me"
    private val cid = singleConversationId("me", "peer")

    private fun record(seq: Long, text: String = "m$seq", sender: String = "peer", cmid: String = "c$seq"): Message = message {
        conversationId = cid; this.seq = seq; senderId = sender; clientMsgId = cmid; countsUnread = sender != me
        status = MessageStatus.MESSAGE_STATUS_NORMAL; content = textContentOf(text)
    }

    private fun event(seq: Long, n: dev.parley.msg.v1.Notification): Message = message {
        conversationId = cid; this.seq = seq; senderId = "peer"; clientMsgId = "e$seq"; notification = n
    }

    /** Applies [records] as one run; returns the events published and the records left waiting. */
    private fun StoreTx.apply(vararg records: Message): Pair<List<ParleyEvent>, List<Message>> {
        val fx = Effects()
        val left = Applier(me).applyRun(this, cid, records.toList(), fx)
        return fx.events to left
    }

    private fun StoreTx.texts() = messages(cid).filter { it.isVisible }.map { if (it.state == MessageState.NORMAL) it.text else it.state.name }

    @Test
    fun `a record past a hole waits, and a seq is applied once`() = SqliteStore(":memory:").use { store ->
        store.transaction { tx ->
            tx.apply(record(1))
            val (events, left) = tx.apply(record(3))
            assertEquals(emptyList<ParleyEvent>(), events.filterIsInstance<ParleyEvent.NewMessage>())
            assertEquals(listOf(3L), left.map { it.seq })
            val (filled, _) = tx.apply(record(2), record(3))
            assertEquals(listOf(2L, 3L), filled.filterIsInstance<ParleyEvent.NewMessage>().map { it.message.seq })
            val (again, _) = tx.apply(record(1), record(2), record(3))
            assertEquals(emptyList<ParleyEvent>(), again)
            assertEquals(listOf("m1", "m2", "m3"), tx.texts())
            assertEquals(3L, tx.conversation(cid)?.syncedSeq)
            assertEquals(3L, tx.conversation(cid)?.unreadCount)
        }
    }

    @Test
    fun `placeholders, revokes, edits and deletes keep their places`() = SqliteStore(":memory:").use { store ->
        store.transaction { tx ->
            tx.apply(
                record(1), message { conversationId = cid; seq = 2; placeholder = true }, record(3), record(4),
                event(5, notification { messageRevoked = messageRevoked { conversationId = cid; seq = 1 } }),
                event(6, notification { messageEdited = messageEdited { conversationId = cid; seq = 3; content = textContentOf("new"); editVersion = 1 } }),
                event(7, notification { messagesDeleted = messagesDeleted { conversationId = cid; seqs += 4 } }),
            )
            assertEquals(listOf("REVOKED", "new"), tx.texts())
            assertEquals(MessageState.HOLE, tx.messageAt(cid, 2)?.state)
            assertEquals(7L, tx.conversation(cid)?.syncedSeq)
            // An older edit arriving late changes nothing.
            val fx = Effects()
            Applier(me).changeLocal(tx, cid, 3, MessageChange.EDITED, fx) { if (it.editVersion >= 1) null else it }
            assertEquals(emptyList<ParleyEvent>(), fx.events)
            assertEquals(1L, tx.conversation(cid)?.unreadCount)
        }
    }

    @Test
    fun `read state moves the unread count and never back`() = SqliteStore(":memory:").use { store ->
        store.transaction { tx ->
            tx.apply(record(1), record(2), record(3, sender = me))
            val applier = Applier(me)
            assertEquals(2L, tx.conversation(cid)?.unreadCount)
            applier.setRead(tx, cid, 1, Effects())
            assertEquals(1L, tx.conversation(cid)?.unreadCount)
            applier.setRead(tx, cid, 0, Effects())
            assertEquals(1L, tx.conversation(cid)?.hasReadSeq)
        }
    }

    @Test
    fun `the outbox survives a restart and an ack settles it once`() {
        val file = Files.createTempFile("parley-store", ".db")
        try {
            val outgoing = outgoingMessage { clientMsgId = "x1"; sessionType = SessionType.SESSION_TYPE_SINGLE; recvId = "peer"; content = textContentOf("hi") }
            SqliteStore(file.toString()).use { store ->
                store.transaction { tx ->
                    val msg = ChatMessage(cid, 0, "x1", "", me, MessageState.NORMAL, SendStatus.SENDING, outgoing.content, null, false, 0, 1, 0, false)
                    Applier(me).insertOutgoing(tx, msg, Effects())
                    tx.addToOutbox(outgoing)
                }
            }
            SqliteStore(file.toString()).use { store ->
                store.transaction { tx ->
                    assertEquals(listOf(outgoing), tx.outbox())
                    assertEquals(listOf("hi"), tx.texts())
                    val ack = sendAck { clientMsgId = "x1"; seq = 1; serverMsgId = "s1"; conversationId = cid }
                    val fx = Effects()
                    assertEquals(SendStatus.SENT, Applier(me).applyAck(tx, ack, fx)?.sendStatus)
                    assertEquals(1, fx.events.size)
                    assertEquals(emptyList<Any>(), tx.outbox())
                    // The same message coming back as a record (pushed, pulled) is not new.
                    val (events, _) = tx.apply(record(1, "hi", sender = me, cmid = "x1"))
                    assertEquals(emptyList<ParleyEvent>(), events.filterIsInstance<ParleyEvent.NewMessage>())
                    assertEquals(listOf("hi"), tx.texts())
                    assertNull(tx.messagesWithStatus(SendStatus.SENDING).firstOrNull())
                }
            }
        } finally {
            Files.deleteIfExists(file)
        }
    }
}
