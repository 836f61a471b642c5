#!/usr/bin/env bash
# scripts/run.sh's ONNX Runtime demo: an 8x8 digit classifier built with
# python3-onnx, input a noisy 7, classified by the classify guest.
set -euo pipefail
here=$(dirname "$0")
echo "== ONNX Runtime: an 8x8 digit classifier built with python3-onnx, input a noisy 7"
/usr/bin/python3 "$here/make-demo-model.py" "$WASMNN_DEMO_DIR" 7
"$WASMNN" run --dir="$WASMNN_DEMO_DIR::/demo" "$WASMNN_GUESTS/classify.wasm" /demo/digits.onnx onnx /demo/digit.f32 1,64
