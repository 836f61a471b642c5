// The public C API (wasmnn.h) on top of the runtime objects and executor.
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "wasmnn/loader/loader.h"
#include "wasmnn/native/native.h"
#include "wasmnn/runtime/objects.h"
#include "wasmnn/validator/validator.h"

using namespace wasmnn;

namespace {

wasmnn_error* hostError(std::string message) { return makeError(WASMNN_ERROR_HOST, std::move(message)); }

wasmnn_name nameOf(const std::string& s) { return {s.c_str(), s.size()}; }

std::optional<uint32_t> optionalMax(uint32_t max) {
  return max == WASMNN_NO_MAX ? std::nullopt : std::optional<uint32_t>(max);
}

// Decodes and validates `bytes` into a new module (without native code).
// Decoded structures are a small multiple of the module's size, which the
// embedder chose to load; still, running out of host memory is an error.
wasmnn_error* newModule(std::span<const uint8_t> bytes, wasmnn_module** out) try {
  auto loaded = loadModule(bytes);
  if (!loaded) return makeError(loaded.error());
  if (auto valid = validateModule(*loaded); !valid) return makeError(valid.error());
  auto m = std::make_unique<wasmnn_module>();
  m->ast = std::move(*loaded);
  m->typeIds.reserve(m->ast.types.size());
  for (const FuncType& t : m->ast.types) m->typeIds.push_back(internFuncType(t));
  m->code = std::make_unique<CodeSlot[]>(m->ast.functions.size());
  *out = m.release();
  return nullptr;
} catch (const std::bad_alloc&) {
  return hostError("out of host memory decoding a module of " + std::to_string(bytes.size()) + " bytes");
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------- errors

wasmnn_error* wasmnn_error_new(wasmnn_error_kind kind, const char* message) {
  return makeError(kind, message ? message : "");
}

wasmnn_error* wasmnn_error_new_exit(int exit_code) {
  wasmnn_error* e = makeError(WASMNN_ERROR_EXIT, "exit with code " + std::to_string(exit_code));
  e->exitCode = exit_code;
  return e;
}

void wasmnn_error_delete(wasmnn_error* error) { delete error; }
wasmnn_error_kind wasmnn_error_get_kind(const wasmnn_error* error) { return error->kind; }
const char* wasmnn_error_message(const wasmnn_error* error) { return error->message.c_str(); }
int wasmnn_error_exit_code(const wasmnn_error* error) { return error->exitCode; }
size_t wasmnn_error_frame_count(const wasmnn_error* error) { return error->frames.size(); }

const char* wasmnn_error_frame_function(const wasmnn_error* error, size_t index) {
  return index < error->frames.size() ? error->frames[index].c_str() : nullptr;
}

size_t wasmnn_error_frames_omitted(const wasmnn_error* error) { return error->omittedFrames; }

// ---------------------------------------------------------------- engine

wasmnn_engine* wasmnn_engine_new(const wasmnn_config* config) {
  auto* engine = new wasmnn_engine{normalizeConfig(config), "", ""};
  wasmnn_config& c = engine->config;
  if (c.cache_dir) c.cache_dir = (engine->cacheDir = c.cache_dir).c_str();
  if (c.target_cpu) c.target_cpu = (engine->targetCpu = c.target_cpu).c_str();
  return engine;
}
void wasmnn_engine_delete(wasmnn_engine* engine) { delete engine; }
const char* wasmnn_version(void) { return WASMNN_VERSION_STRING; }

// ---------------------------------------------------------------- module

wasmnn_error* wasmnn_module_new(wasmnn_engine* engine, const uint8_t* bytes, size_t size, wasmnn_module** out) {
  *out = nullptr;
  if (!engine || (!bytes && size != 0)) return hostError("wasmnn_module_new: null argument");
  std::span<const uint8_t> wasm(bytes, size);
  wasmnn_module* m = nullptr;
  if (wasmnn_error* e = newModule(wasm, &m)) return e;
  if (engine->config.tier == WASMNN_TIER_COMPILED) {
    if (wasmnn_error* e = native::compileModule(*engine, *m, wasm)) {
      m->release();
      return e;
    }
  }
  *out = m;
  return nullptr;
}

bool wasmnn_module_is_compiled(const wasmnn_module* module) { return module && module->native; }

wasmnn_error* wasmnn_module_serialize(const wasmnn_module* module, uint8_t** out, size_t* size) {
  *out = nullptr;
  *size = 0;
  if (!module) return hostError("wasmnn_module_serialize: null module");
  std::span<const uint8_t> artifact = native::moduleArtifact(*module);
  if (artifact.empty()) return hostError("the module has no native code: create it with the compiled tier");
  *out = static_cast<uint8_t*>(std::malloc(artifact.size()));
  if (!*out) return hostError("out of memory for the artifact");
  std::memcpy(*out, artifact.data(), artifact.size());
  *size = artifact.size();
  return nullptr;
}

wasmnn_error* wasmnn_module_deserialize(wasmnn_engine* engine, const uint8_t* bytes, size_t size, wasmnn_module** out) {
  *out = nullptr;
  if (!engine || (!bytes && size != 0)) return hostError("wasmnn_module_deserialize: null argument");
  auto artifact = native::readArtifact(std::vector<uint8_t>(bytes, bytes + size));
  if (!artifact) return makeError(artifact.error());
  wasmnn_module* m = nullptr;
  if (wasmnn_error* e = newModule(artifact->wasm, &m)) return e;
  if (wasmnn_error* e = native::attachArtifact(*m, std::move(*artifact))) {
    m->release();
    return e;
  }
  *out = m;
  return nullptr;
}

bool wasmnn_is_artifact(const uint8_t* bytes, size_t size) {
  return bytes && native::isArtifact(std::span<const uint8_t>(bytes, size));
}

void wasmnn_bytes_delete(uint8_t* bytes) { std::free(bytes); }

void wasmnn_module_delete(wasmnn_module* module) {
  if (module) module->release();
}

size_t wasmnn_module_import_count(const wasmnn_module* module) { return module->ast.imports.size(); }

wasmnn_import_desc wasmnn_module_import(const wasmnn_module* module, size_t index) {
  if (index >= module->ast.imports.size()) return {"", "", WASMNN_EXTERN_FUNC};
  const Import& im = module->ast.imports[index];
  return {im.module.c_str(), im.name.c_str(), wasmnn_externkind(im.kind)};
}

size_t wasmnn_module_export_count(const wasmnn_module* module) { return module->ast.exports.size(); }

wasmnn_export_desc wasmnn_module_export(const wasmnn_module* module, size_t index) {
  if (index >= module->ast.exports.size()) return {"", WASMNN_EXTERN_FUNC};
  const Export& e = module->ast.exports[index];
  return {e.name.c_str(), wasmnn_externkind(e.kind)};
}

bool wasmnn_module_import_sized(const wasmnn_module* module, size_t index, wasmnn_name* module_name, wasmnn_name* name,
                                wasmnn_externkind* kind) {
  if (index >= module->ast.imports.size()) return false;
  const Import& im = module->ast.imports[index];
  *module_name = nameOf(im.module);
  *name = nameOf(im.name);
  *kind = wasmnn_externkind(im.kind);
  return true;
}

bool wasmnn_module_export_sized(const wasmnn_module* module, size_t index, wasmnn_name* name, wasmnn_externkind* kind) {
  if (index >= module->ast.exports.size()) return false;
  const Export& e = module->ast.exports[index];
  *name = nameOf(e.name);
  *kind = wasmnn_externkind(e.kind);
  return true;
}

size_t wasmnn_module_func_count(const wasmnn_module* module) { return module->ast.functions.size(); }
size_t wasmnn_module_imported_func_count(const wasmnn_module* module) { return module->ast.importedFuncs; }

wasmnn_error* wasmnn_module_code_text(const wasmnn_module* module, uint32_t func_index, char** text_out) {
  if (!module || !text_out) return hostError("wasmnn_module_code_text: null argument");
  *text_out = nullptr;
  Result<std::string> text = disassemble(*module, func_index);
  if (!text) return makeError(text.error());
  *text_out = strdup(text->c_str());
  return *text_out ? nullptr : hostError("wasmnn_module_code_text: out of memory");
}

void wasmnn_string_delete(char* text) { std::free(text); }

// ---------------------------------------------------------------- store

wasmnn_store* wasmnn_store_new(wasmnn_engine* engine) {
  auto* s = new wasmnn_store;
  s->config = engine ? engine->config : normalizeConfig(nullptr);
  return s;
}

void wasmnn_store_delete(wasmnn_store* store) { delete store; }

void wasmnn_store_interrupt(wasmnn_store* store) {
  if (store) store->interrupt.raise(Interrupt::kRequested);
}

void wasmnn_store_set_deadline(wasmnn_store* store, uint64_t timeout_ns) {
  if (store) store->interrupt.setDeadline(timeout_ns);
}

void wasmnn_store_resume(wasmnn_store* store) {
  if (store) store->interrupt.clear();
}

int wasmnn_store_interrupt_fd(wasmnn_store* store) { return store ? store->interrupt.wakeFd() : -1; }

// ---------------------------------------------------------------- functions

wasmnn_memory* wasmnn_caller_memory(wasmnn_caller* caller) {
  if (!caller->instance || caller->instance->memories.empty()) return nullptr;
  return caller->instance->memories[0];
}
wasmnn_instance* wasmnn_caller_instance(wasmnn_caller* caller) { return caller->instance; }
wasmnn_store* wasmnn_caller_store(wasmnn_caller* caller) { return caller->store; }

wasmnn_func* wasmnn_func_new(wasmnn_store* store, const wasmnn_functype* type, wasmnn_host_callback callback, void* env,
                             wasmnn_finalizer finalizer) {
  if (!store || !type || !callback) return nullptr;
  std::optional<FuncType> ft = funcTypeOf(*type);
  if (!ft) return nullptr;
  return newHostFunc(store, std::move(*ft), callback, env, finalizer);
}

wasmnn_functype wasmnn_func_type(const wasmnn_func* func) {
  auto* f = const_cast<wasmnn_func*>(func);
  if (f->cParams.size() != f->type->params.size() || f->cResults.size() != f->type->results.size()) {
    f->cParams.clear();
    f->cResults.clear();
    for (ValType t : f->type->params) f->cParams.push_back(valKindOf(t));
    for (ValType t : f->type->results) f->cResults.push_back(valKindOf(t));
  }
  return {f->cParams.size(), f->cParams.data(), f->cResults.size(), f->cResults.data()};
}

wasmnn_error* wasmnn_func_call(wasmnn_func* func, const wasmnn_val* args, size_t arg_count, wasmnn_val* results,
                               size_t result_count) {
  if (!func) return hostError("wasmnn_func_call: null function");
  const FuncType& t = *func->type;
  if (arg_count != t.params.size())
    return hostError("wasmnn_func_call: expected " + std::to_string(t.params.size()) + " arguments, got " +
                     std::to_string(arg_count));
  if (result_count < t.results.size())
    return hostError("wasmnn_func_call: room for " + std::to_string(result_count) + " results, need " +
                     std::to_string(t.results.size()));
  size_t n = std::max(slotsOf(t.params), slotsOf(t.results));
  uint64_t small[16];
  std::vector<uint64_t> big;
  uint64_t* slots = small;
  if (n > 16) {
    big.resize(n);
    slots = big.data();
  }
  for (size_t i = 0; i < arg_count; ++i) {
    if (rawKind(args[i].kind) != valKindOf(t.params[i]))
      return hostError("wasmnn_func_call: argument " + std::to_string(i) + " should be " + valTypeName(t.params[i]));
  }
  for (size_t i = 0, s = 0; i < arg_count; s += slotsOf(t.params[i]), ++i) storeVal(args[i], slots + s);
  if (wasmnn_error* e = invoke(func, slots, slots)) return e;
  for (size_t i = 0, s = 0; i < t.results.size(); s += slotsOf(t.results[i]), ++i)
    results[i] = loadVal(t.results[i], slots + s);
  return nullptr;
}

// ---------------------------------------------------------------- memories

wasmnn_error* wasmnn_memory_new(wasmnn_store* store, uint32_t min_pages, uint32_t max_pages, wasmnn_memory** out) {
  *out = nullptr;
  std::optional<uint32_t> max = optionalMax(max_pages);
  if (max && *max < min_pages) return hostError("memory minimum exceeds its maximum");
  if (min_pages > kDefaultMaxMemoryPages || (max && *max > kDefaultMaxMemoryPages))
    return hostError("memory size must be at most 65536 pages");
  auto mem = newMemory(store, min_pages, max);
  if (!mem) return hostError(mem.error().message);
  *out = *mem;
  return nullptr;
}

uint8_t* wasmnn_memory_data(wasmnn_memory* memory) { return memory->mem.data(); }
size_t wasmnn_memory_size(const wasmnn_memory* memory) { return memory->mem.size(); }
uint32_t wasmnn_memory_pages(const wasmnn_memory* memory) { return memory->mem.pages(); }

wasmnn_error* wasmnn_memory_grow(wasmnn_memory* memory, uint32_t delta_pages, uint32_t* old_pages) {
  int64_t old = growMemory(memory, delta_pages);
  if (old < 0) return hostError("memory cannot grow by " + std::to_string(delta_pages) + " pages");
  if (old_pages) *old_pages = uint32_t(old);
  return nullptr;
}

// ---------------------------------------------------------------- tables

wasmnn_error* wasmnn_table_new(wasmnn_store* store, wasmnn_valkind element_kind, uint32_t min, uint32_t max,
                               wasmnn_table** out) {
  *out = nullptr;
  if (rawKind(element_kind) != WASMNN_FUNCREF && rawKind(element_kind) != WASMNN_EXTERNREF)
    return hostError("table elements must be funcref or externref");
  std::optional<uint32_t> m = optionalMax(max);
  if (m && *m < min) return hostError("table minimum exceeds its maximum");
  auto t = newTable(store, element_kind == WASMNN_FUNCREF ? ValType::FuncRef : ValType::ExternRef, min, m);
  if (!t) return hostError(t.error().message);
  *out = *t;
  return nullptr;
}

uint32_t wasmnn_table_size(const wasmnn_table* table) { return uint32_t(table->elems.size()); }

wasmnn_error* wasmnn_table_get(const wasmnn_table* table, uint32_t index, wasmnn_val* out) {
  if (index >= table->elems.size()) return hostError("out of bounds table access");
  *out = toVal(table->elem, table->elems[index]);
  return nullptr;
}

wasmnn_error* wasmnn_table_set(wasmnn_table* table, uint32_t index, const wasmnn_val* value) {
  if (index >= table->elems.size()) return hostError("out of bounds table access");
  if (rawKind(value->kind) != valKindOf(table->elem)) return hostError("value kind does not match the table");
  table->elems[index] = fromVal(*value);
  return nullptr;
}

// ---------------------------------------------------------------- globals

wasmnn_error* wasmnn_global_new(wasmnn_store* store, const wasmnn_val* init, bool mutable_, wasmnn_global** out) {
  *out = nullptr;
  ValType t;
  if (!valTypeOf(init->kind, t)) return hostError("unsupported global type");
  uint64_t slots[2] = {};
  storeVal(*init, slots);
  *out = newGlobal(store, GlobalType{t, mutable_}, slots[0]);
  (*out)->hi = slots[1];
  return nullptr;
}

wasmnn_val wasmnn_global_get(const wasmnn_global* global) {
  const uint64_t slots[2] = {global->value, global->hi};
  return loadVal(global->type.type, slots);
}

wasmnn_error* wasmnn_global_set(wasmnn_global* global, const wasmnn_val* value) {
  if (!global->type.mut) return hostError("global is immutable");
  if (rawKind(value->kind) != valKindOf(global->type.type)) return hostError("value kind does not match the global");
  uint64_t slots[2] = {};
  storeVal(*value, slots);
  global->value = slots[0];
  global->hi = slots[1];
  return nullptr;
}

// ---------------------------------------------------------------- linking

wasmnn_linker* wasmnn_linker_new(wasmnn_store* store) {
  auto* linker = new wasmnn_linker;
  linker->store = store;
  return linker;
}
void wasmnn_linker_delete(wasmnn_linker* linker) { delete linker; }

wasmnn_error* wasmnn_linker_define(wasmnn_linker* linker, const char* module, const char* name,
                                   const wasmnn_extern* item) {
  if (!module || !name) return hostError("wasmnn_linker_define: null argument");
  return wasmnn_linker_define_sized(linker, {module, std::strlen(module)}, {name, std::strlen(name)}, item);
}

wasmnn_error* wasmnn_linker_define_sized(wasmnn_linker* linker, wasmnn_name module, wasmnn_name name,
                                         const wasmnn_extern* item) {
  if (!linker || !module.data || !name.data || !item) return hostError("wasmnn_linker_define: null argument");
  linker->defs[std::make_pair(std::string(module.data, module.size), std::string(name.data, name.size))] = {
      *item, linker->nextOrder++};
  return nullptr;
}

wasmnn_error* wasmnn_linker_define_func(wasmnn_linker* linker, const char* module, const char* name,
                                        const wasmnn_functype* type, wasmnn_host_callback callback, void* env,
                                        wasmnn_finalizer finalizer) {
  wasmnn_func* f = wasmnn_func_new(linker->store, type, callback, env, finalizer);
  if (!f) return hostError("wasmnn_linker_define_func: invalid function type or callback");
  wasmnn_extern e{};
  e.kind = WASMNN_EXTERN_FUNC;
  e.of.func = f;
  return wasmnn_linker_define(linker, module, name, &e);
}

wasmnn_error* wasmnn_linker_define_instance(wasmnn_linker* linker, const char* module, wasmnn_instance* instance) {
  if (!module || !instance) return hostError("wasmnn_linker_define_instance: null argument");
  const std::vector<Export>& exports = instance->module->ast.exports;
  for (size_t i = 0; i < exports.size(); ++i)
    linker->defs[std::make_pair(std::string(module), exports[i].name)] = {instance->exports[i], linker->nextOrder++};
  return nullptr;
}

wasmnn_error* wasmnn_linker_define_funcs(wasmnn_linker* linker, const wasmnn_host_func_def* defs, size_t count,
                                         void* env, wasmnn_finalizer finalizer) {
  if (!linker || (!defs && count)) return hostError("wasmnn_linker_define_funcs: null argument");
  for (size_t i = 0; i < count; ++i) {
    const wasmnn_host_func_def& d = defs[i];
    if (!d.module || !d.name || !d.callback || !funcTypeOf(d.type))
      return hostError("wasmnn_linker_define_funcs: entry " + std::to_string(i) +
                       " has a null name or callback or an invalid type");
  }
  linker->tables.push_back({{defs, count}, env, std::vector<wasmnn_func*>(count), linker->nextOrder++});
  if (finalizer) linker->store->envFinalizers.emplace_back(finalizer, env);
  return nullptr;
}

wasmnn_error* wasmnn_linker_instantiate(wasmnn_linker* linker, const wasmnn_module* module, wasmnn_instance** out) {
  *out = nullptr;
  if (!linker || !module) return hostError("wasmnn_linker_instantiate: null argument");
  return instantiate(linker, const_cast<wasmnn_module*>(module), out);
}

// ---------------------------------------------------------------- instances

bool wasmnn_instance_export(const wasmnn_instance* instance, const char* name, wasmnn_extern* out) {
  return wasmnn_instance_export_sized(instance, name, std::strlen(name), out);
}

bool wasmnn_instance_export_sized(const wasmnn_instance* instance, const char* name, size_t name_len,
                                  wasmnn_extern* out) {
  const std::vector<Export>& exports = instance->module->ast.exports;
  std::string_view wanted(name, name_len);
  for (size_t i = 0; i < exports.size(); ++i) {
    if (exports[i].name == wanted) {
      *out = instance->exports[i];
      return true;
    }
  }
  return false;
}

size_t wasmnn_instance_export_count(const wasmnn_instance* instance) { return instance->exports.size(); }

void wasmnn_instance_export_nth(const wasmnn_instance* instance, size_t index, const char** name, wasmnn_extern* out) {
  if (index >= instance->exports.size()) {
    *name = "";
    *out = wasmnn_extern{};
    return;
  }
  *name = instance->module->ast.exports[index].name.c_str();
  *out = instance->exports[index];
}

bool wasmnn_instance_export_nth_sized(const wasmnn_instance* instance, size_t index, wasmnn_name* name,
                                      wasmnn_extern* out) {
  if (index >= instance->exports.size()) return false;
  *name = nameOf(instance->module->ast.exports[index].name);
  *out = instance->exports[index];
  return true;
}

const wasmnn_module* wasmnn_instance_module(const wasmnn_instance* instance) { return instance->module; }

}  // extern "C"
