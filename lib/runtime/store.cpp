// Store-owned object allocation, type interning and error objects.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <string_view>

#include "wasmnn/runtime/guard.h"
#include "wasmnn/runtime/objects.h"

wasmnn_store::~wasmnn_store() {
  // Instances first: they drop their module references.
  instances.clear();
  for (auto& f : funcs)
    if (f->finalizer) f->finalizer(f->env);
  for (auto& [finalizer, env] : envFinalizers) finalizer(env);
}

namespace wasmnn {

namespace {

// AUTO becomes what WASMNN_BOUNDS_CHECKS says ("guard" or "explicit", so
// whole test suites can run in either mode), else the tier's default; GUARD
// degrades to EXPLICIT where it cannot work. The interpreter defaults to
// explicit checks: they measured as fast (bench/: geomean within 1 %; nbody
// and mixed 7-15 % faster, sha256 and float64 a few % slower, on AMD EPYC)
// without reserving 8 GiB per memory or installing a SIGSEGV handler in the
// embedder's process. Compiled code defaults to guard pages, which let LLVM
// vectorise loops a bounds check per access would stop (bench/README.md).
uint32_t resolveBoundsChecks(uint32_t mode, uint32_t tier) {
  if (mode == WASMNN_BOUNDS_AUTO) {
    const char* env = std::getenv("WASMNN_BOUNDS_CHECKS");
    if (env && std::string_view(env) == "guard")
      mode = WASMNN_BOUNDS_GUARD;
    else if (env && std::string_view(env) == "explicit")
      mode = WASMNN_BOUNDS_EXPLICIT;
    else
      mode = tier == WASMNN_TIER_COMPILED ? WASMNN_BOUNDS_GUARD : WASMNN_BOUNDS_EXPLICIT;
  }
  return mode == WASMNN_BOUNDS_GUARD && guardPagesSupported() ? WASMNN_BOUNDS_GUARD : WASMNN_BOUNDS_EXPLICIT;
}

// AUTO becomes COMPILED when WASMNN_TIER says "compiled" (so whole test
// suites can run compiled), else INTERPRETER: it starts in ~2 ms, while
// compiling needs LLVM (README.md, "Speed").
uint32_t resolveTier(uint32_t tier) {
  if (tier != WASMNN_TIER_AUTO) return tier == WASMNN_TIER_COMPILED ? WASMNN_TIER_COMPILED : WASMNN_TIER_INTERPRETER;
  const char* env = std::getenv("WASMNN_TIER");
  return env && std::string_view(env) == "compiled" ? WASMNN_TIER_COMPILED : WASMNN_TIER_INTERPRETER;
}

}  // namespace

wasmnn_config normalizeConfig(const wasmnn_config* config) {
  wasmnn_config c{};
  if (config) c = *config;
  if (c.max_call_depth == 0) c.max_call_depth = kDefaultMaxCallDepth;
  if (c.value_stack_bytes == 0) c.value_stack_bytes = kDefaultValueStackBytes;
  if (c.max_memory_pages == 0 || c.max_memory_pages > kDefaultMaxMemoryPages)
    c.max_memory_pages = kDefaultMaxMemoryPages;
  if (c.max_table_elements == 0) c.max_table_elements = kDefaultMaxTableElements;
  if (c.max_store_table_elements == 0) c.max_store_table_elements = kDefaultMaxStoreTableElements;
  if (c.max_store_memory_bytes == 0) c.max_store_memory_bytes = UINT64_MAX;
  if (c.max_store_instances == 0) c.max_store_instances = kDefaultMaxStoreInstances;
  c.tier = resolveTier(c.tier);
  c.bounds_checks = resolveBoundsChecks(c.bounds_checks, c.tier);
  if (c.opt_level == 0) c.opt_level = kDefaultOptLevel;
  c.opt_level = std::min(c.opt_level, 3u);
  return c;
}

uint32_t internFuncType(const FuncType& type) {
  static std::mutex mutex;
  static std::map<std::string, uint32_t> ids;
  std::string key;
  key.reserve(type.params.size() + type.results.size() + 1);
  for (ValType t : type.params) key += char(t);
  key += '\0';
  for (ValType t : type.results) key += char(t);
  std::lock_guard lock(mutex);
  auto [it, inserted] = ids.try_emplace(std::move(key), uint32_t(ids.size()));
  return it->second;
}

wasmnn_error* makeError(wasmnn_error_kind kind, std::string message) {
  auto* e = new wasmnn_error;
  e->kind = kind;
  e->message = std::move(message);
  return e;
}

wasmnn_error* makeError(const Error& error) {
  wasmnn_error_kind kind = WASMNN_ERROR_HOST;
  switch (error.kind) {
    case ErrorKind::Malformed: kind = WASMNN_ERROR_MALFORMED; break;
    case ErrorKind::Invalid: kind = WASMNN_ERROR_INVALID; break;
    case ErrorKind::Link: kind = WASMNN_ERROR_LINK; break;
    case ErrorKind::Trap: kind = WASMNN_ERROR_TRAP; break;
    case ErrorKind::Exhaustion: kind = WASMNN_ERROR_EXHAUSTION; break;
    case ErrorKind::Exit: kind = WASMNN_ERROR_EXIT; break;
    case ErrorKind::Host: kind = WASMNN_ERROR_HOST; break;
  }
  return makeError(kind, error.message);
}

wasmnn_func* newHostFunc(wasmnn_store* store, FuncType type, wasmnn_host_callback cb, void* env, wasmnn_finalizer fin) {
  auto f = std::make_unique<wasmnn_func>();
  f->hostType = std::move(type);
  f->type = &f->hostType;
  f->typeId = internFuncType(f->hostType);
  f->store = store;
  f->callback = cb;
  f->env = env;
  f->finalizer = fin;
  store->funcs.push_back(std::move(f));
  return store->funcs.back().get();
}

bool memoryFits(const wasmnn_store& store, uint64_t morePages) {
  return store.memoryPages + morePages <= store.config.max_store_memory_bytes / kPageSize;
}

bool tableFits(const wasmnn_store& store, uint64_t moreElements) {
  return store.tableElements + moreElements <= store.config.max_store_table_elements;
}

Result<wasmnn_memory*> newMemory(wasmnn_store* store, uint32_t min, std::optional<uint32_t> max) {
  uint32_t cap = std::min(max.value_or(store->config.max_memory_pages), store->config.max_memory_pages);
  if (min > cap) return Error{ErrorKind::Host, "memory size exceeds the engine's limit"};
  if (!memoryFits(*store, min))
    return Error{ErrorKind::Host, "memories of " + std::to_string(min) + " more pages exceed the store's total of " +
                                      std::to_string(store->config.max_store_memory_bytes) + " bytes"};
  auto mem = LinearMemory::create(min, cap, store->config.bounds_checks == WASMNN_BOUNDS_GUARD);
  if (!mem) return mem.error();
  auto m = std::make_unique<wasmnn_memory>();
  m->mem = std::move(*mem);
  m->declaredMax = max;
  m->store = store;
  store->memories.push_back(std::move(m));
  store->memoryPages += min;
  return store->memories.back().get();
}

Result<wasmnn_table*> newTable(wasmnn_store* store, ValType elem, uint32_t min, std::optional<uint32_t> max) {
  uint32_t cap = std::min(max.value_or(std::numeric_limits<uint32_t>::max()), store->config.max_table_elements);
  if (min > cap) return Error{ErrorKind::Host, "table size exceeds the engine's limit"};
  if (!tableFits(*store, min))
    return Error{ErrorKind::Host, "a table of " + std::to_string(min) + " elements exceeds the store's total of " +
                                      std::to_string(store->config.max_store_table_elements) + " table elements"};
  auto t = std::make_unique<wasmnn_table>();
  t->store = store;
  t->elem = elem;
  t->declaredMax = max;
  t->maxElems = cap;
  try {
    t->elems.assign(min, 0);
  } catch (const std::bad_alloc&) {
    return Error{ErrorKind::Host, "out of host memory for a table of " + std::to_string(min) + " elements"};
  }
  t->view = {t->elems.data(), t->elems.size()};
  store->tables.push_back(std::move(t));
  store->tableElements += min;
  return store->tables.back().get();
}

wasmnn_global* newGlobal(wasmnn_store* store, GlobalType type, uint64_t value) {
  auto g = std::make_unique<wasmnn_global>();
  g->type = type;
  g->value = value;
  store->globals.push_back(std::move(g));
  return store->globals.back().get();
}

wasmnn_memory* emptyMemory() {
  static wasmnn_memory empty;
  return &empty;
}

int64_t growMemory(wasmnn_memory* memory, uint32_t delta) {
  if (memory->store && !memoryFits(*memory->store, delta)) return -1;
  auto old = memory->mem.grow(delta);
  if (!old) return -1;
  if (memory->store) memory->store->memoryPages += delta;
  return int64_t(*old);
}

// A failed grow is -1 for the guest, whether a limit or the host's allocator said no.
int64_t growTable(wasmnn_table* table, uint32_t delta, uint64_t init) {
  uint64_t old = table->elems.size();
  if (old + delta > table->maxElems || !tableFits(*table->store, delta)) return -1;
  try {
    table->elems.resize(old + delta, init);
  } catch (const std::bad_alloc&) {
    return -1;
  }
  table->view = {table->elems.data(), table->elems.size()};
  table->store->tableElements += delta;
  return int64_t(old);
}

}  // namespace wasmnn

namespace wasmnn {

wasmnn_valkind valKindOf(ValType type) {
  switch (type) {
    case ValType::I32: return WASMNN_I32;
    case ValType::I64: return WASMNN_I64;
    case ValType::F32: return WASMNN_F32;
    case ValType::F64: return WASMNN_F64;
    case ValType::V128: return WASMNN_V128;
    case ValType::FuncRef: return WASMNN_FUNCREF;
    case ValType::ExternRef: return WASMNN_EXTERNREF;
  }
  return WASMNN_I32;
}

uint32_t rawKind(const wasmnn_valkind& kind) {
  static_assert(sizeof(uint32_t) == sizeof(wasmnn_valkind));
  uint32_t raw;
  std::memcpy(&raw, &kind, sizeof raw);
  return raw;
}

bool valTypeOf(const wasmnn_valkind& kind, ValType& out) {
  switch (rawKind(kind)) {
    case WASMNN_I32: out = ValType::I32; return true;
    case WASMNN_I64: out = ValType::I64; return true;
    case WASMNN_F32: out = ValType::F32; return true;
    case WASMNN_F64: out = ValType::F64; return true;
    case WASMNN_V128: out = ValType::V128; return true;
    case WASMNN_FUNCREF: out = ValType::FuncRef; return true;
    case WASMNN_EXTERNREF: out = ValType::ExternRef; return true;
  }
  return false;
}

std::optional<FuncType> funcTypeOf(const wasmnn_functype& type) {
  FuncType out;
  out.params.resize(type.param_count);
  out.results.resize(type.result_count);
  for (size_t i = 0; i < type.param_count; ++i)
    if (!valTypeOf(type.params[i], out.params[i])) return std::nullopt;
  for (size_t i = 0; i < type.result_count; ++i)
    if (!valTypeOf(type.results[i], out.results[i])) return std::nullopt;
  return out;
}

wasmnn_val toVal(ValType type, uint64_t slot) {
  wasmnn_val v{};
  v.kind = valKindOf(type);
  switch (type) {
    case ValType::I32: v.of.i32 = int32_t(uint32_t(slot)); break;
    case ValType::F32: v.of.f32_bits = uint32_t(slot); break;
    case ValType::I64: v.of.i64 = int64_t(slot); break;
    case ValType::F64: v.of.f64_bits = slot; break;
    case ValType::FuncRef: v.of.funcref = reinterpret_cast<wasmnn_func*>(uintptr_t(slot)); break;
    case ValType::ExternRef: v.of.externref = reinterpret_cast<void*>(uintptr_t(slot)); break;
    case ValType::V128: break;  // two slots: see loadVal (slots.cpp)
  }
  return v;
}

uint64_t fromVal(const wasmnn_val& val) {
  switch (val.kind) {
    case WASMNN_I32: return uint32_t(val.of.i32);
    case WASMNN_F32: return val.of.f32_bits;
    case WASMNN_I64: return uint64_t(val.of.i64);
    case WASMNN_F64: return val.of.f64_bits;
    case WASMNN_FUNCREF: return reinterpret_cast<uintptr_t>(val.of.funcref);
    case WASMNN_EXTERNREF: return reinterpret_cast<uintptr_t>(val.of.externref);
    case WASMNN_V128: return 0;  // two slots: see storeVal (slots.cpp)
  }
  return 0;
}

}  // namespace wasmnn
