#include "spectest_host.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <span>
#include <string>

namespace wasmnn::spec {
namespace {

template <typename Number> std::string to_text(Number number) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, number);
  return std::string(text, result.ptr);
}

// One line per argument, "<value> : <type>", like the reference interpreter.
std::string print_line(const wasmnn_val& value) {
  switch (value.kind) {
    case WASMNN_I32: return to_text(value.of.i32) + " : i32";
    case WASMNN_I64: return to_text(value.of.i64) + " : i64";
    case WASMNN_F32: return to_text(std::bit_cast<float>(value.of.f32_bits)) + " : f32";
    case WASMNN_F64: return to_text(std::bit_cast<double>(value.of.f64_bits)) + " : f64";
    default: return "? : ?";  // the print functions take numbers only
  }
}

struct PrintFunc {
  const char* name;
  std::span<const wasmnn_valkind> params;
};

constexpr wasmnn_valkind kI32[] = {WASMNN_I32};
constexpr wasmnn_valkind kI64[] = {WASMNN_I64};
constexpr wasmnn_valkind kF32[] = {WASMNN_F32};
constexpr wasmnn_valkind kF64[] = {WASMNN_F64};
constexpr wasmnn_valkind kI32F32[] = {WASMNN_I32, WASMNN_F32};
constexpr wasmnn_valkind kF64F64[] = {WASMNN_F64, WASMNN_F64};

constexpr std::array<PrintFunc, 7> kPrintFuncs = {{
    {"print", {}},
    {"print_i32", kI32},
    {"print_i64", kI64},
    {"print_f32", kF32},
    {"print_f64", kF64},
    {"print_i32_f32", kI32F32},
    {"print_f64_f64", kF64F64},
}};

wasmnn_error* define_extern(wasmnn_linker* linker, const char* name, wasmnn_extern item) {
  return wasmnn_linker_define(linker, "spectest", name, &item);
}

wasmnn_error* define_global(wasmnn_store* store, wasmnn_linker* linker, const char* name, wasmnn_val init) {
  wasmnn_extern item{};
  item.kind = WASMNN_EXTERN_GLOBAL;
  if (wasmnn_error* error = wasmnn_global_new(store, &init, false, &item.of.global)) return error;
  return define_extern(linker, name, item);
}

wasmnn_error* define_globals(wasmnn_store* store, wasmnn_linker* linker) {
  wasmnn_val i32{.kind = WASMNN_I32, .of = {.i32 = 666}};
  wasmnn_val i64{.kind = WASMNN_I64, .of = {.i64 = 666}};
  wasmnn_val f32{.kind = WASMNN_F32, .of = {.f32_bits = std::bit_cast<uint32_t>(666.6f)}};
  wasmnn_val f64{.kind = WASMNN_F64, .of = {.f64_bits = std::bit_cast<uint64_t>(666.6)}};
  if (wasmnn_error* error = define_global(store, linker, "global_i32", i32)) return error;
  if (wasmnn_error* error = define_global(store, linker, "global_i64", i64)) return error;
  if (wasmnn_error* error = define_global(store, linker, "global_f32", f32)) return error;
  return define_global(store, linker, "global_f64", f64);
}

wasmnn_error* define_table_and_memory(wasmnn_store* store, wasmnn_linker* linker) {
  wasmnn_extern table{};
  table.kind = WASMNN_EXTERN_TABLE;
  if (wasmnn_error* error = wasmnn_table_new(store, WASMNN_FUNCREF, 10, 20, &table.of.table)) return error;
  if (wasmnn_error* error = define_extern(linker, "table", table)) return error;
  wasmnn_extern memory{};
  memory.kind = WASMNN_EXTERN_MEMORY;
  if (wasmnn_error* error = wasmnn_memory_new(store, 1, 2, &memory.of.memory)) return error;
  return define_extern(linker, "memory", memory);
}

}  // namespace

wasmnn_error* SpectestHost::print(wasmnn_caller*, void* env, const wasmnn_val* args, wasmnn_val*) {
  const auto* binding = static_cast<const Binding*>(env);
  if (binding->out == nullptr) return nullptr;
  for (size_t i = 0; i < binding->param_count; ++i) {
    std::fprintf(binding->out, "%s\n", print_line(args[i]).c_str());
  }
  std::fflush(binding->out);
  return nullptr;
}

wasmnn_error* SpectestHost::define_funcs(wasmnn_linker* linker) {
  static_assert(kPrintFuncs.size() == kPrintFuncCount);
  for (size_t i = 0; i < kPrintFuncs.size(); ++i) {
    const PrintFunc& func = kPrintFuncs[i];
    bindings_[i] = Binding{func.params.size(), out_};
    const wasmnn_functype type{func.params.size(), func.params.data(), 0, nullptr};
    if (wasmnn_error* error =
            wasmnn_linker_define_func(linker, "spectest", func.name, &type, print, &bindings_[i], nullptr)) {
      return error;
    }
  }
  return nullptr;
}

wasmnn_error* SpectestHost::define(wasmnn_store* store, wasmnn_linker* linker) {
  if (wasmnn_error* error = define_funcs(linker)) return error;
  if (wasmnn_error* error = define_globals(store, linker)) return error;
  return define_table_and_memory(store, linker);
}

}  // namespace wasmnn::spec
