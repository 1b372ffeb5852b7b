package dev.parley.sdk

import com.google.protobuf.ByteString
import dev.parley.file.v1.FileInfo
import dev.parley.file.v1.UploadChunksRequest
import dev.parley.file.v1.FileServiceGrpcKt.FileServiceCoroutineStub
import dev.parley.file.v1.downloadRequest
import dev.parley.file.v1.getFileRequest
import dev.parley.file.v1.getUploadStatusRequest
import dev.parley.file.v1.startUploadRequest
import dev.parley.file.v1.uploadChunksRequest
import dev.parley.msg.v1.Content
import dev.parley.msg.v1.content
import dev.parley.msg.v1.fileContent
import dev.parley.msg.v1.imageContent
import dev.parley.msg.v1.imageRendition
import io.grpc.Status
import io.grpc.StatusException
import java.io.IOException
import java.io.RandomAccessFile
import java.nio.file.Files as NioFiles
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.security.MessageDigest
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.withContext

/** Bytes done and bytes in all, reported as an upload or a download goes. */
typealias Progress = (done: Long, total: Long) -> Unit

/** The downloaded bytes do not hash to the file's SHA-256 (nothing is left at the destination). */
class FileIntegrityException(message: String) : IOException(message)

/**
 * Files through FileService: a resumable upload (the whole content's SHA-256 is declared up front
 * and checked by the server when the last byte arrives; after a cut the upload asks the server for
 * its committed offset and continues from there) and downloads, whole (verified against the
 * SHA-256, optionally kept in [cacheDir] under it so the same bytes are fetched once) or by range.
 * The Kotlin sibling of the Python SDK's `parley_sdk.files`.
 */
internal class FileTransfers(
    private val rpc: Rpc,
    private val cacheDir: Path?,
    private val timeout: Duration,
    private val retries: Int,
) {
    private fun stub() = FileServiceCoroutineStub(rpc.channel).withDeadlineAfter(timeout.inWholeMilliseconds, TimeUnit.MILLISECONDS)

    suspend fun upload(path: Path, name: String, progress: Progress?): FileInfo {
        val (size, digest) = withContext(Dispatchers.IO) { NioFiles.size(path) to sha256Hex(path) }
        val started = stub().startUpload(startUploadRequest { this.name = name; this.size = size; sha256 = digest }, rpc.auth())
        return resume(started.uploadId, path, progress, started.maxChunkBytes)
    }

    /** Continues an upload (after a crash of the app, too) from the offset the server committed. */
    suspend fun resume(uploadId: String, path: Path, progress: Progress?, chunkBytes: Int = DEFAULT_CHUNK): FileInfo {
        val size = withContext(Dispatchers.IO) { NioFiles.size(path) }
        var failures = 0
        while (true) {
            try {
                val status = stub().getUploadStatus(getUploadStatusRequest { this.uploadId = uploadId }, rpc.auth())
                if (status.hasFile()) return status.file
                progress?.invoke(status.committedOffset, size)
                val done = stub().uploadChunks(chunks(uploadId, path, status.committedOffset, chunkBytes, size, progress), rpc.auth())
                if (done.hasFile()) return done.file
            } catch (e: StatusException) {
                failures++
                if (e.status.code !in RESUMABLE || failures > retries) throw e
            }
            delay(minOf(5_000L, 200L shl minOf(failures, 5)))
        }
    }

    suspend fun info(fileId: String): FileInfo = stub().getFile(getFileRequest { this.fileId = fileId }, rpc.auth()).file

    /** The file's bytes at [dest], from [cacheDir] when it holds them; verified against the SHA-256. */
    suspend fun download(fileId: String, dest: Path, progress: Progress?): Path {
        val info = info(fileId)
        val cached = cacheDir?.resolve(info.sha256)
        if (cached == null || !NioFiles.exists(cached)) fetch(info, cached ?: dest, progress)
        if (cached != null) withContext(Dispatchers.IO) { NioFiles.copy(cached, dest, StandardCopyOption.REPLACE_EXISTING) }
        return dest
    }

    /** [length] bytes of the file from [offset] (0: to the end), as one array. */
    suspend fun range(fileId: String, offset: Long, length: Long): ByteArray {
        var out = ByteString.EMPTY
        stub().download(downloadRequest { this.fileId = fileId; this.offset = offset; this.length = length }, rpc.auth())
            .collect { out = out.concat(it.data) }
        return out.toByteArray()
    }

    private suspend fun fetch(info: FileInfo, target: Path, progress: Progress?) = withContext(Dispatchers.IO) {
        target.toAbsolutePath().parent?.let { NioFiles.createDirectories(it) }
        val part = target.resolveSibling("${target.fileName}.part")
        val digest = MessageDigest.getInstance("SHA-256")
        var done = 0L
        NioFiles.newOutputStream(part).use { out ->
            stub().download(downloadRequest { fileId = info.fileId }, rpc.auth()).collect { piece ->
                piece.data.writeTo(out)
                digest.update(piece.data.asReadOnlyByteBuffer())
                done += piece.data.size()
                progress?.invoke(done, info.size)
            }
        }
        if (hex(digest.digest()) != info.sha256) {
            NioFiles.deleteIfExists(part)
            throw FileIntegrityException("downloaded bytes of ${info.fileId} do not match their SHA-256")
        }
        NioFiles.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)
    }

    companion object {
        private const val DEFAULT_CHUNK = 256 * 1024

        /** Failures after which the upload continues where the server says it stopped. */
        private val RESUMABLE = setOf(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED)

        fun sha256Hex(path: Path): String {
            val digest = MessageDigest.getInstance("SHA-256")
            NioFiles.newInputStream(path).use { input ->
                val buffer = ByteArray(1 shl 20)
                while (true) {
                    val n = input.read(buffer)
                    if (n < 0) break
                    digest.update(buffer, 0, n)
                }
            }
            return hex(digest.digest())
        }

        private fun hex(bytes: ByteArray) = bytes.joinToString("") { "%02x".format(it) }

        /** An image message for images (with size and placeholder), a file message otherwise. */
        fun contentFor(info: FileInfo): Content =
            if (info.mimeType.startsWith("image/") && info.width > 0) {
                content {
                    image = imageContent {
                        original = imageRendition { fileId = info.fileId; width = info.width; height = info.height; size = info.size }
                        mimeType = info.mimeType
                        placeholder = info.placeholder
                    }
                }
            } else {
                content { file = fileContent { fileId = info.fileId; name = info.name; size = info.size; mimeType = info.mimeType } }
            }
    }
}

/**
 * The chunks of [path] from [start], each at its offset, read one at a time as gRPC takes them (no
 * buffering ahead: a large file never sits in memory); progress is reported as each is handed over.
 */
private fun chunks(uploadId: String, path: Path, start: Long, chunkBytes: Int, size: Long, progress: Progress?): Flow<UploadChunksRequest> =
    flow {
        val file = withContext(Dispatchers.IO) { RandomAccessFile(path.toFile(), "r").also { it.seek(start) } }
        file.use {
            var offset = start
            val buffer = ByteArray(chunkBytes)
            while (offset < size) {
                val n = withContext(Dispatchers.IO) { file.read(buffer) }
                if (n <= 0) break
                emit(uploadChunksRequest { this.uploadId = uploadId; this.offset = offset; data = ByteString.copyFrom(buffer, 0, n) })
                offset += n
                progress?.invoke(offset, size)
            }
        }
    }
