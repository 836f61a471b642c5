// Values of wast2json scripts: arguments, expected results, and how to print them.
#pragma once

#include <wasmnn/wasmnn.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace wasmnn::spec {

// What an expected float (or float lane) must be.
enum class FloatMatch { exact, canonical_nan, arithmetic_nan };

// An expected result. For v128 the lanes carry the shape the script wrote,
// because NaN classes are per lane and printing by lane is what a human reads.
struct Expected {
  wasmnn_val value{};
  std::string lane_type;               // v128 only: i8 i16 i32 i64 f32 f64
  std::vector<FloatMatch> lane_match;  // f32/f64: one entry; v128: one per lane
};

// The host value that stands for `ref.extern N`. N + 1 so that 0 is not null.
void* extern_ref_for(uint64_t n);

// Parses an argument ({"type": ..., "value": ...}). Throws std::runtime_error
// on a value this runner cannot build (e.g. a non-null funcref argument).
wasmnn_val parse_argument(const nlohmann::json& value);
Expected parse_expected(const nlohmann::json& value);

bool matches(const Expected& expected, const wasmnn_val& actual);

const char* kind_name(wasmnn_valkind kind);
// `lane_type` picks how a v128 is shown; empty shows it as i32x4.
std::string format_value(const wasmnn_val& value, const std::string& lane_type = {});
std::string format_expected(const Expected& expected);

}  // namespace wasmnn::spec
