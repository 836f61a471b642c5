// WASI-NN overhead benchmark (not a test): the same model run natively through
// the framework's own API and by a wasm guest through wasmnn + the backend
// plugin. Both loops do per inference what a caller must: hand over the
// input, run, and copy the output out. Prints both times per inference and
// their ratio.
//
//   nn_overhead [--runs N]
//
// Models: a tiny classifier (16 → 10; the call overhead dominates) and an MLP
// (256 → 1024 → 1024 → 10; compute dominates), for each framework built in.
#ifdef NN_BENCH_ORT
#include <onnxruntime_cxx_api.h>
#endif
#ifdef NN_BENCH_TORCH
#include <torch/script.h>
#include <torch/torch.h>
#endif
#ifdef NN_BENCH_OPENVINO
#include <openvino/openvino.hpp>
#include <openvino/opsets/opset13.hpp>

#include <random>
#endif
#ifdef NN_BENCH_TFLITE
#include <tensorflow/lite/interpreter.h>
#include <tensorflow/lite/interpreter_builder.h>
#include <tensorflow/lite/kernels/register.h>
#include <tensorflow/lite/model_builder.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Net {
  const char* name;
  std::vector<int64_t> widths;
};

const Net kNets[] = {{"tiny", {16, 10}}, {"mlp", {256, 1024, 1024, 10}}};
const fs::path kDir = NN_BENCH_DIR;

std::vector<float> readInput(const Net& net) {
  std::ifstream f(kDir / (std::string(net.name) + ".input.bin"), std::ios::binary);
  std::vector<float> v(static_cast<size_t>(net.widths.front()));
  f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  if (!f) throw std::runtime_error("missing benchmark input for " + std::string(net.name));
  return v;
}

// ns per call of `once`, after a few warm-up calls.
double timePerCall(int runs, const std::function<void()>& once) {
  for (int i = 0; i < 3; ++i) once();
  auto t0 = Clock::now();
  for (int i = 0; i < runs; ++i) once();
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / runs;
}

// The guest side: nn_run.wasm loads the model (one builder per file), runs
// it once, then times `runs` rounds of set_input + compute + get_output with
// the guest's clock.
double guestPerCall(const std::string& encoding, const std::vector<std::string>& files, const Net& net, int runs) {
  std::string dims = "1x" + std::to_string(net.widths.front());
  std::string model;
  for (const std::string& f : files) model += (model.empty() ? "/b/" : "+/b/") + f;
  std::string cmd = std::string("'") + WASMNN_CLI + "' run --dir='" + kDir.string() + "::/b' '" + NN_BENCH_GUEST +
                    "' load " + encoding + " cpu " + model + " in 0 f32 " + dims + " /b/" + net.name +
                    ".input.bin compute out 0 /b/" + net.name + ".guest-out.bin bench 3 bench " + std::to_string(runs);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot start " + cmd);
  double ns = -1;
  char line[256];
  while (std::fgets(line, sizeof line, p)) {
    long n = 0;
    double v = 0;
    if (std::sscanf(line, "guest: %ld inferences, %lf ns/inference", &n, &v) == 2) ns = v;  // the last one counts
  }
  if (pclose(p) != 0 || ns < 0) throw std::runtime_error("guest run failed: " + cmd);
  return ns;
}

void report(const char* framework, const Net& net, double native, double guest) {
  std::string shape;
  for (size_t i = 0; i < net.widths.size(); ++i) {
    if (i) shape += "→";
    shape += std::to_string(net.widths[i]);
  }
  std::printf("%-12s %-5s %-22s %14.0f %14.0f %8.2f\n", framework, net.name, shape.c_str(), native, guest,
              guest / native);
}

#ifdef NN_BENCH_ORT
void benchOnnxRuntime(int runs) {
  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "nn_overhead");
  Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  for (const Net& net : kNets) {
    std::string file = std::string(net.name) + ".onnx";
    Ort::Session session(env, (kDir / file).c_str(), Ort::SessionOptions{});
    std::vector<float> input = readInput(net), output(static_cast<size_t>(net.widths.back()));
    std::vector<int64_t> dims = {1, net.widths.front()};
    const char* in_name = "x";
    const char* out_name = "probs";
    double native = timePerCall(runs, [&] {
      Ort::Value x = Ort::Value::CreateTensor<float>(mem, input.data(), input.size(), dims.data(), dims.size());
      auto out = session.Run(Ort::RunOptions{nullptr}, &in_name, &x, 1, &out_name, 1);
      std::memcpy(output.data(), out[0].GetTensorData<float>(), output.size() * sizeof(float));
    });
    report("onnxruntime", net, native, guestPerCall("onnx", {file}, net, runs));
  }
}
#endif

#ifdef NN_BENCH_TORCH
// The same shapes as TorchScript, made with libtorch's own API.
void makeTorchNet(const Net& net, const fs::path& path) {
  torch::jit::Module m("MLP");
  std::string body = "def forward(self, x):\n  h = x\n";
  for (size_t i = 0; i + 1 < net.widths.size(); ++i) {
    std::string w = std::string("w").append(std::to_string(i)), b = std::string("b").append(std::to_string(i));
    m.register_parameter(w, torch::randn({net.widths[i], net.widths[i + 1]}) / std::sqrt(double(net.widths[i])), false);
    m.register_parameter(b, torch::randn({net.widths[i + 1]}) * 0.1, false);
    body += "  h = torch.matmul(h, self." + w + ") + self." + b + "\n";
    if (i + 2 < net.widths.size()) body += "  h = torch.relu(h)\n";
  }
  body += "  return torch.softmax(h, 1)\n";
  m.define(body);
  m.save(path.string());
}

void benchTorch(int runs) {
  torch::manual_seed(7);
  for (const Net& net : kNets) {
    std::string file = std::string(net.name) + ".pt";
    if (!fs::exists(kDir / file)) makeTorchNet(net, kDir / file);
    torch::jit::Module module = torch::jit::load((kDir / file).string());
    module.eval();
    std::vector<float> input = readInput(net), output(static_cast<size_t>(net.widths.back()));
    double native = timePerCall(runs, [&] {
      c10::InferenceMode guard;
      at::Tensor x = torch::from_blob(input.data(), {1, net.widths.front()});
      at::Tensor y = module.forward({x}).toTensor().contiguous();
      std::memcpy(output.data(), y.data_ptr<float>(), output.size() * sizeof(float));
    });
    report("libtorch", net, native, guestPerCall("pytorch", {file}, net, runs));
  }
}
#endif

#ifdef NN_BENCH_OPENVINO
// The same shapes as an OpenVINO IR, made with OpenVINO's own C++ API.
void makeOpenVinoNet(const Net& net, const fs::path& xml) {
  std::mt19937 gen(7);
  std::normal_distribution<float> normal;
  auto random = [&](ov::Shape shape, float scale) {
    std::vector<float> v(ov::shape_size(shape));
    for (float& x : v) x = normal(gen) * scale;
    return std::make_shared<ov::opset13::Constant>(ov::element::f32, shape, v);
  };
  auto x = std::make_shared<ov::opset13::Parameter>(ov::element::f32, ov::Shape{1, size_t(net.widths.front())});
  ov::Output<ov::Node> h = x;
  for (size_t i = 0; i + 1 < net.widths.size(); ++i) {
    auto in = size_t(net.widths[i]), out = size_t(net.widths[i + 1]);
    h = std::make_shared<ov::opset13::MatMul>(h, random({in, out}, 1.0f / std::sqrt(float(in))));
    h = std::make_shared<ov::opset13::Add>(h, random({1, out}, 0.1f));
    if (i + 2 < net.widths.size()) h = std::make_shared<ov::opset13::Relu>(h);
  }
  auto probs = std::make_shared<ov::opset13::Softmax>(h, 1);
  ov::save_model(std::make_shared<ov::Model>(ov::OutputVector{probs}, ov::ParameterVector{x}), xml.string(), false);
}

void benchOpenVino(int runs) {
  ov::Core core;
  for (const Net& net : kNets) {
    std::string xml = std::string(net.name) + ".xml", bin = std::string(net.name) + ".bin";
    if (!fs::exists(kDir / bin)) makeOpenVinoNet(net, kDir / xml);
    // f32, as the backend compiles by default (the CPU plugin's default may be bf16).
    ov::CompiledModel compiled = core.compile_model(core.read_model((kDir / xml).string(), (kDir / bin).string()),
                                                    "CPU", ov::hint::inference_precision(ov::element::f32));
    ov::InferRequest request = compiled.create_infer_request();
    std::vector<float> input = readInput(net), output(static_cast<size_t>(net.widths.back()));
    // Filling the request's own input tensor: measured faster than handing it a new tensor wrapping `input`
    // (tiny: 78-93 vs 94-114 µs per inference).
    double native = timePerCall(runs, [&] {
      std::memcpy(request.get_input_tensor().data(), input.data(), input.size() * sizeof(float));
      request.infer();
      std::memcpy(output.data(), request.get_output_tensor().data(), output.size() * sizeof(float));
    });
    report("openvino", net, native, guestPerCall("openvino", {xml, bin}, net, runs));
  }
}
#endif

#ifdef NN_BENCH_TFLITE
// TFLite's defaults, which are the backend's: the XNNPACK delegate, the runtime's thread count.
void benchTfLite(int runs) {
  for (const Net& net : kNets) {
    std::string file = std::string(net.name) + ".tflite";
    auto model = tflite::FlatBufferModel::BuildFromFile((kDir / file).c_str());
    tflite::ops::builtin::BuiltinOpResolver resolver;
    std::unique_ptr<tflite::Interpreter> interpreter;
    if (!model || tflite::InterpreterBuilder(*model, resolver)(&interpreter) != kTfLiteOk ||
        interpreter->AllocateTensors() != kTfLiteOk)
      throw std::runtime_error("TFLite cannot load " + file);
    std::vector<float> input = readInput(net), output(static_cast<size_t>(net.widths.back()));
    double native = timePerCall(runs, [&] {
      std::memcpy(interpreter->typed_input_tensor<float>(0), input.data(), input.size() * sizeof(float));
      if (interpreter->Invoke() != kTfLiteOk) throw std::runtime_error("TFLite failed on " + file);
      std::memcpy(output.data(), interpreter->typed_output_tensor<float>(0), output.size() * sizeof(float));
    });
    report("tflite", net, native, guestPerCall("tensorflowlite", {file}, net, runs));
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  int runs = 2000;
  if (argc == 3 && std::strcmp(argv[1], "--runs") == 0) runs = std::max(1, std::atoi(argv[2]));
  std::printf("WASI-NN overhead: %d inferences each (input in, compute, output out)\n", runs);
  std::printf("%-12s %-5s %-22s %14s %14s %8s\n", "framework", "model", "layers", "native ns/inf", "guest ns/inf",
              "ratio");
  try {
#ifdef NN_BENCH_ORT
    benchOnnxRuntime(runs);
#endif
#ifdef NN_BENCH_TORCH
    benchTorch(runs);
#endif
#ifdef NN_BENCH_OPENVINO
    benchOpenVino(runs);
#endif
#ifdef NN_BENCH_TFLITE
    benchTfLite(runs);
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nn_overhead: %s\n", e.what());
    return 1;
  }
  return 0;
}
