// The fixed-width SIMD instructions on LLVM vector types. A v128 travels as
// <2 x i64> and is bitcast to its lane shape per instruction; every lane
// follows the spec (saturation, NaN rules of min/max/pmin/pmax, shifts modulo
// the lane width, out-of-range swizzle indices giving 0).
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>

#include <cstring>
#include <string_view>

#include "translator.h"
#include "wasmnn/common/simd.h"

namespace wasmnn::llvmtier {

using llvm::CmpInst;

namespace {

// The lane shape an instruction works on, from its name's prefix.
LaneShape shapeOf(Op op) {
  const char* name = opName(op);
  if (std::strncmp(name, "i8x16", 5) == 0) return {16, 8, false};
  if (std::strncmp(name, "i16x8", 5) == 0) return {8, 16, false};
  if (std::strncmp(name, "i32x4", 5) == 0) return {4, 32, false};
  if (std::strncmp(name, "i64x2", 5) == 0) return {2, 64, false};
  if (std::strncmp(name, "f32x4", 5) == 0) return {4, 32, true};
  if (std::strncmp(name, "f64x2", 5) == 0) return {2, 64, true};
  return {2, 64, false};  // v128.*: the shape does not matter
}

std::optional<CmpInst::Predicate> vectorComparison(Op op) {
  switch (op) {
    case Op::I8x16Eq:
    case Op::I16x8Eq:
    case Op::I32x4Eq:
    case Op::I64x2Eq: return CmpInst::ICMP_EQ;
    case Op::I8x16Ne:
    case Op::I16x8Ne:
    case Op::I32x4Ne:
    case Op::I64x2Ne: return CmpInst::ICMP_NE;
    case Op::I8x16LtS:
    case Op::I16x8LtS:
    case Op::I32x4LtS:
    case Op::I64x2LtS: return CmpInst::ICMP_SLT;
    case Op::I8x16LtU:
    case Op::I16x8LtU:
    case Op::I32x4LtU: return CmpInst::ICMP_ULT;
    case Op::I8x16GtS:
    case Op::I16x8GtS:
    case Op::I32x4GtS:
    case Op::I64x2GtS: return CmpInst::ICMP_SGT;
    case Op::I8x16GtU:
    case Op::I16x8GtU:
    case Op::I32x4GtU: return CmpInst::ICMP_UGT;
    case Op::I8x16LeS:
    case Op::I16x8LeS:
    case Op::I32x4LeS:
    case Op::I64x2LeS: return CmpInst::ICMP_SLE;
    case Op::I8x16LeU:
    case Op::I16x8LeU:
    case Op::I32x4LeU: return CmpInst::ICMP_ULE;
    case Op::I8x16GeS:
    case Op::I16x8GeS:
    case Op::I32x4GeS:
    case Op::I64x2GeS: return CmpInst::ICMP_SGE;
    case Op::I8x16GeU:
    case Op::I16x8GeU:
    case Op::I32x4GeU: return CmpInst::ICMP_UGE;
    case Op::F32x4Eq:
    case Op::F64x2Eq: return CmpInst::FCMP_OEQ;
    case Op::F32x4Ne:
    case Op::F64x2Ne: return CmpInst::FCMP_UNE;
    case Op::F32x4Lt:
    case Op::F64x2Lt: return CmpInst::FCMP_OLT;
    case Op::F32x4Gt:
    case Op::F64x2Gt: return CmpInst::FCMP_OGT;
    case Op::F32x4Le:
    case Op::F64x2Le: return CmpInst::FCMP_OLE;
    case Op::F32x4Ge:
    case Op::F64x2Ge: return CmpInst::FCMP_OGE;
    default: return std::nullopt;
  }
}

std::optional<llvm::Instruction::BinaryOps> vectorBinaryOperator(Op op) {
  switch (op) {
    case Op::V128And: return llvm::Instruction::And;
    case Op::V128Or: return llvm::Instruction::Or;
    case Op::V128Xor: return llvm::Instruction::Xor;
    case Op::I8x16Add:
    case Op::I16x8Add:
    case Op::I32x4Add:
    case Op::I64x2Add: return llvm::Instruction::Add;
    case Op::I8x16Sub:
    case Op::I16x8Sub:
    case Op::I32x4Sub:
    case Op::I64x2Sub: return llvm::Instruction::Sub;
    case Op::I16x8Mul:
    case Op::I32x4Mul:
    case Op::I64x2Mul: return llvm::Instruction::Mul;
    case Op::F32x4Add:
    case Op::F64x2Add: return llvm::Instruction::FAdd;
    case Op::F32x4Sub:
    case Op::F64x2Sub: return llvm::Instruction::FSub;
    case Op::F32x4Mul:
    case Op::F64x2Mul: return llvm::Instruction::FMul;
    case Op::F32x4Div:
    case Op::F64x2Div: return llvm::Instruction::FDiv;
    default: return std::nullopt;
  }
}

// Two-operand instructions that are one overloaded intrinsic of the lane shape.
std::optional<llvm::Intrinsic::ID> vectorBinaryIntrinsic(Op op) {
  switch (op) {
    case Op::I8x16MinS:
    case Op::I16x8MinS:
    case Op::I32x4MinS: return llvm::Intrinsic::smin;
    case Op::I8x16MinU:
    case Op::I16x8MinU:
    case Op::I32x4MinU: return llvm::Intrinsic::umin;
    case Op::I8x16MaxS:
    case Op::I16x8MaxS:
    case Op::I32x4MaxS: return llvm::Intrinsic::smax;
    case Op::I8x16MaxU:
    case Op::I16x8MaxU:
    case Op::I32x4MaxU: return llvm::Intrinsic::umax;
    case Op::I8x16AddSatS:
    case Op::I16x8AddSatS: return llvm::Intrinsic::sadd_sat;
    case Op::I8x16AddSatU:
    case Op::I16x8AddSatU: return llvm::Intrinsic::uadd_sat;
    case Op::I8x16SubSatS:
    case Op::I16x8SubSatS: return llvm::Intrinsic::ssub_sat;
    case Op::I8x16SubSatU:
    case Op::I16x8SubSatU: return llvm::Intrinsic::usub_sat;
    default: return std::nullopt;
  }
}

std::optional<llvm::Intrinsic::ID> vectorUnaryIntrinsic(Op op) {
  switch (op) {
    case Op::I8x16Popcnt: return llvm::Intrinsic::ctpop;
    case Op::F32x4Abs:
    case Op::F64x2Abs: return llvm::Intrinsic::fabs;
    case Op::F32x4Sqrt:
    case Op::F64x2Sqrt: return llvm::Intrinsic::sqrt;
    case Op::F32x4Ceil:
    case Op::F64x2Ceil: return llvm::Intrinsic::ceil;
    case Op::F32x4Floor:
    case Op::F64x2Floor: return llvm::Intrinsic::floor;
    case Op::F32x4Trunc:
    case Op::F64x2Trunc: return llvm::Intrinsic::trunc;
    case Op::F32x4Nearest:
    case Op::F64x2Nearest: return llvm::Intrinsic::roundeven;
    default: return std::nullopt;
  }
}

// Lane indices first, first + step, ... (count of them).
llvm::SmallVector<int, 16> laneRange(unsigned first, unsigned count, unsigned step = 1) {
  llvm::SmallVector<int, 16> mask;
  for (unsigned i = 0; i < count; ++i) mask.push_back(int(first + i * step));
  return mask;
}

}  // namespace

llvm::Value* FunctionTranslator::asVec(llvm::Value* v, unsigned lanes, llvm::Type* lane) {
  return b_.CreateBitCast(v, llvm::FixedVectorType::get(lane, lanes));
}

bool FunctionTranslator::translateSimdOp(const Instr& in) {
  if (!isSimd(in.op)) return false;
  const Op op = in.op;
  const SimdInfo& info = simdInfo(op);
  const LaneShape s = shapeOf(op);
  llvm::LLVMContext& context = mt_.context();
  llvm::Type* lane = s.isFloat ? (s.bits == 32 ? b_.getFloatTy() : b_.getDoubleTy())
                               : static_cast<llvm::Type*>(llvm::Type::getIntNTy(context, s.bits));
  llvm::Type* intLane = llvm::Type::getIntNTy(context, s.bits);
  auto vec = [&](llvm::Value* v) { return asVec(v, s.lanes, lane); };
  auto intVec = [&](llvm::Value* v) { return asVec(v, s.lanes, intLane); };
  auto vecOf = [&](unsigned lanes, unsigned bits) {
    return llvm::FixedVectorType::get(llvm::Type::getIntNTy(context, bits), lanes);
  };
  auto result = [&](llvm::Value* v) {
    push(asV128(v));
    return true;
  };

  switch (info.shape) {
    case SimdShape::Const: {
      const auto& bytes = fn_.v128Pool[in.a];
      uint64_t lo, hi;
      std::memcpy(&lo, bytes.data(), 8);
      std::memcpy(&hi, bytes.data() + 8, 8);
      push(llvm::ConstantVector::get({b_.getInt64(lo), b_.getInt64(hi)}));
      return true;
    }
    case SimdShape::Load: return result(simdLoad(op, in.b));
    case SimdShape::Store: {
      llvm::Value* v = pop();
      llvm::Value* at = effectiveAddress(pop(), in.b, 16);
      mt_.tag(b_.CreateAlignedStore(v, at, llvm::Align(1)), Tbaa::Heap);
      return true;
    }
    case SimdShape::LoadLane:
    case SimdShape::StoreLane: {
      unsigned bytes = 1u << info.accessLog2;
      unsigned lanes = 16 / bytes;
      llvm::Type* laneType = llvm::Type::getIntNTy(context, bytes * 8);
      llvm::Value* v = asVec(pop(), lanes, laneType);
      llvm::Value* at = effectiveAddress(pop(), in.b, bytes);
      uint32_t laneIndex = in.a >> 24;
      if (info.shape == SimdShape::StoreLane) {
        mt_.tag(b_.CreateAlignedStore(b_.CreateExtractElement(v, laneIndex), at, llvm::Align(1)), Tbaa::Heap);
        return true;
      }
      auto* x = b_.CreateAlignedLoad(laneType, at, llvm::Align(1));
      mt_.tag(x, Tbaa::Heap);
      return result(b_.CreateInsertElement(v, x, laneIndex));
    }
    case SimdShape::Splat: {
      llvm::Value* x = pop();
      if (!s.isFloat && x->getType()->getIntegerBitWidth() != s.bits) x = b_.CreateTrunc(x, lane);
      return result(b_.CreateVectorSplat(s.lanes, x));
    }
    case SimdShape::Extract: {
      llvm::Value* x = b_.CreateExtractElement(vec(pop()), in.a);
      if (op == Op::I8x16ExtractLaneS || op == Op::I16x8ExtractLaneS) x = b_.CreateSExt(x, b_.getInt32Ty());
      if (op == Op::I8x16ExtractLaneU || op == Op::I16x8ExtractLaneU) x = b_.CreateZExt(x, b_.getInt32Ty());
      push(x);
      return true;
    }
    case SimdShape::Replace: {
      llvm::Value* x = pop();
      llvm::Value* v = vec(pop());
      if (!s.isFloat && x->getType()->getIntegerBitWidth() != s.bits) x = b_.CreateTrunc(x, lane);
      return result(b_.CreateInsertElement(v, x, in.a));
    }
    case SimdShape::Shuffle: {
      const auto& lanes = fn_.v128Pool[in.a];
      llvm::Value* b = asVec(pop(), 16, b_.getInt8Ty());
      llvm::Value* a = asVec(pop(), 16, b_.getInt8Ty());
      llvm::SmallVector<int, 16> mask(lanes.begin(), lanes.end());
      return result(b_.CreateShuffleVector(a, b, mask));
    }
    case SimdShape::Shift: {
      llvm::Value* count = b_.CreateAnd(pop(), i32(s.bits - 1));
      llvm::Value* v = intVec(pop());
      count = b_.CreateVectorSplat(s.lanes, b_.CreateZExtOrTrunc(count, intLane));
      switch (op) {
        case Op::I8x16Shl:
        case Op::I16x8Shl:
        case Op::I32x4Shl:
        case Op::I64x2Shl: return result(b_.CreateShl(v, count));
        case Op::I8x16ShrS:
        case Op::I16x8ShrS:
        case Op::I32x4ShrS:
        case Op::I64x2ShrS: return result(b_.CreateAShr(v, count));
        default: return result(b_.CreateLShr(v, count));
      }
    }
    case SimdShape::Test: {
      llvm::Value* v = intVec(pop());
      llvm::Value* r = nullptr;
      if (op == Op::V128AnyTrue) {
        r = b_.CreateICmpNE(b_.CreateOrReduce(v), b_.getInt64(0));
      } else if (op == Op::I8x16AllTrue || op == Op::I16x8AllTrue || op == Op::I32x4AllTrue || op == Op::I64x2AllTrue) {
        r = b_.CreateAndReduce(b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType())));
      } else {  // bitmask: the lanes' sign bits
        llvm::Value* negative = b_.CreateICmpSLT(v, llvm::Constant::getNullValue(v->getType()));
        push(b_.CreateZExt(b_.CreateBitCast(negative, llvm::Type::getIntNTy(context, s.lanes)), b_.getInt32Ty()));
        return true;
      }
      push(b_.CreateZExt(r, b_.getInt32Ty()));
      return true;
    }
    case SimdShape::Ternary: {  // v128.bitselect
      llvm::Value* c = pop();
      auto [a, b] = pop2();
      return result(b_.CreateOr(b_.CreateAnd(a, c), b_.CreateAnd(b, b_.CreateNot(c))));
    }
    default: break;
  }

  if (auto pred = vectorComparison(op)) {
    llvm::Value* b = vec(pop());
    llvm::Value* a = vec(pop());
    llvm::Value* c = CmpInst::isIntPredicate(*pred) ? b_.CreateICmp(*pred, a, b) : b_.CreateFCmp(*pred, a, b);
    return result(b_.CreateSExt(c, vecOf(s.lanes, s.bits)));
  }
  if (auto binop = vectorBinaryOperator(op)) {
    llvm::Value* b = vec(pop());
    llvm::Value* a = vec(pop());
    return result(s.isFloat ? floatArithmetic(*binop, a, b) : b_.CreateBinOp(*binop, a, b));
  }
  if (auto id = vectorBinaryIntrinsic(op)) {
    llvm::Value* b = vec(pop());
    llvm::Value* a = vec(pop());
    return result(b_.CreateBinaryIntrinsic(*id, a, b));
  }
  if (auto id = vectorUnaryIntrinsic(op)) return result(b_.CreateUnaryIntrinsic(*id, vec(pop())));
  return translateSimdSpecial(op, s);
}

// The loads of SimdShape::Load, as a vector of any shape.
llvm::Value* FunctionTranslator::simdLoad(Op op, uint64_t offset) {
  const SimdInfo& info = simdInfo(op);
  llvm::LLVMContext& context = mt_.context();
  auto loadAs = [&](llvm::Type* type, unsigned bytes) {
    auto* value = b_.CreateAlignedLoad(type, effectiveAddress(pop(), offset, bytes), llvm::Align(1));
    mt_.tag(value, Tbaa::Heap);
    return value;
  };
  auto extendLoad = [&](unsigned narrowBits, bool isSigned) {
    unsigned lanes = 64 / narrowBits;
    llvm::Value* narrow = loadAs(llvm::FixedVectorType::get(llvm::Type::getIntNTy(context, narrowBits), lanes), 8);
    auto* wide = llvm::FixedVectorType::get(llvm::Type::getIntNTy(context, narrowBits * 2), lanes);
    return isSigned ? b_.CreateSExt(narrow, wide) : b_.CreateZExt(narrow, wide);
  };
  switch (op) {
    case Op::V128Load: return loadAs(mt_.v128(), 16);
    case Op::V128Load8x8S: return extendLoad(8, true);
    case Op::V128Load8x8U: return extendLoad(8, false);
    case Op::V128Load16x4S: return extendLoad(16, true);
    case Op::V128Load16x4U: return extendLoad(16, false);
    case Op::V128Load32x2S: return extendLoad(32, true);
    case Op::V128Load32x2U: return extendLoad(32, false);
    case Op::V128Load32Zero:
    case Op::V128Load64Zero: {
      unsigned bits = op == Op::V128Load32Zero ? 32 : 64;
      llvm::Value* x = loadAs(llvm::Type::getIntNTy(context, bits), bits / 8);
      llvm::Value* zero = llvm::Constant::getNullValue(llvm::FixedVectorType::get(x->getType(), 128 / bits));
      return b_.CreateInsertElement(zero, x, uint64_t(0));
    }
    default: {  // the splat loads
      unsigned bytes = 1u << info.accessLog2;
      llvm::Value* x = loadAs(llvm::Type::getIntNTy(context, bytes * 8), bytes);
      return b_.CreateVectorSplat(16 / bytes, x);
    }
  }
}

// What is left: instructions built from several LLVM operations.
bool FunctionTranslator::translateSimdSpecial(Op op, const LaneShape& s) {
  llvm::LLVMContext& context = mt_.context();
  auto ints = [&](unsigned lanes, unsigned bits) {
    return llvm::FixedVectorType::get(llvm::Type::getIntNTy(context, bits), lanes);
  };
  auto floats = [&](unsigned lanes, unsigned bits) {
    return llvm::FixedVectorType::get(bits == 32 ? b_.getFloatTy() : b_.getDoubleTy(), lanes);
  };
  auto result = [&](llvm::Value* v) {
    push(asV128(v));
    return true;
  };
  auto popInts = [&](unsigned lanes, unsigned bits) { return b_.CreateBitCast(pop(), ints(lanes, bits)); };
  auto popFloats = [&](unsigned lanes, unsigned bits) { return b_.CreateBitCast(pop(), floats(lanes, bits)); };
  // The low or high half of v's lanes, extended to twice the width.
  auto extendHalf = [&](llvm::Value* v, unsigned lanes, bool high, bool isSigned) {
    llvm::Value* half = b_.CreateShuffleVector(v, laneRange(high ? lanes / 2 : 0, lanes / 2));
    auto* wide = ints(lanes / 2, v->getType()->getScalarSizeInBits() * 2);
    return isSigned ? b_.CreateSExt(half, wide) : b_.CreateZExt(half, wide);
  };
  // Saturates wide lanes into the narrow signed or unsigned range.
  auto saturate = [&](llvm::Value* v, unsigned narrowBits, bool isSigned) {
    unsigned wideBits = v->getType()->getScalarSizeInBits();
    llvm::APInt lo = isSigned ? llvm::APInt::getSignedMinValue(narrowBits).sext(wideBits) : llvm::APInt(wideBits, 0);
    llvm::APInt hi = isSigned ? llvm::APInt::getSignedMaxValue(narrowBits).sext(wideBits)
                              : llvm::APInt::getMaxValue(narrowBits).zext(wideBits);
    auto* type = llvm::cast<llvm::FixedVectorType>(v->getType());
    v = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, v, llvm::ConstantInt::get(type, lo));
    v = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, v, llvm::ConstantInt::get(type, hi));
    return b_.CreateTrunc(v, ints(type->getNumElements(), narrowBits));
  };

  switch (op) {
    case Op::V128Not: return result(b_.CreateNot(pop()));
    case Op::V128AndNot: {
      auto [a, b] = pop2();
      return result(b_.CreateAnd(a, b_.CreateNot(b)));
    }
    case Op::I8x16Abs:
    case Op::I16x8Abs:
    case Op::I32x4Abs:
    case Op::I64x2Abs: {
      llvm::Value* v = popInts(s.lanes, s.bits);
      return result(b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, v, b_.getFalse()));
    }
    case Op::I8x16Neg:
    case Op::I16x8Neg:
    case Op::I32x4Neg:
    case Op::I64x2Neg: return result(b_.CreateNeg(popInts(s.lanes, s.bits)));
    case Op::F32x4Neg:
    case Op::F64x2Neg: return result(b_.CreateFNeg(popFloats(s.lanes, s.bits)));
    case Op::F32x4Min:
    case Op::F64x2Min:
    case Op::F32x4Max:
    case Op::F64x2Max: {
      llvm::Value* b = popFloats(s.lanes, s.bits);
      llvm::Value* a = popFloats(s.lanes, s.bits);
      return result(floatMinMax(a, b, op == Op::F32x4Min || op == Op::F64x2Min));
    }
    case Op::F32x4Pmin:
    case Op::F64x2Pmin:
    case Op::F32x4Pmax:
    case Op::F64x2Pmax: {
      // pmin = b < a ? b : a; pmax = a < b ? b : a (NaN operands pass a through).
      llvm::Value* b = popFloats(s.lanes, s.bits);
      llvm::Value* a = popFloats(s.lanes, s.bits);
      bool isMin = op == Op::F32x4Pmin || op == Op::F64x2Pmin;
      return result(isMin ? b_.CreateSelect(b_.CreateFCmpOLT(b, a), b, a)
                          : b_.CreateSelect(b_.CreateFCmpOLT(a, b), b, a));
    }
    case Op::I8x16AvgrU:
    case Op::I16x8AvgrU: {
      llvm::Value* b = b_.CreateZExt(popInts(s.lanes, s.bits), ints(s.lanes, s.bits * 2));
      llvm::Value* a = b_.CreateZExt(popInts(s.lanes, s.bits), ints(s.lanes, s.bits * 2));
      llvm::Value* one = llvm::ConstantInt::get(a->getType(), 1);
      return result(b_.CreateTrunc(b_.CreateLShr(b_.CreateAdd(b_.CreateAdd(a, b), one), one), ints(s.lanes, s.bits)));
    }
    case Op::I16x8Q15mulrSatS: {
      llvm::Value* b = b_.CreateSExt(popInts(8, 16), ints(8, 32));
      llvm::Value* a = b_.CreateSExt(popInts(8, 16), ints(8, 32));
      llvm::Value* product = b_.CreateAdd(b_.CreateMul(a, b), llvm::ConstantInt::get(a->getType(), 0x4000));
      return result(saturate(b_.CreateAShr(product, 15), 16, true));
    }
    case Op::I32x4DotI16x8S: {
      llvm::Value* b = b_.CreateSExt(popInts(8, 16), ints(8, 32));
      llvm::Value* a = b_.CreateSExt(popInts(8, 16), ints(8, 32));
      llvm::Value* products = b_.CreateMul(a, b);
      return result(b_.CreateAdd(b_.CreateShuffleVector(products, laneRange(0, 4, 2)),
                                 b_.CreateShuffleVector(products, laneRange(1, 4, 2))));
    }
    case Op::I8x16NarrowI16x8S:
    case Op::I8x16NarrowI16x8U:
    case Op::I16x8NarrowI32x4S:
    case Op::I16x8NarrowI32x4U: {
      bool isSigned = op == Op::I8x16NarrowI16x8S || op == Op::I16x8NarrowI32x4S;
      unsigned wideLanes = s.lanes / 2;
      llvm::Value* b = saturate(popInts(wideLanes, s.bits * 2), s.bits, isSigned);
      llvm::Value* a = saturate(popInts(wideLanes, s.bits * 2), s.bits, isSigned);
      return result(b_.CreateShuffleVector(a, b, laneRange(0, s.lanes)));
    }
    case Op::I16x8ExtendLowI8x16S:
    case Op::I16x8ExtendHighI8x16S:
    case Op::I16x8ExtendLowI8x16U:
    case Op::I16x8ExtendHighI8x16U:
    case Op::I32x4ExtendLowI16x8S:
    case Op::I32x4ExtendHighI16x8S:
    case Op::I32x4ExtendLowI16x8U:
    case Op::I32x4ExtendHighI16x8U:
    case Op::I64x2ExtendLowI32x4S:
    case Op::I64x2ExtendHighI32x4S:
    case Op::I64x2ExtendLowI32x4U:
    case Op::I64x2ExtendHighI32x4U: {
      std::string_view name = opName(op);
      bool high = name.find("high") != std::string_view::npos;
      bool isSigned = name.back() == 's';
      return result(extendHalf(popInts(s.lanes * 2, s.bits / 2), s.lanes * 2, high, isSigned));
    }
    case Op::I16x8ExtmulLowI8x16S:
    case Op::I16x8ExtmulHighI8x16S:
    case Op::I16x8ExtmulLowI8x16U:
    case Op::I16x8ExtmulHighI8x16U:
    case Op::I32x4ExtmulLowI16x8S:
    case Op::I32x4ExtmulHighI16x8S:
    case Op::I32x4ExtmulLowI16x8U:
    case Op::I32x4ExtmulHighI16x8U:
    case Op::I64x2ExtmulLowI32x4S:
    case Op::I64x2ExtmulHighI32x4S:
    case Op::I64x2ExtmulLowI32x4U:
    case Op::I64x2ExtmulHighI32x4U: {
      std::string_view name = opName(op);
      bool high = name.find("high") != std::string_view::npos;
      bool isSigned = name.back() == 's';
      llvm::Value* b = extendHalf(popInts(s.lanes * 2, s.bits / 2), s.lanes * 2, high, isSigned);
      llvm::Value* a = extendHalf(popInts(s.lanes * 2, s.bits / 2), s.lanes * 2, high, isSigned);
      return result(b_.CreateMul(a, b));
    }
    case Op::I16x8ExtaddPairwiseI8x16S:
    case Op::I16x8ExtaddPairwiseI8x16U:
    case Op::I32x4ExtaddPairwiseI16x8S:
    case Op::I32x4ExtaddPairwiseI16x8U: {
      bool isSigned = opName(op)[std::strlen(opName(op)) - 1] == 's';
      llvm::Value* v = popInts(s.lanes * 2, s.bits / 2);
      llvm::Value* wide =
          isSigned ? b_.CreateSExt(v, ints(s.lanes * 2, s.bits)) : b_.CreateZExt(v, ints(s.lanes * 2, s.bits));
      return result(b_.CreateAdd(b_.CreateShuffleVector(wide, laneRange(0, s.lanes, 2)),
                                 b_.CreateShuffleVector(wide, laneRange(1, s.lanes, 2))));
    }
    case Op::I8x16Swizzle: return result(swizzle());
    case Op::I32x4TruncSatF32x4S:
    case Op::I32x4TruncSatF32x4U: {
      bool isSigned = op == Op::I32x4TruncSatF32x4S;
      llvm::Value* v = popFloats(4, 32);
      return result(b_.CreateIntrinsic(isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                                       {ints(4, 32), v->getType()}, {v}));
    }
    case Op::I32x4TruncSatF64x2SZero:
    case Op::I32x4TruncSatF64x2UZero: {
      bool isSigned = op == Op::I32x4TruncSatF64x2SZero;
      llvm::Value* v = popFloats(2, 64);
      llvm::Value* r = b_.CreateIntrinsic(isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                                          {ints(2, 32), v->getType()}, {v});
      return result(b_.CreateShuffleVector(r, llvm::Constant::getNullValue(r->getType()), laneRange(0, 4)));
    }
    case Op::F32x4ConvertI32x4S: return result(b_.CreateSIToFP(popInts(4, 32), floats(4, 32)));
    case Op::F32x4ConvertI32x4U: return result(b_.CreateUIToFP(popInts(4, 32), floats(4, 32)));
    case Op::F64x2ConvertLowI32x4S:
    case Op::F64x2ConvertLowI32x4U: {
      llvm::Value* low = b_.CreateShuffleVector(popInts(4, 32), laneRange(0, 2));
      return result(op == Op::F64x2ConvertLowI32x4S ? b_.CreateSIToFP(low, floats(2, 64))
                                                    : b_.CreateUIToFP(low, floats(2, 64)));
    }
    case Op::F32x4DemoteF64x2Zero: {
      llvm::Value* r = b_.CreateFPTrunc(popFloats(2, 64), floats(2, 32));
      return result(b_.CreateShuffleVector(r, llvm::Constant::getNullValue(r->getType()), laneRange(0, 4)));
    }
    case Op::F64x2PromoteLowF32x4:
      return result(b_.CreateFPExt(b_.CreateShuffleVector(popFloats(4, 32), laneRange(0, 2)), floats(2, 64)));
    default: return false;
  }
}

// i8x16.swizzle: lane i = a[b[i]], or 0 when b[i] > 15. With SSSE3 that is
// pshufb after a saturating add of 0x70, which keeps 0..15 in the low bits
// and sets the top bit (pshufb's "zero" flag) for every index above 15.
llvm::Value* FunctionTranslator::swizzle() {
  llvm::Value* b = asVec(pop(), 16, b_.getInt8Ty());
  llvm::Value* a = asVec(pop(), 16, b_.getInt8Ty());
  if (mt_.options().cpu != "x86-64") {
    llvm::Value* indices =
        b_.CreateBinaryIntrinsic(llvm::Intrinsic::uadd_sat, b, b_.CreateVectorSplat(16, b_.getInt8(0x70)));
    return b_.CreateIntrinsic(llvm::Intrinsic::x86_ssse3_pshuf_b_128, {}, {a, indices});
  }
  llvm::Value* r = llvm::Constant::getNullValue(a->getType());
  for (unsigned i = 0; i < 16; ++i) {
    llvm::Value* index = b_.CreateExtractElement(b, i);
    llvm::Value* picked = b_.CreateExtractElement(a, b_.CreateAnd(index, b_.getInt8(15)));
    llvm::Value* inRange = b_.CreateICmpULT(index, b_.getInt8(16));
    r = b_.CreateInsertElement(r, b_.CreateSelect(inRange, picked, b_.getInt8(0)), i);
  }
  return r;
}

}  // namespace wasmnn::llvmtier
