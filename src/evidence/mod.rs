//! The evidence of one liveness capture, in one serde structure ready to sign
//! and upload: the best frontal face, one keyframe per action (JPEG, the face
//! plus a margin, never the whole frame), the signal and landmark traces with
//! timestamps, the challenge nonce and the engine's verdict. At most
//! [`BUDGET_BYTES`] serialised; nothing else of the camera leaves the phone.

use crate::face::mesh::idx;
use crate::face::quality::QualityIssue;
use crate::face::FaceObservation;
use crate::liveness::engine::Verdict;
use crate::liveness::signals::Signals;
use crate::liveness::{Action, Challenge};
use image::RgbImage;
use serde::{Deserialize, Serialize};

pub const BUDGET_BYTES: usize = 200 * 1024;
/// Longest side of a face crop: enough for face matching (dlib wants ~150 px).
pub const CROP_SIDE: u32 = 224;
/// 2: eye openness may be `null` in the trace and the baseline (not measured).
pub const FORMAT_VERSION: u32 = 2;

/// A face crop kept in memory until the evidence is built.
#[derive(Clone, Debug)]
pub struct Keyframe {
    pub action: Option<Action>,
    pub frame: u32,
    pub t_ms: u64,
    pub image: RgbImage,
    /// The 468 landmarks in crop pixels.
    pub landmarks: Vec<[f32; 2]>,
}

/// One signal sample per analysed frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    pub t_ms: u64,
    pub face: bool,
    /// eye_open, mouth_open, yaw, pitch (see `liveness::signals`). eye_open is
    /// `null` on frames where the eyes were not measured: the eye model (the
    /// attention mesh) runs only while the neutral face is learnt and while a
    /// blink is asked for.
    pub signals: Option<[Option<f32>; 4]>,
    /// Nose tip, outer eye corners, mouth corners, chin, in frame pixels.
    pub points: Option<[[f32; 2]; 6]>,
    pub quality: Option<QualityIssue>,
}

fn r3(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}
fn r1(v: f32) -> f32 {
    (v * 10.0).round() / 10.0
}

impl TracePoint {
    pub fn absent(t_ms: u64) -> Self {
        TracePoint {
            t_ms,
            face: false,
            signals: None,
            points: None,
            quality: Some(QualityIssue::NoFace),
        }
    }

    pub fn of(
        t_ms: u64,
        s: &Signals,
        obs: &FaceObservation,
        quality: Option<QualityIssue>,
    ) -> Self {
        let p = |i: usize| {
            let q = obs.mesh.xy(i);
            [r1(q[0]), r1(q[1])]
        };
        TracePoint {
            t_ms,
            face: true,
            signals: Some([
                s.eye_open.map(r3),
                Some(r3(s.mouth_open)),
                Some(r3(s.yaw)),
                Some(r3(s.pitch)),
            ]),
            points: Some([
                p(idx::NOSE_TIP),
                p(idx::EYE_OUTER_IMAGE_LEFT),
                p(idx::EYE_OUTER_IMAGE_RIGHT),
                p(idx::MOUTH_LEFT),
                p(idx::MOUTH_RIGHT),
                p(idx::CHIN),
            ]),
            quality,
        }
    }
}

/// A face crop as it is uploaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceImage {
    pub action: Option<Action>,
    pub t_ms: u64,
    pub width: u32,
    pub height: u32,
    #[serde(with = "b64")]
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
    /// The neutral face's signals, in the order of [`TracePoint::signals`].
    pub baseline: [Option<f32>; 4],
    pub frontal: EvidenceImage,
    pub keyframes: Vec<EvidenceImage>,
    pub trace: Vec<TracePoint>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("could not encode a face image: {0}")]
    Encode(String),
    #[error("evidence is {0} bytes, over the budget even at the lowest quality")]
    OverBudget(usize),
}

impl Evidence {
    pub fn build(
        challenge: &Challenge,
        verdict: Verdict,
        frontal: Keyframe,
        keyframes: &[Keyframe],
        trace: &[TracePoint],
        baseline: Signals,
    ) -> Result<Evidence, EvidenceError> {
        // Lower the JPEG quality, then thin the trace, until it fits.
        for (quality, keep_every) in [(85u8, 1usize), (70, 1), (55, 2), (40, 4)] {
            let encode = |k: &Keyframe| encode_image(k, quality);
            let evidence = Evidence {
                format: FORMAT_VERSION,
                engine: format!("lifecert {}", env!("CARGO_PKG_VERSION")),
                nonce: challenge.nonce.clone(),
                challenge: challenge.actions.clone(),
                verdict: verdict.clone(),
                baseline: [
                    baseline.eye_open.map(r3),
                    Some(r3(baseline.mouth_open)),
                    Some(r3(baseline.yaw)),
                    Some(r3(baseline.pitch)),
                ],
                frontal: encode(&frontal)?,
                keyframes: keyframes.iter().map(encode).collect::<Result<_, _>>()?,
                trace: trace.iter().step_by(keep_every).cloned().collect(),
            };
            if evidence.to_json().len() <= BUDGET_BYTES {
                return Ok(evidence);
            }
        }
        Err(EvidenceError::OverBudget(BUDGET_BYTES))
    }

    /// The bytes that are signed and uploaded.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("evidence is plain data")
    }

    pub fn from_json(bytes: &[u8]) -> Result<Evidence, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

fn encode_image(k: &Keyframe, quality: u8) -> Result<EvidenceImage, EvidenceError> {
    let mut jpeg = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality);
    k.image
        .write_with_encoder(enc)
        .map_err(|e| EvidenceError::Encode(e.to_string()))?;
    Ok(EvidenceImage {
        action: k.action,
        t_ms: k.t_ms,
        width: k.image.width(),
        height: k.image.height(),
        jpeg,
        landmarks: k.landmarks.iter().map(|p| [r1(p[0]), r1(p[1])]).collect(),
    })
}

/// The face with a margin, square, at most [`CROP_SIDE`] px, and the landmarks
/// in that crop's pixels. The rest of the frame (the room, other people) is dropped.
pub fn crop_face(img: &RgbImage, obs: &FaceObservation) -> (RgbImage, Vec<[f32; 2]>) {
    let b = obs.bbox;
    let side = (b[2] - b[0]).max(b[3] - b[1]) * 1.5;
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let x0 = (cx - side / 2.0).max(0.0) as u32;
    let y0 = (cy - side / 2.0).max(0.0) as u32;
    let x1 = ((cx + side / 2.0) as u32).min(img.width());
    let y1 = ((cy + side / 2.0) as u32).min(img.height());
    let (w, h) = (x1.saturating_sub(x0).max(1), y1.saturating_sub(y0).max(1));
    let crop = image::imageops::crop_imm(img, x0, y0, w, h).to_image();
    let scale = (CROP_SIDE as f32 / w.max(h) as f32).min(1.0);
    let crop = if scale < 1.0 {
        let (nw, nh) = (
            ((w as f32 * scale).round() as u32).max(1),
            ((h as f32 * scale).round() as u32).max(1),
        );
        image::imageops::resize(&crop, nw, nh, image::imageops::FilterType::Triangle)
    } else {
        crop
    };
    let points = obs
        .mesh
        .points
        .iter()
        .map(|p| [(p[0] - x0 as f32) * scale, (p[1] - y0 as f32) * scale])
        .collect();
    (crop, points)
}

/// Bytes as base64 text in JSON (serde `with`), for evidence and the outbox.
pub(crate) mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }
}
