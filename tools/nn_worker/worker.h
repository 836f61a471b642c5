// The two roles of wasmnn-nn-worker (see isolation.h for the design):
// a zygote holds one backend library loaded and forks workers; a worker
// confines itself, initialises the backend and serves the host's calls.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/isolation/protocol.h"

namespace wasmnn::nn::worker {

struct WorkerSpec {
  uint32_t policy = 0;     // isolation::kPolicy* bits
  uint64_t maxMemory = 0;  // bytes, 0: no limit
  int logLevel = WASMNN_NN_LOG_WARN;
  std::vector<std::string> readableDirs;  // the backend's library directories
};

// Produces the backend table once the worker is confined: the zygote's
// already loaded one, or a dlopen inside the sandbox. nullptr with *why set
// when there is none.
using TableSource = std::function<const wasmnn_nn_backend*(std::string* why)>;

// Never returns: confines the process, runs init(), reports Hello, then serves
// `channel` until the host closes it.
[[noreturn]] void runWorker(const TableSource& table, isolation::Channel channel, isolation::UniqueFd statusPage,
                            const WorkerSpec& spec);

// Never returns: loads the library, reports ZygoteHello, then spawns and reaps
// workers on the host's requests until the host closes `control`.
[[noreturn]] void runZygote(const std::string& path, const std::string& name, isolation::Channel control);

// Serves the host's requests on `channel` with a small pool of threads; ends
// the process when the host closes it.
[[noreturn]] void serve(const wasmnn_nn_backend& table, const isolation::Channel& channel);

}  // namespace wasmnn::nn::worker
