package dev.parley.sdk

import dev.parley.client.bearerMetadata
import dev.parley.common.v1.pageRequest
import dev.parley.conversation.v1.ConversationServiceGrpcKt.ConversationServiceCoroutineStub
import dev.parley.conversation.v1.listConversationsRequest
import dev.parley.msg.v1.Message
import dev.parley.msg.v1.MsgServiceGrpcKt.MsgServiceCoroutineStub
import dev.parley.msg.v1.PullOrder
import dev.parley.msg.v1.getSeqsRequest
import dev.parley.msg.v1.message
import dev.parley.msg.v1.pullMessagesRequest
import dev.parley.msg.v1.seqRange
import io.grpc.Channel
import io.grpc.Metadata
import java.util.TreeMap
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/** Unary calls with the current user token. */
internal class Rpc(val channel: Channel, private val token: () -> String, private val deadlineMs: Long) {
    fun auth(): Metadata = bearerMetadata(token())
    fun msg() = MsgServiceCoroutineStub(channel).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
    fun conversations() = ConversationServiceCoroutineStub(channel).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
}

/**
 * Sync by seq: everything the user missed, exactly once, in seq order. Records (messages, events,
 * placeholders) from pushes and pulls alike wait in a per-conversation buffer until they continue
 * the conversation's synced seq, and are then applied in one transaction with the synced seq. A push
 * that leaves a hole pulls the hole; every (re)connect compares the synced seqs with the server's
 * (GetSeqs) and pulls what is missing, 100 seqs per range and 20 ranges per call.
 */
internal class Syncer(
    private val store: LocalStore,
    private val rpc: Rpc,
    private val scope: CoroutineScope,
    private val me: () -> String,
    private val publish: suspend (Effects) -> Unit,
) {
    /** Guards the store's sync state and the buffers; every store change of the SDK takes it. */
    val mutex = Mutex()
    private val buffers = mutableMapOf<String, TreeMap<Long, Message>>()
    private val gapJobs = mutableMapOf<String, Job>()

    @Volatile
    var syncing = false
        private set

    /** Records pulled, for tests and metrics. */
    @Volatile
    var pulledRecords = 0L
        private set

    /** Runs [block] on the store under [mutex] and publishes its effects once committed. */
    suspend fun <T> write(block: (StoreTx, Applier, Effects) -> T): T {
        val fx = Effects()
        val result = mutex.withLock {
            withContext(Dispatchers.IO) { store.transaction { tx -> block(tx, Applier(me()), fx) } }
        }
        publish(fx)
        return result
    }

    suspend fun <T> read(block: (StoreTx) -> T): T = withContext(Dispatchers.IO) { store.transaction(block) }

    /** Takes records for their seqs (duplicates and old seqs are dropped) and applies what continues the synced seqs. */
    suspend fun add(records: List<Message>, fromPush: Boolean) {
        if (records.isEmpty()) return
        val fx = Effects()
        val holes = mutex.withLock {
            withContext(Dispatchers.IO) {
                store.transaction { tx ->
                    val applier = Applier(me())
                    for ((cid, group) in records.filter { it.conversationId.isNotEmpty() && it.seq > 0 }.groupBy { it.conversationId }) {
                        val buffer = buffers.getOrPut(cid) { TreeMap() }
                        group.forEach { buffer.putIfAbsent(it.seq, it) }
                        val left = applier.applyRun(tx, cid, buffer.values.toList(), fx)
                        buffer.clear()
                        left.forEach { buffer[it.seq] = it }
                        if (buffer.isEmpty()) buffers.remove(cid)
                    }
                }
            }
            buffers.keys.toList()
        }
        publish(fx)
        if (fromPush && !syncing) holes.forEach(::fillGap)
    }

    private fun syncedSeq(tx: StoreTx, cid: String) = tx.conversation(cid)?.syncedSeq ?: 0

    /** Pulls the hole below the buffered records of [cid] (one pull per conversation at a time). */
    fun fillGap(cid: String) {
        synchronized(gapJobs) {
            if (gapJobs[cid]?.isActive == true) return
            gapJobs[cid] = scope.launch {
                try {
                    repeat(20) {
                        val range = mutex.withLock {
                            val low = buffers[cid]?.firstKey() ?: return@launch
                            val top = read { syncedSeq(it, cid) }
                            (top + 1) to (low - 1)
                        }
                        if (range.first <= range.second) pull(listOf(Triple(cid, range.first, range.second)))
                    }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    // The next (re)connect sync recovers the hole.
                }
            }
        }
    }

    /** Pulls inclusive seq ranges and feeds the records in. */
    suspend fun pull(ranges: List<Triple<String, Long, Long>>) {
        val pages = ranges.flatMap { (cid, begin, end) ->
            generateSequence(begin) { it + MAX_RANGE }.takeWhile { it <= end }.map { Triple(cid, it, minOf(end, it + MAX_RANGE - 1)) }.toList()
        }
        for (call in pages.chunked(MAX_RANGES)) {
            val response = rpc.msg().pullMessages(
                pullMessagesRequest {
                    this.ranges += call.map { (cid, b, e) -> seqRange { conversationId = cid; begin = b; end = e } }
                    order = PullOrder.PULL_ORDER_ASC
                },
                rpc.auth(),
            )
            val records = mutableListOf<Message>()
            for ((page, result) in call.zip(response.resultsList)) {
                val (cid, begin, _) = page
                val first = result.messagesList.firstOrNull()?.seq ?: continue
                // Every visible seq of a range comes back (holes as placeholders): seqs below the
                // first are under the user's min seq, empty for this user.
                for (seq in begin until first) records += message { conversationId = cid; this.seq = seq; placeholder = true }
                records += result.messagesList
            }
            pulledRecords += records.size
            add(records, fromPush = false)
        }
    }

    /** The (re)connect sync: conversation settings, seq state, missing ranges. */
    suspend fun syncAll() {
        syncing = true
        try {
            syncConversations()
            val seqs = rpc.msg().getSeqs(getSeqsRequest {}, rpc.auth()).seqsList
            write { tx, applier, fx -> applier.applySeqs(tx, seqs, fx) }
            val targets = seqs.associate { it.conversationId to it.maxSeq }
            for (round in 1..MAX_ROUNDS) {
                val synced = read { tx -> targets.keys.associateWith { syncedSeq(tx, it) } }
                val ranges = targets.filter { (cid, top) -> synced.getValue(cid) < top }.map { (cid, top) -> Triple(cid, synced.getValue(cid) + 1, top) }
                if (ranges.isEmpty()) break
                pull(ranges)
                // No progress (the server's records do not continue ours): the next sync tries again.
                if (read { tx -> targets.keys.associateWith { syncedSeq(tx, it) } } == synced) break
            }
        } finally {
            syncing = false
        }
        mutex.withLock { buffers.keys.toList() }.forEach(::fillGap)
    }

    private suspend fun syncConversations() {
        val cursor = read { it.getMeta(CURSOR_KEY) }?.toLongOrNull() ?: 0
        var token = ""
        var version = 0L
        do {
            val response = rpc.conversations().listConversations(
                listConversationsRequest { sinceVersion = cursor; page = pageRequest { pageToken = token; pageSize = 200 } },
                rpc.auth(),
            )
            if (version == 0L) version = response.version
            write { tx, applier, fx -> applier.applyConversations(tx, response.conversationsList, fx) }
            token = response.page.nextPageToken
        } while (token.isNotEmpty())
        write { tx, _, _ -> tx.setMeta(CURSOR_KEY, version.toString()) }
    }

    private companion object {
        const val MAX_RANGE = 100L
        const val MAX_RANGES = 20
        const val MAX_ROUNDS = 10
        const val CURSOR_KEY = "conversations_version"
    }
}
