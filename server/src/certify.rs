//! Certification attempts: start (checks, then a challenge), upload the
//! evidence (idempotent, signed, verified), read the result and the records.

use crate::auth::Caller;
use crate::db::{new_id, now_ms, opt_str, random_bytes, sha256_hex};
use crate::error::{language, ApiError};
use crate::http::Body;
use crate::verify::{self, Decision, Issued, Refused};
use crate::{people, receipts, relatives, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lifecert::api::{
    CertificationRecord, Code, ErrorBody, Outcome, Receipt, Records, StartRequest, Started,
    IDEMPOTENCY_HEADER, SIGNATURE_HEADER,
};
use lifecert::i18n::Language;
use lifecert::liveness::Action;
use lifecert::rules::calendar::StatusKind;
use lifecert::rules::date::today_in_china;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Failures in one cycle before the next attempt goes to a person instead.
pub const FAILURES_BEFORE_REVIEW: i64 = 3;

/// 2 or 3 different actions in a random order.
pub fn random_actions() -> Vec<Action> {
    let r = random_bytes::<8>();
    let mut pool = Action::ALL.to_vec();
    let n = 2 + (r[0] % 2) as usize;
    let mut out = Vec::with_capacity(n);
    for b in &r[1..=n] {
        out.push(pool.remove(*b as usize % pool.len()));
    }
    out
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Open => "open",
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::PendingReview => "review",
        Outcome::Expired => "expired",
    }
}

fn parse_outcome(s: &str) -> Outcome {
    match s {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        "review" => Outcome::PendingReview,
        "expired" => Outcome::Expired,
        _ => Outcome::Open,
    }
}

#[utoipa::path(post, path = "/v1/certifications", tag = "certification", security(("bearer" = [])), request_body = StartRequest,
    responses((status = 201, body = Started), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<StartRequest>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let lang = language(&headers);
    if !relatives::may_act_for(&state, &caller.person_id, &req.subject_person_id).await? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
    }
    let subject = people::by_id(&state, &req.subject_person_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let status = people::status(&state, &subject, lang).await?;
    match status.kind {
        StatusKind::NotInScope => return Err(ApiError::conflict(Code::NotInScope)),
        StatusKind::Stopped => return Err(ApiError::conflict(Code::BenefitStopped)),
        _ => {}
    }
    if !status.online_open_today {
        let messages = status.messages.clone();
        return Err(
            ApiError::conflict(Code::MaintenanceDay).with_message(move |l| {
                messages
                    .last()
                    .cloned()
                    .unwrap_or_else(|| Code::MaintenanceDay.message(l))
            }),
        );
    }
    if subject.template_embedding.is_none() {
        return Err(ApiError::conflict(Code::NoTemplate));
    }
    let id = new_id();
    let nonce = crate::db::hex(&random_bytes::<16>());
    let actions = random_actions();
    let now = now_ms();
    let expires = now + state.config.challenge_minutes as i64 * 60_000;
    let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
    sqlx::query("INSERT INTO certifications (id, subject_id, actor_id, nonce, actions, started_ms, expires_ms, outcome, cycle_start) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)")
        .bind(&id)
        .bind(&subject.id)
        .bind(&caller.person_id)
        .bind(&nonce)
        .bind(names.join(","))
        .bind(now)
        .bind(expires)
        .bind(cycle_start(&state, &subject.id).await?)
        .execute(&state.db)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Started {
            certification_id: id,
            nonce,
            actions,
            expires_at_ms: expires as u64,
        }),
    ))
}

/// The cycle an attempt belongs to: since the last certification (any method).
async fn cycle_start(state: &AppState, subject: &str) -> Result<String, ApiError> {
    Ok(people::last_certification(state, subject)
        .await?
        .map(|e| people::day_string(e.date))
        .unwrap_or_else(|| "0000-00-00".into()))
}

#[utoipa::path(put, path = "/v1/certifications/{certification_id}/evidence", tag = "certification", security(("bearer" = [])),
    params(("certification_id" = String, Path),
        ("idempotency-key" = String, Header, description = "The same key on every retry of one upload"),
        ("x-evidence-signature" = String, Header, description = "base64 signature of the body by the device key (Ed25519, ECDSA P-256, or an App Attest assertion)")),
    request_body(content = String, content_type = "application/json", description = "The evidence JSON made by the app"),
    responses((status = 200, body = CertificationRecord), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(cert_id): Path<String>,
    body: Bytes,
) -> Result<Json<CertificationRecord>, ApiError> {
    let lang = language(&headers);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let key = header(IDEMPOTENCY_HEADER)
        .filter(|k| k.len() <= 100)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, Code::BadRequest))?
        .to_string();
    let row = sqlx::query("SELECT * FROM certifications WHERE id = $1 AND actor_id = $2")
        .bind(&cert_id)
        .bind(&caller.person_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let outcome = parse_outcome(&row.try_get::<String, _>("outcome")?);
    if outcome != Outcome::Open {
        // A retry of an upload that already went through gets the same answer.
        if opt_str(&row, "idempotency_key").as_deref() == Some(key.as_str()) {
            return Ok(Json(record(&state, &row, lang).await?));
        }
        return Err(ApiError::conflict(Code::AlreadyDecided));
    }
    if row.try_get::<i64, _>("expires_ms")? < now_ms() {
        sqlx::query(
            "UPDATE certifications SET outcome = 'expired' WHERE id = $1 AND outcome = 'open'",
        )
        .bind(&cert_id)
        .execute(&state.db)
        .await?;
        return Err(ApiError::new(StatusCode::GONE, Code::ChallengeExpired));
    }
    use base64::Engine as _;
    let signature = header(SIGNATURE_HEADER)
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .ok_or_else(|| ApiError::bad(Code::BadSignature))?;
    let nonce: String = row.try_get("nonce")?;
    let actions: Vec<Action> = row
        .try_get::<String, _>("actions")?
        .split(',')
        .filter_map(Action::from_name)
        .collect();
    let subject_id: String = row.try_get("subject_id")?;
    let subject = people::by_id(&state, &subject_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let template = subject
        .template_embedding
        .clone()
        .ok_or_else(|| ApiError::conflict(Code::NoTemplate))?;

    let refused = |Refused(code, detail)| {
        tracing::info!(certification = %cert_id, "upload refused: {}: {detail}", code.as_str());
        match code {
            Code::Internal => ApiError::internal(detail),
            Code::BadSignature => ApiError::new(StatusCode::UNAUTHORIZED, code),
            c => ApiError::bad(c),
        }
    };
    crate::attestation::check_upload(&state, &caller, &cert_id, &body, &signature)
        .await
        .map_err(refused)?;
    let issued = Issued {
        nonce: &nonce,
        actions: &actions,
    };
    let evidence = verify::parse(&body, &issued).map_err(refused)?;
    let pool = state.faces.clone();
    let _slot = state
        .verifiers
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    let decision = tokio::task::spawn_blocking(move || {
        pool.with(|kit| verify::judge(kit, &evidence, &template))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?
    .map_err(refused)?;

    // The evidence is stored before the record says it exists.
    let evidence_key = format!("evidence/{subject_id}/{cert_id}.json");
    state
        .store
        .put(&evidence_key, body.to_vec())
        .await
        .map_err(ApiError::internal)?;

    let decision = escalate(&state, &row, decision).await?;
    let now = now_ms();
    let today = today_in_china();
    let (outcome, reason, distance) = match &decision {
        Decision::Passed { distance } => (Outcome::Passed, None, Some(*distance)),
        Decision::Failed { reason, distance } => (Outcome::Failed, Some(*reason), *distance),
        Decision::Review { reason, distance } => {
            (Outcome::PendingReview, Some(*reason), Some(*distance))
        }
    };
    let receipt = match outcome {
        Outcome::Passed => Some(receipts::sign(&state, &cert_id, &subject, today)?),
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query("UPDATE certifications SET outcome = $1, reason = $2, distance = $3, evidence_key = $4, idempotency_key = $5, body_sha256 = $6, decided_ms = $7, receipt_claims = $8, receipt_signature = $9 WHERE id = $10 AND outcome = 'open'")
        .bind(outcome_str(outcome))
        .bind(reason.map(|c| c.as_str()))
        // Always a number (NaN for none): sqlx 0.8's Any driver sends a NULL
        // f64 as a float4, and PostgreSQL then refuses the float8 of later runs
        // of the same prepared statement.
        .bind(distance.unwrap_or(f64::NAN))
        .bind(&evidence_key)
        .bind(&key)
        .bind(sha256_hex(&body))
        .bind(now)
        .bind(receipt.as_ref().map(|r| r.0.clone()))
        .bind(receipt.as_ref().map(|r| r.1.clone()))
        .bind(&cert_id)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        // A concurrent retry won the race; answer with what it decided.
        tx.rollback().await?;
        return reread(&state, &cert_id, &key, lang).await;
    }
    if outcome == Outcome::Passed {
        sqlx::query("INSERT INTO certification_events (id, person_id, day, method, source) VALUES ($1, $2, $3, 'face_online', $4)")
            .bind(new_id())
            .bind(&subject_id)
            .bind(people::day_string(today))
            .bind(&cert_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    reread(&state, &cert_id, &key, lang).await
}

async fn reread(
    state: &AppState,
    cert_id: &str,
    key: &str,
    lang: Language,
) -> Result<Json<CertificationRecord>, ApiError> {
    let row = sqlx::query("SELECT * FROM certifications WHERE id = $1")
        .bind(cert_id)
        .fetch_one(&state.db)
        .await?;
    if opt_str(&row, "idempotency_key").as_deref() != Some(key) {
        return Err(ApiError::conflict(Code::AlreadyDecided));
    }
    Ok(Json(record(state, &row, lang).await?))
}

/// The third failure in a cycle goes to a person instead of failing again.
async fn escalate(state: &AppState, row: &AnyRow, d: Decision) -> Result<Decision, ApiError> {
    let Decision::Failed { distance, .. } = d else {
        return Ok(d);
    };
    let failures: i64 = sqlx::query("SELECT COUNT(*) AS n FROM certifications WHERE subject_id = $1 AND cycle_start = $2 AND outcome = 'failed'")
        .bind(row.try_get::<String, _>("subject_id")?)
        .bind(row.try_get::<String, _>("cycle_start")?)
        .fetch_one(&state.db)
        .await?
        .try_get("n")?;
    Ok(if failures + 1 >= FAILURES_BEFORE_REVIEW {
        Decision::Review {
            reason: Code::TooManyFailures,
            distance: distance.unwrap_or(f64::NAN),
        }
    } else {
        d
    })
}

pub async fn record(
    state: &AppState,
    row: &AnyRow,
    lang: Language,
) -> Result<CertificationRecord, ApiError> {
    let subject_id: String = row.try_get("subject_id")?;
    let subject_name = people::by_id(state, &subject_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let outcome = parse_outcome(&row.try_get::<String, _>("outcome")?);
    let reason = opt_str(row, "reason");
    let advice = reason
        .as_deref()
        .and_then(Code::parse)
        .map(|c| c.message(lang).display);
    let receipt = match (
        opt_str(row, "receipt_claims"),
        opt_str(row, "receipt_signature"),
    ) {
        (Some(claims), Some(signature)) => Some(Receipt { claims, signature }),
        _ => None,
    };
    Ok(CertificationRecord {
        certification_id: row.try_get("id")?,
        subject_person_id: subject_id,
        subject_name,
        actor_person_id: row.try_get("actor_id")?,
        started_ms: row.try_get::<i64, _>("started_ms")? as u64,
        decided_ms: row
            .try_get::<Option<i64>, _>("decided_ms")
            .ok()
            .flatten()
            .map(|v| v as u64),
        outcome,
        reason,
        advice,
        receipt,
        attestation_level: opt_str(row, "attestation_level"),
    })
}

#[utoipa::path(get, path = "/v1/certifications/{certification_id}", tag = "records", security(("bearer" = [])),
    params(("certification_id" = String, Path)),
    responses((status = 200, body = CertificationRecord), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(cert_id): Path<String>,
) -> Result<Json<CertificationRecord>, ApiError> {
    let row = sqlx::query("SELECT * FROM certifications WHERE id = $1")
        .bind(&cert_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let subject: String = row.try_get("subject_id")?;
    let actor: String = row.try_get("actor_id")?;
    if actor != caller.person_id
        && !relatives::may_act_for(&state, &caller.person_id, &subject).await?
    {
        return Err(ApiError::not_found());
    }
    Ok(Json(record(&state, &row, language(&headers)).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct RecordsQuery {
    /// Only this person's records (me or a bound relative).
    pub person_id: Option<String>,
}

#[utoipa::path(get, path = "/v1/records", tag = "records", security(("bearer" = [])), params(RecordsQuery),
    responses((status = 200, body = Records), (status = 403, body = ErrorBody), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn records(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<RecordsQuery>,
) -> Result<Json<Records>, ApiError> {
    let lang = language(&headers);
    let rows = match &q.person_id {
        Some(p) => {
            if !relatives::may_act_for(&state, &caller.person_id, p).await? {
                return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
            }
            sqlx::query("SELECT * FROM certifications WHERE subject_id = $1 AND outcome <> 'open' ORDER BY started_ms DESC LIMIT 200")
                .bind(p)
                .fetch_all(&state.db)
                .await?
        }
        None => sqlx::query(
            "SELECT * FROM certifications WHERE outcome <> 'open' AND (subject_id = $1 OR subject_id IN (SELECT relative_id FROM bindings WHERE requester_id = $1 AND state = 'active')) ORDER BY started_ms DESC LIMIT 200",
        )
        .bind(&caller.person_id)
        .fetch_all(&state.db)
        .await?,
    };
    let mut records = Vec::with_capacity(rows.len());
    for r in &rows {
        records.push(record(&state, r, lang).await?);
    }
    Ok(Json(Records { records }))
}
