// Host-side WASI-NN tests against the fake backend: guest ABI decoding and
// validation on a simulated guest memory, handles, registry, loader errors,
// format sniffing and concurrency. No wasm engine and no ML framework needed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasi_nn/backend_loader.h"
#include "wasmnn/wasi_nn/format.h"
#include "wasmnn/wasi_nn/guest_abi.h"
#include "wasmnn/wasi_nn/model_registry.h"
#include "wasmnn/wasi_nn/nn_host.h"
#include "wasmnn/wasi_nn/onnx_guard.h"

namespace fs = std::filesystem;
using namespace wasmnn::nn;

namespace {

// Guest errno values from wasi-nn-abi.md, spelled out independently of the header.
enum : uint32_t {
  kSuccess = 0,
  kInvalidArgument = 1,
  kInvalidEncoding = 2,
  kMissingMemory = 3,
  kRuntimeError = 5,
  kUnsupported = 6,
  kTooLarge = 7,
  kNotFound = 8,
  kEndOfSequence = 100,
  kModelNotFound = 103,
};
enum : uint32_t { kEncTensorflow = 2, kEncAutodetect5 = 5, kEncAutodetect6 = 6, kEncMlx = 10, kEncPiper = 11 };
enum : uint8_t { kF16 = 0, kF32 = 1, kF64Or_OldU8 = 2, kU8Or_OldI32 = 3, kI32 = 4, kI64 = 5 };

// Redirects fd 2 into a temporary file for the lifetime of the object.
class StderrCapture {
 public:
  StderrCapture() {
    std::fflush(stderr);
    saved_ = dup(2);
    char name[] = "/tmp/nn_stderr_XXXXXX";
    fd_ = mkstemp(name);
    unlink(name);
    dup2(fd_, 2);
  }
  ~StderrCapture() { finish(); }
  std::string finish() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      dup2(saved_, 2);
      close(saved_);
      saved_ = -1;
      off_t size = lseek(fd_, 0, SEEK_END);
      text_.resize(static_cast<size_t>(size));
      if (size > 0) (void)pread(fd_, text_.data(), text_.size(), 0);
      close(fd_);
    }
    return text_;
  }

 private:
  int saved_ = -1, fd_ = -1;
  std::string text_;
};

std::vector<uint8_t> fakeModel(float scale, float bias, uint32_t delayMs = 0) {
  std::vector<uint8_t> m = {'W', 'N', 'N', 'F', 'A', 'K', 'E', '1'};
  auto add = [&](const void* p) {
    size_t at = m.size();
    m.resize(at + 4);
    std::memcpy(m.data() + at, p, 4);
  };
  add(&scale);
  add(&bias);
  add(&delayMs);
  return m;
}

// A simulated wasm32 linear memory with a bump allocator.
struct Guest {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 16);
  uint32_t top = 64;

  GuestMemory mem() { return {bytes.data(), bytes.size()}; }
  uint32_t alloc(size_t n) {
    uint32_t p = (top + 7) & ~7u;
    top = p + static_cast<uint32_t>(n);
    EXPECT_LE(top, bytes.size());
    return p;
  }
  uint32_t put(const void* data, size_t n) {
    uint32_t p = alloc(n);
    if (n) std::memcpy(bytes.data() + p, data, n);
    return p;
  }
  uint32_t putU32s(std::initializer_list<uint32_t> v) { return put(std::data(v), v.size() * 4); }
  uint32_t u32(uint32_t p) const {
    uint32_t v;
    std::memcpy(&v, bytes.data() + p, 4);
    return v;
  }
  // graph_builder array with one entry per part; returns its pointer.
  uint32_t builders(const std::vector<std::vector<uint8_t>>& parts) {
    std::vector<uint32_t> recs;
    for (const auto& part : parts) {
      recs.push_back(put(part.data(), part.size()));
      recs.push_back(static_cast<uint32_t>(part.size()));
    }
    return put(recs.data(), recs.size() * 4);
  }
  // 20-byte wasi_ephemeral_nn tensor; padding bytes set to garbage on purpose.
  uint32_t tensor(std::initializer_list<uint32_t> dims, uint8_t type, uint32_t dataPtr, uint32_t dataLen) {
    uint32_t d = putU32s(dims);
    uint8_t rec[20];
    uint32_t rank = static_cast<uint32_t>(dims.size());
    std::memcpy(rec, &d, 4);
    std::memcpy(rec + 4, &rank, 4);
    rec[8] = type;
    rec[9] = 0xAA, rec[10] = 0xBB, rec[11] = 0xCC;
    std::memcpy(rec + 12, &dataPtr, 4);
    std::memcpy(rec + 16, &dataLen, 4);
    return put(rec, sizeof rec);
  }
  uint32_t str(const std::string& s) { return put(s.data(), s.size()); }
};

// Every test runs twice (test/CMakeLists.txt): with process isolation, the
// default, and in-process when WASMNN_TEST_NN_ISOLATION=none.
bool inProcess() {
  const char* mode = std::getenv("WASMNN_TEST_NN_ISOLATION");
  return mode && std::string(mode) == "none";
}

std::shared_ptr<NnHost> newHost() {
  auto host = std::make_shared<NnHost>();
  if (inProcess()) host->setIsolation(isolation::Mode::None);
  return host;
}

std::shared_ptr<NnHost> fakeHost() {
  auto host = newHost();
  host->backends().addDir(NN_FAKE_DIR);
  return host;
}

struct Loaded {
  uint32_t graph = 0, ctx = 0;
};

// load (bytes) + init_execution_context on the fake backend.
Loaded loadFake(NnInstance& nn, Guest& g, float scale, float bias, uint32_t delayMs = 0) {
  Loaded l;
  uint32_t b = g.builders({fakeModel(scale, bias, delayMs)});
  uint32_t out = g.alloc(8);
  EXPECT_EQ(nn.load(g.mem(), b, 1, kEncTensorflow, 0, out), kSuccess);
  l.graph = g.u32(out);
  EXPECT_EQ(nn.initExecutionContext(g.mem(), l.graph, out + 4), kSuccess);
  l.ctx = g.u32(out + 4);
  return l;
}

std::vector<float> runF32(NnInstance& nn, Guest& g, uint32_t ctx, const std::vector<float>& in) {
  uint32_t data = g.put(in.data(), in.size() * 4);
  uint32_t t = g.tensor({1, static_cast<uint32_t>(in.size())}, kF32, data, static_cast<uint32_t>(in.size() * 4));
  EXPECT_EQ(nn.setInput(g.mem(), ctx, 0, t), kSuccess);
  EXPECT_EQ(nn.compute(ctx), kSuccess);
  uint32_t out = g.alloc(in.size() * 4), written = g.alloc(4);
  EXPECT_EQ(nn.getOutput(g.mem(), ctx, 0, out, static_cast<uint32_t>(in.size() * 4), written), kSuccess);
  EXPECT_EQ(g.u32(written), in.size() * 4);
  std::vector<float> result(in.size());
  std::memcpy(result.data(), g.bytes.data() + out, in.size() * 4);
  return result;
}

std::string metadata(NnInstance& nn, Guest& g, uint32_t ctx) {
  uint32_t out = g.alloc(256), written = g.alloc(4);
  EXPECT_EQ(nn.getOutput(g.mem(), ctx, 1, out, 256, written), kSuccess);
  return std::string(reinterpret_cast<const char*>(g.bytes.data() + out), g.u32(written));
}

int jsonInt(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::atoi(json.c_str() + at + key.size() + 3);
}

std::string writeTemp(const std::string& name, const std::vector<uint8_t>& bytes) {
  fs::path dir = fs::temp_directory_path() / ("nn_host_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return p.string();
}

// ---------------------------------------------------------------- happy paths

TEST(NnGuestAbi, LoadComputeGetOutputMatchesAffineOp) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 2.0f, 0.5f);
  std::vector<float> out = runF32(nn, g, l.ctx, {1.0f, -3.0f, 0.25f});
  EXPECT_EQ(out, (std::vector<float>{2.5f, -5.5f, 1.0f}));
}

TEST(NnGuestAbi, TooLargeStoresNeededSizeAndRetrySucceeds) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 1.0f, 0.0f);
  runF32(nn, g, l.ctx, {1, 2, 3, 4});
  uint32_t out = g.alloc(16), written = g.alloc(4);
  StderrCapture cap;
  EXPECT_EQ(nn.getOutput(g.mem(), l.ctx, 0, out, 7, written), kTooLarge);
  EXPECT_NE(cap.finish().find("needs 16 bytes"), std::string::npos);
  EXPECT_EQ(g.u32(written), 16u);
  EXPECT_EQ(nn.getOutput(g.mem(), l.ctx, 0, out, g.u32(written), written), kSuccess);
}

TEST(NnGuestAbi, TensorTypeNumberingToldApartByDataLen) {
  // independent expectations from wasi-nn-abi.md: (raw, elements, data_len) -> type
  EXPECT_EQ(resolveTensorType(2, 3, 24), WASMNN_NN_TYPE_F64);
  EXPECT_EQ(resolveTensorType(2, 3, 3), WASMNN_NN_TYPE_U8);  // old u8
  EXPECT_EQ(resolveTensorType(3, 3, 3), WASMNN_NN_TYPE_U8);
  EXPECT_EQ(resolveTensorType(3, 3, 12), WASMNN_NN_TYPE_I32);  // old i32
  EXPECT_EQ(resolveTensorType(0, 3, 6), WASMNN_NN_TYPE_F16);
  EXPECT_EQ(resolveTensorType(1, 3, 12), WASMNN_NN_TYPE_F32);
  EXPECT_EQ(resolveTensorType(4, 3, 12), WASMNN_NN_TYPE_I32);
  EXPECT_EQ(resolveTensorType(5, 3, 24), WASMNN_NN_TYPE_I64);
  EXPECT_FALSE(resolveTensorType(1, 3, 11));
  EXPECT_FALSE(resolveTensorType(2, 3, 12));
  EXPECT_FALSE(resolveTensorType(6, 1, 1));
  EXPECT_FALSE(resolveTensorType(5, UINT64_MAX / 4, 0));  // elements x size overflows
  EXPECT_EQ(legacyTensorType(2), WASMNN_NN_TYPE_U8);
  EXPECT_EQ(legacyTensorType(3), WASMNN_NN_TYPE_I32);
  EXPECT_FALSE(legacyTensorType(4));
}

TEST(NnGuestAbi, BackendSeesResolvedTensorType) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 1.0f, 0.0f);
  auto typeSeen = [&](uint8_t raw, uint32_t dataLen) {
    uint32_t data = g.alloc(dataLen);
    uint32_t t = g.tensor({2, 2}, raw, data, dataLen);
    EXPECT_EQ(nn.setInput(g.mem(), l.ctx, 0, t), kSuccess);
    EXPECT_EQ(nn.compute(l.ctx), kSuccess);
    uint32_t out = g.alloc(4), written = g.alloc(4);
    EXPECT_EQ(nn.getOutput(g.mem(), l.ctx, 2, out, 4, written), kSuccess);
    return g.u32(out);
  };
  EXPECT_EQ(typeSeen(kF64Or_OldU8, 32), static_cast<uint32_t>(WASMNN_NN_TYPE_F64));
  EXPECT_EQ(typeSeen(kF64Or_OldU8, 4), static_cast<uint32_t>(WASMNN_NN_TYPE_U8));
  EXPECT_EQ(typeSeen(kU8Or_OldI32, 4), static_cast<uint32_t>(WASMNN_NN_TYPE_U8));
  EXPECT_EQ(typeSeen(kU8Or_OldI32, 16), static_cast<uint32_t>(WASMNN_NN_TYPE_I32));
  EXPECT_EQ(typeSeen(kI64, 32), static_cast<uint32_t>(WASMNN_NN_TYPE_I64));
}

TEST(NnGuestAbi, LegacyModuleLoadSetInputGetOutputInF32Units) {
  NnInstance nn(fakeHost());
  Guest g;
  std::vector<uint8_t> model = fakeModel(3.0f, 1.0f);
  uint32_t array = g.builders({model});
  uint32_t builderArray = g.putU32s({array, 1});
  uint32_t out = g.alloc(8);
  ASSERT_EQ(nn.legacyLoad(g.mem(), builderArray, kEncTensorflow, 0, out), kSuccess);
  ASSERT_EQ(nn.initExecutionContext(g.mem(), g.u32(out), out + 4), kSuccess);
  uint32_t ctx = g.u32(out + 4);
  float in[3] = {1, 2, 3};
  uint32_t data = g.put(in, sizeof in);
  uint32_t dims = g.putU32s({3});
  uint32_t dimsRec = g.putU32s({dims, 1});
  uint8_t rec[12] = {};
  std::memcpy(rec, &dimsRec, 4);
  rec[4] = 1;     // f32 (old numbering)
  rec[5] = 0x77;  // padding garbage
  std::memcpy(rec + 8, &data, 4);
  ASSERT_EQ(nn.legacySetInput(g.mem(), ctx, 0, g.put(rec, 12)), kSuccess);
  ASSERT_EQ(nn.compute(ctx), kSuccess);
  uint32_t buf = g.alloc(12), inout = g.putU32s({2});  // 2 floats: too small
  EXPECT_EQ(nn.legacyGetOutput(g.mem(), ctx, 0, buf, inout), kTooLarge);
  EXPECT_EQ(g.u32(inout), 3u);  // needed, in f32 units
  ASSERT_EQ(nn.legacyGetOutput(g.mem(), ctx, 0, buf, inout), kSuccess);
  EXPECT_EQ(g.u32(inout), 3u);
  float result[3];
  std::memcpy(result, g.bytes.data() + buf, sizeof result);
  EXPECT_EQ(result[0], 4.0f);
  EXPECT_EQ(result[2], 10.0f);
}

TEST(NnGuestAbi, StreamingYieldsInputBytesThenEndOfSequence) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 1.0f, 0.0f);
  std::string prompt = "hey";
  uint32_t t = g.tensor({3}, kU8Or_OldI32, g.str(prompt), 3);
  ASSERT_EQ(nn.setInput(g.mem(), l.ctx, 0, t), kSuccess);
  std::string streamed;
  uint32_t out = g.alloc(4), written = g.alloc(4);
  for (uint32_t err; (err = nn.computeSingle(l.ctx)) == kSuccess;) {
    ASSERT_EQ(nn.getOutputSingle(g.mem(), l.ctx, 0, out, 4, written), kSuccess);
    streamed.append(reinterpret_cast<const char*>(g.bytes.data() + out), g.u32(written));
    ASSERT_LE(streamed.size(), 3u);
  }
  EXPECT_EQ(streamed, prompt);
  EXPECT_EQ(nn.computeSingle(l.ctx), kEndOfSequence);
  EXPECT_EQ(nn.finiSingle(l.ctx), kSuccess);
  EXPECT_EQ(nn.computeSingle(l.ctx), kSuccess);
}

TEST(NnGuestAbi, TwoBackendsInOneInstance) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded tf = loadFake(nn, g, 2.0f, 0.0f);
  uint32_t b = g.builders({fakeModel(3.0f, 0.0f)});
  uint32_t out = g.alloc(8);
  ASSERT_EQ(nn.load(g.mem(), b, 1, 9 /* whisper */, 0, out), kSuccess);
  ASSERT_EQ(nn.initExecutionContext(g.mem(), g.u32(out), out + 4), kSuccess);
  uint32_t whisperCtx = g.u32(out + 4);
  EXPECT_EQ(runF32(nn, g, tf.ctx, {1.0f}), std::vector<float>{2.0f});
  EXPECT_EQ(runF32(nn, g, whisperCtx, {1.0f}), std::vector<float>{3.0f});
  EXPECT_NE(metadata(nn, g, tf.ctx).find("\"backend\":\"testfake\""), std::string::npos);
  EXPECT_NE(metadata(nn, g, whisperCtx).find("\"backend\":\"testfake2\""), std::string::npos);
}

// ---------------------------------------------------------------- bad input

struct BadInput : ::testing::Test {
  NnInstance nn{fakeHost()};
  Guest g;
  Loaded l;
  void SetUp() override { l = loadFake(nn, g, 1.0f, 0.0f); }
  // Runs `call`, expects `err` and a log line containing `logged`.
  template <typename F> void expectFailure(uint32_t err, const std::string& logged, F&& call) {
    StderrCapture cap;
    uint32_t got = call();
    std::string text = cap.finish();
    EXPECT_EQ(got, err) << text;
    EXPECT_NE(text.find("wasmnn-nn: "), std::string::npos) << "no log line";
    EXPECT_NE(text.find(logged), std::string::npos) << "log was: " << text;
  }
};

TEST_F(BadInput, PointersOutOfBounds) {
  const uint32_t end = static_cast<uint32_t>(g.bytes.size());
  uint32_t b = g.builders({fakeModel(1, 0)});
  expectFailure(kInvalidArgument, "graph out-pointer",
                [&] { return nn.load(g.mem(), b, 1, kEncTensorflow, 0, end - 2); });
  expectFailure(kInvalidArgument, "builder array", [&] { return nn.load(g.mem(), end - 4, 1, kEncTensorflow, 0, 0); });
  expectFailure(kInvalidArgument, "at most 64", [&] { return nn.load(g.mem(), 0, 0x20000000, kEncTensorflow, 0, 0); });
  uint32_t badBuilder = g.putU32s({end - 10, 11});
  expectFailure(kInvalidArgument, "builder 0", [&] { return nn.load(g.mem(), badBuilder, 1, kEncTensorflow, 0, 0); });
  uint32_t wrapBuilder = g.putU32s({0xFFFFFFF0u, 0x20});  // ptr + len wraps in 32 bits
  expectFailure(kInvalidArgument, "builder 0", [&] { return nn.load(g.mem(), wrapBuilder, 1, kEncTensorflow, 0, 0); });
  expectFailure(kInvalidArgument, "tensor record", [&] { return nn.setInput(g.mem(), l.ctx, 0, end - 19); });
  uint32_t badData = g.tensor({4}, kF32, end - 8, 16);
  expectFailure(kInvalidArgument, "tensor data", [&] { return nn.setInput(g.mem(), l.ctx, 0, badData); });
  uint32_t badDims = g.put("\xFC\xFF\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20);
  expectFailure(kInvalidArgument, "dimensions", [&] { return nn.setInput(g.mem(), l.ctx, 0, badDims); });
  expectFailure(kInvalidArgument, "bytes_written", [&] { return nn.getOutput(g.mem(), l.ctx, 0, 0, 4, end); });
  expectFailure(kInvalidArgument, "output buffer", [&] { return nn.getOutput(g.mem(), l.ctx, 0, end - 4, 8, 0); });
  expectFailure(kInvalidArgument, "name", [&] { return nn.loadByName(g.mem(), end - 1, 2, 0); });
  expectFailure(kInvalidArgument, "context out-pointer",
                [&] { return nn.initExecutionContext(g.mem(), l.graph, end); });
  expectFailure(kInvalidArgument, "graph_builder_array", [&] { return nn.legacyLoad(g.mem(), end - 7, 2, 0, 0); });
  expectFailure(kInvalidArgument, "size pointer", [&] { return nn.legacyGetOutput(g.mem(), l.ctx, 0, 0, end - 3); });
}

TEST_F(BadInput, MissingMemory) {
  GuestMemory none;
  expectFailure(kMissingMemory, "no linear memory", [&] { return nn.load(none, 0, 1, kEncTensorflow, 0, 0); });
  expectFailure(kMissingMemory, "no linear memory", [&] { return nn.setInput(none, l.ctx, 0, 0); });
}

TEST_F(BadInput, RankAndSizeOverflow) {
  std::vector<uint32_t> many(17, 1);
  uint32_t dims = g.put(many.data(), many.size() * 4);
  uint8_t rec[20] = {};
  uint32_t rank = 17;
  std::memcpy(rec, &dims, 4);
  std::memcpy(rec + 4, &rank, 4);
  rec[8] = kF32;
  expectFailure(kInvalidArgument, "rank 17 exceeds", [&] { return nn.setInput(g.mem(), l.ctx, 0, g.put(rec, 20)); });
  uint32_t huge = g.tensor({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, kF32, 0, 0);
  expectFailure(kInvalidArgument, "overflows", [&] { return nn.setInput(g.mem(), l.ctx, 0, huge); });
  // 2^31 x 2 f32 elements: product fits in 64 bits, the byte size is 2^34 — no 32-bit data_len matches
  uint32_t big = g.tensor({0x80000000u, 2}, kF32, 0, 0);
  expectFailure(kInvalidArgument, "does not fit", [&] { return nn.setInput(g.mem(), l.ctx, 0, big); });
}

TEST_F(BadInput, DataLenMismatch) {
  uint32_t t = g.tensor({2, 3}, kF32, g.alloc(24), 20);
  expectFailure(kInvalidArgument, "data_len 20 does not fit", [&] { return nn.setInput(g.mem(), l.ctx, 0, t); });
  uint32_t t2 = g.tensor({2}, 9, g.alloc(8), 8);
  expectFailure(kInvalidArgument, "tensor type 9", [&] { return nn.setInput(g.mem(), l.ctx, 0, t2); });
  // Only ggml graphs read u8 [1] as text of any length (WasmEdge's example guests; llamacpp's tests).
  uint32_t text = g.tensor({1}, kU8Or_OldI32, g.alloc(16), 16);
  expectFailure(kInvalidArgument, "data_len 16 does not fit", [&] { return nn.setInput(g.mem(), l.ctx, 0, text); });
}

TEST_F(BadInput, UnknownEncodingAndTarget) {
  uint32_t b = g.builders({fakeModel(1, 0)});
  uint32_t out = g.alloc(4);
  expectFailure(kInvalidEncoding, "unknown graph encoding 7", [&] { return nn.load(g.mem(), b, 1, 7, 0, out); });
  expectFailure(kInvalidEncoding, "unknown graph encoding 4294967295",
                [&] { return nn.load(g.mem(), b, 1, 0xFFFFFFFF, 0, out); });
  // remote is the operator's (--nn-preload): a guest can never name a server
  expectFailure(kInvalidEncoding, "unknown graph encoding 1024", [&] { return nn.load(g.mem(), b, 1, 1024, 0, out); });
  expectFailure(kInvalidArgument, "unknown execution target 4",
                [&] { return nn.load(g.mem(), b, 1, kEncTensorflow, 4, out); });
  EXPECT_EQ(nn.load(g.mem(), b, 1, kEncTensorflow, 3, out), 0u) << "3 is WasmEdge's AUTO: the backend picks";
  expectFailure(kUnsupported, "cannot run on target gpu",
                [&] { return nn.load(g.mem(), b, 1, kEncTensorflow, 1, out); });
}

TEST_F(BadInput, CorruptModelBytes) {
  std::vector<uint8_t> corrupt = fakeModel(1, 0);
  corrupt.resize(14);  // magic present, parameters truncated
  uint32_t b = g.builders({corrupt});
  expectFailure(kInvalidArgument, "testfake: not a fake model",
                [&] { return nn.load(g.mem(), b, 1, kEncTensorflow, 0, g.alloc(4)); });
  uint32_t junk = g.builders({{'x', 'y', 'z', 0, 1, 2}});
  for (uint32_t enc : {kEncAutodetect5, kEncAutodetect6})
    expectFailure(kInvalidEncoding,
                  "autodetect found no known model format: builder 0 is 6 bytes starting with [78 79 7a",
                  [&] { return nn.load(g.mem(), junk, 1, enc, 0, g.alloc(4)); });
}

TEST_F(BadInput, MissingBackendLibrary) {
  uint32_t b = g.builders({fakeModel(1, 0)});
  expectFailure(kInvalidEncoding, "libwasmnn_backend_mlx.so",
                [&] { return nn.load(g.mem(), b, 1, kEncMlx, 0, g.alloc(4)); });
  StderrCapture cap;
  nn.load(g.mem(), b, 1, kEncPiper, 0, g.alloc(4));  // an encoding no backend here serves
  std::string text = cap.finish();
  EXPECT_NE(text.find("encoding piper"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string(NN_FAKE_DIR) + " (--nn-backend-dir)"), std::string::npos) << text;
  EXPECT_NE(text.find("(next to libwasmnn.so)"), std::string::npos) << text;
  EXPECT_NE(text.find("cannot open shared object file"), std::string::npos) << text;  // dlerror
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one message: " << text;
}

TEST_F(BadInput, StaleAndForeignHandles) {
  NnInstance other(fakeHost());
  Guest g2;
  Loaded foreign = loadFake(other, g2, 1, 0);
  expectFailure(kInvalidArgument, "not live in this instance", [&] { return nn.compute(foreign.ctx); });
  expectFailure(kInvalidArgument, "not live in this instance",
                [&] { return nn.initExecutionContext(g.mem(), foreign.graph, g.alloc(4)); });
  expectFailure(kInvalidArgument, "execution context handle", [&] { return nn.compute(l.graph); });  // graph as ctx
  ASSERT_EQ(nn.finalizeExecutionContext(l.ctx), kSuccess);
  expectFailure(kInvalidArgument, "not live", [&] { return nn.compute(l.ctx); });
  expectFailure(kInvalidArgument, "not live", [&] { return nn.finalizeExecutionContext(l.ctx); });
  ASSERT_EQ(nn.unload(l.graph), kSuccess);
  expectFailure(kInvalidArgument, "not live", [&] { return nn.unload(l.graph); });
  expectFailure(kInvalidArgument, "not live", [&] { return nn.initExecutionContext(g.mem(), l.graph, g.alloc(4)); });
  // handles are never reused: new ones differ from every earlier one
  Loaded again = loadFake(nn, g, 1, 0);
  EXPECT_NE(again.graph, l.graph);
  EXPECT_NE(again.ctx, l.ctx);
  EXPECT_NE(again.graph, foreign.graph);
}

TEST_F(BadInput, OutputIndexAndComputeOrder) {
  Loaded fresh = loadFake(nn, g, 1, 0);
  expectFailure(kRuntimeError, "compute before input 0", [&] { return nn.compute(fresh.ctx); });
  expectFailure(kInvalidArgument, "output index 9", [&] { return nn.getOutput(g.mem(), l.ctx, 9, 0, 0, g.alloc(4)); });
}

TEST_F(BadInput, LimitsAreConfigurable) {
  auto host = fakeHost();
  host->setLimits(2, 1);
  NnInstance small(host);
  Guest g2;
  Loaded a = loadFake(small, g2, 1, 0);
  uint32_t b = g2.builders({fakeModel(1, 0)});
  uint32_t out = g2.alloc(4);
  ASSERT_EQ(small.load(g2.mem(), b, 1, kEncTensorflow, 0, out), kSuccess);
  expectFailure(kRuntimeError, "2 graphs (the limit)",
                [&] { return small.load(g2.mem(), b, 1, kEncTensorflow, 0, out); });
  expectFailure(kRuntimeError, "1 execution contexts (the limit)",
                [&] { return small.initExecutionContext(g2.mem(), a.graph, out); });
  ASSERT_EQ(small.unload(a.graph), kSuccess);
  EXPECT_EQ(small.load(g2.mem(), b, 1, kEncTensorflow, 0, out), kSuccess);
}

// Random arguments and random memory for every guest function: each call must
// return a known errno and never touch memory outside the guest's (ASan run).
TEST(NnFuzz, RandomArgumentsNeverCrash) {
  auto host = fakeHost();
  std::string path = writeTemp("fuzz.fake", fakeModel(1, 0));
  ASSERT_TRUE(host->models().add(*parsePreloadSpec("fuzz:tensorflow:cpu:" + path)));
  NnInstance nn(host);
  Guest g;
  Loaded l = loadFake(nn, g, 1, 0);
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  const uint32_t size = static_cast<uint32_t>(g.bytes.size());
  // Values near the interesting edges: live handles, small ints, the end of memory, wrap-around.
  auto arg = [&]() -> uint32_t {
    uint64_t r = next();
    switch (r % 8) {
      case 0: return l.ctx;
      case 1: return l.graph;
      case 2: return static_cast<uint32_t>(r >> 32) % 32;
      case 3: return size - static_cast<uint32_t>(r >> 40) % 64;
      case 4: return 0xFFFFFFFFu - static_cast<uint32_t>(r >> 40) % 64;
      case 5: return static_cast<uint32_t>(r >> 32) % size;
      default: return static_cast<uint32_t>(r >> 32);
    }
  };
  for (uint32_t i = 64; i < size; ++i) g.bytes[i] = static_cast<uint8_t>(next() % 4 == 0 ? next() : next() % 8);
  StderrCapture quiet;  // thousands of expected log lines
  std::vector<int> counts(256, 0);
  for (int i = 0; i < 30000; ++i) {
    GuestMemory m = g.mem();
    uint32_t a = arg(), b = arg(), c = arg(), d = arg(), e = arg();
    uint32_t err = 0;
    switch (next() % 13) {
      case 0: err = nn.load(m, a, b % 4, c % 12, d % 4, e); break;
      case 1: err = nn.loadByName(m, a, b % 64, c); break;
      case 2: err = nn.loadByNameWithConfig(m, a, b % 64, c, d % 64, e); break;
      case 3: err = nn.initExecutionContext(m, a, b); break;
      case 4: err = nn.setInput(m, a, b, c); break;
      case 5: err = nn.compute(a); break;
      case 6: err = nn.getOutput(m, a, b, c, d, e); break;
      case 7: err = nn.computeSingle(a); break;
      case 8: err = nn.getOutputSingle(m, a, b, c, d, e); break;
      case 9: err = nn.legacyLoad(m, a, b % 12, c % 4, d); break;
      case 10: err = nn.legacySetInput(m, a, b, c); break;
      case 11: err = nn.legacyGetOutput(m, a, b, c, d); break;
      default: err = (next() % 4 == 0) ? nn.finalizeExecutionContext(a) : nn.unload(b); break;
    }
    ASSERT_TRUE(err <= 8 || err == kEndOfSequence) << "call " << i << " returned " << err;
    counts[err % 256]++;
    if (next() % 64 == 0) l = loadFake(nn, g, 1, 0);  // keep live handles around
  }
  quiet.finish();
  EXPECT_GT(counts[kInvalidArgument], 1000);
  EXPECT_GT(counts[kSuccess], 100);
}

// ---------------------------------------------------------------- registry

// Backends relay framework messages about guest-supplied models, and the
// core quotes guest strings: none of their bytes may reach the terminal raw.
TEST(NnLog, ControlBytesAreEscapedOnce) {
  StderrCapture cap;
  wasmnn_nn_log(WASMNN_NN_LOG_ERROR, "fake\x1b[2J", "model says \x1b]0;pwned\x07 and \\x1b, then\nmore %s", "\x9b");
  std::string line = cap.finish();
  EXPECT_EQ(line, "wasmnn-nn: error: fake\\x1b[2J: model says \\x1b]0;pwned\\x07 and \\\\x1b, then\\x0amore \\x9b\n");
  NnInstance nn(fakeHost());
  Guest g;
  uint32_t name = g.str("\x1b[31mred");
  StderrCapture cap2;
  EXPECT_EQ(nn.loadByName(g.mem(), name, 8, g.alloc(4)), kNotFound);
  std::string text = cap2.finish();
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("'\\x1b[31mred'"), std::string::npos) << text;
}

TEST(NnRegistry, ParsePreloadSpec) {
  auto ok = parsePreloadSpec("Net:ONNX:GPU:/m/a.onnx");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->name, "Net");
  EXPECT_EQ(ok->encoding, WASMNN_NN_ENCODING_ONNX);
  EXPECT_EQ(ok->target, WASMNN_NN_TARGET_GPU);
  EXPECT_EQ(ok->paths, std::vector<std::string>{"/m/a.onnx"});
  auto ov = parsePreloadSpec("ir:OpenVINO:auto:/m/x.xml:/m/x.bin");
  ASSERT_TRUE(ov);
  EXPECT_EQ(ov->target, WASMNN_NN_TARGET_AUTO);
  EXPECT_EQ(ov->paths.size(), 2u);
  auto det = parsePreloadSpec("any:AutoDetect:cpu:/m/y");
  ASSERT_TRUE(det);
  EXPECT_FALSE(det->encoding.has_value());
  EXPECT_TRUE(parsePreloadSpec("llm:GGML:cpu:/m/q.gguf"));
  // An address (vocabulary.def: preload url) is the whole rest, colons included.
  auto remote = parsePreloadSpec("net:remote:cpu:https://h.example:8443/v2/models/net/versions/2");
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->encoding, WASMNN_NN_ENCODING_REMOTE);
  EXPECT_EQ(remote->paths, std::vector<std::string>{"https://h.example:8443/v2/models/net/versions/2"});
  EXPECT_FALSE(parsePreloadSpec("net:remote:cpu:"));
  for (const char* bad :
       {"x:onnx:cpu", ":onnx:cpu:/p", "x:caffe:cpu:/p", "x:onnx:fpga:/p", "x:onnx:cpu:/a:/b:/c", "x:onnx:cpu:"}) {
    auto r = parsePreloadSpec(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find(bad), std::string::npos);
    }
  }
}

TEST(NnRegistry, PreloadedModelIsBuiltOnceAndShared) {
  auto host = fakeHost();
  std::string path = writeTemp("shared.fake", fakeModel(2.0f, 1.0f));
  ASSERT_TRUE(host->models().add(*parsePreloadSpec("shared:tensorflow:cpu:" + path)));
  NnInstance a(host), b(host);
  Guest ga, gb;
  uint32_t name = ga.str("shared"), out = ga.alloc(8);
  ASSERT_EQ(a.loadByName(ga.mem(), name, 6, out), kSuccess);
  ASSERT_EQ(a.initExecutionContext(ga.mem(), ga.u32(out), out + 4), kSuccess);
  int loadsBefore = jsonInt((runF32(a, ga, ga.u32(out + 4), {1}), metadata(a, ga, ga.u32(out + 4))), "loads");
  uint32_t nameB = gb.str("shared"), outB = gb.alloc(8);
  ASSERT_EQ(b.loadByName(gb.mem(), nameB, 6, outB), kSuccess);
  ASSERT_EQ(b.loadByName(gb.mem(), nameB, 6, outB), kSuccess);
  ASSERT_EQ(b.initExecutionContext(gb.mem(), gb.u32(outB), outB + 4), kSuccess);
  EXPECT_EQ(runF32(b, gb, gb.u32(outB + 4), {3.0f}), std::vector<float>{7.0f});
  EXPECT_EQ(jsonInt(metadata(b, gb, gb.u32(outB + 4)), "loads"), loadsBefore) << "a preload must be built once";
  // with a config: a private graph with the override
  std::string cfg = R"({"bias": -1.0})";
  uint32_t c = gb.str(cfg);
  ASSERT_EQ(b.loadByNameWithConfig(gb.mem(), nameB, 6, c, static_cast<uint32_t>(cfg.size()), outB), kSuccess);
  ASSERT_EQ(b.initExecutionContext(gb.mem(), gb.u32(outB), outB + 4), kSuccess);
  EXPECT_EQ(runF32(b, gb, gb.u32(outB + 4), {3.0f}), std::vector<float>{5.0f});
}

TEST(NnRegistry, UnknownNameIsNotFoundAndNeverAPath) {
  auto host = fakeHost();
  std::string path = writeTemp("real.fake", fakeModel(1, 0));
  NnInstance nn(host);
  Guest g;
  uint32_t name = g.str(path);
  StderrCapture cap;
  EXPECT_EQ(nn.loadByName(g.mem(), name, static_cast<uint32_t>(path.size()), g.alloc(4)), kNotFound);
  EXPECT_NE(cap.finish().find("no preloaded model named"), std::string::npos);
}

TEST(NnRegistry, AnAddressIsNotMappedAsAFile) {
  wasmnn_nn_host* host = wasmnn_nn_host_new();
  EXPECT_EQ(wasmnn_nn_host_preload(host, "r:remote:cpu:http://127.0.0.1:9/v2/models/r"), nullptr);
  wasmnn_nn_host_delete(host);
}

// WasmEdge's behaviour, which its tests expect: start-up goes on with a
// warning naming the file, and loading the model is model_not_found.
TEST(NnRegistry, PreloadOfAMissingFileWarnsAndLoadsAsModelNotFound) {
  auto host = fakeHost();
  StderrCapture startup;
  auto added = host->models().add(*parsePreloadSpec("gone:tensorflow:cpu:/nonexistent/model.fake"));
  std::string warning = startup.finish();
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_NE(warning.find("/nonexistent/model.fake"), std::string::npos) << warning;
  NnInstance nn(host);
  Guest g;
  uint32_t name = g.str("gone");
  StderrCapture cap;
  EXPECT_EQ(nn.loadByName(g.mem(), name, 4, g.alloc(4)), kModelNotFound);
  uint32_t config = g.str("{}");
  EXPECT_EQ(nn.loadByNameWithConfig(g.mem(), name, 4, config, 2, g.alloc(4)), kModelNotFound);
  EXPECT_NE(cap.finish().find("/nonexistent/model.fake"), std::string::npos);
}

TEST(NnRegistry, PreloadErrorsAreReportedAtStartup) {
  wasmnn_nn_host* host = wasmnn_nn_host_new();
  std::string dir = fs::path(writeTemp("placeholder", {})).parent_path().string();
  wasmnn_error* e = wasmnn_nn_host_preload(host, ("m:onnx:cpu:" + dir).c_str());
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(wasmnn_error_message(e)).find("is not a regular file"), std::string::npos);
  wasmnn_error_delete(e);
  std::string path = writeTemp("dup.fake", fakeModel(1, 0));
  EXPECT_EQ(wasmnn_nn_host_preload(host, ("d:tensorflow:cpu:" + path).c_str()), nullptr);
  e = wasmnn_nn_host_preload(host, ("d:tensorflow:cpu:" + path).c_str());
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(wasmnn_error_message(e)).find("used twice"), std::string::npos);
  wasmnn_error_delete(e);
  wasmnn_nn_host_delete(host);
}

// ---------------------------------------------------------------- loader

TEST(NnLoader, WrongAbiVersionIsAClearErrorNeverACall) {
  BackendOutcome o =
      openBackendLibrary(std::string(NN_BADABI_DIR) + "/libwasmnn_backend_testfake_badabi.so", "testfake_badabi");
  EXPECT_FALSE(o.backend);
  EXPECT_NE(o.error.find("built for backend ABI version 999, this wasmnn speaks version 1"), std::string::npos)
      << o.error;
  // through the guest path: the scan finds it, reports it, and the load fails cleanly
  auto host = newHost();
  host->backends().addDir(NN_BADABI_DIR);
  NnInstance nn(host);
  Guest g;
  uint32_t b = g.builders({fakeModel(1, 0)});
  StderrCapture cap;
  EXPECT_EQ(nn.load(g.mem(), b, 1, kEncTensorflow, 0, g.alloc(4)), kInvalidEncoding);
  std::string text = cap.finish();
  EXPECT_NE(text.find("ABI version 999"), std::string::npos) << text;
}

// A guest that used up the process's file descriptors before its first
// WASI-NN call must not leave the backend unusable for every later guest.
TEST(NnLoader, ALibraryThatCouldNotBeOpenedIsRetried) {
  // A copy of the fake backend at a path this process has not opened yet.
  fs::path dir = fs::temp_directory_path() / ("nn_retry_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path lib = dir / "libwasmnn_backend_testfake.so";
  fs::copy_file(std::string(NN_FAKE_DIR) + "/libwasmnn_backend_testfake.so", lib, fs::copy_options::overwrite_existing);
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  struct rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 256);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> hog;
  for (int fd; (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) hog.push_back(fd);
  BackendOutcome starved = openBackendLibrary(lib.string(), "testfake");
  for (int fd : hog) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_FALSE(starved.backend);
  EXPECT_NE(starved.error.find("dlopen failed"), std::string::npos) << starved.error;
  BackendOutcome later = openBackendLibrary(lib.string(), "testfake");
  EXPECT_TRUE(later.backend) << later.error;
  fs::remove_all(dir);
}

TEST(NnLoader, TableChecks) {
  wasmnn_nn_backend t{};
  t.abi_version = WASMNN_NN_BACKEND_ABI_VERSION;
  t.struct_size = 8;
  EXPECT_NE(checkBackendTable(&t, "x").find("needs at least"), std::string::npos);
  t.struct_size = sizeof t;
  t.name = "y";
  EXPECT_NE(checkBackendTable(&t, "x").find("file name says 'x'"), std::string::npos);
  t.name = "x";
  EXPECT_NE(checkBackendTable(&t, "x").find("lacks a mandatory function"), std::string::npos);
}

TEST(NnLoader, GarbageLibraryGivesDlerror) {
  fs::path dir = fs::temp_directory_path() / ("nn_garbage_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "libwasmnn_backend_garbage.so") << "not an ELF file";
  BackendLoader loader;
  loader.addDir(dir.string());
  std::string report = loader.describe();
  EXPECT_NE(report.find("garbage: " + (dir / "libwasmnn_backend_garbage.so").string() + ": dlopen failed"),
            std::string::npos)
      << report;
  fs::remove_all(dir);
}

TEST(NnLoader, SearchOrderAndDescribe) {
  setenv("WASMNN_BACKEND_PATH", "/env/a::/env/b", 1);
  BackendLoader loader;
  loader.addDir(NN_FAKE_DIR);
  loader.addDir(NN_BADABI_DIR);
  std::vector<SearchDir> dirs = loader.searchDirs();
  unsetenv("WASMNN_BACKEND_PATH");
  ASSERT_GE(dirs.size(), 5u);
  EXPECT_EQ(dirs[0].path, NN_FAKE_DIR);
  EXPECT_EQ(dirs[1].path, NN_BADABI_DIR);
  EXPECT_EQ(dirs[2].path, "/env/a");
  EXPECT_EQ(dirs[3].path, "/env/b");
  EXPECT_EQ(dirs[4].origin, "next to libwasmnn.so");
  EXPECT_TRUE(fs::exists(fs::path(dirs[4].path) / "libwasmnn.so.0")) << dirs[4].path;
  std::string report = loader.describe();
  EXPECT_NE(report.find("testfake 1.0  framework none 0  encodings: tensorflow  targets: cpu"), std::string::npos)
      << report;
  EXPECT_NE(report.find("testfake2 1.0  framework none 0  encodings: whisper  targets: cpu"), std::string::npos)
      << report;
  EXPECT_NE(report.find("testfake_badabi: "), std::string::npos) << report;
}

TEST(NnLoader, MissingReportNamesTheCmakeOption) {
  std::vector<SearchDir> dirs = {{"/x", "--nn-backend-dir"}};
  std::string m = missingBackendReport(WASMNN_NN_ENCODING_ONNX, dirs, "dlopen: nope");
  EXPECT_NE(m.find("encoding onnx"), std::string::npos);
  EXPECT_NE(m.find("libwasmnn_backend_onnxruntime.so"), std::string::npos);
  EXPECT_NE(m.find("/x (--nn-backend-dir)"), std::string::npos);
  EXPECT_NE(m.find("dlopen: nope"), std::string::npos);
  EXPECT_NE(m.find("-DWASMNN_BACKEND_ONNXRUNTIME=ON"), std::string::npos);
  EXPECT_NE(missingBackendReport(WASMNN_NN_ENCODING_PYTORCH, dirs, "").find("-DWASMNN_BACKEND_PYTORCH=ON"),
            std::string::npos);
}

// ---------------------------------------------------------------- sniffing

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::optional<wasmnn_nn_encoding> sniff(const std::vector<uint8_t>& b) { return sniffModel({b}).encoding; }

TEST(NnFormat, DetectsEachFormatFromBytes) {
  std::vector<uint8_t> gguf = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
  EXPECT_EQ(sniff(gguf), WASMNN_NN_ENCODING_GGML);
  std::vector<uint8_t> tfl = {0x1c, 0, 0, 0, 'T', 'F', 'L', '3', 0, 0};
  EXPECT_EQ(sniff(tfl), WASMNN_NN_ENCODING_TENSORFLOWLITE);
  std::string zip = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "archive/data.pklxxxx";
  EXPECT_EQ(sniff(std::vector<uint8_t>(zip.begin(), zip.end())), WASMNN_NN_ENCODING_PYTORCH);
  std::string otherZip = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "word/document.xml";
  EXPECT_FALSE(sniff(std::vector<uint8_t>(otherZip.begin(), otherZip.end())));
  std::string xml = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<net name=\"m\" version=\"11\">";
  EXPECT_EQ(sniff(std::vector<uint8_t>(xml.begin(), xml.end())), WASMNN_NN_ENCODING_OPENVINO);
  // a minimal ModelProto: ir_version=8, graph={}, opset_import={}
  EXPECT_EQ(sniff({0x08, 0x08, 0x3a, 0x00, 0x42, 0x00}), WASMNN_NN_ENCODING_ONNX);
  EXPECT_FALSE(sniff({0x08, 0x08, 0x3a, 0x05, 0x00}));  // graph length past the end
  EXPECT_FALSE(sniff({0x08, 0x08}));                    // no graph
  EXPECT_FALSE(sniff({}));
  Sniffed none = sniffModel({});
  EXPECT_NE(none.seen.find("0 builders"), std::string::npos);
}

TEST(NnFormat, RealOnnxTestdataModelsAreOnnx) {
  fs::path node = fs::path(NN_ONNX_TESTDATA) / "node";
  if (!fs::exists(node)) GTEST_SKIP() << "libonnx-testdata not installed";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(node)) {
    fs::path model = entry.path() / "model.onnx";
    if (!fs::exists(model)) continue;
    EXPECT_EQ(sniff(readFile(model.string())), WASMNN_NN_ENCODING_ONNX) << model;
    // and its inputs (TensorProto) are not mistaken for models
    fs::path input = entry.path() / "test_data_set_0" / "input_0.pb";
    if (fs::exists(input)) {
      EXPECT_NE(sniff(readFile(input.string())), WASMNN_NN_ENCODING_ONNX) << input;
    }
    if (++checked == 200) break;
  }
  EXPECT_EQ(checked, 200);
}

// ---------------------------------------------------------------- concurrency

TEST(NnConcurrency, EightInstancesShareOnePreloadedGraphInParallel) {
  auto host = fakeHost();
  constexpr int kThreads = 8, kRounds = 3, kDelayMs = 150;
  std::string path = writeTemp("par.fake", fakeModel(0.5f, 2.0f, kDelayMs));
  ASSERT_TRUE(host->models().add(*parsePreloadSpec("par:tensorflow:cpu:" + path)));
  std::atomic<int> failures{0}, loaded{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  using Clock = std::chrono::steady_clock;
  Clock::time_point start;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      NnInstance nn(host);
      Guest g;
      uint32_t name = g.str("par"), out = g.alloc(8);
      if (nn.loadByName(g.mem(), name, 3, out) != kSuccess ||
          nn.initExecutionContext(g.mem(), g.u32(out), out + 4) != kSuccess)
        ++failures;
      ++loaded;  // the computes below start together, once every instance has its graph (and worker)
      while (!go) std::this_thread::yield();
      for (int r = 0; r < kRounds && failures == 0; ++r) {
        float x = static_cast<float>(t * 100 + r);
        if (runF32(nn, g, g.u32(out + 4), {x, -x}) != std::vector<float>{x * 0.5f + 2.0f, -x * 0.5f + 2.0f}) ++failures;
      }
    });
  }
  while (loaded < kThreads) std::this_thread::yield();
  start = Clock::now();
  go = true;
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(failures.load(), 0);
  // 24 computes of 150 ms take 3.6 s one after another; in parallel about 0.45 s.
  EXPECT_LT(seconds, kThreads * kRounds * kDelayMs / 1000.0 / 2) << "the instances' computes ran serially";
  if (inProcess()) {  // one backend in this process: its own counter saw the overlap too
    NnInstance probe(host);
    Guest g;
    uint32_t name = g.str("par"), out = g.alloc(8);
    ASSERT_EQ(probe.loadByName(g.mem(), name, 3, out), kSuccess);
    ASSERT_EQ(probe.initExecutionContext(g.mem(), g.u32(out), out + 4), kSuccess);
    EXPECT_GT(jsonInt(metadata(probe, g, g.u32(out + 4)), "max_parallel"), 1) << "contexts of one graph ran serially";
  }
}

TEST(NnConcurrency, CallsOnOneContextWaitInsteadOfBusy) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 1.0f, 0.0f, 5);
  float in[2] = {1, 2};
  uint32_t t = g.tensor({2}, kF32, g.put(in, sizeof in), 8);
  ASSERT_EQ(nn.setInput(g.mem(), l.ctx, 0, t), kSuccess);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int r = 0; r < 10; ++r)
        if (nn.compute(l.ctx) != kSuccess) ++bad;  // the fake fails if two calls overlap on a context
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(NnConcurrency, FinalizeAndUnloadDuringComputeNeverPullTheRug) {
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 1.0f, 0.0f, 300);
  float in[1] = {1};
  ASSERT_EQ(nn.setInput(g.mem(), l.ctx, 0, g.tensor({1}, kF32, g.put(in, 4), 4)), kSuccess);
  std::atomic<uint32_t> result{99};
  std::thread worker([&] { result = nn.compute(l.ctx); });
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(nn.finalizeExecutionContext(l.ctx), kSuccess);
  EXPECT_EQ(nn.unload(l.graph), kSuccess);
  worker.join();
  EXPECT_EQ(result.load(), kSuccess);
  EXPECT_EQ(nn.compute(l.ctx), kInvalidArgument);
}

TEST(NnConcurrency, ContextsOfOneInstanceComputeInParallel) {
  // Under process isolation they share one worker and its channel: replies
  // must find their callers, and the worker's pool must run them at once.
  NnInstance nn(fakeHost());
  Guest g;
  constexpr int kContexts = 4, kRounds = 2, kDelayMs = 200;
  std::vector<Loaded> loaded;
  for (int i = 0; i < kContexts; ++i) loaded.push_back(loadFake(nn, g, static_cast<float>(i + 1), 0, kDelayMs));
  std::vector<uint32_t> inputs, outputs;
  for (int i = 0; i < kContexts; ++i) {
    float x = static_cast<float>(10 * i);
    inputs.push_back(g.tensor({1}, kF32, g.put(&x, 4), 4));
    outputs.push_back(g.alloc(8));
  }
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kContexts; ++i)
    threads.emplace_back([&, i] {
      for (int r = 0; r < kRounds; ++r) {
        float got = 0;
        if (nn.setInput(g.mem(), loaded[i].ctx, 0, inputs[i]) != kSuccess || nn.compute(loaded[i].ctx) != kSuccess ||
            nn.getOutput(g.mem(), loaded[i].ctx, 0, outputs[i], 4, outputs[i] + 4) != kSuccess)
          ++failures;
        std::memcpy(&got, g.bytes.data() + outputs[i], 4);
        if (got != static_cast<float>(10 * i * (i + 1))) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures.load(), 0);
  // 8 computes of 200 ms: 1.6 s one after another; the worker's pool runs at least two at once.
  EXPECT_LT(seconds, kContexts * kRounds * kDelayMs / 1000.0 * 0.75) << "contexts of one instance ran serially";
}

// ---------------------------------------------------------------- what a backend can reach

// Output 0 of a hostile command of the fake backend (see fake_backend.c), or
// the errno of the call that failed.
struct Outcome {
  uint32_t err = kSuccess;
  std::string output;
};

Outcome runCommand(NnInstance& nn, Guest& g, uint32_t ctx, const std::string& command) {
  uint32_t t = g.tensor({static_cast<uint32_t>(command.size())}, kU8Or_OldI32, g.str(command),
                        static_cast<uint32_t>(command.size()));
  Outcome o;
  if ((o.err = nn.setInput(g.mem(), ctx, 0, t)) != kSuccess || (o.err = nn.compute(ctx)) != kSuccess) return o;
  uint32_t out = g.alloc(128), written = g.alloc(4);
  if ((o.err = nn.getOutput(g.mem(), ctx, 0, out, 128, written)) == kSuccess)
    o.output.assign(reinterpret_cast<const char*>(g.bytes.data() + out), g.u32(written));
  return o;
}

std::string withU64(const char* command, uint64_t v) {
  std::string s(command);
  s.append(reinterpret_cast<const char*>(&v), 8);
  return s;
}

TEST(NnSandbox, WhatAModelCanReachDependsOnTheIsolationMode) {
  // The host's own file, outside anything a guest was granted.
  std::string secret = writeTemp("host-secret.txt", {'S', 'E', 'C', 'R', 'E', 'T'});
  fs::path planted = fs::path(secret).parent_path() / "planted.txt";
  fs::remove(planted);
  NnInstance nn(fakeHost());
  Guest g;
  Loaded l = loadFake(nn, g, 1, 0);
  Outcome read = runCommand(nn, g, l.ctx, "WNNREAD:" + secret);
  Outcome write = runCommand(nn, g, l.ctx, "WNNWRITE" + planted.string());
  Outcome socket = runCommand(nn, g, l.ctx, "WNNSOCKT");
  Outcome spawn = runCommand(nn, g, l.ctx, "WNNSPAWN");
  for (const Outcome* o : {&read, &write, &socket, &spawn}) EXPECT_EQ(o->err, kSuccess) << o->output;
  if (inProcess()) {  // the backend is this process: it reaches what the process reaches
    EXPECT_EQ(read.output, "SECRET");
    EXPECT_EQ(write.output, "ok");
    EXPECT_TRUE(fs::exists(planted));
    EXPECT_EQ(socket.output, "ok");
    EXPECT_EQ(spawn.output, "ok");
  } else {  // Landlock and seccomp refuse; nothing is read or created
    EXPECT_EQ(read.output.rfind("errno ", 0), 0u) << read.output;
    EXPECT_EQ(write.output.rfind("errno ", 0), 0u) << write.output;
    EXPECT_FALSE(fs::exists(planted));
    EXPECT_EQ(socket.output, "errno " + std::to_string(EPERM));
    EXPECT_EQ(spawn.output.rfind("errno ", 0), 0u) << spawn.output;
  }
  fs::remove(planted);
}

TEST(NnSandbox, BackendsReportTellsTheIsolation) {
  std::string report = fakeHost()->describe();
  if (inProcess()) {
    EXPECT_NE(report.find("isolation: none"), std::string::npos) << report;
    EXPECT_NE(report.find("warning: backends run inside this process"), std::string::npos) << report;
  } else {
    EXPECT_NE(report.find("isolation: process"), std::string::npos) << report;
    // This kernel (6.x, Landlock ABI >= 1, user namespaces on) supports everything: no warning.
    EXPECT_NE(report.find("sandbox on this kernel: seccomp-bpf yes, Landlock ABI "), std::string::npos) << report;
    EXPECT_EQ(report.find("warning"), std::string::npos) << report;
    EXPECT_NE(report.find("limits per worker: memory 4 GiB"), std::string::npos) << report;
  }
}

// ---------------------------------------------------------------- worker processes (process mode only)

size_t lines(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(IsolatedWorker, CrashFailsTheCallItsHandlesAreGoneOtherInstancesGoOnNextLoadWorks) {
  auto host = fakeHost();
  NnInstance nn(host), bystander(host);
  Guest g, g2;
  Loaded victim = loadFake(nn, g, 2.0f, 0.5f), sibling = loadFake(nn, g, 2.0f, 0.5f);
  Loaded other = loadFake(bystander, g2, 2.0f, 0.5f);
  StderrCapture cap;
  Outcome crash = runCommand(nn, g, victim.ctx, "WNNCRASH");
  std::string text = cap.finish();
  EXPECT_EQ(crash.err, kRuntimeError);
  EXPECT_EQ(lines(text, "its worker (pid"), 1u) << text;
  EXPECT_NE(text.find("backend testfake: its worker"), std::string::npos) << text;
  EXPECT_NE(text.find("crashed with signal 11 (SIGSEGV"), std::string::npos) << text;
  EXPECT_NE(text.find("during compute"), std::string::npos) << text;
  // the same instance's other handles lived in that worker
  StderrCapture cap2;
  EXPECT_EQ(nn.compute(sibling.ctx), kInvalidArgument);
  EXPECT_EQ(nn.initExecutionContext(g.mem(), sibling.graph, g.alloc(4)), kInvalidArgument);
  text = cap2.finish();
  EXPECT_NE(text.find("lived in the testfake worker that ended (it crashed with signal 11"), std::string::npos) << text;
  EXPECT_EQ(runF32(bystander, g2, other.ctx, {1.0f}), std::vector<float>{2.5f});
  Loaded again = loadFake(nn, g, 3.0f, 0.0f);
  EXPECT_EQ(runF32(nn, g, again.ctx, {1.0f}), std::vector<float>{3.0f});
  EXPECT_EQ(nn.unload(sibling.graph), kSuccess);  // dropping a dead handle is quiet
}

TEST(IsolatedWorker, MemoryLimitEndsTheWorkerNamingTheLimit) {
  auto host = fakeHost();
  host->setWorkerLimits(uint64_t{256} << 20, 0);
  NnInstance nn(host);
  Guest g;
  Loaded l = loadFake(nn, g, 1, 0);
  Outcome fits = runCommand(nn, g, l.ctx, withU64("WNNALLOC", uint64_t{64} << 20));
  EXPECT_EQ(fits.err, kSuccess) << "64 MiB fit in 256 MiB";
  StderrCapture cap;
  Outcome hog = runCommand(nn, g, l.ctx, withU64("WNNALLOC", uint64_t{1} << 30));
  std::string text = cap.finish();
  EXPECT_EQ(hog.err, kRuntimeError);
  EXPECT_EQ(lines(text, "its worker (pid"), 1u) << text;
  EXPECT_NE(text.find("exceeded its memory limit (--nn-max-memory 256.0 MiB: an allocation of 1.0 GiB was refused)"),
            std::string::npos)
      << text;
  Loaded again = loadFake(nn, g, 2, 0);
  EXPECT_EQ(runF32(nn, g, again.ctx, {1.0f}), std::vector<float>{2.0f});
}

// Tensor bytes the host shares with a worker (MAP_SHARED, outside its
// RLIMIT_DATA) count against the same --nn-max-memory: an input beyond it is
// refused before the worker sees it, and the worker lives on.
TEST(IsolatedWorker, SharedTensorMemoryCountsAgainstTheMemoryLimit) {
  auto host = fakeHost();
  host->setWorkerLimits(uint64_t{128} << 20, 0);
  NnInstance nn(host);
  Guest g;
  constexpr uint32_t kMiB = 1 << 20;
  g.bytes.resize(81 * kMiB);
  const uint32_t data = g.alloc(80 * kMiB);
  Loaded a = loadFake(nn, g, 2, 0);
  uint32_t out = g.alloc(8);
  ASSERT_EQ(nn.initExecutionContext(g.mem(), a.graph, out), kSuccess);
  ASSERT_EQ(nn.initExecutionContext(g.mem(), a.graph, out + 4), kSuccess);
  const uint32_t b = g.u32(out), c = g.u32(out + 4);
  auto input = [&](uint32_t ctx, uint32_t mib) {
    return nn.setInput(g.mem(), ctx, 0, g.tensor({mib * kMiB / 4}, kF32, data, mib * kMiB));
  };
  EXPECT_EQ(input(a.ctx, 32), kSuccess);
  EXPECT_EQ(input(b, 32), kSuccess);
  StderrCapture cap;
  EXPECT_EQ(input(c, 80), kTooLarge) << "64 MiB held + 80 MiB > 128 MiB";
  std::string text = cap.finish();
  EXPECT_NE(text.find("set_input: the tensors of this instance's testfake worker would need 144.1 MiB of shared "
                      "memory, beyond its memory limit (--nn-max-memory 128.0 MiB)"),
            std::string::npos)
      << text;
  EXPECT_EQ(lines(text, "its worker (pid"), 0u) << "the worker lives on: " << text;
  EXPECT_EQ(runF32(nn, g, a.ctx, {1.0f}), std::vector<float>{2.0f});
  ASSERT_EQ(nn.finalizeExecutionContext(b), kSuccess);
  EXPECT_EQ(input(c, 48), kSuccess) << "b's 32 MiB were given back";
}

TEST(IsolatedWorker, TimeoutEndsTheCallWithinTheDeadline) {
  auto host = fakeHost();
  constexpr uint64_t kTimeoutMs = 300;
  host->setWorkerLimits(uint64_t{4} << 30, kTimeoutMs);
  NnInstance nn(host);
  Guest g;
  Loaded slow = loadFake(nn, g, 1, 0, 10000);  // every compute sleeps 10 s
  float in = 1;
  ASSERT_EQ(nn.setInput(g.mem(), slow.ctx, 0, g.tensor({1}, kF32, g.put(&in, 4), 4)), kSuccess);
  StderrCapture cap;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(nn.compute(slow.ctx), kRuntimeError);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::string text = cap.finish();
  EXPECT_GE(ms, kTimeoutMs);
  EXPECT_LT(ms, kTimeoutMs + 500) << "the deadline plus a small margin";
  EXPECT_NE(text.find("exceeded its time limit (--nn-timeout 300 ms) during compute"), std::string::npos) << text;
  Loaded quick = loadFake(nn, g, 2, 0);
  EXPECT_EQ(runF32(nn, g, quick.ctx, {1.0f}), std::vector<float>{2.0f});
}

TEST(IsolatedWorker, LibraryThatStartsThreadsGetsFreshConfinedWorkers) {
  // The zygote cannot fork a multi-threaded process safely: each worker starts
  // the program anew and loads the library inside its sandbox.
  auto host = fakeHost();
  host->backends().addDir(NN_THREADED_DIR);
  NnInstance nn(host);
  Guest g;
  uint32_t b = g.builders({fakeModel(2.0f, 1.0f)});
  uint32_t out = g.alloc(8);
  ASSERT_EQ(nn.load(g.mem(), b, 1, 14 /* bitnet */, 0, out), kSuccess);
  ASSERT_EQ(nn.initExecutionContext(g.mem(), g.u32(out), out + 4), kSuccess);
  EXPECT_EQ(runF32(nn, g, g.u32(out + 4), {1.0f}), std::vector<float>{3.0f});
  std::string secret = writeTemp("threaded-secret.txt", {'S', 'E', 'C', 'R', 'E', 'T'});
  Outcome read = runCommand(nn, g, g.u32(out + 4), "WNNREAD:" + secret);
  EXPECT_EQ(read.output.rfind("errno ", 0), 0u) << read.output;
}

// ---------------------------------------------------------------- ONNX external data

// Protobuf wire format, enough to write ONNX messages by hand.
struct Proto {
  std::vector<uint8_t> bytes;
  Proto& varint(uint64_t field, uint64_t v) {
    put(field << 3);
    put(v);
    return *this;
  }
  Proto& message(uint64_t field, const std::vector<uint8_t>& m) {
    put(field << 3 | 2);
    put(m.size());
    bytes.insert(bytes.end(), m.begin(), m.end());
    return *this;
  }
  Proto& message(uint64_t field, const Proto& m) { return message(field, m.bytes); }
  Proto& text(uint64_t field, const std::string& t) { return message(field, std::vector<uint8_t>(t.begin(), t.end())); }

 private:
  void put(uint64_t v) {
    do {
      bytes.push_back(static_cast<uint8_t>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
      v >>= 7;
    } while (v);
  }
};

// TensorProto: name 8, external_data 13 {key 1, value 2}, data_location 14 (EXTERNAL = 1).
Proto externalTensor(const std::string& name, const std::string& location) {
  return Proto().text(8, name).message(13, Proto().text(1, "location").text(2, location)).varint(14, 1);
}
Proto inlineTensor(const std::string& name) { return Proto().text(8, name).varint(2, 1).message(9, Proto()); }
// ModelProto: ir_version 1, graph 7.
std::vector<uint8_t> model(const Proto& graph) { return Proto().varint(1, 8).message(7, graph).bytes; }

TEST(NnOnnxGuard, FindsExternalDataWhereverATensorCanBe) {
  EXPECT_FALSE(findExternalTensor(model(Proto().message(5, inlineTensor("w")))));
  auto top = findExternalTensor(model(Proto().message(5, externalTensor("w", "secret.bin"))));
  ASSERT_TRUE(top);
  EXPECT_EQ(top->tensor, "w");
  EXPECT_EQ(top->location, "secret.bin");
  // NodeProto.attribute 5 -> AttributeProto.t 5 (a Constant's value)
  Proto constant = Proto().message(5, Proto().text(1, "value").message(5, externalTensor("c", "/etc/passwd")));
  EXPECT_EQ(findExternalTensor(model(Proto().message(1, constant)))->location, "/etc/passwd");
  // AttributeProto.g 6 (If's branch) -> GraphProto.initializer 5, two levels down
  Proto inner =
      Proto().message(1, Proto().message(5, Proto().message(6, Proto().message(5, externalTensor("deep", "x")))));
  EXPECT_EQ(findExternalTensor(model(Proto().message(1, Proto().message(5, Proto().message(6, inner)))))->tensor,
            "deep");
  // GraphProto.sparse_initializer 15 -> SparseTensorProto.values 1
  EXPECT_TRUE(findExternalTensor(model(Proto().message(15, Proto().message(1, externalTensor("s", "y"))))));
  // ModelProto.functions 25 -> FunctionProto.node 7 -> attribute 5 -> tensors 10
  Proto fn = Proto().message(7, Proto().message(5, Proto().message(10, externalTensor("f", "z"))));
  EXPECT_TRUE(findExternalTensor(Proto().varint(1, 8).message(7, Proto()).message(25, fn).bytes));
  // an external_data entry without data_location counts too
  EXPECT_TRUE(findExternalTensor(model(Proto().message(5, Proto().message(13, Proto().text(1, "location"))))));
}

TEST(NnOnnxGuard, TooDeepIsRefusedAndBrokenBytesNeverCrash) {
  Proto g = Proto().message(5, inlineTensor("w"));
  for (int i = 0; i < 80; ++i) g = Proto().message(1, Proto().message(5, Proto().message(6, g)));
  auto deep = findExternalTensor(model(g));
  ASSERT_TRUE(deep);
  EXPECT_NE(deep->location.find("nested deeper"), std::string::npos);
  // Every truncation and byte flip of a model with external data, under ASan in sanitizer builds.
  std::vector<uint8_t> m =
      model(Proto().message(1, Proto().message(5, Proto().message(6, Proto().message(5, externalTensor("w", "s"))))));
  for (size_t cut = 0; cut <= m.size(); ++cut) findExternalTensor(std::span(m.data(), cut));
  for (size_t i = 0; i < m.size(); ++i)
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      std::vector<uint8_t> bad = m;
      bad[i] ^= flip;
      findExternalTensor(bad);
    }
}

}  // namespace
