// The public C API of wasi_nn.h: host objects, preloads, the backend report,
// and the host functions of wasi_ephemeral_nn and wasi_nn defined in a linker.
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasi_nn/guest_abi.h"
#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/nn_host.h"

struct wasmnn_nn_host {
  std::shared_ptr<wasmnn::nn::NnHost> impl;
};

namespace {

using wasmnn::nn::GuestMemory;
using wasmnn::nn::NnInstance;

GuestMemory callerMemory(wasmnn_caller* caller) {
  wasmnn_memory* m = wasmnn_caller_memory(caller);
  if (!m) return {};
  return {wasmnn_memory_data(m), wasmnn_memory_size(m), true};
}

using Impl = uint32_t (*)(NnInstance&, GuestMemory, const uint32_t*);

struct HostFunc {
  const char* module;
  const char* name;
  size_t params;
  Impl impl;
};

constexpr const char* kEphemeral = "wasi_ephemeral_nn";
constexpr const char* kLegacy = "wasi_nn";
constexpr size_t kMaxParams = 6;

// All params and the result are i32; a = the guest's arguments as u32.
constexpr HostFunc kFuncs[] = {
    {kEphemeral, "load", 5,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.load(m, a[0], a[1], a[2], a[3], a[4]); }},
    {kEphemeral, "load_by_name", 3,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.loadByName(m, a[0], a[1], a[2]); }},
    {kEphemeral, "load_by_name_with_config", 5,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) {
       return n.loadByNameWithConfig(m, a[0], a[1], a[2], a[3], a[4]);
     }},
    {kEphemeral, "init_execution_context", 2,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.initExecutionContext(m, a[0], a[1]); }},
    {kEphemeral, "set_input", 3,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.setInput(m, a[0], a[1], a[2]); }},
    {kEphemeral, "compute", 1, [](NnInstance& n, GuestMemory, const uint32_t* a) { return n.compute(a[0]); }},
    {kEphemeral, "get_output", 5,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.getOutput(m, a[0], a[1], a[2], a[3], a[4]); }},
    {kEphemeral, "compute_single", 1,
     [](NnInstance& n, GuestMemory, const uint32_t* a) { return n.computeSingle(a[0]); }},
    {kEphemeral, "get_output_single", 5,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) {
       return n.getOutputSingle(m, a[0], a[1], a[2], a[3], a[4]);
     }},
    {kEphemeral, "fini_single", 1, [](NnInstance& n, GuestMemory, const uint32_t* a) { return n.finiSingle(a[0]); }},
    {kEphemeral, "unload", 1, [](NnInstance& n, GuestMemory, const uint32_t* a) { return n.unload(a[0]); }},
    {kEphemeral, "finalize_execution_context", 1,
     [](NnInstance& n, GuestMemory, const uint32_t* a) { return n.finalizeExecutionContext(a[0]); }},
    {kLegacy, "load", 4,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.legacyLoad(m, a[0], a[1], a[2], a[3]); }},
    {kLegacy, "load_by_name", 3,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.loadByName(m, a[0], a[1], a[2]); }},
    {kLegacy, "init_execution_context", 2,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.initExecutionContext(m, a[0], a[1]); }},
    {kLegacy, "set_input", 3,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.legacySetInput(m, a[0], a[1], a[2]); }},
    {kLegacy, "compute", 1, [](NnInstance& n, GuestMemory, const uint32_t* a) { return n.compute(a[0]); }},
    {kLegacy, "get_output", 4,
     [](NnInstance& n, GuestMemory m, const uint32_t* a) { return n.legacyGetOutput(m, a[0], a[1], a[2], a[3]); }},
};

// What the host functions' env points at: the WASI-NN state of the
// instances linked through one linker.
struct NnEnv {
  std::shared_ptr<NnInstance> instance;
};

template <size_t I>
wasmnn_error* trampoline(wasmnn_caller* caller, void* env, const wasmnn_val* args, wasmnn_val* results) {
  constexpr const HostFunc& f = kFuncs[I];
  uint32_t a[kMaxParams] = {0};
  for (size_t i = 0; i < f.params; ++i) a[i] = static_cast<uint32_t>(args[i].of.i32);
  results[0].kind = WASMNN_I32;
  uint32_t err;
  try {
    err = f.impl(*static_cast<NnEnv*>(env)->instance, callerMemory(caller), a);
  } catch (const std::bad_alloc&) {
    err = wasmnn::nn::fail(WASMNN_NN_RUNTIME_ERROR, std::string(f.name) + ": out of host memory");
  }
  results[0].of.i32 = static_cast<int32_t>(err);
  return nullptr;
}

constexpr wasmnn_valkind kI32s[kMaxParams] = {WASMNN_I32, WASMNN_I32, WASMNN_I32, WASMNN_I32, WASMNN_I32, WASMNN_I32};
constexpr wasmnn_valkind kResult[1] = {WASMNN_I32};

template <size_t... I> constexpr std::array<wasmnn_host_func_def, sizeof...(I)> makeTable(std::index_sequence<I...>) {
  return {
      wasmnn_host_func_def{kFuncs[I].module, kFuncs[I].name, {kFuncs[I].params, kI32s, 1, kResult}, &trampoline<I>}...};
}

constexpr auto kTable = makeTable(std::make_index_sequence<std::size(kFuncs)>());

void deleteEnv(void* env) { delete static_cast<NnEnv*>(env); }

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
  auto* env = new NnEnv{std::make_shared<NnInstance>(host->impl)};
  // The store owns env from here on and runs deleteEnv when it is deleted.
  wasmnn_error* error = wasmnn_linker_define_funcs(linker, kTable.data(), kTable.size(), env, deleteEnv);
  if (error) deleteEnv(env);
  return error;
}

}  // extern "C"
