// The interpreter's internal instruction set. Every instruction is a 64-bit
// handler address (two 32-bit words) followed by 32-bit operands: frame slot
// indices, immediates and branch offsets (in words, relative to the start of
// the branching instruction). Shared by the compiler and the interpreter.
#pragma once

// clang-format off
#include <cstdint>

// Control, variables, memory and bulk operations (operand layouts in compiler.cpp;
// GlobalGetV/GlobalSetV move a v128 global, Simd is laid out in simd.h).
#define WASMNN_XOPS_MISC(X)                                                                           \
  X(Unreachable) X(Br) X(BrIf) X(BrUnless) X(BrTable) X(Ret) X(Call) X(CallLocal) X(CallIndirect) X(Copy) X(Copy2) X(Copy3) X(Const32) \
  X(Const64) X(Select) X(RefFunc) X(GlobalGet) X(GlobalSet) X(TableGet) X(TableSet) X(I32XorRotlI) X(MemorySize) X(MemoryGrow) X(MemoryInit) X(DataDrop) X(MemoryCopy)  \
  X(MemoryFill) X(TableInit) X(ElemDrop) X(TableCopy) X(TableGrow) X(TableSize) X(TableFill) \
  X(GlobalGetV) X(GlobalSetV) X(Simd)

// Loads (dst addr offset), each also as <load>Add (dst a b offset: address
// a + b) and <load>AddI (dst a imm offset: address a + imm), the address
// computed in 32 bits as the fused i32.add would, and as <load>Abs (dst lo hi:
// a constant address plus offset, as 64 bits).
#define WASMNN_XOPS_LOADS(X) \
  X(Load32) X(Load64) X(Load8S32) X(Load8U) X(Load16S32) X(Load16U) X(Load8S64) X(Load16S64) X(Load32S64)

// Stores (addr val offset), each also as <store>Add (a b val offset),
// <store>AddI (a imm val offset) and <store>Abs (lo hi val), with the address
// computed like the loads'.
#define WASMNN_XOPS_STORES(X) X(Store8) X(Store16) X(Store32) X(Store64)

// (dst, a): named like the wasm opcode they implement.
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

// (dst, a, b)
#define WASMNN_XOPS_BINARY(X)                                                                                \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)          \
  X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)          \
  X(F32Eq) X(F32Ne) X(F32Lt) X(F32Gt) X(F32Le) X(F32Ge) X(F64Eq) X(F64Ne) X(F64Lt) X(F64Gt) X(F64Le) X(F64Ge) \
  X(I32Add) X(I32Sub) X(I32Mul) X(I32DivS) X(I32DivU) X(I32RemS) X(I32RemU) X(I32And) X(I32Or) X(I32Xor)     \
  X(I32Shl) X(I32ShrS) X(I32ShrU) X(I32Rotl) X(I32Rotr) X(I64Add) X(I64Sub) X(I64Mul) X(I64DivS) X(I64DivU)   \
  X(I64RemS) X(I64RemU) X(I64And) X(I64Or) X(I64Xor) X(I64Shl) X(I64ShrS) X(I64ShrU) X(I64Rotl) X(I64Rotr)    \
  X(F32Add) X(F32Sub) X(F32Mul) X(F32Div) X(F32Min) X(F32Max) X(F32Copysign) X(F64Add) X(F64Sub) X(F64Mul)    \
  X(F64Div) X(F64Min) X(F64Max) X(F64Copysign)

// Binary ops that also exist as (dst, a, immediate) under the name <op>I;
// 32-bit immediates take one word, 64-bit immediates two. IMM64 starts with
// I64Add and ends with F64Div (the compiler relies on that for the width).
#define WASMNN_XOPS_IMM32(X)                                                                             \
  X(I32Add) X(I32Mul) X(I32And) X(I32Or) X(I32Xor) X(I32Shl) X(I32ShrS) X(I32ShrU) X(I32Rotl) X(I32Rotr) \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)     \
  X(F32Add) X(F32Sub) X(F32Mul) X(F32Div)
#define WASMNN_XOPS_IMM64(X)                                                                             \
  X(I64Add) X(I64Mul) X(I64And) X(I64Or) X(I64Xor) X(I64Shl) X(I64ShrS) X(I64ShrU) X(I64Rotl) X(I64Rotr) \
  X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)     \
  X(F64Add) X(F64Sub) X(F64Mul) X(F64Div)

// Compare-and-branch superinstructions (a, b, offset) under the name BrIf<op>,
// and with an i32 immediate (a, imm, offset) under BrIf<op>I.
#define WASMNN_XOPS_CMPBR(X)                                                                             \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)      \
  X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)

// The branches that close a loop (to a loop label), as <branch>Back: the same
// operands, and they poll the store's interrupt first (runtime/interrupt.h),
// so forward branches pay nothing for it. The compare-and-branch ones are
// BrIf<op>Back and BrIf<op>IBack; BrTableBack is used when any target is a loop.
#define WASMNN_XOPS_BACK(X) X(BrBack) X(BrIfBack) X(BrTableBack)

// clang-format on
namespace wasmnn {

enum class X : uint16_t {
#define WASMNN_X_PLAIN(n) n,
#define WASMNN_X_IMM(n) n##I,
#define WASMNN_X_ADD(n) n##Add,
#define WASMNN_X_ADDI(n) n##AddI,
#define WASMNN_X_ABS(n) n##Abs,
#define WASMNN_X_BR(n) BrIf##n,
#define WASMNN_X_BRI(n) BrIf##n##I,
#define WASMNN_X_BRB(n) BrIf##n##Back,
#define WASMNN_X_BRBI(n) BrIf##n##IBack,
  WASMNN_XOPS_MISC(WASMNN_X_PLAIN) WASMNN_XOPS_LOADS(WASMNN_X_PLAIN) WASMNN_XOPS_LOADS(WASMNN_X_ADD)
      WASMNN_XOPS_LOADS(WASMNN_X_ADDI) WASMNN_XOPS_LOADS(WASMNN_X_ABS) WASMNN_XOPS_STORES(WASMNN_X_PLAIN)
          WASMNN_XOPS_STORES(WASMNN_X_ADD) WASMNN_XOPS_STORES(WASMNN_X_ADDI) WASMNN_XOPS_STORES(WASMNN_X_ABS)
              WASMNN_XOPS_UNARY(WASMNN_X_PLAIN) WASMNN_XOPS_BINARY(WASMNN_X_PLAIN) WASMNN_XOPS_IMM32(WASMNN_X_IMM)
                  WASMNN_XOPS_IMM64(WASMNN_X_IMM) WASMNN_XOPS_CMPBR(WASMNN_X_BR) WASMNN_XOPS_CMPBR(WASMNN_X_BRI)
                      WASMNN_XOPS_CMPBR(WASMNN_X_BRB) WASMNN_XOPS_CMPBR(WASMNN_X_BRBI) WASMNN_XOPS_BACK(WASMNN_X_PLAIN)
                          Count
#undef WASMNN_X_PLAIN
#undef WASMNN_X_IMM
#undef WASMNN_X_ADD
#undef WASMNN_X_ADDI
#undef WASMNN_X_ABS
#undef WASMNN_X_BR
#undef WASMNN_X_BRI
#undef WASMNN_X_BRB
#undef WASMNN_X_BRBI
};

}  // namespace wasmnn
