package dev.parley.sdk

import dev.parley.msg.v1.Content
import dev.parley.msg.v1.Notification
import dev.parley.msg.v1.OutgoingMessage
import java.sql.Connection
import java.sql.DriverManager
import java.sql.PreparedStatement
import java.sql.ResultSet

/**
 * [LocalStore] in one SQLite file ([path]; ":memory:" for none). Contents are kept as protobuf
 * bytes, so a newer server's fields survive a round trip through the store.
 */
class SqliteStore(path: String) : LocalStore {
    private val conn: Connection = DriverManager.getConnection("jdbc:sqlite:$path")
    private val tx = Tx(conn)

    init {
        conn.createStatement().use { st ->
            if (path != ":memory:") st.execute("PRAGMA journal_mode=WAL")
            SCHEMA.forEach { st.execute(it) }
        }
        conn.autoCommit = false
        conn.commit()
    }

    @Synchronized
    override fun <T> transaction(block: (StoreTx) -> T): T =
        try {
            block(tx).also { conn.commit() }
        } catch (e: Throwable) {
            conn.rollback()
            throw e
        }

    @Synchronized
    override fun close() = conn.close()

    private class Tx(private val conn: Connection) : StoreTx {
        private fun <T> query(sql: String, vararg args: Any?, read: (ResultSet) -> T): List<T> =
            prepare(sql, args).use { st -> st.executeQuery().use { rs -> buildList { while (rs.next()) add(read(rs)) } } }

        private fun update(sql: String, vararg args: Any?): Int = prepare(sql, args).use { it.executeUpdate() }

        private fun prepare(sql: String, args: Array<out Any?>): PreparedStatement =
            conn.prepareStatement(sql).also { st -> args.forEachIndexed { i, a -> st.setObject(i + 1, a) } }

        override fun getMeta(key: String): String? = query("SELECT value FROM meta WHERE key = ?", key) { it.getString(1) }.firstOrNull()

        override fun setMeta(key: String, value: String) {
            update("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
        }

        override fun conversation(conversationId: String): Conversation? =
            query("SELECT $CONV_COLUMNS FROM conversations WHERE conversation_id = ?", conversationId, read = ::readConversation).firstOrNull()

        override fun conversations(): List<Conversation> =
            query("SELECT $CONV_COLUMNS FROM conversations ORDER BY pinned DESC, update_time_ms DESC", read = ::readConversation)

        override fun saveConversation(conversation: Conversation) {
            with(conversation) {
                update(
                    "INSERT OR REPLACE INTO conversations($CONV_COLUMNS) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    conversationId, syncedSeq, maxSeq, minSeq, hasReadSeq, peerHasReadSeq, peerDeliveredSeq,
                    unreadCount, version, if (pinned) 1 else 0, draft, updateTimeMs,
                )
            }
        }

        override fun messageAt(conversationId: String, seq: Long): ChatMessage? =
            query("SELECT $MSG_COLUMNS FROM messages WHERE conversation_id = ? AND seq = ?", conversationId, seq, read = ::readMessage).firstOrNull()

        override fun messageByClientId(senderId: String, clientMsgId: String): ChatMessage? =
            if (clientMsgId.isEmpty()) {
                null
            } else {
                query(
                    "SELECT $MSG_COLUMNS FROM messages WHERE sender_id = ? AND client_msg_id = ?",
                    senderId, clientMsgId, read = ::readMessage,
                ).firstOrNull()
            }

        override fun saveMessage(message: ChatMessage) {
            with(message) {
                // A row is the same message when it has the same (sender, client id); otherwise the
                // seq identifies it. Whatever else sat at the seq was a stale placeholder.
                val previous = messageByClientId(senderId, clientMsgId)
                if (seq > 0) {
                    update(
                        "DELETE FROM messages WHERE conversation_id = ? AND seq = ? AND NOT (sender_id = ? AND client_msg_id = ? AND client_msg_id != '')",
                        conversationId, seq, senderId, clientMsgId,
                    )
                }
                if (previous != null) {
                    update("DELETE FROM messages WHERE sender_id = ? AND client_msg_id = ?", senderId, clientMsgId)
                }
                update(
                    "INSERT INTO messages($MSG_COLUMNS) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    conversationId, seq, clientMsgId, serverMsgId, senderId, state.name, sendStatus.name,
                    content?.toByteArray(), notification?.toByteArray(), if (edited) 1 else 0, editVersion,
                    sendTimeMs, serverTimeMs, if (countsUnread) 1 else 0, error,
                )
            }
        }

        override fun messages(conversationId: String, fromSeq: Long, toSeq: Long): List<ChatMessage> =
            query(
                "SELECT $MSG_COLUMNS FROM messages WHERE conversation_id = ? AND ((seq BETWEEN ? AND ?) OR seq = 0) " +
                    "ORDER BY seq = 0, seq, send_time_ms",
                conversationId, fromSeq, toSeq, read = ::readMessage,
            )

        override fun deleteBelow(conversationId: String, minSeq: Long) {
            update("DELETE FROM messages WHERE conversation_id = ? AND seq > 0 AND seq < ?", conversationId, minSeq)
        }

        override fun countUnread(conversationId: String, afterSeq: Long, me: String): Long =
            query(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq > ? AND sender_id != ? AND state = 'NORMAL' AND counts_unread = 1",
                conversationId, afterSeq, me,
            ) { it.getLong(1) }.first()

        override fun messagesWithStatus(status: SendStatus): List<ChatMessage> =
            query("SELECT $MSG_COLUMNS FROM messages WHERE send_status = ? ORDER BY send_time_ms", status.name, read = ::readMessage)

        override fun outbox(): List<OutgoingMessage> =
            query("SELECT outgoing FROM outbox ORDER BY position") { OutgoingMessage.parseFrom(it.getBytes(1)) }

        override fun addToOutbox(message: OutgoingMessage) {
            update("INSERT OR IGNORE INTO outbox(client_msg_id, outgoing) VALUES (?, ?)", message.clientMsgId, message.toByteArray())
        }

        override fun removeFromOutbox(clientMsgId: String) {
            update("DELETE FROM outbox WHERE client_msg_id = ?", clientMsgId)
        }

        override fun pendingReads(): Map<String, Long> =
            query("SELECT conversation_id, seq FROM pending_reads") { it.getString(1) to it.getLong(2) }.toMap()

        override fun setPendingRead(conversationId: String, seq: Long) {
            update(
                "INSERT INTO pending_reads(conversation_id, seq) VALUES (?, ?) " +
                    "ON CONFLICT(conversation_id) DO UPDATE SET seq = MAX(seq, excluded.seq)",
                conversationId, seq,
            )
        }

        override fun clearPendingRead(conversationId: String, seq: Long) {
            update("DELETE FROM pending_reads WHERE conversation_id = ? AND seq <= ?", conversationId, seq)
        }

        private fun readConversation(rs: ResultSet) = Conversation(
            conversationId = rs.getString(1), syncedSeq = rs.getLong(2), maxSeq = rs.getLong(3), minSeq = rs.getLong(4),
            hasReadSeq = rs.getLong(5), peerHasReadSeq = rs.getLong(6), peerDeliveredSeq = rs.getLong(7),
            unreadCount = rs.getLong(8), version = rs.getLong(9), pinned = rs.getInt(10) != 0, draft = rs.getString(11),
            updateTimeMs = rs.getLong(12),
        )

        private fun readMessage(rs: ResultSet) = ChatMessage(
            conversationId = rs.getString(1), seq = rs.getLong(2), clientMsgId = rs.getString(3), serverMsgId = rs.getString(4),
            senderId = rs.getString(5), state = MessageState.valueOf(rs.getString(6)), sendStatus = SendStatus.valueOf(rs.getString(7)),
            content = rs.getBytes(8)?.let(Content::parseFrom), notification = rs.getBytes(9)?.let(Notification::parseFrom),
            edited = rs.getInt(10) != 0, editVersion = rs.getInt(11), sendTimeMs = rs.getLong(12), serverTimeMs = rs.getLong(13),
            countsUnread = rs.getInt(14) != 0, error = rs.getString(15),
        )
    }

    private companion object {
        const val CONV_COLUMNS = "conversation_id, synced_seq, max_seq, min_seq, has_read_seq, peer_has_read_seq, " +
            "peer_delivered_seq, unread_count, version, pinned, draft, update_time_ms"
        const val MSG_COLUMNS = "conversation_id, seq, client_msg_id, server_msg_id, sender_id, state, send_status, " +
            "content, notification, edited, edit_version, send_time_ms, server_time_ms, counts_unread, error"
        val SCHEMA = listOf(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """CREATE TABLE IF NOT EXISTS conversations (
                conversation_id TEXT PRIMARY KEY, synced_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL,
                min_seq INTEGER NOT NULL, has_read_seq INTEGER NOT NULL, peer_has_read_seq INTEGER NOT NULL,
                peer_delivered_seq INTEGER NOT NULL, unread_count INTEGER NOT NULL, version INTEGER NOT NULL,
                pinned INTEGER NOT NULL, draft TEXT NOT NULL, update_time_ms INTEGER NOT NULL)""",
            """CREATE TABLE IF NOT EXISTS messages (
                local_id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, seq INTEGER NOT NULL,
                client_msg_id TEXT NOT NULL, server_msg_id TEXT NOT NULL, sender_id TEXT NOT NULL, state TEXT NOT NULL,
                send_status TEXT NOT NULL, content BLOB, notification BLOB, edited INTEGER NOT NULL,
                edit_version INTEGER NOT NULL, send_time_ms INTEGER NOT NULL, server_time_ms INTEGER NOT NULL,
                counts_unread INTEGER NOT NULL, error TEXT NOT NULL)""",
            "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_seq ON messages(conversation_id, seq) WHERE seq > 0",
            "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages(sender_id, client_msg_id) WHERE client_msg_id != ''",
            "CREATE TABLE IF NOT EXISTS outbox (position INTEGER PRIMARY KEY AUTOINCREMENT, client_msg_id TEXT UNIQUE NOT NULL, outgoing BLOB NOT NULL)",
            "CREATE TABLE IF NOT EXISTS pending_reads (conversation_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
        )
    }
}
