//! The part of ONNX's protobuf format the face networks use, read straight
//! from the bytes compiled into the library. The weights are borrowed, not
//! copied: a general protobuf decoder copied each network's weights three
//! times before [`super::convnet`] laid them out once more, and on a phone's
//! first start every copy is fresh memory to fault in (about half of the
//! engine's start-up, docs/performance.md). Anything the networks do not use
//! is skipped; anything malformed is an error, never a panic.

use super::error::{load_error, FaceError};

/// `TensorProto.DataType` values read here.
pub const FLOAT: i32 = 1;
pub const INT64: i32 = 7;

/// A graph: its layers in order, constants, inputs and output names.
#[derive(Clone, Debug, Default)]
pub struct Graph<'a> {
    pub nodes: Vec<Node>,
    pub initializers: Vec<Tensor<'a>>,
    pub inputs: Vec<Input>,
    pub outputs: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Node {
    pub name: String,
    pub op_type: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: Vec<Attribute>,
}

/// The attribute kinds the layers use: an integer, integers, a string.
#[derive(Clone, Debug, Default)]
pub struct Attribute {
    pub name: String,
    pub i: i64,
    pub ints: Vec<i64>,
    pub s: Vec<u8>,
}

/// A graph input; `dims` is `None` without a shape, a dimension `None` when
/// it is symbolic.
#[derive(Clone, Debug, Default)]
pub struct Input {
    pub name: String,
    pub dims: Option<Vec<Option<i64>>>,
}

#[derive(Clone, Debug)]
pub struct Tensor<'a> {
    pub name: String,
    pub dims: Vec<i64>,
    pub data_type: i32,
    pub data: Data<'a>,
}

/// A constant's values as the file stores them.
#[derive(Clone, Debug)]
pub enum Data<'a> {
    /// `raw_data`: little-endian values, borrowed from the file.
    Raw(&'a [u8]),
    Floats(Vec<f32>),
    Ints(Vec<i64>),
}

/// Float values of a tensor, wherever the file put them.
#[derive(Clone, Copy)]
pub enum Floats<'a> {
    Raw(&'a [u8]),
    Values(&'a [f32]),
}

impl Floats<'_> {
    pub fn len(&self) -> usize {
        match self {
            Floats::Raw(b) => b.len() / 4,
            Floats::Values(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i` (`i < len()`).
    #[inline]
    pub fn get(&self, i: usize) -> f32 {
        match self {
            Floats::Raw(b) => {
                f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
            }
            Floats::Values(v) => v[i],
        }
    }

    pub fn to_vec(&self) -> Vec<f32> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

impl Tensor<'_> {
    /// The values of a float tensor, if there are as many as its shape says.
    pub fn floats(&self) -> Option<Floats<'_>> {
        let n = self
            .dims
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(usize::try_from(d).ok()?))?;
        let f = match &self.data {
            Data::Raw(b) if self.data_type == FLOAT => Floats::Raw(b),
            Data::Floats(v) if self.data_type == FLOAT => Floats::Values(v),
            _ => return None,
        };
        (f.len() == n && !matches!(f, Floats::Raw(b) if b.len() % 4 != 0)).then_some(f)
    }

    /// The values of an integer tensor.
    pub fn ints(&self) -> Option<Vec<i64>> {
        match &self.data {
            Data::Ints(v) if self.data_type == INT64 => Some(v.clone()),
            Data::Raw(b) if self.data_type == INT64 && b.len() % 8 == 0 => Some(
                b.chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Reads a `ModelProto`'s graph.
pub fn parse(bytes: &[u8]) -> Result<Graph<'_>, FaceError> {
    let mut graph = None;
    fields(bytes, |field, value| {
        if field == 7 {
            graph = Some(parse_graph(value.bytes()?)?);
        }
        Ok(())
    })?;
    graph.ok_or(load_error!("model without a graph"))
}

fn parse_graph(bytes: &[u8]) -> Result<Graph<'_>, FaceError> {
    let mut g = Graph::default();
    fields(bytes, |field, value| {
        match field {
            1 => g.nodes.push(parse_node(value.bytes()?)?),
            5 => g.initializers.push(parse_tensor(value.bytes()?)?),
            11 => g.inputs.push(parse_input(value.bytes()?)?),
            12 => g.outputs.push(name_of_value(value.bytes()?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(g)
}

fn parse_node(bytes: &[u8]) -> Result<Node, FaceError> {
    let mut n = Node::default();
    fields(bytes, |field, value| {
        match field {
            1 => n.inputs.push(value.string()?),
            2 => n.outputs.push(value.string()?),
            3 => n.name = value.string()?,
            4 => n.op_type = value.string()?,
            5 => n.attributes.push(parse_attribute(value.bytes()?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(n)
}

fn parse_attribute(bytes: &[u8]) -> Result<Attribute, FaceError> {
    let mut a = Attribute::default();
    fields(bytes, |field, value| {
        match field {
            1 => a.name = value.string()?,
            3 => a.i = value.varint()? as i64,
            4 => a.s = value.bytes()?.to_vec(),
            8 => value.varints(&mut a.ints)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(a)
}

fn parse_tensor(bytes: &[u8]) -> Result<Tensor<'_>, FaceError> {
    let (mut name, mut dims, mut data_type) = (String::new(), Vec::new(), 0);
    let (mut raw, mut floats, mut ints) = (None, Vec::new(), Vec::new());
    fields(bytes, |field, value| {
        match field {
            1 => value.varints(&mut dims)?,
            2 => data_type = value.varint()? as i32,
            4 => match value {
                Value::Fixed32(v) => floats.push(f32::from_bits(v)),
                Value::Bytes(b) if b.len() % 4 == 0 => floats.extend(
                    b.chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
                ),
                _ => return Err(load_error!("tensor {name}: malformed float_data")),
            },
            7 => value.varints(&mut ints)?,
            8 => name = value.string()?,
            9 => raw = Some(value.bytes()?),
            13 | 14 => return Err(load_error!("tensor {name}: data outside the file")),
            _ => {}
        }
        Ok(())
    })?;
    let data = match (raw, floats.is_empty(), ints.is_empty()) {
        (Some(b), true, true) => Data::Raw(b),
        (None, false, true) => Data::Floats(floats),
        (None, true, false) => Data::Ints(ints),
        (None, true, true) => Data::Raw(&[]),
        _ => return Err(load_error!("tensor {name}: values in two places")),
    };
    Ok(Tensor {
        name,
        dims,
        data_type,
        data,
    })
}

/// `ValueInfoProto`: name, and the shape of its tensor type.
fn parse_input(bytes: &[u8]) -> Result<Input, FaceError> {
    let mut input = Input::default();
    fields(bytes, |field, value| {
        match field {
            1 => input.name = value.string()?,
            // TypeProto.tensor_type, then TypeProto.Tensor.shape, then its dims.
            2 => fields(value.bytes()?, |field, value| match field {
                1 => fields(value.bytes()?, |field, value| {
                    if field == 2 {
                        input.dims = Some(parse_shape(value.bytes()?)?);
                    }
                    Ok(())
                }),
                _ => Ok(()),
            })?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(input)
}

fn parse_shape(bytes: &[u8]) -> Result<Vec<Option<i64>>, FaceError> {
    let mut dims = Vec::new();
    fields(bytes, |field, value| {
        if field == 1 {
            // Dimension: dim_value (1) or dim_param (2, symbolic).
            let mut dim = None;
            fields(value.bytes()?, |field, value| {
                if field == 1 {
                    dim = Some(value.varint()? as i64);
                }
                Ok(())
            })?;
            dims.push(dim);
        }
        Ok(())
    })?;
    Ok(dims)
}

fn name_of_value(bytes: &[u8]) -> Result<String, FaceError> {
    let mut r = Reader(bytes);
    let mut name = String::new();
    while let Some((field, value)) = r.field()? {
        if field == 1 {
            name = value.string()?;
        }
    }
    Ok(name)
}

/// Calls `f` with each field of a message, in order.
fn fields<'a>(
    bytes: &'a [u8],
    mut f: impl FnMut(u64, Value<'a>) -> Result<(), FaceError>,
) -> Result<(), FaceError> {
    let mut r = Reader(bytes);
    while let Some((field, value)) = r.field()? {
        f(field, value)?;
    }
    Ok(())
}

/// One field's value, by wire type.
#[derive(Clone, Copy)]
enum Value<'a> {
    Varint(u64),
    /// Skipped: no field read here is a double.
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Value<'a> {
    fn varint(self) -> Result<u64, FaceError> {
        match self {
            Value::Varint(v) => Ok(v),
            _ => Err(load_error!(
                "malformed model: an integer field of another type"
            )),
        }
    }

    fn bytes(self) -> Result<&'a [u8], FaceError> {
        match self {
            Value::Bytes(b) => Ok(b),
            _ => Err(load_error!(
                "malformed model: a message field of another type"
            )),
        }
    }

    fn string(self) -> Result<String, FaceError> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|_| load_error!("malformed model: a name that is not UTF-8"))
    }

    /// A repeated integer field: one value, or packed values.
    fn varints(self, out: &mut Vec<i64>) -> Result<(), FaceError> {
        match self {
            Value::Varint(v) => out.push(v as i64),
            Value::Bytes(b) => {
                let mut r = Reader(b);
                while !r.0.is_empty() {
                    out.push(r.varint()? as i64);
                }
            }
            _ => return Err(load_error!("malformed model: integers of another type")),
        }
        Ok(())
    }
}

/// The bytes still to read.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, FaceError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self
                .0
                .split_first()
                .ok_or(load_error!("malformed model: cut in an integer"))?;
            self.0 = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(load_error!("malformed model: an integer over 64 bits"))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], FaceError> {
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.0.len())
            .ok_or(load_error!("malformed model: a field past the end"))?;
        let (field, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(field)
    }

    /// The next field's number and value; `None` at the end.
    fn field(&mut self) -> Result<Option<(u64, Value<'a>)>, FaceError> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed64
            }
            2 => {
                let n = self.varint()?;
                Value::Bytes(self.take(n)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            )),
            wire => return Err(load_error!("malformed model: wire type {wire}")),
        };
        Ok(Some((key >> 3, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::model::Which;
    use tract_onnx::prelude::Framework;

    /// Every network's graph as tract's protobuf decoder reads it.
    #[test]
    fn every_network_reads_as_tracts_protobuf_decoder_reads_it() {
        for which in Which::ALL {
            let ours = parse(which.onnx()).unwrap();
            let proto = tract_onnx::onnx()
                .proto_model_for_read(&mut which.onnx())
                .unwrap();
            let theirs = proto.graph.unwrap();
            assert_eq!(ours.nodes.len(), theirs.node.len(), "{which:?}");
            for (a, b) in ours.nodes.iter().zip(&theirs.node) {
                assert_eq!(
                    (&a.name, &a.op_type, &a.inputs, &a.outputs),
                    (&b.name, &b.op_type, &b.input, &b.output)
                );
                assert_eq!(a.attributes.len(), b.attribute.len());
                for (x, y) in a.attributes.iter().zip(&b.attribute) {
                    assert_eq!((&x.name, x.i, &x.ints, &x.s), (&y.name, y.i, &y.ints, &y.s));
                }
            }
            assert_eq!(ours.initializers.len(), theirs.initializer.len());
            for (a, b) in ours.initializers.iter().zip(&theirs.initializer) {
                assert_eq!(
                    (&a.name, &a.dims, a.data_type),
                    (&b.name, &b.dims, b.data_type)
                );
                if a.data_type == FLOAT {
                    let want = crate::face::reference::float_values(b).unwrap();
                    assert_eq!(a.floats().unwrap().to_vec(), want, "{}", a.name);
                } else if a.data_type == INT64 {
                    let want = if b.int64_data.is_empty() {
                        b.raw_data
                            .chunks_exact(8)
                            .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                            .collect()
                    } else {
                        b.int64_data.clone()
                    };
                    assert_eq!(a.ints().unwrap(), want, "{}", a.name);
                }
            }
            let names = |v: &[tract_onnx::pb::ValueInfoProto]| {
                v.iter().map(|i| i.name.clone()).collect::<Vec<_>>()
            };
            assert_eq!(
                ours.inputs
                    .iter()
                    .map(|i| i.name.clone())
                    .collect::<Vec<_>>(),
                names(&theirs.input)
            );
            assert_eq!(ours.outputs, names(&theirs.output));
            let input = ours.inputs.iter().find(|i| i.dims.is_some()).unwrap();
            assert_eq!(
                input.dims.as_ref().unwrap(),
                &which.input_shape().map(|d| Some(d as i64)).to_vec()
            );
        }
    }

    #[test]
    fn a_cut_or_garbled_file_is_an_error_not_a_panic() {
        let bytes = Which::AttentionLips.onnx();
        // Cut anywhere: a field past the end, or a graph without its tail.
        for cut in [1, 2, 7, 100, 4099, bytes.len() / 2, bytes.len() - 1] {
            let _ = parse(&bytes[..cut]);
        }
        assert!(parse(&bytes[..bytes.len() / 2]).is_err());
        assert!(parse(b"not a model").is_err());
        assert!(parse(&[0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        // An integer of eleven bytes.
        assert!(parse(
            &[0x08; 1]
                .iter()
                .chain(&[0xff; 11])
                .copied()
                .collect::<Vec<_>>()
        )
        .is_err());
        // Every single byte changed in the first kilobyte: never a panic.
        let mut b = bytes.to_vec();
        for i in 0..1024 {
            let old = b[i];
            b[i] ^= 0x5a;
            let _ = parse(&b);
            b[i] = old;
        }
    }
}
