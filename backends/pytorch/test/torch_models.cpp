// Builds the TorchScript test models with libtorch's own C++ API and records
// what libtorch itself computes for them: the truth the end-to-end tests
// compare the guest's results with.
//
//   torch_models OUTDIR
//
// For each case NAME it writes NAME.pt (unless shared), NAME.inK.bin and
// NAME.outK.bin (raw little-endian tensor bytes) and NAME.manifest:
//   model FILE ENCODING
//   in K TYPE DIMS FILE        (DIMS like 2x3; "-" for rank 0)
//   out K TYPE DIMS FILE
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "manifest.h"

namespace fs = std::filesystem;

namespace {

std::string type_name(at::ScalarType t) {
  switch (t) {
    case at::kHalf: return "f16";
    case at::kFloat: return "f32";
    case at::kDouble: return "f64";
    case at::kByte: return "u8";
    case at::kInt: return "i32";
    case at::kLong: return "i64";
    default: throw std::runtime_error("tensor type not expressible in WASI-NN");
  }
}

std::string dims_text(const at::Tensor& t) { return wasmnn::test::dimsText(t.sizes().vec()); }

void write_raw(const fs::path& path, const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::vector<at::Tensor> flatten(const c10::IValue& v) {
  if (v.isTensor()) return {v.toTensor()};
  std::vector<at::Tensor> out;
  for (const auto& e : v.toTupleRef().elements()) out.push_back(e.toTensor());
  return out;
}

class Writer {
 public:
  explicit Writer(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }

  // Saves the module, loads it back and runs it: the recorded outputs are
  // what torch::jit::load(...).forward(...) gives, the path a user takes.
  void save(torch::jit::Module& m, const std::string& file) { m.save((dir_ / file).string()); }

  void emit(const std::string& name, const std::string& model_file, const std::vector<at::Tensor>& inputs) {
    torch::jit::Module loaded = torch::jit::load((dir_ / model_file).string());
    loaded.eval();
    std::vector<c10::IValue> args(inputs.begin(), inputs.end());
    std::vector<at::Tensor> outputs = flatten(loaded.forward(args));
    std::ofstream m(dir_ / (name + ".manifest"));
    m << "model " << model_file << " pytorch\n";
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::string f = name + ".in" + std::to_string(i) + ".bin";
      write_raw(dir_ / f, inputs[i]);
      m << "in " << i << ' ' << type_name(inputs[i].scalar_type()) << ' ' << dims_text(inputs[i]) << ' ' << f << '\n';
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::string f = name + ".out" + std::to_string(i) + ".bin";
      write_raw(dir_ / f, outputs[i]);
      m << "out " << i << ' ' << type_name(outputs[i].scalar_type()) << ' ' << dims_text(outputs[i]) << ' ' << f
        << '\n';
    }
  }

 private:
  fs::path dir_;
};

torch::jit::Module script(const std::string& cls, const std::string& source) {
  torch::jit::Module m(cls);
  m.define(source);
  return m;
}

// y = x * w + 1 over f32; run with two input shapes (shapes come from the guest).
void affine(Writer& w) {
  torch::jit::Module m("Affine");
  m.register_parameter("w", torch::linspace(-1.5, 2.0, 3), false);
  m.define("def forward(self, x):\n  return x * self.w + 1.0\n");
  w.save(m, "affine.pt");
  w.emit("affine", "affine.pt", {torch::randn({2, 3})});
  w.emit("affine_5x3", "affine.pt", {torch::randn({5, 3})});
}

// Two inputs, three outputs of two dtypes, picked by index.
void multi_io(Writer& w) {
  auto m = script("MultiIO",
                  "def forward(self, a, b, idx):\n"
                  "  return a + b, (a * b).sum(1), idx * 3 + 1\n");
  w.save(m, "multi_io.pt");
  w.emit("multi_io", "multi_io.pt",
         {torch::randn({3, 4}), torch::randn({3, 4}), torch::randint(-1000, 1000, {5}, torch::kLong)});
}

// One model per WASI-NN tensor type; the arithmetic keeps the dtype.
void dtypes(Writer& w) {
  struct Case {
    const char* name;
    at::ScalarType type;
  };
  const Case cases[] = {{"dtype_f16", at::kHalf}, {"dtype_f32", at::kFloat}, {"dtype_f64", at::kDouble},
                        {"dtype_u8", at::kByte},  {"dtype_i32", at::kInt},   {"dtype_i64", at::kLong}};
  auto m = script("Twice", "def forward(self, x):\n  return x * 2 + 1, x + x\n");
  w.save(m, "twice.pt");
  for (const Case& c : cases) {
    at::Tensor x =
        at::isFloatingType(c.type) ? torch::randn({2, 5}).to(c.type) : torch::randint(0, 200, {2, 5}).to(c.type);
    w.emit(c.name, "twice.pt", {x});
  }
}

// The demo classifier: 16 features → softmax over 10 classes.
void classifier(Writer& w) {
  torch::jit::Module m("Classifier");
  m.register_parameter("w", torch::randn({16, 10}), false);
  m.register_parameter("b", torch::randn({10}), false);
  m.define("def forward(self, x):\n  return torch.softmax(torch.matmul(x, self.w) + self.b, 1)\n");
  w.save(m, "classifier.pt");
  w.emit("classifier", "classifier.pt", {torch::randn({1, 16})});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: torch_models OUTDIR\n";
    return 2;
  }
  try {
    torch::manual_seed(20261125);
    Writer w(argv[1]);
    affine(w);
    multi_io(w);
    dtypes(w);
    classifier(w);
  } catch (const std::exception& e) {
    std::cerr << "torch_models: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
