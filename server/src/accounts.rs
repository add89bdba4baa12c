//! Register, log in, refresh, log out.

use crate::auth::{self, Caller, LOCKOUT_S, MAX_FAILED_LOGINS};
use crate::db::{new_id, now_ms, sha256_hex};
use crate::error::ApiError;
use crate::extract::Body;
use crate::guard::{self, Client, Limit};
use crate::{people, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lifecert_domain::api::{
    AccountCreated, Code, ErrorBody, LoginRequest, RefreshRequest, RegisterRequest, Tokens,
};
use lifecert_domain::rules::date::today_in_china;
use lifecert_domain::rules::id_number::parse_resident_id;
use lifecert_domain::rules::mobile::confirm_mobile;
use lifecert_domain::rules::name::normalize_person_name;
use sqlx::Row;

#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = RegisterRequest,
    responses((status = 201, body = AccountCreated), (status = 429, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    client: Client,
    Body(req): Body<RegisterRequest>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    let id = parse_resident_id(req.id_number.clone(), today_in_china())
        .map_err(|e| ApiError::bad(Code::InvalidIdNumber).with_message(move |l| e.describe(l)))?;
    let name = normalize_person_name(req.name.clone())
        .map_err(|e| ApiError::bad(Code::InvalidName).with_message(move |l| e.describe(l)))?;
    let mobile = confirm_mobile(req.mobile.clone(), req.mobile_again.clone())
        .map_err(|e| ApiError::bad(Code::InvalidMobile).with_message(move |l| e.describe(l)))?;
    if !auth::password_ok(&req.password) {
        return Err(ApiError::bad(Code::WeakPassword));
    }
    if !req.terms_accepted {
        return Err(ApiError::bad(Code::TermsNotAccepted));
    }
    // The name check answers "is this the name behind this ID number?": a
    // guess like a password, so limited per client and per ID number.
    let slots = reserve_registration(&state, &client, &id.number).await?;
    let person_id = match people::by_id_number(&state, &id.number).await? {
        Some(p) if p.name != name.value => {
            guard::failed_all(&state.db, &slots).await?;
            return Err(ApiError::bad(Code::NameMismatch));
        }
        Some(p) => p.id,
        None => {
            // Not a benefit holder (e.g. a son who certifies for his father).
            let pid = new_id();
            sqlx::query("INSERT INTO persons (id, id_number, name, region, created_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(&pid)
                .bind(&id.number)
                .bind(&name.value)
                .bind(&id.region_code)
                .bind(now_ms())
                .execute(&state.db)
                .await?;
            pid
        }
    };
    let hash = auth::hash_password_off_runtime(&state, req.password.clone()).await?;
    let inserted = sqlx::query(
        "INSERT INTO accounts (person_id, password_hash, mobile, failed_logins, locked_until_ms, created_ms) VALUES ($1, $2, $3, 0, 0, $4)",
    )
    .bind(&person_id)
    .bind(hash)
    .bind(mobile)
    .bind(now_ms())
    .execute(&state.db)
    .await;
    match inserted {
        Ok(_) => {
            for slot in &slots {
                guard::release(&state.db, slot).await?;
            }
            Ok((StatusCode::CREATED, Json(AccountCreated { person_id })))
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            guard::failed_all(&state.db, &slots).await?;
            Err(ApiError::conflict(Code::AccountExists))
        }
        Err(e) => Err(e.into()),
    }
}

/// One attempt on the registration counters of this client and this ID number.
async fn reserve_registration(
    state: &AppState,
    client: &Client,
    id_number: &str,
) -> Result<Vec<guard::Slot>, ApiError> {
    let limit = Limit::per_day(state.config.registration_failures);
    let mut slots = Vec::new();
    for key in [
        format!("register-client:{}", client.0),
        format!("register-id:{id_number}"),
    ] {
        match guard::reserve(&state.db, &key, limit).await? {
            Ok(slot) => slots.push(slot),
            Err(retry_after) => {
                for slot in &slots {
                    guard::release(&state.db, slot).await?;
                }
                return Err(ApiError::too_many(Code::RateLimited, retry_after));
            }
        }
    }
    Ok(slots)
}

#[utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "attestation_required, attestation_invalid or app_not_genuine"), (status = 429, body = ErrorBody), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    Body(req): Body<LoginRequest>,
) -> Result<Json<Tokens>, ApiError> {
    let device_key = crate::attestation::login_key(&state, &req).await?.encode();
    // A malformed number cannot match an account; say so without a lookup.
    let id = parse_resident_id(req.id_number.clone(), today_in_china())
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, Code::WrongCredentials))?;
    // From here on, a known and an unknown ID number take the same steps (the
    // same queries, counters, lockouts and one argon2 verification), so
    // neither the answers nor their timing tell whether an account exists.
    let db = &state.db;
    let known_device = sqlx::query("SELECT s.person_id FROM sessions s JOIN persons p ON p.id = s.person_id WHERE p.id_number = $1 AND s.device_key = $2 LIMIT 1")
        .bind(&id.number)
        .bind(&device_key)
        .fetch_optional(db)
        .await?
        .is_some();
    let slots = reserve_login(&state, &client, &id.number, known_device).await?;
    let row = sqlx::query(
        "SELECT a.person_id, a.password_hash, p.name FROM accounts a JOIN persons p ON p.id = a.person_id WHERE p.id_number = $1",
    )
    .bind(&id.number)
    .fetch_optional(db)
    .await?;
    let hash = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => state.dummy_hash.to_string(),
    };
    let ok = auth::verify_password_off_runtime(&state, req.password.clone(), hash).await?;
    let Some(row) = row.filter(|_| ok) else {
        let mut locked: Option<u64> = None;
        for slot in &slots {
            if let Some(s) = guard::failed(db, slot).await? {
                locked = Some(locked.map_or(s, |l| l.max(s)));
            }
        }
        return Err(match locked {
            Some(s) => ApiError::too_many(Code::LockedOut, s),
            None => ApiError::new(StatusCode::UNAUTHORIZED, Code::WrongCredentials),
        });
    };
    // The owner got in: this client's count on this account starts again;
    // the wider counts only give back the slot this attempt took.
    for slot in &slots {
        if slot.key.starts_with(ACCOUNT_FROM_CLIENT) {
            guard::clear(db, &slot.key).await?;
        } else {
            guard::release(db, slot).await?;
        }
    }
    let person_id: String = row.try_get("person_id")?;
    let name: String = row.try_get("name")?;
    Ok(Json(
        auth::issue(&state, &person_id, &name, &device_key).await?,
    ))
}

const ACCOUNT_FROM_CLIENT: &str = "login-account-client:";

/// Takes one attempt on each counter that holds this log-in: the account
/// from this client (five, then 15 minutes: what locks a guesser out), the
/// client over all accounts (password spraying), and the account from all
/// clients (a guesser with many addresses). The last one does not hold a
/// device the owner has logged in with before, so a stranger who knows the ID
/// number cannot lock the owner out of their own phone.
async fn reserve_login(
    state: &AppState,
    client: &Client,
    id_number: &str,
    known_device: bool,
) -> Result<Vec<guard::Slot>, ApiError> {
    const MINUTE: i64 = 60_000;
    let lock_ms = LOCKOUT_S as i64 * 1000;
    let mut wanted = vec![
        (
            format!("{ACCOUNT_FROM_CLIENT}{id_number}:{}", client.0),
            Limit {
                max: MAX_FAILED_LOGINS,
                window_ms: 15 * MINUTE,
                lock_ms,
            },
        ),
        (
            format!("login-client:{}", client.0),
            Limit {
                max: state.config.login_failures_per_client,
                window_ms: 15 * MINUTE,
                lock_ms,
            },
        ),
    ];
    if !known_device {
        wanted.push((
            format!("login-account:{id_number}"),
            Limit {
                max: state.config.login_failures_per_account,
                window_ms: 24 * 60 * MINUTE,
                lock_ms: 60 * MINUTE,
            },
        ));
    }
    let mut slots = Vec::with_capacity(wanted.len());
    for (key, limit) in wanted {
        match guard::reserve(&state.db, &key, limit).await? {
            Ok(slot) => slots.push(slot),
            Err(retry_after) => {
                for slot in &slots {
                    guard::release(&state.db, slot).await?;
                }
                return Err(ApiError::too_many(Code::LockedOut, retry_after));
            }
        }
    }
    Ok(slots)
}

#[utoipa::path(post, path = "/v1/sessions/refresh", tag = "accounts", request_body = RefreshRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Body(req): Body<RefreshRequest>,
) -> Result<Json<Tokens>, ApiError> {
    let hash = sha256_hex(req.refresh_token.trim().as_bytes());
    // Single use: the old pair is revoked in the same statement that finds it.
    let row = sqlx::query(
        "UPDATE sessions SET revoked = 1 WHERE refresh_hash = $1 AND revoked = 0 AND refresh_expires_ms > $2 RETURNING person_id, device_key",
    )
    .bind(&hash)
    .bind(now_ms())
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(ApiError::unauthorized)?;
    let person_id: String = row.try_get("person_id")?;
    let device_key: String = row.try_get("device_key")?;
    let person = people::by_id(&state, &person_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(
        auth::issue(&state, &person_id, &person.name, &device_key).await?,
    ))
}

#[utoipa::path(delete, path = "/v1/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE access_hash = $1")
        .bind(&caller.access_hash)
        .execute(&state.db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Has this person's account been verified (a passed self-certification, or
/// at an agency counter)? Until then it acts in nobody's name but its own.
pub async fn is_verified(state: &AppState, person_id: &str) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT verified_ms FROM accounts WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(&state.db)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>, _>("verified_ms")?.is_some(),
        None => false,
    })
}

/// Refuses with `account_not_verified` unless the caller's account is verified.
pub async fn require_verified(state: &AppState, person_id: &str) -> Result<(), ApiError> {
    if is_verified(state, person_id).await? {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::AccountNotVerified,
        ))
    }
}

/// Marks the account verified (idempotent; the first time is kept).
pub async fn mark_verified<'e, E>(db: E, person_id: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "UPDATE accounts SET verified_ms = $1 WHERE person_id = $2 AND verified_ms IS NULL",
    )
    .bind(now_ms())
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(())
}
