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

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <istream>
#include <memory>
#include <new>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "wasmnn/nn_backend.h"

namespace {

constexpr const char* kName = "pytorch";

// A macro rather than a function so the compiler checks each printf format.
#define LOG_ERROR(...) wasmnn_nn_log(WASMNN_NN_LOG_ERROR, kName, __VA_ARGS__)

at::ScalarType torch_type(wasmnn_nn_tensor_type t) {
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

// libtorch errors → WASI-NN errors. Argument-shaped errors are the caller's
// input; everything else failed inside the framework.
wasmnn_nn_errno map_error(const std::exception& e, const char* what) {
  if (const auto* c10e = dynamic_cast<const c10::Error*>(&e)) {
    LOG_ERROR("%s: %s", what, c10e->what_without_backtrace());
    if (dynamic_cast<const c10::NotImplementedError*>(&e)) return WASMNN_NN_UNSUPPORTED_OPERATION;
    if (dynamic_cast<const c10::TypeError*>(&e) || dynamic_cast<const c10::ValueError*>(&e) ||
        dynamic_cast<const c10::IndexError*>(&e))
      return WASMNN_NN_INVALID_ARGUMENT;
    return WASMNN_NN_RUNTIME_ERROR;
  }
  LOG_ERROR("%s: %s", what, e.what());
  return WASMNN_NN_RUNTIME_ERROR;
}

// Outputs as WASI-NN sees them: a tensor, or the tensors of a (nested)
// tuple/list in order; Python scalars become 0-d tensors (int → i64,
// float → f64, bool → 1 byte).
bool flatten(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements())
      if (!flatten(e, out)) return false;
  } else if (v.isList()) {
    for (const c10::IValue& e : v.toListRef())
      if (!flatten(e, out)) return false;
  } else if (v.isInt()) {
    out.push_back(at::scalar_tensor(v.toInt(), at::kLong));
  } else if (v.isDouble()) {
    out.push_back(at::scalar_tensor(v.toDouble(), at::kDouble));
  } else if (v.isBool()) {
    out.push_back(at::scalar_tensor(v.toBool(), at::kBool));
  } else {
    LOG_ERROR("compute: forward returned a %s, which has no tensor form", v.tagKind().c_str());
    return false;
  }
  return true;
}

bool cuda_usable() { return torch::cuda::is_available(); }

}  // namespace

struct wasmnn_nn_graph {
  torch::jit::Module module;
  c10::Device device{c10::kCPU};
  size_t input_count = 0;     // forward's parameters after self
  size_t required_count = 0;  // the leading ones without a default value
  std::vector<c10::TypePtr> param_types;
};

struct wasmnn_nn_context {
  const wasmnn_nn_graph* graph;
  std::vector<c10::optional<at::Tensor>> inputs;
  std::vector<at::Tensor> outputs;  // contiguous CPU tensors; empty until compute succeeded
};

namespace {

// Accepts no config or an empty JSON object: this backend has no options yet.
wasmnn_nn_errno check_config(const char* json, size_t len) {
  if (len == 0) return WASMNN_NN_SUCCESS;
  auto parsed = nlohmann::json::parse(std::string_view(json, len), nullptr, false);
  if (parsed.is_object() && parsed.empty()) return WASMNN_NN_SUCCESS;
  LOG_ERROR("load: config %s: this backend takes no options (expected {})",
            parsed.is_discarded() ? "is not valid JSON" : "has unknown options");
  return WASMNN_NN_INVALID_ARGUMENT;
}

wasmnn_nn_errno pick_device(wasmnn_nn_target target, c10::Device& device) {
  switch (target) {
    case WASMNN_NN_TARGET_CPU: return WASMNN_NN_SUCCESS;
    case WASMNN_NN_TARGET_AUTO:
      if (cuda_usable()) device = c10::Device(c10::kCUDA);
      return WASMNN_NN_SUCCESS;
    case WASMNN_NN_TARGET_GPU:
      if (cuda_usable()) {
        device = c10::Device(c10::kCUDA);
        return WASMNN_NN_SUCCESS;
      }
      LOG_ERROR("load: target gpu is not available: libtorch %s sees no CUDA device", TORCH_VERSION);
      return WASMNN_NN_UNSUPPORTED_OPERATION;
    default: LOG_ERROR("load: target tpu is not supported by libtorch"); return WASMNN_NN_UNSUPPORTED_OPERATION;
  }
}

wasmnn_nn_errno describe_forward(wasmnn_nn_graph& g) {
  auto method = g.module.find_method("forward");
  if (!method) {
    LOG_ERROR("load: the TorchScript module has no forward method");
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  const auto& args = method->function().getSchema().arguments();
  g.input_count = args.empty() ? 0 : args.size() - 1;  // drop self
  for (size_t i = 1; i < args.size(); ++i) {
    if (!args[i].default_value()) g.required_count = i;
    g.param_types.push_back(args[i].type());
  }
  return WASMNN_NN_SUCCESS;
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

// Bytes → module. Anything torch::jit::load throws here means the builder is
// not a TorchScript archive this libtorch can read.
wasmnn_nn_errno load_module(const wasmnn_nn_builder& b, wasmnn_nn_graph& g) {
  try {
    if (b.path) {
      g.module = torch::jit::load(b.path, g.device);
    } else {
      MemoryStreamBuf buf(b.data, b.size);
      std::istream stream(&buf);
      g.module = torch::jit::load(stream, g.device);
    }
    g.module.eval();
  } catch (const std::bad_alloc&) {
    LOG_ERROR("load: out of memory");
    return WASMNN_NN_RUNTIME_ERROR;
  } catch (const std::exception& e) {
    LOG_ERROR(
        "load: not a TorchScript archive libtorch %s can load: %s", TORCH_VERSION,
        dynamic_cast<const c10::Error*>(&e) ? static_cast<const c10::Error&>(e).what_without_backtrace() : e.what());
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  return WASMNN_NN_SUCCESS;
}

wasmnn_nn_errno load(wasmnn_nn_encoding encoding, wasmnn_nn_target target, const wasmnn_nn_builder* builders,
                     uint32_t builder_count, const char* config, size_t config_len, wasmnn_nn_graph** out) try {
  if (encoding != WASMNN_NN_ENCODING_PYTORCH || builder_count != 1) {
    LOG_ERROR("load: expected one TorchScript builder for encoding pytorch, got %u builder(s) for encoding %s",
              builder_count, wasmnn_nn_encoding_name(encoding));
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  if (auto e = check_config(config, config_len)) return e;
  auto graph = std::make_unique<wasmnn_nn_graph>();
  if (auto e = pick_device(target, graph->device)) return e;
  if (auto e = load_module(builders[0], *graph)) return e;
  if (auto e = describe_forward(*graph)) return e;
  *out = graph.release();
  return WASMNN_NN_SUCCESS;
} catch (const std::exception& e) {
  return map_error(e, "load");
}

void destroy_graph(wasmnn_nn_graph* graph) { delete graph; }

wasmnn_nn_errno init_context(wasmnn_nn_graph* graph, wasmnn_nn_context** out) try {
  auto ctx = std::make_unique<wasmnn_nn_context>(wasmnn_nn_context{graph, {}, {}});
  ctx->inputs.resize(graph->input_count);
  *out = ctx.release();
  return WASMNN_NN_SUCCESS;
} catch (const std::bad_alloc&) {
  LOG_ERROR("init_execution_context: out of memory");
  return WASMNN_NN_RUNTIME_ERROR;
}

void destroy_context(wasmnn_nn_context* ctx) { delete ctx; }

wasmnn_nn_errno set_input(wasmnn_nn_context* ctx, uint32_t index, const wasmnn_nn_tensor* t) try {
  if (index >= ctx->inputs.size()) {
    LOG_ERROR("set_input: index %u out of range: forward takes %zu tensor(s)", index, ctx->inputs.size());
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  const c10::TypePtr& param = ctx->graph->param_types[index];
  if (!c10::TensorType::get()->isSubtypeOf(*param)) {
    LOG_ERROR("set_input %u: forward's parameter %u takes %s, not a tensor", index, index, param->str().c_str());
    return WASMNN_NN_UNSUPPORTED_OPERATION;
  }
  std::vector<int64_t> dims(t->dims, t->dims + t->rank);
  // The single copy the plugin ABI asks for: guest memory may move before
  // compute, so the bytes go into a libtorch-owned tensor now.
  at::Tensor tensor = at::empty(dims, at::TensorOptions().dtype(torch_type(t->type)));
  if (t->size) std::memcpy(tensor.data_ptr(), t->data, t->size);
  ctx->inputs[index] = std::move(tensor);
  ctx->outputs.clear();
  return WASMNN_NN_SUCCESS;
} catch (const std::exception& e) {
  return map_error(e, "set_input");
}

wasmnn_nn_errno compute(wasmnn_nn_context* ctx) try {
  const wasmnn_nn_graph& g = *ctx->graph;
  ctx->outputs.clear();
  // Inputs 0..n-1 are passed; parameters after them take their defaults.
  size_t n = ctx->inputs.size();
  while (n > 0 && !ctx->inputs[n - 1]) --n;
  std::vector<c10::IValue> args;
  for (size_t i = 0; i < std::max(n, g.required_count); ++i) {
    if (!ctx->inputs[i]) {
      LOG_ERROR("compute: input %zu was never set (forward takes %zu, %zu required)", i, g.input_count,
                g.required_count);
      return WASMNN_NN_RUNTIME_ERROR;
    }
    args.emplace_back(ctx->inputs[i]->to(g.device));
  }
  c10::InferenceMode inference;
  // forward() is not const, but running it does not change the module.
  c10::IValue result = const_cast<torch::jit::Module&>(g.module).forward(std::move(args));
  std::vector<at::Tensor> outputs;
  if (!flatten(result, outputs)) return WASMNN_NN_UNSUPPORTED_OPERATION;
  for (auto& o : outputs) o = o.to(c10::kCPU).contiguous();
  ctx->outputs = std::move(outputs);
  return WASMNN_NN_SUCCESS;
} catch (const std::exception& e) {
  return map_error(e, "compute");
}

wasmnn_nn_errno get_output(wasmnn_nn_context* ctx, uint32_t index, void* buf, size_t cap, size_t* size_out) {
  if (ctx->outputs.empty()) {
    LOG_ERROR("get_output %u: no result: compute has not succeeded since the last set_input", index);
    return WASMNN_NN_RUNTIME_ERROR;
  }
  if (index >= ctx->outputs.size()) {
    LOG_ERROR("get_output: index %u out of range: forward returned %zu tensor(s)", index, ctx->outputs.size());
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  const at::Tensor& t = ctx->outputs[index];
  size_t bytes = t.nbytes();
  *size_out = bytes;
  if (bytes > cap) return WASMNN_NN_TOO_LARGE;
  if (bytes) std::memcpy(buf, t.data_ptr(), bytes);
  return WASMNN_NN_SUCCESS;
}

wasmnn_nn_errno init(wasmnn_nn_backend_info* info, char*, size_t) {
  info->framework_name = "libtorch";
  info->framework_version = TORCH_VERSION;
  info->target_mask =
      WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU) | (cuda_usable() ? WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_GPU) : 0u);
  return WASMNN_NN_SUCCESS;
}

const wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_PYTORCH};

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
