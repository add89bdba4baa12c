package org.lifecert.app

import android.app.Activity
import android.content.Context
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.os.Handler
import android.os.Looper
import androidx.camera.view.PreviewView
import androidx.lifecycle.LifecycleOwner
import org.lifecert.app.clip.ClipPlayer
import org.lifecert.app.ui.Shell
import org.lifecert.core.Screen
import org.lifecert.liveness.CaptureException
import org.lifecert.liveness.FrameInfo
import org.lifecert.liveness.PixelFormat
import java.io.File
import java.nio.ByteBuffer

/**
 * Debug builds only (src/debug): a device farm can start the app with a
 * recorded clip instead of the camera,
 *   adb push clip/ /sdcard/Android/data/org.lifecert.app/files/clip
 *   adb shell am start -n org.lifecert.app/.MainActivity --es lifecert.clip /sdcard/Android/data/org.lifecert.app/files/clip
 * (folders neutral/ blink/ mouth/ left/ right/ nod/ of JPEG frames; see ClipPlayer).
 * Without the extra it is the camera, as in release.
 */
const val CLIP_EXTRA = "lifecert.clip"

fun frameFeed(context: Context, model: LifeCertViewModel): FrameFeed {
    val dir = (context as? Activity)?.intent?.getStringExtra(CLIP_EXTRA)
        ?: return CameraFeed(model::pushFrame)
    return ClipFeed(File(dir), model)
}

private class ClipFeed(private val dir: File, private val model: LifeCertViewModel) : FrameFeed {
    private var player: ClipPlayer<Bitmap>? = null

    override fun start(context: Context, owner: LifecycleOwner, previewView: PreviewView) {
        val clips = ClipPlayer.load(dir) { bytes -> checkNotNull(BitmapFactory.decodeByteArray(bytes, 0, bytes.size)) { "not a picture in $dir" } }
        val main = Handler(Looper.getMainLooper())
        val buffer = ByteBuffer.allocateDirect(clips.values.maxOf { f -> f.maxOf { it.byteCount } })
        player = ClipPlayer(clips) { frame, t ->
            // The preview shows what the "camera" sees.
            main.post { previewView.foreground = android.graphics.drawable.BitmapDrawable(context.resources, frame) }
            buffer.clear()
            frame.copyPixelsToBuffer(buffer) // ARGB_8888 is R, G, B, A in memory
            buffer.flip()
            val info = FrameInfo(frame.width.toUInt(), frame.height.toUInt(), frame.rowBytes.toUInt(), PixelFormat.Rgba, 0u, false, t.toULong())
            try {
                model.pushFrame(buffer, info)
            } catch (e: CaptureException) {
                // As with the camera: a frame the core could not take is dropped.
            }
        }.also { p ->
            p.start(
                capturing = { capture() != null },
                asked = { capture()?.update?.action },
            )
        }
    }

    private fun capture(): Screen.Capture? = ((model.shell.value as? Shell.Showing)?.view?.screen as? Screen.Capture)

    override fun stop() {
        player?.stop()
    }
}
