#!/usr/bin/env bash
# Differential testing against Wasmtime (test/differential/differential.py):
# generated valid modules run in both engines, results compared.
#   scripts/differential.sh [--modules N] [--seed S]   (default 2000 modules, seed "wasmnn")
# Test-only dependencies, installed on first use into .deps/differential/ with
# the machine's own cargo and pip configuration: wasm-tools (crate, built with
# only its `smith` generator: ~6 minutes on 2 cores) and the wasmtime wheel.
# Nothing of them is committed, and scripts/test.sh does not run this.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

modules=2000
seed=wasmnn
while [ $# -gt 0 ]; do
  case "$1" in
    --modules) modules=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "usage: scripts/differential.sh [--modules N] [--seed S]" >&2; exit 2 ;;
  esac
done

deps=$root/.deps/differential
WASM_TOOLS_VERSION=1.263.0
WASMTIME_PY_VERSION=50.0.1
if [ ! -x "$deps/bin/wasm-tools" ]; then
  echo "differential: building wasm-tools $WASM_TOOLS_VERSION (smith only) with cargo"
  cargo install --quiet --locked --root "$deps" --no-default-features --features smith \
    --version "$WASM_TOOLS_VERSION" wasm-tools
fi
if [ ! -d "$deps/python/wasmtime" ]; then
  echo "differential: installing the wasmtime $WASMTIME_PY_VERSION wheel with pip"
  python3 -m pip install --quiet --target "$deps/python" "wasmtime==$WASMTIME_PY_VERSION"
fi

build=${WASMNN_BUILD_DIR:-build}
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target wasmnn_diff_driver -j"$(nproc)"
PYTHONPATH=$deps/python python3 test/differential/differential.py --modules "$modules" --seed "$seed" \
  --wasm-tools "$deps/bin/wasm-tools" --driver "$build/bin/wasmnn_diff_driver" --work "$build/differential"
