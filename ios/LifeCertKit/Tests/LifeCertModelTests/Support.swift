import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
private let sendSignal = Glibc.kill
#else
import Darwin
private let sendSignal = Darwin.kill
#endif
import LifeCertCore
@testable import LifeCertModel

// The journeys' surroundings, as in the Kotlin suite (android/.../JourneyTest.kt):
// a real certd with the demo roster, clipgen rendering a real photo doing each
// action, and in-memory stand-ins for the phone's Keychain, voice and network.

/// Paths from the environment scripts/swift.sh sets (LIFECERT_REPO,
/// LIFECERT_TARGET_DIR), else from this file's place in the repository.
enum Paths {
    static let repo: URL = {
        if let dir = ProcessInfo.processInfo.environment["LIFECERT_REPO"] { return URL(fileURLWithPath: dir) }
        // ios/LifeCertKit/Tests/LifeCertModelTests/Support.swift
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        return url
    }()
    static let target: URL = {
        if let dir = ProcessInfo.processInfo.environment["LIFECERT_TARGET_DIR"] { return URL(fileURLWithPath: dir) }
        return repo.appendingPathComponent("target")
    }()
    static let faces = repo.appendingPathComponent("tests/fixtures/faces")
    static let certd = target.appendingPathComponent("debug/certd")
    static let clipgen = target.appendingPathComponent("debug/clipgen")
}

func temporaryDirectory(_ prefix: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The environment of certd and clipgen: scripts/swift.sh runs them, built
/// on the Debian 12 host, in the trixie chroot with the host's copies of the
/// libraries they link (LIFECERT_HOST_LIBS); the test process does not load those.
func hostToolEnvironment() -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    if let libs = environment["LIFECERT_HOST_LIBS"] {
        environment["LD_LIBRARY_PATH"] = libs
    }
    return environment
}

/// Runs a program to the end; its exit status and what it printed.
@discardableResult
func run(_ program: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    process.environment = hostToolEnvironment()
    let log = try temporaryDirectory("run").appendingPathComponent("log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: log.deletingLastPathComponent())
    return (process.terminationStatus, output)
}

/// `certd demo` (the sample roster, template photos) on a free port with a
/// fresh data folder: one shared by the tests, or a test's own, which it can
/// stop and start again on the same port and data (a phone losing its server).
final class Certd {
    static let shared = Result { try Certd() }

    private(set) var url = ""
    let data: URL
    private var process: Process?
    private var port = 0

    init() throws {
        data = try temporaryDirectory("certd-swift")
        try start()
        if Certd.exitHook == nil {
            // Ended with the test process (XCTest has no suite-wide teardown on Linux).
            Certd.exitHook = ()
            atexit { Certd.stopShared() }
        }
    }

    private static var exitHook: Void?

    /// Starts certd, on the port it had before if it ran before.
    func start() throws {
        let log = data.appendingPathComponent("certd.log")
        try? FileManager.default.removeItem(at: log)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = Paths.certd
        process.arguments = ["demo", "--listen", "127.0.0.1:\(port)", "--data", data.path]
        process.environment = hostToolEnvironment()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on ") }),
               let range = line.range(of: "http://") {
                url = String(line[range.lowerBound...])
                port = Int(url.split(separator: ":").last ?? "") ?? 0
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        process.terminate()
        throw Failure("certd did not start: " + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
    }

    /// The server goes away as in a power cut (no goodbye).
    func kill() {
        guard let process, process.isRunning else { return }
        _ = sendSignal(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stopped, and its data gone.
    func close() {
        kill()
        try? FileManager.default.removeItem(at: data)
    }

    static func stopShared() {
        guard case let .success(certd) = shared else { return }
        certd.close()
    }

    /// An agency tool on the running server's data (`certd verify-account ...`).
    func counter(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, output) = try run(Paths.certd, ["--data", data.path] + arguments)
        XCTAssertEqual(status, 0, "certd \(arguments): \(output)", file: file, line: line)
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// clipgen's clips of one photo, one folder per action (the layout the
/// recorded-clip camera of test builds plays), rendered once per test run.
enum Clips {
    private static let lock = NSLock()
    private static var folders: [String: URL] = [:]

    static func folder(photo: String, actions: [Action]) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        let root: URL
        if let known = folders[photo] {
            root = known
        } else {
            root = try temporaryDirectory("clips-\(photo)")
            folders[photo] = root
        }
        for action in actions {
            let name = RecordedClipCamera.clipName(action)
            let out = root.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: out.path) { continue }
            let (status, output) = try run(Paths.clipgen, [
                "--photo", Paths.faces.appendingPathComponent(photo).path,
                "--landmarks", Paths.faces.appendingPathComponent("reference_landmarks.json").path,
                "--script", name, "--jpeg", "92", "--out", out.path,
            ])
            guard status == 0 else { throw Failure("clipgen \(name): \(output)") }
        }
        return root
    }
}

/// What the Keychain wrapper does, in memory.
final class MemoryStore: SecureStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Data] = [:]

    func get(key: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return values[key]
    }

    func put(key: String, value: Data) throws {
        lock.lock()
        values[key] = value
        lock.unlock()
    }

    func delete(key: String) throws {
        lock.lock()
        values[key] = nil
        lock.unlock()
    }
}

/// The voice: every word it was told to say, in order, and the languages it was set to.
@MainActor
final class RecordingSpeech: Speech {
    var said: [Message] = []
    var languages: [Language] = []
    var voices: Set<Language> = [.zhHans, .zhHant, .en]

    func hasVoice(for language: Language) -> Bool {
        voices.contains(language)
    }

    func use(_ language: Language) {
        if languages.last != language { languages.append(language) }
    }

    func say(_ words: [Message]) {
        said.append(contentsOf: words)
    }
}

/// A network monitor the test switches on.
/// What the phone's notification scheduler was asked to schedule, each time.
@MainActor
final class RecordingReminders: Reminding {
    var scheduled: [[Reminder]] = []
    func schedule(_ reminders: [Reminder]) { scheduled.append(reminders) }
}

final class ManualNetwork: NetworkMonitor, @unchecked Sendable {
    private var satisfied: (@Sendable () -> Void)?

    func start(satisfied: @escaping @Sendable () -> Void) {
        self.satisfied = satisfied
    }

    func comeBack() {
        satisfied?()
    }
}

/// The recorded-clip camera of test builds, counting how the view model
/// starts and stops it; `film` changes the clip it plays next.
@MainActor
final class CountingCamera: Camera {
    private(set) var clip: RecordedClipCamera
    var starts: [[Action]] = []
    var stops = 0

    init(clip: RecordedClipCamera) {
        self.clip = clip
    }

    /// Plays `folder`'s clips from the next start, frames going in with the
    /// testing build's `pushEncoded` as fast as the core takes them.
    static func recordedClip(_ folder: URL) -> RecordedClipCamera {
        RecordedClipCamera(folder: folder, realTime: false) { core, jpeg, ms in
            try core.pushEncoded(image: jpeg, timestampMs: ms)
        }
    }

    func film(_ folder: URL) {
        clip = Self.recordedClip(folder)
    }

    func start(pushingTo core: LifeCertApp, challenge: [Action]) {
        starts.append(challenge)
        clip.start(pushingTo: core, challenge: challenge)
    }

    func stop() {
        stops += 1
        clip.stop()
    }
}

/// One phone: the view model with in-memory parts, against the shared certd;
/// its camera plays recorded clips.
@MainActor
final class Phone {
    let model: AppModel
    let speech = RecordingSpeech()
    let network = ManualNetwork()
    let reminders = RecordingReminders()
    let camera: CountingCamera
    /// Every view the shell was told to draw, in order.
    private(set) var seen: [AppView] = []
    private let storage: URL

    /// Against `certd`, by default the one the tests share.
    init(certd: Certd? = nil, language: Language = .zhHans) throws {
        let certd = try certd ?? Certd.shared.get()
        storage = try temporaryDirectory("lifecert-phone")
        camera = CountingCamera(clip: CountingCamera.recordedClip(storage.appendingPathComponent("no-clip")))
        model = AppModel(
            config: { [storage] in
                AppConfig(serverUrl: certd.url, storageDir: storage.path, language: language, receiptPublicKey: nil)
            },
            language: language,
            platform: Platform(store: MemoryStore(), platformKey: nil, speech: speech, camera: camera, network: network,
                               reminders: reminders)
        )
        model.onChange = { [weak self] shell in
            if case let .showing(view) = shell { self?.seen.append(view) }
        }
    }

    var core: LifeCertApp {
        get throws {
            guard let core = model.core else { throw Failure("the core did not start") }
            return core
        }
    }

    var view: AppView? { model.view }

    /// A tap, then the view once everything it started has finished and the
    /// shell has been told (the model's view is the core's).
    @discardableResult
    func tap(_ event: Event, file: StaticString = #filePath, line: UInt = #line) async throws -> AppView {
        model.send(event)
        return try await settle(file: file, line: line)
    }

    /// Waits for the core to be idle and the model to show what the core shows.
    func settle(file: StaticString = #filePath, line: UInt = #line) async throws -> AppView {
        await model.flush()
        let core = try self.core
        let want = await core.settle()
        let shown = try await until("the shell shows \(want.screen)", file: file, line: line) {
            self.model.view.map { "\($0)" } == "\(want)"
        }
        _ = shown
        return try XCTUnwrap(model.view, file: file, line: line)
    }

    /// Polls `condition` on the main actor (the view model's updates arrive
    /// on the main queue) for up to `seconds`.
    @discardableResult
    func until(_ what: String, seconds: Double = 120, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let state = "showing \(model.view.map { "\($0.screen)" } ?? "nothing"), problem \(String(describing: model.view?.problem)), "
            + "the camera played \(camera.clip.framesPlayed) of \(camera.clip.frames(for: camera.starts.last ?? []).count) frames"
        XCTFail("timed out: \(what); \(state)", file: file, line: line)
        throw Failure("timed out: \(what)")
    }
}
