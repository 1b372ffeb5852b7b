package dev.parley.sdk.example

import dev.parley.client.ConnectionOptions
import dev.parley.client.ConnectionState
import dev.parley.common.v1.Platform
import dev.parley.gateway.v1.authFrame
import dev.parley.sdk.ClientOptions
import dev.parley.sdk.MessageChange
import dev.parley.sdk.ParleyClient
import dev.parley.sdk.ParleyEvent
import dev.parley.sdk.SendStatus
import dev.parley.sdk.SqliteStore
import dev.parley.sdk.singleConversationId
import io.grpc.ManagedChannelBuilder
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/**
 * A line-based chat on the SDK only (the JVM sibling of `parley-chat`):
 *
 *     PARLEY_TOKEN=… java -cp … dev.parley.sdk.example.ChatKt --address host:port --platform linux --device-id laptop --db me.db
 *
 * `/open <user>` opens the single chat with a user; any other line is sent there; `/history`
 * prints it from the local store; `/quit` leaves. Messages arrive as `<user>: <text>`, sends are
 * confirmed as `[sent #<seq>]`, and messages written offline go out after the reconnect.
 */
fun main(args: Array<String>): Unit = runBlocking {
    val opts = args.toList().chunked(2).associate { (k, v) -> k.removePrefix("--") to v }
    val token = System.getenv("PARLEY_TOKEN").orEmpty().ifEmpty { usage("PARLEY_TOKEN is not set") }
    val address = opts["address"] ?: usage("--address is missing")
    val platform = Platform.valueOf("PLATFORM_" + (opts["platform"] ?: "linux").uppercase())
    val channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build()
    val client = ParleyClient(
        channel, SqliteStore(opts["db"] ?: "parley-chat.db"), this, ClientOptions(ConnectionOptions()),
    ) { authFrame { this.token = token; this.platform = platform; deviceId = opts["device-id"] ?: "jvm-chat"; sdkVersion = "parley-kotlin-chat/0.1" } }
    var open: String? = null
    launch(start = CoroutineStart.UNDISPATCHED) {
        client.events.collect { event ->
            when (event) {
                is ParleyEvent.NewMessage -> with(event.message) {
                    if (senderId != client.userId && isVisible) println("$senderId: $text")
                }
                is ParleyEvent.MessageUpdated -> if (event.change == MessageChange.SENT) println("[sent #${event.message.seq}]")
                is ParleyEvent.Receipt -> if (event.read) println("[${event.userId} read up to #${event.seq}]")
                else -> Unit
            }
        }
    }
    client.start()
    println("[connected as ${(client.state.first { it is ConnectionState.Connected } as ConnectionState.Connected).session.userId}]")
    while (true) {
        val line = withContext(Dispatchers.IO) { readlnOrNull() }?.trim() ?: break
        when {
            line == "/quit" -> break
            line.startsWith("/open ") -> {
                open = singleConversationId(client.userId, line.removePrefix("/open ").trim())
                println("--- chat with ${line.removePrefix("/open ").trim()} ---")
                client.markRead(open)
            }
            line == "/history" -> open?.let { cid ->
                client.history(cid).forEach { m -> println("#${m.seq} ${if (m.senderId == client.userId) "me" else m.senderId}: ${m.text}") }
            }
            line.isEmpty() -> Unit
            open == null -> println("[open a chat first: /open <user>]")
            else -> {
                val msg = client.sendText(open, line)
                println("me: ${msg.text}${if (msg.sendStatus == SendStatus.SENDING) "" else " [${msg.sendStatus}]"}")
            }
        }
    }
    client.close()
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
    // The event collector runs in this scope until the process ends.
    exitProcess(0)
}

private fun usage(problem: String): Nothing {
    System.err.println("$problem\nusage: PARLEY_TOKEN=… ChatKt --address host:port [--platform linux] [--device-id id] [--db file]")
    exitProcess(2)
}
