#if os(iOS)
import Foundation
import Security
import LifeCertCore

/// The core's small secrets (device signing key, outbox key, session tokens) as
/// generic-password Keychain items, readable after the first unlock and never
/// synced or restored to another device. Called from core threads; the
/// Keychain API is thread-safe. Errors are the core's `StoreError`.
public final class KeychainSecureStore: SecureStore {
    private let service: String

    public init(service: String = "org.lifecert.securestore") {
        self.service = service
    }

    public func get(key: String) throws -> Data? {
        var query = item(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data else {
                throw StoreError.Corrupt(detail: "\(key): the item has no data")
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw failure(key, status)
        }
    }

    public func put(key: String, value: Data) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: value,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(item(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            status = SecItemAdd(item(key).merging(attributes) { $1 } as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw failure(key, status) }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(item(key) as CFDictionary)
        // Deleting what is not there is not an error (the trait's contract).
        guard status == errSecSuccess || status == errSecItemNotFound else { throw failure(key, status) }
    }

    private func item(_ key: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
    }

    /// Undecodable items will stay so; anything else (notably
    /// errSecInteractionNotAllowed before the first unlock) may pass later.
    private func failure(_ key: String, _ status: OSStatus) -> StoreError {
        let reason = (SecCopyErrorMessageString(status, nil) as String?) ?? "OSStatus \(status)"
        if status == errSecDecode {
            return .Corrupt(detail: "\(key): \(reason)")
        }
        return .Unavailable(detail: "\(key): \(reason)")
    }
}
#endif
