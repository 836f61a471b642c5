#!/usr/bin/env bash
# Runs the libFuzzer targets of test/fuzz, built in their own clang + ASan +
# UBSan tree (build-fuzz/, or $WASMNN_FUZZ_BUILD_DIR):
#   module       the decoder and validator
#   instantiate  instantiation and calls under tight limits and a deadline
#   wasi_nn      random WASI-NN call sequences against the fake backend
#   wasi_path    WASI path resolution and path_* calls on a real tree
#
#   scripts/fuzz.sh [--minutes N]  every target for its share of N minutes (default 8)
#   scripts/fuzz.sh --smoke        what scripts/test.sh runs: 25 s per target (100 s in all)
#
# Seeds are the spec testsuite's modules (../shared/testsuite/core, turned into
# .wasm files with wast2json under build-fuzz/fuzz/seeds; shared/ is only read).
# Corpora grow in build-fuzz/fuzz/corpus/<target>. test/fuzz/regressions/<target>/
# (minimised reproducers of fixed findings) run first, every time. A crash,
# leak, sanitizer report or timeout is saved in build-fuzz/fuzz/artifacts/<target>/
# and fails the run; minimise it with
#   build-fuzz/bin/fuzz_<target> -minimize_crash=1 -runs=100000 FILE
# fix it, and add the minimised file to test/fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

minutes=8
seconds_each=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --minutes=*) minutes=${1#*=}; shift ;;
    --smoke) seconds_each=25; shift ;;
    *) echo "usage: scripts/fuzz.sh [--minutes N | --smoke]" >&2; exit 2 ;;
  esac
done
targets=(module instantiate wasi_nn wasi_path)
[ -n "$seconds_each" ] || seconds_each=$((minutes * 60 / ${#targets[@]}))

bash scripts/setup.sh --fuzz
build=${WASMNN_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWASMNN_FUZZ=ON \
  -DWASMNN_BUILD_TESTS=OFF -DWASMNN_BUILD_GUESTS=OFF -DWASMNN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

work=$build/fuzz
seeds=$work/seeds
if [ ! -f "$seeds/.done" ]; then
  mkdir -p "$seeds/wast"
  for wast in ../shared/testsuite/core/*.wast ../shared/testsuite/core/simd/*.wast; do
    wast2json --enable-all "$wast" -o "$seeds/wast/$(basename "$wast" .wast).json" >/dev/null 2>&1 || true
  done
  mkdir -p "$seeds/wasm"
  find "$seeds/wast" -name '*.wasm' -size -64k -exec mv {} "$seeds/wasm/" \;
  rm -rf "$seeds/wast"
  touch "$seeds/.done"
fi

status=0
passed=0
failed=0
printf '\n%-12s %8s %12s %9s %16s %8s  %s\n' target seconds executions exec/s "coverage (edges)" corpus result
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  artifacts=$work/artifacts/$t
  regressions=$root/test/fuzz/regressions/$t
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus")
  [ -d "$regressions" ] && dirs+=("$regressions")
  case "$t" in
    module | instantiate) dirs+=("$seeds/wasm") ;;
    *) extra=(-max_len=4096) ;;
  esac
  log=$work/$t.log
  set +e
  "$build/bin/fuzz_$t" -max_total_time="$seconds_each" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${extra[@]+"${extra[@]}"} "${dirs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  unset extra
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE '(INITED|DONE|NEW|REDUCE|pulse) +cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  total=$(grep -oE 'Loaded [0-9]+ modules +\([0-9]+ inline 8-bit counters' "$log" | grep -oE '\([0-9]+' | tr -d '(' |
    awk '{ n += $1 } END { print n }')
  units=$(find "$corpus" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
    passed=$((passed + 1))
  else
    result="FAILED (exit $rc; $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|ALARM|deadly signal' "$log" || echo 'see log'); log: $log)"
    failed=$((failed + 1))
    status=1
  fi
  printf '%-12s %8s %12s %9s %16s %8s  %s\n' "$t" "$seconds_each" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}/${total:-?}" "$units" "$result"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
