// WASI-NN backend on OpenVINO's C++ API (libwasmnn_backend_openvino.so).
//
// Encoding openvino: builder 0 is the IR's XML, builder 1 its weights (.bin).
// A graph is one ov::CompiledModel, shared by all its contexts; a context is
// one ov::InferRequest (a compiled model hands out requests from any thread
// and they run in parallel). set_input copies the guest's bytes into a tensor
// the request owns (the one copy in); get_output serves the request's output
// tensor, which the kit copies straight into the guest's buffer.
//
// Precision: on CPUs with bf16 arithmetic (avx512_bf16, AMX) OpenVINO's CPU
// plugin computes in bf16 by default, ~8e-3 away from f32. Graphs are compiled
// with the f32 inference-precision hint unless the config asks otherwise.
//
// Config (load_by_name_with_config): {"device": "CPU" | "AUTO" | "GPU.1" |
// "HETERO:GPU,CPU" ..., "inference_precision": "f32" | "bf16" | "f16" |
// "default", "threads": N, "streams": N}.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openvino/core/log.hpp>
#include <openvino/openvino.hpp>

#include "wasmnn/nn_backend_kit.hpp"

namespace {

using wasmnn::kit::fail;

constexpr const char* kName = "openvino";

// Created by init and never destroyed: backends are never unloaded.
ov::Core* core = nullptr;
std::vector<std::string> devices;  // what OpenVINO finds usable here: "CPU", "GPU.0", ...
std::string frameworkVersion;      // "2026.4.1-22982-... (devices: CPU)"

// Devices OpenVINO composes from others: they need no hardware of their own.
constexpr std::string_view kMetaDevices[] = {"AUTO", "MULTI", "HETERO", "BATCH"};

// The OpenVINO device of each WASI-NN target; tpu is the NPU, OpenVINO's
// neural accelerator, and auto OpenVINO's AUTO device (it picks the best).
struct TargetDevice {
  const char* target;
  const char* device;
};
TargetDevice deviceOf(wasmnn_nn_target target) {
  switch (target) {
    case WASMNN_NN_TARGET_GPU: return {"gpu", "GPU"};
    case WASMNN_NN_TARGET_TPU: return {"tpu", "NPU"};
    case WASMNN_NN_TARGET_AUTO: return {"auto", "AUTO"};
    default: return {"cpu", "CPU"};
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "none" : out;
}

// "GPU" for "GPU.1", "HETERO" for "HETERO:GPU,CPU".
std::string baseName(const std::string& device) { return device.substr(0, device.find_first_of(".:")); }

bool isAvailable(const std::string& device) {
  return std::any_of(devices.begin(), devices.end(),
                     [&](const std::string& d) { return d == device || baseName(d) == device; });
}

// Refuses a device that is not here before OpenVINO tries (and logs) it.
// `why` says where the device came from ("target gpu", "config device").
void requireDevice(const std::string& device, const std::string& why) {
  std::string base = baseName(device);
  bool meta = std::find(std::begin(kMetaDevices), std::end(kMetaDevices), base) != std::end(kMetaDevices);
  if (meta || isAvailable(device)) return;
  if (base == "CPU" || base == "GPU" || base == "NPU")
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "%s: the OpenVINO device %s is not available here (devices: %s)", why.c_str(),
         device.c_str(), joined(devices).c_str());
  fail(WASMNN_NN_INVALID_ARGUMENT, "%s: unknown OpenVINO device \"%s\" (devices here: %s; or AUTO, MULTI, HETERO)",
       why.c_str(), device.c_str(), joined(devices).c_str());
}

ov::element::Type elementOf(wasmnn_nn_tensor_type t) {
  switch (t) {
    case WASMNN_NN_TYPE_F16: return ov::element::f16;
    case WASMNN_NN_TYPE_F32: return ov::element::f32;
    case WASMNN_NN_TYPE_F64: return ov::element::f64;
    case WASMNN_NN_TYPE_U8: return ov::element::u8;
    case WASMNN_NN_TYPE_I32: return ov::element::i32;
    case WASMNN_NN_TYPE_I64: return ov::element::i64;
  }
  return ov::element::dynamic;
}

// The device and compile properties a load asks for: the target's device and
// f32 precision unless the config says otherwise.
struct CompileRequest {
  std::string device;
  ov::AnyMap properties;
};

CompileRequest compileRequest(const wasmnn::kit::LoadArgs& args) {
  CompileRequest r;
  std::optional<std::string> device = args.config.take<std::string>("device");
  TargetDevice target = deviceOf(args.target);
  r.device = device.value_or(target.device);
  requireDevice(r.device, device ? std::string("config device") : std::string("target ") + target.target);

  std::string precision = args.config.take<std::string>("inference_precision", "f32");
  if (precision == "f32" || precision == "f16" || precision == "bf16")
    r.properties.emplace(ov::hint::inference_precision(ov::element::Type(precision)));
  else if (precision != "default")
    fail(WASMNN_NN_INVALID_ARGUMENT, "config inference_precision \"%s\": expected f32, f16, bf16 or default",
         precision.c_str());
  for (const char* key : {"threads", "streams"}) {
    std::optional<int> n = args.config.take<int>(key);
    if (!n) continue;
    if (*n <= 0) fail(WASMNN_NN_INVALID_ARGUMENT, "config %s must be a positive number, got %d", key, *n);
    if (std::string_view(key) == "threads")
      r.properties.emplace(ov::inference_num_threads(*n));
    else
      r.properties.emplace(ov::num_streams(*n));
  }
  return r;
}

// OpenVINO's messages span several lines ("Exception from src/...:NNN:",
// "Check 'cond' failed at src/...:NNN:", then the explanation): one line
// without the source locations, as the log wants.
bool isSourceLocation(std::string_view line) {
  return line.rfind("Exception from ", 0) == 0 ||
         (line.rfind("Check '", 0) == 0 && line.find("' failed at ") != line.npos);
}

std::string messageOf(const std::exception& e) {
  std::string out;
  std::string_view text = e.what();
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || isSourceLocation(line)) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out.empty() ? std::string(e.what()) : out;
}

// The IR in the builders. Guest bytes are parsed from memory and the weights
// copied into `weights`, which the model's constants then point into (so it
// must live as long as the model); an operator's preloaded files are read by
// path, and OpenVINO maps the weights file.
std::shared_ptr<ov::Model> readModel(std::span<const wasmnn_nn_builder> parts, ov::Tensor& weights) {
  try {
    if (parts.size() == 2 && parts[0].path && parts[1].path)
      return core->read_model(std::string(parts[0].path), std::string(parts[1].path));
    std::string xml(reinterpret_cast<const char*>(parts[0].data), parts[0].size);
    size_t size = parts.size() == 2 ? parts[1].size : 0;
    weights = ov::Tensor(ov::element::u8, ov::Shape{size});
    if (size) std::memcpy(weights.data(), parts[1].data, size);
    return core->read_model(xml, weights);
  } catch (const ov::Exception& e) {
    std::string given = parts.size() == 2 ? std::to_string(parts[1].size) + " bytes of weights" : "no weights builder";
    fail(WASMNN_NN_INVALID_ARGUMENT, "the IR (%zu bytes of XML, %s) does not read: %s", parts[0].size, given.c_str(),
         messageOf(e).c_str());
  }
}

ov::CompiledModel compile(const std::shared_ptr<ov::Model>& model, const CompileRequest& request) {
  try {
    return core->compile_model(model, request.device, request.properties);
  } catch (const ov::NotImplemented& e) {
    fail(WASMNN_NN_UNSUPPORTED_OPERATION, "OpenVINO cannot run this model on %s: %s", request.device.c_str(),
         messageOf(e).c_str());
  } catch (const ov::Exception& e) {
    fail(WASMNN_NN_RUNTIME_ERROR, "compiling the model for %s: %s", request.device.c_str(), messageOf(e).c_str());
  }
}

std::string portName(const ov::Output<const ov::Node>& port) {
  const auto& names = port.get_names();
  return names.empty() ? std::string("unnamed") : *names.begin();
}

// Rejects a type or shape the model's input does not take, naming both.
void checkInput(const ov::Output<const ov::Node>& port, uint32_t index, const wasmnn::kit::Tensor& t) {
  if (elementOf(t.type) != port.get_element_type())
    fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): tensor type %s does not match the model's element type %s", index,
         portName(port).c_str(), t.typeName(), port.get_element_type().get_type_name().c_str());
  ov::PartialShape shape(std::vector<ov::Dimension>(t.dims.begin(), t.dims.end()));
  if (!port.get_partial_shape().compatible(shape))
    fail(WASMNN_NN_INVALID_ARGUMENT, "input %u (%s): shape %s does not match the model's %s", index,
         portName(port).c_str(), wasmnn::kit::dimsText(t.dims).c_str(), port.get_partial_shape().to_string().c_str());
}

// A model without constants (parameter -> result). Reading it at start-up
// proves that OpenVINO finds its IR reader, a library it looks for by file
// name beside libopenvino: without one the backend reports itself failed
// instead of refusing every model.
constexpr std::string_view kProbeIr = R"(<?xml version="1.0"?>
<net name="probe" version="11"><layers>
<layer id="0" name="x" type="Parameter" version="opset1"><data shape="1" element_type="f32"/>
<output><port id="0" precision="FP32"><dim>1</dim></port></output></layer>
<layer id="1" name="y" type="Result" version="opset1"><input><port id="0" precision="FP32"><dim>1</dim></port></input>
</layer></layers><edges><edge from-layer="0" from-port="0" to-layer="1" to-port="0"/></edges></net>)";

}  // namespace

struct OpenVinoBackend {
  static constexpr const char* kName = ::kName;
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_OPENVINO};

  static void init(wasmnn_nn_backend_info& info) {
    // OpenVINO writes its log to stdout, which is the guest's.
    ov::util::set_log_callback([](std::string_view message) {
      wasmnn_nn_log(WASMNN_NN_LOG_WARN, ::kName, "%.*s", static_cast<int>(message.size()), message.data());
    });
    core = new ov::Core();
    devices = core->get_available_devices();
    try {
      core->read_model(std::string(kProbeIr), ov::Tensor());
    } catch (const ov::Exception& e) {
      fail(WASMNN_NN_RUNTIME_ERROR,
           "OpenVINO's IR reader (libopenvino_ir_frontend beside libopenvino) does not load: %s", messageOf(e).c_str());
    }
    frameworkVersion = std::string(ov::get_openvino_version().buildNumber) + " (devices: " + joined(devices) + ")";
    info.framework_name = "OpenVINO";
    info.framework_version = frameworkVersion.c_str();
    info.target_mask = 0;
    for (wasmnn_nn_target t : {WASMNN_NN_TARGET_CPU, WASMNN_NN_TARGET_GPU, WASMNN_NN_TARGET_TPU})
      if (isAvailable(deviceOf(t).device)) info.target_mask |= WASMNN_NN_TARGET_BIT(t);
  }

  static wasmnn::kit::Error mapException(const std::exception& e) { return {WASMNN_NN_RUNTIME_ERROR, messageOf(e)}; }

  class Graph {
   public:
    explicit Graph(const wasmnn::kit::LoadArgs& args) {
      args.expectBuilders(1, 2, "the IR's .xml and its weights .bin (2 builders)");
      CompileRequest request = compileRequest(args);
      compiled_ = compile(readModel(args.builders, weights_), request);
      inputs_ = compiled_.inputs();
      outputCount_ = compiled_.outputs().size();
    }

    const std::vector<ov::Output<const ov::Node>>& inputs() const { return inputs_; }
    size_t outputCount() const { return outputCount_; }
    // Thread-safe: contexts are created concurrently.
    ov::InferRequest newRequest() { return compiled_.create_infer_request(); }

   private:
    ov::Tensor weights_;  // the model's constants point into it (guest bytes only)
    ov::CompiledModel compiled_;
    std::vector<ov::Output<const ov::Node>> inputs_;
    size_t outputCount_ = 0;
  };

  class Context {
   public:
    explicit Context(Graph& graph) : graph_(graph), request_(graph.newRequest()), inputs_(graph.inputs().size()) {}

    void setInput(uint32_t index, const wasmnn::kit::Tensor& t) {
      wasmnn::kit::checkIndex(index, inputs_.size(), "input");
      const ov::Output<const ov::Node>& port = graph_.inputs()[index];
      checkInput(port, index, t);
      ov::Shape shape(t.dims.begin(), t.dims.end());
      size_t bytes = ov::shape_size(shape) * port.get_element_type().size();
      if (bytes != t.data.size())
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u: %zu bytes for a tensor of %zu", index, t.data.size(), bytes);
      ov::Tensor& tensor = inputs_[index];
      // The request keeps reading the tensor it was given: refill it while the shape stays.
      if (!tensor || tensor.get_shape() != shape) {
        tensor = ov::Tensor(port.get_element_type(), shape);
        request_.set_input_tensor(index, tensor);
      }
      if (!t.data.empty()) std::memcpy(tensor.data(), t.data.data(), t.data.size());
    }

    void compute() {
      for (size_t i = 0; i < inputs_.size(); ++i)
        if (!inputs_[i])
          fail(WASMNN_NN_RUNTIME_ERROR, "input %zu (%s) was never set", i, portName(graph_.inputs()[i]).c_str());
      request_.infer();
    }

    wasmnn::kit::Bytes output(uint32_t index) {
      wasmnn::kit::checkIndex(index, graph_.outputCount(), "output");
      output_ = request_.get_output_tensor(index);
      if (output_.get_element_type() == ov::element::string)
        fail(WASMNN_NN_UNSUPPORTED_OPERATION, "output %u holds strings, which WASI-NN cannot return", index);
      return {static_cast<const std::byte*>(output_.data()), output_.get_byte_size()};
    }

   private:
    Graph& graph_;
    ov::InferRequest request_;
    std::vector<ov::Tensor> inputs_;  // bound to request_; empty until set
    ov::Tensor output_;               // the one get_output last served
  };
};

WASMNN_KIT_BACKEND(OpenVinoBackend)
