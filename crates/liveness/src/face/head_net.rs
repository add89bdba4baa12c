//! Runs the attention mesh's small heads (eyes, lips) without tract.
//!
//! Each head is a few million multiply-adds on a 16x16x32 patch, too little
//! work to hide a general runtime's per-layer cost: on x86 tract has no
//! vectorised depthwise kernel, and its depthwise layers cost a fixed ~50 µs
//! each whatever their size, about half of a head's 1.2 ms
//! (docs/performance.md, "Eye heads"). The heads use five layer kinds only
//! (convolution, depthwise or dense; PReLU; addition; 2x2 max pooling;
//! zero channel padding), so this module reads them straight from the
//! `.onnx` file and runs them channel-last, where every inner loop walks
//! contiguous channels and compiles to SIMD. Anything else in a graph is an
//! error at load, never a silent difference; the tests compare every head
//! with tract's output.

use super::error::{load_error, FaceError};
use super::model::float_values;
use tract_onnx::pb;
use tract_onnx::prelude::Framework;

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
    weights: Vec<f32>,
    bias: Vec<f32>,
}

#[derive(Debug)]
enum Op {
    /// Weights `[ky][kx][cin][cout]`.
    Conv(Filter),
    /// Weights `[ky][kx][c]`.
    Depthwise(Filter),
    PRelu(Vec<f32>),
    /// Adds the second input.
    Add,
    MaxPool(Window),
    /// Zero channels appended after the input's.
    PadChannels,
}

#[derive(Debug)]
struct Layer {
    op: Op,
    inputs: Vec<usize>,
    output: usize,
}

/// One head, ready to run, with its own buffers.
pub struct HeadNet {
    layers: Vec<Layer>,
    shapes: Vec<Shape>,
    /// One buffer per tensor; 0 is the input.
    values: Vec<Vec<f32>>,
    outputs: Vec<usize>,
}

impl HeadNet {
    /// Reads `onnx` (one NCHW input of batch 1, static shape).
    pub fn load(onnx: &[u8]) -> Result<Self, FaceError> {
        let proto = tract_onnx::onnx()
            .proto_model_for_read(&mut &*onnx)
            .map_err(|e| load_error!("{e:#}"))?;
        Self::from_proto(&proto)
    }

    fn from_proto(proto: &pb::ModelProto) -> Result<Self, FaceError> {
        let graph = proto
            .graph
            .as_ref()
            .ok_or(load_error!("model without a graph"))?;
        let initializer = |name: &str| graph.initializer.iter().find(|t| t.name == name);
        let mut names: Vec<String> = Vec::new();
        let mut shapes = Vec::new();
        let input = graph
            .input
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

        let mut layers = Vec::new();
        for node in &graph.node {
            let id = |name: &String| {
                names.iter().position(|n| n == name).ok_or_else(|| {
                    load_error!("{}: input {name} is not computed before", node.name)
                })
            };
            let input = |i: usize| {
                node.input
                    .get(i)
                    .ok_or_else(|| load_error!("{}: no input {i}", node.name))
            };
            let first = id(input(0)?)?;
            let shape = shapes[first];
            let weight = |i: usize| -> Result<(Vec<f32>, Vec<usize>), FaceError> {
                let name = node
                    .input
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
                    float_values(t)
                        .ok_or(load_error!("{name}: not float32 values of its shape"))?,
                    dims,
                ))
            };
            let (op, inputs, out_shape) = match node.op_type.as_str() {
                "Conv" => {
                    let (w, wd) = weight(1)?;
                    let [cout, cin_g, kh, kw] = wd[..] else {
                        return Err(load_error!("{}: weights {wd:?}", node.name));
                    };
                    let bias = match node.input.len() {
                        2 => vec![0.0; cout],
                        _ => weight(2)?.0,
                    };
                    if bias.len() != cout {
                        return Err(load_error!("{}: {} biases", node.name, bias.len()));
                    }
                    if w.len() != cout * cin_g * kh * kw {
                        return Err(load_error!("{}: {} weights for {wd:?}", node.name, w.len()));
                    }
                    let window = window(node, [kh, kw])?;
                    let group = size(int_attr(node, "group").unwrap_or(1), false, "group")?;
                    let out = window.output(shape, cout)?;
                    if attr(node, "dilations").is_some_and(|a| a.ints.iter().any(|&d| d != 1)) {
                        return Err(load_error!("{}: dilated convolution", node.name));
                    }
                    let op = if group == 1 && cin_g == shape.c {
                        // [cout][cin][ky][kx] -> [ky][kx][cin][cout]
                        let mut t = vec![0.0; w.len()];
                        for o in 0..cout {
                            for i in 0..cin_g {
                                for y in 0..kh {
                                    for x in 0..kw {
                                        t[((y * kw + x) * cin_g + i) * cout + o] =
                                            w[((o * cin_g + i) * kh + y) * kw + x];
                                    }
                                }
                            }
                        }
                        Op::Conv(Filter {
                            window,
                            weights: t,
                            bias,
                        })
                    } else if group == shape.c && cout == shape.c && cin_g == 1 {
                        // [c][1][ky][kx] -> [ky][kx][c]
                        let mut t = vec![0.0; w.len()];
                        for ch in 0..cout {
                            for k in 0..kh * kw {
                                t[k * cout + ch] = w[ch * kh * kw + k];
                            }
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
                        1 => vec![slope[0]; shape.c],
                        n if n == shape.c => slope,
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
                    let window = window(node, kernel)?;
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
                    // Only zeros after the channels: pads [n, c, h, w] begin, then end.
                    let pads = node
                        .input
                        .get(1)
                        .and_then(|n| initializer(n))
                        .map(ints)
                        .ok_or(load_error!("{}: pads are not a constant", node.name))?;
                    let mode = attr(node, "mode").map(|a| a.s.clone()).unwrap_or_default();
                    let value = node.input.get(2).filter(|n| !n.is_empty());
                    if node.input.get(3).is_some_and(|n| !n.is_empty()) {
                        return Err(load_error!("{}: pads on chosen axes", node.name));
                    }
                    match pads[..] {
                        [0, 0, 0, 0, 0, extra, 0, 0]
                            if (mode.is_empty() || mode == b"constant") && value.is_none() =>
                        {
                            let out = Shape {
                                c: shape.c + size(extra, true, "channel padding")?,
                                ..shape
                            };
                            (Op::PadChannels, vec![first], out)
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
            let [output] = &node.output[..] else {
                return Err(load_error!("{}: {} outputs", node.name, node.output.len()));
            };
            if names.contains(output) {
                return Err(load_error!("{}: {output} is computed twice", node.name));
            }
            names.push(output.clone());
            shapes.push(out_shape);
            layers.push(Layer {
                op,
                inputs,
                output: names.len() - 1,
            });
        }
        let outputs = graph
            .output
            .iter()
            .map(|o| {
                names
                    .iter()
                    .position(|n| *n == o.name)
                    .ok_or(load_error!("output {} is not computed", o.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Outputs are handed out as stored (HWC), which is ONNX's order only at 1x1.
        if outputs.is_empty() || outputs.iter().any(|&o| shapes[o].h * shapes[o].w != 1) {
            return Err(load_error!("outputs must be one or more 1x1 tensors"));
        }
        Ok(HeadNet {
            values: shapes.iter().map(|s| vec![0.0; s.len()]).collect(),
            layers,
            shapes,
            outputs,
        })
    }

    /// The input, HWC (channels innermost), to fill before [`HeadNet::run`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        &mut self.values[0]
    }

    /// The input's (height, width, channels).
    pub fn input_shape(&self) -> [usize; 3] {
        let s = self.shapes[0];
        [s.h, s.w, s.c]
    }

    /// Runs the head; outputs in the model's order, each HWC (for the heads'
    /// 1x1 outputs the same order as ONNX's NCHW).
    pub fn run(&mut self) -> Vec<&[f32]> {
        for layer in &self.layers {
            // The output never aliases an input: every tensor has its own buffer.
            let mut out = std::mem::take(&mut self.values[layer.output]);
            let x = &self.values[layer.inputs[0]];
            let (si, so) = (self.shapes[layer.inputs[0]], self.shapes[layer.output]);
            match &layer.op {
                Op::Conv(f) => conv(x, si, f, &mut out, so),
                Op::Depthwise(f) => depthwise(x, si, f, &mut out, so),
                Op::PRelu(slope) => {
                    for (o, px) in out.chunks_exact_mut(si.c).zip(x.chunks_exact(si.c)) {
                        for ((o, &v), &s) in o.iter_mut().zip(px).zip(slope) {
                            *o = if v < 0.0 { v * s } else { v };
                        }
                    }
                }
                Op::Add => {
                    let y = &self.values[layer.inputs[1]];
                    for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                        *o = a + b;
                    }
                }
                Op::MaxPool(window) => max_pool(x, si, window, &mut out, so),
                Op::PadChannels => {
                    for (o, px) in out.chunks_exact_mut(so.c).zip(x.chunks_exact(si.c)) {
                        o[..si.c].copy_from_slice(px);
                        o[si.c..].fill(0.0);
                    }
                }
            }
            self.values[layer.output] = out;
        }
        self.outputs.iter().map(|&i| &self.values[i][..]).collect()
    }
}

/// The input pixels a window position reads, as (tap index, input pixel),
/// skipping taps in the padding (zeros for convolutions). Returns how many
/// of `list` it filled (kernels are at most [`MAX_TAPS`] taps, checked at load).
fn taps(si: Shape, w: &Window, oy: usize, ox: usize, list: &mut [(usize, usize); 16]) -> usize {
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

/// Kernels are checked at load to fit [`taps`]' list.
const MAX_TAPS: usize = 16;

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

/// Plain kernels: the definition, and what runs where [`avx2`] cannot
/// (phones are aarch64, where these loops vectorise to NEON).
fn conv_plain(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
    let (cin, cout) = (si.c, so.c);
    each_position(si, &f.window, so, |at, taps| {
        let o = &mut out[at * cout..][..cout];
        o.copy_from_slice(&f.bias);
        for &(k, p) in taps {
            let px = &x[p * cin..][..cin];
            let kw = &f.weights[k * cin * cout..][..cin * cout];
            for (&v, row) in px.iter().zip(kw.chunks_exact(cout)) {
                for (o, &wt) in o.iter_mut().zip(row) {
                    *o += v * wt;
                }
            }
        }
    });
}

fn depthwise_plain(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
    let c = si.c;
    each_position(si, &f.window, so, |at, taps| {
        let o = &mut out[at * c..][..c];
        o.copy_from_slice(&f.bias);
        for &(k, p) in taps {
            let px = &x[p * c..][..c];
            let kw = &f.weights[k * c..][..c];
            for ((o, &v), &wt) in o.iter_mut().zip(px).zip(kw) {
                *o += v * wt;
            }
        }
    });
}

/// AVX2 + FMA kernels for x86, chosen at run time: eight channels a
/// register; a dense convolution sums sixteen output channels in two
/// registers across all its inputs and taps before storing them.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{each_position, Filter, Shape};
    use std::arch::x86_64::*;

    pub fn available() -> bool {
        static YES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *YES.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
    }

    /// # Safety
    /// Only where [`available`] says so; arguments as [`super::conv_plain`] takes them.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn conv(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
        let (cin, cout) = (si.c, so.c);
        let bias = &f.bias[..];
        // The unchecked loads below read bias[..cout].
        assert_eq!(bias.len(), cout);
        let done = cout / 16 * 16;
        each_position(si, &f.window, so, |at, taps| {
            let o = &mut out[at * cout..][..cout];
            for at in (0..done).step_by(16) {
                // SAFETY: at + 16 <= cout, and bias, o and every weight
                // row (cout values, from a checked slice) hold cout values.
                unsafe {
                    let mut a0 = _mm256_loadu_ps(bias.as_ptr().add(at));
                    let mut a1 = _mm256_loadu_ps(bias.as_ptr().add(at + 8));
                    for &(k, p) in taps {
                        let px = &x[p * cin..][..cin];
                        let kw = &f.weights[k * cin * cout..][..cin * cout];
                        for (&v, row) in px.iter().zip(kw.chunks_exact(cout)) {
                            let row = row.as_ptr().add(at);
                            let v = _mm256_set1_ps(v);
                            a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(row), a0);
                            a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(row.add(8)), a1);
                        }
                    }
                    _mm256_storeu_ps(o.as_mut_ptr().add(at), a0);
                    _mm256_storeu_ps(o.as_mut_ptr().add(at + 8), a1);
                }
            }
            // The last cout % 16 channels.
            if done == cout {
                return;
            }
            let tail = &mut o[done..];
            tail.copy_from_slice(&bias[done..]);
            for &(k, p) in taps {
                let px = &x[p * cin..][..cin];
                let kw = &f.weights[k * cin * cout..][..cin * cout];
                for (&v, row) in px.iter().zip(kw.chunks_exact(cout)) {
                    for (o, &wt) in tail.iter_mut().zip(&row[done..]) {
                        *o = v.mul_add(wt, *o);
                    }
                }
            }
        });
    }

    /// # Safety
    /// As [`conv`].
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn depthwise(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
        let c = si.c;
        let bias = &f.bias[..];
        // The unchecked loads below read bias[..c]; output pixels hold c too.
        assert!(bias.len() == c && so.c == c);
        let done = c / 8 * 8;
        each_position(si, &f.window, so, |at, taps| {
            let o = &mut out[at * c..][..c];
            for at in (0..done).step_by(8) {
                // SAFETY: at + 8 <= c, and o, bias, each pixel and each
                // tap's weights (checked slices) hold c values.
                unsafe {
                    let mut a = _mm256_loadu_ps(bias.as_ptr().add(at));
                    for &(k, p) in taps {
                        let px = x[p * c..][..c].as_ptr().add(at);
                        let kw = f.weights[k * c..][..c].as_ptr().add(at);
                        a = _mm256_fmadd_ps(_mm256_loadu_ps(px), _mm256_loadu_ps(kw), a);
                    }
                    _mm256_storeu_ps(o.as_mut_ptr().add(at), a);
                }
            }
            if done == c {
                return;
            }
            let tail = &mut o[done..];
            tail.copy_from_slice(&bias[done..]);
            for &(k, p) in taps {
                let px = &x[p * c + done..][..tail.len()];
                let kw = &f.weights[k * c + done..][..tail.len()];
                for ((o, &v), &wt) in tail.iter_mut().zip(px).zip(kw) {
                    *o = v.mul_add(wt, *o);
                }
            }
        });
    }
}

fn conv(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: the CPU has AVX2 and FMA; the arguments are the layer's own.
        return unsafe { avx2::conv(x, si, f, out, so) };
    }
    conv_plain(x, si, f, out, so)
}

fn depthwise(x: &[f32], si: Shape, f: &Filter, out: &mut [f32], so: Shape) {
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: as in `conv`.
        return unsafe { avx2::depthwise(x, si, f, out, so) };
    }
    depthwise_plain(x, si, f, out, so)
}

fn max_pool(x: &[f32], si: Shape, w: &Window, out: &mut [f32], so: Shape) {
    let c = si.c;
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

fn attr<'a>(node: &'a pb::NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn int_attr(node: &pb::NodeProto, name: &str) -> Option<i64> {
    attr(node, name).map(|a| a.i)
}

/// Kernel, strides and pads of a Conv or MaxPool (no auto_pad).
fn window(node: &pb::NodeProto, k: [usize; 2]) -> Result<Window, FaceError> {
    if k[0].saturating_mul(k[1]) > MAX_TAPS {
        return Err(load_error!("{}: kernel {k:?} larger than 4x4", node.name));
    }
    if attr(node, "auto_pad").is_some_and(|a| !a.s.is_empty() && a.s != b"NOTSET") {
        return Err(load_error!("{}: auto_pad", node.name));
    }
    let ints = |name: &str, default: &[i64], zero: bool| -> Result<Vec<usize>, FaceError> {
        attr(node, name)
            .map(|a| a.ints.clone())
            .unwrap_or_else(|| default.to_vec())
            .iter()
            .map(|&v| size(v, zero, &format!("{} {name}", node.name)))
            .collect()
    };
    let (stride, pads) = (
        ints("strides", &[1, 1], false)?,
        ints("pads", &[0, 0, 0, 0], true)?,
    );
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

fn tensor_dims(v: &pb::ValueInfoProto) -> Result<Vec<usize>, FaceError> {
    use pb::type_proto::Value;
    let Some(Value::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(load_error!("input {}: not a tensor", v.name));
    };
    t.shape
        .as_ref()
        .map(|s| {
            s.dim
                .iter()
                .map(|d| match d.value {
                    Some(pb::tensor_shape_proto::dimension::Value::DimValue(n)) => {
                        size(n, false, &v.name)
                    }
                    _ => Err(load_error!("input {}: dynamic shape", v.name)),
                })
                .collect()
        })
        .unwrap_or_else(|| Err(load_error!("input {}: no shape", v.name)))
}

/// An int64 initializer's values (inline or raw).
fn ints(t: &pb::TensorProto) -> Vec<i64> {
    if !t.int64_data.is_empty() {
        return t.int64_data.clone();
    }
    t.raw_data
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::model::{Model, Which};

    /// A smooth deterministic NCHW input, values around the feature map's.
    fn input(shape: [usize; 4]) -> Vec<f32> {
        (0..shape.iter().product())
            .map(|i| 1.5 * ((i % 89) as f32 * 0.41 + (i / 257) as f32 * 0.13).sin())
            .collect()
    }

    #[test]
    fn every_head_gives_what_tract_gives_on_the_same_onnx() {
        for which in [
            Which::AttentionLeftEye,
            Which::AttentionRightEye,
            Which::AttentionLips,
        ] {
            let shape = which.input_shape();
            let nchw = input(shape);
            let mut tract = Model::load(which).unwrap();
            tract.input_mut().copy_from_slice(&nchw);
            let want = tract.run().unwrap();

            let mut ours = HeadNet::load(which.onnx()).unwrap();
            assert_eq!(ours.input_shape(), [shape[2], shape[3], shape[1]]);
            let (c, hw) = (shape[1], shape[2] * shape[3]);
            for (p, px) in ours.input_mut().chunks_exact_mut(c).enumerate() {
                for (ch, v) in px.iter_mut().enumerate() {
                    *v = nchw[ch * hw + p];
                }
            }
            let got = ours.run();
            assert_eq!(got.len(), want.len(), "{which:?}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.len(), w.len(), "{which:?}");
                let scale = w.iter().fold(1f32, |m, v| m.max(v.abs()));
                let diff = g.iter().zip(w).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
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

    #[test]
    fn plain_and_simd_kernels_agree_on_padded_strided_layers_with_a_channel_tail() {
        let si = Shape { h: 7, w: 6, c: 20 };
        let window = Window {
            k: [3, 3],
            stride: [2, 2],
            pads: [0, 1, 1, 1],
        };
        let wave =
            |n: usize, f: f32| -> Vec<f32> { (0..n).map(|i| (i as f32 * f).sin()).collect() };
        let x = wave(si.len(), 0.37);
        // 37 outputs: two blocks of 16 and a tail of 5.
        let so = window.output(si, 37).unwrap();
        let (weights, bias) = (wave(9 * si.c * so.c, 0.11), wave(so.c, 0.7));
        let dense = Filter {
            window,
            weights: weights.clone(),
            bias: bias.clone(),
        };
        let (mut plain, mut simd) = (vec![0.0; so.len()], vec![0.0; so.len()]);
        conv_plain(&x, si, &dense, &mut plain, so);
        conv(&x, si, &dense, &mut simd, so);
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
        for (p, f) in plain.iter().zip(&simd) {
            assert!((p - f).abs() < 1e-4, "{p} against {f}");
        }

        let dso = window.output(si, si.c).unwrap();
        let dw = Filter {
            window,
            weights: wave(9 * si.c, 0.23),
            bias: bias[..si.c].to_vec(),
        };
        let (mut plain, mut simd) = (vec![0.0; dso.len()], vec![0.0; dso.len()]);
        depthwise_plain(&x, si, &dw, &mut plain, dso);
        depthwise(&x, si, &dw, &mut simd, dso);
        for (p, f) in plain.iter().zip(&simd) {
            assert!((p - f).abs() < 1e-5, "{p} against {f}");
        }
    }

    #[test]
    fn a_broken_head_is_refused_at_load_without_a_panic() {
        let good = tract_onnx::onnx()
            .proto_model_for_read(&mut Which::AttentionLeftEye.onnx())
            .unwrap();
        assert!(HeadNet::from_proto(&good).is_ok());
        let broken = |change: &dyn Fn(&mut pb::GraphProto)| {
            let mut proto = good.clone();
            change(proto.graph.as_mut().unwrap());
            HeadNet::from_proto(&proto)
                .err()
                .expect("refused")
                .to_string()
        };
        let ints = |node: &mut pb::NodeProto, name: &str, v: Vec<i64>| {
            let a = node.attribute.iter_mut().find(|a| a.name == name).unwrap();
            a.ints = v;
        };
        let e = broken(&|g| ints(&mut g.node[0], "strides", vec![0, 0]));
        assert!(e.contains("strides: 0 out of range"), "{e}");
        let e = broken(&|g| ints(&mut g.node[0], "pads", vec![-1, 1, 1, 1]));
        assert!(e.contains("pads: -1 out of range"), "{e}");
        let e = broken(&|g| g.node[2].input.truncate(1));
        assert!(e.contains("no input 1"), "{e}");
        // The first convolution's weights, one row short.
        let e = broken(&|g| {
            let w = g.node[0].input[1].clone();
            let t = g.initializer.iter_mut().find(|t| t.name == w).unwrap();
            let n = t.raw_data.len();
            t.raw_data.truncate(n - 4 * 9);
            t.float_data.truncate(t.float_data.len().saturating_sub(9));
        });
        assert!(e.contains("not float32 values of its shape"), "{e}");
        let e = broken(&|g| g.output.clear());
        assert!(e.contains("outputs must be"), "{e}");
    }

    #[test]
    fn a_layer_it_does_not_know_is_refused_at_load() {
        // The detector's first layer is a 5x5 convolution; later ones are
        // Resize, Reshape and Concat: not a head.
        let err = HeadNet::load(Which::Detector.onnx())
            .err()
            .expect("refused");
        assert!(
            matches!(&err, FaceError::Load(d) if d.starts_with("conv2d: kernel [5, 5]")),
            "{err}"
        );
        assert!(HeadNet::load(b"not a model").is_err());
    }
}
