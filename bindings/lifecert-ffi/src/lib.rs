//! The one FFI crate: the LifeCert core as Kotlin and Swift see it (uniffi,
//! library mode). It alone builds the `cdylib` (Android) and `staticlib`
//! (iOS) and holds the scaffolding; the pure crates only derive their uniffi
//! types behind their `uniffi` feature, which this crate turns on:
//!
//! - `lifecert_domain`: rules, languages, the HTTP contract (Kotlin package `org.lifecert.domain`)
//! - `lifecert_liveness`: frames, faces, liveness, evidence (`org.lifecert.liveness`)
//! - `lifecert_app`: the journey the shells draw (`org.lifecert.app`)
//!
//! Feature `testing` adds the hooks tests and device farms need (replayed
//! pictures, waiting for uploads, a capture without the app); release builds
//! of the phone libraries leave it off.

uniffi::setup_scaffolding!();

// Linked in so their scaffolding is in the library the shells load.
pub use lifecert_app;
pub use lifecert_domain;
pub use lifecert_liveness;

#[cfg(feature = "testing")]
pub mod capture;
