//! Register, log in, refresh, log out.

use crate::auth::{self, Caller, LOCKOUT_S, MAX_FAILED_LOGINS};
use crate::db::{new_id, now_ms, sha256_hex};
use crate::error::ApiError;
use crate::http::Body;
use crate::{people, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lifecert::api::{
    AccountCreated, Code, ErrorBody, LoginRequest, RefreshRequest, RegisterRequest, Tokens,
};
use lifecert::rules::date::today_in_china;
use lifecert::rules::id_number::parse_resident_id;
use lifecert::rules::mobile::confirm_mobile;
use lifecert::rules::name::normalize_person_name;
use sqlx::Row;

#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = RegisterRequest,
    responses((status = 201, body = AccountCreated), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
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
    let person_id = match people::by_id_number(&state, &id.number).await? {
        Some(p) if p.name != name.value => return Err(ApiError::bad(Code::NameMismatch)),
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
    let hash = auth::hash_password(&req.password)?;
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
        Ok(_) => Ok((StatusCode::CREATED, Json(AccountCreated { person_id }))),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(ApiError::conflict(Code::AccountExists))
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Body(req): Body<LoginRequest>,
) -> Result<Json<Tokens>, ApiError> {
    let device_key = crate::attestation::login_key(&state, &req).await?.encode();
    // A malformed number cannot match an account; say so without a lookup.
    let id = parse_resident_id(req.id_number.clone(), today_in_china())
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, Code::WrongCredentials))?;
    let row = sqlx::query(
        "SELECT a.person_id, a.password_hash, a.failed_logins, a.locked_until_ms, p.name FROM accounts a JOIN persons p ON p.id = a.person_id WHERE p.id_number = $1",
    )
    .bind(&id.number)
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else {
        // Same work as a real check, so timing does not reveal who has an account.
        auth::verify_password(&req.password, &state.dummy_hash);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Code::WrongCredentials,
        ));
    };
    let person_id: String = row.try_get("person_id")?;
    let locked_until: i64 = row.try_get("locked_until_ms")?;
    let now = now_ms();
    if locked_until > now {
        return Err(ApiError::too_many(
            Code::LockedOut,
            ((locked_until - now) / 1000 + 1) as u64,
        ));
    }
    let hash: String = row.try_get("password_hash")?;
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    if !ok {
        let failed: i64 = row.try_get::<i64, _>("failed_logins")? + 1;
        let lock = if failed >= MAX_FAILED_LOGINS {
            now + LOCKOUT_S as i64 * 1000
        } else {
            0
        };
        sqlx::query(
            "UPDATE accounts SET failed_logins = $1, locked_until_ms = $2 WHERE person_id = $3",
        )
        .bind(if lock > 0 { 0 } else { failed })
        .bind(lock)
        .bind(&person_id)
        .execute(&state.db)
        .await?;
        return Err(if lock > 0 {
            ApiError::too_many(Code::LockedOut, LOCKOUT_S)
        } else {
            ApiError::new(StatusCode::UNAUTHORIZED, Code::WrongCredentials)
        });
    }
    sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until_ms = 0 WHERE person_id = $1")
        .bind(&person_id)
        .execute(&state.db)
        .await?;
    let name: String = row.try_get("name")?;
    Ok(Json(
        auth::issue(&state, &person_id, &name, &device_key).await?,
    ))
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
