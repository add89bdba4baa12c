package org.lifecert.ui

import java.io.File
import java.net.ServerSocket
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.test.assertTrue

/** The repository, as the build passes it (`lifecert.repo.dir`). */
val repo: File = File(System.getProperty("lifecert.repo.dir")).canonicalFile

/**
 * A real certd (`certd demo`: the sample roster, template photos, software
 * device keys) on a free port with its own data, as the agency runs it.
 * It can be stopped and started again on the same port and data, so a
 * phone can lose its server and find it again.
 */
class Certd : AutoCloseable {
    val data: File = Files.createTempDirectory("certd-ui").toFile()
    private val port = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private var process: Process? = null
    private val binary = File(repo, "target/debug/certd").path

    init { start() }

    fun start() {
        check(process?.isAlive != true) { "certd already runs" }
        // One log across restarts: a journey's failure may lie before one.
        val log = File(data, "certd.log")
        val started = { if (log.exists()) Regex("listening on").findAll(log.readText()).count() else 0 }
        val before = started()
        process = ProcessBuilder(binary, "demo", "--listen", "127.0.0.1:$port", "--data", data.path)
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start()
        val deadline = System.currentTimeMillis() + 120_000
        while (System.currentTimeMillis() < deadline) {
            if (started() > before) return
            check(process!!.isAlive) { "certd stopped: " + log.readText() }
            Thread.sleep(100)
        }
        error("certd did not start: " + log.readText())
    }

    val running: Boolean get() = process?.isAlive == true

    /** The server goes away as in a power cut (no goodbye). */
    fun kill() {
        process?.destroyForcibly()?.waitFor(10, TimeUnit.SECONDS)
    }

    /** An agency command on this server's data (`certd verify-account ID`, ...). */
    fun agency(vararg args: String): String {
        val p = ProcessBuilder(binary, "--data", data.path, *args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "certd ${args.toList()}: $out")
        return out
    }

    override fun close() {
        kill()
        // Kept for when a journey fails: certd logs why it refused a capture.
        File("target/certd-logs").mkdirs()
        File(data, "certd.log").copyTo(File("target/certd-logs/certd-$port.log"), overwrite = true)
        data.deleteRecursively()
    }
}
