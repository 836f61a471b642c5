// The public C API of wasi_nn.h: host objects, preloads, the backend report,
// and the host functions of wasi_ephemeral_nn and wasi_nn defined in a linker.
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "wasmnn/common/host_binding.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasi_nn/guest_abi.h"
#include "wasmnn/wasi_nn/nn_host.h"

struct wasmnn_nn_host {
  std::shared_ptr<wasmnn::nn::NnHost> impl;
};

namespace {

using wasmnn::hostFunc;
using wasmnn::nn::NnInstance;

constexpr const char* kEphemeral = "wasi_ephemeral_nn";
constexpr const char* kLegacy = "wasi_nn";

// Every import bound to the NnInstance method implementing it; the wasm
// signature (all i32) comes from the method's parameters.
const auto kTable = std::to_array<wasmnn_host_func_def>({
    hostFunc<&NnInstance::load>(kEphemeral, "load"),
    hostFunc<&NnInstance::loadByName>(kEphemeral, "load_by_name"),
    hostFunc<&NnInstance::loadByNameWithConfig>(kEphemeral, "load_by_name_with_config"),
    hostFunc<&NnInstance::initExecutionContext>(kEphemeral, "init_execution_context"),
    hostFunc<&NnInstance::setInput>(kEphemeral, "set_input"),
    hostFunc<&NnInstance::compute>(kEphemeral, "compute"),
    hostFunc<&NnInstance::getOutput>(kEphemeral, "get_output"),
    hostFunc<&NnInstance::computeSingle>(kEphemeral, "compute_single"),
    hostFunc<&NnInstance::getOutputSingle>(kEphemeral, "get_output_single"),
    hostFunc<&NnInstance::finiSingle>(kEphemeral, "fini_single"),
    hostFunc<&NnInstance::unload>(kEphemeral, "unload"),
    hostFunc<&NnInstance::finalizeExecutionContext>(kEphemeral, "finalize_execution_context"),
    hostFunc<&NnInstance::legacyLoad>(kLegacy, "load"),
    hostFunc<&NnInstance::loadByName>(kLegacy, "load_by_name"),
    hostFunc<&NnInstance::initExecutionContext>(kLegacy, "init_execution_context"),
    hostFunc<&NnInstance::legacySetInput>(kLegacy, "set_input"),
    hostFunc<&NnInstance::compute>(kLegacy, "compute"),
    hostFunc<&NnInstance::legacyGetOutput>(kLegacy, "get_output"),
});

// The host functions' env: the WASI-NN state of the instance linked through one linker.
void deleteEnv(void* env) { delete static_cast<NnInstance*>(env); }

}  // namespace

extern "C" {

WASMNN_API wasmnn_nn_host* wasmnn_nn_host_new(void) {
  return new (std::nothrow) wasmnn_nn_host{std::make_shared<wasmnn::nn::NnHost>()};
}

WASMNN_API void wasmnn_nn_host_delete(wasmnn_nn_host* host) { delete host; }

WASMNN_API void wasmnn_nn_host_add_backend_dir(wasmnn_nn_host* host, const char* dir) {
  if (host && dir && *dir) host->impl->backends().addDir(dir);
}

WASMNN_API void wasmnn_nn_host_set_limits(wasmnn_nn_host* host, const wasmnn_nn_limits* limits) {
  if (host && limits) host->impl->setLimits(limits->max_graphs, limits->max_contexts);
}

WASMNN_API wasmnn_error* wasmnn_nn_host_preload(wasmnn_nn_host* host, const char* spec) {
  if (!host || !spec) return wasmnn_error_new(WASMNN_ERROR_HOST, "wasmnn_nn_host_preload: NULL argument");
  auto parsed = wasmnn::nn::parsePreloadSpec(spec);
  if (!parsed) return wasmnn_error_new(WASMNN_ERROR_HOST, parsed.error().message.c_str());
  auto added = host->impl->models().add(std::move(*parsed));
  if (!added) return wasmnn_error_new(WASMNN_ERROR_HOST, added.error().message.c_str());
  return nullptr;
}

WASMNN_API char* wasmnn_nn_host_describe_backends(wasmnn_nn_host* host) {
  std::string text = host ? host->impl->backends().describe() : std::string("no WASI-NN host\n");
  return strdup(text.c_str());
}

WASMNN_API void wasmnn_nn_string_delete(char* text) { std::free(text); }

WASMNN_API wasmnn_error* wasmnn_linker_define_wasi_nn(wasmnn_linker* linker, wasmnn_nn_host* host) {
  if (!linker || !host) return wasmnn_error_new(WASMNN_ERROR_HOST, "wasmnn_linker_define_wasi_nn: NULL argument");
  auto* env = new NnInstance(host->impl);
  // The store owns env from here on and runs deleteEnv when it is deleted.
  wasmnn_error* error = wasmnn_linker_define_funcs(linker, kTable.data(), kTable.size(), env, deleteEnv);
  if (error) deleteEnv(env);
  return error;
}

}  // extern "C"
