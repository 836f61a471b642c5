#!/usr/bin/env bash
# The stage layering is enforced by the build (lib/CMakeLists.txt: each stage
# compiles against an include root holding only what it may use). This checks
# the enforcement itself: allowed includes compile, forbidden ones fail.
#   layering_test.sh CXX LAYER_ROOT GENERATED_INCLUDE
set -euo pipefail
cxx=$1 layers=$2 generated=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

probe() {  # probe allow|deny STAGE HEADER
  local want=$1 stage=$2 header=$3
  printf '#include "%s"\nint main() { return 0; }\n' "$header" >"$tmp/probe.cpp"
  if "$cxx" -std=c++20 -fsyntax-only -I"$layers/$stage" -I"$generated" "$tmp/probe.cpp" 2>"$tmp/err"; then
    got=allow
  else
    got=deny
    grep -q "No such file" "$tmp/err" || { echo "FAIL: $stage / $header failed for another reason:"; cat "$tmp/err"; failures=$((failures + 1)); return; }
  fi
  if [ "$got" = "$want" ]; then
    echo "ok: stage $stage may $( [ "$want" = allow ] && echo use || echo not use ) $header"
  else
    echo "FAIL: stage $stage should $want $header but the build did $got it"
    failures=$((failures + 1))
  fi
}

probe allow loader wasmnn/ast/module.h
probe deny loader wasmnn/runtime/objects.h
probe deny validator wasmnn/loader/reader.h
probe deny common wasmnn/runtime/objects.h
probe allow runtime wasmnn/executor/exec.h
probe deny runtime wasmnn/loader/loader.h
probe allow api wasmnn/loader/loader.h
probe allow wasi wasmnn/wasi.h
probe deny wasi wasmnn/runtime/objects.h
probe deny wasi wasmnn/wasi_nn/graph.h
probe allow wasi_nn wasmnn/nn_backend.h
probe deny wasi_nn wasmnn/runtime/objects.h
probe deny wasi_nn wasmnn/wasi/context.h
probe allow native wasmnn/runtime/objects.h
probe deny native wasmnn/loader/loader.h
probe allow llvm wasmnn/native/abi.h
probe deny llvm wasmnn/runtime/objects.h
[ "$failures" -eq 0 ] || { echo "$failures layering check(s) failed"; exit 1; }
