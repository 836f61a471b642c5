#!/usr/bin/python3
"""The WASI-NN overhead benchmark's ONNX models, built with onnx.helper
(Debian's python3-onnx): a tiny classifier (16 → 10, where the call overhead
dominates) and an MLP (256 → 1024 → 1024 → 10, where compute dominates).

    make_mlp.py OUTDIR   → OUTDIR/{tiny,mlp}.onnx and OUTDIR/{tiny,mlp}.input.bin
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def mlp(name, widths, rng, outdir):
    nodes, inits, x = [], [], "x"
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        w = numpy_helper.from_array((rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32), f"w{i}")
        bias = numpy_helper.from_array(rng.standard_normal(b).astype(np.float32) * 0.1, f"b{i}")
        inits += [w, bias]
        nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"])]
        x = f"a{i}"
        if i < len(widths) - 2:
            nodes.append(helper.make_node("Relu", [x], [f"r{i}"]))
            x = f"r{i}"
    nodes.append(helper.make_node("Softmax", [x], ["probs"], axis=1))
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, widths[0]])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, widths[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="wasmnn-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(outdir, name + ".onnx"))
    rng.standard_normal((1, widths[0])).astype("<f4").tofile(os.path.join(outdir, name + ".input.bin"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_mlp.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    rng = np.random.default_rng(7)
    mlp("tiny", [16, 10], rng, sys.argv[1])
    mlp("mlp", [256, 1024, 1024, 10], rng, sys.argv[1])


if __name__ == "__main__":
    main()
