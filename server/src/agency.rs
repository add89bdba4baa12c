//! The counter-side tools an agency runs as `certd` subcommands: import the
//! roster, enrol template photos (建模), import big-data results, decide the
//! manual-review queue, approve bindings made at the counter, and report on a
//! campaign. Each is a function over [`AppState`] so tests call them directly.

use crate::db::{new_id, now_ms, opt_str};
use crate::people::{self, day_string, parse_day, parse_month};
use crate::AppState;
use lifecert_domain::i18n::Language;
use lifecert_domain::rules::calendar::StatusKind;
use lifecert_domain::rules::date::today_in_china;
use lifecert_domain::rules::id_number::parse_resident_id;
use lifecert_domain::rules::name::normalize_person_name;
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::Path;

/// One roster line: name, ID number, benefit category, region, benefit start (YYYY-MM).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RosterRow {
    pub name: String,
    pub id_number: String,
    pub category: String,
    pub region: String,
    pub benefit_start: String,
}

/// Imports (or updates) the roster. Every line is checked first; one bad line
/// imports nothing and the errors name each line.
pub async fn import_roster(state: &AppState, csv_text: &str) -> Result<usize, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut good = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in reader.deserialize::<RosterRow>().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let id = parse_resident_id(row.id_number.clone(), today_in_china());
        let name = normalize_person_name(row.name.clone());
        match (id, name, parse_month(&row.benefit_start)) {
            (Ok(id), Ok(name), Some(start)) => {
                good.push((id.number, name.value, row.category, row.region, start))
            }
            (Err(e), _, _) => {
                errors.push(format!("line {line}: {}", e.describe(Language::En).display))
            }
            (_, Err(e), _) => {
                errors.push(format!("line {line}: {}", e.describe(Language::En).display))
            }
            (_, _, None) => errors.push(format!(
                "line {line}: benefit start is YYYY-MM, not {:?}",
                row.benefit_start
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let fail = |e: sqlx::Error| vec![format!("database: {e}")];
    let mut tx = state.db.begin().await.map_err(fail)?;
    for (id_number, name, category, region, start) in &good {
        let start = format!("{:04}-{:02}", start.year, start.month);
        let existing = sqlx::query("SELECT id, benefit_start FROM persons WHERE id_number = $1")
            .bind(id_number)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
        match existing {
            Some(r) => {
                let id: String = r.try_get("id").map_err(fail)?;
                if opt_str(&r, "benefit_start").is_none() {
                    // Someone registered this ID number before the roster
                    // named it: whoever that was, an unverified account is not
                    // the pensioner's, so the roster does not adopt it.
                    drop_unverified_account(&mut tx, &id).await.map_err(fail)?;
                }
                sqlx::query("UPDATE persons SET name = $1, benefit_category = $2, region = $3, benefit_start = $4 WHERE id = $5")
                    .bind(name).bind(category).bind(region).bind(&start).bind(id)
                    .execute(&mut *tx).await.map_err(fail)?;
            }
            None => {
                sqlx::query("INSERT INTO persons (id, id_number, name, region, benefit_category, benefit_start, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(new_id()).bind(id_number).bind(name).bind(region).bind(category).bind(&start).bind(now_ms())
                    .execute(&mut *tx).await.map_err(fail)?;
            }
        }
    }
    tx.commit().await.map_err(fail)?;
    Ok(good.len())
}

/// Deletes `person_id`'s account if it was never verified, with its sessions
/// and bindings, so the person can register (and verify) afresh.
async fn drop_unverified_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person_id: &str,
) -> Result<(), sqlx::Error> {
    let unverified =
        sqlx::query("SELECT person_id FROM accounts WHERE person_id = $1 AND verified_ms IS NULL")
            .bind(person_id)
            .fetch_optional(&mut **tx)
            .await?;
    if unverified.is_none() {
        return Ok(());
    }
    for sql in [
        "DELETE FROM sessions WHERE person_id = $1",
        "DELETE FROM bindings WHERE requester_id = $1 OR relative_id = $1",
        "DELETE FROM accounts WHERE person_id = $1",
    ] {
        sqlx::query(sql).bind(person_id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// The person was seen at the counter with their ID card: their account is
/// theirs (`certd verify-account`). Also how an account holder who draws no
/// benefit (and so has no template to match) gets verified.
pub async fn verify_account(state: &AppState, id_number: &str) -> Result<(), String> {
    let id = parse_resident_id(id_number.into(), today_in_china())
        .map_err(|e| e.describe(Language::En).display)?;
    let person = people::by_id_number(state, &id.number)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}: no such person", id.number))?;
    let has_account = sqlx::query("SELECT person_id FROM accounts WHERE person_id = $1")
        .bind(&person.id)
        .fetch_optional(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    if has_account.is_none() {
        return Err(format!("{}: no account registered yet", id.number));
    }
    crate::accounts::mark_verified(&state.db, &person.id)
        .await
        .map_err(|e| e.to_string())
}

/// Enrols a template photo (建模) for the person with this ID number.
pub async fn enrol(state: &AppState, id_number: &str, photo: &[u8]) -> Result<(), String> {
    let id = parse_resident_id(id_number.into(), today_in_china())
        .map_err(|e| e.describe(Language::En).display)?;
    let person = people::by_id_number(state, &id.number)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} is not in the roster", id.number))?;
    let img = image::load_from_memory(photo)
        .map_err(|e| format!("not a picture: {e}"))?
        .to_rgb8();
    let found = state
        .faces
        .with(|kit| kit.find(&img, false))??
        .ok_or("no face in the photo: take it again facing the camera")?;
    if found.observation.faces_seen > 1 {
        return Err("more than one face in the photo: one person only".into());
    }
    let key = format!("templates/{}.jpg", person.id);
    let mut jpeg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .map_err(|e| e.to_string())?;
    state
        .store
        .put(&key, jpeg)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query("UPDATE persons SET template_key = $1, template_embedding = $2 WHERE id = $3")
        .bind(key)
        .bind(serde_json::to_string(&found.embedding).map_err(|e| e.to_string())?)
        .bind(&person.id)
        .execute(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Big-data results: `id_number,date,kind` with kind `alive` (a passive
/// certification on that date), `death`, `imprisonment` or `disappearance`
/// (eligibility ends on that date; the rules stop payment from the next month).
pub async fn import_big_data(state: &AppState, csv_text: &str) -> Result<usize, Vec<String>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) if r.len() == 3 => r,
            Ok(_) => {
                errors.push(format!("line {line}: need id_number,date,kind"));
                continue;
            }
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let Some(day) = parse_day(&rec[1]) else {
            errors.push(format!("line {line}: date is YYYY-MM-DD"));
            continue;
        };
        let kind = rec[2].to_string();
        if !["alive", "death", "imprisonment", "disappearance"].contains(&kind.as_str()) {
            errors.push(format!(
                "line {line}: kind is alive, death, imprisonment or disappearance"
            ));
            continue;
        }
        match people::by_id_number(state, rec[0].trim()).await {
            Ok(Some(p)) => rows.push((p.id, day, kind)),
            Ok(None) => errors.push(format!("line {line}: {} is not in the roster", &rec[0])),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let fail = |e: sqlx::Error| vec![format!("database: {e}")];
    let mut tx = state.db.begin().await.map_err(fail)?;
    for (person, day, kind) in &rows {
        if kind == "alive" {
            sqlx::query("INSERT INTO certification_events (id, person_id, day, method, source) VALUES ($1, $2, $3, 'big_data', 'import')")
                .bind(new_id()).bind(person).bind(day_string(*day))
                .execute(&mut *tx).await.map_err(fail)?;
        } else {
            sqlx::query("UPDATE persons SET lost_reason = $1, lost_date = $2 WHERE id = $3")
                .bind(kind)
                .bind(day_string(*day))
                .bind(person)
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
        }
    }
    tx.commit().await.map_err(fail)?;
    Ok(rows.len())
}

#[derive(Debug, serde::Serialize)]
pub struct ReviewItem {
    pub certification_id: String,
    pub subject_name: String,
    pub subject_id_masked: String,
    pub reason: Option<String>,
    pub distance: Option<f64>,
    pub evidence_key: Option<String>,
    /// Where the key that signed the evidence lived (software, tee,
    /// strongbox, app-attest): a reviewer weighs a `software` record less.
    pub attestation_level: Option<String>,
}

pub async fn review_queue(state: &AppState) -> Result<Vec<ReviewItem>, String> {
    let rows = sqlx::query("SELECT c.id, c.reason, c.distance, c.evidence_key, c.attestation_level, p.name, p.id_number FROM certifications c JOIN persons p ON p.id = c.subject_id WHERE c.outcome = 'review' ORDER BY c.started_ms")
        .fetch_all(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|r| ReviewItem {
            certification_id: r.try_get("id").unwrap_or_default(),
            subject_name: r.try_get("name").unwrap_or_default(),
            subject_id_masked: lifecert_domain::api::mask_id(
                &r.try_get::<String, _>("id_number").unwrap_or_default(),
            ),
            reason: opt_str(r, "reason"),
            distance: r
                .try_get::<Option<f64>, _>("distance")
                .ok()
                .flatten()
                .filter(|d| d.is_finite()),
            evidence_key: opt_str(r, "evidence_key"),
            attestation_level: opt_str(r, "attestation_level"),
        })
        .collect())
}

/// A reviewer's decision: pass (the person is certified today, with a receipt)
/// or fail (the reason code tells the person what to do).
pub async fn decide(state: &AppState, cert_id: &str, pass: bool) -> Result<(), String> {
    let row = sqlx::query(
        "SELECT subject_id, actor_id FROM certifications WHERE id = $1 AND outcome = 'review'",
    )
    .bind(cert_id)
    .fetch_optional(&state.db)
    .await
    .map_err(|e| e.to_string())?
    .ok_or("no certification waiting for review with that id")?;
    let subject_id: String = row.try_get("subject_id").map_err(|e| e.to_string())?;
    let today = today_in_china();
    let mut tx = state.db.begin().await.map_err(|e| e.to_string())?;
    if pass {
        let subject = people::by_id(state, &subject_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("subject gone")?;
        let signed =
            crate::receipts::sign(state, cert_id, &subject, today).map_err(|e| format!("{e:?}"))?;
        sqlx::query("UPDATE certifications SET outcome = 'passed', decided_ms = $1, receipt_claims = $2, receipt_signature = $3, receipt_kid = $4 WHERE id = $5")
            .bind(now_ms()).bind(signed.claims).bind(signed.signature).bind(signed.kid).bind(cert_id)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
        sqlx::query("INSERT INTO certification_events (id, person_id, day, method, source) VALUES ($1, $2, $3, 'face_online', $4)")
            .bind(new_id()).bind(&subject_id).bind(day_string(today)).bind(cert_id)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
        // A reviewer saw the owner's own face: their account is verified too.
        if row
            .try_get::<String, _>("actor_id")
            .map_err(|e| e.to_string())?
            == subject_id
        {
            crate::accounts::mark_verified(&mut *tx, &subject_id)
                .await
                .map_err(|e| e.to_string())?;
        }
    } else {
        sqlx::query("UPDATE certifications SET outcome = 'failed', reason = 'face_mismatch', decided_ms = $1 WHERE id = $2")
            .bind(now_ms()).bind(cert_id)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

/// A binding agreed in person at the counter (the relative has no phone).
pub async fn approve_binding(
    state: &AppState,
    requester_id_number: &str,
    relative_id_number: &str,
) -> Result<(), String> {
    let find = |n: &str| {
        let n = n.to_string();
        async move {
            people::by_id_number(state, &n)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!("{n}: unknown person"))
        }
    };
    let (a, b) = (
        find(requester_id_number).await?,
        find(relative_id_number).await?,
    );
    // The relative agrees here in person; the asker must own their account.
    if !crate::accounts::is_verified(state, &a.id)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!(
            "{requester_id_number}: the requester's account is not verified (certd verify-account, with their ID card)"
        ));
    }
    let done = sqlx::query(
        "UPDATE bindings SET state = 'active' WHERE requester_id = $1 AND relative_id = $2",
    )
    .bind(&a.id)
    .bind(&b.id)
    .execute(&state.db)
    .await
    .map_err(|e| e.to_string())?;
    if done.rows_affected() == 0 {
        return Err("no binding request between these two people".into());
    }
    Ok(())
}

/// Campaign report: how many benefit holders are in each state today, and the
/// review queue's length.
pub async fn report(state: &AppState) -> Result<BTreeMap<String, usize>, String> {
    let ids = sqlx::query("SELECT id FROM persons WHERE benefit_start IS NOT NULL")
        .fetch_all(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    let mut counts = BTreeMap::new();
    for r in ids {
        let id: String = r.try_get("id").map_err(|e| e.to_string())?;
        let p = people::by_id(state, &id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("vanished")?;
        let s = people::status(state, &p, Language::En)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let key = match (s.kind, s.certified_by) {
            (StatusKind::UpToDate, Some(_)) => "certified",
            (StatusKind::UpToDate, None) => "up_to_date",
            (StatusKind::Due, _) => "due",
            (StatusKind::Suspended, _) => "overdue_suspended",
            (StatusKind::Stopped, _) => "stopped",
            (StatusKind::NotInScope, _) => "not_in_scope",
        };
        *counts.entry(key.to_string()).or_insert(0) += 1;
    }
    let reviews = review_queue(state).await?.len();
    counts.insert("pending_review".into(), reviews);
    Ok(counts)
}

/// The sample roster and template photos `certd demo` starts with.
pub async fn seed_demo(state: &AppState, fixtures: &Path) -> Result<(), String> {
    let roster = demo_roster();
    import_roster(state, &roster)
        .await
        .map_err(|e| e.join("; "))?;
    for (id_number, photo) in DEMO_TEMPLATES {
        let bytes = std::fs::read(fixtures.join(photo)).map_err(|e| format!("{photo}: {e}"))?;
        enrol(state, id_number, &bytes).await?;
    }
    // Last year's certification at a counter, so this year's is due now.
    let last_year = today_in_china().year_month().plus_months(-11).first_day();
    for (_, id_number) in [DEMO_PENSIONER, DEMO_MOTHER, DEMO_NO_TEMPLATE] {
        let p = people::by_id_number(state, id_number)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("seeded")?;
        if people::last_certification(state, &p.id)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            sqlx::query("INSERT INTO certification_events (id, person_id, day, method, source) VALUES ($1, $2, $3, 'assisted', 'demo')")
                .bind(new_id())
                .bind(&p.id)
                .bind(day_string(last_year))
                .execute(&state.db)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Sample people (IDs are made up, with valid check characters).
/// A pensioner who certifies herself (template: grace_hopper.jpg).
pub const DEMO_PENSIONER: (&str, &str) = ("赵桂兰", "110105194812090023");
/// A pensioner whose son certifies for her (template: astronaut.jpg).
pub const DEMO_MOTHER: (&str, &str) = ("陈秀华", "440604195303150026");
/// A pensioner with no template photo yet.
pub const DEMO_NO_TEMPLATE: (&str, &str) = ("刘淑珍", "330502195207200026");
/// The son: an account holder who draws no benefit.
pub const DEMO_SON: (&str, &str) = ("王建国", "110105197506010017");
const DEMO_TEMPLATES: [(&str, &str); 2] = [
    (DEMO_PENSIONER.1, "grace_hopper.jpg"),
    (DEMO_MOTHER.1, "astronaut.jpg"),
];

pub fn demo_roster() -> String {
    format!(
        "name,id_number,category,region,benefit_start\n{},{},enterprise_pension,110105,2008-12\n{},{},enterprise_pension,440604,2010-04\n{},{},resident_pension,330502,2012-08\n",
        DEMO_PENSIONER.0, DEMO_PENSIONER.1, DEMO_MOTHER.0, DEMO_MOTHER.1, DEMO_NO_TEMPLATE.0, DEMO_NO_TEMPLATE.1
    )
}
