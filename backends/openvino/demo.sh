#!/usr/bin/env bash
# scripts/run.sh's OpenVINO demo: a MobileNetV2-sized IR classifier (random
# weights, 1001 classes) built with OpenVINO's Python API, classified by the
# openvino-classify guest (written like the Wasmtime/WasmEdge OpenVINO
# examples: two builders, a raw f32 [1,3,224,224] tensor, target cpu), and
# OpenVINO's own top-5 for the same input, computed natively.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=$here/../../.deps/openvino/venv
echo "== OpenVINO: a MobileNetV2-sized IR (random weights) from OpenVINO's Python API, two builders, a raw f32 tensor"
dir=$WASMNN_DEMO_DIR
cmake --build "$WASMNN_BUILD" --target nn_ov_truth guest_openvino-classify | grep -v '^\[' || true
if ! [ -f "$dir/mobilenet_v2.out0.bin" ]; then
  "$venv/bin/python" "$here/test/make_ov_models.py" "$dir" mobilenet_v2
  "$WASMNN_BUILD/bin/nn_ov_truth" "$dir"
fi
"$WASMNN" run --dir="$dir::/m" "$WASMNN_GUESTS/openvino-classify.wasm" /m/mobilenet_v2.xml /m/mobilenet_v2.bin \
  /m/mobilenet_v2.in0.bin
"$venv/bin/python" - "$dir/mobilenet_v2.out0.bin" <<'PY'
import sys, numpy as np
s = np.fromfile(sys.argv[1], "<f4")[1:]  # entry 0 is the background class
print("OpenVINO natively: " + ", ".join(f"[{i}]({s[i]:.4f})" for i in np.argsort(-s, kind="stable")[:5]))
PY
