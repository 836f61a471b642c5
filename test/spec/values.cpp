#include "values.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace wasmnn::spec {
namespace {

wasmnn_valkind parse_kind(const std::string& name) {
  static constexpr struct {
    const char* name;
    wasmnn_valkind kind;
  } kKinds[] = {{"i32", WASMNN_I32},
                {"i64", WASMNN_I64},
                {"f32", WASMNN_F32},
                {"f64", WASMNN_F64},
                {"v128", WASMNN_V128},
                {"funcref", WASMNN_FUNCREF},
                {"externref", WASMNN_EXTERNREF}};
  for (const auto& entry : kKinds) {
    if (name == entry.name) return entry.kind;
  }
  throw std::runtime_error("unknown value type '" + name + "'");
}

// wast2json writes every number as the unsigned decimal of its raw bits.
uint64_t parse_bits(const std::string& text) {
  uint64_t bits = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bits);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw std::runtime_error("bad number '" + text + "'");
  }
  return bits;
}

// Lane width in bytes of a v128 shape; float lanes are the ones NaN classes apply to.
struct LaneShape {
  size_t bytes;
  bool is_float;
};

LaneShape lane_shape(const std::string& lane_type) {
  if (lane_type == "i8") return {1, false};
  if (lane_type == "i16") return {2, false};
  if (lane_type == "i32") return {4, false};
  if (lane_type == "i64") return {8, false};
  if (lane_type == "f32") return {4, true};
  if (lane_type == "f64") return {8, true};
  throw std::runtime_error("unknown v128 lane type '" + lane_type + "'");
}

uint64_t lane_bits(const wasmnn_val& value, size_t lane, size_t lane_bytes) {
  uint64_t bits = 0;  // little-endian host, like wasm memory
  std::memcpy(&bits, value.of.v128 + lane * lane_bytes, lane_bytes);
  return bits;
}

void set_lane_bits(wasmnn_val& value, size_t lane, size_t lane_bytes, uint64_t bits) {
  std::memcpy(value.of.v128 + lane * lane_bytes, &bits, lane_bytes);
}

FloatMatch parse_float_match(const std::string& text) {
  if (text == "nan:canonical") return FloatMatch::canonical_nan;
  if (text == "nan:arithmetic") return FloatMatch::arithmetic_nan;
  return FloatMatch::exact;
}

const char* float_match_name(FloatMatch match) {
  return match == FloatMatch::canonical_nan ? "nan:canonical" : "nan:arithmetic";
}

// The spec's NaN classes: canonical = quiet NaN with an all-zero payload (any
// sign); arithmetic = any quiet NaN (top payload bit set).
bool float_matches(uint64_t actual, uint64_t expected, size_t bytes, FloatMatch match) {
  const uint64_t sign = bytes == 4 ? 0x8000'0000u : 0x8000'0000'0000'0000u;
  const uint64_t quiet_nan = bytes == 4 ? 0x7fc0'0000u : 0x7ff8'0000'0000'0000u;
  switch (match) {
    case FloatMatch::canonical_nan: return (actual & ~sign) == quiet_nan;
    case FloatMatch::arithmetic_nan: return (actual & quiet_nan) == quiet_nan;
    case FloatMatch::exact: break;
  }
  return actual == expected;
}

size_t scalar_bytes(wasmnn_valkind kind) { return kind == WASMNN_F32 || kind == WASMNN_I32 ? 4 : 8; }

uint64_t scalar_bits(const wasmnn_val& value) {
  return scalar_bytes(value.kind) == 4 ? static_cast<uint32_t>(value.of.i32) : static_cast<uint64_t>(value.of.i64);
}

std::string hex(uint64_t bits, size_t bytes) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%0*" PRIx64, static_cast<int>(bytes * 2), bits);
  return text;
}

template <typename Float> std::string shortest(Float number) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, number);
  return std::string(text, result.ptr);
}

std::string format_float(uint64_t bits, size_t bytes) {
  std::string text;
  if (bytes == 4) {
    float number;
    const auto narrow = static_cast<uint32_t>(bits);
    std::memcpy(&number, &narrow, 4);
    text = shortest(number);
  } else {
    double number;
    std::memcpy(&number, &bits, 8);
    text = shortest(number);
  }
  return text + " (" + hex(bits, bytes) + ")";
}

std::string format_ref(const wasmnn_val& value) {
  if (value.kind == WASMNN_FUNCREF) {
    if (value.of.funcref == nullptr) return "ref.null func";
    return "ref.func " + hex(reinterpret_cast<uintptr_t>(value.of.funcref), sizeof(void*));
  }
  if (value.of.externref == nullptr) return "ref.null extern";
  return "ref.extern " + std::to_string(reinterpret_cast<uintptr_t>(value.of.externref) - 1);
}

// Lanes of a v128 as hex, or as the NaN class an expected lane allows.
std::string format_v128(const wasmnn_val& value, const std::string& lane_type,
                        const std::vector<FloatMatch>* lane_match) {
  const std::string shape = lane_type.empty() ? "i32" : lane_type;
  const LaneShape lanes = lane_shape(shape);
  const size_t count = 16 / lanes.bytes;
  std::string text = "v128:" + shape + "x" + std::to_string(count);
  for (size_t lane = 0; lane < count; ++lane) {
    const bool nan_class = lane_match != nullptr && (*lane_match)[lane] != FloatMatch::exact;
    text += ' ';
    text += nan_class ? float_match_name((*lane_match)[lane]) : hex(lane_bits(value, lane, lanes.bytes), lanes.bytes);
  }
  return text;
}

}  // namespace

void* extern_ref_for(uint64_t n) { return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1)); }

const char* kind_name(wasmnn_valkind kind) {
  switch (kind) {
    case WASMNN_I32: return "i32";
    case WASMNN_I64: return "i64";
    case WASMNN_F32: return "f32";
    case WASMNN_F64: return "f64";
    case WASMNN_V128: return "v128";
    case WASMNN_FUNCREF: return "funcref";
    case WASMNN_EXTERNREF: return "externref";
  }
  return "?";
}

wasmnn_val parse_argument(const nlohmann::json& json) {
  wasmnn_val value{};
  value.kind = parse_kind(json.at("type").get<std::string>());
  switch (value.kind) {
    case WASMNN_I32:
    case WASMNN_F32: value.of.i32 = static_cast<int32_t>(parse_bits(json.at("value").get<std::string>())); break;
    case WASMNN_I64:
    case WASMNN_F64: value.of.i64 = static_cast<int64_t>(parse_bits(json.at("value").get<std::string>())); break;
    case WASMNN_V128: {
      const LaneShape lanes = lane_shape(json.at("lane_type").get<std::string>());
      const auto& texts = json.at("value");
      if (texts.size() != 16 / lanes.bytes) throw std::runtime_error("wrong v128 lane count");
      for (size_t lane = 0; lane < texts.size(); ++lane) {
        set_lane_bits(value, lane, lanes.bytes, parse_bits(texts[lane].get<std::string>()));
      }
      break;
    }
    case WASMNN_FUNCREF:
      if (json.at("value") != "null") throw std::runtime_error("non-null funcref arguments are not supported");
      value.of.funcref = nullptr;
      break;
    case WASMNN_EXTERNREF: {
      const auto text = json.at("value").get<std::string>();
      value.of.externref = text == "null" ? nullptr : extern_ref_for(parse_bits(text));
      break;
    }
  }
  return value;
}

Expected parse_expected(const nlohmann::json& json) {
  Expected expected;
  expected.value.kind = parse_kind(json.at("type").get<std::string>());
  switch (expected.value.kind) {
    case WASMNN_F32:
    case WASMNN_F64: {
      const auto text = json.at("value").get<std::string>();
      expected.lane_match = {parse_float_match(text)};
      if (expected.lane_match[0] == FloatMatch::exact) expected.value = parse_argument(json);
      break;
    }
    case WASMNN_V128: {
      expected.lane_type = json.at("lane_type").get<std::string>();
      const LaneShape lanes = lane_shape(expected.lane_type);
      const auto& texts = json.at("value");
      if (texts.size() != 16 / lanes.bytes) throw std::runtime_error("wrong v128 lane count");
      for (size_t lane = 0; lane < texts.size(); ++lane) {
        const auto text = texts[lane].get<std::string>();
        expected.lane_match.push_back(lanes.is_float ? parse_float_match(text) : FloatMatch::exact);
        if (expected.lane_match.back() == FloatMatch::exact)
          set_lane_bits(expected.value, lane, lanes.bytes, parse_bits(text));
      }
      break;
    }
    case WASMNN_FUNCREF:
    case WASMNN_EXTERNREF:
    case WASMNN_I32:
    case WASMNN_I64: expected.value = parse_argument(json); break;
  }
  return expected;
}

bool matches(const Expected& expected, const wasmnn_val& actual) {
  const wasmnn_val& want = expected.value;
  if (actual.kind != want.kind) return false;
  switch (want.kind) {
    case WASMNN_I32: return actual.of.i32 == want.of.i32;
    case WASMNN_I64: return actual.of.i64 == want.of.i64;
    case WASMNN_F32:
    case WASMNN_F64:
      return float_matches(scalar_bits(actual), scalar_bits(want), scalar_bytes(want.kind), expected.lane_match[0]);
    case WASMNN_V128: {
      const LaneShape lanes = lane_shape(expected.lane_type);
      for (size_t lane = 0; lane < expected.lane_match.size(); ++lane) {
        if (!float_matches(lane_bits(actual, lane, lanes.bytes), lane_bits(want, lane, lanes.bytes), lanes.bytes,
                           expected.lane_match[lane])) {
          return false;
        }
      }
      return true;
    }
    case WASMNN_FUNCREF: return actual.of.funcref == want.of.funcref;  // only ref.null func can be expected
    case WASMNN_EXTERNREF: return actual.of.externref == want.of.externref;
  }
  return false;
}

std::string format_value(const wasmnn_val& value, const std::string& lane_type) {
  switch (value.kind) {
    case WASMNN_I32:
      return "i32:" + std::to_string(value.of.i32) + " (" + hex(static_cast<uint32_t>(value.of.i32), 4) + ")";
    case WASMNN_I64:
      return "i64:" + std::to_string(value.of.i64) + " (" + hex(static_cast<uint64_t>(value.of.i64), 8) + ")";
    case WASMNN_F32:
    case WASMNN_F64:
      return std::string(kind_name(value.kind)) + ":" + format_float(scalar_bits(value), scalar_bytes(value.kind));
    case WASMNN_V128: return format_v128(value, lane_type, nullptr);
    case WASMNN_FUNCREF:
    case WASMNN_EXTERNREF: return format_ref(value);
  }
  return "<unknown value kind " + std::to_string(static_cast<int>(value.kind)) + ">";
}

std::string format_expected(const Expected& expected) {
  const wasmnn_val& value = expected.value;
  if (value.kind == WASMNN_V128) return format_v128(value, expected.lane_type, &expected.lane_match);
  if ((value.kind == WASMNN_F32 || value.kind == WASMNN_F64) && expected.lane_match[0] != FloatMatch::exact) {
    return std::string(kind_name(value.kind)) + ":" + float_match_name(expected.lane_match[0]);
  }
  return format_value(value);
}

}  // namespace wasmnn::spec
