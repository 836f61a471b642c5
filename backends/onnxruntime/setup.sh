#!/usr/bin/env bash
# ONNX Runtime for the onnxruntime backend, unpacked into .deps/onnxruntime
# (never installed system-wide: trixie binaries do not run on bookworm):
#   library   libonnxruntime.so.1 (1.30.0) from the npm package onnxruntime-node
#   headers   the C API from Debian trixie's libonnxruntime-dev (API 21; ORT keeps old API versions)
#   tests     libonnx-testdata (node models + expected outputs), libonnx-dev and
#             libprotobuf-dev (to read its TensorProto files), python3-onnx (to build models)
setup_component=onnxruntime
source "$(dirname "$0")/../../scripts/lib/setup-common.sh"

ORT_VERSION=1.30.0
ORT_HEADERS_DEB_VERSION=1.21.0+dfsg-1

packages=(libonnx-testdata libonnx-dev libprotobuf-dev python3-onnx)
command -v npm >/dev/null || packages+=(npm)  # Debian's npm when the machine has none
apt_install "${packages[@]}"

# libonnxruntime.so.1 out of `npm pack` (runs no install scripts, unlike
# `npm install`, whose postinstall needs the internet).
lib=$deps/onnxruntime/lib
if ! [ -f "$lib/libonnxruntime.so.1" ] || ! [ -f "$lib/VERSION-$ORT_VERSION" ]; then
  log "fetching onnxruntime-node@$ORT_VERSION (npm pack, ~113 MB)"
  mkdir -p "$deps"
  tmp=$(mktemp -d "$deps/npm.XXXXXX")
  (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
  mkdir -p "$lib"
  tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  mv "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$lib/"
  ln -sf libonnxruntime.so.1 "$lib/libonnxruntime.so"
  rm -rf "$tmp"
  touch "$lib/VERSION-$ORT_VERSION"
fi

inc=$deps/onnxruntime/include
if ! [ -f "$inc/onnxruntime_c_api.h" ]; then
  log "fetching trixie libonnxruntime-dev=$ORT_HEADERS_DEB_VERSION (headers only)"
  d=$deps/apt-trixie
  rm -f "$d"/libonnxruntime-dev_*.deb
  apt_fetch trixie "$d" "libonnxruntime-dev=$ORT_HEADERS_DEB_VERSION"
  rm -rf "$d/root"
  deb_extract "$d"/libonnxruntime-dev_*.deb "$d/root"
  mkdir -p "$inc"
  cp "$d"/root/usr/include/onnxruntime/*.h "$inc/"
  rm -rf "$d/root" "$d/state/lists" "$d/cache"
fi
