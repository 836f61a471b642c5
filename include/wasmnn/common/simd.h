// Static facts about the SIMD instructions (ast/simd_opcodes.def), shared by
// the loader, the validator and the executor's compiler.
#pragma once

#include <array>
#include <cstdint>

#include "wasmnn/ast/module.h"

namespace wasmnn {

// Operand and result pattern; "v" is a v128, "s" the instruction's scalar type.
enum class SimdShape : uint8_t {
  Invalid,    // not a SIMD opcode (a gap in the 0xFD numbering)
  Unary,      // v -> v
  Binary,     // v v -> v
  Ternary,    // v v v -> v
  Test,       // v -> i32
  Shift,      // v i32 -> v
  Splat,      // s -> v
  Extract,    // v -> s (lane immediate)
  Replace,    // v s -> v (lane immediate)
  Load,       // i32 -> v (memarg)
  Store,      // i32 v -> (memarg)
  LoadLane,   // i32 v -> v (memarg, lane)
  StoreLane,  // i32 v -> (memarg, lane)
  Const,      // -> v
  Shuffle,    // v v -> v (16 lane indices)
};

struct SimdInfo {
  SimdShape shape = SimdShape::Invalid;
  ValType scalar = ValType::V128;
  uint8_t lanes = 0;       // lane count, the bound of lane immediates
  uint8_t accessLog2 = 0;  // memory ops: log2 of the bytes accessed
};

constexpr uint32_t kSimdBase = 0x200;
constexpr uint32_t kSimdCount = 0x100;

inline constexpr std::array<SimdInfo, kSimdCount> kSimdInfo = [] {
  std::array<SimdInfo, kSimdCount> t{};
#define WASMNN_SIMD(name, sub, imm, text, shape, scalar, lanes, log2) \
  t[sub] = SimdInfo{SimdShape::shape, ValType::scalar, lanes, log2};
#include "wasmnn/ast/simd_opcodes.def"
  return t;
}();

inline bool isSimd(Op op) { return uint32_t(op) >= kSimdBase && uint32_t(op) < kSimdBase + kSimdCount; }
inline const SimdInfo& simdInfo(Op op) { return kSimdInfo[uint32_t(op) - kSimdBase]; }

}  // namespace wasmnn
