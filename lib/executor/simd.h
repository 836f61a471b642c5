// The interpreter's SIMD instruction (X::Simd), executed out of line.
// Layout after the two handler words: sub-opcode, length in words, dst slot,
// operand slots (a v128 names the first of its two slots), then immediates:
//   Unary/Test/Splat dst a | Binary dst a b | Ternary dst a b c | Shift dst a n
//   Extract dst a lane | Replace dst a x lane | Load dst addr offset
//   Store - addr v offset | LoadLane dst addr v offset lane | StoreLane - addr v offset lane
//   Shuffle dst a b lanes(4 words)
#pragma once

#include <cstdint>
#include <string_view>

#include "wasmnn/common/simd.h"
#include "wasmnn/runtime/objects.h"

namespace wasmnn {

// A shape's stack operands in push order and its result: 'v' a v128, 's' a
// scalar, '-' nothing.
struct SimdOperands {
  std::string_view in;
  char out;
};
SimdOperands simdOperands(SimdShape shape);

// Number of operand words (after sub-opcode and length) for a shape.
uint32_t simdOperandWords(SimdShape shape);

// Runs the SIMD instruction at ip on frame fp; returns a trap message or nullptr.
const char* simdExec(const uint32_t* ip, uint64_t* fp, wasmnn_memory* mem);

}  // namespace wasmnn
