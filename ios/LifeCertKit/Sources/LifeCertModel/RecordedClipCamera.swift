#if DEBUG
import Foundation
import LifeCertCore

/// The camera of test builds only (DEBUG; a release build has no way to feed
/// the core frames from files): plays a recorded clip instead, since the
/// Simulator has no camera. Device farms launch the app with
/// `-LifeCertClip NAME`, NAME a folder under the app's bundled `TestClips/`.
///
/// A clip folder holds either the frames of one fixed clip (`frame_*.jpg` or
/// `.png`, played in name order), or one subfolder per action named as
/// clipgen names them (`blink`, `mouth`, `left`, `right`, `nod`), each a
/// short clip of the face doing that action between neutral pauses: these
/// are played in the order of the challenge certd chose, so any challenge
/// can be answered. Frames go in on the clip's own thread at `fps`, with
/// timestamps at that rate, until the clip ends or `stop()`. The clip starts
/// when the core's capture does: while the core answers `NotCapturing` to the
/// first frame (its engine still loading) that frame is offered again, so
/// the clip's neutral lead-in is never lost.
public final class RecordedClipCamera: Camera, @unchecked Sendable {
    /// Hands one encoded upright frame to the core: on iOS decoded to BGRA
    /// and passed to `pushFrame` (LifeCertPhone), in the Linux tests
    /// `pushEncoded` of the core's testing build.
    public typealias Push = (_ core: LifeCertApp, _ encoded: Data, _ timestampMs: UInt64) throws -> Void

    public let folder: URL
    private let fps: Double
    private let realTime: Bool
    private let push: Push
    private let lock = NSLock()
    /// Bumped by every start and stop: a playing thread ends when it changes.
    private var generation = 0
    private var playedFrames = 0

    /// `realTime: false` pushes frames as fast as the core takes them (tests).
    public init(folder: URL, fps: Double = 15, realTime: Bool = true, push: @escaping Push) {
        self.folder = folder
        self.fps = fps
        self.realTime = realTime
        self.push = push
    }

    /// The clip named by `-LifeCertClip NAME` in `arguments`, as a folder under
    /// `clips` (the bundle's TestClips); nil when there is no such argument or folder.
    public static func folder(arguments: [String], clips: URL?) -> URL? {
        guard let i = arguments.firstIndex(of: "-LifeCertClip"), i + 1 < arguments.count, let clips else { return nil }
        let folder = clips.appendingPathComponent(arguments[i + 1], isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return folder
    }

    /// The frame files to play for `challenge`, in order.
    public func frames(for challenge: [Action]) -> [URL] {
        let fixed = Self.frameFiles(in: folder)
        if !fixed.isEmpty { return fixed }
        return challenge.flatMap { Self.frameFiles(in: folder.appendingPathComponent(Self.clipName($0), isDirectory: true)) }
    }

    /// Frames pushed since the last start.
    public var framesPlayed: Int {
        lock.lock()
        defer { lock.unlock() }
        return playedFrames
    }

    @MainActor
    public func start(pushingTo core: LifeCertApp, challenge: [Action]) {
        let files = frames(for: challenge)
        lock.lock()
        generation += 1
        let mine = generation
        playedFrames = 0
        lock.unlock()
        let thread = Thread { [self] in
            var started: Date?
            for (i, file) in files.enumerated() {
                guard playing(mine), let data = try? Data(contentsOf: file) else { return }
                let due = Double(i) / fps
                if realTime, let started {
                    let wait = due - Date().timeIntervalSince(started)
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
                while true {
                    do {
                        try push(core, data, UInt64(due * 1000))
                    } catch CaptureError.NotCapturing where started == nil {
                        // The capture has not started yet: the same frame again soon.
                        Thread.sleep(forTimeInterval: 0.02)
                        guard playing(mine) else { return }
                        continue
                    } catch CaptureError.NotCapturing, CaptureError.EngineUnavailable {
                        return // the capture is over
                    } catch {
                        // As with the camera: a frame the core refuses is for the log only.
                    }
                    break
                }
                if started == nil { started = Date() }
                lock.lock()
                if generation == mine { playedFrames += 1 }
                lock.unlock()
            }
        }
        thread.name = "org.lifecert.recorded-clip"
        thread.start()
    }

    @MainActor
    public func stop() {
        lock.lock()
        generation += 1
        lock.unlock()
    }

    private func playing(_ mine: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return generation == mine
    }

    private static func frameFiles(in dir: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names
            .filter { $0.hasPrefix("frame_") && ($0.hasSuffix(".jpg") || $0.hasSuffix(".png")) }
            .sorted()
            .map { dir.appendingPathComponent($0) }
    }

    /// clipgen's name for each action (`clipgen --script blink,left,...`).
    public static func clipName(_ action: Action) -> String {
        switch action {
        case .blink: return "blink"
        case .openMouth: return "mouth"
        case .turnLeft: return "left"
        case .turnRight: return "right"
        case .nod: return "nod"
        }
    }
}
#endif
