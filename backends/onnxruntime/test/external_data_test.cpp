// ONNX external data from a guest: models whose tensors name a file
// (relative to the working directory, through "sub/../", absolute, in a
// Constant attribute, in an If subgraph; make_external_data_models.py) must
// never make the host read it — in both isolation modes (wasmnn refuses them
// before ONNX Runtime sees them; under process isolation the worker could
// not open the file either). Truth: the file's own bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "manifest.h"
#include "run_guest.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;

namespace {

const fs::path kModels = NN_EXTERNAL_DATA_MODELS;
const fs::path kHost = NN_EXTERNAL_DATA_HOST;  // the absolute location's directory, never preopened
const char* const kModelNames[] = {"relative", "dotdot", "absolute", "constant_attribute", "subgraph"};
constexpr int kInvalidArgument = 1;

void writeBytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(OnnxExternalData, AGuestModelNeverReadsAHostFile) {
  TempDir tmp;  // also the working directory of wasmnn: relative locations resolve here
  std::mt19937 rng(std::random_device{}());
  std::vector<uint8_t> secret(16);
  for (uint8_t& b : secret) b = static_cast<uint8_t>(rng());
  writeBytes(tmp.path() / "secret.bin", secret);
  writeBytes(tmp.path() / "sub" / "keep", {});
  writeBytes(kHost / "secret.bin", secret);
  writeBytes(tmp.path() / "zeros.bin", std::vector<uint8_t>(16, 0));

  GuestCommand cmd;
  cmd.host_options = {"--dir=" + kModels.string() + "::/m", "--dir=" + tmp.path().string() + "::/t"};
  cmd.add({"--keep-going"});
  for (const char* m : kModelNames)
    cmd.add({"load", "onnx", "cpu", "/m/" + std::string(m) + ".onnx", "in", "0", "f32", "4", "/t/zeros.bin", "compute",
             "out", "0", "/t/" + std::string(m) + ".out"});
  GuestRun r = runProcess(cmd.argv(), tmp.path());
  EXPECT_EQ(r.exit_code, 10 + kInvalidArgument) << describe(r);
  for (const char* m : kModelNames) {
    EXPECT_FALSE(fs::exists(tmp.path() / (std::string(m) + ".out"))) << m << " produced an output: " << describe(r);
    EXPECT_NE(r.err.find("in an external file"), std::string::npos) << describe(r);
  }
  size_t refused = 0;
  for (size_t at = r.err.find("load failed: errno 1"); at != std::string::npos; at = r.err.find("load failed", at + 1))
    ++refused;
  EXPECT_EQ(refused, std::size(kModelNames)) << describe(r);
}

}  // namespace
