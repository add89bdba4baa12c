//! 亲情服务: an account holder binds a relative (name + ID number); the binding
//! is active once the relative agrees, in their own app or at an agency
//! counter (`certd bindings approve`). Proxy certification needs an active one.

use crate::auth::Caller;
use crate::db::{new_id, now_ms};
use crate::error::{language, ApiError};
use crate::extract::Body;
use crate::guard::{self, Limit};
use crate::{accounts, people, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lifecert_domain::api::{BindRequest, Binding, BindingState, Code, ErrorBody, Home, PersonView};
use lifecert_domain::i18n::Language;
use lifecert_domain::rules::date::today_in_china;
use lifecert_domain::rules::id_number::parse_resident_id;
use lifecert_domain::rules::name::normalize_person_name;
use sqlx::Row;

/// Bind attempts per account per day: name + ID guessing stays slow.
pub const MAX_BIND_ATTEMPTS_PER_DAY: i64 = 10;

fn state_of(s: &str) -> BindingState {
    if s == "active" {
        BindingState::Active
    } else {
        BindingState::Pending
    }
}

async fn bindings(
    state: &AppState,
    sql: &str,
    person_id: &str,
    lang: Language,
) -> Result<Vec<Binding>, ApiError> {
    let rows = sqlx::query(sql)
        .bind(person_id)
        .fetch_all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let other: String = r.try_get("other")?;
        let Some(p) = people::by_id(state, &other).await? else {
            continue;
        };
        let binding_state = state_of(&r.try_get::<String, _>("state")?);
        out.push(Binding {
            binding_id: r.try_get("id")?,
            relation: r.try_get("relation")?,
            state: binding_state,
            person: view_for(state, &p, binding_state, lang).await?,
        });
    }
    Ok(out)
}

/// A person as a binding shows them: nothing about their certification until
/// they have agreed (a pending request shows only what the asker typed).
async fn view_for(
    state: &AppState,
    p: &people::Person,
    binding: BindingState,
    lang: Language,
) -> Result<PersonView, ApiError> {
    match binding {
        BindingState::Active => people::view(state, p, lang).await,
        BindingState::Pending => Ok(people::withheld_view(p, lang)),
    }
}

#[utoipa::path(get, path = "/v1/home", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Home), (status = 401, body = ErrorBody)))]
pub async fn home(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<Home>, ApiError> {
    let lang = language(&headers);
    let me = people::by_id(&state, &caller.person_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(Home {
        me: people::view(&state, &me, lang).await?,
        account_verified: accounts::is_verified(&state, &caller.person_id).await?,
        relatives: bindings(&state, "SELECT id, relation, state, relative_id AS other FROM bindings WHERE requester_id = $1 ORDER BY created_ms", &caller.person_id, lang).await?,
        requests: bindings(&state, "SELECT id, relation, state, requester_id AS other FROM bindings WHERE relative_id = $1 AND state = 'pending' ORDER BY created_ms", &caller.person_id, lang).await?,
    }))
}

#[utoipa::path(post, path = "/v1/relatives", tag = "people", security(("bearer" = [])), request_body = BindRequest,
    responses((status = 201, body = Binding), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn bind(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<BindRequest>,
) -> Result<(StatusCode, Json<Binding>), ApiError> {
    // Only a verified account asks in its own name.
    accounts::require_verified(&state, &caller.person_id).await?;
    // Every attempt takes a slot atomically, so concurrent binds cannot all
    // pass the count before any is recorded.
    let limit = Limit::per_day(MAX_BIND_ATTEMPTS_PER_DAY);
    if let Err(retry_after) =
        guard::reserve(&state.db, &format!("bind:{}", caller.person_id), limit).await?
    {
        return Err(ApiError::too_many(Code::RateLimited, retry_after));
    }
    let now = now_ms();
    let id = parse_resident_id(req.id_number.clone(), today_in_china())
        .map_err(|e| ApiError::bad(Code::InvalidIdNumber).with_message(move |l| e.describe(l)))?;
    let name = normalize_person_name(req.name.clone())
        .map_err(|e| ApiError::bad(Code::InvalidName).with_message(move |l| e.describe(l)))?;
    let relation = req.relation.trim().to_string();
    if relation.is_empty() || relation.chars().count() > 20 {
        return Err(ApiError::bad(Code::BadRequest));
    }
    // Unknown ID and wrong name get the same answer: no roster probing.
    let relative = match people::by_id_number(&state, &id.number).await? {
        Some(p) if p.name == name.value && p.benefit_start.is_some() => p,
        _ => return Err(ApiError::bad(Code::NotInRoster)),
    };
    if relative.id == caller.person_id {
        return Err(ApiError::bad(Code::BadRequest));
    }
    let binding_id = new_id();
    let inserted = sqlx::query("INSERT INTO bindings (id, requester_id, relative_id, relation, state, created_ms) VALUES ($1, $2, $3, $4, 'pending', $5)")
        .bind(&binding_id)
        .bind(&caller.person_id)
        .bind(&relative.id)
        .bind(&relation)
        .bind(now)
        .execute(&state.db)
        .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(ApiError::conflict(Code::AlreadyBound))
        }
        other => other?,
    };
    let lang = language(&headers);
    Ok((
        StatusCode::CREATED,
        Json(Binding {
            binding_id,
            relation,
            state: BindingState::Pending,
            person: people::withheld_view(&relative, lang),
        }),
    ))
}

#[utoipa::path(post, path = "/v1/relatives/{binding_id}/accept", tag = "people", security(("bearer" = [])),
    params(("binding_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(binding_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // Agreement comes from the relative's own verified account (or the counter).
    accounts::require_verified(&state, &caller.person_id).await?;
    let done =
        sqlx::query("UPDATE bindings SET state = 'active' WHERE id = $1 AND relative_id = $2")
            .bind(&binding_id)
            .bind(&caller.person_id)
            .execute(&state.db)
            .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/relatives/{binding_id}", tag = "people", security(("bearer" = [])),
    params(("binding_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn unbind(
    State(state): State<AppState>,
    caller: Caller,
    Path(binding_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // Either side may end it.
    let done = sqlx::query(
        "DELETE FROM bindings WHERE id = $1 AND (requester_id = $2 OR relative_id = $2)",
    )
    .bind(&binding_id)
    .bind(&caller.person_id)
    .execute(&state.db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}
