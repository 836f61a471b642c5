// The backend author kit: a header-only C++20 layer over the plugin ABI of
// nn_backend.h (which stays the one, versioned, C boundary). A backend is a
// class with two nested types and a static init; the kit builds the ABI table
// and entry point from it and keeps the ABI's subtle rules in ONE place:
//
//   - no C++ exception leaves a backend call: kit::Error carries its errno,
//     std::bad_alloc becomes runtime_error, any other exception goes through
//     the backend's optional mapException (else runtime_error);
//   - every failing call logs exactly one line, "<op>: <message>", with the
//     backend's name as the source (nn_backend.h "errors");
//   - get_output's size protocol: *size_out always holds the result's size,
//     too_large writes nothing; no output is served before a successful
//     compute, and set_input invalidates the previous result;
//   - config JSON: parsed once, typed lookups, unknown keys rejected by name.
//
// A backend looks like this (see backends/README.md, "Writing a backend"):
//
//   struct MyBackend {
//     static constexpr const char* kName = "mine";              // libwasmnn_backend_mine.so
//     static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_ONNX};
//     static void init(wasmnn_nn_backend_info& info);            // framework name/version, targets
//     class Graph {                                              // shared read-only by its contexts
//      public:
//       explicit Graph(const wasmnn::kit::LoadArgs& args);       // throws kit::Error on bad bytes
//     };
//     class Context {                                            // calls on one context never overlap
//      public:
//       explicit Context(Graph& graph);
//       void setInput(uint32_t index, const wasmnn::kit::Tensor& tensor);  // copy the bytes now
//       void compute();
//       wasmnn::kit::Bytes output(uint32_t index);              // valid until the next call
//       // optional, for streaming LLM backends:
//       // void computeSingle(); wasmnn::kit::Bytes outputSingle(uint32_t index); void finiSingle();
//     };
//     // optional: static wasmnn::kit::Error mapException(const std::exception& e);
//     // optional: static constexpr bool kOutputsNeedCompute = false;  // LLM metadata outputs
//   };
//   WASMNN_KIT_BACKEND(MyBackend)
#pragma once

#include <nlohmann/json.hpp>

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "wasmnn/nn_backend.h"

namespace wasmnn::kit {

// A result's bytes, owned by the context; valid until the next call on it.
using Bytes = std::span<const std::byte>;

template <typename T> Bytes bytesOf(std::span<const T> values) { return std::as_bytes(values); }
inline Bytes bytesOf(std::string_view text) { return std::as_bytes(std::span(text.data(), text.size())); }

// printf into a std::string (checked by the compiler like printf).
inline std::string vformat(const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, fmt, args);
  return out;
}
[[gnu::format(printf, 1, 2)]] inline std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string out = vformat(fmt, args);
  va_end(args);
  return out;
}

// A WASI-NN error and the one line that explains it. Throw it from any
// backend function; the kit logs "<op>: <message>" and returns `code`.
class Error : public std::exception {
 public:
  Error(wasmnn_nn_errno code, std::string message) : code_(code), message_(std::move(message)) {}
  wasmnn_nn_errno code() const { return code_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  wasmnn_nn_errno code_;
  std::string message_;
};

// Throws Error(code, printf-formatted message).
[[noreturn, gnu::format(printf, 2, 3)]] inline void fail(wasmnn_nn_errno code, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string message = vformat(fmt, args);
  va_end(args);
  throw Error(code, std::move(message));
}

// "[1,3,224,224]" for messages.
template <typename Int> std::string dimsText(std::span<const Int> dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(dims[i]);
  }
  return out + "]";
}

// Rejects an input/output index past `count` with the standard message.
inline void checkIndex(uint32_t index, size_t count, const char* what) {
  if (index >= count)
    fail(WASMNN_NN_INVALID_ARGUMENT, "index %u out of range: the model has %zu %s(s)", index, count, what);
}

// An input as the host checked it (nn_backend.h: rank bounded, size equals
// elements x element size). `data` points into guest memory: copy it during
// set_input, never keep the span.
struct Tensor {
  wasmnn_nn_tensor_type type;
  std::span<const uint32_t> dims;
  Bytes data;

  uint64_t elements() const {
    uint64_t n = 1;
    for (uint32_t d : dims) n *= d;
    return n;
  }
  const char* typeName() const { return wasmnn_nn_tensor_type_name(type); }
};

// load_by_name_with_config's JSON. Each take<T>(key) consumes a key;
// finish() rejects whatever was not taken, naming the keys, so a misspelt
// option is an error rather than silently ignored.
class Config {
 public:
  Config() = default;
  Config(const char* json, size_t len) {
    if (len == 0) return;
    json_ = nlohmann::json::parse(std::string_view(json, len), nullptr, false);
    if (json_.is_discarded()) fail(WASMNN_NN_INVALID_ARGUMENT, "config is not valid JSON");
    if (!json_.is_object()) fail(WASMNN_NN_INVALID_ARGUMENT, "config must be a JSON object");
  }

  bool has(const std::string& key) const { return json_.is_object() && json_.contains(key); }

  template <typename T> std::optional<T> take(const std::string& key) {
    if (!has(key)) return std::nullopt;
    taken_.insert(key);
    try {
      return json_.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(WASMNN_NN_INVALID_ARGUMENT, "config option \"%s\" has the wrong type (%s)", key.c_str(),
           json_.at(key).type_name());
    }
  }

  template <typename T> T take(const std::string& key, T fallback) {
    return take<T>(key).value_or(std::move(fallback));
  }

  // The keys not taken, as an invalid_argument naming them.
  void finish() const {
    if (!json_.is_object()) return;
    std::string unknown;
    for (const auto& [key, value] : json_.items())
      if (!taken_.count(key)) unknown += (unknown.empty() ? "\"" : ", \"") + key + "\"";
    if (!unknown.empty()) fail(WASMNN_NN_INVALID_ARGUMENT, "unknown config option(s) %s", unknown.c_str());
  }

  const nlohmann::json& json() const { return json_; }

 private:
  nlohmann::json json_;
  std::set<std::string> taken_;
};

// Everything load() receives. `builders` (and the bytes they point to) are
// valid during the Graph constructor only.
struct LoadArgs {
  wasmnn_nn_encoding encoding;
  wasmnn_nn_target target;
  std::span<const wasmnn_nn_builder> builders;
  Config& config;

  // Rejects a builder count outside [min, max] with the standard message.
  void expectBuilders(size_t min, size_t max, const char* what) const {
    if (builders.size() < min || builders.size() > max)
      fail(WASMNN_NN_INVALID_ARGUMENT, "expected %s for encoding %s, got %zu builder(s)", what,
           wasmnn_nn_encoding_name(encoding), builders.size());
  }
  static std::span<const uint8_t> bytes(const wasmnn_nn_builder& b) { return {b.data, b.size}; }
};

// ---------------------------------------------------------------- adapter

namespace detail {

template <typename B>
concept Streams = requires(typename B::Context& c, uint32_t i) {
  c.computeSingle();
  { c.outputSingle(i) } -> std::convertible_to<Bytes>;
  c.finiSingle();
};

template <typename B>
concept MapsExceptions = requires(const std::exception& e) {
  { B::mapException(e) } -> std::convertible_to<Error>;
};

template <typename B> constexpr bool outputsNeedCompute() {
  if constexpr (requires { B::kOutputsNeedCompute; })
    return B::kOutputsNeedCompute;
  else
    return true;
}

// The context the host holds: the backend's context plus the state behind
// the "no result before compute" rule.
template <typename B> struct ContextBox {
  typename B::Context context;
  bool result = false;  // compute succeeded since the last set_input
  bool token = false;   // compute_single produced a token not yet finished
  explicit ContextBox(typename B::Graph& graph) : context(graph) {}
};

inline wasmnn_nn_errno report(const char* backend, const char* op, wasmnn_nn_errno code, const char* message) {
  wasmnn_nn_log(WASMNN_NN_LOG_ERROR, backend, "%s: %s", op, message);
  return code;
}

// Runs `body` under the ABI's error contract.
template <typename B, typename F> wasmnn_nn_errno guarded(const char* op, F&& body) noexcept {
  try {
    body();
    return WASMNN_NN_SUCCESS;
  } catch (const Error& e) {
    return report(B::kName, op, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return report(B::kName, op, WASMNN_NN_RUNTIME_ERROR, "out of memory");
  } catch (const std::exception& e) {
    if constexpr (MapsExceptions<B>) {
      try {
        Error mapped = B::mapException(e);
        return report(B::kName, op, mapped.code(), mapped.what());
      } catch (...) {
      }
    }
    return report(B::kName, op, WASMNN_NN_RUNTIME_ERROR, e.what());
  } catch (...) {
    return report(B::kName, op, WASMNN_NN_RUNTIME_ERROR, "unknown exception");
  }
}

// get_output's protocol (nn_backend.h): the size always, the bytes only if they fit.
inline wasmnn_nn_errno deliver(Bytes result, void* buf, size_t cap, size_t* size_out) {
  *size_out = result.size();
  if (result.size() > cap) return WASMNN_NN_TOO_LARGE;
  if (!result.empty()) std::memcpy(buf, result.data(), result.size());
  return WASMNN_NN_SUCCESS;
}

template <typename B> struct Adapter {
  using Graph = typename B::Graph;
  using Box = ContextBox<B>;

  static Graph* graphOf(wasmnn_nn_graph* g) { return reinterpret_cast<Graph*>(g); }
  static Box* boxOf(wasmnn_nn_context* c) { return reinterpret_cast<Box*>(c); }

  static wasmnn_nn_errno init(wasmnn_nn_backend_info* info, char* why, size_t why_cap) {
    try {
      B::init(*info);
      return WASMNN_NN_SUCCESS;
    } catch (const Error& e) {
      std::snprintf(why, why_cap, "%s", e.what());
      return e.code();
    } catch (const std::exception& e) {
      std::snprintf(why, why_cap, "%s", e.what());
    } catch (...) {
      std::snprintf(why, why_cap, "unknown exception");
    }
    return WASMNN_NN_RUNTIME_ERROR;
  }

  static wasmnn_nn_errno load(wasmnn_nn_encoding encoding, wasmnn_nn_target target, const wasmnn_nn_builder* builders,
                              uint32_t count, const char* config, size_t config_len, wasmnn_nn_graph** out) {
    return guarded<B>("load", [&] {
      Config parsed(config, config_len);
      LoadArgs args{encoding, target, {builders, count}, parsed};
      auto graph = std::make_unique<Graph>(args);
      parsed.finish();
      *out = reinterpret_cast<wasmnn_nn_graph*>(graph.release());
    });
  }

  static void destroyGraph(wasmnn_nn_graph* g) {
    guarded<B>("destroy_graph", [&] { delete graphOf(g); });
  }

  static wasmnn_nn_errno initContext(wasmnn_nn_graph* g, wasmnn_nn_context** out) {
    return guarded<B>("init_execution_context",
                      [&] { *out = reinterpret_cast<wasmnn_nn_context*>(new Box(*graphOf(g))); });
  }

  static void destroyContext(wasmnn_nn_context* c) {
    guarded<B>("finalize_execution_context", [&] { delete boxOf(c); });
  }

  static wasmnn_nn_errno setInput(wasmnn_nn_context* c, uint32_t index, const wasmnn_nn_tensor* t) {
    Box& box = *boxOf(c);
    box.result = false;  // whatever happens, the previous result no longer matches the inputs
    return guarded<B>("set_input", [&] {
      Tensor tensor{t->type, {t->dims, t->rank}, {static_cast<const std::byte*>(t->data), t->size}};
      box.context.setInput(index, tensor);
    });
  }

  static wasmnn_nn_errno compute(wasmnn_nn_context* c) {
    Box& box = *boxOf(c);
    box.result = false;
    wasmnn_nn_errno err = guarded<B>("compute", [&] { box.context.compute(); });
    box.result = err == WASMNN_NN_SUCCESS;
    return err;
  }

  static wasmnn_nn_errno getOutput(wasmnn_nn_context* c, uint32_t index, void* buf, size_t cap, size_t* size_out) {
    Box& box = *boxOf(c);
    wasmnn_nn_errno err = WASMNN_NN_SUCCESS;
    wasmnn_nn_errno status = guarded<B>("get_output", [&] {
      if (outputsNeedCompute<B>() && !box.result)
        fail(WASMNN_NN_RUNTIME_ERROR, "output %u: no result: compute has not succeeded since the last set_input",
             index);
      err = deliver(box.context.output(index), buf, cap, size_out);
    });
    return status ? status : err;
  }

  static wasmnn_nn_errno computeSingle(wasmnn_nn_context* c) {
    Box& box = *boxOf(c);
    wasmnn_nn_errno err = guarded<B>("compute_single", [&] { box.context.computeSingle(); });
    box.token = err == WASMNN_NN_SUCCESS;
    return err;
  }

  static wasmnn_nn_errno getOutputSingle(wasmnn_nn_context* c, uint32_t index, void* buf, size_t cap,
                                         size_t* size_out) {
    Box& box = *boxOf(c);
    wasmnn_nn_errno err = WASMNN_NN_SUCCESS;
    wasmnn_nn_errno status = guarded<B>("get_output_single", [&] {
      if (!box.token) fail(WASMNN_NN_RUNTIME_ERROR, "output %u: no token: compute_single has not succeeded", index);
      err = deliver(box.context.outputSingle(index), buf, cap, size_out);
    });
    return status ? status : err;
  }

  static wasmnn_nn_errno finiSingle(wasmnn_nn_context* c) {
    Box& box = *boxOf(c);
    box.token = false;
    return guarded<B>("fini_single", [&] { box.context.finiSingle(); });
  }

  static wasmnn_nn_backend table() {
    wasmnn_nn_backend t{};
    t.abi_version = WASMNN_NN_BACKEND_ABI_VERSION;
    t.struct_size = sizeof(wasmnn_nn_backend);
    t.name = B::kName;
    t.version = WASMNN_VERSION_STRING;
    t.encodings = B::kEncodings;
    t.encoding_count = static_cast<uint32_t>(std::size(B::kEncodings));
    t.init = init;
    t.load = load;
    t.destroy_graph = destroyGraph;
    t.init_context = initContext;
    t.destroy_context = destroyContext;
    t.set_input = setInput;
    t.compute = compute;
    t.get_output = getOutput;
    if constexpr (Streams<B>) {
      t.compute_single = computeSingle;
      t.get_output_single = getOutputSingle;
      t.fini_single = finiSingle;
    }
    return t;
  }
};

}  // namespace detail

// The backend's table, built once.
template <typename B> const wasmnn_nn_backend* backendTable(uint32_t host_abi_version) {
  static const wasmnn_nn_backend table = detail::Adapter<B>::table();
  return host_abi_version == WASMNN_NN_BACKEND_ABI_VERSION ? &table : nullptr;
}

}  // namespace wasmnn::kit

// Defines the one symbol a backend library exports, serving class B.
#define WASMNN_KIT_BACKEND(B) \
  extern "C" WASMNN_NN_BACKEND_ENTRY(host_abi_version) { return ::wasmnn::kit::backendTable<B>(host_abi_version); }
