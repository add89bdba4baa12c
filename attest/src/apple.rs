//! Apple App Attest: the attestation object an app gets from
//! `DCAppAttestService.attestKey`, and the assertions it makes later with the
//! same key.
//! <https://developer.apple.com/documentation/devicecheck/validating-apps-that-connect-to-your-server>

use crate::der::{self, malformed, Reader, Tag};
use crate::x509;
use crate::{AttestError, Level};
use ciborium::Value;
use ring::digest::{digest, SHA256};

/// The credential certificate's nonce extension.
pub const OID_NONCE: &str = "1.2.840.113635.100.8.2";
pub const AAGUID_PRODUCTION: &[u8; 16] = b"appattest\0\0\0\0\0\0\0";
pub const AAGUID_DEVELOPMENT: &[u8; 16] = b"appattestdevelop";

#[derive(Clone, Debug)]
pub struct ApplePolicy {
    /// Apple's App Attestation root CA (DER), from configuration.
    pub roots: Vec<Vec<u8>>,
    /// Allowed App IDs, `TEAMID.bundle.id`.
    pub app_ids: Vec<String>,
    /// Accept the development environment (builds run from Xcode: debuggable).
    pub allow_development: bool,
}

#[derive(Clone, Debug)]
pub struct AppleAttestation {
    /// The attested P-256 key as an uncompressed point (65 bytes).
    pub public_key: Vec<u8>,
    /// SHA-256 of `public_key`: App Attest's key identifier.
    pub key_id: Vec<u8>,
    pub app_id: String,
    pub development: bool,
    /// Apple's receipt, kept for a later fraud-metric check with Apple.
    pub receipt: Vec<u8>,
    pub level: Level,
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&SHA256);
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().try_into().expect("32 bytes")
}

fn cbor_map(bytes: &[u8]) -> Result<Vec<(Value, Value)>, AttestError> {
    let value: Value = ciborium::from_reader(bytes).map_err(|_| malformed("CBOR"))?;
    match value {
        Value::Map(m) => Ok(m),
        _ => Err(malformed("CBOR map")),
    }
}

fn field<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
        .map(|(_, v)| v)
}

fn bytes_field<'a>(map: &'a [(Value, Value)], key: &str) -> Result<&'a [u8], AttestError> {
    match field(map, key) {
        Some(Value::Bytes(b)) => Ok(b),
        _ => Err(malformed(key)),
    }
}

/// authenticatorData's fixed head: rpIdHash, flags, counter.
struct AuthData<'a> {
    rp_id_hash: &'a [u8],
    counter: u32,
    rest: &'a [u8],
}

fn auth_data(data: &[u8]) -> Result<AuthData<'_>, AttestError> {
    if data.len() < 37 {
        return Err(malformed("authenticatorData"));
    }
    Ok(AuthData {
        rp_id_hash: &data[..32],
        counter: u32::from_be_bytes(data[33..37].try_into().expect("4 bytes")),
        rest: &data[37..],
    })
}

fn app_for<'a>(policy: &'a ApplePolicy, rp_id_hash: &[u8]) -> Result<&'a String, AttestError> {
    policy
        .app_ids
        .iter()
        .find(|id| digest(&SHA256, id.as_bytes()).as_ref() == rp_id_hash)
        .ok_or(AttestError::UnknownApp)
}

/// Verifies an attestation object for `key_id` (as the app reports it), made
/// with clientDataHash = SHA-256(`challenge`), at `now`.
pub fn verify_attestation(
    object: &[u8],
    key_id: &[u8],
    challenge: &[u8],
    policy: &ApplePolicy,
    now: i64,
) -> Result<AppleAttestation, AttestError> {
    let map = cbor_map(object)?;
    match field(&map, "fmt") {
        Some(Value::Text(f)) if f == "apple-appattest" => {}
        _ => return Err(AttestError::NotAnAttestation),
    }
    let auth = bytes_field(&map, "authData")?;
    let stmt = match field(&map, "attStmt") {
        Some(Value::Map(m)) => m,
        _ => return Err(malformed("attStmt")),
    };
    let x5c = match field(stmt, "x5c") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| match v {
                Value::Bytes(b) => Ok(b.clone()),
                _ => Err(malformed("x5c")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(malformed("x5c")),
    };
    let receipt = bytes_field(stmt, "receipt")?.to_vec();

    let certs = x509::verify_chain(&x5c, &policy.roots, now, &[])?;
    let cred = &certs[0];
    let client_data_hash = sha256(&[challenge]);
    let nonce = sha256(&[auth, &client_data_hash]);
    let ext = cred.extension(OID_NONCE).ok_or(AttestError::WrongNonce)?;
    // SEQUENCE { [1] EXPLICIT OCTET STRING }
    let mut outer = Reader::new(ext);
    let mut seq = Reader::new(outer.read_u(der::SEQUENCE, "nonce extension")?);
    let mut tagged = Reader::new(seq.read(Tag::explicit(1), "nonce extension")?.value);
    let in_cert = tagged.read_u(der::OCTET_STRING, "nonce")?;
    if in_cert != nonce {
        return Err(AttestError::WrongNonce);
    }
    if !cred.is_p256() || cred.public_key.len() != 65 {
        return Err(AttestError::WrongKeyType);
    }
    let public_key = cred.public_key.to_vec();
    let computed_id = sha256(&[&public_key]);
    if computed_id[..] != *key_id {
        return Err(AttestError::WrongKeyId);
    }
    let head = auth_data(auth)?;
    let app_id = app_for(policy, head.rp_id_hash)?;
    if head.counter != 0 {
        return Err(AttestError::CounterNotIncreasing);
    }
    if head.rest.len() < 18 {
        return Err(malformed("attestedCredentialData"));
    }
    let aaguid = &head.rest[..16];
    let development = if aaguid == AAGUID_PRODUCTION {
        false
    } else if aaguid == AAGUID_DEVELOPMENT {
        true
    } else {
        return Err(malformed("aaguid"));
    };
    if development && !policy.allow_development {
        return Err(AttestError::Development);
    }
    let id_len = u16::from_be_bytes([head.rest[16], head.rest[17]]) as usize;
    let cred_id = head
        .rest
        .get(18..18 + id_len)
        .ok_or_else(|| malformed("credentialId"))?;
    if cred_id != key_id {
        return Err(AttestError::WrongKeyId);
    }
    Ok(AppleAttestation {
        public_key,
        key_id: computed_id.to_vec(),
        app_id: app_id.clone(),
        development,
        receipt,
        level: Level::AppAttest,
    })
}

/// Verifies an assertion (CBOR `{signature, authenticatorData}`) over
/// `client_data` by the attested `public_key` (65-byte point). Returns the
/// assertion's counter, which the caller stores; `last_counter` is the one
/// stored before, and the new one must be strictly greater (a replayed
/// assertion carries an old counter).
pub fn verify_assertion(
    assertion: &[u8],
    client_data: &[u8],
    public_key: &[u8],
    policy: &ApplePolicy,
    last_counter: u32,
) -> Result<u32, AttestError> {
    let map = cbor_map(assertion)?;
    let signature = bytes_field(&map, "signature")?;
    let auth = bytes_field(&map, "authenticatorData")?;
    let nonce = sha256(&[auth, &sha256(&[client_data])]);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, public_key)
        .verify(&nonce, signature)
        .map_err(|_| AttestError::BadAssertionSignature)?;
    let head = auth_data(auth)?;
    app_for(policy, head.rp_id_hash)?;
    if head.counter <= last_counter {
        return Err(AttestError::CounterNotIncreasing);
    }
    Ok(head.counter)
}
