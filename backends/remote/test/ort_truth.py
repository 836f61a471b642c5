"""The remote backend's truth: every ONNX test model of DIR run natively with
ONNX Runtime's own API (the venv's onnxruntime, the library and version the
test server serves them with; also the version of the onnxruntime backend).

    ort_truth.py DIR

For every DIR/NAME.manifest (model + "in" lines, see
backends/onnxruntime/test/make_onnx_models.py) writes DIR/NAME.outK.bin and
appends one "out K TYPE DIMS FILE" line per output to the manifest.
"""
import os
import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "test", "nn_backends"))
from nn_manifest import WASI_TYPES  # noqa: E402

TYPES = {name: dtype for dtype, name in WASI_TYPES.items()}
NAMES = {np.dtype(dtype): name for dtype, name in WASI_TYPES.items()}


def run_case(outdir, manifest):
    lines = [line.split() for line in open(manifest).read().splitlines() if line.strip()]
    lines = [l for l in lines if l[0] != "out"]
    model = next(l[1] for l in lines if l[0] == "model")
    session = ort.InferenceSession(os.path.join(outdir, model), providers=["CPUExecutionProvider"])
    feeds = {}
    for _, k, t, dims, f in (l for l in lines if l[0] == "in"):
        shape = [] if dims == "-" else [int(d) for d in dims.split("x")]
        data = np.fromfile(os.path.join(outdir, f), dtype=np.dtype(TYPES[t]).newbyteorder("<")).reshape(shape)
        feeds[session.get_inputs()[int(k)].name] = data
    name = os.path.basename(manifest)[: -len(".manifest")]
    out_lines = []
    for k, result in enumerate(session.run(None, feeds)):
        f = f"{name}.out{k}.bin"
        result.astype(result.dtype.newbyteorder("<")).tofile(os.path.join(outdir, f))
        dims = "x".join(str(d) for d in result.shape) or "-"
        out_lines.append(f"out {k} {NAMES[result.dtype]} {dims} {f}")
    with open(manifest, "w") as m:
        m.write("\n".join(" ".join(l) for l in lines + [o.split() for o in out_lines]) + "\n")


def main():
    outdir = sys.argv[1]
    for f in sorted(os.listdir(outdir)):
        if f.endswith(".manifest"):
            run_case(outdir, os.path.join(outdir, f))


if __name__ == "__main__":
    main()
