//! Limits on guesses (passwords, name checks, binds) that hold under
//! concurrency and across certd processes sharing one database: each attempt
//! reserves its slot in one atomic upsert *before* the guess is checked, so
//! forty concurrent guesses against a limit of five check five, not forty.
//! Counters are keyed by what they protect (an account seen from one client,
//! a client, an account from anywhere); a key that passes its limit locks for
//! a while and answers like any other locked key.

use crate::db::{now_ms, Db};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sqlx::Row;
use std::net::{IpAddr, SocketAddr};

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Failed attempts within `window_ms` before the key locks.
    pub max: i64,
    pub window_ms: i64,
    pub lock_ms: i64,
}

impl Limit {
    /// `max` a day, then locked for the rest of the day.
    pub fn per_day(max: i64) -> Limit {
        const DAY_MS: i64 = 24 * 3600 * 1000;
        Limit {
            max,
            window_ms: DAY_MS,
            lock_ms: DAY_MS,
        }
    }
}

/// One reserved attempt on one key (its number within the window).
#[derive(Clone, Debug)]
pub struct Slot {
    pub key: String,
    pub n: i64,
    pub limit: Limit,
}

/// Reserves an attempt on `key`, or says how long it stays locked.
pub async fn reserve(db: &Db, key: &str, limit: Limit) -> Result<Result<Slot, u64>, sqlx::Error> {
    let now = now_ms();
    // One statement: the row lock (PostgreSQL) or the single writer (SQLite)
    // makes the read-increment-write atomic. A locked key is not counted; a
    // window that has passed starts again at 1.
    let row = sqlx::query(
        "INSERT INTO guard_counters (key, attempts, since_ms, locked_until_ms) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = CASE WHEN guard_counters.locked_until_ms > $2 THEN guard_counters.attempts \
                           WHEN guard_counters.since_ms <= $3 THEN 1 \
                           ELSE guard_counters.attempts + 1 END, \
           since_ms = CASE WHEN guard_counters.locked_until_ms > $2 THEN guard_counters.since_ms \
                           WHEN guard_counters.since_ms <= $3 THEN $2 \
                           ELSE guard_counters.since_ms END \
         RETURNING attempts, locked_until_ms",
    )
    .bind(key)
    .bind(now)
    .bind(now - limit.window_ms)
    .fetch_one(db)
    .await?;
    let locked_until: i64 = row.try_get("locked_until_ms")?;
    if locked_until > now {
        return Ok(Err(retry_after(locked_until, now)));
    }
    let n: i64 = row.try_get("attempts")?;
    if n > limit.max {
        // Over the limit before being checked: never checked.
        return Ok(Err(lock(db, key, limit).await?));
    }
    Ok(Ok(Slot {
        key: key.into(),
        n,
        limit,
    }))
}

fn retry_after(until: i64, now: i64) -> u64 {
    ((until - now) / 1000 + 1).max(1) as u64
}

/// Locks `key` now (or keeps an existing lock); seconds until it opens.
pub async fn lock(db: &Db, key: &str, limit: Limit) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let row = sqlx::query(
        "UPDATE guard_counters SET locked_until_ms = CASE WHEN locked_until_ms > $2 THEN locked_until_ms ELSE $3 END, attempts = 0, since_ms = $2 WHERE key = $1 RETURNING locked_until_ms",
    )
    .bind(key)
    .bind(now)
    .bind(now + limit.lock_ms)
    .fetch_optional(db)
    .await?;
    let until = match row {
        Some(r) => r.try_get("locked_until_ms")?,
        None => now + limit.lock_ms,
    };
    Ok(retry_after(until, now))
}

/// The guess failed: the slot stays counted; the last allowed one locks.
pub async fn failed(db: &Db, slot: &Slot) -> Result<Option<u64>, sqlx::Error> {
    if slot.n >= slot.limit.max {
        return Ok(Some(lock(db, &slot.key, slot.limit).await?));
    }
    Ok(None)
}

/// [`failed`] for each slot of one attempt.
pub async fn failed_all(db: &Db, slots: &[Slot]) -> Result<(), sqlx::Error> {
    for slot in slots {
        failed(db, slot).await?;
    }
    Ok(())
}

/// The guess was right: give the slot back (the count of failures stays).
pub async fn release(db: &Db, slot: &Slot) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE guard_counters SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
    )
    .bind(&slot.key)
    .execute(db)
    .await?;
    Ok(())
}

/// The guess was right: forget this key's failures (and any lock).
pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM guard_counters WHERE key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Who is asking, as far as throttling goes: the peer's IP address (an IPv6
/// client's /64, which one subscriber usually holds whole). Behind a reverse
/// proxy (`trust_forwarded_for`), the last `X-Forwarded-For` entry, the one
/// the proxy itself added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client(pub String);

impl FromRequestParts<crate::AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .config
            .trust_forwarded_for
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .last()
                    .and_then(|v| v.trim().parse::<IpAddr>().ok())
            })
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Client(match forwarded.or(peer) {
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(IpAddr::V6(v6)) => v6.to_ipv4_mapped().expect("mapped").to_string(),
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }))
    }
}
