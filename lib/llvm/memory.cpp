// Locals, globals, linear memory, tables and references.
#include "translator.h"

namespace wasmnn::llvmtier {

using native::TrapCode;
using native::VmContext;

bool FunctionTranslator::translateVariableOp(const Instr& in) {
  switch (in.op) {
    case Op::LocalGet: push(b_.CreateLoad(locals_[in.a]->getAllocatedType(), locals_[in.a])); return true;
    case Op::LocalSet: b_.CreateStore(pop(), locals_[in.a]); return true;
    case Op::LocalTee: b_.CreateStore(stack_.back(), locals_[in.a]); return true;
    case Op::GlobalGet: {
      if (llvm::Constant* value = mt_.constantGlobal(in.a)) {
        push(value);
        return true;
      }
      llvm::Value* slot = ctxArrayEntry(offsetof(VmContext, globals), in.a);
      push(loadSlot(b_, mt_, mt_.globalType(in.a).type, slot, Tbaa::Global));
      return true;
    }
    case Op::GlobalSet: {
      llvm::Value* slot = ctxArrayEntry(offsetof(VmContext, globals), in.a);
      storeSlot(b_, mt_, mt_.globalType(in.a).type, pop(), slot, Tbaa::Global);
      return true;
    }
    default: return false;
  }
}

// memBase + addr + offset as 64-bit arithmetic, so it cannot wrap. Explicit
// checks compare its end with the memory's size; with guard pages every such
// address lies inside the memory's reservation and a fault becomes the trap.
llvm::Value* FunctionTranslator::effectiveAddress(llvm::Value* addr, uint64_t offset, uint32_t bytes) {
  llvm::Value* ea = b_.CreateZExt(addr, b_.getInt64Ty());
  if (offset != 0) ea = b_.CreateAdd(ea, i64(offset), "ea", true, true);
  if (!mt_.options().guard) {
    llvm::Value* size = b_.CreateLoad(b_.getInt64Ty(), memSize_);
    trapIf(b_.CreateICmpUGT(b_.CreateAdd(ea, i64(bytes), "", true, true), size), TrapCode::MemoryOutOfBounds);
  }
  return b_.CreateInBoundsGEP(b_.getInt8Ty(), memBase_, ea);
}

void FunctionTranslator::load(llvm::Type* memType, uint64_t offset, llvm::Type* resultType, bool signExtend) {
  llvm::Value* at = effectiveAddress(pop(), offset, uint32_t(memType->getPrimitiveSizeInBits() / 8));
  auto* value = b_.CreateAlignedLoad(memType, at, llvm::Align(1));
  mt_.tag(value, Tbaa::Heap);
  if (memType == resultType)
    push(value);
  else
    push(signExtend ? b_.CreateSExt(value, resultType) : b_.CreateZExt(value, resultType));
}

void FunctionTranslator::store(llvm::Type* memType, uint64_t offset) {
  llvm::Value* value = pop();
  llvm::Value* at = effectiveAddress(pop(), offset, uint32_t(memType->getPrimitiveSizeInBits() / 8));
  if (value->getType() != memType) value = b_.CreateTrunc(value, memType);
  mt_.tag(b_.CreateAlignedStore(value, at, llvm::Align(1)), Tbaa::Heap);
}

llvm::Value* FunctionTranslator::runtimeCall(Rt which, std::initializer_list<llvm::Value*> args) {
  return b_.CreateCall(mt_.runtime(which), args);
}

// A bulk operation: its immediates, then its three stack operands, to a
// runtime function that returns 0 or the trap to raise.
void FunctionTranslator::bulk(Rt which, std::initializer_list<llvm::Value*> immediates) {
  std::vector<llvm::Value*> args{ctx_};
  args.insert(args.end(), immediates);
  std::vector<llvm::Value*> operands = popN(3);
  args.insert(args.end(), operands.begin(), operands.end());
  llvm::Value* status = b_.CreateCall(mt_.runtime(which), args);
  raiseIf(b_.CreateICmpNE(status, i32(0)), b_.CreateSub(status, i32(1)), i64(0));
}

bool FunctionTranslator::translateMemoryOp(const Instr& in) {
  llvm::Type* i8 = b_.getInt8Ty();
  llvm::Type* i16 = b_.getInt16Ty();
  llvm::Type* i32t = b_.getInt32Ty();
  llvm::Type* i64t = b_.getInt64Ty();
  uint64_t offset = in.b;
  switch (in.op) {
    case Op::I32Load: load(i32t, offset, i32t, false); return true;
    case Op::I64Load: load(i64t, offset, i64t, false); return true;
    case Op::F32Load: load(b_.getFloatTy(), offset, b_.getFloatTy(), false); return true;
    case Op::F64Load: load(b_.getDoubleTy(), offset, b_.getDoubleTy(), false); return true;
    case Op::I32Load8S: load(i8, offset, i32t, true); return true;
    case Op::I32Load8U: load(i8, offset, i32t, false); return true;
    case Op::I32Load16S: load(i16, offset, i32t, true); return true;
    case Op::I32Load16U: load(i16, offset, i32t, false); return true;
    case Op::I64Load8S: load(i8, offset, i64t, true); return true;
    case Op::I64Load8U: load(i8, offset, i64t, false); return true;
    case Op::I64Load16S: load(i16, offset, i64t, true); return true;
    case Op::I64Load16U: load(i16, offset, i64t, false); return true;
    case Op::I64Load32S: load(i32t, offset, i64t, true); return true;
    case Op::I64Load32U: load(i32t, offset, i64t, false); return true;
    case Op::I32Store: store(i32t, offset); return true;
    case Op::I64Store: store(i64t, offset); return true;
    case Op::F32Store: store(b_.getFloatTy(), offset); return true;
    case Op::F64Store: store(b_.getDoubleTy(), offset); return true;
    case Op::I32Store8:
    case Op::I64Store8: store(i8, offset); return true;
    case Op::I32Store16:
    case Op::I64Store16: store(i16, offset); return true;
    case Op::I64Store32: store(i32t, offset); return true;
    case Op::MemorySize: {
      auto* size = b_.CreateAlignedLoad(i64t, memSizePtr_, llvm::Align(8));
      mt_.tag(size, Tbaa::MemSize);
      push(b_.CreateTrunc(b_.CreateLShr(size, 16), i32t));
      return true;
    }
    case Op::MemoryGrow: {
      llvm::Value* old = runtimeCall(Rt::memory_grow, {ctx_, pop()});
      refreshMemSize();
      push(old);
      return true;
    }
    case Op::MemoryInit: bulk(Rt::memory_init, {i32(in.a)}); return true;
    case Op::DataDrop: runtimeCall(Rt::data_drop, {ctx_, i32(in.a)}); return true;
    case Op::MemoryCopy: bulk(Rt::memory_copy, {}); return true;
    case Op::MemoryFill: bulk(Rt::memory_fill, {}); return true;
    default: return false;
  }
}

llvm::Value* FunctionTranslator::tableView(uint32_t table) { return ctxArrayEntry(offsetof(VmContext, tables), table); }

// The address of element `index` (i64) of `table`, after its bounds check.
llvm::Value* FunctionTranslator::tableElement(uint32_t table, llvm::Value* index, TrapCode outOfBounds) {
  llvm::Value* view = tableView(table);
  auto* size = b_.CreateAlignedLoad(b_.getInt64Ty(), b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), view, 8),
                                    llvm::Align(8), "table.size");
  mt_.tag(size, Tbaa::TableView);
  trapIf(b_.CreateICmpUGE(index, size), outOfBounds);
  llvm::Value* data = loadPtrAt(view, offsetof(native::TableView, data), Tbaa::TableView, false, "table.data");
  return b_.CreateInBoundsGEP(b_.getInt64Ty(), data, index);
}

bool FunctionTranslator::translateTableOp(const Instr& in) {
  switch (in.op) {
    case Op::RefNull: push(i64(0)); return true;
    case Op::RefIsNull: push(b_.CreateZExt(b_.CreateICmpEQ(pop(), i64(0)), b_.getInt32Ty())); return true;
    case Op::RefFunc:
      push(b_.CreatePtrToInt(ctxArrayEntry(offsetof(VmContext, funcs), in.a), b_.getInt64Ty()));
      return true;
    case Op::TableGet: {
      llvm::Value* at = tableElement(in.a, b_.CreateZExt(pop(), b_.getInt64Ty()), TrapCode::TableOutOfBounds);
      auto* elem = b_.CreateAlignedLoad(b_.getInt64Ty(), at, llvm::Align(8));
      mt_.tag(elem, Tbaa::TableElem);
      push(elem);
      return true;
    }
    case Op::TableSet: {
      llvm::Value* value = pop();
      llvm::Value* at = tableElement(in.a, b_.CreateZExt(pop(), b_.getInt64Ty()), TrapCode::TableOutOfBounds);
      mt_.tag(b_.CreateAlignedStore(value, at, llvm::Align(8)), Tbaa::TableElem);
      return true;
    }
    case Op::TableSize: {
      llvm::Value* view = tableView(in.a);
      auto* size =
          b_.CreateAlignedLoad(b_.getInt64Ty(), b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), view, 8), llvm::Align(8));
      mt_.tag(size, Tbaa::TableView);
      push(b_.CreateTrunc(size, b_.getInt32Ty()));
      return true;
    }
    case Op::TableGrow: {
      llvm::Value* n = pop();
      llvm::Value* init = pop();
      push(runtimeCall(Rt::table_grow, {ctx_, i32(in.a), init, n}));
      return true;
    }
    case Op::TableFill: bulk(Rt::table_fill, {i32(in.a)}); return true;
    case Op::TableCopy: bulk(Rt::table_copy, {i32(in.a), i32(in.b)}); return true;
    case Op::TableInit: bulk(Rt::table_init, {i32(in.a), i32(in.b)}); return true;
    case Op::ElemDrop: runtimeCall(Rt::elem_drop, {ctx_, i32(in.a)}); return true;
    default: return false;
  }
}

}  // namespace wasmnn::llvmtier
