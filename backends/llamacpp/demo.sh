#!/usr/bin/env bash
# scripts/run.sh's llama.cpp demo: a small llama model with random weights
# (made with llama.cpp's gguf-py), preloaded as WasmEdge does, prompted by the
# WasmEdge-style llm guest (compute, then streamed token by token), next to
# llama.cpp's own greedy generation.
set -euo pipefail
prompt="Once upon a time, a llama and an alpaca walked to the river"
options='{"temp": 0, "n-predict": 24, "ctx-size": 256}'
cmake --build "$WASMNN_BUILD" --target guest_llm llamacpp_test_models llamacpp_native_generate | grep -vE '^(\[|ninja: no work)' || true
model="$WASMNN_BUILD/test/nn_backends/data/llamacpp/chat.gguf"
echo "== llama.cpp: a 2-layer llama model with random weights (gguf-py), greedy, 24 tokens"
echo "prompt: $prompt"
"$WASMNN" run --nn-preload "default:GGML:AUTO:$model" "$WASMNN_GUESTS/llm.wasm" chat default "$prompt" "$options" |
  grep -E '^(output|metadata):'
printf 'streamed:'
"$WASMNN" run --nn-preload "default:GGML:AUTO:$model" "$WASMNN_GUESTS/llm.wasm" stream default "$prompt" "$options" |
  sed -n 's/^token: //p' | tr -d '\n'
echo
echo "native: $("$WASMNN_BUILD/bin/llamacpp_native_generate" "$model" "$prompt" 24)"
