// WasmEdge-style guests through `wasmnn run` and the llamacpp backend: the C
// guest guest/examples/llm.c and, when cargo could build it, the Rust guest
// rust-guest/ on the wasmedge-wasi-nn crate (one mode per WasmEdge GGML
// example, the same output lines), against llama.cpp run natively in this
// process on the same generated model and prompt:
// greedy tokens equal token for token (compute and streaming), embeddings
// equal bit for bit, and WasmEdge's LLM conditions (end_of_sequence,
// context_full, prompt_too_long) where llama.cpp natively ends the same way.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/build-info.h"
#include "native.h"
#include "run_guest.h"

namespace {

namespace fs = std::filesystem;
namespace native = wasmnn::test::llama;
using wasmnn::test::describe;
using wasmnn::test::GuestRun;
using wasmnn::test::TempDir;

const fs::path kData = LLAMACPP_TEST_DATA;
const std::string kPrompt = "the cat sat on the mat and the dog";
// Greedy (temp 0 is argmax in llama.cpp's sampler chain), one thread.
const std::string kGreedy = R"({"temp": 0, "threads": 1)";
std::string options(const std::string& more = "") { return kGreedy + (more.empty() ? "" : ", " + more) + "}"; }

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Every "label: value" line of a guest's stdout, in order.
std::vector<std::string> lines(const std::string& out, const std::string& label) {
  std::vector<std::string> found;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(label + ": ", 0) == 0) found.push_back(line.substr(label.size() + 2));
  return found;
}
std::string line(const std::string& out, const std::string& label) {
  auto all = lines(out, label);
  return all.empty() ? "<no " + label + " line>" : all.front();
}

// WasmEdge's metadata layout, with the build of the llama.cpp loaded here.
std::string metadataJson(size_t input, size_t output) {
  std::string json = "{\"input_tokens\": ";
  json += std::to_string(input);
  json += ", \"output_tokens\": ";
  json += std::to_string(output);
  json += ", \"llama_build_number\": ";
  json += std::to_string(llama_build_number());
  json += ", \"llama_commit\": \"";
  json += llama_commit();
  return json + "\"}";
}

// A JSON string literal of `text` (quotes and backslashes escaped).
std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Guest {
  const char* name;
  std::vector<std::string> argv;  // the module and its leading options
};
void PrintTo(const Guest& g, std::ostream* os) { *os << g.name; }  // NOLINT(readability-identifier-naming): gtest

class LlamaGuest : public ::testing::TestWithParam<Guest> {
 protected:
  static void SetUpTestSuite() {
    if (chat_) return;  // shared by the C and Rust instantiations
    native::initOnce(LLAMACPP_LIB_DIR);
    chat_ = native::loadModel(kData / "chat.gguf").release();
    eosDir_ = new TempDir;
    makeEosModel();
  }

  // chat.gguf with tokenizer.ggml.eos_token_id set to a token greedy
  // generation reaches for the first time a few tokens in: the same logits,
  // so generation from kPrompt ends there. The key's u32 is patched in place
  // (GGUF: key string, type 4 = u32, value).
  static void makeEosModel() {
    native::Generation g = native::greedy(chat_, kPrompt, 256, 40);
    for (size_t k = 4; k < g.tokens.size() && eosAt_ == 0; ++k)
      if (std::count(g.tokens.begin(), g.tokens.begin() + static_cast<long>(k), g.tokens[k]) == 0) eosAt_ = k;
    ASSERT_GT(eosAt_, 0u) << "no token of the greedy sequence is new after position 4";
    std::vector<uint8_t> bytes = wasmnn::test::readBytes(kData / "chat.gguf");
    const std::string key = "tokenizer.ggml.eos_token_id";
    auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end());
    ASSERT_NE(at, bytes.end());
    uint8_t* type = &*at + key.size();
    ASSERT_EQ(type[0], 4u) << "eos_token_id is a u32";
    uint32_t id = static_cast<uint32_t>(g.tokens[eosAt_]);
    std::memcpy(type + 4, &id, 4);
    eosPath_ = eosDir_->path() / "eos.gguf";
    std::ofstream(eosPath_, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    eos_ = native::loadModel(eosPath_).release();
  }

  GuestRun run(const std::vector<std::string>& host, const std::vector<std::string>& guest) const {
    TempDir scratch;
    std::vector<std::string> argv = wasmnn::test::cliRun();
    argv.insert(argv.end(), host.begin(), host.end());
    argv.insert(argv.end(), GetParam().argv.begin(), GetParam().argv.end());
    argv.insert(argv.end(), guest.begin(), guest.end());
    return wasmnn::test::runProcess(argv, scratch.path());
  }
  static std::string preload(const fs::path& model, const std::string& name = "default") {
    return "--nn-preload=" + name + ":GGML:AUTO:" + model.string();
  }

  static llama_model* chat_;
  static llama_model* eos_;
  static TempDir* eosDir_;
  static fs::path eosPath_;
  static size_t eosAt_;
};
llama_model* LlamaGuest::chat_ = nullptr;
llama_model* LlamaGuest::eos_ = nullptr;
TempDir* LlamaGuest::eosDir_ = nullptr;
fs::path LlamaGuest::eosPath_;
size_t LlamaGuest::eosAt_ = 0;

TEST_P(LlamaGuest, ComputeGivesLlamaCppsGreedyTokens) {
  native::Generation truth = native::greedy(chat_, kPrompt, 256, 24);
  ASSERT_EQ(truth.tokens.size(), 24u);
  GuestRun r = run({preload(kData / "chat.gguf")}, {"chat", "default", kPrompt, options(R"("n-predict": 24)")});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "input-metadata"), metadataJson(truth.promptTokens, 0)) << "metadata before compute";
  EXPECT_EQ(line(r.out, "output"), hex(truth.text())) << describe(r);
  EXPECT_EQ(line(r.out, "metadata"), metadataJson(truth.promptTokens, 24));
}

TEST_P(LlamaGuest, StreamingGivesTheSameTokensOneByOne) {
  native::Generation truth = native::greedy(eos_, kPrompt, 256, -1);
  ASSERT_TRUE(truth.endToken);
  ASSERT_EQ(truth.tokens.size(), eosAt_ + 1);
  GuestRun r = run({preload(eosPath_)}, {"stream", "default", kPrompt, options()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::vector<std::string> streamed = lines(r.out, "token");
  ASSERT_EQ(streamed.size(), eosAt_) << "every token before the end token\n" << describe(r);
  for (size_t i = 0; i < streamed.size(); ++i) EXPECT_EQ(streamed[i], hex(truth.pieces[i])) << "token " << i;
  EXPECT_EQ(line(r.out, "stream-end"), "end_of_sequence");
  EXPECT_EQ(line(r.out, "metadata"), metadataJson(truth.promptTokens, eosAt_ + 1))
      << "the end token counts, as in WasmEdge";
}

TEST_P(LlamaGuest, ComputeEndsAtTheEndTokenWhichIsPartOfTheOutput) {
  native::Generation truth = native::greedy(eos_, kPrompt, 256, -1);
  GuestRun r = run({preload(eosPath_)}, {"chat", "default", kPrompt, options()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "output"), hex(truth.text()));
  EXPECT_EQ(line(r.out, "metadata"), metadataJson(truth.promptTokens, eosAt_ + 1));
}

TEST_P(LlamaGuest, ContextFullKeepsTheTextSoFar) {
  // ctx-size 256 is llama.cpp's smallest window; without n-predict the
  // generation runs until the window is full, natively as in the guest.
  native::Generation truth = native::greedy(chat_, kPrompt, 256, -1);
  ASSERT_TRUE(truth.contextFull);
  GuestRun r = run({preload(kData / "chat.gguf")}, {"chat", "default", kPrompt, options(R"("ctx-size": 256)")});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "info"), "compute: context_full");
  EXPECT_EQ(line(r.out, "output"), hex(truth.text()));
  EXPECT_EQ(line(r.out, "metadata"), metadataJson(truth.promptTokens, truth.tokens.size()));
  EXPECT_NE(r.err.find("the context is full"), std::string::npos) << r.err;

  GuestRun s = run({preload(kData / "chat.gguf")}, {"stream", "default", kPrompt, options(R"("ctx-size": 256)")});
  ASSERT_EQ(s.exit_code, 0) << describe(s);
  EXPECT_EQ(line(s.out, "stream-end"), "context_full");
  EXPECT_EQ(lines(s.out, "token").size(), truth.tokens.size() - 1) << "the token that found no room is not streamed";
}

TEST_P(LlamaGuest, PromptTooLong) {
  std::string prompt;
  while (native::tokenize(chat_, prompt).size() <= 252) prompt += " the cat";  // ctx 256 leaves 252 for the prompt
  size_t n = native::tokenize(chat_, prompt).size();
  for (const char* mode : {"chat", "stream"}) {
    GuestRun r = run({preload(kData / "chat.gguf")}, {mode, "default", prompt, options(R"("ctx-size": 256)")});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find("prompt_too_long"), std::string::npos) << describe(r);
    EXPECT_NE(r.err.find("the prompt has " + std::to_string(n) + " tokens"), std::string::npos) << r.err;
  }
}

TEST_P(LlamaGuest, UnloadFiveTimes) {
  native::Generation truth = native::greedy(chat_, kPrompt, 256, 8);
  GuestRun r = run({preload(kData / "chat.gguf")}, {"unload", "default", kPrompt, options(R"("n-predict": 8)")});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::vector<std::string> outputs = lines(r.out, "output");
  ASSERT_EQ(outputs.size(), 5u) << describe(r);
  for (const std::string& o : outputs) EXPECT_EQ(o, hex(truth.text()));
}

TEST_P(LlamaGuest, SetInputTwiceReplacesThePrompt) {
  GuestRun r = run({preload(kData / "chat.gguf")}, {"set-input-twice", "default", kPrompt, options()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  size_t n = native::tokenize(chat_, kPrompt).size();
  EXPECT_EQ(line(r.out, "input_tokens"), std::to_string(n) + " then " + std::to_string(n));
}

TEST_P(LlamaGuest, GuestBytesWithOptionsAsBuilderOne) {
  native::Generation truth = native::greedy(chat_, kPrompt, 256, 12);
  GuestRun r = run({"--dir=" + kData.string() + "::/models"},
                   {"chat", "@/models/chat.gguf", kPrompt, options(R"("n-predict": 12)")});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "output"), hex(truth.text()));
}

TEST_P(LlamaGuest, EmbeddingEqualsLlamaCppsBitForBit) {
  native::Model embed = native::loadModel(kData / "embed.gguf");
  std::vector<float> truth = native::embedding(embed.get(), kPrompt);
  GuestRun r =
      run({preload(kData / "embed.gguf")}, {"embedding", "default", kPrompt, R"({"embedding": true, "threads": 1})"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string raw(reinterpret_cast<const char*>(truth.data()), truth.size() * sizeof(float));
  EXPECT_EQ(line(r.out, "embedding-f32"), hex(raw)) << "output 2, raw f32";
  // Output 0 is WasmEdge's JSON; its 9-digit numbers read back as the same floats.
  std::string json = line(r.out, "embedding-json");
  std::string head = "{\"n_embedding\": " + std::to_string(truth.size()) + ", \"embedding\": [";
  ASSERT_EQ(json.rfind(head, 0), 0u) << json;
  const char* p = json.c_str() + head.size();
  for (size_t i = 0; i < truth.size(); ++i) {
    char* end = nullptr;
    EXPECT_EQ(std::strtof(p, &end), truth[i]) << "element " << i;
    p = end + 1;
  }
  EXPECT_STREQ(p - 1, "]}");
}

TEST_P(LlamaGuest, GrammarConstrainsLikeLlamaCpps) {
  const std::string grammar = R"(root ::= (" cat" | " dog" | " sat")+)";
  native::Generation truth = native::greedy(chat_, kPrompt, 256, 10, grammar);
  GuestRun r = run({preload(kData / "chat.gguf")},
                   {"chat", "default", kPrompt, options(R"("n-predict": 10, "grammar": )" + jsonString(grammar))});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "output"), hex(truth.text()));
  EXPECT_EQ(truth.text().find_first_not_of(" catdogs"), std::string::npos) << truth.text();
}

TEST_P(LlamaGuest, JsonSchemaConstrainsLikeLlamaCpps) {
  const std::string schema = R"({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]})";
  native::Generation truth = native::greedy(chat_, kPrompt, 256, 16, native::grammarFromJsonSchema(schema));
  GuestRun r = run({preload(kData / "chat.gguf")},
                   {"chat", "default", kPrompt, options(R"("n-predict": 16, "json-schema": )" + jsonString(schema))});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "output"), hex(truth.text()));
  EXPECT_EQ(truth.text().rfind("{", 0), 0u) << truth.text();
}

TEST_P(LlamaGuest, OptionsAreCheckedByName) {
  GuestRun r = run({preload(kData / "chat.gguf")}, {"chat", "default", kPrompt, R"({"ctx-size": 256, "colour": 1})"});
  EXPECT_EQ(line(r.out, "error"), "load/init/set_input: invalid_argument") << describe(r);
  EXPECT_NE(r.err.find("unknown config option(s) \"colour\""), std::string::npos) << r.err;

  // WasmEdge's example guests send "llama3" for themselves, and GPU layers.
  r = run({preload(kData / "chat.gguf")},
          {"chat", "default", kPrompt,
           options(R"("n-predict": 2, "llama3": false, "n-gpu-layers": 99, "enable-log": false)")});
  EXPECT_EQ(r.exit_code, 0) << describe(r);

  r = run({preload(kData / "chat.gguf")}, {"chat", "default", kPrompt, R"({"grammar": "root ::= nowhere"})"});
  EXPECT_EQ(line(r.out, "error"), "load/init/set_input: invalid_argument") << describe(r);
  EXPECT_NE(r.err.find("grammar"), std::string::npos) << r.err;

  r = run({preload(kData / "chat.gguf")}, {"chat", "default", kPrompt, R"({"mmproj": "/etc/passwd"})"});
  EXPECT_EQ(line(r.out, "error"), "load/init/set_input: unsupported_operation") << describe(r);
}

TEST_P(LlamaGuest, PreloadedModelIsNotAGuestPath) {
  GuestRun r = run({preload(kData / "chat.gguf")}, {"chat", "nope", kPrompt, options()});
  EXPECT_EQ(line(r.out, "error"), "load/init/set_input: not_found") << describe(r);
}

TEST_P(LlamaGuest, ReversePromptEndsCompute) {
  // The reverse prompt: the text of a greedy token not in the text before it.
  native::Generation g = native::greedy(chat_, kPrompt, 256, 40);
  std::string before;
  size_t k = 0;
  for (size_t i = 0; i < g.pieces.size() && k == 0; ++i) {
    if (i >= 3 && g.pieces[i].size() > 1 && before.find(g.pieces[i]) == std::string::npos)
      k = i;
    else
      before += g.pieces[i];
  }
  ASSERT_GT(k, 0u);
  std::string expected = before + g.pieces[k];
  GuestRun r = run({preload(kData / "chat.gguf")},
                   {"chat", "default", kPrompt, options(R"("reverse-prompt": )" + jsonString(g.pieces[k]))});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(line(r.out, "output"), hex(expected)) << "stops at the token completing " << g.pieces[k];
  EXPECT_EQ(line(r.out, "metadata"), metadataJson(g.promptTokens, k + 1));
}

INSTANTIATE_TEST_SUITE_P(C, LlamaGuest, ::testing::Values(Guest{"llm.c", {NN_RUN_WASM, "--hex"}}));
// Texts as u8 [1] whatever their length, as WasmEdge's prebuilt example guests send them.
INSTANTIATE_TEST_SUITE_P(CDimsOne, LlamaGuest,
                         ::testing::Values(Guest{"llm.c --dims-one", {NN_RUN_WASM, "--hex", "--dims-one"}}));
#ifdef RUST_GUEST_WASM
INSTANTIATE_TEST_SUITE_P(Rust, LlamaGuest, ::testing::Values(Guest{"wasmedge-wasi-nn", {RUST_GUEST_WASM}}));
#endif

TEST(LlamaBackend, ListedWithLlamaCppsVersion) {
  TempDir scratch;
  GuestRun r = wasmnn::test::runProcess({WASMNN_CLI, "backends"}, scratch.path());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string version = std::string("framework llama.cpp ") + WASMNN_LLAMACPP_RELEASE + " (build " + llama_build_info();
  EXPECT_NE(r.out.find(version), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("encodings: ggml  targets: cpu"), std::string::npos) << describe(r);
}

// The C guest's extras: options as input 1 (WasmEdge's set_metadata_to_context)
// and stream-stdout.
TEST(LlamaCGuest, OptionsAsInputOneAndStreamStdout) {
  native::initOnce(LLAMACPP_LIB_DIR);
  native::Model chat = native::loadModel(kData / "chat.gguf");
  native::Generation truth = native::greedy(chat.get(), kPrompt, 256, 5);
  TempDir scratch;
  std::vector<std::string> argv = wasmnn::test::cliRun();
  argv.insert(argv.end(), {"--nn-preload=default:GGML:AUTO:" + (kData / "chat.gguf").string(), NN_RUN_WASM, "--hex",
                           "--input1", R"({"n-predict": 5, "stream-stdout": true})", "chat", "default", kPrompt,
                           options(R"("n-predict": 24)")});
  GuestRun r = wasmnn::test::runProcess(argv, scratch.path());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // The tokens go to stdout as they come (before the guest prints its output line), and
  // input 1's n-predict replaced the one given at load.
  EXPECT_NE(r.out.find(truth.text() + "output: " + hex(truth.text()) + "\n"), std::string::npos) << describe(r);
}

}  // namespace
