package dev.parley.sdk

import dev.parley.msg.v1.Content
import dev.parley.msg.v1.Notification

/** What a stored seq holds. */
enum class MessageState {
    /** A message as sent (or edited). */
    NORMAL,

    /** Revoked by its sender or an admin: the content is gone, the place stays. */
    REVOKED,

    /** Deleted (for everyone, or for this user): the content is gone, the place stays. */
    DELETED,

    /** The server has nothing visible at this seq (a placeholder): kept so the seq counts as synced. */
    HOLE,

    /** A server event (notification) stored at its seq; shown by apps as a system line if at all. */
    EVENT,
}

/** Where a message of this user is on its way to the server. */
enum class SendStatus { SENDING, SENT, FAILED }

/**
 * One stored seq of a conversation, or a message of this user not yet acknowledged ([seq] 0,
 * [sendStatus] SENDING or FAILED). [clientMsgId] is the sender's id of the message: the same
 * across resends, so the server stores a message once however often it is sent.
 */
data class ChatMessage(
    val conversationId: String,
    val seq: Long,
    val clientMsgId: String,
    val serverMsgId: String,
    val senderId: String,
    val state: MessageState,
    val sendStatus: SendStatus,
    val content: Content?,
    val notification: Notification?,
    val edited: Boolean,
    val editVersion: Int,
    val sendTimeMs: Long,
    val serverTimeMs: Long,
    val countsUnread: Boolean,
    val error: String = "",
) {
    /** The text of a text message, "" otherwise. */
    val text: String get() = if (content?.hasText() == true) content.text.text else ""

    /** Whether apps show it as a message: a user message (revoked ones as such), not a hole, an event or a deleted one. */
    val isVisible: Boolean get() = state == MessageState.NORMAL || state == MessageState.REVOKED
}

/**
 * A conversation as this device knows it. [syncedSeq]: every seq up to it is stored (or known to
 * hold nothing); [maxSeq]: the newest seq the server reported; [minSeq]: older seqs are gone for this
 * user (cleared); [hasReadSeq]: this user read up to it; [peerHasReadSeq] / [peerDeliveredSeq]: the
 * peer's receipts (single chats).
 */
data class Conversation(
    val conversationId: String,
    val syncedSeq: Long = 0,
    val maxSeq: Long = 0,
    val minSeq: Long = 0,
    val hasReadSeq: Long = 0,
    val peerHasReadSeq: Long = 0,
    val peerDeliveredSeq: Long = 0,
    val unreadCount: Long = 0,
    val version: Long = 0,
    val pinned: Boolean = false,
    val draft: String = "",
    val updateTimeMs: Long = 0,
) {
    /** The single chat's other user, the group's id, or null. */
    fun peerOf(me: String): String? =
        if (conversationId.startsWith("si_")) conversationId.removePrefix("si_").split("_").firstOrNull { it != me } ?: me else null
}

/** Why a stored message changed. */
enum class MessageChange { SENT, FAILED, SENDING_AGAIN, REVOKED, EDITED, DELETED }

/** What the SDK tells listeners, each after the change is committed to the store, each change once. */
sealed interface ParleyEvent {
    /** A new message (or event) was stored: from another user, another device of this user, or sent here. */
    data class NewMessage(val message: ChatMessage) : ParleyEvent

    /** A stored message changed. */
    data class MessageUpdated(val message: ChatMessage, val change: MessageChange) : ParleyEvent

    /** A conversation's seqs, read state or settings changed. */
    data class ConversationChanged(val conversation: Conversation) : ParleyEvent

    /** The peer read ([read]) or received a conversation up to [seq]. */
    data class Receipt(val conversationId: String, val userId: String, val seq: Long, val read: Boolean) : ParleyEvent

    data class Typing(val conversationId: String, val userId: String, val typing: Boolean) : ParleyEvent

    data class Presence(val status: dev.parley.user.v1.OnlineStatus) : ParleyEvent

    /** A friend-graph event (applied, added, refused, deleted, remark, blacklist, profile). */
    data class Friend(val kind: Notification.EventCase, val notification: Notification) : ParleyEvent

    /** A group event; [groupId] is the group concerned. */
    data class Group(val kind: Notification.EventCase, val groupId: String, val notification: Notification) : ParleyEvent

    /** A (re)connect sync finished: the store holds everything the server had when it began. */
    data object Synced : ParleyEvent
}

/** The conversation id of the single chat between two users. */
fun singleConversationId(a: String, b: String): String = if (a <= b) "si_${a}_$b" else "si_${b}_$a"

/** The conversation id of a group. */
fun groupConversationId(groupId: String): String = "sg_$groupId"
