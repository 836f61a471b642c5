// Runs each ONNX test model with ONNX Runtime natively (its C++ API, not our
// backend) and records the outputs: the truth the end-to-end tests compare
// the guest's results with.
//
//   ort_truth DIR
//
// For every DIR/NAME.manifest: reads it (model + in lines, see make_onnx_models.py), writes
// DIR/NAME.outK.bin and rewrites the manifest with one "out" line per output.
#include <onnxruntime_cxx_api.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "manifest.h"

namespace fs = std::filesystem;

namespace {

struct TypeInfo {
  const char* name;
  ONNXTensorElementDataType onnx;
  size_t size;
};

constexpr TypeInfo kTypes[] = {
    {"f16", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, 2}, {"f32", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 4},
    {"f64", ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, 8},  {"u8", ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, 1},
    {"i32", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 4},   {"i64", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, 8},
};

const TypeInfo& by_name(const std::string& n) {
  for (const auto& t : kTypes)
    if (n == t.name) return t;
  throw std::runtime_error("unknown type " + n);
}

const TypeInfo& by_onnx(ONNXTensorElementDataType e) {
  for (const auto& t : kTypes)
    if (e == t.onnx) return t;
  throw std::runtime_error("output type " + std::to_string(e) + " not expressible in WASI-NN");
}

std::vector<char> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(f), {}};
}

struct Input {
  const TypeInfo* type;
  std::vector<int64_t> dims;
  std::vector<char> data;
};

void run_case(Ort::Env& env, const fs::path& dir, const std::string& name) {
  std::ifstream manifest(dir / (name + ".manifest"));
  if (!manifest) throw std::runtime_error("no manifest for " + name);
  std::vector<std::string> kept;
  std::string model_file;
  std::vector<Input> inputs;
  for (std::string line; std::getline(manifest, line);) {
    std::istringstream l(line);
    std::string kind;
    l >> kind;
    if (kind == "out") continue;  // recomputed below
    kept.push_back(line);
    if (kind == "model") {
      l >> model_file;
    } else if (kind == "in") {
      std::string idx, type, dims, file;
      l >> idx >> type >> dims >> file;
      inputs.push_back({&by_name(type), wasmnn::test::parseDims<int64_t>(dims), read_file(dir / file)});
    }
  }
  manifest.close();

  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(1);
  Ort::Session session(env, (dir / model_file).c_str(), options);
  Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::AllocatorWithDefaultOptions alloc;

  std::vector<Ort::Value> values;
  std::vector<Ort::AllocatedStringPtr> name_holders;
  std::vector<const char*> in_names, out_names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Input& in = inputs[i];
    values.push_back(
        Ort::Value::CreateTensor(mem, in.data.data(), in.data.size(), in.dims.data(), in.dims.size(), in.type->onnx));
    name_holders.push_back(session.GetInputNameAllocated(i, alloc));
    in_names.push_back(name_holders.back().get());
  }
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    name_holders.push_back(session.GetOutputNameAllocated(i, alloc));
    out_names.push_back(name_holders.back().get());
  }
  std::vector<Ort::Value> outputs = session.Run(Ort::RunOptions{nullptr}, in_names.data(), values.data(), values.size(),
                                                out_names.data(), out_names.size());

  std::ofstream rewritten(dir / (name + ".manifest"));
  for (const auto& line : kept) rewritten << line << '\n';
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto info = outputs[i].GetTensorTypeAndShapeInfo();
    const TypeInfo& t = by_onnx(info.GetElementType());
    std::string file = name + ".out" + std::to_string(i) + ".bin";
    std::ofstream f(dir / file, std::ios::binary);
    f.write(static_cast<const char*>(outputs[i].GetTensorRawData()),
            static_cast<std::streamsize>(info.GetElementCount() * t.size));
    rewritten << "out " << i << ' ' << t.name << ' ' << wasmnn::test::dimsText(info.GetShape()) << ' ' << file << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ort_truth DIR\n";
    return 2;
  }
  try {
    Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "ort_truth");
    for (const auto& entry : fs::directory_iterator(argv[1]))
      if (entry.path().extension() == ".manifest") run_case(env, argv[1], entry.path().stem().string());
  } catch (const std::exception& e) {
    std::cerr << "ort_truth: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
