/*
 * nn_run — the end-to-end tests' guest: drives WASI-NN step by step from its
 * arguments, through either import module. The imports are declared here from
 * docs/wasi-nn-abi.md (not from the guest SDK), so the tests check the host
 * against the ABI text itself.
 *
 *   nn_run [--legacy] [--keep-going] STEP...
 *     load ENC TARGET FILE[+FILE2]  graph from bytes; ENC onnx|pytorch|openvino|
 *                                   tensorflowlite|ggml|autodetect|NUMBER,
 *                                   TARGET cpu|gpu|tpu|NUMBER
 *     name NAME                     graph from the host's registry (load_by_name)
 *     name-config NAME JSON         load_by_name_with_config (ephemeral only)
 *     ctx                           new execution context on the current graph
 *     in IDX TYPE DIMS FILE         set_input; TYPE f16|f32|f64|u8|i32|i64,
 *                                   DIMS like 2x3 ("-" = rank 0)
 *     compute
 *     out IDX FILE                  get_output into FILE (grows its buffer to the size
 *                                   reported with too_large)
 *     cap BYTES                     first buffer size for outputs from now on (default 4096)
 *     bench N                       N times: every input of this context again,
 *                                   compute, every output again; prints ns per inference
 *     finalize / unload             drop the current context / graph (ephemeral only)
 *
 * --legacy uses the wasi_nn module instead of wasi_ephemeral_nn. With
 * --keep-going a failed call skips to the next load/name step instead of
 * stopping (the tests run many models in one instance that way).
 *
 * Exit status: 0, 2 for usage or file errors, 10 + errno when a WASI-NN call
 * fails (the message on stderr names the step and the errno; with
 * --keep-going, of the last failure).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

/* ---- wasi_ephemeral_nn (spec >= 2023-08, WasmEdge extensions) */
typedef struct {
  const uint8_t* buf;
  uint32_t len;
} nn_builder;

typedef struct {
  const uint32_t* dims;
  uint32_t rank;
  uint8_t type;
  uint8_t pad[3]; /* filled with garbage on purpose: the host must ignore it */
  const uint8_t* data;
  uint32_t data_len;
} nn_tensor;

IMPORT("wasi_ephemeral_nn", "load")
int32_t nn_load(const nn_builder* builders, uint32_t n, uint32_t enc, uint32_t target, uint32_t* graph);
IMPORT("wasi_ephemeral_nn", "load_by_name")
int32_t nn_load_by_name(const char* name, uint32_t len, uint32_t* graph);
IMPORT("wasi_ephemeral_nn", "load_by_name_with_config")
int32_t nn_load_by_name_with_config(const char* name, uint32_t len, const char* config, uint32_t config_len,
                                    uint32_t* graph);
IMPORT("wasi_ephemeral_nn", "init_execution_context")
int32_t nn_init_execution_context(uint32_t graph, uint32_t* ctx);
IMPORT("wasi_ephemeral_nn", "set_input")
int32_t nn_set_input(uint32_t ctx, uint32_t index, const nn_tensor* tensor);
IMPORT("wasi_ephemeral_nn", "compute") int32_t nn_compute(uint32_t ctx);
IMPORT("wasi_ephemeral_nn", "get_output")
int32_t nn_get_output(uint32_t ctx, uint32_t index, uint8_t* buf, uint32_t cap, uint32_t* written);
IMPORT("wasi_ephemeral_nn", "unload") int32_t nn_unload(uint32_t graph);
IMPORT("wasi_ephemeral_nn", "finalize_execution_context") int32_t nn_finalize(uint32_t ctx);

/* ---- wasi_nn (WAMR legacy) */
typedef struct {
  const nn_builder* builders;
  uint32_t count;
} legacy_builder_array;

typedef struct {
  const uint32_t* dims;
  uint32_t rank;
} legacy_dims;

typedef struct {
  const legacy_dims* dims;
  uint8_t type;
  uint8_t pad[3];
  const uint8_t* data;
} legacy_tensor;

IMPORT("wasi_nn", "load")
int32_t legacy_load(const legacy_builder_array* builders, uint32_t enc, uint32_t target, uint32_t* graph);
IMPORT("wasi_nn", "load_by_name") int32_t legacy_load_by_name(const char* name, uint32_t len, uint32_t* graph);
IMPORT("wasi_nn", "init_execution_context") int32_t legacy_init_execution_context(uint32_t graph, uint32_t* ctx);
IMPORT("wasi_nn", "set_input") int32_t legacy_set_input(uint32_t ctx, uint32_t index, const legacy_tensor* tensor);
IMPORT("wasi_nn", "compute") int32_t legacy_compute(uint32_t ctx);
IMPORT("wasi_nn", "get_output")
int32_t legacy_get_output(uint32_t ctx, uint32_t index, uint8_t* buf, uint32_t* inout_size);

/* ---------------------------------------------------------------- helpers */

#define TOO_LARGE 7
#define MAX_IO 32

static int legacy;

static void die(const char* step, const char* what) {
  fprintf(stderr, "nn_run: %s: %s\n", step, what);
  exit(2);
}

/* A failed WASI-NN call: report it and hand the errno up to main. */
static int32_t failed(const char* step, int32_t err) {
  fprintf(stderr, "nn_run: %s failed: errno %d\n", step, (int)err);
  return err;
}
#define TRY(step, call)                       \
  do {                                        \
    int32_t err_ = (call);                    \
    if (err_ != 0) return failed(step, err_); \
  } while (0)

static uint8_t* read_file(const char* path, uint32_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) die("read", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t* buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("read", path);
  fclose(f);
  *size = (uint32_t)n;
  return buf;
}

static void write_file(const char* path, const uint8_t* data, uint32_t size) {
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) die("write", path);
}

static uint32_t parse_enum(const char* text, const char* const* names, size_t count, const char* what) {
  for (size_t i = 0; i < count; ++i)
    if (names[i] && strcmp(text, names[i]) == 0) return (uint32_t)i;
  char* end;
  unsigned long v = strtoul(text, &end, 0);
  if (*text == 0 || *end != 0) die(what, text);
  return (uint32_t)v;
}

static uint32_t parse_encoding(const char* text) {
  /* autodetect and ggml swap between the two camps (wasi-nn-abi.md §1):
   * legacy (WAMR) guests say ggml 5, autodetect 6. */
  static const char* const current[] = {"openvino",       "onnx",       "tensorflow", "pytorch",
                                        "tensorflowlite", "autodetect", "ggml"};
  static const char* const wamr[] = {"openvino",       "onnx", "tensorflow", "pytorch",
                                     "tensorflowlite", "ggml", "autodetect"};
  return parse_enum(text, legacy ? wamr : current, 7, "encoding");
}

/* Type code in the numbering the chosen import module uses. */
static uint8_t parse_type(const char* text, uint32_t* elem_size) {
  static const char* const names[] = {"f16", "f32", "f64", "u8", "i32", "i64"};
  static const uint32_t sizes[] = {2, 4, 8, 1, 4, 8};
  static const int legacy_codes[] = {0, 1, -1, 2, 3, -1};
  uint32_t t = parse_enum(text, names, 6, "type");
  if (t >= 6) die("type", text);
  *elem_size = sizes[t];
  if (!legacy) return (uint8_t)t;
  if (legacy_codes[t] < 0) die("type not expressible in the legacy wasi_nn module", text);
  return (uint8_t)legacy_codes[t];
}

static uint32_t parse_dims(const char* text, uint32_t* dims, uint64_t* count) {
  uint32_t rank = 0;
  *count = 1;
  if (strcmp(text, "-") == 0) return 0;
  for (const char* p = text; *p;) {
    char* end;
    unsigned long d = strtoul(p, &end, 10);
    if (end == p || rank == 16) die("dims", text);
    dims[rank++] = (uint32_t)d;
    *count *= d;
    p = *end == 'x' ? end + 1 : end;
    if (*end && *end != 'x') die("dims", text);
  }
  return rank;
}

/* ---------------------------------------------------------------- state */

typedef struct {
  uint32_t index;
  uint32_t dims[16];
  legacy_dims ldims;
  nn_tensor t;
  legacy_tensor lt;
} input_slot;

typedef struct {
  uint32_t index;
  uint8_t* buf;
  uint32_t cap;
} output_slot;

static uint32_t graph, ctx;
static int have_graph, have_ctx;
static input_slot inputs[MAX_IO];
static output_slot outputs[MAX_IO];
static int n_inputs, n_outputs;
static uint32_t first_cap = 4096;

static int32_t new_context(void) {
  if (!have_graph) die("ctx", "no graph loaded");
  n_inputs = n_outputs = 0;
  have_ctx = 0;
  TRY("init_execution_context",
      legacy ? legacy_init_execution_context(graph, &ctx) : nn_init_execution_context(graph, &ctx));
  have_ctx = 1;
  return 0;
}

static void set_graph(uint32_t g) {
  graph = g;
  have_graph = 1;
  have_ctx = 0;
}

static int32_t step_load(const char* enc, const char* target, char* files) {
  static const char* const targets[] = {"cpu", "gpu", "tpu"};
  nn_builder b[2];
  uint32_t n = 0;
  for (char* f = strtok(files, "+"); f; f = strtok(NULL, "+")) {
    if (n == 2) die("load", "at most two model files");
    b[n].buf = read_file(f, &b[n].len);
    ++n;
  }
  uint32_t g, e = parse_encoding(enc), t = parse_enum(target, targets, 3, "target");
  legacy_builder_array arr = {b, n};
  int32_t err = legacy ? legacy_load(&arr, e, t, &g) : nn_load(b, n, e, t, &g);
  for (uint32_t i = 0; i < n; ++i) free((void*)b[i].buf);
  have_graph = have_ctx = 0;
  TRY("load", err);
  set_graph(g);
  return 0;
}

static int32_t step_name(const char* name, const char* config) {
  uint32_t g;
  have_graph = have_ctx = 0;
  if (config) {
    if (legacy) die("name-config", "not in the legacy module");
    TRY("load_by_name_with_config", nn_load_by_name_with_config(name, strlen(name), config, strlen(config), &g));
  } else {
    TRY("load_by_name", legacy ? legacy_load_by_name(name, strlen(name), &g) : nn_load_by_name(name, strlen(name), &g));
  }
  set_graph(g);
  return 0;
}

static int32_t set_one(const input_slot* s) {
  return legacy ? legacy_set_input(ctx, s->index, &s->lt) : nn_set_input(ctx, s->index, &s->t);
}

static int32_t step_in(const char* idx, const char* type, const char* dims, const char* file) {
  if (!have_ctx) TRY("init_execution_context", new_context());
  if (n_inputs == MAX_IO) die("in", "too many inputs");
  input_slot* s = &inputs[n_inputs++];
  uint32_t elem, size;
  uint64_t count;
  s->index = (uint32_t)strtoul(idx, NULL, 10);
  uint8_t code = parse_type(type, &elem);
  uint32_t rank = parse_dims(dims, s->dims, &count);
  const uint8_t* data = read_file(file, &size);
  if (count * elem != size) die("in: file size does not match TYPE and DIMS", file);
  s->t = (nn_tensor){s->dims, rank, code, {0xAB, 0xCD, 0xEF}, data, size};
  s->ldims = (legacy_dims){s->dims, rank};
  s->lt = (legacy_tensor){&s->ldims, code, {0xAB, 0xCD, 0xEF}, data};
  TRY("set_input", set_one(s));
  return 0;
}

static int32_t compute(void) {
  if (!have_ctx) TRY("init_execution_context", new_context()); /* a model without inputs */
  TRY("compute", legacy ? legacy_compute(ctx) : nn_compute(ctx));
  return 0;
}

/* Retries once with the size reported by too_large. The legacy module counts the size in f32 elements, as WAMR's legacy
 * guests expect (so a 10-byte output comes back as 3 elements = 12 bytes). */
static int32_t get_one(output_slot* s, uint32_t* size) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint32_t written = legacy ? s->cap / 4 : s->cap;
    int32_t err = legacy ? legacy_get_output(ctx, s->index, s->buf, &written)
                         : nn_get_output(ctx, s->index, s->buf, s->cap, &written);
    if (legacy) written *= 4;
    if (err == 0) {
      *size = written;
      return 0;
    }
    if (err != TOO_LARGE || written <= s->cap) return err;
    s->cap = written;
    s->buf = realloc(s->buf, written);
    if (!s->buf) die("get_output", "out of memory");
  }
  die("get_output", "still too_large after growing to the reported size");
  return 0;
}

static int32_t step_out(const char* idx, const char* file) {
  if (!have_ctx) die("out", "no context");
  output_slot* s = NULL;
  uint32_t index = (uint32_t)strtoul(idx, NULL, 10);
  for (int i = 0; i < n_outputs; ++i)
    if (outputs[i].index == index) s = &outputs[i];
  if (!s) {
    if (n_outputs == MAX_IO) die("out", "too many outputs");
    s = &outputs[n_outputs++];
    *s = (output_slot){index, malloc(first_cap ? first_cap : 1), first_cap};
  }
  uint32_t n;
  TRY("get_output", get_one(s, &n));
  write_file(file, s->buf, n);
  return 0;
}

static int32_t step_bench(const char* count) {
  long n = strtol(count, NULL, 10);
  if (n <= 0 || !have_ctx) die("bench", "needs N > 0 after in/compute/out steps");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint32_t size;
  for (long r = 0; r < n; ++r) {
    for (int i = 0; i < n_inputs; ++i) TRY("set_input", set_one(&inputs[i]));
    TRY("compute", compute());
    for (int i = 0; i < n_outputs; ++i) TRY("get_output", get_one(&outputs[i], &size));
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
  printf("guest: %ld inferences, %.0f ns/inference\n", n, ns / (double)n);
  return 0;
}

static int32_t step_finalize(void) {
  if (legacy || !have_ctx) die("finalize", "needs the ephemeral module and a context");
  have_ctx = 0;
  TRY("finalize_execution_context", nn_finalize(ctx));
  return 0;
}

static int32_t step_unload(void) {
  if (legacy || !have_graph) die("unload", "needs the ephemeral module and a graph");
  have_graph = have_ctx = 0;
  TRY("unload", nn_unload(graph));
  return 0;
}

static int is_graph_step(const char* s) {
  return strcmp(s, "load") == 0 || strcmp(s, "name") == 0 || strcmp(s, "name-config") == 0;
}

/* Runs the step at argv[*i] and advances *i past it; returns its errno. */
static int32_t run_step(int argc, char** argv, int* i) {
  const char* s = argv[*i];
  int left = argc - *i - 1;
  char** a = argv + *i;
#define STEP(name, n, call)                      \
  if (strcmp(s, name) == 0) {                    \
    if (left < (n)) die(s, "missing arguments"); \
    *i += (n) + 1;                               \
    return call;                                 \
  }
  STEP("load", 3, step_load(a[1], a[2], a[3]))
  STEP("name", 1, step_name(a[1], NULL))
  STEP("name-config", 2, step_name(a[1], a[2]))
  STEP("ctx", 0, new_context())
  STEP("in", 4, step_in(a[1], a[2], a[3], a[4]))
  STEP("compute", 0, compute())
  STEP("out", 2, step_out(a[1], a[2]))
  STEP("bench", 1, step_bench(a[1]))
  STEP("cap", 1, (first_cap = (uint32_t)strtoul(a[1], NULL, 10), 0))
  STEP("finalize", 0, step_finalize())
  STEP("unload", 0, step_unload())
#undef STEP
  die("unknown or misplaced step", s);
  return 0;
}

int main(int argc, char** argv) {
  int keep_going = 0, failures = 0, steps = 0;
  int32_t last = 0;
  /* Options may stand anywhere (no step argument starts with "--"); they are
   * taken out before the steps run. */
  for (int k = 1; k < argc; ++k) {
    if (strncmp(argv[k], "--", 2) != 0)
      argv[++steps] = argv[k];
    else if (argv[k][2] == 0)
      continue; /* a lone "--" ends no options here: ignore it */
    else if (strcmp(argv[k], "--legacy") == 0)
      legacy = 1;
    else if (strcmp(argv[k], "--keep-going") == 0)
      keep_going = 1;
    else
      die("unknown option", argv[k]);
  }
  argc = steps + 1;
  if (steps == 0) die("usage", "nn_run [--legacy] [--keep-going] STEP... (see nn_run.c)");
  int i = 1;
  while (i < argc) {
    int32_t err = run_step(argc, argv, &i);
    if (err == 0) continue;
    if (!keep_going) return err > 0 && err < 100 ? 10 + err : 9;
    ++failures, last = err;
    while (i < argc && !is_graph_step(argv[i])) ++i;  // skip to the next model
  }
  if (failures) fprintf(stderr, "nn_run: %d model(s) failed\n", failures);
  return failures ? (last > 0 && last < 100 ? 10 + last : 9) : 0;
}
