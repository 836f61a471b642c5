"""The Python side of manifest.h: the generators of test models (any
backend's test/*.py) write each case's inputs and NAME.manifest with it.

    write_case(outdir, "conv", "openvino", ["conv.xml", "conv.bin"], [x])
writes OUTDIR/conv.in0.bin (raw little-endian) and OUTDIR/conv.manifest:
    model conv.xml openvino conv.bin
    in 0 f32 1x3x16x16 conv.in0.bin
The truth generator then appends the "out" lines.
"""
import os

import numpy as np

WASI_TYPES = {np.float16: "f16", np.float32: "f32", np.float64: "f64", np.uint8: "u8", np.int32: "i32",
              np.int64: "i64"}


def write_case(outdir, name, encoding, models, arrays):
    lines = [" ".join(["model", models[0], encoding, *models[1:]])]
    for k, a in enumerate(arrays):
        f = f"{name}.in{k}.bin"
        np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tofile(os.path.join(outdir, f))
        dims = "x".join(str(d) for d in a.shape) or "-"
        lines.append(f"in {k} {WASI_TYPES[a.dtype.type]} {dims} {f}")
    with open(os.path.join(outdir, name + ".manifest"), "w") as m:
        m.write("\n".join(lines) + "\n")
