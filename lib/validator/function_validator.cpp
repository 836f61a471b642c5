// Function bodies: the validation algorithm of the spec's appendix, over the
// loader's flat instruction vector. Operand and control stacks are reused
// between functions, so checking a body allocates nothing in the steady state.
#include <array>

#include "wasmnn/common/simd.h"
#include "wasmnn/validator/context.h"

namespace wasmnn {
namespace {

// Storage for the one-result signature of `block (result t)`.
constexpr ValType kSingle[] = {ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
                               ValType::V128, ValType::FuncRef, ValType::ExternRef};

const ValType* singleType(uint8_t code) {
  for (const ValType& t : kSingle)
    if (uint8_t(t) == code) return &t;
  return nullptr;
}

// Numeric or vector: what untyped select accepts.
bool isNumOrVec(uint8_t t) {
  return t == uint8_t(ValType::I32) || t == uint8_t(ValType::I64) || t == uint8_t(ValType::F32) ||
         t == uint8_t(ValType::F64) || t == uint8_t(ValType::V128);
}

// Operand and result types of the plain numeric instructions, by opcode.
struct Signature {
  uint8_t arity = 0;  // 0: not a numeric instruction
  ValType operand = ValType::I32;
  ValType result = ValType::I32;
};

constexpr std::array<Signature, 0x108> makeSignatures() {
  std::array<Signature, 0x108> s{};
  constexpr ValType i32 = ValType::I32, i64 = ValType::I64, f32 = ValType::F32, f64 = ValType::F64;
  auto range = [&s](unsigned first, unsigned last, uint8_t arity, ValType operand, ValType result) {
    for (unsigned op = first; op <= last; ++op) s[op] = {arity, operand, result};
  };
  range(0x45, 0x45, 1, i32, i32);  // i32.eqz
  range(0x46, 0x4F, 2, i32, i32);  // i32 comparisons
  range(0x50, 0x50, 1, i64, i32);  // i64.eqz
  range(0x51, 0x5A, 2, i64, i32);
  range(0x5B, 0x60, 2, f32, i32);
  range(0x61, 0x66, 2, f64, i32);
  range(0x67, 0x69, 1, i32, i32);  // clz ctz popcnt
  range(0x6A, 0x78, 2, i32, i32);
  range(0x79, 0x7B, 1, i64, i64);
  range(0x7C, 0x8A, 2, i64, i64);
  range(0x8B, 0x91, 1, f32, f32);
  range(0x92, 0x98, 2, f32, f32);
  range(0x99, 0x9F, 1, f64, f64);
  range(0xA0, 0xA6, 2, f64, f64);
  range(0xA7, 0xA7, 1, i64, i32);  // i32.wrap_i64
  range(0xA8, 0xA9, 1, f32, i32);
  range(0xAA, 0xAB, 1, f64, i32);
  range(0xAC, 0xAD, 1, i32, i64);
  range(0xAE, 0xAF, 1, f32, i64);
  range(0xB0, 0xB1, 1, f64, i64);
  range(0xB2, 0xB3, 1, i32, f32);
  range(0xB4, 0xB5, 1, i64, f32);
  range(0xB6, 0xB6, 1, f64, f32);
  range(0xB7, 0xB8, 1, i32, f64);
  range(0xB9, 0xBA, 1, i64, f64);
  range(0xBB, 0xBB, 1, f32, f64);
  range(0xBC, 0xBC, 1, f32, i32);  // reinterpretations
  range(0xBD, 0xBD, 1, f64, i64);
  range(0xBE, 0xBE, 1, i32, f32);
  range(0xBF, 0xBF, 1, i64, f64);
  range(0xC0, 0xC1, 1, i32, i32);  // sign extension
  range(0xC2, 0xC4, 1, i64, i64);
  range(0x100, 0x101, 1, f32, i32);  // saturating truncation
  range(0x102, 0x103, 1, f64, i32);
  range(0x104, 0x105, 1, f32, i64);
  range(0x106, 0x107, 1, f64, i64);
  return s;
}
constexpr auto kSignatures = makeSignatures();

// Value type and natural alignment (log2 of the access size) of loads and stores.
struct Access {
  ValType type;
  uint8_t log2Size;
  bool store;
};

Access accessOf(Op op) {
  switch (op) {
    case Op::I32Load: return {ValType::I32, 2, false};
    case Op::I64Load: return {ValType::I64, 3, false};
    case Op::F32Load: return {ValType::F32, 2, false};
    case Op::F64Load: return {ValType::F64, 3, false};
    case Op::I32Load8S:
    case Op::I32Load8U: return {ValType::I32, 0, false};
    case Op::I32Load16S:
    case Op::I32Load16U: return {ValType::I32, 1, false};
    case Op::I64Load8S:
    case Op::I64Load8U: return {ValType::I64, 0, false};
    case Op::I64Load16S:
    case Op::I64Load16U: return {ValType::I64, 1, false};
    case Op::I64Load32S:
    case Op::I64Load32U: return {ValType::I64, 2, false};
    case Op::I32Store: return {ValType::I32, 2, true};
    case Op::I64Store: return {ValType::I64, 3, true};
    case Op::F32Store: return {ValType::F32, 2, true};
    case Op::F64Store: return {ValType::F64, 3, true};
    case Op::I32Store8: return {ValType::I32, 0, true};
    case Op::I32Store16: return {ValType::I32, 1, true};
    case Op::I64Store8: return {ValType::I64, 0, true};
    case Op::I64Store16: return {ValType::I64, 1, true};
    default: return {ValType::I64, 2, true};  // i64.store32
  }
}

}  // namespace

Result<void> FunctionValidator::validate(uint32_t funcIndex, const Function& function) {
  function_ = &function;
  funcIndex_ = funcIndex;
  offset_ = function.bodyOffset;
  failed_ = false;
  const FuncType& type = c_.module.types[function.type];
  locals_.assign(type.params.begin(), type.params.end());
  locals_.insert(locals_.end(), function.locals.begin(), function.locals.end());
  vals_.clear();
  ctrls_.clear();
  Frame body{Op::Block, nullptr, 0, type.results.data(), uint32_t(type.results.size()), 0, false};
  pushFrame(Op::Block, body);
  for (const Instr& in : function.code) {
    offset_ = in.offset;
    // The loader stops each body at its final `end`, so an empty control
    // stack here means an instruction follows it (a hand-made Module).
    if (ctrls_.empty()) {
      fail("unexpected instruction after function end");
      break;
    }
    if (!instr(in)) break;
  }
  if (!failed_ && !ctrls_.empty()) fail("END opcode expected");
  if (failed_) return std::move(error_);
  return {};
}

bool FunctionValidator::fail(std::string_view message) {
  if (!failed_) error_ = invalidAt(message, offset_, funcIndex_);
  failed_ = true;
  return false;
}

// ---- Stacks ----

void FunctionValidator::pushAll(const ValType* types, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) push(types[i]);
}

bool FunctionValidator::pop(uint8_t& out) {
  const Frame& frame = ctrls_.back();
  if (vals_.size() == frame.height) {
    out = kUnknown;
    return frame.unreachable || fail("type mismatch");
  }
  out = vals_.back();
  vals_.pop_back();
  return true;
}

bool FunctionValidator::pop(ValType expect) {
  uint8_t actual;
  if (!pop(actual)) return false;
  return actual == uint8_t(expect) || actual == kUnknown || fail("type mismatch");
}

bool FunctionValidator::popAll(const ValType* types, uint32_t n) {
  for (uint32_t i = n; i-- > 0;)
    if (!pop(types[i])) return false;
  return true;
}

// Checks the top n operands against `types` and leaves them in place, as they
// were (an Unknown operand stays Unknown for the next br_table target).
bool FunctionValidator::popAndRestore(const ValType* types, uint32_t n) {
  popped_.clear();
  for (uint32_t k = n; k-- > 0;) {
    uint8_t t;
    if (!pop(t)) return false;
    if (t != uint8_t(types[k]) && t != kUnknown) return fail("type mismatch");
    popped_.push_back(t);
  }
  for (uint32_t k = n; k-- > 0;) push(popped_[k]);
  return true;
}

bool FunctionValidator::pushFrame(Op op, const Frame& signature) {
  Frame frame = signature;
  frame.op = op;
  frame.height = uint32_t(vals_.size());
  frame.unreachable = false;
  ctrls_.push_back(frame);
  pushAll(frame.params, frame.paramCount);
  return true;
}

bool FunctionValidator::popFrame(Frame& out) {
  const Frame& frame = ctrls_.back();
  if (!popAll(frame.results, frame.resultCount)) return false;
  if (vals_.size() != frame.height) return fail("type mismatch");
  out = frame;
  ctrls_.pop_back();
  return true;
}

void FunctionValidator::markUnreachable() {
  Frame& frame = ctrls_.back();
  vals_.resize(frame.height);
  frame.unreachable = true;
}

void FunctionValidator::labelTypes(const Frame& f, const ValType*& types, uint32_t& n) {
  if (f.op == Op::Loop) {
    types = f.params, n = f.paramCount;
  } else {
    types = f.results, n = f.resultCount;
  }
}

// ---- Instructions ----

bool FunctionValidator::instr(const Instr& in) {
  const unsigned code = unsigned(in.op);
  if (code < kSignatures.size() && kSignatures[code].arity != 0) return numeric(in);
  switch (in.op) {
    case Op::LocalGet:
    case Op::LocalSet:
    case Op::LocalTee:
    case Op::GlobalGet:
    case Op::GlobalSet: return variable(in);
    case Op::TableGet:
    case Op::TableSet:
    case Op::TableGrow:
    case Op::TableSize:
    case Op::TableFill:
    case Op::TableInit:
    case Op::ElemDrop:
    case Op::TableCopy: return table(in);
    case Op::RefNull:
    case Op::RefIsNull:
    case Op::RefFunc: return reference(in);
    case Op::MemoryInit:
    case Op::DataDrop:
    case Op::MemoryCopy:
    case Op::MemoryFill: return bulk(in);
    case Op::I32Const: push(ValType::I32); return true;
    case Op::I64Const: push(ValType::I64); return true;
    case Op::F32Const: push(ValType::F32); return true;
    case Op::F64Const: push(ValType::F64); return true;
    default: break;
  }
  if (in.op >= Op::I32Load && in.op <= Op::MemoryGrow) return memory(in);
  if (isSimd(in.op)) return simd(in);
  return control(in);
}

bool FunctionValidator::numeric(const Instr& in) {
  const Signature& sig = kSignatures[unsigned(in.op)];
  for (uint8_t i = 0; i < sig.arity; ++i)
    if (!pop(sig.operand)) return false;
  push(sig.result);
  return true;
}

bool FunctionValidator::blockSignature(const BlockType& bt, Frame& frame) {
  frame.params = frame.results = nullptr;
  frame.paramCount = frame.resultCount = 0;
  switch (bt.kind) {
    case BlockType::Kind::Empty: return true;
    case BlockType::Kind::Value:
      frame.results = singleType(bt.valType);
      frame.resultCount = 1;
      return frame.results != nullptr || fail("malformed block type");
    case BlockType::Kind::TypeIndex: {
      if (bt.typeIndex >= c_.module.types.size()) return fail(unknownIndex("type", bt.typeIndex));
      const FuncType& type = c_.module.types[bt.typeIndex];
      frame.params = type.params.data(), frame.paramCount = uint32_t(type.params.size());
      frame.results = type.results.data(), frame.resultCount = uint32_t(type.results.size());
      return true;
    }
  }
  return fail("malformed block type");
}

bool FunctionValidator::branch(uint32_t depth, Frame*& target) {
  if (depth >= ctrls_.size()) return fail(unknownIndex("label", depth));
  target = &ctrls_[ctrls_.size() - 1 - depth];
  return true;
}

bool FunctionValidator::control(const Instr& in) {
  Frame frame{}, *target = nullptr;
  const ValType* types = nullptr;
  uint32_t n = 0;
  switch (in.op) {
    case Op::Unreachable: markUnreachable(); return true;
    case Op::Nop: return true;
    case Op::Block:
    case Op::Loop:
      return blockSignature(in.blockType, frame) && popAll(frame.params, frame.paramCount) && pushFrame(in.op, frame);
    case Op::If:
      return blockSignature(in.blockType, frame) && pop(ValType::I32) && popAll(frame.params, frame.paramCount) &&
             pushFrame(in.op, frame);
    case Op::Else:
      if (ctrls_.back().op != Op::If) return fail("misplaced ELSE opcode");
      return popFrame(frame) && pushFrame(Op::Else, frame);
    case Op::End:
      if (!popFrame(frame)) return false;
      // An `if` without `else` passes its parameters through the missing branch.
      if (frame.op == Op::If && (frame.paramCount != frame.resultCount ||
                                 !std::equal(frame.params, frame.params + frame.paramCount, frame.results)))
        return fail("type mismatch");
      pushAll(frame.results, frame.resultCount);
      return true;
    case Op::Br:
      if (!branch(in.a, target)) return false;
      labelTypes(*target, types, n);
      if (!popAll(types, n)) return false;
      markUnreachable();
      return true;
    case Op::BrIf:
      if (!branch(in.a, target) || !pop(ValType::I32)) return false;
      labelTypes(*target, types, n);
      if (!popAll(types, n)) return false;
      pushAll(types, n);
      return true;
    case Op::BrTable: {
      // The loader always stores at least the default target; guard hand-made modules.
      if (in.b == 0 || size_t(in.a) + in.b > function_->brTableTargets.size()) return fail("malformed br_table");
      if (!pop(ValType::I32)) return false;
      const uint32_t* labels = function_->brTableTargets.data() + in.a;
      Frame* fallback = nullptr;  // the default target, last in the list
      if (!branch(labels[in.b - 1], fallback)) return false;
      uint32_t arity;
      labelTypes(*fallback, types, arity);
      for (uint32_t i = 0; i + 1 < in.b; ++i) {
        if (!branch(labels[i], target)) return false;
        labelTypes(*target, types, n);
        if (n != arity) return fail("type mismatch");
        if (!popAndRestore(types, n)) return false;
      }
      labelTypes(*fallback, types, n);
      if (!popAll(types, n)) return false;
      markUnreachable();
      return true;
    }
    case Op::Return: {
      const Frame& body = ctrls_.front();
      if (!popAll(body.results, body.resultCount)) return false;
      markUnreachable();
      return true;
    }
    case Op::Call:
    case Op::CallIndirect: {
      uint32_t typeIndex = 0;
      if (in.op == Op::Call) {
        if (in.a >= c_.funcs.size()) return fail(unknownIndex("function", in.a));
        typeIndex = c_.funcs[in.a];
      } else {
        if (in.b >= c_.tables.size()) return fail(unknownIndex("table", in.b));
        if (c_.tables[in.b].elem != ValType::FuncRef) return fail("type mismatch");
        if (in.a >= c_.module.types.size()) return fail(unknownIndex("type", in.a));
        typeIndex = in.a;
        if (!pop(ValType::I32)) return false;
      }
      const FuncType& type = c_.module.types[typeIndex];
      if (!popAll(type.params.data(), uint32_t(type.params.size()))) return false;
      pushAll(type.results.data(), uint32_t(type.results.size()));
      return true;
    }
    case Op::Drop: {
      uint8_t t;
      return pop(t);
    }
    case Op::Select: {
      uint8_t t1, t2;
      if (!pop(ValType::I32) || !pop(t1) || !pop(t2)) return false;
      // Untyped select is for numeric and vector operands only.
      if ((t1 != kUnknown && !isNumOrVec(t1)) || (t2 != kUnknown && !isNumOrVec(t2))) return fail("type mismatch");
      if (t1 != t2 && t1 != kUnknown && t2 != kUnknown) return fail("type mismatch");
      push(t1 == kUnknown ? t2 : t1);
      return true;
    }
    case Op::SelectT: {
      if (in.a == 0) return fail("invalid result arity");
      const ValType t = ValType(in.a);
      if (!pop(ValType::I32) || !pop(t) || !pop(t)) return false;
      push(t);
      return true;
    }
    default: return fail("illegal opcode");
  }
}

bool FunctionValidator::variable(const Instr& in) {
  if (in.op == Op::GlobalGet || in.op == Op::GlobalSet) {
    if (in.a >= c_.globals.size()) return fail(unknownIndex("global", in.a));
    const GlobalType& g = c_.globals[in.a];
    if (in.op == Op::GlobalGet) {
      push(g.type);
      return true;
    }
    if (!g.mut) return fail("global is immutable");
    return pop(g.type);
  }
  if (in.a >= locals_.size()) return fail(unknownIndex("local", in.a));
  const ValType t = locals_[in.a];
  switch (in.op) {
    case Op::LocalGet: push(t); return true;
    case Op::LocalSet: return pop(t);
    default:
      if (!pop(t)) return false;
      push(t);
      return true;  // local.tee
  }
}

bool FunctionValidator::memoryExists() { return !c_.memories.empty() || fail(unknownIndex("memory", 0)); }

bool FunctionValidator::memory(const Instr& in) {
  if (!memoryExists()) return false;
  if (in.op == Op::MemorySize) {
    push(ValType::I32);
    return true;
  }
  if (in.op == Op::MemoryGrow) {
    if (!pop(ValType::I32)) return false;
    push(ValType::I32);
    return true;
  }
  const Access access = accessOf(in.op);
  if (in.a > access.log2Size) return fail("alignment must not be larger than natural");
  if (access.store) return pop(access.type) && pop(ValType::I32);
  if (!pop(ValType::I32)) return false;
  push(access.type);
  return true;
}

bool FunctionValidator::table(const Instr& in) {
  auto tableType = [this](uint32_t index, ValType& out) {
    if (index >= c_.tables.size()) return fail(unknownIndex("table", index));
    out = c_.tables[index].elem;
    return true;
  };
  auto elemType = [this](uint32_t index, ValType& out) {
    if (index >= c_.module.elems.size()) return fail(unknownIndex("elem segment", index));
    out = c_.module.elems[index].type;
    return true;
  };
  ValType t{}, u{};
  switch (in.op) {
    case Op::TableGet:
      if (!tableType(in.a, t) || !pop(ValType::I32)) return false;
      push(t);
      return true;
    case Op::TableSet: return tableType(in.a, t) && pop(t) && pop(ValType::I32);
    case Op::TableSize:
      if (!tableType(in.a, t)) return false;
      push(ValType::I32);
      return true;
    case Op::TableGrow:
      if (!tableType(in.a, t) || !pop(ValType::I32) || !pop(t)) return false;
      push(ValType::I32);
      return true;
    case Op::TableFill: return tableType(in.a, t) && pop(ValType::I32) && pop(t) && pop(ValType::I32);
    case Op::ElemDrop: return elemType(in.a, t);
    case Op::TableInit:  // a = elem, b = table
      if (!tableType(in.b, t) || !elemType(in.a, u)) return false;
      break;
    default:  // table.copy: a = destination, b = source
      if (!tableType(in.a, t) || !tableType(in.b, u)) return false;
      break;
  }
  if (t != u) return fail("type mismatch");
  return pop(ValType::I32) && pop(ValType::I32) && pop(ValType::I32);
}

bool FunctionValidator::reference(const Instr& in) {
  switch (in.op) {
    case Op::RefNull: push(uint8_t(in.a)); return true;
    case Op::RefIsNull: {
      uint8_t t;
      if (!pop(t)) return false;
      if (t != kUnknown && !isRefType(ValType(t))) return fail("type mismatch");
      push(ValType::I32);
      return true;
    }
    default:  // ref.func
      if (in.a >= c_.funcs.size()) return fail(unknownIndex("function", in.a));
      if (!c_.declaredRefs[in.a]) return fail("undeclared function reference");
      push(ValType::FuncRef);
      return true;
  }
}

bool FunctionValidator::bulk(const Instr& in) {
  if (in.op != Op::DataDrop && !memoryExists()) return false;
  if ((in.op == Op::MemoryInit || in.op == Op::DataDrop) && in.a >= c_.module.datas.size())
    return fail(unknownIndex("data segment", in.a));
  if (in.op == Op::DataDrop) return true;
  // memory.init, memory.copy and memory.fill all take three i32 operands.
  return pop(ValType::I32) && pop(ValType::I32) && pop(ValType::I32);
}

}  // namespace wasmnn
