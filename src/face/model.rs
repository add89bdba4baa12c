//! The three MediaPipe models, compiled into the library (so a phone needs no
//! model files at run time) and run with tract.

use std::sync::{Arc, OnceLock};
use tract_onnx::prelude::*;

static DETECTOR_ONNX: &[u8] = include_bytes!("../../models/face_detection_short_range.onnx");
static MESH_ONNX: &[u8] = include_bytes!("../../models/face_landmark.onnx");
static IRIS_ONNX: &[u8] = include_bytes!("../../models/iris_landmark.onnx");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Detector,
    Mesh,
    Iris,
}

impl Which {
    /// The model's square input side in pixels.
    pub fn input_side(self) -> usize {
        match self {
            Which::Detector => 128,
            Which::Mesh => 192,
            Which::Iris => 64,
        }
    }
}

type Plan = Arc<TypedRunnableModel>;

/// Optimising a graph takes a while; do it once per process and share the plan.
fn plan(which: Which) -> Result<Plan, String> {
    static PLANS: [OnceLock<Result<Plan, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let (slot, bytes) = match which {
        Which::Detector => (&PLANS[0], DETECTOR_ONNX),
        Which::Mesh => (&PLANS[1], MESH_ONNX),
        Which::Iris => (&PLANS[2], IRIS_ONNX),
    };
    slot.get_or_init(|| {
        tract_onnx::onnx()
            .model_for_read(&mut &*bytes)
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| format!("{which:?} model: {e:#}"))
    })
    .clone()
}

/// One model ready to run, with its own reusable state and input buffer.
pub struct Model {
    which: Which,
    state: TypedSimpleState,
    input: Vec<f32>,
}

impl Model {
    pub fn load(which: Which) -> Result<Self, String> {
        let plan = plan(which)?;
        let state = plan
            .spawn()
            .map_err(|e| format!("{which:?} model: {e:#}"))?;
        let n = which.input_side();
        Ok(Model {
            which,
            state,
            input: vec![0.0; 3 * n * n],
        })
    }

    /// The input buffer, NCHW planar RGB, to fill before [`Model::run`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        &mut self.input
    }

    /// Runs the model on the input buffer; outputs flattened, in the model's order.
    pub fn run(&mut self) -> Result<Vec<Vec<f32>>, String> {
        let n = self.which.input_side();
        let tensor = Tensor::from_shape(&[1, 3, n, n], &self.input).map_err(|e| e.to_string())?;
        let outputs = self
            .state
            .run(tvec!(tensor.into_tvalue()))
            .map_err(|e| format!("{:?} inference: {e:#}", self.which))?;
        outputs
            .iter()
            .map(|t| {
                t.to_plain_array_view::<f32>()
                    .map(|v| v.iter().copied().collect())
                    .map_err(|e| e.to_string())
            })
            .collect()
    }
}
