//! A rendered clip: frames plus ground truth, and writing them to disk.

use crate::motion::Pose;
use crate::script::Action;
use image::RgbImage;
use serde::{Deserialize, Serialize};
use std::io;
use std::ops::Range;
use std::path::Path;

/// Ground truth of one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameTruth {
    pub index: usize,
    /// `index / fps`, seconds.
    pub time_s: f32,
    /// Index into [`Truth::segments`].
    pub segment: usize,
    /// The action of the segment this frame is in; `None` while neutral.
    pub action: Option<Action>,
    /// How far the action is along (0 = rest, 1 = peak: lids shut, jaw fully
    /// down, full yaw/pitch). Always 0 for neutral and still-photo frames;
    /// for planar motion it is the plane's motion envelope.
    pub intensity: f32,
    /// Face pose rendered in this frame (all zero for attacks).
    pub pose: Pose,
    /// Whole-frame camera jitter applied, pixels.
    pub jitter: [f32; 2],
    /// Brightness gain applied.
    pub gain: f32,
    /// Planar attack only: photo pixels → frame pixels, row-major.
    pub homography: Option<[[f64; 3]; 3]>,
    /// Where the 468 FaceMesh landmarks are in this frame (x, y pixels; z
    /// relative depth in the same units), jitter included.
    pub landmarks: Vec<[f32; 3]>,
}

/// Ground truth of one segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentTruth {
    pub action: Action,
    /// Frames of the segment, `start..end` (end exclusive).
    pub start: usize,
    pub end: usize,
    /// Frames where the action visibly differs from rest (intensity > 0.01),
    /// `[first, last + 1)`; `None` for neutral / still photo.
    pub moving: Option<[usize; 2]>,
    /// Frames at the peak (intensity ≥ 0.99), `[first, last + 1)`.
    pub peak: Option<[usize; 2]>,
}

/// Ground truth of a clip, as written to `truth.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub fps: f32,
    pub width: u32,
    pub height: u32,
    pub frame_count: usize,
    pub seed: u64,
    /// `true` if any segment is an attack (still photo or planar motion).
    pub attack: bool,
    /// Direction conventions, for whoever reads the file without this crate.
    pub conventions: String,
    pub segments: Vec<SegmentTruth>,
    pub frames: Vec<FrameTruth>,
}

pub(crate) const CONVENTIONS: &str = "Frames are the camera's un-mirrored view. \
Actions use the person's own directions: turn_left = toward the person's left \
shoulder = nose moves to image +x. pose.yaw_deg > 0 = turned to the person's left; \
pose.pitch_deg > 0 = chin down. Frame ranges are [start, end) frame indices. \
Landmark x, y are image pixels (pixel i covers [i, i+1)); z is relative depth, \
negative toward the camera.";

/// A rendered clip.
#[derive(Clone, Debug)]
pub struct Clip {
    pub frames: Vec<RgbImage>,
    pub truth: Truth,
}

/// Image format for [`Clip::write_dir_as`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameFormat {
    Png,
    /// JPEG at the given quality (1..=100).
    Jpeg(u8),
}

impl Clip {
    /// Frame ranges of every segment of `action`.
    pub fn ranges(&self, action: Action) -> Vec<Range<usize>> {
        self.truth
            .segments
            .iter()
            .filter(|s| s.action == action)
            .map(|s| s.start..s.end)
            .collect()
    }

    /// The action in progress at frame `i` (`None` while neutral).
    pub fn label(&self, i: usize) -> Option<Action> {
        self.truth.frames[i].action
    }

    /// Writes `frame_000.png`, `frame_001.png`, ... and `truth.json` into
    /// `dir` (created if missing).
    pub fn write_dir(&self, dir: &Path) -> io::Result<()> {
        self.write_dir_as(dir, FrameFormat::Png)
    }

    /// Like [`Clip::write_dir`], choosing PNG or JPEG frames
    /// (`frame_000.jpg`, ...).
    pub fn write_dir_as(&self, dir: &Path, format: FrameFormat) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let digits = self.frames.len().saturating_sub(1).to_string().len().max(3);
        for (i, frame) in self.frames.iter().enumerate() {
            let result = match format {
                FrameFormat::Png => frame.save(dir.join(format!("frame_{i:0digits$}.png"))),
                FrameFormat::Jpeg(q) => {
                    let file = std::fs::File::create(dir.join(format!("frame_{i:0digits$}.jpg")))?;
                    let mut w = io::BufWriter::new(file);
                    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut w, q);
                    frame.write_with_encoder(enc)
                }
            };
            result.map_err(io::Error::other)?;
        }
        let json = serde_json::to_string(&self.truth).map_err(io::Error::other)?;
        std::fs::write(dir.join("truth.json"), json)
    }
}
