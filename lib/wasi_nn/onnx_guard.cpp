// A walk over the ONNX protobuf that visits every message that can hold a
// TensorProto (field numbers from onnx.proto, IR version 10). It reads the
// wire format directly: no copy of the model, linear time, bounded depth.
#include "wasmnn/wasi_nn/onnx_guard.h"

#include <string_view>

#include "wasmnn/wasi_nn/format.h"

namespace wasmnn::nn {
namespace {

using Bytes = std::span<const uint8_t>;

enum class Msg { Model, Graph, Node, Attribute, Function, Training, Sparse, Tensor, Entry, None };

// The message type of field `number` inside a `parent`, when it is one that can hold tensors.
Msg child(Msg parent, uint64_t number) {
  switch (parent) {
    case Msg::Model:
      return number == 7 ? Msg::Graph : number == 25 ? Msg::Function : number == 20 ? Msg::Training : Msg::None;
    case Msg::Graph:
      return number == 1 ? Msg::Node : number == 5 ? Msg::Tensor : number == 15 ? Msg::Sparse : Msg::None;
    case Msg::Node: return number == 5 ? Msg::Attribute : Msg::None;
    case Msg::Attribute:
      if (number == 5 || number == 10) return Msg::Tensor;
      if (number == 6 || number == 11) return Msg::Graph;
      return number == 22 || number == 23 ? Msg::Sparse : Msg::None;
    case Msg::Function: return number == 7 ? Msg::Node : number == 11 ? Msg::Attribute : Msg::None;
    case Msg::Training: return number == 1 || number == 2 ? Msg::Graph : Msg::None;
    case Msg::Sparse: return number == 1 || number == 2 ? Msg::Tensor : Msg::None;
    case Msg::Tensor: return number == 13 ? Msg::Entry : Msg::None;
    default: return Msg::None;
  }
}

// Deeper nesting than any real model (subgraphs of subgraphs of ...) is
// refused rather than left unchecked.
constexpr int kMaxDepth = 64;

struct Walker {
  std::optional<ExternalTensor> found;

  // Skips a field of `wire` type; false when the bytes end first. Groups
  // (deprecated, types 3/4) are skipped to their end tag like protobuf does.
  static bool skip(Bytes b, size_t& pos, uint32_t wire, int depth) {
    uint64_t v = 0;
    switch (wire) {
      case 0: return readVarint(b, pos, v);
      case 1: return (pos += 8) <= b.size();
      case 5: return (pos += 4) <= b.size();
      case 2:
        if (!readVarint(b, pos, v) || v > b.size() - pos) return false;
        pos += static_cast<size_t>(v);
        return true;
      case 3:
        while (depth < kMaxDepth) {
          uint64_t tag = 0;
          if (!readVarint(b, pos, tag)) return false;
          if ((tag & 7) == 4) return true;
          if (!skip(b, pos, static_cast<uint32_t>(tag & 7), depth + 1)) return false;
        }
        return false;
      default: return false;
    }
  }

  // Walks one message; false when it does not parse (nothing more to learn).
  bool walk(Bytes b, Msg type, int depth, ExternalTensor& tensor) {
    if (depth > kMaxDepth) {
      found = ExternalTensor{"?", "(subgraphs nested deeper than 64 levels: not checked, so refused)"};
      return false;
    }
    bool external = false;
    size_t pos = 0;
    while (pos < b.size() && !found) {
      uint64_t tag = 0;
      if (!readVarint(b, pos, tag)) return false;
      const uint64_t number = tag >> 3;
      const uint32_t wire = static_cast<uint32_t>(tag & 7);
      const Msg sub = child(type, number);
      const bool name = type == Msg::Tensor && number == 8, key = type == Msg::Entry && number <= 2;
      if (wire == 2 && (sub != Msg::None || name || key)) {
        uint64_t len = 0;
        if (!readVarint(b, pos, len) || len > b.size() - pos) return false;
        Bytes field = b.subspan(pos, static_cast<size_t>(len));
        pos += static_cast<size_t>(len);
        if (name) tensor.tensor.assign(field.begin(), field.end());
        if (key) onEntryField(number, field, tensor);
        if (sub == Msg::Entry) external = true;
        if (sub != Msg::None) {
          ExternalTensor inner;
          ExternalTensor& target = sub == Msg::Entry ? tensor : inner;
          if (!walk(field, sub, depth + 1, target) && !found) return false;
        }
      } else if (type == Msg::Tensor && number == 14 && wire == 0) {
        uint64_t location = 0;
        if (!readVarint(b, pos, location)) return false;
        external |= location == 1;  // TensorProto.DataLocation.EXTERNAL
      } else if (!skip(b, pos, wire, depth)) {
        return false;
      }
    }
    if (type == Msg::Tensor && external && !found) found = tensor;
    return true;
  }

  // StringStringEntryProto {key = 1, value = 2}: remembers the location.
  std::string pendingKey;
  void onEntryField(uint64_t number, Bytes field, ExternalTensor& tensor) {
    std::string text(field.begin(), field.end());
    if (number == 1) pendingKey = text;
    if (number == 2 && pendingKey == "location") tensor.location = text;
  }
};

}  // namespace

std::optional<ExternalTensor> findExternalTensor(std::span<const uint8_t> model) {
  Walker w;
  ExternalTensor unused;
  w.walk(model, Msg::Model, 0, unused);
  return w.found;
}

}  // namespace wasmnn::nn
