// The tflite backend's own rules, through the plugin ABI (as the core calls
// it) and through guests: malformed flatbuffers give an errno and never
// crash the host; the threads/xnnpack config reaches TFLite; inputs resize
// only where the model's shape signature allows; the bird-classifier guest
// prints the top-5 of the native interpreter's scores. The truth files come
// from make_tflite_models.py (the Python tflite_runtime interpreter).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "manifest.h"
#include "run_guest.h"
#include "wasmnn/nn_backend.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;

namespace {

const fs::path kData = NN_TFLITE_DATA;

const wasmnn_nn_backend* backend() {
  static const wasmnn_nn_backend* b = [] {
    std::string path = std::string(NN_BACKEND_DIR) + "/libwasmnn_backend_tflite.so";
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw std::runtime_error(dlerror());
    auto entry = reinterpret_cast<wasmnn_nn_backend_entry_fn>(dlsym(lib, WASMNN_NN_BACKEND_ENTRY_SYMBOL));
    const wasmnn_nn_backend* table = entry(WASMNN_NN_BACKEND_ABI_VERSION);
    wasmnn_nn_backend_info info{sizeof(wasmnn_nn_backend_info), nullptr, nullptr, 0};
    char why[256] = "";
    if (table->init(&info, why, sizeof why) != WASMNN_NN_SUCCESS) throw std::runtime_error(why);
    return table;
  }();
  return b;
}

// One graph (and context) through the ABI; errors keep the backend's log line.
class GraphRun {
 public:
  wasmnn_nn_errno load(std::span<const uint8_t> model, const std::string& config = "") {
    wasmnn_nn_builder builder{model.data(), model.size(), nullptr};
    ::testing::internal::CaptureStderr();
    wasmnn_nn_errno err = backend()->load(WASMNN_NN_ENCODING_TENSORFLOWLITE, WASMNN_NN_TARGET_CPU, &builder, 1,
                                          config.data(), config.size(), &graph_);
    log_ = ::testing::internal::GetCapturedStderr();
    if (err == WASMNN_NN_SUCCESS) {
      EXPECT_EQ(backend()->init_context(graph_, &ctx_), WASMNN_NN_SUCCESS);
    }
    return err;
  }
  wasmnn_nn_errno setInput(uint32_t index, wasmnn_nn_tensor_type type, std::vector<uint32_t> dims,
                           std::span<const uint8_t> bytes) {
    wasmnn_nn_tensor t{type, static_cast<uint32_t>(dims.size()), dims.data(), bytes.data(), bytes.size()};
    ::testing::internal::CaptureStderr();
    wasmnn_nn_errno err = backend()->set_input(ctx_, index, &t);
    log_ = ::testing::internal::GetCapturedStderr();
    return err;
  }
  wasmnn_nn_errno compute() { return backend()->compute(ctx_); }
  std::vector<uint8_t> output(uint32_t index) {
    size_t size = 0;
    backend()->get_output(ctx_, index, nullptr, 0, &size);
    std::vector<uint8_t> out(size);
    EXPECT_EQ(backend()->get_output(ctx_, index, out.data(), out.size(), &size), WASMNN_NN_SUCCESS);
    return out;
  }
  const std::string& log() const { return log_; }
  ~GraphRun() {
    if (ctx_) backend()->destroy_context(ctx_);
    if (graph_) backend()->destroy_graph(graph_);
  }

 private:
  wasmnn_nn_graph* graph_ = nullptr;
  wasmnn_nn_context* ctx_ = nullptr;
  std::string log_;
};

wasmnn_nn_tensor_type typeCode(const std::string& name) {
  static const char* const types[] = {"f16", "f32", "f64", "u8", "i32", "i64"};
  return static_cast<wasmnn_nn_tensor_type>(std::find(types, types + 6, name) - types);
}

// Sets every input of case c; whether all were taken.
bool feed(GraphRun& run, const Case& c) {
  bool all = true;
  for (const TensorFile& in : c.inputs)
    all &=
        run.setInput(in.index, typeCode(in.type), parseDims(in.dims), readBytes(kData / in.file)) == WASMNN_NN_SUCCESS;
  return all;
}

// Loads case `name` with `config`, feeds its inputs and computes; its outputs' bytes.
std::vector<std::vector<uint8_t>> runCase(const std::string& name, const std::string& config = "") {
  Case c = readCase(kData / (name + ".manifest"));
  std::vector<uint8_t> model = readBytes(kData / c.models[0]);
  GraphRun run;
  EXPECT_EQ(run.load(model, config), WASMNN_NN_SUCCESS) << run.log();
  EXPECT_TRUE(feed(run, c)) << run.log();
  EXPECT_EQ(run.compute(), WASMNN_NN_SUCCESS);
  std::vector<std::vector<uint8_t>> outputs;
  for (const TensorFile& out : c.outputs) outputs.push_back(run.output(out.index));
  return outputs;
}

std::vector<uint8_t> classifierModel() { return readBytes(kData / "classifier.tflite"); }

// ---------------------------------------------------------------- malformed flatbuffers

void expectRejected(std::span<const uint8_t> model, wasmnn_nn_errno want, const std::string& message,
                    const std::string& what) {
  GraphRun run;
  EXPECT_EQ(run.load(model), want) << what << ": " << run.log();
  EXPECT_NE(run.log().find("error: tflite: load: model rejected"), std::string::npos) << what << ": " << run.log();
  EXPECT_NE(run.log().find(message), std::string::npos) << what << ": no \"" << message << "\" in " << run.log();
}

// What a damaged model may get from load: a graph, invalid_argument,
// unsupported_operation (an operator code this TFLite does not have), or
// runtime_error "out of memory" (a tensor so large TFLite's arena cannot
// have it).
bool answered(wasmnn_nn_errno err, const std::string& log) {
  return err == WASMNN_NN_SUCCESS || err == WASMNN_NN_INVALID_ARGUMENT || err == WASMNN_NN_UNSUPPORTED_OPERATION ||
         (err == WASMNN_NN_RUNTIME_ERROR && log.find("load: out of memory") != std::string::npos);
}

TEST(TfLiteMalformed, TruncatedModelsAreInvalidArgument) {
  std::vector<uint8_t> model = classifierModel();
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{7}, size_t{8}, model.size() / 4, model.size() / 2, model.size() - 1}) {
    std::string why = size ? "not a valid Flatbuffer" : "empty";
    expectRejected({model.data(), size}, WASMNN_NN_INVALID_ARGUMENT, why, std::to_string(size) + " bytes");
  }
}

TEST(TfLiteMalformed, WrongIdentifierIsInvalidArgument) {
  std::vector<uint8_t> model = classifierModel();
  std::memcpy(model.data() + 4, "ONNX", 4);
  expectRejected(model, WASMNN_NN_INVALID_ARGUMENT, "not a valid Flatbuffer", "identifier ONNX");
}

TEST(TfLiteMalformed, OutOfRangeOffsetsAreInvalidArgument) {
  std::vector<uint8_t> model = classifierModel();
  uint32_t past = static_cast<uint32_t>(model.size()) + 64;
  std::vector<uint8_t> root = model;
  std::memcpy(root.data(), &past, 4);  // the root table's offset
  expectRejected(root, WASMNN_NN_INVALID_ARGUMENT, "not a valid Flatbuffer", "root offset past the end");
  // Every 32-bit word in turn made to point far past the end: each is data
  // (the model may still load) or an offset the verifier must refuse.
  int refused = 0;
  for (size_t at = 8; at + 4 <= model.size(); at += 4) {
    std::vector<uint8_t> bad = model;
    uint32_t huge = 0x7ffffff0u;
    std::memcpy(bad.data() + at, &huge, 4);
    GraphRun run;
    EXPECT_TRUE(answered(run.load(bad), run.log())) << at << ": " << run.log();
    refused += run.log().find("not a valid Flatbuffer") != std::string::npos;
  }
  EXPECT_GT(refused, 20) << "of " << model.size() / 4 << " words, the verifier refused";
}

// Models the flatbuffer verifier accepts: the backend's graph checks refuse
// them, or TFLite's own checks where marked.
TEST(TfLiteMalformed, ModelsBreakingTfLiteRulesAreRejected) {
  struct Bad {
    const char* file;
    wasmnn_nn_errno err;
    const char* message;
  };
  const Bad bad[] = {
      {"buffer_index", WASMNN_NN_INVALID_ARGUMENT, "tensor 1 names buffer 999 of 3"},
      {"tensor_index", WASMNN_NN_INVALID_ARGUMENT, "operator 0 names tensor 77 of 5"},
      {"opcode_index", WASMNN_NN_INVALID_ARGUMENT, "operator 0 has no operator code"},
      {"constant_size", WASMNN_NN_INVALID_ARGUMENT, "640 != 8"},  // TFLite's own check
      {"string_constant", WASMNN_NN_UNSUPPORTED_OPERATION, "tensor 1 is a string constant"},
      {"unproduced_input", WASMNN_NN_INVALID_ARGUMENT, "operator 0 reads tensor 4, which no input"},
      {"omitted_first_input", WASMNN_NN_INVALID_ARGUMENT, "operator 1 omits its first input"},
      {"subgraph_input", WASMNN_NN_INVALID_ARGUMENT, "an input names tensor 55 of 5"},
      {"subgraph_output", WASMNN_NN_INVALID_ARGUMENT, "an output names tensor -1 of 5"},
      {"no_subgraph", WASMNN_NN_INVALID_ARGUMENT, "it has no subgraph"},
      {"custom_op", WASMNN_NN_UNSUPPORTED_OPERATION, "unresolved custom op: WasmnnNoSuchOp"},  // TFLite's own check
      // The int8 model's quantization, checked by TFLite's interpreter builder and kernels.
      {"quant_scale_count", WASMNN_NN_INVALID_ARGUMENT, "has 1 zero_point values and 2 scale values"},
      {"quant_dimension", WASMNN_NN_INVALID_ARGUMENT, "quantized_dimension must be in range [0, 2). Was 5."},
      {"quant_axis_count", WASMNN_NN_INVALID_ARGUMENT, "or 10 for per-axis quantization, but got 7"},
      {"quant_zero_scale", WASMNN_NN_INVALID_ARGUMENT, "Node number 0 (FULLY_CONNECTED) failed to prepare"},
      {"quant_nan_scale", WASMNN_NN_INVALID_ARGUMENT, "Node number 0 (FULLY_CONNECTED) failed to prepare"},
  };
  for (const Bad& b : bad)
    expectRejected(readBytes(kData / "malformed" / (std::string(b.file) + ".tflite")), b.err, b.message, b.file);
}

// A model may ask for more memory than the process may have: TFLite's
// failed allocation is runtime_error "out of memory" (the address space is
// capped 2 GB above what the test uses, below the 6.4 GB the model wants;
// each test runs in its own process). Not under AddressSanitizer, whose
// allocator aborts the process when the system refuses memory.
#if !defined(__SANITIZE_ADDRESS__)
TEST(TfLiteMalformed, TensorsTooLargeToAllocateAreOutOfMemory) {
  std::vector<uint8_t> model = readBytes(kData / "malformed" / "huge_tile.tflite");
  backend();  // the libraries are mapped before the cap
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &limit), 0);
  size_t pages = 0;
  std::ifstream("/proc/self/statm") >> pages;
  rlimit capped{pages * sysconf(_SC_PAGESIZE) + (size_t{2} << 30), limit.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_AS, &capped), 0);
  GraphRun run;
  wasmnn_nn_errno err = run.load(model);
  setrlimit(RLIMIT_AS, &limit);
  EXPECT_EQ(err, WASMNN_NN_RUNTIME_ERROR) << run.log();
  EXPECT_NE(run.log().find("error: tflite: load: out of memory"), std::string::npos) << run.log();
}
#endif

// Random damage to real models: every load answers with an errno or a
// graph, and every graph that loads computes or answers with an errno.
// (A longer campaign of the same kind, 10000 rounds per model, found the
// crashes the graph checks now refuse; see checkGraph.)
TEST(TfLiteMalformed, RandomlyDamagedModelsNeverCrashTheHost) {
  for (const char* name : {"classifier", "conv", "multi_io", "int64_ops", "int8_fc", "conv_u8"}) {
    Case c = readCase(kData / (std::string(name) + ".manifest"));
    std::vector<uint8_t> model = readBytes(kData / c.models[0]);
    std::mt19937 rng(2024);
    int loaded = 0;
    for (int round = 0; round < 1000; ++round) {
      std::vector<uint8_t> bad = model;
      for (int k = 0, flips = 1 + static_cast<int>(rng() % 4); k < flips; ++k)
        bad[8 + rng() % (bad.size() - 8)] = static_cast<uint8_t>(rng());
      GraphRun run;
      wasmnn_nn_errno err = run.load(bad);
      ASSERT_TRUE(answered(err, run.log())) << name << " round " << round << ": " << run.log();
      if (err) continue;
      ++loaded;
      if (feed(run, c)) {
        wasmnn_nn_errno computed = run.compute();
        EXPECT_TRUE(computed == WASMNN_NN_SUCCESS || computed == WASMNN_NN_RUNTIME_ERROR) << name << " " << round;
      }
    }
    EXPECT_GT(loaded, 30) << name << ": damage to weights and names must still load";
  }
}

// ---------------------------------------------------------------- config

size_t processThreads() {
  return static_cast<size_t>(std::distance(fs::directory_iterator("/proc/self/task"), fs::directory_iterator()));
}

TEST(TfLiteConfig, ThreadsReachTheRuntimeAndKeepTheResult) {
  std::vector<uint8_t> want = readBytes(kData / "conv.out0.bin");
  EXPECT_EQ(runCase("conv", R"({"threads": 2})")[0], want);
  // XNNPACK's thread pool: threads - 1 workers beside the caller.
  std::vector<uint8_t> model = readBytes(kData / "conv.tflite");
  size_t before = processThreads();
  GraphRun run;
  ASSERT_EQ(run.load(model, R"({"threads": 4})"), WASMNN_NN_SUCCESS) << run.log();
  EXPECT_EQ(processThreads(), before + 3);
}

TEST(TfLiteConfig, XnnpackOffRunsTfLitesOwnKernels) {
  std::vector<uint8_t> xnnpack = readBytes(kData / "conv.out0.bin"),
                       builtin = readBytes(kData / "conv.builtin.out0.bin");
  ASSERT_NE(xnnpack, builtin) << "the two kernels round differently on this net, or this test proves nothing";
  EXPECT_EQ(runCase("conv", R"({"xnnpack": false})")[0], builtin);
  EXPECT_EQ(runCase("conv", R"({"xnnpack": true, "threads": 1})")[0], xnnpack);
}

TEST(TfLiteConfig, BadOptionsAreInvalidArgument) {
  std::vector<uint8_t> model = classifierModel();
  const std::pair<const char*, const char*> bad[] = {
      {R"({"threads": 0})", "must be from 1 to 64 (got 0)"},
      {R"({"threads": 100000})", "must be from 1 to 64 (got 100000)"},
      {R"({"threads": "2"})", "wrong type"},
      {R"({"xnnpack": 1})", "wrong type"},
      {R"({"threds": 2})", "unknown config option(s) \"threds\""},
  };
  for (const auto& [config, message] : bad) {
    GraphRun run;
    EXPECT_EQ(run.load(model, config), WASMNN_NN_INVALID_ARGUMENT) << config;
    EXPECT_NE(run.log().find(message), std::string::npos) << config << ": " << run.log();
  }
}

// ---------------------------------------------------------------- inputs

TEST(TfLiteInputs, OpenDimensionsResizeFixedOnesDoNot) {
  std::vector<uint8_t> model = readBytes(kData / "resizable.tflite");
  GraphRun run;
  ASSERT_EQ(run.load(model), WASMNN_NN_SUCCESS) << run.log();
  for (uint32_t rows : {3u, 7u, 1u}) {
    std::vector<uint8_t> x(rows * 16 * 4, 0);
    ASSERT_EQ(run.setInput(0, WASMNN_NN_TYPE_F32, {rows, 16}, x), WASMNN_NN_SUCCESS) << run.log();
    ASSERT_EQ(run.compute(), WASMNN_NN_SUCCESS);
    EXPECT_EQ(run.output(0).size(), rows * 10 * 4);
  }
  std::vector<uint8_t> x(3 * 17 * 4, 0);
  EXPECT_EQ(run.setInput(0, WASMNN_NN_TYPE_F32, {3, 17}, x), WASMNN_NN_INVALID_ARGUMENT);
  EXPECT_NE(run.log().find("shape [3,17] does not match the model's [-1,16]"), std::string::npos) << run.log();
  EXPECT_EQ(run.setInput(0, WASMNN_NN_TYPE_F32, {1, 3, 17}, x), WASMNN_NN_INVALID_ARGUMENT);

  GraphRun fixed;
  std::vector<uint8_t> clf = classifierModel(), two(2 * 16 * 4, 0);
  ASSERT_EQ(fixed.load(clf), WASMNN_NN_SUCCESS);
  EXPECT_EQ(fixed.setInput(0, WASMNN_NN_TYPE_F32, {2, 16}, two), WASMNN_NN_INVALID_ARGUMENT);
  EXPECT_NE(fixed.log().find("shape [2,16] does not match the model's [1,16]"), std::string::npos) << fixed.log();
}

TEST(TfLiteInputs, Int8TensorsTakeU8BytesAndNothingElse) {
  std::vector<uint8_t> model = readBytes(kData / "int8_fc.tflite"), x(16, 0x80);
  GraphRun run;
  ASSERT_EQ(run.load(model), WASMNN_NN_SUCCESS);
  EXPECT_EQ(run.setInput(0, WASMNN_NN_TYPE_U8, {1, 16}, x), WASMNN_NN_SUCCESS) << run.log();
  std::vector<uint8_t> wide(16 * 2, 0);
  EXPECT_EQ(run.setInput(0, WASMNN_NN_TYPE_F16, {1, 16}, wide), WASMNN_NN_INVALID_ARGUMENT);
  EXPECT_NE(run.log().find("tensor type f16 does not match the model's INT8"), std::string::npos) << run.log();
}

// ---------------------------------------------------------------- the birds guest

#ifdef NN_BIRDS_WASM
// The native scores' top 5, highest first, ties to the lower class: the lines
// the guest must print.
std::string nativeTop5(const std::vector<uint8_t>& scores) {
  std::vector<int> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  std::ostringstream out;
  for (int k = 0; k < 5; ++k) out << "   " << k + 1 << ".) [" << order[k] << "](" << int(scores[order[k]]) << ")\n";
  return out.str();
}

TEST(TfLiteBirdsGuest, PrintsTheNativeTop5) {
  std::vector<uint8_t> scores = readBytes(kData / "mobilenet_u8.out0.bin");
  ASSERT_EQ(scores.size(), 965u);
  TempDir tmp;
  std::vector<std::string> argv = cliRun();
  argv.insert(argv.end(), {"--dir=" + kData.string() + "::/data", NN_BIRDS_WASM, "/data/mobilenet_u8.tflite",
                           "/data/mobilenet_u8.in0.bin"});
  GuestRun r = runProcess(argv, tmp.path());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("Read input tensor, size in bytes: 150528\nExecuted graph inference\n"), std::string::npos)
      << r.out;
  size_t top = r.out.find("   1.)");
  ASSERT_NE(top, std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(top), nativeTop5(scores));
}
#endif

}  // namespace
