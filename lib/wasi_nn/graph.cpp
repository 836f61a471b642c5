#include "wasmnn/wasi_nn/graph.h"

#include "wasmnn/wasi_nn/log.h"

namespace wasmnn::nn {

wasmnn_nn_errno checkedErrno(const Backend& backend, const char* op, int raw) {
  switch (raw) {
    case WASMNN_NN_SUCCESS:
    case WASMNN_NN_INVALID_ARGUMENT:
    case WASMNN_NN_INVALID_ENCODING:
    case WASMNN_NN_MISSING_MEMORY:
    case WASMNN_NN_BUSY:
    case WASMNN_NN_RUNTIME_ERROR:
    case WASMNN_NN_UNSUPPORTED_OPERATION:
    case WASMNN_NN_TOO_LARGE:
    case WASMNN_NN_NOT_FOUND:
    case WASMNN_NN_END_OF_SEQUENCE:
    case WASMNN_NN_CONTEXT_FULL:
    case WASMNN_NN_PROMPT_TOO_LONG:
    case WASMNN_NN_MODEL_NOT_FOUND: return static_cast<wasmnn_nn_errno>(raw);
    default:
      return fail(WASMNN_NN_RUNTIME_ERROR,
                  "backend " + backend.name + ": " + op + " returned unknown errno " + std::to_string(raw));
  }
}

wasmnn_nn_errno backendThrew(const Backend& backend, const char* op) {
  return fail(WASMNN_NN_RUNTIME_ERROR,
              "backend " + backend.name + ": " + op + " let a C++ exception escape (contract violation)");
}

Graph::~Graph() {
  try {
    backend_->fns.destroy_graph(impl_);
  } catch (...) {
    backendThrew(*backend_, "destroy_graph");
  }
}

NnExpected<std::shared_ptr<Graph>> Graph::build(std::shared_ptr<const Backend> backend, wasmnn_nn_encoding encoding,
                                                wasmnn_nn_target target, std::span<const wasmnn_nn_builder> builders,
                                                std::string_view config) {
  wasmnn_nn_graph* impl = nullptr;
  const Backend& b = *backend;
  wasmnn_nn_errno err = callBackend(b, "load", [&] {
    return b.fns.load(encoding, target, builders.data(), static_cast<uint32_t>(builders.size()),
                      config.empty() ? nullptr : config.data(), config.size(), &impl);
  });
  if (err != WASMNN_NN_SUCCESS) return err;
  if (!impl) return fail(WASMNN_NN_RUNTIME_ERROR, "backend " + b.name + ": load succeeded without a graph");
  return std::make_shared<Graph>(std::move(backend), impl, encoding);
}

Context::~Context() {
  try {
    graph_->backend().fns.destroy_context(impl_);
  } catch (...) {
    backendThrew(graph_->backend(), "destroy_context");
  }
}

NnExpected<std::shared_ptr<Context>> Context::create(std::shared_ptr<Graph> graph) {
  wasmnn_nn_context* impl = nullptr;
  const Backend& b = graph->backend();
  wasmnn_nn_errno err =
      callBackend(b, "init_execution_context", [&] { return b.fns.init_context(graph->impl(), &impl); });
  if (err != WASMNN_NN_SUCCESS) return err;
  if (!impl) return fail(WASMNN_NN_RUNTIME_ERROR, "backend " + b.name + ": init_context succeeded without a context");
  return std::make_shared<Context>(std::move(graph), impl);
}

}  // namespace wasmnn::nn
