package org.lifecert.app

import android.content.Context
import android.speech.tts.TextToSpeech
import org.lifecert.domain.Language
import java.util.Locale

/**
 * The phone's voice. It decides nothing: the core says what to speak and when
 * (AppObserver.onSpeak), this only speaks it in the view's language.
 * All calls on the main thread.
 */
class Speaker(context: Context) : TextToSpeech.OnInitListener {
    private val tts = TextToSpeech(context.applicationContext, this)
    private var ready = false
    private var language: Language? = null
    /** Said before the engine finished starting (the first screen). */
    private var pending: List<String> = emptyList()

    override fun onInit(status: Int) {
        if (status != TextToSpeech.SUCCESS) return // no engine: the screens still show every word
        ready = true
        tts.setSpeechRate(0.9f) // a little slower, for older listeners
        language?.let { tts.setLanguage(locale(it)) }
        say(pending)
        pending = emptyList()
    }

    fun use(language: Language) {
        if (language == this.language) return
        this.language = language
        if (ready) tts.setLanguage(locale(language))
    }

    /** The newest words replace whatever is still being said; none: stop. */
    fun say(words: List<String>) {
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
