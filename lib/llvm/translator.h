// Wasm -> LLVM IR for the compiled tier. ModuleTranslator owns what every
// function of a module shares (the IR module, the native signatures, the
// runtime's functions, alias-analysis tags); FunctionTranslator turns one
// validated function body into one IR function with the calling convention
// of native/abi.h. The IR is then optimised and emitted by codegen.cpp.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <array>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "wasmnn/ast/module.h"
#include "wasmnn/native/abi.h"

namespace wasmnn::llvmtier {

struct Options {
  std::string cpu;  // LLVM target CPU (an x86-64 level)
  bool guard = false;
};

// The runtime functions of native/abi.h, named as there.
enum class Rt {
#define WASMNN_RT_ENUM(name) name,
  WASMNN_NATIVE_RUNTIME(WASMNN_RT_ENUM)
#undef WASMNN_RT_ENUM
      Count
};

// Type-based alias analysis classes: accesses of different classes never alias.
enum class Tbaa { Heap, Global, TableElem, TableView, Ctx, State, Target, MemSize, Count };

// A SIMD instruction's lanes: count, width, float or integer.
struct LaneShape {
  unsigned lanes;
  unsigned bits;
  bool isFloat;
};

class ModuleTranslator {
 public:
  ModuleTranslator(llvm::LLVMContext& context, const Module& wasm, Options options);
  // Translates every defined function and the entry trampolines; null on
  // failure, with the reason in error().
  std::unique_ptr<llvm::Module> translate();
  const std::string& error() const { return error_; }

  llvm::LLVMContext& context() { return context_; }
  llvm::Module& ir() { return *ir_; }
  const Module& wasm() const { return wasm_; }
  const Options& options() const { return options_; }

  llvm::Type* typeOf(ValType t);
  llvm::FixedVectorType* v128() { return llvm::FixedVectorType::get(llvm::Type::getInt64Ty(context_), 2); }
  // The native signature of module type `typeIndex`.
  llvm::FunctionType* signature(uint32_t typeIndex);
  const FuncType& funcType(uint32_t funcIndex) const { return wasm_.types[funcTypes_[funcIndex]]; }
  uint32_t funcTypeIndex(uint32_t funcIndex) const { return funcTypes_[funcIndex]; }
  llvm::Function* definedFunction(uint32_t funcIndex) { return functions_[funcIndex - wasm_.importedFuncs]; }
  const GlobalType& globalType(uint32_t index) const { return globalTypes_[index]; }
  // The value of an immutable global initialised with a constant, or null.
  llvm::Constant* constantGlobal(uint32_t index);
  llvm::Constant* floatBits(llvm::Type* t, uint64_t bits);
  llvm::FunctionCallee runtime(Rt which);
  void tag(llvm::Instruction* access, Tbaa kind);
  // Attributes every generated function carries.
  void setAttributes(llvm::Function* f);

 private:
  void declareFunctions();
  void addEntryTrampoline(uint32_t typeIndex);

  llvm::LLVMContext& context_;
  const Module& wasm_;
  Options options_;
  std::unique_ptr<llvm::Module> ir_;
  std::vector<uint32_t> funcTypes_;  // type index of every function, imports first
  std::vector<GlobalType> globalTypes_;
  std::vector<llvm::Function*> functions_;
  std::vector<llvm::FunctionType*> signatures_;
  std::array<llvm::FunctionCallee, size_t(Rt::Count)> runtime_{};
  std::array<llvm::MDNode*, size_t(Tbaa::Count)> tbaa_{};
  std::string tuneCpu_;
  std::string error_;
};

// One value in the slot encoding (native/abi.h) at `slot`, which globals
// share; `kind` tags the access (Tbaa::Count: untagged).
llvm::Value* loadSlot(llvm::IRBuilder<>& b, ModuleTranslator& mt, ValType t, llvm::Value* slot,
                      Tbaa kind = Tbaa::Count);
void storeSlot(llvm::IRBuilder<>& b, ModuleTranslator& mt, ValType t, llvm::Value* value, llvm::Value* slot,
               Tbaa kind = Tbaa::Count);

class FunctionTranslator {
 public:
  FunctionTranslator(ModuleTranslator& mt, uint32_t definedIndex);
  // False if the body has an instruction the translator does not know (see unhandled()).
  bool translate();
  Op unhandled() const { return unhandled_; }

 private:
  struct Control {
    enum class Kind { Block, Loop, If, Function };
    Kind kind = Kind::Block;
    std::vector<ValType> params, results;
    size_t height = 0;                       // operand stack height below the params
    bool dead = false;                       // opened in unreachable code: nothing emitted
    llvm::BasicBlock* end = nullptr;         // after the construct
    llvm::BasicBlock* header = nullptr;      // Loop: where branches go
    std::vector<llvm::PHINode*> headerPhis;  // Loop: its parameters
    bool polls = false;                      // Loop: its back edges poll the store's interrupt
    llvm::BasicBlock* elseBlock = nullptr;   // If
    std::vector<llvm::Value*> ifParams;      // If: the parameters again for the else arm
    bool sawElse = false;
    std::vector<std::pair<llvm::BasicBlock*, std::vector<llvm::Value*>>> endIncoming;
  };

  // ---- control (function_translator.cpp)
  void prologue();
  bool translateInstr(const Instr& in);
  void skipDead(const Instr& in);
  void blockSignature(const BlockType& bt, std::vector<ValType>& params, std::vector<ValType>& results);
  void openBlock(Control::Kind kind, const Instr& in);
  void elseArm();
  void endBlock();
  void branch(uint32_t depth);
  void branchIf(uint32_t depth);
  void branchTable(const Instr& in);
  void addIncoming(Control& c, llvm::BasicBlock* from, std::span<llvm::Value* const> values);
  std::vector<llvm::Value*> topValues(size_t n);
  void returnFromFunction(std::vector<llvm::Value*> results);
  llvm::BasicBlock* newBlock(const char* name);
  void markUnreachable();

  // ---- values
  llvm::Value* pop() {
    llvm::Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  void push(llvm::Value* v) { stack_.push_back(v); }
  std::vector<llvm::Value*> popN(size_t n);
  // The two top operands, in push order (a below b).
  std::pair<llvm::Value*, llvm::Value*> pop2() {
    llvm::Value* b = pop();
    return {pop(), b};
  }
  llvm::Value* i32(uint32_t v) { return b_.getInt32(v); }
  llvm::Value* i64(uint64_t v) { return b_.getInt64(v); }

  // ---- traps
  void trapIf(llvm::Value* cond, native::TrapCode code);
  // Traps with a code (i32) and detail (i64) known only at run time.
  void raiseIf(llvm::Value* cond, llvm::Value* code, llvm::Value* detail);
  llvm::BasicBlock* trapBlock(native::TrapCode code);

  // ---- runtime state
  // Entry `index` of the VmContext array at fieldOffset, loaded once in the entry block.
  llvm::Value* ctxArrayEntry(size_t fieldOffset, uint32_t index);
  llvm::Value* expectedTypeId(uint32_t typeIndex);
  llvm::Value* loadPtrAt(llvm::Value* base, size_t offset, Tbaa kind, bool invariant, const llvm::Twine& name = "");
  void refreshMemSize();
  // The store's stack limit, read afresh (volatile: never hoisted out of a loop).
  llvm::Value* loadStackLimit();
  bool iterationCallsDefinedFunction(const Instr* loop) const;
  // Traps TrapCode::Interrupted when the store's stack limit is poisoned.
  void pollInterrupt();
  llvm::Value* frameAddress() { return fp_; }

  // ---- calls (function_translator.cpp)
  void call(uint32_t funcIndex);
  void callIndirect(uint32_t typeIndex, uint32_t tableIndex);
  // Calls `target` (a CallTarget*) natively if it has code, else through the runtime.
  std::vector<llvm::Value*> callTarget(llvm::Value* target, uint32_t typeIndex, std::span<llvm::Value* const> args);
  std::vector<llvm::Value*> unpackResults(llvm::Value* ret, const FuncType& type);
  llvm::Value* slotBuffer(uint32_t slots);

  // ---- memory, variables, tables (memory.cpp)
  llvm::Value* effectiveAddress(llvm::Value* addr, uint64_t offset, uint32_t bytes);
  void load(llvm::Type* memType, uint64_t offset, llvm::Type* resultType, bool signExtend);
  void store(llvm::Type* memType, uint64_t offset);
  bool translateMemoryOp(const Instr& in);
  bool translateVariableOp(const Instr& in);
  bool translateTableOp(const Instr& in);
  llvm::Value* tableView(uint32_t table);
  llvm::Value* tableElement(uint32_t table, llvm::Value* index, native::TrapCode outOfBounds);
  llvm::Value* runtimeCall(Rt which, std::initializer_list<llvm::Value*> args);
  void bulk(Rt which, std::initializer_list<llvm::Value*> immediates);

  // ---- numeric (numeric.cpp)
  bool translateNumericOp(const Instr& in);
  llvm::Value* truncChecked(llvm::Value* x, llvm::IntegerType* to, bool isSigned);
  llvm::Value* floatMinMax(llvm::Value* a, llvm::Value* b, bool isMin);
  llvm::Value* floatArithmetic(llvm::Instruction::BinaryOps op, llvm::Value* a, llvm::Value* b);
  llvm::Value* opaque(llvm::Value* v);

  // ---- SIMD (simd.cpp)
  bool translateSimdOp(const Instr& in);
  bool translateSimdSpecial(Op op, const LaneShape& s);
  llvm::Value* simdLoad(Op op, uint64_t offset);
  llvm::Value* swizzle();
  llvm::Value* asVec(llvm::Value* v, unsigned lanes, llvm::Type* lane);
  llvm::Value* asV128(llvm::Value* v) { return b_.CreateBitCast(v, mt_.v128()); }

  ModuleTranslator& mt_;
  const Module& m_;
  const Function& fn_;
  const FuncType& type_;
  llvm::Function* f_;
  llvm::IRBuilder<> b_;
  llvm::Value* ctx_ = nullptr;
  llvm::Value* depth_ = nullptr;          // depthLeft of this activation
  llvm::Value* calleeDepth_ = nullptr;    // depthLeft passed to callees
  llvm::Value* fp_ = nullptr;             // this function's frame address
  llvm::Value* stackLimitPtr_ = nullptr;  // where the store's stack limit lives (VmContext::stackLimit)
  llvm::Value* memBase_ = nullptr;
  llvm::Value* memSizePtr_ = nullptr;
  llvm::AllocaInst* memSize_ = nullptr;  // explicit checks: memory 0's size, reloaded after calls
  llvm::AllocaInst* slots_ = nullptr;
  uint32_t slotsSize_ = 0;
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<ValType> localTypes_;
  std::vector<llvm::Value*> stack_;
  std::vector<Control> ctrls_;
  bool reachable_ = true;
  std::map<native::TrapCode, llvm::BasicBlock*> trapBlocks_;
  std::map<std::pair<size_t, uint32_t>, llvm::Value*> ctxEntries_;
  std::map<uint32_t, llvm::Value*> typeIds_;
  Op unhandled_ = Op::Nop;
};

}  // namespace wasmnn::llvmtier
