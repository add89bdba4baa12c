import Foundation
import LifeCertCore

/// Holds the core for the app's life (so nothing is torn down: the subscription
/// and the network monitor end with the process). The core owns all state; this
/// class only shows its views on the main actor, has its words said, runs the
/// camera while the capture screen is up, and sends taps back, off the main actor.
///
/// Not an ObservableObject (Combine is not on Linux, where this is tested):
/// `onChange` tells the one listener, the app's SwiftUI wrapper, of each change.
@MainActor
public final class AppModel {
    public enum Shell {
        case starting
        /// The core could not be created (storage or network client).
        case failed(Language)
        case showing(AppView)
    }

    public private(set) var shell: Shell = .starting {
        didSet { onChange?(shell) }
    }

    /// Called on the main actor after every change of `shell`.
    public var onChange: (@MainActor (Shell) -> Void)?

    /// nil only when the core could not be created.
    public let core: LifeCertApp?
    public let camera: Camera
    private let speech: Speech
    private let reminding: Reminding?
    private let network: NetworkMonitor
    private var subscription: LifeCertCore.Subscription?
    /// Taps reach the core in the order they were made, off the main actor.
    private let sender = DispatchQueue(label: "org.lifecert.send", qos: .userInitiated)
    /// The steps the camera-permission screen showed: the capture's challenge.
    private var challenge: [Action] = []
    private var cameraRunning = false

    /// `config` is read once here; when it or the core fails, the shell shows
    /// the start-up failure in `language`.
    public init(config: () throws -> AppConfig, language: Language, platform: Platform) {
        camera = platform.camera
        reminding = platform.reminders
        speech = platform.speech
        network = platform.network
        do {
            let config = try config()
            if let key = platform.platformKey {
                core = try LifeCertApp.withPlatformKey(config: config, store: platform.store, platformKey: key)
            } else {
                core = try LifeCertApp(config: config, store: platform.store)
            }
        } catch {
            core = nil
            shell = .failed(language)
            return
        }
        // The core's threads reach the model through the main queue, in order.
        let model = WeakModel(self)
        let forwarder = Forwarder(
            view: { view in
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { model.value?.show(view) }
                }
            },
            speak: { words in
                // The core decides what to say and when; the phone only says it.
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { model.value?.speech.say(words) }
                }
            }
        )
        subscription = core?.subscribe(observer: forwarder)

        network.start(satisfied: {
            DispatchQueue.main.async {
                MainActor.assumeIsolated { model.value?.networkIsBack() }
            }
        })

        send(.start)
    }

    /// Spoken prompts are on but the phone has no voice for the view's
    /// language: the shell shows a line saying so (id `voice-missing`).
    public func voiceMissing(_ view: AppView) -> Bool {
        view.voiceOn && !speech.hasVoice(for: view.language)
    }

    /// The view being shown, if any.
    public var view: AppView? {
        if case let .showing(view) = shell { return view }
        return nil
    }

    private func show(_ view: AppView) {
        // Home carries the due dates: keep the notifications in step with them.
        if case .home = view.screen, let core { reminding?.schedule(core.reminders()) }
        speech.use(view.language)
        followCamera(view.screen)
        shell = .showing(view)
    }

    /// The camera runs exactly while the capture screen is up.
    private func followCamera(_ screen: Screen) {
        switch screen {
        case let .cameraPermission(_, actions, _):
            challenge = actions
            stopCamera()
        case .capture:
            guard !cameraRunning, let core else { return }
            cameraRunning = true
            camera.start(pushingTo: core, challenge: challenge)
        default:
            stopCamera()
        }
    }

    /// The camera stopped mid-capture: the app went to the background, a
    /// call came, another app took the camera. The core goes back to the same
    /// steps with a word on why, rather than a capture with a gap certd would
    /// refuse. Outside a capture it does nothing.
    public func cameraInterrupted() {
        guard cameraRunning else { return }
        send(.cameraInterrupted)
    }

    private func stopCamera() {
        guard cameraRunning else { return }
        cameraRunning = false
        camera.stop()
    }

    /// Sends the offline queue now; the core also retries on its own schedule.
    private func networkIsBack() {
        guard let core, core.queuedUploads() > 0 else { return }
        send(.retryUploads)
    }

    /// A tap, as the core's `Event`: the one entry point. Sent off the main
    /// actor (sending may wait while the core hands a camera frame's change to
    /// the observers), in the order of the taps; the new view and any words
    /// come back through the observer.
    public func send(_ event: Event) {
        guard let core else { return }
        sender.async { core.send(event: event) }
    }

    /// Returns once every tap sent so far has reached the core (tests, device farms).
    public func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            sender.async { done.resume() }
        }
    }
}

/// The model, not kept alive by the core's callbacks.
private final class WeakModel: @unchecked Sendable {
    weak var value: AppModel?

    init(_ value: AppModel) {
        self.value = value
    }
}

/// The core calls this on its own threads, in order, after every change.
private final class Forwarder: AppObserver {
    private let view: @Sendable (AppView) -> Void
    private let speak: @Sendable ([Message]) -> Void

    init(view: @escaping @Sendable (AppView) -> Void, speak: @escaping @Sendable ([Message]) -> Void) {
        self.view = view
        self.speak = speak
    }

    func onView(view: AppView) {
        self.view(view)
    }

    func onSpeak(words: [Message]) {
        speak(words)
    }
}
