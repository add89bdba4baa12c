//! Address, post code and phone, updated in the app while certifying (as
//! Beijing's and Foshan's apps allow): by the person or a relative who may
//! act for them, checked by the shared rules, every change kept with who made
//! it, and exported for the agency's counter staff (`certd contact-changes`).

use crate::auth::Caller;
use crate::db::{new_id, now_ms};
use crate::error::ApiError;
use crate::extract::Body;
use crate::guard::{self, Limit};
use crate::{access, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use lifecert_domain::api::{Code, ErrorBody};
use lifecert_domain::rules::contact::{normalize_contact, Contact, ContactError, ContactField};
use lifecert_domain::rules::date::china_offset;
use serde::Serialize;
use sqlx::Row;

/// Changes one person's details may take a day (a family correcting a typo
/// needs a few; a hijacked account rewriting an address all day does not).
pub const MAX_CHANGES_PER_DAY: i64 = 10;

#[utoipa::path(put, path = "/v1/people/{person_id}/contact", tag = "people", security(("bearer" = [])),
    params(("person_id" = String, Path, description = "the person whose contact details change")),
    request_body = Contact,
    responses(
        (status = 200, description = "the details as the agency now keeps them (normalised)", body = Contact),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(person_id): Path<String>,
    Body(form): Body<Contact>,
) -> Result<Json<Contact>, ApiError> {
    // An unknown id is "not yours" too: nothing to learn by probing.
    if !access::may_act_for(&state, &caller.person_id, &person_id).await? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
    }
    let contact = normalize_contact(&form).map_err(refused)?;
    let limit = Limit::per_day(MAX_CHANGES_PER_DAY);
    if let Err(retry_after) =
        guard::reserve(&state.db, &format!("contact:{person_id}"), limit).await?
    {
        return Err(ApiError::too_many(Code::RateLimited, retry_after));
    }
    sqlx::query("INSERT INTO contact_changes (id, person_id, address, post_code, mobile, changed_by, changed_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(new_id())
        .bind(&person_id)
        .bind(&contact.address)
        .bind(&contact.post_code)
        .bind(&contact.mobile)
        .bind(&caller.person_id)
        .bind(now_ms())
        .execute(&state.db)
        .await?;
    Ok(Json(contact))
}

/// The code of the field to correct, with the rule's own words.
fn refused(e: ContactError) -> ApiError {
    let code = match e.field() {
        ContactField::Address => Code::InvalidAddress,
        ContactField::PostCode => Code::InvalidPostCode,
        ContactField::Mobile => Code::InvalidMobile,
    };
    ApiError::bad(code).with_message(move |l| e.describe(l))
}

/// The person's contact details: the latest change, if any.
pub async fn latest(state: &AppState, person_id: &str) -> Result<Option<Contact>, sqlx::Error> {
    let row = sqlx::query("SELECT address, post_code, mobile FROM contact_changes WHERE person_id = $1 ORDER BY changed_ms DESC, id DESC LIMIT 1")
        .bind(person_id)
        .fetch_optional(&state.db)
        .await?;
    row.map(|r| {
        Ok(Contact {
            address: r.try_get("address")?,
            post_code: r.try_get("post_code")?,
            mobile: r.try_get("mobile")?,
        })
    })
    .transpose()
}

/// One change as the agency's export lists it.
#[derive(Debug, Serialize)]
pub struct Change {
    /// When, as a Unix ms time.
    pub changed_ms: i64,
    pub id_number: String,
    pub name: String,
    pub address: String,
    pub post_code: String,
    pub mobile: String,
    /// The ID number of who made the change (the person, or a relative).
    pub changed_by: String,
}

/// Every change made at or after `since_ms`, oldest first.
pub async fn changes_since(state: &AppState, since_ms: i64) -> Result<Vec<Change>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.changed_ms, p.id_number, p.name, c.address, c.post_code, c.mobile, b.id_number AS by_id \
         FROM contact_changes c JOIN persons p ON p.id = c.person_id JOIN persons b ON b.id = c.changed_by \
         WHERE c.changed_ms >= $1 ORDER BY c.changed_ms, c.id",
    )
    .bind(since_ms)
    .fetch_all(&state.db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                changed_ms: r.try_get("changed_ms")?,
                id_number: r.try_get("id_number")?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                post_code: r.try_get("post_code")?,
                mobile: r.try_get("mobile")?,
                changed_by: r.try_get("by_id")?,
            })
        })
        .collect()
}

/// The changes as CSV for the counter staff's tools (UTF-8, a header line;
/// fields with commas or quotes quoted).
pub fn to_csv(changes: &[Change]) -> String {
    fn field(s: &str) -> String {
        // A spreadsheet would run "=HYPERLINK(...)" typed as an address.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("changed_at,id_number,name,address,post_code,mobile,changed_by\n");
    for c in changes {
        let at = chrono::DateTime::from_timestamp_millis(c.changed_ms)
            .map(|t| t.with_timezone(&china_offset()).to_rfc3339())
            .unwrap_or_default();
        let line = [
            &at,
            &c.id_number,
            &c.name,
            &c.address,
            &c.post_code,
            &c.mobile,
            &c.changed_by,
        ]
        .map(|s| field(s))
        .join(",");
        out.push_str(&line);
        out.push('\n');
    }
    out
}
