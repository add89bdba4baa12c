//! Runs the face networks (the detector, the attention mesh and its heads,
//! and certd's face-recognition ResNet) without tract.
//!
//! They use a handful of layer kinds only (convolution, depthwise or dense;
//! PReLU and ReLU; addition; max pooling; zero padding; the detector's
//! reshapes), so this module reads them straight from their `.onnx` files and
//! runs them channel-last, where every inner loop walks contiguous channels
//! and compiles to SIMD. On x86 tract has no vectorised depthwise kernel and
//! pays a fixed cost per layer (docs/performance.md); here a dense layer is
//! one blocked matrix product and a depthwise one a bounds-free sweep of
//! each row's interior. Anything else in a graph is an error at load, never
//! a silent difference; the tests compare every network with tract's output.

use super::error::{load_error, FaceError};
use super::onnx::{self, Floats, Graph, Node};
use std::collections::HashMap;

/// The largest side, channel count or kernel side accepted from a file: far
/// above the heads' (16 px, 160 channels), far below sizes whose products
/// could overflow.
const MAX_DIM: usize = 4096;

/// A file's integer as a size in 1..=MAX_DIM (0 too where `zero` allows).
fn size(v: i64, zero: bool, what: &str) -> Result<usize, FaceError> {
    match usize::try_from(v) {
        Ok(n) if n <= MAX_DIM && (zero || n > 0) => Ok(n),
        _ => Err(load_error!("{what}: {v} out of range")),
    }
}

/// A tensor's height, width and channels (batch 1, stored HWC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    h: usize,
    w: usize,
    c: usize,
}

impl Shape {
    fn len(self) -> usize {
        self.h * self.w * self.c
    }
}

/// A window over the input: kernel, stride and explicit padding
/// (top, left, bottom, right), as ONNX gives them.
#[derive(Clone, Copy, Debug)]
struct Window {
    k: [usize; 2],
    stride: [usize; 2],
    pads: [usize; 4],
}

impl Window {
    fn output(&self, input: Shape, c: usize) -> Result<Shape, FaceError> {
        let side = |n: usize, axis: usize| {
            let padded = n + self.pads[axis] + self.pads[axis + 2];
            (padded >= self.k[axis]).then(|| (padded - self.k[axis]) / self.stride[axis] + 1)
        };
        match (side(input.h, 0), side(input.w, 1)) {
            (Some(h), Some(w)) => Ok(Shape { h, w, c }),
            _ => Err(load_error!(
                "window {self:?} larger than its {input:?} input"
            )),
        }
    }
}

/// A convolution's window and constants.
#[derive(Debug)]
struct Filter {
    window: Window,
    weights: Aligned,
    bias: Vec<f32>,
}

/// Floats from a 64-byte boundary on: a pixel of 16 channels, or a row of a
/// 16-channel weight panel, is then one cache line. Large blocks from
/// malloc start 16 bytes past one, and then every AVX-512 load of a pixel
/// touched two lines. A zeroed `Vec` a line longer, used from its first
/// boundary: zeroed large blocks come from the system as untouched pages
/// (an aligned allocation is written with zeros instead, which doubled the
/// networks' start-up).
#[derive(Default)]
struct Aligned {
    buf: Vec<f32>,
    start: usize,
    len: usize,
}

impl Aligned {
    fn zeros(len: usize) -> Self {
        let buf = vec![0f32; len + 15];
        let start = buf.as_ptr().align_offset(64).min(15);
        Aligned { buf, start, len }
    }
}

#[cfg(test)]
impl From<Vec<f32>> for Aligned {
    fn from(v: Vec<f32>) -> Self {
        let mut a = Aligned::zeros(v.len());
        a.copy_from_slice(&v);
        a
    }
}

impl std::ops::Deref for Aligned {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl std::ops::DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

impl std::fmt::Debug for Aligned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} floats", self.len)
    }
}

#[derive(Debug)]
enum Op {
    /// Weights `[ky][kx][cin][cout]`, packed by [`pack`].
    Conv(Filter),
    /// Weights `[ky][kx][c]`.
    Depthwise(Filter),
    PRelu(Vec<f32>),
    /// Adds the second input.
    Add,
    MaxPool(Window),
    /// Zeros after the input's rows, columns and channels.
    Pad,
    /// The input's values as they are (a Transpose to NHWC, a Reshape).
    Copy,
    /// The inputs' values one after the other.
    Concat,
}

#[derive(Debug)]
struct Layer {
    op: Op,
    inputs: Vec<usize>,
    output: usize,
}

/// One network, ready to run, with its own buffers.
pub struct ConvNet {
    layers: Vec<Layer>,
    shapes: Vec<Shape>,
    /// The buffers; a tensor's buffer is reused once nothing reads it any
    /// more, so the working set stays in cache (one buffer per tensor cost
    /// more in memory traffic than PReLU and addition cost in arithmetic).
    values: Vec<Aligned>,
    /// Each tensor's buffer; 0 is the input.
    buffer: Vec<usize>,
    /// Layers that update their first input's buffer in place.
    in_place: Vec<bool>,
    /// PReLU layers done by the addition before them, in the same pass
    /// (a residual block's end: one trip through the tensor, not two).
    fused: Vec<bool>,
    outputs: Vec<usize>,
    /// The windows of a dense convolution, one row per output pixel (im2col).
    rows: Vec<f32>,
}

impl ConvNet {
    /// Reads `onnx` (one NCHW input of batch 1, static shape).
    pub fn load(onnx: &[u8]) -> Result<Self, FaceError> {
        Self::from_graph(&onnx::parse(onnx)?)
    }

    /// Builds from a graph in memory (certd writes dlib's ResNet as one).
    pub fn from_graph(graph: &Graph) -> Result<Self, FaceError> {
        let constants: HashMap<&str, &onnx::Tensor> = graph
            .initializers
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        let initializer = |name: &str| constants.get(name).copied();
        let mut names: Vec<String> = Vec::new();
        let mut shapes = Vec::new();
        let input = graph
            .inputs
            .iter()
            .find(|i| initializer(&i.name).is_none())
            .ok_or(load_error!("model without an input"))?;
        let dims = tensor_dims(input)?;
        let [1, c, h, w] = dims[..] else {
            return Err(load_error!(
                "input {}: shape {dims:?}, wanted [1, C, H, W]",
                input.name
            ));
        };
        names.push(input.name.clone());
        shapes.push(Shape { h, w, c });
        // Tensors in rows (after a Transpose), which Reshape and Concat take.
        let mut rows = vec![false];

        let mut layers = Vec::new();
        for node in &graph.nodes {
            let id = |name: &String| {
                names.iter().position(|n| n == name).ok_or_else(|| {
                    load_error!("{}: input {name} is not computed before", node.name)
                })
            };
            let input = |i: usize| {
                node.inputs
                    .get(i)
                    .ok_or_else(|| load_error!("{}: no input {i}", node.name))
            };
            let first = id(input(0)?)?;
            let shape = shapes[first];
            let weight = |i: usize| -> Result<(Floats, Vec<usize>), FaceError> {
                let name = node
                    .inputs
                    .get(i)
                    .ok_or(load_error!("{}: no input {i}", node.name))?;
                let t = initializer(name)
                    .ok_or(load_error!("{}: {name} is not a constant", node.name))?;
                let dims = t
                    .dims
                    .iter()
                    .map(|&d| size(d, false, name))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((
                    t.floats()
                        .ok_or(load_error!("{name}: not float32 values of its shape"))?,
                    dims,
                ))
            };
            // Integers given as a constant input (a Reshape's shape, a Pad's pads).
            let constant_ints = |i: usize, what: &str| {
                node.inputs
                    .get(i)
                    .and_then(|n| initializer(n))
                    .and_then(|t| t.ints())
                    .ok_or(load_error!("{}: {what} is not a constant", node.name))
            };
            let (op, inputs, out_shape) = match node.op_type.as_str() {
                "Conv" => {
                    let (w, wd) = weight(1)?;
                    let [cout, cin_g, kh, kw] = wd[..] else {
                        return Err(load_error!("{}: weights {wd:?}", node.name));
                    };
                    let bias = match node.inputs.len() {
                        2 => vec![0.0; cout],
                        _ => weight(2)?.0.to_vec(),
                    };
                    if bias.len() != cout {
                        return Err(load_error!("{}: {} biases", node.name, bias.len()));
                    }
                    if w.len() != cout * cin_g * kh * kw {
                        return Err(load_error!("{}: {} weights for {wd:?}", node.name, w.len()));
                    }
                    let window = window(node, [kh, kw], shape)?;
                    let group = size(int_attr(node, "group").unwrap_or(1), false, "group")?;
                    let out = window.output(shape, cout)?;
                    if attr(node, "dilations").is_some_and(|a| a.ints.iter().any(|&d| d != 1)) {
                        return Err(load_error!("{}: dilated convolution", node.name));
                    }
                    let op = if group == 1 && cin_g == shape.c {
                        Op::Conv(Filter {
                            window,
                            weights: pack_filters(w, [cout, cin_g, kh, kw]),
                            bias,
                        })
                    } else if group == shape.c && cout == shape.c && cin_g == 1 {
                        // [c][1][ky][kx] -> [ky][kx][c]
                        let mut t = Aligned::zeros(w.len());
                        for (i, v) in t.iter_mut().enumerate() {
                            let (k, ch) = (i / cout, i % cout);
                            *v = w.get(ch * kh * kw + k);
                        }
                        Op::Depthwise(Filter {
                            window,
                            weights: t,
                            bias,
                        })
                    } else {
                        return Err(load_error!(
                            "{}: group {group} with {cin_g} of {} channels",
                            node.name,
                            shape.c
                        ));
                    };
                    (op, vec![first], out)
                }
                "PRelu" => {
                    let (slope, dims) = weight(1)?;
                    // Per channel only: [C] would broadcast along W in ONNX.
                    if !matches!(dims[..], [] | [1] | [_, 1, 1] | [1, _, 1, 1]) {
                        return Err(load_error!("{}: slope shape {dims:?}", node.name));
                    }
                    let slope = match slope.len() {
                        1 => vec![slope.get(0); shape.c],
                        n if n == shape.c => slope.to_vec(),
                        n => {
                            return Err(load_error!(
                                "{}: {n} slopes for {} channels",
                                node.name,
                                shape.c
                            ))
                        }
                    };
                    (Op::PRelu(slope), vec![first], shape)
                }
                // ReLU is PReLU with a zero slope (the detector's activation).
                "Relu" => (Op::PRelu(vec![0.0; shape.c]), vec![first], shape),
                // The detector's tail: its heads NCHW -> NHWC, flattened into
                // rows, the two resolutions' rows one after the other. HWC
                // storage is NHWC already: each is a copy of the values.
                "Transpose" => {
                    let perm = attr(node, "perm")
                        .map(|a| a.ints.clone())
                        .unwrap_or_default();
                    if perm != [0, 2, 3, 1] {
                        return Err(load_error!("{}: perm {perm:?}", node.name));
                    }
                    (
                        Op::Copy,
                        vec![first],
                        Shape {
                            h: 1,
                            w: shape.h * shape.w,
                            c: shape.c,
                        },
                    )
                }
                "Reshape" => {
                    let target = constant_ints(1, "shape")?;
                    // Rows of `k` values, from rows (a Transpose's output).
                    let len = shape.len();
                    let out = match target[..] {
                        [1, -1, k] | [1, _, k] if k > 0 && len % k as usize == 0 => Shape {
                            h: 1,
                            w: len / k as usize,
                            c: k as usize,
                        },
                        _ => return Err(load_error!("{}: shape {target:?}", node.name)),
                    };
                    if !rows[first] || (target[1] != -1 && target[1] as usize != out.w) {
                        return Err(load_error!(
                            "{}: reshape of {shape:?} to {target:?}",
                            node.name
                        ));
                    }
                    (Op::Copy, vec![first], out)
                }
                "Concat" => {
                    let parts = node.inputs.iter().map(&id).collect::<Result<Vec<_>, _>>()?;
                    let axis = int_attr(node, "axis").unwrap_or(0);
                    if !matches!(axis, 1 | -2)
                        || parts.iter().any(|&t| !rows[t] || shapes[t].c != shape.c)
                    {
                        return Err(load_error!(
                            "{}: concat on axis {axis} of {shape:?}",
                            node.name
                        ));
                    }
                    let w = parts.iter().map(|&t| shapes[t].w).sum();
                    (
                        Op::Concat,
                        parts,
                        Shape {
                            h: 1,
                            w,
                            c: shape.c,
                        },
                    )
                }
                "Add" => {
                    let second = id(input(1)?)?;
                    if shapes[second] != shape {
                        return Err(load_error!(
                            "{}: adds {:?} to {shape:?}",
                            node.name,
                            shapes[second]
                        ));
                    }
                    (Op::Add, vec![first, second], shape)
                }
                "MaxPool" => {
                    let k = attr(node, "kernel_shape")
                        .ok_or(load_error!("{}: no kernel", node.name))?;
                    let [ky, kx] = k.ints[..] else {
                        return Err(load_error!("{}: kernel {:?}", node.name, k.ints));
                    };
                    let kernel = [size(ky, false, "kernel")?, size(kx, false, "kernel")?];
                    let window = window(node, kernel, shape)?;
                    if window.pads.iter().any(|&p| p != 0)
                        || int_attr(node, "ceil_mode").is_some_and(|c| c != 0)
                        || attr(node, "dilations").is_some_and(|a| a.ints.iter().any(|&d| d != 1))
                    {
                        return Err(load_error!(
                            "{}: padded, ceil or dilated pooling",
                            node.name
                        ));
                    }
                    (
                        Op::MaxPool(window),
                        vec![first],
                        window.output(shape, shape.c)?,
                    )
                }
                "Pad" => {
                    // Only zeros after the channels, rows and columns: pads
                    // [n, c, h, w] begin, then end.
                    let pads = constant_ints(1, "pads")?;
                    let mode = attr(node, "mode").map(|a| a.s.clone()).unwrap_or_default();
                    let value = node.inputs.get(2).filter(|n| !n.is_empty());
                    if node.inputs.get(3).is_some_and(|n| !n.is_empty()) {
                        return Err(load_error!("{}: pads on chosen axes", node.name));
                    }
                    match pads[..] {
                        [0, 0, 0, 0, 0, c, h, w]
                            if (mode.is_empty() || mode == b"constant") && value.is_none() =>
                        {
                            let out = Shape {
                                h: shape.h + size(h, true, "row padding")?,
                                w: shape.w + size(w, true, "column padding")?,
                                c: shape.c + size(c, true, "channel padding")?,
                            };
                            (Op::Pad, vec![first], out)
                        }
                        _ => return Err(load_error!("{}: pads {pads:?} mode {mode:?}", node.name)),
                    }
                }
                other => {
                    return Err(load_error!(
                        "{}: operator {other} is not supported",
                        node.name
                    ))
                }
            };
            let [output] = &node.outputs[..] else {
                return Err(load_error!("{}: {} outputs", node.name, node.outputs.len()));
            };
            if names.contains(output) {
                return Err(load_error!("{}: {output} is computed twice", node.name));
            }
            names.push(output.clone());
            shapes.push(out_shape);
            rows.push(matches!(op, Op::Copy | Op::Concat));
            layers.push(Layer {
                op,
                inputs,
                output: names.len() - 1,
            });
        }
        let outputs = graph
            .outputs
            .iter()
            .map(|o| {
                names
                    .iter()
                    .position(|n| n == o)
                    .ok_or(load_error!("output {o} is not computed"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if outputs.is_empty() {
            return Err(load_error!("outputs must be one or more tensors"));
        }
        let (buffer, in_place, sizes) = plan_buffers(&layers, &shapes, &outputs);
        let fused = (0..layers.len())
            .map(|i| {
                i > 0
                    && in_place[i]
                    && in_place[i - 1]
                    && matches!(layers[i].op, Op::PRelu(_))
                    && matches!(layers[i - 1].op, Op::Add)
                    && layers[i].inputs[0] == layers[i - 1].output
            })
            .collect();
        Ok(ConvNet {
            values: sizes.into_iter().map(Aligned::zeros).collect(),
            buffer,
            in_place,
            fused,
            layers,
            shapes,
            outputs,
            rows: Vec::new(),
        })
    }

    /// The input, HWC (channels innermost), to fill before [`ConvNet::run`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        let n = self.shapes[0].len();
        &mut self.values[self.buffer[0]][..n]
    }

    /// The input's (height, width, channels).
    pub fn input_shape(&self) -> [usize; 3] {
        let s = self.shapes[0];
        [s.h, s.w, s.c]
    }

    fn run_layer(&mut self, i: usize) {
        let layer = &self.layers[i];
        let (si, so) = (self.shapes[layer.inputs[0]], self.shapes[layer.output]);
        let (bx, bo) = (self.buffer[layer.inputs[0]], self.buffer[layer.output]);
        // Planned in place, the output's buffer is the first input's; else it
        // is one no live tensor holds.
        let mut out = std::mem::take(&mut self.values[bo]);
        let out_ = &mut out[..so.len()];
        if let Op::PRelu(_) | Op::Add = layer.op {
            // Elementwise: over the output's buffer, holding the input.
            if !self.in_place[i] {
                out_.copy_from_slice(&self.values[bx][..si.len()]);
            }
            let (add, slope) = match &layer.op {
                Op::PRelu(slope) => (None, Some(&slope[..])),
                _ => (
                    Some(&self.values[self.buffer[layer.inputs[1]]][..so.len()]),
                    match self.layers.get(i + 1).map(|l| &l.op) {
                        Some(Op::PRelu(slope)) if self.fused[i + 1] => Some(&slope[..]),
                        _ => None,
                    },
                ),
            };
            add_prelu(out_, so.c, add, slope);
            self.values[bo] = out;
            return;
        }
        let x = &self.values[bx][..si.len()];
        match &layer.op {
            Op::Conv(f) => conv(x, si, f, out_, so, &mut self.rows, gemm, direct()),
            Op::Depthwise(f) => depthwise(x, si, f, out_, so),
            Op::MaxPool(window) => max_pool(x, si, window, out_, so),
            Op::Copy => out_.copy_from_slice(x),
            Op::Concat => {
                let mut at = 0;
                for &t in &layer.inputs {
                    let part = &self.values[self.buffer[t]][..self.shapes[t].len()];
                    out_[at..at + part.len()].copy_from_slice(part);
                    at += part.len();
                }
            }
            Op::Pad => {
                out_.fill(0.0);
                for (o, row) in out_
                    .chunks_exact_mut(so.w * so.c)
                    .zip(x.chunks_exact(si.w * si.c))
                {
                    for (o, px) in o.chunks_exact_mut(so.c).zip(row.chunks_exact(si.c)) {
                        o[..si.c].copy_from_slice(px);
                    }
                }
            }
            Op::PRelu(_) | Op::Add => unreachable!("elementwise layers return above"),
        }
        self.values[bo] = out;
    }

    /// Runs the network; outputs in the model's order, each HWC (for 1x1
    /// outputs the same order as ONNX's NCHW).
    pub fn run(&mut self) -> Vec<&[f32]> {
        for i in 0..self.layers.len() {
            if !self.fused[i] {
                self.run_layer(i);
            }
        }
        self.outputs
            .iter()
            .map(|&t| &self.values[self.buffer[t]][..self.shapes[t].len()])
            .collect()
    }
}

impl ConvNet {
    /// Each layer's median thread CPU time over `runs` runs of the whole
    /// network, with what it is: where a frame's time goes (`stage_times`).
    #[doc(hidden)]
    pub fn layer_profile(&mut self, runs: usize) -> Vec<(String, f64)> {
        let cpu = || crate::timing::thread_cpu_ns().unwrap_or(0);
        let mut times = vec![Vec::with_capacity(runs); self.layers.len()];
        for _ in 0..runs {
            for (i, t) in times.iter_mut().enumerate() {
                if !self.fused[i] {
                    let t0 = cpu();
                    self.run_layer(i);
                    t.push((cpu() - t0) as f64 / 1e6);
                }
            }
        }
        self.layers
            .iter()
            .zip(times)
            .filter(|(_, t)| !t.is_empty())
            .map(|(l, mut t)| {
                t.sort_by(f64::total_cmp);
                let (si, so) = (self.shapes[l.inputs[0]], self.shapes[l.output]);
                let what = match &l.op {
                    Op::Conv(f) => format!(
                        "conv {}x{}/{}",
                        f.window.k[0], f.window.k[1], f.window.stride[0]
                    ),
                    Op::Depthwise(f) => format!(
                        "depthwise {}x{}/{}",
                        f.window.k[0], f.window.k[1], f.window.stride[0]
                    ),
                    Op::PRelu(_) => "prelu".into(),
                    Op::Add => "add".into(),
                    Op::MaxPool(_) => "maxpool".into(),
                    Op::Pad => "pad".into(),
                    Op::Copy => "copy".into(),
                    Op::Concat => "concat".into(),
                };
                (
                    format!(
                        "{what} {}x{}x{} -> {}x{}x{}",
                        si.h, si.w, si.c, so.h, so.w, so.c
                    ),
                    t[t.len() / 2],
                )
            })
            .collect()
    }
}

/// `v += add`, then PReLU by `slope` (per channel, `c` channels), each when
/// given; both in one pass when both are (a residual block's end).
fn add_prelu(v: &mut [f32], c: usize, add: Option<&[f32]>, slope: Option<&[f32]>) {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has AVX-512F.
        return unsafe { avx512::add_prelu(v, c, add, slope) };
    }
    add_prelu_plain(v, c, add, slope)
}

/// [`add_prelu`]'s loops, inlined into each instruction set's copy (the
/// compiler vectorises them as wide as the copy allows: 4 lanes in the
/// baseline x86 build, where these passes were bound by instruction count).
#[inline(always)]
fn add_prelu_plain(v: &mut [f32], c: usize, add: Option<&[f32]>, slope: Option<&[f32]>) {
    let prelu = |t: f32, s: f32| t.max(0.0) + s * t.min(0.0);
    match (add, slope) {
        (Some(y), Some(slope)) => {
            for (px, py) in v.chunks_exact_mut(c).zip(y.chunks_exact(c)) {
                for ((v, &b), &s) in px.iter_mut().zip(py).zip(slope) {
                    *v = prelu(*v + b, s);
                }
            }
        }
        (Some(y), None) => v.iter_mut().zip(y).for_each(|(a, &b)| *a += b),
        (None, Some(slope)) => {
            for px in v.chunks_exact_mut(c) {
                for (v, &s) in px.iter_mut().zip(slope) {
                    *v = prelu(*v, s);
                }
            }
        }
        (None, None) => {}
    }
}

/// Which buffer holds each tensor, which layers run in place, and each
/// buffer's size. A tensor's buffer is free again after its last reader;
/// PReLU and addition write over their first input when nothing reads it
/// later; the outputs keep theirs.
fn plan_buffers(
    layers: &[Layer],
    shapes: &[Shape],
    outputs: &[usize],
) -> (Vec<usize>, Vec<bool>, Vec<usize>) {
    let mut last_read = vec![0; shapes.len()];
    for (i, layer) in layers.iter().enumerate() {
        for &t in &layer.inputs {
            last_read[t] = i;
        }
    }
    for &t in outputs {
        last_read[t] = usize::MAX;
    }
    let mut buffer = vec![usize::MAX; shapes.len()];
    let mut sizes = vec![shapes[0].len()];
    buffer[0] = 0;
    let mut free: Vec<usize> = Vec::new();
    let mut in_place = Vec::with_capacity(layers.len());
    for (i, layer) in layers.iter().enumerate() {
        let first = layer.inputs[0];
        let elementwise = matches!(layer.op, Op::PRelu(_) | Op::Add);
        // An addition's second input may be the same tensor: then not in place.
        let alone = layer.inputs[1..].iter().all(|&t| t != first);
        let reuse = elementwise && alone && last_read[first] == i;
        in_place.push(reuse);
        buffer[layer.output] = if reuse {
            buffer[first]
        } else {
            let b = free.pop().unwrap_or_else(|| {
                sizes.push(0);
                sizes.len() - 1
            });
            sizes[b] = sizes[b].max(shapes[layer.output].len());
            b
        };
        // Inputs read for the last time free their buffers for later layers
        // (not this one's output: it was chosen above).
        for &t in &layer.inputs {
            if last_read[t] == i && buffer[t] != buffer[layer.output] && !free.contains(&buffer[t])
            {
                free.push(buffer[t]);
            }
        }
    }
    (buffer, in_place, sizes)
}

/// The input pixels a window position reads, as (tap index, input pixel),
/// skipping taps in the padding (zeros for convolutions). Returns how many
/// of `list` it filled (kernels are at most [`MAX_TAPS`] taps, checked at load).
fn taps(
    si: Shape,
    w: &Window,
    oy: usize,
    ox: usize,
    list: &mut [(usize, usize); MAX_TAPS],
) -> usize {
    let (y0, x0) = (
        (oy * w.stride[0]) as isize - w.pads[0] as isize,
        (ox * w.stride[1]) as isize - w.pads[1] as isize,
    );
    let mut n = 0;
    for ky in 0..w.k[0] {
        for kx in 0..w.k[1] {
            let (y, x) = (y0 + ky as isize, x0 + kx as isize);
            if (0..si.h as isize).contains(&y) && (0..si.w as isize).contains(&x) {
                list[n] = (ky * w.k[1] + kx, y as usize * si.w + x as usize);
                n += 1;
            }
        }
    }
    n
}

/// Kernels are checked at load to fit [`taps`]' list (7x7: the first layer
/// of certd's face-recognition ResNet).
const MAX_TAPS: usize = 49;

/// Calls `f(output pixel, its taps)` for every output position of `w` over
/// an `si` input. Inlined, so each kernel's loop body stays its own (and
/// keeps the AVX2 kernels' target features).
#[inline(always)]
fn each_position(si: Shape, w: &Window, so: Shape, mut f: impl FnMut(usize, &[(usize, usize)])) {
    let mut list = [(0, 0); MAX_TAPS];
    for oy in 0..so.h {
        for ox in 0..so.w {
            let n = taps(si, w, oy, ox, &mut list);
            f(oy * so.w + ox, &list[..n]);
        }
    }
}

/// A dense convolution as one matrix product: every output pixel's window
/// (taps x input channels, zeros in the padding) times the
/// `[ky][kx][cin][cout]` weights. A 1x1 window without stride or padding is
/// the input itself; other windows are gathered into `rows` first (im2col),
/// so all the arithmetic runs in [`gemm`]'s blocked loop. With a `direct`
/// kernel, the windows wholly inside the input are read where they lie (for
/// weights that stay in cache), and only the edges are gathered.
#[allow(clippy::too_many_arguments)]
fn conv(
    x: &[f32],
    si: Shape,
    f: &Filter,
    out: &mut [f32],
    so: Shape,
    rows: &mut Vec<f32>,
    gemm: Gemm,
    direct: Option<Direct>,
) {
    let w = &f.window;
    let k = w.k[0] * w.k[1] * si.c;
    let n = f.bias.len();
    if w.k == [1, 1] && w.stride == [1, 1] && w.pads == [0; 4] {
        return gemm(x, k, &f.weights, &f.bias, out);
    }
    // Inside the input, each kernel row's taps are one contiguous run of
    // the HWC input; at the edges, tap by tap with zeros for the padding.
    // Gathered and multiplied a chunk of pixels at a time, so the windows
    // stay in the first-level cache (the first layer's whole im2col is a
    // megabyte, written out and read back through memory).
    let (y_lo, y_hi) = inside(si.h, so.h, w.k[0], w.stride[0], w.pads[0]);
    let (x_lo, x_hi) = inside(si.w, so.w, w.k[1], w.stride[1], w.pads[1]);
    let interior = |oy: usize, ox: usize| (y_lo..y_hi).contains(&oy) && (x_lo..x_hi).contains(&ox);
    let span = w.k[1] * si.c;
    let pixels = so.h * so.w;
    // Whole blocks of the matrix product. Weights beyond the first cache
    // level are read once per chunk, so their chunks are larger.
    let floats = if k * n > SMALL_WEIGHTS {
        LARGE_CHUNK_FLOATS
    } else {
        CHUNK_FLOATS
    };
    let chunk = (floats / k).max(BLOCK_PIXELS) / BLOCK_PIXELS * BLOCK_PIXELS;
    rows.resize(chunk.min(pixels) * k, 0.0);
    let mut list = [(0, 0); MAX_TAPS];
    // Gathers the windows of a run of consecutive output pixels, a chunk at
    // a time, each chunk's product straight into the output.
    let mut gathered = |run: std::ops::Range<usize>, out: &mut [f32]| {
        for p0 in run.clone().step_by(chunk) {
            let p1 = (p0 + chunk).min(run.end);
            let (mut oy, mut ox) = (p0 / so.w, p0 % so.w);
            for row in rows[..(p1 - p0) * k].chunks_exact_mut(k) {
                if interior(oy, ox) {
                    let (y0, x0) = (oy * w.stride[0] - w.pads[0], ox * w.stride[1] - w.pads[1]);
                    for (ky, run) in row.chunks_exact_mut(span).enumerate() {
                        run.copy_from_slice(&x[((y0 + ky) * si.w + x0) * si.c..][..span]);
                    }
                } else {
                    row.fill(0.0);
                    let n = taps(si, w, oy, ox, &mut list);
                    for &(t, p) in &list[..n] {
                        row[t * si.c..][..si.c].copy_from_slice(&x[p * si.c..][..si.c]);
                    }
                }
                ox += 1;
                if ox == so.w {
                    (oy, ox) = (oy + 1, 0);
                }
            }
            gemm(
                &rows[..(p1 - p0) * k],
                k,
                &f.weights,
                &f.bias,
                &mut out[p0 * n..p1 * n],
            );
        }
    };
    match direct.filter(|_| k * n <= SMALL_WEIGHTS) {
        None => gathered(0..pixels, out),
        Some(direct) => {
            // Each inside row's inside span directly; the pixels between
            // two such spans (edge columns, rows outside) gathered.
            let mut from = 0;
            for oy in y_lo..y_hi {
                direct(x, si, f, out, so, oy, x_lo..x_hi);
                gathered(from..oy * so.w + x_lo, out);
                from = oy * so.w + x_hi;
            }
            gathered(from..pixels, out);
        }
    }
}

/// Output pixels `xs` of row `oy` of a convolution, whose windows there lie
/// wholly inside the input, computed from the input where it lies:
/// `direct(x, si, f, out, so, oy, xs)`.
type Direct = fn(&[f32], Shape, &Filter, &mut [f32], Shape, usize, std::ops::Range<usize>);

/// The direct kernel this CPU runs, if any (AVX-512 only: elsewhere the
/// gathered windows' product is as fast).
fn direct() -> Option<Direct> {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has AVX-512F.
        return Some(|x, si, f, out, so, oy, xs| unsafe {
            avx512::conv_row(x, si, f, out, so, oy, xs)
        });
    }
    None
}

/// Chunks of gathered windows are whole blocks of every kernel's product
/// (six pixels for AVX2, twelve for AVX-512).
const BLOCK_PIXELS: usize = 12;
/// Floats of gathered windows per chunk of a dense convolution: 8 KB, a
/// quarter of a first-level data cache, beside the weights and outputs.
const CHUNK_FLOATS: usize = 2048;
/// Weights (floats) that stay in cache beside a chunk: 256 KB, half a
/// second-level cache (every layer of the mesh and the detector).
const SMALL_WEIGHTS: usize = 65536;
/// Floats of windows per chunk when the weights do not fit there: 256 KB,
/// half a second-level cache, so one weight panel serves more pixels.
const LARGE_CHUNK_FLOATS: usize = 65536;

/// A matrix product: `gemm(a, k, w, bias, out)`, `w` packed by [`pack`].
type Gemm = fn(&[f32], usize, &[f32], &[f32], &mut [f32]);

/// `out` (pixels x n) = `a` (pixels x k) times `w` (k x n), plus `bias` (n).
fn gemm(a: &[f32], k: usize, w: &[f32], bias: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has AVX-512F.
        return unsafe { avx512::gemm(a, k, w, bias, out) };
    }
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: the CPU has AVX2 and FMA.
        return unsafe { avx2::gemm(a, k, w, bias, out) };
    }
    gemm_plain(a, k, w, bias, out)
}

/// Plain kernels: the definition, and what runs where [`avx2`] cannot
/// (phones are aarch64, where these loops vectorise to NEON).
fn gemm_plain(a: &[f32], k: usize, w: &[f32], bias: &[f32], out: &mut [f32]) {
    let n = bias.len();
    for (row, o) in a.chunks_exact(k).zip(out.chunks_exact_mut(n)) {
        o.copy_from_slice(bias);
        for (o, panel) in o.chunks_mut(PANEL).zip(w.chunks(PANEL * k)) {
            for (&v, wr) in row.iter().zip(panel.chunks_exact(o.len())) {
                for (o, &wt) in o.iter_mut().zip(wr) {
                    *o = v.mul_add(wt, *o);
                }
            }
        }
    }
}

/// Output channels a panel of packed weights holds.
const PANEL: usize = 16;

/// A dense layer's `[k][n]` weights as the matrix product reads them: panels
/// of 16 output channels (the last one narrower), each `[k][16]` and
/// contiguous. Read column block by column block, `[k][n]` strides n floats
/// a row, a new page every few rows where the prefetcher stops: certd's
/// 256-channel layers waited on memory.
/// `at(r, o)` is row r, column o of the `[k][n]` matrix. The layout's
/// definition: the tests build layers with it, and [`pack_filters`] writes
/// the same straight from a file.
#[cfg(test)]
fn pack(k: usize, n: usize, at: impl Fn(usize, usize) -> f32) -> Vec<f32> {
    let mut packed = Vec::with_capacity(k * n);
    for co in (0..n).step_by(PANEL) {
        let width = PANEL.min(n - co);
        for r in 0..k {
            packed.extend((co..co + width).map(|o| at(r, o)));
        }
    }
    packed
}

/// ONNX's `[cout][cin][ky][kx]` filters, straight from the file into
/// [`pack`]'s panels of the `[ky][kx][cin][cout]` matrix: one pass reading
/// the file in order, one allocation (at start-up every copy is fresh memory
/// to fault in, and reading the file across filters missed the cache).
fn pack_filters(w: Floats, [cout, cin, kh, kw]: [usize; 4]) -> Aligned {
    let per = cin * kh * kw;
    // The matrix row of each filter value (ci, ky, kx), in file order.
    let rows: Vec<usize> = (0..cin)
        .flat_map(|i| (0..kh * kw).map(move |yx| yx * cin + i))
        .collect();
    let mut packed = Aligned::zeros(per * cout);
    match w {
        Floats::Raw(b) => scatter(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            &rows,
            cout,
            &mut packed,
        ),
        Floats::Values(v) => scatter(v.iter().copied(), &rows, cout, &mut packed),
    }
    packed
}

/// Puts `cout` filters' values, in file order, at their matrix `rows` in
/// [`pack`]'s panels.
fn scatter(mut values: impl Iterator<Item = f32>, rows: &[usize], cout: usize, packed: &mut [f32]) {
    let per = rows.len();
    for o in 0..cout {
        let (panel, lane) = (o / PANEL * PANEL, o % PANEL);
        let width = PANEL.min(cout - panel);
        let out = &mut packed[panel * per..(panel + width) * per];
        for (&r, v) in rows.iter().zip(&mut values) {
            out[r * width + lane] = v;
        }
    }
}

/// One output pixel of a depthwise layer, from its taps.
#[inline(always)]
fn depthwise_at(x: &[f32], c: usize, f: &Filter, taps: &[(usize, usize)], o: &mut [f32]) {
    o.copy_from_slice(&f.bias);
    for &(k, p) in taps {
        let px = &x[p * c..][..c];
        let kw = &f.weights[k * c..][..c];
        for ((o, &v), &wt) in o.iter_mut().zip(px).zip(kw) {
            *o = v.mul_add(wt, *o);
        }
    }
}

fn depthwise_plain(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
    let c = si.c;
    each_position(si, &f.window, so, |at, taps| {
        depthwise_at(x, c, f, taps, &mut out[at * c..][..c])
    });
}

/// The output positions along one axis whose whole window lies inside the
/// input (`lo..hi`): there a window needs no bounds checks.
fn inside(n_in: usize, n_out: usize, k: usize, stride: usize, pad: usize) -> (usize, usize) {
    let hi = match (n_in + pad).checked_sub(k) {
        Some(room) => (room / stride + 1).min(n_out),
        None => 0,
    };
    (pad.div_ceil(stride).min(hi), hi)
}

/// What a SIMD depthwise kernel works out before its rows: the shapes
/// checked (every unchecked read stays inside them), the output rows and
/// columns whose windows lie inside the input, and each tap's offset from
/// its window's top-left pixel.
#[cfg(target_arch = "x86_64")]
struct DepthwisePlan {
    n_taps: usize,
    ys: (usize, usize),
    xs: (usize, usize),
    offset: [usize; MAX_TAPS],
}

#[cfg(target_arch = "x86_64")]
impl DepthwisePlan {
    fn new(x: &[f32], si: Shape, f: &Filter, out: &[f32], so: Shape) -> Self {
        let (c, win) = (si.c, &f.window);
        let n_taps = win.k[0] * win.k[1];
        assert!(
            f.bias.len() == c
                && so.c == c
                && x.len() == si.len()
                && out.len() == so.len()
                && f.weights.len() == n_taps * c
                && n_taps <= MAX_TAPS
        );
        let mut offset = [0usize; MAX_TAPS];
        for ky in 0..win.k[0] {
            for kx in 0..win.k[1] {
                offset[ky * win.k[1] + kx] = (ky * si.w + kx) * c;
            }
        }
        DepthwisePlan {
            n_taps,
            ys: inside(si.h, so.h, win.k[0], win.stride[0], win.pads[0]),
            xs: inside(si.w, so.w, win.k[1], win.stride[1], win.pads[1]),
            offset,
        }
    }

    /// Row `oy`'s outputs whose windows cross the input's edge, tap by tap
    /// (inlined, so each kernel's copy keeps its instruction set); whether
    /// the row has outputs inside left for the kernel.
    #[inline(always)]
    fn edges(
        &self,
        x: &[f32],
        si: Shape,
        f: &Filter,
        out: &mut [f32],
        so: Shape,
        oy: usize,
    ) -> bool {
        let (c, inner_row) = (si.c, (self.ys.0..self.ys.1).contains(&oy));
        let mut list = [(0, 0); MAX_TAPS];
        for ox in 0..so.w {
            if inner_row && (self.xs.0..self.xs.1).contains(&ox) {
                continue;
            }
            let n = taps(si, &f.window, oy, ox, &mut list);
            depthwise_at(x, c, f, &list[..n], &mut out[(oy * so.w + ox) * c..][..c]);
        }
        inner_row
    }
}

/// AVX2 + FMA kernels for x86, chosen at run time, eight channels a
/// register. The matrix product holds a 6-pixel x 16-channel block of
/// outputs in twelve registers, so each weight loaded serves six pixels;
/// the depthwise kernel walks the interior of each row without bounds
/// checks, one 8-channel block at a time.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{DepthwisePlan, Filter, Shape};
    use std::arch::x86_64::*;

    pub fn available() -> bool {
        static YES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *YES.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
    }

    /// # Safety
    /// Only where [`available`] says so; arguments as [`super::gemm_plain`] takes them.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn gemm(a: &[f32], k: usize, w: &[f32], bias: &[f32], out: &mut [f32]) {
        let n = bias.len();
        let p = out.len() / n;
        // Every unchecked read below stays inside these.
        assert!(a.len() >= p * k && w.len() >= k * n && out.len() == p * n);
        let blocked = n / 16 * 16;
        let (ap, op) = (a.as_ptr(), out.as_mut_ptr());
        // SAFETY: rows i..min(i + 6, p) of a hold k values; weight rows hold
        // n >= co + 16 values, and so do the output rows.
        let one = |i: usize, co: usize| unsafe {
            block(ap.add(i * k), (p - i).min(6), k, w, bias, co, op.add(i * n))
        };
        if k * n > super::SMALL_WEIGHTS {
            // Large weights: column blocks outside, so one block's panel
            // (k x 16) is read from memory once and serves every pixel of
            // the call from cache. The other way round, certd's 3x3 layers
            // of 256 channels (2.4 MB) streamed their weights once per 6
            // pixels.
            for co in (0..blocked).step_by(16) {
                for i in (0..p).step_by(6) {
                    one(i, co);
                }
            }
        } else {
            // Small weights stay in cache; the pixels' rows (a whole 1x1
            // layer's input) are read once.
            for i in (0..p).step_by(6) {
                for co in (0..blocked).step_by(16) {
                    one(i, co);
                }
            }
        }
        if blocked < n {
            for r in 0..p {
                // SAFETY: as this function.
                unsafe { row(a, k, w, bias, out, r, blocked) };
            }
        }
    }

    /// Up to six output pixels' channels `co..co + 16`: `rows` (1..=6) rows
    /// of `a` from `r0` (k values each) times the weights, plus the bias,
    /// into as many rows of `op` (n values each). Fewer than six (a layer's
    /// last pixels) repeat the last row and store only theirs: one pixel at
    /// a time would read the weights once per pixel.
    ///
    /// # Safety
    /// `r0` points to rows * k readable values, `op` to rows * n writable
    /// ones, `w` is packed and holds a whole panel at `co` (n >= co + 16).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block(
        r0: *const f32,
        rows: usize,
        k: usize,
        w: &[f32],
        bias: &[f32],
        co: usize,
        op: *mut f32,
    ) {
        let n = bias.len();
        let last = rows.clamp(1, 6) - 1;
        let (wp, bp) = (w.as_ptr(), bias.as_ptr());
        // SAFETY: as this function's contract.
        unsafe {
            let (b0, b1) = (_mm256_loadu_ps(bp.add(co)), _mm256_loadu_ps(bp.add(co + 8)));
            let (mut a00, mut a01, mut a10, mut a11) = (b0, b1, b0, b1);
            let (mut a20, mut a21, mut a30, mut a31) = (b0, b1, b0, b1);
            let (mut a40, mut a41, mut a50, mut a51) = (b0, b1, b0, b1);
            let (r1, r2, r3, r4, r5) = (
                r0.add(last.min(1) * k),
                r0.add(last.min(2) * k),
                r0.add(last.min(3) * k),
                r0.add(last.min(4) * k),
                r0.add(last.min(5) * k),
            );
            // This block's panel: k rows of 16, contiguous.
            let mut wr = wp.add(co * k);
            // Written out, one pixel per pair of lines: twelve named
            // accumulators stay in registers, enough independent
            // sums to keep both FMA units busy through their latency.
            for c in 0..k {
                let (w0, w1) = (_mm256_loadu_ps(wr), _mm256_loadu_ps(wr.add(8)));
                wr = wr.add(16);
                let v = _mm256_broadcast_ss(&*r0.add(c));
                a00 = _mm256_fmadd_ps(v, w0, a00);
                a01 = _mm256_fmadd_ps(v, w1, a01);
                let v = _mm256_broadcast_ss(&*r1.add(c));
                a10 = _mm256_fmadd_ps(v, w0, a10);
                a11 = _mm256_fmadd_ps(v, w1, a11);
                let v = _mm256_broadcast_ss(&*r2.add(c));
                a20 = _mm256_fmadd_ps(v, w0, a20);
                a21 = _mm256_fmadd_ps(v, w1, a21);
                let v = _mm256_broadcast_ss(&*r3.add(c));
                a30 = _mm256_fmadd_ps(v, w0, a30);
                a31 = _mm256_fmadd_ps(v, w1, a31);
                let v = _mm256_broadcast_ss(&*r4.add(c));
                a40 = _mm256_fmadd_ps(v, w0, a40);
                a41 = _mm256_fmadd_ps(v, w1, a41);
                let v = _mm256_broadcast_ss(&*r5.add(c));
                a50 = _mm256_fmadd_ps(v, w0, a50);
                a51 = _mm256_fmadd_ps(v, w1, a51);
            }
            for (r, (lo, hi)) in [
                (a00, a01),
                (a10, a11),
                (a20, a21),
                (a30, a31),
                (a40, a41),
                (a50, a51),
            ]
            .into_iter()
            .take(last + 1)
            .enumerate()
            {
                _mm256_storeu_ps(op.add(r * n + co), lo);
                _mm256_storeu_ps(op.add(r * n + co + 8), hi);
            }
        }
    }

    /// Output pixel `i`'s channels from `from` on (past the whole panels):
    /// the last, narrower panel, one of its weight rows at a time.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn row(
        a: &[f32],
        k: usize,
        w: &[f32],
        bias: &[f32],
        out: &mut [f32],
        i: usize,
        from: usize,
    ) {
        let n = bias.len();
        let o = &mut out[i * n + from..(i + 1) * n];
        o.copy_from_slice(&bias[from..]);
        let m = o.len() / 8 * 8;
        let panel = &w[from * k..][..k * o.len()];
        for (&v, wr) in a[i * k..(i + 1) * k]
            .iter()
            .zip(panel.chunks_exact(o.len()))
        {
            let vv = _mm256_set1_ps(v);
            for j in (0..m).step_by(8) {
                // SAFETY: j + 8 <= m <= o.len() == wr.len().
                unsafe {
                    let s = _mm256_fmadd_ps(
                        vv,
                        _mm256_loadu_ps(wr.as_ptr().add(j)),
                        _mm256_loadu_ps(o.as_ptr().add(j)),
                    );
                    _mm256_storeu_ps(o.as_mut_ptr().add(j), s);
                }
            }
            for j in m..o.len() {
                o[j] = v.mul_add(wr[j], o[j]);
            }
        }
    }

    /// # Safety
    /// As [`gemm`]; arguments as [`super::depthwise_plain`] takes them.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn depthwise(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
        let c = si.c;
        let win = &f.window;
        let plan = DepthwisePlan::new(x, si, f, out, so);
        let (n_taps, offset, (x_lo, x_hi)) = (plan.n_taps, plan.offset, plan.xs);
        // Whole registers of channels; the rest (the detector's 28, 36, 42...
        // channels) one at a time inside the same rows.
        let full = c / 8 * 8;
        for oy in 0..so.h {
            if !plan.edges(x, si, f, out, so, oy) {
                continue;
            }
            let y0 = oy * win.stride[0] - win.pads[0];
            for ox in x_lo..x_hi {
                let base = (y0 * si.w + ox * win.stride[1] - win.pads[1]) * c;
                for ch in full..c {
                    let mut acc = f.bias[ch];
                    for (t, &off) in offset[..n_taps].iter().enumerate() {
                        acc = x[base + off + ch].mul_add(f.weights[t * c + ch], acc);
                    }
                    out[(oy * so.w + ox) * c + ch] = acc;
                }
            }
            for cb in (0..full).step_by(8) {
                // SAFETY: inside() keeps every window of x_lo..x_hi on this
                // row within the input, cb + 8 <= full <= c, and the weights
                // hold n_taps x c values.
                unsafe {
                    let b = _mm256_loadu_ps(f.bias.as_ptr().add(cb));
                    let wp = f.weights.as_ptr().add(cb);
                    // Four pixels at a time: four independent sums, where one
                    // pixel's taps were one chain of dependent additions
                    // (waiting on each other, not on the arithmetic).
                    let mut ox = x_lo;
                    while ox + 4 <= x_hi {
                        let at = |j: usize| {
                            let x0 = (ox + j) * win.stride[1] - win.pads[1];
                            x.as_ptr().add((y0 * si.w + x0) * c + cb)
                        };
                        let (p0, p1, p2, p3) = (at(0), at(1), at(2), at(3));
                        let (mut a0, mut a1, mut a2, mut a3) = (b, b, b, b);
                        for (t, &off) in offset[..n_taps].iter().enumerate() {
                            let wt = _mm256_loadu_ps(wp.add(t * c));
                            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p0.add(off)), wt, a0);
                            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p1.add(off)), wt, a1);
                            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p2.add(off)), wt, a2);
                            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(p3.add(off)), wt, a3);
                        }
                        let o = out.as_mut_ptr().add((oy * so.w + ox) * c + cb);
                        _mm256_storeu_ps(o, a0);
                        _mm256_storeu_ps(o.add(c), a1);
                        _mm256_storeu_ps(o.add(2 * c), a2);
                        _mm256_storeu_ps(o.add(3 * c), a3);
                        ox += 4;
                    }
                    for ox in ox..x_hi {
                        let x0 = ox * win.stride[1] - win.pads[1];
                        let base = x.as_ptr().add((y0 * si.w + x0) * c + cb);
                        let mut acc = b;
                        for (t, &off) in offset[..n_taps].iter().enumerate() {
                            acc = _mm256_fmadd_ps(
                                _mm256_loadu_ps(base.add(off)),
                                _mm256_loadu_ps(wp.add(t * c)),
                                acc,
                            );
                        }
                        _mm256_storeu_ps(out.as_mut_ptr().add((oy * so.w + ox) * c + cb), acc);
                    }
                }
            }
        }
    }
}

/// AVX-512 kernels for x86 servers and desktops that have it (certd judges
/// every capture with these networks; MediaPipe's XNNPACK, the benchmark's
/// other side, uses such kernels too): sixteen channels a register, which is
/// one whole panel of [`pack`]'s layout, so a block holds twelve pixels of
/// one panel and a narrower last panel (or a detector layer's odd channel
/// count) takes the same path under a lane mask.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{inside, DepthwisePlan, Filter, Shape, Window, PANEL};
    use std::arch::x86_64::*;

    /// Pixels a block of the matrix product holds, one register each.
    pub const ROWS: usize = 12;

    /// Whether the CPU has AVX-512F, unless `LIFECERT_NO_AVX512` is set:
    /// then the AVX2 kernels run, to measure what a CPU without it gets
    /// (docs/performance.md).
    pub fn available() -> bool {
        static YES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *YES.get_or_init(|| {
            is_x86_feature_detected!("avx512f") && std::env::var_os("LIFECERT_NO_AVX512").is_none()
        })
    }

    /// The first `n` of 16 lanes (all for 16 or more).
    fn lanes(n: usize) -> __mmask16 {
        if n >= 16 {
            0xffff
        } else {
            ((1u32 << n) - 1) as __mmask16
        }
    }

    /// # Safety
    /// Only where [`available`] says so; arguments as [`super::gemm_plain`] takes them.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gemm(a: &[f32], k: usize, w: &[f32], bias: &[f32], out: &mut [f32]) {
        let n = bias.len();
        let p = out.len() / n;
        // Every unchecked access below stays inside these.
        assert!(a.len() >= p * k && w.len() >= k * n && out.len() == p * n);
        let (ap, op) = (a.as_ptr(), out.as_mut_ptr());
        // SAFETY: rows i..min(i + ROWS, p) of a hold k values; panel co holds
        // k rows of min(16, n - co) weights, and the output rows n values.
        let one = |i: usize, co: usize| unsafe {
            let rows = (p - i).min(ROWS);
            let mut src = [ap; ROWS];
            for (r, s) in src.iter_mut().enumerate() {
                *s = ap.add((i + r.min(rows - 1)) * k);
            }
            let windows = Windows {
                src,
                runs: 1,
                len: k,
                stride: 0,
            };
            block(&windows, rows, w, bias, co, op.add(i * n))
        };
        // As the AVX2 kernel: large weights column blocks outside.
        if k * n > super::SMALL_WEIGHTS {
            for co in (0..n).step_by(PANEL) {
                for i in (0..p).step_by(ROWS) {
                    one(i, co);
                }
            }
        } else {
            for i in (0..p).step_by(ROWS) {
                for co in (0..n).step_by(PANEL) {
                    one(i, co);
                }
            }
        }
    }

    /// Where a block's pixels read their windows: pixel i's is `runs` runs
    /// of `len` values, `stride` apart, from `src[i]` (a gathered row is one
    /// run; a window read in place, one run per kernel row).
    struct Windows {
        src: [*const f32; ROWS],
        runs: usize,
        len: usize,
        stride: usize,
    }

    /// Up to [`ROWS`] output pixels' channels of the panel at `co`; as
    /// [`super::avx2`]'s block (fewer pixels repeat the last in `src` and
    /// store only theirs), with the panel's width under a mask.
    ///
    /// # Safety
    /// Each `src` points to a readable window, `op` to rows * n writable
    /// values, `w` is packed with a panel at `co` of runs * len rows.
    #[target_feature(enable = "avx512f")]
    unsafe fn block(win: &Windows, rows: usize, w: &[f32], bias: &[f32], co: usize, op: *mut f32) {
        let n = bias.len();
        let width = PANEL.min(n - co);
        let m = lanes(width);
        let k = win.runs * win.len;
        // SAFETY: as this function's contract; masked lanes are not touched.
        unsafe {
            let b = _mm512_maskz_loadu_ps(m, bias.as_ptr().add(co));
            let mut acc = [b; ROWS];
            let mut wr = w.as_ptr().add(co * k);
            for r in 0..win.runs {
                let run = r * win.stride;
                for c in run..run + win.len {
                    let wt = _mm512_maskz_loadu_ps(m, wr);
                    wr = wr.add(width);
                    for (a, s) in acc.iter_mut().zip(win.src) {
                        *a = _mm512_fmadd_ps(_mm512_set1_ps(*s.add(c)), wt, *a);
                    }
                }
            }
            for (r, &v) in acc.iter().enumerate().take(rows) {
                _mm512_mask_storeu_ps(op.add(r * n + co), m, v);
            }
        }
    }

    /// [`super::Direct`]: output pixels `xs` of row `oy`, each window read
    /// in the input as its kernel rows (runs of kx x cin values).
    ///
    /// # Safety
    /// Only where [`available`] says so; `oy` and `xs` inside the input
    /// (checked).
    #[target_feature(enable = "avx512f")]
    pub unsafe fn conv_row(
        x: &[f32],
        si: Shape,
        f: &Filter,
        out: &mut [f32],
        so: Shape,
        oy: usize,
        xs: std::ops::Range<usize>,
    ) {
        let win = &f.window;
        let n = f.bias.len();
        let span = win.k[1] * si.c;
        let (y_lo, y_hi) = inside(si.h, so.h, win.k[0], win.stride[0], win.pads[0]);
        let (x_lo, x_hi) = inside(si.w, so.w, win.k[1], win.stride[1], win.pads[1]);
        // Every window read below lies in x; the weights and outputs fit.
        assert!(
            (y_lo..y_hi).contains(&oy)
                && x_lo <= xs.start
                && xs.end <= x_hi
                && x.len() == si.len()
                && out.len() == so.len()
                && so.c == n
                && f.weights.len() == win.k[0] * span * n
        );
        let y0 = oy * win.stride[0] - win.pads[0];
        for ox in xs.clone().step_by(ROWS) {
            let rows = (xs.end - ox).min(ROWS);
            let mut src = [x.as_ptr(); ROWS];
            for (i, s) in src.iter_mut().enumerate() {
                let x0 = (ox + i.min(rows - 1)) * win.stride[1] - win.pads[1];
                // SAFETY: inside the input (asserted above).
                *s = unsafe { x.as_ptr().add((y0 * si.w + x0) * si.c) };
            }
            let windows = Windows {
                src,
                runs: win.k[0],
                len: span,
                stride: si.w * si.c,
            };
            for co in (0..n).step_by(PANEL) {
                // SAFETY: the windows lie in x, rows pixels of the output row.
                unsafe {
                    let op = out.as_mut_ptr().add((oy * so.w + ox) * n);
                    block(&windows, rows, &f.weights, &f.bias, co, op);
                }
            }
        }
    }

    /// # Safety
    /// As [`gemm`]; arguments as [`super::depthwise_plain`] takes them.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn depthwise(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
        let c = si.c;
        let win = &f.window;
        let plan = DepthwisePlan::new(x, si, f, out, so);
        let (n_taps, offset, (x_lo, x_hi)) = (plan.n_taps, plan.offset, plan.xs);
        for oy in 0..so.h {
            if !plan.edges(x, si, f, out, so, oy) {
                continue;
            }
            let y0 = oy * win.stride[0] - win.pads[0];
            for cb in (0..c).step_by(16) {
                let m = lanes(c - cb);
                if win.k == [3, 3] && win.stride[1] == 1 && m == lanes(16) {
                    // SAFETY: as below; whole registers of channels.
                    unsafe {
                        row_3x3(
                            x.as_ptr().add((y0 * si.w + x_lo - win.pads[1]) * c + cb),
                            si.w * c,
                            c,
                            f.weights.as_ptr().add(cb),
                            _mm512_loadu_ps(f.bias.as_ptr().add(cb)),
                            out.as_mut_ptr().add((oy * so.w + x_lo) * c + cb),
                            x_hi - x_lo,
                        )
                    };
                    continue;
                }
                // SAFETY: inside() keeps every window of x_lo..x_hi on this
                // row within the input; lanes past c are masked off.
                unsafe {
                    let b = _mm512_maskz_loadu_ps(m, f.bias.as_ptr().add(cb));
                    let wp = f.weights.as_ptr().add(cb);
                    let at = |ox: usize| {
                        let x0 = ox * win.stride[1] - win.pads[1];
                        x.as_ptr().add((y0 * si.w + x0) * c + cb)
                    };
                    let op = out.as_mut_ptr().add(oy * so.w * c + cb);
                    let store = |ox: usize, v: __m512| _mm512_mask_storeu_ps(op.add(ox * c), m, v);
                    // Four pixels at a time, four independent sums.
                    let mut ox = x_lo;
                    while ox + 4 <= x_hi {
                        let (p0, p1, p2, p3) = (at(ox), at(ox + 1), at(ox + 2), at(ox + 3));
                        let (mut a0, mut a1, mut a2, mut a3) = (b, b, b, b);
                        for (t, &off) in offset[..n_taps].iter().enumerate() {
                            let wt = _mm512_maskz_loadu_ps(m, wp.add(t * c));
                            a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p0.add(off)), wt, a0);
                            a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p1.add(off)), wt, a1);
                            a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p2.add(off)), wt, a2);
                            a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p3.add(off)), wt, a3);
                        }
                        store(ox, a0);
                        store(ox + 1, a1);
                        store(ox + 2, a2);
                        store(ox + 3, a3);
                        ox += 4;
                    }
                    for ox in ox..x_hi {
                        let p0 = at(ox);
                        let mut acc = b;
                        for (t, &off) in offset[..n_taps].iter().enumerate() {
                            let wt = _mm512_maskz_loadu_ps(m, wp.add(t * c));
                            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p0.add(off)), wt, acc);
                        }
                        store(ox, acc);
                    }
                }
            }
        }
    }

    /// [`super::add_prelu`], vectorised for AVX-512.
    ///
    /// # Safety
    /// Only where [`available`] says so.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn add_prelu(v: &mut [f32], c: usize, add: Option<&[f32]>, slope: Option<&[f32]>) {
        super::add_prelu_plain(v, c, add, slope)
    }

    /// [`super::max_pool`], vectorised for AVX-512.
    ///
    /// # Safety
    /// Only where [`available`] says so.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn max_pool(x: &[f32], si: Shape, w: &Window, out: &mut [f32], so: Shape) {
        let c = si.c;
        let pairs = w.k == [2, 2] && w.stride == [2, 2] && w.pads == [0; 4];
        if !(pairs && c.is_multiple_of(16) && so.c == c && 2 * so.h <= si.h && 2 * so.w <= si.w) {
            return super::max_pool_plain(x, si, w, out, so);
        }
        // Every read below lies in x, every write in out.
        assert!(x.len() == si.len() && out.len() == so.len());
        let line = si.w * c;
        for oy in 0..so.h {
            for ox in 0..so.w {
                for cb in (0..c).step_by(16) {
                    // SAFETY: rows 2 oy + 1 < si.h, columns 2 ox + 1 < si.w,
                    // channels cb + 16 <= c (checked above).
                    unsafe {
                        let p = x.as_ptr().add((2 * oy * si.w + 2 * ox) * c + cb);
                        let top = _mm512_max_ps(_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(c)));
                        let q = p.add(line);
                        let bottom = _mm512_max_ps(_mm512_loadu_ps(q), _mm512_loadu_ps(q.add(c)));
                        let o = out.as_mut_ptr().add((oy * so.w + ox) * c + cb);
                        _mm512_storeu_ps(o, _mm512_max_ps(top, bottom));
                    }
                }
            }
        }
    }

    /// `count` outputs of a 3x3 depthwise row of stride 1, 16 channels (the
    /// mesh's 96x96 and 48x48 layers): eight pixels at a time, each kernel
    /// row's ten input pixels loaded once for the 24 products that share
    /// them, the nine weights in registers. `src` is the first output's
    /// window's top-left pixel, `line` the floats from one input row to the
    /// next, `c` from one pixel to the next; tap t's weights at `wp + t c`.
    ///
    /// # Safety
    /// Every window read lies in the input; `op` holds `count` pixels.
    #[target_feature(enable = "avx512f")]
    unsafe fn row_3x3(
        src: *const f32,
        line: usize,
        c: usize,
        wp: *const f32,
        b: __m512,
        op: *mut f32,
        count: usize,
    ) {
        // SAFETY: as this function's contract.
        unsafe {
            let mut w = [b; 9];
            for (t, w) in w.iter_mut().enumerate() {
                *w = _mm512_loadu_ps(wp.add(t * c));
            }
            let mut ox = 0;
            while ox + 8 <= count {
                let mut acc = [b; 8];
                for ky in 0..3 {
                    let r = src.add(ky * line + ox * c);
                    let mut v = [b; 10];
                    for (i, v) in v.iter_mut().enumerate() {
                        *v = _mm512_loadu_ps(r.add(i * c));
                    }
                    for (j, a) in acc.iter_mut().enumerate() {
                        for kx in 0..3 {
                            *a = _mm512_fmadd_ps(v[j + kx], w[ky * 3 + kx], *a);
                        }
                    }
                }
                for (j, &a) in acc.iter().enumerate() {
                    _mm512_storeu_ps(op.add((ox + j) * c), a);
                }
                ox += 8;
            }
            for ox in ox..count {
                let mut a = b;
                for ky in 0..3 {
                    for kx in 0..3 {
                        let v = _mm512_loadu_ps(src.add(ky * line + (ox + kx) * c));
                        a = _mm512_fmadd_ps(v, w[ky * 3 + kx], a);
                    }
                }
                _mm512_storeu_ps(op.add(ox * c), a);
            }
        }
    }
}

fn depthwise(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has AVX-512F; the arguments are the layer's own.
        return unsafe { avx512::depthwise(x, si, f, out, so) };
    }
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: the CPU has AVX2 and FMA; the arguments are the layer's own.
        return unsafe { avx2::depthwise(x, si, f, out, so) };
    }
    depthwise_plain(x, si, f, out, so)
}

fn max_pool(x: &[f32], si: Shape, w: &Window, out: &mut [f32], so: Shape) {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has AVX-512F.
        return unsafe { avx512::max_pool(x, si, w, out, so) };
    }
    max_pool_plain(x, si, w, out, so)
}

/// [`max_pool`]'s loops, inlined as [`add_prelu_plain`]'s are.
#[inline(always)]
fn max_pool_plain(x: &[f32], si: Shape, w: &Window, out: &mut [f32], so: Shape) {
    let c = si.c;
    if w.k == [2, 2] && w.stride == [2, 2] && w.pads == [0; 4] {
        // The mesh's only pooling: four pixels, two rows, no edges.
        for oy in 0..so.h {
            for ox in 0..so.w {
                let o = &mut out[(oy * so.w + ox) * c..][..c];
                let at = |dy: usize, dx: usize| &x[((2 * oy + dy) * si.w + 2 * ox + dx) * c..][..c];
                let (a, b, d, e) = (at(0, 0), at(0, 1), at(1, 0), at(1, 1));
                for (i, o) in o.iter_mut().enumerate() {
                    *o = a[i].max(b[i]).max(d[i].max(e[i]));
                }
            }
        }
        return;
    }
    each_position(si, w, so, |at, taps| {
        let o = &mut out[at * c..][..c];
        o.fill(f32::NEG_INFINITY);
        for &(_, p) in taps {
            for (o, &v) in o.iter_mut().zip(&x[p * c..][..c]) {
                *o = o.max(v);
            }
        }
    });
}

fn attr<'a>(node: &'a Node, name: &str) -> Option<&'a onnx::Attribute> {
    node.attributes.iter().find(|a| a.name == name)
}

fn int_attr(node: &Node, name: &str) -> Option<i64> {
    attr(node, name).map(|a| a.i)
}

/// Kernel, strides and pads of a Conv or MaxPool (auto_pad: none, VALID or
/// SAME_UPPER).
fn window(node: &Node, k: [usize; 2], input: Shape) -> Result<Window, FaceError> {
    if k[0].saturating_mul(k[1]) > MAX_TAPS {
        return Err(load_error!("{}: kernel {k:?} larger than 7x7", node.name));
    }
    let auto = attr(node, "auto_pad")
        .map(|a| a.s.as_slice())
        .unwrap_or_default();
    if !matches!(auto, b"" | b"NOTSET" | b"VALID" | b"SAME_UPPER") {
        return Err(load_error!("{}: auto_pad {auto:?}", node.name));
    }
    let ints = |name: &str, default: &[i64], zero: bool| -> Result<Vec<usize>, FaceError> {
        attr(node, name)
            .map(|a| a.ints.clone())
            .unwrap_or_else(|| default.to_vec())
            .iter()
            .map(|&v| size(v, zero, &format!("{} {name}", node.name)))
            .collect()
    };
    let stride = ints("strides", &[1, 1], false)?;
    let pads = match (auto, &stride[..]) {
        // TensorFlow's SAME: as many outputs as input / stride, the extra
        // padding after (the detector's pooling; none when the stride divides).
        (b"SAME_UPPER", &[sy, sx]) if attr(node, "pads").is_none() => {
            let total =
                |n: usize, k: usize, s: usize| ((n.div_ceil(s) - 1) * s + k).saturating_sub(n);
            let (ty, tx) = (total(input.h, k[0], sy), total(input.w, k[1], sx));
            vec![ty / 2, tx / 2, ty - ty / 2, tx - tx / 2]
        }
        (b"SAME_UPPER", _) => return Err(load_error!("{}: SAME_UPPER with pads", node.name)),
        _ => ints("pads", &[0, 0, 0, 0], true)?,
    };
    match (&stride[..], &pads[..]) {
        (&[sy, sx], &[t, l, b, r]) => Ok(Window {
            k,
            stride: [sy, sx],
            pads: [t, l, b, r],
        }),
        _ => Err(load_error!(
            "{}: strides {stride:?} pads {pads:?}",
            node.name
        )),
    }
}

fn tensor_dims(v: &onnx::Input) -> Result<Vec<usize>, FaceError> {
    v.dims
        .as_ref()
        .ok_or(load_error!("input {}: no shape", v.name))?
        .iter()
        .map(|d| match d {
            Some(n) => size(*n, false, &v.name),
            None => Err(load_error!("input {}: dynamic shape", v.name)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::model::Which;
    use crate::face::reference::Model;

    /// A smooth deterministic NCHW input, values around the feature map's.
    fn input(shape: [usize; 4]) -> Vec<f32> {
        (0..shape.iter().product())
            .map(|i| 1.5 * ((i % 89) as f32 * 0.41 + (i / 257) as f32 * 0.13).sin())
            .collect()
    }

    #[test]
    fn every_network_gives_what_tract_gives_on_the_same_onnx() {
        for which in [
            Which::Detector,
            Which::Attention,
            Which::AttentionLeftEye,
            Which::AttentionRightEye,
            Which::AttentionLips,
        ] {
            let shape = which.input_shape();
            let nchw = input(shape);
            let mut tract = Model::load(which).unwrap();
            tract.input_mut().copy_from_slice(&nchw);
            let want = tract.run().unwrap();

            let mut ours = ConvNet::load(which.onnx()).unwrap();
            assert_eq!(ours.input_shape(), [shape[2], shape[3], shape[1]]);
            let (c, hw) = (shape[1], shape[2] * shape[3]);
            for (p, px) in ours.input_mut().chunks_exact_mut(c).enumerate() {
                for (ch, v) in px.iter_mut().enumerate() {
                    *v = nchw[ch * hw + p];
                }
            }
            let shapes: Vec<Shape> = ours.outputs.iter().map(|&o| ours.shapes[o]).collect();
            let got = ours.run();
            assert_eq!(got.len(), want.len(), "{which:?}");
            for ((g, w), s) in got.iter().zip(&want).zip(shapes) {
                assert_eq!(g.len(), w.len(), "{which:?}");
                let scale = w.iter().fold(1f32, |m, v| m.max(v.abs()));
                // Ours is HWC, tract's NCHW (the backbone's feature map is
                // 48x48x32), except rows ([1, N, K]: the detector's boxes and
                // scores), which are in the same order in both.
                let diff = g.iter().enumerate().fold(0f32, |m, (i, a)| {
                    let (p, ch) = (i / s.c, i % s.c);
                    let at = if s.h == 1 { i } else { ch * s.h * s.w + p };
                    m.max((a - w[at]).abs())
                });
                assert!(
                    diff <= 2e-5 * scale,
                    "{which:?}: off by {diff} (scale {scale})"
                );
                assert!(
                    w.iter().any(|v| v.abs() > 1e-3),
                    "{which:?}: a dead output proves nothing"
                );
            }
        }
    }

    fn wave(n: usize, f: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * f).sin()).collect()
    }

    fn assert_close(plain: &[f32], simd: &[f32], tolerance: f32) {
        assert_eq!(plain.len(), simd.len());
        for (p, f) in plain.iter().zip(simd) {
            assert!((p - f).abs() < tolerance, "{p} against {f}");
        }
    }

    /// Every SIMD kernel set for dense layers this CPU runs, each by name
    /// (the dispatcher picks one; the others must agree too, for CPUs
    /// without it): a matrix product, and maybe a direct kernel.
    fn simd_convs() -> Vec<(&'static str, Gemm, Option<Direct>)> {
        #[allow(unused_mut)]
        let mut all: Vec<(&str, Gemm, Option<Direct>)> = vec![("dispatched", gemm, direct())];
        #[cfg(target_arch = "x86_64")]
        {
            if avx2::available() {
                // SAFETY: the CPU has AVX2 and FMA.
                let g: Gemm = |a, k, w, b, o| unsafe { avx2::gemm(a, k, w, b, o) };
                all.push(("avx2", g, None));
            }
            if avx512::available() {
                // SAFETY: the CPU has AVX-512F.
                let g: Gemm = |a, k, w, b, o| unsafe { avx512::gemm(a, k, w, b, o) };
                all.push(("avx512, gathered", g, None));
                all.push(("avx512, direct", g, direct()));
            }
        }
        all
    }

    type Depthwise = fn(&[f32], Shape, &Filter, &mut [f32], Shape);

    /// As [`simd_convs`], for depthwise layers.
    fn simd_depthwises() -> Vec<(&'static str, Depthwise)> {
        #[allow(unused_mut)]
        let mut all: Vec<(&str, Depthwise)> = vec![("dispatched", depthwise)];
        #[cfg(target_arch = "x86_64")]
        {
            if avx2::available() {
                // SAFETY: the CPU has AVX2 and FMA.
                all.push(("avx2", |x, si, f, o, so| unsafe {
                    avx2::depthwise(x, si, f, o, so)
                }));
            }
            if avx512::available() {
                // SAFETY: the CPU has AVX-512F.
                all.push(("avx512", |x, si, f, o, so| unsafe {
                    avx512::depthwise(x, si, f, o, so)
                }));
            }
        }
        all
    }

    /// Each SIMD product against the plain one on the same convolution.
    fn all_gemms_agree(x: &[f32], si: Shape, f: &Filter, so: Shape, plain: &[f32]) {
        let mut rows = Vec::new();
        for (name, g, direct) in simd_convs() {
            let mut simd = vec![f32::NAN; so.len()];
            conv(x, si, f, &mut simd, so, &mut rows, g, direct);
            eprintln!("{name}");
            assert_close(plain, &simd, 1e-4);
        }
    }

    #[test]
    fn plain_and_simd_dense_kernels_agree_on_padded_strided_and_1x1_layers_with_tails() {
        let si = Shape { h: 7, w: 29, c: 20 };
        let window = Window {
            k: [3, 3],
            stride: [2, 2],
            pads: [0, 1, 1, 1],
        };
        let x = wave(si.len(), 0.37);
        // 45 output pixels, gathered in four chunks (12, 12, 12 and 9: whole
        // and short blocks of both SIMD kernels), rows of 13 pixels inside
        // the input (direct: a block of 12 and one) between two on the
        // edges; 37 channels (two blocks of 16 and a tail of 5).
        let so = window.output(si, 37).unwrap();
        assert_eq!((so.h, so.w), (3, 15));
        let (weights, bias) = (wave(9 * si.c * so.c, 0.11), wave(so.c, 0.7));
        let dense = Filter {
            window,
            weights: pack(9 * si.c, so.c, |r, o| weights[r * so.c + o]).into(),
            bias: bias.clone(),
        };
        let mut rows = Vec::new();
        let mut plain = vec![0.0; so.len()];
        conv(&x, si, &dense, &mut plain, so, &mut rows, gemm_plain, None);
        // The plain kernel against the definition, one output by hand.
        let (oy, ox, o) = (1, 2, 35);
        let mut want = bias[o];
        for ky in 0..3 {
            for kx in 0..3 {
                let (y, x_) = (oy * 2 + ky, (ox * 2 + kx) as isize - 1);
                if y < si.h && (0..si.w as isize).contains(&x_) {
                    for ci in 0..si.c {
                        want += x[(y * si.w + x_ as usize) * si.c + ci]
                            * weights[((ky * 3 + kx) * si.c + ci) * so.c + o];
                    }
                }
            }
        }
        assert!((plain[(oy * so.w + ox) * so.c + o] - want).abs() < 1e-4);
        all_gemms_agree(&x, si, &dense, so, &plain);

        // 1x1: the input is the matrix; 203 pixels, 32 channels.
        let one = Window {
            k: [1, 1],
            stride: [1, 1],
            pads: [0; 4],
        };
        let so = one.output(si, 32).unwrap();
        let weights = wave(si.c * so.c, 0.19);
        let pointwise = Filter {
            window: one,
            weights: pack(si.c, so.c, |r, o| weights[r * so.c + o]).into(),
            bias: wave(so.c, 0.3),
        };
        let mut plain = vec![0.0; so.len()];
        conv(
            &x, si, &pointwise, &mut plain, so, &mut rows, gemm_plain, None,
        );
        let (p, o) = (41, 17);
        let want = (0..si.c).fold(pointwise.bias[o], |sum, ci| {
            sum + x[p * si.c + ci] * weights[ci * so.c + o]
        });
        assert!((plain[p * so.c + o] - want).abs() < 1e-4);
        all_gemms_agree(&x, si, &pointwise, so, &plain);

        // Weights past SMALL_WEIGHTS (column blocks outside, larger chunks):
        // 3x3 over 4x4x64 to 150 channels, 16 pixels (two blocks and four
        // left over, through a short block) and a tail of 6 channels.
        let si = Shape { h: 4, w: 4, c: 64 };
        let same = Window {
            k: [3, 3],
            stride: [1, 1],
            pads: [1; 4],
        };
        let so = same.output(si, 150).unwrap();
        assert!(9 * si.c * so.c > SMALL_WEIGHTS);
        let big = Filter {
            window: same,
            weights: {
                let w = wave(9 * si.c * so.c, 0.13);
                pack(9 * si.c, so.c, |r, o| w[r * so.c + o]).into()
            },
            bias: wave(so.c, 0.5),
        };
        let x = wave(si.len(), 0.29);
        let mut plain = vec![0.0; so.len()];
        conv(&x, si, &big, &mut plain, so, &mut rows, gemm_plain, None);
        all_gemms_agree(&x, si, &big, so, &plain);
    }

    #[test]
    fn plain_and_simd_depthwise_kernels_agree_inside_and_on_the_edges() {
        // Widths where a row's inside is whole blocks of pixels (four, and
        // the 3x3 rows' eight), and blocks with pixels left over (13: 11
        // inner positions; 21: 19), channels in whole registers and not.
        for (c, stride, pads, w) in [
            (20, 2, [0, 1, 1, 1], 10),
            (16, 1, [1, 1, 1, 1], 10),
            (16, 2, [0, 0, 1, 1], 10),
            (24, 2, [1, 1, 1, 1], 10),
            (16, 1, [1, 1, 1, 1], 13),
            (32, 1, [1, 1, 1, 1], 21),
        ] {
            let si = Shape { h: 9, w, c };
            let window = Window {
                k: [3, 3],
                stride: [stride; 2],
                pads,
            };
            let x = wave(si.len(), 0.37);
            let so = window.output(si, c).unwrap();
            let dw = Filter {
                window,
                weights: wave(9 * c, 0.23).into(),
                bias: wave(c, 0.7),
            };
            let mut plain = vec![0.0; so.len()];
            depthwise_plain(&x, si, &dw, &mut plain, so);
            // One inner output by hand.
            let (oy, ox, ch) = (2, 2, c - 1);
            let mut want = dw.bias[ch];
            for ky in 0..3 {
                for kx in 0..3 {
                    let (y, x_) = (oy * stride + ky - pads[0], ox * stride + kx - pads[1]);
                    want += x[(y * si.w + x_) * c + ch] * dw.weights[(ky * 3 + kx) * c + ch];
                }
            }
            assert!(
                (plain[(oy * so.w + ox) * c + ch] - want).abs() < 1e-5,
                "{c} {stride}"
            );
            for (name, dw_simd) in simd_depthwises() {
                let mut simd = vec![f32::NAN; so.len()];
                dw_simd(&x, si, &dw, &mut simd, so);
                eprintln!("{name}: {c} channels, stride {stride}, width {w}");
                assert_close(&plain, &simd, 1e-5);
            }
        }
    }

    #[test]
    fn a_broken_head_is_refused_at_load_without_a_panic() {
        let good = onnx::parse(Which::AttentionLeftEye.onnx()).unwrap();
        assert!(ConvNet::from_graph(&good).is_ok());
        let broken = |change: &dyn Fn(&mut Graph)| {
            let mut graph = good.clone();
            change(&mut graph);
            ConvNet::from_graph(&graph)
                .err()
                .expect("refused")
                .to_string()
        };
        let ints = |node: &mut Node, name: &str, v: Vec<i64>| {
            attribute(node, name).ints = v;
        };
        let e = broken(&|g| ints(&mut g.nodes[0], "strides", vec![0, 0]));
        assert!(e.contains("strides: 0 out of range"), "{e}");
        let e = broken(&|g| ints(&mut g.nodes[0], "pads", vec![-1, 1, 1, 1]));
        assert!(e.contains("pads: -1 out of range"), "{e}");
        let e = broken(&|g| g.nodes[2].inputs.truncate(1));
        assert!(e.contains("no input 1"), "{e}");
        // The first convolution's weights, one row short.
        let e = broken(&|g| {
            let w = g.nodes[0].inputs[1].clone();
            let t = g.initializers.iter_mut().find(|t| t.name == w).unwrap();
            match &mut t.data {
                onnx::Data::Raw(b) => *b = &b[..b.len() - 4 * 9],
                onnx::Data::Floats(v) => v.truncate(v.len() - 9),
                onnx::Data::Ints(_) => unreachable!("float weights"),
            }
        });
        assert!(e.contains("not float32 values of its shape"), "{e}");
        let e = broken(&|g| g.outputs.clear());
        assert!(e.contains("outputs must be"), "{e}");
    }

    #[test]
    fn filters_are_packed_from_the_file_as_the_matrix_would_be() {
        // 37 outputs: two full panels and a tail of five.
        let [cout, cin, kh, kw] = [37, 5, 3, 2];
        let w = wave(cout * cin * kh * kw, 0.29);
        let bytes: Vec<u8> = w.iter().flat_map(|v| v.to_le_bytes()).collect();
        let at = |r: usize, o: usize| {
            // Row r = (ky, kx, ci) of the [ky][kx][cin][cout] matrix.
            let (yx, i) = (r / cin, r % cin);
            w[((o * cin + i) * kh + yx / kw) * kw + yx % kw]
        };
        let want = pack(kh * kw * cin, cout, at);
        assert_eq!(*pack_filters(Floats::Values(&w), [cout, cin, kh, kw]), want);
        assert_eq!(
            *pack_filters(Floats::Raw(&bytes), [cout, cin, kh, kw]),
            want
        );
    }

    fn attribute<'a>(node: &'a mut Node, name: &str) -> &'a mut onnx::Attribute {
        node.attributes.iter_mut().find(|a| a.name == name).unwrap()
    }

    #[test]
    fn a_layer_it_does_not_know_is_refused_at_load() {
        let good = onnx::parse(Which::Detector.onnx()).unwrap();
        assert!(ConvNet::from_graph(&good).is_ok());
        let refused = |change: &dyn Fn(&mut Node), op: &str| {
            let mut graph = good.clone();
            change(graph.nodes.iter_mut().find(|n| n.op_type == op).unwrap());
            let err = ConvNet::from_graph(&graph).err().expect("refused");
            match err {
                FaceError::Load(d) => d,
                other => panic!("{other}"),
            }
        };
        let e = refused(&|n| n.op_type = "Resize".into(), "Relu");
        assert!(e.contains("operator Resize is not supported"), "{e}");
        // A transpose to anything but NHWC would reorder the values.
        let e = refused(
            &|n| attribute(n, "perm").ints = vec![0, 3, 1, 2],
            "Transpose",
        );
        assert!(e.contains("perm [0, 3, 1, 2]"), "{e}");
        // Padding that is not TensorFlow's SAME after the values.
        let e = refused(
            &|n| attribute(n, "auto_pad").s = b"SAME_LOWER".to_vec(),
            "MaxPool",
        );
        assert!(e.contains("auto_pad"), "{e}");
        assert!(ConvNet::load(b"not a model").is_err());
    }
}
