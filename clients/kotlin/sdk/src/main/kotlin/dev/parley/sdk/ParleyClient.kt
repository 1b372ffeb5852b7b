package dev.parley.sdk

import dev.parley.client.ConnectionOptions
import dev.parley.client.ConnectionState
import dev.parley.client.GatewayConnection
import dev.parley.file.v1.FileInfo
import dev.parley.gateway.v1.AuthFrame
import dev.parley.gateway.v1.ServerFrame
import dev.parley.gateway.v1.clientFrame
import dev.parley.gateway.v1.deliveryAckFrame
import dev.parley.gateway.v1.subscribePresenceFrame
import dev.parley.gateway.v1.typingFrame
import dev.parley.msg.v1.Content
import dev.parley.msg.v1.DeleteScope
import dev.parley.msg.v1.Message
import dev.parley.msg.v1.clearConversationRequest
import dev.parley.msg.v1.content
import dev.parley.msg.v1.deleteMessagesRequest
import dev.parley.msg.v1.editMessageRequest
import dev.parley.msg.v1.revokeMessageRequest
import dev.parley.msg.v1.textContent
import dev.parley.user.v1.OnlineStatus
import io.grpc.Channel
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** Tuning of a [ParleyClient]. */
data class ClientOptions(
    val connection: ConnectionOptions = ConnectionOptions(),
    /** Deadline of each unary call (pulls, revokes, edits, …). */
    val rpcTimeout: Duration = 30.seconds,
    /** Events buffered for slow collectors of [ParleyClient.events] before the SDK waits for them. */
    val eventBuffer: Int = 4096,
    /** Downloaded files by SHA-256, so the same bytes are fetched once; null: no cache. */
    val fileCacheDir: Path? = null,
    /** Deadline of each file call (a whole upload stream or download). */
    val fileTimeout: Duration = 10.minutes,
    /** Cuts an upload survives (it continues from the server's committed offset) before it fails. */
    val uploadRetries: Int = 20,
)

/**
 * One user's device: the realtime stream (reconnecting), sync by seq into a [LocalStore], a
 * local-first outbox and listeners as Flows.
 *
 * ```
 * val client = ParleyClient(channel, SqliteStore(dbFile.path), lifecycleScope) { authFrame { token = …; platform = …; deviceId = … } }
 * client.events.collect { … }        // before start(), in another coroutine
 * client.start()
 * val msg = client.sendText(singleConversationId(me, peer), "hi")   // stored and shown at once; sent when online
 * ```
 * Every store change is published on [events] after it committed. A message sent here stays in the
 * store's outbox, and is resent with the same client_msg_id after each reconnect (and after the app
 * restarts with the same store) until the server acknowledges or refuses it.
 */
class ParleyClient(
    channel: Channel,
    private val store: LocalStore,
    parentScope: CoroutineScope,
    private val options: ClientOptions = ClientOptions(),
    auth: suspend () -> AuthFrame,
) {
    private val scope = CoroutineScope(parentScope.coroutineContext + SupervisorJob(parentScope.coroutineContext[Job]))

    @Volatile
    private var token = ""

    @Volatile
    private var me: String = store.transaction { it.getMeta(USER_KEY) }.orEmpty()
    private val mutableEvents = MutableSharedFlow<ParleyEvent>(extraBufferCapacity = options.eventBuffer)
    private val connection = GatewayConnection(channel, scope, options.connection) { auth().also { token = it.token } }
    private val rpc = Rpc(channel, { token }, options.rpcTimeout.inWholeMilliseconds)
    private val syncer = Syncer(store, rpc, scope, { me }, ::publish)
    private val outbox = Outbox(connection, syncer, scope, { me })
    private val files = FileTransfers(rpc, options.fileCacheDir, options.fileTimeout, options.uploadRetries)

    /** Everything the SDK reports, in commit order. A hot flow: collect before [start]. */
    val events: SharedFlow<ParleyEvent> = mutableEvents.asSharedFlow()
    val messages: Flow<ParleyEvent> get() = events.filter { it is ParleyEvent.NewMessage || it is ParleyEvent.MessageUpdated }
    val conversations: Flow<Conversation> get() = events.filterIsInstance<ParleyEvent.ConversationChanged>().map { it.conversation }
    val receipts: Flow<ParleyEvent.Receipt> get() = events.filterIsInstance()
    val typing: Flow<ParleyEvent.Typing> get() = events.filterIsInstance()
    val presence: Flow<ParleyEvent.Presence> get() = events.filterIsInstance()
    val friends: Flow<ParleyEvent.Friend> get() = events.filterIsInstance()
    val groups: Flow<ParleyEvent.Group> get() = events.filterIsInstance()

    /** The stream's state; see [ConnectionState]. */
    val state: StateFlow<ConnectionState> get() = connection.state

    /** The signed-in user ("" before the first session of a new store). */
    val userId: String get() = me

    private val syncCount = MutableStateFlow(0)

    /** Completed (re)connect syncs, for apps that show a "syncing" state and for tests. */
    val syncs: StateFlow<Int> = syncCount.asStateFlow()

    /** Starts connecting; sync and the outbox follow every (re)connect. */
    fun start() {
        scope.launch(start = CoroutineStart.UNDISPATCHED) { connection.pushes.collect(::onPush) }
        scope.launch(start = CoroutineStart.UNDISPATCHED) {
            connection.state.collect { state -> if (state is ConnectionState.Connected) onSession(state) }
        }
        connection.start()
    }

    private suspend fun onSession(state: ConnectionState.Connected) {
        val user = state.session.userId
        if (user != me) {
            syncer.write { tx, _, _ -> tx.setMeta(USER_KEY, user) }
            me = user
        }
        outbox.wake()
        scope.launch {
            try {
                syncer.syncAll()
                flushReads()
                syncCount.update { it + 1 }
                publish(Effects().apply { events += ParleyEvent.Synced })
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                // The stream broke during the sync: the next session syncs again.
            }
        }
    }

    private suspend fun onPush(frame: ServerFrame) {
        when {
            frame.hasMessage() -> syncer.add(listOf(frame.message.message), fromPush = true)
            frame.hasNotification() -> syncer.add(listOf(frame.notification.message), fromPush = true)
            frame.hasTyping() -> publishOne(ParleyEvent.Typing(frame.typing.conversationId, frame.typing.userId, frame.typing.typing))
            frame.hasPresence() -> publishOne(ParleyEvent.Presence(frame.presence.status))
            frame.hasReadState() -> syncer.write { tx, applier, fx -> applier.setRead(tx, frame.readState.conversationId, frame.readState.hasReadSeq, fx) }
            frame.hasDeliveryReceipt() -> with(frame.deliveryReceipt) {
                syncer.write { tx, _, fx ->
                    val c = tx.conversation(conversationId) ?: Conversation(conversationId)
                    if (deliveredSeq > c.peerDeliveredSeq) {
                        val changed = c.copy(peerDeliveredSeq = deliveredSeq)
                        tx.saveConversation(changed)
                        fx.events += ParleyEvent.Receipt(conversationId, userId, deliveredSeq, read = false)
                        fx.events += ParleyEvent.ConversationChanged(changed)
                    }
                }
            }
        }
    }

    /**
     * Takes server records as if pushed: duplicates are dropped, a record past a hole waits while
     * the hole is pulled. For records that reach the app another way (a push notification's payload).
     */
    suspend fun deliver(records: List<Message>) = syncer.add(records, fromPush = true)

    /** Hands committed changes to collectors; waits while a slow collector's buffer is full (no event is dropped). */
    private suspend fun publish(fx: Effects) {
        fx.events.forEach { mutableEvents.emit(it) }
        if (fx.delivered.isNotEmpty() && connection.state.value is ConnectionState.Connected) {
            scope.launch {
                for ((cid, seq) in fx.delivered) {
                    runCatching { connection.send(clientFrame { deliveryAck = deliveryAckFrame { conversationId = cid; deliveredSeq = seq } }) }
                }
            }
        }
    }

    private suspend fun publishOne(event: ParleyEvent) = publish(Effects().apply { events += event })

    // -- reading the store ------------------------------------------------------------------------

    suspend fun conversation(conversationId: String): Conversation? = syncer.read { it.conversation(conversationId) }
    suspend fun conversationList(): List<Conversation> = syncer.read { it.conversations() }

    /** The messages of a conversation in seq order (unsent ones last); holes and events only with [all]. */
    suspend fun history(conversationId: String, all: Boolean = false): List<ChatMessage> =
        syncer.read { it.messages(conversationId) }.filter { all || it.isVisible }

    suspend fun message(conversationId: String, seq: Long): ChatMessage? = syncer.read { it.messageAt(conversationId, seq) }

    /** The single chat with [userId] (needs [userId] of this client: known after the first session). */
    fun conversationWith(userId: String): String = singleConversationId(requireNotNull(me.ifEmpty { null }) { "the user is not known before the first session" }, userId)

    /** A message of this user by its client_msg_id (to follow a send from SENDING to SENT). */
    suspend fun messageByClientId(clientMsgId: String): ChatMessage? = syncer.read { it.messageByClientId(me, clientMsgId) }

    /** Waits until connected and synced at least [count] times in total. */
    suspend fun awaitSynced(timeout: Duration, count: Int = 1) {
        withTimeout(timeout) { syncCount.first { it >= count } }
    }

    // -- actions ----------------------------------------------------------------------------------

    /** Stores a message as SENDING (shown at once, [ParleyEvent.NewMessage]) and sends it when connected. */
    suspend fun send(conversationId: String, content: Content): ChatMessage = outbox.send(conversationId, content)

    suspend fun sendText(conversationId: String, text: String): ChatMessage =
        send(conversationId, content { this.text = textContent { this.text = text } })

    /**
     * Uploads a file (resumed from the server's committed offset after a cut, up to
     * [ClientOptions.uploadRetries] times); the server checks its SHA-256 and sniffs its type.
     */
    suspend fun uploadFile(path: Path, name: String = path.fileName.toString(), progress: Progress? = null): FileInfo =
        files.upload(path, name, progress)

    /** Continues an upload started earlier (by [uploadFile] before the app stopped, say) from the server's offset. */
    suspend fun resumeUpload(uploadId: String, path: Path, progress: Progress? = null): FileInfo = files.resume(uploadId, path, progress)

    /** Uploads [path] and sends it: an image message for images, a file message otherwise. */
    suspend fun sendFile(conversationId: String, path: Path, progress: Progress? = null): ChatMessage =
        sendFile(conversationId, uploadFile(path, progress = progress))

    /** Sends an uploaded file: an image message for images (size, placeholder), a file message otherwise. */
    suspend fun sendFile(conversationId: String, file: FileInfo): ChatMessage = send(conversationId, FileTransfers.contentFor(file))

    /** A file's metadata (readable by its uploader and by readers of a message naming it). */
    suspend fun fileInfo(fileId: String): FileInfo = files.info(fileId)

    /** Downloads a file to [dest] (through [ClientOptions.fileCacheDir] if set), verified against its SHA-256. */
    suspend fun downloadFile(fileId: String, dest: Path, progress: Progress? = null): Path = files.download(fileId, dest, progress)

    /** [length] bytes of a file from [offset] (length 0: to the end). */
    suspend fun downloadRange(fileId: String, offset: Long, length: Long = 0): ByteArray = files.range(fileId, offset, length)

    /** Sends a FAILED message again (same client_msg_id). */
    suspend fun resend(clientMsgId: String): ChatMessage? = outbox.resend(clientMsgId)

    suspend fun revoke(conversationId: String, seq: Long) {
        rpc.msg().revokeMessage(revokeMessageRequest { this.conversationId = conversationId; this.seq = seq }, rpc.auth())
        syncer.write { tx, applier, fx ->
            applier.changeLocal(tx, conversationId, seq, MessageChange.REVOKED, fx) {
                if (it.state != MessageState.NORMAL) null else it.copy(state = MessageState.REVOKED, content = null)
            }
        }
    }

    suspend fun edit(conversationId: String, seq: Long, content: Content) {
        val version = rpc.msg().editMessage(
            editMessageRequest { this.conversationId = conversationId; this.seq = seq; this.content = content },
            rpc.auth(),
        ).editVersion
        syncer.write { tx, applier, fx ->
            applier.changeLocal(tx, conversationId, seq, MessageChange.EDITED, fx) {
                if (it.state != MessageState.NORMAL || version <= it.editVersion) null
                else it.copy(content = content, edited = true, editVersion = version)
            }
        }
    }

    suspend fun delete(conversationId: String, seqs: List<Long>, forEveryone: Boolean = false) {
        rpc.msg().deleteMessages(
            deleteMessagesRequest {
                this.conversationId = conversationId
                this.seqs += seqs
                scope = if (forEveryone) DeleteScope.DELETE_SCOPE_FOR_EVERYONE else DeleteScope.DELETE_SCOPE_FOR_ME
            },
            rpc.auth(),
        )
        syncer.write { tx, applier, fx ->
            for (seq in seqs) {
                applier.changeLocal(tx, conversationId, seq, MessageChange.DELETED, fx) {
                    if (it.state == MessageState.DELETED) null else it.copy(state = MessageState.DELETED, content = null)
                }
            }
        }
    }

    /** Clears the conversation's history for this user (all devices). */
    suspend fun clear(conversationId: String) {
        val minSeq = rpc.msg().clearConversation(clearConversationRequest { this.conversationId = conversationId }, rpc.auth()).minSeq
        syncer.write { tx, applier, fx -> applier.setFloor(tx, conversationId, minSeq, fx) }
    }

    /**
     * Marks the conversation read up to [seq] (default: everything stored) at once, and tells the
     * server when connected (a mark made offline is kept in the store until the server confirms it).
     */
    suspend fun markRead(conversationId: String, seq: Long? = null) {
        syncer.write { tx, applier, fx ->
            val c = tx.conversation(conversationId) ?: return@write
            val target = minOf(seq ?: c.syncedSeq, maxOf(c.syncedSeq, c.maxSeq))
            if (target > c.hasReadSeq) {
                applier.setRead(tx, conversationId, target, fx)
                tx.setPendingRead(conversationId, target)
            }
        }
        if (connection.state.value is ConnectionState.Connected) runCatching { flushReads() }
    }

    private suspend fun flushReads() {
        for ((cid, seq) in syncer.read { it.pendingReads() }) {
            val result = connection.request(clientFrame { markRead = dev.parley.gateway.v1.markReadFrame { conversationId = cid; hasReadSeq = seq } })
            syncer.write { tx, applier, fx ->
                tx.clearPendingRead(cid, seq)
                applier.setRead(tx, cid, result.markReadResult.hasReadSeq, fx)
            }
        }
    }

    suspend fun setTyping(conversationId: String, typing: Boolean) =
        connection.send(clientFrame { this.typing = typingFrame { this.conversationId = conversationId; this.typing = typing } })

    /** Watches users' presence: returns their current status; changes come on [presence]. */
    suspend fun subscribePresence(userIds: List<String>): List<OnlineStatus> =
        connection.request(clientFrame { subscribePresence = subscribePresenceFrame { subscribeUserIds += userIds } }).presenceSnapshot.statusesList

    /** Stops the stream and the SDK's coroutines, then closes the store. */
    suspend fun close() {
        connection.close()
        scope.coroutineContext[Job]?.cancelAndJoin()
        store.close()
    }

    private companion object {
        const val USER_KEY = "user_id"
    }
}
