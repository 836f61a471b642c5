#!/usr/bin/env bash
# OpenVINO for the openvino backend, from the PyPI wheel (a complete C/C++ SDK:
# headers, libopenvino, plugins, frontends, TBB, a relocatable CMake config),
# fetched with `pip download` for any local Python and unpacked into
# .deps/openvino without installing it anywhere:
#   .deps/openvino/openvino/{include,libs,cmake}   the SDK (OpenVINO_DIR=.../openvino/cmake)
#   .deps/openvino/venv                            Python with the same wheel: builds the test models
set -euo pipefail
setup_component=openvino
source "$(dirname "$0")/../../scripts/lib/setup-common.sh"

OV_VERSION=2026.4.1

apt_install python3-pip python3-venv unzip

dir=$deps/openvino
if ! [ -f "$dir/VERSION-$OV_VERSION" ]; then
  # The C/C++ files in the wheel do not depend on the CPython version; pin the
  # download so it does not depend on the local Python either.
  pip_fetch "$dir/dl" "openvino==$OV_VERSION" --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64
  log "unpacking the SDK from $(basename "$dir"/dl/openvino-$OV_VERSION-*.whl)"
  rm -rf "$dir/openvino"
  unzip -q "$dir"/dl/openvino-$OV_VERSION-*.whl 'openvino/include/*' 'openvino/libs/*' 'openvino/cmake/*' -d "$dir"
  touch "$dir/VERSION-$OV_VERSION"
fi

# Test models are made with OpenVINO's own Python API (opset builders,
# save_model). pip takes the wheel downloaded above when it fits the system
# Python (3.11 on Debian 12) and fetches only numpy and openvino-telemetry.
venv=$dir/venv
if ! [ -f "$venv/ready-$OV_VERSION" ]; then
  log "creating the test-model venv ($venv)"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --find-links "$dir/dl" "openvino==$OV_VERSION"
  touch "$venv/ready-$OV_VERSION"
fi
