// What the validator knows about a module while checking it: the spec's
// context C (types of every function, table, memory, global, element segment,
// and the declared function references C.refs), flattened over imports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wasmnn/ast/module.h"
#include "wasmnn/common/error.h"

namespace wasmnn {

struct ValidationContext {
  explicit ValidationContext(const Module& module);

  const Module& module;
  std::vector<uint32_t> funcs;  // type index of every function, imports first
  std::vector<TableType> tables;
  std::vector<MemoryType> memories;
  std::vector<GlobalType> globals;
  std::vector<bool> declaredRefs;  // C.refs: function indices that ref.func may name
};

// "message (at offset 0x2a)", or "... , func 3)" when funcIndex is given.
Error invalidAt(std::string_view message, size_t offset, int64_t funcIndex = -1);
// "unknown global 7": the spec's message for an index out of range.
std::string unknownIndex(const char* what, uint32_t index);

// Checks one defined function's body (the spec's validation algorithm).
class FunctionValidator {
 public:
  explicit FunctionValidator(const ValidationContext& context) : c_(context) {}
  Result<void> validate(uint32_t funcIndex, const Function& function);

 private:
  struct Frame {
    Op op;
    const ValType* params;
    uint32_t paramCount;
    const ValType* results;
    uint32_t resultCount;
    uint32_t height;  // operand stack height at entry
    bool unreachable;
  };
  static constexpr uint8_t kUnknown = 0;  // the algorithm's Unknown type on the stack

  bool instr(const Instr& in);
  bool control(const Instr& in);
  bool variable(const Instr& in);
  bool memory(const Instr& in);
  bool table(const Instr& in);
  bool reference(const Instr& in);
  bool bulk(const Instr& in);
  bool numeric(const Instr& in);
  bool simd(const Instr& in);  // simd_validator.cpp
  bool blockSignature(const BlockType& bt, Frame& frame);
  bool branch(uint32_t depth, Frame*& target);

  void push(uint8_t t) { vals_.push_back(t); }
  void push(ValType t) { vals_.push_back(uint8_t(t)); }
  void pushAll(const ValType* types, uint32_t n);
  bool pop(uint8_t& out);
  bool pop(ValType expect);
  bool popAll(const ValType* types, uint32_t n);
  bool popAndRestore(const ValType* types, uint32_t n);
  bool pushFrame(Op op, const Frame& signature);
  bool popFrame(Frame& out);
  void markUnreachable();
  static void labelTypes(const Frame& f, const ValType*& types, uint32_t& n);

  bool memoryExists();
  bool fail(std::string_view message);

  const ValidationContext& c_;
  std::vector<ValType> locals_;
  std::vector<uint8_t> vals_;
  std::vector<Frame> ctrls_;
  std::vector<uint8_t> popped_;  // br_table's re-pushed operands
  const Function* function_ = nullptr;
  uint32_t funcIndex_ = 0;
  uint32_t offset_ = 0;  // of the instruction being checked
  Error error_{ErrorKind::Invalid, {}};
  bool failed_ = false;
};

}  // namespace wasmnn
