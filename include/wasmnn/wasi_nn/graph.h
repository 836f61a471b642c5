// Graph and Context: RAII owners of a backend's graph/context objects.
// They are held by shared_ptr: handle tables, the model registry and
// in-flight calls each hold a reference, so unload/finalize never frees
// anything a running call still uses. A Context keeps its Graph alive.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string_view>

#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/backend_loader.h"
#include "wasmnn/wasi_nn/expected.h"

namespace wasmnn::nn {

// Calls a backend function under the ABI contract: an errno outside the
// known set, or a C++ exception escaping the backend, becomes runtime_error.
template <typename Call> wasmnn_nn_errno callBackend(const Backend& backend, const char* op, Call&& call);
wasmnn_nn_errno checkedErrno(const Backend& backend, const char* op, int raw);
wasmnn_nn_errno backendThrew(const Backend& backend, const char* op);

template <typename Call> wasmnn_nn_errno callBackend(const Backend& backend, const char* op, Call&& call) {
  try {
    return checkedErrno(backend, op, static_cast<int>(call()));
  } catch (...) {
    return backendThrew(backend, op);
  }
}

class Graph {
 public:
  Graph(std::shared_ptr<const Backend> backend, wasmnn_nn_graph* impl, wasmnn_nn_encoding encoding)
      : backend_(std::move(backend)), impl_(impl), encoding_(encoding) {}
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const Backend& backend() const { return *backend_; }
  wasmnn_nn_graph* impl() const { return impl_; }
  wasmnn_nn_encoding encoding() const { return encoding_; }

  // Builds a graph with the backend's load().
  static NnExpected<std::shared_ptr<Graph>> build(std::shared_ptr<const Backend> backend, wasmnn_nn_encoding encoding,
                                                  wasmnn_nn_target target, std::span<const wasmnn_nn_builder> builders,
                                                  std::string_view config);

 private:
  std::shared_ptr<const Backend> backend_;
  wasmnn_nn_graph* impl_;
  wasmnn_nn_encoding encoding_;
};

class Context {
 public:
  Context(std::shared_ptr<Graph> graph, wasmnn_nn_context* impl) : graph_(std::move(graph)), impl_(impl) {}
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Backend& backend() const { return graph_->backend(); }
  wasmnn_nn_encoding encoding() const { return graph_->encoding(); }
  wasmnn_nn_context* impl() const { return impl_; }
  // Held for every call on this context: calls on one context wait for each other.
  std::mutex& callMutex() { return mu_; }

  static NnExpected<std::shared_ptr<Context>> create(std::shared_ptr<Graph> graph);

 private:
  std::shared_ptr<Graph> graph_;
  wasmnn_nn_context* impl_;
  std::mutex mu_;
};

}  // namespace wasmnn::nn
