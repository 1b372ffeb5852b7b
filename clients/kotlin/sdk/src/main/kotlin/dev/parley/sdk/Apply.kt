package dev.parley.sdk

import dev.parley.conversation.v1.Conversation as ServerConversation
import dev.parley.msg.v1.ConversationSeq
import dev.parley.msg.v1.Message
import dev.parley.msg.v1.MessageStatus
import dev.parley.msg.v1.Notification
import dev.parley.msg.v1.Notification.EventCase
import dev.parley.msg.v1.SendAck

/**
 * The changes of one store transaction, published to listeners only after it committed, so that
 * listeners see committed state and each change once.
 */
class Effects {
    val events = mutableListOf<ParleyEvent>()

    /** Conversations whose synced seq moved, with the new value. */
    val synced = mutableMapOf<String, Long>()

    /** Conversations where messages of others were stored: the seq to report as delivered. */
    val delivered = mutableMapOf<String, Long>()

    operator fun plusAssign(other: Effects) {
        events += other.events
        synced += other.synced
        other.delivered.forEach { (c, s) -> delivered.merge(c, s, ::maxOf) }
    }
}

/** Conversations read or created in one transaction; [finish] recounts and saves the touched ones. */
internal class ConvCache(private val tx: StoreTx, private val me: String, private val fx: Effects) {
    private val convs = mutableMapOf<String, Conversation>()
    private val before = mutableMapOf<String, Conversation?>()

    operator fun get(id: String): Conversation =
        convs.getOrPut(id) { tx.conversation(id).also { before[id] = it } ?: Conversation(id) }

    fun update(id: String, change: (Conversation) -> Conversation) {
        convs[id] = change(get(id))
    }

    /** Older history is gone for this user below [minSeq]. */
    fun raiseFloor(id: String, minSeq: Long) {
        val c = get(id)
        if (minSeq <= c.minSeq) return
        tx.deleteBelow(id, minSeq)
        convs[id] = c.copy(
            minSeq = minSeq,
            syncedSeq = maxOf(c.syncedSeq, minSeq - 1),
            maxSeq = maxOf(c.maxSeq, minSeq - 1),
            hasReadSeq = maxOf(c.hasReadSeq, minSeq - 1),
        )
    }

    fun finish() {
        for ((id, c0) in convs) {
            var c = c0.copy(maxSeq = maxOf(c0.maxSeq, c0.syncedSeq))
            c = c.copy(unreadCount = tx.countUnread(id, maxOf(c.hasReadSeq, c.minSeq - 1), me))
            if (c == before[id]) continue
            tx.saveConversation(c)
            if (c.syncedSeq != before[id]?.syncedSeq) fx.synced[id] = c.syncedSeq
            fx.events += ParleyEvent.ConversationChanged(c)
        }
    }
}

/** Applies records of server seqs (pushed or pulled) to the store. */
internal class Applier(private val me: String) {
    /**
     * Applies [run], records of one conversation, as far as they continue its synced seq; returns
     * the records not applied (a hole below them) to keep for later.
     */
    fun applyRun(tx: StoreTx, conversationId: String, run: List<Message>, fx: Effects): List<Message> {
        val convs = ConvCache(tx, me, fx)
        val sorted = run.sortedBy { it.seq }
        var left = emptyList<Message>()
        for ((i, m) in sorted.withIndex()) {
            val c = convs[conversationId]
            if (m.seq <= c.syncedSeq) continue
            if (m.seq != c.syncedSeq + 1) {
                left = sorted.subList(i, sorted.size).toList()
                break
            }
            convs.update(conversationId) { it.copy(syncedSeq = m.seq, updateTimeMs = maxOf(it.updateTimeMs, m.serverTimeMs)) }
            val occupant = tx.messageAt(conversationId, m.seq)
            when {
                // Deleted here (for me) stays deleted whatever a late copy says.
                occupant?.state == MessageState.DELETED -> Unit
                m.placeholder || m.seq < c.minSeq -> tx.saveMessage(hole(conversationId, m.seq))
                m.hasNotification() -> applyEvent(tx, convs, m, fx)
                else -> applyUserMessage(tx, m, fx)
            }
        }
        convs.finish()
        return left
    }

    private fun applyUserMessage(tx: StoreTx, m: Message, fx: Effects) {
        val existing = tx.messageByClientId(m.senderId, m.clientMsgId)
        val stored = fromProto(m)
        tx.saveMessage(stored)
        when {
            existing == null -> fx.events += ParleyEvent.NewMessage(stored)
            existing.sendStatus != SendStatus.SENT -> fx.events += ParleyEvent.MessageUpdated(stored, MessageChange.SENT)
        }
        if (m.senderId != me) fx.delivered.merge(m.conversationId, m.seq, ::maxOf)
    }

    private fun applyEvent(tx: StoreTx, convs: ConvCache, m: Message, fx: Effects) {
        val stored = fromProto(m)
        tx.saveMessage(stored)
        val n = m.notification
        when (n.eventCase) {
            EventCase.MESSAGE_REVOKED -> change(tx, convs, n.messageRevoked.conversationId, n.messageRevoked.seq, MessageChange.REVOKED, fx) {
                if (it.state != MessageState.NORMAL) null else it.copy(state = MessageState.REVOKED, content = null)
            }
            EventCase.MESSAGE_EDITED -> with(n.messageEdited) {
                change(tx, convs, conversationId, seq, MessageChange.EDITED, fx) {
                    if (it.state != MessageState.NORMAL || editVersion <= it.editVersion) null
                    else it.copy(content = content, edited = true, editVersion = editVersion)
                }
            }
            EventCase.MESSAGES_DELETED -> for (seq in n.messagesDeleted.seqsList) {
                change(tx, convs, n.messagesDeleted.conversationId, seq, MessageChange.DELETED, fx) {
                    if (it.state == MessageState.DELETED) null else it.copy(state = MessageState.DELETED, content = null)
                }
            }
            EventCase.READ_RECEIPT -> with(n.readReceipt) {
                if (readerUserId == me) {
                    convs.update(conversationId) { it.copy(hasReadSeq = maxOf(it.hasReadSeq, hasReadSeq)) }
                } else if (hasReadSeq > convs[conversationId].peerHasReadSeq) {
                    convs.update(conversationId) { it.copy(peerHasReadSeq = hasReadSeq) }
                    fx.events += ParleyEvent.Receipt(conversationId, readerUserId, hasReadSeq, read = true)
                }
            }
            EventCase.DELIVERY_RECEIPT -> with(n.deliveryReceipt) {
                if (receiverUserId != me && deliveredSeq > convs[conversationId].peerDeliveredSeq) {
                    convs.update(conversationId) { it.copy(peerDeliveredSeq = deliveredSeq) }
                    fx.events += ParleyEvent.Receipt(conversationId, receiverUserId, deliveredSeq, read = false)
                }
            }
            EventCase.CONVERSATION_CLEARED -> convs.raiseFloor(n.conversationCleared.conversationId, n.conversationCleared.minSeq)
            in FRIEND_EVENTS -> fx.events += ParleyEvent.Friend(n.eventCase, n)
            in GROUP_EVENTS -> fx.events += ParleyEvent.Group(n.eventCase, groupIdOf(n), n)
            else -> fx.events += ParleyEvent.NewMessage(stored)
        }
    }

    private fun change(
        tx: StoreTx,
        convs: ConvCache,
        conversationId: String,
        seq: Long,
        kind: MessageChange,
        fx: Effects,
        edit: (ChatMessage) -> ChatMessage?,
    ) {
        val target = tx.messageAt(conversationId, seq)
        if (target == null) {
            // Not stored yet (below the synced seq of a fresh device, or deleted for me before): a
            // deletion still leaves its mark, so a late copy does not bring the message back.
            if (kind == MessageChange.DELETED) tx.saveMessage(hole(conversationId, seq).copy(state = MessageState.DELETED))
            return
        }
        val changed = edit(target) ?: return
        tx.saveMessage(changed)
        convs.update(conversationId) { it }
        fx.events += ParleyEvent.MessageUpdated(changed, kind)
    }

    /** Takes in the server's seq state (GetSeqs). */
    fun applySeqs(tx: StoreTx, seqs: List<ConversationSeq>, fx: Effects) {
        val convs = ConvCache(tx, me, fx)
        for (s in seqs) {
            convs.raiseFloor(s.conversationId, s.minSeq)
            convs.update(s.conversationId) { it.copy(maxSeq = maxOf(it.maxSeq, s.maxSeq), hasReadSeq = maxOf(it.hasReadSeq, s.hasReadSeq)) }
            val c = convs[s.conversationId]
            val peer = c.peerOf(me).orEmpty()
            if (s.peerHasReadSeq > c.peerHasReadSeq) {
                convs.update(s.conversationId) { it.copy(peerHasReadSeq = s.peerHasReadSeq) }
                fx.events += ParleyEvent.Receipt(s.conversationId, peer, s.peerHasReadSeq, read = true)
            }
            if (s.peerDeliveredSeq > c.peerDeliveredSeq) {
                convs.update(s.conversationId) { it.copy(peerDeliveredSeq = s.peerDeliveredSeq) }
                fx.events += ParleyEvent.Receipt(s.conversationId, peer, s.peerDeliveredSeq, read = false)
            }
        }
        convs.finish()
    }

    /** Takes in conversation settings (ListConversations). */
    fun applyConversations(tx: StoreTx, items: List<ServerConversation>, fx: Effects) {
        val convs = ConvCache(tx, me, fx)
        for (s in items) {
            convs.raiseFloor(s.conversationId, s.minSeq)
            convs.update(s.conversationId) {
                it.copy(
                    maxSeq = maxOf(it.maxSeq, s.maxSeq), hasReadSeq = maxOf(it.hasReadSeq, s.hasReadSeq),
                    version = maxOf(it.version, s.version), pinned = s.pinned, draft = s.draft,
                    updateTimeMs = maxOf(it.updateTimeMs, s.updateTimeMs),
                )
            }
        }
        convs.finish()
    }

    /** This user (here or on another device, or the server) read [conversationId] up to [seq]. */
    fun setRead(tx: StoreTx, conversationId: String, seq: Long, fx: Effects): Long {
        val convs = ConvCache(tx, me, fx)
        if (seq > convs[conversationId].hasReadSeq) convs.update(conversationId) { it.copy(hasReadSeq = seq) }
        convs.finish()
        return convs[conversationId].hasReadSeq
    }

    fun setFloor(tx: StoreTx, conversationId: String, minSeq: Long, fx: Effects) {
        val convs = ConvCache(tx, me, fx)
        convs.raiseFloor(conversationId, minSeq)
        convs.finish()
    }

    /** A change this user made through a unary call, applied before its event arrives (the event then changes nothing). */
    fun changeLocal(tx: StoreTx, conversationId: String, seq: Long, kind: MessageChange, fx: Effects, edit: (ChatMessage) -> ChatMessage?) {
        val convs = ConvCache(tx, me, fx)
        change(tx, convs, conversationId, seq, kind, fx, edit)
        convs.finish()
    }

    /** A message of this user shown at once, before the server has it. */
    fun insertOutgoing(tx: StoreTx, message: ChatMessage, fx: Effects) {
        val convs = ConvCache(tx, me, fx)
        tx.saveMessage(message)
        convs.update(message.conversationId) { it.copy(updateTimeMs = maxOf(it.updateTimeMs, message.sendTimeMs)) }
        fx.events += ParleyEvent.NewMessage(message)
        convs.finish()
    }

    /** The server stored a message of this user: it gets its seq. Returns the stored message, or null if unknown. */
    fun applyAck(tx: StoreTx, ack: SendAck, fx: Effects): ChatMessage? {
        val msg = tx.messageByClientId(me, ack.clientMsgId) ?: return null
        tx.removeFromOutbox(ack.clientMsgId)
        if (msg.sendStatus == SendStatus.SENT && msg.seq > 0) return msg
        val sent = msg.copy(
            seq = ack.seq, serverMsgId = ack.serverMsgId, serverTimeMs = ack.serverTimeMs, sendStatus = SendStatus.SENT, error = "",
            content = if (ack.hasReplacedContent()) ack.replacedContent else msg.content,
        )
        tx.saveMessage(sent)
        fx.events += ParleyEvent.MessageUpdated(sent, MessageChange.SENT)
        return sent
    }

    /** The server refused a message of this user for good. */
    fun fail(tx: StoreTx, clientMsgId: String, error: String, fx: Effects) {
        tx.removeFromOutbox(clientMsgId)
        val msg = tx.messageByClientId(me, clientMsgId) ?: return
        if (msg.sendStatus == SendStatus.SENT) return
        val failed = msg.copy(sendStatus = SendStatus.FAILED, error = error)
        tx.saveMessage(failed)
        fx.events += ParleyEvent.MessageUpdated(failed, MessageChange.FAILED)
    }

    private fun hole(conversationId: String, seq: Long) = ChatMessage(
        conversationId, seq, "", "", "", MessageState.HOLE, SendStatus.SENT, null, null, false, 0, 0, 0, false,
    )

    private fun fromProto(m: Message): ChatMessage {
        val state = when {
            m.hasNotification() -> MessageState.EVENT
            m.status == MessageStatus.MESSAGE_STATUS_REVOKED -> MessageState.REVOKED
            m.status == MessageStatus.MESSAGE_STATUS_DELETED -> MessageState.DELETED
            else -> MessageState.NORMAL
        }
        return ChatMessage(
            conversationId = m.conversationId, seq = m.seq, clientMsgId = m.clientMsgId, serverMsgId = m.serverMsgId,
            senderId = m.senderId, state = state, sendStatus = SendStatus.SENT,
            content = if (m.hasContent() && state == MessageState.NORMAL) m.content else null,
            notification = if (m.hasNotification()) m.notification else null,
            edited = m.edited, editVersion = m.editVersion, sendTimeMs = m.sendTimeMs, serverTimeMs = m.serverTimeMs,
            countsUnread = m.countsUnread,
        )
    }

    private companion object {
        val FRIEND_EVENTS = setOf(
            EventCase.FRIEND_APPLIED, EventCase.FRIEND_ADDED, EventCase.FRIEND_APPLICATION_REFUSED, EventCase.FRIEND_DELETED,
            EventCase.FRIEND_REMARK_SET, EventCase.BLACKLIST_ADDED, EventCase.BLACKLIST_REMOVED, EventCase.PROFILE_CHANGED,
        )
        val GROUP_EVENTS = setOf(
            EventCase.GROUP_CREATED, EventCase.GROUP_INFO_CHANGED, EventCase.MEMBERS_JOINED, EventCase.MEMBER_QUIT,
            EventCase.MEMBERS_KICKED, EventCase.MEMBERS_INVITED, EventCase.MEMBER_MUTED, EventCase.GROUP_MUTED,
            EventCase.MEMBER_ROLE_CHANGED, EventCase.OWNER_TRANSFERRED, EventCase.GROUP_DISMISSED,
            EventCase.GROUP_JOIN_REQUESTED, EventCase.GROUP_JOIN_REFUSED, EventCase.MEMBER_NICKNAME_CHANGED,
        )

        /** The group a group event is about (no reflection: the SDK also builds against protobuf-javalite). */
        fun groupIdOf(n: Notification): String = when (n.eventCase) {
            EventCase.GROUP_CREATED -> n.groupCreated.group.groupId
            EventCase.GROUP_INFO_CHANGED -> n.groupInfoChanged.group.groupId
            EventCase.MEMBERS_JOINED -> n.membersJoined.groupId
            EventCase.MEMBER_QUIT -> n.memberQuit.groupId
            EventCase.MEMBERS_KICKED -> n.membersKicked.groupId
            EventCase.MEMBERS_INVITED -> n.membersInvited.groupId
            EventCase.MEMBER_MUTED -> n.memberMuted.groupId
            EventCase.GROUP_MUTED -> n.groupMuted.groupId
            EventCase.MEMBER_ROLE_CHANGED -> n.memberRoleChanged.groupId
            EventCase.OWNER_TRANSFERRED -> n.ownerTransferred.groupId
            EventCase.GROUP_DISMISSED -> n.groupDismissed.groupId
            EventCase.GROUP_JOIN_REQUESTED -> n.groupJoinRequested.groupId
            EventCase.GROUP_JOIN_REFUSED -> n.groupJoinRefused.groupId
            EventCase.MEMBER_NICKNAME_CHANGED -> n.memberNicknameChanged.groupId
            else -> ""
        }
    }
}
