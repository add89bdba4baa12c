#!/usr/bin/env python3
"""Splits MediaPipe's face_landmark_with_attention.tflite into ONNX pieces.

    attention_to_onnx.py MODEL.tflite OUT_DIR

The model (what MediaPipe runs with refine_landmarks=True) is one TFLite
graph with three MediaPipe custom ops that no converter knows
(Landmarks2TransformMatrix, TransformTensorBilinear, TransformLandmarks).
They only compute crop matrices, sample a 48x48x32 feature map and map
points back, so the graph is cut around them into four plain CNNs, and the
custom ops are done in Rust (src/face/attention.rs):

  face_landmark_attention.onnx      input_1 [1,3,192,192] -> output_mesh
                                    [1,1404,1,1], conv_faceflag [1,1,1,1],
                                    p_re_lu_3 [1,32,48,48] (the feature map)
  face_landmark_attention_lips.onnx       input [1,32,16,16] -> conv_lips [1,160,1,1]
  face_landmark_attention_left_eye.onnx   input [1,32,16,16] -> conv_left_eye [1,142,1,1],
                                                                conv_left_iris [1,10,1,1]
  face_landmark_attention_right_eye.onnx  same with conv_right_eye, conv_right_iris

The converter handles exactly the builtin ops this graph uses (CONV_2D,
DEPTHWISE_CONV_2D, PRELU, ADD, MAX_POOL_2D, PAD, DEQUANTIZE of fp16
weights) and fails loudly on anything else. Weights are folded to float32,
activations are NCHW (as tflite2onnx makes the other models), opset 11, IR 6.
It also prints the custom ops' options, which attention.rs hard-codes, and
checks them against the values the Rust code expects.

Needs tflite (the flatbuffer reader), flatbuffers, onnx and numpy; no
TensorFlow. Deterministic: the same input gives the same bytes.
"""

import os
import sys

import numpy as np
import onnx
import tflite
from flatbuffers import flexbuffers
from onnx import TensorProto, helper, numpy_helper

# Builtin operator codes (tflite schema).
ADD, CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE, MAX_POOL_2D = 0, 3, 4, 6, 17
MUL, RESHAPE, CUSTOM, PAD, STRIDED_SLICE, PRELU = 18, 22, 32, 34, 45, 54
# tflite TensorType
FLOAT32, FLOAT16, INT32 = 0, 1, 2

PIECES = [
    # (file stem, {tflite input tensor: onnx input name}, [output tensors])
    ("face_landmark_attention", {"input_1": "input_1"},
     ["output_mesh", "conv_faceflag", "p_re_lu_3"]),
    ("face_landmark_attention_lips", {"transform_tensor_bilinear_v2": "input"},
     ["conv_lips"]),
    ("face_landmark_attention_left_eye", {"transform_tensor_bilinear_v2_1": "input"},
     ["conv_left_eye", "conv_left_iris"]),
    ("face_landmark_attention_right_eye", {"transform_tensor_bilinear_v2_2": "input"},
     ["conv_right_eye", "conv_right_iris"]),
]

# What src/face/attention.rs assumes about the custom ops, checked here.
EXPECTED_CUSTOM = {
    "landmarks_to_transform_matrix_v2": (61, 291),     # lips: mouth corners
    "landmarks_to_transform_matrix_v2_1": (33, 133),   # image-left eye corners
    "landmarks_to_transform_matrix_v2_2": (362, 263),  # image-right eye corners
}


class Graph:
    def __init__(self, path):
        self.buf = open(path, "rb").read()
        self.m = tflite.Model.GetRootAsModel(self.buf, 0)
        assert self.m.SubgraphsLength() == 1
        self.g = self.m.Subgraphs(0)
        codes = []
        for i in range(self.m.OperatorCodesLength()):
            oc = self.m.OperatorCodes(i)
            codes.append((max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()),
                          oc.CustomCode().decode() if oc.CustomCode() else None,
                          oc.Version()))
        self.ops = []
        self.producer = {}
        for i in range(self.g.OperatorsLength()):
            op = self.g.Operators(i)
            code, custom, version = codes[op.OpcodeIndex()]
            ins = [int(t) for t in op.InputsAsNumpy()]
            outs = [int(t) for t in op.OutputsAsNumpy()]
            self.ops.append((code, custom, version, ins, outs, op))
            for o in outs:
                self.producer[o] = i
        self.names = {self.name(t): t for t in range(self.g.TensorsLength())}
        # Constants: tensors with a buffer, and DEQUANTIZE of one (fp16 -> f32).
        self.consts = {}
        for t in range(self.g.TensorsLength()):
            data = self.m.Buffers(self.g.Tensors(t).Buffer()).DataAsNumpy()
            if isinstance(data, int) or data.size == 0:
                continue
            ty = self.g.Tensors(t).Type()
            dtype = {FLOAT32: np.float32, FLOAT16: np.float16, INT32: np.int32}[ty]
            arr = np.frombuffer(data.tobytes(), dtype).reshape(self.shape(t))
            self.consts[t] = arr
        for code, _, _, ins, outs, _ in self.ops:
            if code == DEQUANTIZE:
                src = self.consts[ins[0]]
                assert src.dtype == np.float16
                self.consts[outs[0]] = src.astype(np.float32)

    def name(self, t):
        return self.g.Tensors(t).Name().decode()

    def shape(self, t):
        T = self.g.Tensors(t)
        return [int(d) for d in T.ShapeAsNumpy()] if T.ShapeLength() else []

    def custom_options(self):
        out = {}
        for code, custom, version, ins, outs, op in self.ops:
            if code == CUSTOM:
                raw = bytes(op.CustomOptionsAsNumpy()) if op.CustomOptionsLength() else b""
                opts = flexbuffers.Loads(raw) if raw else {}
                out[self.name(outs[0])] = (custom, version, opts)
        return out

    def ops_for(self, inputs, outputs):
        """Indices of the ops computing `outputs` from `inputs`, in graph order."""
        need, stack = set(), [self.names[n] for n in outputs]
        stops = {self.names[n] for n in inputs}
        while stack:
            t = stack.pop()
            if t in stops or t in self.consts or t not in self.producer:
                assert t in stops or t in self.consts, f"unbound tensor {self.name(t)}"
                continue
            i = self.producer[t]
            if i not in need:
                need.add(i)
                stack.extend(x for x in self.ops[i][3] if x >= 0)
        return sorted(need)


def same_pads(in_hw, k, s):
    """TFLite SAME padding as ONNX [top, left, bottom, right]."""
    pads = []
    for n, kk, ss in zip(in_hw, k, s):
        out = -(-n // ss)
        total = max((out - 1) * ss + kk - n, 0)
        pads.append((total // 2, total - total // 2))
    return [pads[0][0], pads[1][0], pads[0][1], pads[1][1]]


def activation(nodes, fused, name):
    """Appends the fused activation after `name`; returns the tensor name to use."""
    if fused == 0:
        return name
    if fused == 1:
        nodes.append(helper.make_node("Relu", [name + "_pre"], [name]))
        return name + "_pre"
    raise ValueError(f"fused activation {fused} not supported")


def convert(graph, stem, inputs, outputs):
    g = graph
    nodes, inits, done_consts = [], [], set()

    def const(t, arr=None, name=None):
        name = name or g.name(t)
        if name not in done_consts:
            done_consts.add(name)
            inits.append(numpy_helper.from_array(
                np.ascontiguousarray(g.consts[t] if arr is None else arr), name))
        return name

    def tn(t):
        """ONNX name of an activation tensor."""
        n = g.name(t)
        return inputs.get(n, n)

    for i in g.ops_for(list(inputs), outputs):
        code, custom, _, ins, outs, op = g.ops[i]
        out = g.name(outs[0])
        if code == DEQUANTIZE:
            continue
        if code in (CONV_2D, DEPTHWISE_CONV_2D):
            depthwise = code == DEPTHWISE_CONV_2D
            o = tflite.DepthwiseConv2DOptions() if depthwise else tflite.Conv2DOptions()
            opts = op.BuiltinOptions()
            o.Init(opts.Bytes, opts.Pos)
            assert o.DilationHFactor() == 1 and o.DilationWFactor() == 1
            if depthwise:
                assert o.DepthMultiplier() in (0, 1)
            # Weights are [O, KH, KW, I] (conv) or [1, KH, KW, C] (depthwise);
            # ONNX wants [O, I/group, KH, KW].
            w = g.consts[ins[1]]
            k, s = w.shape[1:3], (o.StrideH(), o.StrideW())
            group = w.shape[3] if depthwise else 1
            hw = g.shape(ins[0])[1:3]
            pads = same_pads(hw, k, s) if o.Padding() == 0 else [0, 0, 0, 0]
            order = (3, 0, 1, 2) if depthwise else (0, 3, 1, 2)
            wn = const(ins[1], w.transpose(*order), g.name(ins[1]) + "_oihw")
            node_in = [tn(ins[0]), wn]
            if len(ins) > 2 and ins[2] >= 0:
                node_in.append(const(ins[2]))
            target = activation(nodes, o.FusedActivationFunction(), out)
            nodes.insert(len(nodes) - (target != out), helper.make_node(
                "Conv", node_in, [target], name=out, kernel_shape=list(k),
                strides=list(s), pads=pads, group=group))
        elif code == PRELU:
            alpha = g.consts[ins[1]]
            c = alpha.shape[-1]
            assert alpha.size == c, alpha.shape
            # [1, C, 1, 1] like tflite2onnx: with [C, 1, 1] tract's PRelu
            # runs about 15 % slower on the backbone.
            an = const(ins[1], alpha.reshape(1, c, 1, 1), g.name(ins[1]) + "_1c11")
            nodes.append(helper.make_node("PRelu", [tn(ins[0]), an], [out], name=out))
        elif code == ADD:
            o = tflite.AddOptions()
            opts = op.BuiltinOptions()
            o.Init(opts.Bytes, opts.Pos)
            assert all(x not in g.consts for x in ins), "ADD with a constant"
            assert g.shape(ins[0]) == g.shape(ins[1])
            target = activation(nodes, o.FusedActivationFunction(), out)
            nodes.insert(len(nodes) - (target != out), helper.make_node(
                "Add", [tn(ins[0]), tn(ins[1])], [target], name=out))
        elif code == MAX_POOL_2D:
            o = tflite.Pool2DOptions()
            opts = op.BuiltinOptions()
            o.Init(opts.Bytes, opts.Pos)
            assert o.FusedActivationFunction() == 0
            k, s = (o.FilterHeight(), o.FilterWidth()), (o.StrideH(), o.StrideW())
            hw = g.shape(ins[0])[1:3]
            pads = same_pads(hw, k, s) if o.Padding() == 0 else [0, 0, 0, 0]
            nodes.append(helper.make_node(
                "MaxPool", [tn(ins[0])], [out], name=out, kernel_shape=list(k),
                strides=list(s), pads=pads))
        elif code == PAD:
            p = g.consts[ins[1]].astype(np.int64)  # [4, 2] in NHWC order
            nchw = p[[0, 3, 1, 2]]
            pn = const(ins[1], np.concatenate([nchw[:, 0], nchw[:, 1]]),
                       g.name(ins[1]) + "_nchw")
            nodes.append(helper.make_node("Pad", [tn(ins[0]), pn], [out], name=out,
                                          mode="constant"))
        else:
            raise ValueError(f"{stem}: op {code} ({custom}) at {i} not supported")

    def vi(name, t):
        sh = g.shape(t)
        if len(sh) == 4:
            sh = [sh[0], sh[3], sh[1], sh[2]]
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, sh)

    graph_def = helper.make_graph(
        nodes, stem,
        [vi(onnx_name, g.names[n]) for n, onnx_name in inputs.items()],
        [vi(n, g.names[n]) for n in outputs],
        initializer=sorted(inits, key=lambda t: t.name))
    model = helper.make_model(
        graph_def, producer_name="lifecert attention_to_onnx.py",
        opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model


def check_custom(graph):
    opts = graph.custom_options()
    for name, (custom, version, o) in sorted(opts.items()):
        print(f"  {name}: {custom} v{version} {o}", file=sys.stderr)
    for name, (left, right) in EXPECTED_CUSTOM.items():
        custom, version, o = opts[name]
        assert custom == "Landmarks2TransformMatrix" and version == 2
        assert (o["left_rotation_idx"], o["right_rotation_idx"]) == (left, right)
        assert o["output_width"] == o["output_height"] == 16
        assert o["scale_x"] == o["scale_y"] == 1.5 and o["target_rotation_radians"] == 0
    for name in ("transform_tensor_bilinear_v2", "transform_tensor_bilinear_v2_1",
                 "transform_tensor_bilinear_v2_2"):
        custom, version, o = opts[name]
        assert custom == "TransformTensorBilinear" and version == 2
        assert o == {"output_height": 16, "output_width": 16}
    # The landmark scale before the matrix (192 -> 48) and the matrix mask
    # before TransformLandmarks (translation x4 back to 192).
    for t, arr in graph.consts.items():
        n = graph.name(t)
        if n.startswith("multiply_by_constant") and n.endswith("dequantize"):
            print(f"  {n}: {arr.ravel().tolist()}", file=sys.stderr)
    return opts


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    graph = Graph(src)
    check_custom(graph)
    for stem, inputs, outputs in PIECES:
        model = convert(graph, stem, inputs, outputs)
        onnx.save(model, os.path.join(out_dir, stem + ".onnx"))
        print(f"  {stem}.onnx: {len(model.graph.node)} nodes", file=sys.stderr)


if __name__ == "__main__":
    main()
