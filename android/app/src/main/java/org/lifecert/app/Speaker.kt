package org.lifecert.app

import android.content.Context
import android.speech.tts.TextToSpeech
import android.view.accessibility.AccessibilityManager
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import org.lifecert.domain.Language
import java.util.Locale

/**
 * The phone's voice. It decides nothing: the core says what to speak and when
 * (AppObserver.onSpeak), this only speaks it in the view's language.
 * All calls on the main thread.
 */
class Speaker(context: Context) : TextToSpeech.OnInitListener {
    private val tts = TextToSpeech(context.applicationContext, this)
    private val accessibility = context.getSystemService(AccessibilityManager::class.java)
    private val _missing = MutableStateFlow(false)
    /** No voice for the language (or no engine): the screen says so, the words stay on screen. */
    val voiceMissing: StateFlow<Boolean> = _missing
    private var ready = false
    private var language: Language? = null
    /** Said before the engine finished starting (the first screen). */
    private var pending: List<String> = emptyList()

    override fun onInit(status: Int) {
        if (status != TextToSpeech.SUCCESS) {
            _missing.value = true // no engine: the screens still show every word
            return
        }
        ready = true
        tts.setSpeechRate(0.9f) // a little slower, for older listeners
        language?.let(::apply)
        say(pending)
        pending = emptyList()
    }

    fun use(language: Language) {
        if (language == this.language) return
        this.language = language
        if (ready) apply(language)
    }

    private fun apply(language: Language) {
        val result = tts.setLanguage(locale(language))
        _missing.value = result == TextToSpeech.LANG_MISSING_DATA || result == TextToSpeech.LANG_NOT_SUPPORTED
    }

    /** The newest words replace whatever is still being said; none: stop. */
    fun say(words: List<String>) {
        // TalkBack reads the screen itself (the prompts are live regions): two
        // voices at once would drown each other.
        if (accessibility?.isTouchExplorationEnabled == true) return
        if (!ready) {
            pending = words
            return
        }
        if (words.isEmpty()) tts.stop()
        words.forEachIndexed { i, text ->
            tts.speak(text, if (i == 0) TextToSpeech.QUEUE_FLUSH else TextToSpeech.QUEUE_ADD, null, "lifecert-$i")
        }
    }

    fun shutdown() {
        tts.stop()
        tts.shutdown()
    }

    private fun locale(language: Language): Locale = when (language) {
        Language.ZH_HANS -> Locale.SIMPLIFIED_CHINESE // zh-CN
        Language.ZH_HANT -> Locale.TRADITIONAL_CHINESE // zh-TW
        Language.EN -> Locale.US
    }
}
