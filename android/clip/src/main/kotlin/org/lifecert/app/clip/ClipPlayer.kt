package org.lifecert.app.clip

import org.lifecert.domain.Action
import java.io.File

/**
 * The recorded-clip camera of test builds (device farms, the desktop UI
 * tests): plays a person's recorded clips to the core as if a camera saw
 * them, following the challenge. A clip folder holds one sub-folder of frames
 * per action (`neutral`, `blink`, `mouth`, `left`, `right`, `nod`, frames in
 * name order); `neutral` loops until the core asks for an action, then that
 * action's clip plays once, then `neutral` again. The challenge's order is
 * random, so a farm records each action once and this plays them in the order
 * asked. Compiled into debug builds and tests only, never into a release app.
 *
 * [F] is the platform's decoded frame; [push] hands one to the core with its
 * time and returns when it was analysed (LifeCertApp.pushFrame).
 */
class ClipPlayer<F>(
    private val clips: Map<String, List<F>>,
    private val fps: Double = 15.0,
    private val push: (frame: F, timestampMs: Long) -> Unit,
) {
    init {
        require(clips["neutral"]?.isNotEmpty() == true) { "a clip folder needs neutral/ frames" }
    }

    @Volatile private var stopped = false
    private var thread: Thread? = null

    /**
     * Starts playing on its own thread while [capturing] is true; [asked] is
     * the action the core asks for now (null while it learns the neutral face).
     */
    fun start(capturing: () -> Boolean, asked: () -> Action?) {
        check(thread == null) { "already playing" }
        thread = Thread({ play(capturing, asked) }, "clip-camera").apply { isDaemon = true; start() }
    }

    fun stop() {
        stopped = true
        thread?.join(5_000)
    }

    private fun play(capturing: () -> Boolean, asked: () -> Action?) {
        val frameMs = 1000.0 / fps
        val startMs = System.currentTimeMillis()
        var n = 0L
        var neutral = 0
        var played: Action? = null
        var sinceClip = 0
        fun show(frame: F) {
            // At the camera's own pace, never ahead of the wall clock: certd refuses
            // a capture that ends in its future, and frames pushed faster than real
            // time while the engine loads would put it there.
            val t = startMs + (n * frameMs).toLong()
            Thread.sleep(maxOf(0L, t - System.currentTimeMillis()))
            // A frame the core refuses must not end the clip: a camera keeps
            // delivering, and a silent end would leave the capture waiting forever.
            try {
                push(frame, t)
            } catch (e: Exception) {
                System.err.println("clip camera: frame at $t not taken: $e")
            }
            n++
        }
        while (!stopped && capturing()) {
            val action = asked()
            // Still asked two seconds after its clip (it did not count): once more.
            val clip = action?.takeIf { it != played || sinceClip > 2 * fps }?.let { clips[folder(it)] }
            if (clip != null) {
                // The asked action, once; asked again (a retry) plays it again.
                for (frame in clip) {
                    if (stopped || !capturing()) return
                    show(frame)
                }
                played = action
                sinceClip = 0
            } else {
                sinceClip++
                if (action == null) played = null
                val frames = clips.getValue("neutral")
                show(frames[neutral++ % frames.size])
            }
        }
    }

    companion object {
        fun folder(action: Action): String = when (action) {
            Action.BLINK -> "blink"
            Action.OPEN_MOUTH -> "mouth"
            Action.TURN_LEFT -> "left"
            Action.TURN_RIGHT -> "right"
            Action.NOD -> "nod"
        }

        /** Reads `dir/<action>/` frame files in name order, decoded by [decode]; missing actions are left out. */
        fun <F> load(dir: File, decode: (ByteArray) -> F): Map<String, List<F>> =
            (listOf("neutral") + Action.entries.map(::folder)).mapNotNull { name ->
                val files = File(dir, name).listFiles { f -> f.isFile && !f.name.startsWith(".") && f.extension.lowercase() in setOf("jpg", "jpeg", "png") }
                    ?.sortedBy { it.name }?.takeIf { it.isNotEmpty() } ?: return@mapNotNull null
                name to files.map { decode(it.readBytes()) }
            }.toMap()
    }
}
