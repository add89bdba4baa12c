#if os(iOS)
import Foundation
import Network
import LifeCertCore
import LifeCertModel

extension AppModel {
    /// The view model with this phone's parts: Keychain, App Attest, the
    /// speech synthesizer, the front camera (in DEBUG builds launched with
    /// `-LifeCertClip NAME`: the bundled recorded clip TestClips/NAME instead),
    /// the network monitor, and the server settings from Info.plist.
    public static func onPhone() -> AppModel {
        let language = firstLanguage(preferred: Locale.preferredLanguages.first)
        let model = AppModel(
            config: { try phoneConfig(language: language) },
            language: language,
            platform: Platform(
                store: KeychainSecureStore(),
                platformKey: AppAttestDeviceKey(),
                speech: Speaker(),
                camera: phoneCamera(),
                network: PathMonitor(),
                reminders: Notifications()
            )
        )
        // A call or another app taking the camera mid-capture: the same steps again.
        (model.camera as? CameraFeed)?.onInterrupted = { [weak model] in model?.cameraInterrupted() }
        return model
    }

    private static func phoneCamera() -> Camera {
        #if DEBUG
        if let clip = RecordedClipCamera.folder(
            arguments: ProcessInfo.processInfo.arguments,
            clips: Bundle.main.url(forResource: "TestClips", withExtension: nil)
        ) {
            return RecordedClipCamera(folder: clip, push: decodedFrame)
        }
        #endif
        return CameraFeed()
    }

    private static func phoneConfig(language: Language) throws -> AppConfig {
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
}

/// NWPathMonitor: tells the view model each time a path is usable again.
public final class PathMonitor: NetworkMonitor {
    private let monitor = NWPathMonitor()

    public init() {}

    public func start(satisfied: @escaping @Sendable () -> Void) {
        monitor.pathUpdateHandler = { path in
            if path.status == .satisfied { satisfied() }
        }
        monitor.start(queue: DispatchQueue(label: "org.lifecert.network"))
    }
}
#endif
