package org.lifecert.core

import org.lifecert.domain.*
import org.lifecert.liveness.*

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.nio.file.Files
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * What the Android shell's Labels.kt relies on: every button label and every
 * label with a value comes from the core, and display choices outlive the app.
 */
class LabelsTest {
    @Test
    fun `button labels come from the core in each language`() {
        assertEquals("开始认证", labels(Language.ZH_HANS).start)
        assertEquals("開始認證", labels(Language.ZH_HANT).start)
        assertEquals("Log in", labels(Language.EN).logIn)
        for (l in Language.values()) {
            val all = labels(l)
            assertTrue(all.toString().split(", ").none { it.endsWith("=") }, "$l has an empty label: $all")
        }
    }

    @Test
    fun `labels with values carry the value in the person's language`() {
        assertEquals("第2步，共3步", label(Labelled.StepOf(2u, 3u), Language.ZH_HANS))
        assertTrue(label(Labelled.QueuedUploads(3u), Language.EN).startsWith("3 certifications"))
        assertTrue(label(Labelled.NextDue(CalendarDate(2027, 1u, 31u)), Language.ZH_HANT).contains("2027年1月31日"))
        assertEquals("向左转头", label(Labelled.ActionName(Action.TURN_LEFT), Language.ZH_HANS))
        assertEquals("In review", label(Labelled.ResultName(ResultKind.PENDING_REVIEW), Language.EN))
    }

    @Test
    fun `large text and the chosen language are kept when the app is opened again`() {
        val dir = Files.createTempDirectory("lifecert-settings").toString()
        fun open(locale: Language) = LifeCertApp(
            AppConfig(serverUrl = "http://127.0.0.1:9", storageDir = dir, language = locale, receiptPublicKey = null),
            FileSecureStore(dir).asSecureStore(),
        )
        open(Language.ZH_HANS).use { app ->
            assertFalse(app.view().largeText)
            app.send(Event.SetLargeText(true))
            app.send(Event.SetLanguage(Language.ZH_HANT))
            runBlocking { app.settle() } // the choices are saved off the UI thread
        }
        open(Language.EN).use { app ->
            val v = app.view()
            assertTrue(v.largeText)
            assertEquals(Language.ZH_HANT, v.language)
        }
    }
}
