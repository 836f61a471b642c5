// The one internal error type. Loader, validator and runtime return Result<T>
// instead of throwing, so hot paths and the C API never unwind through frames.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace wasmnn {

enum class ErrorKind {
  Malformed,   // the bytes are not a WebAssembly binary (spec: assert_malformed)
  Invalid,     // well-formed but fails validation (spec: assert_invalid)
  Link,        // an import cannot be satisfied (spec: assert_unlinkable)
  Trap,        // a runtime trap (spec: assert_trap)
  Exhaustion,  // call stack exhausted (spec: assert_exhaustion)
  Exit,        // the guest asked to exit (WASI proc_exit); not a failure by itself
  Host,        // a host-side failure (bad argument to the embedding API, out of memory, ...)
};

struct Error {
  ErrorKind kind;
  std::string message;
};

template <typename T> class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  Error& error() { return std::get<1>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <> class Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error& error() { return error_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorKind::Host, {}};
  bool ok_ = true;
};

}  // namespace wasmnn
