package org.lifecert.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import org.lifecert.core.AppView

/**
 * What the shared screens need from the phone and cannot do in common code:
 * the Android app implements it with BitmapFactory, CameraX and the permission
 * launcher; the desktop tests with Skia and a recorded clip.
 */
interface Platform {
    /** An encoded picture (the template JPEG, the receipt's QR PNG); null when it does not decode. */
    fun image(bytes: ByteArray): ImageBitmap?

    /** The live camera behind the capture circle; frames go to the core from here. */
    @Composable
    fun CameraPreview(modifier: Modifier)

    /**
     * A function the "allow camera" button calls: it asks for the camera when
     * needed and answers on the main thread, true when the camera may be used.
     */
    @Composable
    fun rememberCameraRequest(onAnswer: (Boolean) -> Unit): () -> Unit

    /** Opens the system's page for this app, where a refused camera can be allowed. */
    fun openAppSettings()
}

/** What the shell draws: the core's view once the core is up. */
sealed interface Shell {
    data object Starting : Shell
    /** The core could not be created (storage or network client); [language] picks the words. */
    data class Failed(val language: org.lifecert.domain.Language) : Shell
    data class Showing(val view: AppView) : Shell
}
