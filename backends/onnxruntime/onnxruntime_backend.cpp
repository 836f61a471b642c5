// WASI-NN backend on the ONNX Runtime C API (libwasmnn_backend_onnxruntime.so).
//
// A graph is one OrtSession, shared by all its contexts: OrtApi::Run is safe
// to call concurrently on one session, so contexts of one graph run in
// parallel. A context owns its input values (filled once from guest memory in
// set_input, as the plugin ABI requires) and the outputs of its last Run,
// which get_output copies straight into the guest's buffer.
#include <onnxruntime_c_api.h>

#include <nlohmann/json.hpp>

#include <dlfcn.h>
#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "wasmnn/nn_backend.h"

namespace {

constexpr const char* kName = "onnxruntime";
const OrtApi* ort = nullptr;
OrtEnv* env = nullptr;
bool cuda_available = false;

// A macro rather than a function so the compiler checks each printf format.
#define LOG_ERROR(...) wasmnn_nn_log(WASMNN_NN_LOG_ERROR, kName, __VA_ARGS__)

// ORT's status codes → WASI-NN errors (plugin ABI "errors" table).
wasmnn_nn_errno map_code(OrtErrorCode code) {
  switch (code) {
    case ORT_INVALID_ARGUMENT:
    case ORT_NO_SUCHFILE:
    case ORT_NO_MODEL:
    case ORT_INVALID_PROTOBUF:
    case ORT_INVALID_GRAPH:
    case ORT_MODEL_LOADED: return WASMNN_NN_INVALID_ARGUMENT;
    case ORT_NOT_IMPLEMENTED:
    case ORT_EP_FAIL: return WASMNN_NN_UNSUPPORTED_OPERATION;
    default: return WASMNN_NN_RUNTIME_ERROR;
  }
}

// Consumes `status`: success, or the mapped errno with ORT's message logged.
wasmnn_nn_errno check(OrtStatus* status, const char* what) {
  if (!status) return WASMNN_NN_SUCCESS;
  wasmnn_nn_errno err = map_code(ort->GetErrorCode(status));
  LOG_ERROR("%s: %s", what, ort->GetErrorMessage(status));
  ort->ReleaseStatus(status);
  return err;
}

struct ValueDeleter {
  void operator()(OrtValue* v) const { ort->ReleaseValue(v); }
};
using Value = std::unique_ptr<OrtValue, ValueDeleter>;

struct TypeShapeDeleter {
  void operator()(OrtTensorTypeAndShapeInfo* i) const { ort->ReleaseTensorTypeAndShapeInfo(i); }
};
using TypeShape = std::unique_ptr<OrtTensorTypeAndShapeInfo, TypeShapeDeleter>;

struct SessionDeleter {
  void operator()(OrtSession* s) const { ort->ReleaseSession(s); }
};
struct OptionsDeleter {
  void operator()(OrtSessionOptions* o) const { ort->ReleaseSessionOptions(o); }
};

ONNXTensorElementDataType onnx_type(wasmnn_nn_tensor_type t) {
  switch (t) {
    case WASMNN_NN_TYPE_F16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    case WASMNN_NN_TYPE_F32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case WASMNN_NN_TYPE_F64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
    case WASMNN_NN_TYPE_U8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    case WASMNN_NN_TYPE_I32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case WASMNN_NN_TYPE_I64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

// Bytes per element of every fixed-size ONNX type (outputs are raw bytes,
// whatever their type); 0 for strings and unknown types.
size_t element_size(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return 1;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: return 2;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return 4;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64: return 8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX128: return 16;
    default: return 0;
  }
}

// What a graph input accepts, read once at load so set_input can reject a
// wrong type or fixed dimension with a precise message.
struct InputSpec {
  std::string name;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;  // UNDEFINED: not a tensor
  std::vector<int64_t> dims;                                                 // < 0: symbolic
};

}  // namespace

struct wasmnn_nn_graph {
  std::unique_ptr<OrtSession, SessionDeleter> session;
  std::vector<InputSpec> inputs;
  std::vector<std::string> output_names;
  std::vector<const char*> input_name_ptrs, output_name_ptrs;
};

struct wasmnn_nn_context {
  wasmnn_nn_graph* graph;
  std::vector<Value> inputs;
  std::vector<Value> outputs;  // empty until a compute succeeded
};

namespace {

wasmnn_nn_errno read_names(OrtSession* s, bool inputs, std::vector<std::string>& names) {
  OrtAllocator* alloc = nullptr;
  if (auto e = check(ort->GetAllocatorWithDefaultOptions(&alloc), "allocator")) return e;
  size_t count = 0;
  if (auto e = check(inputs ? ort->SessionGetInputCount(s, &count) : ort->SessionGetOutputCount(s, &count),
                     "reading the model's signature"))
    return e;
  for (size_t i = 0; i < count; ++i) {
    char* name = nullptr;
    OrtStatus* st =
        inputs ? ort->SessionGetInputName(s, i, alloc, &name) : ort->SessionGetOutputName(s, i, alloc, &name);
    if (auto e = check(st, "reading the model's signature")) return e;
    names.emplace_back(name);
    alloc->Free(alloc, name);
  }
  return WASMNN_NN_SUCCESS;
}

wasmnn_nn_errno read_input_spec(OrtSession* s, size_t index, InputSpec& spec) {
  OrtTypeInfo* info = nullptr;
  if (auto e = check(ort->SessionGetInputTypeInfo(s, index, &info), "reading input type")) return e;
  const OrtTensorTypeAndShapeInfo* tensor = nullptr;
  wasmnn_nn_errno err = check(ort->CastTypeInfoToTensorInfo(info, &tensor), "reading input type");
  if (!err && tensor) {  // NULL for sequence/map inputs: WASI-NN cannot feed those
    size_t rank = 0;
    err = check(ort->GetTensorElementType(tensor, &spec.type), "reading input type");
    if (!err) err = check(ort->GetDimensionsCount(tensor, &rank), "reading input shape");
    spec.dims.resize(rank);
    if (!err) err = check(ort->GetDimensions(tensor, spec.dims.data(), rank), "reading input shape");
  }
  ort->ReleaseTypeInfo(info);
  return err;
}

wasmnn_nn_errno describe_graph(wasmnn_nn_graph& g) {
  std::vector<std::string> in_names;
  if (auto e = read_names(g.session.get(), true, in_names)) return e;
  if (auto e = read_names(g.session.get(), false, g.output_names)) return e;
  g.inputs.resize(in_names.size());
  for (size_t i = 0; i < in_names.size(); ++i) {
    g.inputs[i].name = std::move(in_names[i]);
    if (auto e = read_input_spec(g.session.get(), i, g.inputs[i])) return e;
    g.input_name_ptrs.push_back(g.inputs[i].name.c_str());
  }
  for (const auto& n : g.output_names) g.output_name_ptrs.push_back(n.c_str());
  return WASMNN_NN_SUCCESS;
}

// Accepts no config or an empty JSON object: this backend has no options yet.
wasmnn_nn_errno check_config(const char* json, size_t len) {
  if (len == 0) return WASMNN_NN_SUCCESS;
  auto parsed = nlohmann::json::parse(std::string_view(json, len), nullptr, false);
  if (parsed.is_object() && parsed.empty()) return WASMNN_NN_SUCCESS;
  LOG_ERROR("load: config %s: this backend takes no options (expected {})",
            parsed.is_discarded() ? "is not valid JSON" : "has unknown options");
  return WASMNN_NN_INVALID_ARGUMENT;
}

wasmnn_nn_errno make_options(wasmnn_nn_target target, OrtSessionOptions** out) {
  if (auto e = check(ort->CreateSessionOptions(out), "session options")) return e;
  bool gpu = target == WASMNN_NN_TARGET_GPU || (target == WASMNN_NN_TARGET_AUTO && cuda_available);
  if (target == WASMNN_NN_TARGET_TPU || (gpu && !cuda_available)) {
    LOG_ERROR("load: target %s is not available: this ONNX Runtime has no %s execution provider",
              target == WASMNN_NN_TARGET_TPU ? "tpu" : "gpu", target == WASMNN_NN_TARGET_TPU ? "TPU" : "CUDA");
    return WASMNN_NN_UNSUPPORTED_OPERATION;
  }
  if (gpu) {
    OrtCUDAProviderOptions cuda{};
    if (auto e = check(ort->SessionOptionsAppendExecutionProvider_CUDA(*out, &cuda), "load: gpu target")) {
      return e == WASMNN_NN_RUNTIME_ERROR ? WASMNN_NN_UNSUPPORTED_OPERATION : e;
    }
  }
  return WASMNN_NN_SUCCESS;
}

wasmnn_nn_errno load(wasmnn_nn_encoding encoding, wasmnn_nn_target target, const wasmnn_nn_builder* builders,
                     uint32_t builder_count, const char* config, size_t config_len, wasmnn_nn_graph** out) try {
  if (encoding != WASMNN_NN_ENCODING_ONNX || builder_count != 1) {
    LOG_ERROR("load: expected one .onnx builder for encoding onnx, got %u builder(s) for encoding %s", builder_count,
              wasmnn_nn_encoding_name(encoding));
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  if (auto e = check_config(config, config_len)) return e;
  OrtSessionOptions* raw_options = nullptr;
  wasmnn_nn_errno err = make_options(target, &raw_options);
  std::unique_ptr<OrtSessionOptions, OptionsDeleter> options(raw_options);
  if (err) return err;

  auto graph = std::make_unique<wasmnn_nn_graph>();
  OrtSession* session = nullptr;
  // A preloaded model is opened by path so ONNX external-data files next to it
  // resolve; guest bytes are parsed from memory only.
  OrtStatus* st = builders[0].path
                      ? ort->CreateSession(env, builders[0].path, options.get(), &session)
                      : ort->CreateSessionFromArray(env, builders[0].data, builders[0].size, options.get(), &session);
  if (st) {
    // Whatever ORT rejects here is the caller's model (bytes, graph, opset),
    // except operators this build does not implement.
    OrtErrorCode code = ort->GetErrorCode(st);
    LOG_ERROR("load: model rejected: %s", ort->GetErrorMessage(st));
    ort->ReleaseStatus(st);
    return code == ORT_NOT_IMPLEMENTED ? WASMNN_NN_UNSUPPORTED_OPERATION : WASMNN_NN_INVALID_ARGUMENT;
  }
  graph->session.reset(session);
  if (auto e = describe_graph(*graph)) return e;
  *out = graph.release();
  return WASMNN_NN_SUCCESS;
} catch (const std::bad_alloc&) {
  LOG_ERROR("load: out of memory");
  return WASMNN_NN_RUNTIME_ERROR;
}

void destroy_graph(wasmnn_nn_graph* graph) { delete graph; }

wasmnn_nn_errno init_context(wasmnn_nn_graph* graph, wasmnn_nn_context** out) try {
  auto ctx = std::make_unique<wasmnn_nn_context>(wasmnn_nn_context{graph, {}, {}});
  ctx->inputs.resize(graph->inputs.size());
  *out = ctx.release();
  return WASMNN_NN_SUCCESS;
} catch (const std::bad_alloc&) {
  LOG_ERROR("init_execution_context: out of memory");
  return WASMNN_NN_RUNTIME_ERROR;
}

void destroy_context(wasmnn_nn_context* ctx) { delete ctx; }

std::string dims_text(const int64_t* dims, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i) s += ',';
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  s += ']';
  return s;
}

// Rejects a type or fixed dimension the model does not take, naming both.
wasmnn_nn_errno check_input(const InputSpec& spec, uint32_t index, const wasmnn_nn_tensor& t,
                            const std::vector<int64_t>& dims) {
  if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED) {
    LOG_ERROR("set_input %u (%s): the model takes a sequence or map there, not a tensor", index, spec.name.c_str());
    return WASMNN_NN_UNSUPPORTED_OPERATION;
  }
  if (onnx_type(t.type) != spec.type) {
    LOG_ERROR("set_input %u (%s): tensor type %s does not match the model's element type %d", index, spec.name.c_str(),
              wasmnn_nn_tensor_type_name(t.type), static_cast<int>(spec.type));
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  bool fits = spec.dims.size() == dims.size();
  for (size_t i = 0; fits && i < dims.size(); ++i) fits = spec.dims[i] < 0 || spec.dims[i] == dims[i];
  if (!fits) {
    LOG_ERROR("set_input %u (%s): shape %s does not match the model's %s", index, spec.name.c_str(),
              dims_text(dims.data(), dims.size()).c_str(), dims_text(spec.dims.data(), spec.dims.size()).c_str());
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  return WASMNN_NN_SUCCESS;
}

wasmnn_nn_errno set_input(wasmnn_nn_context* ctx, uint32_t index, const wasmnn_nn_tensor* t) try {
  const auto& specs = ctx->graph->inputs;
  if (index >= specs.size()) {
    LOG_ERROR("set_input: index %u out of range: the model has %zu input(s)", index, specs.size());
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  std::vector<int64_t> dims(t->dims, t->dims + t->rank);
  if (auto e = check_input(specs[index], index, *t, dims)) return e;
  OrtAllocator* alloc = nullptr;
  if (auto e = check(ort->GetAllocatorWithDefaultOptions(&alloc), "set_input")) return e;
  // The single copy the plugin ABI asks for: guest memory may move before
  // compute, so the bytes go into an ORT-owned tensor now.
  OrtValue* raw = nullptr;
  if (auto e = check(ort->CreateTensorAsOrtValue(alloc, dims.data(), dims.size(), onnx_type(t->type), &raw),
                     "set_input: allocating the tensor"))
    return e;
  Value value(raw);
  void* data = nullptr;
  if (auto e = check(ort->GetTensorMutableData(raw, &data), "set_input")) return e;
  if (t->size) std::memcpy(data, t->data, t->size);
  ctx->inputs[index] = std::move(value);
  ctx->outputs.clear();
  return WASMNN_NN_SUCCESS;
} catch (const std::bad_alloc&) {
  LOG_ERROR("set_input: out of memory");
  return WASMNN_NN_RUNTIME_ERROR;
}

wasmnn_nn_errno compute(wasmnn_nn_context* ctx) try {
  wasmnn_nn_graph& g = *ctx->graph;
  std::vector<const OrtValue*> in;
  for (size_t i = 0; i < ctx->inputs.size(); ++i) {
    if (!ctx->inputs[i]) {
      LOG_ERROR("compute: input %zu (%s) was never set", i, g.inputs[i].name.c_str());
      return WASMNN_NN_RUNTIME_ERROR;
    }
    in.push_back(ctx->inputs[i].get());
  }
  ctx->outputs.clear();
  std::vector<OrtValue*> out(g.output_names.size(), nullptr);
  wasmnn_nn_errno err = check(ort->Run(g.session.get(), nullptr, g.input_name_ptrs.data(), in.data(), in.size(),
                                       g.output_name_ptrs.data(), out.size(), out.data()),
                              "compute");
  for (OrtValue* v : out) ctx->outputs.emplace_back(v);  // owns whatever Run produced
  if (err) ctx->outputs.clear();
  return err;
} catch (const std::bad_alloc&) {
  LOG_ERROR("compute: out of memory");
  return WASMNN_NN_RUNTIME_ERROR;
}

// Size in bytes of a tensor output; 0 with an errno for what cannot be sent.
wasmnn_nn_errno output_bytes(OrtValue* v, uint32_t index, size_t& bytes) {
  int is_tensor = 0;
  if (auto e = check(ort->IsTensor(v, &is_tensor), "get_output")) return e;
  if (!is_tensor) {
    LOG_ERROR("get_output %u: the output is a sequence or map, which WASI-NN cannot return", index);
    return WASMNN_NN_UNSUPPORTED_OPERATION;
  }
  OrtTensorTypeAndShapeInfo* raw = nullptr;
  if (auto e = check(ort->GetTensorTypeAndShape(v, &raw), "get_output")) return e;
  TypeShape info(raw);
  ONNXTensorElementDataType type{};
  size_t count = 0;
  if (auto e = check(ort->GetTensorElementType(raw, &type), "get_output")) return e;
  if (auto e = check(ort->GetTensorShapeElementCount(raw, &count), "get_output")) return e;
  size_t elem = element_size(type);
  if (elem == 0) {
    LOG_ERROR("get_output %u: element type %d (string or unknown) has no raw byte form", index, static_cast<int>(type));
    return WASMNN_NN_UNSUPPORTED_OPERATION;
  }
  bytes = count * elem;
  return WASMNN_NN_SUCCESS;
}

wasmnn_nn_errno get_output(wasmnn_nn_context* ctx, uint32_t index, void* buf, size_t cap, size_t* size_out) {
  if (index >= ctx->graph->output_names.size()) {
    LOG_ERROR("get_output: index %u out of range: the model has %zu output(s)", index, ctx->graph->output_names.size());
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  if (ctx->outputs.empty()) {
    LOG_ERROR("get_output %u: no result: compute has not succeeded since the last set_input", index);
    return WASMNN_NN_RUNTIME_ERROR;
  }
  OrtValue* v = ctx->outputs[index].get();
  size_t bytes = 0;
  if (auto e = output_bytes(v, index, bytes)) return e;
  *size_out = bytes;
  if (bytes > cap) return WASMNN_NN_TOO_LARGE;
  void* data = nullptr;
  if (auto e = check(ort->GetTensorMutableData(v, &data), "get_output")) return e;
  if (bytes) std::memcpy(buf, data, bytes);
  return WASMNN_NN_SUCCESS;
}

// ORT's own log lines go through the core's logger, at the matching level.
void ORT_API_CALL forward_log(void*, OrtLoggingLevel severity, const char*, const char*, const char* code_location,
                              const char* message) {
  wasmnn_nn_log_level level = severity >= ORT_LOGGING_LEVEL_ERROR     ? WASMNN_NN_LOG_ERROR
                              : severity == ORT_LOGGING_LEVEL_WARNING ? WASMNN_NN_LOG_WARN
                              : severity == ORT_LOGGING_LEVEL_INFO    ? WASMNN_NN_LOG_INFO
                                                                      : WASMNN_NN_LOG_DEBUG;
  wasmnn_nn_log(level, kName, "%s (%s)", message, code_location);
}

OrtLoggingLevel ort_level() {
  if (wasmnn_nn_log_enabled(WASMNN_NN_LOG_DEBUG)) return ORT_LOGGING_LEVEL_VERBOSE;
  if (wasmnn_nn_log_enabled(WASMNN_NN_LOG_INFO)) return ORT_LOGGING_LEVEL_INFO;
  return ORT_LOGGING_LEVEL_WARNING;
}

// GetAvailableProviders lists what ORT was compiled with (the npm build lists
// CUDA) even when the provider library or the driver is missing. ORT loads
// libonnxruntime_providers_cuda.so from its own directory: without that file
// there is no gpu (and no probe, which would log an ORT error on every run);
// with it, appending the provider tells whether a gpu session can be made.
bool cuda_usable() {
  Dl_info self{};
  if (!dladdr(reinterpret_cast<void*>(&OrtGetApiBase), &self) || !self.dli_fname) return false;
  std::error_code ec;
  auto provider = std::filesystem::path(self.dli_fname).parent_path() / "libonnxruntime_providers_cuda.so";
  if (!std::filesystem::exists(provider, ec)) return false;
  OrtSessionOptions* raw = nullptr;
  if (OrtStatus* st = ort->CreateSessionOptions(&raw)) {
    ort->ReleaseStatus(st);
    return false;
  }
  std::unique_ptr<OrtSessionOptions, OptionsDeleter> options(raw);
  OrtCUDAProviderOptions cuda{};
  OrtStatus* st = ort->SessionOptionsAppendExecutionProvider_CUDA(raw, &cuda);
  if (!st) return true;
  wasmnn_nn_log(WASMNN_NN_LOG_INFO, kName, "no gpu target: %s", ort->GetErrorMessage(st));
  ort->ReleaseStatus(st);
  return false;
}

// ORT 1.30's environment setup parses /proc/self/cmdline recursively, about
// 300 bytes of stack per byte of command line: a host whose guest got a
// 30 KB argument overflows the 8 MiB main stack and dies. So the environment
// is created on a helper thread whose stack grows with the command line.
size_t command_line_bytes() {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  cmdline.ignore(std::numeric_limits<std::streamsize>::max());
  return static_cast<size_t>(std::max<std::streamsize>(cmdline.gcount(), 0));
}

OrtStatus* create_env() {
  struct Job {
    OrtStatus* status = nullptr;
  } job;
  auto run = [](void* arg) -> void* {
    static_cast<Job*>(arg)->status = ort->CreateEnvWithCustomLogger(forward_log, nullptr, ort_level(), "wasmnn", &env);
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t{16} << 20) + 512 * command_line_bytes());
  pthread_t thread;
  bool started = pthread_create(&thread, &attr, run, &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) {
    run(&job);  // no thread to be had: try on this stack
  } else {
    pthread_join(thread, nullptr);
  }
  return job.status;
}

wasmnn_nn_errno init(wasmnn_nn_backend_info* info, char* why, size_t why_cap) {
  const OrtApiBase* base = OrtGetApiBase();
  ort = base->GetApi(ORT_API_VERSION);
  if (!ort) {
    std::snprintf(why, why_cap, "libonnxruntime %s does not provide C API version %d (built against it)",
                  base->GetVersionString(), ORT_API_VERSION);
    return WASMNN_NN_RUNTIME_ERROR;
  }
  if (OrtStatus* st = create_env()) {
    std::snprintf(why, why_cap, "creating the ONNX Runtime environment: %s", ort->GetErrorMessage(st));
    ort->ReleaseStatus(st);
    return WASMNN_NN_RUNTIME_ERROR;
  }
  cuda_available = cuda_usable();
  info->framework_name = "onnxruntime";
  info->framework_version = base->GetVersionString();
  info->target_mask =
      WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU) | (cuda_available ? WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_GPU) : 0u);
  return WASMNN_NN_SUCCESS;
}

const wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_ONNX};

const wasmnn_nn_backend kBackend = {
    .abi_version = WASMNN_NN_BACKEND_ABI_VERSION,
    .struct_size = sizeof(wasmnn_nn_backend),
    .name = kName,
    .version = WASMNN_VERSION_STRING,
    .encodings = kEncodings,
    .encoding_count = 1,
    .init = init,
    .load = load,
    .destroy_graph = destroy_graph,
    .init_context = init_context,
    .destroy_context = destroy_context,
    .set_input = set_input,
    .compute = compute,
    .get_output = get_output,
    .compute_single = nullptr,
    .get_output_single = nullptr,
    .fini_single = nullptr,
    .sandbox_flags = 0,
};

}  // namespace

extern "C" WASMNN_NN_BACKEND_ENTRY(host_abi_version) {
  return host_abi_version == WASMNN_NN_BACKEND_ABI_VERSION ? &kBackend : nullptr;
}
