// Function bodies and constant expressions: opcodes and their immediates.
#include <array>
#include <cstring>

#include "wasmnn/loader/decoder.h"

namespace wasmnn {
namespace {

constexpr uint32_t kMaxLocals = 50000;  // far above real code, bounds the memory a body can claim

// Which opcodes exist, and their immediate kind, indexed by byte (plain) and
// by sub-opcode (0xFC prefix). Built from opcodes.def at compile time.
struct OpTable {
  std::array<bool, 256> plainValid{};
  std::array<Imm, 256> plainImm{};
  static constexpr uint32_t kPrefixedCount = 0x12;
  std::array<Imm, kPrefixedCount> prefixedImm{};
};

constexpr OpTable makeOpTable() {
  OpTable t;
#define WASMNN_OP(name, code, imm, text)    \
  if ((code) < 0x100) {                     \
    t.plainValid[(code)&0xFF] = true;       \
    t.plainImm[(code)&0xFF] = Imm::imm;     \
  } else if ((code) < 0x200) {              \
    t.prefixedImm[(code)-0x100] = Imm::imm; \
  }
#include "wasmnn/ast/opcodes.def"
  return t;
}
constexpr OpTable kOps = makeOpTable();

bool isConstantInstr(Op op) {
  switch (op) {
    case Op::I32Const:
    case Op::I64Const:
    case Op::F32Const:
    case Op::F64Const:
    case Op::RefNull:
    case Op::RefFunc:
    case Op::GlobalGet:
    case Op::V128Const: return true;
    default: return false;
  }
}

ConstExpr::Kind constKindOf(Op op) {
  switch (op) {
    case Op::I32Const: return ConstExpr::Kind::I32;
    case Op::I64Const: return ConstExpr::Kind::I64;
    case Op::F32Const: return ConstExpr::Kind::F32;
    case Op::F64Const: return ConstExpr::Kind::F64;
    case Op::RefNull: return ConstExpr::Kind::RefNull;
    case Op::RefFunc: return ConstExpr::Kind::RefFunc;
    case Op::V128Const: return ConstExpr::Kind::V128;
    default: return ConstExpr::Kind::GlobalGet;
  }
}

bool opensBlock(Op op) { return op == Op::Block || op == Op::Loop || op == Op::If; }

}  // namespace

bool ModuleDecoder::codeSection() {
  const size_t at = r_.offset();
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  codeCount_ = count;
  if (count != m_.functions.size()) return r_.fail("function and code section have inconsistent lengths", at);
  for (Function& f : m_.functions) {
    const size_t sizeAt = r_.offset();
    uint32_t size = 0;
    if (!r_.u32(size)) return false;
    if (size > r_.remaining()) return r_.fail("length out of bounds", sizeAt);
    if (!functionBody(f, size)) return false;
  }
  return true;
}

bool ModuleDecoder::functionBody(Function& f, uint32_t size) {
  f.bodyOffset = uint32_t(r_.offset());
  const size_t end = r_.offset() + size;
  pool_ = &f.v128Pool;
  const bool ok = locals(f) && instructions(f, size);
  pool_ = &scratchPool_;
  if (!ok) return false;
  // The body is decoded up to its final `end` even past the declared size
  // (as the spec interpreter does); only then is the size compared.
  return r_.offset() == end || r_.fail("section size mismatch", r_.offset());
}

bool ModuleDecoder::locals(Function& f) {
  const size_t at = r_.offset();
  uint32_t groups = 0;
  if (!r_.count(groups)) return false;
  uint64_t total = 0;
  for (uint32_t i = 0; i < groups; ++i) {
    uint32_t n = 0;
    ValType type;
    if (!r_.u32(n) || !valType(type)) return false;
    total += n;
    if (total > kMaxLocals) return r_.fail("too many locals", at);
    f.locals.insert(f.locals.end(), n, type);
  }
  return true;
}

bool ModuleDecoder::instructions(Function& f, uint32_t size) {
  // Every instruction takes at least one byte; a third of the body size is a
  // fair first guess that avoids most regrowth without overcommitting.
  f.code.reserve(size / 3 + 2);
  // Open blocks, innermost last, to place `else` and find the final `end`.
  blocks_.assign(1, BlockKind::Plain);
  while (!blocks_.empty()) {
    Instr& in = f.code.emplace_back();
    if (!instr(in, f.brTableTargets)) return false;
    switch (in.op) {
      case Op::Block:
      case Op::Loop: blocks_.push_back(BlockKind::Plain); break;
      case Op::If: blocks_.push_back(BlockKind::If); break;
      case Op::Else:
        // In the binary grammar `else` can only end the first arm of an `if`;
        // anywhere else the enclosing block must have ended instead.
        if (blocks_.back() != BlockKind::If) return r_.fail("END opcode expected", in.offset);
        blocks_.back() = BlockKind::Else;
        break;
      case Op::End: blocks_.pop_back(); break;
      default: break;
    }
  }
  return true;
}

bool ModuleDecoder::instr(Instr& in, std::vector<uint32_t>& brTargets) {
  in.offset = uint32_t(r_.offset());
  in.u64 = 0;
  uint8_t byte = 0;
  if (!r_.u8(byte)) return false;
  if (byte == 0xFC) return prefixedInstr(in);
  if (byte == 0xFD) return simdInstr(in);
  if (!kOps.plainValid[byte]) return r_.fail("illegal opcode", in.offset);
  in.op = Op(byte);
  switch (kOps.plainImm[byte]) {
    case Imm::None: return true;
    case Imm::BlockType: return blockType(in.blockType);
    case Imm::Index:
      if (in.op == Op::MemorySize || in.op == Op::MemoryGrow) return r_.zeroByte();
      return r_.u32(in.a);
    case Imm::TwoIndex: return r_.u32(in.a) && r_.u32(in.b);  // call_indirect: type, table
    case Imm::BrTable: return brTable(in, brTargets);
    case Imm::RefType: {
      ValType t;
      if (!refType(t)) return false;
      in.a = uint8_t(t);
      return true;
    }
    case Imm::SelectT: return selectTypes(in);
    case Imm::MemArg: return r_.u32(in.a) && r_.u32(in.b);
    case Imm::I32: {
      int32_t v = 0;
      if (!r_.s32(v)) return false;
      in.u64 = uint32_t(v);
      return true;
    }
    case Imm::I64: {
      int64_t v = 0;
      if (!r_.s64(v)) return false;
      in.u64 = uint64_t(v);
      return true;
    }
    case Imm::F32: {
      uint32_t bits = 0;
      if (!r_.fixed32(bits)) return false;
      in.u64 = bits;
      return true;
    }
    case Imm::F64: return r_.fixed64(in.u64);
    case Imm::V128:
    case Imm::Shuffle:
    case Imm::Lane:
    case Imm::MemArgLane: break;  // SIMD immediates only follow the 0xFD prefix (decoder_simd.cpp)
  }
  return false;
}

bool ModuleDecoder::prefixedInstr(Instr& in) {
  uint32_t sub = 0;
  if (!r_.u32(sub)) return false;
  if (sub >= OpTable::kPrefixedCount) return r_.fail("illegal opcode", in.offset);
  in.op = Op(0x100 + sub);
  switch (in.op) {
    case Op::MemoryInit:
    case Op::DataDrop:
      if (!firstDataIndexUse_) firstDataIndexUse_ = in.offset;
      if (!r_.u32(in.a)) return false;
      return in.op == Op::DataDrop || r_.zeroByte();
    case Op::MemoryCopy: return r_.zeroByte() && r_.zeroByte();
    case Op::MemoryFill: return r_.zeroByte();
    default: break;
  }
  switch (kOps.prefixedImm[sub]) {
    case Imm::Index: return r_.u32(in.a);
    case Imm::TwoIndex: return r_.u32(in.a) && r_.u32(in.b);
    default: return true;
  }
}

bool ModuleDecoder::blockType(BlockType& out) {
  const size_t at = r_.offset();
  uint8_t b = 0;
  if (!r_.peekU8(b)) return r_.failEnd();
  out.valType = 0;
  out.typeIndex = 0;
  if (b == 0x40) {
    r_.u8(b);
    out.kind = BlockType::Kind::Empty;
    return true;
  }
  if ((b & 0xC0) == 0x40) {  // a one-byte negative s33: a value type
    ValType t;
    if (!valType(t)) return false;
    out.kind = BlockType::Kind::Value;
    out.valType = uint8_t(t);
    return true;
  }
  int64_t index = 0;
  if (!r_.s33(index)) return false;
  if (index < 0) return r_.fail("malformed block type", at);
  out.kind = BlockType::Kind::TypeIndex;
  // Indices above 2^32-1 cannot name a type; saturate so the validator says "unknown type".
  out.typeIndex = index > 0xFFFFFFFF ? 0xFFFFFFFF : uint32_t(index);
  return true;
}

bool ModuleDecoder::brTable(Instr& in, std::vector<uint32_t>& brTargets) {
  uint32_t count = 0;
  if (!r_.count(count)) return false;
  in.a = uint32_t(brTargets.size());
  in.b = count + 1;
  brTargets.reserve(brTargets.size() + count + 1);
  for (uint32_t i = 0; i <= count; ++i) {
    uint32_t label = 0;
    if (!r_.u32(label)) return false;
    brTargets.push_back(label);
  }
  return true;
}

// Typed select carries a vector of types; 2.0 allows exactly one. Any other
// length is stored as a = 0 (no value type), which the validator reports as
// "invalid result arity".
bool ModuleDecoder::selectTypes(Instr& in) {
  uint32_t n = 0;
  if (!r_.count(n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    ValType t;
    if (!valType(t)) return false;
    if (n == 1) in.a = uint8_t(t);
  }
  return true;
}

bool ModuleDecoder::constExpr(ConstExpr& out) {
  out.offset = uint32_t(r_.offset());
  uint32_t count = 0, depth = 0;
  for (;;) {
    Instr in;
    if (!instr(in, scratchTargets_)) return false;
    if (in.op == Op::End && depth == 0) break;
    if (opensBlock(in.op)) ++depth;
    if (in.op == Op::End) --depth;
    if (!isConstantInstr(in.op)) {
      defer("constant expression required", in.offset);
    } else if (++count == 1) {
      out.kind = constKindOf(in.op);
      if (in.op == Op::RefNull) {
        out.refType = ValType(in.a);
      } else if (in.op == Op::V128Const) {
        std::memcpy(&out.value, scratchPool_[in.a].data(), 8);
        std::memcpy(&out.valueHi, scratchPool_[in.a].data() + 8, 8);
      } else {
        out.value = in.op == Op::RefFunc || in.op == Op::GlobalGet ? in.a : in.u64;
      }
    }
  }
  scratchTargets_.clear();
  scratchPool_.clear();
  // Zero or several values on the stack: the expression has the wrong type.
  if (count != 1) defer("type mismatch", out.offset);
  return true;
}

void ModuleDecoder::defer(const char* message, size_t offset) {
  if (!deferred_) deferred_ = Error{ErrorKind::Invalid, messageAt(message, offset)};
}

}  // namespace wasmnn
