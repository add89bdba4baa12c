package org.lifecert.app.ui

import android.Manifest
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.BitmapFactory
import android.net.Uri
import android.os.Build
import android.provider.Settings
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.view.PreviewView
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.ExperimentalComposeUiApi
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.testTagsAsResourceId
import androidx.compose.ui.viewinterop.AndroidView
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.core.content.ContextCompat
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleEventObserver
import androidx.lifecycle.compose.LocalLifecycleOwner
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lifecert.app.frameFeed
import org.lifecert.app.LifeCertViewModel
import org.lifecert.core.Event
import org.lifecert.core.Screen

/** The activity's content: the shared screens with the phone's camera, images and back key. */
@OptIn(ExperimentalComposeUiApi::class)
@Composable
fun LifeCertActivityContent(model: LifeCertViewModel) {
    val shell by model.shell.collectAsStateWithLifecycle()
    val voiceMissing by model.voiceMissing.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val platform = remember(model) { AndroidPlatform(context, model) }
    // System back goes to the core's previous screen; at the root it leaves the app.
    val view = (shell as? Shell.Showing)?.view
    BackHandler(enabled = view?.canGoBack == true) { model.send(Event.Back) }
    // The yearly reminders need Android 13's notification permission: asked once Home is reached.
    val askNotifications = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) {}
    val atHome = view?.screen is Screen.Home
    LaunchedEffect(atHome) {
        if (atHome && Build.VERSION.SDK_INT >= 33 &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) askNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
    }
    // testTag ids become resource ids, so UIAutomator and Appium find them (shells/element-ids.txt).
    Box(Modifier.fillMaxSize().semantics { testTagsAsResourceId = true }) {
        LifeCertRoot(shell, model::send, platform, voiceMissing)
    }
}

private class AndroidPlatform(private val context: Context, private val model: LifeCertViewModel) : Platform {
    override fun image(bytes: ByteArray): ImageBitmap? =
        BitmapFactory.decodeByteArray(bytes, 0, bytes.size)?.asImageBitmap()

    /** The front camera's mirrored preview; its frames go to the core from [frameFeed]. */
    @Composable
    override fun CameraPreview(modifier: Modifier) {
        val owner = LocalLifecycleOwner.current
        val previewView = remember { PreviewView(context).apply { scaleType = PreviewView.ScaleType.FILL_CENTER } }
        DisposableEffect(owner) {
            val feed = frameFeed(context, model)
            feed.start(context, owner, previewView)
            // Sent away mid-capture (home key, a call, another app took the
            // camera): the core goes back to the same steps with a word on why,
            // rather than a capture with a gap certd would refuse.
            val away = LifecycleEventObserver { _, event ->
                if (event == Lifecycle.Event.ON_STOP) model.send(Event.CameraInterrupted)
            }
            owner.lifecycle.addObserver(away)
            onDispose {
                owner.lifecycle.removeObserver(away)
                feed.stop()
            }
        }
        AndroidView(factory = { previewView }, modifier = modifier)
    }

    @Composable
    override fun rememberCameraRequest(onAnswer: (Boolean) -> Unit): () -> Unit {
        val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission(), onAnswer)
        return {
            val granted = ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED
            if (granted) onAnswer(true) else ask.launch(Manifest.permission.CAMERA)
        }
    }

    // Once refused for good, Android stops asking: only the app's settings page can allow it.
    override fun openAppSettings() {
        context.startActivity(
            Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", context.packageName, null))
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK),
        )
    }
}
