#!/usr/bin/env bash
# scripts/run.sh's PyTorch demo: a TorchScript classifier (16 -> 10) built with
# libtorch's C++ API, preloaded by name, classified by the classify guest, and
# libtorch's own top-5 for the same input.
set -euo pipefail
echo "== PyTorch: a TorchScript classifier (16 -> 10) built with libtorch, loaded by a preloaded name"
dir=$WASMNN_DEMO_DIR
if ! [ -f "$dir/classifier.pt" ]; then
  cmake --build "$WASMNN_BUILD" --target nn_torch_models | grep -v '^\[' || true
  "$WASMNN_BUILD/bin/nn_torch_models" "$dir"
fi
"$WASMNN" run --dir="$dir::/m" --nn-preload="clf:pytorch:cpu:$dir/classifier.pt" \
  "$WASMNN_GUESTS/classify.wasm" @clf pytorch /m/classifier.in0.bin 1,16
/usr/bin/python3 - "$dir/classifier.out0.bin" <<'PY'
import sys, numpy as np
s = np.fromfile(sys.argv[1], "<f4")
print("libtorch natively: " + ", ".join(f"class {i} {s[i]:.6f}" for i in np.argsort(-s)[:5]))
PY
