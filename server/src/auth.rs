//! Passwords (argon2id), bearer tokens (random, stored hashed), lockout after
//! failed logins, and the `Caller` extractor every private route uses.

use crate::db::{hex, now_ms, random_bytes, sha256_hex};
use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lifecert_domain::api::Tokens;
use sqlx::Row;

/// Failed logins before the account locks, and for how long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_S: u64 = 15 * 60;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// [`hash_password`] on the blocking pool, at most one per core at a time:
/// argon2 takes tens of milliseconds of CPU and must not hold a runtime worker.
pub async fn hash_password_off_runtime(
    state: &AppState,
    password: String,
) -> Result<String, ApiError> {
    let _slot = state.hashers.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
}

/// [`verify_password`] on the blocking pool, at most one per core at a time.
pub async fn verify_password_off_runtime(
    state: &AppState,
    password: String,
    hash: String,
) -> Result<bool, ApiError> {
    let _slot = state.hashers.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)
}

/// At least 8 characters with letters and digits: what the seeds' apps ask.
pub fn password_ok(password: &str) -> bool {
    password.chars().count() >= 8
        && password.chars().count() <= 128
        && password.chars().any(|c| c.is_alphabetic())
        && password.chars().any(|c| c.is_ascii_digit())
}

/// Issues a fresh access + refresh token pair bound to `device_key`.
pub async fn issue(
    state: &AppState,
    person_id: &str,
    name: &str,
    device_key: &str,
) -> Result<Tokens, ApiError> {
    let access = hex(&random_bytes::<32>());
    let refresh = hex(&random_bytes::<32>());
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (refresh_hash, access_hash, person_id, device_key, access_expires_ms, refresh_expires_ms, revoked) VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(sha256_hex(refresh.as_bytes()))
    .bind(sha256_hex(access.as_bytes()))
    .bind(person_id)
    .bind(device_key)
    .bind(now + state.config.access_token_ttl_s as i64 * 1000)
    .bind(now + state.config.refresh_token_ttl_s as i64 * 1000)
    .execute(&state.db)
    .await?;
    Ok(Tokens {
        access_token: access,
        refresh_token: refresh,
        access_expires_in_s: state.config.access_token_ttl_s,
        person_id: person_id.into(),
        name: name.into(),
    })
}

/// The logged-in person behind a request's bearer token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub person_id: String,
    /// The device key registered at login, with its attestation level.
    pub device: crate::device_key::DeviceKey,
    pub access_hash: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        let hash = sha256_hex(token.trim().as_bytes());
        let row = sqlx::query(
            "SELECT person_id, device_key, access_expires_ms, revoked FROM sessions WHERE access_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
        let expires: i64 = row.try_get("access_expires_ms")?;
        let revoked: i64 = row.try_get("revoked")?;
        if revoked != 0 || expires <= now_ms() {
            return Err(ApiError::unauthorized());
        }
        let stored: String = row.try_get("device_key")?;
        let device = crate::device_key::DeviceKey::decode(&stored)
            .ok_or_else(|| ApiError::internal("unreadable device key in sessions"))?;
        Ok(Caller {
            person_id: row.try_get("person_id")?,
            device,
            access_hash: hash,
        })
    }
}
