//! Device keys certd believes (issue 11, part 3). A phone proves at login that
//! its signing key lives in secure hardware, belongs to a release build of the
//! official app and sits on a phone that booted its vendor's system: Android
//! Keystore key attestation or Apple App Attest, checked offline by
//! `lifecert-attest` against roots the agency installs. Evidence uploaded in
//! the session must then be signed by that key, and each certification
//! records where the key lived.
//!
//! `[attestation] mode = "required"` (the default, `certd serve`) refuses
//! unattested keys, software-level attestations, unlocked or unverified
//! phones and development builds; `"software-allowed"` (`certd demo`, tests)
//! also takes the software Ed25519 key of desktops and emulators, and marks
//! its records `software`.

use crate::auth::Caller;
use crate::config::{AttestationConfig, AttestationMode};
use crate::db::{hex, now_ms, random_bytes, sha256_hex};
use crate::device_key::{DeviceKey, KeyKind};
use crate::error::ApiError;
use crate::verify::{self, Refused};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use lifecert_attest::android::{AndroidApp, AndroidPolicy};
use lifecert_attest::apple::ApplePolicy;
use lifecert_attest::{android, apple, x509, AttestError, Level};
use lifecert_domain::api::{AttestationChallenge, AttestationProof, Code, ErrorBody, LoginRequest};
use sqlx::Row;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// How long an attestation challenge can be used: key generation with
/// attestation takes seconds (StrongBox up to a few), not minutes.
pub const CHALLENGE_TTL_S: u64 = 300;

/// The attestation rules with the roots and allow-lists read from disk.
#[derive(Debug)]
pub struct Policy {
    pub mode: AttestationMode,
    pub android: AndroidPolicy,
    pub apple: ApplePolicy,
}

fn read_roots(paths: &[std::path::PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut roots = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        roots.extend(x509::parse_roots(&bytes).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    Ok(roots)
}

fn parse_digest(s: &str) -> Option<[u8; 32]> {
    let h: String = s
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    if h.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Serials from Google's status list (`{"entries": {"<hex>": ...}}`) or a
/// plain list, one hex serial per line.
fn parse_revoked(text: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => v
            .get("entries")
            .and_then(|e| e.as_object())
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        Err(_) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect(),
    }
}

impl Policy {
    pub fn load(cfg: &AttestationConfig) -> Result<Policy, String> {
        let ctx = |e: String| format!("attestation: {e}");
        let mut apps = Vec::new();
        for app in &cfg.android_apps {
            let digests = app
                .signing_digests
                .iter()
                .map(|d| {
                    parse_digest(d).ok_or(format!("{}: not a SHA-256 digest: {d}", app.package))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(ctx)?;
            apps.push(AndroidApp {
                package: app.package.clone(),
                signing_digests: digests,
            });
        }
        let revoked = match &cfg.android_revoked {
            Some(p) => parse_revoked(
                &std::fs::read_to_string(p).map_err(|e| ctx(format!("{}: {e}", p.display())))?,
            ),
            None => Vec::new(),
        };
        let production = cfg.mode == AttestationMode::Required;
        let policy = Policy {
            mode: cfg.mode,
            android: AndroidPolicy {
                roots: read_roots(&cfg.android_roots).map_err(ctx)?,
                apps,
                require_hardware: production,
                revoked_serials: revoked,
            },
            apple: ApplePolicy {
                roots: read_roots(&cfg.apple_roots).map_err(ctx)?,
                app_ids: cfg.apple_app_ids.clone(),
                allow_development: !production,
            },
        };
        if production && policy.android.roots.is_empty() && policy.apple.roots.is_empty() {
            tracing::warn!(
                "attestation mode is `required` but no roots are configured: every login will be refused ([attestation] in certd.example.toml)"
            );
        }
        Ok(policy)
    }
}

#[utoipa::path(post, path = "/v1/attestation/challenges", tag = "accounts",
    responses((status = 201, body = AttestationChallenge), (status = 500, body = ErrorBody)))]
pub async fn challenge(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<AttestationChallenge>), ApiError> {
    let bytes = random_bytes::<32>();
    let now = now_ms();
    // Expired ones are of no use to anybody: keep the table small.
    sqlx::query("DELETE FROM attestation_challenges WHERE expires_ms < $1")
        .bind(now)
        .execute(&state.db)
        .await?;
    sqlx::query(
        "INSERT INTO attestation_challenges (challenge_hash, expires_ms, used) VALUES ($1, $2, 0)",
    )
    .bind(sha256_hex(&bytes))
    .bind(now + CHALLENGE_TTL_S as i64 * 1000)
    .execute(&state.db)
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttestationChallenge {
            challenge: B64.encode(bytes),
            expires_in_s: CHALLENGE_TTL_S,
        }),
    ))
}

fn refuse(code: Code, detail: impl std::fmt::Display) -> ApiError {
    tracing::info!("login attestation refused: {}: {detail}", code.as_str());
    ApiError::new(StatusCode::FORBIDDEN, code)
}

fn refusal(e: AttestError) -> ApiError {
    match e {
        // Another app, a re-signed or debug build, Xcode's development environment.
        AttestError::UnknownApp | AttestError::UnknownSigner | AttestError::Development => {
            refuse(Code::AppNotGenuine, e)
        }
        _ => refuse(Code::AttestationInvalid, e),
    }
}

/// Marks the challenge used; false if unknown, used or expired.
async fn consume_challenge(state: &AppState, challenge: &[u8]) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE attestation_challenges SET used = 1 WHERE challenge_hash = $1 AND used = 0 AND expires_ms > $2",
    )
    .bind(sha256_hex(challenge))
    .bind(now_ms())
    .execute(&state.db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The device key a login registers: checked against its attestation, or a
/// software key where the policy allows one.
pub async fn login_key(state: &AppState, req: &LoginRequest) -> Result<DeviceKey, ApiError> {
    let claimed = B64
        .decode(req.device_public_key.trim())
        .map_err(|_| ApiError::bad(Code::BadRequest))?;
    let Some(att) = &req.attestation else {
        if claimed.len() != 32 {
            return Err(ApiError::bad(Code::BadRequest));
        }
        if state.attestation.mode == AttestationMode::Required {
            return Err(refuse(Code::AttestationRequired, "no attestation"));
        }
        return Ok(DeviceKey {
            kind: KeyKind::Ed25519,
            level: Level::Software,
            public_key: claimed,
        });
    };
    let challenge = B64
        .decode(att.challenge.trim())
        .map_err(|_| ApiError::bad(Code::BadRequest))?;
    if !consume_challenge(state, &challenge).await? {
        return Err(refuse(
            Code::AttestationInvalid,
            "challenge unknown, used or expired",
        ));
    }
    let now_s = now_ms() / 1000;
    let policy = &state.attestation;
    match &att.proof {
        AttestationProof::AndroidKeystore { chain } => {
            let chain = chain
                .iter()
                .map(|c| B64.decode(c.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ApiError::bad(Code::BadRequest))?;
            let a = android::verify(&chain, &challenge, &policy.android, now_s).map_err(refusal)?;
            if a.public_key_spki != claimed {
                return Err(refuse(
                    Code::AttestationInvalid,
                    "device_public_key is not the attested key",
                ));
            }
            Ok(DeviceKey {
                kind: KeyKind::EcdsaP256,
                level: a.level,
                public_key: a.public_key_spki,
            })
        }
        AttestationProof::AppAttest { attestation_object } => {
            let object = B64
                .decode(attestation_object.trim())
                .map_err(|_| ApiError::bad(Code::BadRequest))?;
            let a = apple::verify_attestation(&object, &claimed, &challenge, &policy.apple, now_s)
                .map_err(refusal)?;
            // The counter starts at 0; a key attested again keeps its counter.
            sqlx::query(
                "INSERT INTO app_attest_keys (key_id, public_key, counter) VALUES ($1, $2, 0) ON CONFLICT (key_id) DO NOTHING",
            )
            .bind(hex(&a.key_id))
            .bind(B64.encode(&a.public_key))
            .execute(&state.db)
            .await?;
            Ok(DeviceKey {
                kind: KeyKind::AppAttest,
                level: a.level,
                public_key: a.public_key,
            })
        }
        AttestationProof::AppAttestAssertion { assertion } => {
            let assertion = B64
                .decode(assertion.trim())
                .map_err(|_| ApiError::bad(Code::BadRequest))?;
            // A key attested here before: its point is in an earlier session.
            let key = known_app_attest_key(state, &claimed)
                .await?
                .ok_or_else(|| {
                    refuse(Code::AttestationInvalid, "App Attest key not attested here")
                })?;
            check_app_attest(state, &key, &challenge, &assertion)
                .await
                .map_err(|Refused(_, d)| refuse(Code::AttestationInvalid, d))?;
            Ok(key)
        }
    }
}

/// The App Attest key whose identifier is `key_id`, attested here before.
async fn known_app_attest_key(
    state: &AppState,
    key_id: &[u8],
) -> Result<Option<DeviceKey>, ApiError> {
    let row = sqlx::query("SELECT public_key FROM app_attest_keys WHERE key_id = $1")
        .bind(hex(key_id))
        .fetch_optional(&state.db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let public_key = B64
        .decode(row.try_get::<String, _>("public_key")?)
        .map_err(ApiError::internal)?;
    Ok(Some(DeviceKey {
        kind: KeyKind::AppAttest,
        level: Level::AppAttest,
        public_key,
    }))
}

fn internal(e: sqlx::Error) -> Refused {
    Refused(Code::Internal, e.to_string())
}

/// Checks an App Attest assertion over `client_data` and moves the key's
/// counter forward, atomically, so one assertion is accepted only once.
async fn check_app_attest(
    state: &AppState,
    key: &DeviceKey,
    client_data: &[u8],
    assertion: &[u8],
) -> Result<(), Refused> {
    let id = key.key_id_hex();
    let row = sqlx::query("SELECT counter FROM app_attest_keys WHERE key_id = $1")
        .bind(&id)
        .fetch_optional(&state.db)
        .await
        .map_err(internal)?
        .ok_or_else(|| Refused(Code::BadSignature, "App Attest key has no counter".into()))?;
    let last: i64 = row.try_get("counter").map_err(internal)?;
    let counter = verify::check_signature(
        client_data,
        assertion,
        key,
        &state.attestation.apple,
        last.clamp(0, u32::MAX as i64) as u32,
    )?
    .expect("App Attest keys give a counter");
    let moved =
        sqlx::query("UPDATE app_attest_keys SET counter = $1 WHERE key_id = $2 AND counter < $1")
            .bind(counter as i64)
            .bind(&id)
            .execute(&state.db)
            .await
            .map_err(internal)?;
    if moved.rows_affected() != 1 {
        return Err(Refused(
            Code::BadSignature,
            "assertion counter already used (concurrent replay)".into(),
        ));
    }
    Ok(())
}

/// Checks an upload's signature with the session's device key and records
/// the key's attestation level on the certification.
pub async fn check_upload(
    state: &AppState,
    caller: &Caller,
    cert_id: &str,
    body: &[u8],
    signature: &[u8],
) -> Result<(), Refused> {
    match caller.device.kind {
        KeyKind::AppAttest => check_app_attest(state, &caller.device, body, signature).await?,
        _ => {
            verify::check_signature(body, signature, &caller.device, &state.attestation.apple, 0)?;
        }
    }
    sqlx::query(
        "UPDATE certifications SET attestation_level = $1 WHERE id = $2 AND outcome = 'open'",
    )
    .bind(caller.device.level.as_str())
    .bind(cert_id)
    .execute(&state.db)
    .await
    .map_err(internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_device_keys_round_trip_and_old_sessions_read_as_software_ed25519() {
        let k = DeviceKey {
            kind: KeyKind::EcdsaP256,
            level: Level::StrongBox,
            public_key: vec![1, 2, 3],
        };
        assert_eq!(DeviceKey::decode(&k.encode()), Some(k));
        let old = DeviceKey::decode(&B64.encode([7u8; 32])).unwrap();
        assert_eq!((old.kind, old.level), (KeyKind::Ed25519, Level::Software));
        assert_eq!(DeviceKey::decode("ecdsa-p256:bogus:AAAA"), None);
    }

    #[test]
    fn signing_digests_read_with_or_without_colons() {
        let d = "AB:".repeat(31) + "AB";
        assert_eq!(parse_digest(&d), Some([0xab; 32]));
        assert_eq!(parse_digest(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(parse_digest("abcd"), None);
        assert_eq!(
            parse_revoked(r#"{"entries": {"2c8cdddfd5e03bfc": {"status": "REVOKED"}}}"#),
            vec!["2c8cdddfd5e03bfc".to_string()]
        );
        assert_eq!(parse_revoked("# list\nabc\n\n00de\n"), vec!["abc", "00de"]);
    }
}
