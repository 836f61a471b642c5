// LLM generation benchmark (not a test): llama.cpp natively against a wasm
// guest (llm.wasm bench) through wasmnn and the llamacpp backend, on the same
// generated model, prompt, sampler settings (llama.cpp's common sampler,
// temp 0) and thread count, runs interleaved in one process run.
//
//   llm_bench [--runs N] [--tokens N] [--threads N]
//
// Both sides time the same span with their own clock: from the start of the
// prompt's evaluation (the prompt is tokenized before) to the first token,
// then the tokens after it, then the whole generation as one compute.
// Prints one row per measure (first_token_ms: the prompt and the first token;
// tokens_per_s: the tokens after the first; compute_ms: one compute of all
// of them): medians [min-max] of both sides and of the runs' guest / native
// ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/sampling.h"
#include "native.h"

namespace {

namespace native = wasmnn::test::llama;
using Clock = std::chrono::steady_clock;

const std::string kPrompt =
    "Once upon a time, a llama and an alpaca walked along the river to the old house on the hill";
const uint32_t kContext = 512;

struct Sample {
  double firstMs = 0, tokensPerSecond = 0, computeMs = 0;
  int tokens = 0;
};

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What the backend does per token, natively: llama.cpp's common sampler
// (temp 0), the token's text, one decode.
struct Generator {
  llama_model* model;
  int threads;

  struct Timed {
    int tokens = 0;
    double first = 0, total = 0;  // seconds from the prompt's evaluation
  };

  Timed generate(int limit) {
    native::Context ctx = native::newContext(model, kContext, threads);
    common_params_sampling params;
    params.temp = 0;
    std::unique_ptr<common_sampler, void (*)(common_sampler*)> sampler(common_sampler_init(model, params),
                                                                       common_sampler_free);
    std::vector<llama_token> prompt = native::tokenize(model, kPrompt);
    const llama_vocab* vocab = llama_model_get_vocab(model);
    Timed t;
    auto t0 = Clock::now();
    if (llama_decode(ctx.get(), llama_batch_get_one(prompt.data(), static_cast<int32_t>(prompt.size()))))
      throw std::runtime_error("llama_decode failed on the prompt");
    std::string text;
    while (t.tokens < limit) {
      llama_token token = common_sampler_sample(sampler.get(), ctx.get(), -1);
      common_sampler_accept(sampler.get(), token, true);
      text += native::piece(model, token);
      if (++t.tokens == 1) t.first = since(t0);
      if (llama_vocab_is_eog(vocab, token)) break;
      if (llama_decode(ctx.get(), llama_batch_get_one(&token, 1))) throw std::runtime_error("llama_decode failed");
    }
    t.total = since(t0);
    return t;
  }

  // As the guest: a streamed generation, then the same as one compute.
  Sample run(int limit) {
    Timed streamed = generate(limit), computed = generate(limit);
    Sample s;
    s.tokens = streamed.tokens;
    s.firstMs = streamed.first * 1e3;
    s.tokensPerSecond = s.tokens > 1 ? (s.tokens - 1) / (streamed.total - streamed.first) : 0;
    s.computeMs = computed.total * 1e3;
    return s;
  }
};

Sample guest(int limit, int threads) {
  std::string options = "{\"temp\": 0, \"threads\": " + std::to_string(threads) +
                        ", \"n-predict\": " + std::to_string(limit) + ", \"ctx-size\": " + std::to_string(kContext) +
                        "}";
  std::string cmd = std::string("'") + WASMNN_CLI + "' run --nn-preload=default:GGML:AUTO:" + LLM_BENCH_MODEL + " '" +
                    LLM_WASM + "' bench default '" + kPrompt + "' '" + options + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot start " + cmd);
  Sample s;
  bool found = false;
  char line[512];
  while (std::fgets(line, sizeof line, p))
    found |= std::sscanf(line, "bench: first token %lf ms, %d tokens, %lf tokens/s after the first, compute %lf ms",
                         &s.firstMs, &s.tokens, &s.tokensPerSecond, &s.computeMs) == 4;
  if (pclose(p) != 0 || !found) throw std::runtime_error("guest run failed: " + cmd);
  return s;
}

struct Spread {
  double median, min, max;
};
Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

// The ratio is the median of the runs' own guest/native ratios: each pair ran
// back to back, so load that drifts over the run cancels out.
void row(const char* what, const std::vector<Sample>& n, const std::vector<Sample>& g, double Sample::*field) {
  std::vector<double> a, b, ratios;
  for (size_t i = 0; i < n.size(); ++i) {
    a.push_back(n[i].*field);
    b.push_back(g[i].*field);
    ratios.push_back(g[i].*field / n[i].*field);
  }
  Spread x = spread(a), y = spread(b), r = spread(ratios);
  std::printf("%-22s %10.2f [%.2f-%.2f] %10.2f [%.2f-%.2f] %8.3f [%.3f-%.3f]\n", what, x.median, x.min, x.max, y.median,
              y.min, y.max, r.median, r.min, r.max);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5, tokens = 128, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    int v = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--runs")) runs = v;
    if (!std::strcmp(argv[i], "--tokens")) tokens = v;
    if (!std::strcmp(argv[i], "--threads")) threads = v;
  }
  try {
    native::initOnce(LLAMACPP_LIB_DIR);
    native::Model model = native::loadModel(LLM_BENCH_MODEL);
    Generator gen{model.get(), threads};
    std::vector<Sample> n, g;
    gen.run(8);  // warm-up: pages of the model, CPU kernels
    guest(8, threads);
    for (int r = 0; r < runs; ++r) {
      n.push_back(gen.run(tokens));
      g.push_back(guest(tokens, threads));
    }
    std::printf(
        "LLM generation: llama.cpp natively vs llm.wasm through wasmnn (27 MB f16 4-layer model, %d tokens, "
        "%d thread(s), %d interleaved runs)\n",
        n.front().tokens, threads, runs);
    std::printf("%-22s %26s %26s %8s\n", "", "llama.cpp native", "guest via wasmnn", "ratio (paired runs)");
    row("first_token_ms", n, g, &Sample::firstMs);
    row("tokens_per_s", n, g, &Sample::tokensPerSecond);
    row("compute_ms", n, g, &Sample::computeMs);
    if (n.front().tokens != g.front().tokens) std::printf("warning: token counts differ\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llm_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
