// WASI-NN backend on llama.cpp (libwasmnn_backend_llamacpp.so), serving the
// ggml encoding the way WasmEdge's GGML plugin does, so guests written
// against the wasmedge-wasi-nn crate run unchanged:
//
//   inputs   0  the prompt (u8 text)      1  options JSON (same keys as the config)
//   outputs  0  the generated text, or in embedding mode the WasmEdge JSON
//               {"n_embedding": N, "embedding": [...]}
//            1  metadata JSON {"input_tokens", "output_tokens", "llama_build_number", "llama_commit"}
//            2  embedding mode: the embedding as raw little-endian f32 (wasmnn extension)
//   compute         runs to n-predict tokens, the end of generation (the end token is part of the
//                   output, as in WasmEdge) or the reverse prompt; context_full when the context
//                   window fills (the text so far stays readable)
//   compute_single  one token per call (the prompt is evaluated by the first); end_of_sequence
//                   after the end token; get_output_single returns the latest token's text;
//                   fini_single drops the sequence
//
// A model file preloaded by the operator is loaded once per process (mmapped)
// and shared by every graph built from it, whatever their options; each
// context has its own llama_context, so its own KV cache, and contexts of one
// graph run in parallel. Guest bytes are parsed from memory (never a file).
#include <dlfcn.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/build-info.h"
#include "common/common.h"
#include "common/json-schema-to-grammar.h"
#include "common/sampling.h"
#include "ggml-backend.h"
#include "llama.h"
#include "wasmnn/nn_backend_kit.hpp"

namespace {

using wasmnn::kit::Bytes;
using wasmnn::kit::Config;
using wasmnn::kit::fail;

constexpr const char* kName = "llamacpp";

// ---------------------------------------------------------------- llama.cpp's log

// llama.cpp logs through one process-wide callback, in pieces (a line may
// arrive as several calls). Its lines go to the core's logger at debug level,
// or at info when the graph being served asked for them (enable-log /
// enable-debug-log); its first error line of a call is kept so that the one
// error line the kit writes carries the framework's own reason (the lines
// after it only say that loading failed).
struct LogState {
  std::string line;
  ggml_log_level level = GGML_LOG_LEVEL_NONE;
  std::string firstError;
  bool enableLog = false, enableDebugLog = false;
};
thread_local LogState logState;

void emitLogLine() {
  LogState& s = logState;
  if (s.line.empty()) return;
  if (s.level == GGML_LOG_LEVEL_ERROR && s.firstError.empty()) s.firstError = s.line;
  bool shown = s.level == GGML_LOG_LEVEL_DEBUG ? s.enableDebugLog : s.enableLog || s.enableDebugLog;
  wasmnn_nn_log(shown ? WASMNN_NN_LOG_INFO : WASMNN_NN_LOG_DEBUG, kName, "llama.cpp: %s", s.line.c_str());
  s.line.clear();
}

void forwardLog(ggml_log_level level, const char* text, void*) {
  LogState& s = logState;
  if (level != GGML_LOG_LEVEL_CONT) {
    emitLogLine();
    s.level = level;
  }
  for (const char* p = text; *p; ++p) {
    if (*p == '\n')
      emitLogLine();
    else
      s.line += *p;
  }
}

// Serves one backend call with the log settings of the graph it works for,
// and forgets llama.cpp errors of earlier calls.
class LogScope {
 public:
  LogScope(bool enableLog, bool enableDebugLog) {
    logState.enableLog = enableLog;
    logState.enableDebugLog = enableDebugLog;
    logState.firstError.clear();
  }
  ~LogScope() { emitLogLine(); }
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;
};

// "; llama.cpp: <its first error line>" when it wrote one during this call.
std::string llamaReason() {
  emitLogLine();
  std::string reason;
  if (!logState.firstError.empty()) reason.append("; llama.cpp: ").append(logState.firstError);
  return reason;
}

// ggml stops the process on a failed GGML_ASSERT, and some of llama.cpp's
// checks of a model file are such asserts (e.g. a vocabulary with duplicate
// tokens). ggml calls this hook before abort(); throwing from it unwinds
// into llama.cpp's loader, which catches std::exception and fails the load.
struct GgmlAssertion : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void throwOnGgmlAbort(const char* message) { throw GgmlAssertion(message); }

// ---------------------------------------------------------------- options

// Every option a guest may set, with WasmEdge's names and defaults (its
// plugin starts from llama.cpp's common_params). Set at load (builder 1, the
// load_by_name_with_config JSON) and by input 1 before compute.
struct Options {
  // Context (a change makes a new llama_context).
  int64_t ctxSize = 0;  // 0: the model's training context
  int64_t batchSize = 2048;
  int64_t ubatchSize = 512;
  // llama.cpp's (and so WasmEdge's) default: the physical cores, without
  // hyper-threads, which only slow ggml's compute down.
  int64_t threads = std::max(1, common_cpu_get_num_math());
  bool embedding = false;
  // Sampling (a change makes a new sampler).
  common_params_sampling sampling;
  // Generation.
  int64_t nPredict = -1;  // < 0: until the end token or a full context
  std::string reversePrompt;
  bool streamStdout = false;
  // llama.cpp's common_embd_normalize: -1 none, 0 max-abs, 1 taxicab, 2 euclidean, > 2 p-norm.
  int64_t embdNormalize = 2;
  // Model: accepted for WasmEdge's guests; this build runs on the CPU.
  int64_t nGpuLayers = 0;
  bool enableLog = false, enableDebugLog = false;

  bool sameContext(const Options& o) const {
    return ctxSize == o.ctxSize && batchSize == o.batchSize && ubatchSize == o.ubatchSize && threads == o.threads &&
           embedding == o.embedding;
  }
  bool sameSampler(const Options& o) const {
    const common_params_sampling &a = sampling, &b = o.sampling;
    return a.seed == b.seed && a.temp == b.temp && a.top_k == b.top_k && a.top_p == b.top_p && a.min_p == b.min_p &&
           a.penalty_last_n == b.penalty_last_n && a.penalty_repeat == b.penalty_repeat &&
           a.penalty_freq == b.penalty_freq && a.penalty_present == b.penalty_present && a.ignore_eos == b.ignore_eos &&
           a.grammar.type == b.grammar.type && a.grammar.grammar == b.grammar.grammar;
  }
};

template <typename T> T atLeast(Config& config, const char* key, T current, T minimum) {
  T value = config.take<T>(key, current);
  if (value < minimum)
    fail(WASMNN_NN_INVALID_ARGUMENT, "option \"%s\" must be at least %s (got %s)", key, std::to_string(minimum).c_str(),
         std::to_string(value).c_str());
  return value;
}

float nonNegative(Config& config, const char* key, float current) {
  return static_cast<float>(std::max(0.0, config.take<double>(key, current)));  // WasmEdge clamps at 0
}

// A JSON schema given as a string (WasmEdge's guests) or as an object.
std::string grammarFromSchema(const nlohmann::json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  try {
    return json_schema_to_grammar(common_json::parse(text));
  } catch (const std::exception& e) {
    fail(WASMNN_NN_INVALID_ARGUMENT, "option \"json-schema\": %s", e.what());
  }
}

// Keys WasmEdge's example guests put in their options for their own use
// ("llama3" picks their prompt template). WasmEdge ignores unknown keys; we
// reject them by name, except these.
constexpr const char* kGuestSideKeys[] = {"llama3"};
// WasmEdge options naming host files or models this backend does not run.
constexpr const char* kUnsupportedKeys[] = {"mmproj", "image", "tts", "model-vocoder"};

void applyOptions(Config& c, Options& o) {
  for (const char* key : kUnsupportedKeys)
    if (c.has(key))
      fail(WASMNN_NN_UNSUPPORTED_OPERATION, "option \"%s\": multimodal and speech models are not supported", key);
  for (const char* key : kGuestSideKeys)
    if (c.take<nlohmann::json>(key)) wasmnn_nn_log(WASMNN_NN_LOG_DEBUG, kName, "option \"%s\" ignored", key);

  o.ctxSize = atLeast<int64_t>(c, "ctx-size", o.ctxSize, 0);
  o.batchSize = atLeast<int64_t>(c, "batch-size", o.batchSize, 1);
  o.ubatchSize = atLeast<int64_t>(c, "ubatch-size", o.ubatchSize, 1);
  o.threads = atLeast<int64_t>(c, "threads", o.threads, 1);
  o.embedding = c.take<bool>("embedding", o.embedding);

  common_params_sampling& s = o.sampling;
  s.temp = nonNegative(c, "temp", s.temp);
  s.top_p = nonNegative(c, "top-p", s.top_p);
  s.min_p = nonNegative(c, "min-p", s.min_p);
  s.top_k = static_cast<int32_t>(c.take<int64_t>("top-k", s.top_k));
  s.penalty_repeat = nonNegative(c, "repeat-penalty", s.penalty_repeat);
  s.penalty_present = nonNegative(c, "presence-penalty", s.penalty_present);
  s.penalty_freq = nonNegative(c, "frequency-penalty", s.penalty_freq);
  s.penalty_last_n = static_cast<int32_t>(atLeast<int64_t>(c, "last-n-penalty", s.penalty_last_n, -1));
  s.seed = static_cast<uint32_t>(c.take<int64_t>("seed", s.seed));
  s.ignore_eos = c.take<bool>("ignore-eos", s.ignore_eos);
  if (auto grammar = c.take<std::string>("grammar"))
    s.grammar = grammar->empty() ? common_grammar() : common_grammar(COMMON_GRAMMAR_TYPE_USER, *grammar);
  if (auto schema = c.take<nlohmann::json>("json-schema"))
    s.grammar = common_grammar(COMMON_GRAMMAR_TYPE_OUTPUT_FORMAT, grammarFromSchema(*schema));

  o.nPredict = c.take<int64_t>("n-predict", o.nPredict);
  o.reversePrompt = c.take<std::string>("reverse-prompt", o.reversePrompt);
  o.streamStdout = c.take<bool>("stream-stdout", o.streamStdout);
  o.embdNormalize = c.take<int64_t>("embd-normalize", o.embdNormalize);
  o.nGpuLayers = c.take<int64_t>("n-gpu-layers", o.nGpuLayers);
  o.enableLog = c.take<bool>("enable-log", o.enableLog);
  o.enableDebugLog = c.take<bool>("enable-debug-log", o.enableDebugLog);
  c.finish();
}

// ---------------------------------------------------------------- models

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
using ModelPtr = std::shared_ptr<llama_model>;

ModelPtr checked(llama_model* model, const std::string& what) {
  if (!model)
    fail(WASMNN_NN_INVALID_ARGUMENT, "%s is not a model llama.cpp can load%s", what.c_str(), llamaReason().c_str());
  return ModelPtr(model, ModelDeleter{});
}

llama_model_params modelParams(bool mmap) {
  llama_model_params p = llama_model_default_params();
  p.n_gpu_layers = 0;
  p.load_mode = mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
  return p;
}

// Guest bytes: read through a memory stream, copied into llama.cpp's buffers.
ModelPtr loadFromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "GGUF", 4) != 0)
    fail(WASMNN_NN_INVALID_ARGUMENT, "builder 0 is not a GGUF file (%zu bytes, no GGUF magic)", bytes.size());
  FILE* stream = fmemopen(const_cast<uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (!stream) fail(WASMNN_NN_RUNTIME_ERROR, "cannot open a memory stream over the model bytes");
  llama_model* model = llama_model_load_from_file_ptr(stream, modelParams(false));
  std::fclose(stream);
  return checked(model, "the GGUF bytes");
}

// Preloaded files: mmapped once per process, shared by every graph.
class ModelCache {
 public:
  ModelPtr get(const std::string& path) {
    std::shared_ptr<Entry> entry;
    {
      std::lock_guard lock(mu_);
      auto& slot = entries_[path];
      if (!slot) slot = std::make_shared<Entry>();
      entry = slot;
    }
    std::lock_guard lock(entry->mu);  // a second loader waits for the first, not for other files
    if (ModelPtr model = entry->model.lock()) return model;
    ModelPtr model =
        checked(llama_model_load_from_file(path.c_str(), modelParams(true)), "preloaded file `" + path + "`");
    entry->model = model;
    return model;
  }

 private:
  struct Entry {
    std::mutex mu;
    std::weak_ptr<llama_model> model;
  };
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};
ModelCache modelCache;

// ---------------------------------------------------------------- llama.cpp objects

struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerDeleter {
  void operator()(common_sampler* s) const { common_sampler_free(s); }
};
struct BatchOwner {
  llama_batch batch{};
  explicit BatchOwner(int32_t n) : batch(llama_batch_init(n, 0, 1)) {}
  ~BatchOwner() { llama_batch_free(batch); }
  BatchOwner(const BatchOwner&) = delete;
  BatchOwner& operator=(const BatchOwner&) = delete;
};
using LlamaContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<common_sampler, SamplerDeleter>;

// common_sampler_init throws on a grammar it cannot parse.
SamplerPtr makeSampler(const llama_model* model, const Options& options) {
  common_params_sampling params = options.sampling;
  common_sampler* sampler = nullptr;
  try {
    sampler = common_sampler_init(model, params);
  } catch (const std::exception& e) {
    fail(WASMNN_NN_INVALID_ARGUMENT, "grammar rejected: %s%s", e.what(), llamaReason().c_str());
  }
  if (!sampler) fail(WASMNN_NN_INVALID_ARGUMENT, "sampler rejected%s", llamaReason().c_str());
  return SamplerPtr(sampler);
}

LlamaContextPtr makeContext(llama_model* model, const Options& o) {
  llama_context_params p = llama_context_default_params();
  p.n_ctx = static_cast<uint32_t>(std::min<int64_t>(o.ctxSize, std::numeric_limits<int32_t>::max()));
  p.n_batch = static_cast<uint32_t>(std::min<int64_t>(o.batchSize, std::numeric_limits<int32_t>::max()));
  // Pooled embeddings need the whole prompt in one physical batch.
  p.n_ubatch = o.embedding ? p.n_batch : static_cast<uint32_t>(std::min<int64_t>(o.ubatchSize, p.n_batch));
  p.n_threads = p.n_threads_batch = static_cast<int32_t>(std::min<int64_t>(o.threads, 512));
  p.embeddings = o.embedding;
  llama_context* ctx = llama_init_from_model(model, p);
  if (!ctx)
    fail(WASMNN_NN_RUNTIME_ERROR, "cannot create a llama.cpp context (ctx-size %" PRId64 ", batch-size %" PRId64 ")%s",
         o.ctxSize, o.batchSize, llamaReason().c_str());
  return LlamaContextPtr(ctx);
}

std::vector<llama_token> tokenize(const llama_vocab* vocab, std::string_view text) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() / 2))
    fail(WASMNN_NN_INVALID_ARGUMENT, "prompt of %zu bytes is too large to tokenize", text.size());
  const int32_t len = static_cast<int32_t>(text.size());
  std::vector<llama_token> tokens(text.size() + 2);
  int32_t n = llama_tokenize(vocab, text.data(), len, tokens.data(), static_cast<int32_t>(tokens.size()), true, true);
  if (n < 0) {  // more tokens than bytes + 2: -n is the count
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), len, tokens.data(), static_cast<int32_t>(tokens.size()), true, true);
  }
  if (n < 0) fail(WASMNN_NN_INVALID_ARGUMENT, "the prompt cannot be tokenized%s", llamaReason().c_str());
  tokens.resize(static_cast<size_t>(n));
  return tokens;
}

// The token's text as WasmEdge gives it: special tokens rendered.
std::string piece(const llama_vocab* vocab, llama_token token) {
  char small[64];
  int32_t n = llama_token_to_piece(vocab, token, small, sizeof small, 0, true);
  if (n >= 0) return std::string(small, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(-n), '\0');
  n = llama_token_to_piece(vocab, token, big.data(), -n, 0, true);
  big.resize(static_cast<size_t>(std::max(n, 0)));
  return big;
}

std::string versionText() {
  return std::string(WASMNN_LLAMACPP_RELEASE) + " (build " + llama_build_info() + ", ggml " + ggml_version() + ")";
}

}  // namespace

struct LlamaCppBackend {
  static constexpr const char* kName = ::kName;
  static constexpr wasmnn_nn_encoding kEncodings[] = {WASMNN_NN_ENCODING_GGML};
  // Metadata (input token count) is read before compute, and the text so far
  // after context_full, as WasmEdge's guests do.
  static constexpr bool kOutputsNeedCompute = false;

  static void init(wasmnn_nn_backend_info& info) {
    llama_log_set(forwardLog, nullptr);
    ggml_set_abort_callback(throwOnGgmlAbort);
    // The CPU kernels are separate libraries next to libggml (one per
    // instruction set); ggml loads the best one this CPU runs.
    Dl_info self{};
    if (!dladdr(reinterpret_cast<void*>(&ggml_backend_load_all_from_path), &self) || !self.dli_fname)
      fail(WASMNN_NN_RUNTIME_ERROR, "cannot locate libggml");
    std::string dir = std::filesystem::path(self.dli_fname).parent_path().string();
    ggml_backend_load_all_from_path(dir.c_str());
    if (!ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU))
      fail(WASMNN_NN_RUNTIME_ERROR, "no usable libggml-cpu-*.so in %s (this CPU runs none of them?)", dir.c_str());
    llama_backend_init();
    static const std::string version = versionText();
    info.framework_name = "llama.cpp";
    info.framework_version = version.c_str();
    info.target_mask = WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU);
  }

  class Graph {
   public:
    explicit Graph(const wasmnn::kit::LoadArgs& args) {
      args.expectBuilders(1, 2, "GGUF bytes [, JSON metadata]");
      if (args.builders.size() == 2) {  // WasmEdge: builder 1 holds options
        const wasmnn_nn_builder& meta = args.builders[1];
        Config metadata(reinterpret_cast<const char*>(meta.data), meta.size);
        applyOptions(metadata, options_);
      }
      applyOptions(args.config, options_);
      LogScope logs(options_.enableLog, options_.enableDebugLog);
      if (options_.nGpuLayers != 0)
        wasmnn_nn_log(WASMNN_NN_LOG_INFO, kName, "n-gpu-layers %" PRId64 " ignored: this build runs on the CPU",
                      options_.nGpuLayers);
      const wasmnn_nn_builder& model = args.builders[0];
      model_ = model.path ? modelCache.get(model.path) : loadFromBytes(wasmnn::kit::LoadArgs::bytes(model));
      makeSampler(model_.get(), options_);  // reject a bad grammar at load
    }

    llama_model* model() const { return model_.get(); }
    const Options& options() const { return options_; }

   private:
    Options options_;
    ModelPtr model_;
  };

  class Context {
   public:
    explicit Context(Graph& graph)
        : graph_(graph), vocab_(llama_model_get_vocab(graph.model())), options_(graph.options()) {
      LogScope logs(options_.enableLog, options_.enableDebugLog);
      rebuild(true, true);
    }

    void setInput(uint32_t index, const wasmnn::kit::Tensor& t) {
      LogScope logs(options_.enableLog, options_.enableDebugLog);
      if (index > 1)
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u: this backend takes input 0 (prompt) and 1 (options JSON)", index);
      if (t.type != WASMNN_NN_TYPE_U8)
        fail(WASMNN_NN_INVALID_ARGUMENT, "input %u: tensor type %s, expected u8 (UTF-8 text)", index, t.typeName());
      std::string_view text(reinterpret_cast<const char*>(t.data.data()), t.data.size());
      if (index == 1) return setOptions(text);
      prompt_ = tokenize(vocab_, text);
      clearSequence();
    }

    void compute() {
      LogScope logs(options_.enableLog, options_.enableDebugLog);
      clearSequence();
      if (options_.embedding) return embed();
      startSequence();
      for (int64_t left = options_.nPredict < 0 ? std::numeric_limits<int64_t>::max() : options_.nPredict; left > 0;
           --left)
        if (!next(false)) break;
    }

    Bytes output(uint32_t index) {
      if (index == 1) return wasmnn::kit::bytesOf(metadata());
      if (index == 2 && options_.embedding) return wasmnn::kit::bytesOf(std::span<const float>(embedding_));
      if (index != 0)
        fail(WASMNN_NN_INVALID_ARGUMENT, "output %u: this backend has output 0 (text), 1 (metadata JSON)%s", index,
             options_.embedding ? " and 2 (f32 embedding)" : "");
      return wasmnn::kit::bytesOf(std::string_view(text_));
    }

    void computeSingle() {
      LogScope logs(options_.enableLog, options_.enableDebugLog);
      if (options_.embedding)
        fail(WASMNN_NN_UNSUPPORTED_OPERATION, "compute_single: an embedding context has no tokens to stream");
      if (!streaming_) {
        clearSequence();
        startSequence();
        streaming_ = true;
      }
      bool more = false;
      try {
        more = next(true);
      } catch (...) {
        streaming_ = false;
        throw;
      }
      if (!more) {
        streaming_ = false;
        fail(WASMNN_NN_END_OF_SEQUENCE, "end of sequence after %zu token(s)", generated_.size());
      }
    }

    Bytes outputSingle(uint32_t index) {
      if (index == 1) return wasmnn::kit::bytesOf(metadata());
      if (index != 0)
        fail(WASMNN_NN_INVALID_ARGUMENT, "output %u: streaming has output 0 (token) and 1 (metadata)", index);
      return wasmnn::kit::bytesOf(std::string_view(lastPiece_));
    }

    void finiSingle() {
      clearSequence();
      common_sampler_reset(sampler_.get());
    }

   private:
    void rebuild(bool context, bool sampler) {
      if (context) {
        llama_.reset();
        llama_ = makeContext(graph_.model(), options_);
        batch_ = std::make_unique<BatchOwner>(static_cast<int32_t>(llama_n_batch(llama_.get())));
      }
      if (sampler) sampler_ = makeSampler(graph_.model(), options_);
    }

    // Input 1: options for this context, checked whole before any applies.
    void setOptions(std::string_view json) {
      Options updated = options_;
      Config config(json.data(), json.size());
      applyOptions(config, updated);
      bool context = !updated.sameContext(options_), sampler = !updated.sameSampler(options_);
      std::swap(options_, updated);
      try {
        rebuild(context, sampler);
      } catch (...) {
        std::swap(options_, updated);
        throw;
      }
    }

    void clearSequence() {
      streaming_ = false;
      generated_.clear();
      text_.clear();
      lastPiece_.clear();
      embedding_.clear();
      position_ = 0;
    }

    // WasmEdge's limits: the prompt must leave 4 tokens of the context free.
    void checkPrompt() const {
      if (prompt_.empty()) fail(WASMNN_NN_INVALID_ARGUMENT, "no prompt: set input 0 before compute");
      size_t window = llama_n_ctx(llama_.get());
      if (prompt_.size() + 4 > window)
        fail(WASMNN_NN_PROMPT_TOO_LONG, "the prompt has %zu tokens; this context (ctx-size %zu) takes at most %zu",
             prompt_.size(), window, window > 4 ? window - 4 : 0);
    }

    // Clears the KV cache and sampler, then evaluates the prompt.
    void startSequence() {
      checkPrompt();
      llama_memory_clear(llama_get_memory(llama_.get()), true);
      common_sampler_reset(sampler_.get());
      evaluate(prompt_);
    }

    // Decodes tokens at the current position, in batches, with logits for
    // the last one only.
    void evaluate(std::span<const llama_token> tokens) {
      const size_t window = llama_n_ctx(llama_.get());
      if (position_ + tokens.size() > window)
        fail(WASMNN_NN_CONTEXT_FULL, "the context is full (%zu tokens of %zu); raise ctx-size",
             position_ + tokens.size(), window);
      llama_batch& b = batch_->batch;
      const size_t step = llama_n_batch(llama_.get());
      for (size_t start = 0; start < tokens.size(); start += step) {
        size_t n = std::min(step, tokens.size() - start);
        for (size_t i = 0; i < n; ++i) {
          b.token[i] = tokens[start + i];
          b.pos[i] = static_cast<llama_pos>(position_ + i);
          b.n_seq_id[i] = 1;
          b.seq_id[i][0] = 0;
          b.logits[i] = options_.embedding || start + i + 1 == tokens.size();  // embeddings: llama.cpp outputs all
        }
        b.n_tokens = static_cast<int32_t>(n);
        int32_t status = llama_decode(llama_.get(), b);
        if (status != 0) fail(WASMNN_NN_RUNTIME_ERROR, "llama_decode failed (%d)%s", status, llamaReason().c_str());
        position_ += n;
      }
    }

    // Samples one token and appends it; false when generation ends (the end
    // token, or the reverse prompt outside streaming, as WasmEdge).
    bool next(bool streaming) {
      llama_token token = common_sampler_sample(sampler_.get(), llama_.get(), -1);
      common_sampler_accept(sampler_.get(), token, true);
      generated_.push_back(token);
      lastPiece_ = piece(vocab_, token);
      text_ += lastPiece_;
      if (!streaming) {
        if (options_.streamStdout) writeStdout(lastPiece_);
        if (!options_.reversePrompt.empty() && text_.find(options_.reversePrompt) != std::string::npos) return false;
      }
      if (!options_.sampling.ignore_eos && llama_vocab_is_eog(vocab_, token)) return false;
      evaluate(std::span<const llama_token>(&token, 1));
      return true;
    }

    // All of `text`, waiting for room when stdout does not block (an
    // embedder's stdio may not); only an error drops the rest. Under process
    // isolation stdout is a pipe the host copies to its own (protocol.h).
    static void writeStdout(std::string_view text) {
      while (!text.empty()) {
        ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
        if (n > 0) {
          text.remove_prefix(static_cast<size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          pollfd p{STDOUT_FILENO, POLLOUT, 0};
          ::poll(&p, 1, -1);
        } else if (!(n < 0 && errno == EINTR)) {
          return;
        }
      }
    }

    // Embedding mode (WasmEdge's getEmbedding): the prompt in one batch, the
    // sequence's pooled embedding (or the last token's), normalized.
    void embed() {
      if (prompt_.size() > llama_n_batch(llama_.get()))
        fail(WASMNN_NN_PROMPT_TOO_LONG, "the prompt has %zu tokens; embedding takes at most batch-size (%u)",
             prompt_.size(), llama_n_batch(llama_.get()));
      startSequence();
      const float* raw = llama_get_embeddings_seq(llama_.get(), 0);
      if (!raw) raw = llama_get_embeddings_ith(llama_.get(), -1);
      if (!raw) fail(WASMNN_NN_RUNTIME_ERROR, "llama.cpp returned no embedding%s", llamaReason().c_str());
      const int32_t n = llama_model_n_embd(graph_.model());
      embedding_.assign(static_cast<size_t>(n), 0.0f);
      common_embd_normalize(raw, embedding_.data(), n, static_cast<int32_t>(options_.embdNormalize));
      text_.assign("{\"n_embedding\": ").append(std::to_string(n)).append(", \"embedding\": [");
      char number[32];
      for (int32_t i = 0; i < n; ++i) {
        if (i) text_ += ',';
        std::snprintf(number, sizeof number, "%.9g", static_cast<double>(embedding_[static_cast<size_t>(i)]));
        text_ += number;  // 9 significant digits: every f32 reads back exactly
      }
      text_ += "]}";
    }

    // WasmEdge's metadata output, same keys and layout.
    const std::string& metadata() {
      metadata_.assign("{\"input_tokens\": ").append(std::to_string(prompt_.size()));
      metadata_.append(", \"output_tokens\": ").append(std::to_string(generated_.size()));
      metadata_.append(", \"llama_build_number\": ").append(std::to_string(llama_build_number()));
      metadata_.append(", \"llama_commit\": \"").append(llama_commit()).append("\"}");
      return metadata_;
    }

    const Graph& graph_;
    const llama_vocab* vocab_;
    Options options_;  // the graph's, changed by input 1
    LlamaContextPtr llama_;
    std::unique_ptr<BatchOwner> batch_;
    SamplerPtr sampler_;
    std::vector<llama_token> prompt_, generated_;
    std::string text_, lastPiece_, metadata_;
    std::vector<float> embedding_;
    size_t position_ = 0;  // next KV position
    bool streaming_ = false;
  };
};

WASMNN_KIT_BACKEND(LlamaCppBackend)
