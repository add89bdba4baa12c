package org.lifecert.ui

import org.lifecert.app.clip.ClipPlayer
import org.lifecert.domain.Action
import java.awt.image.BufferedImage
import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import javax.imageio.ImageIO
import kotlin.test.assertEquals

/** One recorded frame: what the camera delivers (RGBA) and what the preview draws. */
class Frame(val picture: BufferedImage) {
    val width = picture.width
    val height = picture.height
    val rgba: ByteBuffer = ByteBuffer.allocateDirect(width * height * 4).also { buf ->
        val argb = picture.getRGB(0, 0, width, height, null, 0, width)
        for (p in argb) {
            buf.put((p shr 16).toByte()).put((p shr 8).toByte()).put(p.toByte()).put((p ushr 24).toByte())
        }
        buf.flip()
    }
}

/**
 * Recorded clips of a real photo, one folder per action, laid out as a device
 * farm pushes them (see ClipPlayer): clipgen renders each once per run.
 */
object Clips {
    private val root = Files.createTempDirectory("clips").toFile().apply { deleteOnExit() }
    private val loaded = ConcurrentHashMap<String, Map<String, List<Frame>>>()

    fun of(photo: String): Map<String, List<Frame>> = loaded.getOrPut(photo) {
        val dir = File(root, photo.substringBefore('.'))
        render(photo, "neutral:1", File(dir, "neutral"))
        for (action in Action.entries) {
            val name = ClipPlayer.folder(action)
            render(photo, name, File(dir, name))
        }
        ClipPlayer.load(dir) { Frame(ImageIO.read(it.inputStream())) }
    }

    private fun render(photo: String, script: String, out: File) {
        val faces = File(repo, "tests/fixtures/faces")
        val gen = ProcessBuilder(
            File(repo, "target/debug/clipgen").path, "--photo", File(faces, photo).path,
            "--landmarks", File(faces, "reference_landmarks.json").path,
            "--script", script, "--jpeg", "92", "--out", out.path,
        ).redirectErrorStream(true).start()
        val log = gen.inputStream.bufferedReader().readText()
        assertEquals(0, gen.waitFor(), log)
        // clipgen writes truth.json beside the frames; only frame_* are the clip.
        out.listFiles { f -> !f.name.startsWith("frame_") }?.forEach { it.delete() }
    }
}
