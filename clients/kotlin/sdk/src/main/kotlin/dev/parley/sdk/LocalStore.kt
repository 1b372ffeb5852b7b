package dev.parley.sdk

import dev.parley.msg.v1.OutgoingMessage

/**
 * The device's copy of one user's data. Every change goes through [transaction], so a crash
 * leaves either all of a change or none of it (a message and the synced seq that covers it move
 * together). Implementations: [SqliteStore] (JVM and Android via sqlite-jdbc's Android build, or any
 * SQLite binding behind this interface).
 */
interface LocalStore : AutoCloseable {
    /** Runs [block] in one transaction (callers serialise; the SDK calls it from one coroutine at a time). */
    fun <T> transaction(block: (StoreTx) -> T): T
}

/** One transaction's view of the store. */
interface StoreTx {
    fun getMeta(key: String): String?
    fun setMeta(key: String, value: String)

    fun conversation(conversationId: String): Conversation?
    fun conversations(): List<Conversation>
    fun saveConversation(conversation: Conversation)

    /** The message stored at [seq], if any. */
    fun messageAt(conversationId: String, seq: Long): ChatMessage?
    fun messageByClientId(senderId: String, clientMsgId: String): ChatMessage?

    /** Inserts or replaces: a message is identified by (sender, client_msg_id), a hole or event without one by its seq. */
    fun saveMessage(message: ChatMessage)

    /** Every stored row of a conversation with seq in [fromSeq, toSeq], by seq, then unsent ones. */
    fun messages(conversationId: String, fromSeq: Long = 1, toSeq: Long = Long.MAX_VALUE): List<ChatMessage>

    /** Removes every stored seq below [minSeq] (a clear). */
    fun deleteBelow(conversationId: String, minSeq: Long)

    /** Messages from others after [afterSeq] that count as unread. */
    fun countUnread(conversationId: String, afterSeq: Long, me: String): Long

    fun messagesWithStatus(status: SendStatus): List<ChatMessage>

    /** The outbox: messages to (re)send until acknowledged, in the order they were sent. */
    fun outbox(): List<OutgoingMessage>
    fun addToOutbox(message: OutgoingMessage)
    fun removeFromOutbox(clientMsgId: String)

    /** Read marks made here and not yet confirmed by the server. */
    fun pendingReads(): Map<String, Long>
    fun setPendingRead(conversationId: String, seq: Long)
    fun clearPendingRead(conversationId: String, seq: Long)
}
