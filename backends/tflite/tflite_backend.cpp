// WASI-NN backend on TensorFlow Lite's C++ API (libwasmnn_backend_tflite.so).
//
// A graph is the verified FlatBufferModel (over the backend's own copy of the
// bytes) and the op resolver; both are read-only and shared by its contexts.
// A TFLite interpreter serves one caller at a time, so each context owns one,
// built from the shared model; contexts of a graph run in parallel. Inputs
// are copied straight into the interpreter's input tensors (the one copy in);
// get_output copies from its output tensors into the guest (the one copy out).
//
// The library is the tflite:: C++ API inside PyPI tflite-runtime 2.14.0, the
// headers are Debian's 2.14.1 (setup.sh): every load checks that the
// interpreter the library built reads back as the model the headers parse
// (checkLayout), which would fail if the two disagreed on a class layout.
#include <tensorflow/lite/core/c/common.h>
#include <tensorflow/lite/interpreter.h>
#include <tensorflow/lite/interpreter_builder.h>
#include <tensorflow/lite/kernels/register.h>
#include <tensorflow/lite/logger.h>
#include <tensorflow/lite/minimal_logging.h>
#include <tensorflow/lite/model_builder.h>
#include <tensorflow/lite/schema/schema_generated.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasmnn/nn_backend_kit.hpp"

namespace {

using wasmnn::kit::fail;

constexpr const char* kName = "tflite";
constexpr size_t kMaxMessages = 2048;  // a hostile model can make TFLite report an error per node

// TFLite reports errors through an ErrorReporter: this one keeps them for the
// one log line of the failing call (nn_backend.h "errors").
class Messages : public tflite::ErrorReporter {
 public:
  int Report(const char* fmt, va_list args) override {
    std::string line = wasmnn::kit::vformat(fmt, args);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    if (text_.size() >= kMaxMessages) return 0;
    if (!text_.empty()) text_ += "; ";
    text_ += line.substr(0, kMaxMessages);
    return 0;
  }
  // What was reported since the last take().
  std::string take() {
    return text_.empty() ? std::string("(no message from TensorFlow Lite)") : std::exchange(text_, {});
  }

 private:
  std::string text_;
};

// An interpreter and the reporter it writes to (which must outlive it).
struct Session {
  std::unique_ptr<Messages> messages = std::make_unique<Messages>();
  std::unique_ptr<tflite::Interpreter> interpreter;
};

// Whether a guest tensor of type `t` can fill a model tensor of type `model`.
// WASI-NN has no int8: an int8 tensor takes the guest's u8 bytes as they are.
bool accepts(TfLiteType model, wasmnn_nn_tensor_type t) {
  switch (t) {
    case WASMNN_NN_TYPE_F16: return model == kTfLiteFloat16;
    case WASMNN_NN_TYPE_F32: return model == kTfLiteFloat32;
    case WASMNN_NN_TYPE_F64: return model == kTfLiteFloat64;
    case WASMNN_NN_TYPE_U8: return model == kTfLiteUInt8 || model == kTfLiteInt8;
    case WASMNN_NN_TYPE_I32: return model == kTfLiteInt32;
    case WASMNN_NN_TYPE_I64: return model == kTfLiteInt64;
  }
  return false;
}

std::span<const int> dimsOf(const TfLiteIntArray* a) {
  return a ? std::span<const int>(a->data, static_cast<size_t>(a->size)) : std::span<const int>();
}

// "[-1,16]"-style text of what a model input accepts: its signature if it has one.
std::string acceptedDims(const TfLiteTensor& t) {
  std::span<const int> sig = dimsOf(t.dims_signature);
  return wasmnn::kit::dimsText(sig.empty() ? dimsOf(t.dims) : sig);
}

// Whether the guest's dims fit the model input: same rank, and each
// dimension equal to the model's or -1 in its shape signature.
bool fits(const TfLiteTensor& t, std::span<const uint32_t> dims) {
  std::span<const int> cur = dimsOf(t.dims), sig = dimsOf(t.dims_signature);
  if (cur.size() != dims.size()) return false;
  for (size_t i = 0; i < dims.size(); ++i) {
    bool open = sig.size() == dims.size() && sig[i] == -1;
    if (dims[i] > INT_MAX || (!open && static_cast<uint32_t>(cur[i]) != dims[i])) return false;
  }
  return true;
}

bool sameDims(const TfLiteTensor& t, std::span<const uint32_t> dims) {
  std::span<const int> cur = dimsOf(t.dims);
  return std::equal(cur.begin(), cur.end(), dims.begin(), dims.end(),
                    [](int a, uint32_t b) { return a >= 0 && static_cast<uint32_t>(a) == b; });
}

bool sameIndices(const flatbuffers::Vector<int32_t>* model, const std::vector<int>& interpreter) {
  if (!model) return interpreter.empty();
  return std::equal(model->begin(), model->end(), interpreter.begin(), interpreter.end());
}

// The interpreter built by the library must read back as the model the
// headers' schema parses (checkGraph ran): the same input and output
// tensors, names and all.
void checkLayout(const tflite::Model& model, const tflite::Interpreter& in) {
  const tflite::SubGraph& graph = *model.subgraphs()->Get(0);
  bool same = sameIndices(graph.inputs(), in.inputs()) && sameIndices(graph.outputs(), in.outputs());
  for (const std::vector<int>* ids : {&in.inputs(), &in.outputs()}) {
    for (size_t i = 0; same && i < ids->size(); ++i) {
      const TfLiteTensor* t = in.tensor((*ids)[i]);
      const flatbuffers::String* name = graph.tensors()->Get((*ids)[i])->name();
      same = t && std::string_view(t->name ? t->name : "") == (name ? name->c_str() : "");  // TFLite keeps c_str()
    }
  }
  if (!same)
    fail(WASMNN_NN_RUNTIME_ERROR,
         "the TensorFlow Lite library and the headers the backend was built with disagree on the interpreter's "
         "layout (inputs/outputs read back differ from the model): rebuild against matching headers "
         "(backends/tflite/setup.sh)");
}

// Calls f on each id of a vector the model may omit.
template <typename F> void forEachId(const flatbuffers::Vector<int32_t>* ids, F&& f) {
  if (ids)
    for (int32_t id : *ids) f(id);
}

// What TFLite's interpreter and kernels take for granted beyond the
// flatbuffer verifier: the rules of TFLite's own model verifier
// (core/tools/verifier.cc, which no package ships), and two it lacks:
// subgraph inputs and outputs name real tensors, and an operator's first
// input is never omitted (-1 marks optional inputs such as biases; no
// builtin's first input is one). Fuzzing the backend with damaged models
// that pass the flatbuffer verifier (90,000 mutations of the test models)
// crashed the builder on a missing subgraph list, corrupted XNNPACK's
// partitioner with a subgraph output of -1 and crashed RESHAPE's and
// DEQUANTIZE's Prepare on an omitted first input; with these checks it found
// nothing more. Sparse and string constants, whose contents the kernels
// trust, are refused rather than verified.
void checkGraph(const tflite::Model& model) {
  const auto* subgraphs = model.subgraphs();
  const auto* buffers = model.buffers();
  const auto* codes = model.operator_codes();
  if (!subgraphs || subgraphs->size() == 0 || !buffers)
    fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: it has no %s", buffers ? "subgraph" : "buffer list");
  for (uint32_t s = 0; s < subgraphs->size(); ++s) {
    const tflite::SubGraph& graph = *subgraphs->Get(s);
    if (!graph.tensors() || !graph.operators())
      fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: subgraph %u has no %s list", s,
           graph.tensors() ? "operator" : "tensor");
    std::vector<bool> ready(graph.tensors()->size());  // has a value when the next operator runs
    auto tensor = [&](int32_t id, const std::string& who) {
      if (id < 0 || static_cast<size_t>(id) >= ready.size())
        fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: subgraph %u: %s names tensor %d of %zu", s, who.c_str(), id,
             ready.size());
      return static_cast<size_t>(id);
    };
    for (uint32_t t = 0; t < ready.size(); ++t) {
      const tflite::Tensor& info = *graph.tensors()->Get(t);
      if (info.buffer() >= buffers->size())
        fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: subgraph %u: tensor %u names buffer %u of %u", s, t,
             info.buffer(), buffers->size());
      const tflite::Buffer* buffer = buffers->Get(info.buffer());
      bool constant = info.buffer() > 0 && buffer && (buffer->data() || buffer->offset() > 1);
      if (constant && (info.sparsity() || info.type() == tflite::TensorType_STRING))
        fail(WASMNN_NN_UNSUPPORTED_OPERATION, "model rejected: subgraph %u: tensor %u is a %s constant", s, t,
             info.sparsity() ? "sparse" : "string");
      ready[t] = constant || info.is_variable();
    }
    forEachId(graph.inputs(), [&](int32_t id) { ready[tensor(id, "an input")] = true; });
    for (uint32_t o = 0; o < graph.operators()->size(); ++o) {
      const tflite::Operator& op = *graph.operators()->Get(o);
      if (!codes || op.opcode_index() >= codes->size() || !op.inputs() || !op.outputs())
        fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: subgraph %u: operator %u has no %s", s, o,
             !op.inputs() || !op.outputs() ? "input or output list" : "operator code");
      for (uint32_t k = 0; k < op.inputs()->size(); ++k) {
        int32_t id = op.inputs()->Get(k);
        if (id == -1 && k == 0)
          fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: subgraph %u: operator %u omits its first input", s, o);
        if (id != -1 && !ready[tensor(id, "operator " + std::to_string(o))])
          fail(WASMNN_NN_INVALID_ARGUMENT,
               "model rejected: subgraph %u: operator %u reads tensor %d, which no input, constant or earlier "
               "operator provides",
               s, o, id);
      }
      forEachId(op.intermediates(), [&](int32_t id) { tensor(id, "operator " + std::to_string(o)); });
      forEachId(op.outputs(), [&](int32_t id) {
        size_t t = tensor(id, "operator " + std::to_string(o));
        if (ready[t])
          fail(WASMNN_NN_INVALID_ARGUMENT,
               "model rejected: subgraph %u: operator %u writes tensor %d, which already has a value", s, o, id);
        ready[t] = true;
      });
    }
    forEachId(graph.outputs(), [&](int32_t id) {
      if (!ready[tensor(id, "an output")])
        fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: subgraph %u: output tensor %d is never computed", s, id);
    });
  }
}

// A model TFLite cannot run for want of an operator is unsupported; anything
// else it refuses is the caller's model.
wasmnn_nn_errno modelErrno(const std::string& messages) {
  bool missingOp = messages.find("Didn't find op for builtin opcode") != std::string::npos ||
                   messages.find("unresolved custom op") != std::string::npos;
  return missingOp ? WASMNN_NN_UNSUPPORTED_OPERATION : WASMNN_NN_INVALID_ARGUMENT;
}

std::vector<std::byte> bytesOf(const TfLiteTensor& t) {
  auto* data = reinterpret_cast<const std::byte*>(t.data.raw_const);
  return {data, data + t.bytes};
}

struct Freer {
  void operator()(void* p) const { wasmnn_nn_free(p); }
};

}  // namespace

struct TfLiteBackend {
  static constexpr const char* kName = ::kName;
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_TENSORFLOWLITE};

  static void init(wasmnn_nn_backend_info& info) {
    // TFLite's own log lines (e.g. "Created TensorFlow Lite XNNPACK delegate")
    // go to stderr; errors reach the backend through its reporters.
    tflite::logging_internal::MinimalLogger::SetMinimumLogSeverity(
        wasmnn_nn_log_enabled(WASMNN_NN_LOG_INFO) ? tflite::TFLITE_LOG_INFO : tflite::TFLITE_LOG_WARNING);
    info.framework_name = "tensorflow-lite";
    info.framework_version = WASMNN_TFLITE_VERSION;
    info.target_mask = WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU);
  }

  class Graph {
   public:
    explicit Graph(const wasmnn::kit::LoadArgs& args) {
      args.expectBuilders(1, 1, "one .tflite flatbuffer builder");
      if (args.target != WASMNN_NN_TARGET_CPU && args.target != WASMNN_NN_TARGET_AUTO)
        fail(WASMNN_NN_UNSUPPORTED_OPERATION, "target %s is not available: this TensorFlow Lite runs on the cpu only",
             args.target == WASMNN_NN_TARGET_GPU ? "gpu" : "tpu");
      threads_ = args.config.take<int>("threads", -1);
      if (threads_ < 1 && threads_ != -1)
        fail(WASMNN_NN_INVALID_ARGUMENT, "config option \"threads\" must be at least 1 (got %d)", threads_);
      bool xnnpack = args.config.take<bool>("xnnpack", true);
      // TFLite's default resolver applies the XNNPACK delegate to what it supports.
      if (xnnpack)
        resolver_ = std::make_unique<tflite::ops::builtin::BuiltinOpResolver>();
      else
        resolver_ = std::make_unique<tflite::ops::builtin::BuiltinOpResolverWithoutDefaultDelegates>();
      model_ = verifiedModel(args.builders[0]);
      checkGraph(*model_->GetModel());
      spare_ = newSession();
      checkLayout(*model_->GetModel(), *spare_.interpreter);
    }

    // An interpreter for a new context; the first one is the one load built.
    Session session() {
      {
        std::lock_guard<std::mutex> lock(spareLock_);
        if (spare_.interpreter) return std::move(spare_);
      }
      return newSession();
    }

   private:
    // TFLite's flatbuffer verifier: the identifier, and every offset and
    // vector inside the bytes (checkGraph and the interpreter builder then
    // check what the model's indices and sizes say).
    std::unique_ptr<tflite::FlatBufferModel> verifiedModel(const wasmnn_nn_builder& builder) {
      // Guest memory may move after load and constants are read in place: the
      // model lives in the graph's own 64-byte aligned copy.
      if (builder.size == 0) fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: the builder is empty");
      bytes_.reset(static_cast<uint8_t*>(wasmnn_nn_alloc(kName, builder.size)));
      if (!bytes_) fail(WASMNN_NN_INVALID_ARGUMENT, "model of %zu bytes: cannot hold a copy", builder.size);
      std::memcpy(bytes_.get(), builder.data, builder.size);
      auto model = tflite::FlatBufferModel::VerifyAndBuildFromBuffer(reinterpret_cast<const char*>(bytes_.get()),
                                                                     builder.size, nullptr, &loadMessages_);
      if (!model) fail(WASMNN_NN_INVALID_ARGUMENT, "model rejected: %s", loadMessages_.take().c_str());
      return model;
    }

    Session newSession() const {
      Session s;
      tflite::InterpreterBuilder builder(model_->GetModel(), *resolver_, s.messages.get(), nullptr,
                                         model_->allocation());
      if (threads_ != -1) builder.SetNumThreads(threads_);
      if (builder(&s.interpreter) != kTfLiteOk || !s.interpreter) {
        std::string why = s.messages->take();
        fail(modelErrno(why), "model rejected: %s", why.c_str());
      }
      if (s.interpreter->AllocateTensors() != kTfLiteOk) {
        std::string why = s.messages->take();
        fail(modelErrno(why), "model rejected: %s", why.c_str());
      }
      return s;
    }

    std::unique_ptr<uint8_t, Freer> bytes_;
    Messages loadMessages_;  // the model's reporter, used while it is built
    std::unique_ptr<tflite::FlatBufferModel> model_;
    std::unique_ptr<tflite::MutableOpResolver> resolver_;
    int threads_ = -1;  // TFLite's default
    std::mutex spareLock_;
    Session spare_;
  };

  class Context {
   public:
    explicit Context(Graph& graph)
        : session_(graph.session()), in_(*session_.interpreter), set_(in_.inputs().size()), held_(set_.size()) {}

    void setInput(uint32_t index, const wasmnn::kit::Tensor& t) {
      TfLiteTensor& tensor = input(index);
      if (!accepts(tensor.type, t.type))
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): tensor type %s does not match the model's %s", index,
             tensor.name, t.typeName(), TfLiteTypeGetName(tensor.type));
      if (!sameDims(tensor, t.dims)) resize(index, t.dims);
      if (tensor.bytes != t.data.size())
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): %zu bytes given, the tensor holds %zu", index, tensor.name,
             t.data.size(), tensor.bytes);
      if (reallocate_)
        held_[index].assign(t.data.begin(), t.data.end());
      else if (!t.data.empty())
        std::memcpy(tensor.data.raw, t.data.data(), t.data.size());
      set_[index] = true;
    }

    void compute() {
      for (size_t i = 0; i < set_.size(); ++i)
        if (!set_[i]) fail(WASMNN_NN_RUNTIME_ERROR, "input %zu (%s) was never set", i, input(i).name);
      if (reallocate_) allocate();
      if (in_.Invoke() != kTfLiteOk)
        fail(WASMNN_NN_RUNTIME_ERROR, "running the model: %s", session_.messages->take().c_str());
    }

    wasmnn::kit::Bytes output(uint32_t index) {
      wasmnn::kit::checkIndex(index, in_.outputs().size(), "output");
      const TfLiteTensor* t = in_.output_tensor(index);  // in range: checkGraph
      if (t->type == kTfLiteResource || t->type == kTfLiteVariant || (t->bytes && !t->data.raw))
        fail(WASMNN_NN_UNSUPPORTED_OPERATION, "output %u (%s): a %s tensor has no bytes to return", index, t->name,
             TfLiteTypeGetName(t->type));
      return {reinterpret_cast<const std::byte*>(t->data.raw_const), t->bytes};
    }

   private:
    TfLiteTensor& input(size_t index) {
      wasmnn::kit::checkIndex(static_cast<uint32_t>(index), in_.inputs().size(), "input");
      return *in_.tensor(in_.inputs()[index]);  // in range: checkGraph
    }

    // Resizes input `index` to the guest's dims where the model's shape
    // signature leaves a dimension open (-1). The tensors are reallocated at
    // compute, once every input has its shape (two inputs of an ADD must
    // agree); until then the inputs' bytes are held here, as reallocation
    // may move every tensor of the arena. Only a change of shape costs this
    // second copy, not an inference at the same shapes.
    void resize(uint32_t index, std::span<const uint32_t> dims) {
      const TfLiteTensor& t = input(index);
      if (!fits(t, dims))
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): shape %s does not match the model's %s (-1 may vary)", index,
             t.name, wasmnn::kit::dimsText(dims).c_str(), acceptedDims(t).c_str());
      if (!reallocate_)
        for (size_t i = 0; i < set_.size(); ++i)
          if (set_[i]) held_[i] = bytesOf(input(i));
      set_[index] = false;
      reallocate_ = true;
      if (in_.ResizeInputTensorStrict(in_.inputs()[index], std::vector<int>(dims.begin(), dims.end())) != kTfLiteOk)
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): the model cannot take shape %s: %s", index, t.name,
             wasmnn::kit::dimsText(dims).c_str(), session_.messages->take().c_str());
    }

    void allocate() {
      if (in_.AllocateTensors() != kTfLiteOk)
        fail(WASMNN_NN_INVALID_ARGUMENT, "the model cannot take these input shapes: %s",
             session_.messages->take().c_str());
      for (size_t i = 0; i < held_.size(); ++i) {
        if (!held_[i].empty()) std::memcpy(input(i).data.raw, held_[i].data(), held_[i].size());
        held_[i] = {};
      }
      reallocate_ = false;
    }

    Session session_;
    tflite::Interpreter& in_;
    std::vector<bool> set_;                     // inputs set since the context was made
    std::vector<std::vector<std::byte>> held_;  // their bytes while reallocate_
    bool reallocate_ = false;                   // an input changed shape since the last AllocateTensors
  };
};

WASMNN_KIT_BACKEND(TfLiteBackend)
