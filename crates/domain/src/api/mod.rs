//! The HTTP contract between the app and certd (`/v1`), as plain serde types
//! shared by both sides so they cannot drift. The server describes them in its
//! OpenAPI document (feature `openapi`); the client only (de)serialises them.
//!
//! Binary values (public keys, signatures) are base64 (standard alphabet).
//! Times are Unix milliseconds; calendar dates are China dates.

pub mod b64;
pub mod codes;

use crate::challenge::Action;
use crate::rules::calendar::CertificationStatus;
pub use codes::Code;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Header carrying the per-upload idempotency key (a retry reuses it).
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Header carrying the base64 signature of the evidence body by the device
/// key registered at login: Ed25519 (software key), ASN.1 ECDSA P-256 with
/// SHA-256 (Android Keystore key), or an App Attest assertion (CBOR) whose
/// client data is the body (iOS).
pub const SIGNATURE_HEADER: &str = "x-evidence-signature";
/// Largest evidence body the server accepts: the app's budget
/// ([`EVIDENCE_BUDGET_BYTES`]) and room for headers of the JSON.
pub const MAX_EVIDENCE_BYTES: usize = EVIDENCE_BUDGET_BYTES + 64 * 1024;

/// The most a capture's serialised evidence may weigh (`docs/liveness.md`
/// says why 1 MB): the phone builds within it, certd refuses more.
pub const EVIDENCE_BUDGET_BYTES: usize = 1024 * 1024;

/// Every 4xx/5xx body. `code` is stable and machine-readable; `message` is in
/// the language of the request's `Accept-Language` (zh-Hans by default).
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// Seconds to wait before trying again (rate limits, lockouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub name: String,
    pub id_number: String,
    pub password: String,
    pub mobile: String,
    /// The mobile typed a second time.
    pub mobile_again: String,
    pub terms_accepted: bool,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub id_number: String,
    pub password: String,
    /// The install's public key, base64; evidence uploaded in this session
    /// must be signed by it. A software key: Ed25519, 32 bytes. An Android
    /// Keystore key: its SubjectPublicKeyInfo (DER). An App Attest key: its
    /// key identifier (32 bytes).
    pub device_public_key: String,
    /// Proof that the key lives in the phone's secure hardware and belongs to
    /// the official app, made for a challenge from
    /// `POST /v1/attestation/challenges`. Required unless the server accepts
    /// software keys (demo and test mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<KeyAttestation>,
}

/// A hardware key attestation, bound to one attestation challenge.
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyAttestation {
    /// The challenge as received (base64).
    pub challenge: String,
    pub proof: AttestationProof,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttestationProof {
    /// Android Keystore key attestation: the certificate chain, leaf first,
    /// each certificate DER in base64.
    AndroidKeystore { chain: Vec<String> },
    /// Apple App Attest: the attestation object (CBOR, base64) for the key
    /// whose identifier is `device_public_key`, made with clientDataHash =
    /// SHA-256 of the decoded challenge.
    AppAttest { attestation_object: String },
    /// Apple App Attest, for a key this server already saw attested (a key
    /// is attested once): an assertion (CBOR, base64) whose client data is
    /// the decoded challenge.
    AppAttestAssertion { assertion: String },
}

/// A single-use challenge to attest the device key with.
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttestationChallenge {
    /// 32 random bytes, base64.
    pub challenge: String,
    pub expires_in_s: u64,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Access token lifetime from now.
    pub access_expires_in_s: u64,
    pub person_id: String,
    pub name: String,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountCreated {
    pub person_id: String,
}

/// One person as the app shows them: the account holder or a bound relative.
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonView {
    pub person_id: String,
    pub name: String,
    /// The ID number with the middle hidden (110105********002X).
    pub id_masked: String,
    /// False until a template photo is enrolled at an agency (建模).
    pub template_enrolled: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub status: CertificationStatus,
    /// The address, post code and phone the agency has, once given in the
    /// app (`PUT /v1/people/{person_id}/contact`); only for the account
    /// holder and relatives they may act for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<crate::rules::contact::Contact>,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingState {
    /// Waiting for the relative (or an agency counter) to agree.
    Pending,
    Active,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BindRequest {
    pub name: String,
    pub id_number: String,
    /// How the relative relates to the account holder, e.g. "父亲", "母亲", "father".
    pub relation: String,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    pub binding_id: String,
    pub relation: String,
    pub state: BindingState,
    /// The relative (for bindings I asked for) or the asker (for requests to
    /// me). While pending, nothing about their certification is shown: the
    /// status is a blank `not_in_scope` one and `template_enrolled` is false.
    pub person: PersonView,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Home {
    pub me: PersonView,
    /// False while the account is only registered: it can then do nothing but
    /// certify its owner (a passed self-certification verifies it, as does an
    /// agency counter); binding, agreeing and proxy certification wait.
    #[serde(default)]
    pub account_verified: bool,
    /// Relatives I certify for, pending or active.
    pub relatives: Vec<Binding>,
    /// Requests from others to certify for me, waiting for my agreement.
    pub requests: Vec<Binding>,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartRequest {
    /// Whose certification: my own person_id or a bound relative's.
    pub subject_person_id: String,
}

/// A challenge for one attempt: do these actions in order; the nonce binds the
/// evidence to this attempt and is single-use.
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Started {
    pub certification_id: String,
    pub nonce: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub actions: Vec<Action>,
    pub expires_at_ms: u64,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Waiting for evidence.
    Open,
    Passed,
    Failed,
    /// A person at the agency decides (borderline match, or 3 failures in a cycle).
    PendingReview,
    /// No evidence before the challenge expired.
    Expired,
}

/// What the server decided about one certification attempt.
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificationRecord {
    pub certification_id: String,
    pub subject_person_id: String,
    pub subject_name: String,
    /// Who did it: the subject or a relative.
    pub actor_person_id: String,
    pub started_ms: u64,
    pub decided_ms: Option<u64>,
    pub outcome: Outcome,
    /// Stable code of why it failed or went to review (e.g. `face_mismatch`).
    pub reason: Option<String>,
    /// What the person should do, in the request's language.
    pub advice: Option<String>,
    /// The signed receipt, for passed certifications.
    pub receipt: Option<Receipt>,
    /// Where the key that signed the evidence lived: `software` (unattested,
    /// demo and test mode only), `tee`, `strongbox` (Android Keystore) or
    /// `app-attest` (iOS). None before any evidence was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation_level: Option<String>,
    /// In review: the working day by which staff decide (the region's
    /// working days from the certification day, holidays skipped).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_by: Option<crate::rules::date::CalendarDate>,
}

/// Proof of a passed certification that the app checks offline with the
/// server's public key (`GET /v1/receipt-key`).
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Canonical JSON of [`ReceiptClaims`], base64.
    pub claims: String,
    /// Ed25519 signature of the decoded claims bytes, base64.
    pub signature: String,
    /// Which of the server's keys signed it (`GET /v1/receipt-keys`). Absent
    /// on receipts made before keys had ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

/// The prefix of a receipt written as one line (a QR code's content).
pub const RECEIPT_TEXT_PREFIX: &str = "LCR1";

impl Receipt {
    /// The receipt as one line, for a QR code a bank or agency counter scans:
    /// `LCR1.<claims>.<signature>[.<kid>]` (base64 has no dots).
    pub fn to_text(&self) -> String {
        let mut out = format!("{RECEIPT_TEXT_PREFIX}.{}.{}", self.claims, self.signature);
        if let Some(kid) = &self.kid {
            out.push('.');
            out.push_str(kid);
        }
        out
    }

    /// A scanned line back into a receipt (not yet verified: see
    /// [`verify_receipt_with`]).
    pub fn from_text(text: &str) -> Option<Receipt> {
        let mut parts = text.trim().split('.');
        if parts.next()? != RECEIPT_TEXT_PREFIX {
            return None;
        }
        let (claims, signature) = (parts.next()?, parts.next()?);
        let kid = parts.next().map(str::to_string);
        if parts.next().is_some() || claims.is_empty() || signature.is_empty() {
            return None;
        }
        Some(Receipt {
            claims: claims.into(),
            signature: signature.into(),
            kid,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    pub certification_id: String,
    pub subject_person_id: String,
    pub subject_id_masked: String,
    pub certified_on: crate::rules::date::CalendarDate,
    pub next_due: Option<crate::rules::date::CalendarDate>,
    pub issued_ms: u64,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptKey {
    /// The server's Ed25519 public key, base64.
    pub public_key: String,
    /// The key's id, as receipts name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

/// Every receipt key the server has signed with, oldest first; the last one
/// signs new receipts. Old keys stay so earlier receipts keep verifying.
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptKeys {
    pub keys: Vec<ReceiptKey>,
}

#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Records {
    pub records: Vec<CertificationRecord>,
}

/// Keeps the first 6 and last 4 characters of an ID number.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 10));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// Verifies a receipt with the server's public key and returns its claims.
pub fn verify_receipt(receipt: &Receipt, public_key: &[u8]) -> Option<ReceiptClaims> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let claims = b64.decode(&receipt.claims).ok()?;
    let sig = b64.decode(&receipt.signature).ok()?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public_key)
        .verify(&claims, &sig)
        .ok()?;
    serde_json::from_slice(&claims).ok()
}

/// Verifies a receipt with the key its `kid` names among `keys` (a key
/// without an id, e.g. one pinned in the app, is tried for any receipt; a
/// receipt without an id is tried with every key).
pub fn verify_receipt_with(receipt: &Receipt, keys: &[ReceiptKey]) -> Option<ReceiptClaims> {
    use base64::Engine as _;
    keys.iter()
        .filter(|k| k.kid.is_none() || receipt.kid.is_none() || k.kid == receipt.kid)
        .filter_map(|k| {
            base64::engine::general_purpose::STANDARD
                .decode(&k.public_key)
                .ok()
        })
        .find_map(|k| verify_receipt(receipt, &k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_goes_to_one_line_and_back_and_other_lines_are_refused() {
        let r = Receipt {
            claims: "eyJhIjoxfQ==".into(),
            signature: "c2ln/+==".into(),
            kid: Some("k2".into()),
        };
        assert_eq!(r.to_text(), "LCR1.eyJhIjoxfQ==.c2ln/+==.k2");
        assert_eq!(Receipt::from_text(&r.to_text()), Some(r.clone()));
        let old = Receipt { kid: None, ..r };
        assert_eq!(Receipt::from_text(&old.to_text()), Some(old));
        for bad in [
            "",
            "LCR1",
            "LCR1.a",
            "LCR2.a.b",
            "LCR1..b",
            "LCR1.a.b.c.d",
            "hello",
        ] {
            assert_eq!(Receipt::from_text(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn mask_id_hides_the_birth_date_and_sequence() {
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("123"), "***");
    }

    #[test]
    fn receipt_verifies_only_with_the_signing_key_and_untouched_claims() {
        use base64::Engine as _;
        use ring::signature::KeyPair;
        let b64 = base64::engine::general_purpose::STANDARD;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let key = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let claims = ReceiptClaims {
            certification_id: "c1".into(),
            subject_person_id: "p1".into(),
            subject_id_masked: "110105********002X".into(),
            certified_on: crate::rules::date::CalendarDate::new(2026, 11, 22),
            next_due: None,
            issued_ms: 1,
        };
        let bytes = serde_json::to_vec(&claims).unwrap();
        let receipt = Receipt {
            claims: b64.encode(&bytes),
            signature: b64.encode(key.sign(&bytes).as_ref()),
            kid: Some("k2".into()),
        };
        assert_eq!(
            verify_receipt(&receipt, key.public_key().as_ref()),
            Some(claims.clone())
        );
        let other = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let other = ring::signature::Ed25519KeyPair::from_pkcs8(other.as_ref()).unwrap();
        assert_eq!(verify_receipt(&receipt, other.public_key().as_ref()), None);
        let mut forged = bytes.clone();
        forged[5] ^= 1;
        let forged = Receipt {
            claims: b64.encode(&forged),
            signature: receipt.signature.clone(),
            kid: receipt.kid.clone(),
        };
        assert_eq!(verify_receipt(&forged, key.public_key().as_ref()), None);
        // A keyring: the key named by kid verifies; the same key under another
        // id is not tried.
        let named = |kid: &str, k: &ring::signature::Ed25519KeyPair| ReceiptKey {
            kid: Some(kid.into()),
            public_key: b64.encode(k.public_key().as_ref()),
        };
        let ring = [named("k1", &other), named("k2", &key)];
        assert_eq!(verify_receipt_with(&receipt, &ring), Some(claims.clone()));
        assert_eq!(verify_receipt_with(&receipt, &[named("k1", &key)]), None);
        let old = Receipt {
            kid: None,
            ..receipt.clone()
        };
        assert_eq!(verify_receipt_with(&old, &ring), Some(claims));
    }
}
