// Module instantiation exactly per the WebAssembly 2.0 spec: resolve and
// type-check imports, allocate, evaluate globals, apply active element then
// data segments (a trap leaves earlier writes in place), run the start function.
#include <cstring>
#include <new>
#include <string>

#include "wasmnn/native/native.h"
#include "wasmnn/runtime/objects.h"

namespace wasmnn {

namespace {

std::string describeLimits(uint64_t min, std::optional<uint32_t> max) {
  std::string s = "{min " + std::to_string(min);
  if (max) s += ", max " + std::to_string(*max);
  return s + "}";
}

std::string describeGlobal(const GlobalType& g) {
  return g.mut ? std::string("(mut ") + valTypeName(g.type) + ")" : std::string(valTypeName(g.type));
}

std::string describeExtern(const wasmnn_extern& e) {
  switch (e.kind) {
    case WASMNN_EXTERN_FUNC: return "func " + toString(*e.of.func->type);
    case WASMNN_EXTERN_TABLE:
      return std::string("table ") + valTypeName(e.of.table->elem) + " " +
             describeLimits(e.of.table->elems.size(), e.of.table->declaredMax);
    case WASMNN_EXTERN_MEMORY: return "memory " + describeLimits(e.of.memory->mem.pages(), e.of.memory->declaredMax);
    case WASMNN_EXTERN_GLOBAL: return "global " + describeGlobal(e.of.global->type);
  }
  return "?";
}

std::string describeImport(const Module& m, const Import& im) {
  switch (im.kind) {
    case ExternKind::Func: return "func " + toString(m.types[im.funcType]);
    case ExternKind::Table:
      return std::string("table ") + valTypeName(im.table.elem) + " " +
             describeLimits(im.table.limits.min, im.table.limits.max);
    case ExternKind::Memory: return "memory " + describeLimits(im.memory.limits.min, im.memory.limits.max);
    case ExternKind::Global: return "global " + describeGlobal(im.global);
  }
  return "?";
}

// Limits subtyping: the provided object must be at least as large and at
// most as growable as the import declares.
bool limitsMatch(uint64_t min, std::optional<uint32_t> max, const Limits& expected) {
  if (min < expected.min) return false;
  if (expected.max && (!max || *max > *expected.max)) return false;
  return true;
}

bool importMatches(const wasmnn_module& module, const Import& im, const wasmnn_extern& e) {
  if (uint8_t(im.kind) != uint8_t(e.kind)) return false;
  switch (im.kind) {
    case ExternKind::Func: return e.of.func->typeId == module.typeIds[im.funcType];
    case ExternKind::Table:
      return e.of.table->elem == im.table.elem &&
             limitsMatch(e.of.table->elems.size(), e.of.table->declaredMax, im.table.limits);
    case ExternKind::Memory: return limitsMatch(e.of.memory->mem.pages(), e.of.memory->declaredMax, im.memory.limits);
    case ExternKind::Global: return e.of.global->type.type == im.global.type && e.of.global->type.mut == im.global.mut;
  }
  return false;
}

uint64_t evalConst(const ConstExpr& e, const wasmnn_instance& inst) {
  switch (e.kind) {
    case ConstExpr::Kind::I32:
    case ConstExpr::Kind::F32: return uint32_t(e.value);
    case ConstExpr::Kind::I64:
    case ConstExpr::Kind::F64: return e.value;
    case ConstExpr::Kind::RefNull: return 0;
    case ConstExpr::Kind::RefFunc: return reinterpret_cast<uintptr_t>(inst.funcs[e.value]);
    case ConstExpr::Kind::GlobalGet: return inst.globals[e.value]->value;
    case ConstExpr::Kind::V128: return e.value;
  }
  return 0;
}

// The high half of a v128 constant (0 for every other type).
uint64_t evalConstHi(const ConstExpr& e, const wasmnn_instance& inst) {
  if (e.kind == ConstExpr::Kind::V128) return e.valueHi;
  if (e.kind == ConstExpr::Kind::GlobalGet) return inst.globals[e.value]->hi;
  return 0;
}

// The latest definition of module.name in the linker; a function from a
// define_funcs table is created in the store here, once.
std::optional<wasmnn_extern> lookup(wasmnn_linker* linker, const std::string& module, const std::string& name) {
  std::optional<wasmnn_extern> found;
  uint64_t order = 0;
  if (auto it = linker->defs.find(std::make_pair(module, name)); it != linker->defs.end()) {
    found = it->second.item;
    order = it->second.order;
  }
  for (auto t = linker->tables.rbegin(); t != linker->tables.rend() && (!found || t->order > order); ++t) {
    for (size_t i = 0; i < t->defs.size(); ++i) {
      const wasmnn_host_func_def& d = t->defs[i];
      if (name != d.name || module != d.module) continue;
      if (!t->made[i]) {
        std::optional<FuncType> type = funcTypeOf(d.type);  // checked at definition; the embedder may break it since
        if (!type) return std::nullopt;
        t->made[i] = newHostFunc(linker->store, std::move(*type), d.callback, t->env, nullptr);
      }
      wasmnn_extern e{};
      e.kind = WASMNN_EXTERN_FUNC;
      e.of.func = t->made[i];
      return e;
    }
  }
  return found;
}

wasmnn_error* resolveImports(wasmnn_linker* linker, const wasmnn_module& module, wasmnn_instance& inst) {
  const Module& m = module.ast;
  for (const Import& im : m.imports) {
    std::optional<wasmnn_extern> def = lookup(linker, im.module, im.name);
    std::string where = "`" + im.module + "." + im.name + "`";
    if (!def) return makeError(WASMNN_ERROR_LINK, "unknown import: " + where);
    const wasmnn_extern& e = *def;
    if (!importMatches(module, im, e))
      return makeError(WASMNN_ERROR_LINK, "incompatible import type for " + where + ": expected " +
                                              describeImport(m, im) + ", found " + describeExtern(e));
    switch (e.kind) {
      case WASMNN_EXTERN_FUNC: inst.funcs.push_back(e.of.func); break;
      case WASMNN_EXTERN_TABLE: inst.tables.push_back(e.of.table); break;
      case WASMNN_EXTERN_MEMORY: inst.memories.push_back(e.of.memory); break;
      case WASMNN_EXTERN_GLOBAL: inst.globals.push_back(e.of.global); break;
    }
  }
  return nullptr;
}

// Checked for the whole module before anything is allocated, so a module
// that cannot fit leaves the store as it was.
wasmnn_error* checkTotals(const wasmnn_store& store, const Module& m) {
  uint64_t elements = 0, pages = 0;
  for (const TableType& t : m.tables) elements += t.limits.min;
  for (const MemoryType& mt : m.memories) pages += mt.limits.min;
  if (!tableFits(store, elements))
    return makeError(WASMNN_ERROR_HOST, "the module's tables of " + std::to_string(elements) +
                                            " elements exceed the store's total of " +
                                            std::to_string(store.config.max_store_table_elements) + " table elements");
  if (!memoryFits(store, pages))
    return makeError(WASMNN_ERROR_HOST, "the module's memories of " + std::to_string(pages) +
                                            " pages exceed the store's total of " +
                                            std::to_string(store.config.max_store_memory_bytes) + " bytes");
  return nullptr;
}

wasmnn_error* allocate(wasmnn_store* store, wasmnn_module& module, wasmnn_instance& inst) {
  const Module& m = module.ast;
  if (wasmnn_error* e = checkTotals(*store, m)) return e;
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    auto f = std::make_unique<wasmnn_func>();
    uint32_t typeIndex = m.functions[i].type;
    f->type = &m.types[typeIndex];
    f->typeId = module.typeIds[typeIndex];
    f->store = store;
    f->instance = &inst;
    f->index = m.importedFuncs + i;
    inst.funcs.push_back(f.get());
    store->funcs.push_back(std::move(f));
  }
  for (const TableType& t : m.tables) {
    auto table = newTable(store, t.elem, t.limits.min, t.limits.max);
    if (!table) return makeError(table.error());
    inst.tables.push_back(*table);
  }
  for (const MemoryType& mt : m.memories) {
    auto mem = newMemory(store, mt.limits.min, mt.limits.max);
    if (!mem) return makeError(mem.error());
    inst.memories.push_back(*mem);
  }
  inst.mem0 = inst.memories.empty() ? emptyMemory() : inst.memories[0];
  for (const Global& g : m.globals) {
    inst.globals.push_back(newGlobal(store, g.type, evalConst(g.init, inst)));
    inst.globals.back()->hi = evalConstHi(g.init, inst);
  }
  for (const ElemSegment& seg : m.elems) {
    std::vector<uint64_t> refs;
    refs.reserve(seg.init.size());
    for (const ConstExpr& e : seg.init) refs.push_back(evalConst(e, inst));
    inst.elems.push_back(std::move(refs));
  }
  for (const DataSegment& seg : m.datas) inst.datas.emplace_back(seg.bytes);
  for (const Export& e : m.exports) {
    wasmnn_extern x{};
    x.kind = wasmnn_externkind(e.kind);
    switch (e.kind) {
      case ExternKind::Func: x.of.func = inst.funcs[e.index]; break;
      case ExternKind::Table: x.of.table = inst.tables[e.index]; break;
      case ExternKind::Memory: x.of.memory = inst.memories[e.index]; break;
      case ExternKind::Global: x.of.global = inst.globals[e.index]; break;
    }
    inst.exports.push_back(x);
  }
  return nullptr;
}

// Active segments are applied in order, then dropped; declarative ones are
// dropped too. A trap stops here, leaving earlier writes in place.
wasmnn_error* applySegments(const Module& m, wasmnn_instance& inst) {
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == SegmentMode::Passive) continue;
    if (seg.mode == SegmentMode::Active) {
      uint64_t offset = uint32_t(evalConst(seg.offset, inst));
      std::vector<uint64_t>& table = inst.tables[seg.table]->elems;
      const std::vector<uint64_t>& refs = inst.elems[i];
      if (offset + refs.size() > table.size()) return makeError(WASMNN_ERROR_TRAP, "out of bounds table access");
      std::copy(refs.begin(), refs.end(), table.begin() + offset);
    }
    inst.elems[i].clear();
  }
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    uint64_t offset = uint32_t(evalConst(seg.offset, inst));
    wasmnn_memory* mem = inst.memories[seg.memory];
    if (offset + seg.bytes.size() > mem->mem.size()) return makeError(WASMNN_ERROR_TRAP, "out of bounds memory access");
    if (!seg.bytes.empty()) std::memcpy(mem->mem.data() + offset, seg.bytes.data(), seg.bytes.size());
    inst.datas[i] = {};
  }
  return nullptr;
}

wasmnn_error* instantiateChecked(wasmnn_linker* linker, wasmnn_module* module, wasmnn_instance** out) {
  wasmnn_store* store = linker->store;
  if (store->instances.size() >= store->config.max_store_instances)
    return makeError(WASMNN_ERROR_HOST, "the store already holds its maximum of " +
                                            std::to_string(store->config.max_store_instances) + " instances");
  auto owned = std::make_unique<wasmnn_instance>();
  wasmnn_instance& inst = *owned;
  inst.module = module;
  module->retain();
  inst.store = store;
  if (wasmnn_error* e = resolveImports(linker, *module, inst)) return e;
  // From here on the store owns the instance: its functions may end up in
  // imported tables even if instantiation fails later.
  store->instances.push_back(std::move(owned));
  if (wasmnn_error* e = allocate(store, *module, inst)) return e;
  if (module->native)
    if (wasmnn_error* e = native::bindInstance(inst)) return e;
  if (wasmnn_error* e = applySegments(module->ast, inst)) return e;
  if (module->ast.start) {
    if (wasmnn_error* e = invoke(inst.funcs[*module->ast.start], nullptr, nullptr)) return e;
  }
  *out = &inst;
  return nullptr;
}

}  // namespace

// What the host allocates for an instance grows with the module's size (the
// tables, the part a guest can inflate, are capped per store); running out of
// host memory anyway is an error, never an abort.
wasmnn_error* instantiate(wasmnn_linker* linker, wasmnn_module* module, wasmnn_instance** out) {
  *out = nullptr;
  try {
    return instantiateChecked(linker, module, out);
  } catch (const std::bad_alloc&) {
    *out = nullptr;
    return makeError(WASMNN_ERROR_HOST, "out of host memory while instantiating");
  }
}

}  // namespace wasmnn
