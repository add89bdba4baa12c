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

/// 1 MB: ~110 crops of 5-7 KB (a 12 s capture: 2-3 s of neutral face at 10
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

/// A face picture as it is uploaded: the picture and its time, no landmarks
/// (certd takes the frontal's face box from its sequence frame). Evidence of
/// apps from before this change still carries `landmarks` here; like every
/// field certd does not read, it is ignored (no `deny_unknown_fields`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceImage {
    pub t_ms: u64,
    pub width: u32,
    pub height: u32,
    #[serde(with = "lifecert_domain::api::b64")]
    pub jpeg: Vec<u8>,
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
    Encode(#[from] sequence::JpegError),
    #[error("could not decode a recorded face image: {0}")]
    Decode(#[from] image::ImageError),
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
        // Thinning a long sequence keeps the neutral face and the screen's
        // colours at the start (what certd calibrates and checks the light
        // on) and the frames around each action.
        let keep = |t: u64| {
            t == frontal_t
                || t <= crate::liveness::flash::FLASH_MS + 500
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
        let mut recompressed = false;
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
            // or slowing the rate beyond what the server accepts; then
            // smaller crops; a slow person's long capture still fits.
            if let Some(thinner) = thin(&sequence, c.keep) {
                sequence = thinner;
            } else if !recompressed {
                recompressed = true;
                for f in &mut sequence {
                    f.jpeg = recompress(&f.jpeg)?;
                }
            } else {
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

/// JPEG quality of crops recompressed to fit the budget: ~40 % smaller than
/// [`sequence::SEQUENCE_QUALITY`], still plenty for a 160 px face.
const RECOMPRESSED_QUALITY: u8 = 40;

fn recompress(jpeg: &[u8]) -> Result<Vec<u8>, EvidenceError> {
    let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)?.to_rgb8();
    Ok(encode_jpeg(&img, RECOMPRESSED_QUALITY)?)
}

/// Every other droppable frame, keeping gaps under the server's limit; `None`
/// when nothing can go, or the median interval would pass the server's
/// [`sequence::MAX_MEDIAN_INTERVAL_MS`].
fn thin(frames: &[SequenceFrame], keep: &dyn Fn(u64) -> bool) -> Option<Vec<SequenceFrame>> {
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
    let slow = sequence::median_interval(&out) > sequence::MAX_MEDIAN_INTERVAL_MS;
    (out.len() < frames.len() && !slow).then_some(out)
}

fn encode_image(k: &Keyframe, quality: u8) -> Result<EvidenceImage, EvidenceError> {
    Ok(EvidenceImage {
        t_ms: k.t_ms,
        width: k.image.width(),
        height: k.image.height(),
        jpeg: encode_jpeg(&k.image, quality)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// A 160 px face crop with a camera's noise (a fresh pattern per frame,
    /// so each JPEG is as big as a real one, 5-7 KB).
    fn crop(face: &RgbImage, n: u32) -> Vec<u8> {
        let mut seed = 0x9e37_79b9u32.wrapping_mul(n + 1);
        let noisy = RgbImage::from_fn(160, 160, |x, y| {
            let p = face.get_pixel(x, y);
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let d = (seed % 17) as i16 - 8;
            Rgb(p.0.map(|v| (v as i16 + d).clamp(0, 255) as u8))
        });
        encode_jpeg(&noisy, sequence::SEQUENCE_QUALITY).unwrap()
    }

    #[test]
    fn a_slow_persons_long_capture_fits_the_budget_at_a_rate_certd_accepts() {
        let face = image::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/faces/grace_hopper.jpg"
        ))
        .unwrap()
        .to_rgb8();
        let face = image::imageops::resize(&face, 160, 160, image::imageops::FilterType::Triangle);
        // 3 s of neutral face at 10 fps, then 42 s at the steady ~7.5 fps of
        // a 15 fps camera, with a turn at 20 s recorded densely: 354 crops
        // (the most a capture records is 360), about twice the budget.
        let mut times: Vec<u64> = (0..30).map(|i| i * 100).collect();
        let mut t = 3000;
        while t < 45_000 {
            times.push(t);
            t += if (20_000..21_000).contains(&t) {
                66
            } else {
                133
            };
        }
        let sequence: Vec<SequenceFrame> = times
            .iter()
            .enumerate()
            .map(|(i, &t_ms)| SequenceFrame {
                t_ms,
                rect: [100.0, 60.0, 240.0],
                jpeg: crop(&face, i as u32),
            })
            .collect();
        let raw: usize = sequence.iter().map(|f| f.jpeg.len()).sum();
        assert!(
            raw > 3 * BUDGET_BYTES / 2,
            "{raw} bytes: the test needs a long capture"
        );
        let frontal = Keyframe {
            t_ms: 500,
            image: image::imageops::resize(&face, 240, 240, image::imageops::FilterType::Triangle),
        };
        // As Evidence::of keeps: the start, the frontal, the turn.
        let keep = |t: u64| t <= 2500 || (19_700..=21_300).contains(&t);
        let evidence = Evidence::build(Capture {
            nonce: "00112233445566778899aabbccddeeff",
            actions: &[Action::TurnLeft],
            verdict: Verdict {
                passed: true,
                reason: None,
                observed: vec![],
            },
            baseline: [Some(0.3), Some(0.05), Some(0.0), Some(0.0)],
            started_at_ms: 1_764_000_000_000,
            frame_size: [640, 480],
            flash: false,
            frontal: &frontal,
            sequence: &sequence,
            keep: &keep,
        })
        .expect("a long capture is thinned and recompressed, not refused");
        assert!(evidence.to_json().len() <= BUDGET_BYTES);
        let got = &evidence.sequence;
        assert!(got.len() < sequence.len());
        // What certd checks (server/src/verify.rs check_timing).
        assert!(got
            .windows(2)
            .all(|w| w[1].t_ms - w[0].t_ms < sequence::MAX_GAP_MS));
        let median = sequence::median_interval(got);
        assert!(
            median <= sequence::MAX_MEDIAN_INTERVAL_MS,
            "median {median} ms"
        );
        // The turn's frames and the frontal's stay, every one.
        for t in times.iter().filter(|&&t| keep(t)) {
            assert!(got.iter().any(|f| f.t_ms == *t), "{t} ms was dropped");
        }
    }

    #[test]
    fn the_frontal_picture_has_no_landmarks_and_an_older_apps_landmarks_are_read_past() {
        let face = RgbImage::from_pixel(240, 240, Rgb([180, 140, 120]));
        let frontal = Keyframe {
            t_ms: 0,
            image: face,
        };
        let sequence = [SequenceFrame {
            t_ms: 0,
            rect: [100.0, 60.0, 240.0],
            jpeg: vec![0xff, 0xd8],
        }];
        let evidence = Evidence::build(Capture {
            nonce: "n",
            actions: &[Action::Blink],
            verdict: Verdict {
                passed: true,
                reason: None,
                observed: vec![],
            },
            baseline: [None; 4],
            started_at_ms: 0,
            frame_size: [640, 480],
            flash: true,
            frontal: &frontal,
            sequence: &sequence,
            keep: &|_| true,
        })
        .unwrap();
        let bytes = evidence.to_json();
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let mut keys: Vec<&String> = json["frontal"].as_object().unwrap().keys().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["height", "jpeg", "t_ms", "width"]);
        assert!(!String::from_utf8_lossy(&bytes).contains("\"landmarks\""));
        // Evidence of an app from before still carries them: read past, as
        // any field certd does not read.
        json["frontal"]["landmarks"] = serde_json::json!([[120.5, 98.2], [121.0, 99.9]]);
        let old = serde_json::to_vec(&json).unwrap();
        assert_eq!(Evidence::from_json(&old).unwrap(), evidence);
    }

    #[test]
    fn thinning_stops_before_the_rate_gets_slower_than_certd_accepts() {
        // A 10 fps camera's steady crops: one every 200 ms.
        let frames: Vec<SequenceFrame> = (0..300)
            .map(|i| SequenceFrame {
                t_ms: i * 200,
                rect: [0.0, 0.0, 100.0],
                jpeg: vec![],
            })
            .collect();
        let mut now = frames;
        while let Some(thinner) = thin(&now, &|_| false) {
            now = thinner;
        }
        // 200 -> 400 ms; 800 would still keep every gap under a second, but
        // certd would refuse the rate.
        assert_eq!(sequence::median_interval(&now), 400);
        assert!(sequence::median_interval(&now) <= sequence::MAX_MEDIAN_INTERVAL_MS);
    }
}
