package org.lifecert.core

import org.lifecert.domain.*
import org.lifecert.liveness.*
import org.lifecert.testing.*

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.ByteBuffer
import javax.imageio.ImageIO
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The capture screen's calls, as a device-farm test makes them: real photos stand in
 * for the camera, fed as raw RGBA buffers (like a camera frame) or as encoded files.
 */
class LivenessSessionTest {
    private val faces = File(System.getProperty("lifecert.repo.dir"), "tests/fixtures/faces")

    /** Zero-copy byte slices cross the FFI as direct buffers, as camera frames arrive. */
    private fun direct(bytes: ByteArray): ByteBuffer = ByteBuffer.allocateDirect(bytes.size).put(bytes).flip()

    private fun rgba(file: File): Pair<ByteBuffer, FrameInfo> {
        val img = ImageIO.read(file)
        val bytes = ByteArray(img.width * img.height * 4)
        for (y in 0 until img.height) for (x in 0 until img.width) {
            val p = img.getRGB(x, y)
            val i = (y * img.width + x) * 4
            bytes[i] = (p shr 16).toByte(); bytes[i + 1] = (p shr 8).toByte(); bytes[i + 2] = p.toByte(); bytes[i + 3] = -1
        }
        val info = FrameInfo(img.width.toUInt(), img.height.toUInt(), (img.width * 4).toUInt(), PixelFormat.Rgba, 0u, false, 0uL)
        return direct(bytes) to info
    }

    @Test
    fun `a local challenge has a blink, two other actions and a random nonce`() {
        val c = localChallenge()
        assertEquals(3, c.actions.size)
        assertTrue(Action.BLINK in c.actions)
        assertEquals(32, c.nonce.length)
        assertTrue(localChallenge().nonce != c.nonce)
    }

    @Test
    fun `a camera frame with a face gives a face box and a spoken instruction`() {
        val session = LivenessSession(Challenge(listOf(Action.BLINK), "n1"), Language.ZH_HANS)
        val (bytes, info) = rgba(File(faces, "grace_hopper.jpg"))
        val update = session.pushFrame(bytes, info)
        assertNotNull(update.faceBox)
        assertTrue(update.speak)
        assertTrue(update.prompt.speech.isNotBlank())
        assertTrue(update.phase == LivenessPhase.CALIBRATING || update.phase == LivenessPhase.FINDING_FACE)
    }

    @Test
    fun `a still face gets calibrated, is asked to blink, and never passes`() {
        val session = LivenessSession(Challenge(listOf(Action.BLINK, Action.OPEN_MOUTH), "n2"), Language.EN)
        val jpeg = File(faces, "grace_hopper.jpg").readBytes()
        var last: LivenessUpdate? = null
        // 40 frames at 15 fps: past the 2 s of screen colours the neutral face lasts.
        for (i in 0 until 40) last = session.pushEncoded(direct(jpeg), (i * 66).toULong())
        assertEquals(LivenessPhase.ACTING, last!!.phase)
        assertEquals(Action.BLINK, last.action)
        assertEquals("liveness.blink", last.prompt.key)
        assertEquals(0u, last.doneSteps)
        val outcome = session.finish(Language.ZH_HANT)
        assertFalse(outcome.passed)
        assertEquals(RejectReason.ACTIONS_MISSING, outcome.reason)
        assertEquals(0uL, outcome.evidenceBytes)
    }

    @Test
    fun `corrupt and mismatched frames are Kotlin exceptions, not crashes`() {
        val session = LivenessSession(Challenge(listOf(Action.BLINK), "n3"), Language.ZH_HANS)
        val info = FrameInfo(640u, 480u, 2560u, PixelFormat.Rgba, 0u, false, 0uL)
        val short = assertThrows<CaptureException.BufferTooSmall> { session.pushFrame(direct(ByteArray(1000)), info) }
        assertEquals(1000uL, short.actual)
        assertThrows<CaptureException.BadRotation> { session.pushFrame(direct(ByteArray(640 * 480 * 4)), info.copy(rotation = 45u)) }
        val garbage = assertThrows<CaptureException.Undecodable> { session.pushEncoded(direct(ByteArray(64) { 7 }), 0uL) }
        assertEquals("capture.error", garbage.describe(Language.EN).key)
        // The session still works after bad input.
        val (bytes, good) = rgba(File(faces, "astronaut.jpg"))
        assertNotNull(session.pushFrame(bytes, good).faceBox)
    }
}
