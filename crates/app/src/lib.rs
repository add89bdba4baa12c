//! The app around the capture: `session` (certd over HTTPS, tokens, problems
//! a screen can act on), `storage` (the platform key store), `upload` (device
//! keys, signing, the encrypted offline outbox), `reminders`, `receipts` (a
//! verified receipt as a QR code), and `flow`, the journey the shells draw.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod flow;
pub mod receipts;
pub mod reminders;
pub mod session;
pub mod storage;
pub mod upload;
