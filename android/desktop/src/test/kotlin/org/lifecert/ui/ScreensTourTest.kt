package org.lifecert.ui

import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.Box
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.graphics.toComposeImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import kotlinx.coroutines.runBlocking
import org.jetbrains.skia.FontMgr
import org.jetbrains.skia.FontStyle
import org.jetbrains.skia.Image as SkiaImage
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.lifecert.app.clip.ClipPlayer
import org.lifecert.app.ui.LifeCertRoot
import org.lifecert.app.ui.Platform
import org.lifecert.app.ui.Shell
import org.lifecert.app.ui.languageTag
import org.lifecert.core.AppView
import org.lifecert.core.Event
import org.lifecert.core.ResultKind
import org.lifecert.core.Screen
import org.lifecert.domain.Language
import org.lifecert.liveness.FrameInfo
import org.lifecert.liveness.PixelFormat
import java.io.File
import javax.imageio.ImageIO
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * Every screen, in Simplified Chinese and English, in normal and large text:
 * reached through the real core and certd, drawn by the Android screens,
 * written as PNG (target/screenshots) and checked against elder mode's rules.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScreensTourTest {
    private val certd = Certd()
    private val out = File(System.getProperty("lifecert.screenshots.dir") ?: "target/screenshots")

    @AfterAll
    fun stop() = certd.close()

    @Test
    fun `Chinese characters are drawn with a CJK font, not as boxes`() {
        // Without fonts-noto-cjk (scripts/setup.sh) the screenshots show boxes while every other check passes.
        val face = FontMgr.default.matchFamilyStyleCharacter(null, FontStyle.NORMAL, arrayOf("zh-Hans"), '认'.code)
        assertNotNull(face, "no font on this machine draws 认: install fonts-noto-cjk")
    }

    @Test
    fun `every screen in Chinese and English, normal and large text, keeps elder mode's rules`() {
        val written = mutableListOf<File>()
        val breaks = mutableListOf<String>()
        for (language in listOf(Language.ZH_HANS, Language.EN)) {
            val screens = tour(language)
            val shells = listOf("starting" to Shell.Starting, "startup-failed" to Shell.Failed(language)) +
                screens.map { (name, view) -> name to Shell.Showing(view) }
            for (large in listOf(false, true)) {
                val dir = File(out, "${languageTag(language)}/${if (large) "large" else "normal"}").apply { mkdirs() }
                var shown by mutableStateOf<Shell>(Shell.Starting)
                runSkikoComposeUiTest(size = Size(824f, 1784f), density = Density(2f)) {
                    setContent { LifeCertRoot(shown, {}, StillCamera) }
                    shells.forEachIndexed { i, (name, shell) ->
                        shown = if (shell is Shell.Showing) Shell.Showing(shell.view.copy(largeText = large)) else shell
                        waitForIdle()
                        val file = File(dir, "%02d-%s.png".format(i, name))
                        // Starting and failing draw before the settings are known: normal size.
                        val rules = elderRuleBreaks(this, large && shell is Shell.Showing)
                        breaks += rules.map { "${languageTag(language)} ${if (large) "large" else "normal"} $name: $it" }
                        ImageIO.write(captureToImage().toAwtImage(), "png", file)
                        written += file
                    }
                }
            }
        }
        println("screenshots: ${written.size} files")
        written.forEach { println("  ${it.path}") }
        assertTrue(breaks.isEmpty(), "elder mode's rules broken:\n" + breaks.joinToString("\n"))
        // 17 screens of the core and 2 of start-up, in 2 languages and 2 sizes.
        assertEquals(2 * 2 * 19, written.size)
    }

    /** One pensioner's whole year on a phone in [language]: each screen's last view, in the order met. */
    private fun tour(language: Language): List<Pair<String, AppView>> = runBlocking {
        val she = People.enrol(certd, if (language == Language.EN) "Mary Lin" else "郑美华")
        Phone(certd.url, language).use { phone ->
            val app = phone.core
            app.settle()
            app.sendAndWait(Event.ShowLogIn)
            app.sendAndWait(Event.Back)
            app.sendAndWait(Event.ShowRegister)
            assertIs<Screen.Home>(app.sendAndWait(Event.Register(she.name, she.idNumber, "lifecert2026", "13900139000", "13900139000", true)).screen)
            app.sendAndWait(Event.ShowSettings)
            app.sendAndWait(Event.Back)
            app.sendAndWait(Event.ShowAddRelative)
            app.sendAndWait(Event.Back)
            val who = assertIs<Screen.ChooseWho>(app.sendAndWait(Event.ChooseWho).screen)
            app.sendAndWait(Event.Select(who.people[0].personId))
            assertIs<Screen.CameraPermission>(app.sendAndWait(Event.GiveConsent).screen)
            assertIs<Screen.Capture>(app.sendAndWait(Event.CameraReady).screen)
            // The server is gone by the time the capture is uploaded: it waits on the phone.
            certd.kill()
            play(phone)
            assertIs<Screen.QueuedOffline>(app.settle().screen)
            certd.start()
            val result = assertIs<Screen.Result>(app.sendAndWait(Event.RetryUploads).screen.let { if (it is Screen.Result) it else app.settle().screen })
            assertEquals(ResultKind.PASSED, result.kind, "${result.message.display} ${result.advice?.display}")
            app.sendAndWait(Event.ShowRecords)
            app.sendAndWait(Event.RefreshHome)
            // Her address form, as a malformed post code leaves it.
            app.sendAndWait(Event.ShowContact(who.people[0].personId))
            assertIs<Screen.Contact>(app.sendAndWait(Event.SaveContact("北京市东城区和平里街道3号楼", "10001", "13900139000")).screen)
            app.sendAndWait(Event.Back)
            app.sendAndWait(Event.ShowSettings)
            assertIs<Screen.Welcome>(app.sendAndWait(Event.LogOut).screen)
            // Her neighbour has no template photo yet: told to enrol at the agency first.
            val neighbour = People.rostered(certd, if (language == Language.EN) "Rose Wu" else "钱桂芳")
            app.sendAndWait(Event.ShowRegister)
            app.sendAndWait(Event.Register(neighbour.name, neighbour.idNumber, "lifecert2026", "13900139001", "13900139001", true))
            val hers = assertIs<Screen.ChooseWho>(app.sendAndWait(Event.ChooseWho).screen)
            assertIs<Screen.Blocked>(app.sendAndWait(Event.Select(hers.people[0].personId)).screen)

            val byScreen = linkedMapOf<String, AppView>()
            for (v in phone.seen) {
                val name = v.screen.javaClass.simpleName.lowercase()
                // The capture's most telling moment: an action asked, some done.
                if (v.screen is Screen.Capture && byScreen[name] != null && (v.screen as Screen.Capture).update.action == null) continue
                byScreen[name] = v
            }
            assertEquals(17, byScreen.size, "screens met: ${byScreen.keys}")
            byScreen.toList()
        }
    }

    /** The recorded clip, straight to the core (the screens are drawn later from the views). */
    private fun play(phone: Phone) {
        val done = java.util.concurrent.CountDownLatch(1)
        val player = ClipPlayer(Clips.of("grace_hopper.jpg")) { frame, t ->
            val info = FrameInfo(frame.width.toUInt(), frame.height.toUInt(), (frame.width * 4).toUInt(), PixelFormat.Rgba, 0u, false, t.toULong())
            runCatching { phone.core.pushFrame(frame.rgba.duplicate(), info) }
        }
        player.start(capturing = { (phone.core.view().screen is Screen.Capture).also { if (!it) done.countDown() } }, asked = {
            (phone.core.view().screen as? Screen.Capture)?.update?.action
        })
        done.await(180, java.util.concurrent.TimeUnit.SECONDS)
        player.stop()
    }

    /** For drawing only: a still frame of the clip where the camera would be, and no frames pushed. */
    private object StillCamera : Platform {
        private val still: ImageBitmap by lazy { Clips.of("grace_hopper.jpg").getValue("neutral")[0].picture.toComposeImageBitmap() }
        override fun image(bytes: ByteArray): ImageBitmap? = runCatching { SkiaImage.makeFromEncoded(bytes).toComposeImageBitmap() }.getOrNull()

        @Composable
        override fun CameraPreview(modifier: Modifier) {
            Box(modifier) { Image(still, contentDescription = null, contentScale = ContentScale.Crop, modifier = Modifier.matchParentSize()) }
        }

        @Composable
        override fun rememberCameraRequest(onAnswer: (Boolean) -> Unit): () -> Unit = { onAnswer(true) }
        override fun openAppSettings() {}
    }
}
