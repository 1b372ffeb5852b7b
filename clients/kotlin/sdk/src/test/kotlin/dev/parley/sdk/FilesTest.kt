package dev.parley.sdk

import dev.parley.client.Fixture
import dev.parley.client.TcpProxy
import dev.parley.client.TestServer
import java.nio.file.Files
import java.security.MessageDigest
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * A file through FileService with the SDK: uploaded by one client over a link that is cut in the
 * middle of the upload (it resumes from the server's committed offset), sent as a file message,
 * and downloaded by the other client, whole and by range, byte for byte.
 */
class FilesTest {
    @Test
    fun `a file uploaded across a cut is sent and downloaded byte for byte`() = runBlocking {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val dir = Files.createTempDirectory("parley-files")
        TcpProxy(TestServer.address).use { proxy ->
            Fixture().use { fixture ->
                val a = SdkUser(fixture, "fa", dir, address = proxy.address).register()
                val b = SdkUser(fixture, "fb", dir).register()
                try {
                    a.connect(scope)
                    b.connect(scope)
                    // Text sniffs as text/plain (allowed by default); about three 256 KiB chunks.
                    val bytes = buildString { var i = 0; while (length < 700_000) append("line ${i++} of the Kotlin upload\n") }.toByteArray()
                    val source = dir.resolve("notes.txt")
                    Files.write(source, bytes)

                    val reports = CopyOnWriteArrayList<Long>()
                    var cut = false
                    val info = a.c.uploadFile(source) { done, total ->
                        reports += done
                        if (!cut && done in 1 until total) {
                            cut = true
                            proxy.dropAll() // the phone loses its network after the first chunk
                        }
                    }
                    assertTrue(cut, "the upload was never cut: $reports")
                    assertTrue(reports.zipWithNext().any { (before, after) -> after <= before }, "no resume after the cut: $reports")
                    assertEquals(bytes.size.toLong(), info.size)
                    assertEquals("text/plain", info.mimeType)
                    assertEquals(sha256(bytes), info.sha256)

                    val cid = singleConversationId(a.id, b.id)
                    a.c.sendFile(cid, info)
                    var fileId = ""
                    awaitTrue("the file message in b's store") {
                        val got = b.c.history(cid).firstOrNull { it.content?.hasFile() == true }
                        got?.content?.file?.let { fileId = it.fileId; assertEquals("notes.txt", it.name) }
                        if (got == null) "not yet: ${b.c.history(cid)}" else null
                    }
                    assertEquals(info.fileId, fileId)

                    val saved = b.c.downloadFile(fileId, dir.resolve("saved.txt"))
                    assertArrayEquals(bytes, Files.readAllBytes(saved), "the downloaded bytes")
                    assertArrayEquals(bytes.copyOfRange(300_000, 305_000), b.c.downloadRange(fileId, 300_000, 5_000), "a range")
                    assertArrayEquals(bytes.copyOfRange(690_000, bytes.size), b.c.downloadRange(fileId, 690_000), "the tail")
                } finally {
                    a.close()
                    b.close()
                    scope.cancel()
                    dir.toFile().deleteRecursively()
                }
            }
        }
    }

    private fun sha256(bytes: ByteArray) = MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }
}
