//! LifeCert core: everything of the pension proof-of-life app except drawing
//! screens. Pure modules, each with one job; the shells reach them through the
//! thin uniffi layer in `ffi`.
//!
//! - `rules`: who must certify and when (ID numbers, names, mobiles, calendar)
//! - `capture`: camera frames in (platform pixel formats, replay folders, webcam)
//! - `face`: face detection, landmarks, eye contours, picture quality
//! - `liveness`: actions, the challenge state machine, prompts, anti-spoofing
//! - `evidence`: what a passed capture uploads
//! - `i18n`: zh-Hans, zh-Hant and en, displayed and spoken

uniffi::setup_scaffolding!();

pub mod capture;
pub mod evidence;
pub mod face;
pub mod ffi;
pub mod i18n;
pub mod liveness;
pub mod rules;
