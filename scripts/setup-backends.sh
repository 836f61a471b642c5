#!/usr/bin/env bash
# Installs the ML frameworks the WASI-NN backends build against, idempotently
# (anything already present is skipped). Called by `scripts/setup.sh --backends`.
#
#   PyTorch       Debian bookworm libtorch-dev 1.13 (system package).
#   ONNX Runtime  libonnxruntime.so.1 (1.30.0) from the npm package
#                 onnxruntime-node, C API headers from Debian trixie's
#                 libonnxruntime-dev; both unpacked into .deps/ (never
#                 installed system-wide: trixie binaries do not run here).
#   Test data     libonnx-testdata, libonnx-dev + libprotobuf-dev (to read its
#                 TensorProto files), python3-onnx (to build models).
#
# No registry host is written here: apt and npm use this machine's own
# configuration (the trixie suite reuses the bookworm mirror URI).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
deps=$root/.deps
start=$(date +%s)

ORT_VERSION=1.30.0
ORT_HEADERS_DEB_VERSION=1.21.0+dfsg-1

backend_packages=(
  libtorch-dev                              # PyTorch backend (find_package(Torch))
  libonnx-testdata                          # ONNX node/ models with expected outputs
  libonnx-dev libprotobuf-dev               # onnx::TensorProto parsing in the tests
  python3-onnx                              # onnx.helper to generate test/demo models
)

# npm fetches the ONNX Runtime library; Debian's own npm when none is present.
command -v npm >/dev/null || backend_packages+=(npm)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt_packages() {
  local missing="" p
  for p in "${backend_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "setup-backends: apt installing$missing"
  # Wait for a concurrent apt/dpkg instead of failing on its lock.
  as_root apt-get -o DPkg::Lock::Timeout=900 update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends $missing
}

# libonnxruntime.so.1 out of `npm pack` (runs no install scripts, unlike
# `npm install`, whose postinstall needs the internet).
fetch_ort_library() {
  local dir=$deps/onnxruntime/lib
  [ -f "$dir/libonnxruntime.so.1" ] && [ -f "$dir/VERSION-$ORT_VERSION" ] && return 0
  echo "setup-backends: fetching onnxruntime-node@$ORT_VERSION (npm pack, ~113 MB)"
  local tmp
  tmp=$(mktemp -d "$deps/npm.XXXXXX")
  (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  mv "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$dir/"
  ln -sf libonnxruntime.so.1 "$dir/libonnxruntime.so"
  rm -rf "$tmp"
  touch "$dir/VERSION-$ORT_VERSION"
}

# The C API headers from trixie's libonnxruntime-dev, downloaded with a private
# apt state directory so the system's apt configuration is never touched.
fetch_ort_headers() {
  local inc=$deps/onnxruntime/include
  [ -f "$inc/onnxruntime_c_api.h" ] && return 0
  echo "setup-backends: fetching trixie libonnxruntime-dev=$ORT_HEADERS_DEB_VERSION (headers only)"
  local d=$deps/apt-trixie uri
  mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "deb $uri trixie main" >"$d/sources.list"
  local apt_opts=(-o "Dir::State=$d/state" -o "Dir::Cache=$d/cache"
    -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::status=/var/lib/dpkg/status")
  apt-get "${apt_opts[@]}" update -qq
  rm -f "$d"/libonnxruntime-dev_*.deb
  (cd "$d" && apt-get "${apt_opts[@]}" download "libonnxruntime-dev=$ORT_HEADERS_DEB_VERSION")
  local x=$d/root
  rm -rf "$x"
  dpkg-deb -x "$d"/libonnxruntime-dev_*.deb "$x"
  mkdir -p "$inc"
  cp "$x"/usr/include/onnxruntime/*.h "$inc/"
  rm -rf "$x" "$d/state/lists" "$d/cache"
}

mkdir -p "$deps"
install_apt_packages
fetch_ort_library
fetch_ort_headers
echo "setup-backends: done in $(($(date +%s) - start)) s (libtorch: /usr, onnxruntime: $deps/onnxruntime)"
