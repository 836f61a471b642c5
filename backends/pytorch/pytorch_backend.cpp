// WASI-NN backend on libtorch's TorchScript runtime (libwasmnn_backend_pytorch.so).
//
// A graph is one loaded torch::jit::Module in eval mode, shared read-only by
// its contexts: TorchScript's forward may run from several threads at once,
// so contexts of one graph compute in parallel. A context owns its input
// tensors (copied once from guest memory in set_input, as the plugin ABI
// requires) and the flattened outputs of its last forward, which get_output
// copies straight into the guest's buffer.
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cstring>
#include <istream>
#include <streambuf>
#include <vector>

#include "wasmnn/nn_backend_kit.hpp"

namespace {

using wasmnn::kit::fail;

at::ScalarType torchType(wasmnn_nn_tensor_type t) {
  switch (t) {
    case WASMNN_NN_TYPE_F16: return at::kHalf;
    case WASMNN_NN_TYPE_F32: return at::kFloat;
    case WASMNN_NN_TYPE_F64: return at::kDouble;
    case WASMNN_NN_TYPE_U8: return at::kByte;
    case WASMNN_NN_TYPE_I32: return at::kInt;
    case WASMNN_NN_TYPE_I64: return at::kLong;
  }
  return at::kFloat;  // unreachable: the host passes only the six types above
}

bool cudaUsable() { return torch::cuda::is_available(); }

c10::Device pickDevice(wasmnn_nn_target target) {
  switch (target) {
    case WASMNN_NN_TARGET_CPU: return c10::kCPU;
    case WASMNN_NN_TARGET_AUTO: return cudaUsable() ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
    case WASMNN_NN_TARGET_GPU:
      if (cudaUsable()) return c10::kCUDA;
      fail(WASMNN_NN_UNSUPPORTED_OPERATION, "target gpu is not available: libtorch %s sees no CUDA device",
           TORCH_VERSION);
    default: fail(WASMNN_NN_UNSUPPORTED_OPERATION, "target tpu is not supported by libtorch");
  }
}

// A read-only, seekable view of the builder's bytes, so torch::jit::load
// reads the archive in place instead of from a copy of the whole model.
class MemoryStreamBuf : public std::streambuf {
 public:
  MemoryStreamBuf(const uint8_t* data, size_t size) {
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(data));  // never written through
    setg(begin, begin, begin + size);
  }

 protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) override {
    char* base = dir == std::ios_base::beg ? eback() : dir == std::ios_base::cur ? gptr() : egptr();
    if (off < eback() - base || off > egptr() - base) return pos_type(off_type(-1));
    setg(eback(), base + off, egptr());
    return pos_type(gptr() - eback());
  }
  pos_type seekpos(pos_type pos, std::ios_base::openmode which) override {
    return seekoff(off_type(pos), std::ios_base::beg, which);
  }
};

const char* messageOf(const std::exception& e) {
  const auto* c10e = dynamic_cast<const c10::Error*>(&e);
  return c10e ? c10e->what_without_backtrace() : e.what();
}

// Outputs as WASI-NN sees them: a tensor, or the tensors of a (nested)
// tuple/list in order; Python scalars become 0-d tensors (int → i64,
// float → f64, bool → 1 byte).
void flatten(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten(e, out);
  } else if (v.isList()) {
    for (const c10::IValue& e : v.toListRef()) flatten(e, out);
  } else if (v.isInt()) {
    out.push_back(at::scalar_tensor(v.toInt(), at::kLong));
  } else if (v.isDouble()) {
    out.push_back(at::scalar_tensor(v.toDouble(), at::kDouble));
  } else if (v.isBool()) {
    out.push_back(at::scalar_tensor(v.toBool(), at::kBool));
  } else {
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "forward returned a %s, which has no tensor form", v.tagKind().c_str());
  }
}

}  // namespace

struct PyTorchBackend {
  static constexpr const char* kName = "pytorch";
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_PYTORCH};

  static void init(wasmnn_nn_backend_info& info) {
    info.framework_name = "libtorch";
    info.framework_version = TORCH_VERSION;
    info.target_mask =
        WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU) | (cudaUsable() ? WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_GPU) : 0u);
  }

  // libtorch errors: argument-shaped ones are the caller's input, everything
  // else failed inside the framework.
  static wasmnn::kit::Error mapException(const std::exception& e) {
    wasmnn_nn_errno code = WASMNN_NN_RUNTIME_ERROR;
    if (dynamic_cast<const c10::NotImplementedError*>(&e))
      code = WASMNN_NN_UNSUPPORTED_OPERATION;
    else if (dynamic_cast<const c10::TypeError*>(&e) || dynamic_cast<const c10::ValueError*>(&e) ||
             dynamic_cast<const c10::IndexError*>(&e))
      code = WASMNN_NN_INVALID_ARGUMENT;
    return {code, messageOf(e)};
  }

  class Graph {
   public:
    explicit Graph(const wasmnn::kit::LoadArgs& args) : device_(pickDevice(args.target)) {
      args.expectBuilders(1, 1, "one TorchScript builder");
      load(args.builders[0]);
      describeForward();
    }

    // forward() is not const, but running it does not change the module.
    c10::IValue forward(std::vector<c10::IValue> inputs) const {
      return const_cast<torch::jit::Module&>(module_).forward(std::move(inputs));
    }
    const c10::Device& device() const { return device_; }
    size_t inputCount() const { return paramTypes_.size(); }
    size_t requiredCount() const { return requiredCount_; }
    const c10::TypePtr& paramType(size_t i) const { return paramTypes_[i]; }

   private:
    // Anything torch::jit::load throws here means the builder is not a
    // TorchScript archive this libtorch can read.
    void load(const wasmnn_nn_builder& b) {
      try {
        if (b.path) {
          module_ = torch::jit::load(b.path, device_);
        } else {
          MemoryStreamBuf buf(b.data, b.size);
          std::istream stream(&buf);
          module_ = torch::jit::load(stream, device_);
        }
        module_.eval();
      } catch (const std::bad_alloc&) {
        throw;
      } catch (const std::exception& e) {
        fail(WASMNN_NN_INVALID_ARGUMENT, "not a TorchScript archive libtorch %s can load: %s", TORCH_VERSION,
             messageOf(e));
      }
    }

    void describeForward() {
      auto method = module_.find_method("forward");
      if (!method) fail(WASMNN_NN_INVALID_ARGUMENT, "the TorchScript module has no forward method");
      const auto& args = method->function().getSchema().arguments();
      for (size_t i = 1; i < args.size(); ++i) {  // args[0] is self
        if (!args[i].default_value()) requiredCount_ = i;
        paramTypes_.push_back(args[i].type());
      }
    }

    torch::jit::Module module_;
    c10::Device device_;
    size_t requiredCount_ = 0;  // the leading parameters without a default value
    std::vector<c10::TypePtr> paramTypes_;
  };

  class Context {
   public:
    explicit Context(const Graph& graph) : graph_(graph), inputs_(graph.inputCount()) {}

    void setInput(uint32_t index, const wasmnn::kit::Tensor& t) {
      wasmnn::kit::checkIndex(index, inputs_.size(), "forward parameter");
      const c10::TypePtr& param = graph_.paramType(index);
      if (!c10::TensorType::get()->isSubtypeOf(*param))
        fail(WASMNN_NN_UNSUPPORTED_OPERATION, "forward's parameter %u takes %s, not a tensor", index,
             param->str().c_str());
      std::vector<int64_t> dims(t.dims.begin(), t.dims.end());
      // The single copy the plugin ABI asks for: guest memory may move before
      // compute, so the bytes go into a libtorch-owned tensor now.
      at::Tensor tensor = at::empty(dims, at::TensorOptions().dtype(torchType(t.type)));
      if (!t.data.empty()) std::memcpy(tensor.data_ptr(), t.data.data(), t.data.size());
      inputs_[index] = std::move(tensor);
    }

    void compute() {
      outputs_.clear();
      // Inputs 0..n-1 are passed; parameters after them take their defaults.
      size_t n = inputs_.size();
      while (n > 0 && !inputs_[n - 1]) --n;
      std::vector<c10::IValue> args;
      for (size_t i = 0; i < std::max(n, graph_.requiredCount()); ++i) {
        if (!inputs_[i])
          fail(WASMNN_NN_RUNTIME_ERROR, "input %zu was never set (forward takes %zu, %zu required)", i,
               graph_.inputCount(), graph_.requiredCount());
        args.emplace_back(inputs_[i]->to(graph_.device()));
      }
      c10::InferenceMode inference;
      std::vector<at::Tensor> outputs;
      flatten(graph_.forward(std::move(args)), outputs);
      for (auto& o : outputs) o = o.to(c10::kCPU).contiguous();
      outputs_ = std::move(outputs);
    }

    wasmnn::kit::Bytes output(uint32_t index) {
      wasmnn::kit::checkIndex(index, outputs_.size(), "forward result tensor");
      const at::Tensor& t = outputs_[index];
      return {static_cast<const std::byte*>(t.data_ptr()), t.nbytes()};
    }

   private:
    const Graph& graph_;
    std::vector<c10::optional<at::Tensor>> inputs_;
    std::vector<at::Tensor> outputs_;  // contiguous CPU tensors of the last compute
  };
};

WASMNN_KIT_BACKEND(PyTorchBackend)
