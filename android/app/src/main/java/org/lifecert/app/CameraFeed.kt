package org.lifecert.app

import android.content.Context
import android.util.Size
import android.view.OrientationEventListener
import android.view.Surface
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.core.content.ContextCompat
import androidx.lifecycle.LifecycleOwner
import org.lifecert.liveness.CaptureException
import org.lifecert.liveness.FrameInfo
import org.lifecert.liveness.PixelFormat
import java.nio.ByteBuffer
import java.util.concurrent.Executors

/** Where the capture's frames come from: the front camera, or (debug builds only) a recorded clip. */
interface FrameFeed {
    /** Main thread. */
    fun start(context: Context, owner: LifecycleOwner, previewView: PreviewView)
    /** Main thread. */
    fun stop()
}

/**
 * The front camera: a preview for the person, and every frame the core can
 * keep up with handed to [push] (LifeCertApp.pushFrame) on a camera thread.
 */
class CameraFeed(private val push: (ByteBuffer, FrameInfo) -> Unit) : FrameFeed, ImageAnalysis.Analyzer {
    private val executor = Executors.newSingleThreadExecutor()
    private var provider: ProcessCameraProvider? = null
    private var orientation: OrientationEventListener? = null
    private var stopped = false

    /** One direct buffer reused for every frame; only touched on [executor]. */
    private var packed: ByteBuffer? = null

    /** Main thread. */
    override fun start(context: Context, owner: LifecycleOwner, previewView: PreviewView) {
        val preview = Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }
        val analysis = ImageAnalysis.Builder()
            // The core analyses at its own pace: stale frames are dropped, not queued.
            .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
            .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888)
            // The face models work on small crops; VGA keeps each frame cheap.
            .setResolutionSelector(
                ResolutionSelector.Builder()
                    .setResolutionStrategy(ResolutionStrategy(Size(640, 480), ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER))
                    .build(),
            )
            .build()
        analysis.setAnalyzer(executor, this)

        // The activity is portrait-only; follow how the phone is really held,
        // so rotationDegrees still turns the face upright.
        orientation = object : OrientationEventListener(context) {
            override fun onOrientationChanged(degrees: Int) {
                if (degrees == ORIENTATION_UNKNOWN) return
                analysis.targetRotation = when (degrees) {
                    in 45 until 135 -> Surface.ROTATION_270
                    in 135 until 225 -> Surface.ROTATION_180
                    in 225 until 315 -> Surface.ROTATION_90
                    else -> Surface.ROTATION_0
                }
            }
        }.also { it.enable() }

        val future = ProcessCameraProvider.getInstance(context)
        future.addListener({
            if (stopped) return@addListener
            val cameras = future.get()
            provider = cameras
            cameras.unbindAll()
            cameras.bindToLifecycle(owner, CameraSelector.DEFAULT_FRONT_CAMERA, preview, analysis)
        }, ContextCompat.getMainExecutor(context))
    }

    /** Main thread. */
    override fun stop() {
        stopped = true
        orientation?.disable()
        provider?.unbindAll()
        executor.shutdown()
    }

    /**
     * YUV_420_888 planes are separate buffers; the core reads one buffer with
     * offsets, so pack Y, U, V one after another (PixelFormat.Yuv420).
     */
    override fun analyze(image: ImageProxy) {
        image.use { frame ->
            val (y, u, v) = frame.planes
            val yBytes = y.buffer.remaining()
            val uBytes = u.buffer.remaining()
            val total = yBytes + uBytes + v.buffer.remaining()
            val buffer = packed?.takeIf { it.capacity() >= total }
                ?: ByteBuffer.allocateDirect(total).also { packed = it }
            buffer.clear()
            buffer.put(y.buffer.duplicate())
            buffer.put(u.buffer.duplicate())
            buffer.put(v.buffer.duplicate())
            // uniffi passes a direct buffer's base address and remaining():
            // position must be 0, which flip() gives.
            buffer.flip()

            val info = FrameInfo(
                width = frame.width.toUInt(),
                height = frame.height.toUInt(),
                rowStride = y.rowStride.toUInt(),
                // U and V always share row and pixel strides in YUV_420_888.
                format = PixelFormat.Yuv420(
                    chromaRowStride = u.rowStride.toUInt(),
                    chromaPixelStride = u.pixelStride.toUInt(),
                    uOffset = yBytes.toUInt(),
                    vOffset = (yBytes + uBytes).toUInt(),
                ),
                rotation = frame.imageInfo.rotationDegrees.toUInt(),
                // ImageAnalysis frames are the sensor's view, never mirrored
                // (only the PreviewView mirrors the front camera for the person).
                mirrored = FRONT_FRAMES_MIRRORED,
                timestampMs = (frame.imageInfo.timestamp / 1_000_000).toULong(),
            )
            try {
                push(buffer, info)
            } catch (e: CaptureException) {
                // A bad or late frame (e.g. the capture just ended): drop it, the next one comes.
            }
        }
    }

    private companion object {
        /**
         * The core un-mirrors when told to and expects the camera's own view
         * ("turn left" moves the nose to the image's right, docs/liveness.md).
         * CameraX analysis frames are not mirrored, so false. Check on a device
         * with a "turn left" prompt before changing it.
         */
        const val FRONT_FRAMES_MIRRORED = false
    }
}
