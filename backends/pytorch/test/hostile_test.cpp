// A hostile guest against libtorch, under process isolation (the default):
// TorchScript that reaches for host files with torch.from_file, malformed
// archives that crash libtorch 1.13 in-process (exit 139 before isolation),
// a model that allocates gigabytes, one that never returns — through the CLI
// and, for the crashes, in an embedding where 7 other instances keep
// computing. Truth: the host files' bytes, and libtorch's own outputs for
// the valid model (torch_models.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "manifest.h"
#include "run_guest.h"
#include "run_instance.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;

namespace {

const fs::path kData = NN_TORCH_DATA;        // the valid models and their truth
const fs::path kHostile = NN_TORCH_HOSTILE;  // models that reach for kHost
const fs::path kHost = NN_TORCH_HOST_DIR;    // files only the host may touch: never preopened
const fs::path kMalformed = NN_TORCH_MALFORMED;
constexpr int kInvalidArgument = 1, kRuntimeError = 5;

void writeBytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> randomBytes(size_t n) {
  std::mt19937 rng(std::random_device{}());
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

class Hostile : public ::testing::Test {
 protected:
  // Loads a hostile model, feeds the classifier's input, computes, writes output 0.
  GuestRun run(const std::string& model, std::vector<std::string> options = {}) {
    GuestCommand cmd;
    cmd.host_options = {"--dir=" + kHostile.string() + "::/h", "--dir=" + kData.string() + "::/d",
                        "--dir=" + tmp_.path().string() + "::/out"};
    cmd.host_options.insert(cmd.host_options.end(), options.begin(), options.end());
    cmd.add({"load", "pytorch", "cpu", "/h/" + model, "in", "0", "f32", "1x16", "/d/classifier.in0.bin", "compute",
             "out", "0", "/out/output.bin"});
    return runProcess(cmd.argv(), tmp_.path());
  }
  fs::path output() const { return tmp_.path() / "output.bin"; }

  TempDir tmp_;
};

TEST_F(Hostile, FromFileCannotReadAHostFile) {
  std::vector<uint8_t> secret = randomBytes(16);
  writeBytes(kHost / "secret.bin", secret);
  GuestRun r = run("read_host_file.pt");
  // Either the call fails or its output carries none of the file's bytes.
  if (r.exit_code == 0) {
    EXPECT_NE(readBytes(output()), secret) << describe(r);
  } else {
    EXPECT_EQ(r.exit_code, 10 + kRuntimeError) << describe(r);
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << describe(r);
  }
  EXPECT_EQ(readBytes(kHost / "secret.bin"), secret);
}

TEST_F(Hostile, FromFileCannotWriteAHostFile) {
  std::vector<uint8_t> victim = randomBytes(16);
  writeBytes(kHost / "victim.bin", victim);
  GuestRun r = run("write_host_file.pt");
  EXPECT_EQ(r.exit_code, 10 + kRuntimeError) << describe(r);
  EXPECT_EQ(readBytes(kHost / "victim.bin"), victim) << "the host file was modified";
}

TEST_F(Hostile, FromFileCannotCreateAHostFile) {
  fs::remove(kHost / "created.bin");
  GuestRun r = run("create_host_file.pt");
  EXPECT_EQ(r.exit_code, 10 + kRuntimeError) << describe(r);
  EXPECT_FALSE(fs::exists(kHost / "created.bin")) << "a host file was created";
}

TEST_F(Hostile, AllocationBeyondTheMemoryLimitFailsAndTheHostStaysSmall) {
  GuestRun r = run("allocate_2gib.pt", {"--nn-max-memory=512M"});
  EXPECT_EQ(r.exit_code, 10 + kRuntimeError) << describe(r);
  EXPECT_NE(r.err.find("exceeded its memory limit (--nn-max-memory 512.0 MiB"), std::string::npos) << describe(r);
  // The 2 GiB were never the host's: it stays at its own few megabytes.
  EXPECT_LT(r.max_rss_kb, 64 * 1024) << "host peak RSS " << r.max_rss_kb << " KiB";
}

TEST_F(Hostile, ComputeThatNeverReturnsEndsAtTheDeadline) {
  using Clock = std::chrono::steady_clock;
  // The same run with a model that returns: start-up, load and exit, measured now (the machine may be busy).
  GuestCommand quick;
  quick.host_options = {"--dir=" + kData.string() + "::/d", "--nn-timeout=2s"};
  quick.add(
      {"load", "pytorch", "cpu", "/d/classifier.pt", "in", "0", "f32", "1x16", "/d/classifier.in0.bin", "compute"});
  auto t0 = Clock::now();
  GuestRun baseline = runProcess(quick.argv(), tmp_.path());
  double baselineSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_EQ(baseline.exit_code, 0) << describe(baseline);
  t0 = Clock::now();
  GuestRun r = run("loop_forever.pt", {"--nn-timeout=2s"});
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 10 + kRuntimeError) << describe(r);
  EXPECT_NE(r.err.find("exceeded its time limit (--nn-timeout 2000 ms) during compute"), std::string::npos)
      << describe(r);
  EXPECT_GE(seconds, 2.0);
  EXPECT_LT(seconds, baselineSeconds + 2.0 + 1.0) << "the deadline plus a small margin";
}

// ---------------------------------------------------------------- malformed archives

std::vector<std::string> malformedModels() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kMalformed))
    if (e.path().extension() == ".pt") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// One instance loads every malformed archive, each followed by the valid
// model: each bad load returns an errno, the host stays up, and each next
// load serves the valid model with libtorch's own result.
TEST(HostileMalformed, EachLoadFailsWithAnErrnoAndTheNextLoadWorks) {
  const std::vector<std::string> models = malformedModels();
  ASSERT_GE(models.size(), 20u);
  TempDir tmp;
  GuestCommand cmd;
  cmd.host_options = {"--dir=" + kMalformed.string() + "::/m", "--dir=" + kData.string() + "::/d",
                      "--dir=" + tmp.path().string() + "::/out"};
  cmd.add({"--keep-going"});
  for (const std::string& m : models)
    cmd.add({"load", "pytorch", "cpu", "/m/" + m, "load", "pytorch", "cpu", "/d/classifier.pt", "in", "0", "f32",
             "1x16", "/d/classifier.in0.bin", "compute", "out", "0", "/out/after_" + m + ".bin"});
  GuestRun r = runProcess(cmd.argv(), tmp.path());
  EXPECT_TRUE(r.exit_code == 10 + kInvalidArgument || r.exit_code == 10 + kRuntimeError) << describe(r);
  size_t failed = 0;
  for (size_t at = r.err.find("load failed: errno "); at != std::string::npos; at = r.err.find("load failed", at + 1))
    ++failed;
  EXPECT_EQ(failed, models.size()) << describe(r);
  const std::vector<uint8_t> truth = readBytes(kData / "classifier.out0.bin");
  for (const std::string& m : models)
    EXPECT_EQ(readBytes(tmp.path() / ("after_" + m + ".bin")), truth) << "the valid load after " << m;
}

// ---------------------------------------------------------------- one tenant's crash is its own

TEST(HostileEmbedding, OneGuestCrashesItsWorkerWhileSevenOthersKeepComputing) {
  std::vector<uint8_t> wasm = readBytes(NN_RUN_WASM);
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  wasmnn_error* error = wasmnn_module_new(engine, wasm.data(), wasm.size(), &module);
  ASSERT_EQ(error, nullptr) << wasmnn_error_message(error);
  wasmnn_nn_host* nn = wasmnn_nn_host_new();  // process isolation: the default
  TempDir out;
  const std::vector<std::pair<std::string, std::string>> dirs = {
      {kData.string(), "/d"}, {kMalformed.string(), "/m"}, {out.path().string(), "/out"}};
  constexpr int kThreads = 8, kRounds = 20;
  std::vector<int> status(kThreads, -2);
  std::vector<std::string> why(kThreads);
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<std::string> args = {"nn_run"};
      if (t == 0) {  // the crash, then a valid load in the same instance
        args.insert(args.end(), {"--keep-going", "load", "pytorch", "cpu", "/m/data_tuple1_on_empty_stack.pt"});
        while (started < kThreads - 1) std::this_thread::yield();  // the others are computing by now
      } else {
        ++started;
      }
      args.insert(args.end(), {"load", "pytorch", "cpu", "/d/classifier.pt"});
      for (int r = 0; r < (t == 0 ? 1 : kRounds); ++r)
        args.insert(args.end(), {"in", "0", "f32", "1x16", "/d/classifier.in0.bin", "compute", "out", "0",
                                 "/out/" + std::to_string(t) + "_" + std::to_string(r) + ".bin"});
      status[t] = runInstance(engine, module, nn, args, dirs, &why[t]);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(status[0], 10 + kRuntimeError) << why[0] << ": the crashing load is runtime_error, the rest worked";
  const std::vector<uint8_t> truth = readBytes(kData / "classifier.out0.bin");
  for (int t = 0; t < kThreads; ++t) {
    if (t) {
      EXPECT_EQ(status[t], 0) << "thread " << t << ": " << why[t];
    }
    for (int r = 0; r < (t == 0 ? 1 : kRounds); ++r)
      EXPECT_EQ(readBytes(out.path() / (std::to_string(t) + "_" + std::to_string(r) + ".bin")), truth)
          << "thread " << t << " round " << r;
  }
  wasmnn_nn_host_delete(nn);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
}

}  // namespace
