// The interpreter's SIMD instruction (X::Simd), executed out of line. Its
// operands follow one of the Simd* shapes in xops.h, chosen by the
// sub-opcode's SimdShape (a v128 slot operand names the first of two slots).
#pragma once

#include <cstdint>
#include <string_view>

#include "wasmnn/common/simd.h"
#include "wasmnn/runtime/objects.h"
#include "xops.h"

namespace wasmnn {

// A shape's stack operands in push order and its result: 'v' a v128, 's' a
// scalar, '-' nothing.
struct SimdOperands {
  std::string_view in;
  char out;
};
SimdOperands simdOperands(SimdShape shape);

// The instruction shape (xops.h) of a SIMD opcode's SimdShape; ShapeId::Simd
// for a shape that is not executed (Const, Invalid).
ShapeId simdShapeId(SimdShape shape);

// Runs the SIMD instruction at ip on frame fp; returns a trap message or nullptr.
const char* simdExec(const uint32_t* ip, uint64_t* fp, wasmnn_memory* mem);

}  // namespace wasmnn
