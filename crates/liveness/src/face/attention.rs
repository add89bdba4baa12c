//! MediaPipe's attention mesh (`face_landmark_with_attention.tflite`, what
//! MediaPipe runs with `refine_landmarks=True`): the 468 landmarks plus
//! refined lips, eye contours and irises from one 192x192 crop
//! (models/README.md §4). The backbone (the mesh; it costs what the plain
//! FaceMesh costs) and the three small heads are ONNX; the custom ops
//! between them are in [`super::attention_ops`]. Which heads run is the
//! caller's choice ([`Heads`]).

use super::attention_ops::{
    landmarks_to_transform, transform_landmarks, transform_tensor_bilinear, CHANNELS, MAP, PATCH,
};
use super::convnet::ConvNet;
use super::error::{load_error, run_error, FaceError};
use super::eye::Eye;
use super::geometry::{crop_bilinear_into, Roi, UNIT};
use super::mesh::{Mesh, LANDMARKS};
use super::model::Which;
use image::RgbImage;

const SIDE: usize = 192;
const MIN_PRESENCE: f32 = 0.5;

/// The mesh indices the lips head refines, in the head's output order
/// (MediaPipe's `tensors_to_face_landmarks_with_attention.pbtxt`; the same
/// list is the op's `subset_idxs`). Lower outer lip, upper outer, lower
/// inner, upper inner, then semi-outer and semi-inner rings.
pub const LIPS: [usize; 80] = [
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78,
    95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77,
    90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89,
    179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12, 268, 271, 272, 407,
];

/// The image-left eye's 71 points (lower lid corner to corner, upper lid,
/// then halos and the brow), as mesh indices. The first 16 are [`Eye::lids`].
pub const LEFT_EYE: [usize; 71] = [
    33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24,
    23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244,
    113, 225, 224, 223, 222, 221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121,
    128, 245, 156, 70, 63, 105, 66, 107, 55, 193,
];

/// The image-right eye's 71 points, same order as [`LEFT_EYE`].
pub const RIGHT_EYE: [usize; 71] = [
    263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339,
    254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451,
    452, 453, 464, 342, 445, 444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346,
    347, 348, 349, 350, 357, 465, 383, 300, 293, 334, 296, 336, 285, 417,
];

/// The landmarks whose line each head's crop levels: mouth corners, then
/// each eye's corners (from the model's custom-op options).
const LIPS_LEVEL: (usize, usize) = (61, 291);
const LEFT_EYE_LEVEL: (usize, usize) = (33, 133);
const RIGHT_EYE_LEVEL: (usize, usize) = (362, 263);

/// Which heads to run after the backbone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heads {
    /// Both eye contours and irises (two heads).
    pub eyes: bool,
    /// The lips (one head). The analyser runs it on every frame: the
    /// mouth signal then comes from the same refined points on every frame.
    pub lips: bool,
}

impl Heads {
    /// The backbone's mesh only.
    pub const NONE: Heads = Heads {
        eyes: false,
        lips: false,
    };
    pub const EYES: Heads = Heads {
        eyes: true,
        lips: false,
    };
    /// Everything MediaPipe's `refine_landmarks=True` gives.
    pub const ALL: Heads = Heads {
        eyes: true,
        lips: true,
    };
}

/// The attention mesh's answer for one crop.
#[derive(Clone, Debug)]
pub struct Refined {
    /// 468 landmarks; the points of the heads that ran (lips, eye contours)
    /// replaced by their refined x and y (z stays the mesh's), as MediaPipe does.
    pub mesh: Mesh,
    /// Image-left eye, then image-right, when the eye heads ran.
    pub eyes: Option<[Eye; 2]>,
}

/// The backbone and the heads run in [`ConvNet`], channel-last kernels for
/// the five layer kinds these networks use (the backbone several times
/// faster than in tract, docs/performance.md).
pub struct AttentionModel {
    backbone: ConvNet,
    left_eye: ConvNet,
    right_eye: ConvNet,
    /// Loaded the first time it is asked for.
    lips: Option<ConvNet>,
}

impl AttentionModel {
    pub fn new() -> Result<Self, FaceError> {
        Ok(AttentionModel {
            backbone: net(Which::Attention, [SIDE, SIDE, 3])?,
            left_eye: net(Which::AttentionLeftEye, HEAD_INPUT)?,
            right_eye: net(Which::AttentionRightEye, HEAD_INPUT)?,
            lips: None,
        })
    }

    /// Landmarks in `roi`, refined by `heads`, or `None` when the model says
    /// no face is there.
    pub fn run(
        &mut self,
        img: &RgbImage,
        roi: Roi,
        heads: Heads,
    ) -> Result<Option<Refined>, FaceError> {
        // MediaPipe warps this crop so that crop pixel u samples the image at
        // size * (u / 192 - 0.5) from the centre (OpenCV's convention, pixel
        // centres on integers), where our crops sample at (u + 0.5) / 192:
        // moving the centre back half a crop pixel on both crop axes gives
        // its sampling. Points map back with the unshifted ROI.
        let half = roi.size / SIDE as f32 / 2.0;
        let (s, c) = roi.angle.sin_cos();
        let shifted = Roi {
            cx: roi.cx - half * (c - s),
            cy: roi.cy - half * (s + c),
            ..roi
        };
        crop_bilinear_into(img, &shifted, SIDE, false, UNIT, self.backbone.input_mut());
        let out = self.backbone.run();
        let find = |len: usize| {
            out.iter()
                .find(|o| o.len() == len)
                .ok_or_else(|| run_error!("attention backbone: no output of {len} values"))
        };
        let coords = find(LANDMARKS * 3)?;
        let presence = find(1)?[0];
        let map = find(CHANNELS * MAP * MAP)?;
        let presence = 1.0 / (1.0 + (-presence.clamp(-80.0, 80.0)).exp());
        if presence <= MIN_PRESENCE {
            return Ok(None);
        }
        let n = SIDE as f32;
        let project = |p: [f32; 2]| {
            let (x, y) = roi.to_image(p[0], p[1], n);
            [x, y]
        };
        let mut points: Vec<[f32; 3]> = coords
            .chunks_exact(3)
            .map(|p| {
                let [x, y] = project([p[0], p[1]]);
                [x, y, p[2] / n * roi.size]
            })
            .collect();

        if heads.lips {
            let model = match &mut self.lips {
                Some(m) => m,
                empty => empty.insert(net(Which::AttentionLips, HEAD_INPUT)?),
            };
            let [lips, _] = head(model, coords, map, LIPS_LEVEL, &LIPS)?;
            for (&i, p) in LIPS.iter().zip(&lips) {
                let [x, y] = project(*p);
                points[i] = [x, y, points[i][2]];
            }
        }
        let mesh = Mesh {
            points,
            presence,
            roi,
        };
        if !heads.eyes {
            return Ok(Some(Refined { mesh, eyes: None }));
        }
        let mut points = mesh.points;
        let mut eyes = Vec::with_capacity(2);
        for (model, level, table) in [
            (&mut self.left_eye, LEFT_EYE_LEVEL, &LEFT_EYE),
            (&mut self.right_eye, RIGHT_EYE_LEVEL, &RIGHT_EYE),
        ] {
            let [contour, iris] = head(model, coords, map, level, table)?;
            if iris.len() < 5 {
                return Err(run_error!("attention eye head: {} iris points", iris.len()));
            }
            let contour: Vec<[f32; 2]> = contour.into_iter().map(project).collect();
            for (&i, p) in table.iter().zip(&contour) {
                points[i] = [p[0], p[1], points[i][2]];
            }
            let mut eye = Eye {
                lids: [[0.0; 2]; 16],
                iris: [[0.0; 2]; 5],
            };
            eye.lids.copy_from_slice(&contour[..16]);
            for (k, p) in iris.into_iter().take(5).enumerate() {
                eye.iris[k] = project(p);
            }
            eyes.push(eye);
        }
        let right = eyes.pop().expect("two eyes");
        let left = eyes.pop().expect("two eyes");
        Ok(Some(Refined {
            mesh: Mesh {
                points,
                presence,
                roi,
            },
            eyes: Some([left, right]),
        }))
    }
}

/// A head's input: what transform_tensor_bilinear fills.
const HEAD_INPUT: [usize; 3] = [PATCH, PATCH, CHANNELS];

/// `which`, refused unless its input is `input` (height, width, channels).
fn net(which: Which, input: [usize; 3]) -> Result<ConvNet, FaceError> {
    let net = ConvNet::load(which.onnx()).map_err(|e| load_error!("{which:?} model: {e}"))?;
    if net.input_shape() != input {
        return Err(load_error!(
            "{which:?} model: input {:?}",
            net.input_shape()
        ));
    }
    Ok(net)
}

/// One head: the patch of the feature map around `subset`, the head's
/// outputs (points first, then the iris when the head has one), mapped back
/// to crop units. The second entry is empty for the lips.
fn head(
    model: &mut ConvNet,
    mesh: &[f32],
    map: &[f32],
    (left, right): (usize, usize),
    subset: &[usize],
) -> Result<[Vec<[f32; 2]>; 2], FaceError> {
    let m = landmarks_to_transform(mesh, left, right, subset);
    transform_tensor_bilinear(map, &m, model.input_mut());
    let mut out = model.run();
    // The contour (2 values a point) is the longer output.
    out.sort_by_key(|o| std::cmp::Reverse(o.len()));
    if out[0].len() != 2 * subset.len() {
        return Err(run_error!(
            "attention head: {} values for {} points",
            out[0].len(),
            subset.len()
        ));
    }
    let points = transform_landmarks(out[0], &m);
    let iris = out
        .get(1)
        .map(|o| transform_landmarks(o, &m))
        .unwrap_or_default();
    Ok([points, iris])
}

#[cfg(test)]
mod tests;
