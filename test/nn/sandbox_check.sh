#!/usr/bin/env bash
# The WASI-NN sandbox as a given user: CI runs as root, people do not.
#   sandbox_check.sh self|nobody WASMNN FAKE_BACKEND_DIR NN_CLI_WASM
# `nobody` runs everything as uid/gid 65534 (with setpriv when this script
# is root; as whoever runs it otherwise). Checks that `wasmnn backends`
# reports every sandbox feature with no warning, and that a guest model
# (the fake backend's hostile commands) can neither read a file the user may
# read, nor create one where the user may write, nor open a socket, nor
# start a program.
set -u
who=$1 wasmnn=$2 fake=$3 nn_cli=$4
as_user=()
if [[ $who == nobody && $(id -u) == 0 ]]; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"  # the user may write here: only the sandbox stops the model
if ((${#as_user[@]})); then
  # The build tree may lie below a directory only its owner can enter (a clone
  # in a `mktemp -d` folder): the other user runs copies from a readable stage.
  stage=$work/stage lib=$(dirname "$wasmnn")/../lib
  mkdir -p "$stage/bin" "$stage/lib" "$stage/fake"
  cp "$wasmnn" "$stage/bin/" && cp -P "$lib"/libwasmnn.so* "$lib/wasmnn-nn-worker" "$stage/lib/" &&
    cp "$fake"/*.so "$stage/fake/" && cp "$nn_cli" "$stage/" || exit 1
  chmod -R a+rX "$stage"
  wasmnn=$stage/bin/wasmnn fake=$stage/fake nn_cli=$stage/$(basename "$nn_cli")
fi
printf 'WNNFAKE1\x00\x00\x80\x3f\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/model.fake"
printf 'TOPSECRET' > "$work/secret.txt"
chmod 644 "$work/model.fake" "$work/secret.txt"
fail=0
check() { grep -qF -- "$2" "$1" || { echo "FAIL: $1 lacks: $2"; cat "$1"; fail=1; }; }

"${as_user[@]}" "$wasmnn" backends --nn-backend-dir="$fake" > "$work/backends.txt" 2>&1
check "$work/backends.txt" "sandbox on this kernel: seccomp-bpf yes, Landlock ABI"
check "$work/backends.txt" "user namespace yes, network namespace yes, IPC namespace yes"
if grep -q warning "$work/backends.txt"; then echo "FAIL: a sandbox feature is missing"; cat "$work/backends.txt"; fail=1; fi

run() {  # COMMAND-BYTES NAME: runs one hostile command, output 0 into NAME.out
  printf '%s' "$1" > "$work/$2.cmd"
  chmod 644 "$work/$2.cmd"
  (cd "$work" && "${as_user[@]}" "$wasmnn" run --dir=. --nn-backend-dir="$fake" "$nn_cli" --model model.fake \
    --encoding tensorflow --input "0:u8:$(stat -c %s "$work/$2.cmd"):$2.cmd" --output "0:$2.out") > "$work/$2.log" 2>&1
}
run "WNNREAD:$work/secret.txt" read
run "WNNWRITE$work/planted.txt" write
run "WNNSOCKT" socket
run "WNNSPAWN" spawn
for name in read write socket spawn; do check "$work/$name.out" "errno "; done
[[ -e $work/planted.txt ]] && { echo "FAIL: the model created a file"; fail=1; }
[[ $fail == 0 ]] && echo "sandbox complete and closed as $(${as_user[@]+"${as_user[@]}"} id -un 2>/dev/null || id -un)"
exit $fail
