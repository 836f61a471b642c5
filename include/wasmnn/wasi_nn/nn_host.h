// NnHost: the process-wide WASI-NN state behind wasmnn_nn_host — backend
// loader, model registry and limits — shared by every instance linked to it.
#pragma once

#include <atomic>
#include <optional>
#include <span>
#include <string_view>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/wasi_nn/backend_loader.h"
#include "wasmnn/wasi_nn/graph.h"
#include "wasmnn/wasi_nn/isolation/isolation.h"
#include "wasmnn/wasi_nn/model_registry.h"

namespace wasmnn::nn {

struct Limits {
  uint32_t maxGraphs = 1024;    // per instance
  uint32_t maxContexts = 4096;  // per instance
  uint32_t maxBuilders = 64;    // per load
};

class WASMNN_INTERNAL_API NnHost {
 public:
  NnHost();
  BackendLoader& backends() { return backends_; }
  ModelRegistry& models() { return models_; }
  Limits limits() const;
  void setLimits(uint32_t maxGraphs, uint32_t maxContexts);
  // Where backends run (isolation/isolation.h); applies to backends opened afterwards.
  isolation::Settings isolation() const;
  void setIsolation(isolation::Mode mode);
  void setWorkerLimits(uint64_t maxMemory, uint64_t timeoutMs);

  // Builds a graph: detects the format when `encoding` is empty, picks the
  // backend, checks the target, calls the backend's load — in `tenant`'s
  // worker under process isolation. `what` names the model in log lines.
  NnExpected<std::shared_ptr<Graph>> build(std::optional<wasmnn_nn_encoding> encoding, wasmnn_nn_target target,
                                           std::span<const wasmnn_nn_builder> builders, std::string_view config,
                                           std::string_view what, isolation::Tenant& tenant);
  // The `wasmnn backends` report: the backends, then how they are isolated.
  std::string describe();

 private:
  BackendLoader backends_;
  ModelRegistry models_;
  mutable std::mutex isolationMu_;
  isolation::Settings isolation_;
  std::atomic<uint32_t> maxGraphs_{Limits{}.maxGraphs};
  std::atomic<uint32_t> maxContexts_{Limits{}.maxContexts};
};

}  // namespace wasmnn::nn
