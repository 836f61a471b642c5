/*
 * llm — an LLM guest in the style of WasmEdge's GGML examples (the Rust
 * wasmedge-wasi-nn crate's calls, one mode per example), for any host that
 * serves WASI-NN's ggml encoding with WasmEdge's extensions.
 *
 *   llm [--hex] [--save FILE] [--input1 JSON] [--dims-one] MODE MODEL PROMPT [OPTIONS_JSON]
 *     MODE      chat             set_input, metadata, compute, output, metadata ("llama")
 *               stream           compute_single / get_output_single until the end (or "n-predict"
 *                                tokens: the host's compute_single does not count), fini_single ("llama-stream")
 *               embedding        compute with "embedding": true, the JSON output and the raw f32 output 2
 *               unload           load, compute and unload five times ("test/unload")
 *               set-input-twice  the prompt set twice gives the same input token count ("test/set-input-twice")
 *               model-not-found  load_by_name must fail with model_not_found ("test/model-not-found")
 *               bench            time, with the guest's clock, the first streamed token and the
 *                                tokens after it (up to "n-predict"), then one compute of the same
 *     MODEL     NAME of a model the host preloaded (--nn-preload NAME:GGML:AUTO:FILE), or
 *               @FILE: GGUF bytes read through a WASI preopen, loaded with the options as builder 1
 *     OPTIONS   JSON options (WasmEdge's keys), default {"ctx-size": 1024, "n-gpu-layers": 0}
 *     --hex     print texts as hex (exact bytes, for tests) instead of as text
 *     --save    chat: also write the generated text to FILE (through a WASI preopen)
 *     --input1  set JSON as input 1 before the prompt: options for this context
 *               (WasmEdge's set_metadata_to_context)
 *     --dims-one  send texts as u8 tensors of dimensions [1] whatever their length, as
 *               WasmEdge's prebuilt example guests (built before June 2025) do
 * Outputs are read with WasmEdge's fixed buffers (4096 tokens x 6 bytes).
 */
#include <time.h>

#include "nn_util.h"

#define MAX_OUTPUT (4096 * 6)

static int hex_mode = 0;
static const char* save_path = NULL;
static const char* input1 = NULL;
static int dims_one = 0;
static char output[MAX_OUTPUT + 1];

static int fail(const char* what, wasi_nn_error err) {
  printf("error: %s: %s\n", what, wasi_nn_error_name(err));
  return 1;
}

static void print_text(const char* label, const char* text, uint32_t len) {
  printf("%s: ", label);
  if (hex_mode)
    for (uint32_t i = 0; i < len; ++i) printf("%02x", (unsigned char)text[i]);
  else
    fwrite(text, 1, len, stdout);
  printf("\n");
}

/* Output `index` into the shared buffer, NUL-terminated; its length in *len. */
static wasi_nn_error read_output(wasi_nn_context ctx, uint32_t index, int single, uint32_t* len) {
  wasi_nn_error err = single ? wasi_nn_get_output_single(ctx, index, output, MAX_OUTPUT, len)
                             : wasi_nn_get_output(ctx, index, output, MAX_OUTPUT, len);
  output[err ? 0 : *len] = '\0';
  return err;
}

static int print_metadata(wasi_nn_context ctx, const char* label) {
  uint32_t len = 0;
  wasi_nn_error err = read_output(ctx, 1, 0, &len);
  if (err) return fail("get_output(1)", err);
  printf("%s: %s\n", label, output);
  return 0;
}

/* A number field of a flat JSON object ("key": 12); -1 when missing. */
static long json_number(const char* json, const char* key) {
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\":", key);
  const char* at = strstr(json, quoted);
  return at ? strtol(at + strlen(quoted), NULL, 10) : -1;
}

/* Input `index` = `text`, dimensions [its length] (or [1] with --dims-one). */
static wasi_nn_error set_text(wasi_nn_context ctx, uint32_t index, const char* text) {
  uint32_t len = (uint32_t)strlen(text);
  if (!dims_one) return wasi_nn_set_input_text(ctx, index, text, len);
  uint32_t dims[1] = {1};
  wasi_nn_tensor tensor = {dims, 1, WASI_NN_TYPE_U8, text, len};
  return wasi_nn_set_input(ctx, index, &tensor);
}

static wasi_nn_error load(const char* model, const char* options, wasi_nn_graph* graph) {
  if (model[0] != '@') return wasi_nn_load_by_name_with_config(model, strlen(model), options, strlen(options), graph);
  uint32_t size = 0;
  uint8_t* bytes = nn_read_file(model + 1, &size);
  if (!bytes) return WASI_NN_NOT_FOUND;
  wasi_nn_graph_builder builders[2] = {{bytes, size}, {(const uint8_t*)options, (uint32_t)strlen(options)}};
  wasi_nn_error err = wasi_nn_load(builders, 2, WASI_NN_ENCODING_GGML, WASI_NN_TARGET_AUTO, graph);
  free(bytes);
  return err;
}

static wasi_nn_error start(const char* model, const char* options, const char* prompt, wasi_nn_graph* graph,
                           wasi_nn_context* ctx) {
  wasi_nn_error err = load(model, options, graph);
  if (err) return err;
  if ((err = wasi_nn_init_execution_context(*graph, ctx))) return err;
  if (input1 && (err = set_text(*ctx, 1, input1))) return err;
  return set_text(*ctx, 0, prompt);
}

/* compute, reporting WasmEdge's LLM conditions as its examples do. */
static int run_compute(wasi_nn_context ctx) {
  wasi_nn_error err = wasi_nn_compute(ctx);
  if (err == WASI_NN_CONTEXT_FULL || err == WASI_NN_PROMPT_TOO_LONG)
    printf("info: compute: %s\n", wasi_nn_error_name(err));
  else if (err)
    return fail("compute", err);
  return 0;
}

static int chat(const char* model, const char* prompt, const char* options) {
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  uint32_t len = 0;
  wasi_nn_error err = start(model, options, prompt, &graph, &ctx);
  if (err) return fail("load/init/set_input", err);
  if (print_metadata(ctx, "input-metadata") || run_compute(ctx)) return 1;
  if ((err = read_output(ctx, 0, 0, &len))) return fail("get_output(0)", err);
  print_text("output", output, len);
  if (save_path && !nn_write_file(save_path, output, len)) return 1;
  return print_metadata(ctx, "metadata");
}

static int stream(const char* model, const char* prompt, const char* options) {
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  uint32_t len = 0;
  wasi_nn_error err = start(model, options, prompt, &graph, &ctx);
  if (err) return fail("load/init/set_input", err);
  long limit = json_number(options, "n-predict");
  for (long n = 0; (limit < 0 || n < limit) && (err = wasi_nn_compute_single(ctx)) == WASI_NN_SUCCESS; ++n) {
    wasi_nn_error got = read_output(ctx, 0, 1, &len);
    if (got) return fail("get_output_single", got);
    print_text("token", output, len);
    fflush(stdout);
  }
  printf("stream-end: %s\n", wasi_nn_error_name(err));
  if (err && err != WASI_NN_END_OF_SEQUENCE && err != WASI_NN_CONTEXT_FULL && err != WASI_NN_PROMPT_TOO_LONG) return 1;
  if (print_metadata(ctx, "metadata")) return 1;
  if ((err = wasi_nn_fini_single(ctx))) return fail("fini_single", err);
  return 0;
}

static int embedding(const char* model, const char* prompt, const char* options) {
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  uint32_t len = 0;
  wasi_nn_error err = start(model, options, prompt, &graph, &ctx);
  if (err) return fail("load/init/set_input", err);
  if ((err = wasi_nn_compute(ctx))) return fail("compute", err);
  if ((err = read_output(ctx, 0, 0, &len))) return fail("get_output(0)", err);
  printf("embedding-json: %s\n", output);
  if ((err = read_output(ctx, 2, 0, &len))) return fail("get_output(2)", err);
  hex_mode = 1;
  print_text("embedding-f32", output, len);
  return 0;
}

static int unload(const char* model, const char* prompt, const char* options) {
  for (int i = 0; i < 5; ++i) {
    wasi_nn_graph graph;
    wasi_nn_context ctx;
    uint32_t len = 0;
    wasi_nn_error err = start(model, options, prompt, &graph, &ctx);
    if (err) return fail("load/init/set_input", err);
    if (run_compute(ctx)) return 1;
    if ((err = read_output(ctx, 0, 0, &len))) return fail("get_output(0)", err);
    printf("test %d: graph %u\n", i, graph);
    print_text("output", output, len);
    if ((err = wasi_nn_unload(graph))) return fail("unload", err);
  }
  return 0;
}

static int set_input_twice(const char* model, const char* prompt, const char* options) {
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  uint32_t len = 0;
  wasi_nn_error err = start(model, options, prompt, &graph, &ctx);
  if (err) return fail("load/init/set_input", err);
  if ((err = read_output(ctx, 1, 0, &len))) return fail("get_output(1)", err);
  long before = json_number(output, "input_tokens");
  if ((err = set_text(ctx, 0, prompt))) return fail("set_input", err);
  if ((err = read_output(ctx, 1, 0, &len))) return fail("get_output(1)", err);
  long after = json_number(output, "input_tokens");
  printf("input_tokens: %ld then %ld\n", before, after);
  return before >= 0 && before == after ? 0 : 1;
}

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Streaming and compute timed by the guest (prompt tokenized at set_input,
 * outside the timing): time to the first token, tokens per second after it,
 * and the whole compute of the same tokens. */
static int bench(const char* model, const char* prompt, const char* options) {
  wasi_nn_graph graph;
  wasi_nn_context ctx;
  wasi_nn_error err = start(model, options, prompt, &graph, &ctx);
  if (err) return fail("load/init/set_input", err);
  long limit = json_number(options, "n-predict");
  double t0 = seconds(), first = 0;
  int tokens = 0;
  while ((limit < 0 || tokens < limit) && (err = wasi_nn_compute_single(ctx)) == WASI_NN_SUCCESS) {
    uint32_t len = 0;
    wasi_nn_error got = read_output(ctx, 0, 1, &len);
    if (got) return fail("get_output_single", got);
    if (++tokens == 1) first = seconds();
  }
  double end = seconds();
  if (err != WASI_NN_SUCCESS && err != WASI_NN_END_OF_SEQUENCE && err != WASI_NN_CONTEXT_FULL)
    return fail("compute_single", err);
  if ((err = wasi_nn_fini_single(ctx))) return fail("fini_single", err);
  double c0 = seconds();
  if (run_compute(ctx)) return 1;
  double c1 = seconds();
  uint32_t len = 0;
  if ((err = read_output(ctx, 1, 0, &len))) return fail("get_output(1)", err);
  printf("bench: first token %.3f ms, %d tokens, %.2f tokens/s after the first, compute %.3f ms\n", (first - t0) * 1e3,
         tokens, tokens > 1 ? (tokens - 1) / (end - first) : 0.0, (c1 - c0) * 1e3);
  printf("metadata: %s\n", output);
  return 0;
}

static int model_not_found(const char* model) {
  wasi_nn_graph graph;
  wasi_nn_error err = wasi_nn_load_by_name(model, strlen(model), &graph);
  if (err != WASI_NN_MODEL_NOT_FOUND) return fail("load_by_name (expected model_not_found)", err);
  printf("Model not found\n");
  return 0;
}

int main(int argc, char** argv) {
  int arg = 1;
  for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; ++arg) {
    if (strcmp(argv[arg], "--hex") == 0)
      hex_mode = 1;
    else if (strcmp(argv[arg], "--save") == 0 && arg + 1 < argc)
      save_path = argv[++arg];
    else if (strcmp(argv[arg], "--input1") == 0 && arg + 1 < argc)
      input1 = argv[++arg];
    else if (strcmp(argv[arg], "--dims-one") == 0)
      dims_one = 1;
    else
      break;
  }
  if (argc - arg < 2) {
    fprintf(stderr,
            "usage: llm [--hex] [--save FILE] [--input1 JSON] [--dims-one] MODE MODEL [PROMPT [OPTIONS_JSON]]\n");
    return 2;
  }
  const char* mode = argv[arg];
  const char* model = argv[arg + 1];
  const char* prompt = argc - arg > 2 ? argv[arg + 2] : "";
  const char* options = argc - arg > 3 ? argv[arg + 3] : "{\"ctx-size\": 1024, \"n-gpu-layers\": 0}";
  if (strcmp(mode, "chat") == 0) return chat(model, prompt, options);
  if (strcmp(mode, "stream") == 0) return stream(model, prompt, options);
  if (strcmp(mode, "embedding") == 0) return embedding(model, prompt, options);
  if (strcmp(mode, "unload") == 0) return unload(model, prompt, options);
  if (strcmp(mode, "set-input-twice") == 0) return set_input_twice(model, prompt, options);
  if (strcmp(mode, "model-not-found") == 0) return model_not_found(model);
  if (strcmp(mode, "bench") == 0) return bench(model, prompt, options);
  fprintf(stderr, "llm: unknown mode %s\n", mode);
  return 2;
}
