//! dlib's face-recognition ResNet, read from dlib's own `.dat` file and run
//! by the core's [`ConvNet`] instead of by dlib.
//!
//! Why: each embedding cost certd about 26 ms in dlib, 40 % of it in
//! Debian's scalar im2col; the same arithmetic in ConvNet's blocked,
//! channel-last kernels is cheaper (docs/performance.md). The weights are
//! dlib's, unchanged; each batch-norm-turned-affine layer is folded into the
//! convolution before it. The file is read strictly against the network's
//! known shape (dlib's `dnn_face_recognition_ex.cpp`): every version string,
//! kernel, stride, padding and tensor size is checked, and the whole file
//! must be consumed, so a different or damaged model is an error at start-up,
//! never a silently different embedding. A test compares with dlib's own.

use lifecert_liveness::face::convnet::ConvNet;
use lifecert_liveness::face::onnx;

/// The chip side the network takes (dlib's `input_rgb_image_sized<150>`).
pub const CHIP: usize = 150;
/// Numbers in an embedding.
pub const EMBEDDING_LEN: usize = 128;

/// One layer of the network, input to output, as dlib nests them.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Item {
    /// `con<n, k, k, stride, stride>` (always followed by `affine`).
    Con {
        n: usize,
        k: usize,
        stride: usize,
    },
    Affine,
    Relu,
    MaxPool {
        k: usize,
        stride: usize,
    },
    /// `k == 0`: the whole input (`avg_pool_everything`).
    AvgPool {
        k: usize,
        stride: usize,
    },
    Tag(u8),
    Skip(u8),
    /// `add_prev<tag>`: the sum, each zero-padded to the larger's shape.
    AddPrev(u8),
    Fc {
        n: usize,
    },
}

/// `anet_type` of dlib's example, input first.
fn layers() -> Vec<Item> {
    use Item::*;
    let block = |n, stride| {
        [
            Con { n, k: 3, stride },
            Affine,
            Relu,
            Con { n, k: 3, stride: 1 },
            Affine,
        ]
    };
    let mut v = vec![
        Con {
            n: 32,
            k: 7,
            stride: 2,
        },
        Affine,
        Relu,
        MaxPool { k: 3, stride: 2 },
    ];
    // ares: relu(add_prev1(block(tag1(x)))).
    let ares = |v: &mut Vec<Item>, n| {
        v.push(Tag(1));
        v.extend(block(n, 1));
        v.extend([AddPrev(1), Relu]);
    };
    // ares_down: relu(add_prev2(avg_pool(skip1(tag2(block(tag1(x))))))).
    let ares_down = |v: &mut Vec<Item>, n| {
        v.push(Tag(1));
        v.extend(block(n, 2));
        v.extend([
            Tag(2),
            Skip(1),
            AvgPool { k: 2, stride: 2 },
            AddPrev(2),
            Relu,
        ]);
    };
    for _ in 0..3 {
        ares(&mut v, 32);
    }
    ares_down(&mut v, 64);
    for _ in 0..3 {
        ares(&mut v, 64);
    }
    for n in [128, 256] {
        ares_down(&mut v, n);
        for _ in 0..2 {
            ares(&mut v, n);
        }
    }
    ares_down(&mut v, 256);
    v.extend([AvgPool { k: 0, stride: 1 }, Fc { n: EMBEDDING_LEN }]);
    v
}

/// dlib's serialisation, read front to back.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

type Res<T> = Result<T, String>;

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Res<&[u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("ends early at byte {}", self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// An integer: a control byte (sign in bit 7, byte count below), then
    /// that many little-endian bytes.
    fn int(&mut self) -> Res<i64> {
        let at = self.at;
        let ctl = self.bytes(1)?[0];
        let n = (ctl & 0x0F) as usize;
        if ctl & 0x70 != 0 || n == 0 || n > 8 {
            return Err(format!("no integer at byte {at}"));
        }
        let v = self
            .bytes(n)?
            .iter()
            .rev()
            .fold(0u64, |v, &b| v << 8 | b as u64);
        let v = i64::try_from(v).map_err(|_| format!("integer too large at byte {at}"))?;
        Ok(if ctl & 0x80 != 0 { -v } else { v })
    }

    fn expect(&mut self, what: &str, want: i64) -> Res<()> {
        let at = self.at;
        match self.int()? {
            v if v == want => Ok(()),
            v => Err(format!("{what}: {v} at byte {at}, wanted {want}")),
        }
    }

    fn string(&mut self) -> Res<String> {
        let n = self.int()?;
        let n = usize::try_from(n).map_err(|_| format!("string of {n} bytes"))?;
        String::from_utf8(self.bytes(n)?.to_vec()).map_err(|_| "a string not UTF-8".into())
    }

    /// The next string, which must be one of `versions`.
    fn version(&mut self, versions: &[&str]) -> Res<String> {
        let at = self.at;
        let v = self.string()?;
        if versions.contains(&v.as_str()) {
            Ok(v)
        } else {
            Err(format!("{v:?} at byte {at}, wanted one of {versions:?}"))
        }
    }

    fn boolean(&mut self) -> Res<bool> {
        match self.bytes(1)?[0] {
            b'0' => Ok(false),
            b'1' => Ok(true),
            b => Err(format!("{b} is not a bool at byte {}", self.at - 1)),
        }
    }

    /// A floating point scalar: mantissa and power of two.
    fn float(&mut self) -> Res<f64> {
        let (m, e) = (self.int()?, self.int()?);
        if e >= 32000 {
            return Err("an infinite or NaN scalar".into());
        }
        Ok(m as f64 * 2f64.powi(e as i32))
    }

    fn dims(&mut self) -> Res<[usize; 4]> {
        let mut d = [0; 4];
        for v in &mut d {
            let n = self.int()?;
            *v = usize::try_from(n)
                .ok()
                .filter(|&n| n <= 1 << 24)
                .ok_or(format!("tensor side {n}"))?;
        }
        Ok(d)
    }

    /// A tensor: its four sides and raw little-endian floats.
    fn tensor(&mut self) -> Res<Vec<f32>> {
        self.expect("tensor version", 2)?;
        let n: usize = self.dims()?.iter().product();
        let raw = self.bytes(n.checked_mul(4).ok_or("tensor too large")?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// A view into a layer's parameters: only its sides are stored.
    fn alias(&mut self, want: [usize; 4]) -> Res<()> {
        self.expect("alias version", 1)?;
        match self.dims()? {
            d if d == want => Ok(()),
            d => Err(format!("parameters {d:?}, wanted {want:?}")),
        }
    }

    /// A tensor that must be empty (gradients and caches of a trained net).
    fn empty(&mut self) -> Res<()> {
        match self.tensor()?.len() {
            0 => Ok(()),
            n => Err(format!("{n} values where none belong")),
        }
    }
}

/// One layer's weights as read.
enum Weights {
    Con {
        w: Vec<f32>,
        b: Vec<f32>,
        cin: usize,
    },
    Affine {
        gamma: Vec<f32>,
        beta: Vec<f32>,
    },
    Fc {
        w: Vec<f32>,
        inputs: usize,
    },
    None,
}

/// The network read from a `.dat`: each layer with its weights, and the
/// input's mean colour.
struct Parsed {
    layers: Vec<(Item, Weights)>,
    mean: [f32; 3],
}

/// Reads `dlib_face_recognition_resnet_model_v1.dat`.
fn read(bytes: &[u8]) -> Res<Parsed> {
    let items = layers();
    let mut r = Reader { b: bytes, at: 0 };
    // Each wrapper writes its version, then the network under it, then its
    // own details: versions run output to input, details input to output.
    r.expect("loss layer version", 1)?;
    if r.version(&["loss_metric_", "loss_metric_2"])? == "loss_metric_2" {
        r.float()?;
        r.float()?;
    }
    let mut versions = vec![0; items.len()];
    for (i, item) in items.iter().enumerate().rev() {
        versions[i] = r.int()?;
        let ok = match item {
            Item::Tag(_) | Item::Skip(_) => versions[i] == 1,
            _ if i == 0 => matches!(versions[i], 2 | 3),
            _ => matches!(versions[i], 1 | 2),
        };
        if !ok {
            return Err(format!("layer {i} ({item:?}): version {}", versions[i]));
        }
    }
    r.version(&["input_rgb_image_sized"])?;
    let mean = [r.float()? as f32, r.float()? as f32, r.float()? as f32];
    r.expect("input rows", CHIP as i64)?;
    r.expect("input columns", CHIP as i64)?;

    let mut layers = Vec::with_capacity(items.len());
    let mut channels = 3;
    for (i, &item) in items.iter().enumerate() {
        let weights = match item {
            Item::Tag(_) | Item::Skip(_) => {
                layers.push((item, Weights::None));
                continue;
            }
            Item::Con { n, k, stride } => {
                let v = r.version(&["con_4", "con_5"])?;
                let params = r.tensor()?;
                r.expect("filters", n as i64)?;
                r.expect("kernel rows", k as i64)?;
                r.expect("kernel columns", k as i64)?;
                r.expect("stride", stride as i64)?;
                r.expect("stride", stride as i64)?;
                let pad = if stride == 1 { k / 2 } else { 0 } as i64;
                r.expect("padding", pad)?;
                r.expect("padding", pad)?;
                r.alias([n, channels, k, k])?;
                r.alias([1, n, 1, 1])?;
                for _ in 0..4 {
                    r.float()?; // learning-rate and decay multipliers
                }
                if v == "con_5" && !r.boolean()? {
                    return Err(format!("layer {i}: a convolution without bias"));
                }
                let nw = n * channels * k * k;
                if params.len() != nw + n {
                    return Err(format!("layer {i}: {} parameters", params.len()));
                }
                let cin = channels;
                channels = n;
                Weights::Con {
                    w: params[..nw].to_vec(),
                    b: params[nw..].to_vec(),
                    cin,
                }
            }
            Item::Affine => {
                let v = r.version(&["affine_", "affine_2"])?;
                let params = r.tensor()?;
                r.alias([1, channels, 1, 1])?;
                r.alias([1, channels, 1, 1])?;
                r.expect("affine mode (per channel)", 0)?;
                if v == "affine_2" && r.boolean()? {
                    return Err(format!("layer {i}: a disabled affine layer"));
                }
                if params.len() != 2 * channels {
                    return Err(format!("layer {i}: {} parameters", params.len()));
                }
                Weights::Affine {
                    gamma: params[..channels].to_vec(),
                    beta: params[channels..].to_vec(),
                }
            }
            Item::Relu => {
                r.version(&["relu_"])?;
                Weights::None
            }
            Item::AddPrev(_) => {
                r.version(&["add_prev_"])?;
                Weights::None
            }
            Item::MaxPool { k, stride } | Item::AvgPool { k, stride } => {
                let max = matches!(item, Item::MaxPool { .. });
                r.version(&[if max { "max_pool_2" } else { "avg_pool_2" }])?;
                r.expect("window rows", k as i64)?;
                r.expect("window columns", k as i64)?;
                r.expect("stride", stride as i64)?;
                r.expect("stride", stride as i64)?;
                r.expect("padding", 0)?;
                r.expect("padding", 0)?;
                Weights::None
            }
            Item::Fc { n } => {
                let v = r.version(&["fc_2", "fc_3"])?;
                r.expect("outputs", n as i64)?;
                r.expect("inputs", channels as i64)?;
                let params = r.tensor()?;
                r.alias([channels, n, 1, 1])?;
                r.alias([0; 4])?; // no biases
                r.expect("bias mode (none)", 1)?;
                for _ in 0..4 {
                    r.float()?;
                }
                if v == "fc_3" && r.boolean()? {
                    return Err(format!("layer {i}: a fully connected layer with bias"));
                }
                if params.len() != channels * n {
                    return Err(format!("layer {i}: {} parameters", params.len()));
                }
                Weights::Fc {
                    w: params,
                    inputs: channels,
                }
            }
        };
        // add_layer's state after the details: three flags, the cached
        // input gradient and output, then the innermost layer's final
        // gradient (and its sample expansion factor, version 3) or another
        // layer's parameter gradient (version 2).
        for _ in 0..3 {
            r.boolean()?;
        }
        r.empty()?;
        r.empty()?;
        if i == 0 {
            r.empty()?;
            if versions[0] == 3 {
                r.expect("sample expansion factor", 1)?;
            }
        } else if versions[i] == 2 {
            r.empty()?;
        }
        layers.push((item, weights));
    }
    if r.at != bytes.len() {
        return Err(format!(
            "{} bytes left after the network",
            bytes.len() - r.at
        ));
    }
    Ok(Parsed { layers, mean })
}

/// Builds the ONNX graph [`ConvNet`] runs: NCHW `[1, 3, 150, 150]` in
/// (already less the mean colour, over 256), the embedding out.
struct Graph(onnx::Graph<'static>);

fn ints(name: &str, v: &[i64]) -> onnx::Attribute {
    onnx::Attribute {
        name: name.into(),
        ints: v.to_vec(),
        ..Default::default()
    }
}

impl Graph {
    fn constant(&mut self, dims: &[usize], data: onnx::Data<'static>) -> String {
        let name = format!("c{}", self.0.initializers.len());
        let data_type = match data {
            onnx::Data::Ints(_) => onnx::INT64,
            _ => onnx::FLOAT,
        };
        self.0.initializers.push(onnx::Tensor {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type,
            data,
        });
        name
    }

    fn node(&mut self, op: &str, inputs: Vec<String>, attributes: Vec<onnx::Attribute>) -> String {
        let name = format!("t{}", self.0.nodes.len());
        self.0.nodes.push(onnx::Node {
            name: name.clone(),
            op_type: op.into(),
            inputs,
            outputs: vec![name.clone()],
            attributes,
        });
        name
    }

    /// A convolution; `group` > 1 is depthwise.
    #[allow(clippy::too_many_arguments)]
    fn conv(
        &mut self,
        x: String,
        w: Vec<f32>,
        dims: [usize; 4],
        b: Option<Vec<f32>>,
        stride: usize,
        pad: usize,
        group: usize,
    ) -> String {
        let mut input = vec![x, self.constant(&dims, onnx::Data::Floats(w))];
        if let Some(b) = b {
            input.push(self.constant(&[dims[0]], onnx::Data::Floats(b)));
        }
        let s = stride as i64;
        let p = pad as i64;
        let attrs = vec![
            ints("kernel_shape", &[dims[2] as i64, dims[3] as i64]),
            ints("strides", &[s, s]),
            ints("pads", &[p, p, p, p]),
            onnx::Attribute {
                name: "group".into(),
                i: group as i64,
                ..Default::default()
            },
        ];
        self.node("Conv", input, attrs)
    }

    /// Zeros after the channels, rows and columns of `x` (shape c, h, w) up to `to`.
    fn pad(&mut self, x: String, from: [usize; 3], to: [usize; 3]) -> String {
        if from == to {
            return x;
        }
        let d = |i: usize| (to[i] - from[i]) as i64;
        let pads = self.constant(
            &[8],
            onnx::Data::Ints(vec![0, 0, 0, 0, 0, d(0), d(1), d(2)]),
        );
        self.node("Pad", vec![x, pads], vec![])
    }
}

/// The network as an ONNX graph for [`ConvNet::from_graph`].
fn model(parsed: &Parsed) -> Res<onnx::Graph<'static>> {
    let mut g = Graph(onnx::Graph::default());
    // The current tensor and its (channels, rows, columns).
    let mut x = "chip".to_string();
    let mut shape = [3, CHIP, CHIP];
    let mut tags: [Option<(String, [usize; 3])>; 3] = Default::default();
    let mut it = parsed.layers.iter().peekable();
    while let Some((item, weights)) = it.next() {
        match (item, weights) {
            (&Item::Con { n, k, stride }, Weights::Con { w, b, cin }) => {
                let Some((Item::Affine, Weights::Affine { gamma, beta })) = it.next() else {
                    return Err("a convolution without its affine layer".into());
                };
                // gamma * (w . x + b) + beta, as one convolution.
                let per = cin * k * k;
                let w = w
                    .chunks_exact(per)
                    .zip(gamma)
                    .flat_map(|(f, &g)| f.iter().map(move |&v| v * g))
                    .collect();
                let b = b
                    .iter()
                    .zip(gamma.iter().zip(beta))
                    .map(|(&b, (&g, &be))| b * g + be)
                    .collect();
                let pad = if stride == 1 { k / 2 } else { 0 };
                x = g.conv(x, w, [n, *cin, k, k], Some(b), stride, pad, 1);
                let side = |s: usize| (s + 2 * pad - k) / stride + 1;
                shape = [n, side(shape[1]), side(shape[2])];
            }
            (Item::Relu, _) => x = g.node("Relu", vec![x], vec![]),
            (&Item::MaxPool { k, stride }, _) => {
                let kk = k as i64;
                let s = stride as i64;
                x = g.node(
                    "MaxPool",
                    vec![x],
                    vec![ints("kernel_shape", &[kk, kk]), ints("strides", &[s, s])],
                );
                shape = [
                    shape[0],
                    (shape[1] - k) / stride + 1,
                    (shape[2] - k) / stride + 1,
                ];
            }
            // An average is a depthwise convolution by 1/taps.
            (&Item::AvgPool { k, stride }, _) => {
                let (kh, kw) = if k == 0 { (shape[1], shape[2]) } else { (k, k) };
                let c = shape[0];
                let w = vec![1.0 / (kh * kw) as f32; c * kh * kw];
                x = g.conv(x, w, [c, 1, kh, kw], None, stride, 0, c);
                shape = [
                    c,
                    (shape[1] - kh) / stride + 1,
                    (shape[2] - kw) / stride + 1,
                ];
            }
            (&Item::Tag(t), _) => tags[t as usize] = Some((x.clone(), shape)),
            (&Item::Skip(t), _) => {
                (x, shape) = tags[t as usize].clone().ok_or("skip to an unset tag")?;
            }
            (&Item::AddPrev(t), _) => {
                let (y, ys) = tags[t as usize].clone().ok_or("add to an unset tag")?;
                let to = [0, 1, 2].map(|i| shape[i].max(ys[i]));
                let a = g.pad(x, shape, to);
                let b = g.pad(y, ys, to);
                x = g.node("Add", vec![a, b], vec![]);
                shape = to;
            }
            (&Item::Fc { n }, Weights::Fc { w, inputs }) => {
                if shape != [*inputs, 1, 1] {
                    return Err(format!("fully connected layer on {shape:?}"));
                }
                // dlib's [inputs][outputs] as a 1x1 convolution's [outputs][inputs].
                let mut t = vec![0.0; w.len()];
                for i in 0..*inputs {
                    for o in 0..n {
                        t[o * inputs + i] = w[i * n + o];
                    }
                }
                x = g.conv(x, t, [n, *inputs, 1, 1], None, 1, 0, 1);
                shape = [n, 1, 1];
            }
            (item, _) => return Err(format!("{item:?} without its weights")),
        }
    }
    g.0.inputs.push(onnx::Input {
        name: "chip".into(),
        dims: Some([1, 3, CHIP, CHIP].map(|d| Some(d as i64)).to_vec()),
    });
    g.0.outputs.push(x);
    Ok(g.0)
}

/// The ResNet ready to embed chips; one per worker (it keeps buffers).
pub struct FaceNet {
    net: ConvNet,
    mean: [f32; 3],
}

impl FaceNet {
    pub fn open(dat: &[u8]) -> Res<FaceNet> {
        let parsed = read(dat)?;
        let net = ConvNet::from_graph(&model(&parsed)?).map_err(|e| e.to_string())?;
        Ok(FaceNet {
            net,
            mean: parsed.mean,
        })
    }

    /// Each layer's median CPU time (`verify_stages layers`).
    #[doc(hidden)]
    pub fn layer_profile(&mut self, runs: usize) -> Vec<(String, f64)> {
        self.net.layer_profile(runs)
    }

    /// The embedding of a 150x150 RGB face chip (dlib's alignment).
    pub fn embed(&mut self, chip: &[u8]) -> Vec<f64> {
        assert_eq!(chip.len(), CHIP * CHIP * 3, "a face chip is 150x150 RGB");
        for (o, (&p, m)) in self
            .net
            .input_mut()
            .iter_mut()
            .zip(chip.iter().zip(self.mean.iter().cycle()))
        {
            *o = (p as f32 - m) / 256.0;
        }
        self.net.run()[0].iter().map(|&v| v as f64).collect()
    }
}
