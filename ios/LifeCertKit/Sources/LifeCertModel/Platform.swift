import Foundation
import LifeCertCore

// What the view model needs from the phone, as protocols: LifeCertPhone has
// the iOS implementations (AVSpeechSynthesizer, AVCaptureSession,
// NWPathMonitor); the tests have their own, and the recorded-clip camera
// (DEBUG builds) stands in for the camera on the Simulator.

/// Says the core's words aloud. It decides nothing: the core says what to
/// speak and when (`AppObserver.onSpeak`). Called on the main actor.
@MainActor
public protocol Speech: AnyObject {
    /// The language of the view being shown (the voice to use).
    func use(_ language: Language)
    /// The newest words replace whatever is still being said; none: stop.
    func say(_ words: [Message])
    /// Whether the phone has a voice for `language` (a phone may have none
    /// installed for Chinese): without one the shell says so, in writing.
    func hasVoice(for language: Language) -> Bool
}

/// Feeds the core frames while the capture screen is up: the front camera
/// (`pushFrame`), or in test builds a recorded clip. Called on the main actor;
/// frames go in on the camera's own thread.
public protocol Camera: AnyObject {
    /// The capture screen appeared. `challenge` is the steps the person was
    /// shown (a recorded clip plays them in this order; the camera ignores it).
    @MainActor func start(pushingTo core: LifeCertApp, challenge: [Action])
    /// The capture screen is gone.
    @MainActor func stop()
}

/// Tells when a network path is usable again (NWPathMonitor on the phone).
public protocol NetworkMonitor: AnyObject {
    /// `satisfied` is called on any thread, every time a path becomes usable.
    func start(satisfied: @escaping @Sendable () -> Void)
}

/// Local notifications for the core's reminders (30, 7 and 1 days before
/// each due date, for me and each relative): UNUserNotificationCenter on the
/// phone. Called on the main actor whenever Home is shown, with every
/// reminder still to come; it replaces what was scheduled before.
@MainActor
public protocol Reminding: AnyObject {
    func schedule(_ reminders: [Reminder])
}

/// The phone's parts the view model is built with.
public struct Platform {
    public var store: SecureStore
    /// The hardware-backed device key (App Attest), or nil for a key the core keeps in `store`.
    public var platformKey: PlatformKey?
    public var speech: Speech
    public var camera: Camera
    public var network: NetworkMonitor
    public var reminders: Reminding?

    public init(store: SecureStore, platformKey: PlatformKey?, speech: Speech, camera: Camera, network: NetworkMonitor,
                reminders: Reminding? = nil) {
        self.reminders = reminders
        self.store = store
        self.platformKey = platformKey
        self.speech = speech
        self.camera = camera
        self.network = network
    }
}

/// The phone's language as a first guess (`Locale.preferredLanguages.first`);
/// the person can change it in Settings, and the core keeps that choice.
public func firstLanguage(preferred: String?) -> Language {
    let preferred = preferred ?? "zh-Hans"
    guard preferred.hasPrefix("zh") else { return .en }
    let traditional = preferred.contains("Hant") || preferred.hasSuffix("-TW") || preferred.hasSuffix("-HK") || preferred.hasSuffix("-MO")
    return traditional ? .zhHant : .zhHans
}
