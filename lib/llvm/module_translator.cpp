// What the functions of one module share, and the entry trampolines.
#include <llvm/IR/Verifier.h>
#include <llvm/TargetParser/Host.h>

#include "translator.h"

namespace wasmnn::llvmtier {

using llvm::Type;

ModuleTranslator::ModuleTranslator(llvm::LLVMContext& context, const Module& wasm, Options options)
    : context_(context),
      wasm_(wasm),
      options_(std::move(options)),
      ir_(std::make_unique<llvm::Module>("wasm", context)),
      tuneCpu_(llvm::sys::getHostCPUName().str()) {
  for (const Import& im : wasm_.imports)
    if (im.kind == ExternKind::Func) funcTypes_.push_back(im.funcType);
  for (const Function& f : wasm_.functions) funcTypes_.push_back(f.type);
  for (const Import& im : wasm_.imports)
    if (im.kind == ExternKind::Global) globalTypes_.push_back(im.global);
  for (const Global& g : wasm_.globals) globalTypes_.push_back(g.type);
  signatures_.resize(wasm_.types.size());

  llvm::MDBuilder md(context_);
  llvm::MDNode* root = md.createTBAARoot("wasmnn");
  static constexpr const char* kTbaaNames[] = {"heap", "global", "table elem", "table view",
                                               "ctx",  "state",  "target",     "mem size"};
  static_assert(std::size(kTbaaNames) == size_t(Tbaa::Count));
  for (size_t i = 0; i < tbaa_.size(); ++i) {
    llvm::MDNode* scalar = md.createTBAAScalarTypeNode(kTbaaNames[i], root);
    tbaa_[i] = md.createTBAAStructTagNode(scalar, scalar, 0);
  }
}

Type* ModuleTranslator::typeOf(ValType t) {
  switch (t) {
    case ValType::I32: return Type::getInt32Ty(context_);
    case ValType::F32: return Type::getFloatTy(context_);
    case ValType::F64: return Type::getDoubleTy(context_);
    case ValType::V128: return v128();
    case ValType::I64:
    case ValType::FuncRef:
    case ValType::ExternRef: return Type::getInt64Ty(context_);
  }
  return Type::getInt64Ty(context_);
}

llvm::FunctionType* ModuleTranslator::signature(uint32_t typeIndex) {
  llvm::FunctionType*& sig = signatures_[typeIndex];
  if (sig) return sig;
  const FuncType& t = wasm_.types[typeIndex];
  std::vector<Type*> params{llvm::PointerType::get(context_, 0), Type::getInt32Ty(context_)};
  for (ValType p : t.params) params.push_back(typeOf(p));
  Type* ret = Type::getVoidTy(context_);
  if (t.results.size() == 1) {
    ret = typeOf(t.results[0]);
  } else if (t.results.size() > 1) {
    std::vector<Type*> fields;
    for (ValType r : t.results) fields.push_back(typeOf(r));
    ret = llvm::StructType::get(context_, fields);
  }
  sig = llvm::FunctionType::get(ret, params, false);
  return sig;
}

llvm::Constant* ModuleTranslator::floatBits(Type* t, uint64_t bits) {
  // Through the bits, so NaN payloads (signalling ones too) stay exact.
  if (t->isFloatTy())
    return llvm::ConstantFP::get(context_, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, bits)));
  return llvm::ConstantFP::get(context_, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, bits)));
}

llvm::Constant* ModuleTranslator::constantGlobal(uint32_t index) {
  if (index < wasm_.importedGlobals) return nullptr;
  const Global& g = wasm_.globals[index - wasm_.importedGlobals];
  if (g.type.mut) return nullptr;
  const ConstExpr& e = g.init;
  switch (e.kind) {
    case ConstExpr::Kind::I32: return llvm::ConstantInt::get(Type::getInt32Ty(context_), uint32_t(e.value));
    case ConstExpr::Kind::I64: return llvm::ConstantInt::get(Type::getInt64Ty(context_), e.value);
    case ConstExpr::Kind::F32: return floatBits(Type::getFloatTy(context_), uint32_t(e.value));
    case ConstExpr::Kind::F64: return floatBits(Type::getDoubleTy(context_), e.value);
    case ConstExpr::Kind::V128:
      return llvm::ConstantVector::get({llvm::ConstantInt::get(Type::getInt64Ty(context_), e.value),
                                        llvm::ConstantInt::get(Type::getInt64Ty(context_), e.valueHi)});
    case ConstExpr::Kind::RefNull: return llvm::ConstantInt::get(Type::getInt64Ty(context_), 0);
    default: return nullptr;  // ref.func and global.get: known only once instantiated
  }
}

void ModuleTranslator::tag(llvm::Instruction* access, Tbaa kind) {
  access->setMetadata(llvm::LLVMContext::MD_tbaa, tbaa_[size_t(kind)]);
  // With guard pages an out-of-bounds access traps by faulting, which LLVM
  // does not know: it would delete a load whose value is unused, sink one
  // into the branch that uses it, or move other stores across it. Volatile
  // keeps every access to the memory, the globals and the tables, in program
  // order. Measured (bench/): as fast as non-volatile accesses on fib, matmul,
  // sha256 and nbody, 20 % slower on mixed, and still faster than explicit
  // checks on every kernel. Explicit checks need none of it: the check
  // branches to the trap before the access.
  if (options_.guard && (kind == Tbaa::Heap || kind == Tbaa::Global || kind == Tbaa::TableElem)) {
    if (auto* load = llvm::dyn_cast<llvm::LoadInst>(access)) load->setVolatile(true);
    if (auto* store = llvm::dyn_cast<llvm::StoreInst>(access)) store->setVolatile(true);
  }
}

void ModuleTranslator::setAttributes(llvm::Function* f) {
  f->addFnAttr(llvm::Attribute::NoUnwind);
  // Backtraces walk the frame-pointer chain (lib/native/runtime.cpp).
  f->addFnAttr("frame-pointer", "all");
  f->addFnAttr("target-cpu", options_.cpu);
  f->addFnAttr("tune-cpu", tuneCpu_);
  // No memcpy/memset made from loops: a guard-page fault inside libc would
  // lose the backtrace and could write bytes in another order than the loop.
  f->addFnAttr("no-builtins");
}

llvm::FunctionCallee ModuleTranslator::runtime(Rt which) {
  llvm::FunctionCallee& fn = runtime_[size_t(which)];
  if (fn) return fn;
  Type* ptr = llvm::PointerType::get(context_, 0);
  Type* i32 = Type::getInt32Ty(context_);
  Type* i64 = Type::getInt64Ty(context_);
  Type* voidTy = Type::getVoidTy(context_);
  llvm::FunctionType* type = nullptr;
  switch (which) {
    case Rt::trap: type = llvm::FunctionType::get(voidTy, {ptr, i32, i64, ptr}, false); break;
    case Rt::call: type = llvm::FunctionType::get(voidTy, {ptr, ptr, ptr, i32, ptr}, false); break;
    case Rt::memory_grow: type = llvm::FunctionType::get(i32, {ptr, i32}, false); break;
    case Rt::memory_init: type = llvm::FunctionType::get(i32, {ptr, i32, i32, i32, i32}, false); break;
    case Rt::memory_copy:
    case Rt::memory_fill: type = llvm::FunctionType::get(i32, {ptr, i32, i32, i32}, false); break;
    case Rt::data_drop:
    case Rt::elem_drop: type = llvm::FunctionType::get(voidTy, {ptr, i32}, false); break;
    case Rt::table_init:
    case Rt::table_copy: type = llvm::FunctionType::get(i32, {ptr, i32, i32, i32, i32, i32}, false); break;
    case Rt::table_fill: type = llvm::FunctionType::get(i32, {ptr, i32, i32, i64, i32}, false); break;
    case Rt::table_grow: type = llvm::FunctionType::get(i32, {ptr, i32, i64, i32}, false); break;
    case Rt::Count: break;
  }
  static constexpr const char* kNames[] = {
#define WASMNN_RT_NAME(name) #name,
      WASMNN_NATIVE_RUNTIME(WASMNN_RT_NAME)
#undef WASMNN_RT_NAME
  };
  fn = ir_->getOrInsertFunction(std::string(native::kRuntimePrefix) + kNames[size_t(which)], type);
  auto* decl = llvm::cast<llvm::Function>(fn.getCallee());
  decl->addFnAttr(llvm::Attribute::NoUnwind);
  if (which == Rt::trap) {
    decl->addFnAttr(llvm::Attribute::NoReturn);
    decl->addFnAttr(llvm::Attribute::Cold);
  }
  return fn;
}

void ModuleTranslator::declareFunctions() {
  for (uint32_t i = 0; i < wasm_.functions.size(); ++i) {
    auto* f = llvm::Function::Create(signature(wasm_.functions[i].type), llvm::GlobalValue::ExternalLinkage,
                                     native::kFuncSymbol + std::to_string(i), *ir_);
    f->setVisibility(llvm::GlobalValue::HiddenVisibility);
    f->setDSOLocal(true);
    setAttributes(f);
    // Every wasm call stays a call with its own frame, so backtraces and the
    // call depth are exactly the interpreter's. Measured on bench/ (fib,
    // matmul, sha256, nbody, mixed): no difference beyond run-to-run noise;
    // clang inlined what mattered before the module became wasm.
    f->addFnAttr(llvm::Attribute::NoInline);
    f->addFnAttr("disable-tail-calls", "true");
    functions_.push_back(f);
  }
}

llvm::Value* loadSlot(llvm::IRBuilder<>& b, ModuleTranslator& mt, ValType t, llvm::Value* slot, Tbaa kind) {
  llvm::Type* raw = t == ValType::V128 ? static_cast<llvm::Type*>(mt.v128()) : b.getInt64Ty();
  auto* load = b.CreateAlignedLoad(raw, slot, llvm::Align(8));
  if (kind != Tbaa::Count) mt.tag(load, kind);
  switch (t) {
    case ValType::I32: return b.CreateTrunc(load, b.getInt32Ty());
    case ValType::F32: return b.CreateBitCast(b.CreateTrunc(load, b.getInt32Ty()), b.getFloatTy());
    case ValType::F64: return b.CreateBitCast(load, b.getDoubleTy());
    default: return load;
  }
}

void storeSlot(llvm::IRBuilder<>& b, ModuleTranslator& mt, ValType t, llvm::Value* value, llvm::Value* slot,
               Tbaa kind) {
  switch (t) {
    case ValType::I32: value = b.CreateZExt(value, b.getInt64Ty()); break;
    case ValType::F32: value = b.CreateZExt(b.CreateBitCast(value, b.getInt32Ty()), b.getInt64Ty()); break;
    case ValType::F64: value = b.CreateBitCast(value, b.getInt64Ty()); break;
    default: break;
  }
  auto* store = b.CreateAlignedStore(value, slot, llvm::Align(8));
  if (kind != Tbaa::Count) mt.tag(store, kind);
}

void ModuleTranslator::addEntryTrampoline(uint32_t typeIndex) {
  Type* ptr = llvm::PointerType::get(context_, 0);
  auto* type = llvm::FunctionType::get(Type::getVoidTy(context_), {ptr, ptr, ptr, Type::getInt32Ty(context_)}, false);
  auto* f = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                   native::kEntrySymbol + std::to_string(typeIndex), *ir_);
  f->setVisibility(llvm::GlobalValue::HiddenVisibility);
  f->setDSOLocal(true);
  setAttributes(f);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context_, "entry", f));
  llvm::Value* slots = f->getArg(2);
  const FuncType& t = wasm_.types[typeIndex];
  std::vector<llvm::Value*> args{f->getArg(0), f->getArg(3)};
  uint32_t slot = 0;
  for (ValType p : t.params) {
    args.push_back(loadSlot(b, *this, p, b.CreateConstGEP1_32(b.getInt64Ty(), slots, slot)));
    slot += p == ValType::V128 ? 2 : 1;
  }
  llvm::Value* ret = b.CreateCall(signature(typeIndex), f->getArg(1), args);
  slot = 0;
  for (size_t i = 0; i < t.results.size(); ++i) {
    llvm::Value* v = t.results.size() == 1 ? ret : b.CreateExtractValue(ret, unsigned(i));
    storeSlot(b, *this, t.results[i], v, b.CreateConstGEP1_32(b.getInt64Ty(), slots, slot));
    slot += t.results[i] == ValType::V128 ? 2 : 1;
  }
  b.CreateRetVoid();
}

std::unique_ptr<llvm::Module> ModuleTranslator::translate() {
  declareFunctions();
  for (uint32_t i = 0; i < wasm_.functions.size(); ++i) {
    FunctionTranslator function(*this, i);
    if (!function.translate()) {
      error_ = "function " + std::to_string(wasm_.importedFuncs + i) + ": the compiled tier cannot translate `" +
               opName(function.unhandled()) + "`";
      return nullptr;
    }
  }
  std::vector<bool> done(wasm_.types.size());
  for (const Function& f : wasm_.functions) {
    if (done[f.type]) continue;
    done[f.type] = true;
    addEntryTrampoline(f.type);
  }
  return std::move(ir_);
}

}  // namespace wasmnn::llvmtier
