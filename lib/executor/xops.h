// The interpreter's internal instruction set, declared once. An instruction is
// its handler's address (two 32-bit words) followed by 32-bit operand words in
// the order its shape declares them. The compiler fills them through the
// shape's Words struct (an operand missing or extra does not compile), the
// handlers read them by name (OPERANDS/SLOT/IMM in interpreter.cpp, checked
// against the operand's kind at compile time), and the disassembler prints
// them by kind: a layout lives only in its WASMNN_SHAPE_* line below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wasmnn {

// What an operand word means.
enum class Opd : uint8_t {
  Handler,  // the handler's address: two words, first in every instruction
  Dst,      // a frame slot the instruction writes (a v128: the first of its two slots)
  Slot,     // a frame slot it reads
  Base,     // a call's first argument slot, where the callee's frame starts
  Imm,      // a 32-bit immediate
  Imm64,    // a 64-bit immediate, low word first (two words)
  Offset,   // a memory access's static offset
  Target,   // a branch target, in words from the start of the branching instruction
  Func,     // a function index
  Global,
  Table,
  Elem,    // an element segment
  Data,    // a data segment
  TypeId,  // the interned type id call_indirect expects
  Count,   // BrTable: n; n + 1 Target words follow (the last is the default)
  SimdOp,  // Simd: the sub-opcode, Op - kSimdBase
  Length,  // Simd: the instruction's length in words
  Lane,    // a SIMD lane index
  Lanes,   // i8x16.shuffle's 16 lane indices, one byte each (four words)
};

constexpr uint32_t wordsOf(Opd k) { return k == Opd::Handler || k == Opd::Imm64 ? 2 : k == Opd::Lanes ? 4 : 1; }

// Operand values as the compiler passes them. No default constructors: an
// instruction's Words cannot be built with an operand left out.
struct Word {
  constexpr Word(uint32_t v) : value(v) {}
  uint32_t value;
};
struct Word64 {
  constexpr Word64(uint64_t v) : lo(uint32_t(v)), hi(uint32_t(v >> 32)) {}
  uint32_t lo, hi;
};
struct Word128 {
  constexpr Word128(const std::array<uint32_t, 4>& v) : words(v) {}
  std::array<uint32_t, 4> words;
};
template <Opd k> struct OperandValue { using type = Word; };
template <> struct OperandValue<Opd::Imm64> { using type = Word64; };
template <> struct OperandValue<Opd::Lanes> { using type = Word128; };

// A named operand: its word within the instruction and its kind.
struct Operand {
  uint32_t word;
  Opd kind;
};

// Word positions for handlers, checked against the declared kind when the
// handler is compiled (a mismatch is not a constant expression).
consteval uint32_t slotWord(Operand o) {
  if (o.kind != Opd::Dst && o.kind != Opd::Slot) throw "not a slot operand";
  return o.word;
}
consteval uint32_t baseWord(Operand o) {
  if (o.kind != Opd::Base) throw "not a call's argument base";
  return o.word;
}
consteval uint32_t targetWord(Operand o) {
  if (o.kind != Opd::Target) throw "not a branch target";
  return o.word;
}
consteval uint32_t imm64Word(Operand o) {
  if (o.kind != Opd::Imm64) throw "not a 64-bit immediate";
  return o.word;
}
consteval uint32_t immWord(Operand o) {
  if (wordsOf(o.kind) != 1 || o.kind == Opd::Dst || o.kind == Opd::Slot || o.kind == Opd::Base || o.kind == Opd::Target)
    throw "not a one-word immediate";
  return o.word;
}

// clang-format off
// ---- operand shapes: WASMNN_SHAPE_<shape>(F) lists F(name, kind) in word order.
#define WASMNN_SHAPE_None(F)
#define WASMNN_SHAPE_Jump(F) F(target, Target)
#define WASMNN_SHAPE_CondJump(F) F(cond, Slot) F(target, Target)
#define WASMNN_SHAPE_BrTable(F) F(index, Slot) F(count, Count)
#define WASMNN_SHAPE_Call(F) F(func, Func) F(args, Base)
#define WASMNN_SHAPE_CallIndirect(F) F(type, TypeId) F(table, Table) F(index, Slot) F(args, Base)
#define WASMNN_SHAPE_Copy(F) F(dst, Dst) F(src, Slot)
#define WASMNN_SHAPE_Copy2(F) F(dst, Dst) F(src, Slot) F(dst2, Dst) F(src2, Slot)
#define WASMNN_SHAPE_Copy3(F) F(dst, Dst) F(src, Slot) F(dst2, Dst) F(src2, Slot) F(dst3, Dst) F(src3, Slot)
#define WASMNN_SHAPE_Const32(F) F(dst, Dst) F(imm, Imm)
#define WASMNN_SHAPE_Const64(F) F(dst, Dst) F(imm, Imm64)
#define WASMNN_SHAPE_Select(F) F(dst, Dst) F(a, Slot) F(b, Slot) F(cond, Slot)
#define WASMNN_SHAPE_RefFunc(F) F(dst, Dst) F(func, Func)
#define WASMNN_SHAPE_GlobalGet(F) F(dst, Dst) F(global, Global)
#define WASMNN_SHAPE_GlobalSet(F) F(global, Global) F(src, Slot)
#define WASMNN_SHAPE_TableGet(F) F(dst, Dst) F(table, Table) F(index, Slot)
#define WASMNN_SHAPE_TableSet(F) F(table, Table) F(index, Slot) F(value, Slot)
#define WASMNN_SHAPE_XorRotl(F) F(dst, Dst) F(a, Slot) F(x, Slot) F(imm, Imm)
#define WASMNN_SHAPE_MemorySize(F) F(dst, Dst)
#define WASMNN_SHAPE_MemoryGrow(F) F(dst, Dst) F(delta, Slot)
#define WASMNN_SHAPE_MemoryInit(F) F(data, Data) F(d, Slot) F(s, Slot) F(n, Slot)
#define WASMNN_SHAPE_DataDrop(F) F(data, Data)
#define WASMNN_SHAPE_MemoryCopy(F) F(d, Slot) F(s, Slot) F(n, Slot)
#define WASMNN_SHAPE_MemoryFill(F) F(d, Slot) F(v, Slot) F(n, Slot)
#define WASMNN_SHAPE_TableInit(F) F(elem, Elem) F(table, Table) F(d, Slot) F(s, Slot) F(n, Slot)
#define WASMNN_SHAPE_ElemDrop(F) F(elem, Elem)
#define WASMNN_SHAPE_TableCopy(F) F(dstTable, Table) F(srcTable, Table) F(d, Slot) F(s, Slot) F(n, Slot)
#define WASMNN_SHAPE_TableGrow(F) F(dst, Dst) F(table, Table) F(init, Slot) F(n, Slot)
#define WASMNN_SHAPE_TableSize(F) F(dst, Dst) F(table, Table)
#define WASMNN_SHAPE_TableFill(F) F(table, Table) F(i, Slot) F(v, Slot) F(n, Slot)
// Loads and stores: the address is a 32-bit slot plus the offset; with Add the
// sum of two slots, with AddImm of a slot and an immediate (computed in 32 bits
// as the fused i32.add would); with Abs a known 64-bit effective address.
#define WASMNN_SHAPE_Load(F) F(dst, Dst) F(addr, Slot) F(offset, Offset)
#define WASMNN_SHAPE_LoadAdd(F) F(dst, Dst) F(a, Slot) F(b, Slot) F(offset, Offset)
#define WASMNN_SHAPE_LoadAddImm(F) F(dst, Dst) F(a, Slot) F(imm, Imm) F(offset, Offset)
#define WASMNN_SHAPE_LoadAbs(F) F(dst, Dst) F(ea, Imm64)
#define WASMNN_SHAPE_Store(F) F(addr, Slot) F(value, Slot) F(offset, Offset)
#define WASMNN_SHAPE_StoreAdd(F) F(a, Slot) F(b, Slot) F(value, Slot) F(offset, Offset)
#define WASMNN_SHAPE_StoreAddImm(F) F(a, Slot) F(imm, Imm) F(value, Slot) F(offset, Offset)
#define WASMNN_SHAPE_StoreAbs(F) F(ea, Imm64) F(value, Slot)
#define WASMNN_SHAPE_Unary(F) F(dst, Dst) F(a, Slot)
#define WASMNN_SHAPE_Binary(F) F(dst, Dst) F(a, Slot) F(b, Slot)
#define WASMNN_SHAPE_BinaryImm(F) F(dst, Dst) F(a, Slot) F(imm, Imm)
#define WASMNN_SHAPE_BinaryImm64(F) F(dst, Dst) F(a, Slot) F(imm, Imm64)
#define WASMNN_SHAPE_CmpJump(F) F(a, Slot) F(b, Slot) F(target, Target)
#define WASMNN_SHAPE_CmpJumpImm(F) F(a, Slot) F(imm, Imm) F(target, Target)
// X::Simd: the sub-opcode and length, then one of the Simd* shapes' operands.
#define WASMNN_SHAPE_Simd(F) F(sub, SimdOp) F(length, Length)
#define WASMNN_SHAPE_SimdUnary(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot)
#define WASMNN_SHAPE_SimdBinary(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot) F(b, Slot)
#define WASMNN_SHAPE_SimdTernary(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot) F(b, Slot) F(c, Slot)
#define WASMNN_SHAPE_SimdShift(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot) F(n, Slot)
#define WASMNN_SHAPE_SimdExtract(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot) F(lane, Lane)
#define WASMNN_SHAPE_SimdReplace(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot) F(x, Slot) F(lane, Lane)
#define WASMNN_SHAPE_SimdLoad(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(addr, Slot) F(offset, Offset)
#define WASMNN_SHAPE_SimdStore(F) WASMNN_SHAPE_Simd(F) F(addr, Slot) F(value, Slot) F(offset, Offset)
#define WASMNN_SHAPE_SimdLoadLane(F) \
  WASMNN_SHAPE_Simd(F) F(dst, Dst) F(addr, Slot) F(value, Slot) F(offset, Offset) F(lane, Lane)
#define WASMNN_SHAPE_SimdStoreLane(F) WASMNN_SHAPE_Simd(F) F(addr, Slot) F(value, Slot) F(offset, Offset) F(lane, Lane)
#define WASMNN_SHAPE_SimdShuffle(F) WASMNN_SHAPE_Simd(F) F(dst, Dst) F(a, Slot) F(b, Slot) F(lanes, Lanes)

#define WASMNN_SHAPES(S)                                                                                        \
  S(None) S(Jump) S(CondJump) S(BrTable) S(Call) S(CallIndirect) S(Copy) S(Copy2) S(Copy3) S(Const32) S(Const64) \
  S(Select) S(RefFunc) S(GlobalGet) S(GlobalSet) S(TableGet) S(TableSet) S(XorRotl) S(MemorySize) S(MemoryGrow)  \
  S(MemoryInit) S(DataDrop) S(MemoryCopy) S(MemoryFill) S(TableInit) S(ElemDrop) S(TableCopy) S(TableGrow)       \
  S(TableSize) S(TableFill) S(Load) S(LoadAdd) S(LoadAddImm) S(LoadAbs) S(Store) S(StoreAdd) S(StoreAddImm)     \
  S(StoreAbs) S(Unary) S(Binary) S(BinaryImm) S(BinaryImm64) S(CmpJump) S(CmpJumpImm) S(Simd) S(SimdUnary)     \
  S(SimdBinary) S(SimdTernary) S(SimdShift) S(SimdExtract) S(SimdReplace) S(SimdLoad) S(SimdStore)              \
  S(SimdLoadLane) S(SimdStoreLane) S(SimdShuffle)

// ---- instructions, each X(name, shape).
// Control, variables, tables and bulk memory (GlobalGetV/GlobalSetV move a v128 global).
#define WASMNN_XOPS_MISC(X)                                                                                      \
  X(Unreachable, None) X(Br, Jump) X(BrIf, CondJump) X(BrUnless, CondJump) X(BrTable, BrTable) X(Ret, None)     \
  X(Call, Call) X(CallLocal, Call) X(CallIndirect, CallIndirect) X(Copy, Copy) X(Copy2, Copy2) X(Copy3, Copy3)  \
  X(Const32, Const32) X(Const64, Const64) X(Select, Select) X(RefFunc, RefFunc) X(GlobalGet, GlobalGet)         \
  X(GlobalSet, GlobalSet) X(TableGet, TableGet) X(TableSet, TableSet) X(I32XorRotlI, XorRotl)                    \
  X(MemorySize, MemorySize) X(MemoryGrow, MemoryGrow) X(MemoryInit, MemoryInit) X(DataDrop, DataDrop)           \
  X(MemoryCopy, MemoryCopy) X(MemoryFill, MemoryFill) X(TableInit, TableInit) X(ElemDrop, ElemDrop)             \
  X(TableCopy, TableCopy) X(TableGrow, TableGrow) X(TableSize, TableSize) X(TableFill, TableFill)               \
  X(GlobalGetV, GlobalGet) X(GlobalSetV, GlobalSet) X(Simd, Simd)                                              \
  X(BrBack, Jump) X(BrIfBack, CondJump) X(BrTableBack, BrTable)

// The families below list names only; WASMNN_XOPS gives each member its name
// and shape. Loads, each also as <load>Add, <load>AddI and <load>Abs:
#define WASMNN_XOPS_LOADS(X) \
  X(Load32) X(Load64) X(Load8S32) X(Load8U) X(Load16S32) X(Load16U) X(Load8S64) X(Load16S64) X(Load32S64)

// Stores, each also as <store>Add, <store>AddI and <store>Abs.
#define WASMNN_XOPS_STORES(X) X(Store8) X(Store16) X(Store32) X(Store64)

// Unary (dst, a): named like the wasm opcode they implement.
#define WASMNN_XOPS_UNARY(X)                                                                                  \
  X(RefIsNull) X(I32Eqz) X(I64Eqz) X(I32Clz) X(I32Ctz) X(I32Popcnt) X(I64Clz) X(I64Ctz) X(I64Popcnt)        \
  X(F32Abs) X(F32Neg) X(F32Ceil) X(F32Floor) X(F32Trunc) X(F32Nearest) X(F32Sqrt) X(F64Abs) X(F64Neg)       \
  X(F64Ceil) X(F64Floor) X(F64Trunc) X(F64Nearest) X(F64Sqrt) X(I32WrapI64) X(I32TruncF32S) X(I32TruncF32U) \
  X(I32TruncF64S) X(I32TruncF64U) X(I64ExtendI32S) X(I64ExtendI32U) X(I64TruncF32S) X(I64TruncF32U)         \
  X(I64TruncF64S) X(I64TruncF64U) X(F32ConvertI32S) X(F32ConvertI32U) X(F32ConvertI64S) X(F32ConvertI64U)   \
  X(F32DemoteF64) X(F64ConvertI32S) X(F64ConvertI32U) X(F64ConvertI64S) X(F64ConvertI64U) X(F64PromoteF32)  \
  X(I32Extend8S) X(I32Extend16S) X(I64Extend8S) X(I64Extend16S) X(I64Extend32S) X(I32TruncSatF32S)         \
  X(I32TruncSatF32U) X(I32TruncSatF64S) X(I32TruncSatF64U) X(I64TruncSatF32S) X(I64TruncSatF32U)           \
  X(I64TruncSatF64S) X(I64TruncSatF64U)

// Binary (dst, a, b)
#define WASMNN_XOPS_BINARY(X)                                                                                \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)          \
  X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)          \
  X(F32Eq) X(F32Ne) X(F32Lt) X(F32Gt) X(F32Le) X(F32Ge) X(F64Eq) X(F64Ne) X(F64Lt) X(F64Gt) X(F64Le) X(F64Ge) \
  X(I32Add) X(I32Sub) X(I32Mul) X(I32DivS) X(I32DivU) X(I32RemS) X(I32RemU) X(I32And) X(I32Or) X(I32Xor)     \
  X(I32Shl) X(I32ShrS) X(I32ShrU) X(I32Rotl) X(I32Rotr) X(I64Add) X(I64Sub) X(I64Mul) X(I64DivS) X(I64DivU)   \
  X(I64RemS) X(I64RemU) X(I64And) X(I64Or) X(I64Xor) X(I64Shl) X(I64ShrS) X(I64ShrU) X(I64Rotl) X(I64Rotr)    \
  X(F32Add) X(F32Sub) X(F32Mul) X(F32Div) X(F32Min) X(F32Max) X(F32Copysign) X(F64Add) X(F64Sub) X(F64Mul)    \
  X(F64Div) X(F64Min) X(F64Max) X(F64Copysign)

// Binary ops that also exist as (dst, a, immediate) under the name <op>I,
// with a 32-bit immediate (IMM32) or a 64-bit one (IMM64).
#define WASMNN_XOPS_IMM32(X)                                                                             \
  X(I32Add) X(I32Mul) X(I32And) X(I32Or) X(I32Xor) X(I32Shl) X(I32ShrS) X(I32ShrU) X(I32Rotl) X(I32Rotr) \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)     \
  X(F32Add) X(F32Sub) X(F32Mul) X(F32Div)
#define WASMNN_XOPS_IMM64(X)                                                                             \
  X(I64Add) X(I64Mul) X(I64And) X(I64Or) X(I64Xor) X(I64Shl) X(I64ShrS) X(I64ShrU) X(I64Rotl) X(I64Rotr) \
  X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)     \
  X(F64Add) X(F64Sub) X(F64Mul) X(F64Div)

// Compare-and-branch superinstructions (a, b, target) under the name
// BrIf<op>, and with an i32 immediate (a, imm, target) under BrIf<op>I (an
// i64 compare sign-extends it).
//
// The branches that close a loop (jump to its start) are the *Back forms:
// BrBack, BrIfBack, BrTableBack (when a table entry does), BrIf<op>Back and
// BrIf<op>IBack. Same operands; they poll the store's interrupt before
// jumping (runtime/interrupt.h), so forward branches pay nothing for it.
#define WASMNN_XOPS_CMPBR(X)                                                                             \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)      \
  X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)

// Every instruction in enum order as WASMNN_XOP(name, shape) rows: define
// WASMNN_XOP, expand WASMNN_XOPS (or WASMNN_XOPS_MEMORY, the loads and stores
// alone), then undefine it.
#define WASMNN_XOP_LOAD(n) WASMNN_XOP(n, Load)
#define WASMNN_XOP_LOAD_ADD(n) WASMNN_XOP(n##Add, LoadAdd)
#define WASMNN_XOP_LOAD_ADDI(n) WASMNN_XOP(n##AddI, LoadAddImm)
#define WASMNN_XOP_LOAD_ABS(n) WASMNN_XOP(n##Abs, LoadAbs)
#define WASMNN_XOP_STORE(n) WASMNN_XOP(n, Store)
#define WASMNN_XOP_STORE_ADD(n) WASMNN_XOP(n##Add, StoreAdd)
#define WASMNN_XOP_STORE_ADDI(n) WASMNN_XOP(n##AddI, StoreAddImm)
#define WASMNN_XOP_STORE_ABS(n) WASMNN_XOP(n##Abs, StoreAbs)
#define WASMNN_XOP_UNARY(n) WASMNN_XOP(n, Unary)
#define WASMNN_XOP_BINARY(n) WASMNN_XOP(n, Binary)
#define WASMNN_XOP_IMM32(n) WASMNN_XOP(n##I, BinaryImm)
#define WASMNN_XOP_IMM64(n) WASMNN_XOP(n##I, BinaryImm64)
#define WASMNN_XOP_CMPBR(n) WASMNN_XOP(BrIf##n, CmpJump)
#define WASMNN_XOP_CMPBRI(n) WASMNN_XOP(BrIf##n##I, CmpJumpImm)
#define WASMNN_XOP_CMPBR_BACK(n) WASMNN_XOP(BrIf##n##Back, CmpJump)
#define WASMNN_XOP_CMPBRI_BACK(n) WASMNN_XOP(BrIf##n##IBack, CmpJumpImm)
#define WASMNN_XOPS_MEMORY                                                                                   \
  WASMNN_XOPS_LOADS(WASMNN_XOP_LOAD) WASMNN_XOPS_LOADS(WASMNN_XOP_LOAD_ADD) WASMNN_XOPS_LOADS(WASMNN_XOP_LOAD_ADDI) \
  WASMNN_XOPS_LOADS(WASMNN_XOP_LOAD_ABS) WASMNN_XOPS_STORES(WASMNN_XOP_STORE) WASMNN_XOPS_STORES(WASMNN_XOP_STORE_ADD) \
  WASMNN_XOPS_STORES(WASMNN_XOP_STORE_ADDI) WASMNN_XOPS_STORES(WASMNN_XOP_STORE_ABS)
#define WASMNN_XOPS                                                                                           \
  WASMNN_XOPS_MISC(WASMNN_XOP) WASMNN_XOPS_MEMORY WASMNN_XOPS_UNARY(WASMNN_XOP_UNARY)                         \
  WASMNN_XOPS_BINARY(WASMNN_XOP_BINARY) WASMNN_XOPS_IMM32(WASMNN_XOP_IMM32) WASMNN_XOPS_IMM64(WASMNN_XOP_IMM64) \
  WASMNN_XOPS_CMPBR(WASMNN_XOP_CMPBR) WASMNN_XOPS_CMPBR(WASMNN_XOP_CMPBRI)                                   \
  WASMNN_XOPS_CMPBR(WASMNN_XOP_CMPBR_BACK) WASMNN_XOPS_CMPBR(WASMNN_XOP_CMPBRI_BACK)
// clang-format on

enum class X : uint16_t {
#define WASMNN_XOP(name, shape) name,
  WASMNN_XOPS Count
#undef WASMNN_XOP
};

enum class ShapeId : uint8_t {
#define WASMNN_SHAPE_ID(name) name,
  WASMNN_SHAPES(WASMNN_SHAPE_ID)
#undef WASMNN_SHAPE_ID
};

constexpr uint32_t wordsOf(std::span<const Opd> kinds) {
  uint32_t n = 0;
  for (Opd k : kinds) n += wordsOf(k);
  return n;
}

// One struct per shape: `kinds` (handler first), `words` (the instruction's
// length; BrTable's table and Simd's operands follow), an Operand constant per
// name, and `Words`, the operand values in layout order for the compiler.
namespace shape {
#define WASMNN_OPERAND_MEMBER(name, kind) OperandValue<Opd::kind>::type name;
#define WASMNN_OPERAND_KIND(name, kind) Opd::kind,
#define WASMNN_OPERAND_CONSTANT(name, kind) \
  static constexpr Operand name{2 + uint32_t(offsetof(Words, name)) / 4, Opd::kind};
#define WASMNN_DECLARE_SHAPE(Name)                                                             \
  struct Name {                                                                                \
    static constexpr ShapeId id = ShapeId::Name;                                               \
    static constexpr Opd kinds[] = {Opd::Handler, WASMNN_SHAPE_##Name(WASMNN_OPERAND_KIND)};   \
    static constexpr uint32_t words = wordsOf(kinds);                                          \
    struct Words {                                                                             \
      WASMNN_SHAPE_##Name(WASMNN_OPERAND_MEMBER)                                               \
    };                                                                                         \
    static_assert(words == 2 || sizeof(Words) == 4 * (words - 2), "Words holds the operands"); \
    WASMNN_SHAPE_##Name(WASMNN_OPERAND_CONSTANT)                                               \
  };
WASMNN_SHAPES(WASMNN_DECLARE_SHAPE)
#undef WASMNN_DECLARE_SHAPE
#undef WASMNN_OPERAND_CONSTANT
#undef WASMNN_OPERAND_KIND
#undef WASMNN_OPERAND_MEMBER
}  // namespace shape

template <ShapeId s> struct ShapeOf;
#define WASMNN_SHAPE_TYPE(Name) \
  template <> struct ShapeOf<ShapeId::Name> { using type = shape::Name; };
WASMNN_SHAPES(WASMNN_SHAPE_TYPE)
#undef WASMNN_SHAPE_TYPE

inline constexpr ShapeId kShapeOf[] = {
#define WASMNN_XOP(name, shape) ShapeId::shape,
    WASMNN_XOPS
#undef WASMNN_XOP
};
static_assert(std::size(kShapeOf) == size_t(X::Count));

inline constexpr const char* kXNames[] = {
#define WASMNN_XOP(name, shape) #name,
    WASMNN_XOPS
#undef WASMNN_XOP
};

constexpr ShapeId shapeOf(X op) { return kShapeOf[size_t(op)]; }

// The Simd* shapes, listed after Simd: X::Simd's operands after its prefix.
constexpr bool isSimdShape(ShapeId s) { return s > ShapeId::Simd; }

// The shape of instruction `op`, e.g. Operands<X::Load32>::offset.
template <X op> using Operands = typename ShapeOf<shapeOf(op)>::type;

// Each shape's operand kinds (handler first), indexed by ShapeId.
inline constexpr std::span<const Opd> kShapeKinds[] = {
#define WASMNN_SHAPE_KINDS(Name) shape::Name::kinds,
    WASMNN_SHAPES(WASMNN_SHAPE_KINDS)
#undef WASMNN_SHAPE_KINDS
};

// Per shape: its length in words, and the word of the first operand it
// writes (0 if it writes none). Tables, because the compiler asks per emit.
struct ShapeFacts {
  uint8_t words, dstWord;
};
inline constexpr auto kShapeFacts = [] {
  std::array<ShapeFacts, std::size(kShapeKinds)> t{};
  for (size_t s = 0; s < t.size(); ++s) {
    uint32_t word = 0;
    for (Opd k : kShapeKinds[s]) {
      if (k == Opd::Dst && t[s].dstWord == 0) t[s].dstWord = uint8_t(word);
      word += wordsOf(k);
    }
    t[s].words = uint8_t(word);
  }
  return t;
}();

constexpr uint32_t dstWord(X op) { return kShapeFacts[size_t(shapeOf(op))].dstWord; }

// Length in words of the instruction `op` at `at` (handler words included).
inline uint32_t instructionWords(X op, const uint32_t* at) {
  if (shapeOf(op) == ShapeId::BrTable) return shape::BrTable::words + at[shape::BrTable::count.word] + 1;
  if (op == X::Simd) return at[shape::Simd::length.word];
  return kShapeFacts[size_t(shapeOf(op))].words;
}

}  // namespace wasmnn
