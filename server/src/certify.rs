//! Certification attempts: start (checks, then a challenge), upload the
//! evidence (idempotent, signed, verified), read the result and the records.

use crate::auth::Caller;
use crate::db::{new_id, now_ms, opt_str, random_bytes, sha256_hex};
use crate::error::{language, ApiError};
use crate::extract::Body;
use crate::guard::{self, Limit};
use crate::verify::{self, Decision, Issued, Refused};
use crate::{access, accounts, people, receipts, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use lifecert_domain::api::{
    CertificationRecord, Code, ErrorBody, Outcome, Receipt, Records, StartRequest, Started,
    IDEMPOTENCY_HEADER, SIGNATURE_HEADER,
};
use lifecert_domain::i18n::Language;
use lifecert_domain::rules::calendar::StatusKind;
use lifecert_domain::rules::date::{china_date_of_ms, today_in_china};
use lifecert_domain::rules::working_days::add_working_days;
use lifecert_liveness::liveness::Action;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Failures in one cycle before the next attempt goes to a person instead.
pub const FAILURES_BEFORE_REVIEW: i64 = 3;

/// 2 or 3 different actions in a random order, at least one of them a head
/// movement: blinks and mouths alone can be played by a photo with the eyes
/// and mouth cut out, a turn or a nod shows the face is not flat.
pub fn random_actions() -> Vec<Action> {
    loop {
        let r = random_bytes::<8>();
        let mut pool = Action::ALL.to_vec();
        let n = 2 + (r[0] % 2) as usize;
        let mut out = Vec::with_capacity(n);
        for b in &r[1..=n] {
            out.push(pool.remove(*b as usize % pool.len()));
        }
        if out.iter().any(|a| a.moves_head()) {
            return out;
        }
    }
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
    responses((status = 201, body = Started), (status = 429, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<StartRequest>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let lang = language(&headers);
    if req.subject_person_id != caller.person_id {
        if !access::bound(&state, &caller.person_id, &req.subject_person_id).await? {
            return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
        }
        // An account that is only registered certifies nobody but its owner.
        accounts::require_verified(&state, &caller.person_id).await?;
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
    // Attempts a day, per subject and per actor (atomic, like every counter):
    // junk uploads need started certifications, so this bounds them.
    let limit = Limit::per_day(state.config.certifications_per_day);
    let mut keys = vec![format!("start-subject:{}", subject.id)];
    if caller.person_id != subject.id {
        keys.push(format!("start-actor:{}", caller.person_id));
    }
    for key in keys {
        if let Err(retry_after) = guard::reserve(&state.db, &key, limit).await? {
            return Err(ApiError::too_many(Code::RateLimited, retry_after));
        }
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
        (status = 410, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 403, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(cert_id): Path<String>,
    // Too big (or unreadable) bodies answer {code, message} like every error.
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CertificationRecord>, ApiError> {
    let body = body?;
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
    if let Some(answer) = settled(&state, &row, &key, lang).await? {
        return answer;
    }
    let now = now_ms();
    if row.try_get::<i64, _>("expires_ms")? < now
        && opt_str(&row, "idempotency_key").as_deref() != Some(key.as_str())
    {
        // Open and too late (or a dead server's claim, and this is not its retry).
        sqlx::query(
            "UPDATE certifications SET outcome = 'expired' WHERE id = $1 AND (outcome = 'open' OR (outcome = 'verifying' AND claimed_ms < $2))",
        )
        .bind(&cert_id)
        .bind(now - claim_lease_ms(&state))
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
        nonce,
        actions,
        issued_ms: row.try_get("started_ms")?,
        expires_ms: row.try_get("expires_ms")?,
    };
    let evidence = verify::parse(&body, &issued).map_err(refused)?;

    // The rights of the moment the evidence arrives, not of the start: the
    // relative may have unbound, a death may have been imported since.
    if !access::may_act_for(&state, &caller.person_id, &subject_id).await? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
    }
    let subject = people::by_id(&state, &subject_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    match people::status(&state, &subject, lang).await?.kind {
        StatusKind::NotInScope => return Err(ApiError::conflict(Code::NotInScope)),
        StatusKind::Stopped => return Err(ApiError::conflict(Code::BenefitStopped)),
        _ => {}
    }
    let template = subject
        .template_embedding
        .clone()
        .ok_or_else(|| ApiError::conflict(Code::NoTemplate))?;

    // Claim the certification before judging or storing anything: of two
    // uploads at once (on one certd or two), one wins; the other stores
    // nothing and is told so. A claim older than its lease is a dead server's
    // and may be taken over.
    let claimed_ms = now_ms();
    let claim = sqlx::query(
        "UPDATE certifications SET outcome = 'verifying', idempotency_key = $1, body_sha256 = $2, claimed_ms = $3 WHERE id = $4 AND (outcome = 'open' OR (outcome = 'verifying' AND claimed_ms < $5))",
    )
    .bind(&key)
    .bind(sha256_hex(&body))
    .bind(claimed_ms)
    .bind(&cert_id)
    .bind(claimed_ms - claim_lease_ms(&state))
    .execute(&state.db)
    .await;
    match claim {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(ApiError::conflict(Code::IdempotencyKeyReused))
        }
        Err(e) => return Err(e.into()),
        Ok(done) if done.rows_affected() == 0 => {
            // Another upload got there first.
            let row = sqlx::query("SELECT * FROM certifications WHERE id = $1")
                .bind(&cert_id)
                .fetch_one(&state.db)
                .await?;
            return match settled(&state, &row, &key, lang).await? {
                Some(answer) => answer,
                None => Err(in_progress(true, claim_lease_ms(&state))),
            };
        }
        Ok(_) => {}
    }
    let owned = Claim {
        cert_id: &cert_id,
        key: &key,
        claimed_ms,
    };

    let pool = state.faces.clone();
    let judged = async {
        let _slot = state
            .verifiers
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || {
            pool.with(|kit| verify::judge(kit, &evidence, &template, &issued, now_ms()))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .map_err(refused)
    }
    .await;
    let judged = match judged {
        Ok(j) => j,
        Err(e) => {
            // Nothing decided: the certification is open again for a good upload.
            owned.release(&state).await?;
            return Err(e);
        }
    };
    let light = verify::light_note(judged.light);
    // Without the screen colours nothing binds the pictures to this attempt
    // but the order of the actions: a person looks before it counts.
    let decision = match judged.decision {
        Decision::Passed { distance }
            if judged.light.is_none() && state.config.require_light_check =>
        {
            Decision::Review {
                reason: Code::LightCheckOff,
                distance,
            }
        }
        d => d,
    };

    // The evidence is stored before the record says it exists; only the
    // upload holding the claim gets here, so no losing body is ever stored.
    let evidence_key = format!("evidence/{subject_id}/{cert_id}.json");
    if let Err(e) = state.store.put(&evidence_key, body.to_vec()).await {
        owned.release(&state).await?;
        return Err(ApiError::internal(e));
    }

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
    let updated = sqlx::query("UPDATE certifications SET outcome = $1, reason = $2, distance = $3, evidence_key = $4, decided_ms = $5, receipt_claims = $6, receipt_signature = $7, receipt_kid = $11, light = $12 WHERE id = $8 AND outcome = 'verifying' AND idempotency_key = $9 AND claimed_ms = $10")
        .bind(outcome_str(outcome))
        .bind(reason.map(|c| c.as_str()))
        // Always a number (NaN for none): sqlx 0.8's Any driver sends a NULL
        // f64 as a float4, and PostgreSQL then refuses the float8 of later runs
        // of the same prepared statement.
        .bind(distance.unwrap_or(f64::NAN))
        .bind(&evidence_key)
        .bind(now)
        .bind(receipt.as_ref().map(|r| r.claims.clone()))
        .bind(receipt.as_ref().map(|r| r.signature.clone()))
        .bind(&cert_id)
        .bind(&key)
        .bind(claimed_ms)
        .bind(receipt.as_ref().map(|r| r.kid.clone()))
        .bind(light)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        // Our lease ran out and a retry took over; answer with what it decided.
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
        if subject_id == caller.person_id {
            // The face matched the template: the account is its owner's.
            accounts::mark_verified(&mut *tx, &subject_id).await?;
        }
    }
    // Tests, debug builds only: die here as a crash would, with the body
    // read, judged and stored and the record not committed.
    #[cfg(debug_assertions)]
    if std::env::var_os("CERTD_CRASH_BEFORE_COMMIT").is_some() {
        std::process::abort();
    }
    tx.commit().await?;
    reread(&state, &cert_id, &key, lang).await
}

/// How long an upload holds its certification while it is judged
/// (`upload_claim_lease_s`): a claim older than this belongs to a certd that
/// died mid-verification, and a retry may take it over.
pub fn claim_lease_ms(state: &AppState) -> i64 {
    state.config.upload_claim_lease_s as i64 * 1000
}

struct Claim<'a> {
    cert_id: &'a str,
    key: &'a str,
    claimed_ms: i64,
}

impl Claim<'_> {
    /// Gives the certification back (open, no key) when nothing was decided.
    async fn release(&self, state: &AppState) -> Result<(), ApiError> {
        sqlx::query("UPDATE certifications SET outcome = 'open', idempotency_key = NULL, body_sha256 = NULL, claimed_ms = NULL WHERE id = $1 AND outcome = 'verifying' AND idempotency_key = $2 AND claimed_ms = $3")
            .bind(self.cert_id)
            .bind(self.key)
            .bind(self.claimed_ms)
            .execute(&state.db)
            .await?;
        Ok(())
    }
}

/// Another upload is being judged: its retry (same key) waits and tries
/// again (429, as the outbox retries those); a different upload is refused.
fn in_progress(same_key: bool, wait_ms: i64) -> ApiError {
    if same_key {
        ApiError::too_many(Code::UploadInProgress, (wait_ms / 1000).max(1) as u64)
    } else {
        ApiError::conflict(Code::UploadInProgress)
    }
}

/// The answer for an upload to a certification that is not open: its record
/// (a retry of the upload that decided it), or why not. None: open, or a dead
/// server's stale claim, so this upload may go on.
async fn settled(
    state: &AppState,
    row: &AnyRow,
    key: &str,
    lang: Language,
) -> Result<Option<Result<Json<CertificationRecord>, ApiError>>, ApiError> {
    let same_key = opt_str(row, "idempotency_key").as_deref() == Some(key);
    match row.try_get::<String, _>("outcome")?.as_str() {
        "open" => Ok(None),
        "verifying" => {
            let claimed = row.try_get::<Option<i64>, _>("claimed_ms")?.unwrap_or(0);
            let left = claimed + claim_lease_ms(state) - now_ms();
            Ok((left > 0).then(|| Err(in_progress(same_key, left))))
        }
        // Expired before any upload went through: say so, every time (not
        // "already decided", which sends the person to the records page).
        "expired" => Ok(Some(Err(ApiError::new(
            StatusCode::GONE,
            Code::ChallengeExpired,
        )))),
        // A retry of an upload that already went through gets the same answer.
        _ if same_key => Ok(Some(Ok(Json(record(state, row, lang).await?)))),
        _ => Ok(Some(Err(ApiError::conflict(Code::AlreadyDecided)))),
    }
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

/// The third failure in a cycle goes to a person instead of failing again,
/// but only failures the server judged by matching the face against the
/// template: junk (the app's own "not passed", no face) never reaches a person.
async fn escalate(state: &AppState, row: &AnyRow, d: Decision) -> Result<Decision, ApiError> {
    let Decision::Failed {
        distance: Some(distance),
        ..
    } = d
    else {
        return Ok(d);
    };
    // `distance < 100`: a real distance (they are at most 2). No distance is
    // stored as NaN, which PostgreSQL ranks above every number and SQLite
    // stores as NULL; either way it is not counted.
    let failures: i64 = sqlx::query("SELECT COUNT(*) AS n FROM certifications WHERE subject_id = $1 AND cycle_start = $2 AND outcome = 'failed' AND distance < 100")
        .bind(row.try_get::<String, _>("subject_id")?)
        .bind(row.try_get::<String, _>("cycle_start")?)
        .fetch_one(&state.db)
        .await?
        .try_get("n")?;
    Ok(if failures + 1 >= FAILURES_BEFORE_REVIEW {
        Decision::Review {
            reason: Code::TooManyFailures,
            distance,
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
    let subject = people::by_id(state, &subject_id).await?;
    let subject_name = subject.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let outcome = parse_outcome(&row.try_get::<String, _>("outcome")?);
    let started_ms = row.try_get::<i64, _>("started_ms")?;
    // Counted from the certification day, as the ministry's notice says.
    let review_by = match (&outcome, &subject) {
        (Outcome::PendingReview, Some(p)) => china_date_of_ms(started_ms)
            .map(|day| add_working_days(day, state.config.review_working_days(&p.region))),
        _ => None,
    };
    let reason = opt_str(row, "reason");
    let advice = reason
        .as_deref()
        .and_then(Code::parse)
        .map(|c| c.message(lang).display);
    let receipt = match (
        opt_str(row, "receipt_claims"),
        opt_str(row, "receipt_signature"),
    ) {
        (Some(claims), Some(signature)) => Some(Receipt {
            claims,
            signature,
            // Receipts from before key ids were signed by the first key.
            kid: Some(opt_str(row, "receipt_kid").unwrap_or_else(|| "k1".into())),
        }),
        _ => None,
    };
    Ok(CertificationRecord {
        certification_id: row.try_get("id")?,
        subject_person_id: subject_id,
        subject_name,
        actor_person_id: row.try_get("actor_id")?,
        started_ms: started_ms as u64,
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
        review_by,
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
        && !access::may_act_for(&state, &caller.person_id, &subject).await?
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
            if !access::may_act_for(&state, &caller.person_id, p).await? {
                return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
            }
            sqlx::query("SELECT * FROM certifications WHERE subject_id = $1 AND outcome NOT IN ('open', 'verifying') ORDER BY started_ms DESC LIMIT 200")
                .bind(p)
                .fetch_all(&state.db)
                .await?
        }
        None => sqlx::query(
            "SELECT * FROM certifications WHERE outcome NOT IN ('open', 'verifying') AND (subject_id = $1 OR ($2 = 1 AND subject_id IN (SELECT relative_id FROM bindings WHERE requester_id = $1 AND state = 'active'))) ORDER BY started_ms DESC LIMIT 200",
        )
        .bind(&caller.person_id)
        // A registered (unverified) account sees only its own records.
        .bind(accounts::is_verified(&state, &caller.person_id).await? as i64)
        .fetch_all(&state.db)
        .await?,
    };
    let mut records = Vec::with_capacity(rows.len());
    for r in &rows {
        records.push(record(&state, r, lang).await?);
    }
    Ok(Json(Records { records }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_challenge_has_a_head_movement_and_two_or_three_different_actions() {
        for _ in 0..2000 {
            let a = random_actions();
            assert!(a.iter().any(|x| x.moves_head()), "{a:?}");
            assert!((2..=3).contains(&a.len()));
            let mut names: Vec<_> = a.iter().map(|x| x.name()).collect();
            names.dedup();
            assert_eq!(names.len(), a.len());
        }
    }
}
