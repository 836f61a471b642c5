// llama.cpp run natively, the truth the backend's tests and benchmark compare
// guests against: greedy generation the way llama.cpp's own examples loop
// (decode the prompt, sample the argmax, stop at an end token, decode the
// token), a grammar-constrained variant, and embeddings.
#pragma once

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/common.h"
#include "common/json-schema-to-grammar.h"
#include "ggml-backend.h"
#include "llama.h"

namespace wasmnn::test::llama {

// ggml's CPU kernels are libraries next to libggml; load them once.
inline void initOnce(const std::string& libDir) {
  static bool done = [&] {
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    ggml_backend_load_all_from_path(libDir.c_str());
    llama_backend_init();
    return true;
  }();
  (void)done;
}

struct ModelFree {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextFree {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerFree {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using Model = std::unique_ptr<llama_model, ModelFree>;
using Context = std::unique_ptr<llama_context, ContextFree>;
using Sampler = std::unique_ptr<llama_sampler, SamplerFree>;

inline Model loadModel(const std::filesystem::path& path) {
  llama_model_params p = llama_model_default_params();
  p.n_gpu_layers = 0;
  Model m(llama_model_load_from_file(path.c_str(), p));
  if (!m) throw std::runtime_error("llama.cpp cannot load " + path.string());
  return m;
}

inline Context newContext(llama_model* model, uint32_t nCtx, int threads, bool embeddings = false) {
  llama_context_params p = llama_context_default_params();
  p.n_ctx = nCtx;
  p.n_threads = p.n_threads_batch = threads;
  p.embeddings = embeddings;
  if (embeddings) p.n_ubatch = p.n_batch;
  Context c(llama_init_from_model(model, p));
  if (!c) throw std::runtime_error("llama.cpp cannot create a context");
  return c;
}

inline std::vector<llama_token> tokenize(const llama_model* model, const std::string& text) {
  const llama_vocab* vocab = llama_model_get_vocab(model);
  int n = -llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), nullptr, 0, true, true);
  std::vector<llama_token> tokens(static_cast<size_t>(n));
  llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(), n, true, true);
  return tokens;
}

inline std::string piece(const llama_model* model, llama_token token) {
  char buf[256];
  int n = llama_token_to_piece(llama_model_get_vocab(model), token, buf, sizeof buf, 0, true);
  return std::string(buf, static_cast<size_t>(n > 0 ? n : 0));
}

struct Generation {
  size_t promptTokens = 0;
  std::vector<llama_token> tokens;  // as sampled, the end token included
  std::vector<std::string> pieces;
  bool endToken = false;     // stopped on an end-of-generation token
  bool contextFull = false;  // stopped because the last token found no room
  double firstTokenSeconds = 0, seconds = 0;

  std::string text() const {
    std::string out;
    for (const std::string& p : pieces) out += p;
    return out;
  }
};

// Greedy generation of at most nPredict tokens (< 0: no limit), optionally
// constrained by a GBNF grammar.
inline Generation greedy(llama_model* model, const std::string& prompt, uint32_t nCtx, int nPredict,
                         const std::string& grammar = "", int threads = 1) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  Context ctx = newContext(model, nCtx, threads);
  const llama_vocab* vocab = llama_model_get_vocab(model);
  Sampler chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  if (!grammar.empty())
    llama_sampler_chain_add(chain.get(), llama_sampler_init_grammar(vocab, grammar.c_str(), "root"));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
  Generation g;
  std::vector<llama_token> tokens = tokenize(model, prompt);
  g.promptTokens = tokens.size();
  if (llama_decode(ctx.get(), llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()))))
    throw std::runtime_error("llama_decode failed on the prompt");
  size_t position = tokens.size();
  const size_t window = llama_n_ctx(ctx.get());
  for (int i = 0; nPredict < 0 || i < nPredict; ++i) {
    llama_token token = llama_sampler_sample(chain.get(), ctx.get(), -1);
    if (i == 0) g.firstTokenSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    g.tokens.push_back(token);
    g.pieces.push_back(piece(model, token));
    if (llama_vocab_is_eog(vocab, token)) {
      g.endToken = true;
      break;
    }
    if (position + 1 > window) {
      g.contextFull = true;
      break;
    }
    if (llama_decode(ctx.get(), llama_batch_get_one(&token, 1))) throw std::runtime_error("llama_decode failed");
    ++position;
  }
  g.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return g;
}

inline std::string grammarFromJsonSchema(const std::string& schema) {
  return json_schema_to_grammar(common_json::parse(schema));
}

// The prompt's embedding as llama.cpp's embedding example takes it: the
// sequence's pooled vector (or the last token's), euclidean-normalized.
inline std::vector<float> embedding(llama_model* model, const std::string& prompt) {
  Context ctx = newContext(model, 0, 1, true);
  std::vector<llama_token> tokens = tokenize(model, prompt);
  if (llama_decode(ctx.get(), llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()))))
    throw std::runtime_error("llama_decode failed on the prompt");
  const float* raw = llama_get_embeddings_seq(ctx.get(), 0);
  if (!raw) raw = llama_get_embeddings_ith(ctx.get(), -1);
  if (!raw) throw std::runtime_error("no embedding");
  std::vector<float> out(static_cast<size_t>(llama_model_n_embd(model)));
  common_embd_normalize(raw, out.data(), static_cast<int>(out.size()), 2);
  return out;
}

}  // namespace wasmnn::test::llama
