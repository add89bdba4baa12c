//! LifeCert core: everything of the pension proof-of-life app except drawing
//! screens. Pure modules, each with one job; the shells reach them through
//! uniffi (Kotlin, Swift).

uniffi::setup_scaffolding!();

pub mod i18n;
pub mod rules;
