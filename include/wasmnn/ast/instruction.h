// Decoded instructions: the loader turns each function body into a flat vector
// of Instr once; the validator and the executor's compiler both walk that vector,
// so immediates are decoded exactly once and nobody re-reads LEB128 bytes.
#pragma once

#include <cstdint>

#include "wasmnn/common/internal_api.h"

namespace wasmnn {

enum class Op : uint16_t {
#define WASMNN_OP(name, code, imm, text) name = code,
#include "wasmnn/ast/opcodes.def"
};

// Which fields of Instr an opcode uses.
enum class Imm : uint8_t {
  None,
  BlockType,   // blockType
  Index,       // a
  TwoIndex,    // a, b
  BrTable,     // a = first entry in Function::brTableTargets, b = count (the default target comes last, included in b)
  RefType,     // a = ValType code (0x70 funcref / 0x6F externref)
  SelectT,     // a = ValType code
  MemArg,      // a = alignment exponent, b = offset
  I32,         // u64 holds the value zero-extended from 32 bits
  I64,         // u64
  F32,         // u64 holds the IEEE bits zero-extended (NaN payloads preserved)
  F64,         // u64 holds the IEEE bits
  V128,        // a = index into Function::v128Pool (the 16 bytes, little-endian)
  Shuffle,     // a = index into Function::v128Pool (the 16 lane indices)
  Lane,        // a = lane index
  MemArgLane,  // a = alignment exponent (saturated to 24 bits) | lane index << 24, b = offset
};

WASMNN_INTERNAL_API Imm immediateOf(Op op);
WASMNN_INTERNAL_API const char* opName(Op op);

// Block type: empty, a single value type, or a function-type index (multi-value).
struct BlockType {
  enum class Kind : uint8_t { Empty, Value, TypeIndex };
  Kind kind;
  uint8_t valType;     // ValType code when kind == Value
  uint32_t typeIndex;  // when kind == TypeIndex
};

struct Instr {
  Op op;
  uint32_t offset;  // byte offset of the opcode in the module (for error messages)
  union {
    struct {
      uint32_t a, b;
    };
    uint64_t u64;
    BlockType blockType;
  };
};
static_assert(sizeof(Instr) == 16, "Instr must stay compact");

}  // namespace wasmnn
