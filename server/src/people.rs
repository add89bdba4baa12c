//! Persons (benefit holders and account holders) as the rules see them: their
//! holder record, their status today, and how the app shows them.

use crate::db::opt_str;
use crate::error::ApiError;
use crate::AppState;
use lifecert_domain::api::{mask_id, PersonView};
use lifecert_domain::i18n::Language;
use lifecert_domain::rules::calendar::{
    certification_status, BenefitHolder, CertificationEvent, CertificationMethod,
    CertificationStatus, EligibilityLoss, LossReason, StatusKind,
};
use lifecert_domain::rules::date::{today_in_china, CalendarDate, YearMonth};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub id_number: String,
    pub name: String,
    pub region: String,
    pub benefit_start: Option<YearMonth>,
    pub lost: Option<EligibilityLoss>,
    pub template_embedding: Option<Vec<f64>>,
}

pub fn parse_month(s: &str) -> Option<YearMonth> {
    let (y, m) = s.trim().split_once('-')?;
    let ym = YearMonth::new(y.parse().ok()?, m.parse().ok()?);
    ym.is_valid().then_some(ym)
}

pub fn parse_day(s: &str) -> Option<CalendarDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .map(CalendarDate::from_naive)
}

pub fn day_string(d: CalendarDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

pub fn loss_reason_str(r: LossReason) -> &'static str {
    match r {
        LossReason::Death => "death",
        LossReason::Imprisonment => "imprisonment",
        LossReason::Disappearance => "disappearance",
    }
}

fn parse_loss(reason: Option<String>, date: Option<String>) -> Option<EligibilityLoss> {
    let reason = match reason?.as_str() {
        "death" => LossReason::Death,
        "imprisonment" => LossReason::Imprisonment,
        "disappearance" => LossReason::Disappearance,
        _ => return None,
    };
    Some(EligibilityLoss {
        reason,
        date: parse_day(&date?)?,
    })
}

const COLUMNS: &str =
    "id, id_number, name, region, benefit_start, lost_reason, lost_date, template_embedding";

fn from_row(row: &AnyRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: row.try_get("id")?,
        id_number: row.try_get("id_number")?,
        name: row.try_get("name")?,
        region: row.try_get("region")?,
        benefit_start: opt_str(row, "benefit_start")
            .as_deref()
            .and_then(parse_month),
        lost: parse_loss(opt_str(row, "lost_reason"), opt_str(row, "lost_date")),
        template_embedding: opt_str(row, "template_embedding")
            .and_then(|s| serde_json::from_str(&s).ok()),
    })
}

pub async fn by_id(state: &AppState, id: &str) -> Result<Option<Person>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM persons WHERE id = $1"))
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id_number(
    state: &AppState,
    id_number: &str,
) -> Result<Option<Person>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM persons WHERE id_number = $1"
    ))
    .bind(id_number)
    .fetch_optional(&state.db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn last_certification(
    state: &AppState,
    person_id: &str,
) -> Result<Option<CertificationEvent>, sqlx::Error> {
    let row = sqlx::query("SELECT day, method FROM certification_events WHERE person_id = $1 ORDER BY day DESC LIMIT 1")
        .bind(person_id)
        .fetch_optional(&state.db)
        .await?;
    Ok(row.and_then(|r| {
        let day = parse_day(&r.try_get::<String, _>("day").ok()?)?;
        let method = match r.try_get::<String, _>("method").ok()?.as_str() {
            "big_data" => CertificationMethod::BigData,
            "assisted" => CertificationMethod::Assisted,
            _ => CertificationMethod::FaceOnline,
        };
        Some(CertificationEvent { date: day, method })
    }))
}

/// The rules' answer for this person today. People who draw no benefit (a son
/// with an account to certify his father) are "not in scope".
pub async fn status(
    state: &AppState,
    p: &Person,
    lang: Language,
) -> Result<CertificationStatus, ApiError> {
    let last = last_certification(state, &p.id).await?;
    status_with(state, p, last, lang)
}

/// The status as if `last` were the latest certification.
pub fn status_with(
    state: &AppState,
    p: &Person,
    last: Option<CertificationEvent>,
    lang: Language,
) -> Result<CertificationStatus, ApiError> {
    let today = today_in_china();
    let policy = state.config.policy_for(&p.region);
    let Some(benefit_start) = p.benefit_start else {
        // No benefit (a son with an account to certify his father): nothing is due.
        let text = lifecert_domain::tr!(
            lang,
            "您不是待遇领取人员，无需认证。",
            "您不是待遇領取人員，無需認證。",
            "You do not draw a pension, so you need no certification."
        );
        return Ok(nothing_due(
            "status.no_benefit",
            text,
            !lifecert_domain::rules::calendar::is_maintenance_day(&policy, today),
        ));
    };
    let holder = BenefitHolder {
        benefit_start,
        last_certification: last,
        eligibility_lost: p.lost,
    };
    certification_status(holder, policy, today, lang).map_err(ApiError::internal)
}

pub async fn view(state: &AppState, p: &Person, lang: Language) -> Result<PersonView, ApiError> {
    Ok(PersonView {
        person_id: p.id.clone(),
        name: p.name.clone(),
        id_masked: mask_id(&p.id_number),
        template_enrolled: p.template_embedding.is_some(),
        status: status(state, p, lang).await?,
        contact: crate::contact::latest(state, &p.id).await?,
    })
}

/// A person before they agreed to a binding: the name and masked ID number
/// the asker typed, and a blank status (no dates, no suspension, nothing due).
pub fn withheld_view(p: &Person, lang: Language) -> PersonView {
    let text = lifecert_domain::tr!(
        lang,
        "等待对方同意后才显示认证情况。",
        "等待對方同意後才顯示認證情況。",
        "Shown once they agree."
    );
    PersonView {
        person_id: p.id.clone(),
        name: p.name.clone(),
        id_masked: mask_id(&p.id_number),
        template_enrolled: false,
        status: nothing_due("status.withheld", text, false),
        contact: None,
    }
}

/// A status with no dates and nothing due, carrying one message.
fn nothing_due(key: &str, text: String, online_open_today: bool) -> CertificationStatus {
    CertificationStatus {
        kind: StatusKind::NotInScope,
        next_due: None,
        suspended_from: None,
        back_pay_months: 0,
        extra_proof_needed: false,
        certified_by: None,
        online_open_today,
        messages: vec![lifecert_domain::i18n::Message {
            key: key.into(),
            speech: text.clone(),
            display: text,
        }],
    }
}
