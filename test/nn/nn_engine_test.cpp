// WASI-NN through the real engine: several threads, each with its own store
// and instance of the nn_probe guest, all using one preloaded graph of the
// fake backend. The guest checks every output value itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "run_instance.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasmnn.h"

namespace {

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// scale 2, bias 0.5, 20 ms per compute so the threads overlap.
std::string writeModel() {
  std::string path = (std::filesystem::temp_directory_path() / ("nn_engine_" + std::to_string(getpid()) + ".fake"));
  const uint8_t bytes[20] = {'W', 'N', 'N', 'F', 'A', 'K', 'E', '1', 0, 0, 0, 0x40, 0, 0, 0, 0x3f, 20, 0, 0, 0};
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  return path;
}

TEST(NnEngine, EightThreadsEachWithItsOwnInstanceShareOnePreloadedGraph) {
  std::vector<uint8_t> wasm = readFile(NN_PROBE);
  ASSERT_FALSE(wasm.empty()) << NN_PROBE;
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  wasmnn_module* module = nullptr;
  wasmnn_error* error = wasmnn_module_new(engine, wasm.data(), wasm.size(), &module);
  ASSERT_EQ(error, nullptr) << wasmnn_error_message(error);
  wasmnn_nn_host* nn = wasmnn_nn_host_new();
  wasmnn_nn_host_add_backend_dir(nn, NN_FAKE_DIR);
  std::string model = writeModel();
  ASSERT_EQ(wasmnn_nn_host_preload(nn, ("fake:tensorflow:cpu:" + model).c_str()), nullptr);

  constexpr int kThreads = 8, kRunsPerThread = 3;
  std::atomic<int> passed{0};
  std::vector<std::string> problems(kThreads);
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRunsPerThread; ++r) {
        std::string why;
        int status = wasmnn::test::runInstance(engine, module, nn,
                                               {"nn_probe", "concurrent", std::to_string(t * 1000 + r)}, {}, &why);
        if (status == 0)
          ++passed;
        else
          problems[t] += "status " + std::to_string(status) + " " + why + "\n";
      }
    });
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& p : problems) EXPECT_TRUE(p.empty()) << p;
  EXPECT_EQ(passed.load(), kThreads * kRunsPerThread);
  // 72 computes of 20 ms each take 1.44 s one after another; parallel instances finish far sooner.
  EXPECT_LT(seconds, 1.2) << "instances did not run in parallel";

  wasmnn_nn_host_delete(nn);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
  std::filesystem::remove(model);
}

}  // namespace
