// Runs a WASI program through the C embedding API, the way an embedder with
// one store per guest does (the WASI-NN engine and hostile-model tests).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "wasmnn/wasi.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasmnn.h"

namespace wasmnn::test {

// Runs `module`'s _start in a fresh store with `args` and the preopened
// directories `dirs` (host path, guest path), WASI-NN served by `nn`.
// Returns the guest's exit status, or -1 with the error message in *why.
inline int runEmbeddedGuest(wasmnn_engine* engine, const wasmnn_module* module, wasmnn_nn_host* nn,
                            const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& dirs, std::string* why) {
  wasmnn_wasi* wasi = wasmnn_wasi_new();
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  wasmnn_wasi_set_args(wasi, argv.size(), argv.data());
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  int status = -1;
  wasmnn_instance* instance = nullptr;
  wasmnn_error* error = nullptr;
  for (const auto& [host, guest] : dirs)
    if (!error) error = wasmnn_wasi_preopen_dir(wasi, host.c_str(), guest.c_str());
  if (!error) error = wasmnn_linker_define_wasi(linker, wasi);
  if (!error) error = wasmnn_linker_define_wasi_nn(linker, nn);
  if (!error) error = wasmnn_linker_instantiate(linker, module, &instance);
  if (!error) {
    wasmnn_extern start;
    if (wasmnn_instance_export(instance, "_start", &start)) {
      error = wasmnn_func_call(start.of.func, nullptr, 0, nullptr, 0);
      status = 0;
    }
  }
  if (error) {
    if (wasmnn_error_get_kind(error) == WASMNN_ERROR_EXIT) {
      status = wasmnn_error_exit_code(error);
    } else {
      status = -1;
      *why = wasmnn_error_message(error);
    }
    wasmnn_error_delete(error);
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_wasi_delete(wasi);
  return status;
}

}  // namespace wasmnn::test
