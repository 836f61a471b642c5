#!/usr/bin/env bash
# scripts/run.sh's TensorFlow Lite demo: a u8-quantized MobileNet-shaped bird
# classifier (u8 [1,224,224,3] -> u8 [1,965], random weights) written with the
# TFLite schema's builders, classified by the birds guest (the shape of
# WasmEdge's TFLite bird example), next to tflite_runtime's own top-5.
set -euo pipefail
here=$(dirname "$0")
dir=$WASMNN_DEMO_DIR
echo "== TensorFlow Lite: a quantized MobileNet-shaped bird classifier (random weights), 224x224 RGB in, 965 u8 scores out"
sdk=$(sed -n 's/^TFLITE_ROOT:PATH=//p' "$WASMNN_BUILD/CMakeCache.txt")
mkdir -p "$dir"
# (without the Python interpreter's "INFO: Created TensorFlow Lite XNNPACK delegate" line)
native=$("$sdk/venv/bin/python" "$here/test/make_tflite_models.py" demo "$dir" 2> >(grep -v '^INFO: ' >&2))
cmake --build "$WASMNN_BUILD" --target guest_tflite_birds | grep -v '^\[' || true
"$WASMNN" run --dir="$dir::/m" "$WASMNN_GUESTS/tflite_birds.wasm" /m/birds.tflite /m/bird.rgb
echo "$native"
