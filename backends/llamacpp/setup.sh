#!/usr/bin/env bash
# llama.cpp v0.5.0 for the llamacpp backend, unpacked into .deps/llamacpp
# (never installed system-wide), from two npm packages of node-llama-cpp 3.22.1:
#   lib/      the prebuilt libllama / libggml* / libllama-common and the CPU
#             variants ggml loads at run time (@node-llama-cpp/linux-x64)
#   include/  the headers of the same release, and gguf-py/ (llama.cpp's own
#             GGUF writer, used to generate test models), out of the pristine
#             llama.cpp source bundle that node-llama-cpp ships (llama/gitRelease.bundle)
# Building that source instead takes ~4.6 min on 2 cores (measured); the prebuilt
# libraries load GGUF files and decode identically, but their
# llama_model_init_from_user is patched and fails, so test models come from gguf-py.
#   tests     python3-numpy and python3-yaml (gguf-py), git (to read the bundle)
setup_component=llamacpp
source "$(dirname "$0")/../../scripts/lib/setup-common.sh"

NODE_LLAMA_CPP_VERSION=3.22.1
LLAMA_CPP_RELEASE=v0.5.0

packages=(git python3-numpy python3-yaml)
command -v npm >/dev/null || packages+=(npm)  # Debian's npm when the machine has none
apt_install "${packages[@]}"

dest=$deps/llamacpp
stamp=$dest/VERSION-$NODE_LLAMA_CPP_VERSION

# The Rust test guest (test/rust-guest, on the wasmedge-wasi-nn crate) needs
# rustup's wasm32-wasip1 standard library and its crates; the build then runs
# offline. Without them the Rust guest is not built (CMake says so) and the C
# guest alone carries the tests.
rust_guest() {
  local manifest=$root/backends/llamacpp/test/rust-guest/Cargo.toml
  command -v cargo >/dev/null && command -v rustup >/dev/null || return 1
  rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1 || return 1
  cargo fetch --locked --quiet --manifest-path "$manifest"
}
if rust_guest; then
  mkdir -p "$dest" && touch "$dest/rust-guest-ready"
else
  log "warning: no cargo/rustup with wasm32-wasip1 or crates.io: the Rust test guest will not be built"
  rm -f "$dest/rust-guest-ready"
fi
[ -f "$stamp" ] && exit 0

log "fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION (llama.cpp $LLAMA_CPP_RELEASE: ~47 MB, npm pack)"
mkdir -p "$deps"
tmp=$(mktemp -d "$deps/npm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# npm pack runs no install scripts (node-llama-cpp's postinstall would try to build).
(cd "$tmp" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" \
  "@node-llama-cpp/linux-x64@$NODE_LLAMA_CPP_VERSION" >/dev/null)

rm -rf "$dest/lib" "$dest/include" "$dest/gguf-py" && mkdir -p "$dest/lib" "$dest/include"
tar -xzf "$tmp"/node-llama-cpp-linux-x64-*.tgz -C "$tmp" package/bins/linux-x64
cp "$tmp"/package/bins/linux-x64/lib*.so "$dest/lib/"

tar -xzf "$tmp"/node-llama-cpp-"$NODE_LLAMA_CPP_VERSION".tgz -C "$tmp" package/llama/gitRelease.bundle
git clone --quiet --bare "$tmp/package/llama/gitRelease.bundle" "$tmp/llama.git"
git --git-dir="$tmp/llama.git" archive --format=tar HEAD include ggml/include common gguf-py | tar -x -C "$tmp"
cp "$tmp"/include/*.h "$tmp"/ggml/include/*.h "$dest/include/"
mkdir -p "$dest/include/common" && cp "$tmp"/common/*.h "$dest/include/common/"
cp -r "$tmp/gguf-py" "$dest/gguf-py"
echo "$LLAMA_CPP_RELEASE" >"$dest/RELEASE"
touch "$stamp"
log "llama.cpp $LLAMA_CPP_RELEASE ready in $dest"
