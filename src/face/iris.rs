//! Eye contours from the iris-landmark model (models/README.md §3). The plain
//! FaceMesh under-reports closed eyes (MediaPipe issues #965, #1919); this model,
//! run on a tight crop of each eye, sees the lids properly, so blinks use it.

use super::geometry::{crop_into, wrap_angle, Roi, UNIT};
use super::mesh::{idx, Mesh};
use super::model::{Model, Which};
use image::RgbImage;

const SIDE: usize = 64;
/// The eye crop is 2.3x the corner-to-corner width.
const ROI_SCALE: f32 = 2.3;

/// One eye: 16 lid points (0..8 lower lid corner to corner, 9..15 upper lid) and
/// 5 iris points (centre first), in image pixels.
#[derive(Clone, Debug)]
pub struct Eye {
    pub lids: [[f32; 2]; 16],
    pub iris: [[f32; 2]; 5],
}

impl Eye {
    /// Lid gap over eye width: about 0.15-0.3 open, near 0 closed. The upper
    /// point k+8 sits above the lower point k for k = 1..7.
    pub fn openness(&self) -> f32 {
        let d = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        let width = d(self.lids[0], self.lids[8]).max(1e-3);
        let gaps: f32 = (1..=7).map(|k| d(self.lids[k + 8], self.lids[k])).sum();
        gaps / 7.0 / width
    }
}

pub struct IrisModel {
    model: Model,
}

/// The crop around the eye between two corner landmarks.
fn eye_roi(a: [f32; 2], b: [f32; 2]) -> Roi {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    Roi {
        cx: (a[0] + b[0]) / 2.0,
        cy: (a[1] + b[1]) / 2.0,
        size: ROI_SCALE * dx.abs().max(dy.abs()),
        angle: wrap_angle(dy.atan2(dx)),
    }
}

impl IrisModel {
    pub fn new() -> Result<Self, String> {
        Ok(IrisModel {
            model: Model::load(Which::Iris)?,
        })
    }

    /// Both eyes: (image-left eye, image-right eye).
    pub fn run(&mut self, img: &RgbImage, mesh: &Mesh) -> Result<(Eye, Eye), String> {
        let left = eye_roi(
            mesh.xy(idx::EYE_OUTER_IMAGE_LEFT),
            mesh.xy(idx::EYE_INNER_IMAGE_LEFT),
        );
        let right = eye_roi(
            mesh.xy(idx::EYE_INNER_IMAGE_RIGHT),
            mesh.xy(idx::EYE_OUTER_IMAGE_RIGHT),
        );
        Ok((self.eye(img, left, false)?, self.eye(img, right, true)?))
    }

    /// The model knows left eyes only: the right eye's crop is mirrored in, and
    /// its points mirrored back.
    fn eye(&mut self, img: &RgbImage, roi: Roi, mirror: bool) -> Result<Eye, String> {
        crop_into(img, &roi, SIDE, mirror, UNIT, self.model.input_mut());
        let out = self.model.run()?;
        let (contour, iris) = if out[0].len() == 213 {
            (&out[0], &out[1])
        } else {
            (&out[1], &out[0])
        };
        let n = SIDE as f32;
        let project = |p: &[f32]| {
            let px = if mirror { n - p[0] } else { p[0] };
            let (x, y) = roi.to_image(px, p[1], n);
            [x, y]
        };
        let mut eye = Eye {
            lids: [[0.0; 2]; 16],
            iris: [[0.0; 2]; 5],
        };
        for (k, p) in contour.chunks_exact(3).take(16).enumerate() {
            eye.lids[k] = project(p);
        }
        for (k, p) in iris.chunks_exact(3).take(5).enumerate() {
            eye.iris[k] = project(p);
        }
        Ok(eye)
    }
}
