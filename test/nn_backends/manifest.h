// The test cases the generators (torch_models, make_onnx_models.py +
// ort_truth, ...) leave in a data directory: NAME.manifest lines
//   model FILE ENCODING [FILE2...]     the builders' files in order (OpenVINO: .xml .bin)
//   in K TYPE DIMS FILE
//   out K TYPE DIMS FILE
// with raw little-endian tensor bytes in the FILEs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace wasmnn::test {

struct TensorFile {
  uint32_t index = 0;
  std::string type;  // f16 f32 f64 u8 i32 i64
  std::string dims;  // 2x3, "-" for rank 0
  std::string file;  // relative to the data directory
};

struct Case {
  std::string name;
  std::vector<std::string> models;  // one file per builder, relative to the data directory
  std::string encoding;             // onnx | pytorch | openvino ...
  std::vector<TensorFile> inputs, outputs;
};

inline std::vector<uint8_t> readBytes(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(f), {}};
}

// A truth generator reads cases before it adds their "out" lines: `complete` false.
inline Case readCase(const std::filesystem::path& manifest, bool complete = true) {
  Case c;
  c.name = manifest.stem().string();
  std::ifstream in(manifest);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string kind;
    l >> kind;
    if (kind == "model") {
      std::string file;
      l >> file >> c.encoding;
      c.models = {file};
      while (l >> file) c.models.push_back(file);
    } else if (kind == "in" || kind == "out") {
      TensorFile t;
      l >> t.index >> t.type >> t.dims >> t.file;
      (kind == "in" ? c.inputs : c.outputs).push_back(t);
    }
  }
  if (c.models.empty() || (complete && c.outputs.empty()))
    throw std::runtime_error("incomplete manifest " + manifest.string());
  return c;
}

// Every case in dir, sorted by name (empty if dir does not exist).
inline std::vector<Case> readCases(const std::filesystem::path& dir) {
  std::vector<Case> cases;
  if (!std::filesystem::is_directory(dir)) return cases;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".manifest") cases.push_back(readCase(e.path()));
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// The case's model files, each behind `prefix`, joined by `sep`: nn_run's
// "load" takes "/data/m.xml+/data/m.bin", --nn-preload "...:dir/m.xml:dir/m.bin".
inline std::string joinModels(const Case& c, const std::string& prefix, char sep) {
  std::string out;
  for (const std::string& m : c.models) {
    if (!out.empty()) out += sep;
    out += prefix + m;
  }
  return out;
}

// A manifest's DIMS field: "2x3", "-" for rank 0.
template <typename Int = uint32_t> std::vector<Int> parseDims(const std::string& text) {
  std::vector<Int> dims;
  if (text == "-") return dims;
  std::stringstream s(text);
  for (std::string d; std::getline(s, d, 'x');) dims.push_back(static_cast<Int>(std::stoll(d)));
  return dims;
}

template <typename Int> std::string dimsText(const std::vector<Int>& dims) {
  if (dims.empty()) return "-";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s;
}

}  // namespace wasmnn::test
