#include "wasmnn/wasi_nn/nn_host.h"

#include <vector>

#include "wasmnn/wasi_nn/format.h"
#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/vocabulary.h"

namespace wasmnn::nn {

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

NnExpected<std::shared_ptr<Graph>> NnHost::build(std::optional<wasmnn_nn_encoding> encoding, wasmnn_nn_target target,
                                                 std::span<const wasmnn_nn_builder> builders, std::string_view config,
                                                 std::string_view what) {
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
  return Graph::build(*backend, *encoding, target, builders, config);
}

}  // namespace wasmnn::nn
