// Lookups over the WASI-NN vocabulary (vocabulary.def) and the list of
// backends this build ships (backends/backends.list).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/nn_backend.h"

namespace wasmnn::nn {

struct EncodingInfo {
  wasmnn_nn_encoding value;
  const char* name;
  const char* backend;  // default backend name
  bool guest;           // a guest may name it in load()
  const char* aliases;  // space-separated
};

struct TargetInfo {
  wasmnn_nn_target value;
  const char* name;
  bool guest;
};

std::span<const EncodingInfo> encodings();
const EncodingInfo* findEncoding(wasmnn_nn_encoding value);
// A guest's load() encoding value; nullptr when the guest may not use it.
const EncodingInfo* guestEncoding(uint32_t value);
// Canonical name or alias, case-insensitive.
WASMNN_INTERNAL_API const EncodingInfo* encodingByName(std::string_view name);

std::span<const TargetInfo> targets();
const char* targetName(wasmnn_nn_target target);  // "?" for an unknown value
WASMNN_INTERNAL_API const TargetInfo* targetByName(std::string_view name);
bool guestTarget(uint32_t value);

// The backends of backends/backends.list, in its order.
std::span<const char* const> shippedBackends();
bool isShipped(std::string_view backend);
// "WASMNN_BACKEND_ONNXRUNTIME" for "onnxruntime".
std::string cmakeOption(std::string_view backend);

}  // namespace wasmnn::nn
