// NnExpected<T>: a value or the WASI-NN errno that replaces it. The failure
// site has already logged the reason, so the errno is all that travels.
#pragma once

#include <utility>
#include <variant>

#include "wasmnn/nn_backend.h"

namespace wasmnn::nn {

template <typename T> class NnExpected {
 public:
  NnExpected(T value) : v_(std::move(value)) {}
  NnExpected(wasmnn_nn_errno err) : v_(err) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  wasmnn_nn_errno error() const { return ok() ? WASMNN_NN_SUCCESS : std::get<1>(v_); }

 private:
  std::variant<T, wasmnn_nn_errno> v_;
};

}  // namespace wasmnn::nn
