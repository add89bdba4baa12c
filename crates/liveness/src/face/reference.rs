//! tract, as the reference the tests hold [`super::convnet`] to: it parses
//! and runs the same `.onnx` files. Only the tests compile it (tract is a
//! dev-dependency): nothing of it is in the phone's library.

use super::error::{load_error, run_error, FaceError};
use super::model::Which;
use std::sync::{Arc, OnceLock};
use tract_onnx::pb;
use tract_onnx::prelude::*;

type Plan = Arc<TypedRunnableModel>;

/// Optimising a graph takes a while; do it once per process and share the plan.
fn plan(which: Which) -> Result<Plan, FaceError> {
    static PLANS: [OnceLock<Result<Plan, FaceError>>; Which::ALL.len()] =
        [const { OnceLock::new() }; Which::ALL.len()];
    let slot = &PLANS[Which::ALL.iter().position(|w| *w == which).expect("listed")];
    slot.get_or_init(|| {
        compile(which.onnx(), true).map_err(|e| load_error!("{which:?} model: {e}"))
    })
    .clone()
}

/// Parses, optionally rewrites PReLU (see [`rewrite_prelu`]), optimises.
fn compile(bytes: &[u8], prelu_rewrite: bool) -> Result<Plan, FaceError> {
    let onnx = tract_onnx::onnx();
    let mut proto = onnx
        .proto_model_for_read(&mut &*bytes)
        .map_err(|e| load_error!("{e:#}"))?;
    if prelu_rewrite {
        rewrite_prelu(&mut proto)?;
    }
    onnx.model_for_proto_model(&proto)
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(|e| load_error!("{e:#}"))
}

/// Replaces every `PRelu(x, s)` whose slope `s` is a float initializer with
/// `x + (s - 1) * Min(x, 0)`, which is the same function. tract-onnx lowers
/// PRelu to `Iff(0 > x, x * s, x)`, whose comparison builds a bool tensor per
/// layer (about a quarter of the mesh and iris models' time, see
/// docs/performance.md); this form it fuses into a Min+Mul chain and an Add.
/// The `.onnx` files are untouched: this runs on the parsed proto at load.
/// Returns how many nodes were rewritten.
fn rewrite_prelu(proto: &mut pb::ModelProto) -> Result<usize, FaceError> {
    let graph = proto
        .graph
        .as_mut()
        .ok_or(load_error!("model without a graph"))?;
    const ZERO: &str = "lifecert_prelu_zero";
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut made_slopes = std::collections::HashSet::new();
    let mut rewritten = 0;
    for node in std::mem::take(&mut graph.node) {
        if node.op_type != "PRelu" || node.input.len() != 2 || node.output.len() != 1 {
            nodes.push(node);
            continue;
        }
        let (x, slope, out) = (&node.input[0], &node.input[1], &node.output[0]);
        let Some(init) = graph.initializer.iter().find(|t| &t.name == slope) else {
            // A slope computed in the graph: leave the node to tract.
            nodes.push(node);
            continue;
        };
        let minus_one = format!("{slope}_minus_one");
        if made_slopes.insert(minus_one.clone()) {
            let values = float_values(init)
                .ok_or_else(|| load_error!("PRelu slope {slope}: not a float tensor"))?;
            graph.initializer.push(pb::TensorProto {
                name: minus_one.clone(),
                dims: init.dims.clone(),
                data_type: pb::tensor_proto::DataType::Float as i32,
                float_data: values.iter().map(|v| v - 1.0).collect(),
                ..Default::default()
            });
        }
        let (negative, scaled) = (format!("{out}_prelu_min"), format!("{out}_prelu_mul"));
        let op = |op_type: &str, input: [&String; 2], output: &String| pb::NodeProto {
            name: format!("{}_{op_type}", node.name),
            op_type: op_type.into(),
            input: input.iter().map(|s| s.to_string()).collect(),
            output: vec![output.clone()],
            ..Default::default()
        };
        nodes.push(op("Min", [x, &ZERO.to_string()], &negative));
        nodes.push(op("Mul", [&negative, &minus_one], &scaled));
        nodes.push(op("Add", [x, &scaled], out));
        rewritten += 1;
    }
    graph.node = nodes;
    if rewritten > 0 {
        graph.initializer.push(pb::TensorProto {
            name: ZERO.into(),
            dims: vec![],
            data_type: pb::tensor_proto::DataType::Float as i32,
            float_data: vec![0.0],
            ..Default::default()
        });
    }
    Ok(rewritten)
}

/// The values of a float initializer stored inline (`float_data` or `raw_data`).
pub fn float_values(t: &pb::TensorProto) -> Option<Vec<f32>> {
    if t.data_type != pb::tensor_proto::DataType::Float as i32 {
        return None;
    }
    if !t.float_data.is_empty() {
        return Some(t.float_data.clone());
    }
    let n: i64 = t.dims.iter().product();
    (t.raw_data.len() as i64 == 4 * n).then(|| {
        t.raw_data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    })
}

/// One model ready to run, with its own reusable state and input buffer.
pub struct Model {
    which: Which,
    state: TypedSimpleState,
    input: Vec<f32>,
}

impl Model {
    pub fn load(which: Which) -> Result<Self, FaceError> {
        let plan = plan(which)?;
        let state = plan
            .spawn()
            .map_err(|e| load_error!("{which:?} model: {e:#}"))?;
        Ok(Model {
            which,
            state,
            input: vec![0.0; which.input_shape().iter().product()],
        })
    }

    /// The input buffer, NCHW (planar RGB for the image models), to fill
    /// before [`Model::run`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        &mut self.input
    }

    /// Runs the model on the input buffer; outputs flattened, in the model's order.
    pub fn run(&mut self) -> Result<Vec<Vec<f32>>, FaceError> {
        let tensor = Tensor::from_shape(&self.which.input_shape(), &self.input)
            .map_err(|e| run_error!("{e}"))?;
        let outputs = self
            .state
            .run(tvec!(tensor.into_tvalue()))
            .map_err(|e| run_error!("{:?} inference: {e:#}", self.which))?;
        outputs
            .iter()
            .map(|t| {
                t.to_plain_array_view::<f32>()
                    .map(|v| v.iter().copied().collect())
                    .map_err(|e| run_error!("{e}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(plan: &Plan, shape: [usize; 4]) -> Vec<Vec<f32>> {
        // A smooth, deterministic input in the models' [0, 1] range.
        let input: Vec<f32> = (0..shape.iter().product())
            .map(|i| 0.5 + 0.45 * ((i % 97) as f32 * 0.37 + (i / 331) as f32 * 0.11).sin())
            .collect();
        let t = Tensor::from_shape(&shape, &input).unwrap();
        plan.run(tvec!(t.into_tvalue()))
            .unwrap()
            .iter()
            .map(|o| {
                o.to_plain_array_view::<f32>()
                    .unwrap()
                    .iter()
                    .copied()
                    .collect()
            })
            .collect()
    }

    #[test]
    fn prelu_rewrite_replaces_every_prelu_and_keeps_the_outputs() {
        for (which, expected) in [
            (Which::Attention, 20),
            (Which::AttentionLips, 13),
            (Which::AttentionLeftEye, 20),
        ] {
            let (bytes, shape) = (which.onnx(), which.input_shape());
            let mut proto = tract_onnx::onnx()
                .proto_model_for_read(&mut &*bytes)
                .unwrap();
            assert_eq!(rewrite_prelu(&mut proto).unwrap(), expected);
            let graph = proto.graph.as_ref().unwrap();
            assert!(graph.node.iter().all(|n| n.op_type != "PRelu"));

            let before = outputs(&compile(bytes, false).unwrap(), shape);
            let after = outputs(&compile(bytes, true).unwrap(), shape);
            for (b, a) in before.iter().zip(&after) {
                let scale = b.iter().fold(1f32, |m, v| m.max(v.abs()));
                let diff = b.iter().zip(a).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
                assert!(
                    diff <= 1e-5 * scale,
                    "max difference {diff} (scale {scale})"
                );
            }
        }
    }

    #[test]
    fn the_detector_has_no_prelu_to_rewrite() {
        let mut proto = tract_onnx::onnx()
            .proto_model_for_read(&mut Which::Detector.onnx())
            .unwrap();
        assert_eq!(rewrite_prelu(&mut proto).unwrap(), 0);
    }
}
