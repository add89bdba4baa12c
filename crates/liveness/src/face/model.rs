//! The MediaPipe models, compiled into the library (so a phone needs no model
//! files at run time). Every network's file is read by [`super::onnx`] and
//! run by [`super::convnet`]; tract runs them only in the tests, as the
//! reference ([`super::reference`]).

static DETECTOR_ONNX: &[u8] = include_bytes!("../../../../models/face_detection_short_range.onnx");
static ATTENTION_ONNX: &[u8] = include_bytes!("../../../../models/face_landmark_attention.onnx");
static ATTENTION_LIPS_ONNX: &[u8] =
    include_bytes!("../../../../models/face_landmark_attention_lips.onnx");
static ATTENTION_LEFT_EYE_ONNX: &[u8] =
    include_bytes!("../../../../models/face_landmark_attention_left_eye.onnx");
static ATTENTION_RIGHT_EYE_ONNX: &[u8] =
    include_bytes!("../../../../models/face_landmark_attention_right_eye.onnx");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Detector,
    /// The attention mesh's backbone (models/README.md §4): mesh, face flag
    /// and the 48x48 feature map its heads sample.
    Attention,
    /// The attention mesh's heads, each on a 16x16x32 patch of that map.
    AttentionLips,
    AttentionLeftEye,
    AttentionRightEye,
}

impl Which {
    pub const ALL: [Which; 5] = [
        Which::Detector,
        Which::Attention,
        Which::AttentionLips,
        Which::AttentionLeftEye,
        Which::AttentionRightEye,
    ];

    /// NCHW input shape: planar RGB for the image models, a feature patch
    /// for the attention heads (the tests' reference feeds tract with it).
    #[cfg(test)]
    pub fn input_shape(self) -> [usize; 4] {
        match self {
            Which::Detector => [1, 3, 128, 128],
            Which::Attention => [1, 3, 192, 192],
            Which::AttentionLips | Which::AttentionLeftEye | Which::AttentionRightEye => {
                [1, 32, 16, 16]
            }
        }
    }

    pub fn onnx(self) -> &'static [u8] {
        match self {
            Which::Detector => DETECTOR_ONNX,
            Which::Attention => ATTENTION_ONNX,
            Which::AttentionLips => ATTENTION_LIPS_ONNX,
            Which::AttentionLeftEye => ATTENTION_LEFT_EYE_ONNX,
            Which::AttentionRightEye => ATTENTION_RIGHT_EYE_ONNX,
        }
    }
}
