// The llamacpp backend inside this process:
//  - malformed GGUF through the plugin ABI (truncations, absurd counts and
//    sizes, bad offsets, unknown types, seeded random corruption): every one
//    is an errno, never a crash of the host;
//  - two wasm instances (llm.wasm, threads of this process, the engine's C
//    API, backends in-process: --nn-isolation none) generating at the same time from one preloaded model: each gives
//    llama.cpp's native tokens for its own prompt (no shared KV state) and
//    the model's memory is counted once (peak RSS of two instances against
//    one).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "manifest.h"
#include "native.h"
#include "run_guest.h"
#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasmnn.h"

namespace {

namespace fs = std::filesystem;
namespace native = wasmnn::test::llama;
using wasmnn::test::readBytes;
using wasmnn::test::TempDir;

const fs::path kData = LLAMACPP_TEST_DATA;

// ---------------------------------------------------------------- plugin ABI

const wasmnn_nn_backend* backend() {
  static const wasmnn_nn_backend* b = [] {
    std::string path = std::string(LLAMACPP_BACKEND_DIR) + "/libwasmnn_backend_llamacpp.so";
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw std::runtime_error(dlerror());
    auto entry = reinterpret_cast<wasmnn_nn_backend_entry_fn>(dlsym(lib, WASMNN_NN_BACKEND_ENTRY_SYMBOL));
    const wasmnn_nn_backend* table = entry(WASMNN_NN_BACKEND_ABI_VERSION);
    wasmnn_nn_backend_info info{sizeof info, nullptr, nullptr, 0};
    char why[256] = "";
    if (table->init(&info, why, sizeof why) != WASMNN_NN_SUCCESS) throw std::runtime_error(why);
    return table;
  }();
  return b;
}

// load() on guest bytes; destroys the graph it may build.
wasmnn_nn_errno loadBytes(const std::vector<uint8_t>& bytes) {
  wasmnn_nn_builder builder{bytes.data(), bytes.size(), nullptr};
  wasmnn_nn_graph* graph = nullptr;
  wasmnn_nn_errno err = backend()->load(WASMNN_NN_ENCODING_GGML, WASMNN_NN_TARGET_CPU, &builder, 1, nullptr, 0, &graph);
  if (err == WASMNN_NN_SUCCESS) backend()->destroy_graph(graph);
  return err;
}

// Where the fields of a GGUF file are (GGUF v3: magic, version u32,
// n_tensors u64, n_kv u64, then key/value pairs, tensor infos, data).
struct GgufLayout {
  size_t nTensors = 8, nKv = 16;
  size_t firstKeyLength = 24;
  size_t firstTensorInfo = 0;  // its name length
  size_t dataStart = 0;
  std::vector<uint8_t> bytes;

  explicit GgufLayout(std::vector<uint8_t> b) : bytes(std::move(b)) {
    size_t pos = 24;
    for (uint64_t i = 0, n = u64(16); i < n; ++i) {
      pos += 8 + u64(pos);
      pos = skipValue(pos + 4, u32(pos));
    }
    firstTensorInfo = pos;
    for (uint64_t i = 0, n = u64(8); i < n; ++i) {
      pos += 8 + u64(pos);
      pos += 4 + 8 * u32(pos) + 4 + 8;
    }
    dataStart = (pos + 31) / 32 * 32;
  }
  uint64_t u64(size_t at) const {
    uint64_t v;
    std::memcpy(&v, &bytes.at(at + 7) - 7, 8);
    return v;
  }
  uint32_t u32(size_t at) const {
    uint32_t v;
    std::memcpy(&v, &bytes.at(at + 3) - 3, 4);
    return v;
  }
  size_t skipValue(size_t pos, uint32_t type) const {
    static const size_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};  // by GGUF type; 8 string, 9 array
    if (type == 8) return pos + 8 + u64(pos);
    if (type == 9) {
      uint32_t inner = u32(pos);
      uint64_t n = u64(pos + 4);
      pos += 12;
      for (uint64_t i = 0; i < n; ++i) pos = skipValue(pos, inner);
      return pos;
    }
    return pos + kSizes[type];
  }
  // The offset of the first tensor info's fields: n_dims, dims, type, offset.
  size_t tensorField(const char* field) const {
    size_t pos = firstTensorInfo + 8 + u64(firstTensorInfo);
    if (!std::strcmp(field, "n_dims")) return pos;
    if (!std::strcmp(field, "dim0")) return pos + 4;
    pos += 4 + 8 * u32(pos);
    return !std::strcmp(field, "type") ? pos : pos + 4;
  }
  std::vector<uint8_t> with64(size_t at, uint64_t v) const {
    std::vector<uint8_t> out = bytes;
    std::memcpy(out.data() + at, &v, 8);
    return out;
  }
  std::vector<uint8_t> with32(size_t at, uint32_t v) const {
    std::vector<uint8_t> out = bytes;
    std::memcpy(out.data() + at, &v, 4);
    return out;
  }
};

class MalformedGguf : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { backend(); }
  GgufLayout gguf_{readBytes(kData / "chat.gguf")};
};

TEST_F(MalformedGguf, TheModelItselfLoads) { EXPECT_EQ(loadBytes(gguf_.bytes), WASMNN_NN_SUCCESS); }

TEST_F(MalformedGguf, TruncatedAnywhere) {
  std::vector<size_t> cuts;
  for (size_t n = 0; n < 64; ++n) cuts.push_back(n);
  for (size_t at : {gguf_.firstTensorInfo, gguf_.dataStart})
    for (size_t d = 0; d < 16; ++d) cuts.push_back(at - 8 + d);
  for (size_t n = 64; n < gguf_.bytes.size(); n += gguf_.bytes.size() / 97) cuts.push_back(n);
  cuts.push_back(gguf_.bytes.size() - 1);
  for (size_t n : cuts) {
    std::vector<uint8_t> cut(gguf_.bytes.begin(), gguf_.bytes.begin() + static_cast<long>(n));
    EXPECT_EQ(loadBytes(cut), WASMNN_NN_INVALID_ARGUMENT) << "truncated to " << n << " bytes";
  }
}

TEST_F(MalformedGguf, AbsurdCountsAndSizes) {
  for (uint64_t v : {uint64_t{1} << 62, uint64_t{1} << 32, uint64_t{100000}, ~uint64_t{0}}) {
    EXPECT_EQ(loadBytes(gguf_.with64(gguf_.nTensors, v)), WASMNN_NN_INVALID_ARGUMENT) << "n_tensors " << v;
    EXPECT_EQ(loadBytes(gguf_.with64(gguf_.nKv, v)), WASMNN_NN_INVALID_ARGUMENT) << "n_kv " << v;
    EXPECT_EQ(loadBytes(gguf_.with64(gguf_.firstKeyLength, v)), WASMNN_NN_INVALID_ARGUMENT) << "key length " << v;
    EXPECT_EQ(loadBytes(gguf_.with64(gguf_.tensorField("dim0"), v)), WASMNN_NN_INVALID_ARGUMENT) << "dim " << v;
  }
  EXPECT_EQ(loadBytes(gguf_.with64(gguf_.nTensors, gguf_.u64(gguf_.nTensors) + 1)), WASMNN_NN_INVALID_ARGUMENT);
  EXPECT_EQ(loadBytes(gguf_.with32(gguf_.tensorField("n_dims"), 5)), WASMNN_NN_INVALID_ARGUMENT);
  EXPECT_EQ(loadBytes(gguf_.with32(gguf_.tensorField("n_dims"), 0xFFFFFFFF)), WASMNN_NN_INVALID_ARGUMENT);
}

TEST_F(MalformedGguf, BadOffsetsAndTypes) {
  size_t offset = gguf_.tensorField("offset");
  for (uint64_t v : {uint64_t{1}, uint64_t{31}, uint64_t{1} << 40, ~uint64_t{0} - 31, uint64_t{gguf_.bytes.size()}})
    EXPECT_EQ(loadBytes(gguf_.with64(offset, v)), WASMNN_NN_INVALID_ARGUMENT) << "offset " << v;
  for (uint32_t t : {4u, 5u, 43u, 9999u, 0xFFFFFFFFu})
    EXPECT_EQ(loadBytes(gguf_.with32(gguf_.tensorField("type"), t)), WASMNN_NN_INVALID_ARGUMENT) << "ggml type " << t;
  size_t firstValueType = gguf_.firstKeyLength + 8 + gguf_.u64(gguf_.firstKeyLength);
  for (uint32_t t : {13u, 255u, 0xFFFFFFFFu})
    EXPECT_EQ(loadBytes(gguf_.with32(firstValueType, t)), WASMNN_NN_INVALID_ARGUMENT) << "value type " << t;
  for (uint32_t version : {0u, 1u, 4u, 0x03000000u})
    EXPECT_EQ(loadBytes(gguf_.with32(4, version)), WASMNN_NN_INVALID_ARGUMENT) << "version " << version;
  std::vector<uint8_t> notGguf = gguf_.bytes;
  notGguf[0] = 'X';
  EXPECT_EQ(loadBytes(notGguf), WASMNN_NN_INVALID_ARGUMENT);
  EXPECT_EQ(loadBytes({}), WASMNN_NN_INVALID_ARGUMENT);
}

// Seeded corruption of the metadata and tensor infos (the weights may take
// any value): whatever llama.cpp makes of it, the host survives.
TEST_F(MalformedGguf, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(20261203);
  int loaded = 0, rejected = 0;
  for (int i = 0; i < 400; ++i) {
    std::vector<uint8_t> b = gguf_.bytes;
    for (int flips = 1 + i % 4; flips > 0; --flips) {
      size_t at = 8 + rng() % (gguf_.dataStart - 8);
      b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    wasmnn_nn_errno err = loadBytes(b);
    EXPECT_TRUE(err == WASMNN_NN_SUCCESS || err == WASMNN_NN_INVALID_ARGUMENT) << wasmnn_nn_errno_name(err);
    (err == WASMNN_NN_SUCCESS ? loaded : rejected)++;
  }
  EXPECT_GT(rejected, 100) << "the corruption reached the structure";
  std::printf("random corruption: %d rejected, %d still loadable\n", rejected, loaded);
}

// ---------------------------------------------------------------- two instances

size_t rssKb(const char* field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field, 0) == 0) return std::stoul(line.substr(std::strlen(field)));
  return 0;
}
void resetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct InstanceRun {
  int status = -1;
  std::string why, text;
  std::chrono::steady_clock::time_point start, end;
};

// One llm.wasm instance in its own store: chat on the preloaded "default"
// model, the text saved into `dir`.
InstanceRun runChat(wasmnn_engine* engine, const wasmnn_module* module, wasmnn_nn_host* nn, const fs::path& dir,
                    const std::string& prompt) {
  InstanceRun r;
  r.start = std::chrono::steady_clock::now();
  std::vector<std::string> args = {"llm",
                                   "--save",
                                   "/out/text",
                                   "chat",
                                   "default",
                                   prompt,
                                   R"({"temp": 0, "threads": 1, "n-predict": 48, "ctx-size": 256})"};
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  wasmnn_wasi* wasi = wasmnn_wasi_new();
  wasmnn_wasi_set_args(wasi, argv.size(), argv.data());
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_instance* instance = nullptr;
  wasmnn_error* error = wasmnn_wasi_preopen_dir(wasi, dir.c_str(), "/out");
  if (!error) error = wasmnn_linker_define_wasi(linker, wasi);
  if (!error) error = wasmnn_linker_define_wasi_nn(linker, nn);
  if (!error) error = wasmnn_linker_instantiate(linker, module, &instance);
  wasmnn_extern start;
  if (!error && wasmnn_instance_export(instance, "_start", &start)) {
    error = wasmnn_func_call(start.of.func, nullptr, 0, nullptr, 0);
    r.status = 0;
  }
  if (error) {
    r.status = wasmnn_error_get_kind(error) == WASMNN_ERROR_EXIT ? wasmnn_error_exit_code(error) : -1;
    if (r.status == -1) r.why = wasmnn_error_message(error);
    wasmnn_error_delete(error);
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_wasi_delete(wasi);
  r.end = std::chrono::steady_clock::now();
  std::ifstream text(dir / "text", std::ios::binary);
  r.text.assign(std::istreambuf_iterator<char>(text), {});
  return r;
}

TEST(TwoInstances, GenerateAtOnceFromOnePreloadedModelCountedOnce) {
  const fs::path model = kData / "large.gguf";
  const std::string prompts[2] = {"the cat sat on the mat", "a llama and an alpaca walked to the river"};
  native::initOnce(LLAMACPP_LIB_DIR);
  std::string truth[2];
  {
    native::Model m = native::loadModel(model);
    for (int i = 0; i < 2; ++i) truth[i] = native::greedy(m.get(), prompts[i], 256, 48).text();
  }
  ASSERT_NE(truth[0], truth[1]);

  std::vector<uint8_t> wasm = readBytes(NN_RUN_WASM);
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  ASSERT_EQ(wasmnn_module_new(engine, wasm.data(), wasm.size(), &module), nullptr);
  wasmnn_nn_host* nn = wasmnn_nn_host_new();
  // What is measured is sharing inside one process: under process isolation
  // the model lives in the workers, outside this process's RSS.
  wasmnn_nn_host_set_isolation(nn, WASMNN_NN_ISOLATION_NONE);
  wasmnn_nn_host_add_backend_dir(nn, LLAMACPP_BACKEND_DIR);
  ASSERT_EQ(wasmnn_nn_host_preload(nn, ("default:GGML:AUTO:" + model.string()).c_str()), nullptr);
  TempDir dirs[2];
  // Warm up: the backend and llama.cpp's libraries are loaded once, model freed again.
  ASSERT_EQ(runChat(engine, module, nn, dirs[0].path(), prompts[0]).status, 0);

  const size_t baseline = rssKb("VmRSS:");
  resetPeakRss();
  InstanceRun alone = runChat(engine, module, nn, dirs[0].path(), prompts[0]);
  const size_t onePeak = rssKb("VmHWM:") - baseline;
  ASSERT_EQ(alone.status, 0) << alone.why;
  EXPECT_EQ(alone.text, truth[0]);

  resetPeakRss();
  InstanceRun runs[2];
  std::thread threads[2];
  for (int i = 0; i < 2; ++i)
    threads[i] = std::thread([&, i] { runs[i] = runChat(engine, module, nn, dirs[i].path(), prompts[i]); });
  for (std::thread& t : threads) t.join();
  const size_t twoPeak = rssKb("VmHWM:") - baseline;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(runs[i].status, 0) << runs[i].why;
    EXPECT_EQ(runs[i].text, truth[i]) << "instance " << i << " generated from its own KV cache";
  }
  auto overlap = std::min(runs[0].end, runs[1].end) - std::max(runs[0].start, runs[1].start);
  auto shorter = std::min(runs[0].end - runs[0].start, runs[1].end - runs[1].start);
  EXPECT_GT(overlap, shorter / 2) << "the instances ran one after the other";

  const size_t modelKb = fs::file_size(model) / 1024;
  std::printf("model %zu KiB; peak RSS over baseline: one instance %zu KiB, two at once %zu KiB\n", modelKb, onePeak,
              twoPeak);
  EXPECT_GT(onePeak, modelKb * 3 / 4) << "one instance maps and touches the whole model";
  EXPECT_LT(twoPeak, onePeak + modelKb / 2) << "the second instance loaded the model again";

  wasmnn_nn_host_delete(nn);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

}  // namespace
