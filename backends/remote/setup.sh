#!/usr/bin/env bash
# The remote backend's client libraries and its test server:
#   build     Debian libcurl4-openssl-dev (REST + TLS); nlohmann-json comes with the core
#   tests     python3-onnx (test models), openssl (a self-signed certificate for the https
#             test), and a venv in .deps/oip-venv with PyPI kserve (KServe's ModelServer:
#             a real Open Inference Protocol server) and onnxruntime behind it, same version
#             as the onnxruntime backend's library. First run: 97 MB of wheels (69 packages), ~520 MB
#             installed, 2-4 minutes; later runs: one file test.
setup_component=remote
source "$(dirname "$0")/../../scripts/lib/setup-common.sh"

KSERVE_VERSION=0.21.0
ORT_VERSION=1.30.0

apt_install libcurl4-openssl-dev python3-onnx python3-venv openssl

venv=$deps/oip-venv
stamp=$venv/READY-kserve-$KSERVE_VERSION-onnxruntime-$ORT_VERSION
if ! [ -f "$stamp" ]; then
  log "creating $venv (pip: kserve==$KSERVE_VERSION onnxruntime==$ORT_VERSION)"
  rm -rf "$venv"
  # Debian's interpreter, whatever python3 comes first on PATH.
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "kserve==$KSERVE_VERSION" "onnxruntime==$ORT_VERSION"
  touch "$stamp"
fi
