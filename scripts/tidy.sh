#!/usr/bin/env bash
# clang-tidy with the repository's .clang-tidy files (naming per folder, a few
# bug-prone checks) over the given files, or every C++ source of lib/ and
# backends/. Needs a configured build with compile commands:
#   cmake -S . -B build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
set -euo pipefail
cd "$(dirname "$0")/.."
build=${WASMNN_BUILD_DIR:-build}
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)" >&2; exit 2; }
if [ $# -eq 0 ]; then mapfile -t files < <(git ls-files 'lib/*.cpp' 'backends/*.cpp'); else files=("$@"); fi
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet
