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

// A protobuf varint at `pos` (advanced past it); false when the bytes end
// first or it runs past 64 bits.
bool readVarint(std::span<const uint8_t> b, size_t& pos, uint64_t& out);

// Hex and printable-ASCII preview of the first bytes, for log lines.
std::string describeBytes(std::span<const uint8_t> bytes);

}  // namespace wasmnn::nn
