/*
 * Test guest for the WASI-NN host, run against the fake backend
 * (test/nn/fake_backend: output = input * scale + bias for f32).
 *   nn_probe SCENARIO [ARG]     (or the environment variable NN_SCENARIO)
 * Each scenario checks the exact errno of every call and exits 0 when all
 * match, 1 otherwise (printing what differed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmnn_nn.h"

static int failures = 0;

#define EXPECT_ERR(call, want)                                                                               \
  do {                                                                                                       \
    wasi_nn_error got_ = (call);                                                                             \
    if (got_ != (want)) {                                                                                    \
      printf("FAIL line %d: %s -> %s (%d), want %s\n", __LINE__, #call, wasi_nn_error_name(got_), (int)got_, \
             wasi_nn_error_name(want));                                                                      \
      ++failures;                                                                                            \
    }                                                                                                        \
  } while (0)

#define EXPECT_TRUE(cond)                            \
  do {                                               \
    if (!(cond)) {                                   \
      printf("FAIL line %d: %s\n", __LINE__, #cond); \
      ++failures;                                    \
    }                                                \
  } while (0)

/* The fake backend's model: magic, f32 scale, f32 bias, u32 delay_ms. */
static uint8_t model[20];
static void make_model(float scale, float bias) {
  uint32_t delay = 0;
  memcpy(model, "WNNFAKE1", 8);
  memcpy(model + 8, &scale, 4);
  memcpy(model + 12, &bias, 4);
  memcpy(model + 16, &delay, 4);
}

static uint32_t memory_end(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }

static wasi_nn_context context_for_bytes(float scale, float bias, wasi_nn_graph* graph_out) {
  make_model(scale, bias);
  wasi_nn_graph_builder b = {model, sizeof model};
  wasi_nn_graph g = 0;
  wasi_nn_context c = 0;
  EXPECT_ERR(wasi_nn_load(&b, 1, WASI_NN_ENCODING_TENSORFLOW, WASI_NN_TARGET_CPU, &g), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_init_execution_context(g, &c), WASI_NN_SUCCESS);
  if (graph_out) *graph_out = g;
  return c;
}

static const uint32_t dims4[1] = {4};
static const float input4[4] = {1.0f, -2.0f, 0.5f, 100.0f};

static void run_affine(wasi_nn_context c, float scale, float bias) {
  wasi_nn_tensor t = {dims4, 1, WASI_NN_TYPE_F32, input4, sizeof input4};
  EXPECT_ERR(wasi_nn_set_input(c, 0, &t), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_compute(c), WASI_NN_SUCCESS);
  float out[4] = {0};
  uint32_t written = 0;
  EXPECT_ERR(wasi_nn_get_output(c, 0, out, sizeof out, &written), WASI_NN_SUCCESS);
  EXPECT_TRUE(written == sizeof out);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(out[i] == input4[i] * scale + bias);
}

static void ephemeral_roundtrip(void) {
  wasi_nn_graph g;
  wasi_nn_context c = context_for_bytes(2.0f, 0.5f, &g);
  run_affine(c, 2.0f, 0.5f);
  EXPECT_ERR(wasi_nn_finalize_execution_context(c), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_unload(g), WASI_NN_SUCCESS);
}

static void legacy_roundtrip(void) {
  make_model(3.0f, -1.0f);
  wasi_nn_graph_builder b = {model, sizeof model};
  wasi_nn_legacy_builder_array array = {&b, 1};
  wasi_nn_graph g;
  wasi_nn_context c;
  EXPECT_ERR(wasi_nn_legacy_load(&array, WASI_NN_ENCODING_TENSORFLOW, WASI_NN_TARGET_CPU, &g), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_legacy_init_execution_context(g, &c), WASI_NN_SUCCESS);
  wasi_nn_legacy_dims d = {dims4, 1};
  wasi_nn_legacy_tensor t = {&d, WASI_NN_LEGACY_F32, input4};
  EXPECT_ERR(wasi_nn_legacy_set_input(c, 0, &t), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_legacy_compute(c), WASI_NN_SUCCESS);
  float out[4] = {0};
  uint32_t units = 2; /* f32 elements: too small */
  EXPECT_ERR(wasi_nn_legacy_get_output(c, 0, out, &units), WASI_NN_TOO_LARGE);
  EXPECT_TRUE(units == 4);
  EXPECT_ERR(wasi_nn_legacy_get_output(c, 0, out, &units), WASI_NN_SUCCESS);
  EXPECT_TRUE(units == 4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(out[i] == input4[i] * 3.0f - 1.0f);
}

/* Needs --nn-preload fake:tensorflow:cpu:<model with scale 2, bias 0.5>. */
static void by_name(void) {
  wasi_nn_graph g;
  wasi_nn_context c;
  EXPECT_ERR(wasi_nn_load_by_name("fake", 4, &g), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_init_execution_context(g, &c), WASI_NN_SUCCESS);
  run_affine(c, 2.0f, 0.5f);
  const char* cfg = "{\"bias\": 10}";
  EXPECT_ERR(wasi_nn_load_by_name_with_config("fake", 4, cfg, (uint32_t)strlen(cfg), &g), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_init_execution_context(g, &c), WASI_NN_SUCCESS);
  run_affine(c, 2.0f, 10.0f);
  EXPECT_ERR(wasi_nn_legacy_load_by_name("fake", 4, &g), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_load_by_name("nope", 4, &g), WASI_NN_NOT_FOUND);
}

static void stream(void) {
  wasi_nn_context c = context_for_bytes(1.0f, 0.0f, NULL);
  const uint32_t d[1] = {5};
  wasi_nn_tensor t = {d, 1, WASI_NN_TYPE_U8, "token", 5};
  EXPECT_ERR(wasi_nn_set_input(c, 0, &t), WASI_NN_SUCCESS);
  char text[8] = {0};
  uint32_t n = 0, len = 0;
  wasi_nn_error err;
  while ((err = wasi_nn_compute_single(c)) == WASI_NN_SUCCESS && len < 6) {
    EXPECT_ERR(wasi_nn_get_output_single(c, 0, text + len, 1, &n), WASI_NN_SUCCESS);
    len += n;
  }
  EXPECT_ERR(err, WASI_NN_END_OF_SEQUENCE);
  EXPECT_TRUE(len == 5 && memcmp(text, "token", 5) == 0);
  EXPECT_ERR(wasi_nn_fini_single(c), WASI_NN_SUCCESS);
}

static void oob_pointer(void) {
  uint32_t end = memory_end();
  wasi_nn_graph g;
  EXPECT_ERR(wasi_nn_load((const wasi_nn_graph_builder*)(uintptr_t)(end - 4), 1, WASI_NN_ENCODING_TENSORFLOW, 0, &g),
             WASI_NN_INVALID_ARGUMENT);
  make_model(1, 0);
  wasi_nn_graph_builder wraps = {(const uint8_t*)(uintptr_t)0xFFFFFFF0u, 0x20};
  EXPECT_ERR(wasi_nn_load(&wraps, 1, WASI_NN_ENCODING_TENSORFLOW, 0, &g), WASI_NN_INVALID_ARGUMENT);
  wasi_nn_graph_builder ok = {model, sizeof model};
  EXPECT_ERR(wasi_nn_load(&ok, 1, WASI_NN_ENCODING_TENSORFLOW, 0, (wasi_nn_graph*)(uintptr_t)(end - 2)),
             WASI_NN_INVALID_ARGUMENT);
  wasi_nn_context c = context_for_bytes(1, 0, NULL);
  EXPECT_ERR(wasi_nn_set_input(c, 0, (const wasi_nn_tensor*)(uintptr_t)(end - 19)), WASI_NN_INVALID_ARGUMENT);
  wasi_nn_tensor far = {dims4, 1, WASI_NN_TYPE_F32, (const void*)(uintptr_t)(end - 8), 16};
  EXPECT_ERR(wasi_nn_set_input(c, 0, &far), WASI_NN_INVALID_ARGUMENT);
  run_affine(c, 1, 0);
  uint32_t written;
  EXPECT_ERR(wasi_nn_get_output(c, 0, (void*)(uintptr_t)(end - 8), 16, &written), WASI_NN_INVALID_ARGUMENT);
  float out[4];
  EXPECT_ERR(wasi_nn_get_output(c, 0, out, sizeof out, (uint32_t*)(uintptr_t)end), WASI_NN_INVALID_ARGUMENT);
}

static void rank_overflow(void) {
  wasi_nn_context c = context_for_bytes(1, 0, NULL);
  static uint32_t many[17];
  for (int i = 0; i < 17; ++i) many[i] = 1;
  wasi_nn_tensor t = {many, 17, WASI_NN_TYPE_F32, input4, 4};
  EXPECT_ERR(wasi_nn_set_input(c, 0, &t), WASI_NN_INVALID_ARGUMENT);
}

static void size_overflow(void) {
  wasi_nn_context c = context_for_bytes(1, 0, NULL);
  static const uint32_t huge[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
  wasi_nn_tensor t = {huge, 3, WASI_NN_TYPE_F32, input4, sizeof input4};
  EXPECT_ERR(wasi_nn_set_input(c, 0, &t), WASI_NN_INVALID_ARGUMENT);
}

static void data_len_mismatch(void) {
  wasi_nn_context c = context_for_bytes(1, 0, NULL);
  wasi_nn_tensor t = {dims4, 1, WASI_NN_TYPE_F32, input4, sizeof input4 - 1};
  EXPECT_ERR(wasi_nn_set_input(c, 0, &t), WASI_NN_INVALID_ARGUMENT);
}

static void load_expect(uint32_t encoding, const uint8_t* bytes, uint32_t size, wasi_nn_error want) {
  wasi_nn_graph_builder b = {bytes, size};
  wasi_nn_graph g;
  EXPECT_ERR(wasi_nn_load(&b, 1, encoding, WASI_NN_TARGET_CPU, &g), want);
}

static void unknown_encoding(void) {
  make_model(1, 0);
  load_expect(42, model, sizeof model, WASI_NN_INVALID_ENCODING);
}

static void corrupt_model(void) {
  static const uint8_t junk[12] = "WNNFAKE1\x01\x02";
  load_expect(WASI_NN_ENCODING_TENSORFLOW, junk, sizeof junk, WASI_NN_INVALID_ARGUMENT);
  load_expect(WASI_NN_ENCODING_AUTODETECT, junk, sizeof junk, WASI_NN_INVALID_ENCODING);
}

static void missing_backend(void) {
  make_model(1, 0);
  load_expect(10 /* mlx: no such backend */, model, sizeof model, WASI_NN_INVALID_ENCODING);
}

static void wrong_abi(void) { /* run with only the bad-ABI backend directory */
  make_model(1, 0);
  load_expect(WASI_NN_ENCODING_TENSORFLOW, model, sizeof model, WASI_NN_INVALID_ENCODING);
}

static void stale_handle(void) {
  wasi_nn_graph g;
  wasi_nn_context c = context_for_bytes(1, 0, &g);
  EXPECT_ERR(wasi_nn_finalize_execution_context(c), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_compute(c), WASI_NN_INVALID_ARGUMENT);
  EXPECT_ERR(wasi_nn_unload(g), WASI_NN_SUCCESS);
  wasi_nn_context c2;
  EXPECT_ERR(wasi_nn_init_execution_context(g, &c2), WASI_NN_INVALID_ARGUMENT);
  EXPECT_ERR(wasi_nn_compute(0xDEADu), WASI_NN_INVALID_ARGUMENT);
}

static void too_small(void) {
  wasi_nn_context c = context_for_bytes(1, 0, NULL);
  run_affine(c, 1, 0);
  float out[4];
  uint32_t written = 0;
  EXPECT_ERR(wasi_nn_get_output(c, 0, out, 3, &written), WASI_NN_TOO_LARGE);
  EXPECT_TRUE(written == 16);
}

/* Run with --nn-max-graphs 2 --nn-max-contexts 3: each cap holds, and a
 * handle given back makes room again. */
static void limits(void) {
  make_model(1, 0);
  wasi_nn_graph_builder b = {model, sizeof model};
  wasi_nn_graph g[3];
  wasi_nn_context c[4];
  EXPECT_ERR(wasi_nn_load(&b, 1, WASI_NN_ENCODING_TENSORFLOW, WASI_NN_TARGET_CPU, &g[0]), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_load(&b, 1, WASI_NN_ENCODING_TENSORFLOW, WASI_NN_TARGET_CPU, &g[1]), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_load(&b, 1, WASI_NN_ENCODING_TENSORFLOW, WASI_NN_TARGET_CPU, &g[2]), WASI_NN_RUNTIME_ERROR);
  for (int i = 0; i < 3; ++i) EXPECT_ERR(wasi_nn_init_execution_context(g[i % 2], &c[i]), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_init_execution_context(g[0], &c[3]), WASI_NN_RUNTIME_ERROR);
  EXPECT_ERR(wasi_nn_finalize_execution_context(c[1]), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_init_execution_context(g[0], &c[3]), WASI_NN_SUCCESS);
  run_affine(c[3], 1, 0);
  EXPECT_ERR(wasi_nn_unload(g[1]), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_load(&b, 1, WASI_NN_ENCODING_TENSORFLOW, WASI_NN_TARGET_CPU, &g[2]), WASI_NN_SUCCESS);
}

/* For the engine concurrency test: load the preload, compute on seed values. */
static void concurrent(int seed) {
  wasi_nn_graph g;
  wasi_nn_context c;
  EXPECT_ERR(wasi_nn_load_by_name("fake", 4, &g), WASI_NN_SUCCESS);
  EXPECT_ERR(wasi_nn_init_execution_context(g, &c), WASI_NN_SUCCESS);
  for (int round = 0; round < 3; ++round) {
    float in[3] = {(float)seed, (float)(seed + round), -1.0f};
    uint32_t d[1] = {3};
    wasi_nn_tensor t = {d, 1, WASI_NN_TYPE_F32, in, sizeof in};
    EXPECT_ERR(wasi_nn_set_input(c, 0, &t), WASI_NN_SUCCESS);
    EXPECT_ERR(wasi_nn_compute(c), WASI_NN_SUCCESS);
    float out[3];
    uint32_t n;
    EXPECT_ERR(wasi_nn_get_output(c, 0, out, sizeof out, &n), WASI_NN_SUCCESS);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(out[i] == in[i] * 2.0f + 0.5f);
  }
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : getenv("NN_SCENARIO");
  if (!s) return 2;
  struct {
    const char* name;
    void (*run)(void);
  } scenarios[] = {{"ephemeral_roundtrip", ephemeral_roundtrip},
                   {"legacy_roundtrip", legacy_roundtrip},
                   {"by_name", by_name},
                   {"stream", stream},
                   {"oob_pointer", oob_pointer},
                   {"rank_overflow", rank_overflow},
                   {"size_overflow", size_overflow},
                   {"data_len_mismatch", data_len_mismatch},
                   {"unknown_encoding", unknown_encoding},
                   {"corrupt_model", corrupt_model},
                   {"missing_backend", missing_backend},
                   {"wrong_abi", wrong_abi},
                   {"stale_handle", stale_handle},
                   {"too_small", too_small},
                   {"limits", limits}};
  if (!strcmp(s, "concurrent")) {
    concurrent(argc > 2 ? atoi(argv[2]) : 0);
  } else {
    int found = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; ++i)
      if (!strcmp(s, scenarios[i].name)) {
        scenarios[i].run();
        found = 1;
      }
    if (!found) {
      printf("unknown scenario %s\n", s);
      return 2;
    }
  }
  if (failures) return 1;
  printf("ok %s\n", s);
  return 0;
}
