//! Signed receipts: proof of a passed certification that the app can check
//! offline with the server's Ed25519 public keys. The keys live in a folder
//! outside the database (`receipt_keys` in the config, `DATA/receipt-keys` by
//! default), one PKCS#8 file per key, readable by certd's user only: `k1.pk8`,
//! `k2.pk8`... The highest number signs; `certd rotate-receipt-key` adds the
//! next one, and every earlier public key stays published
//! (`GET /v1/receipt-keys`) so earlier receipts keep verifying. An agency with
//! an HSM replaces this folder with its key-management system behind the same
//! two operations (sign with the current key, list the public keys).

use crate::error::ApiError;
use crate::keyring::KeyFolder;
use crate::people::{self, Person};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use base64::Engine as _;
use lifecert_domain::api::{mask_id, ReceiptClaims, ReceiptKey, ReceiptKeys};
use lifecert_domain::i18n::Language;
use lifecert_domain::rules::calendar::{CertificationEvent, CertificationMethod};
use lifecert_domain::rules::date::CalendarDate;
use ring::signature::{Ed25519KeyPair, KeyPair};
use sqlx::Row;
use std::path::{Path, PathBuf};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The key that signs new receipts, and its id.
pub struct SigningKey {
    pub kid: String,
    pub pair: Ed25519KeyPair,
}

/// A signed receipt as stored with the certification.
pub struct Signed {
    pub claims: String,
    pub signature: String,
    pub kid: String,
}

fn folder(dir: &Path) -> KeyFolder<'_> {
    KeyFolder {
        dir,
        prefix: "k",
        ext: "pk8",
        what: "receipt keys",
    }
}

fn new_pkcs8() -> Result<Vec<u8>, String> {
    Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
        .map(|d| d.as_ref().to_vec())
        .map_err(|e| e.to_string())
}

pub fn keys_dir(config: &crate::config::Config) -> PathBuf {
    config
        .receipt_keys
        .clone()
        .unwrap_or_else(|| config.data.join("receipt-keys"))
}

/// Loads the newest key, making the first one if there is none. A key an
/// earlier certd kept in the database becomes `k1` and leaves the database.
pub async fn load_or_create_key(db: &crate::db::Db, dir: &Path) -> Result<SigningKey, String> {
    let folder = folder(dir);
    folder.create()?;
    let legacy = sqlx::query("SELECT value FROM server_keys WHERE name = 'receipt'")
        .fetch_optional(db)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(row) = legacy {
        let pkcs8 = B64
            .decode(
                row.try_get::<String, _>("value")
                    .map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
        if !folder.write(1, &pkcs8)?
            && std::fs::read(dir.join("k1.pk8")).map_err(|e| folder.err(e))? != pkcs8
        {
            // Receipts without a key id were signed by the database's key.
            return Err(format!(
                "{}/k1.pk8 is not the receipt key kept in the database: move it away",
                dir.display()
            ));
        }
        sqlx::query("DELETE FROM server_keys WHERE name = 'receipt'")
            .execute(db)
            .await
            .map_err(|e| e.to_string())?;
    }
    let (kid, pkcs8) = folder
        .load_or_create(new_pkcs8)?
        .pop()
        .ok_or("no receipt key")?;
    let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
        .map_err(|e| format!("{}/{kid}.pk8: not an Ed25519 key: {e}", dir.display()))?;
    Ok(SigningKey { kid, pair })
}

/// Adds the next key (`certd rotate-receipt-key`); certd processes sign with
/// it once restarted, and publish it at once. Returns its id.
pub fn rotate(dir: &Path) -> Result<String, String> {
    folder(dir).rotate(new_pkcs8)
}

/// Every public key in `dir`, oldest first.
pub fn public_keys(dir: &Path) -> Result<Vec<ReceiptKey>, String> {
    let mut out = Vec::new();
    for (kid, pkcs8) in folder(dir).load()? {
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|e| format!("{}/{kid}.pk8: not an Ed25519 key: {e}", dir.display()))?;
        out.push(ReceiptKey {
            public_key: B64.encode(pair.public_key().as_ref()),
            kid: Some(kid),
        });
    }
    Ok(out)
}

/// The receipt for a certification passed today. Made before the result is
/// stored, so both land in one transaction.
pub fn sign(
    state: &AppState,
    cert_id: &str,
    subject: &Person,
    today: CalendarDate,
) -> Result<Signed, ApiError> {
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
    let signature = state.receipt_key.pair.sign(&bytes);
    Ok(Signed {
        claims: B64.encode(&bytes),
        signature: B64.encode(signature.as_ref()),
        kid: state.receipt_key.kid.clone(),
    })
}

#[utoipa::path(get, path = "/v1/receipt-key", tag = "records", responses((status = 200, body = ReceiptKey)))]
pub async fn public_key(State(state): State<AppState>) -> Json<ReceiptKey> {
    Json(ReceiptKey {
        public_key: B64.encode(state.receipt_key.pair.public_key().as_ref()),
        kid: Some(state.receipt_key.kid.clone()),
    })
}

#[utoipa::path(get, path = "/v1/receipt-keys", tag = "records", responses((status = 200, body = ReceiptKeys), (status = 500, body = lifecert_domain::api::ErrorBody)))]
pub async fn public_keys_route(
    State(state): State<AppState>,
) -> Result<Json<ReceiptKeys>, ApiError> {
    // Read afresh: a key added by a rotation shows at once on every certd.
    let dir = keys_dir(&state.config);
    let keys = tokio::task::spawn_blocking(move || public_keys(&dir))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(Json(ReceiptKeys { keys }))
}
