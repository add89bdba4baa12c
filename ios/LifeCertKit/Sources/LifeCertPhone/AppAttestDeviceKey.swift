#if os(iOS)
import CryptoKit
import DeviceCheck
import Foundation
import LifeCertCore

/// The device key as an Apple App Attest key (issue 11): generated in the
/// Secure Enclave, attested once by Apple for this app (team and bundle id,
/// production or development environment), then used for assertions. certd
/// checks the attestation object against Apple's App Attestation root and
/// every later upload's assertion (signature, app, rising counter).
///
/// The core calls these methods on its own threads and waits: the completion
/// handlers of DCAppAttestService are bridged with a semaphore, never on the
/// main thread.
public final class AppAttestDeviceKey: PlatformKey {
    public init() {}

    private let service = DCAppAttestService.shared
    private let defaults = UserDefaults.standard
    /// The key identifier is not secret (it is the SHA-256 of the public key).
    private let keyIdEntry = "org.lifecert.appattest.key-id"

    public func kind() -> PlatformKeyKind { .appAttest }

    public func attest(challenge: Data) throws -> AttestedKey {
        guard service.isSupported else {
            // Simulators, Macs without the Secure Enclave, app extensions.
            throw PlatformKeyError.Unsupported(detail: "App Attest is not supported here")
        }
        let clientDataHash = Data(SHA256.hash(data: challenge))
        if let keyId = defaults.string(forKey: keyIdEntry), let publicKey = Data(base64Encoded: keyId) {
            do {
                // Attested before: an assertion over the challenge proves the key.
                let assertion = try wait { done in
                    self.service.generateAssertion(keyId, clientDataHash: clientDataHash, completionHandler: done)
                }
                return AttestedKey(publicKey: publicKey, proof: .appAttestAssertion(assertion: assertion))
            } catch let error as DCError where error.code == .invalidKey {
                // The key is gone (app reinstalled, device restored): attest a new one.
                defaults.removeObject(forKey: keyIdEntry)
            }
        }
        let keyId = try wait { done in self.service.generateKey(completionHandler: done) }
        let object = try wait { done in
            self.service.attestKey(keyId, clientDataHash: clientDataHash, completionHandler: done)
        }
        defaults.set(keyId, forKey: keyIdEntry)
        guard let publicKey = Data(base64Encoded: keyId) else {
            throw PlatformKeyError.Failed(detail: "key identifier is not base64")
        }
        return AttestedKey(publicKey: publicKey, proof: .appAttestObject(object: object))
    }

    /// An assertion whose client data is `message` (certd hashes the upload
    /// body the same way).
    public func sign(message: Data) throws -> Data {
        guard let keyId = defaults.string(forKey: keyIdEntry) else {
            throw PlatformKeyError.Failed(detail: "no App Attest key: log in again")
        }
        let clientDataHash = Data(SHA256.hash(data: message))
        return try wait { done in
            self.service.generateAssertion(keyId, clientDataHash: clientDataHash, completionHandler: done)
        }
    }

    /// Runs a completion-handler call synchronously on the caller's thread.
    private func wait<T>(_ call: (@escaping (T?, Error?) -> Void) -> Void) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        var value: T?
        var failure: Error?
        call { v, e in
            value = v
            failure = e
            semaphore.signal()
        }
        // App Attest talks to Apple's servers: bounded, so a dead network
        // does not hang the core's login forever.
        if semaphore.wait(timeout: .now() + 30) == .timedOut {
            throw PlatformKeyError.Failed(detail: "App Attest did not answer in 30 s")
        }
        if let error = failure as? DCError, error.code == .invalidKey {
            throw error
        }
        if let failure {
            throw PlatformKeyError.Failed(detail: "App Attest: \(failure.localizedDescription)")
        }
        guard let value else { throw PlatformKeyError.Failed(detail: "App Attest gave nothing") }
        return value
    }
}
#endif
