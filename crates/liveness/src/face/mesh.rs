//! The 468 FaceMesh landmarks of one face (made by the attention mesh,
//! `attention.rs`) and the crops that track them (models/README.md §2).

use super::detector::Detection;
use super::geometry::{wrap_angle, Roi};

pub const LANDMARKS: usize = 468;
/// The crop is 1.5x the face box so the whole head with some margin fits.
const ROI_SCALE: f32 = 1.5;

/// Landmark indices used across the crate (standard FaceMesh topology).
pub mod idx {
    pub const NOSE_TIP: usize = 1;
    pub const FOREHEAD: usize = 10;
    pub const UPPER_LIP_OUTER: usize = 0;
    pub const UPPER_LIP_INNER: usize = 13;
    pub const LOWER_LIP_INNER: usize = 14;
    pub const LOWER_LIP_OUTER: usize = 17;
    pub const MOUTH_LEFT: usize = 61;
    pub const MOUTH_RIGHT: usize = 291;
    pub const CHIN: usize = 152;
    /// Outer eye corners: on the image's left, then on the image's right.
    pub const EYE_OUTER_IMAGE_LEFT: usize = 33;
    pub const EYE_INNER_IMAGE_LEFT: usize = 133;
    pub const EYE_INNER_IMAGE_RIGHT: usize = 362;
    pub const EYE_OUTER_IMAGE_RIGHT: usize = 263;
    /// Cheek contour at eye height: image left, image right.
    pub const CHEEK_IMAGE_LEFT: usize = 234;
    pub const CHEEK_IMAGE_RIGHT: usize = 454;
}

/// One face's landmarks in image pixels; `z` is relative depth on the x scale.
#[derive(Clone, Debug)]
pub struct Mesh {
    pub points: Vec<[f32; 3]>,
    /// Probability that the crop holds a face.
    pub presence: f32,
    pub roi: Roi,
}

impl Mesh {
    pub fn xy(&self, i: usize) -> [f32; 2] {
        [self.points[i][0], self.points[i][1]]
    }

    /// Axis-aligned bounds `[xmin, ymin, xmax, ymax]`.
    pub fn bounds(&self) -> [f32; 4] {
        let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for p in &self.points {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        }
        b
    }
}

/// The crop for a fresh detection: box centre, 1.5x the box, rotated so the
/// eyes are level.
pub fn roi_from_detection(d: &Detection) -> Roi {
    let [x0, y0, x1, y1] = d.bbox;
    let [l, r] = [d.keypoints[0], d.keypoints[1]];
    Roi {
        cx: (x0 + x1) / 2.0,
        cy: (y0 + y1) / 2.0,
        size: ROI_SCALE * (x1 - x0).max(y1 - y0),
        angle: wrap_angle((r[1] - l[1]).atan2(r[0] - l[0])),
    }
}

/// The crop for the next frame from this frame's landmarks (tracking): the
/// landmarks' bounds measured in the face's own rotated frame, 1.5x.
pub fn roi_from_mesh(m: &Mesh) -> Roi {
    let l = m.xy(idx::EYE_OUTER_IMAGE_LEFT);
    let r = m.xy(idx::EYE_OUTER_IMAGE_RIGHT);
    let angle = wrap_angle((r[1] - l[1]).atan2(r[0] - l[0]));
    let (s, c) = angle.sin_cos();
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in &m.points {
        // Rotate into the face frame (undo `angle`).
        let u = p[0] * c + p[1] * s;
        let v = -p[0] * s + p[1] * c;
        lo = [lo[0].min(u), lo[1].min(v)];
        hi = [hi[0].max(u), hi[1].max(v)];
    }
    let (uc, vc) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
    Roi {
        cx: uc * c - vc * s,
        cy: uc * s + vc * c,
        size: ROI_SCALE * (hi[0] - lo[0]).max(hi[1] - lo[1]),
        angle,
    }
}
