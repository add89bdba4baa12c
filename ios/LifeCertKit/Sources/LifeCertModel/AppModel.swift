import Foundation
import Network
import SwiftUI
import LifeCertCore

/// Holds the core for the app's life (so nothing is torn down: the subscription
/// and the network monitor end with the process). The core owns all state; this
/// class only publishes its views on the main actor and sends taps back, off it.
@MainActor
final class AppModel: ObservableObject {
    enum Shell {
        case starting
        /// The core could not be created (storage or network client).
        case failed(Language)
        case showing(AppView)
    }

    @Published private(set) var shell: Shell = .starting

    /// nil only when the core could not be created.
    let core: LifeCertApp?
    private var subscription: LifeCertCore.Subscription?
    private let speaker = Speaker()
    private let network = NWPathMonitor()

    init() {
        let language = Self.systemLanguage()
        do {
            core = try LifeCertApp.withPlatformKey(
                config: Self.config(language: language),
                store: KeychainSecureStore(),
                platformKey: AppAttestDeviceKey()
            )
        } catch {
            core = nil
            shell = .failed(language)
            return
        }
        let forwarder = Forwarder(
            view: { [weak self] view in
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { if let self { self.show(view) } }
                }
            },
            speak: { [weak self] words in
                // The core decides what to say and when; the phone only says it.
                DispatchQueue.main.async {
                    MainActor.assumeIsolated { if let self { self.speaker.say(words) } }
                }
            }
        )
        subscription = core?.subscribe(observer: forwarder)

        network.pathUpdateHandler = { [weak self] path in
            guard path.status == .satisfied else { return }
            DispatchQueue.main.async {
                MainActor.assumeIsolated { if let self { self.networkIsBack() } }
            }
        }
        network.start(queue: DispatchQueue(label: "org.lifecert.network"))

        send(.start)
    }

    private func show(_ view: AppView) {
        speaker.use(view.language)
        shell = .showing(view)
    }

    /// Sends the offline queue now; the core also retries on its own schedule.
    private func networkIsBack() {
        guard let core, core.queuedUploads() > 0 else { return }
        send(.retryUploads)
    }

    /// A tap, as the core's `Event`: the one entry point. Sent off the main
    /// actor (sending may wait while the core hands a camera frame's change to
    /// the observers); the new view and any words come back through the observer.
    func send(_ event: Event) {
        guard let core else { return }
        Task.detached(priority: .userInitiated) { core.send(event: event) }
    }

    // MARK: Setup

    private static func config(language: Language) throws -> AppConfig {
        let info = Bundle.main.infoDictionary ?? [:]
        let key = (info["LifeCertReceiptPublicKey"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return AppConfig(
            serverUrl: info["LifeCertServerURL"] as? String ?? "",
            storageDir: try storageDirectory().path,
            language: language,
            receiptPublicKey: key
        )
    }

    /// Application Support/LifeCert, kept out of backups: the queue in it is
    /// sealed by a Keychain key that never leaves this phone.
    private static func storageDirectory() throws -> URL {
        var dir = try FileManager.default
            .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("LifeCert", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
        return dir
    }

    /// The phone's language as a first guess; the person can change it in Settings.
    private static func systemLanguage() -> Language {
        let preferred = Locale.preferredLanguages.first ?? "zh-Hans"
        guard preferred.hasPrefix("zh") else { return .en }
        let traditional = preferred.contains("Hant") || preferred.hasSuffix("-TW") || preferred.hasSuffix("-HK") || preferred.hasSuffix("-MO")
        return traditional ? .zhHant : .zhHans
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
