//! On-device face analysis: detection, then tracking with the 468-point mesh,
//! eye contours for blinks, and picture-quality checks. MediaPipe's models
//! (`models/`), run with tract.
//!
//! Like MediaPipe, the detector runs only to find a face; later frames crop
//! around the previous frame's landmarks. The detector still runs every
//! [`RECHECK_EVERY`] frames so a second face (a photo held up beside the real
//! one) is noticed.
//!
//! The iris model (two runs per frame, more than half of a tracked frame's
//! cost) runs only while eyes are wanted: see [`FaceAnalyzer::set_eyes`]. The
//! liveness engine wants them while it learns the neutral face and while a
//! blink is asked for.

pub mod detector;
pub mod geometry;
pub mod iris;
pub mod mesh;
pub mod model;
pub mod quality;

use detector::{Detection, Detector};
use image::RgbImage;
use iris::{Eye, IrisModel};
use mesh::{Mesh, MeshModel};

/// Frames between detector runs while a face is tracked.
pub const RECHECK_EVERY: u32 = 15;

/// Everything the liveness engine needs from one frame.
#[derive(Clone, Debug)]
pub struct FaceObservation {
    pub mesh: Mesh,
    /// Both eyes from the iris model, image-left then image-right; `None` when
    /// the analyser was told not to run it ([`FaceAnalyzer::set_eyes`]).
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
    mesh: MeshModel,
    iris: IrisModel,
    eyes: bool,
    tracked: Option<mesh::Mesh>,
    since_detection: u32,
    faces_seen: usize,
}

impl FaceAnalyzer {
    pub fn new() -> Result<Self, String> {
        Ok(FaceAnalyzer {
            detector: Detector::new()?,
            mesh: MeshModel::new()?,
            iris: IrisModel::new()?,
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

    /// Whether [`FaceAnalyzer::analyze`] runs the iris model on both eyes
    /// (on by default). Off, observations carry no eyes and a tracked frame
    /// costs the mesh model only.
    pub fn set_eyes(&mut self, on: bool) {
        self.eyes = on;
    }

    pub fn eyes(&self) -> bool {
        self.eyes
    }

    /// Detector only: every face in the picture.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Detection>, String> {
        self.detector.detect(img)
    }

    pub fn analyze(&mut self, img: &RgbImage) -> Result<Analysis, String> {
        let mut mesh = None;
        let recheck = self.since_detection >= RECHECK_EVERY;
        if let (Some(prev), false) = (&self.tracked, recheck) {
            mesh = self.mesh.run(img, mesh::roi_from_mesh(prev))?;
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
            mesh = self.mesh.run(img, roi)?;
            if mesh.is_none() && recheck {
                mesh = self.mesh.run(img, mesh::roi_from_detection(best))?;
            }
        }
        let Some(mesh) = mesh else {
            self.tracked = None;
            return Ok(Analysis::NoFace);
        };
        let eyes = if self.eyes {
            let (left, right) = self.iris.run(img, &mesh)?;
            Some([left, right])
        } else {
            None
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
    /// A still picture whose landmarks were already found elsewhere (the app's,
    /// in an upload): the mesh crop goes where `hint` says, which saves the
    /// detector, and the detector runs only if the mesh finds no face there.
    /// The hint only places the crop; every landmark returned is this
    /// analyser's own, so a wrong hint costs time, never a wrong answer.
    pub fn analyze_near(&mut self, img: &RgbImage, hint: &[[f32; 2]]) -> Result<Analysis, String> {
        let usable = hint.len() == mesh::LANDMARKS && hint.iter().flatten().all(|v| v.is_finite());
        self.tracked = usable.then(|| Mesh {
            points: hint.iter().map(|p| [p[0], p[1], 0.0]).collect(),
            presence: 1.0,
            roi: geometry::Roi {
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
