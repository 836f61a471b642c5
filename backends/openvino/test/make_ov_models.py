"""Builds the OpenVINO test models with OpenVINO's own Python API (opset
builders, random weights from a fixed seed) and their inputs. ov_truth then
runs them with OpenVINO natively (C++ API, f32 precision) and records the
outputs the end-to-end tests compare with. Runs in the venv that
backends/openvino/setup.sh creates (the same OpenVINO wheel as the SDK).

    make_ov_models.py OUTDIR [CASE...]

For each case NAME: NAME.xml + NAME.bin (IR; unless shared), NAME.inK.bin
(raw little-endian bytes) and NAME.manifest with the lines
    model NAME.xml openvino NAME.bin
    in K TYPE DIMS FILE      (DIMS like 2x3, "-" for rank 0)
ov_truth appends the "out K TYPE DIMS FILE" lines.
"""
import os
import sys

import numpy as np
import openvino as ov
import openvino.opset13 as ops

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "test", "nn_backends"))
from nn_manifest import WASI_TYPES, write_case  # noqa: E402


def save(outdir, name, results, params):
    model = ov.Model(results, params, name)
    # Weights stay f32: the default would compress them to f16.
    ov.save_model(model, os.path.join(outdir, name + ".xml"), compress_to_fp16=False)


def emit(outdir, name, model, arrays):
    write_case(outdir, name, "openvino", [model + ".xml", model + ".bin"], arrays)


def const(rng, *shape, scale=1.0):
    return ops.constant((rng.standard_normal(shape) * scale).astype(np.float32))


def dense(x, rng, n_in, n_out):
    return ops.add(ops.matmul(x, const(rng, n_in, n_out, scale=(2.0 / n_in) ** 0.5), False, False),
                   const(rng, 1, n_out, scale=0.1))


def classifier(outdir, rng, features=16, classes=10):
    """The required case: softmax(x · W + b), f32 [1,16] -> f32 [1,10]."""
    x = ops.parameter([1, features], np.float32, name="x")
    save(outdir, "classifier", [ops.softmax(dense(x, rng, features, classes), 1)], [x])
    emit(outdir, "classifier", "classifier", [rng.standard_normal((1, features), dtype=np.float32)])


def fc(outdir, rng):
    """A fully-connected net: 32 -> 64 -> ReLU -> 64 -> ReLU -> 10 -> softmax."""
    x = ops.parameter([1, 32], np.float32, name="x")
    h = ops.relu(dense(x, rng, 32, 64))
    h = ops.relu(dense(h, rng, 64, 64))
    save(outdir, "fc", [ops.softmax(dense(h, rng, 64, 10), 1)], [x])
    emit(outdir, "fc", "fc", [rng.standard_normal((1, 32), dtype=np.float32)])


def conv2d(x, rng, c_in, c_out, k, stride=1, groups=1):
    """Convolution (grouped when groups > 1) with 'same' padding plus a bias."""
    pad = [k // 2, k // 2]
    fan_in = c_in // groups * k * k
    if groups == 1:
        y = ops.convolution(x, const(rng, c_out, c_in, k, k, scale=(2.0 / fan_in) ** 0.5), [stride, stride], pad,
                            pad, [1, 1])
    else:
        w = const(rng, groups, c_out // groups, c_in // groups, k, k, scale=(2.0 / fan_in) ** 0.5)
        y = ops.group_convolution(x, w, [stride, stride], pad, pad, [1, 1])
    return ops.add(y, const(rng, 1, c_out, 1, 1, scale=0.05))


def conv(outdir, rng):
    """A small conv net: NCHW 1x3x16x16 -> conv 3x3 (8) -> ReLU -> max pool 2x2 -> conv 3x3 (16) -> ReLU ->
    global average -> dense 16 -> 5 -> softmax."""
    x = ops.parameter([1, 3, 16, 16], np.float32, name="image")
    h = ops.relu(conv2d(x, rng, 3, 8, 3))
    h = ops.max_pool(h, [2, 2], [1, 1], [0, 0], [0, 0], [2, 2]).output(0)
    h = ops.relu(conv2d(h, rng, 8, 16, 3))
    h = ops.reduce_mean(h, ops.constant(np.array([2, 3], np.int64)), False)
    save(outdir, "conv", [ops.softmax(dense(h, rng, 16, 5), 1)], [x])
    emit(outdir, "conv", "conv", [rng.standard_normal((1, 3, 16, 16), dtype=np.float32)])


def relu6(x):
    return ops.clamp(x, 0.0, 6.0)


def mobilenet_v2(outdir, rng, classes=1001):
    """MobileNetV2 (Sandler et al. 2018; batch norm folded into the biases) at the size of the classifiers in the
    Wasmtime/WasmEdge OpenVINO examples: f32 [1,3,224,224] -> softmax over 1001 classes, 3.5 M weights."""
    x = ops.parameter([1, 3, 224, 224], np.float32, name="input")
    h = relu6(conv2d(x, rng, 3, 32, 3, stride=2))
    c_in = 32
    # (expansion t, channels c, repeats n, first stride s), as in the paper's table 2.
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            hidden = c_in * t
            y = relu6(conv2d(h, rng, c_in, hidden, 1)) if t != 1 else h
            y = relu6(conv2d(y, rng, hidden, hidden, 3, stride=s if i == 0 else 1, groups=hidden))
            y = conv2d(y, rng, hidden, c, 1)
            h = ops.add(h, y) if i > 0 else y  # residual when shapes match
            c_in = c
    h = relu6(conv2d(h, rng, c_in, 1280, 1))
    h = ops.reduce_mean(h, ops.constant(np.array([2, 3], np.int64)), False)
    save(outdir, "mobilenet_v2", [ops.softmax(dense(h, rng, 1280, classes), 1)], [x])
    # A smooth synthetic "image" (sums of sinusoids), roughly normalised like ImageNet inputs.
    yy, xx = np.mgrid[0:224, 0:224].astype(np.float32) / 224.0
    image = np.stack([np.sin(6.0 * xx + 2.0 * k) * np.cos(4.0 * yy - k) for k in range(3)])
    emit(outdir, "mobilenet_v2", "mobilenet_v2", [image[None].astype(np.float32)])


def add_mul(outdir, rng):
    """Two inputs, two outputs picked by index."""
    a = ops.parameter([3, 4], np.float32, name="a")
    b = ops.parameter([3, 4], np.float32, name="b")
    save(outdir, "add_mul", [ops.add(a, b), ops.multiply(a, b)], [a, b])
    emit(outdir, "add_mul", "add_mul",
         [rng.standard_normal((3, 4), dtype=np.float32), rng.standard_normal((3, 4), dtype=np.float32)])


def dtypes(outdir, rng):
    """Per WASI-NN tensor type: out0 = transpose(x), out1 = x + x."""
    for dtype, t in WASI_TYPES.items():
        name = f"dtype_{t}"
        x = ops.parameter([2, 5], dtype, name="x")
        save(outdir, name, [ops.transpose(x, ops.constant(np.array([1, 0], np.int64))), ops.add(x, x)], [x])
        if np.issubdtype(dtype, np.floating):
            value = rng.standard_normal((2, 5)).astype(dtype)
        else:
            value = rng.integers(0, 100, (2, 5)).astype(dtype)
        emit(outdir, name, name, [value])


def dynamic(outdir, rng):
    """A dynamic batch dimension: the guest's dims decide the shape."""
    x = ops.parameter(ov.PartialShape([-1, 4]), np.float32, name="x")
    save(outdir, "dynamic", [ops.softmax(ops.multiply(x, ops.constant(np.float32(3.0))), 1)], [x])
    emit(outdir, "dynamic_2", "dynamic", [rng.standard_normal((2, 4), dtype=np.float32)])
    emit(outdir, "dynamic_7", "dynamic", [rng.standard_normal((7, 4), dtype=np.float32)])


CASES = {f.__name__: f for f in (classifier, fc, conv, mobilenet_v2, add_mul, dtypes, dynamic)}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_ov_models.py OUTDIR [CASE...]")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name in sys.argv[2:] or CASES:
        # One generator per case, each seeded on its own: a case's weights do not depend on which others are made.
        CASES[name](outdir, np.random.default_rng(20261203 + sorted(CASES).index(name)))


if __name__ == "__main__":
    main()
