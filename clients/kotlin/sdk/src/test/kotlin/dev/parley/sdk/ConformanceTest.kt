package dev.parley.sdk

import com.google.gson.JsonObject
import com.google.gson.JsonParser
import dev.parley.client.Fixture
import dev.parley.msg.v1.editMessageRequest
import dev.parley.msg.v1.revokeMessageRequest
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.fail

/**
 * The shared SDK conformance scenarios (the JSON files in tests/conformance, described in its README),
 * run with this SDK against the live server. The Python SDK runs the same files.
 */
class ConformanceTest {
    private val dir: File = File(
        System.getenv("PARLEY_CONFORMANCE_DIR")?.ifEmpty { null } ?: System.getenv("PARLEY_CONFORMANCE_DIR_DEFAULT").orEmpty(),
    )

    @TestFactory
    fun scenarios(): List<DynamicTest> {
        val files = dir.listFiles { f -> f.name.endsWith(".json") }?.sortedBy { it.name }.orEmpty()
        if (files.isEmpty()) fail("no scenarios in '$dir' (set PARLEY_CONFORMANCE_DIR to tests/conformance)")
        return files.map { file -> DynamicTest.dynamicTest(file.nameWithoutExtension) { run(JsonParser.parseString(file.readText()).asJsonObject) } }
    }

    private fun run(scenario: JsonObject) = runBlocking {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        Fixture().use { fixture ->
            val dbDir = Files.createTempDirectory("parley-conformance")
            val me = SdkUser(fixture, "me", dbDir).register()
            val peer = SdkUser(fixture, "peer", dbDir).register()
            val runner = Runner(me, peer, scope)
            try {
                for ((index, step) in scenario.getAsJsonArray("steps").map { it.asJsonObject }.withIndex()) {
                    try {
                        runner.step(step)
                    } catch (e: AssertionError) {
                        throw AssertionError("${scenario["name"].asString} step $index $step: ${e.message}", e)
                    }
                }
            } finally {
                me.close()
                scope.cancel()
                dbDir.toFile().deleteRecursively()
            }
        }
    }

    private class Runner(val me: SdkUser, val peer: SdkUser, val scope: CoroutineScope) {
        val cid = singleConversationId(me.id, peer.id)
        val refs = mutableMapOf<String, Long>()

        fun ref(step: JsonObject) = refs.getValue(step["ref"].asString)
        fun refsOf(step: JsonObject) = step.getAsJsonArray("refs").map { refs.getValue(it.asString) }

        suspend fun step(step: JsonObject) {
            when (val op = step["op"].asString) {
                "connect" -> me.connect(scope)
                "open_offline" -> me.open(scope, online = false)
                "disconnect" -> me.close()
                "peer_send" -> refs[step["ref"].asString] = peer.sendUnary(me.id, step["text"].asString)
                "peer_revoke" -> peer.msg().revokeMessage(revokeMessageRequest { conversationId = cid; seq = ref(step) }, peer.auth())
                "peer_edit" -> peer.msg().editMessage(
                    editMessageRequest { conversationId = cid; seq = ref(step); content = textContentOf(step["text"].asString) },
                    peer.auth(),
                )
                "send" -> {
                    val sent = me.c.sendText(cid, step["text"].asString)
                    awaitTrue("ack of ${step["text"]}") {
                        val stored = me.c.messageByClientId(sent.clientMsgId)
                        if (stored?.sendStatus == SendStatus.SENT) null.also { refs[step["ref"].asString] = stored.seq } else "still $stored"
                    }
                }
                "send_offline" -> me.c.sendText(cid, step["text"].asString)
                "deliver" -> for (seq in refsOf(step)) me.c.deliver(me.pull(cid, seq, seq))
                "revoke" -> me.c.revoke(cid, ref(step))
                "edit" -> me.c.edit(cid, ref(step), textContentOf(step["text"].asString))
                "delete" -> me.c.delete(cid, refsOf(step))
                "clear" -> me.c.clear(cid)
                "mark_read" -> me.c.markRead(cid, if (step.has("ref")) ref(step) else null)
                "expect" -> expect(step)
                else -> fail("unknown op $op")
            }
        }

        private suspend fun expect(step: JsonObject) {
            val want = mutableMapOf<String, Any?>()
            step.getAsJsonArray("messages")?.let { list ->
                want["messages"] = list.map { it.asJsonObject }.map { m ->
                    View(
                        from = m["from"].asString, text = m["text"]?.asString ?: "", state = m["state"]?.asString ?: "normal",
                        edited = m["edited"]?.asBoolean ?: false, sent = m["sent"]?.asBoolean ?: true,
                    )
                }
            }
            step["unread"]?.let { want["unread"] = it.asLong }
            step["has_read"]?.let { want["has_read"] = refs.getValue(it.asString) }
            val server = step["matches_server"]?.asBoolean == true
            awaitTrue("expected $want${if (server) " and the server's log" else ""}") {
                val conv = me.c.conversation(cid)
                val got = mutableMapOf<String, Any?>()
                if ("messages" in want) got["messages"] = me.local(cid).map { it.second }
                if ("unread" in want) got["unread"] = conv?.unreadCount ?: 0L
                if ("has_read" in want) got["has_read"] = conv?.hasReadSeq ?: 0L
                when {
                    got != want -> "got $got"
                    server -> me.differenceFromServer(cid)
                    else -> null
                }
            }
        }
    }
}
