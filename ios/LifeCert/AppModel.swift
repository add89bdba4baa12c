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
        let forwarder = ViewForwarder { [weak self] view in
            // Every view, in order: the Speaker needs each one-frame `speak` flag.
            DispatchQueue.main.async {
                MainActor.assumeIsolated { if let self { self.show(view) } }
            }
        }
        subscription = core?.subscribe(observer: forwarder)

        network.pathUpdateHandler = { [weak self] path in
            guard path.status == .satisfied else { return }
            DispatchQueue.main.async {
                MainActor.assumeIsolated { if let self { self.networkIsBack() } }
            }
        }
        network.start(queue: DispatchQueue(label: "org.lifecert.network"))

        run { _ = await $0.start() }
    }

    private func show(_ view: AppView) {
        speaker.hear(view)
        shell = .showing(view)
    }

    /// Sends the offline queue now; the core also retries on its own schedule.
    private func networkIsBack() {
        guard let core, core.queuedUploads() > 0 else { return }
        run { _ = await $0.retryUploads() }
    }

    /// Core calls leave the main actor: one may wait while the core analyses a
    /// camera frame. The new view comes back through the observer.
    private func run(_ call: @escaping @Sendable (LifeCertApp) async -> Void) {
        guard let core else { return }
        Task.detached(priority: .userInitiated) { await call(core) }
    }

    // MARK: Taps

    func back() { run { _ = $0.back() } }
    func showRegister() { run { _ = $0.showRegister() } }
    func showLogIn() { run { _ = $0.showLogIn() } }
    func register(name: String, idNumber: String, password: String, mobile: String, mobileAgain: String, termsAccepted: Bool) {
        run { _ = await $0.register(name: name, idNumber: idNumber, password: password, mobile: mobile, mobileAgain: mobileAgain, termsAccepted: termsAccepted) }
    }
    func logIn(idNumber: String, password: String) { run { _ = await $0.logIn(idNumber: idNumber, password: password) } }
    func logOut() { run { _ = await $0.logOut() } }
    func refreshHome() { run { _ = await $0.refreshHome() } }
    func chooseWho() { run { _ = $0.chooseWho() } }
    func select(personId: String) { run { _ = $0.select(personId: personId) } }
    func showAddRelative() { run { _ = $0.showAddRelative() } }
    func addRelative(name: String, idNumber: String, relation: String) {
        run { _ = await $0.addRelative(name: name, idNumber: idNumber, relation: relation) }
    }
    func acceptRequest(bindingId: String) { run { _ = await $0.acceptRequest(bindingId: bindingId) } }
    func giveConsent() { run { _ = await $0.giveConsent() } }
    func declineConsent() { run { _ = $0.declineConsent() } }
    func cameraReady() { run { _ = $0.cameraReady() } }
    func retry() { run { _ = await $0.retry() } }
    func retryUploads() { run { _ = await $0.retryUploads() } }
    func showRecords() { run { _ = await $0.showRecords() } }
    func showSettings() { run { _ = $0.showSettings() } }
    func setLanguage(_ language: Language) { run { _ = $0.setLanguage(language: language) } }
    func setLargeText(_ on: Bool) { run { _ = $0.setLargeText(on: on) } }
    func setVoice(_ on: Bool) { run { _ = $0.setVoice(on: on) } }

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

/// The core calls this on its own threads after every change.
private final class ViewForwarder: AppObserver {
    private let deliver: @Sendable (AppView) -> Void

    init(_ deliver: @escaping @Sendable (AppView) -> Void) {
        self.deliver = deliver
    }

    func onView(view: AppView) {
        deliver(view)
    }
}
