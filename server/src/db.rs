//! The database: SQLite (one file, the default) or PostgreSQL (by URL), through
//! sqlx's `Any` driver so one set of queries serves both. Migrations are plain
//! SQL files applied in order on start-up, each in its own transaction.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    (
        "0002_attestation",
        include_str!("../migrations/0002_attestation.sql"),
    ),
    ("0003_abuse", include_str!("../migrations/0003_abuse.sql")),
    (
        "0004_light_check",
        include_str!("../migrations/0004_light_check.sql"),
    ),
    (
        "0005_evidence_retention",
        include_str!("../migrations/0005_evidence_retention.sql"),
    ),
    (
        "0006_contact",
        include_str!("../migrations/0006_contact.sql"),
    ),
];

pub type Db = AnyPool;

/// Opens (creating if needed) the database at `url` and migrates it.
/// `sqlite:///path/certd.db` or `postgres://user@host/db`.
pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") {
        format!("{url}?mode=rwc")
    } else {
        url.to_string()
    };
    let sqlite = url.starts_with("sqlite:");
    let pool = AnyPoolOptions::new()
        // SQLite allows one writer; a small pool with a busy timeout queues
        // writers instead of failing them.
        .max_connections(if sqlite { 4 } else { 16 })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if sqlite {
                    use sqlx::Executor;
                    conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

async fn migrate(pool: &Db) -> Result<(), sqlx::Error> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_ms BIGINT NOT NULL)")
        .execute(pool)
        .await?;
    for (name, sql) in MIGRATIONS {
        let done: Option<AnyRow> =
            sqlx::query("SELECT name FROM schema_migrations WHERE name = $1")
                .bind(*name)
                .fetch_optional(pool)
                .await?;
        if done.is_some() {
            continue;
        }
        let mut tx = pool.begin().await?;
        let sql = strip_comments(sql);
        for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(stmt).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (name, applied_ms) VALUES ($1, $2)")
            .bind(*name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

fn strip_comments(stmt: &str) -> String {
    stmt.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A random id: 16 bytes from the OS as 32 hex characters.
pub fn new_id() -> String {
    hex(&random_bytes::<16>())
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .expect("the OS random source works");
    b
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Optional text column.
pub fn opt_str(row: &AnyRow, col: &str) -> Option<String> {
    row.try_get::<Option<String>, _>(col).ok().flatten()
}
