#!/usr/bin/env python3
"""Test models for the tflite backend and the truth for them.

The models are written with the TFLite schema's own flatbuffer builders (PyPI
`tflite` + `flatbuffers`; no converter, no download), with random weights from
a fixed seed. The truth is what the Python `tflite_runtime` interpreter
computes for them: the same 2.14.0 library the backend loads, with its default
options (the XNNPACK delegate applied, the runtime's own thread count), as
the backend's defaults.

    make_tflite_models.py tests DIR   cases for test/nn_backends (manifest.h)
                                      and the birds guest's test
    make_tflite_models.py bench DIR   bench/nn's tiny and mlp classifiers
                                      (DIR/{tiny,mlp}.tflite)
    make_tflite_models.py demo DIR    the scripts/run.sh demo's model and input
"""
import os
import sys

import flatbuffers
import numpy as np
import tflite
from tflite.ActivationFunctionType import ActivationFunctionType as Act
from tflite.BuiltinOperator import BuiltinOperator as Op
from tflite.Padding import Padding
from tflite.TensorType import TensorType
from tflite_runtime.interpreter import Interpreter, OpResolverType

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "test", "nn_backends"))
from nn_manifest import WASI_TYPES, write_case  # noqa: E402

TENSOR_TYPES = {np.float32: TensorType.FLOAT32, np.float16: TensorType.FLOAT16, np.uint8: TensorType.UINT8,
                np.int8: TensorType.INT8, np.int32: TensorType.INT32, np.int64: TensorType.INT64}


class ModelWriter:
    """One subgraph: tensors (constants carry their data), operators, inputs/outputs."""

    def __init__(self):
        self.buffers = [b""]  # buffer 0: the empty buffer of every non-constant tensor
        self.tensors, self.operators, self.opcodes = [], [], []

    def tensor(self, name, shape, dtype, data=None, quant=None, signature=None):
        """Adds a tensor; quant = (scales, zero_points[, quantized_dimension]); returns its index."""
        buffer = 0
        if data is not None:
            self.buffers.append(np.ascontiguousarray(data, dtype).tobytes())
            buffer = len(self.buffers) - 1
        self.tensors.append([name, list(shape), TENSOR_TYPES[np.dtype(dtype).type], buffer, quant, signature])
        return len(self.tensors) - 1

    def const(self, name, array, quant=None):
        return self.tensor(name, array.shape, array.dtype, array, quant)

    def op(self, code, inputs, outputs, options=None):
        """code: a BuiltinOperator, or a custom operator's name; options = (XxxOptions table name, {field: value})."""
        if code not in self.opcodes:
            self.opcodes.append(code)
        self.operators.append([self.opcodes.index(code), inputs, outputs, options])

    def serialize(self, inputs, outputs, with_subgraph=True):
        b = flatbuffers.Builder(1 << 16)
        buffers = [self._buffer(b, data) for data in self.buffers]
        tensors = [self._tensor(b, *t) for t in self.tensors]
        operators = [self._operator(b, *o) for o in self.operators]
        opcodes = [self._opcode(b, code) for code in self.opcodes]
        subgraph = self._table(b, "SubGraph", Tensors=self._offsets(b, tensors), Inputs=self._ints(b, inputs),
                               Outputs=self._ints(b, outputs), Operators=self._offsets(b, operators),
                               Name=b.CreateString("main"))
        fields = {"Version": 3, "OperatorCodes": self._offsets(b, opcodes), "Buffers": self._offsets(b, buffers),
                  "Description": b.CreateString("wasmnn test model")}
        if with_subgraph:
            fields["Subgraphs"] = self._offsets(b, [subgraph])
        model = self._table(b, "Model", **fields)
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())

    @staticmethod
    def _table(b, name, **fields):
        getattr(tflite, name + "Start")(b)
        for field, value in fields.items():
            getattr(tflite, name + "Add" + field)(b, value)
        return getattr(tflite, name + "End")(b)

    @staticmethod
    def _vector(b, prepend, size, values):
        b.StartVector(size, len(values), size)
        for v in reversed(values):
            prepend(v)
        return b.EndVector()

    def _ints(self, b, values, size=4):
        return self._vector(b, b.PrependInt32 if size == 4 else b.PrependInt64, size, [int(v) for v in values])

    def _offsets(self, b, offsets):
        return self._vector(b, b.PrependUOffsetTRelative, 4, offsets)

    def _buffer(self, b, data):
        if not data:
            return self._table(b, "Buffer")
        b.StartVector(1, len(data), 16)  # kernels read constants in place: keep them aligned
        b.head -= len(data)
        b.Bytes[b.head:b.head + len(data)] = data
        b.vectorNumElems = len(data)
        return self._table(b, "Buffer", Data=b.EndVector())

    def _tensor(self, b, name, shape, ttype, buffer, quant, signature):
        fields = {"Shape": self._ints(b, shape), "Type": ttype, "Buffer": buffer, "Name": b.CreateString(name)}
        if quant is not None:
            scales, zero_points = quant[0], quant[1]
            q = {"Scale": self._vector(b, b.PrependFloat32, 4, [float(s) for s in scales]),
                 "ZeroPoint": self._ints(b, zero_points, size=8)}
            if len(quant) > 2:
                q["QuantizedDimension"] = quant[2]
            fields["Quantization"] = self._table(b, "QuantizationParameters", **q)
        if signature is not None:
            fields["ShapeSignature"] = self._ints(b, signature)
        return self._table(b, "Tensor", **fields)

    def _operator(self, b, opcode_index, inputs, outputs, options):
        fields = {"OpcodeIndex": opcode_index, "Inputs": self._ints(b, inputs), "Outputs": self._ints(b, outputs)}
        if options is not None:
            name, values = options
            fields["BuiltinOptionsType"] = getattr(tflite.BuiltinOptions, name)
            fields["BuiltinOptions"] = self._table(b, name, **values)
        return self._table(b, "Operator", **fields)

    def _opcode(self, b, code):
        if isinstance(code, str):
            return self._table(b, "OperatorCode", CustomCode=b.CreateString(code), DeprecatedBuiltinCode=Op.CUSTOM,
                               BuiltinCode=Op.CUSTOM, Version=1)
        return self._table(b, "OperatorCode", DeprecatedBuiltinCode=min(code, 127), BuiltinCode=code, Version=1)


# ---------------------------------------------------------------- layers

def fully_connected(m, x, weights, bias, name, act=Act.NONE, out_shape=None, out_dtype=np.float32, quant=None):
    """weights [units, in]; out_shape defaults to [batch, units]."""
    w = m.const(name + "/w", weights[0], weights[1] if len(weights) > 1 else None)
    bb = m.const(name + "/b", bias[0], bias[1] if len(bias) > 1 else None)
    y = m.tensor(name, out_shape or [m.tensors[x][1][0], weights[0].shape[0]], out_dtype, quant=quant)
    m.op(Op.FULLY_CONNECTED, [x, w, bb], [y], ("FullyConnectedOptions", {"FusedActivationFunction": act}))
    return y


def softmax(m, x, name, dtype=np.float32, quant=None):
    y = m.tensor(name, m.tensors[x][1], dtype, quant=quant)
    m.op(Op.SOFTMAX, [x], [y], ("SoftmaxOptions", {"Beta": 1.0}))
    return y


def reshape(m, x, shape, name, dtype=np.float32, quant=None):
    s = m.const(name + "/shape", np.array(shape, np.int32))
    y = m.tensor(name, shape, dtype, quant=quant)
    m.op(Op.RESHAPE, [x, s], [y])
    return y


def dense_float(rng, units, inputs):
    return (rng.standard_normal((units, inputs)) / np.sqrt(inputs)).astype(np.float32)


# ---------------------------------------------------------------- test cases

def classifier(rng):
    """The generic suites' required case: f32 [1,16] -> FC -> softmax -> f32 [1,10]."""
    m = ModelWriter()
    x = m.tensor("x", [1, 16], np.float32)
    logits = fully_connected(m, x, (dense_float(rng, 10, 16),), (rng.standard_normal(10).astype(np.float32) * 0.1,),
                             "logits")
    return m, [x], [softmax(m, logits, "probs")], [rng.standard_normal((1, 16)).astype(np.float32)]


def mlp(rng):
    """A float net: [1,32] -> FC 64 ReLU -> FC 10."""
    m = ModelWriter()
    x = m.tensor("x", [1, 32], np.float32)
    h = fully_connected(m, x, (dense_float(rng, 64, 32),), (rng.standard_normal(64).astype(np.float32) * 0.1,), "h",
                        Act.RELU)
    y = fully_connected(m, h, (dense_float(rng, 10, 64),), (rng.standard_normal(10).astype(np.float32) * 0.1,), "y")
    return m, [x], [y], [rng.standard_normal((1, 32)).astype(np.float32)]


def conv(rng):
    """A conv net, NHWC: CONV_2D 3x3 SAME ReLU -> DEPTHWISE 3x3 VALID -> MAX_POOL 2x2 -> RESHAPE -> FC -> softmax."""
    m = ModelWriter()
    x = m.tensor("image", [1, 8, 8, 3], np.float32)
    f = m.const("conv/w", (rng.standard_normal((8, 3, 3, 3)) / np.sqrt(27)).astype(np.float32))
    fb = m.const("conv/b", (rng.standard_normal(8) * 0.1).astype(np.float32))
    c = m.tensor("conv", [1, 8, 8, 8], np.float32)
    m.op(Op.CONV_2D, [x, f, fb], [c], ("Conv2DOptions", {"Padding": Padding.SAME, "StrideW": 1, "StrideH": 1,
                                                         "FusedActivationFunction": Act.RELU}))
    d = m.const("dw/w", (rng.standard_normal((1, 3, 3, 8)) / 3).astype(np.float32))
    db = m.const("dw/b", (rng.standard_normal(8) * 0.1).astype(np.float32))
    dw = m.tensor("dw", [1, 6, 6, 8], np.float32)
    m.op(Op.DEPTHWISE_CONV_2D, [c, d, db], [dw], ("DepthwiseConv2DOptions", {
        "Padding": Padding.VALID, "StrideW": 1, "StrideH": 1, "DepthMultiplier": 1}))
    p = m.tensor("pool", [1, 3, 3, 8], np.float32)
    m.op(Op.MAX_POOL_2D, [dw], [p], ("Pool2DOptions", {"Padding": Padding.VALID, "StrideW": 2, "StrideH": 2,
                                                       "FilterWidth": 2, "FilterHeight": 2}))
    flat = reshape(m, p, [1, 72], "flat")
    logits = fully_connected(m, flat, (dense_float(rng, 10, 72),), (rng.standard_normal(10).astype(np.float32) * 0.1,),
                             "logits")
    return m, [x], [softmax(m, logits, "probs")], [rng.standard_normal((1, 8, 8, 3)).astype(np.float32)]


# ---------------------------------------------------------------- a quantized MobileNet

# MobileNet v1 (width 1.0): the first conv, then (depthwise stride, pointwise channels) blocks.
MOBILENET_BLOCKS = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]
RELU6_QUANT = ([6 / 255], [0])  # every activation after a fused ReLU6, as in TFLite's MobileNets


def same_padding(x, k, stride):
    """TFLite's SAME padding of an NHWC float array for a k x k window."""
    h = x.shape[1]
    out = -(-h // stride)
    total = max((out - 1) * stride + k - h, 0)
    return np.pad(x, ((0, 0), (total // 2, total - total // 2), (total // 2, total - total // 2), (0, 0))), out


def conv_float(x, w, stride):
    """NHWC conv, w in TFLite's OHWI layout."""
    k = w.shape[1]
    xp, out = same_padding(x, k, stride)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::stride, ::stride][:, :out, :out]
    # windows: [1, out, out, C, k, k] -> im2col against O x (k k C)
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(out * out, -1)
    return (cols @ w.reshape(w.shape[0], -1).T).reshape(1, out, out, -1)


def depthwise_float(x, w, stride):
    """NHWC depthwise 3x3, w [1, 3, 3, C]."""
    xp, out = same_padding(x, 3, stride)
    y = np.zeros((1, out, out, x.shape[3]), np.float32)
    for dy in range(3):
        for dx in range(3):
            y += xp[:, dy:dy + stride * out:stride, dx:dx + stride * out:stride] * w[0, dy, dx]
    return y


class QuantizedNet:
    """Adds u8 conv layers whose random float weights are scaled, on a float forward pass of the real input,
    so that every layer's pre-activations have a standard deviation of 2: the activations use the ReLU6 range
    without being all 0 or all 6. The float pass only picks scales; the truth is the interpreter's output."""

    def __init__(self, m, rng, x, x_quant, x_float):
        self.m, self.rng, self.x, self.quant, self.float = m, rng, x, x_quant, x_float

    def layer(self, name, kind, shape, stride, act=Act.RELU6, out_quant=None, out_std=2.0):
        w = self.rng.standard_normal(shape).astype(np.float32)
        forward = depthwise_float if kind == Op.DEPTHWISE_CONV_2D else conv_float
        pre = forward(self.float, w, stride)
        gain = out_std / pre.std()
        w, pre = w * gain, pre * gain
        bias = (self.rng.standard_normal(shape[0] if kind == Op.CONV_2D else shape[3]) * 0.5 + 0.5).astype(np.float32)
        self.float = pre + bias
        if act == Act.RELU6:
            self.float = np.clip(self.float, 0, 6)
        else:  # logits: quantize their observed range
            lo, hi = float(self.float.min()), float(self.float.max())
            out_quant = ([(hi - lo) / 255], [int(round(-lo * 255 / (hi - lo)))])
        w_scale = float(np.abs(w).max()) / 127
        wq = np.clip(np.round(w / w_scale) + 128, 0, 255).astype(np.uint8)
        b_scale = self.quant[0][0] * w_scale
        bq = np.round(bias / b_scale).astype(np.int32)
        m = self.m
        wt = m.const(name + "/w", wq, ([w_scale], [128]))
        bt = m.const(name + "/b", bq, ([b_scale], [0]))
        y = m.tensor(name, self.float.shape, np.uint8, quant=out_quant or RELU6_QUANT)
        options = {"Padding": Padding.SAME, "StrideW": stride, "StrideH": stride, "FusedActivationFunction": act}
        if kind == Op.DEPTHWISE_CONV_2D:
            m.op(kind, [self.x, wt, bt], [y], ("DepthwiseConv2DOptions", dict(options, DepthMultiplier=1)))
        else:
            m.op(kind, [self.x, wt, bt], [y], ("Conv2DOptions", options))
        self.x, self.quant = y, out_quant or RELU6_QUANT


def mobilenet_u8(rng, classes=965):
    """A MobileNet v1-shaped classifier quantized to u8 like WasmEdge's TFLite bird classifier:
    u8 [1,224,224,3] in, u8 [1,965] softmax scores out; random weights."""
    m = ModelWriter()
    in_quant = ([1 / 128], [128])
    image = synthetic_image(rng)
    x = m.tensor("image", [1, 224, 224, 3], np.uint8, quant=in_quant)
    net = QuantizedNet(m, rng, x, in_quant, (image.astype(np.float32) - 128) / 128)
    net.layer("conv0", Op.CONV_2D, (32, 3, 3, 3), 2)
    channels = 32
    for i, (stride, out) in enumerate(MOBILENET_BLOCKS):
        net.layer(f"block{i}/dw", Op.DEPTHWISE_CONV_2D, (1, 3, 3, channels), stride)
        net.layer(f"block{i}/pw", Op.CONV_2D, (out, 1, 1, channels), 1)
        channels = out
    pooled = m.tensor("pool", [1, 1, 1, channels], np.uint8, quant=net.quant)  # average pooling keeps the scale
    m.op(Op.AVERAGE_POOL_2D, [net.x], [pooled], ("Pool2DOptions", {
        "Padding": Padding.VALID, "StrideW": 1, "StrideH": 1, "FilterWidth": 7, "FilterHeight": 7}))
    net.x, net.float = pooled, net.float.mean(axis=(1, 2), keepdims=True)
    net.layer("logits", Op.CONV_2D, (classes, 1, 1, channels), 1, act=Act.NONE, out_std=2.5)
    flat = reshape(m, net.x, [1, classes], "logits/flat", np.uint8, net.quant)
    scores = softmax(m, flat, "scores", np.uint8, ([1 / 256], [0]))  # TFLite's fixed u8 softmax output scale
    return m, [x], [scores], [image]


def synthetic_image(rng):
    """224x224 RGB bytes: smooth colour gradients plus noise (no image is downloaded)."""
    yy, xx = np.mgrid[0:224, 0:224] / 223.0
    rgb = np.stack([yy, xx, 1 - (yy + xx) / 2], axis=-1) * 200 + rng.normal(0, 25, (224, 224, 3))
    return np.clip(rgb, 0, 255).astype(np.uint8)[None]


# ---------------------------------------------------------------- element types, several tensors, resizing

def int8_fc(rng):
    """An int8-quantized FC (symmetric int8 weights): the guest sends and receives the int8 bytes as u8."""
    m = ModelWriter()
    x = m.tensor("x", [1, 16], np.int8, quant=([0.05], [-3]))
    w_scale = 0.02
    weights = rng.integers(-127, 128, (10, 16)).astype(np.int8)
    bias = rng.integers(-500, 500, 10).astype(np.int32)
    y = fully_connected(m, x, (weights, ([w_scale], [0])), (bias, ([0.05 * w_scale], [0])), "y", Act.RELU,
                        out_dtype=np.int8, quant=([0.04], [-128]))
    return m, [x], [y], [rng.integers(-128, 128, (1, 16)).astype(np.int8)]


def multi_io(rng):
    """Two inputs with an open batch dimension, resized to 4 rows (the second resize must keep the first
    input's bytes), and two outputs listed in another order than they are made (prod, then sum)."""
    m = ModelWriter()
    a, b = (m.tensor(n, [2, 3], np.float32, signature=[-1, 3]) for n in ("a", "b"))
    s, p = (m.tensor(n, [2, 3], np.float32, signature=[-1, 3]) for n in ("sum", "prod"))
    m.op(Op.ADD, [a, b], [s], ("AddOptions", {}))
    m.op(Op.MUL, [a, b], [p], ("MulOptions", {}))
    inputs = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(2)]
    return m, [a, b], [p, s], inputs


def int32_ops(rng):
    """i32 in; i32 (ADD) and i64 (ARG_MAX) out."""
    m = ModelWriter()
    x = m.tensor("x", [2, 5], np.int32)
    c = m.const("c", rng.integers(-1000, 1000, 5).astype(np.int32))
    s = m.tensor("sum", [2, 5], np.int32)
    m.op(Op.ADD, [x, c], [s], ("AddOptions", {}))
    axis = m.const("axis", np.array([1], np.int32))
    best = m.tensor("argmax", [2], np.int64)
    m.op(Op.ARG_MAX, [x, axis], [best], ("ArgMaxOptions", {"OutputType": TensorType.INT64}))
    return m, [x], [s, best], [rng.integers(-100000, 100000, (2, 5)).astype(np.int32)]


def int64_ops(rng):
    """i64 in; i64 (ADD) and f32 (CAST) out."""
    m = ModelWriter()
    x = m.tensor("x", [4], np.int64)
    c = m.const("c", rng.integers(-(1 << 40), 1 << 40, 4).astype(np.int64))
    s = m.tensor("sum", [4], np.int64)
    m.op(Op.ADD, [x, c], [s], ("AddOptions", {}))
    f = m.tensor("as_f32", [4], np.float32)
    m.op(Op.CAST, [x], [f], ("CastOptions", {"InDataType": TensorType.INT64, "OutDataType": TensorType.FLOAT32}))
    return m, [x], [s, f], [rng.integers(-(1 << 50), 1 << 50, 4).astype(np.int64)]


def float16_io(rng):
    """f16 in (DEQUANTIZE to f32, FC); f32 and f16 (CAST) out."""
    m = ModelWriter()
    x = m.tensor("x", [1, 8], np.float16)
    xf = m.tensor("x_f32", [1, 8], np.float32)
    m.op(Op.DEQUANTIZE, [x], [xf])
    y = fully_connected(m, xf, (dense_float(rng, 4, 8),), (np.zeros(4, np.float32),), "y")
    h = m.tensor("y_f16", [1, 4], np.float16)
    m.op(Op.CAST, [y], [h], ("CastOptions", {"InDataType": TensorType.FLOAT32, "OutDataType": TensorType.FLOAT16}))
    return m, [x], [y, h], [rng.standard_normal((1, 8)).astype(np.float16)]


def resizable(rng):
    """Batch dimension -1 in the shape signature: the guest sends 3 rows where the model says 1."""
    m = ModelWriter()
    x = m.tensor("x", [1, 16], np.float32, signature=[-1, 16])
    w = m.const("w", dense_float(rng, 10, 16))
    b = m.const("b", (rng.standard_normal(10) * 0.1).astype(np.float32))
    y = m.tensor("y", [1, 10], np.float32, signature=[-1, 10])
    m.op(Op.FULLY_CONNECTED, [x, w, b], [y], ("FullyConnectedOptions", {}))
    return m, [x], [y], [rng.standard_normal((3, 16)).astype(np.float32)]


TEST_CASES = [classifier, mlp, conv, mobilenet_u8, int8_fc, multi_io, int32_ops, int64_ops, float16_io, resizable]


# ---------------------------------------------------------------- truth and files

def run_native(model, inputs, resolver=OpResolverType.AUTO):
    """The tflite_runtime interpreter's outputs, inputs resized to their arrays' shapes like the backend does."""
    interpreter = Interpreter(model_content=model, experimental_op_resolver_type=resolver)
    details = interpreter.get_input_details()
    for d, array in zip(details, inputs):
        if list(d["shape"]) != list(array.shape):
            interpreter.resize_tensor_input(d["index"], list(array.shape), strict=True)
    interpreter.allocate_tensors()
    for d, array in zip(details, inputs):
        interpreter.set_tensor(d["index"], array)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def as_wasi(array):
    """WASI-NN has no int8: the guest sends and receives int8 tensors as their u8 bytes."""
    return array.view(np.uint8) if array.dtype == np.int8 else array


def write_tflite_case(outdir, name, model, inputs, outputs):
    """The model, its inputs and manifest (nn_manifest), and the interpreter's outputs as the "out" lines."""
    with open(os.path.join(outdir, name + ".tflite"), "wb") as f:
        f.write(model)
    write_case(outdir, name, "tensorflowlite", [name + ".tflite"], [as_wasi(a) for a in inputs])
    with open(os.path.join(outdir, name + ".manifest"), "a") as manifest:
        for k, array in enumerate(as_wasi(a) for a in outputs):
            file = f"{name}.out{k}.bin"
            array.astype(array.dtype.newbyteorder("<")).tofile(os.path.join(outdir, file))
            dims = "x".join(str(d) for d in array.shape) or "-"
            manifest.write(f"out {k} {WASI_TYPES[array.dtype.type]} {dims} {file}\n")


# Models that pass the flatbuffer verifier but break TFLite's rules, for the backend's error tests: each spoils
# the classifier (and may return what to serialize instead). Byte-level damage is done by the test itself.
def spoil_buffer_index(m):
    m.tensors[1][3] = 999  # the weights name a buffer past the end of the buffer list


def spoil_tensor_index(m):
    m.operators[0][1] = [0, 77, 2]  # an operator input past the end of the tensor list


def spoil_opcode_index(m):
    m.operators[0][0] = 9  # an operator code past the end of the code list


def spoil_constant_size(m):
    m.buffers[1] = m.buffers[1][:8]  # 8 bytes of weights where the shape needs 640


def spoil_string_constant(m):
    m.tensors[1][2] = TensorType.STRING  # weights whose bytes would be read as a string table


def spoil_unproduced_input(m):
    m.operators[0][1] = [4, 1, 2]  # the first operator reads what the second one computes


def spoil_omitted_first_input(m):
    m.operators[1][1] = [-1]  # softmax without its input: TFLite's kernels would read a null tensor


def spoil_subgraph_input(m):
    return {"inputs": [55]}  # a subgraph input past the end of the tensor list


def spoil_subgraph_output(m):
    return {"outputs": [-1]}  # -1 marks omitted operator inputs, not graph outputs


def spoil_no_subgraph(m):
    return {"with_subgraph": False}


def spoil_custom_op(m):
    m.op("WasmnnNoSuchOp", [4], [m.tensor("custom", [1, 10], np.float32)])  # an operator no resolver knows


SPOILERS = [spoil_buffer_index, spoil_tensor_index, spoil_opcode_index, spoil_constant_size, spoil_string_constant,
            spoil_unproduced_input, spoil_omitted_first_input, spoil_subgraph_input, spoil_subgraph_output,
            spoil_no_subgraph, spoil_custom_op]


def make_tests(outdir):
    for make in TEST_CASES:
        m, inputs, outputs, values = make(np.random.default_rng(12))
        model = m.serialize(inputs, outputs)
        write_tflite_case(outdir, make.__name__, model, values, run_native(model, values))
    # XNNPACK off: the conv net through TFLite's builtin kernels, which round differently.
    m, inputs, outputs, values = conv(np.random.default_rng(12))
    builtin = run_native(m.serialize(inputs, outputs), values, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    builtin[0].tofile(os.path.join(outdir, "conv.builtin.out0.bin"))
    os.makedirs(os.path.join(outdir, "malformed"), exist_ok=True)
    for spoil in SPOILERS:
        m, inputs, outputs, _ = classifier(np.random.default_rng(12))
        how = {"inputs": inputs, "outputs": outputs}
        how.update(spoil(m) or {})
        with open(os.path.join(outdir, "malformed", spoil.__name__[len("spoil_"):] + ".tflite"), "wb") as f:
            f.write(m.serialize(**how))


def make_bench(outdir):
    """bench/nn's classifiers (the widths of make_mlp.py's ONNX ones): FC layers, ReLU between, softmax."""
    rng = np.random.default_rng(7)
    for name, widths in (("tiny", [16, 10]), ("mlp", [256, 1024, 1024, 10])):
        m = ModelWriter()
        x = h = m.tensor("x", [1, widths[0]], np.float32)
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            act = Act.RELU if i < len(widths) - 2 else Act.NONE
            h = fully_connected(m, h, (dense_float(rng, b, a),), ((rng.standard_normal(b) * 0.1).astype(np.float32),),
                                f"fc{i}", act)
        with open(os.path.join(outdir, name + ".tflite"), "wb") as f:
            f.write(m.serialize([x], [softmax(m, h, "probs")]))


def make_demo(outdir):
    """The bird-classifier demo: the u8 MobileNet, its input image, and the native top-5 for it."""
    m, inputs, outputs, values = mobilenet_u8(np.random.default_rng(12))
    model = m.serialize(inputs, outputs)
    with open(os.path.join(outdir, "birds.tflite"), "wb") as f:
        f.write(model)
    values[0].tofile(os.path.join(outdir, "bird.rgb"))
    scores = run_native(model, values)[0][0]
    order = np.argsort(-scores.astype(np.int32), kind="stable")[:5]
    print("tflite_runtime natively: " + ", ".join(f"[{i}]({scores[i]})" for i in order))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("tests", "bench", "demo"):
        sys.exit("usage: make_tflite_models.py tests|bench|demo DIR")
    os.makedirs(sys.argv[2], exist_ok=True)
    {"tests": make_tests, "bench": make_bench, "demo": make_demo}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
