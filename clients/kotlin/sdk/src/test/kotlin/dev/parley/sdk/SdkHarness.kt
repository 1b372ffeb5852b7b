package dev.parley.sdk

import dev.parley.client.FAST
import dev.parley.client.Fixture
import dev.parley.client.STEP_TIMEOUT
import dev.parley.client.TestServer
import dev.parley.client.bearerMetadata
import dev.parley.common.v1.SessionType
import dev.parley.msg.v1.Message
import dev.parley.msg.v1.MessageStatus
import dev.parley.msg.v1.MsgServiceGrpcKt.MsgServiceCoroutineStub
import dev.parley.msg.v1.content
import dev.parley.msg.v1.getSeqsRequest
import dev.parley.msg.v1.outgoingMessage
import dev.parley.msg.v1.pullMessagesRequest
import dev.parley.msg.v1.sendMessageRequest
import dev.parley.msg.v1.seqRange
import dev.parley.msg.v1.textContent
import io.grpc.ManagedChannel
import io.grpc.ManagedChannelBuilder
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.fail

/** How a message looks to the conformance format: who sent it, its text, state, edited, sent. */
data class View(val from: String, val text: String, val state: String = "normal", val edited: Boolean = false, val sent: Boolean = true)

fun textContentOf(value: String) = content { text = textContent { text = value } }

/**
 * One user ("me") with an SDK client on a store file that outlives the client, and the plain
 * unary calls a second user ("peer", or the runner itself) makes to the live server.
 */
class SdkUser(
    val fixture: Fixture,
    val name: String,
    private val dbDir: Path,
    /** Where the client connects (the test server, a proxy in front of it, the property test's own server). */
    private val address: String = TestServer.address,
) {
    lateinit var id: String
    lateinit var token: String
    var client: ParleyClient? = null
    private var channel: ManagedChannel? = null
    val dbFile: Path get() = dbDir.resolve("$name.db")

    suspend fun register(): SdkUser {
        id = fixture.user(name)
        token = fixture.token(id)
        return this
    }

    val c: ParleyClient get() = client ?: fail("$name has no open client")

    /** Opens the client on the store ([online] false: at an address where nothing listens). */
    fun open(scope: CoroutineScope, online: Boolean = true): ParleyClient {
        check(client == null) { "$name is open already" }
        val ch = ManagedChannelBuilder.forTarget(if (online) address else "127.0.0.1:1").usePlaintext().build()
        channel = ch
        return ParleyClient(ch, SqliteStore(dbFile.toString()), scope, ClientOptions(connection = FAST), fixture.authProvider(id))
            .also { client = it; it.start() }
    }

    suspend fun connect(scope: CoroutineScope): ParleyClient = open(scope).also { it.awaitSynced(STEP_TIMEOUT) }

    suspend fun close() {
        client?.close()
        client = null
        channel?.shutdownNow()?.awaitTermination(5, TimeUnit.SECONDS)
        channel = null
    }

    // Waits for a connection (bounded by the deadline): the property test restarts the server under it.
    fun msg() = MsgServiceCoroutineStub(fixture.channel).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS)
    fun auth() = bearerMetadata(token)

    /** Sends a text to [to] through MsgService.SendMessage; returns its seq. */
    suspend fun sendUnary(to: String, text: String): Long = msg().sendMessage(
        sendMessageRequest {
            message = outgoingMessage {
                clientMsgId = UUID.randomUUID().toString(); sessionType = SessionType.SESSION_TYPE_SINGLE; recvId = to
                content = textContentOf(text)
            }
        },
        auth(),
    ).ack.seq

    /** The server's records of [conversationId] for this user, seq [begin] to [end]. */
    suspend fun pull(conversationId: String, begin: Long, end: Long): List<Message> {
        val out = mutableListOf<Message>()
        var lo = begin
        while (lo <= end) {
            val got = msg().pullMessages(
                pullMessagesRequest { ranges += seqRange { this.conversationId = conversationId; this.begin = lo; this.end = minOf(end, lo + 99) } },
                auth(),
            ).resultsList.first().messagesList
            if (got.isEmpty()) break
            out += got
            lo = got.last().seq + 1
        }
        return out
    }

    suspend fun serverMaxSeq(conversationId: String): Long =
        msg().getSeqs(getSeqsRequest { conversationIds += conversationId }, auth()).seqsList
            .filter { it.conversationId == conversationId }.maxOfOrNull { it.maxSeq } ?: 0

    fun view(m: ChatMessage) = View(
        from = if (m.senderId == id) "me" else "peer",
        text = if (m.state == MessageState.NORMAL) m.text else "",
        state = if (m.state == MessageState.NORMAL) "normal" else "revoked",
        edited = m.edited && m.state == MessageState.NORMAL,
        sent = m.sendStatus == SendStatus.SENT,
    )

    fun view(m: Message): View {
        val normal = m.status == MessageStatus.MESSAGE_STATUS_NORMAL
        return View(
            from = if (m.senderId == id) "me" else "peer",
            text = if (normal && m.content.hasText()) m.content.text.text else "",
            state = if (normal) "normal" else "revoked",
            edited = m.edited && normal,
        )
    }

    /** The store's visible messages with their seqs. */
    suspend fun local(conversationId: String): List<Pair<Long, View>> = c.history(conversationId).map { it.seq to view(it) }

    /**
     * null when the store equals the server's log for this user: the synced seq is the server's
     * max seq and the sent visible messages are the same at the same seqs; else what differs.
     */
    suspend fun differenceFromServer(conversationId: String): String? {
        val top = serverMaxSeq(conversationId)
        val records = pull(conversationId, 1, top)
        val server = records
            .filter { !it.placeholder && !it.hasNotification() && it.status != MessageStatus.MESSAGE_STATUS_DELETED }
            .map { it.seq to view(it) }
        val synced = c.conversation(conversationId)?.syncedSeq ?: 0
        val local = local(conversationId).filter { it.second.sent }
        // Synced up to the last record the server holds. Seqs above it may only be holes: a resend
        // the writer dropped as a duplicate leaves one, visible once its max_seq is saved, which can
        // come after the client's last sync; nothing is pushed for a hole (it carries nothing), so the
        // client learns of it from the next message's gap or its next sync.
        val unsynced = records.filter { it.seq > synced && !it.placeholder }.map { it.seq }
        return if (unsynced.isEmpty() && local == server) null
        else "local synced $synced, $local; server $top, $server, records above synced: $unsynced"
    }
}

/** Polls [check] (null = satisfied, else what is wrong) until it is null, at most [STEP_TIMEOUT]. */
suspend fun awaitTrue(what: String, check: suspend () -> String?) {
    var last: String? = "not checked"
    withTimeoutOrNull(STEP_TIMEOUT) {
        while (true) {
            last = check()
            if (last == null) break
            delay(50)
        }
    }
    last?.let { fail("$what: not within $STEP_TIMEOUT: $it") }
}
