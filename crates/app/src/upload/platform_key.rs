//! [`PlatformKey`]: a device key that lives in the phone's secure hardware and
//! can prove it (issue 11, part 3). The Android shell implements it with the
//! Keystore (key attestation, StrongBox when the phone has one), the iOS shell
//! with App Attest. Desktops, tests and the demo pass none and the core keeps
//! its software Ed25519 key ([`super::DeviceKey`]); a server in production
//! refuses that key.

use base64::Engine as _;
use lifecert_domain::api::{AttestationProof, KeyAttestation};
use std::sync::Arc;

/// What kind of hardware key a shell supplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PlatformKeyKind {
    /// Android Keystore EC P-256 key; `sign` gives ASN.1 DER ECDSA-SHA256.
    AndroidKeystore,
    /// iOS App Attest key; `sign` gives an assertion (CBOR) over the message.
    AppAttest,
}

/// The proof a shell made for one server challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PlatformProof {
    /// The Keystore attestation chain of a key generated with the challenge,
    /// leaf first, each certificate DER.
    AndroidChain { chain: Vec<Vec<u8>> },
    /// `DCAppAttestService.attestKey` output for a new key, made with
    /// clientDataHash = SHA-256(challenge).
    AppAttestObject { object: Vec<u8> },
    /// An assertion over the challenge by a key attested before.
    AppAttestAssertion { assertion: Vec<u8> },
}

/// A key proven for a challenge: its public form and the proof.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttestedKey {
    /// Android: the key's SubjectPublicKeyInfo (DER). iOS: the App Attest
    /// key identifier (32 bytes).
    pub public_key: Vec<u8>,
    pub proof: PlatformProof,
}

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum PlatformKeyError {
    /// The phone cannot make or use a hardware key (no TEE, App Attest not
    /// supported, a simulator): the core falls back to its software key.
    #[error("hardware key not supported: {detail}")]
    Unsupported { detail: String },
    /// The key exists but failed now (keystore busy, network for App Attest).
    #[error("hardware key failed: {detail}")]
    Failed { detail: String },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformKeyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PlatformKeyError::Failed { detail: e.reason }
    }
}

/// The shell's hardware-backed device key. Calls may block for a moment
/// (StrongBox key generation, App Attest's round trip to Apple); the core
/// calls them off the UI thread.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait PlatformKey: Send + Sync {
    fn kind(&self) -> PlatformKeyKind;
    /// Proves the key for `challenge` (from `POST /v1/attestation/challenges`).
    /// Android generates a new key with the challenge each time; iOS attests
    /// a new key once and answers later challenges with assertions.
    fn attest(&self, challenge: Vec<u8>) -> Result<AttestedKey, PlatformKeyError>;
    /// Signs `message` with the key last proven by [`PlatformKey::attest`].
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
}

/// The login fields for a key proven for `challenge`.
pub fn login_fields(challenge: &[u8], key: &AttestedKey) -> (String, KeyAttestation) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let proof = match &key.proof {
        PlatformProof::AndroidChain { chain } => AttestationProof::AndroidKeystore {
            chain: chain.iter().map(|c| b64.encode(c)).collect(),
        },
        PlatformProof::AppAttestObject { object } => AttestationProof::AppAttest {
            attestation_object: b64.encode(object),
        },
        PlatformProof::AppAttestAssertion { assertion } => AttestationProof::AppAttestAssertion {
            assertion: b64.encode(assertion),
        },
    };
    (
        b64.encode(&key.public_key),
        KeyAttestation {
            challenge: b64.encode(challenge),
            proof,
        },
    )
}

/// Which key signs this session's uploads: the one the server registered at
/// the last login.
#[derive(Clone, Default)]
pub enum SessionSigner {
    /// The software Ed25519 key (no platform key, or it was unavailable).
    #[default]
    Software,
    Platform(Arc<dyn PlatformKey>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_fields_carry_the_key_and_the_proof_in_base64() {
        let key = AttestedKey {
            public_key: vec![1, 2, 3],
            proof: PlatformProof::AndroidChain {
                chain: vec![vec![4], vec![5, 6]],
            },
        };
        let (public, att) = login_fields(b"chal", &key);
        assert_eq!(public, "AQID");
        assert_eq!(att.challenge, "Y2hhbA==");
        assert_eq!(
            att.proof,
            AttestationProof::AndroidKeystore {
                chain: vec!["BA==".into(), "BQY=".into()]
            }
        );
        let json = serde_json::to_value(&att).unwrap();
        assert_eq!(json["proof"]["kind"], "android_keystore");
    }
}
