#!/usr/bin/env bash
# Installs every Debian package wasmnn needs, idempotently: packages already
# present are skipped, so a second run costs one dpkg query.
#   scripts/setup.sh            core build + tests (engine, WASI, guests)
#   scripts/setup.sh --backends also the ML frameworks the WASI-NN backends use
set -euo pipefail
cd "$(dirname "$0")/.."

core_packages=(
  g++ cmake ninja-build pkg-config git
  libgtest-dev libcli11-dev nlohmann-json3-dev
  wabt                                     # wast2json for the spec tests, wasm-interp for bench
  clang lld wasi-libc libclang-rt-14-dev-wasm32   # guest programs (wasm32-wasi)
  python3
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
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

apt_install "${core_packages[@]}"

if [ "${1:-}" = "--backends" ]; then
  bash scripts/setup-backends.sh
fi
