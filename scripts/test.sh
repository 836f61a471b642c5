#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything
# (core, CLI, every WASI-NN backend of backends/backends.list, guests, tests) and runs every test suite,
# then a smoke run of every fuzz target (scripts/fuzz.sh --smoke: its own clang + ASan build, ~4 min
# on 2 cores, then 25 s per target) with its regression inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --backends
build=${WASMNN_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWASMNN_ALL_BACKENDS=ON
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
bash scripts/fuzz.sh --smoke
