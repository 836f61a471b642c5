#!/usr/bin/env bash
# scripts/run.sh's remote demo: the ONNX Runtime demo's digit classifier served
# by a real Open Inference Protocol server (KServe's ModelServer from the venv
# of backends/remote/setup.sh, on 127.0.0.1), and the unchanged classify guest
# naming it: the host maps the name to the server's URL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=$here/../../.deps/oip-venv/bin/python
echo "== remote: the digit classifier on a KServe server (Open Inference Protocol), input a noisy 7"
mkdir -p "$WASMNN_DEMO_DIR/models"
/usr/bin/python3 "$here/../onnxruntime/make-demo-model.py" "$WASMNN_DEMO_DIR/models" 7
mv "$WASMNN_DEMO_DIR/models/digit.f32" "$WASMNN_DEMO_DIR/"
rm -f "$WASMNN_DEMO_DIR/port"
"$python" "$here/test/oip_server.py" "$WASMNN_DEMO_DIR/models" "$WASMNN_DEMO_DIR/port" >"$WASMNN_DEMO_DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
ready() {
  [ -f "$WASMNN_DEMO_DIR/port" ] && "$python" -c "import sys, urllib.request
urllib.request.urlopen('http://127.0.0.1:' + sys.argv[1] + '/v2/health/ready', timeout=2)" "$(cat "$WASMNN_DEMO_DIR/port")" 2>/dev/null
}
for _ in $(seq 600); do ready && break; kill -0 $server 2>/dev/null || { cat "$WASMNN_DEMO_DIR/server.log"; exit 1; }; sleep 0.2; done
url=http://127.0.0.1:$(cat "$WASMNN_DEMO_DIR/port")/v2/models/digits
echo "   wasmnn run --nn-preload digits:remote:cpu:$url classify.wasm @digits ..."
"$WASMNN" run --dir="$WASMNN_DEMO_DIR::/demo" --nn-preload "digits:remote:cpu:$url" \
  "$WASMNN_GUESTS/classify.wasm" @digits - /demo/digit.f32 1,64
