//! Is this frame good enough to judge? Each problem is something the person
//! can fix, so each becomes a spoken hint ("move closer", "find more light").

use super::geometry::{luma_box_into, Roi};
use super::FaceObservation;
use image::RgbImage;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum QualityIssue {
    NoFace,
    MultipleFaces,
    TooFar,
    TooClose,
    NotCentred,
    TurnedAway,
    TooDark,
    TooBright,
    Backlit,
    Blurry,
    MovingTooMuch,
}

/// Face width below this share of the frame's shorter side: too far.
pub const MIN_FACE_SHARE: f32 = 0.15;
/// Face width above this share, or the face cut by the frame edge: too close.
pub const MAX_FACE_SHARE: f32 = 0.85;
/// Face centre further than this share of the frame from the centre.
const MAX_OFF_CENTRE: f32 = 0.3;
const DARK_LUMA: f32 = 55.0;
const BRIGHT_LUMA: f32 = 225.0;
/// Backlit: bright surroundings and a face much darker than them.
const BACKLIT_BG_LUMA: f32 = 170.0;
const BACKLIT_RATIO: f32 = 0.55;
/// Laplacian variance of the 64 px face crop (luma 0..1) below this: blurry.
pub const BLUR_THRESHOLD: f32 = 0.0009;
/// Face centre moving more than this share of the face width between frames.
const MAX_MOTION: f32 = 0.12;

/// Measurements behind the verdict, kept for evidence and tuning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityMeasures {
    pub face_share: f32,
    pub off_centre: f32,
    pub face_luma: f32,
    pub background_luma: f32,
    pub sharpness: f32,
    pub motion: f32,
}

/// Picture checks of one frame; `prev_centre` is the face centre in the previous frame.
pub fn measure(
    img: &RgbImage,
    obs: &FaceObservation,
    prev_centre: Option<[f32; 2]>,
) -> QualityMeasures {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let b = obs.bbox;
    let face_w = (b[2] - b[0]).max(1.0);
    let centre = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    let off = ((centre[0] - w / 2.0) / w)
        .abs()
        .max(((centre[1] - h / 2.0) / h).abs());
    let (face_luma, background_luma) = lumas(img, &b);
    let motion = prev_centre
        .map(|p| ((p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)).sqrt() / face_w)
        .unwrap_or(0.0);
    QualityMeasures {
        face_share: face_w / w.min(h),
        off_centre: off,
        face_luma,
        background_luma,
        sharpness: sharpness(img, &obs.mesh.roi),
        motion,
    }
}

/// The most pressing problem, if any.
pub fn assess(img: &RgbImage, obs: &FaceObservation, m: &QualityMeasures) -> Option<QualityIssue> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let b = obs.bbox;
    let margin = 0.02 * w.min(h);
    let cut = b[0] < -margin || b[1] < -margin || b[2] > w + margin || b[3] > h + margin;
    if obs.faces_seen > 1 {
        Some(QualityIssue::MultipleFaces)
    } else if m.face_share > MAX_FACE_SHARE || (cut && m.face_share > 0.5) {
        Some(QualityIssue::TooClose)
    } else if m.face_share < MIN_FACE_SHARE {
        Some(QualityIssue::TooFar)
    } else if m.off_centre > MAX_OFF_CENTRE || cut {
        Some(QualityIssue::NotCentred)
    } else if m.background_luma > BACKLIT_BG_LUMA && m.face_luma < BACKLIT_RATIO * m.background_luma
    {
        Some(QualityIssue::Backlit)
    } else if m.face_luma < DARK_LUMA {
        Some(QualityIssue::TooDark)
    } else if m.face_luma > BRIGHT_LUMA {
        Some(QualityIssue::TooBright)
    } else if m.sharpness < BLUR_THRESHOLD {
        Some(QualityIssue::Blurry)
    } else if m.motion > MAX_MOTION {
        Some(QualityIssue::MovingTooMuch)
    } else {
        None
    }
}

/// Mean luma inside the face box and outside it, on a sparse grid (cheap).
fn lumas(img: &RgbImage, b: &[f32; 4]) -> (f32, f32) {
    let (w, h) = (img.width(), img.height());
    let step = (w.min(h) / 48).max(1);
    let (mut fs, mut fn_, mut bs, mut bn) = (0f32, 0u32, 0f32, 0u32);
    // The inner part of the box is skin; the box edge holds hair and background.
    let inset = [
        b[0] + 0.2 * (b[2] - b[0]),
        b[1] + 0.2 * (b[3] - b[1]),
        b[2] - 0.2 * (b[2] - b[0]),
        b[3] - 0.2 * (b[3] - b[1]),
    ];
    for y in (0..h).step_by(step as usize) {
        for x in (0..w).step_by(step as usize) {
            let p = img.get_pixel(x, y).0;
            let l = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
            let (xf, yf) = (x as f32, y as f32);
            if xf >= inset[0] && xf <= inset[2] && yf >= inset[1] && yf <= inset[3] {
                fs += l;
                fn_ += 1;
            } else if xf < b[0] || xf > b[2] || yf < b[1] || yf > b[3] {
                bs += l;
                bn += 1;
            }
        }
    }
    (
        fs / fn_.max(1) as f32,
        if bn == 0 {
            fs / fn_.max(1) as f32
        } else {
            bs / bn as f32
        },
    )
}

/// Variance of the Laplacian of the face, resampled to 64 px so the figure does
/// not depend on how big the face is in the frame.
pub fn sharpness(img: &RgbImage, roi: &Roi) -> f32 {
    const N: usize = 64;
    let inner = Roi {
        size: roi.size / 1.5,
        ..*roi
    };
    let mut luma = [0f32; N * N];
    luma_box_into(img, &inner, N, &mut luma);
    let (mut sum, mut sq, mut n) = (0f32, 0f32, 0f32);
    for y in 1..N - 1 {
        for x in 1..N - 1 {
            let c = luma[y * N + x];
            let lap = luma[y * N + x - 1]
                + luma[y * N + x + 1]
                + luma[(y - 1) * N + x]
                + luma[(y + 1) * N + x]
                - 4.0 * c;
            sum += lap;
            sq += lap * lap;
            n += 1.0;
        }
    }
    let mean = sum / n;
    sq / n - mean * mean
}
