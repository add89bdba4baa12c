//! Offline verification of hardware key attestation, so certd can believe
//! that an upload was signed by a key inside a real phone's secure hardware,
//! created for this app, on a phone that booted its vendor's system:
//! - [`android`]: Android Keystore key attestation (an X.509 chain up to
//!   Google's roots, the KeyDescription extension);
//! - [`apple`]: Apple App Attest (attestation object and assertions).
//!
//! Pure: no network, no clock, no storage. Roots, allow-lists and the time
//! come from the caller. Every refusal is a distinct [`AttestError`] so a
//! test can tell which check stopped an attack.

pub mod android;
pub mod apple;
pub mod der;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod x509;

#[cfg(test)]
mod tests;

/// Where the device key lives, as proven by its attestation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A key in ordinary app memory: unattested, or attested by software.
    Software,
    /// Android: a key in the phone's Trusted Execution Environment.
    TrustedEnvironment,
    /// Android: a key in a separate secure chip (StrongBox).
    StrongBox,
    /// iOS: a key in the Secure Enclave, attested by Apple App Attest.
    AppAttest,
}

impl Level {
    /// The name stored with each certification and shown to the agency.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Software => "software",
            Level::TrustedEnvironment => "tee",
            Level::StrongBox => "strongbox",
            Level::AppAttest => "app-attest",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [
            Level::Software,
            Level::TrustedEnvironment,
            Level::StrongBox,
            Level::AppAttest,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttestError {
    Malformed(String),
    /// The chain ends at none of the configured roots.
    UnknownRoot,
    /// A certificate's signature does not verify with its issuer's key.
    BadChainSignature,
    /// A certificate in the chain signs another but is not a CA.
    IssuerNotCa,
    /// A certificate of the chain is outside its validity dates.
    Expired,
    /// A certificate of the chain is on the revocation list.
    Revoked,
    /// The leaf carries no attestation.
    NotAnAttestation,
    WrongChallenge,
    /// The key is not in secure hardware.
    NotHardware,
    BootNotVerified,
    BootloaderUnlocked,
    /// The package / App ID is not an allowed one.
    UnknownApp,
    /// The app's signing certificate is not an allowed (release) one.
    UnknownSigner,
    /// The attested key is not EC P-256.
    WrongKeyType,
    /// App Attest: the certificate's nonce is not this challenge's.
    WrongNonce,
    /// App Attest: the key identifier does not match the attested key.
    WrongKeyId,
    /// App Attest development environment (a debuggable build).
    Development,
    /// App Attest: the counter did not increase (a replayed assertion).
    CounterNotIncreasing,
    BadAssertionSignature,
}

impl AttestError {
    /// A short stable name, for logs and the server's error detail.
    pub fn name(&self) -> &'static str {
        match self {
            AttestError::Malformed(_) => "malformed",
            AttestError::UnknownRoot => "unknown-root",
            AttestError::BadChainSignature => "bad-chain-signature",
            AttestError::IssuerNotCa => "issuer-not-ca",
            AttestError::Expired => "expired",
            AttestError::Revoked => "revoked",
            AttestError::NotAnAttestation => "not-an-attestation",
            AttestError::WrongChallenge => "wrong-challenge",
            AttestError::NotHardware => "not-hardware",
            AttestError::BootNotVerified => "boot-not-verified",
            AttestError::BootloaderUnlocked => "bootloader-unlocked",
            AttestError::UnknownApp => "unknown-app",
            AttestError::UnknownSigner => "unknown-signer",
            AttestError::WrongKeyType => "wrong-key-type",
            AttestError::WrongNonce => "wrong-nonce",
            AttestError::WrongKeyId => "wrong-key-id",
            AttestError::Development => "development-build",
            AttestError::CounterNotIncreasing => "counter-not-increasing",
            AttestError::BadAssertionSignature => "bad-assertion-signature",
        }
    }
}

impl std::fmt::Display for AttestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttestError::Malformed(what) => write!(f, "attestation malformed: {what}"),
            other => write!(f, "attestation refused: {}", other.name()),
        }
    }
}

impl std::error::Error for AttestError {}
