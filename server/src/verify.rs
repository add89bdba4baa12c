//! Verification of one uploaded evidence bundle, independent of HTTP and the
//! database: the signature, the challenge binding, then the capture itself:
//! the face sequence's timing, the core's own liveness engine re-run over
//! every crop (the challenge's actions in its order, non-planar head moves),
//! the same person throughout, the frontal picture taken from the sequence,
//! and finally the face against the enrolled template. The phone's verdict is
//! a hint only: nothing here trusts it.

use crate::device_key::{DeviceKey, KeyKind};
use crate::faces::{distance, FaceKit};
use lifecert_domain::api::Code;
use lifecert_liveness::evidence::Evidence;
use lifecert_liveness::face::Analysis;
use lifecert_liveness::liveness::flash::{self, Reflection};
use lifecert_liveness::liveness::sequence::{
    median_interval, FRONTAL_SIDE, MAX_FRAMES, MAX_GAP_MS, MAX_MEDIAN_INTERVAL_MS, MIN_FRAMES,
    SEQUENCE_SIDE,
};
use lifecert_liveness::liveness::{Action, Challenge, LivenessEngine, LivenessPhase, RejectReason};

/// dlib distance under which the face is the template's person.
pub const MATCH: f64 = 0.5;
/// Between [`MATCH`] and this, a person at the agency decides.
pub const REVIEW: f64 = 0.6;
/// Sequence frames against the frontal picture: dlib's own same-person line.
pub const SAME_PERSON: f64 = 0.6;
/// The phone's clock may differ from ours by this much.
pub const CLOCK_SKEW_MS: i64 = 120_000;
/// Faster than a 60 fps camera: not a recording.
pub const MIN_INTERVAL_MS: u64 = 15;
/// The frontal picture, brought to the sequence's size, against its frame:
/// mean absolute difference per channel (JPEG noise is 2-4).
pub const FRONTAL_MAX_DIFF: f64 = 10.0;
/// Frames in which the server may fail to find the face (JPEG, blur).
pub const MAX_MISSED_SHARE: f64 = 0.05;
/// What the challenge asked, as stored when it was issued.
pub struct Issued {
    pub nonce: String,
    pub actions: Vec<Action>,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Passed { distance: f64 },
    Failed { reason: Code, distance: Option<f64> },
    Review { reason: Code, distance: f64 },
}

/// The decision and what the light check saw (`None`: the colours were off),
/// which is kept with the record for the agency.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    pub decision: Decision,
    pub light: Option<Reflection>,
}

/// How the light check is recorded.
pub fn light_note(light: Option<Reflection>) -> &'static str {
    match light {
        None => "off",
        Some(Reflection::Matches(_)) => "matches",
        Some(Reflection::Contradicts(_)) => "contradicts",
        Some(Reflection::Inconclusive) => "inconclusive",
    }
}

/// The upload is not acceptable at all (a 4xx, nothing recorded).
#[derive(Debug, PartialEq)]
pub struct Refused(pub Code, pub String);

/// Checks `signature` over `body` with the session's device key. For App
/// Attest keys the signature is an assertion whose counter must exceed
/// `last_counter`; the new counter is returned for the caller to store.
pub fn check_signature(
    body: &[u8],
    signature: &[u8],
    key: &DeviceKey,
    apple: &lifecert_attest::apple::ApplePolicy,
    last_counter: u32,
) -> Result<Option<u32>, Refused> {
    let bad = |why: &str| {
        Refused(
            Code::BadSignature,
            format!("signature does not verify with the session's device key: {why}"),
        )
    };
    match key.kind {
        KeyKind::Ed25519 => {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key.public_key)
                .verify(body, signature)
                .map_err(|_| bad("ed25519"))?;
            Ok(None)
        }
        KeyKind::EcdsaP256 => {
            if !lifecert_attest::android::verify_signature(&key.public_key, body, signature) {
                return Err(bad("ecdsa-p256"));
            }
            Ok(None)
        }
        KeyKind::AppAttest => lifecert_attest::apple::verify_assertion(
            signature,
            body,
            &key.public_key,
            apple,
            last_counter,
        )
        .map(Some)
        .map_err(|e| bad(e.name())),
    }
}

pub fn parse(body: &[u8], issued: &Issued) -> Result<Evidence, Refused> {
    let evidence = Evidence::from_json(body)
        .map_err(|e| Refused(Code::EvidenceInvalid, format!("evidence JSON: {e}")))?;
    if evidence.format != lifecert_liveness::evidence::FORMAT_VERSION {
        return Err(Refused(
            Code::EvidenceInvalid,
            format!(
                "evidence format {} (this server reads {})",
                evidence.format,
                lifecert_liveness::evidence::FORMAT_VERSION
            ),
        ));
    }
    if evidence.nonce != issued.nonce {
        return Err(Refused(
            Code::EvidenceInvalid,
            "nonce is not this challenge's".into(),
        ));
    }
    if evidence.challenge != issued.actions {
        return Err(Refused(
            Code::EvidenceInvalid,
            "actions differ from the challenge".into(),
        ));
    }
    Ok(evidence)
}

/// Why a picture of the upload was not decoded.
#[derive(Debug, PartialEq)]
enum Undecodable {
    /// The header's size is not the one the app makes (checked before any
    /// pixel is decoded: a 79 KB file can claim 13000x13000).
    Size(u32, u32),
    Corrupt,
}

/// A JPEG of exactly `side` x `side`.
fn decode_square(jpeg: &[u8], side: u32) -> Result<image::RgbImage, Undecodable> {
    use image::ImageDecoder as _;
    let decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg))
        .map_err(|_| Undecodable::Corrupt)?;
    let (w, h) = decoder.dimensions();
    if (w, h) != (side, side) {
        return Err(Undecodable::Size(w, h));
    }
    let img = image::DynamicImage::from_decoder(decoder).map_err(|_| Undecodable::Corrupt)?;
    Ok(img.to_rgb8())
}

/// `capture_broken`, with which check said so in the log (the phone and
/// the person only see the code).
fn broken(why: impl std::fmt::Display) -> Code {
    tracing::info!("capture broken: {why}");
    Code::CaptureBroken
}

fn failed(reason: Code) -> Decision {
    Decision::Failed {
        reason,
        distance: None,
    }
}

/// The sequence's timing and geometry, before any pixel: a recording made
/// by the app at a camera's rate, after this challenge was issued and before
/// it expired, of one face that moves like a face.
pub fn check_timing(evidence: &Evidence, issued: &Issued, now_ms: i64) -> Result<(), Code> {
    let seq = &evidence.sequence;
    if seq.len() < MIN_FRAMES || seq.len() > MAX_FRAMES || seq[0].t_ms != 0 {
        return Err(broken("frame count or first time"));
    }
    for w in seq.windows(2) {
        let dt = w[1]
            .t_ms
            .checked_sub(w[0].t_ms)
            .ok_or_else(|| broken("times go backwards"))?;
        if !(MIN_INTERVAL_MS..MAX_GAP_MS).contains(&dt) {
            return Err(broken("an interval outside the camera's rate"));
        }
    }
    let median = median_interval(seq);
    if median > MAX_MEDIAN_INTERVAL_MS {
        return Err(broken(format_args!(
            "median interval too long: {median} ms over {} crops",
            seq.len()
        )));
    }
    let start =
        i64::try_from(evidence.started_at_ms).map_err(|_| broken("start time unreadable"))?;
    let end = start.saturating_add(seq[seq.len() - 1].t_ms as i64);
    if start < issued.issued_ms - CLOCK_SKEW_MS
        || end > now_ms + CLOCK_SKEW_MS
        || end > issued.expires_ms + CLOCK_SKEW_MS
    {
        return Err(broken("outside the challenge's lifetime or in the future"));
    }
    // Each crop is the square around the face the phone tracked: from one
    // frame to the next it may move and grow, but not jump.
    let [fw, fh] = evidence.frame_size;
    if fw == 0 || fh == 0 || fw > 8192 || fh > 8192 {
        return Err(broken("frame size"));
    }
    let ok = |r: &[f32; 3]| {
        r.iter().all(|v| v.is_finite())
            && r[2] >= 16.0
            && r[2] <= 2.0 * fw.max(fh) as f32
            && r[0] + r[2] > 0.0
            && r[1] + r[2] > 0.0
            && r[0] < fw as f32
            && r[1] < fh as f32
    };
    if !seq.iter().all(|f| ok(&f.rect)) {
        return Err(broken("a crop outside the frame"));
    }
    for w in seq.windows(2) {
        let (a, b) = (w[0].rect, w[1].rect);
        let centre = |r: [f32; 3]| [r[0] + r[2] / 2.0, r[1] + r[2] / 2.0];
        let (ca, cb) = (centre(a), centre(b));
        let shift = ((ca[0] - cb[0]).powi(2) + (ca[1] - cb[1]).powi(2)).sqrt();
        let ratio = b[2] / a[2];
        if shift > 0.5 * a[2] || !(0.67..=1.5).contains(&ratio) {
            return Err(broken("the face jumped between crops"));
        }
    }
    Ok(())
}

/// Judges the evidence. `template` is the enrolled embedding.
pub fn judge(
    kit: &mut FaceKit,
    evidence: &Evidence,
    template: &[f64],
    issued: &Issued,
    now_ms: i64,
) -> Result<Judged, Refused> {
    let mut light = None;
    let decision = judge_capture(kit, evidence, template, issued, now_ms, &mut light)?;
    Ok(Judged { decision, light })
}

fn judge_capture(
    kit: &mut FaceKit,
    evidence: &Evidence,
    template: &[f64],
    issued: &Issued,
    now_ms: i64,
    light: &mut Option<Reflection>,
) -> Result<Decision, Refused> {
    // The phone's verdict can only lower the outcome: it uploads passes.
    if !evidence.verdict.passed {
        return Ok(failed(Code::ActionsNotSeen));
    }
    // Pictures that are not what the app makes: refused, nothing recorded.
    let bad = |what: &str, e: Undecodable| Refused(Code::EvidenceInvalid, format!("{what}: {e:?}"));
    let frontal_img =
        decode_square(&evidence.frontal.jpeg, FRONTAL_SIDE).map_err(|e| bad("frontal", e))?;
    let frames: Vec<image::RgbImage> = evidence
        .sequence
        .iter()
        .map(|f| decode_square(&f.jpeg, SEQUENCE_SIDE))
        .collect::<Result<_, _>>()
        .map_err(|e| bad("sequence crop", e))?;
    if let Err(reason) = check_timing(evidence, issued, now_ms) {
        return Ok(failed(reason));
    }

    // The frontal picture is a sharper copy of one sequence frame.
    let Some(at) = evidence
        .sequence
        .iter()
        .position(|f| f.t_ms == evidence.frontal.t_ms)
    else {
        return Ok(failed(broken("frontal time is no sequence frame")));
    };
    if mean_abs_diff(&frontal_img, &frames[at]) > FRONTAL_MAX_DIFF {
        return Ok(failed(broken("frontal picture differs from its frame")));
    }

    // The same engine as the phone's, over every crop.
    let challenge = Challenge {
        actions: evidence.challenge.clone(),
        nonce: evidence.nonce.clone(),
    };
    let mut engine = LivenessEngine::judge(challenge);
    engine.set_flash(evidence.flash);
    kit.analyzer.reset();
    let mut boxes: Vec<Option<[f32; 4]>> = Vec::with_capacity(frames.len());
    for (img, f) in frames.iter().zip(&evidence.sequence) {
        kit.analyzer.set_eyes(engine.wants_eyes());
        let analysis = kit.analyzer.analyze(img).map_err(internal)?;
        boxes.push(match &analysis {
            Analysis::Face(obs) => Some(obs.bbox),
            Analysis::NoFace => None,
        });
        engine.observe(img, analysis, f.t_ms);
    }
    let missed = boxes.iter().filter(|b| b.is_none()).count();
    if missed as f64 > MAX_MISSED_SHARE * frames.len() as f64 {
        return Ok(failed(Code::FaceNotFound));
    }
    // The screen's colours on the face, from the start of the neutral face
    // (the sequence's first frame).
    if evidence.flash {
        let samples: Vec<(u64, [f32; 3])> = frames
            .iter()
            .zip(&evidence.sequence)
            .zip(&boxes)
            .filter(|((_, f), _)| f.t_ms < flash::FLASH_MS)
            .filter_map(|((img, f), b)| b.map(|b| (f.t_ms, flash::skin_mean(img, b))))
            .collect();
        let seen = flash::judge(&evidence.nonce, &samples);
        *light = Some(seen);
        if let Reflection::Contradicts(_) = seen {
            return Ok(failed(Code::LightMismatch));
        }
    }
    match engine.phase() {
        LivenessPhase::Passed => {}
        _ if engine.verdict().reason == Some(RejectReason::SpoofSuspected) => {
            return Ok(failed(Code::SpoofSuspected))
        }
        _ => {
            tracing::info!(
                "liveness not passed on certd: challenge {:?}, {:?} after {} crops ({missed} without a face); observed {:?}",
                evidence.challenge,
                engine.phase(),
                frames.len(),
                engine.observed()
            );
            return Ok(failed(Code::ActionsNotSeen));
        }
    }

    // One person throughout: the frontal picture against the first and last
    // frames and the peak of every action. The frontal is a sharper copy of
    // frame `at` (checked above), so that frame's face box, scaled, is its
    // face box: no second mesh run on it.
    let Some(frontal_box) = boxes[at] else {
        return Ok(failed(Code::FaceNotFound));
    };
    let scale = frontal_img.width() as f32 / frames[at].width() as f32;
    let Some(frontal) = kit.embed(&frontal_img, frontal_box.map(|v| v * scale)) else {
        return Ok(failed(Code::FaceNotFound));
    };
    let last = frames.len() - 1;
    // The peaks carry the proof (the live moves are the frontal's person);
    // the first and last frames catch a cut before or after them. Someone
    // else's face only between two peaks proves no action of theirs, so a
    // middle sample (one until session 11) added a dlib embedding (~26 ms),
    // not proof.
    let mut samples: Vec<usize> = [0, last]
        .into_iter()
        .chain(
            engine
                .observed()
                .iter()
                .filter(|o| o.accepted)
                .map(|o| o.event.peak_frame as usize),
        )
        .filter(|&i| i <= last)
        .collect();
    samples.sort_unstable();
    samples.dedup();
    for i in samples {
        // A frame without a face in it cannot be shown to be the same person.
        let Some(bbox) = boxes[i].or_else(|| nearest_box(&boxes, i)) else {
            return Ok(failed(Code::FaceNotFound));
        };
        let same = kit
            .embed(&frames[i], bbox)
            .is_some_and(|e| distance(&e, &frontal) <= SAME_PERSON);
        if !same {
            return Ok(failed(Code::DifferentPeople));
        }
    }

    let d = distance(&frontal, template);
    Ok(if d < MATCH {
        Decision::Passed { distance: d }
    } else if d < REVIEW {
        Decision::Review {
            reason: Code::BorderlineMatch,
            distance: d,
        }
    } else {
        Decision::Failed {
            reason: Code::FaceMismatch,
            distance: Some(d),
        }
    })
}

/// The face box of the nearest frame with a face (for a missed frame).
fn nearest_box(boxes: &[Option<[f32; 4]>], i: usize) -> Option<[f32; 4]> {
    (1..boxes.len()).find_map(|k| {
        let before = i.checked_sub(k).and_then(|j| boxes[j]);
        before.or_else(|| boxes.get(i + k).copied().flatten())
    })
}

/// `big` brought down to `small`'s size, then the mean absolute difference.
fn mean_abs_diff(big: &image::RgbImage, small: &image::RgbImage) -> f64 {
    let resized = image::imageops::resize(
        big,
        small.width(),
        small.height(),
        image::imageops::FilterType::Triangle,
    );
    let sum: u64 = resized
        .as_raw()
        .iter()
        .zip(small.as_raw())
        .map(|(a, b)| a.abs_diff(*b) as u64)
        .sum();
    sum as f64 / small.as_raw().len().max(1) as f64
}

fn internal(e: impl std::fmt::Display) -> Refused {
    Refused(Code::Internal, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real 16x16 JPEG whose frame header is rewritten to claim `w` x `h`.
    fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(16, 16, image::Rgb([90, 120, 150]));
        let mut jpeg = lifecert_liveness::liveness::sequence::encode_jpeg(&img, 80).unwrap();
        let sof = jpeg
            .windows(2)
            .position(|m| m == [0xFF, 0xC0])
            .expect("a baseline frame header");
        // FFC0, length (2), precision (1), height (2), width (2).
        jpeg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
        jpeg
    }

    #[test]
    fn a_jpeg_claiming_13000_px_is_refused_from_its_header_without_decoding() {
        assert_eq!(
            decode_square(&jpeg_claiming(13000, 13000), SEQUENCE_SIDE),
            Err(Undecodable::Size(13000, 13000))
        );
        // The app's own size goes through to the decoder.
        assert_eq!(
            decode_square(&jpeg_claiming(16, 16), 16).map(|i| i.dimensions()),
            Ok((16, 16))
        );
    }
}
