// The backends through the plugin ABI alone (include/wasmnn/nn_backend.h),
// exactly as the core calls them but without an engine: entry and version
// checks, every generated model against the framework's native result,
// too_large reporting, unaligned buffers, contexts of one graph on several
// threads, and the error mapping (errno plus one log line with the
// framework's message).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "manifest.h"
#include "registered.h"
#include "wasmnn/nn_backend.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;

namespace {

// The numeric encoding of a canonical name, through the core's own names.
wasmnn_nn_encoding encodingValue(const std::string& name) {
  for (int v = 0; v < 64; ++v)
    if (name == wasmnn_nn_encoding_name(static_cast<wasmnn_nn_encoding>(v))) return static_cast<wasmnn_nn_encoding>(v);
  throw std::runtime_error("unknown encoding " + name);
}

struct BackendParam {
  std::string name;
  wasmnn_nn_encoding encoding;
  std::string data_dir;
  bool typed;
};

std::vector<BackendParam> enabledBackends() {
  std::vector<BackendParam> all;
  for (const RegisteredBackend& b : registeredBackends())
    all.push_back({b.name, encodingValue(b.encoding), b.dataDir, b.typed});
  return all;
}

void PrintTo(const BackendParam& b, std::ostream* os) { *os << b.name; }

wasmnn_nn_tensor_type typeCode(const std::string& t) {
  static const char* const names[] = {"f16", "f32", "f64", "u8", "i32", "i64"};
  for (int i = 0; i < 6; ++i)
    if (t == names[i]) return static_cast<wasmnn_nn_tensor_type>(i);
  throw std::runtime_error("unknown type " + t);
}

// Loaded once per process, like the core does (libraries are never closed).
const wasmnn_nn_backend* openBackend(const std::string& name) {
  std::string path = std::string(NN_BACKEND_DIR) + "/libwasmnn_backend_" + name + ".so";
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) throw std::runtime_error(dlerror());
  auto entry = reinterpret_cast<wasmnn_nn_backend_entry_fn>(dlsym(lib, WASMNN_NN_BACKEND_ENTRY_SYMBOL));
  if (!entry) throw std::runtime_error("no entry symbol in " + path);
  return entry(WASMNN_NN_BACKEND_ABI_VERSION);
}

// An input tensor with its dims and bytes kept alive.
struct Input {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> bytes;
  wasmnn_nn_tensor tensor() const {
    return {type, static_cast<uint32_t>(dims.size()), dims.data(), bytes.data(), bytes.size()};
  }
  wasmnn_nn_tensor_type type;
};

class BackendTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    static std::map<std::string, const wasmnn_nn_backend*> opened;
    const auto& p = GetParam();
    if (!opened.count(p.name)) {
      const wasmnn_nn_backend* b = openBackend(p.name);
      ASSERT_NE(b, nullptr);
      wasmnn_nn_backend_info info{sizeof(wasmnn_nn_backend_info), nullptr, nullptr, 0};
      char why[256] = "";
      ASSERT_EQ(b->init(&info, why, sizeof why), WASMNN_NN_SUCCESS) << why;
      info_[p.name] = info;
      opened[p.name] = b;
    }
    b_ = opened[p.name];
    dir_ = p.data_dir;
  }

  // One builder per model file of case c (OpenVINO: .xml, .bin), the bytes
  // kept in models_; with their paths when `preloaded`.
  std::vector<wasmnn_nn_builder> builders(const Case& c, bool preloaded = false) {
    models_.clear();
    paths_.clear();
    for (const std::string& file : c.models) {
      paths_.push_back((dir_ / file).string());
      models_.push_back(readBytes(paths_.back()));
    }
    std::vector<wasmnn_nn_builder> out;
    for (size_t i = 0; i < models_.size(); ++i)
      out.push_back({models_[i].data(), models_[i].size(), preloaded ? paths_[i].c_str() : nullptr});
    return out;
  }

  wasmnn_nn_graph* loadModel(const Case& c, wasmnn_nn_target target = WASMNN_NN_TARGET_CPU) {
    std::vector<wasmnn_nn_builder> parts = builders(c);
    wasmnn_nn_graph* g = nullptr;
    EXPECT_EQ(b_->load(GetParam().encoding, target, parts.data(), static_cast<uint32_t>(parts.size()), nullptr, 0, &g),
              WASMNN_NN_SUCCESS)
        << c.name;
    return g;
  }

  std::vector<Input> inputsOf(const Case& c) {
    std::vector<Input> in;
    for (const auto& t : c.inputs) in.push_back({parseDims(t.dims), readBytes(dir_ / t.file), typeCode(t.type)});
    return in;
  }

  // set_input all, compute, and compare every output with the native result.
  void runAndCompare(wasmnn_nn_context* ctx, const Case& c, const std::vector<Input>& in) {
    for (size_t i = 0; i < in.size(); ++i) {
      wasmnn_nn_tensor t = in[i].tensor();
      ASSERT_EQ(b_->set_input(ctx, c.inputs[i].index, &t), WASMNN_NN_SUCCESS) << c.name << " input " << i;
    }
    ASSERT_EQ(b_->compute(ctx), WASMNN_NN_SUCCESS) << c.name;
    for (const auto& o : c.outputs) {
      std::vector<uint8_t> want = readBytes(dir_ / o.file);
      // One byte of offset: guest buffers need not be aligned.
      std::vector<uint8_t> buf(want.size() + 1, 0xEE);
      size_t size = 0;
      ASSERT_EQ(b_->get_output(ctx, o.index, buf.data() + 1, want.size(), &size), WASMNN_NN_SUCCESS);
      ASSERT_EQ(size, want.size()) << c.name << " output " << o.index;
      EXPECT_EQ(std::vector<uint8_t>(buf.begin() + 1, buf.end()), want) << c.name << " output " << o.index;
    }
  }

  static inline std::map<std::string, wasmnn_nn_backend_info> info_;
  const wasmnn_nn_backend* b_ = nullptr;
  fs::path dir_;
  std::vector<std::vector<uint8_t>> models_;
  std::vector<std::string> paths_;
};

TEST_P(BackendTest, TableDescribesTheBackend) {
  EXPECT_EQ(b_->abi_version, WASMNN_NN_BACKEND_ABI_VERSION);
  EXPECT_EQ(b_->struct_size, sizeof(wasmnn_nn_backend));
  EXPECT_EQ(std::string(b_->name), GetParam().name);
  ASSERT_GE(b_->encoding_count, 1u);
  EXPECT_NE(std::find(b_->encodings, b_->encodings + b_->encoding_count, GetParam().encoding),
            b_->encodings + b_->encoding_count);
  const auto& info = info_[GetParam().name];
  EXPECT_NE(std::string(info.framework_version), "");
  EXPECT_TRUE(info.target_mask & WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU));
  auto entry = reinterpret_cast<wasmnn_nn_backend_entry_fn>(
      dlsym(dlopen((std::string(NN_BACKEND_DIR) + "/libwasmnn_backend_" + GetParam().name + ".so").c_str(), RTLD_NOW),
            WASMNN_NN_BACKEND_ENTRY_SYMBOL));
  EXPECT_EQ(entry(WASMNN_NN_BACKEND_ABI_VERSION + 1), nullptr) << "a host of another ABI version is refused";
}

TEST_P(BackendTest, EveryModelMatchesTheFrameworksNativeOutput) {
  auto cases = readCases(dir_);
  ASSERT_GE(cases.size(), 8u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    wasmnn_nn_graph* g = loadModel(c);
    ASSERT_NE(g, nullptr);
    wasmnn_nn_context* ctx = nullptr;
    ASSERT_EQ(b_->init_context(g, &ctx), WASMNN_NN_SUCCESS);
    auto in = inputsOf(c);
    runAndCompare(ctx, c, in);
    runAndCompare(ctx, c, in);  // a context is reusable
    b_->destroy_context(ctx);
    b_->destroy_graph(g);
  }
}

TEST_P(BackendTest, PreloadedModelIsReadFromItsPath) {
  Case c = readCase(dir_ / "classifier.manifest");
  std::vector<wasmnn_nn_builder> parts = builders(c, true);
  wasmnn_nn_graph* g = nullptr;
  ASSERT_EQ(b_->load(GetParam().encoding, WASMNN_NN_TARGET_AUTO, parts.data(), static_cast<uint32_t>(parts.size()),
                     "{}", 2, &g),
            WASMNN_NN_SUCCESS);
  wasmnn_nn_context* ctx = nullptr;
  ASSERT_EQ(b_->init_context(g, &ctx), WASMNN_NN_SUCCESS);
  runAndCompare(ctx, c, inputsOf(c));
  b_->destroy_context(ctx);
  b_->destroy_graph(g);
}

TEST_P(BackendTest, TooSmallBufferReportsTheNeededSize) {
  Case c = readCase(dir_ / "classifier.manifest");
  wasmnn_nn_graph* g = loadModel(c);
  wasmnn_nn_context* ctx = nullptr;
  ASSERT_EQ(b_->init_context(g, &ctx), WASMNN_NN_SUCCESS);
  auto in = inputsOf(c);
  wasmnn_nn_tensor t = in[0].tensor();
  ASSERT_EQ(b_->set_input(ctx, 0, &t), WASMNN_NN_SUCCESS);
  ASSERT_EQ(b_->compute(ctx), WASMNN_NN_SUCCESS);
  size_t size = 0;
  EXPECT_EQ(b_->get_output(ctx, 0, nullptr, 0, &size), WASMNN_NN_TOO_LARGE);
  EXPECT_EQ(size, 40u);  // 1x10 f32
  std::vector<uint8_t> small(39, 0x5A);
  EXPECT_EQ(b_->get_output(ctx, 0, small.data(), small.size(), &size), WASMNN_NN_TOO_LARGE);
  EXPECT_EQ(small, std::vector<uint8_t>(39, 0x5A)) << "nothing is written on too_large";
  b_->destroy_context(ctx);
  b_->destroy_graph(g);
}

TEST_P(BackendTest, ContextsOfOneGraphRunInParallel) {
  Case c = readCase(dir_ / "classifier.manifest");
  wasmnn_nn_graph* g = loadModel(c);
  ASSERT_NE(g, nullptr);
  auto in = inputsOf(c);
  std::vector<uint8_t> want = readBytes(dir_ / c.outputs[0].file);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      wasmnn_nn_context* ctx = nullptr;
      if (b_->init_context(g, &ctx) != WASMNN_NN_SUCCESS) return;
      for (int i = 0; i < 25; ++i) {
        wasmnn_nn_tensor tensor = in[0].tensor();
        std::vector<uint8_t> out(want.size());
        size_t size = 0;
        if (b_->set_input(ctx, 0, &tensor) || b_->compute(ctx) ||
            b_->get_output(ctx, 0, out.data(), out.size(), &size) || out != want)
          break;
        if (i == 24) ++good;
      }
      b_->destroy_context(ctx);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 8);
  b_->destroy_graph(g);
}

// Runs call() and expects errno `want` and one log line from the backend
// carrying `message`.
template <typename F> void expectError(const char* backend, wasmnn_nn_errno want, const std::string& message, F call) {
  ::testing::internal::CaptureStderr();
  wasmnn_nn_errno got = call();
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(got, want) << wasmnn_nn_errno_name(got) << "; log: " << log;
  EXPECT_NE(log.find(std::string("error: ") + backend + ": "), std::string::npos) << log;
  EXPECT_NE(log.find(message), std::string::npos) << "log lacks \"" << message << "\": " << log;
}

TEST_P(BackendTest, CorruptModelBytesAreInvalidArgument) {
  const char* name = GetParam().name.c_str();
  std::vector<uint8_t> junk(300);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 7 + 3);
  wasmnn_nn_builder builder{junk.data(), junk.size(), nullptr};
  wasmnn_nn_graph* g = nullptr;
  expectError(name, WASMNN_NN_INVALID_ARGUMENT, "load",
              [&] { return b_->load(GetParam().encoding, WASMNN_NN_TARGET_CPU, &builder, 1, nullptr, 0, &g); });
  // Truncated real model (its first part; the others whole).
  std::vector<wasmnn_nn_builder> parts = builders(readCase(dir_ / "classifier.manifest"));
  auto n = static_cast<uint32_t>(parts.size());
  parts[0].size /= 2;
  expectError(name, WASMNN_NN_INVALID_ARGUMENT, "load",
              [&] { return b_->load(GetParam().encoding, WASMNN_NN_TARGET_CPU, parts.data(), n, nullptr, 0, &g); });
  // One builder more than the format takes.
  parts[0].size = models_[0].size();
  parts.push_back({models_[0].data(), 1, nullptr});
  expectError(name, WASMNN_NN_INVALID_ARGUMENT, "builder",
              [&] { return b_->load(GetParam().encoding, WASMNN_NN_TARGET_CPU, parts.data(), n + 1, nullptr, 0, &g); });
}

TEST_P(BackendTest, UnavailableTargetsAreUnsupported) {
  if (info_[GetParam().name].target_mask & WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_GPU))
    GTEST_SKIP() << "this machine has a GPU the framework can use";
  std::vector<wasmnn_nn_builder> parts = builders(readCase(dir_ / "classifier.manifest"));
  auto n = static_cast<uint32_t>(parts.size());
  wasmnn_nn_graph* g = nullptr;
  expectError(GetParam().name.c_str(), WASMNN_NN_UNSUPPORTED_OPERATION, "gpu",
              [&] { return b_->load(GetParam().encoding, WASMNN_NN_TARGET_GPU, parts.data(), n, nullptr, 0, &g); });
  expectError(GetParam().name.c_str(), WASMNN_NN_UNSUPPORTED_OPERATION, "tpu",
              [&] { return b_->load(GetParam().encoding, WASMNN_NN_TARGET_TPU, parts.data(), n, nullptr, 0, &g); });
}

TEST_P(BackendTest, UnknownConfigIsInvalidArgument) {
  std::vector<wasmnn_nn_builder> parts = builders(readCase(dir_ / "classifier.manifest"));
  auto n = static_cast<uint32_t>(parts.size());
  wasmnn_nn_graph* g = nullptr;
  std::string bad = R"({"no_such_option": 4})", broken = "{not json";
  expectError(GetParam().name.c_str(), WASMNN_NN_INVALID_ARGUMENT, "config", [&] {
    return b_->load(GetParam().encoding, WASMNN_NN_TARGET_CPU, parts.data(), n, bad.data(), bad.size(), &g);
  });
  expectError(GetParam().name.c_str(), WASMNN_NN_INVALID_ARGUMENT, "config", [&] {
    return b_->load(GetParam().encoding, WASMNN_NN_TARGET_CPU, parts.data(), n, broken.data(), broken.size(), &g);
  });
}

TEST_P(BackendTest, MisuseOfAContextIsReportedNotCrashed) {
  const char* name = GetParam().name.c_str();
  Case c = readCase(dir_ / "classifier.manifest");
  wasmnn_nn_graph* g = loadModel(c);
  wasmnn_nn_context* ctx = nullptr;
  ASSERT_EQ(b_->init_context(g, &ctx), WASMNN_NN_SUCCESS);
  auto in = inputsOf(c);
  wasmnn_nn_tensor t = in[0].tensor();
  size_t size = 0;
  expectError(name, WASMNN_NN_RUNTIME_ERROR, "never set", [&] { return b_->compute(ctx); });
  expectError(name, WASMNN_NN_RUNTIME_ERROR, "no result", [&] { return b_->get_output(ctx, 0, nullptr, 0, &size); });
  expectError(name, WASMNN_NN_INVALID_ARGUMENT, "out of range", [&] { return b_->set_input(ctx, 7, &t); });
  ASSERT_EQ(b_->set_input(ctx, 0, &t), WASMNN_NN_SUCCESS);
  ASSERT_EQ(b_->compute(ctx), WASMNN_NN_SUCCESS);
  expectError(name, WASMNN_NN_INVALID_ARGUMENT, "out of range",
              [&] { return b_->get_output(ctx, 3, nullptr, 0, &size); });
  // The classifier multiplies by a 16x10 matrix: 17 features cannot work.
  std::vector<uint8_t> wide(17 * 4, 0);
  uint32_t dims[2] = {1, 17};
  wasmnn_nn_tensor bad{WASMNN_NN_TYPE_F32, 2, dims, wide.data(), wide.size()};
  expectError(name, GetParam().typed ? WASMNN_NN_INVALID_ARGUMENT : WASMNN_NN_RUNTIME_ERROR,
              GetParam().typed ? "shape" : "compute", [&] {
                wasmnn_nn_errno e = b_->set_input(ctx, 0, &bad);
                return e ? e : b_->compute(ctx);
              });
  b_->destroy_context(ctx);
  b_->destroy_graph(g);
}

// ONNX models (for example) declare their input element types; TorchScript
// signatures carry none (a wrong dtype fails inside the op, see
// MisuseOfAContext), so this runs for the backends registered as TYPED.
using TypedInputBackendTest = BackendTest;

std::vector<BackendParam> backendsWithTypedInputs() {
  std::vector<BackendParam> typed;
  for (const BackendParam& b : enabledBackends())
    if (b.typed) typed.push_back(b);
  return typed;
}

TEST_P(TypedInputBackendTest, WrongElementTypeIsRejected) {
  Case c = readCase(dir_ / "classifier.manifest");
  wasmnn_nn_graph* g = loadModel(c);
  wasmnn_nn_context* ctx = nullptr;
  ASSERT_EQ(b_->init_context(g, &ctx), WASMNN_NN_SUCCESS);
  auto in = inputsOf(c);
  wasmnn_nn_tensor t = in[0].tensor();
  t.type = WASMNN_NN_TYPE_I32;  // same byte size as f32
  expectError(GetParam().name.c_str(), WASMNN_NN_INVALID_ARGUMENT, "does not match",
              [&] { return b_->set_input(ctx, 0, &t); });
  b_->destroy_context(ctx);
  b_->destroy_graph(g);
}

std::string paramName(const ::testing::TestParamInfo<BackendParam>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, ::testing::ValuesIn(enabledBackends()), paramName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BackendTest);
INSTANTIATE_TEST_SUITE_P(Backends, TypedInputBackendTest, ::testing::ValuesIn(backendsWithTypedInputs()), paramName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TypedInputBackendTest);

}  // namespace
