// Module-level validation: index spaces, limits, constant expressions,
// segments, start function and exports; bodies go to FunctionValidator.
#include "wasmnn/validator/validator.h"

#include <cstdio>
#include <string_view>
#include <unordered_set>

#include "wasmnn/validator/context.h"

namespace wasmnn {

Error invalidAt(std::string_view message, size_t offset, int64_t funcIndex) {
  char where[64];
  if (funcIndex >= 0) {
    std::snprintf(where, sizeof where, " (at offset 0x%zx, func %lld)", offset, (long long)funcIndex);
  } else {
    std::snprintf(where, sizeof where, " (at offset 0x%zx)", offset);
  }
  return Error{ErrorKind::Invalid, std::string(message) + where};
}

std::string unknownIndex(const char* what, uint32_t index) {
  return std::string("unknown ") + what + " " + std::to_string(index);
}

ValidationContext::ValidationContext(const Module& m) : module(m) {
  funcs.reserve(m.totalFuncs());
  tables.reserve(m.totalTables());
  globals.reserve(m.totalGlobals());
  for (const Import& import : m.imports) {
    switch (import.kind) {
      case ExternKind::Func: funcs.push_back(import.funcType); break;
      case ExternKind::Table: tables.push_back(import.table); break;
      case ExternKind::Memory: memories.push_back(import.memory); break;
      case ExternKind::Global: globals.push_back(import.global); break;
    }
  }
  for (const Function& f : m.functions) funcs.push_back(f.type);
  tables.insert(tables.end(), m.tables.begin(), m.tables.end());
  memories.insert(memories.end(), m.memories.begin(), m.memories.end());
  for (const Global& g : m.globals) globals.push_back(g.type);

  // C.refs: functions named outside of function bodies.
  declaredRefs.assign(funcs.size(), false);
  auto declare = [this](const ConstExpr& e) {
    if (e.kind == ConstExpr::Kind::RefFunc && e.value < declaredRefs.size()) declaredRefs[e.value] = true;
  };
  for (const Global& g : m.globals) declare(g.init);
  for (const ElemSegment& seg : m.elems)
    for (const ConstExpr& e : seg.init) declare(e);
  for (const Export& e : m.exports)
    if (e.kind == ExternKind::Func && e.index < declaredRefs.size()) declaredRefs[e.index] = true;
}

namespace {

// As the spec's messages name index spaces ("unknown function 3").
const char* indexSpaceName(ExternKind kind) { return kind == ExternKind::Func ? "function" : externKindName(kind); }

class ModuleValidator {
 public:
  explicit ModuleValidator(const Module& m) : m_(m), c_(m) {}

  Result<void> run() {
    if (checkImports() && checkTables() && checkMemories() && checkGlobals() && checkFunctions() && checkElems() &&
        checkDatas() && checkStart() && checkExports())
      return {};
    return std::move(error_);
  }

 private:
  bool fail(std::string_view message, size_t offset) {
    error_ = invalidAt(message, offset);
    return false;
  }
  // For parts of the module whose byte offsets the AST does not keep.
  bool failIn(std::string_view message, const char* what, size_t index) {
    error_ = Error{ErrorKind::Invalid, std::string(message) + " (in " + what + " " + std::to_string(index) + ")"};
    return false;
  }

  bool checkTableType(const TableType& t, const char* what, size_t index) {
    if (t.limits.max && t.limits.min > *t.limits.max)
      return failIn("size minimum must not be greater than maximum", what, index);
    return true;
  }

  bool checkMemoryType(const MemoryType& t, const char* what, size_t index) {
    constexpr uint32_t kMaxPages = 65536;
    if (t.limits.min > kMaxPages || (t.limits.max && *t.limits.max > kMaxPages))
      return failIn("memory size must be at most 65536 pages (4GiB)", what, index);
    if (t.limits.max && t.limits.min > *t.limits.max)
      return failIn("size minimum must not be greater than maximum", what, index);
    return true;
  }

  bool checkImports() {
    for (size_t i = 0; i < m_.imports.size(); ++i) {
      const Import& import = m_.imports[i];
      switch (import.kind) {
        case ExternKind::Func:
          if (import.funcType >= m_.types.size()) return failIn(unknownIndex("type", import.funcType), "import", i);
          break;
        case ExternKind::Table:
          if (!checkTableType(import.table, "import", i)) return false;
          break;
        case ExternKind::Memory:
          if (!checkMemoryType(import.memory, "import", i)) return false;
          break;
        case ExternKind::Global: break;
      }
    }
    return true;
  }

  bool checkTables() {
    for (size_t i = 0; i < m_.tables.size(); ++i)
      if (!checkTableType(m_.tables[i], "table", m_.importedTables + i)) return false;
    return true;
  }

  bool checkMemories() {
    for (size_t i = 0; i < m_.memories.size(); ++i)
      if (!checkMemoryType(m_.memories[i], "memory", m_.importedMemories + i)) return false;
    if (c_.memories.size() > 1) return failIn("multiple memories", "memory", 1);
    return true;
  }

  // The type of a constant expression. In 2.0, global.get may only read
  // imported immutable globals, in every constant expression.
  bool constType(const ConstExpr& e, ValType& out) {
    switch (e.kind) {
      case ConstExpr::Kind::I32: out = ValType::I32; return true;
      case ConstExpr::Kind::I64: out = ValType::I64; return true;
      case ConstExpr::Kind::F32: out = ValType::F32; return true;
      case ConstExpr::Kind::F64: out = ValType::F64; return true;
      case ConstExpr::Kind::V128: out = ValType::V128; return true;
      case ConstExpr::Kind::RefNull: out = e.refType; return true;
      case ConstExpr::Kind::RefFunc:
        if (e.value >= c_.funcs.size()) return fail(unknownIndex("function", uint32_t(e.value)), e.offset);
        out = ValType::FuncRef;
        return true;
      case ConstExpr::Kind::GlobalGet:
        if (e.value >= m_.importedGlobals) return fail(unknownIndex("global", uint32_t(e.value)), e.offset);
        if (c_.globals[e.value].mut) return fail("constant expression required", e.offset);
        out = c_.globals[e.value].type;
        return true;
    }
    return fail("constant expression required", e.offset);
  }

  bool checkConst(const ConstExpr& e, ValType expected) {
    ValType t{};
    if (!constType(e, t)) return false;
    return t == expected || fail("type mismatch", e.offset);
  }

  bool checkGlobals() {
    for (const Global& g : m_.globals)
      if (!checkConst(g.init, g.type.type)) return false;
    return true;
  }

  bool checkFunctions() {
    // Every signature first: a body may call a function defined after it.
    for (size_t i = 0; i < m_.functions.size(); ++i) {
      const Function& f = m_.functions[i];
      if (f.type >= m_.types.size()) {
        error_ = invalidAt(unknownIndex("type", f.type), f.bodyOffset, m_.importedFuncs + int64_t(i));
        return false;
      }
    }
    FunctionValidator body(c_);
    for (size_t i = 0; i < m_.functions.size(); ++i) {
      Result<void> r = body.validate(m_.importedFuncs + uint32_t(i), m_.functions[i]);
      if (!r) {
        error_ = std::move(r.error());
        return false;
      }
    }
    return true;
  }

  bool checkElems() {
    for (const ElemSegment& seg : m_.elems) {
      for (const ConstExpr& e : seg.init)
        if (!checkConst(e, seg.type)) return false;
      if (seg.mode != SegmentMode::Active) continue;
      if (seg.table >= c_.tables.size()) return fail(unknownIndex("table", seg.table), seg.offset.offset);
      if (!checkConst(seg.offset, ValType::I32)) return false;
      if (c_.tables[seg.table].elem != seg.type) return fail("type mismatch", seg.offset.offset);
    }
    return true;
  }

  bool checkDatas() {
    for (const DataSegment& seg : m_.datas) {
      if (seg.mode != SegmentMode::Active) continue;
      if (seg.memory >= c_.memories.size()) return fail(unknownIndex("memory", seg.memory), seg.offset.offset);
      if (!checkConst(seg.offset, ValType::I32)) return false;
    }
    return true;
  }

  bool checkStart() {
    if (!m_.start) return true;
    const uint32_t index = *m_.start;
    if (index >= c_.funcs.size()) return failIn(unknownIndex("function", index), "start section", 0);
    const FuncType& type = m_.types[c_.funcs[index]];
    if (!type.params.empty() || !type.results.empty())
      return failIn("start function must have type [] -> []", "start section", 0);
    return true;
  }

  bool checkExports() {
    std::unordered_set<std::string_view> names;
    names.reserve(m_.exports.size());
    for (size_t i = 0; i < m_.exports.size(); ++i) {
      const Export& e = m_.exports[i];
      size_t count = 0;
      switch (e.kind) {
        case ExternKind::Func: count = c_.funcs.size(); break;
        case ExternKind::Table: count = c_.tables.size(); break;
        case ExternKind::Memory: count = c_.memories.size(); break;
        case ExternKind::Global: count = c_.globals.size(); break;
      }
      if (e.index >= count) return failIn(unknownIndex(indexSpaceName(e.kind), e.index), "export", i);
      if (!names.insert(e.name).second) return failIn("duplicate export name", "export", i);
    }
    return true;
  }

  const Module& m_;
  ValidationContext c_;
  Error error_{ErrorKind::Invalid, {}};
};

}  // namespace

Result<void> validateModule(const Module& module) { return ModuleValidator(module).run(); }

}  // namespace wasmnn
