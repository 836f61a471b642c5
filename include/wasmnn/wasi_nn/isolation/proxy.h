// The proxy backend table (see isolation.h): the plugin ABI's functions,
// each forwarding its call to a worker process.
#pragma once

#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/isolation/protocol.h"

namespace wasmnn::nn {
class Graph;
}

namespace wasmnn::nn::isolation {

// The table for a backend as its zygote described it: name, version and
// encodings point into `hello`, optional functions exist iff the real ones do.
wasmnn_nn_backend proxyTable(const ZygoteHello& hello);

// Whether the worker holding this (proxied) graph is still running.
bool graphAlive(const Graph& graph);

}  // namespace wasmnn::nn::isolation
