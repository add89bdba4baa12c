//! On-device face analysis: detection, then tracking with the 468-point mesh,
//! eye contours for blinks, and picture-quality checks. MediaPipe's models
//! (`models/`), the detector and the attention mesh, run in [`convnet`].
//!
//! Like MediaPipe, the detector runs only to find a face; later frames crop
//! around the previous frame's landmarks. The detector still runs every
//! [`RECHECK_EVERY`] frames so a second face (a photo held up beside the real
//! one) is noticed.
//!
//! The landmarks come from MediaPipe's attention mesh (`attention`), the
//! model MediaPipe runs for refined landmarks: its backbone gives the 468
//! points on every frame, its lips head refines the lips on every frame,
//! and its two eye heads refine the lids and find the irises only while eyes
//! are wanted (see [`FaceAnalyzer::set_eyes`]). The liveness engine wants
//! them while it learns the neutral face and while a blink is asked for.
//! Every frame's mesh comes from the same backbone and lips head, so the
//! neutral face learnt on eye frames compares with the others.

pub mod attention;
pub mod attention_ops;
pub mod convnet;
pub mod detector;
pub mod error;
pub mod eye;
pub mod geometry;
pub mod mesh;
pub mod model;
pub mod onnx;
pub mod quality;
#[cfg(test)]
pub mod reference;

use attention::{AttentionModel, Heads, Refined};
use detector::{Detection, Detector};
pub use error::FaceError;
pub use eye::Eye;
use geometry::Roi;
use image::RgbImage;
use mesh::Mesh;

/// Frames between detector runs while a face is tracked.
pub const RECHECK_EVERY: u32 = 15;

/// Everything the liveness engine needs from one frame.
#[derive(Clone, Debug)]
pub struct FaceObservation {
    pub mesh: Mesh,
    /// Both eyes from the attention mesh, image-left then image-right; `None`
    /// when the analyser was told not to look at eyes ([`FaceAnalyzer::set_eyes`]).
    /// With eyes, the mesh's eye contours are the refined ones.
    pub eyes: Option<[Eye; 2]>,
    /// Faces the detector saw at its last run (1 while tracking normally).
    pub faces_seen: usize,
    /// The face box `[xmin, ymin, xmax, ymax]` in pixels, from the landmarks.
    pub bbox: [f32; 4],
}

/// What the analyser found in a frame.
#[derive(Clone, Debug)]
pub enum Analysis {
    NoFace,
    Face(Box<FaceObservation>),
}

pub struct FaceAnalyzer {
    detector: Detector,
    mesh: AttentionModel,
    eyes: bool,
    tracked: Option<mesh::Mesh>,
    since_detection: u32,
    faces_seen: usize,
}

impl FaceAnalyzer {
    pub fn new() -> Result<Self, FaceError> {
        Ok(FaceAnalyzer {
            detector: Detector::new()?,
            mesh: AttentionModel::new()?,
            eyes: true,
            tracked: None,
            since_detection: 0,
            faces_seen: 0,
        })
    }

    /// Forget the tracked face (the next frame runs the detector).
    pub fn reset(&mut self) {
        self.tracked = None;
    }

    /// Whether [`FaceAnalyzer::analyze`] looks at the eyes (on by default): on,
    /// it runs the attention mesh's eye heads after its backbone (refined lids
    /// and irises); off, observations carry no eyes and a tracked frame costs
    /// the backbone only.
    pub fn set_eyes(&mut self, on: bool) {
        self.eyes = on;
    }

    pub fn eyes(&self) -> bool {
        self.eyes
    }

    /// Detector only: every face in the picture.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Detection>, FaceError> {
        self.detector.detect(img)
    }

    pub fn analyze(&mut self, img: &RgbImage) -> Result<Analysis, FaceError> {
        let mut mesh = None;
        let recheck = self.since_detection >= RECHECK_EVERY;
        if let (Some(prev), false) = (&self.tracked, recheck) {
            mesh = self.landmarks(img, mesh::roi_from_mesh(prev))?;
            self.since_detection += 1;
        }
        if mesh.is_none() {
            let dets = self.detector.detect(img)?;
            self.since_detection = 0;
            self.faces_seen = dets.len();
            // The biggest face is the one in front of the phone.
            let Some(best) = dets
                .iter()
                .max_by(|a, b| area(&a.bbox).total_cmp(&area(&b.bbox)))
            else {
                self.tracked = None;
                return Ok(Analysis::NoFace);
            };
            // While tracking, keep following the tracked face's crop.
            let roi = match (&self.tracked, recheck) {
                (Some(prev), true) => mesh::roi_from_mesh(prev),
                _ => mesh::roi_from_detection(best),
            };
            mesh = self.landmarks(img, roi)?;
            if mesh.is_none() && recheck {
                mesh = self.landmarks(img, mesh::roi_from_detection(best))?;
            }
        }
        let Some(Refined { mesh, eyes }) = mesh else {
            self.tracked = None;
            return Ok(Analysis::NoFace);
        };
        self.tracked = Some(mesh.clone());
        let bbox = mesh.bounds();
        Ok(Analysis::Face(Box::new(FaceObservation {
            mesh,
            eyes,
            faces_seen: self.faces_seen.max(1),
            bbox,
        })))
    }
}

impl FaceAnalyzer {
    /// The landmarks in `roi`, with eyes if [`FaceAnalyzer::set_eyes`] asks.
    fn landmarks(&mut self, img: &RgbImage, roi: Roi) -> Result<Option<Refined>, FaceError> {
        // The lips head on every frame: under a beard the backbone's lower
        // lip stays on the beard while the jaw drops (the mouth read as
        // closing), the lips head follows it (docs/liveness.md). Every
        // frame, so the neutral mouth and the open one come from the same
        // points.
        let heads = Heads {
            eyes: self.eyes,
            lips: true,
        };
        self.mesh.run(img, roi, heads)
    }

    /// A still picture whose landmarks were already found elsewhere (the app's,
    /// in an upload): the mesh crop goes where `hint` says, which saves the
    /// detector, and the detector runs only if the mesh finds no face there.
    /// The hint only places the crop; every landmark returned is this
    /// analyser's own, so a wrong hint costs time, never a wrong answer.
    pub fn analyze_near(
        &mut self,
        img: &RgbImage,
        hint: &[[f32; 2]],
    ) -> Result<Analysis, FaceError> {
        let usable = hint.len() == mesh::LANDMARKS && hint.iter().flatten().all(|v| v.is_finite());
        self.tracked = usable.then(|| Mesh {
            points: hint.iter().map(|p| [p[0], p[1], 0.0]).collect(),
            presence: 1.0,
            roi: Roi {
                cx: 0.0,
                cy: 0.0,
                size: 0.0,
                angle: 0.0,
            },
        });
        self.since_detection = 0;
        self.faces_seen = 1;
        self.analyze(img)
    }
}

fn area(b: &[f32; 4]) -> f32 {
    (b[2] - b[0]) * (b[3] - b[1])
}

#[cfg(test)]
mod tests;
