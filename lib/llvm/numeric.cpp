// Scalar numeric instructions with exact Wasm semantics: shifts and rotates
// modulo the width, division and truncation traps, float min/max with NaN
// propagation and ordered zeros, rounding through LLVM's rounding intrinsics.
// LLVM's default floating-point model is IEEE without fast-math, so plain
// fadd/fmul/fdiv/sqrt and the conversions round exactly as Wasm requires.
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Intrinsics.h>

#include <cmath>
#include <optional>

#include "translator.h"

namespace wasmnn::llvmtier {

using llvm::CmpInst;
using llvm::Intrinsic::ID;
using native::TrapCode;

namespace {

// Comparisons: predicate per opcode.
std::optional<CmpInst::Predicate> comparison(Op op) {
  switch (op) {
    case Op::I32Eq:
    case Op::I64Eq: return CmpInst::ICMP_EQ;
    case Op::I32Ne:
    case Op::I64Ne: return CmpInst::ICMP_NE;
    case Op::I32LtS:
    case Op::I64LtS: return CmpInst::ICMP_SLT;
    case Op::I32LtU:
    case Op::I64LtU: return CmpInst::ICMP_ULT;
    case Op::I32GtS:
    case Op::I64GtS: return CmpInst::ICMP_SGT;
    case Op::I32GtU:
    case Op::I64GtU: return CmpInst::ICMP_UGT;
    case Op::I32LeS:
    case Op::I64LeS: return CmpInst::ICMP_SLE;
    case Op::I32LeU:
    case Op::I64LeU: return CmpInst::ICMP_ULE;
    case Op::I32GeS:
    case Op::I64GeS: return CmpInst::ICMP_SGE;
    case Op::I32GeU:
    case Op::I64GeU: return CmpInst::ICMP_UGE;
    case Op::F32Eq:
    case Op::F64Eq: return CmpInst::FCMP_OEQ;
    case Op::F32Ne:
    case Op::F64Ne: return CmpInst::FCMP_UNE;
    case Op::F32Lt:
    case Op::F64Lt: return CmpInst::FCMP_OLT;
    case Op::F32Gt:
    case Op::F64Gt: return CmpInst::FCMP_OGT;
    case Op::F32Le:
    case Op::F64Le: return CmpInst::FCMP_OLE;
    case Op::F32Ge:
    case Op::F64Ge: return CmpInst::FCMP_OGE;
    default: return std::nullopt;
  }
}

// Plain two-operand instructions that map to one LLVM binary operator.
std::optional<llvm::Instruction::BinaryOps> binaryOperator(Op op) {
  switch (op) {
    case Op::I32Add:
    case Op::I64Add: return llvm::Instruction::Add;
    case Op::I32Sub:
    case Op::I64Sub: return llvm::Instruction::Sub;
    case Op::I32Mul:
    case Op::I64Mul: return llvm::Instruction::Mul;
    case Op::I32And:
    case Op::I64And: return llvm::Instruction::And;
    case Op::I32Or:
    case Op::I64Or: return llvm::Instruction::Or;
    case Op::I32Xor:
    case Op::I64Xor: return llvm::Instruction::Xor;
    case Op::F32Add:
    case Op::F64Add: return llvm::Instruction::FAdd;
    case Op::F32Sub:
    case Op::F64Sub: return llvm::Instruction::FSub;
    case Op::F32Mul:
    case Op::F64Mul: return llvm::Instruction::FMul;
    case Op::F32Div:
    case Op::F64Div: return llvm::Instruction::FDiv;
    default: return std::nullopt;
  }
}

// One-operand instructions that map to an overloaded intrinsic of the operand's type.
std::optional<ID> unaryIntrinsic(Op op) {
  switch (op) {
    case Op::I32Popcnt:
    case Op::I64Popcnt: return llvm::Intrinsic::ctpop;
    case Op::F32Abs:
    case Op::F64Abs: return llvm::Intrinsic::fabs;
    case Op::F32Ceil:
    case Op::F64Ceil: return llvm::Intrinsic::ceil;
    case Op::F32Floor:
    case Op::F64Floor: return llvm::Intrinsic::floor;
    case Op::F32Trunc:
    case Op::F64Trunc: return llvm::Intrinsic::trunc;
    case Op::F32Nearest:
    case Op::F64Nearest: return llvm::Intrinsic::roundeven;
    case Op::F32Sqrt:
    case Op::F64Sqrt: return llvm::Intrinsic::sqrt;
    default: return std::nullopt;
  }
}

// ±0 or ±1 in every lane: the constants that make LLVM fold an arithmetic
// instruction into its other operand or its negation.
bool isIdentityConstant(llvm::Value* v) {
  auto identity = [](const llvm::APFloat& f) { return f.isZero() || f.isExactlyValue(1.0) || f.isExactlyValue(-1.0); };
  if (auto* c = llvm::dyn_cast<llvm::ConstantFP>(v)) return identity(c->getValueAPF());
  auto* vec = llvm::dyn_cast<llvm::ConstantDataVector>(v);
  if (!vec || !vec->getElementType()->isFloatingPointTy()) return false;
  for (unsigned i = 0; i < vec->getNumElements(); ++i)
    if (identity(vec->getElementAsAPFloat(i))) return true;
  return false;
}

}  // namespace

// LLVM folds x*1, x/1, x-0, x+(-0) into x and x*(-1), x/(-1), -0-x into -x,
// and fptrunc(fpext(x)) into x: right for every value but a signalling NaN,
// which Wasm requires to come out quiet. An empty inline asm hides the value
// from the folding and costs nothing at run time.
llvm::Value* FunctionTranslator::opaque(llvm::Value* v) {
  auto* type = llvm::FunctionType::get(v->getType(), {v->getType()}, false);
  return b_.CreateCall(llvm::InlineAsm::get(type, "", "=x,0", false), {v});
}

llvm::Value* FunctionTranslator::floatArithmetic(llvm::Instruction::BinaryOps op, llvm::Value* a, llvm::Value* b) {
  if (isIdentityConstant(a)) a = opaque(a);
  if (isIdentityConstant(b)) b = opaque(b);
  return b_.CreateBinOp(op, a, b);
}

// x converted to `to` after the spec's checks: NaN traps "invalid conversion
// to integer", a truncated value outside the range traps "integer overflow".
// The range bounds are powers of two (or zero), exact in either float type.
llvm::Value* FunctionTranslator::truncChecked(llvm::Value* x, llvm::IntegerType* to, bool isSigned) {
  trapIf(b_.CreateFCmpUNO(x, x), TrapCode::InvalidConversion);
  llvm::Value* t = b_.CreateUnaryIntrinsic(llvm::Intrinsic::trunc, x);
  unsigned bits = to->getBitWidth();
  double lo = isSigned ? -std::ldexp(1.0, int(bits) - 1) : 0.0;
  double hi = std::ldexp(1.0, int(isSigned ? bits - 1 : bits));
  llvm::Value* inRange = b_.CreateAnd(b_.CreateFCmpOGE(t, llvm::ConstantFP::get(x->getType(), lo)),
                                      b_.CreateFCmpOLT(t, llvm::ConstantFP::get(x->getType(), hi)));
  trapIf(b_.CreateNot(inRange), TrapCode::IntegerOverflow);
  return isSigned ? b_.CreateFPToSI(t, to) : b_.CreateFPToUI(t, to);
}

// Wasm min/max (scalar or vector): a NaN operand gives a NaN (a + b quiets
// it), -0 is below +0, otherwise the smaller/larger value. For equal
// operands the sign bits combine: OR for min (-0 wins), AND for max.
llvm::Value* FunctionTranslator::floatMinMax(llvm::Value* a, llvm::Value* b, bool isMin) {
  llvm::Type* bitsType = llvm::Type::getIntNTy(mt_.context(), a->getType()->getScalarSizeInBits());
  if (auto* vec = llvm::dyn_cast<llvm::FixedVectorType>(a->getType()))
    bitsType = llvm::FixedVectorType::get(bitsType, vec->getNumElements());
  llvm::Value* ab = b_.CreateBitCast(a, bitsType);
  llvm::Value* bb = b_.CreateBitCast(b, bitsType);
  llvm::Value* equal = b_.CreateBitCast(isMin ? b_.CreateOr(ab, bb) : b_.CreateAnd(ab, bb), a->getType());
  llvm::Value* aFirst = isMin ? b_.CreateFCmpOLT(a, b) : b_.CreateFCmpOGT(a, b);
  llvm::Value* bFirst = isMin ? b_.CreateFCmpOLT(b, a) : b_.CreateFCmpOGT(b, a);
  llvm::Value* ordered = b_.CreateSelect(aFirst, a, b_.CreateSelect(bFirst, b, equal));
  return b_.CreateSelect(b_.CreateFCmpUNO(a, b), b_.CreateFAdd(a, b), ordered);
}

bool FunctionTranslator::translateNumericOp(const Instr& in) {
  llvm::Type* i32t = b_.getInt32Ty();
  llvm::Type* i64t = b_.getInt64Ty();
  llvm::Type* f32t = b_.getFloatTy();
  llvm::Type* f64t = b_.getDoubleTy();
  const Op op = in.op;
  switch (op) {
    case Op::I32Const: push(i32(uint32_t(in.u64))); return true;
    case Op::I64Const: push(i64(in.u64)); return true;
    case Op::F32Const: push(mt_.floatBits(f32t, uint32_t(in.u64))); return true;
    case Op::F64Const: push(mt_.floatBits(f64t, in.u64)); return true;
    default: break;
  }
  if (auto pred = comparison(op)) {
    auto [a, b] = pop2();
    llvm::Value* c = CmpInst::isIntPredicate(*pred) ? b_.CreateICmp(*pred, a, b) : b_.CreateFCmp(*pred, a, b);
    push(b_.CreateZExt(c, i32t));
    return true;
  }
  if (auto binop = binaryOperator(op)) {
    auto [a, b] = pop2();
    push(a->getType()->isFloatingPointTy() ? floatArithmetic(*binop, a, b) : b_.CreateBinOp(*binop, a, b));
    return true;
  }
  if (auto id = unaryIntrinsic(op)) {
    push(b_.CreateUnaryIntrinsic(*id, pop()));
    return true;
  }
  switch (op) {
    case Op::I32Eqz:
    case Op::I64Eqz: {
      llvm::Value* a = pop();
      push(b_.CreateZExt(b_.CreateICmpEQ(a, llvm::ConstantInt::get(a->getType(), 0)), i32t));
      return true;
    }
    case Op::I32Clz:
    case Op::I64Clz:
    case Op::I32Ctz:
    case Op::I64Ctz: {
      bool clz = op == Op::I32Clz || op == Op::I64Clz;
      llvm::Value* a = pop();
      push(b_.CreateBinaryIntrinsic(clz ? llvm::Intrinsic::ctlz : llvm::Intrinsic::cttz, a, b_.getFalse()));
      return true;
    }
    case Op::I32Shl:
    case Op::I64Shl:
    case Op::I32ShrS:
    case Op::I64ShrS:
    case Op::I32ShrU:
    case Op::I64ShrU: {
      auto [a, b] = pop2();
      b = b_.CreateAnd(b, llvm::ConstantInt::get(b->getType(), b->getType()->getIntegerBitWidth() - 1));
      if (op == Op::I32Shl || op == Op::I64Shl)
        push(b_.CreateShl(a, b));
      else if (op == Op::I32ShrS || op == Op::I64ShrS)
        push(b_.CreateAShr(a, b));
      else
        push(b_.CreateLShr(a, b));
      return true;
    }
    case Op::I32Rotl:
    case Op::I64Rotl:
    case Op::I32Rotr:
    case Op::I64Rotr: {
      // Funnel shifts take the count modulo the width.
      auto [a, b] = pop2();
      bool left = op == Op::I32Rotl || op == Op::I64Rotl;
      push(b_.CreateIntrinsic(left ? llvm::Intrinsic::fshl : llvm::Intrinsic::fshr, {a->getType()}, {a, a, b}));
      return true;
    }
    case Op::I32DivS:
    case Op::I64DivS:
    case Op::I32RemS:
    case Op::I64RemS: {
      auto [a, b] = pop2();
      auto* t = llvm::cast<llvm::IntegerType>(a->getType());
      trapIf(b_.CreateICmpEQ(b, llvm::ConstantInt::get(t, 0)), TrapCode::IntegerDivideByZero);
      llvm::Value* minusOne = b_.CreateICmpEQ(b, llvm::ConstantInt::getSigned(t, -1));
      if (op == Op::I32DivS || op == Op::I64DivS) {
        llvm::Value* min = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(t->getBitWidth()));
        trapIf(b_.CreateAnd(b_.CreateICmpEQ(a, min), minusOne), TrapCode::IntegerOverflow);
        push(b_.CreateSDiv(a, b));
      } else {
        // x rem -1 is 0; LLVM's srem of INT_MIN by -1 is undefined, so divide by 1 instead.
        push(b_.CreateSRem(a, b_.CreateSelect(minusOne, llvm::ConstantInt::get(t, 1), b)));
      }
      return true;
    }
    case Op::I32DivU:
    case Op::I64DivU:
    case Op::I32RemU:
    case Op::I64RemU: {
      auto [a, b] = pop2();
      trapIf(b_.CreateICmpEQ(b, llvm::ConstantInt::get(b->getType(), 0)), TrapCode::IntegerDivideByZero);
      push(op == Op::I32DivU || op == Op::I64DivU ? b_.CreateUDiv(a, b) : b_.CreateURem(a, b));
      return true;
    }
    case Op::F32Neg:
    case Op::F64Neg: push(b_.CreateFNeg(pop())); return true;
    case Op::F32Min:
    case Op::F64Min:
    case Op::F32Max:
    case Op::F64Max: {
      auto [a, b] = pop2();
      push(floatMinMax(a, b, op == Op::F32Min || op == Op::F64Min));
      return true;
    }
    case Op::F32Copysign:
    case Op::F64Copysign: {
      auto [a, b] = pop2();
      push(b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, a, b));
      return true;
    }
    case Op::I32WrapI64: push(b_.CreateTrunc(pop(), i32t)); return true;
    case Op::I64ExtendI32S: push(b_.CreateSExt(pop(), i64t)); return true;
    case Op::I64ExtendI32U: push(b_.CreateZExt(pop(), i64t)); return true;
    case Op::I32TruncF32S:
    case Op::I32TruncF64S: push(truncChecked(pop(), b_.getInt32Ty(), true)); return true;
    case Op::I32TruncF32U:
    case Op::I32TruncF64U: push(truncChecked(pop(), b_.getInt32Ty(), false)); return true;
    case Op::I64TruncF32S:
    case Op::I64TruncF64S: push(truncChecked(pop(), b_.getInt64Ty(), true)); return true;
    case Op::I64TruncF32U:
    case Op::I64TruncF64U: push(truncChecked(pop(), b_.getInt64Ty(), false)); return true;
    case Op::I32TruncSatF32S:
    case Op::I32TruncSatF64S:
    case Op::I64TruncSatF32S:
    case Op::I64TruncSatF64S:
    case Op::I32TruncSatF32U:
    case Op::I32TruncSatF64U:
    case Op::I64TruncSatF32U:
    case Op::I64TruncSatF64U: {
      bool isSigned = op == Op::I32TruncSatF32S || op == Op::I32TruncSatF64S || op == Op::I64TruncSatF32S ||
                      op == Op::I64TruncSatF64S;
      bool wide = op == Op::I64TruncSatF32S || op == Op::I64TruncSatF64S || op == Op::I64TruncSatF32U ||
                  op == Op::I64TruncSatF64U;
      llvm::Value* x = pop();
      push(b_.CreateIntrinsic(isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                              {wide ? i64t : i32t, x->getType()}, {x}));
      return true;
    }
    case Op::F32ConvertI32S:
    case Op::F32ConvertI64S: push(b_.CreateSIToFP(pop(), f32t)); return true;
    case Op::F32ConvertI32U:
    case Op::F32ConvertI64U: push(b_.CreateUIToFP(pop(), f32t)); return true;
    case Op::F64ConvertI32S:
    case Op::F64ConvertI64S: push(b_.CreateSIToFP(pop(), f64t)); return true;
    case Op::F64ConvertI32U:
    case Op::F64ConvertI64U: push(b_.CreateUIToFP(pop(), f64t)); return true;
    case Op::F32DemoteF64: {
      llvm::Value* x = pop();
      push(b_.CreateFPTrunc(llvm::isa<llvm::FPExtInst>(x) ? opaque(x) : x, f32t));
      return true;
    }
    case Op::F64PromoteF32: push(b_.CreateFPExt(pop(), f64t)); return true;
    case Op::I32ReinterpretF32: push(b_.CreateBitCast(pop(), i32t)); return true;
    case Op::I64ReinterpretF64: push(b_.CreateBitCast(pop(), i64t)); return true;
    case Op::F32ReinterpretI32: push(b_.CreateBitCast(pop(), f32t)); return true;
    case Op::F64ReinterpretI64: push(b_.CreateBitCast(pop(), f64t)); return true;
    case Op::I32Extend8S: push(b_.CreateSExt(b_.CreateTrunc(pop(), b_.getInt8Ty()), i32t)); return true;
    case Op::I32Extend16S: push(b_.CreateSExt(b_.CreateTrunc(pop(), b_.getInt16Ty()), i32t)); return true;
    case Op::I64Extend8S: push(b_.CreateSExt(b_.CreateTrunc(pop(), b_.getInt8Ty()), i64t)); return true;
    case Op::I64Extend16S: push(b_.CreateSExt(b_.CreateTrunc(pop(), b_.getInt16Ty()), i64t)); return true;
    case Op::I64Extend32S: push(b_.CreateSExt(b_.CreateTrunc(pop(), i32t), i64t)); return true;
    default: return false;
  }
}

}  // namespace wasmnn::llvmtier
