//! Evidence for the audit period only. A decided certification's evidence is
//! deleted `evidence_retention_days` after its decision; the record stays
//! (outcome, date, distance, receipt) and says when its pictures went.
//! Evidence still waiting for a reviewer is kept until it is decided. certd
//! purges once an hour while it serves, and `certd purge-evidence` does it on
//! demand; several certd processes may purge at once (deleting is idempotent).
//! `certd evidence CERT` gives an auditor one certification's evidence,
//! opened.

use crate::db::now_ms;
use crate::AppState;
use sqlx::Row;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Deletes the evidence of certifications decided before the retention
/// period; returns how many.
pub async fn purge(state: &AppState, now_ms: i64) -> Result<usize, String> {
    let cutoff = now_ms - state.config.evidence_retention_days as i64 * DAY_MS;
    let rows = sqlx::query(
        "SELECT id, evidence_key FROM certifications WHERE evidence_key IS NOT NULL AND decided_ms < $1 AND outcome IN ('passed', 'failed')",
    )
    .bind(cutoff)
    .fetch_all(&state.db)
    .await
    .map_err(|e| e.to_string())?;
    let mut purged = 0;
    for row in rows {
        let id: String = row.try_get("id").map_err(|e| e.to_string())?;
        let key: String = row.try_get("evidence_key").map_err(|e| e.to_string())?;
        // The object first: a crash between the two leaves a record that
        // still names a deleted object, and the next purge finishes it.
        state
            .store
            .delete(&key)
            .await
            .map_err(|e| format!("{key}: {e}"))?;
        let done = sqlx::query(
            "UPDATE certifications SET evidence_key = NULL, evidence_purged_ms = $1 WHERE id = $2 AND evidence_key = $3",
        )
        .bind(now_ms)
        .bind(&id)
        .bind(&key)
        .execute(&state.db)
        .await
        .map_err(|e| e.to_string())?;
        purged += done.rows_affected() as usize;
    }
    Ok(purged)
}

/// Purges once an hour, for as long as certd serves.
pub async fn purge_every_hour(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match purge(&state, now_ms()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!("evidence of {n} certifications deleted after the audit period")
            }
            Err(e) => tracing::error!("evidence purge: {e}"),
        }
    }
}

/// One certification's evidence, opened, for an auditor.
pub async fn evidence(state: &AppState, cert_id: &str) -> Result<Vec<u8>, String> {
    let row =
        sqlx::query("SELECT evidence_key, evidence_purged_ms FROM certifications WHERE id = $1")
            .bind(cert_id)
            .fetch_optional(&state.db)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no certification with that id")?;
    let key: Option<String> = row.try_get("evidence_key").map_err(|e| e.to_string())?;
    let purged: Option<i64> = row
        .try_get("evidence_purged_ms")
        .map_err(|e| e.to_string())?;
    match (key, purged) {
        (Some(key), _) => state
            .store
            .get(&key)
            .await
            .map_err(|e| format!("{key}: {e}")),
        (None, Some(ms)) => Err(format!(
            "its evidence was deleted at the end of the audit period ({})",
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        )),
        (None, None) => Err("no evidence was uploaded for it".into()),
    }
}
