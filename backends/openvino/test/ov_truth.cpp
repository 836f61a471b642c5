// Runs each OpenVINO test model with OpenVINO natively (its C++ API, not our
// backend) on the CPU at f32 precision and records the outputs: the truth
// the end-to-end tests compare the guest's results with.
//
//   ov_truth DIR
//
// For every DIR/NAME.manifest (model and in lines, see make_ov_models.py):
// writes DIR/NAME.outK.bin and appends one "out" line per output.
#include <openvino/openvino.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "manifest.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;

namespace {

void runCase(ov::Core& core, const fs::path& dir, const std::string& name) {
  Case c = readCase(dir / (name + ".manifest"), false);
  if (!c.outputs.empty()) return;  // done by an earlier run
  std::shared_ptr<ov::Model> model = core.read_model((dir / c.models.at(0)).string(), (dir / c.models.at(1)).string());
  ov::CompiledModel compiled = core.compile_model(model, "CPU", ov::hint::inference_precision(ov::element::f32));
  ov::InferRequest request = compiled.create_infer_request();
  for (const TensorFile& in : c.inputs) {
    std::vector<uint8_t> bytes = readBytes(dir / in.file);
    std::vector<size_t> dims = parseDims<size_t>(in.dims);
    ov::Tensor tensor(ov::element::Type(in.type), ov::Shape(dims));  // f32, u8, ... are OpenVINO's names too
    if (tensor.get_byte_size() != bytes.size()) throw std::runtime_error(in.file + ": size does not match its dims");
    std::copy(bytes.begin(), bytes.end(), static_cast<uint8_t*>(tensor.data()));
    request.set_input_tensor(in.index, tensor);
  }
  request.infer();
  std::ofstream manifest(dir / (name + ".manifest"), std::ios::app);
  for (size_t i = 0; i < compiled.outputs().size(); ++i) {
    ov::Tensor out = request.get_output_tensor(i);
    std::string file = name + ".out" + std::to_string(i) + ".bin";
    std::ofstream(dir / file, std::ios::binary)
        .write(static_cast<const char*>(out.data()), static_cast<std::streamsize>(out.get_byte_size()));
    manifest << "out " << i << ' ' << out.get_element_type().to_string() << ' '
             << dimsText(std::vector<size_t>(out.get_shape())) << ' ' << file << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ov_truth DIR\n";
    return 2;
  }
  try {
    ov::Core core;
    for (const auto& entry : fs::directory_iterator(argv[1]))
      if (entry.path().extension() == ".manifest") runCase(core, argv[1], entry.path().stem().string());
  } catch (const std::exception& e) {
    std::cerr << "ov_truth: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
