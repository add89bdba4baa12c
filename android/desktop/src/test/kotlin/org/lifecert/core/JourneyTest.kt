package org.lifecert.core

import org.lifecert.domain.*
import org.lifecert.liveness.*
import org.lifecert.ui.MemoryStore

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.net.ServerSocket
import java.nio.ByteBuffer
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The app's journeys written like device-farm UI tests: each step is a tap the
 * shell sends as an [Event] through the one entry point, each check is what
 * the screen would show or the phone would say. A real certd runs
 * beside the tests; clipgen's replay of a real photo stands in for the camera.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JourneyTest {
    private val repo = File(System.getProperty("lifecert.repo.dir")).canonicalFile
    private val faces = File(repo, "tests/fixtures/faces")
    private lateinit var certd: Process
    private lateinit var data: File
    private var url = ""

    /** Every screen the shell was told to draw, and every word it was told to say, in order. */
    class Screens : AppObserver {
        val seen = CopyOnWriteArrayList<AppView>()
        val said = CopyOnWriteArrayList<Message>()
        override fun onView(view: AppView) { seen.add(view) }
        override fun onSpeak(words: List<Message>) { said.addAll(words) }
    }

    @BeforeAll
    fun startServer() {
        data = Files.createTempDirectory("certd-kotlin").toFile()
        val port = ServerSocket(0).use { it.localPort }
        url = "http://127.0.0.1:$port"
        certd = ProcessBuilder(File(repo, "target/debug/certd").path, "demo", "--listen", "127.0.0.1:$port", "--data", data.path)
            .redirectErrorStream(true).redirectOutput(File(data, "certd.log")).start()
        val deadline = System.currentTimeMillis() + 120_000
        while (System.currentTimeMillis() < deadline) {
            if (File(data, "certd.log").readText().contains("listening on")) return
            Thread.sleep(200)
        }
        error("certd did not start: " + File(data, "certd.log").readText())
    }

    @AfterAll
    fun stopServer() {
        certd.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
        data.deleteRecursively()
    }

    private fun newApp(): Pair<LifeCertApp, Screens> {
        val dir = Files.createTempDirectory("lifecert-phone").toFile()
        val app = LifeCertApp(AppConfig(url, dir.path, Language.ZH_HANS, null), MemoryStore())
        val screens = Screens()
        app.subscribe(screens)
        return app to screens
    }

    private fun clipName(a: Action) = when (a) {
        Action.BLINK -> "blink"; Action.OPEN_MOUTH -> "mouth"; Action.TURN_LEFT -> "left"
        Action.TURN_RIGHT -> "right"; Action.NOD -> "nod"
    }

    /** The replay camera: clipgen renders the photo doing the challenge, frames go in as camera buffers. */
    private fun film(app: LifeCertApp, photo: String, actions: List<Action>) {
        val out = Files.createTempDirectory("clip").toFile()
        val gen = ProcessBuilder(File(repo, "target/debug/clipgen").path, "--photo", File(faces, photo).path,
            "--landmarks", File(faces, "reference_landmarks.json").path,
            "--script", actions.joinToString(",") { clipName(it) }, "--jpeg", "92", "--out", out.path)
            .redirectErrorStream(true).start()
        val log = gen.inputStream.bufferedReader().readText()
        assertEquals(0, gen.waitFor(), log)
        val frames = out.listFiles { f -> f.name.startsWith("frame_") }!!.sortedBy { it.name }
        for ((i, f) in frames.withIndex()) {
            val bytes = f.readBytes()
            app.pushEncoded(ByteBuffer.allocateDirect(bytes.size).put(bytes).flip(), (i * 1000L / 15).toULong())
            if (app.view().screen !is Screen.Capture) break
        }
        out.deleteRecursively()
    }

    private fun canAct(photo: String, actions: List<Action>) =
        !(photo == "astronaut.jpg" && Action.OPEN_MOUTH in actions) // see tests/support/replay.rs

    /** Who -> consent -> camera -> replay -> answer. */
    private fun certify(app: LifeCertApp, personId: String, photo: String): Screen.Result = runBlocking {
        app.send(Event.ChooseWho)
        app.send(Event.Select(personId))
        assertIs<Screen.Consent>(app.view().screen)
        var view = app.sendAndWait(Event.GiveConsent)
        repeat(10) {
            val camera = assertIs<Screen.CameraPermission>(view.screen, "${view.problem}")
            // The template photo is shown with the steps (a small JPEG).
            val template = assertNotNull(camera.templatePhoto)
            assertTrue(template.size > 500 && template[0] == 0xFF.toByte() && template[1] == 0xD8.toByte())
            if (canAct(photo, camera.actions)) {
                assertIs<Screen.Capture>(app.sendAndWait(Event.CameraReady).screen)
                film(app, photo, camera.actions)
                return@runBlocking assertIs<Screen.Result>(app.settle().screen)
            }
            view = app.sendAndWait(Event.Retry)
        }
        error("no challenge the replay can act")
    }

    /** An agency tool on the running server's data (`certd verify-account ...`). */
    private fun counter(vararg args: String) {
        val p = ProcessBuilder(File(repo, "target/debug/certd").path, "--data", data.path, *args)
            .redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "certd ${args.toList()}: $out")
    }

    private fun signUp(app: LifeCertApp, name: String, id: String): Screen.Home = runBlocking {
        app.send(Event.ShowRegister)
        val v = app.sendAndWait(Event.Register(name, id, "lifecert2026", "13900139000", "13900139000", true))
        assertIs<Screen.Home>(v.screen, "${v.problem}")
    }

    @Test
    fun `an elderly user certifies herself, hearing every step, and finds the receipt in her records`() = runBlocking {
        val (app, screens) = newApp()
        val home = signUp(app, "赵桂兰", "110105194812090023")
        val result = certify(app, home.me.personId, "grace_hopper.jpg")
        assertEquals(ResultKind.PASSED, result.kind)
        assertTrue(result.receiptVerified)
        assertNotNull(result.nextDue)
        // The receipt a bank counter scans: its line, and the QR code as a PNG.
        val code = assertNotNull(result.receiptCode)
        assertTrue(code.startsWith("LCR1."), code)
        val png = receiptQrPng(code)
        assertTrue(png.size > 100 && png[1] == 'P'.code.toByte(), "a PNG of ${png.size} bytes")
        // Every screen she passed through had something to say aloud, and the core said it.
        assertTrue(screens.seen.all { it.instruction.speech.isNotBlank() })
        val said = screens.said.map { it.key }
        for (screen in listOf("instruction.home", "instruction.consent", "instruction.capture", "upload.checking")) {
            assertTrue(screen in said, "$screen not said: $said")
        }
        val prompts = screens.said.filter { it.key.startsWith("liveness.") }.map { it.key }.toSet()
        assertTrue(prompts.size >= 3, "spoken prompts: $prompts")
        // The result was said, and nothing twice in a row.
        assertTrue(said.last().let { it.startsWith("result.") || it.startsWith("api.") }, "last said: ${said.last()}")
        assertTrue(said.zipWithNext().none { (a, b) -> a == b && !a.startsWith("liveness.") && !a.startsWith("quality.") }, "$said")
        val records = assertIs<Screen.Records>(app.sendAndWait(Event.ShowRecords).screen)
        assertEquals(1, records.rows.size)
        assertTrue(records.rows[0].summary.display.startsWith("✔"), "not colour alone")
        assertTrue(app.reminders().isNotEmpty())
    }

    @Test
    fun `a son certifies his mother after she agrees, first with the wrong face, then with hers`() = runBlocking {
        val (son, _) = newApp()
        signUp(son, "王建国", "110105197506010017")
        // Staff saw his ID card: his account is his (he has no photo to match).
        counter("verify-account", "110105197506010017")
        son.sendAndWait(Event.RefreshHome)
        son.send(Event.ShowAddRelative)
        val home = assertIs<Screen.Home>(son.sendAndWait(Event.AddRelative("陈秀华", "440604195303150026", "母亲")).screen)
        val mother = home.relatives.single()
        assertTrue(mother.bindingPending && !mother.canCertify)

        // She agrees in her own app.
        val (her, _) = newApp()
        val hers = signUp(her, "陈秀华", "440604195303150026")
        // Only a verified account agrees (a self-certification would do too).
        counter("verify-account", "440604195303150026")
        her.sendAndWait(Event.AcceptRequest(hers.requests.single().bindingId))
        son.sendAndWait(Event.RefreshHome)

        val wrong = certify(son, mother.personId, "grace_hopper.jpg")
        assertEquals(ResultKind.FAILED, wrong.kind)
        assertTrue(wrong.advice!!.display.contains("派出所"), "tells them where to go: ${wrong.advice}")

        // A failure, then a retry from the result screen.
        var view = son.sendAndWait(Event.Retry)
        var result: Screen.Result? = null
        for (attempt in 0 until 10) {
            val camera = view.screen as? Screen.CameraPermission ?: error("${view.screen}")
            if (canAct("astronaut.jpg", camera.actions)) {
                son.sendAndWait(Event.CameraReady)
                film(son, "astronaut.jpg", camera.actions)
                result = assertIs<Screen.Result>(son.settle().screen)
                break
            }
            view = son.sendAndWait(Event.Retry)
        }
        assertEquals(ResultKind.PASSED, result!!.kind)
        val rows = assertIs<Screen.Records>(son.sendAndWait(Event.ShowRecords).screen).rows
        assertEquals(listOf(ResultKind.PASSED, ResultKind.FAILED), rows.map { it.kind })
    }

    @Test
    fun `a wrong password is said plainly and the form stays`() = runBlocking {
        val (app, _) = newApp()
        app.send(Event.ShowLogIn)
        val v = app.sendAndWait(Event.LogIn("330502195207200026", "not-her-password1"))
        assertIs<Screen.LogIn>(v.screen)
        assertEquals(ProblemKind.WRONG_PASSWORD, v.problem!!.kind)
        assertTrue(v.problem!!.message.speech.isNotBlank())
    }
}
