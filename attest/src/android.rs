//! Android Keystore key attestation: a certificate chain whose leaf carries
//! the KeyDescription extension, made by the phone's secure hardware for a key
//! it generated with our challenge.
//! <https://source.android.com/docs/security/features/keystore/attestation>

use crate::der::{self, malformed, Reader, Tag};
use crate::x509::{self, Cert};
use crate::{AttestError, Level};

pub const OID_KEY_DESCRIPTION: &str = "1.3.6.1.4.1.11129.2.1.17";
/// AuthorizationList tags (EXPLICIT context tags).
const TAG_ROOT_OF_TRUST: u32 = 704;
const TAG_APPLICATION_ID: u32 = 709;

/// An app allowed to certify: its package name and the SHA-256 digests of its
/// release signing certificates. Only release digests belong here: a debug
/// build is signed with another key, so listing only release keys is what
/// refuses debuggable builds (the attestation itself does not say
/// "debuggable").
#[derive(Clone, Debug)]
pub struct AndroidApp {
    pub package: String,
    pub signing_digests: Vec<[u8; 32]>,
}

#[derive(Clone, Debug)]
pub struct AndroidPolicy {
    /// Google's hardware attestation roots (DER), from configuration.
    pub roots: Vec<Vec<u8>>,
    pub apps: Vec<AndroidApp>,
    /// Refuse keys that are not in a TEE or StrongBox, and phones whose
    /// bootloader is unlocked or whose boot is not verified.
    pub require_hardware: bool,
    /// Serial numbers (hex) of revoked attestation certificates.
    pub revoked_serials: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBootState {
    Verified,
    SelfSigned,
    Unverified,
    Failed,
}

#[derive(Clone, Debug)]
pub struct AndroidAttestation {
    pub level: Level,
    /// The attested key's SubjectPublicKeyInfo (EC P-256), DER.
    pub public_key_spki: Vec<u8>,
    pub package: String,
    /// `None` when the attestation carries no root of trust (software only).
    pub boot: Option<(VerifiedBootState, bool)>,
    pub attestation_version: u64,
}

struct KeyDescription<'a> {
    version: u64,
    attestation_level: u64,
    keymaster_level: u64,
    challenge: &'a [u8],
    software: Reader<'a>,
    hardware: Reader<'a>,
}

fn key_description(ext: &[u8]) -> Result<KeyDescription<'_>, AttestError> {
    let mut outer = Reader::new(ext);
    let mut r = Reader::new(outer.read_u(der::SEQUENCE, "KeyDescription")?);
    outer.finish("KeyDescription")?;
    let version = der::small_uint(r.read_u(der::INTEGER, "attestationVersion")?, "version")?;
    let attestation_level = der::small_uint(r.read_u(der::ENUMERATED, "securityLevel")?, "level")?;
    r.read_u(der::INTEGER, "keymasterVersion")?;
    let keymaster_level = der::small_uint(r.read_u(der::ENUMERATED, "securityLevel")?, "level")?;
    let challenge = r.read_u(der::OCTET_STRING, "attestationChallenge")?;
    r.read_u(der::OCTET_STRING, "uniqueId")?;
    let software = Reader::new(r.read_u(der::SEQUENCE, "softwareEnforced")?);
    let hardware = Reader::new(r.read_u(der::SEQUENCE, "teeEnforced")?);
    Ok(KeyDescription {
        version,
        attestation_level,
        keymaster_level,
        challenge,
        software,
        hardware,
    })
}

/// The value of `[tag]` in an AuthorizationList, if present.
fn authorization<'a>(list: &Reader<'a>, tag: u32) -> Result<Option<&'a [u8]>, AttestError> {
    let mut r = list.clone();
    while !r.is_empty() {
        let el = r.read_any()?;
        if el.tag == Tag::explicit(tag) {
            return Ok(Some(el.value));
        }
    }
    Ok(None)
}

fn level(v: u64) -> Result<Level, AttestError> {
    match v {
        0 => Ok(Level::Software),
        1 => Ok(Level::TrustedEnvironment),
        2 => Ok(Level::StrongBox),
        _ => Err(malformed("security level")),
    }
}

fn root_of_trust(value: &[u8]) -> Result<(VerifiedBootState, bool), AttestError> {
    let mut outer = Reader::new(value);
    let mut r = Reader::new(outer.read_u(der::SEQUENCE, "RootOfTrust")?);
    r.read_u(der::OCTET_STRING, "verifiedBootKey")?;
    let locked = der::boolean(r.read_u(der::BOOLEAN, "deviceLocked")?, "deviceLocked")?;
    let state = match der::small_uint(r.read_u(der::ENUMERATED, "verifiedBootState")?, "boot")? {
        0 => VerifiedBootState::Verified,
        1 => VerifiedBootState::SelfSigned,
        2 => VerifiedBootState::Unverified,
        3 => VerifiedBootState::Failed,
        _ => return Err(malformed("verifiedBootState")),
    };
    Ok((state, locked))
}

/// (package names, signing certificate digests) of AttestationApplicationId.
fn application_id(value: &[u8]) -> Result<(Vec<String>, Vec<Vec<u8>>), AttestError> {
    let mut wrapper = Reader::new(value);
    let mut outer = Reader::new(wrapper.read_u(der::OCTET_STRING, "attestationApplicationId")?);
    let mut r = Reader::new(outer.read_u(der::SEQUENCE, "AttestationApplicationId")?);
    let mut infos = Reader::new(r.read_u(der::SET, "package infos")?);
    let mut packages = Vec::new();
    while !infos.is_empty() {
        let mut info = Reader::new(infos.read_u(der::SEQUENCE, "package info")?);
        let name = info.read_u(der::OCTET_STRING, "package name")?;
        packages.push(String::from_utf8(name.to_vec()).map_err(|_| malformed("package name"))?);
    }
    let mut sigs = Reader::new(r.read_u(der::SET, "signature digests")?);
    let mut digests = Vec::new();
    while !sigs.is_empty() {
        digests.push(sigs.read_u(der::OCTET_STRING, "signature digest")?.to_vec());
    }
    Ok((packages, digests))
}

/// Verifies an Android key attestation chain (leaf first, DER) made for
/// `challenge`, at `now` (seconds since 1970), under `policy`.
pub fn verify(
    chain: &[Vec<u8>],
    challenge: &[u8],
    policy: &AndroidPolicy,
    now: i64,
) -> Result<AndroidAttestation, AttestError> {
    let certs = x509::verify_chain(chain, &policy.roots, now, &policy.revoked_serials)?;
    let leaf: &Cert = &certs[0];
    // Only the leaf may describe a key: an extension higher up would mean a
    // chain assembled around someone else's attestation.
    if certs[1..]
        .iter()
        .any(|c| c.extension(OID_KEY_DESCRIPTION).is_some())
    {
        return Err(malformed("KeyDescription above the leaf"));
    }
    let ext = leaf
        .extension(OID_KEY_DESCRIPTION)
        .ok_or(AttestError::NotAnAttestation)?;
    let kd = key_description(ext)?;
    // The challenge is public: a plain comparison is enough.
    if kd.challenge != challenge {
        return Err(AttestError::WrongChallenge);
    }
    let attestation_level = level(kd.attestation_level)?;
    let key_level = level(kd.keymaster_level)?;
    if policy.require_hardware
        && (attestation_level == Level::Software || key_level == Level::Software)
    {
        return Err(AttestError::NotHardware);
    }
    let boot = match authorization(&kd.hardware, TAG_ROOT_OF_TRUST)? {
        Some(v) => Some(root_of_trust(v)?),
        None => None,
    };
    if policy.require_hardware {
        match boot {
            Some((VerifiedBootState::Verified, true)) => {}
            Some((VerifiedBootState::Verified, false)) => {
                return Err(AttestError::BootloaderUnlocked)
            }
            _ => return Err(AttestError::BootNotVerified),
        }
    }
    let app = match authorization(&kd.software, TAG_APPLICATION_ID)? {
        Some(v) => Some(v),
        None => authorization(&kd.hardware, TAG_APPLICATION_ID)?,
    }
    .ok_or(AttestError::UnknownApp)?;
    let (packages, digests) = application_id(app)?;
    // A shared-UID install lists several packages: every one must be ours.
    let allowed = packages.first().and_then(|first| {
        policy
            .apps
            .iter()
            .find(|a| packages.iter().all(|p| *p == a.package) && a.package == *first)
    });
    let Some(allowed) = allowed else {
        return Err(AttestError::UnknownApp);
    };
    if digests.is_empty()
        || !digests
            .iter()
            .all(|d| allowed.signing_digests.iter().any(|a| a[..] == d[..]))
    {
        return Err(AttestError::UnknownSigner);
    }
    if !leaf.is_p256() {
        return Err(AttestError::WrongKeyType);
    }
    Ok(AndroidAttestation {
        // The weaker of the two: a software attestation of a TEE key proves nothing.
        level: if attestation_level == Level::Software {
            Level::Software
        } else {
            key_level
        },
        public_key_spki: leaf.spki.to_vec(),
        package: allowed.package.clone(),
        boot,
        attestation_version: kd.version,
    })
}

/// Whether `signature` (ASN.1 DER ECDSA, as Android's `SHA256withECDSA`
/// gives) over `msg` verifies with the attested P-256 key (`spki`, DER).
pub fn verify_signature(spki: &[u8], msg: &[u8], signature: &[u8]) -> bool {
    let Ok(cert_key) = point_of_spki(spki) else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, cert_key)
        .verify(msg, signature)
        .is_ok()
}

/// The EC point inside a P-256 SubjectPublicKeyInfo.
pub fn point_of_spki(spki: &[u8]) -> Result<&[u8], AttestError> {
    let mut outer = Reader::new(spki);
    let mut s = Reader::new(outer.read_u(der::SEQUENCE, "SubjectPublicKeyInfo")?);
    outer.finish("SubjectPublicKeyInfo")?;
    let mut alg = Reader::new(s.read_u(der::SEQUENCE, "algorithm")?);
    let oid = der::oid_string(alg.read_u(der::OID, "algorithm")?);
    let curve = der::oid_string(alg.read_u(der::OID, "curve")?);
    if oid != x509::OID_EC_PUBLIC_KEY || curve != x509::OID_P256 {
        return Err(AttestError::WrongKeyType);
    }
    match s.read_u(der::BIT_STRING, "public key")?.split_first() {
        Some((0, point)) if point.len() == 65 && point[0] == 4 => Ok(point),
        _ => Err(malformed("P-256 point")),
    }
}
