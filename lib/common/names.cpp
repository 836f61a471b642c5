// Names of opcodes, value types and extern kinds, for messages and tooling.
#include <string>

#include "wasmnn/ast/instruction.h"
#include "wasmnn/ast/module.h"

namespace wasmnn {

Imm immediateOf(Op op) {
  switch (op) {
    // clang-format off
#define WASMNN_OP(name, code, imm, text) \
  case Op::name:                          \
    return Imm::imm;
#include "wasmnn/ast/opcodes.def"
    // clang-format on
  }
  return Imm::None;
}

const char* opName(Op op) {
  switch (op) {
    // clang-format off
#define WASMNN_OP(name, code, imm, text) \
  case Op::name:                          \
    return text;
#include "wasmnn/ast/opcodes.def"
    // clang-format on
  }
  return "<unknown opcode>";
}

const char* valTypeName(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "<unknown type>";
}

static void appendTypeList(std::string& out, const std::vector<ValType>& types) {
  out += '(';
  for (size_t i = 0; i < types.size(); ++i) {
    if (i != 0) out += ", ";
    out += valTypeName(types[i]);
  }
  out += ')';
}

std::string toString(const FuncType& type) {
  std::string out;
  appendTypeList(out, type.params);
  out += " -> ";
  appendTypeList(out, type.results);
  return out;
}

const char* externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "<unknown kind>";
}

}  // namespace wasmnn
