use super::NOW;
use crate::android::{self, AndroidApp, AndroidPolicy, VerifiedBootState};
use crate::testing::{AndroidChain, KeyDescriptionSpec, TestKey};
use crate::{AttestError, Level};

const PACKAGE: &str = "org.lifecert.app";
const RELEASE: [u8; 32] = [0xab; 32];
const CHALLENGE: &[u8] = b"server challenge 0123456789abcdef";

fn spec() -> KeyDescriptionSpec {
    KeyDescriptionSpec::tee(CHALLENGE, PACKAGE, RELEASE)
}

fn policy(root: &[u8]) -> AndroidPolicy {
    AndroidPolicy {
        roots: vec![root.to_vec()],
        apps: vec![AndroidApp {
            package: PACKAGE.into(),
            signing_digests: vec![RELEASE],
        }],
        require_hardware: true,
        revoked_serials: vec![],
    }
}

fn verify(c: &AndroidChain) -> Result<android::AndroidAttestation, AttestError> {
    android::verify(&c.chain, CHALLENGE, &policy(&c.root), NOW)
}

#[test]
fn a_genuine_tee_attestation_passes_and_gives_the_attested_key() {
    let c = AndroidChain::new(&spec(), NOW);
    let a = verify(&c).unwrap();
    assert_eq!(a.level, Level::TrustedEnvironment);
    assert_eq!(a.package, PACKAGE);
    assert_eq!(a.boot, Some((VerifiedBootState::Verified, true)));
    assert_eq!(a.public_key_spki, c.key.spki());
    // Later uploads are signed with the attested key and verify with it.
    let sig = c.key.sign(b"evidence");
    assert!(android::verify_signature(
        &a.public_key_spki,
        b"evidence",
        &sig
    ));
    assert!(!android::verify_signature(
        &a.public_key_spki,
        b"evidencE",
        &sig
    ));
    // The root may also be left off the chain.
    let without_root = &c.chain[..2];
    assert!(android::verify(without_root, CHALLENGE, &policy(&c.root), NOW).is_ok());
}

#[test]
fn strongbox_is_reported_as_strongbox() {
    let mut s = spec();
    s.attestation_level = 2;
    s.keymaster_level = 2;
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap().level,
        Level::StrongBox
    );
}

#[test]
fn a_key_made_for_another_challenge_is_refused() {
    let mut s = spec();
    s.challenge = b"an older challenge, replayed".to_vec();
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
        AttestError::WrongChallenge
    );
}

#[test]
fn a_chain_to_an_unknown_root_is_refused() {
    let c = AndroidChain::new(&spec(), NOW);
    let other = AndroidChain::new(&spec(), NOW);
    assert_eq!(
        android::verify(&c.chain, CHALLENGE, &policy(&other.root), NOW).unwrap_err(),
        AttestError::UnknownRoot
    );
    // Sending its own root along does not make it trusted.
    assert_eq!(
        android::verify(&c.chain[..2], CHALLENGE, &policy(&other.root), NOW).unwrap_err(),
        AttestError::UnknownRoot
    );
}

#[test]
fn an_expired_or_not_yet_valid_certificate_is_refused() {
    let expired = AndroidChain::with(&spec(), NOW, |i, c| {
        if i == 1 {
            c.not_after = NOW - 1;
        }
    });
    assert_eq!(verify(&expired).unwrap_err(), AttestError::Expired);
    let future = AndroidChain::with(&spec(), NOW, |i, c| {
        if i == 0 {
            c.not_before = NOW + 3600;
        }
    });
    assert_eq!(verify(&future).unwrap_err(), AttestError::Expired);
}

#[test]
fn a_broken_signature_in_the_chain_is_refused() {
    let mut c = AndroidChain::new(&spec(), NOW);
    // The leaf's challenge rewritten after signing: its signature breaks.
    let leaf = &mut c.chain[0];
    let at = leaf
        .windows(CHALLENGE.len())
        .position(|w| w == CHALLENGE)
        .unwrap();
    leaf[at] ^= 1;
    let mut s = policy(&c.root);
    let mut changed = CHALLENGE.to_vec();
    changed[0] ^= 1;
    assert_eq!(
        android::verify(&c.chain, &changed, &s, NOW).unwrap_err(),
        AttestError::BadChainSignature
    );
    s.require_hardware = false;
    assert_eq!(
        android::verify(&c.chain, &changed, &s, NOW).unwrap_err(),
        AttestError::BadChainSignature
    );
}

#[test]
fn a_leaf_signed_by_another_attested_key_is_refused() {
    // The attacker owns a genuine phone: its attested key (not a CA) signs a
    // made-up leaf for a software key with whatever KeyDescription he likes.
    let genuine = AndroidChain::new(&spec(), NOW);
    let forged_key = TestKey::p256();
    let leaf_spec = {
        let mut l = crate::testing::CertSpec::new(9, "forged", "Android Keystore Key", NOW, false);
        l.extensions.push((
            android::OID_KEY_DESCRIPTION.into(),
            crate::testing::key_description(&spec()),
        ));
        l
    };
    let forged = crate::testing::make_cert(&leaf_spec, &forged_key.spki(), &genuine.key);
    let chain = vec![
        forged,
        genuine.chain[0].clone(),
        genuine.chain[1].clone(),
        genuine.chain[2].clone(),
    ];
    assert_eq!(
        android::verify(&chain, CHALLENGE, &policy(&genuine.root), NOW).unwrap_err(),
        AttestError::IssuerNotCa
    );
}

#[test]
fn a_revoked_intermediate_is_refused() {
    let c = AndroidChain::new(&spec(), NOW);
    let mut p = policy(&c.root);
    p.revoked_serials = vec!["002C8CDDDF".into()];
    assert_eq!(
        android::verify(&c.chain, CHALLENGE, &p, NOW).unwrap_err(),
        AttestError::Revoked
    );
}

#[test]
fn a_software_key_is_refused_when_hardware_is_required() {
    let mut s = spec();
    s.keymaster_level = 0;
    s.attestation_level = 0;
    let c = AndroidChain::new(&s, NOW);
    assert_eq!(verify(&c).unwrap_err(), AttestError::NotHardware);
    // A TEE key attested by software only is no better.
    let mut s = spec();
    s.attestation_level = 0;
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
        AttestError::NotHardware
    );
    // Demo policy: accepted, and said to be software.
    let mut p = policy(&c.root);
    p.require_hardware = false;
    let a = android::verify(&c.chain, CHALLENGE, &p, NOW).unwrap();
    assert_eq!(a.level, Level::Software);
}

#[test]
fn an_unlocked_bootloader_is_refused() {
    let mut s = spec();
    s.boot = Some((0, false));
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
        AttestError::BootloaderUnlocked
    );
}

#[test]
fn an_unverified_or_self_signed_boot_is_refused() {
    for state in [1, 2, 3] {
        let mut s = spec();
        s.boot = Some((state, true));
        assert_eq!(
            verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
            AttestError::BootNotVerified
        );
    }
    let mut s = spec();
    s.boot = None;
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
        AttestError::BootNotVerified
    );
}

#[test]
fn another_package_is_refused() {
    let mut s = spec();
    s.package = "com.example.repackaged".into();
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
        AttestError::UnknownApp
    );
}

#[test]
fn our_package_signed_with_another_key_is_refused() {
    // A re-signed or debug build of our package: not a release signing key.
    let mut s = spec();
    s.signing_digest = [0xcd; 32];
    assert_eq!(
        verify(&AndroidChain::new(&s, NOW)).unwrap_err(),
        AttestError::UnknownSigner
    );
}

#[test]
fn a_leaf_without_key_description_is_not_an_attestation() {
    let c = AndroidChain::with(&spec(), NOW, |i, c| {
        if i == 0 {
            c.extensions.clear();
        }
    });
    assert_eq!(verify(&c).unwrap_err(), AttestError::NotAnAttestation);
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let c = AndroidChain::new(&spec(), NOW);
    for cut in [0, 1, 10, 100, c.chain[0].len() - 1] {
        let mut chain = c.chain.clone();
        chain[0].truncate(cut);
        assert!(matches!(
            verify_chain(&chain, &c.root),
            Err(AttestError::Malformed(_))
        ));
    }
}

fn verify_chain(
    chain: &[Vec<u8>],
    root: &[u8],
) -> Result<android::AndroidAttestation, AttestError> {
    android::verify(chain, CHALLENGE, &policy(root), NOW)
}

#[test]
fn roots_load_from_der_and_pem() {
    use base64::Engine as _;
    let c = AndroidChain::new(&spec(), NOW);
    assert_eq!(
        crate::x509::parse_roots(&c.root).unwrap(),
        vec![c.root.clone()]
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&c.root);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    );
    let two = format!("{pem}{pem}");
    assert_eq!(crate::x509::parse_roots(two.as_bytes()).unwrap().len(), 2);
    assert!(crate::x509::parse_roots(b"not a certificate").is_err());
}

#[test]
fn a_key_description_above_the_leaf_is_refused() {
    // An intermediate (a CA) that itself describes a key: a chain assembled
    // around somebody else's attestation.
    let c = AndroidChain::with(&spec(), NOW, |i, c| {
        if i == 1 {
            c.extensions.push((
                android::OID_KEY_DESCRIPTION.into(),
                crate::testing::key_description(&spec()),
            ));
        }
    });
    assert!(matches!(verify(&c), Err(AttestError::Malformed(m)) if m.contains("above the leaf")));
}

#[test]
fn an_attested_key_that_is_not_p256_is_refused() {
    let c = AndroidChain::new(&spec(), NOW);
    let p384 = TestKey::p384();
    let mut leaf = crate::testing::CertSpec::new(5, "Android Keystore Key", "Test TEE", NOW, false);
    leaf.extensions.push((
        android::OID_KEY_DESCRIPTION.into(),
        crate::testing::key_description(&spec()),
    ));
    let der = crate::testing::make_cert(&leaf, &p384.spki(), &c.intermediate_key);
    let chain = vec![der, c.chain[1].clone(), c.chain[2].clone()];
    assert_eq!(
        android::verify(&chain, CHALLENGE, &policy(&c.root), NOW).unwrap_err(),
        AttestError::WrongKeyType
    );
}
