//! BlazeFace short-range: finds faces in the whole frame (models/README.md §1).

use super::convnet::ConvNet;
use super::error::{load_error, run_error, FaceError};
use super::geometry::{iou, letterbox_into, SIGNED};
use super::model::Which;
use image::RgbImage;

/// A detected face in image pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// `[xmin, ymin, xmax, ymax]`.
    pub bbox: [f32; 4],
    /// Left eye, right eye (image left/right), nose tip, mouth, left and right tragion.
    pub keypoints: [[f32; 2]; 6],
}

const SIDE: usize = 128;
const MIN_SCORE: f32 = 0.5;
const NMS_IOU: f32 = 0.3;

pub struct Detector {
    model: ConvNet,
    anchors: Vec<[f32; 2]>,
    /// The letterbox's horizontal pass, reused from frame to frame.
    scratch: Vec<f32>,
}

fn anchors() -> Vec<[f32; 2]> {
    // Stride 8: 16x16 cells x 2 anchors; the three stride-16 layers merge into
    // 8x8 cells x 6 anchors. 896 in all.
    let mut out = Vec::with_capacity(896);
    for (grid, per_cell) in [(16usize, 2usize), (8, 6)] {
        for y in 0..grid {
            for x in 0..grid {
                for _ in 0..per_cell {
                    out.push([
                        (x as f32 + 0.5) / grid as f32,
                        (y as f32 + 0.5) / grid as f32,
                    ]);
                }
            }
        }
    }
    out
}

impl Detector {
    pub fn new() -> Result<Self, FaceError> {
        Ok(Detector {
            model: ConvNet::load(Which::Detector.onnx())
                .map_err(|e| load_error!("detector model: {e}"))?,
            anchors: anchors(),
            scratch: Vec::new(),
        })
    }

    /// All faces in the image, best first.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Detection>, FaceError> {
        let (w, h) = (img.width() as f32, img.height() as f32);
        // Letterbox: the whole image centred in a square of its longer side.
        let side = w.max(h);
        letterbox_into(img, SIDE, SIGNED, self.model.input_mut(), &mut self.scratch);
        let out = self.model.run();
        let (Some(regs), Some(scores)) = (
            out.iter().find(|o| o.len() == 896 * 16),
            out.iter().find(|o| o.len() == 896),
        ) else {
            return Err(run_error!(
                "detector: outputs of {:?} values",
                out.iter().map(|o| o.len()).collect::<Vec<_>>()
            ));
        };

        let mut raw = Vec::new();
        for (i, anchor) in self.anchors.iter().enumerate() {
            let logit = scores[i].clamp(-80.0, 80.0);
            let score = 1.0 / (1.0 + (-logit).exp());
            if score <= MIN_SCORE {
                continue;
            }
            let r = &regs[i * 16..(i + 1) * 16];
            let (bw, bh) = (r[2] / SIDE as f32, r[3] / SIDE as f32);
            if bw <= 0.0 || bh <= 0.0 {
                continue;
            }
            let cx = anchor[0] + r[0] / SIDE as f32;
            let cy = anchor[1] + r[1] / SIDE as f32;
            // Normalised letterbox units -> image pixels.
            let to_px = |x: f32, y: f32| [(x - 0.5) * side + w / 2.0, (y - 0.5) * side + h / 2.0];
            let lo = to_px(cx - bw / 2.0, cy - bh / 2.0);
            let hi = to_px(cx + bw / 2.0, cy + bh / 2.0);
            let mut keypoints = [[0.0; 2]; 6];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                *kp = to_px(
                    anchor[0] + r[4 + 2 * k] / SIDE as f32,
                    anchor[1] + r[5 + 2 * k] / SIDE as f32,
                );
            }
            raw.push(Detection {
                score,
                bbox: [lo[0], lo[1], hi[0], hi[1]],
                keypoints,
            });
        }
        Ok(weighted_nms(raw))
    }
}

/// MediaPipe's weighted non-maximum suppression: overlapping boxes are averaged,
/// weighted by score, which steadies the box from frame to frame.
fn weighted_nms(mut dets: Vec<Detection>) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = dets.first().cloned() {
        let (cluster, rest): (Vec<_>, Vec<_>) = dets
            .into_iter()
            .partition(|d| iou(&best.bbox, &d.bbox) > NMS_IOU);
        dets = rest;
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        let mut merged = Detection {
            score: best.score,
            bbox: [0.0; 4],
            keypoints: [[0.0; 2]; 6],
        };
        for d in &cluster {
            let wt = d.score / total;
            for i in 0..4 {
                merged.bbox[i] += d.bbox[i] * wt;
            }
            for k in 0..6 {
                merged.keypoints[k][0] += d.keypoints[k][0] * wt;
                merged.keypoints[k][1] += d.keypoints[k][1] * wt;
            }
        }
        out.push(merged);
    }
    out
}
