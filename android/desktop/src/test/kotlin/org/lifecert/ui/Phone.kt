package org.lifecert.ui

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.toComposeImageBitmap
import androidx.compose.ui.layout.ContentScale
import org.jetbrains.skia.Image as SkiaImage
import org.lifecert.app.clip.ClipPlayer
import org.lifecert.app.ui.Platform
import org.lifecert.app.ui.Shell
import org.lifecert.core.AppConfig
import org.lifecert.core.AppObserver
import org.lifecert.core.AppView
import org.lifecert.core.Event
import org.lifecert.core.LifeCertApp
import org.lifecert.core.Screen
import org.lifecert.core.SecureStore
import org.lifecert.domain.Language
import org.lifecert.domain.Message
import org.lifecert.liveness.CaptureException
import org.lifecert.liveness.FrameInfo
import org.lifecert.liveness.PixelFormat
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/**
 * One phone: the real core over the generated bindings, wired as the Android
 * ViewModel wires it (views to the screen's state, taps sent one at a time
 * off the UI thread, words to a "speaker" that records them), with the
 * recorded-clip camera of test builds playing [face]'s clips.
 */
class Phone(serverUrl: String, language: Language = Language.ZH_HANS, var face: String = "grace_hopper.jpg") : AutoCloseable {
    private val dir = Files.createTempDirectory("lifecert-phone").toFile()
    val core = LifeCertApp(AppConfig(serverUrl, dir.path, language, null), MemoryStore())

    /** What the screen draws; written from the core's thread, read by Compose. */
    var shell: Shell by mutableStateOf(Shell.Starting)
        private set

    /** Every view shown and every word said, in order. */
    val seen = CopyOnWriteArrayList<AppView>()
    val said = CopyOnWriteArrayList<Message>()

    /** The answer the "allow camera" dialog gives; false plays a person who refuses. */
    @Volatile var cameraAllowed = true
    @Volatile var settingsOpened = 0
    @Volatile var framesPushed = 0

    private val calls = Executors.newSingleThreadExecutor()
    private val subscription = core.subscribe(object : AppObserver {
        override fun onView(view: AppView) {
            seen.add(view)
            // The capture sends a view per analysed frame; the screen is redrawn
            // when its words change. Compose tests wait for an idle UI, which a
            // redraw 30 times a second would never give.
            val shown = this@Phone.view
            if (shown != null && sameCaptureWords(shown, view)) return
            shell = Shell.Showing(view)
        }
        override fun onSpeak(words: List<Message>) { said.addAll(words) }
    })

    init { send(Event.Start) }

    /** A tap, as the ViewModel sends it: off the UI thread, in order. */
    fun send(event: Event) {
        calls.execute { core.send(event) }
    }

    /**
     * The screens the core showed, in order, each once per change of screen,
     * busy or problem, for a failure to say what happened.
     */
    fun story(): String {
        val steps = mutableListOf<String>()
        var last = ""
        for ((i, v) in seen.withIndex()) {
            val screen = v.screen::class.simpleName
            val step = "$screen${if (v.busy) " (busy)" else ""}${v.problem?.let { " [${it.kind}: ${it.message.display}]" } ?: ""}"
            if (step != last) steps += "#$i $step"
            last = step
        }
        return steps.joinToString(" -> ") + "; now ${core.view().screen::class.simpleName}"
    }

    val view: AppView? get() = (shell as? Shell.Showing)?.view

    val platform = object : Platform {
        override fun image(bytes: ByteArray): ImageBitmap? =
            runCatching { SkiaImage.makeFromEncoded(bytes).toComposeImageBitmap() }.getOrNull()

        /** The recorded clip plays while the capture screen is up, and the preview shows its frames. */
        @Composable
        override fun CameraPreview(modifier: Modifier) {
            // The clip's first frame stands still in the preview: redrawing every frame
            // would keep Compose from ever being idle, and tests wait for idle.
            val clips = androidx.compose.runtime.remember(face) {
                if (face == STILL) Clips.of("grace_hopper.jpg").filterKeys { it == "neutral" } else Clips.of(face)
            }
            val picture = androidx.compose.runtime.remember(clips) { clips.getValue("neutral")[0].picture.toComposeImageBitmap() }
            DisposableEffect(face) {
                // STILL: her neutral face only, so the capture goes on until something stops it.
                val player = ClipPlayer(clips) { frame, t ->
                    val info = FrameInfo(frame.width.toUInt(), frame.height.toUInt(), (frame.width * 4).toUInt(), PixelFormat.Rgba, 0u, false, t.toULong())
                    try {
                        core.pushFrame(frame.rgba.duplicate(), info)
                        framesPushed++
                    } catch (e: CaptureException) {
                        // As on a phone: a frame the core could not take is dropped.
                    }
                }
                player.start(
                    capturing = { capture() != null },
                    asked = { capture()?.update?.action },
                )
                onDispose { player.stop() }
            }
            Box(modifier.background(Color.Black)) {
                Image(picture, contentDescription = null, contentScale = ContentScale.Crop, modifier = Modifier.matchParentSize())
            }
        }

        @Composable
        override fun rememberCameraRequest(onAnswer: (Boolean) -> Unit): () -> Unit = { onAnswer(cameraAllowed) }

        override fun openAppSettings() { settingsOpened++ }
    }

    private fun capture(): Screen.Capture? = core.view().screen as? Screen.Capture

    override fun close() {
        calls.shutdown()
        calls.awaitTermination(30, TimeUnit.SECONDS)
        subscription.cancel()
        subscription.close()
        core.close()
        dir.deleteRecursively()
    }
}

private fun sameCaptureWords(a: AppView, b: AppView): Boolean {
    val x = a.screen as? Screen.Capture ?: return false
    val y = b.screen as? Screen.Capture ?: return false
    return a.problem == b.problem && x.update.prompt == y.update.prompt && x.update.doneSteps == y.update.doneSteps
}

/** A face that stays still: no action is ever done. */
const val STILL = "still"

/** What Android's Keystore wrapper does, in memory. */
class MemoryStore : SecureStore {
    private val values = ConcurrentHashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = values[key]
    override fun put(key: String, value: ByteArray) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}
