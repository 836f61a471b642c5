// SIMD instructions: operand types, lane indices and alignment.
#include "wasmnn/common/simd.h"
#include "wasmnn/validator/context.h"

namespace wasmnn {

bool FunctionValidator::simd(const Instr& in) {
  const SimdInfo& s = simdInfo(in.op);
  constexpr ValType v = ValType::V128, i32 = ValType::I32;
  auto lane = [&](uint32_t index) { return index < s.lanes || fail("invalid lane index"); };
  auto memarg = [&](uint32_t align) {
    if (!memoryExists()) return false;
    return align <= s.accessLog2 || fail("alignment must not be larger than natural");
  };
  switch (s.shape) {
    case SimdShape::Unary:
      if (!pop(v)) return false;
      break;
    case SimdShape::Binary:
      if (!pop(v) || !pop(v)) return false;
      break;
    case SimdShape::Ternary:
      if (!pop(v) || !pop(v) || !pop(v)) return false;
      break;
    case SimdShape::Test:
      if (!pop(v)) return false;
      push(i32);
      return true;
    case SimdShape::Shift:
      if (!pop(i32) || !pop(v)) return false;
      break;
    case SimdShape::Splat:
      if (!pop(s.scalar)) return false;
      break;
    case SimdShape::Extract:
      if (!lane(in.a) || !pop(v)) return false;
      push(s.scalar);
      return true;
    case SimdShape::Replace:
      if (!lane(in.a) || !pop(s.scalar) || !pop(v)) return false;
      break;
    case SimdShape::Load:
      if (!memarg(in.a) || !pop(i32)) return false;
      break;
    case SimdShape::Store: return memarg(in.a) && pop(v) && pop(i32);
    case SimdShape::LoadLane:
      if (!memarg(in.a & 0xFFFFFF) || !lane(in.a >> 24) || !pop(v) || !pop(i32)) return false;
      break;
    case SimdShape::StoreLane: return memarg(in.a & 0xFFFFFF) && lane(in.a >> 24) && pop(v) && pop(i32);
    case SimdShape::Const: break;
    case SimdShape::Shuffle: {
      if (in.a >= function_->v128Pool.size()) return fail("malformed shuffle");
      for (uint8_t index : function_->v128Pool[in.a])
        if (index >= 32) return fail("invalid lane index");
      if (!pop(v) || !pop(v)) return false;
      break;
    }
    case SimdShape::Invalid: return fail("illegal opcode");
  }
  push(v);
  return true;
}

}  // namespace wasmnn
