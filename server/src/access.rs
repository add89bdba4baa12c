//! Who may act for whom: the access rule every certification handler asks,
//! apart from the handlers themselves.

use crate::error::ApiError;
use crate::{accounts, AppState};

/// May `actor` act for `subject` (self, or an active binding from a verified
/// account)?
pub async fn may_act_for(state: &AppState, actor: &str, subject: &str) -> Result<bool, ApiError> {
    if actor == subject {
        return Ok(true);
    }
    Ok(bound(state, actor, subject).await? && accounts::is_verified(state, actor).await?)
}

/// Is there an active binding from `actor` to `subject`?
pub async fn bound(state: &AppState, actor: &str, subject: &str) -> Result<bool, ApiError> {
    let row = sqlx::query(
        "SELECT id FROM bindings WHERE requester_id = $1 AND relative_id = $2 AND state = 'active'",
    )
    .bind(actor)
    .bind(subject)
    .fetch_optional(&state.db)
    .await?;
    Ok(row.is_some())
}
