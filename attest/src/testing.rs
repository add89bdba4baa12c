//! Test certificate chains with the attestation extensions: a DER writer, a
//! certificate maker signing with ring, and fixtures shaped like what Android
//! Keystore and Apple App Attest produce. Test-only (feature `testing`).

use crate::apple::{AAGUID_DEVELOPMENT, AAGUID_PRODUCTION, OID_NONCE};
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
};

/// A DER writer, just enough for certificates and KeyDescription.
pub mod enc {
    fn len(n: usize) -> Vec<u8> {
        if n < 0x80 {
            vec![n as u8]
        } else {
            let b = (n as u32).to_be_bytes();
            let skip = b.iter().take_while(|&&x| x == 0).count();
            let mut v = vec![0x80 | (4 - skip) as u8];
            v.extend_from_slice(&b[skip..]);
            v
        }
    }
    pub fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        v.extend(len(content.len()));
        v.extend_from_slice(content);
        v
    }
    pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(&[0x30], &parts.concat())
    }
    pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut sorted = parts.to_vec();
        sorted.sort();
        tlv(&[0x31], &sorted.concat())
    }
    fn uint_content(v: &[u8]) -> Vec<u8> {
        let skip = v
            .iter()
            .take_while(|&&x| x == 0)
            .count()
            .min(v.len().saturating_sub(1));
        let mut c = v[skip..].to_vec();
        if c.is_empty() {
            c.push(0);
        }
        if c[0] & 0x80 != 0 {
            c.insert(0, 0);
        }
        c
    }
    pub fn int(v: u64) -> Vec<u8> {
        tlv(&[0x02], &uint_content(&v.to_be_bytes()))
    }
    pub fn enumerated(v: u64) -> Vec<u8> {
        tlv(&[0x0a], &uint_content(&v.to_be_bytes()))
    }
    pub fn octets(b: &[u8]) -> Vec<u8> {
        tlv(&[0x04], b)
    }
    pub fn boolean(b: bool) -> Vec<u8> {
        tlv(&[0x01], &[if b { 0xff } else { 0 }])
    }
    pub fn null() -> Vec<u8> {
        vec![0x05, 0x00]
    }
    pub fn bits(b: &[u8]) -> Vec<u8> {
        let mut c = vec![0];
        c.extend_from_slice(b);
        tlv(&[0x03], &c)
    }
    pub fn utf8(s: &str) -> Vec<u8> {
        tlv(&[0x0c], s.as_bytes())
    }
    pub fn oid(dotted: &str) -> Vec<u8> {
        let n: Vec<u64> = dotted.split('.').map(|p| p.parse().unwrap()).collect();
        let mut c = Vec::new();
        let mut push = |mut v: u64| {
            let mut tmp = vec![(v & 0x7f) as u8];
            v >>= 7;
            while v > 0 {
                tmp.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            tmp.reverse();
            c.extend(tmp);
        };
        push(n[0] * 40 + n[1]);
        for &v in &n[2..] {
            push(v);
        }
        tlv(&[0x06], &c)
    }
    /// `[n]` EXPLICIT around `inner`, with the long tag form above 30.
    pub fn explicit(n: u32, inner: &[u8]) -> Vec<u8> {
        let tag = if n < 31 {
            vec![0xa0 | n as u8]
        } else {
            let mut t = vec![(n & 0x7f) as u8];
            let mut v = n >> 7;
            while v > 0 {
                t.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            t.push(0xbf);
            t.reverse();
            t
        };
        tlv(&tag, inner)
    }
    /// GeneralizedTime for `unix` seconds.
    pub fn time(unix: i64) -> Vec<u8> {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        // Civil date from days (Howard Hinnant's method).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
        let s = format!(
            "{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
        tlv(&[0x18], s.as_bytes())
    }
}

/// An EC key for test certificates.
pub struct TestKey {
    pair: EcdsaKeyPair,
    p384: bool,
}

impl TestKey {
    pub fn p256() -> TestKey {
        Self::new(false)
    }
    pub fn p384() -> TestKey {
        Self::new(true)
    }
    fn new(p384: bool) -> TestKey {
        let alg = if p384 {
            &ECDSA_P384_SHA384_ASN1_SIGNING
        } else {
            &ECDSA_P256_SHA256_ASN1_SIGNING
        };
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        TestKey {
            pair: EcdsaKeyPair::from_pkcs8(alg, doc.as_ref(), &rng).unwrap(),
            p384,
        }
    }
    /// The uncompressed EC point.
    pub fn point(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
    pub fn spki(&self) -> Vec<u8> {
        let curve = if self.p384 {
            crate::x509::OID_P384
        } else {
            crate::x509::OID_P256
        };
        enc::seq(&[
            enc::seq(&[enc::oid(crate::x509::OID_EC_PUBLIC_KEY), enc::oid(curve)]),
            enc::bits(&self.point()),
        ])
    }
    /// ASN.1 DER ECDSA signature (SHA-256 on P-256, SHA-384 on P-384).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), msg)
            .unwrap()
            .as_ref()
            .to_vec()
    }
    fn sig_alg(&self) -> &'static str {
        if self.p384 {
            "1.2.840.10045.4.3.3"
        } else {
            "1.2.840.10045.4.3.2"
        }
    }
}

/// A certificate to make.
#[derive(Clone)]
pub struct CertSpec {
    pub serial: u64,
    pub subject: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_after: i64,
    pub ca: bool,
    pub extensions: Vec<(String, Vec<u8>)>,
}

impl CertSpec {
    pub fn new(serial: u64, subject: &str, issuer: &str, now: i64, ca: bool) -> CertSpec {
        CertSpec {
            serial,
            subject: subject.into(),
            issuer: issuer.into(),
            not_before: now - 86_400,
            not_after: now + 365 * 86_400,
            ca,
            extensions: Vec::new(),
        }
    }
}

fn name(cn: &str) -> Vec<u8> {
    enc::seq(&[enc::set(&[enc::seq(&[enc::oid("2.5.4.3"), enc::utf8(cn)])])])
}

/// A DER certificate for `subject_spki`, signed by `issuer`.
pub fn make_cert(spec: &CertSpec, subject_spki: &[u8], issuer: &TestKey) -> Vec<u8> {
    let alg = enc::seq(&[enc::oid(issuer.sig_alg())]);
    let mut exts = vec![enc::seq(&[
        enc::oid("2.5.29.19"),
        enc::boolean(true),
        enc::octets(&enc::seq(&if spec.ca {
            vec![enc::boolean(true)]
        } else {
            vec![]
        })),
    ])];
    for (oid, value) in &spec.extensions {
        exts.push(enc::seq(&[enc::oid(oid), enc::octets(value)]));
    }
    let tbs = enc::seq(&[
        enc::explicit(0, &enc::int(2)),
        enc::int(spec.serial),
        alg.clone(),
        name(&spec.issuer),
        enc::seq(&[enc::time(spec.not_before), enc::time(spec.not_after)]),
        name(&spec.subject),
        subject_spki.to_vec(),
        enc::explicit(3, &enc::seq(&exts)),
    ]);
    let sig = issuer.sign(&tbs);
    enc::seq(&[tbs, alg, enc::bits(&sig)])
}

/// What the phone's Keystore would put in a KeyDescription.
#[derive(Clone)]
pub struct KeyDescriptionSpec {
    pub attestation_level: u64,
    pub keymaster_level: u64,
    pub challenge: Vec<u8>,
    pub package: String,
    pub signing_digest: [u8; 32],
    /// `None`: no RootOfTrust at all.
    pub boot: Option<(u64, bool)>,
}

impl KeyDescriptionSpec {
    /// A TEE key on a locked, verified phone, for `package` signed with `digest`.
    pub fn tee(challenge: &[u8], package: &str, digest: [u8; 32]) -> Self {
        KeyDescriptionSpec {
            attestation_level: 1,
            keymaster_level: 1,
            challenge: challenge.to_vec(),
            package: package.into(),
            signing_digest: digest,
            boot: Some((0, true)),
        }
    }
}

pub fn key_description(spec: &KeyDescriptionSpec) -> Vec<u8> {
    let app_id = enc::seq(&[
        enc::set(&[enc::seq(&[
            enc::octets(spec.package.as_bytes()),
            enc::int(7),
        ])]),
        enc::set(&[enc::octets(&spec.signing_digest)]),
    ]);
    // softwareEnforced: creation time [701] and the application id [709].
    let software = enc::seq(&[
        enc::explicit(701, &enc::int(1_700_000_000_000)),
        enc::explicit(709, &enc::octets(&app_id)),
    ]);
    // teeEnforced: purpose [1] SIGN, algorithm [2] EC, ecCurve [10] P-256,
    // rootOfTrust [704], OS version [705].
    let mut hardware = vec![
        enc::explicit(1, &enc::set(&[enc::int(2)])),
        enc::explicit(2, &enc::int(3)),
        enc::explicit(10, &enc::int(1)),
    ];
    if let Some((state, locked)) = spec.boot {
        hardware.push(enc::explicit(
            704,
            &enc::seq(&[
                enc::octets(&[0x11; 32]),
                enc::boolean(locked),
                enc::enumerated(state),
                enc::octets(&[0x22; 32]),
            ]),
        ));
    }
    hardware.push(enc::explicit(705, &enc::int(140000)));
    enc::seq(&[
        enc::int(200),
        enc::enumerated(spec.attestation_level),
        enc::int(200),
        enc::enumerated(spec.keymaster_level),
        enc::octets(&spec.challenge),
        enc::octets(&[]),
        software,
        enc::seq(&hardware),
    ])
}

/// An Android-shaped chain: root (self-signed CA), intermediate (CA), the
/// attestation leaf for `key` with the KeyDescription.
pub struct AndroidChain {
    pub root: Vec<u8>,
    /// Leaf, intermediate, root (as phones send it).
    pub chain: Vec<Vec<u8>>,
    pub key: TestKey,
    pub root_key: TestKey,
    pub intermediate_key: TestKey,
}

impl AndroidChain {
    pub fn new(spec: &KeyDescriptionSpec, now: i64) -> AndroidChain {
        Self::with(spec, now, |_, _| {})
    }

    /// `edit(index, spec)` may change each certificate before it is made
    /// (0 leaf, 1 intermediate, 2 root).
    pub fn with(
        kd: &KeyDescriptionSpec,
        now: i64,
        mut edit: impl FnMut(usize, &mut CertSpec),
    ) -> AndroidChain {
        let root_key = TestKey::p256();
        let intermediate_key = TestKey::p256();
        let key = TestKey::p256();
        let mut root = CertSpec::new(
            1,
            "Test Attestation Root",
            "Test Attestation Root",
            now,
            true,
        );
        root.not_after = now + 20 * 365 * 86_400;
        edit(2, &mut root);
        let mut inter = CertSpec::new(0x2c8c_dddf, "Test TEE", "Test Attestation Root", now, true);
        edit(1, &mut inter);
        let mut leaf = CertSpec::new(1, "Android Keystore Key", "Test TEE", now, false);
        leaf.extensions.push((
            crate::android::OID_KEY_DESCRIPTION.into(),
            key_description(kd),
        ));
        edit(0, &mut leaf);
        let root_der = make_cert(&root, &root_key.spki(), &root_key);
        let inter_der = make_cert(&inter, &intermediate_key.spki(), &root_key);
        let leaf_der = make_cert(&leaf, &key.spki(), &intermediate_key);
        AndroidChain {
            root: root_der.clone(),
            chain: vec![leaf_der, inter_der, root_der],
            key,
            root_key,
            intermediate_key,
        }
    }
}

impl AndroidChain {
    /// Another phone's key under the same root and intermediate: a new leaf
    /// for `kd`, as (chain leaf first, the leaf's key).
    pub fn new_leaf(&self, kd: &KeyDescriptionSpec, now: i64) -> (Vec<Vec<u8>>, TestKey) {
        let key = TestKey::p256();
        let mut leaf = CertSpec::new(1, "Android Keystore Key", "Test TEE", now, false);
        leaf.extensions.push((
            crate::android::OID_KEY_DESCRIPTION.into(),
            key_description(kd),
        ));
        let der = make_cert(&leaf, &key.spki(), &self.intermediate_key);
        (vec![der, self.chain[1].clone(), self.chain[2].clone()], key)
    }
}

/// What the app and App Attest would put in an attestation object.
#[derive(Clone)]
pub struct AppleSpec {
    pub app_id: String,
    pub challenge: Vec<u8>,
    pub development: bool,
    pub counter: u32,
}

/// An App Attest attestation: root (P-384), intermediate, credential cert.
pub struct AppleAttest {
    pub root: Vec<u8>,
    pub object: Vec<u8>,
    pub key_id: Vec<u8>,
    pub key: TestKey,
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut c = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        c.update(p);
    }
    c.finish().as_ref().to_vec()
}

fn cbor(v: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

/// A test App Attestation CA: root (P-384) and intermediate (P-384).
pub struct AppleCa {
    pub root: Vec<u8>,
    intermediate: Vec<u8>,
    intermediate_key: TestKey,
}

impl AppleCa {
    pub fn new(now: i64) -> AppleCa {
        let root_key = TestKey::p384();
        let intermediate_key = TestKey::p384();
        let mut root = CertSpec::new(
            1,
            "Test App Attestation Root CA",
            "Test App Attestation Root CA",
            now,
            true,
        );
        root.not_after = now + 20 * 365 * 86_400;
        let inter = CertSpec::new(
            2,
            "Test App Attestation CA 1",
            "Test App Attestation Root CA",
            now,
            true,
        );
        AppleCa {
            root: make_cert(&root, &root_key.spki(), &root_key),
            intermediate: make_cert(&inter, &intermediate_key.spki(), &root_key),
            intermediate_key,
        }
    }

    /// An attestation object for a new key; `edit_nonce` may change the
    /// nonce written into the credential certificate.
    pub fn attest(
        &self,
        spec: &AppleSpec,
        now: i64,
        edit_nonce: impl FnOnce(&mut Vec<u8>),
    ) -> AppleAttest {
        self.attest_with(spec, now, edit_nonce, |_| {})
    }

    /// As [`AppleCa::attest`]; `edit_credential_id` may change the credential
    /// id written into authData (the nonce then covers the changed one).
    pub fn attest_with(
        &self,
        spec: &AppleSpec,
        now: i64,
        edit_nonce: impl FnOnce(&mut Vec<u8>),
        edit_credential_id: impl FnOnce(&mut Vec<u8>),
    ) -> AppleAttest {
        use ciborium::Value;
        let key = TestKey::p256();
        let key_id = sha256(&[&key.point()]);
        let mut credential_id = key_id.clone();
        edit_credential_id(&mut credential_id);
        let mut auth = sha256(&[spec.app_id.as_bytes()]);
        auth.push(0x40);
        auth.extend(spec.counter.to_be_bytes());
        auth.extend(if spec.development {
            AAGUID_DEVELOPMENT
        } else {
            AAGUID_PRODUCTION
        });
        auth.extend((credential_id.len() as u16).to_be_bytes());
        auth.extend(&credential_id);
        // The COSE key (not read by the verifier: the certificate is).
        auth.extend(cbor(&Value::Map(vec![(
            Value::Integer(1.into()),
            Value::Integer(2.into()),
        )])));
        let mut nonce = sha256(&[&auth, &sha256(&[&spec.challenge])]);
        edit_nonce(&mut nonce);
        let mut cred = CertSpec::new(3, "credential", "Test App Attestation CA 1", now, false);
        cred.extensions.push((
            OID_NONCE.into(),
            enc::seq(&[enc::explicit(1, &enc::octets(&nonce))]),
        ));
        let cred_der = make_cert(&cred, &key.spki(), &self.intermediate_key);
        let object = cbor(&Value::Map(vec![
            (
                Value::Text("fmt".into()),
                Value::Text("apple-appattest".into()),
            ),
            (
                Value::Text("attStmt".into()),
                Value::Map(vec![
                    (
                        Value::Text("x5c".into()),
                        Value::Array(vec![
                            Value::Bytes(cred_der),
                            Value::Bytes(self.intermediate.clone()),
                        ]),
                    ),
                    (
                        Value::Text("receipt".into()),
                        Value::Bytes(b"receipt".to_vec()),
                    ),
                ]),
            ),
            (Value::Text("authData".into()), Value::Bytes(auth)),
        ]));
        AppleAttest {
            root: self.root.clone(),
            object,
            key_id,
            key,
        }
    }
}

impl AppleAttest {
    /// An attestation under a CA of its own.
    pub fn new(spec: &AppleSpec, now: i64) -> AppleAttest {
        Self::with(spec, now, |_| {})
    }

    pub fn with(spec: &AppleSpec, now: i64, edit_nonce: impl FnOnce(&mut Vec<u8>)) -> AppleAttest {
        AppleCa::new(now).attest(spec, now, edit_nonce)
    }

    pub fn with_credential_id(
        spec: &AppleSpec,
        now: i64,
        edit: impl FnOnce(&mut Vec<u8>),
    ) -> AppleAttest {
        AppleCa::new(now).attest_with(spec, now, |_| {}, edit)
    }

    /// An assertion over `client_data` with `counter`, for `app_id`.
    pub fn assertion(&self, app_id: &str, client_data: &[u8], counter: u32) -> Vec<u8> {
        assertion(&self.key, app_id, client_data, counter)
    }
}

/// An App Attest assertion by `key`.
pub fn assertion(key: &TestKey, app_id: &str, client_data: &[u8], counter: u32) -> Vec<u8> {
    use ciborium::Value;
    let mut auth = sha256(&[app_id.as_bytes()]);
    auth.push(0x00);
    auth.extend(counter.to_be_bytes());
    let nonce = sha256(&[&auth, &sha256(&[client_data])]);
    cbor(&Value::Map(vec![
        (
            Value::Text("signature".into()),
            Value::Bytes(key.sign(&nonce)),
        ),
        (Value::Text("authenticatorData".into()), Value::Bytes(auth)),
    ]))
}
