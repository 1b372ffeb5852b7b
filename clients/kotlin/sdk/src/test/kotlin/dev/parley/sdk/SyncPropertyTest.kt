package dev.parley.sdk

import dev.parley.client.Fixture
import java.nio.file.Files
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import net.jqwik.api.Arbitraries
import net.jqwik.api.Arbitrary
import net.jqwik.api.ForAll
import net.jqwik.api.Property
import net.jqwik.api.Provide
import net.jqwik.api.ShrinkingMode
import org.junit.jupiter.api.Assertions.assertEquals

/**
 * Random sends by two SDK clients, restarts, offline periods and duplicate deliveries against the
 * live server: at the end every client's store equals the server's log, and the server holds every
 * text sent exactly once.
 */
class SyncPropertyTest {
    enum class Action { A_SENDS, B_SENDS, A_RESTARTS, B_RESTARTS, A_OFFLINE, B_OFFLINE, A_GETS_DUPLICATE }

    @Provide
    fun actions(): Arbitrary<List<Action>> = Arbitraries.of(Action::class.java).list().ofMinSize(6).ofMaxSize(18)

    @Property(tries = 4, shrinking = ShrinkingMode.OFF)
    fun `stores equal the server's log after random sends and reconnects`(@ForAll("actions") actions: List<Action>) = runBlocking {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val dbDir = Files.createTempDirectory("parley-property")
        Fixture().use { fixture ->
            val a = SdkUser(fixture, "a", dbDir).register()
            val b = SdkUser(fixture, "b", dbDir).register()
            val cid = singleConversationId(a.id, b.id)
            val sent = mutableListOf<String>()
            try {
                a.connect(scope)
                b.connect(scope)
                for ((i, action) in actions.withIndex()) {
                    when (action) {
                        Action.A_SENDS -> a.c.sendText(cid, "a$i").also { sent += "a$i" }
                        Action.B_SENDS -> b.c.sendText(cid, "b$i").also { sent += "b$i" }
                        Action.A_RESTARTS -> { a.close(); a.open(scope) }
                        Action.B_RESTARTS -> { b.close(); b.open(scope) }
                        Action.A_OFFLINE -> { a.close(); a.open(scope, online = false) }
                        Action.B_OFFLINE -> { b.close(); b.open(scope, online = false) }
                        Action.A_GETS_DUPLICATE -> {
                            val top = a.serverMaxSeq(cid)
                            if (top > 0) a.c.deliver(a.pull(cid, maxOf(1, top - 2), top))
                        }
                    }
                }
                for (user in listOf(a, b)) {
                    user.close()
                    user.connect(scope)
                }
                for (user in listOf(a, b)) {
                    awaitTrue("${user.name}'s outbox sent and its store equal to the server's log") {
                        val unsent = user.local(cid).count { !it.second.sent }
                        if (unsent > 0) "$unsent unsent" else user.differenceFromServer(cid)
                    }
                }
                val server = a.pull(cid, 1, a.serverMaxSeq(cid)).filter { it.hasContent() && it.content.hasText() }.map { it.content.text.text }
                assertEquals(sent.sorted(), server.sorted(), "every text sent once, in $actions")
            } finally {
                a.close()
                b.close()
                scope.cancel()
                dbDir.toFile().deleteRecursively()
            }
        }
    }
}
