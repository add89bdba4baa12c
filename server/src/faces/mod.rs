//! Face matching: locate the face with the core's BlazeFace detector, align it
//! with dlib's 5-point shape predictor ([`chip`]), and embed it with dlib's
//! ResNet ([`resnet`], run by the core's ConvNet): 128 numbers; Euclidean
//! distance < 0.6 is dlib's "same person" line. dlib's own HOG detector is
//! not used: it finds faces on badges and posters.

pub mod chip;
pub mod resnet;

use dlib_face_recognition::{ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait, Rectangle};
use image::RgbImage;
use lifecert_liveness::face::{Analysis, FaceAnalyzer, FaceObservation};
use resnet::FaceNet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// dlib's network file, as models/dlib/fetch.sh puts it.
pub const RESNET_FILE: &str = "dlib_face_recognition_resnet_model_v1.dat";

/// One worker's models. Not shared: the networks keep scratch buffers, so
/// each verification checks one out of the [`FacePool`].
pub struct FaceKit {
    pub analyzer: FaceAnalyzer,
    predictor: LandmarkPredictor,
    net: FaceNet,
}

/// A face found in a picture, with its dlib embedding.
pub struct FoundFace {
    pub observation: FaceObservation,
    pub embedding: Vec<f64>,
}

impl FaceKit {
    pub fn open(models_dir: &Path) -> Result<FaceKit, String> {
        let predictor =
            LandmarkPredictor::open(models_dir.join("shape_predictor_5_face_landmarks.dat"))
                .map_err(|e| {
                    format!(
                        "shape predictor in {}: {e} (run models/dlib/fetch.sh)",
                        models_dir.display()
                    )
                })?;
        let path = models_dir.join(RESNET_FILE);
        let net = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|dat| FaceNet::open(&dat))
            .map_err(|e| {
                format!(
                    "face encoder {}: {e} (run models/dlib/fetch.sh)",
                    path.display()
                )
            })?;
        Ok(FaceKit {
            analyzer: FaceAnalyzer::new().map_err(|e| e.to_string())?,
            predictor,
            net,
        })
    }

    /// The biggest face in a still picture, or None. `eyes`: run the eye
    /// heads too (only blinks need them; they add about a millisecond each).
    pub fn find(&mut self, img: &RgbImage, eyes: bool) -> Result<Option<FoundFace>, String> {
        self.analyzer.set_eyes(eyes);
        self.analyzer.reset();
        let analysis = self.analyzer.analyze(img).map_err(|e| e.to_string())?;
        let obs = match analysis {
            Analysis::NoFace => return Ok(None),
            Analysis::Face(obs) => *obs,
        };
        let embedding = self.embed(img, obs.bbox);
        Ok(embedding.map(|embedding| FoundFace {
            observation: obs,
            embedding,
        }))
    }

    /// dlib's embedding of the face inside `bbox` (pixels), or None if dlib
    /// could not align it.
    pub fn embed(&mut self, img: &RgbImage, bbox: [f32; 4]) -> Option<Vec<f64>> {
        let chip = self.chip(img, bbox)?;
        Some(self.net.embed(&chip))
    }

    /// dlib's aligned 150x150 chip of the face inside `bbox`.
    pub fn chip(&self, img: &RgbImage, bbox: [f32; 4]) -> Option<Vec<u8>> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        if w == 0 || h == 0 || img.as_raw().len() < w * h * 3 {
            return None;
        }
        // SAFETY: the buffer holds w*h RGB pixels (checked just above).
        let matrix = unsafe { ImageMatrix::new(w, h, img.as_raw().as_ptr()) };
        let rect = dlib_rect(bbox, w, h)?;
        let landmarks = self.predictor.face_landmarks(&matrix, &rect);
        let parts: [[std::ffi::c_long; 2]; 5] = match &landmarks[..] {
            [a, b, c, d, e] => [a, b, c, d, e].map(|p| [p.x(), p.y()]),
            _ => return None,
        };
        chip::face_chip(img, &parts)
    }
}

/// A face box (pixels) as dlib's rectangle, inside a `w` x `h` picture;
/// None if nothing of it is.
pub fn dlib_rect(bbox: [f32; 4], w: usize, h: usize) -> Option<Rectangle> {
    let rect = Rectangle {
        left: bbox[0].max(0.0) as _,
        top: bbox[1].max(0.0) as _,
        right: bbox[2].min(w as f32 - 1.0) as _,
        bottom: bbox[3].min(h as f32 - 1.0) as _,
    };
    (rect.right > rect.left && rect.bottom > rect.top).then_some(rect)
}

pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// A fixed set of [`FaceKit`]s, one per verification worker.
pub struct FacePool {
    dir: PathBuf,
    idle: Mutex<Vec<FaceKit>>,
}

impl FacePool {
    /// Loads one kit now so a missing model fails at start-up, not mid-request.
    pub fn new(models_dir: PathBuf) -> Result<FacePool, String> {
        let first = FaceKit::open(&models_dir)?;
        Ok(FacePool {
            dir: models_dir,
            idle: Mutex::new(vec![first]),
        })
    }

    /// Runs `f` with a kit (made on demand; returned to the pool after).
    pub fn with<T>(&self, f: impl FnOnce(&mut FaceKit) -> T) -> Result<T, String> {
        let kit = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut kit = match kit {
            Some(k) => k,
            None => FaceKit::open(&self.dir)?,
        };
        let out = f(&mut kit);
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(kit);
        Ok(out)
    }
}

/// Where the dlib models are: `$CERTD_MODELS`, else `models/dlib` of this repository.
pub fn default_models_dir() -> PathBuf {
    std::env::var_os("CERTD_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/dlib"))
}
