// Runs a WASI guest's _start in this process, in a store and instance of its
// own, with WASI-NN from a shared host: the tests of many instances on
// threads (nn_engine_test, the remote backend's test).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "wasmnn/wasi.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasmnn.h"

namespace wasmnn::test {

// `preopens` are {host directory, guest path}. Returns the guest's exit
// status, or -1 with the error in *why.
inline int runInstance(wasmnn_engine* engine, const wasmnn_module* module, wasmnn_nn_host* nn,
                       const std::vector<std::string>& args,
                       const std::vector<std::pair<std::string, std::string>>& preopens, std::string* why) {
  wasmnn_wasi* wasi = wasmnn_wasi_new();
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  wasmnn_wasi_set_args(wasi, argv.size(), argv.data());
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_instance* instance = nullptr;
  wasmnn_error* error = nullptr;
  for (const auto& [host, guest] : preopens)
    if (!error) error = wasmnn_wasi_preopen_dir(wasi, host.c_str(), guest.c_str());
  if (!error) error = wasmnn_linker_define_wasi(linker, wasi);
  if (!error) error = wasmnn_linker_define_wasi_nn(linker, nn);
  if (!error) error = wasmnn_linker_instantiate(linker, module, &instance);
  int status = -1;
  if (!error) {
    wasmnn_extern start;
    if (!wasmnn_instance_export(instance, "_start", &start))
      *why = "the guest exports no _start";
    else if (!(error = wasmnn_func_call(start.of.func, nullptr, 0, nullptr, 0)))
      status = 0;
  }
  if (error) {
    if (wasmnn_error_get_kind(error) == WASMNN_ERROR_EXIT)
      status = wasmnn_error_exit_code(error);
    else
      *why = wasmnn_error_message(error);
    wasmnn_error_delete(error);
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_wasi_delete(wasi);
  return status;
}

}  // namespace wasmnn::test
