// The "spectest" host module that the core spec scripts import from.
#pragma once

#include <wasmnn/wasmnn.h>

#include <array>
#include <cstdio>

namespace wasmnn::spec {

// Defines spectest.{print*, global_*, table, memory} as the reference
// interpreter does. The host functions point into this object, so it must
// outlive every store it was defined in.
class SpectestHost {
 public:
  // `out` receives the print functions' lines; nullptr prints nothing (-q).
  explicit SpectestHost(std::FILE* out) : out_(out) {}
  SpectestHost(const SpectestHost&) = delete;
  SpectestHost& operator=(const SpectestHost&) = delete;

  wasmnn_error* define(wasmnn_store* store, wasmnn_linker* linker);

  static constexpr size_t kPrintFuncCount = 7;

 private:
  // What one print function's callback needs: its arity and the sink.
  struct Binding {
    size_t param_count = 0;
    std::FILE* out = nullptr;
  };

  static wasmnn_error* print(wasmnn_caller* caller, void* env, const wasmnn_val* args, wasmnn_val* results);
  wasmnn_error* define_funcs(wasmnn_linker* linker);

  std::FILE* out_;
  std::array<Binding, kPrintFuncCount> bindings_{};
};

}  // namespace wasmnn::spec
