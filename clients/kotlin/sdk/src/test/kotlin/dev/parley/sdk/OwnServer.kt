package dev.parley.sdk

import java.nio.file.Files
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.fail

/**
 * A `parley serve` this test owns, so that it can stop it (gracefully, or with SIGKILL as a crash)
 * and start it again on the same data directory and port while clients keep running.
 * PARLEY_TEST_PYTHON is the interpreter that has Parley installed (the venv's) and
 * PARLEY_TEST_DATA_DIR a directory for its data; tests/clients/test_kotlin.py sets both.
 */
class OwnServer(private val dataDir: Path) : AutoCloseable {
    val adminSecret: String = UUID.randomUUID().toString().replace("-", "")
    private val log: Path = dataDir.resolveSibling("${dataDir.fileName}.log")
    private var process: Process? = null

    /** 0 until the first start picks a free port; every restart listens on it again. */
    var port = 0
        private set
    val address: String get() = "127.0.0.1:$port"

    fun start() {
        check(process == null) { "the server is running" }
        Files.createDirectories(dataDir)
        val from = if (Files.exists(log)) Files.size(log) else 0L
        val builder = ProcessBuilder(python, "-m", "parley", "serve", "--listen", "127.0.0.1:$port", "--data-dir", dataDir.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        // The default settings only: the test run's own PARLEY_* variables are not the server's.
        builder.environment().keys.removeIf { it.startsWith("PARLEY_") }
        builder.environment()["PARLEY_ADMIN_SECRET"] = adminSecret
        // A graceful stop still drains the streams, in 1 s rather than the default 5 s.
        builder.environment()["PARLEY_GRACE_SECONDS"] = "1"
        val started = builder.start()
        process = started
        val listening = Regex("""listening on 127\.0\.0\.1:(\d+)""")
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S)
        while (System.nanoTime() < deadline) {
            val found = listening.findAll(logSince(from)).lastOrNull()
            if (found != null) {
                port = found.groupValues[1].toInt()
                return
            }
            if (!started.isAlive) break
            Thread.sleep(50)
        }
        stop(crash = true)
        fail("the server did not start within $START_TIMEOUT_S s:\n${logSince(from).lines().takeLast(40).joinToString("\n")}")
    }

    /** Stops the server: SIGTERM and its graceful shutdown, or SIGKILL ([crash]) with nothing flushed. */
    fun stop(crash: Boolean) {
        val running = process ?: return
        if (crash) running.destroyForcibly() else running.destroy()
        if (!running.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS)) {
            running.destroyForcibly()
            running.waitFor()
        }
        process = null
    }

    fun restart(crash: Boolean) {
        stop(crash)
        start()
    }

    override fun close() = stop(crash = false)

    private fun logSince(offset: Long): String =
        Files.newInputStream(log).use { it.skip(offset); it.readBytes().toString(Charsets.UTF_8) }

    companion object {
        private const val START_TIMEOUT_S = 60L
        private const val STOP_TIMEOUT_S = 30L

        private val python: String by lazy { env("PARLEY_TEST_PYTHON", "the python with Parley installed (the venv's)") }

        /** A server on a new data directory under PARLEY_TEST_DATA_DIR. */
        fun create(name: String): OwnServer =
            OwnServer(Path.of(env("PARLEY_TEST_DATA_DIR", "a directory for the property test's server data")).resolve("$name-${UUID.randomUUID()}"))

        private fun env(name: String, what: String): String =
            System.getenv(name)?.trim().orEmpty().ifEmpty { fail("$name is not set: $what (tests/clients/test_kotlin.py sets it).") }
    }
}
