//! Signed receipts: proof of a passed certification that the app can check
//! offline with the server's Ed25519 public key. The key is made on first
//! start and kept in the database (an agency would keep it in an HSM).

use crate::error::ApiError;
use crate::people::{self, Person};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use base64::Engine as _;
use lifecert::api::{mask_id, ReceiptClaims, ReceiptKey};
use lifecert::i18n::Language;
use lifecert::rules::calendar::{CertificationEvent, CertificationMethod};
use lifecert::rules::date::CalendarDate;
use ring::signature::{Ed25519KeyPair, KeyPair};
use sqlx::Row;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub async fn load_or_create_key(db: &crate::db::Db) -> Result<Ed25519KeyPair, String> {
    let row = sqlx::query("SELECT value FROM server_keys WHERE name = 'receipt'")
        .fetch_optional(db)
        .await
        .map_err(|e| e.to_string())?;
    let pkcs8 = match row {
        Some(r) => B64
            .decode(r.try_get::<String, _>("value").map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?,
        None => {
            let doc = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
                .map_err(|e| e.to_string())?;
            // Two servers starting at once: the first insert wins, both read it back.
            let _ = sqlx::query("INSERT INTO server_keys (name, value) VALUES ('receipt', $1)")
                .bind(B64.encode(doc.as_ref()))
                .execute(db)
                .await;
            return Box::pin(load_or_create_key(db)).await;
        }
    };
    Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|e| e.to_string())
}

/// The receipt for a certification passed today: (claims, signature), base64.
/// Made before the result is stored, so both land in one transaction.
pub fn sign(
    state: &AppState,
    cert_id: &str,
    subject: &Person,
    today: CalendarDate,
) -> Result<(String, String), ApiError> {
    let last = CertificationEvent {
        date: today,
        method: CertificationMethod::FaceOnline,
    };
    let status = people::status_with(state, subject, Some(last), Language::ZhHans)?;
    let claims = ReceiptClaims {
        certification_id: cert_id.into(),
        subject_person_id: subject.id.clone(),
        subject_id_masked: mask_id(&subject.id_number),
        certified_on: today,
        next_due: status.next_due,
        issued_ms: crate::db::now_ms() as u64,
    };
    let bytes = serde_json::to_vec(&claims).map_err(ApiError::internal)?;
    let signature = state.receipt_key.sign(&bytes);
    Ok((B64.encode(&bytes), B64.encode(signature.as_ref())))
}

#[utoipa::path(get, path = "/v1/receipt-key", tag = "records", responses((status = 200, body = ReceiptKey)))]
pub async fn public_key(State(state): State<AppState>) -> Json<ReceiptKey> {
    Json(ReceiptKey {
        public_key: B64.encode(state.receipt_key.public_key().as_ref()),
    })
}
