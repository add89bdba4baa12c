//! The key a session signs its uploads with, as certd stores it: what kind,
//! where it lives (the attestation level) and its public key. Below both the
//! login (`attestation`, which decides it) and the upload check (`verify`,
//! `auth`, which use it).

use crate::db::sha256_hex;
use base64::Engine as _;
use lifecert_attest::Level;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What kind of key signs this session's uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// The app's software key (32-byte public key).
    Ed25519,
    /// An Android Keystore key (its SubjectPublicKeyInfo, DER).
    EcdsaP256,
    /// An App Attest key (its uncompressed P-256 point); uploads carry assertions.
    AppAttest,
}

impl KeyKind {
    fn as_str(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ed25519",
            KeyKind::EcdsaP256 => "ecdsa-p256",
            KeyKind::AppAttest => "app-attest",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceKey {
    pub kind: KeyKind,
    pub level: Level,
    pub public_key: Vec<u8>,
}

impl DeviceKey {
    /// As stored in `sessions.device_key` (so a refresh carries it as is).
    pub fn encode(&self) -> String {
        format!(
            "{}:{}:{}",
            self.kind.as_str(),
            self.level.as_str(),
            B64.encode(&self.public_key)
        )
    }

    /// The stored form; a bare base64 key is a session from before
    /// attestation: a software Ed25519 key.
    pub fn decode(s: &str) -> Option<DeviceKey> {
        let mut parts = s.splitn(3, ':');
        let (a, b, c) = (parts.next()?, parts.next(), parts.next());
        let (kind, level, key) = match (b, c) {
            (Some(level), Some(key)) => (
                [KeyKind::Ed25519, KeyKind::EcdsaP256, KeyKind::AppAttest]
                    .into_iter()
                    .find(|k| k.as_str() == a)?,
                Level::parse(level)?,
                key,
            ),
            _ => (KeyKind::Ed25519, Level::Software, a),
        };
        Some(DeviceKey {
            kind,
            level,
            public_key: B64.decode(key).ok()?,
        })
    }

    /// App Attest's key identifier, as hex (the `app_attest_keys` key).
    pub(crate) fn key_id_hex(&self) -> String {
        sha256_hex(&self.public_key)
    }
}
