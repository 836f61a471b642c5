#include "wasmnn/wasi_nn/nn_host.h"

#include <vector>

#include "wasmnn/wasi_nn/format.h"
#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/onnx_guard.h"
#include "wasmnn/wasi_nn/vocabulary.h"

namespace wasmnn::nn {

NnHost::NnHost() { backends_.setIsolated(isolation_.mode == isolation::Mode::Process); }

Limits NnHost::limits() const {
  Limits l;
  l.maxGraphs = maxGraphs_.load(std::memory_order_relaxed);
  l.maxContexts = maxContexts_.load(std::memory_order_relaxed);
  return l;
}

void NnHost::setLimits(uint32_t maxGraphs, uint32_t maxContexts) {
  maxGraphs_.store(maxGraphs ? maxGraphs : Limits{}.maxGraphs, std::memory_order_relaxed);
  maxContexts_.store(maxContexts ? maxContexts : Limits{}.maxContexts, std::memory_order_relaxed);
}

namespace {

// A guest's ONNX model that names a file never reaches a backend (onnx_guard.h).
wasmnn_nn_errno refuseExternalData(std::span<const wasmnn_nn_builder> builders, std::string_view what) {
  for (const wasmnn_nn_builder& b : builders) {
    std::span<const uint8_t> bytes(b.data, b.size);
    if (b.path || sniffModel({bytes}).encoding != WASMNN_NN_ENCODING_ONNX) continue;  // b.path: the operator's file
    if (std::optional<ExternalTensor> ext = findExternalTensor(bytes))
      return fail(WASMNN_NN_INVALID_ARGUMENT,
                  std::string(what) + ": the ONNX model keeps tensor '" + clipped(ext->tensor) +
                      "' in an external file '" + clipped(ext->location) +
                      "': a guest's model must carry its weights inline (only models preloaded with --nn-preload may "
                      "use external data)");
  }
  return WASMNN_NN_SUCCESS;
}

}  // namespace

isolation::Settings NnHost::isolation() const {
  std::lock_guard lock(isolationMu_);
  return isolation_;
}

void NnHost::setIsolation(isolation::Mode mode) {
  std::lock_guard lock(isolationMu_);
  isolation_.mode = mode;
  backends_.setIsolated(mode == isolation::Mode::Process);
}

void NnHost::setWorkerLimits(uint64_t maxMemory, uint64_t timeoutMs) {
  std::lock_guard lock(isolationMu_);
  isolation_.maxMemory = maxMemory;
  isolation_.timeoutMs = timeoutMs;
}

std::string NnHost::describe() { return backends_.describe() + isolation::describeIsolation(isolation()); }

NnExpected<std::shared_ptr<Graph>> NnHost::build(std::optional<wasmnn_nn_encoding> encoding, wasmnn_nn_target target,
                                                 std::span<const wasmnn_nn_builder> builders, std::string_view config,
                                                 std::string_view what, isolation::Tenant& tenant) {
  if (wasmnn_nn_errno e = refuseExternalData(builders, what)) return e;
  if (!encoding) {
    std::vector<std::span<const uint8_t>> parts;
    for (const wasmnn_nn_builder& b : builders) parts.emplace_back(b.data, b.size);
    Sniffed sniffed = sniffModel(parts);
    if (!sniffed.encoding)
      return fail(WASMNN_NN_INVALID_ENCODING,
                  std::string(what) + ": autodetect found no known model format: " + sniffed.seen);
    debug(std::string(what) + ": autodetect saw " + sniffed.seen);
    encoding = sniffed.encoding;
  }
  auto backend = backends_.forEncoding(*encoding);
  if (!backend) return backend.error();
  if (!(*backend)->runsOn(target))
    return fail(WASMNN_NN_UNSUPPORTED_OPERATION, std::string(what) + ": backend " + (*backend)->name +
                                                     " cannot run on target " + targetName(target) + " here");
  const isolation::Settings settings = isolation();
  isolation::LoadScope scope(tenant, **backend, settings);
  return Graph::build(*backend, *encoding, target, builders, config);
}

}  // namespace wasmnn::nn
