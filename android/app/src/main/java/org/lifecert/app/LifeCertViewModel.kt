package org.lifecert.app

import android.app.Application
import android.net.ConnectivityManager
import android.net.Network
import android.os.Handler
import android.os.Looper
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.lifecert.core.AppConfig
import org.lifecert.core.AppObserver
import org.lifecert.core.Event
import org.lifecert.core.AppView
import org.lifecert.core.Screen
import org.lifecert.domain.Message
import org.lifecert.liveness.CaptureException
import org.lifecert.liveness.FrameInfo
import org.lifecert.domain.Language
import org.lifecert.core.LifeCertApp
import org.lifecert.core.SetupException
import org.lifecert.app.ui.Shell
import java.io.File
import java.nio.ByteBuffer
import java.util.Locale

/**
 * Holds the core for the activity's whole life. The core owns all state; this
 * class only carries its views to the UI and the taps back, off the main thread.
 */
class LifeCertViewModel(application: Application) : AndroidViewModel(application) {
    private val _shell = MutableStateFlow<Shell>(Shell.Starting)
    val shell: StateFlow<Shell> = _shell.asStateFlow()

    @Volatile
    private var core: LifeCertApp? = null
    private val speaker = Speaker(application)
    /** The phone cannot speak the view's language: the screen says so. */
    val voiceMissing: StateFlow<Boolean> = speaker.voiceMissing
    private val main = Handler(Looper.getMainLooper())

    // Events never go from the main thread (sending one may wait while the core
    // hands a camera frame's change to the observers); one at a time keeps
    // taps in the order made.
    private val calls = Dispatchers.Default.limitedParallelism(1)

    private val observer = object : AppObserver {
        // Called on a core thread, in order, after every change.
        override fun onView(view: AppView) {
            main.post {
                // Home carries the due dates: keep the notifications in step with them.
                if (view.screen is Screen.Home) {
                    val app = getApplication<Application>()
                    core?.let { Reminders.schedule(app, it.reminders(), app.getString(R.string.app_name)) }
                }
                speaker.use(view.language)
                _shell.value = Shell.Showing(view)
            }
        }

        // The core decides what to say and when; the phone only says it.
        override fun onSpeak(words: List<Message>) {
            main.post { speaker.say(words.map { it.speech }) }
        }
    }

    private val connectivity = application.getSystemService(ConnectivityManager::class.java)
    private val networkBack = object : ConnectivityManager.NetworkCallback() {
        // Also fires once at registration when a network is up: harmless, the
        // queue is then sent a little earlier than the core's own retry loop.
        override fun onAvailable(network: Network) {
            val app = core ?: return
            if (app.queuedUploads() > 0u) send(Event.RetryUploads)
        }
    }

    init {
        val language = systemLanguage()
        viewModelScope.launch(calls) {
            val app = try {
                LifeCertApp.withPlatformKey(
                    config(application, language),
                    KeystoreSecureStore(application),
                    KeystoreDeviceKey(application),
                )
            } catch (e: SetupException) {
                android.util.Log.e("LifeCert", "core did not start: $e")
                _shell.value = Shell.Failed(language)
                return@launch
            }
            val subscription = app.subscribe(observer)
            connectivity.registerDefaultNetworkCallback(networkBack)
            core = app
            // Runs when the ViewModel is cleared (or at once if it already was).
            addCloseable {
                connectivity.unregisterNetworkCallback(networkBack)
                core = null
                subscription.cancel()
                subscription.close()
                app.close()
            }
            ensureActive() // cleared while the core was being created: it is closed already
            app.send(Event.Start)
        }
    }

    override fun onCleared() {
        speaker.shutdown()
    }

    /** A camera frame, on CameraFeed's analysis thread; throws CaptureException. */
    fun pushFrame(pixels: ByteBuffer, info: FrameInfo) {
        try {
            core?.pushFrame(pixels, info)
        } catch (e: CaptureException) {
            // For the log only: a bad frame is dropped, and when the face check
            // cannot run the core has already moved the screen on.
            android.util.Log.w("LifeCert", "frame not analysed: $e")
        }
    }

    /** A tap, as the core's [Event]: the one entry point. Returns at once. */
    fun send(event: Event) {
        val app = core ?: return
        viewModelScope.launch(calls) { app.send(event) }
    }
}

private fun config(app: Application, language: Language) = AppConfig(
    serverUrl = BuildConfig.SERVER_URL,
    // Not backed up: the queue in it is sealed by a key that stays on this phone.
    storageDir = File(app.noBackupFilesDir, "core").apply { mkdirs() }.path,
    language = language,
    receiptPublicKey = BuildConfig.RECEIPT_PUBLIC_KEY.ifEmpty { null },
)

/** The phone's language as a first guess; the person can change it in Settings. */
private fun systemLanguage(): Language {
    val locale = Locale.getDefault()
    return when {
        locale.language != "zh" -> Language.EN
        locale.script == "Hant" || locale.country in setOf("TW", "HK", "MO") -> Language.ZH_HANT
        else -> Language.ZH_HANS
    }
}
