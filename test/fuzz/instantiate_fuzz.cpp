// libFuzzer target: instantiate and run a module under tight limits. Every
// import is satisfied with a host object of the declared type (functions
// return zeros), every exported function is called with zero arguments under
// a deadline, so loops end by interruption. Anything but an error, a trap or
// an interrupt (a crash, a sanitizer report, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "wasmnn/runtime/objects.h"
#include "wasmnn/wasmnn.h"

namespace {

using wasmnn::ValType;

wasmnn_val zero(wasmnn_valkind kind) {
  wasmnn_val v{};
  v.kind = kind;
  return v;
}

wasmnn_error* returnZeros(wasmnn_caller*, void* env, const wasmnn_val*, wasmnn_val* results) {
  const auto* type = static_cast<const wasmnn::FuncType*>(env);
  for (size_t i = 0; i < type->results.size(); ++i) results[i] = zero(wasmnn::valKindOf(type->results[i]));
  return nullptr;
}

// Defines module.name for every import, with the type it declares.
bool defineImports(wasmnn_linker* linker, wasmnn_store* store, const wasmnn_module* module) {
  for (const wasmnn::Import& im : module->ast.imports) {
    wasmnn_extern e{};
    e.kind = wasmnn_externkind(im.kind);
    switch (im.kind) {
      case wasmnn::ExternKind::Func: {
        const wasmnn::FuncType& t = module->ast.types[im.funcType];
        std::vector<wasmnn_valkind> params, results;
        for (ValType p : t.params) params.push_back(wasmnn::valKindOf(p));
        for (ValType r : t.results) results.push_back(wasmnn::valKindOf(r));
        wasmnn_functype ft{params.size(), params.data(), results.size(), results.data()};
        e.of.func = wasmnn_func_new(store, &ft, returnZeros, const_cast<wasmnn::FuncType*>(&t), nullptr);
        break;
      }
      case wasmnn::ExternKind::Table: {
        const wasmnn::Limits& l = im.table.limits;
        if (wasmnn_error* err = wasmnn_table_new(store, wasmnn::valKindOf(im.table.elem), l.min,
                                                 l.max.value_or(WASMNN_NO_MAX), &e.of.table)) {
          wasmnn_error_delete(err);
          return false;
        }
        break;
      }
      case wasmnn::ExternKind::Memory: {
        const wasmnn::Limits& l = im.memory.limits;
        if (wasmnn_error* err = wasmnn_memory_new(store, l.min, l.max.value_or(WASMNN_NO_MAX), &e.of.memory)) {
          wasmnn_error_delete(err);
          return false;
        }
        break;
      }
      case wasmnn::ExternKind::Global: {
        wasmnn_val init = zero(wasmnn::valKindOf(im.global.type));
        if (wasmnn_error* err = wasmnn_global_new(store, &init, im.global.mut, &e.of.global)) {
          wasmnn_error_delete(err);
          return false;
        }
        break;
      }
    }
    wasmnn_name mod{im.module.data(), im.module.size()}, name{im.name.data(), im.name.size()};
    if (wasmnn_error* err = wasmnn_linker_define_sized(linker, mod, name, &e)) {
      wasmnn_error_delete(err);
      return false;
    }
  }
  return true;
}

void expectCleanError(wasmnn_error* e) {
  if (!e) return;
  const char* message = wasmnn_error_message(e);
  if (!message || !*message) std::abort();
  if (wasmnn_error_get_kind(e) == WASMNN_ERROR_EXIT) std::abort();  // nothing here can exit
  wasmnn_error_delete(e);
}

void callExports(wasmnn_store* store, wasmnn_instance* instance) {
  size_t n = wasmnn_instance_export_count(instance);
  for (size_t i = 0; i < n && i < 16; ++i) {
    wasmnn_name name;
    wasmnn_extern x;
    if (!wasmnn_instance_export_nth_sized(instance, i, &name, &x) || x.kind != WASMNN_EXTERN_FUNC) continue;
    wasmnn_functype t = wasmnn_func_type(x.of.func);
    std::vector<wasmnn_val> args, results(t.result_count);
    for (size_t p = 0; p < t.param_count; ++p) args.push_back(zero(t.params[p]));
    wasmnn_store_set_deadline(store, 20'000'000);  // 20 ms
    expectCleanError(wasmnn_func_call(x.of.func, args.data(), args.size(), results.data(), results.size()));
    wasmnn_store_resume(store);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Small limits keep one input fast and its memory within the fuzzer's budget.
  static wasmnn_engine* const engine = [] {
    wasmnn_config c{};
    c.max_call_depth = 2000;
    c.value_stack_bytes = 1 << 20;
    c.max_memory_pages = 256;
    c.max_table_elements = 100'000;
    c.max_store_table_elements = 200'000;
    c.max_store_memory_bytes = 64 << 20;
    c.max_store_instances = 4;
    return wasmnn_engine_new(&c);
  }();
  wasmnn_module* module = nullptr;
  if (wasmnn_error* e = wasmnn_module_new(engine, data, size, &module)) {
    expectCleanError(e);
    return 0;
  }
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  if (defineImports(linker, store, module)) {
    wasmnn_instance* instance = nullptr;
    wasmnn_store_set_deadline(store, 20'000'000);  // the start function too
    wasmnn_error* e = wasmnn_linker_instantiate(linker, module, &instance);
    wasmnn_store_resume(store);
    if (e) {
      expectCleanError(e);
    } else {
      callExports(store, instance);
    }
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_module_delete(module);
  return 0;
}
