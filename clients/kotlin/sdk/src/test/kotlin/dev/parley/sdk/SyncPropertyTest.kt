package dev.parley.sdk

import dev.parley.client.Fixture
import io.grpc.ManagedChannelBuilder
import java.nio.file.Files
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import net.jqwik.api.Arbitraries
import net.jqwik.api.Arbitrary
import net.jqwik.api.ForAll
import net.jqwik.api.Property
import net.jqwik.api.Provide
import net.jqwik.api.ShrinkingMode
import net.jqwik.api.lifecycle.AfterContainer
import org.junit.jupiter.api.Assertions.assertEquals

/**
 * Random sends by two SDK clients, client restarts, offline periods, duplicate deliveries and
 * server restarts (graceful, or killed with SIGKILL) against a server the test owns
 * ([OwnServer], restarted on the same data directory and port): at the end every client's store
 * equals the server's log, and the server holds every text sent exactly once.
 */
class SyncPropertyTest {
    companion object {
        /** One server for all tries (each try has its own users): a start costs seconds of Python imports. */
        private var started: OwnServer? = null

        private fun server(): OwnServer = started ?: OwnServer.create("property").also { own ->
            own.start()
            started = own
            // Should @AfterContainer not run (a crashed test JVM), the server still goes with it.
            Runtime.getRuntime().addShutdownHook(Thread { own.stop(crash = true) })
        }

        @JvmStatic
        @AfterContainer
        fun stopServer() {
            started?.close()
        }
    }

    enum class Action(val server: Boolean = false) {
        A_SENDS, B_SENDS, A_RESTARTS, B_RESTARTS, A_OFFLINE, B_OFFLINE, A_GETS_DUPLICATE,
        SERVER_RESTARTS(server = true), SERVER_CRASHES(server = true),
    }

    /** Client actions twice as likely as server ones; every try restarts the server once or twice (a start costs seconds). */
    @Provide
    fun actions(): Arbitrary<List<Action>> =
        Arbitraries.of(Action.entries.flatMap { if (it.server) listOf(it) else listOf(it, it) })
            .list().ofMinSize(6).ofMaxSize(18)
            .filter { list -> list.count { it.server } in 1..2 }

    @Property(tries = 4, shrinking = ShrinkingMode.OFF)
    fun `stores equal the server's log after random sends, reconnects and server restarts`(@ForAll("actions") actions: List<Action>) = runBlocking {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val dbDir = Files.createTempDirectory("parley-property")
        server().let { server ->
            val channel = ManagedChannelBuilder.forTarget(server.address).usePlaintext().build()
            Fixture(channel, server.adminSecret).use { fixture ->
                val a = SdkUser(fixture, "a", dbDir, server.address).register()
                val b = SdkUser(fixture, "b", dbDir, server.address).register()
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
                            Action.SERVER_RESTARTS, Action.SERVER_CRASHES -> {
                                withContext(Dispatchers.IO) { server.restart(crash = action == Action.SERVER_CRASHES) }
                                // The test's own admin channel, like an app's after a network change: retry now.
                                channel.resetConnectBackoff()
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
                    val texts = a.pull(cid, 1, a.serverMaxSeq(cid)).filter { it.hasContent() && it.content.hasText() }.map { it.content.text.text }
                    assertEquals(sent.sorted(), texts.sorted(), "every text sent once, in $actions")
                } finally {
                    a.close()
                    b.close()
                    scope.cancel()
                    dbDir.toFile().deleteRecursively()
                }
            }
        }
    }
}
