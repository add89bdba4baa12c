package org.lifecert.app.ui

import org.lifecert.domain.Action
import org.lifecert.domain.CalendarDate
import org.lifecert.domain.Language
import org.lifecert.core.Labelled
import org.lifecert.core.ResultKind
import org.lifecert.core.label
import org.lifecert.core.labels
import org.lifecert.core.Labels as CoreLabels

/**
 * Button, field and icon labels, all from the core (`crates/app/src/flow/labels.rs`) so
 * every shell uses the core's wording in its three languages. This class only
 * gives the screens short names for them; it holds no text of its own.
 */
class Labels(core: CoreLabels, private val lang: Language) {
    val logIn = core.logIn
    val register = core.register
    val name = core.name
    val idNumber = core.idNumber
    val password = core.password
    val mobile = core.mobile
    val mobileAgain = core.mobileAgain
    val acceptTerms = core.acceptTerms
    val relation = core.relation
    val start = core.start
    val addRelative = core.addRelative
    val records = core.records
    val settings = core.settings
    val refresh = core.refresh
    val logOut = core.logOut
    val accept = core.accept
    val agree = core.agree
    val decline = core.decline
    val allowCamera = core.allowCamera
    val openSystemSettings = core.openSystemSettings
    val retry = core.retry
    val home = core.home
    val sendNow = core.sendNow
    val back = core.back
    val receiptVerified = core.receiptVerified
    val receiptCode = core.receiptCode
    val largeText = core.largeText
    val voice = core.voice
    val voiceMissing = core.voiceMissing
    val language = core.language
    val updateContact = core.updateContact
    val address = core.address
    val postCode = core.postCode
    val save = core.save
    val done = core.done
    val startupFailed = core.startupFailed

    fun queued(n: UInt) = label(Labelled.QueuedUploads(n), lang)
    fun step(done: UInt, total: UInt) = label(Labelled.StepOf(done, total), lang)
    fun kind(k: ResultKind) = label(Labelled.ResultName(k), lang)
    fun action(a: Action) = label(Labelled.ActionName(a), lang)
    fun date(d: CalendarDate) = label(Labelled.DateText(d), lang)
    fun nextDue(d: CalendarDate) = label(Labelled.NextDue(d), lang)
}

/** Each language names itself, whatever the current language. */
val languageNames = listOf(Language.ZH_HANS to "简体中文", Language.ZH_HANT to "繁體中文", Language.EN to "English")

fun labelsFor(language: Language): Labels = Labels(labels(language), language)

/** The start-up failure text; if the core's library itself did not load, a fixed two-language line. */
fun startupFailedText(language: Language): String =
    runCatching { labels(language).startupFailed }.getOrDefault("应用无法启动，请重新打开。The app could not start. Please open it again.")
