#!/usr/bin/python3
"""Builds the ONNX test models with onnx.helper (Debian's python3-onnx) and
their inputs. ort_truth then runs them with ONNX Runtime natively and records
the outputs the end-to-end tests compare with.

    make_onnx_models.py OUTDIR

For each case NAME: NAME.onnx (unless shared), NAME.inK.bin (raw little-endian
bytes) and NAME.manifest with the lines
    model FILE onnx
    in K TYPE DIMS FILE      (DIMS like 2x3, "-" for rank 0)
ort_truth appends the "out K TYPE DIMS FILE" lines.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "test", "nn_backends"))
from nn_manifest import write_case  # noqa: E402

OPSET = 17
IR_VERSION = 8

WASI_TYPES = {
    np.float16: ("f16", TensorProto.FLOAT16),
    np.float32: ("f32", TensorProto.FLOAT),
    np.float64: ("f64", TensorProto.DOUBLE),
    np.uint8: ("u8", TensorProto.UINT8),
    np.int32: ("i32", TensorProto.INT32),
    np.int64: ("i64", TensorProto.INT64),
}


def elem(dtype):
    return WASI_TYPES[np.dtype(dtype).type][1]


def save_model(outdir, file, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, os.path.splitext(file)[0], inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="wasmnn-tests")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(outdir, file))


def emit(outdir, name, model_file, arrays):
    write_case(outdir, name, "onnx", [model_file], arrays)


def add_mul(outdir, rng):
    """Two inputs, two outputs picked by index."""
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [3, 4])
    save_model(outdir, "add_mul.onnx",
               [helper.make_node("Add", ["a", "b"], ["sum"]), helper.make_node("Mul", ["a", "b"], ["prod"])],
               [vi("a"), vi("b")], [vi("sum"), vi("prod")])
    emit(outdir, "add_mul", "add_mul.onnx",
         [rng.standard_normal((3, 4), dtype=np.float32), rng.standard_normal((3, 4), dtype=np.float32)])


def gather_mixed(outdir, rng):
    """f32 data and i64 indices in; f32 and i64 out."""
    three = numpy_helper.from_array(np.array(3, dtype=np.int64), "three")
    save_model(outdir, "gather_mixed.onnx",
               [helper.make_node("Gather", ["data", "idx"], ["rows"], axis=0),
                helper.make_node("Mul", ["idx", "three"], ["idx3"])],
               [helper.make_tensor_value_info("data", TensorProto.FLOAT, [4, 3]),
                helper.make_tensor_value_info("idx", TensorProto.INT64, [2])],
               [helper.make_tensor_value_info("rows", TensorProto.FLOAT, [2, 3]),
                helper.make_tensor_value_info("idx3", TensorProto.INT64, [2])],
               [three])
    emit(outdir, "gather_mixed", "gather_mixed.onnx",
         [rng.standard_normal((4, 3), dtype=np.float32), np.array([3, 1], dtype=np.int64)])


def dtypes(outdir, rng):
    """Per WASI-NN tensor type: out0 = transpose(x), out1 = x + x where ORT has
    an Add kernel for the type (not u8), else x reversed along axis 1."""
    for dtype in (np.float16, np.float32, np.float64, np.uint8, np.int32, np.int64):
        t = WASI_TYPES[dtype][0]
        name = f"dtype_{t}"
        second = (helper.make_node("Add", ["x", "x"], ["y"]) if dtype is not np.uint8 else
                  helper.make_node("ReverseSequence", ["x", "lens"], ["y"], batch_axis=0, time_axis=1))
        inits = [] if dtype is not np.uint8 else [numpy_helper.from_array(np.array([5, 5], np.int64), "lens")]
        save_model(outdir, f"{name}.onnx",
                   [helper.make_node("Transpose", ["x"], ["xt"]), second],
                   [helper.make_tensor_value_info("x", elem(dtype), [2, 5])],
                   [helper.make_tensor_value_info("xt", elem(dtype), [5, 2]),
                    helper.make_tensor_value_info("y", elem(dtype), [2, 5])], inits)
        if np.issubdtype(dtype, np.floating):
            x = rng.standard_normal((2, 5)).astype(dtype)
        else:
            x = rng.integers(0, 100, (2, 5)).astype(dtype)
        emit(outdir, name, f"{name}.onnx", [x])


def dynamic(outdir, rng):
    """A symbolic batch dimension: the guest's dims decide the shape."""
    save_model(outdir, "dynamic.onnx", [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
               [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
               [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    emit(outdir, "dynamic_2", "dynamic.onnx", [rng.standard_normal((2, 4), dtype=np.float32)])
    emit(outdir, "dynamic_7", "dynamic.onnx", [rng.standard_normal((7, 4), dtype=np.float32)])


def classifier(outdir, rng, features=16, classes=10):
    """The demo model: softmax(x · W + b), 16 features → 10 classes."""
    w = numpy_helper.from_array(rng.standard_normal((features, classes), dtype=np.float32), "W")
    b = numpy_helper.from_array(rng.standard_normal((classes,), dtype=np.float32), "B")
    save_model(outdir, "classifier.onnx",
               [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["logits"]),
                helper.make_node("Softmax", ["logits"], ["probs"], axis=1)],
               [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, features])],
               [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, classes])], [w, b])
    emit(outdir, "classifier", "classifier.onnx", [rng.standard_normal((1, features), dtype=np.float32)])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_onnx_models.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(20261125)
    add_mul(outdir, rng)
    gather_mixed(outdir, rng)
    dtypes(outdir, rng)
    dynamic(outdir, rng)
    classifier(outdir, rng)


if __name__ == "__main__":
    main()
