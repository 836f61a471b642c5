"""A real Open Inference Protocol server for the remote backend's tests and
benchmark: KServe's ModelServer (PyPI kserve) on 127.0.0.1, serving every
NAME.onnx of a directory at /v2/models/NAME with ONNX Runtime (PyPI
onnxruntime), in the venv backends/remote/setup.sh makes.

    oip_server.py MODEL_DIR PORT_FILE [CALLS_FILE] [CERT KEY]

It picks a free port and writes it to PORT_FILE before serving (clients then
poll /v2/health/ready). One extra model, `fail500`, answers every inference
with HTTP 500. Each inference request appends a line "MODEL AUTHORIZATION"
(the header, "-" without) to CALLS_FILE, so a test can count what reached the
server (retries included) and what it was sent. With CERT and
KEY it serves https. SIGTERM stops it.
"""
import logging
import os
import socket
import sys

import kserve
import kserve.protocol.rest.server as kserve_rest
import onnxruntime as ort
import uvicorn
from kserve import InferOutput, InferRequest, InferResponse
from kserve.utils.numpy_codec import from_np_dtype


class LoopbackConfig(uvicorn.Config):
    """KServe's REST server listens on 0.0.0.0; tests stay on 127.0.0.1."""

    def __init__(self, *args, **kwargs):
        kwargs["host"] = "127.0.0.1"
        super().__init__(*args, **kwargs)


kserve_rest.uvicorn.Config = LoopbackConfig

# ONNX Runtime's type names -> OIP datatypes.
DATATYPES = {
    "tensor(bool)": "BOOL", "tensor(uint8)": "UINT8", "tensor(int8)": "INT8", "tensor(uint16)": "UINT16",
    "tensor(int16)": "INT16", "tensor(float16)": "FP16", "tensor(uint32)": "UINT32", "tensor(int32)": "INT32",
    "tensor(float)": "FP32", "tensor(uint64)": "UINT64", "tensor(int64)": "INT64", "tensor(double)": "FP64",
}


def spec(arg):
    shape = [d if isinstance(d, int) else -1 for d in arg.shape]
    return {"name": arg.name, "datatype": DATATYPES[arg.type], "shape": shape}


class CountingModel(kserve.Model):
    calls_file = None

    def count(self, headers):
        if self.calls_file:
            with open(self.calls_file, "a") as f:
                f.write(f"{self.name} {(headers or {}).get('authorization', '-')}\n")


class OnnxModel(CountingModel):
    def __init__(self, name, path):
        super().__init__(name)
        self.path = path
        self.load()

    def load(self):
        self.session = ort.InferenceSession(self.path, providers=["CPUExecutionProvider"])
        self.ready = True
        return self.ready

    def get_input_types(self):
        return [spec(i) for i in self.session.get_inputs()]

    def get_output_types(self):
        return [spec(o) for o in self.session.get_outputs()]

    def predict(self, payload: InferRequest, headers=None, response_headers=None):
        self.count(headers)
        feeds = {i.name: i.as_numpy() for i in payload.inputs}
        names = [o.name for o in self.session.get_outputs()]
        results = self.session.run(names, feeds)
        outputs = [InferOutput(name=n, shape=list(r.shape), datatype=from_np_dtype(r.dtype), data=r)
                   for n, r in zip(names, results)]
        return InferResponse(model_name=self.name, infer_outputs=outputs, response_id=payload.id or "",
                             use_binary_outputs=payload.use_binary_outputs, requested_outputs=payload.request_outputs)


class Fail500(CountingModel):
    def __init__(self):
        super().__init__("fail500")
        self.ready = True

    def get_input_types(self):
        return [{"name": "x", "datatype": "FP32", "shape": [1, 16]}]

    def get_output_types(self):
        return [{"name": "y", "datatype": "FP32", "shape": [1, 10]}]

    def predict(self, payload, headers=None, response_headers=None):
        self.count(headers)
        raise RuntimeError("fail500 always fails (test model)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    model_dir, port_file = sys.argv[1], sys.argv[2]
    CountingModel.calls_file = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    cert, key = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, None)
    logging.getLogger("kserve.trace").setLevel(logging.WARNING)
    models = [OnnxModel(f[:-5], os.path.join(model_dir, f)) for f in sorted(os.listdir(model_dir)) if f.endswith(".onnx")]
    models.append(Fail500())
    port = free_port()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(port_file + ".tmp", port_file)
    kserve.ModelServer(http_port=port, enable_grpc=False, workers=1, enable_latency_logging=False,
                       ssl_certfile=cert, ssl_keyfile=key).start(models)


if __name__ == "__main__":
    main()
