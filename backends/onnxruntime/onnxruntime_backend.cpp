// WASI-NN backend on the ONNX Runtime C API (libwasmnn_backend_onnxruntime.so).
//
// A graph is one OrtSession, shared by all its contexts: OrtApi::Run is safe
// to call concurrently on one session, so contexts of one graph run in
// parallel. A context owns its input values (filled once from guest memory in
// set_input, as the plugin ABI requires) and the outputs of its last Run,
// which get_output copies straight into the guest's buffer.
#include <dlfcn.h>
#include <onnxruntime_c_api.h>
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "wasmnn/nn_backend_kit.hpp"

namespace {

using wasmnn::kit::fail;

constexpr const char* kName = "onnxruntime";
const OrtApi* ort = nullptr;
OrtEnv* env = nullptr;
bool cudaAvailable = false;

// ORT's status codes → WASI-NN errors (plugin ABI "errors" table).
wasmnn_nn_errno mapCode(OrtErrorCode code) {
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

// Consumes `status`: nothing on success, else throws the mapped errno with
// ORT's message.
void check(OrtStatus* status, const char* what) {
  if (!status) return;
  wasmnn_nn_errno err = mapCode(ort->GetErrorCode(status));
  std::string message = std::string(what) + ": " + ort->GetErrorMessage(status);
  ort->ReleaseStatus(status);
  throw wasmnn::kit::Error(err, std::move(message));
}

template <typename T, void (*Release)(T*)> struct Releaser {
  void operator()(T* p) const { Release(p); }
};
void releaseValue(OrtValue* v) { ort->ReleaseValue(v); }
void releaseTypeShape(OrtTensorTypeAndShapeInfo* i) { ort->ReleaseTensorTypeAndShapeInfo(i); }
void releaseTypeInfo(OrtTypeInfo* i) { ort->ReleaseTypeInfo(i); }
void releaseSession(OrtSession* s) { ort->ReleaseSession(s); }
void releaseOptions(OrtSessionOptions* o) { ort->ReleaseSessionOptions(o); }
using Value = std::unique_ptr<OrtValue, Releaser<OrtValue, releaseValue>>;
using TypeShape = std::unique_ptr<OrtTensorTypeAndShapeInfo, Releaser<OrtTensorTypeAndShapeInfo, releaseTypeShape>>;
using TypeInfo = std::unique_ptr<OrtTypeInfo, Releaser<OrtTypeInfo, releaseTypeInfo>>;
using Session = std::unique_ptr<OrtSession, Releaser<OrtSession, releaseSession>>;
using Options = std::unique_ptr<OrtSessionOptions, Releaser<OrtSessionOptions, releaseOptions>>;

ONNXTensorElementDataType onnxType(wasmnn_nn_tensor_type t) {
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
size_t elementSize(ONNXTensorElementDataType t) {
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

std::vector<std::string> readNames(OrtSession* s, bool inputs) {
  OrtAllocator* alloc = nullptr;
  check(ort->GetAllocatorWithDefaultOptions(&alloc), "allocator");
  size_t count = 0;
  check(inputs ? ort->SessionGetInputCount(s, &count) : ort->SessionGetOutputCount(s, &count),
        "reading the model's signature");
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    char* name = nullptr;
    check(inputs ? ort->SessionGetInputName(s, i, alloc, &name) : ort->SessionGetOutputName(s, i, alloc, &name),
          "reading the model's signature");
    names.emplace_back(name);
    alloc->Free(alloc, name);
  }
  return names;
}

void readInputSpec(OrtSession* s, size_t index, InputSpec& spec) {
  OrtTypeInfo* raw = nullptr;
  check(ort->SessionGetInputTypeInfo(s, index, &raw), "reading input type");
  TypeInfo info(raw);
  const OrtTensorTypeAndShapeInfo* tensor = nullptr;
  check(ort->CastTypeInfoToTensorInfo(raw, &tensor), "reading input type");
  if (!tensor) return;  // a sequence/map input: WASI-NN cannot feed those
  size_t rank = 0;
  check(ort->GetTensorElementType(tensor, &spec.type), "reading input type");
  check(ort->GetDimensionsCount(tensor, &rank), "reading input shape");
  spec.dims.resize(rank);
  check(ort->GetDimensions(tensor, spec.dims.data(), rank), "reading input shape");
}

Options makeOptions(wasmnn_nn_target target) {
  OrtSessionOptions* raw = nullptr;
  check(ort->CreateSessionOptions(&raw), "session options");
  Options options(raw);
  bool gpu = target == WASMNN_NN_TARGET_GPU || (target == WASMNN_NN_TARGET_AUTO && cudaAvailable);
  if (target == WASMNN_NN_TARGET_TPU)
    fail(WASMNN_NN_UNSUPPORTED_OPERATION,
         "target tpu is not available: this ONNX Runtime has no TPU execution provider");
  if (gpu && !cudaAvailable)
    fail(WASMNN_NN_UNSUPPORTED_OPERATION,
         "target gpu is not available: this ONNX Runtime has no CUDA execution provider");
  if (gpu) {
    OrtCUDAProviderOptions cuda{};
    if (OrtStatus* st = ort->SessionOptionsAppendExecutionProvider_CUDA(raw, &cuda)) {
      std::string why = ort->GetErrorMessage(st);
      ort->ReleaseStatus(st);
      fail(WASMNN_NN_UNSUPPORTED_OPERATION, "gpu target: %s", why.c_str());
    }
  }
  return options;
}

Session createSession(const wasmnn_nn_builder& model, const OrtSessionOptions* options) {
  OrtSession* session = nullptr;
  // A preloaded model is opened by path so ONNX external-data files next to it
  // resolve; guest bytes are parsed from memory only.
  OrtStatus* st = model.path ? ort->CreateSession(env, model.path, options, &session)
                             : ort->CreateSessionFromArray(env, model.data, model.size, options, &session);
  if (st) {
    // Whatever ORT rejects here is the caller's model (bytes, graph, opset),
    // except operators this build does not implement.
    OrtErrorCode code = ort->GetErrorCode(st);
    std::string why = ort->GetErrorMessage(st);
    ort->ReleaseStatus(st);
    fail(code == ORT_NOT_IMPLEMENTED ? WASMNN_NN_UNSUPPORTED_OPERATION : WASMNN_NN_INVALID_ARGUMENT,
         "model rejected: %s", why.c_str());
  }
  return Session(session);
}

// Rejects a type or fixed dimension the model does not take, naming both.
void checkInput(const InputSpec& spec, uint32_t index, const wasmnn::kit::Tensor& t) {
  if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED)
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "input %u (%s): the model takes a sequence or map there, not a tensor", index,
         spec.name.c_str());
  if (onnxType(t.type) != spec.type)
    fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): tensor type %s does not match the model's element type %d", index,
         spec.name.c_str(), t.typeName(), static_cast<int>(spec.type));
  bool fits = spec.dims.size() == t.dims.size();
  for (size_t i = 0; fits && i < t.dims.size(); ++i) fits = spec.dims[i] < 0 || spec.dims[i] == t.dims[i];
  if (!fits) {
    std::string want = "[";
    for (size_t i = 0; i < spec.dims.size(); ++i) {
      if (i) want += ',';
      want += spec.dims[i] < 0 ? std::string("?") : std::to_string(spec.dims[i]);
    }
    fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): shape %s does not match the model's %s]", index, spec.name.c_str(),
         wasmnn::kit::dimsText(t.dims).c_str(), want.c_str());
  }
}

// A tensor output's bytes; an errno for what has no raw byte form.
wasmnn::kit::Bytes tensorBytes(OrtValue* v, uint32_t index) {
  int isTensor = 0;
  check(ort->IsTensor(v, &isTensor), "reading the output");
  if (!isTensor)
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "output %u is a sequence or map, which WASI-NN cannot return", index);
  OrtTensorTypeAndShapeInfo* raw = nullptr;
  check(ort->GetTensorTypeAndShape(v, &raw), "reading the output");
  TypeShape info(raw);
  ONNXTensorElementDataType type{};
  size_t count = 0;
  check(ort->GetTensorElementType(raw, &type), "reading the output");
  check(ort->GetTensorShapeElementCount(raw, &count), "reading the output");
  size_t elem = elementSize(type);
  if (elem == 0)
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "output %u: element type %d (string or unknown) has no raw byte form", index,
         static_cast<int>(type));
  void* data = nullptr;
  check(ort->GetTensorMutableData(v, &data), "reading the output");
  return {static_cast<const std::byte*>(data), count * elem};
}

// ORT's own log lines go through the core's logger, at the matching level.
void ORT_API_CALL forwardLog(void*, OrtLoggingLevel severity, const char*, const char*, const char* codeLocation,
                             const char* message) {
  wasmnn_nn_log_level level = severity >= ORT_LOGGING_LEVEL_ERROR     ? WASMNN_NN_LOG_ERROR
                              : severity == ORT_LOGGING_LEVEL_WARNING ? WASMNN_NN_LOG_WARN
                              : severity == ORT_LOGGING_LEVEL_INFO    ? WASMNN_NN_LOG_INFO
                                                                      : WASMNN_NN_LOG_DEBUG;
  wasmnn_nn_log(level, kName, "%s (%s)", message, codeLocation);
}

OrtLoggingLevel ortLevel() {
  if (wasmnn_nn_log_enabled(WASMNN_NN_LOG_DEBUG)) return ORT_LOGGING_LEVEL_VERBOSE;
  if (wasmnn_nn_log_enabled(WASMNN_NN_LOG_INFO)) return ORT_LOGGING_LEVEL_INFO;
  return ORT_LOGGING_LEVEL_WARNING;
}

// GetAvailableProviders lists what ORT was compiled with (the npm build lists
// CUDA) even when the provider library or the driver is missing. ORT loads
// libonnxruntime_providers_cuda.so from its own directory: without that file
// there is no gpu (and no probe, which would log an ORT error on every run);
// with it, appending the provider tells whether a gpu session can be made.
bool cudaUsable() {
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
  Options options(raw);
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
size_t commandLineBytes() {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  cmdline.ignore(std::numeric_limits<std::streamsize>::max());
  return static_cast<size_t>(std::max<std::streamsize>(cmdline.gcount(), 0));
}

OrtStatus* createEnv() {
  struct Job {
    OrtStatus* status = nullptr;
  } job;
  auto run = [](void* arg) -> void* {
    static_cast<Job*>(arg)->status = ort->CreateEnvWithCustomLogger(forwardLog, nullptr, ortLevel(), "wasmnn", &env);
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t{16} << 20) + 512 * commandLineBytes());
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

}  // namespace

struct OnnxRuntimeBackend {
  static constexpr const char* kName = ::kName;
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_ONNX};

  static void init(wasmnn_nn_backend_info& info) {
    const OrtApiBase* base = OrtGetApiBase();
    ort = base->GetApi(ORT_API_VERSION);
    if (!ort)
      fail(WASMNN_NN_RUNTIME_ERROR, "libonnxruntime %s does not provide C API version %d (built against it)",
           base->GetVersionString(), ORT_API_VERSION);
    check(createEnv(), "creating the ONNX Runtime environment");
    cudaAvailable = cudaUsable();
    info.framework_name = "onnxruntime";
    info.framework_version = base->GetVersionString();
    info.target_mask =
        WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU) | (cudaAvailable ? WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_GPU) : 0u);
  }

  class Graph {
   public:
    explicit Graph(const wasmnn::kit::LoadArgs& args) {
      args.expectBuilders(1, 1, "one .onnx builder");
      Options options = makeOptions(args.target);
      session_ = createSession(args.builders[0], options.get());
      std::vector<std::string> inputNames = readNames(session_.get(), true);
      outputNames_ = readNames(session_.get(), false);
      inputs_.resize(inputNames.size());
      for (size_t i = 0; i < inputs_.size(); ++i) {
        inputs_[i].name = std::move(inputNames[i]);
        readInputSpec(session_.get(), i, inputs_[i]);
        inputNamePtrs_.push_back(inputs_[i].name.c_str());
      }
      for (const auto& n : outputNames_) outputNamePtrs_.push_back(n.c_str());
    }

    const std::vector<InputSpec>& inputs() const { return inputs_; }
    size_t outputCount() const { return outputNames_.size(); }

    // OrtApi::Run is thread-safe on one session.
    void run(const std::vector<const OrtValue*>& in, std::vector<OrtValue*>& out) const {
      out.assign(outputNames_.size(), nullptr);
      check(ort->Run(session_.get(), nullptr, inputNamePtrs_.data(), in.data(), in.size(), outputNamePtrs_.data(),
                     out.size(), out.data()),
            "running the model");
    }

   private:
    Session session_;
    std::vector<InputSpec> inputs_;
    std::vector<std::string> outputNames_;
    std::vector<const char*> inputNamePtrs_, outputNamePtrs_;
  };

  class Context {
   public:
    explicit Context(const Graph& graph) : graph_(graph), inputs_(graph.inputs().size()) {}

    void setInput(uint32_t index, const wasmnn::kit::Tensor& t) {
      wasmnn::kit::checkIndex(index, inputs_.size(), "input");
      checkInput(graph_.inputs()[index], index, t);
      std::vector<int64_t> dims(t.dims.begin(), t.dims.end());
      OrtAllocator* alloc = nullptr;
      check(ort->GetAllocatorWithDefaultOptions(&alloc), "allocator");
      // The single copy the plugin ABI asks for: guest memory may move before
      // compute, so the bytes go into an ORT-owned tensor now.
      OrtValue* raw = nullptr;
      check(ort->CreateTensorAsOrtValue(alloc, dims.data(), dims.size(), onnxType(t.type), &raw),
            "allocating the tensor");
      Value value(raw);
      void* data = nullptr;
      check(ort->GetTensorMutableData(raw, &data), "allocating the tensor");
      if (!t.data.empty()) std::memcpy(data, t.data.data(), t.data.size());
      inputs_[index] = std::move(value);
    }

    void compute() {
      outputs_.clear();
      std::vector<const OrtValue*> in;
      for (size_t i = 0; i < inputs_.size(); ++i) {
        if (!inputs_[i])
          fail(WASMNN_NN_RUNTIME_ERROR, "input %zu (%s) was never set", i, graph_.inputs()[i].name.c_str());
        in.push_back(inputs_[i].get());
      }
      std::vector<OrtValue*> out;
      try {
        graph_.run(in, out);
      } catch (...) {
        for (OrtValue* v : out) Value{v};  // release whatever Run produced
        throw;
      }
      for (OrtValue* v : out) outputs_.emplace_back(v);
    }

    wasmnn::kit::Bytes output(uint32_t index) {
      wasmnn::kit::checkIndex(index, graph_.outputCount(), "output");
      return tensorBytes(outputs_[index].get(), index);
    }

   private:
    const Graph& graph_;
    std::vector<Value> inputs_;
    std::vector<Value> outputs_;  // of the last successful compute
  };
};

WASMNN_KIT_BACKEND(OnnxRuntimeBackend)
