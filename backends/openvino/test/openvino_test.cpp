// What the generic suites (test/nn_backends) do not cover for OpenVINO:
// the classification guest written like the Wasmtime/WasmEdge OpenVINO
// examples against OpenVINO's native top-5, malformed IR (truncated XML,
// missing or wrong-sized weights), wrong input types, devices and precision
// through the config, and `wasmnn backends`. Every failure must be one errno
// and one log line from the backend; the truth is ov_truth's native output.
#include <gtest/gtest.h>

#include <openvino/openvino.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "manifest.h"
#include "run_guest.h"

namespace fs = std::filesystem;
using namespace wasmnn::test;

namespace {

const fs::path kData = NN_OV_DATA_DIR;
constexpr int kInvalidArgument = 1, kUnsupportedOperation = 6;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class OpenVino : public ::testing::Test {
 protected:
  GuestRun run(std::vector<std::string> host_options, const std::string& guest, std::vector<std::string> args) {
    std::vector<std::string> argv = cliRun();
    argv.insert(argv.end(), {"--dir=" + kData.string() + "::/data", "--dir=" + tmp_.path().string() + "::/out"});
    argv.insert(argv.end(), host_options.begin(), host_options.end());
    argv.push_back(guest);
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, tmp_.path());
  }

  // nn_run with `steps`; expects exit 10 + err and exactly one error line
  // from the backend, containing `message`.
  void expectOneError(std::vector<std::string> host_options, std::vector<std::string> steps, int err,
                      const std::string& message) {
    GuestRun r = run(std::move(host_options), NN_RUN_WASM, std::move(steps));
    EXPECT_EQ(r.exit_code, 10 + err) << describe(r);
    EXPECT_EQ(count(r.err, "wasmnn-nn: error: openvino: "), 1u) << describe(r);
    EXPECT_NE(r.err.find(message), std::string::npos) << "no \"" << message << "\" in: " << describe(r);
  }

  // Writes `bytes` to the guest's /out and returns the guest path.
  std::string outFile(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream(tmp_.path() / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return "/out/" + name;
  }

  // The classifier case with its input and output steps after `load`/`name` steps.
  std::vector<std::string> classifierSteps(std::vector<std::string> steps) {
    Case c = readCase(kData / "classifier.manifest");
    for (const auto& in : c.inputs) steps.insert(steps.end(), {"in", "0", in.type, in.dims, "/data/" + in.file});
    steps.insert(steps.end(), {"compute", "out", "0", "/out/classifier.out0.bin"});
    return steps;
  }
  std::vector<uint8_t> classifierOutput() const { return readBytes(tmp_.path() / "classifier.out0.bin"); }
  std::vector<uint8_t> classifierTruth() const { return readBytes(kData / "classifier.out0.bin"); }

  static std::string preload(const std::string& name) {
    return "--nn-preload=clf:openvino:cpu:" + (kData / (name + ".xml")).string() + ":" +
           (kData / (name + ".bin")).string();
  }

  TempDir tmp_;
};

// The top-5 the example guest prints, from OpenVINO's native scores: entry 0
// is the background class, the rest ImageNet classes 0..999.
std::string nativeTop5() {
  std::vector<uint8_t> bytes = readBytes(kData / "mobilenet_v2.out0.bin");
  std::vector<float> scores(bytes.size() / sizeof(float));
  std::memcpy(scores.data(), bytes.data(), scores.size() * sizeof(float));
  EXPECT_EQ(scores.size(), 1001u);
  std::vector<int> order(scores.size() - 1);
  std::iota(order.begin(), order.end(), 1);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  std::string out;
  for (int rank = 0; rank < 5; ++rank) {
    char line[64];
    std::snprintf(line, sizeof line, "   %d.) [%d](%.4f)\n", rank + 1, order[rank] - 1, scores[order[rank]]);
    out += line;
  }
  return out;
}

TEST_F(OpenVino, ClassificationGuestPrintsTheNativeTop5) {
  GuestRun r =
      run({}, OV_CLASSIFY_WASM, {"/data/mobilenet_v2.xml", "/data/mobilenet_v2.bin", "/data/mobilenet_v2.in0.bin"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string printed = r.out.substr(std::min(r.out.size(), r.out.find("   1.)")));
  EXPECT_EQ(printed, nativeTop5()) << describe(r);
  EXPECT_NE(
      r.out.find("Read graph weights, size in bytes: " + std::to_string(fs::file_size(kData / "mobilenet_v2.bin"))),
      std::string::npos)
      << r.out;
}

TEST_F(OpenVino, TruncatedXmlIsInvalidArgument) {
  std::vector<uint8_t> xml = readBytes(kData / "classifier.xml");
  xml.resize(xml.size() / 2);
  std::string truncated = outFile("truncated.xml", xml);
  expectOneError({}, {"load", "openvino", "cpu", truncated + "+/data/classifier.bin"}, kInvalidArgument,
                 "does not read: Error parsing");
}

TEST_F(OpenVino, XmlWithoutItsWeightsIsInvalidArgument) {
  expectOneError({}, {"load", "openvino", "cpu", "/data/classifier.xml"}, kInvalidArgument, "weights");
  std::string empty = outFile("empty.bin", {});
  expectOneError({}, {"load", "openvino", "cpu", "/data/classifier.xml+" + empty}, kInvalidArgument, "weights");
}

TEST_F(OpenVino, WeightsOfTheWrongSizeAreInvalidArgument) {
  std::vector<uint8_t> bin = readBytes(kData / "classifier.bin");
  bin.resize(bin.size() - 4);
  std::string shorter = outFile("short.bin", bin);
  expectOneError({}, {"load", "openvino", "cpu", "/data/classifier.xml+" + shorter}, kInvalidArgument, "weights");
}

TEST_F(OpenVino, AModelWithoutConstantsNeedsNoWeights) {
  // add_mul has no constants: its .bin is empty, and one builder is enough.
  Case c = readCase(kData / "add_mul.manifest");
  std::vector<std::string> steps = {"load", "openvino", "cpu", "/data/add_mul.xml"};
  for (const auto& in : c.inputs)
    steps.insert(steps.end(), {"in", std::to_string(in.index), in.type, in.dims, "/data/" + in.file});
  steps.insert(steps.end(), {"compute", "out", "1", "/out/prod.bin"});
  GuestRun r = run({}, NN_RUN_WASM, steps);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(readBytes(tmp_.path() / "prod.bin"), readBytes(kData / "add_mul.out1.bin"));
}

// IR a guest may send to hurt the host: each is refused with invalid_argument
// and one line, none crashes or hangs it.
TEST_F(OpenVino, HostileIrIsRefused) {
  std::string xml = slurp(kData / "classifier.xml");
  auto edited = [&](const std::string& from, const std::string& to) {
    size_t at = xml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    std::string out = xml;
    return at == std::string::npos ? out : out.replace(at, from.size(), to);
  };
  const std::pair<const char*, std::string> cases[] = {
      {"offset past 2^64", edited("offset=\"0\"", "offset=\"18446744073709551615\"")},
      {"size past 2^64", edited("size=\"640\"", "size=\"18446744073709551615\"")},
      {"constant of 1.6e19 elements", edited("shape=\"16, 10\"", "shape=\"4000000000, 4000000000\"")},
      {"input of 1e16 elements", edited("shape=\"1,16\"", "shape=\"100000000,100000000\"")},
      {"unknown operation", edited("type=\"MatMul\"", "type=\"NoSuchOp\"")},
      {"edge to a missing layer", edited("to-layer=\"2\"", "to-layer=\"999\"")},
      {"billion laughs", R"(<?xml version="1.0"?><!DOCTYPE net [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<net name="&c;" version="11"><layers/><edges/></net>)"},
  };
  for (const auto& [what, text] : cases) {
    SCOPED_TRACE(what);
    std::string file = outFile("hostile.xml", std::vector<uint8_t>(text.begin(), text.end()));
    expectOneError({}, classifierSteps({"load", "openvino", "cpu", file + "+/data/classifier.bin"}), kInvalidArgument,
                   "openvino: ");
  }
}

TEST_F(OpenVino, OneContextFollowsTheGuestsDynamicShapes) {
  // dynamic.xml takes [?,4]: the same context gets 2 rows, 7 rows, 2 rows again.
  std::vector<std::string> steps = {"load", "openvino", "cpu", "/data/dynamic.xml+/data/dynamic.bin"};
  for (const char* name : {"dynamic_2", "dynamic_7", "dynamic_2"}) {
    Case c = readCase(kData / (std::string(name) + ".manifest"));
    steps.insert(steps.end(), {"in", "0", "f32", c.inputs[0].dims, "/data/" + c.inputs[0].file, "compute", "out", "0",
                               "/out/" + std::string(name) + ".bin"});
  }
  GuestRun r = run({}, NN_RUN_WASM, steps);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const char* name : {"dynamic_2", "dynamic_7"})
    EXPECT_EQ(readBytes(tmp_.path() / (std::string(name) + ".bin")),
              readBytes(kData / (std::string(name) + ".out0.bin")))
        << name;
}

TEST_F(OpenVino, WrongInputTypeOrShapeIsInvalidArgument) {
  Case c = readCase(kData / "classifier.manifest");
  std::string input = "/data/" + c.inputs[0].file;
  expectOneError(
      {}, {"load", "openvino", "cpu", "/data/classifier.xml+/data/classifier.bin", "in", "0", "i32", "1x16", input},
      kInvalidArgument, "tensor type i32 does not match the model's element type f32");
  expectOneError(
      {}, {"load", "openvino", "cpu", "/data/classifier.xml+/data/classifier.bin", "in", "0", "f32", "2x8", input},
      kInvalidArgument, "shape [2,8] does not match the model's [1,16]");
}

TEST_F(OpenVino, UnknownOrMissingDeviceIsReported) {
  expectOneError({preload("classifier")}, {"name-config", "clf", R"({"device": "TOASTER"})"}, kInvalidArgument,
                 "unknown OpenVINO device \"TOASTER\"");
  expectOneError({preload("classifier")}, {"name-config", "clf", R"({"device": "GPU"})"}, kUnsupportedOperation,
                 "the OpenVINO device GPU is not available here");
  expectOneError({preload("classifier")}, {"name-config", "clf", R"({"threads": 0})"}, kInvalidArgument,
                 "config threads must be a positive number");
  expectOneError({preload("classifier")}, {"name-config", "clf", R"({"inference_precision": "f8"})"}, kInvalidArgument,
                 "inference_precision");
}

TEST_F(OpenVino, ConfigChoosesDeviceThreadsAndStreams) {
  for (const char* config : {R"({"device": "AUTO"})", R"({"device": "CPU", "threads": 1, "streams": 1})",
                             R"({"inference_precision": "f32"})"}) {
    SCOPED_TRACE(config);
    GuestRun r = run({preload("classifier")}, NN_RUN_WASM, classifierSteps({"name-config", "clf", config}));
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(classifierOutput(), classifierTruth());
  }
}

TEST_F(OpenVino, GraphsAreCompiledAtF32UnlessTheConfigSaysOtherwise) {
  ov::Core core;
  ov::element::Type native = core.get_property("CPU", ov::hint::inference_precision);
  if (native == ov::element::f32)
    GTEST_SKIP() << "this CPU's default inference precision is f32 already: nothing to tell apart";
  // The conv net's f32 truth differs from what the CPU's default precision gives.
  Case c = readCase(kData / "conv.manifest");
  std::vector<std::string> steps = {"name-config", "conv", R"({"inference_precision": "default"})"};
  for (const auto& in : c.inputs) steps.insert(steps.end(), {"in", "0", in.type, in.dims, "/data/" + in.file});
  steps.insert(steps.end(), {"compute", "out", "0", "/out/default.bin", "name", "conv"});
  for (const auto& in : c.inputs) steps.insert(steps.end(), {"in", "0", in.type, in.dims, "/data/" + in.file});
  steps.insert(steps.end(), {"compute", "out", "0", "/out/f32.bin"});
  std::string spec =
      "--nn-preload=conv:openvino:cpu:" + (kData / "conv.xml").string() + ":" + (kData / "conv.bin").string();
  GuestRun r = run({spec}, NN_RUN_WASM, steps);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(readBytes(tmp_.path() / "f32.bin"), readBytes(kData / "conv.out0.bin"));
  EXPECT_NE(readBytes(tmp_.path() / "default.bin"), readBytes(kData / "conv.out0.bin"))
      << "default precision " << native << " gave the f32 result";
}

TEST_F(OpenVino, BackendsReportListsVersionAndDevices) {
  GuestRun r = runProcess({WASMNN_CLI, "backends"}, tmp_.path());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string version = ov::get_openvino_version().buildNumber;
  EXPECT_NE(r.out.find("framework OpenVINO " + version + " (devices: CPU"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("encodings: openvino"), std::string::npos) << r.out;
}

}  // namespace
