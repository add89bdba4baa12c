//! The per-install Ed25519 key that signs every upload, so the server can tell
//! evidence from this install apart from anything else. Its PKCS#8 document
//! lives in the [`SecureStore`] (the platform keystore on phones); the public
//! key is registered with the server when the install enrols.

use crate::storage::{SecureStore, StoreError};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};

/// The store entry holding the key pair as a PKCS#8 v2 document.
pub const DEVICE_KEY_NAME: &str = "device.ed25519.pkcs8";
pub const PUBLIC_KEY_LEN: usize = 32;
pub const SIGNATURE_LEN: usize = 64;

/// This install's signing key. `Debug` shows the public key only.
pub struct DeviceKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("public_key", &self.public_key_b64())
            .finish()
    }
}

impl DeviceKey {
    /// The install's key from `store`, or a new one saved there on first use.
    ///
    /// A stored document that does not parse is reported as
    /// [`StoreError::Corrupt`] and left in place: silently replacing it would
    /// change the install's identity behind the server's back. Recovery is an
    /// explicit choice of the caller (delete [`DEVICE_KEY_NAME`], enrol again).
    ///
    /// Call once at start-up and share the key: two first-time calls racing on
    /// an empty store could each create a key, and only the last one is kept.
    pub fn load_or_create(store: &dyn SecureStore) -> Result<DeviceKey, StoreError> {
        if let Some(doc) = store.get(DEVICE_KEY_NAME.into())? {
            return Self::from_pkcs8(&doc);
        }
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| {
            StoreError::Unavailable {
                detail: "no system randomness for the device key".into(),
            }
        })?;
        store.put(DEVICE_KEY_NAME.into(), doc.as_ref().to_vec())?;
        Self::from_pkcs8(doc.as_ref())
    }

    fn from_pkcs8(doc: &[u8]) -> Result<DeviceKey, StoreError> {
        Ed25519KeyPair::from_pkcs8(doc)
            .map(|pair| DeviceKey { pair })
            .map_err(|e| StoreError::Corrupt {
                detail: format!("{DEVICE_KEY_NAME} is not an Ed25519 PKCS#8 key: {e}"),
            })
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.pair
            .public_key()
            .as_ref()
            .try_into()
            .expect("an Ed25519 public key has 32 bytes")
    }

    /// The public key in standard base64 (with padding), as sent at enrolment.
    pub fn public_key_b64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.public_key())
    }

    /// The 64-byte Ed25519 signature of `msg`.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair.sign(msg).as_ref().to_vec()
    }
}

/// Whether `signature` is a valid Ed25519 signature of `msg` by `public_key`
/// (32 raw bytes).
pub fn verify_signature(public_key: &[u8], msg: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(msg, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_support::{MemoryStore, TestDir};
    use crate::storage::FileSecureStore;

    #[test]
    fn the_same_key_comes_back_after_reload() {
        let dir = TestDir::new("devkey");
        let first = DeviceKey::load_or_create(&FileSecureStore::open(dir.path())).unwrap();
        let again = DeviceKey::load_or_create(&FileSecureStore::open(dir.path())).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        assert_eq!(first.public_key_b64(), again.public_key_b64());
        // A signature made before the reload verifies with the reloaded key.
        let sig = first.sign(b"evidence");
        assert!(verify_signature(&again.public_key(), b"evidence", &sig));
    }

    #[test]
    fn different_installs_get_different_keys() {
        let a = DeviceKey::load_or_create(&MemoryStore::default()).unwrap();
        let b = DeviceKey::load_or_create(&MemoryStore::default()).unwrap();
        assert_ne!(a.public_key(), b.public_key());
    }

    #[test]
    fn signature_verifies_with_ring_and_a_changed_byte_fails() {
        let key = DeviceKey::load_or_create(&MemoryStore::default()).unwrap();
        let msg = br#"{"certification_id":"c1","verdict":"passed"}"#;
        let sig = key.sign(msg);
        assert_eq!(sig.len(), SIGNATURE_LEN);
        let public = key.public_key();
        assert!(UnparsedPublicKey::new(&ED25519, &public)
            .verify(msg, &sig)
            .is_ok());

        let mut changed_msg = msg.to_vec();
        changed_msg[5] ^= 0x01;
        assert!(!verify_signature(&public, &changed_msg, &sig));
        let mut changed_sig = sig.clone();
        changed_sig[10] ^= 0x01;
        assert!(!verify_signature(&public, msg, &changed_sig));
        let other = DeviceKey::load_or_create(&MemoryStore::default()).unwrap();
        assert!(!verify_signature(&other.public_key(), msg, &sig));
    }

    #[test]
    fn public_key_b64_decodes_to_the_raw_key() {
        let key = DeviceKey::load_or_create(&MemoryStore::default()).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(key.public_key_b64())
            .unwrap();
        assert_eq!(decoded, key.public_key());
        assert!(format!("{key:?}").contains(&key.public_key_b64()));
    }

    #[test]
    fn a_garbled_stored_key_is_corrupt_and_not_replaced() {
        let store = MemoryStore::default();
        store
            .put(DEVICE_KEY_NAME.into(), b"not a pkcs8 document".to_vec())
            .unwrap();
        assert!(matches!(
            DeviceKey::load_or_create(&store),
            Err(StoreError::Corrupt { .. })
        ));
        assert_eq!(
            store.get(DEVICE_KEY_NAME.into()).unwrap().unwrap(),
            b"not a pkcs8 document"
        );
    }

    #[test]
    fn a_failing_store_is_reported_not_papered_over() {
        struct Broken;
        impl SecureStore for Broken {
            fn get(&self, _: String) -> Result<Option<Vec<u8>>, StoreError> {
                Err(StoreError::Unavailable {
                    detail: "locked".into(),
                })
            }
            fn put(&self, _: String, _: Vec<u8>) -> Result<(), StoreError> {
                unreachable!("must not write after a failed read")
            }
            fn delete(&self, _: String) -> Result<(), StoreError> {
                unreachable!()
            }
        }
        assert!(matches!(
            DeviceKey::load_or_create(&Broken),
            Err(StoreError::Unavailable { .. })
        ));
    }
}
