#!/usr/bin/env bash
# The README's main job: real inference in a wasm guest through WASI-NN.
#   1. install the frameworks (scripts/setup.sh --backends),
#   2. build wasmnn with the PyTorch and ONNX Runtime backends,
#   3. make models with each framework's own API,
#   4. run the classify guest on them with `wasmnn run` and print its top-5.
# Idempotent: a second run skips what is present and takes seconds.
#   WASMNN_BUILD_DIR=dir scripts/run.sh   (default: build, as scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath -m "${WASMNN_BUILD_DIR:-build}")
jobs=$(nproc)
start=$(date +%s)

bash scripts/setup.sh --backends

echo "== configure and build ($build, PyTorch + ONNX Runtime backends)"
cmake -S . -B "$build" -G Ninja -DWASMNN_BACKEND_PYTORCH=ON -DWASMNN_BACKEND_ONNXRUNTIME=ON >/dev/null
# nn_torch_models makes the TorchScript model with libtorch's C++ API.
cmake --build "$build" -j"$jobs" --target wasmnn_cli wasmnn_backend_onnxruntime wasmnn_backend_pytorch \
  guest_classify nn_torch_models | grep -v '^\[' || true

demo=$build/demo
wasmnn=$build/bin/wasmnn
classify=$build/guests/classify.wasm

echo
echo "== ONNX Runtime: an 8x8 digit classifier built with python3-onnx, input a noisy 7"
/usr/bin/python3 scripts/make-demo-model.py "$demo" 7
"$wasmnn" run --dir="$demo::/demo" "$classify" /demo/digits.onnx onnx /demo/digit.f32 1,64

echo
echo "== PyTorch: a TorchScript classifier (16 -> 10) built with libtorch, loaded by a preloaded name"
torch_dir=$build/demo/torch
[ -f "$torch_dir/classifier.pt" ] || "$build/bin/nn_torch_models" "$torch_dir"
"$wasmnn" run --dir="$torch_dir::/m" --nn-preload="clf:pytorch:cpu:$torch_dir/classifier.pt" \
  "$classify" @clf pytorch /m/classifier.in0.bin 1,16
/usr/bin/python3 - "$torch_dir/classifier.out0.bin" <<'EOF'
import sys, numpy as np
s = np.fromfile(sys.argv[1], "<f4")
print("libtorch natively: " + ", ".join(f"class {i} {s[i]:.6f}" for i in np.argsort(-s)[:5]))
EOF

echo
echo "run.sh: done in $(($(date +%s) - start)) s"
