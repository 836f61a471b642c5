// Model format sniffing. Each check reads only what it needs and is bounds
// checked; a truncated or hostile buffer simply does not match.
#include "wasmnn/wasi_nn/format.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace wasmnn::nn {
namespace {

using Bytes = std::span<const uint8_t>;

bool startsWith(Bytes b, std::string_view magic, size_t offset = 0) {
  return b.size() >= offset + magic.size() && std::memcmp(b.data() + offset, magic.data(), magic.size()) == 0;
}

bool contains(Bytes b, std::string_view needle) {
  auto it = std::search(b.begin(), b.end(), needle.begin(), needle.end());
  return it != b.end();
}

// A TorchScript archive (torch.jit.save) is a zip whose entries include
// <archive>/data.pkl and <archive>/constants.pkl. Entry names appear in the
// local headers near the start and in the central directory at the end, so
// look there rather than scanning a multi-GiB file.
bool isTorchScript(Bytes b) {
  if (!startsWith(b, "PK\x03\x04")) return false;
  constexpr size_t kWindow = 64 * 1024;
  Bytes head = b.first(std::min(b.size(), kWindow));
  Bytes tail = b.last(std::min(b.size(), kWindow));
  for (Bytes part : {head, tail})
    if (contains(part, "data.pkl") || contains(part, "constants.pkl")) return true;
  return false;
}

// OpenVINO IR: XML text whose root element is <net ...>.
bool isOpenVinoXml(Bytes b) {
  Bytes head = b.first(std::min<size_t>(b.size(), 4096));
  size_t i = 0;
  if (startsWith(head, "\xEF\xBB\xBF")) i = 3;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  Bytes rest = head.subspan(i);
  return (startsWith(rest, "<?xml") || startsWith(rest, "<net")) && contains(rest, "<net");
}

// An ONNX ModelProto: every top-level field is well formed, each known field
// has its declared wire type, ir_version (1) and graph (7) are present.
bool isOnnx(Bytes b) {
  struct Field {
    uint32_t number;
    uint32_t wire;
  };
  static constexpr Field kKnown[] = {{1, 0}, {2, 2}, {3, 2},  {4, 2},  {5, 0},  {6, 2},
                                     {7, 2}, {8, 2}, {14, 2}, {20, 2}, {25, 2}, {26, 2}};
  bool haveIr = false, haveGraph = false;
  size_t pos = 0;
  while (pos < b.size()) {
    uint64_t tag = 0;
    if (!readVarint(b, pos, tag)) return false;
    uint64_t number = tag >> 3;
    uint32_t wire = static_cast<uint32_t>(tag & 7);
    auto known = std::find_if(std::begin(kKnown), std::end(kKnown), [&](const Field& f) { return f.number == number; });
    if (known == std::end(kKnown) || known->wire != wire) return false;
    uint64_t value = 0;
    if (wire == 0) {
      if (!readVarint(b, pos, value)) return false;
    } else {
      if (!readVarint(b, pos, value) || value > b.size() - pos) return false;
      pos += static_cast<size_t>(value);
    }
    haveIr |= number == 1;
    haveGraph |= number == 7;
  }
  return haveIr && haveGraph;
}

}  // namespace

std::string describeBytes(Bytes bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  Bytes head = bytes.first(std::min<size_t>(bytes.size(), 16));
  std::string hex, text;
  for (uint8_t c : head) {
    if (!hex.empty()) hex += ' ';
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
    text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
  }
  return std::to_string(bytes.size()) + " bytes starting with [" + hex + "] \"" + text + "\"";
}

Sniffed sniffModel(const std::vector<Bytes>& builders) {
  if (builders.empty()) return {std::nullopt, "no model parts (0 builders)"};
  Bytes b = builders[0];
  if (startsWith(b, "GGUF")) return {WASMNN_NN_ENCODING_GGML, "GGUF"};
  if (startsWith(b, "TFL3", 4)) return {WASMNN_NN_ENCODING_TENSORFLOWLITE, "TFLite flatbuffer"};
  if (isTorchScript(b)) return {WASMNN_NN_ENCODING_PYTORCH, "TorchScript zip archive"};
  if (isOpenVinoXml(b)) return {WASMNN_NN_ENCODING_OPENVINO, "OpenVINO IR XML"};
  if (isOnnx(b)) return {WASMNN_NN_ENCODING_ONNX, "ONNX ModelProto"};
  return {std::nullopt,
          "builder 0 is " + describeBytes(b) + ", which is none of GGUF, TFLite, TorchScript zip, OpenVINO IR, ONNX"};
}

bool readVarint(Bytes b, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= b.size()) return false;
    uint8_t byte = b[pos++];
    out |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace wasmnn::nn
