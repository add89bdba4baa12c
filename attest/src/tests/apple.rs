use super::NOW;
use crate::apple::{self, ApplePolicy};
use crate::testing::{AppleAttest, AppleSpec};
use crate::{AttestError, Level};

const APP_ID: &str = "ABCDE12345.org.lifecert.app";
const CHALLENGE: &[u8] = b"server challenge for app attest";

fn spec() -> AppleSpec {
    AppleSpec {
        app_id: APP_ID.into(),
        challenge: CHALLENGE.to_vec(),
        development: false,
        counter: 0,
    }
}

fn policy(root: &[u8]) -> ApplePolicy {
    ApplePolicy {
        roots: vec![root.to_vec()],
        app_ids: vec![APP_ID.into()],
        allow_development: false,
    }
}

fn verify(a: &AppleAttest) -> Result<apple::AppleAttestation, AttestError> {
    apple::verify_attestation(&a.object, &a.key_id, CHALLENGE, &policy(&a.root), NOW)
}

#[test]
fn a_genuine_attestation_passes_and_its_assertions_verify() {
    let a = AppleAttest::new(&spec(), NOW);
    let v = verify(&a).unwrap();
    assert_eq!(v.level, Level::AppAttest);
    assert_eq!(v.public_key, a.key.point());
    assert_eq!(v.key_id, a.key_id);
    assert_eq!(v.app_id, APP_ID);
    assert!(!v.development);
    assert_eq!(v.receipt, b"receipt");
    let p = policy(&a.root);
    let first = a.assertion(APP_ID, b"upload 1", 1);
    assert_eq!(
        apple::verify_assertion(&first, b"upload 1", &v.public_key, &p, 0),
        Ok(1)
    );
    let second = a.assertion(APP_ID, b"upload 2", 5);
    assert_eq!(
        apple::verify_assertion(&second, b"upload 2", &v.public_key, &p, 1),
        Ok(5)
    );
}

#[test]
fn an_attestation_for_another_challenge_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    assert_eq!(
        apple::verify_attestation(
            &a.object,
            &a.key_id,
            b"another challenge",
            &policy(&a.root),
            NOW
        )
        .unwrap_err(),
        AttestError::WrongNonce
    );
}

#[test]
fn a_certificate_nonce_not_bound_to_the_auth_data_is_refused() {
    let a = AppleAttest::with(&spec(), NOW, |n| n[0] ^= 1);
    assert_eq!(verify(&a).unwrap_err(), AttestError::WrongNonce);
}

#[test]
fn a_chain_to_another_root_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    let other = AppleAttest::new(&spec(), NOW);
    assert_eq!(
        apple::verify_attestation(&a.object, &a.key_id, CHALLENGE, &policy(&other.root), NOW)
            .unwrap_err(),
        AttestError::UnknownRoot
    );
}

#[test]
fn an_expired_credential_certificate_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    assert_eq!(
        apple::verify_attestation(
            &a.object,
            &a.key_id,
            CHALLENGE,
            &policy(&a.root),
            NOW + 2 * 365 * 86_400
        )
        .unwrap_err(),
        AttestError::Expired
    );
}

#[test]
fn another_app_id_is_refused() {
    let mut s = spec();
    s.app_id = "ZZZZZ99999.org.lifecert.app".into();
    assert_eq!(
        verify(&AppleAttest::new(&s, NOW)).unwrap_err(),
        AttestError::UnknownApp
    );
}

#[test]
fn the_development_environment_is_refused_unless_allowed() {
    let mut s = spec();
    s.development = true;
    let a = AppleAttest::new(&s, NOW);
    assert_eq!(verify(&a).unwrap_err(), AttestError::Development);
    let mut p = policy(&a.root);
    p.allow_development = true;
    let v = apple::verify_attestation(&a.object, &a.key_id, CHALLENGE, &p, NOW).unwrap();
    assert!(v.development);
}

#[test]
fn a_key_id_that_is_not_the_attested_key_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    let mut id = a.key_id.clone();
    id[0] ^= 1;
    assert_eq!(
        apple::verify_attestation(&a.object, &id, CHALLENGE, &policy(&a.root), NOW).unwrap_err(),
        AttestError::WrongKeyId
    ); // authData naming that same wrong id does not help: the id must be the
       // SHA-256 of the certified key.
    let b = AppleAttest::with_credential_id(&spec(), NOW, |id| id[0] ^= 1);
    let mut id = b.key_id.clone();
    id[0] ^= 1;
    assert_eq!(
        apple::verify_attestation(&b.object, &id, CHALLENGE, &policy(&b.root), NOW).unwrap_err(),
        AttestError::WrongKeyId
    );
}

#[test]
fn an_attestation_with_a_used_counter_is_refused() {
    let mut s = spec();
    s.counter = 3;
    assert_eq!(
        verify(&AppleAttest::new(&s, NOW)).unwrap_err(),
        AttestError::CounterNotIncreasing
    );
}

#[test]
fn a_replayed_or_non_increasing_assertion_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    let v = verify(&a).unwrap();
    let p = policy(&a.root);
    let assertion = a.assertion(APP_ID, b"upload", 4);
    assert_eq!(
        apple::verify_assertion(&assertion, b"upload", &v.public_key, &p, 3),
        Ok(4)
    );
    // The same assertion again: its counter is the stored one.
    assert_eq!(
        apple::verify_assertion(&assertion, b"upload", &v.public_key, &p, 4).unwrap_err(),
        AttestError::CounterNotIncreasing
    );
    let older = a.assertion(APP_ID, b"upload", 2);
    assert_eq!(
        apple::verify_assertion(&older, b"upload", &v.public_key, &p, 4).unwrap_err(),
        AttestError::CounterNotIncreasing
    );
}

#[test]
fn an_assertion_over_other_data_or_by_another_key_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    let v = verify(&a).unwrap();
    let p = policy(&a.root);
    let assertion = a.assertion(APP_ID, b"upload", 1);
    assert_eq!(
        apple::verify_assertion(&assertion, b"another upload", &v.public_key, &p, 0).unwrap_err(),
        AttestError::BadAssertionSignature
    );
    let other = AppleAttest::new(&spec(), NOW);
    let theirs = other.assertion(APP_ID, b"upload", 1);
    assert_eq!(
        apple::verify_assertion(&theirs, b"upload", &v.public_key, &p, 0).unwrap_err(),
        AttestError::BadAssertionSignature
    );
}

#[test]
fn an_assertion_for_another_app_is_refused() {
    let a = AppleAttest::new(&spec(), NOW);
    let v = verify(&a).unwrap();
    let assertion = a.assertion("ZZZZZ99999.com.other", b"upload", 1);
    assert_eq!(
        apple::verify_assertion(&assertion, b"upload", &v.public_key, &policy(&a.root), 0)
            .unwrap_err(),
        AttestError::UnknownApp
    );
}

#[test]
fn an_object_of_another_format_is_not_an_app_attestation() {
    let a = AppleAttest::new(&spec(), NOW);
    let mut object = a.object.clone();
    let at = object
        .windows(15)
        .position(|w| w == b"apple-appattest")
        .unwrap();
    object[at + 14] = b'T';
    assert_eq!(
        apple::verify_attestation(&object, &a.key_id, CHALLENGE, &policy(&a.root), NOW)
            .unwrap_err(),
        AttestError::NotAnAttestation
    );
}

#[test]
fn auth_data_naming_another_credential_is_refused() {
    // The certificate's key is the app's, but authData names another key id
    // (the certificate's nonce covers that authData, so only this check is left).
    let changed = AppleAttest::with_credential_id(&spec(), NOW, |id| id[0] ^= 1);
    assert_eq!(
        apple::verify_attestation(
            &changed.object,
            &changed.key_id,
            CHALLENGE,
            &policy(&changed.root),
            NOW
        )
        .unwrap_err(),
        AttestError::WrongKeyId
    );
}
