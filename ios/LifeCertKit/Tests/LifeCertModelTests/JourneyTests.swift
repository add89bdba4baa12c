import Foundation
import XCTest
import LifeCertCore
@testable import LifeCertModel

/// The app's journeys through the view model the iOS app ships, written like
/// device-farm UI tests and the same as the Kotlin ones
/// (android/desktop/.../JourneyTest.kt): each step is a tap the shell sends,
/// each check is what the screen would show or the phone would say. A real
/// certd runs beside the tests; the recorded-clip camera of test builds
/// plays clipgen's renderings of a real photo doing each step.
@MainActor
final class JourneyTests: XCTestCase {
    /// The replay cannot open the astronaut's mouth (see tests/support/replay.rs).
    private func canAct(_ photo: String, _ actions: [Action]) -> Bool {
        !(photo == "astronaut.jpg" && actions.contains(.openMouth))
    }

    /// From the camera-permission screen: a challenge the photo can act
    /// (asking for another while not), the camera, the clip, the answer.
    private func film(_ phone: Phone, photo: String, from start: AppView) async throws -> AppView {
        var view = start
        for _ in 0..<10 {
            guard case let .cameraPermission(_, actions, templatePhoto) = view.screen else {
                throw Failure("not the camera screen: \(view.screen), \(String(describing: view.problem))")
            }
            // The template photo is shown with the steps (a small JPEG).
            let template = try XCTUnwrap(templatePhoto)
            XCTAssertTrue(template.count > 500 && template.prefix(2) == Data([0xFF, 0xD8]))
            if canAct(photo, actions) {
                phone.camera.film(try Clips.folder(photo: photo, actions: actions))
                let starts = phone.camera.starts.count
                phone.model.send(.cameraReady)
                // The capture screen came and the view model started the camera
                // with the steps shown (the clip may finish before this looks).
                try await phone.until("the camera starts") { phone.camera.starts.count == starts + 1 }
                XCTAssertEqual(phone.camera.starts.last, actions)
                XCTAssertTrue(phone.seen.contains { if case .capture = $0.screen { return true } else { return false } })
                // The clip plays until the capture ends, then the camera stops.
                try await phone.until("the capture ends") {
                    switch phone.view?.screen {
                    case .capture?, .cameraPermission?: return false
                    default: return true
                    }
                }
                let result = try await phone.settle()
                XCTAssertEqual(phone.camera.stops, phone.camera.starts.count, "the camera stops with the capture")
                XCTAssertGreaterThan(phone.camera.clip.framesPlayed, 10)
                return result
            }
            view = try await phone.tap(.retry)
        }
        throw Failure("no challenge the replay can act")
    }

    /// Who -> consent -> camera -> replay -> answer.
    private func certify(_ phone: Phone, personId: String, photo: String) async throws -> AppView {
        phone.model.send(.chooseWho)
        let consent = try await phone.tap(.select(personId: personId))
        guard case .consent = consent.screen else { throw Failure("no consent: \(consent.screen)") }
        let camera = try await phone.tap(.giveConsent)
        return try await film(phone, photo: photo, from: camera)
    }

    /// 赵桂兰 signs up and agrees; returns the steps on her camera screen.
    private func toCamera(_ phone: Phone) async throws -> [Action] {
        let me = try await signUp(phone, name: "赵桂兰", id: "110105194812090023")
        phone.model.send(.chooseWho)
        _ = try await phone.tap(.select(personId: me.personId))
        let camera = try await phone.tap(.giveConsent)
        guard case let .cameraPermission(_, actions, _) = camera.screen else { throw Failure("no camera screen: \(camera.screen)") }
        return actions
    }

    private func signUp(_ phone: Phone, name: String, id: String) async throws -> PersonCard {
        phone.model.send(.showRegister)
        let view = try await phone.tap(.register(name: name, idNumber: id, password: "lifecert2026", mobile: "13900139000",
                                                 mobileAgain: "13900139000", termsAccepted: true))
        guard case let .home(me, _, _, _, _) = view.screen else {
            throw Failure("not home: \(view.screen), \(String(describing: view.problem))")
        }
        return me
    }

    func testAnElderlyUserCertifiesHerselfHearingEveryStepAndFindsTheReceiptInHerRecords() async throws {
        let phone = try Phone()
        let me = try await signUp(phone, name: "赵桂兰", id: "110105194812090023")
        let view = try await certify(phone, personId: me.personId, photo: "grace_hopper.jpg")
        guard case let .result(_, kind, _, _, receiptVerified, receiptCode, nextDue) = view.screen else {
            throw Failure("no result: \(view.screen)")
        }
        XCTAssertEqual(kind, .passed)
        XCTAssertTrue(receiptVerified)
        XCTAssertNotNil(nextDue)
        // The receipt a bank counter scans: its line, and the QR code as a PNG.
        let code = try XCTUnwrap(receiptCode)
        XCTAssertTrue(code.hasPrefix("LCR1."), code)
        let png = receiptQrPng(text: code)
        XCTAssertTrue(png.count > 100 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a PNG of \(png.count) bytes")
        // Every screen she passed through had something to say aloud, and the voice said it.
        XCTAssertTrue(phone.seen.allSatisfy { !$0.instruction.speech.trimmingCharacters(in: .whitespaces).isEmpty })
        let said = phone.speech.said.map(\.key)
        for key in ["instruction.home", "instruction.consent", "instruction.capture", "upload.checking"] {
            XCTAssertTrue(said.contains(key), "\(key) not said: \(said)")
        }
        let prompts = Set(said.filter { $0.hasPrefix("liveness.") })
        XCTAssertGreaterThanOrEqual(prompts.count, 3, "spoken prompts: \(prompts)")
        // The result was said, and nothing twice in a row.
        let last = try XCTUnwrap(said.last)
        XCTAssertTrue(last.hasPrefix("result.") || last.hasPrefix("api."), "last said: \(last)")
        let repeated = zip(said, said.dropFirst()).filter { $0 == $1 && !$0.hasPrefix("liveness.") && !$0.hasPrefix("quality.") }
        XCTAssertTrue(repeated.isEmpty, "\(said)")
        XCTAssertEqual(phone.speech.languages, [.zhHans])

        let records = try await phone.tap(.showRecords)
        guard case let .records(rows) = records.screen else { throw Failure("no records: \(records.screen)") }
        XCTAssertEqual(rows.count, 1)
        XCTAssertTrue(rows.first?.summary.display.hasPrefix("✔") == true, "not colour alone")
        XCTAssertFalse(try phone.core.reminders().isEmpty)
        // Home after the certification: the notifications follow the new due date.
        _ = try await phone.tap(.refreshHome)
        XCTAssertEqual(phone.reminders.scheduled.last, try phone.core.reminders(), "scheduled as the core gives them")
    }

    func testASonCertifiesHisMotherAfterSheAgreesFirstWithTheWrongFaceThenWithHers() async throws {
        let certd = try Certd.shared.get()
        let son = try Phone()
        _ = try await signUp(son, name: "王建国", id: "110105197506010017")
        // Staff saw his ID card: his account is his (he has no photo to match).
        try certd.counter("verify-account", "110105197506010017")
        try await son.tap(.refreshHome)
        son.model.send(.showAddRelative)
        let added = try await son.tap(.addRelative(name: "陈秀华", idNumber: "440604195303150026", relation: "母亲"))
        guard case let .home(_, relatives, _, _, _) = added.screen, relatives.count == 1, let mother = relatives.first else {
            throw Failure("no relative: \(added.screen), \(String(describing: added.problem))")
        }
        XCTAssertTrue(mother.bindingPending && !mother.canCertify)

        // She agrees in her own app.
        let her = try Phone()
        _ = try await signUp(her, name: "陈秀华", id: "440604195303150026")
        // Only a verified account agrees (a self-certification would do too).
        try certd.counter("verify-account", "440604195303150026")
        let hers = try await her.tap(.refreshHome)
        guard case let .home(_, _, requests, _, _) = hers.screen, requests.count == 1, let request = requests.first else {
            throw Failure("no request: \(hers.screen)")
        }
        try await her.tap(.acceptRequest(bindingId: request.bindingId))
        try await son.tap(.refreshHome)

        let wrong = try await certify(son, personId: mother.personId, photo: "grace_hopper.jpg")
        guard case let .result(_, kind, _, advice, _, _, _) = wrong.screen else { throw Failure("no result: \(wrong.screen)") }
        XCTAssertEqual(kind, .failed)
        XCTAssertTrue(advice?.display.contains("派出所") == true, "tells them where to go: \(String(describing: advice))")

        // A failure, then a retry from the result screen.
        let again = try await son.tap(.retry)
        let right = try await film(son, photo: "astronaut.jpg", from: again)
        guard case let .result(_, kindAgain, _, _, _, _, _) = right.screen else { throw Failure("no result: \(right.screen)") }
        XCTAssertEqual(kindAgain, .passed)
        let records = try await son.tap(.showRecords)
        guard case let .records(rows) = records.screen else { throw Failure("no records: \(records.screen)") }
        XCTAssertEqual(rows.map(\.kind), [.passed, .failed])
    }

    func testAWrongPasswordIsSaidPlainlyAndTheFormStays() async throws {
        let phone = try Phone()
        phone.model.send(.showLogIn)
        let view = try await phone.tap(.logIn(idNumber: "330502195207200026", password: "not-her-password1"))
        guard case .logIn = view.screen else { throw Failure("not the log-in form: \(view.screen)") }
        let problem = try XCTUnwrap(view.problem)
        XCTAssertEqual(problem.kind, .wrongPassword)
        XCTAssertFalse(problem.message.speech.isEmpty)
        // The problem was said aloud, once.
        XCTAssertEqual(phone.speech.said.filter { $0.key == problem.message.key }.count, 1, "\(phone.speech.said.map(\.key))")
    }

    func testAPhoneWithoutAChineseVoiceSaysSoInWritingUntilTheVoiceIsOff() async throws {
        let phone = try Phone()
        phone.speech.voices = [.en]
        let welcome = try await phone.settle()
        XCTAssertTrue(welcome.voiceOn)
        XCTAssertTrue(phone.model.voiceMissing(welcome), "no zh-CN voice, prompts on")
        let english = try await phone.tap(.setLanguage(language: .en))
        XCTAssertEqual(english.language, .en)
        XCTAssertFalse(phone.model.voiceMissing(english), "there is an English voice")
        try await phone.tap(.setLanguage(language: .zhHans))
        let silent = try await phone.tap(.setVoice(on: false))
        XCTAssertFalse(silent.voiceOn)
        XCTAssertFalse(phone.model.voiceMissing(silent), "prompts off: nothing is missing")
        XCTAssertEqual(phone.speech.languages, [.zhHans, .en, .zhHans])
    }

    func testSheCorrectsHerAddressAMalformedPostCodeIsSaidAndTheAgencyKeepsTheFixedOne() async throws {
        let certd = try Certd()
        defer { certd.close() }
        let phone = try Phone(certd: certd)
        let me = try await signUp(phone, name: "刘淑珍", id: "330502195207200026")
        let form = try await phone.tap(.showContact(personId: me.personId))
        guard case .contact(_, _, false) = form.screen else { throw Failure("not the contact form: \(form.screen)") }
        let refused = try await phone.tap(.saveContact(address: "浙江省绍兴市越城区府山街道1号", postCode: "31200", mobile: "13912345678"))
        guard case .contact(_, _, false) = refused.screen else { throw Failure("left the form: \(refused.screen)") }
        let problem = try XCTUnwrap(refused.problem)
        XCTAssertEqual(problem.kind, .invalidInput)
        XCTAssertTrue(phone.speech.said.contains { $0.key == problem.message.key }, "the problem is said aloud")
        let saved = try await phone.tap(.saveContact(address: "浙江省绍兴市越城区府山街道1号", postCode: "312000", mobile: "139 1234 5678"))
        guard case let .contact(_, kept, true) = saved.screen else { throw Failure("not saved: \(saved.screen)") }
        XCTAssertEqual(kept.mobile, "13912345678")
        XCTAssertNil(saved.problem)
    }

    func testAPensionerWithNoTemplatePhotoIsToldWhereToGoInsteadOfAScanThatCannotPass() async throws {
        let certd = try Certd()
        defer { certd.close() }
        let phone = try Phone(certd: certd)
        // On the demo roster without a template photo (建模 not done).
        let me = try await signUp(phone, name: "刘淑珍", id: "330502195207200026")
        phone.model.send(.chooseWho)
        let view = try await phone.tap(.select(personId: me.personId))
        guard case let .blocked(_, problem) = view.screen else { throw Failure("not blocked: \(view.screen)") }
        XCTAssertFalse(problem.message.display.isEmpty)
        XCTAssertTrue(phone.speech.said.contains { $0.key == problem.message.key }, "the reason is said aloud")
        let home = try await phone.tap(.refreshHome)
        guard case .home = home.screen else { throw Failure("not home: \(home.screen)") }
        XCTAssertTrue(phone.camera.starts.isEmpty, "no camera for a scan that cannot pass")
    }

    /// What the app does when it goes to the background or the camera is taken
    /// mid-capture (LifeCertApp.swift, CameraFeed's interruption observer).
    func testSentToTheBackgroundMidCaptureSheIsBackAtTheSameStepsAndThenPasses() async throws {
        let certd = try Certd()
        defer { certd.close() }
        let phone = try Phone(certd: certd)
        let actions = try await toCamera(phone)
        phone.model.cameraInterrupted() // not capturing yet: nothing happens
        phone.camera.film(try Clips.folder(photo: "grace_hopper.jpg", actions: actions))
        phone.model.send(.cameraReady)
        try await phone.until("the camera starts") { phone.camera.starts.count == 1 }
        phone.model.cameraInterrupted()
        try await phone.until("back at the camera screen") {
            if case .cameraPermission = phone.view?.screen { return true }
            return false
        }
        let back = try XCTUnwrap(phone.view)
        guard case let .cameraPermission(_, again, _) = back.screen else { throw Failure("\(back.screen)") }
        XCTAssertEqual(again, actions, "the same steps, not a new challenge")
        XCTAssertEqual(back.problem?.message.key, "attempt.interrupted")
        XCTAssertEqual(phone.camera.stops, 1, "the camera stops with the capture")
        let result = try await film(phone, photo: "grace_hopper.jpg", from: back)
        guard case let .result(_, kind, _, _, _, _, _) = result.screen else { throw Failure("no result: \(result.screen)") }
        XCTAssertEqual(kind, .passed)
    }

    /// The network monitor's part: when a path is back, the view model sends
    /// what waited (the Android journey taps "send now" instead).
    func testOfflineAtUploadTheCertificationWaitsOnThePhoneAndGoesWhenTheNetworkIsBack() async throws {
        let certd = try Certd()
        defer { certd.close() }
        let phone = try Phone(certd: certd)
        let actions = try await toCamera(phone)
        phone.camera.film(try Clips.folder(photo: "grace_hopper.jpg", actions: actions))
        // A path comes and goes while nothing waits: nothing is sent.
        phone.network.comeBack()
        // The challenge is on the phone; the server goes down before the capture.
        certd.kill()
        phone.model.send(.cameraReady)
        try await phone.until("the certification waits on the phone") {
            if case .queuedOffline = phone.view?.screen { return true }
            return false
        }
        XCTAssertEqual(try phone.core.queuedUploads(), 1)
        // Home cannot be fetched while the server is down: the screen stays, with a word on why.
        let stays = try await phone.tap(.refreshHome)
        guard case .queuedOffline = stays.screen else { throw Failure("left the queued screen: \(stays.screen)") }
        XCTAssertNotNil(stays.problem)
        XCTAssertEqual(try phone.core.queuedUploads(), 1)

        // The server stays down past the core's own first retry (15 s backoff,
        // checked every 5 s): its next one is 30 s later, so a queue sent
        // sooner was sent by the view model.
        try await Task.sleep(nanoseconds: 21_000_000_000)
        XCTAssertEqual(try phone.core.queuedUploads(), 1)

        // Back online: the monitor reports a path, the view model sends what
        // waited at once, and nothing is captured again.
        try certd.start()
        let starts = phone.camera.starts.count
        phone.network.comeBack()
        try await phone.until("the view model sends the queue when the network is back", seconds: 15) {
            (try? phone.core.queuedUploads()) == 0
        }
        _ = try await phone.settle()
        XCTAssertEqual(phone.camera.starts.count, starts)
        let records = try await phone.tap(.showRecords)
        guard case let .records(rows) = records.screen else { throw Failure("no records: \(records.screen)") }
        XCTAssertEqual(rows.map(\.kind), [.passed])
        XCTAssertTrue(rows.first?.summary.display.hasPrefix("✔") == true, "\(rows)")
    }
}
