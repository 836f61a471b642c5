#!/usr/bin/env bash
# The README's main job: real inference in wasm guests through WASI-NN.
#   1. install the frameworks (scripts/setup.sh --backends),
#   2. build wasmnn with every backend of backends/backends.list,
#   3. run each backend's demo (backends/<name>/demo.sh): a model made with the
#      framework's own API, run by a guest with `wasmnn run`, next to the
#      framework's native answer.
# Idempotent: a second run skips what is present and takes seconds.
#   WASMNN_BUILD_DIR=dir scripts/run.sh   (default: build, as scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath -m "${WASMNN_BUILD_DIR:-build}")
start=$(date +%s)
mapfile -t backends < <(grep -v '^[[:space:]]*\(#\|$\)' backends/backends.list)

bash scripts/setup.sh --backends

echo "== configure and build ($build; backends: ${backends[*]})"
cmake -S . -B "$build" -G Ninja -DWASMNN_ALL_BACKENDS=ON >/dev/null
targets=(wasmnn_cli guest_classify)
for b in "${backends[@]}"; do targets+=("wasmnn_backend_$b"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" | grep -v '^\[' || true

# What a demo gets: the build tree, the CLI, the guests' folder, and a
# folder of its own for models.
export WASMNN_BUILD="$build" WASMNN="$build/bin/wasmnn" WASMNN_GUESTS="$build/guests"
for b in "${backends[@]}"; do
  [ -f "backends/$b/demo.sh" ] || continue
  echo
  WASMNN_DEMO_DIR="$build/demo/$b" bash "backends/$b/demo.sh"
done

echo
echo "run.sh: done in $(($(date +%s) - start)) s"
