//! X.509 certificates as far as attestation needs them: the fields, the
//! extensions, and a chain checked signature by signature up to a configured
//! root, with validity dates, CA flags and an offline revocation list.

use crate::der::{self, malformed, Reader, Tag};
use crate::AttestError;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const OID_RSA: &str = "1.2.840.113549.1.1.1";
pub const OID_P256: &str = "1.2.840.10045.3.1.7";
pub const OID_P384: &str = "1.3.132.0.34";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
/// Longest chain accepted (leaf, intermediates, root): real ones have 3 to 5.
pub const MAX_CHAIN: usize = 8;

#[derive(Clone, Debug)]
pub struct Extension<'a> {
    pub oid: String,
    pub value: &'a [u8],
}

#[derive(Clone, Debug)]
pub struct Cert<'a> {
    pub raw: &'a [u8],
    tbs: &'a [u8],
    sig_alg: String,
    signature: &'a [u8],
    pub serial: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
    /// The SubjectPublicKeyInfo, header included.
    pub spki: &'a [u8],
    pub key_alg: String,
    pub key_curve: Option<String>,
    /// The subjectPublicKey bits (an EC point, or an RSAPublicKey).
    pub public_key: &'a [u8],
    pub extensions: Vec<Extension<'a>>,
    pub is_ca: bool,
}

fn bit_string<'a>(value: &'a [u8], what: &str) -> Result<&'a [u8], AttestError> {
    match value.split_first() {
        Some((0, bits)) => Ok(bits),
        _ => Err(malformed(what)),
    }
}

fn algorithm(el: &[u8]) -> Result<(String, Option<String>), AttestError> {
    let mut r = Reader::new(el);
    let oid = der::oid_string(r.read_u(der::OID, "algorithm")?);
    let param = r
        .optional(Tag::universal(der::OID))?
        .map(|e| der::oid_string(e.value));
    Ok((oid, param))
}

/// Seconds since 1970 for a UTCTime or GeneralizedTime ending in `Z`.
fn time(el: der::Element) -> Result<i64, AttestError> {
    let s = std::str::from_utf8(el.value).map_err(|_| malformed("time"))?;
    let (year, rest) = match (el.tag, s.len()) {
        (t, 13) if t == Tag::universal(der::UTC_TIME) => {
            let yy: i64 = s[..2].parse().map_err(|_| malformed("time"))?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &s[2..])
        }
        (t, 15) if t == Tag::universal(der::GENERALIZED_TIME) => {
            (s[..4].parse().map_err(|_| malformed("time"))?, &s[4..])
        }
        _ => return Err(malformed("time")),
    };
    if !rest.ends_with('Z') || !rest[..10].bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("time"));
    }
    let n = |i: usize| -> i64 { rest[i..i + 2].parse().unwrap_or(0) };
    let (month, day, h, m, sec) = (n(0), n(2), n(4), n(6), n(8));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return Err(malformed("time"));
    }
    Ok(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl<'a> Cert<'a> {
    pub fn parse(raw: &'a [u8]) -> Result<Cert<'a>, AttestError> {
        let mut outer = Reader::new(raw);
        let cert = outer.read_u(der::SEQUENCE, "certificate")?;
        outer.finish("bytes after the certificate")?;
        let mut c = Reader::new(cert);
        let tbs_el = c.read(Tag::universal(der::SEQUENCE), "tbsCertificate")?;
        let (sig_alg, _) = algorithm(c.read_u(der::SEQUENCE, "signatureAlgorithm")?)?;
        let signature = bit_string(c.read_u(der::BIT_STRING, "signature")?, "signature")?;
        c.finish("certificate")?;

        let mut t = Reader::new(tbs_el.value);
        t.optional(Tag::explicit(0))?;
        let serial = t.read_u(der::INTEGER, "serialNumber")?;
        let (inner_alg, _) = algorithm(t.read_u(der::SEQUENCE, "signature")?)?;
        if inner_alg != sig_alg {
            return Err(malformed("the two signature algorithms differ"));
        }
        t.read_u(der::SEQUENCE, "issuer")?;
        let mut validity = Reader::new(t.read_u(der::SEQUENCE, "validity")?);
        let not_before = time(validity.read_any()?)?;
        let not_after = time(validity.read_any()?)?;
        validity.finish("validity")?;
        t.read_u(der::SEQUENCE, "subject")?;
        let spki_el = t.read(Tag::universal(der::SEQUENCE), "subjectPublicKeyInfo")?;
        let mut s = Reader::new(spki_el.value);
        let (key_alg, key_curve) = algorithm(s.read_u(der::SEQUENCE, "key algorithm")?)?;
        let public_key = bit_string(s.read_u(der::BIT_STRING, "public key")?, "public key")?;
        s.finish("subjectPublicKeyInfo")?;
        t.optional(Tag {
            class_bits: 0x80,
            number: 1,
        })?;
        t.optional(Tag {
            class_bits: 0x80,
            number: 2,
        })?;
        let mut extensions = Vec::new();
        let mut is_ca = false;
        if let Some(exts) = t.optional(Tag::explicit(3))? {
            let mut seq = Reader::new(exts.value);
            let mut list = Reader::new(seq.read_u(der::SEQUENCE, "extensions")?);
            while !list.is_empty() {
                let mut e = Reader::new(list.read_u(der::SEQUENCE, "extension")?);
                let oid = der::oid_string(e.read_u(der::OID, "extension id")?);
                e.optional(Tag::universal(der::BOOLEAN))?;
                let value = e.read_u(der::OCTET_STRING, "extension value")?;
                e.finish("extension")?;
                if extensions.iter().any(|x: &Extension| x.oid == oid) {
                    return Err(malformed("an extension appears twice"));
                }
                if oid == OID_BASIC_CONSTRAINTS {
                    let mut bc = Reader::new(value);
                    let mut inner = Reader::new(bc.read_u(der::SEQUENCE, "basicConstraints")?);
                    if let Some(b) = inner.optional(Tag::universal(der::BOOLEAN))? {
                        is_ca = der::boolean(b.value, "cA")?;
                    }
                }
                extensions.push(Extension { oid, value });
            }
        }
        Ok(Cert {
            raw,
            tbs: tbs_el.raw,
            sig_alg,
            signature,
            serial,
            not_before,
            not_after,
            spki: spki_el.raw,
            key_alg,
            key_curve,
            public_key,
            extensions,
            is_ca,
        })
    }

    pub fn extension(&self, oid: &str) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|e| e.oid == oid)
            .map(|e| e.value)
    }

    /// The serial number as lowercase hex without leading zeros (the form of
    /// Google's attestation status list).
    pub fn serial_hex(&self) -> String {
        normalize_serial(
            &self
                .serial
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        )
    }

    /// Whether `issuer`'s key made this certificate's signature.
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        let Some(alg) = verification_algorithm(issuer, &self.sig_alg) else {
            return false;
        };
        UnparsedPublicKey::new(alg, issuer.public_key)
            .verify(self.tbs, self.signature)
            .is_ok()
    }

    /// Whether this is an EC P-256 key (what both platforms attest).
    pub fn is_p256(&self) -> bool {
        self.key_alg == OID_EC_PUBLIC_KEY && self.key_curve.as_deref() == Some(OID_P256)
    }
}

pub fn normalize_serial(hex: &str) -> String {
    let t = hex.trim().to_ascii_lowercase();
    let t = t.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

fn verification_algorithm(
    issuer: &Cert,
    sig_alg: &str,
) -> Option<&'static dyn VerificationAlgorithm> {
    let curve = issuer.key_curve.as_deref();
    Some(match (issuer.key_alg.as_str(), curve, sig_alg) {
        (OID_EC_PUBLIC_KEY, Some(OID_P256), "1.2.840.10045.4.3.2") => {
            &signature::ECDSA_P256_SHA256_ASN1
        }
        (OID_EC_PUBLIC_KEY, Some(OID_P256), "1.2.840.10045.4.3.3") => {
            &signature::ECDSA_P256_SHA384_ASN1
        }
        (OID_EC_PUBLIC_KEY, Some(OID_P384), "1.2.840.10045.4.3.2") => {
            &signature::ECDSA_P384_SHA256_ASN1
        }
        (OID_EC_PUBLIC_KEY, Some(OID_P384), "1.2.840.10045.4.3.3") => {
            &signature::ECDSA_P384_SHA384_ASN1
        }
        (OID_RSA, _, "1.2.840.113549.1.1.11") => &signature::RSA_PKCS1_2048_8192_SHA256,
        (OID_RSA, _, "1.2.840.113549.1.1.12") => &signature::RSA_PKCS1_2048_8192_SHA384,
        (OID_RSA, _, "1.2.840.113549.1.1.13") => &signature::RSA_PKCS1_2048_8192_SHA512,
        _ => return None,
    })
}

/// Root certificates from a configuration file: one DER certificate, or any
/// number of PEM `CERTIFICATE` blocks. Each is parsed so a broken file is
/// found at start-up, not at the first login.
pub fn parse_roots(file: &[u8]) -> Result<Vec<Vec<u8>>, AttestError> {
    use base64::Engine as _;
    let text = std::str::from_utf8(file)
        .ok()
        .filter(|t| t.contains("-----BEGIN"));
    let ders = match text {
        None => vec![file.to_vec()],
        Some(t) => {
            let mut out = Vec::new();
            let mut rest = t;
            while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
                let body = &rest[start + 27..];
                let end = body
                    .find("-----END CERTIFICATE-----")
                    .ok_or_else(|| malformed("PEM block without its END line"))?;
                let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
                out.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|_| malformed("PEM base64"))?,
                );
                rest = &body[end..];
            }
            out
        }
    };
    if ders.is_empty() {
        return Err(malformed("no certificate in the root file"));
    }
    for d in &ders {
        Cert::parse(d)?;
    }
    Ok(ders)
}

/// Checks `chain` (leaf first; the root may be included or left off) up to one
/// of `roots`, and returns the parsed certificates of the chain without the
/// root. Each certificate's signature is checked with the next one's key, the
/// last with a configured root's key; every issuer inside the chain must be a
/// CA (otherwise any attested key could sign itself a leaf saying anything);
/// every certificate must be valid at `now` and not on the `revoked` list.
pub fn verify_chain<'a>(
    chain: &'a [Vec<u8>],
    roots: &'a [Vec<u8>],
    now: i64,
    revoked: &[String],
) -> Result<Vec<Cert<'a>>, AttestError> {
    if chain.is_empty() || chain.len() > MAX_CHAIN {
        return Err(malformed("certificate chain length"));
    }
    let mut certs = chain
        .iter()
        .map(|c| Cert::parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    // A root sent along is only a hint: the trusted one is the configured copy.
    if certs.len() > 1 && roots.iter().any(|r| r == certs[certs.len() - 1].raw) {
        certs.pop();
    }
    let roots = roots
        .iter()
        .map(|r| Cert::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, cert) in certs.iter().enumerate() {
        if now < cert.not_before || now > cert.not_after {
            return Err(AttestError::Expired);
        }
        if revoked
            .iter()
            .any(|s| normalize_serial(s) == cert.serial_hex())
        {
            return Err(AttestError::Revoked);
        }
        match certs.get(i + 1) {
            Some(issuer) => {
                if !issuer.is_ca {
                    return Err(AttestError::IssuerNotCa);
                }
                if !cert.signed_by(issuer) {
                    return Err(AttestError::BadChainSignature);
                }
            }
            None => {
                if !roots.iter().any(|root| cert.signed_by(root)) {
                    return Err(AttestError::UnknownRoot);
                }
            }
        }
    }
    Ok(certs)
}
