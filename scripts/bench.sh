#!/usr/bin/env bash
# Runs the benchmark suite: builds (Release) the kernels and the wasmnn CLI,
# then bench/run.py times every kernel natively and under `wasmnn run`.
#   scripts/bench.sh                 full run (5 timed runs per kernel), ~minutes
#   scripts/bench.sh --quick         small inputs, 2 runs: a smoke test
#   scripts/bench.sh --build-dir DIR use DIR instead of build/
#   scripts/bench.sh --no-build      run what is already built
#   scripts/bench.sh --nn            also build the ONNX Runtime, OpenVINO and TFLite
#                                    backends (needs scripts/setup.sh --backends) for bench/nn's
#                                    WASI-NN overhead benchmark
# Every other option goes to bench/run.py (--repeats N, --only fib,nbody,
# --startup-runs N, --timeout S, --no-save, --baseline OLD.json; see
# bench/run.py --help). Results: bench/results/<date>.json, latest.{json,md,png}
# (--quick: latest-quick.* only, git-ignored). Documented in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
do_build=1
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
runner_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --build-dir=*) build_dir="${1#*=}"; shift ;;
    --no-build) do_build=0; shift ;;
    --nn) cmake_args+=(-DWASMNN_BACKEND_ONNXRUNTIME=ON -DWASMNN_BACKEND_OPENVINO=ON -DWASMNN_BACKEND_TFLITE=ON); shift ;;
    *) runner_args+=("$1"); shift ;;
  esac
done

# Debian's python3: the runner needs its python3-matplotlib for the chart,
# which a python3 earlier on PATH (pyenv, venv) would not see.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

if [ "$do_build" = 1 ]; then
  if [ -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
  else
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    cmake -S . -B "$build_dir" "${generator[@]}" "${cmake_args[@]}" >/dev/null
  fi
  cmake --build "$build_dir" --target bench_kernels -j2
  # The engine may be mid-development: a failed CLI build is reported per
  # kernel by the runner instead of stopping the native measurements.
  # A stale build/bin/wasmnn must not be measured in its place.
  log="$build_dir/bench/wasmnn_cli-build.log"
  if ! cmake --build "$build_dir" --target wasmnn_cli -j2 >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    echo "bench: warning: wasmnn_cli did not build (full log: $log)" >&2
    runner_args+=(--wasmnn-unavailable "the wasmnn_cli build failed (see $log)")
  fi
  # bench/nn defines nn_overhead only when a WASI-NN backend is enabled.
  log="$build_dir/bench/nn_overhead-build.log"
  if cmake --build "$build_dir" --target help 2>/dev/null | grep -qw nn_overhead &&
     ! cmake --build "$build_dir" --target nn_overhead -j2 >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    echo "bench: warning: nn_overhead did not build (full log: $log)" >&2
    runner_args+=(--nn-unavailable "the nn_overhead build failed (see $log)")
  fi
fi

exec "$python" bench/run.py --build-dir "$build_dir" "${runner_args[@]}"
