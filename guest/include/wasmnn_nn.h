/*
 * WASI-NN for C guests (wasm32-wasi), as served by wasmnn.
 *
 * Two import modules:
 *   wasi_ephemeral_nn  the standard one (spec >= 2023-08, Rust wasi-nn 0.6,
 *                      WasmEdge) plus WasmEdge's extensions: functions
 *                      wasi_nn_*  (this header's first half)
 *   wasi_nn            WAMR's legacy module: functions wasi_nn_legacy_*
 *                      (second half)
 * Every function returns a wasi_nn_error (0 = success). Pointers are guest
 * addresses; the host checks all of them and never traps on bad input.
 */
#ifndef WASMNN_GUEST_NN_H
#define WASMNN_GUEST_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASI_NN_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

typedef enum wasi_nn_error {
  WASI_NN_SUCCESS = 0,
  WASI_NN_INVALID_ARGUMENT = 1,
  WASI_NN_INVALID_ENCODING = 2,
  WASI_NN_MISSING_MEMORY = 3,
  WASI_NN_BUSY = 4,
  WASI_NN_RUNTIME_ERROR = 5,
  WASI_NN_UNSUPPORTED_OPERATION = 6,
  WASI_NN_TOO_LARGE = 7, /* get_output: *bytes_written holds the needed size */
  WASI_NN_NOT_FOUND = 8,
  WASI_NN_END_OF_SEQUENCE = 100, /* WasmEdge LLM extensions */
  WASI_NN_CONTEXT_FULL = 101,
  WASI_NN_PROMPT_TOO_LONG = 102,
  WASI_NN_MODEL_NOT_FOUND = 103,
} wasi_nn_error;

/* Encodings. 5 and 6 differ between toolchains (autodetect/ggml vs
 * ggml/autodetect); wasmnn detects the format from the bytes for both. */
typedef enum wasi_nn_encoding {
  WASI_NN_ENCODING_OPENVINO = 0,
  WASI_NN_ENCODING_ONNX = 1,
  WASI_NN_ENCODING_TENSORFLOW = 2,
  WASI_NN_ENCODING_PYTORCH = 3,
  WASI_NN_ENCODING_TENSORFLOWLITE = 4,
  WASI_NN_ENCODING_AUTODETECT = 5,
  WASI_NN_ENCODING_GGML = 6,
} wasi_nn_encoding;

typedef enum wasi_nn_target {
  WASI_NN_TARGET_CPU = 0,
  WASI_NN_TARGET_GPU = 1,
  WASI_NN_TARGET_TPU = 2,
  WASI_NN_TARGET_AUTO = 3, /* WasmEdge: the backend picks its device */
} wasi_nn_target;

/* Current numbering (wasi_ephemeral_nn). */
typedef enum wasi_nn_tensor_type {
  WASI_NN_TYPE_F16 = 0,
  WASI_NN_TYPE_F32 = 1,
  WASI_NN_TYPE_F64 = 2,
  WASI_NN_TYPE_U8 = 3,
  WASI_NN_TYPE_I32 = 4,
  WASI_NN_TYPE_I64 = 5,
} wasi_nn_tensor_type;

typedef uint32_t wasi_nn_graph;
typedef uint32_t wasi_nn_context;

/* ---------------------------------------------------------------- wasi_ephemeral_nn */

typedef struct wasi_nn_graph_builder {
  const uint8_t* buf;
  uint32_t size;
} wasi_nn_graph_builder;

typedef struct wasi_nn_tensor {
  const uint32_t* dims;
  uint32_t rank;
  uint8_t type; /* wasi_nn_tensor_type */
  const void* data;
  uint32_t data_len; /* bytes: product(dims) x element size */
} wasi_nn_tensor;

#if defined(__wasm32__)
_Static_assert(sizeof(wasi_nn_graph_builder) == 8, "graph_builder is 8 bytes");
_Static_assert(sizeof(wasi_nn_tensor) == 20 && offsetof(wasi_nn_tensor, type) == 8 &&
                   offsetof(wasi_nn_tensor, data) == 12 && offsetof(wasi_nn_tensor, data_len) == 16,
               "tensor record layout");
#endif

WASI_NN_IMPORT("wasi_ephemeral_nn", "load")
wasi_nn_error wasi_nn_load(const wasi_nn_graph_builder* builders, uint32_t builder_count, uint32_t encoding,
                           uint32_t target, wasi_nn_graph* graph);
/* A model the host preloaded (wasmnn run --nn-preload NAME:ENC:TARGET:PATH). */
WASI_NN_IMPORT("wasi_ephemeral_nn", "load_by_name")
wasi_nn_error wasi_nn_load_by_name(const char* name, uint32_t name_len, wasi_nn_graph* graph);
WASI_NN_IMPORT("wasi_ephemeral_nn", "load_by_name_with_config")
wasi_nn_error wasi_nn_load_by_name_with_config(const char* name, uint32_t name_len, const char* config_json,
                                               uint32_t config_len, wasi_nn_graph* graph);
WASI_NN_IMPORT("wasi_ephemeral_nn", "init_execution_context")
wasi_nn_error wasi_nn_init_execution_context(wasi_nn_graph graph, wasi_nn_context* ctx);
WASI_NN_IMPORT("wasi_ephemeral_nn", "set_input")
wasi_nn_error wasi_nn_set_input(wasi_nn_context ctx, uint32_t index, const wasi_nn_tensor* tensor);
WASI_NN_IMPORT("wasi_ephemeral_nn", "compute")
wasi_nn_error wasi_nn_compute(wasi_nn_context ctx);
WASI_NN_IMPORT("wasi_ephemeral_nn", "get_output")
wasi_nn_error wasi_nn_get_output(wasi_nn_context ctx, uint32_t index, void* buf, uint32_t buf_size,
                                 uint32_t* bytes_written);
/* Streaming (LLM backends): one more token per compute_single. */
WASI_NN_IMPORT("wasi_ephemeral_nn", "compute_single")
wasi_nn_error wasi_nn_compute_single(wasi_nn_context ctx);
WASI_NN_IMPORT("wasi_ephemeral_nn", "get_output_single")
wasi_nn_error wasi_nn_get_output_single(wasi_nn_context ctx, uint32_t index, void* buf, uint32_t buf_size,
                                        uint32_t* bytes_written);
WASI_NN_IMPORT("wasi_ephemeral_nn", "fini_single")
wasi_nn_error wasi_nn_fini_single(wasi_nn_context ctx);
WASI_NN_IMPORT("wasi_ephemeral_nn", "unload")
wasi_nn_error wasi_nn_unload(wasi_nn_graph graph);
WASI_NN_IMPORT("wasi_ephemeral_nn", "finalize_execution_context")
wasi_nn_error wasi_nn_finalize_execution_context(wasi_nn_context ctx);

/* Text input (an LLM prompt, options JSON): a u8 tensor of `len` bytes, as
 * WasmEdge's guests send it. */
static inline wasi_nn_error wasi_nn_set_input_text(wasi_nn_context ctx, uint32_t index, const char* text,
                                                   uint32_t len) {
  uint32_t dims[1] = {len};
  wasi_nn_tensor tensor = {dims, 1, WASI_NN_TYPE_U8, text, len};
  return wasi_nn_set_input(ctx, index, &tensor);
}

/* ---------------------------------------------------------------- wasi_nn (WAMR legacy) */

/* Old tensor numbering. */
typedef enum wasi_nn_legacy_tensor_type {
  WASI_NN_LEGACY_F16 = 0,
  WASI_NN_LEGACY_F32 = 1,
  WASI_NN_LEGACY_U8 = 2,
  WASI_NN_LEGACY_I32 = 3,
} wasi_nn_legacy_tensor_type;

typedef struct wasi_nn_legacy_builder_array {
  const wasi_nn_graph_builder* builders;
  uint32_t count;
} wasi_nn_legacy_builder_array;

typedef struct wasi_nn_legacy_dims {
  const uint32_t* dims;
  uint32_t rank;
} wasi_nn_legacy_dims;

/* No data length: it is product(dims) x element size. */
typedef struct wasi_nn_legacy_tensor {
  const wasi_nn_legacy_dims* dimensions;
  uint8_t type; /* wasi_nn_legacy_tensor_type */
  const void* data;
} wasi_nn_legacy_tensor;

#if defined(__wasm32__)
_Static_assert(sizeof(wasi_nn_legacy_tensor) == 12 && offsetof(wasi_nn_legacy_tensor, data) == 8,
               "legacy tensor layout");
#endif

WASI_NN_IMPORT("wasi_nn", "load")
wasi_nn_error wasi_nn_legacy_load(const wasi_nn_legacy_builder_array* builders, uint32_t encoding, uint32_t target,
                                  wasi_nn_graph* graph);
WASI_NN_IMPORT("wasi_nn", "load_by_name")
wasi_nn_error wasi_nn_legacy_load_by_name(const char* name, uint32_t name_len, wasi_nn_graph* graph);
WASI_NN_IMPORT("wasi_nn", "init_execution_context")
wasi_nn_error wasi_nn_legacy_init_execution_context(wasi_nn_graph graph, wasi_nn_context* ctx);
WASI_NN_IMPORT("wasi_nn", "set_input")
wasi_nn_error wasi_nn_legacy_set_input(wasi_nn_context ctx, uint32_t index, const wasi_nn_legacy_tensor* tensor);
WASI_NN_IMPORT("wasi_nn", "compute")
wasi_nn_error wasi_nn_legacy_compute(wasi_nn_context ctx);
/* *inout_size: capacity on entry and size written on return, both counted in
 * 4-byte (f32) elements as WAMR's legacy guests expect. */
WASI_NN_IMPORT("wasi_nn", "get_output")
wasi_nn_error wasi_nn_legacy_get_output(wasi_nn_context ctx, uint32_t index, void* buf, uint32_t* inout_size);

/* ---------------------------------------------------------------- helpers */

static inline const char* wasi_nn_error_name(wasi_nn_error e) {
  switch (e) {
    case WASI_NN_SUCCESS: return "success";
    case WASI_NN_INVALID_ARGUMENT: return "invalid_argument";
    case WASI_NN_INVALID_ENCODING: return "invalid_encoding";
    case WASI_NN_MISSING_MEMORY: return "missing_memory";
    case WASI_NN_BUSY: return "busy";
    case WASI_NN_RUNTIME_ERROR: return "runtime_error";
    case WASI_NN_UNSUPPORTED_OPERATION: return "unsupported_operation";
    case WASI_NN_TOO_LARGE: return "too_large";
    case WASI_NN_NOT_FOUND: return "not_found";
    case WASI_NN_END_OF_SEQUENCE: return "end_of_sequence";
    case WASI_NN_CONTEXT_FULL: return "context_full";
    case WASI_NN_PROMPT_TOO_LONG: return "prompt_too_long";
    case WASI_NN_MODEL_NOT_FOUND: return "model_not_found";
  }
  return "unknown";
}

static inline uint32_t wasi_nn_type_size(wasi_nn_tensor_type t) {
  switch (t) {
    case WASI_NN_TYPE_U8: return 1;
    case WASI_NN_TYPE_F16: return 2;
    case WASI_NN_TYPE_F32:
    case WASI_NN_TYPE_I32: return 4;
    case WASI_NN_TYPE_F64:
    case WASI_NN_TYPE_I64: return 8;
  }
  return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* WASMNN_GUEST_NN_H */
