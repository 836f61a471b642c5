#!/usr/bin/python3
"""The README demo's model, built with ONNX's own Python API (Debian's
python3-onnx): an 8x8 digit classifier. Its weights are the ten digit glyphs
below (template matching is a linear classifier): scores = softmax(k · x · T),
x the 64 pixels of an image, T the normalized templates.

    make-demo-model.py OUTDIR [DIGIT]
      → OUTDIR/digits.onnx and OUTDIR/digit.f32 (a noisy DIGIT, default 7,
        as 1x64 little-endian floats for the classify guest)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

GLYPHS = """
..####.. ...##... ..####.. ..####.. ....##.. .######. ..####.. .######. ..####.. ..####..
.##..##. ..###... .##..##. .##..##. ...###.. .##..... .##..... .....##. .##..##. .##..##.
.##..##. ...##... .....##. .....##. ..####.. .#####.. .##..... ....##.. .##..##. .##..##.
.##..##. ...##... ....##.. ...###.. .##.##.. .....##. .#####.. ...##... ..####.. ..#####.
.##..##. ...##... ...##... .....##. .######. .....##. .##..##. ...##... .##..##. .....##.
.##..##. ...##... ..##.... .##..##. ....##.. .##..##. .##..##. ...##... .##..##. .....##.
..####.. .######. .######. ..####.. ....##.. ..####.. ..####.. ...##... ..####.. ..####..
........ ........ ........ ........ ........ ........ ........ ........ ........ ........
"""


def glyphs():
    rows = [r.split() for r in GLYPHS.strip().splitlines()]
    return np.array([[[c == "#" for c in rows[y][d]] for y in range(8)] for d in range(10)], dtype=np.float32)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make-demo-model.py OUTDIR [DIGIT]")
    outdir, digit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 7
    os.makedirs(outdir, exist_ok=True)
    g = glyphs().reshape(10, 64)
    templates = (g - g.mean(axis=1, keepdims=True)) / np.linalg.norm(g, axis=1, keepdims=True)
    w = numpy_helper.from_array(templates.T.astype(np.float32) * 4.0, "templates")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["pixels", "templates"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["scores"], axis=1)],
        "digits", [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 10])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="wasmnn-demo")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(outdir, "digits.onnx"))

    rng = np.random.default_rng(digit)
    image = np.clip(g[digit] + rng.normal(0, 0.25, 64), 0, 1).astype("<f4").reshape(1, 64)
    image.tofile(os.path.join(outdir, "digit.f32"))
    for row in image.reshape(8, 8):
        print("  " + "".join(" .:-=+*#%@"[int(v * 9.99)] for v in row))


if __name__ == "__main__":
    main()
