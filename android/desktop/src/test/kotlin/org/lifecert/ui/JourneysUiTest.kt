package org.lifecert.ui

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.lifecert.app.ui.Ids
import org.lifecert.core.Event
import org.lifecert.core.Labelled
import org.lifecert.core.ResultKind
import org.lifecert.core.Screen
import org.lifecert.core.label
import org.lifecert.core.labels
import org.lifecert.domain.Action
import org.lifecert.domain.Language
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The Android screens, driven as a device farm drives the app: by element ids
 * only, against the real core and a real certd, with recorded clips of a real
 * photo where the camera would be.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JourneysUiTest {
    private val certd = Certd()
    private val zh = Language.ZH_HANS
    private fun kind(k: ResultKind, lang: Language = zh) = label(Labelled.ResultName(k), lang)
    private val mouth = setOf(label(Labelled.ActionName(Action.OPEN_MOUTH), zh))

    @AfterAll
    fun stop() = certd.close()

    @Test
    fun `an elderly woman registers, turns on large text, certifies herself and shows the receipt QR`() {
        Phone(certd.url).use { phone ->
            onPhone(phone) {
                register("赵桂兰", "110105194812090023")
                // Large text, from Settings: every later screen is drawn bigger.
                tap(Ids.HOME_SETTINGS)
                tap(Ids.SETTINGS_LARGE_TEXT)
                ui.waitUntil(timeoutMillis = 10_000) { phone.view?.largeText == true }
                tap(Ids.BACK)
                await(Ids.HOME_START)

                tap(Ids.HOME_START)
                tap(Ids.WHO_ + 0)
                tap(Ids.CONSENT_AGREE)
                // The template photo on file is shown before the scan.
                await(Ids.TEMPLATE_PHOTO)
                tap(Ids.CAMERA_ALLOW)
                await(Ids.CAPTURE_PROMPT)
                assertEquals(Ids.RESULT_KIND, awaitAny(Ids.RESULT_KIND, Ids.OFFLINE_MESSAGE, seconds = 180))
                assertEquals(kind(ResultKind.PASSED), text(Ids.RESULT_KIND), resultWords())
                assertTrue(has(Ids.RESULT_RECEIPT_VERIFIED))
                await(Ids.RECEIPT_QR)
                assertTrue(phone.framesPushed > 30, "the clip camera fed ${phone.framesPushed} frames")

                tap(Ids.RESULT_HOME)
                tap(Ids.HOME_RECORDS)
                // The state is in words and a sign, not colour alone.
                assertTrue(text(Ids.RECORD_ + 0).contains("✔"), text(Ids.RECORD_ + 0))
                assertTrue(!has(Ids.RECORD_ + 1))
            }
            val said = phone.said.map { it.key }
            assertTrue("upload.checking" in said && said.any { it.startsWith("liveness.") }, "$said")
        }
    }

    @Test
    fun `a son adds his mother, she agrees on her phone, the wrong face fails and a retry with hers passes`() {
        Phone(certd.url).use { son ->
            Phone(certd.url).use { mother ->
                onPhone(son) {
                    register("王建国", "110105197506010017")
                    // Staff saw his ID card at a counter: he may add relatives.
                    certd.agency("verify-account", "110105197506010017")
                    tap(Ids.HOME_REFRESH)
                    tap(Ids.HOME_ADD_RELATIVE)
                    type(Ids.RELATIVE_NAME, "陈秀华")
                    type(Ids.RELATIVE_ID_NUMBER, "440604195303150026")
                    type(Ids.RELATIVE_RELATION, "母亲")
                    tap(Ids.RELATIVE_SUBMIT)
                    await(Ids.HOME_RELATIVE_ + 0)

                    // On her own phone she registers and agrees.
                    runBlocking {
                        mother.core.sendAndWait(Event.ShowRegister)
                        val home = assertIs<Screen.Home>(mother.core.sendAndWait(Event.Register("陈秀华", "440604195303150026", "lifecert2026", "13800138000", "13800138000", true)).screen)
                        certd.agency("verify-account", "440604195303150026")
                        mother.core.sendAndWait(Event.AcceptRequest(home.requests.single().bindingId))
                    }
                    tap(Ids.HOME_REFRESH)

                    // His own face is not hers: failed, with what to do next.
                    son.face = "grace_hopper.jpg"
                    assertEquals(Ids.RESULT_KIND, certify(who = 1))
                    assertEquals(kind(ResultKind.FAILED), text(Ids.RESULT_KIND))
                    assertTrue(has(Ids.RESULT_ADVICE))

                    // Retry from the result, with her in front of the camera.
                    son.face = "astronaut.jpg"
                    tap(Ids.RESULT_RETRY)
                    repeat(12) {
                        await(Ids.CAMERA_ALLOW)
                        if (texts(Ids.CAMERA_STEP_).none { s -> mouth.any { s.contains(it) } }) {
                            tap(Ids.CAMERA_ALLOW)
                            assertEquals(Ids.RESULT_KIND, awaitAny(Ids.RESULT_KIND, Ids.OFFLINE_MESSAGE, seconds = 180))
                            assertEquals(kind(ResultKind.PASSED), text(Ids.RESULT_KIND), resultWords())
                            tap(Ids.RESULT_HOME)
                            tap(Ids.HOME_RECORDS)
                            assertTrue(text(Ids.RECORD_ + 0).contains("✔") && text(Ids.RECORD_ + 1).contains("✘"))
                            return@onPhone
                        }
                        // Back goes where the steps were asked from: the result (retry) or consent.
                        tap(Ids.BACK)
                        tap(awaitAny(Ids.RESULT_RETRY, Ids.CONSENT_AGREE))
                    }
                    error("no challenge the astronaut clip can act")
                }
            }
        }
    }

    @Test
    fun `a wrong password is said on screen and the form stays filled`() {
        Phone(certd.url).use { phone ->
            onPhone(phone) {
                tap(Ids.WELCOME_LOG_IN)
                type(Ids.LOG_IN_ID_NUMBER, "330502195207200026")
                type(Ids.LOG_IN_PASSWORD, "not-her-password1")
                tap(Ids.LOG_IN_SUBMIT)
                await(Ids.PROBLEM)
                assertTrue(text(Ids.PROBLEM).isNotBlank())
                assertTrue(text(Ids.LOG_IN_ID_NUMBER).contains("330502195207200026"), "the ID typed stays")
                assertTrue(has(Ids.LOG_IN_SUBMIT))
            }
        }
    }

    @Test
    fun `she corrects her address from Home, a malformed post code is said and nothing typed is lost`() {
        val she = People.rostered(certd, "孙秀梅")
        Phone(certd.url).use { phone ->
            onPhone(phone) {
                register(she.name, she.idNumber)
                tap(Ids.HOME_CONTACT_ + 0)
                assertEquals(she.name, text(Ids.CONTACT_SUBJECT))
                type(Ids.CONTACT_ADDRESS, "北京市东城区和平里街道3号楼2单元501")
                type(Ids.CONTACT_POST_CODE, "10001")
                type(Ids.CONTACT_MOBILE, "13912345678")
                tap(Ids.CONTACT_SAVE)
                await(Ids.PROBLEM)
                assertTrue(text(Ids.PROBLEM).contains("6"), text(Ids.PROBLEM))
                assertTrue(text(Ids.CONTACT_ADDRESS).contains("和平里街道3号楼"), "the address typed stays")
                // Typed with a Chinese keyboard's full-width digits: certd keeps plain ones.
                retype(Ids.CONTACT_POST_CODE, "１０００１３")
                tap(Ids.CONTACT_SAVE)
                tap(Ids.CONTACT_DONE)
                tap(Ids.HOME_CONTACT_ + 0)
                assertTrue(text(Ids.CONTACT_POST_CODE).contains("100013"), text(Ids.CONTACT_POST_CODE))
            }
            assertTrue("instruction.contact_saved" in phone.said.map { it.key }, "${phone.said.map { it.key }}")
        }
    }

    @Test
    fun `a pensioner with no template photo is told where to go instead of a scan that cannot pass`() {
        Phone(certd.url).use { phone ->
            onPhone(phone) {
                register("刘淑珍", "330502195207200026")
                tap(Ids.HOME_START)
                tap(Ids.WHO_ + 0)
                // She has no template photo on file: told where to go, not stuck.
                await(Ids.BLOCKED_MESSAGE)
                assertTrue(text(Ids.BLOCKED_MESSAGE).isNotBlank())
                tap(Ids.BLOCKED_HOME)
                await(Ids.HOME_START)
            }
        }
    }

    @Test
    fun `a refused camera offers the phone's settings instead of a dead end`() {
        val she = People.enrol(certd, "周玉兰")
        Phone(certd.url).use { phone ->
            phone.cameraAllowed = false
            onPhone(phone) {
                registerAndConsent(she)
                tap(Ids.CAMERA_ALLOW)
                tap(Ids.CAMERA_OPEN_SETTINGS)
                assertEquals(1, phone.settingsOpened)
                assertTrue(has(Ids.CAMERA_ALLOW), "the screen stays: allowing it later still works")
                // Allowed in the settings after all: the same button now starts the capture.
                phone.cameraAllowed = true
                tap(Ids.CAMERA_ALLOW)
                await(Ids.CAPTURE_PROMPT)
            }
        }
    }

    @Test
    fun `sent to the background mid-capture, she comes back to the same steps and passes`() {
        val she = People.enrol(certd, "冯淑贞")
        Phone(certd.url).use { phone ->
            onPhone(phone) {
                registerAndConsent(she)
                val steps = texts(Ids.CAMERA_STEP_)
                phone.face = STILL // nothing moves yet: the capture cannot finish before the interruption
                tap(Ids.CAMERA_ALLOW)
                await(Ids.CAPTURE_PROMPT)
                // What the Android shell sends when the activity stops (AndroidShell.kt).
                phone.send(Event.CameraInterrupted)
                await(Ids.PROBLEM)
                assertEquals(steps, texts(Ids.CAMERA_STEP_), "the same steps, not a new challenge")
                phone.face = "grace_hopper.jpg"
                tap(Ids.CAMERA_ALLOW)
                assertEquals(Ids.RESULT_KIND, awaitAny(Ids.RESULT_KIND, Ids.OFFLINE_MESSAGE, seconds = 180))
                assertEquals(kind(ResultKind.PASSED), text(Ids.RESULT_KIND), resultWords())
            }
        }
    }

    @Test
    fun `offline at upload, the certification waits on the phone and goes when the server is back`() {
        val she = People.enrol(certd, "吴秀英")
        Phone(certd.url).use { phone ->
            try {
                onPhone(phone) {
                    registerAndConsent(she)
                    // The challenge is on the phone; the server goes down before the upload.
                    certd.kill()
                    tap(Ids.CAMERA_ALLOW)
                    await(Ids.OFFLINE_MESSAGE, seconds = 180)
                    assertEquals(1u, phone.core.queuedUploads())
                    // Back online: one tap sends what waited, nothing is captured again.
                    certd.start()
                    tap(Ids.OFFLINE_SEND_NOW)
                    assertEquals(Ids.RESULT_KIND, awaitAny(Ids.RESULT_KIND, seconds = 120))
                    assertEquals(kind(ResultKind.PASSED), text(Ids.RESULT_KIND), resultWords())
                    assertEquals(0u, phone.core.queuedUploads())
                }
            } finally {
                if (!certd.running) certd.start() // the other tests need it
            }
        }
    }
}
