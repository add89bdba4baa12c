//! From camera frames to a judged capture, with no I/O: the same code runs on
//! the phone (live) and in certd (the re-check of the uploaded sequence).
//!
//! The per-frame path is a straight line: `capture` (platform pixels to an
//! upright picture) -> `face` (detector, landmarks, eyes, quality) ->
//! `liveness` (signals, actions, the challenge engine, prompts) -> `evidence`
//! (the face sequence a passed capture uploads).

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod capture;
pub mod evidence;
pub mod face;
pub mod liveness;
pub mod timing;
