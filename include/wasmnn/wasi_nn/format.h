// Model format detection for the `autodetect` encoding: look at the bytes,
// never at a file name, and say what was seen when nothing matches.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/nn_backend.h"

namespace wasmnn::nn {

struct Sniffed {
  std::optional<wasmnn_nn_encoding> encoding;  // empty: no known format
  std::string seen;                            // short description for logs
};

// builders are the model parts in load() order.
WASMNN_INTERNAL_API Sniffed sniffModel(const std::vector<std::span<const uint8_t>>& builders);

// Hex and printable-ASCII preview of the first bytes, for log lines.
std::string describeBytes(std::span<const uint8_t> bytes);

}  // namespace wasmnn::nn
