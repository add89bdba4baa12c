//! The evidence of one liveness capture, in one serde structure ready to sign
//! and upload: the face over the whole capture as a sequence of small crops
//! with timestamps ([`sequence`]), one sharper frontal picture of a frame of
//! that sequence for the match against the template, the challenge nonce and
//! the engine's verdict (a hint: certd judges the sequence itself). At most
//! [`BUDGET_BYTES`] serialised; nothing else of the camera leaves the phone.

use crate::liveness::engine::{LivenessEngine, Recording, Verdict};
use crate::liveness::sequence::{self, encode_jpeg, Keyframe, SequenceFrame, MAX_FRAMES};
use crate::liveness::{Action, LivenessPhase};
use serde::{Deserialize, Serialize};

/// 1 MB: ~110 crops of 6-8 KB (a 12 s capture: 2-3 s of neutral face at 10
/// fps, ~8 fps after, blinks at 16 fps), base64 in JSON, and the frontal
/// picture. 25 s on a 320 kbit/s rural 3G uplink, 5 s on 1.6 Mbit/s; the
/// upload is retried from the outbox if the link drops. Longer captures thin
/// their steady-rate crops to fit (see [`Evidence::build`]).
pub const BUDGET_BYTES: usize = lifecert_domain::api::EVIDENCE_BUDGET_BYTES;
/// 3: the face sequence replaces the per-action keyframes and the trace.
pub const FORMAT_VERSION: u32 = 3;

fn r3(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}
fn r1(v: f32) -> f32 {
    (v * 10.0).round() / 10.0
}

/// A face picture as it is uploaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceImage {
    pub t_ms: u64,
    pub width: u32,
    pub height: u32,
    #[serde(with = "lifecert_domain::api::b64")]
    pub jpeg: Vec<u8>,
    pub landmarks: Vec<[f32; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub format: u32,
    pub engine: String,
    pub nonce: String,
    pub challenge: Vec<Action>,
    pub verdict: Verdict,
    /// The neutral face's signals as the phone measured them: eye openness,
    /// mouth, yaw, pitch (a hint for audits; the server measures its own).
    pub baseline: [Option<f32>; 4],
    /// Wall-clock time (Unix ms, the phone's clock) of the sequence's first crop.
    pub started_at_ms: u64,
    /// The camera frame's size, which the crops' rectangles refer to.
    pub frame_size: [u32; 2],
    /// The screen showed the nonce's colours while the neutral face was
    /// learnt (`liveness::flash`); false if the person turned them off.
    pub flash: bool,
    /// The sharper picture of one sequence frame (same square, same `t_ms`).
    pub frontal: EvidenceImage,
    pub sequence: Vec<SequenceFrame>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("could not encode a face image: {0}")]
    Encode(#[from] image::ImageError),
    #[error("evidence is {0} bytes, over the budget even with the sequence thinned")]
    OverBudget(usize),
    #[error("the capture has no sequence or no frontal picture")]
    Incomplete,
    #[error("the capture has not passed")]
    NotPassed,
}

/// What a passed capture hands to [`Evidence::build`].
pub struct Capture<'a> {
    pub nonce: &'a str,
    pub actions: &'a [Action],
    pub verdict: Verdict,
    /// The neutral face: eye openness, mouth, yaw, pitch.
    pub baseline: [Option<f32>; 4],
    pub started_at_ms: u64,
    pub frame_size: [u32; 2],
    pub flash: bool,
    pub frontal: &'a Keyframe,
    pub sequence: &'a [SequenceFrame],
    /// Sequence times that must stay when the sequence is thinned (the frontal
    /// frame and the frames around each action).
    pub keep: &'a dyn Fn(u64) -> bool,
}

impl Evidence {
    /// The evidence of a passed capture, ready to sign and upload.
    /// `wall_ms`: the wall-clock time (Unix ms) of the last frame pushed.
    pub fn of(engine: &LivenessEngine, wall_ms: u64) -> Result<Evidence, EvidenceError> {
        if engine.phase() != LivenessPhase::Passed {
            return Err(EvidenceError::NotPassed);
        }
        let r: Recording = engine.recording().ok_or(EvidenceError::Incomplete)?;
        let frontal_t = r.frontal.t_ms;
        // Thinning a long sequence keeps the frames around each action.
        let keep = |t: u64| {
            t == frontal_t
                || r.action_spans
                    .iter()
                    .any(|&(a, b)| t + 300 >= a && t <= b + 300)
        };
        Evidence::build(Capture {
            nonce: &r.challenge.nonce,
            actions: &r.challenge.actions,
            verdict: engine.verdict(),
            baseline: [
                r.baseline.eye_open,
                Some(r.baseline.mouth_open),
                Some(r.baseline.yaw),
                Some(r.baseline.pitch),
            ],
            started_at_ms: wall_ms.saturating_sub(r.duration_ms),
            frame_size: r.frame_size,
            flash: r.flash,
            frontal: &r.frontal,
            sequence: r.sequence,
            keep: &keep,
        })
    }

    pub fn build(c: Capture) -> Result<Evidence, EvidenceError> {
        if c.sequence.is_empty() || c.sequence.len() > MAX_FRAMES {
            return Err(EvidenceError::Incomplete);
        }
        let frontal = encode_image(c.frontal, 85)?;
        let mut sequence = c.sequence.to_vec();
        loop {
            let evidence = Evidence {
                format: FORMAT_VERSION,
                engine: format!("lifecert {}", env!("CARGO_PKG_VERSION")),
                nonce: c.nonce.to_string(),
                challenge: c.actions.to_vec(),
                verdict: c.verdict.clone(),
                baseline: c.baseline.map(|v| v.map(r3)),
                started_at_ms: c.started_at_ms,
                frame_size: c.frame_size,
                flash: c.flash,
                frontal: frontal.clone(),
                sequence: sequence.clone(),
            };
            let len = evidence.to_json().len();
            if len <= BUDGET_BYTES {
                return Ok(evidence);
            }
            // Drop every other frame that is not kept, without opening a gap
            // the server would refuse.
            let before = sequence.len();
            sequence = thin(&sequence, c.keep);
            if sequence.len() == before {
                return Err(EvidenceError::OverBudget(len));
            }
        }
    }

    /// The bytes that are signed and uploaded.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("evidence is plain data")
    }

    pub fn from_json(bytes: &[u8]) -> Result<Evidence, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// Every other droppable frame, keeping gaps under the server's limit.
fn thin(frames: &[SequenceFrame], keep: &dyn Fn(u64) -> bool) -> Vec<SequenceFrame> {
    let mut out: Vec<SequenceFrame> = Vec::with_capacity(frames.len());
    let mut drop_next = false;
    for (i, f) in frames.iter().enumerate() {
        let next_t = frames.get(i + 1).map(|n| n.t_ms);
        let prev_t = out.last().map(|p| p.t_ms);
        let gap_ok = match (prev_t, next_t) {
            (Some(p), Some(n)) => n - p < sequence::MAX_GAP_MS,
            _ => false,
        };
        if drop_next && gap_ok && !keep(f.t_ms) {
            drop_next = false;
            continue;
        }
        drop_next = true;
        out.push(f.clone());
    }
    out
}

fn encode_image(k: &Keyframe, quality: u8) -> Result<EvidenceImage, EvidenceError> {
    Ok(EvidenceImage {
        t_ms: k.t_ms,
        width: k.image.width(),
        height: k.image.height(),
        jpeg: encode_jpeg(&k.image, quality)?,
        landmarks: k.landmarks.iter().map(|p| [r1(p[0]), r1(p[1])]).collect(),
    })
}
