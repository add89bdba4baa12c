import Foundation
import XCTest
import LifeCertCore
@testable import LifeCertModel

/// The view model's own decisions, without certd. (Async, as every test on
/// the main actor must be for XCTest's discovery on Linux.)
@MainActor
final class ModelTests: XCTestCase {
    func testACoreThatCannotStartShowsTheStartUpFailureInThePhonesLanguage() async throws {
        struct NoStorage: Error {}
        let speech = RecordingSpeech()
        let model = AppModel(
            config: { throw NoStorage() },
            language: .zhHant,
            platform: Platform(store: MemoryStore(), platformKey: nil, speech: speech,
                               camera: CountingCamera(clip: CountingCamera.recordedClip(URL(fileURLWithPath: "/nonexistent"))),
                               network: ManualNetwork())
        )
        XCTAssertNil(model.core)
        guard case .failed(.zhHant) = model.shell else { return XCTFail("\(model.shell)") }
        XCTAssertFalse(ScreenLabels.of(.zhHant).startupFailed.isEmpty)
    }

    func testTheFirstLanguageFollowsThePhone() async {
        XCTAssertEqual(firstLanguage(preferred: "zh-Hans-CN"), .zhHans)
        XCTAssertEqual(firstLanguage(preferred: "zh-Hant-TW"), .zhHant)
        XCTAssertEqual(firstLanguage(preferred: "zh-HK"), .zhHant)
        XCTAssertEqual(firstLanguage(preferred: "en-GB"), .en)
        XCTAssertEqual(firstLanguage(preferred: nil), .zhHans)
    }

    func testEveryLabelComesFromTheCoreInEachLanguage() async {
        let zh = ScreenLabels.of(.zhHans)
        let en = ScreenLabels.of(.en)
        for (a, b) in [(zh.logIn, en.logIn), (zh.retry, en.retry), (zh.allowCamera, en.allowCamera)] {
            XCTAssertFalse(a.isEmpty)
            XCTAssertNotEqual(a, b, "the same words in two languages")
        }
        XCTAssertTrue(zh.step(1, 3).contains("3"), zh.step(1, 3))
        XCTAssertTrue(en.queued(2).contains("2"), en.queued(2))
        XCTAssertNotEqual(zh.action(.blink), zh.action(.nod))
    }

    /// The Simulator's camera: `-LifeCertClip NAME` names a bundled folder,
    /// whose per-action clips play in the challenge's order.
    func testTheRecordedClipFollowsTheLaunchArgumentAndTheChallenge() async throws {
        let clips = try temporaryDirectory("TestClips")
        let clip = clips.appendingPathComponent("grace")
        for action in ["blink", "left", "mouth"] {
            let dir = clip.appendingPathComponent(action)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for i in [1, 0, 2] {
                try Data([UInt8(i)]).write(to: dir.appendingPathComponent("frame_00\(i).jpg"))
            }
            try Data().write(to: dir.appendingPathComponent("truth.json"))
        }
        XCTAssertNil(RecordedClipCamera.folder(arguments: ["LifeCert"], clips: clips))
        XCTAssertNil(RecordedClipCamera.folder(arguments: ["LifeCert", "-LifeCertClip", "nobody"], clips: clips))
        let folder = try XCTUnwrap(RecordedClipCamera.folder(arguments: ["LifeCert", "-LifeCertClip", "grace"], clips: clips))
        XCTAssertEqual(folder.standardizedFileURL.path, clip.standardizedFileURL.path)

        let camera = CountingCamera.recordedClip(folder)
        let played = camera.frames(for: [.turnLeft, .blink]).map { "\($0.deletingLastPathComponent().lastPathComponent)/\($0.lastPathComponent)" }
        XCTAssertEqual(played, ["left/frame_000.jpg", "left/frame_001.jpg", "left/frame_002.jpg",
                                "blink/frame_000.jpg", "blink/frame_001.jpg", "blink/frame_002.jpg"])
        // An action the folder has no clip of plays nothing for it.
        XCTAssertEqual(camera.frames(for: [.nod]), [])
        try FileManager.default.removeItem(at: clips)
    }

    /// The SwiftUI views (built by Xcode only) use exactly the element ids of
    /// shells/element-ids.txt, which device-farm scripts read; an id ending in
    /// '-' takes an index or a language there, as `\(...)` does here.
    func testTheViewsUseExactlyTheSharedElementIds() async throws {
        let listed = Set(try String(contentsOf: Paths.repo.appendingPathComponent("shells/element-ids.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") })
        let views = try String(contentsOf: Paths.repo.appendingPathComponent("ios/LifeCert/Views.swift"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"(?:accessibilityIdentifier\(|\bid: )"([^"]+)""#)
        var used = Set<String>()
        for match in pattern.matches(in: views, range: NSRange(views.startIndex..., in: views)) {
            guard let range = Range(match.range(at: 1), in: views) else { continue }
            var id = String(views[range])
            if let interpolation = id.range(of: "\\(") { id = String(id[..<interpolation.lowerBound]) }
            used.insert(id)
        }
        XCTAssertGreaterThan(used.count, 50)
        XCTAssertEqual(used.subtracting(listed).sorted(), [], "used by the iOS views but not in shells/element-ids.txt")
        XCTAssertEqual(listed.subtracting(used).sorted(), [], "in shells/element-ids.txt but not in the iOS views")
    }
}
