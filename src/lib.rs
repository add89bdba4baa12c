//! LifeCert core: everything of the pension proof-of-life app except drawing
//! screens. Pure modules, each with one job; the shells reach them through the
//! thin uniffi layer in `ffi`.
//!
//! - `rules`: who must certify and when (ID numbers, names, mobiles, calendar)
//! - `capture`: camera frames in (platform pixel formats, replay folders, webcam)
//! - `face`: face detection, landmarks, eye contours, picture quality
//! - `liveness`: actions, the challenge state machine, prompts, anti-spoofing
//! - `evidence`: what a passed capture uploads
//! - `api`: the HTTP contract with certd, shared by app and server
//! - `session`: certd over HTTPS (reqwest + rustls), tokens, errors a screen can act on
//! - `flow`: the app's journey as one object whose state the shells draw
//! - `storage`: the platform key store (foreign trait) and a file-backed one
//! - `upload`: the device signing key and the encrypted offline outbox
//! - `reminders`: notices before each due date, for local notifications
//! - `i18n`: zh-Hans, zh-Hant and en, displayed and spoken

uniffi::setup_scaffolding!();

pub mod api;
pub mod capture;
pub mod evidence;
pub mod face;
pub mod ffi;
pub mod flow;
pub mod i18n;
pub mod liveness;
pub mod reminders;
pub mod rules;
pub mod session;
pub mod storage;
pub mod timing;
pub mod upload;
