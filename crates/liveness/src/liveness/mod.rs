//! Liveness: from camera frames to "a live person did blink, turn left, open
//! the mouth", with spoken guidance, entirely on the phone.
//!
//! [`LivenessEngine`] runs a [`Challenge`] (ordered actions + the server's
//! nonce) as a state machine: find the face, learn the person's neutral face,
//! then prompt each action in turn. Every frame returns a [`LivenessUpdate`]
//! for the screen. It never fails a person for being slow: while a face is
//! there it waits, and it repeats the spoken prompt when nothing happens.
//! Threat model and limits: `docs/liveness.md`.

pub mod actions;
pub mod engine;
pub mod flash;
pub mod planar;
pub mod prompts;
pub mod sequence;
pub mod signals;

pub use actions::{Action, ActionEvent};
pub use engine::LivenessEngine;

use crate::face::quality::QualityIssue;
use lifecert_domain::i18n::Message;
use serde::{Deserialize, Serialize};

/// What the person must do, in order, bound to one certification attempt by the nonce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Challenge {
    pub actions: Vec<Action>,
    pub nonce: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LivenessPhase {
    /// Waiting for one well-lit face in the frame.
    FindingFace,
    /// Learning the person's neutral face (a second or so of looking straight).
    Calibrating,
    /// Prompting the actions one by one.
    Acting,
    Passed,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RejectReason {
    NoFace,
    ActionsMissing,
    /// Head movements moved the face like a flat picture.
    SpoofSuspected,
}

/// The face's box as shares of the frame (0..1), for the overlay.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// What the capture screen shows and says after a frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LivenessUpdate {
    pub phase: LivenessPhase,
    /// The one instruction to show, and to speak when `speak` is set.
    pub prompt: Message,
    /// Speak `prompt` now: it is new, or nothing happened for a while.
    pub speak: bool,
    /// The action being asked for, if any.
    pub action: Option<Action>,
    /// Actions done so far, and how many the challenge has.
    pub done_steps: u32,
    pub total_steps: u32,
    /// 0..1 for the progress ring.
    pub progress: f32,
    pub quality: Option<QualityIssue>,
    pub face_box: Option<FaceBox>,
    pub reject_reason: Option<RejectReason>,
    /// Fill the screen around the camera preview with this colour now (the
    /// light check while the neutral face is learnt); `None`: the normal
    /// background. Never set when the person turned the light check off.
    pub screen_colour: Option<flash::ScreenColour>,
}
