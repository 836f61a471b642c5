// One function body: the prologue (locals, stack and depth check), structured
// control flow and calls. Operands live on a compile-time stack of IR values;
// block results and loop parameters become phi nodes; locals are allocas that
// the optimiser promotes to registers.
#include <llvm/IR/Intrinsics.h>

#include "translator.h"

namespace wasmnn::llvmtier {

using native::TrapCode;

namespace {

uint32_t slotCount(const std::vector<ValType>& types) {
  uint32_t n = 0;
  for (ValType t : types) n += t == ValType::V128 ? 2 : 1;
  return n;
}

}  // namespace

FunctionTranslator::FunctionTranslator(ModuleTranslator& mt, uint32_t definedIndex)
    : mt_(mt),
      m_(mt.wasm()),
      fn_(m_.functions[definedIndex]),
      type_(m_.types[fn_.type]),
      f_(mt.definedFunction(m_.importedFuncs + definedIndex)),
      b_(mt.context()) {}

llvm::BasicBlock* FunctionTranslator::newBlock(const char* name) {
  return llvm::BasicBlock::Create(mt_.context(), name, f_);
}

bool FunctionTranslator::translate() {
  prologue();
  Control body;
  body.kind = Control::Kind::Function;
  body.results = type_.results;
  body.end = newBlock("return");
  ctrls_.push_back(std::move(body));
  for (const Instr& in : fn_.code) {
    if (ctrls_.empty()) break;
    if (!reachable_) {
      skipDead(in);
    } else if (!translateInstr(in)) {
      unhandled_ = in.op;
      return false;
    }
  }
  return true;
}

void FunctionTranslator::prologue() {
  llvm::BasicBlock* entry = newBlock("entry");
  b_.SetInsertPoint(entry);
  ctx_ = f_->getArg(0);
  depth_ = f_->getArg(1);
  f_->addParamAttr(0, llvm::Attribute::NonNull);
  f_->addParamAttr(0, llvm::Attribute::getWithDereferenceableBytes(mt_.context(), sizeof(native::VmContext)));
  f_->addParamAttr(0, llvm::Attribute::getWithAlignment(mt_.context(), llvm::Align(8)));
  fp_ = b_.CreateIntrinsic(llvm::Intrinsic::frameaddress, {b_.getPtrTy()}, {b_.getInt32(0)});

  auto addLocal = [&](ValType t, llvm::Value* init) {
    llvm::AllocaInst* slot = b_.CreateAlloca(mt_.typeOf(t));
    b_.CreateStore(init, slot);
    locals_.push_back(slot);
    localTypes_.push_back(t);
  };
  for (size_t i = 0; i < type_.params.size(); ++i) addLocal(type_.params[i], f_->getArg(unsigned(i) + 2));
  for (ValType t : fn_.locals) addLocal(t, llvm::Constant::getNullValue(mt_.typeOf(t)));

  if (m_.totalMemories() > 0) {
    memBase_ = loadPtrAt(ctx_, offsetof(native::VmContext, memBase), Tbaa::Ctx, true, "mem.base");
    memSizePtr_ = loadPtrAt(ctx_, offsetof(native::VmContext, memSize), Tbaa::Ctx, true, "mem.size.ptr");
    if (!mt_.options().guard) {
      memSize_ = b_.CreateAlloca(b_.getInt64Ty(), nullptr, "mem.size");
      refreshMemSize();
    }
  }

  // Stack and depth check: the next frame must fit above the stack limit,
  // and depthLeft counts the wasm frames still allowed. An interrupted store
  // poisons the limit, so this check also polls the interrupt on each call.
  stackLimitPtr_ = loadPtrAt(ctx_, offsetof(native::VmContext, stackLimit), Tbaa::Ctx, true, "stack.limit.ptr");
  llvm::Value* limit = loadStackLimit();
  llvm::Metadata* rsp = llvm::MDString::get(mt_.context(), "rsp");
  llvm::Value* sp =
      b_.CreateIntrinsic(llvm::Intrinsic::read_register, {b_.getInt64Ty()},
                         {llvm::MetadataAsValue::get(mt_.context(), llvm::MDNode::get(mt_.context(), rsp))});
  trapIf(b_.CreateOr(b_.CreateICmpULT(sp, limit), b_.CreateICmpEQ(depth_, i32(0))), TrapCode::StackExhausted);
  calleeDepth_ = b_.CreateSub(depth_, i32(1), "depth.callee");
}

llvm::Value* FunctionTranslator::loadPtrAt(llvm::Value* base, size_t offset, Tbaa kind, bool invariant,
                                           const llvm::Twine& name) {
  llvm::Value* at = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), base, offset);
  auto* load = b_.CreateAlignedLoad(b_.getPtrTy(), at, llvm::Align(8), name);
  mt_.tag(load, kind);
  if (invariant) load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(mt_.context(), {}));
  return load;
}

llvm::Value* FunctionTranslator::ctxArrayEntry(size_t fieldOffset, uint32_t index) {
  llvm::Value*& cached = ctxEntries_[{fieldOffset, index}];
  if (cached) return cached;
  // Loaded once, in the entry block: every field is fixed for the instance's life.
  llvm::IRBuilderBase::InsertPointGuard keep(b_);
  b_.SetInsertPoint(&f_->getEntryBlock(), f_->getEntryBlock().getTerminator()->getIterator());
  llvm::Value* array = loadPtrAt(ctx_, fieldOffset, Tbaa::Ctx, true);
  cached = loadPtrAt(array, size_t(index) * sizeof(void*), Tbaa::Ctx, true);
  return cached;
}

llvm::Value* FunctionTranslator::loadStackLimit() {
  auto* limit =
      b_.CreateAlignedLoad(b_.getInt64Ty(), stackLimitPtr_, llvm::Align(8), /*isVolatile=*/true, "stack.limit");
  mt_.tag(limit, Tbaa::State);
  return limit;
}

void FunctionTranslator::refreshMemSize() {
  if (!memSize_) return;
  auto* size = b_.CreateAlignedLoad(b_.getInt64Ty(), memSizePtr_, llvm::Align(8));
  mt_.tag(size, Tbaa::MemSize);
  b_.CreateStore(size, memSize_);
}

// ---------------------------------------------------------------- traps

llvm::BasicBlock* FunctionTranslator::trapBlock(TrapCode code) {
  llvm::BasicBlock*& block = trapBlocks_[code];
  if (block) return block;
  block = newBlock("trap");
  llvm::IRBuilder<> tb(block);
  tb.CreateCall(mt_.runtime(Rt::trap), {ctx_, i32(uint32_t(code)), i64(0), fp_});
  tb.CreateUnreachable();
  return block;
}

void FunctionTranslator::trapIf(llvm::Value* cond, TrapCode code) {
  llvm::BasicBlock* cont = newBlock("ok");
  b_.CreateCondBr(cond, trapBlock(code), cont, llvm::MDBuilder(mt_.context()).createUnlikelyBranchWeights());
  b_.SetInsertPoint(cont);
}

void FunctionTranslator::raiseIf(llvm::Value* cond, llvm::Value* code, llvm::Value* detail) {
  llvm::BasicBlock* trap = newBlock("trap");
  llvm::BasicBlock* cont = newBlock("ok");
  b_.CreateCondBr(cond, trap, cont, llvm::MDBuilder(mt_.context()).createUnlikelyBranchWeights());
  b_.SetInsertPoint(trap);
  b_.CreateCall(mt_.runtime(Rt::trap), {ctx_, code, detail, fp_});
  b_.CreateUnreachable();
  b_.SetInsertPoint(cont);
}

// ---------------------------------------------------------------- stack

std::vector<llvm::Value*> FunctionTranslator::popN(size_t n) {
  std::vector<llvm::Value*> values(stack_.end() - ptrdiff_t(n), stack_.end());
  stack_.resize(stack_.size() - n);
  return values;
}

std::vector<llvm::Value*> FunctionTranslator::topValues(size_t n) {
  return std::vector<llvm::Value*>(stack_.end() - ptrdiff_t(n), stack_.end());
}

// ---------------------------------------------------------------- control

void FunctionTranslator::blockSignature(const BlockType& bt, std::vector<ValType>& params,
                                        std::vector<ValType>& results) {
  switch (bt.kind) {
    case BlockType::Kind::Empty: break;
    case BlockType::Kind::Value: results.push_back(ValType(bt.valType)); break;
    case BlockType::Kind::TypeIndex:
      params = m_.types[bt.typeIndex].params;
      results = m_.types[bt.typeIndex].results;
      break;
  }
}

void FunctionTranslator::openBlock(Control::Kind kind, const Instr& in) {
  Control c;
  c.kind = kind;
  blockSignature(in.blockType, c.params, c.results);
  llvm::Value* cond = kind == Control::Kind::If ? pop() : nullptr;
  c.height = stack_.size() - c.params.size();
  c.end = newBlock("end");
  if (kind == Control::Kind::Loop) {
    llvm::BasicBlock* from = b_.GetInsertBlock();
    c.header = newBlock("loop");
    b_.CreateBr(c.header);
    b_.SetInsertPoint(c.header);
    for (size_t i = 0; i < c.params.size(); ++i) {
      llvm::PHINode* phi = b_.CreatePHI(mt_.typeOf(c.params[i]), 2);
      phi->addIncoming(stack_[c.height + i], from);
      stack_[c.height + i] = phi;
      c.headerPhis.push_back(phi);
    }
    // Every further iteration takes a back edge: those poll the store's
    // interrupt, unless each iteration calls a function that polls anyway.
    // (On the edges, not the header: a header check kept LLVM from
    // duplicating a loop's switch dispatch into each case, +25 % on switchy.)
    c.polls = !iterationCallsDefinedFunction(&in);
  } else if (kind == Control::Kind::If) {
    llvm::BasicBlock* then = newBlock("then");
    c.elseBlock = newBlock("else");
    b_.CreateCondBr(b_.CreateICmpNE(cond, i32(0)), then, c.elseBlock);
    c.ifParams = topValues(c.params.size());
    b_.SetInsertPoint(then);
  }
  ctrls_.push_back(std::move(c));
}

// True when every iteration of the loop at `loop` calls a function of this
// module before it can branch anywhere: that function's entry check polls the
// interrupt, so the back edges need not. (Imports and call_indirect may reach
// host functions, which do not poll.)
bool FunctionTranslator::iterationCallsDefinedFunction(const Instr* loop) const {
  for (const Instr* in = loop + 1; in < fn_.code.data() + fn_.code.size(); ++in) {
    switch (in->op) {
      case Op::Call: return in->a >= m_.importedFuncs;
      case Op::Block:
      case Op::Loop:
      case Op::If:
      case Op::Else:
      case Op::End:
      case Op::Br:
      case Op::BrIf:
      case Op::BrTable:
      case Op::Return:
      case Op::CallIndirect:
      case Op::Unreachable: return false;
      default: break;  // straight-line code: the call, if any, is still ahead
    }
  }
  return false;
}

// `from` branches to c's label with `values` (its arity).
void FunctionTranslator::addIncoming(Control& c, llvm::BasicBlock* from, std::span<llvm::Value* const> values) {
  if (c.kind == Control::Kind::Loop) {
    for (size_t i = 0; i < values.size(); ++i) c.headerPhis[i]->addIncoming(values[i], from);
  } else {
    c.endIncoming.emplace_back(from, std::vector<llvm::Value*>(values.begin(), values.end()));
  }
}

void FunctionTranslator::elseArm() {
  Control& c = ctrls_.back();
  if (reachable_) {
    addIncoming(c, b_.GetInsertBlock(), topValues(c.results.size()));
    b_.CreateBr(c.end);
  }
  c.sawElse = true;
  stack_.resize(c.height);
  stack_.insert(stack_.end(), c.ifParams.begin(), c.ifParams.end());
  b_.SetInsertPoint(c.elseBlock);
  reachable_ = true;
}

void FunctionTranslator::endBlock() {
  Control c = std::move(ctrls_.back());
  ctrls_.pop_back();
  if (reachable_) {
    // A loop's end is reached only by falling through.
    std::vector<llvm::Value*> results = topValues(c.results.size());
    c.endIncoming.emplace_back(b_.GetInsertBlock(), std::move(results));
    b_.CreateBr(c.end);
  }
  if (c.kind == Control::Kind::If && !c.sawElse) {
    // The missing else arm passes the parameters through (they equal the results).
    b_.SetInsertPoint(c.elseBlock);
    c.endIncoming.emplace_back(c.elseBlock, c.ifParams);
    b_.CreateBr(c.end);
  }
  stack_.resize(c.height);
  if (c.endIncoming.empty()) {
    c.end->eraseFromParent();
    reachable_ = false;
    return;
  }
  b_.SetInsertPoint(c.end);
  reachable_ = true;
  for (size_t i = 0; i < c.results.size(); ++i) {
    llvm::PHINode* phi = b_.CreatePHI(mt_.typeOf(c.results[i]), unsigned(c.endIncoming.size()));
    for (auto& [from, values] : c.endIncoming) phi->addIncoming(values[i], from);
    push(phi);
  }
  if (c.kind == Control::Kind::Function) returnFromFunction(popN(c.results.size()));
}

void FunctionTranslator::returnFromFunction(std::vector<llvm::Value*> results) {
  if (results.empty()) {
    b_.CreateRetVoid();
  } else if (results.size() == 1) {
    b_.CreateRet(results[0]);
  } else {
    llvm::Value* agg = llvm::PoisonValue::get(f_->getReturnType());
    for (size_t i = 0; i < results.size(); ++i) agg = b_.CreateInsertValue(agg, results[i], unsigned(i));
    b_.CreateRet(agg);
  }
  reachable_ = false;
}

void FunctionTranslator::pollInterrupt() {
  trapIf(b_.CreateICmpEQ(loadStackLimit(), i64(UINT64_MAX)), TrapCode::Interrupted);
}

void FunctionTranslator::branch(uint32_t depth) {
  Control& c = ctrls_[ctrls_.size() - 1 - depth];
  bool loop = c.kind == Control::Kind::Loop;
  if (loop && c.polls) pollInterrupt();
  addIncoming(c, b_.GetInsertBlock(), topValues(loop ? c.params.size() : c.results.size()));
  b_.CreateBr(loop ? c.header : c.end);
  reachable_ = false;
}

void FunctionTranslator::branchIf(uint32_t depth) {
  llvm::Value* cond = b_.CreateICmpNE(pop(), i32(0));
  Control& c = ctrls_[ctrls_.size() - 1 - depth];
  bool loop = c.kind == Control::Kind::Loop;
  llvm::BasicBlock* cont = newBlock("br_if.cont");
  if (loop && c.polls) {  // the taken edge polls, then jumps
    llvm::BasicBlock* edge = newBlock("br_if.back");
    b_.CreateCondBr(cond, edge, cont);
    b_.SetInsertPoint(edge);
    pollInterrupt();
    addIncoming(c, b_.GetInsertBlock(), topValues(c.params.size()));
    b_.CreateBr(c.header);
  } else {
    addIncoming(c, b_.GetInsertBlock(), topValues(loop ? c.params.size() : c.results.size()));
    b_.CreateCondBr(cond, loop ? c.header : c.end, cont);
  }
  b_.SetInsertPoint(cont);
}

void FunctionTranslator::branchTable(const Instr& in) {
  llvm::Value* index = pop();
  std::span<const uint32_t> depths(fn_.brTableTargets.data() + in.a, in.b);  // the default comes last
  llvm::BasicBlock* from = b_.GetInsertBlock();
  // One edge block per distinct label, so each phi sees one incoming edge per block.
  std::map<uint32_t, llvm::BasicBlock*> edges;
  for (uint32_t depth : depths) {
    if (edges.count(depth)) continue;
    llvm::BasicBlock* edge = newBlock("br_table.edge");
    edges[depth] = edge;
    b_.SetInsertPoint(edge);
    branch(depth);
  }
  b_.SetInsertPoint(from);
  llvm::SwitchInst* sw = b_.CreateSwitch(index, edges[depths.back()], unsigned(depths.size() - 1));
  for (size_t i = 0; i + 1 < depths.size(); ++i)
    if (depths[i] != depths.back()) sw->addCase(b_.getInt32(uint32_t(i)), edges[depths[i]]);
  reachable_ = false;
}

void FunctionTranslator::skipDead(const Instr& in) {
  switch (in.op) {
    case Op::Block:
    case Op::Loop:
    case Op::If: {
      Control c;
      c.dead = true;
      ctrls_.push_back(std::move(c));
      return;
    }
    case Op::Else:
      if (!ctrls_.back().dead) elseArm();
      return;
    case Op::End:
      if (ctrls_.back().dead) {
        ctrls_.pop_back();
        return;
      }
      endBlock();
      return;
    default: return;
  }
}

// ---------------------------------------------------------------- calls

std::vector<llvm::Value*> FunctionTranslator::unpackResults(llvm::Value* ret, const FuncType& type) {
  if (type.results.empty()) return {};
  if (type.results.size() == 1) return {ret};
  std::vector<llvm::Value*> results;
  for (size_t i = 0; i < type.results.size(); ++i) results.push_back(b_.CreateExtractValue(ret, unsigned(i)));
  return results;
}

llvm::Value* FunctionTranslator::slotBuffer(uint32_t slots) {
  slots = std::max(slots, 1u);
  if (!slots_) {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    b_.SetInsertPoint(&f_->getEntryBlock(), f_->getEntryBlock().begin());
    slots_ = b_.CreateAlloca(b_.getInt64Ty(), b_.getInt32(slots), "slots");
    slots_->setAlignment(llvm::Align(16));
    slotsSize_ = slots;
  } else if (slots > slotsSize_) {
    slots_->setOperand(0, b_.getInt32(slots));
    slotsSize_ = slots;
  }
  return slots_;
}

std::vector<llvm::Value*> FunctionTranslator::callTarget(llvm::Value* target, uint32_t typeIndex,
                                                         std::span<llvm::Value* const> args) {
  const FuncType& type = m_.types[typeIndex];
  llvm::Value* code = loadPtrAt(target, offsetof(native::CallTarget, nativeCode), Tbaa::Target, true, "code");
  llvm::BasicBlock* direct = newBlock("call.native");
  llvm::BasicBlock* viaRuntime = newBlock("call.runtime");
  llvm::BasicBlock* join = newBlock("call.join");
  b_.CreateCondBr(b_.CreateIsNotNull(code), direct, viaRuntime);

  b_.SetInsertPoint(direct);
  llvm::Value* calleeCtx = loadPtrAt(target, offsetof(native::CallTarget, nativeCtx), Tbaa::Target, true, "ctx");
  std::vector<llvm::Value*> callArgs{calleeCtx, calleeDepth_};
  callArgs.insert(callArgs.end(), args.begin(), args.end());
  std::vector<llvm::Value*> nativeResults =
      unpackResults(b_.CreateCall(mt_.signature(typeIndex), code, callArgs), type);
  llvm::BasicBlock* directEnd = b_.GetInsertBlock();
  b_.CreateBr(join);

  b_.SetInsertPoint(viaRuntime);
  llvm::Value* slots = slotBuffer(std::max(slotCount(type.params), slotCount(type.results)));
  uint32_t slot = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    storeSlot(b_, mt_, type.params[i], args[i], b_.CreateConstGEP1_32(b_.getInt64Ty(), slots, slot));
    slot += type.params[i] == ValType::V128 ? 2 : 1;
  }
  b_.CreateCall(mt_.runtime(Rt::call), {ctx_, target, slots, calleeDepth_, fp_});
  std::vector<llvm::Value*> runtimeResults;
  slot = 0;
  for (ValType t : type.results) {
    runtimeResults.push_back(loadSlot(b_, mt_, t, b_.CreateConstGEP1_32(b_.getInt64Ty(), slots, slot)));
    slot += t == ValType::V128 ? 2 : 1;
  }
  llvm::BasicBlock* runtimeEnd = b_.GetInsertBlock();
  b_.CreateBr(join);

  b_.SetInsertPoint(join);
  std::vector<llvm::Value*> results;
  for (size_t i = 0; i < type.results.size(); ++i) {
    llvm::PHINode* phi = b_.CreatePHI(mt_.typeOf(type.results[i]), 2);
    phi->addIncoming(nativeResults[i], directEnd);
    phi->addIncoming(runtimeResults[i], runtimeEnd);
    results.push_back(phi);
  }
  return results;
}

void FunctionTranslator::call(uint32_t funcIndex) {
  const FuncType& type = mt_.funcType(funcIndex);
  std::vector<llvm::Value*> args = popN(type.params.size());
  std::vector<llvm::Value*> results;
  if (funcIndex >= m_.importedFuncs) {
    std::vector<llvm::Value*> callArgs{ctx_, calleeDepth_};
    callArgs.insert(callArgs.end(), args.begin(), args.end());
    results = unpackResults(b_.CreateCall(mt_.definedFunction(funcIndex), callArgs), type);
  } else {
    llvm::Value* target = ctxArrayEntry(offsetof(native::VmContext, funcs), funcIndex);
    results = callTarget(target, mt_.funcTypeIndex(funcIndex), args);
  }
  refreshMemSize();
  for (llvm::Value* r : results) push(r);
}

void FunctionTranslator::callIndirect(uint32_t typeIndex, uint32_t tableIndex) {
  llvm::Value* index = b_.CreateZExt(pop(), b_.getInt64Ty());
  std::vector<llvm::Value*> args = popN(m_.types[typeIndex].params.size());
  auto* elem = b_.CreateAlignedLoad(b_.getInt64Ty(), tableElement(tableIndex, index, TrapCode::UndefinedElement),
                                    llvm::Align(8), "elem");
  mt_.tag(elem, Tbaa::TableElem);
  raiseIf(b_.CreateICmpEQ(elem, i64(0)), i32(uint32_t(TrapCode::UninitializedElement)), index);
  llvm::Value* target = b_.CreateIntToPtr(elem, b_.getPtrTy());
  auto* typeId = b_.CreateAlignedLoad(b_.getInt32Ty(), target, llvm::Align(4), "type.id");
  mt_.tag(typeId, Tbaa::Target);
  llvm::Value* expected = expectedTypeId(typeIndex);
  trapIf(b_.CreateICmpNE(typeId, expected), TrapCode::IndirectCallTypeMismatch);
  std::vector<llvm::Value*> results = callTarget(target, typeIndex, args);
  refreshMemSize();
  for (llvm::Value* r : results) push(r);
}

llvm::Value* FunctionTranslator::expectedTypeId(uint32_t typeIndex) {
  llvm::Value*& cached = typeIds_[typeIndex];
  if (cached) return cached;
  llvm::IRBuilderBase::InsertPointGuard keep(b_);
  b_.SetInsertPoint(&f_->getEntryBlock(), f_->getEntryBlock().getTerminator()->getIterator());
  llvm::Value* ids = loadPtrAt(ctx_, offsetof(native::VmContext, typeIds), Tbaa::Ctx, true);
  auto* id = b_.CreateAlignedLoad(b_.getInt32Ty(), b_.CreateConstInBoundsGEP1_64(b_.getInt32Ty(), ids, typeIndex),
                                  llvm::Align(4));
  mt_.tag(id, Tbaa::Ctx);
  id->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(mt_.context(), {}));
  cached = id;
  return cached;
}

// ---------------------------------------------------------------- dispatch

bool FunctionTranslator::translateInstr(const Instr& in) {
  switch (in.op) {
    case Op::Unreachable:
      b_.CreateBr(trapBlock(TrapCode::Unreachable));
      reachable_ = false;
      return true;
    case Op::Nop: return true;
    case Op::Block: openBlock(Control::Kind::Block, in); return true;
    case Op::Loop: openBlock(Control::Kind::Loop, in); return true;
    case Op::If: openBlock(Control::Kind::If, in); return true;
    case Op::Else: elseArm(); return true;
    case Op::End: endBlock(); return true;
    case Op::Br: branch(in.a); return true;
    case Op::BrIf: branchIf(in.a); return true;
    case Op::BrTable: branchTable(in); return true;
    case Op::Return: branch(uint32_t(ctrls_.size() - 1)); return true;
    case Op::Call: call(in.a); return true;
    case Op::CallIndirect: callIndirect(in.a, in.b); return true;
    case Op::Drop: pop(); return true;
    case Op::Select:
    case Op::SelectT: {
      llvm::Value* cond = b_.CreateICmpNE(pop(), i32(0));
      llvm::Value* no = pop();
      llvm::Value* yes = pop();
      push(b_.CreateSelect(cond, yes, no));
      return true;
    }
    default: break;
  }
  return translateVariableOp(in) || translateMemoryOp(in) || translateTableOp(in) || translateNumericOp(in) ||
         translateSimdOp(in);
}

}  // namespace wasmnn::llvmtier
