package org.lifecert.ui

import androidx.compose.ui.geometry.Size
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.hasScrollAction
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import org.lifecert.app.ui.Ids
import org.lifecert.app.ui.LifeCertRoot

/**
 * The steps a device-farm script takes, by element id only (shells/element-ids.txt):
 * wait for an element, tap it, type into it, read its text. The screen is a
 * phone-sized 412x892 dp window at density 2.
 */
@OptIn(ExperimentalTestApi::class)
class Farm(val ui: SkikoComposeUiTest, val phone: Phone) {
    fun has(tag: String) = ui.onAllNodesWithTag(tag).fetchSemanticsNodes().isNotEmpty()

    /** Waits (real time: the core and certd work meanwhile) until [tag] is on screen. */
    fun await(tag: String, seconds: Long = 60) {
        awaitAny(tag, seconds = seconds)
    }

    /** Waits for the first of [tags] to appear and returns it; on a timeout, says what the phone showed. */
    fun awaitAny(vararg tags: String, seconds: Long = 60): String {
        try {
            ui.waitUntil(timeoutMillis = seconds * 1000) { tags.any(::has) }
        } catch (e: Throwable) {
            throw AssertionError("${tags.toList()} did not appear in $seconds s; the phone went through ${phone.story()}", e)
        }
        return tags.first(::has)
    }

    fun tap(tag: String) {
        await(tag)
        val node = ui.onNodeWithTag(tag)
        // Pages scroll; a tap needs the element in view, as a finger does.
        if (ui.onAllNodes(hasScrollAction()).fetchSemanticsNodes().isNotEmpty()) runCatching { node.performScrollTo() }
        node.performClick()
    }

    fun type(tag: String, text: String) {
        await(tag)
        ui.onNodeWithTag(tag).performTextInput(text)
    }

    /** Replaces a field's whole content, as selecting all and typing does. */
    fun retype(tag: String, text: String) {
        await(tag)
        ui.onNodeWithTag(tag).performTextReplacement(text)
    }

    /** The words an element shows: its own and its children's texts, a field's content, else its description. */
    fun text(tag: String): String {
        await(tag)
        fun words(node: SemanticsNode): List<String> {
            val c = node.config
            val own = (c.getOrNull(SemanticsProperties.Text)?.map { it.text } ?: emptyList()) +
                listOfNotNull(c.getOrNull(SemanticsProperties.EditableText)?.text)
            return own + node.children.flatMap(::words)
        }
        val node = ui.onNodeWithTag(tag, useUnmergedTree = true).fetchSemanticsNode()
        return words(node).filter { it.isNotBlank() }.joinToString(" ").ifEmpty {
            node.config.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" ") ?: ""
        }
    }

    /** The result's words, for a failure message. */
    fun resultWords() = listOf(Ids.RESULT_MESSAGE, Ids.RESULT_ADVICE).filter(::has).joinToString(" / ") { text(it) }

    fun texts(prefix: String): List<String> {
        val out = mutableListOf<String>()
        while (has(prefix + out.size)) out += text(prefix + out.size)
        return out
    }

    // ---- a few steps every journey takes ----

    fun register(name: String, id: String, password: String = "lifecert2026", mobile: String = "13900139000") {
        tap(Ids.WELCOME_REGISTER)
        type(Ids.REGISTER_NAME, name)
        type(Ids.REGISTER_ID_NUMBER, id)
        type(Ids.REGISTER_PASSWORD, password)
        type(Ids.REGISTER_MOBILE, mobile)
        type(Ids.REGISTER_MOBILE_AGAIN, mobile)
        tap(Ids.REGISTER_TERMS)
        tap(Ids.REGISTER_SUBMIT)
        await(Ids.HOME_START)
    }

    /** A new account for [she], from Welcome to her camera screen (the challenge is on the phone). */
    fun registerAndConsent(she: Pensioner) {
        register(she.name, she.idNumber)
        tap(Ids.HOME_START)
        tap(Ids.WHO_ + 0)
        tap(Ids.CONSENT_AGREE)
        await(Ids.CAMERA_ALLOW)
    }

    /**
     * From Home: choose person [who], agree, allow the camera, and let the clip
     * play until a result. A challenge asking what [face] cannot act is
     * turned down with Back and asked anew, as a farm with clips of only
     * some actions does.
     */
    fun certify(who: Int, cannot: Set<String> = emptySet(), seconds: Long = 180): String {
        tap(Ids.HOME_START)
        tap(Ids.WHO_ + who)
        repeat(12) {
            tap(Ids.CONSENT_AGREE)
            await(Ids.CAMERA_ALLOW)
            val steps = texts(Ids.CAMERA_STEP_)
            if (steps.none { s -> cannot.any { s.contains(it) } }) {
                tap(Ids.CAMERA_ALLOW)
                // Blocked too (the capture could not run): the caller's assertion then says why.
                return awaitAny(Ids.RESULT_KIND, Ids.OFFLINE_MESSAGE, Ids.BLOCKED_MESSAGE, seconds = seconds)
            }
            tap(Ids.BACK)
        }
        error("no challenge the clip can act")
    }
}

/** A phone-sized screen around [phone]'s UI, driven like a farm device. */
@OptIn(ExperimentalTestApi::class)
fun onPhone(phone: Phone, block: Farm.() -> Unit) =
    runSkikoComposeUiTest(size = Size(824f, 1784f), density = Density(2f)) {
        setContent { LifeCertRoot(phone.shell, phone::send, phone.platform) }
        Farm(this, phone).block()
    }
