package org.lifecert.app

import android.content.Context
import android.speech.tts.TextToSpeech
import org.lifecert.core.AppView
import org.lifecert.domain.Language
import org.lifecert.core.Screen
import java.util.Locale

/**
 * Says what the core wants said, in the core's words (`Message.speech`):
 * a screen's instruction when it changes, a problem when one appears, and on
 * the capture screen each prompt the core flags with `speak`.
 * All calls on the main thread.
 */
class Speaker(context: Context) : TextToSpeech.OnInitListener {
    private val tts = TextToSpeech(context.applicationContext, this)
    private var ready = false
    private var language: Language? = null
    private var lastInstruction: String? = null
    private var lastProblem: String? = null
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

    fun onView(view: AppView) {
        if (view.language != language) {
            language = view.language
            if (ready) tts.setLanguage(locale(view.language))
        }

        val capture = view.screen as? Screen.Capture
        val instruction = when {
            // The prompt is the instruction here; the engine says when to repeat it.
            capture != null -> capture.update.prompt.takeIf { capture.update.speak }
            view.instruction.key != lastInstruction -> view.instruction
            else -> null
        }
        lastInstruction = view.instruction.key

        val problem = view.problem?.message?.takeIf { it.key != lastProblem }
        // A running call re-arms it, so the same problem twice is said twice.
        lastProblem = if (view.busy) null else view.problem?.message?.key

        if (!view.voiceOn) {
            tts.stop()
            pending = emptyList()
            return
        }
        val words = listOfNotNull(problem, instruction).map { it.speech }.filter { it.isNotBlank() }
        if (words.isEmpty()) return
        if (ready) {
            say(words)
        } else {
            pending = words
        }
    }

    fun shutdown() {
        tts.stop()
        tts.shutdown()
    }

    /** The newest words replace whatever is still being said. */
    private fun say(words: List<String>) {
        words.forEachIndexed { i, text ->
            tts.speak(text, if (i == 0) TextToSpeech.QUEUE_FLUSH else TextToSpeech.QUEUE_ADD, null, "lifecert-$i")
        }
    }

    private fun locale(language: Language): Locale = when (language) {
        Language.ZH_HANS -> Locale.SIMPLIFIED_CHINESE // zh-CN
        Language.ZH_HANT -> Locale.TRADITIONAL_CHINESE // zh-TW
        Language.EN -> Locale.US
    }
}
