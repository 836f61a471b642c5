// The backend kit (nn_backend_kit.hpp) against the plugin ABI's rules, on a
// toy C++ backend driven through the table the kit builds: exception mapping
// with one log line each, the get_output size protocol, no result before a
// successful compute, config parsing with unknown keys rejected, and the
// optional streaming trio.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "wasmnn/nn_backend_kit.hpp"

namespace {

using wasmnn::kit::fail;

// Doubles its f32 input. The magic input values make it misbehave on purpose.
struct ToyBackend {
  static constexpr const char* kName = "toy";
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_TENSORFLOW, WASMNN_NN_ENCODING_MLX};
  static inline bool initFails = false;

  static void init(wasmnn_nn_backend_info& info) {
    if (initFails) fail(WASMNN_NN_RUNTIME_ERROR, "no device %d", 7);
    info.framework_name = "toy";
    info.framework_version = "1";
  }
  static wasmnn::kit::Error mapException(const std::exception& e) {
    if (dynamic_cast<const std::invalid_argument*>(&e)) return {WASMNN_NN_INVALID_ARGUMENT, e.what()};
    throw e;  // not ours: the kit falls back to runtime_error
  }

  class Graph {
   public:
    explicit Graph(const wasmnn::kit::LoadArgs& args) {
      args.expectBuilders(1, 1, "one toy builder");
      scale_ = args.config.take<float>("scale", 2.0f);
      if (args.builders[0].size == 0) fail(WASMNN_NN_INVALID_ARGUMENT, "empty model");
    }
    float scale() const { return scale_; }

   private:
    float scale_;
  };

  class Context {
   public:
    explicit Context(const Graph& graph) : graph_(graph) {}
    void setInput(uint32_t index, const wasmnn::kit::Tensor& t) {
      wasmnn::kit::checkIndex(index, 1, "input");
      if (t.type != WASMNN_NN_TYPE_F32) fail(WASMNN_NN_INVALID_ARGUMENT, "takes f32, not %s", t.typeName());
      in_.resize(t.elements());
      std::memcpy(in_.data(), t.data.data(), t.data.size());
    }
    void compute() {
      if (!in_.empty() && in_[0] == 13) throw std::invalid_argument("unlucky input");
      if (!in_.empty() && in_[0] == 666) throw std::runtime_error("framework exploded");
      if (!in_.empty() && in_[0] == 999) throw 42;
      if (!in_.empty() && in_[0] == 1e30f) throw std::bad_alloc();
      out_ = in_;
      for (float& v : out_) v *= graph_.scale();
    }
    wasmnn::kit::Bytes output(uint32_t index) {
      wasmnn::kit::checkIndex(index, 1, "output");
      return wasmnn::kit::bytesOf(std::span<const float>(out_));
    }
    void computeSingle() {
      if (token_ == 3) fail(WASMNN_NN_END_OF_SEQUENCE, "end of sequence");
      text_ = std::to_string(token_++);
      text_.insert(text_.begin(), 't');
    }
    wasmnn::kit::Bytes outputSingle(uint32_t) { return wasmnn::kit::bytesOf(std::string_view(text_)); }
    void finiSingle() { token_ = 0; }

   private:
    const Graph& graph_;
    std::vector<float> in_, out_;
    std::string text_;
    int token_ = 0;
  };
};

// A backend without the optional members.
struct PlainBackend {
  static constexpr const char* kName = "plain";
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_ONNX};
  static void init(wasmnn_nn_backend_info&) {}
  struct Graph {
    explicit Graph(const wasmnn::kit::LoadArgs&) {}
  };
  struct Context {
    explicit Context(Graph&) {}
    void setInput(uint32_t, const wasmnn::kit::Tensor&) {}
    void compute() { throw std::runtime_error("plain failure"); }
    wasmnn::kit::Bytes output(uint32_t) { return {}; }
  };
};

class KitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    b_ = wasmnn::kit::backendTable<ToyBackend>(WASMNN_NN_BACKEND_ABI_VERSION);
    ASSERT_NE(b_, nullptr);
  }
  void TearDown() override {
    if (ctx_) b_->destroy_context(ctx_);
    if (graph_) b_->destroy_graph(graph_);
  }

  wasmnn_nn_errno load(const std::string& config = "") {
    wasmnn_nn_builder builder{model_, sizeof model_, nullptr};
    return b_->load(WASMNN_NN_ENCODING_TENSORFLOW, WASMNN_NN_TARGET_CPU, &builder, 1, config.data(), config.size(),
                    &graph_);
  }
  void loadWithContext(const std::string& config = "") {
    ASSERT_EQ(load(config), WASMNN_NN_SUCCESS);
    ASSERT_EQ(b_->init_context(graph_, &ctx_), WASMNN_NN_SUCCESS);
  }
  wasmnn_nn_errno setInput(std::vector<float> values) {
    input_ = std::move(values);
    dims_[0] = static_cast<uint32_t>(input_.size());
    wasmnn_nn_tensor t{WASMNN_NN_TYPE_F32, 1, dims_, input_.data(), input_.size() * 4};
    return b_->set_input(ctx_, 0, &t);
  }

  // Runs call(), expects errno `want` and exactly one log line "error: toy: <op>: <message>".
  template <typename F> void expectLogged(wasmnn_nn_errno want, const std::string& line, F call) {
    ::testing::internal::CaptureStderr();
    wasmnn_nn_errno got = call();
    std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(got, want) << wasmnn_nn_errno_name(got) << "; log: " << log;
    EXPECT_EQ(log, "wasmnn-nn: error: toy: " + line + "\n");
  }

  const wasmnn_nn_backend* b_ = nullptr;
  wasmnn_nn_graph* graph_ = nullptr;
  wasmnn_nn_context* ctx_ = nullptr;
  uint8_t model_[4] = {1, 2, 3, 4};
  std::vector<float> input_;
  uint32_t dims_[1] = {0};
};

TEST_F(KitTest, TableDescribesTheClass) {
  EXPECT_EQ(b_->abi_version, WASMNN_NN_BACKEND_ABI_VERSION);
  EXPECT_EQ(b_->struct_size, sizeof(wasmnn_nn_backend));
  EXPECT_STREQ(b_->name, "toy");
  EXPECT_STREQ(b_->version, WASMNN_VERSION_STRING);
  ASSERT_EQ(b_->encoding_count, 2u);
  EXPECT_EQ(b_->encodings[1], WASMNN_NN_ENCODING_MLX);
  EXPECT_NE(b_->compute_single, nullptr);
  EXPECT_EQ(wasmnn::kit::backendTable<ToyBackend>(WASMNN_NN_BACKEND_ABI_VERSION + 1), nullptr);
  const wasmnn_nn_backend* plain = wasmnn::kit::backendTable<PlainBackend>(WASMNN_NN_BACKEND_ABI_VERSION);
  EXPECT_EQ(plain->compute_single, nullptr) << "no streaming members: the host answers unsupported_operation";
  EXPECT_EQ(plain->get_output_single, nullptr);
  EXPECT_EQ(plain->fini_single, nullptr);
}

TEST_F(KitTest, InitFailureFillsWhy) {
  ToyBackend::initFails = true;
  wasmnn_nn_backend_info info{sizeof info, nullptr, nullptr, 0};
  char why[64] = "";
  EXPECT_EQ(b_->init(&info, why, sizeof why), WASMNN_NN_RUNTIME_ERROR);
  EXPECT_STREQ(why, "no device 7");
  ToyBackend::initFails = false;
  EXPECT_EQ(b_->init(&info, why, sizeof why), WASMNN_NN_SUCCESS);
  EXPECT_STREQ(info.framework_name, "toy");
}

TEST_F(KitTest, ComputesAndDeliversWithTheSizeProtocol) {
  loadWithContext(R"({"scale": 3})");
  ASSERT_EQ(setInput({1, 2}), WASMNN_NN_SUCCESS);
  ASSERT_EQ(b_->compute(ctx_), WASMNN_NN_SUCCESS);
  size_t size = 0;
  EXPECT_EQ(b_->get_output(ctx_, 0, nullptr, 0, &size), WASMNN_NN_TOO_LARGE);
  EXPECT_EQ(size, 8u);
  std::vector<uint8_t> small(7, 0x5A);
  EXPECT_EQ(b_->get_output(ctx_, 0, small.data(), small.size(), &size), WASMNN_NN_TOO_LARGE);
  EXPECT_EQ(small, std::vector<uint8_t>(7, 0x5A)) << "nothing is written on too_large";
  float out[3] = {0, 0, -1};
  ASSERT_EQ(b_->get_output(ctx_, 0, out, sizeof out, &size), WASMNN_NN_SUCCESS);
  EXPECT_EQ(size, 8u);
  EXPECT_EQ(out[0], 3.0f);
  EXPECT_EQ(out[1], 6.0f);
  EXPECT_EQ(out[2], -1.0f) << "bytes past the result are untouched";
}

TEST_F(KitTest, NoResultBeforeComputeAndAfterSetInput) {
  loadWithContext();
  size_t size = 0;
  expectLogged(WASMNN_NN_RUNTIME_ERROR,
               "get_output: output 0: no result: compute has not succeeded since the last set_input",
               [&] { return b_->get_output(ctx_, 0, nullptr, 0, &size); });
  ASSERT_EQ(setInput({1}), WASMNN_NN_SUCCESS);
  ASSERT_EQ(b_->compute(ctx_), WASMNN_NN_SUCCESS);
  ASSERT_EQ(b_->get_output(ctx_, 0, nullptr, 0, &size), WASMNN_NN_TOO_LARGE);
  ASSERT_EQ(setInput({2}), WASMNN_NN_SUCCESS);
  EXPECT_EQ(b_->get_output(ctx_, 0, nullptr, 0, &size), WASMNN_NN_RUNTIME_ERROR) << "stale result after set_input";
  ASSERT_EQ(b_->compute(ctx_), WASMNN_NN_SUCCESS);
  ASSERT_EQ(setInput({666}), WASMNN_NN_SUCCESS);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(b_->compute(ctx_), WASMNN_NN_RUNTIME_ERROR);
  EXPECT_EQ(b_->get_output(ctx_, 0, nullptr, 0, &size), WASMNN_NN_RUNTIME_ERROR) << "no result after a failed compute";
  ::testing::internal::GetCapturedStderr();
}

TEST_F(KitTest, ExceptionsBecomeErrnosWithOneLogLine) {
  loadWithContext();
  ASSERT_EQ(setInput({13}), WASMNN_NN_SUCCESS);
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "compute: unlucky input", [&] { return b_->compute(ctx_); });
  ASSERT_EQ(setInput({666}), WASMNN_NN_SUCCESS);
  expectLogged(WASMNN_NN_RUNTIME_ERROR, "compute: framework exploded", [&] { return b_->compute(ctx_); });
  ASSERT_EQ(setInput({999}), WASMNN_NN_SUCCESS);
  expectLogged(WASMNN_NN_RUNTIME_ERROR, "compute: unknown exception", [&] { return b_->compute(ctx_); });
  ASSERT_EQ(setInput({1e30f}), WASMNN_NN_SUCCESS);
  expectLogged(WASMNN_NN_RUNTIME_ERROR, "compute: out of memory", [&] { return b_->compute(ctx_); });
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "set_input: index 1 out of range: the model has 1 input(s)", [&] {
    wasmnn_nn_tensor t{WASMNN_NN_TYPE_F32, 0, nullptr, nullptr, 0};
    return b_->set_input(ctx_, 1, &t);
  });
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "set_input: takes f32, not u8", [&] {
    uint8_t byte = 1;
    uint32_t dim = 1;
    wasmnn_nn_tensor t{WASMNN_NN_TYPE_U8, 1, &dim, &byte, 1};
    return b_->set_input(ctx_, 0, &t);
  });
}

TEST_F(KitTest, ConfigIsCheckedKeyByKey) {
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "load: unknown config option(s) \"scael\", \"threads\"",
               [&] { return load(R"({"scael": 3, "threads": 2})"); });
  EXPECT_EQ(graph_, nullptr) << "*out untouched on failure";
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "load: config option \"scale\" has the wrong type (string)",
               [&] { return load(R"({"scale": "big"})"); });
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "load: config is not valid JSON", [&] { return load("{scale"); });
  expectLogged(WASMNN_NN_INVALID_ARGUMENT, "load: config must be a JSON object", [&] { return load("[1]"); });
  EXPECT_EQ(load("{}"), WASMNN_NN_SUCCESS);
}

TEST_F(KitTest, BuilderCountIsChecked) {
  wasmnn_nn_builder two[2] = {{model_, 4, nullptr}, {model_, 4, nullptr}};
  expectLogged(
      WASMNN_NN_INVALID_ARGUMENT, "load: expected one toy builder for encoding tensorflow, got 2 builder(s)",
      [&] { return b_->load(WASMNN_NN_ENCODING_TENSORFLOW, WASMNN_NN_TARGET_CPU, two, 2, nullptr, 0, &graph_); });
}

TEST_F(KitTest, StreamingTrio) {
  loadWithContext();
  size_t size = 0;
  char text[8] = {};
  EXPECT_EQ(b_->get_output_single(ctx_, 0, text, sizeof text, &size), WASMNN_NN_RUNTIME_ERROR)
      << "no token before compute_single";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(b_->compute_single(ctx_), WASMNN_NN_SUCCESS);
    ASSERT_EQ(b_->get_output_single(ctx_, 0, text, sizeof text, &size), WASMNN_NN_SUCCESS);
    EXPECT_EQ(std::string(text, size), std::string(1, 't') + std::to_string(i));
  }
  expectLogged(WASMNN_NN_END_OF_SEQUENCE, "compute_single: end of sequence", [&] { return b_->compute_single(ctx_); });
  EXPECT_EQ(b_->fini_single(ctx_), WASMNN_NN_SUCCESS);
  EXPECT_EQ(b_->get_output_single(ctx_, 0, text, sizeof text, &size), WASMNN_NN_RUNTIME_ERROR);
  ASSERT_EQ(b_->compute_single(ctx_), WASMNN_NN_SUCCESS);
  ASSERT_EQ(b_->get_output_single(ctx_, 0, text, sizeof text, &size), WASMNN_NN_SUCCESS);
  EXPECT_EQ(std::string(text, size), "t0") << "fini_single reset the sequence";
}

}  // namespace
