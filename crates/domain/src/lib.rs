//! What the app and certd share, with no I/O: who must certify and when
//! (`rules`), the three languages (`i18n`), what a challenge asks
//! (`challenge`) and the HTTP contract between them (`api`).

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod api;
pub mod challenge;
pub mod i18n;
pub mod rules;
