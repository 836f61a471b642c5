#!/usr/bin/env bash
# Runs a WASI-NN test guest through the wasmnn CLI and checks the outcome.
#   run_guest.sh WASMNN [--log TEXT]... [--stdout TEXT]... [--file NAME HEX]... [--status N] -- RUN-ARGS...
# RUN-ARGS go to `wasmnn run`, which runs in a scratch directory (@WORK@ in
# RUN-ARGS) holding model.fake (fake backend: scale 2, bias 0.5), in.bin
# (f32 1,2,3,-4) and prompt.txt. Passes when the exit status is N (default 0),
# every --stdout TEXT is in stdout, every --log TEXT is in stderr (the host's
# diagnostics) and each --file NAME written by the guest has the bytes HEX.
set -u
wasmnn=$1; shift
logs=(); outs=(); files=(); status=0
while [[ $# -gt 0 && $1 != -- ]]; do
  case $1 in
    --log) logs+=("$2"); shift 2 ;;
    --stdout) outs+=("$2"); shift 2 ;;
    --file) files+=("$2" "$3"); shift 3 ;;
    --status) status=$2; shift 2 ;;
    *) echo "run_guest.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'WNNFAKE1\x00\x00\x00\x40\x00\x00\x00\x3f\x00\x00\x00\x00' > "$work/model.fake"
printf '\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\xc0' > "$work/in.bin"
printf 'hello wasmnn' > "$work/prompt.txt"
args=()
for a in "$@"; do args+=("${a//@WORK@/$work}"); done
(cd "$work" && "$wasmnn" run "${args[@]}") > "$work/stdout" 2> "$work/stderr"
rc=$?
ok=1
if [[ $rc -ne $status ]]; then echo "exit status $rc, expected $status"; ok=0; fi
for t in "${outs[@]+"${outs[@]}"}"; do grep -qF -- "$t" "$work/stdout" || { echo "stdout lacks: $t"; ok=0; }; done
for ((i = 0; i < ${#files[@]}; i += 2)); do
  got=$(od -An -v -tx1 "$work/${files[i]}" 2>/dev/null | tr -d ' \n')
  [[ $got == "${files[i+1]}" ]] || { echo "${files[i]}: got '$got', expected '${files[i+1]}'"; ok=0; }
done
for t in "${logs[@]+"${logs[@]}"}"; do grep -qF -- "$t" "$work/stderr" || { echo "stderr lacks: $t"; ok=0; }; done
if [[ $ok -ne 1 ]]; then
  echo "--- stdout"; cat "$work/stdout"; echo "--- stderr"; cat "$work/stderr"
  exit 1
fi
exit 0
