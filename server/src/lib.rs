//! certd, the reference certification server: what a social-insurance agency
//! runs behind the app. One module per job:
//!
//! - `config`: file + environment settings, certification rules by region
//! - `db`: SQLite or PostgreSQL through sqlx, migrations
//! - `store`: the evidence and template-photo store (crash-safe files)
//! - `auth`, `accounts`: passwords, tokens, lockout; register and log in
//! - `attestation`: device keys proven by Android Keystore / Apple App Attest
//! - `people`, `relatives`: persons and their status; 亲情服务 bindings
//! - `certify`: challenges, evidence upload, results and records
//! - `verify`, `faces`: re-checking liveness and matching faces (dlib)
//! - `receipts`: signed proof of a passed certification
//! - `agency`: the counter-side tools (roster, enrolment, big data, review, report)
//! - `http`, `error`: the router, the OpenAPI document, errors as JSON

pub mod access;
pub mod accounts;
pub mod agency;
pub mod attestation;
pub mod auth;
pub mod certify;
pub mod config;
pub mod contact;
pub mod db;
pub mod device_key;
pub mod error;
pub mod extract;
pub mod faces;
pub mod guard;
pub mod http;
pub mod keyring;
pub mod people;
pub mod receipts;
pub mod relatives;
pub mod retention;
pub mod seal;
pub mod store;
pub mod templates;
pub mod verify;

use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<config::Config>,
    pub db: db::Db,
    pub store: Arc<store::ObjectStore>,
    pub faces: Arc<faces::FacePool>,
    /// Verifications at once: one per core (each holds a face kit and a core).
    pub verifiers: Arc<tokio::sync::Semaphore>,
    /// argon2 hashes at once, off the async runtime: one per core, so a flood
    /// of log-ins queues instead of starving every other request.
    pub hashers: Arc<tokio::sync::Semaphore>,
    pub receipt_key: Arc<receipts::SigningKey>,
    /// A real argon2 hash to verify against when the account does not exist.
    pub dummy_hash: Arc<String>,
    /// The attestation policy with its roots and allow-lists, loaded once.
    pub attestation: Arc<attestation::Policy>,
}

impl AppState {
    /// Opens the database (migrating it), the store and the face models.
    pub async fn open(config: config::Config) -> Result<AppState, String> {
        std::fs::create_dir_all(&config.data)
            .map_err(|e| format!("{}: {e}", config.data.display()))?;
        let db = db::open(&config.database_url())
            .await
            .map_err(|e| format!("database: {e}"))?;
        let sealer = Arc::new(seal::Sealer::open(&seal::keys_dir(&config))?);
        let store = match &config.s3 {
            Some(s3) => store::ObjectStore::s3(s3, sealer),
            None => store::ObjectStore::open(&config.data.join("objects"), sealer),
        }
        .map_err(|e| format!("store: {e}"))?;
        let models = config
            .models
            .clone()
            .unwrap_or_else(faces::default_models_dir);
        let faces = faces::FacePool::new(models)?;
        let attestation = attestation::Policy::load(&config.attestation)?;
        let receipt_key = receipts::load_or_create_key(&db, &receipts::keys_dir(&config)).await?;
        let dummy_hash =
            auth::hash_password("not-a-real-password-0").map_err(|e| format!("{e:?}"))?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(AppState {
            config: Arc::new(config),
            db,
            store: Arc::new(store),
            faces: Arc::new(faces),
            verifiers: Arc::new(tokio::sync::Semaphore::new(cores)),
            hashers: Arc::new(tokio::sync::Semaphore::new(cores)),
            receipt_key: Arc::new(receipt_key),
            dummy_hash: Arc::new(dummy_hash),
            attestation: Arc::new(attestation),
        })
    }
}

/// Serves until the listener fails or ctrl-c; returns the bound address via `ready`.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // The peer address feeds the per-client throttles (`guard::Client`).
    axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
