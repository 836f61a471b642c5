// libFuzzer target: the decoder and validator. Any bytes end as a module or
// as one error with a message; the names of a module come back whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wasmnn/wasmnn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static wasmnn_engine* const engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  if (wasmnn_error* e = wasmnn_module_new(engine, data, size, &module)) {
    const char* message = wasmnn_error_message(e);
    if (!message || !*message || module) std::abort();  // an error names its cause and yields nothing
    char escaped[64];
    wasmnn_escape_text(message, __builtin_strlen(message), escaped, sizeof escaped);
    wasmnn_error_delete(e);
    return 0;
  }
  wasmnn_name mod, name;
  wasmnn_externkind kind;
  for (size_t i = 0; i < wasmnn_module_import_count(module); ++i)
    if (!wasmnn_module_import_sized(module, i, &mod, &name, &kind) || !mod.data || !name.data) std::abort();
  for (size_t i = 0; i < wasmnn_module_export_count(module); ++i)
    if (!wasmnn_module_export_sized(module, i, &name, &kind) || !name.data) std::abort();
  wasmnn_module_delete(module);
  return 0;
}
