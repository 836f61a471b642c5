/* Small helpers shared by the example guests: files through WASI preopens,
 * and parsing of encodings, targets, tensor types and shapes. */
#ifndef WASMNN_GUEST_NN_UTIL_H
#define WASMNN_GUEST_NN_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmnn_nn.h"

#define NN_MAX_RANK 16

/* Whole file into a malloc'ed buffer; NULL (with a message) on failure. */
static inline uint8_t* nn_read_file(const char* path, uint32_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s (is its directory granted with --dir?)\n", path);
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t* buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t* bigger = realloc(buf, cap *= 2);
      if (!bigger) free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  if (!buf) fprintf(stderr, "out of memory reading %s\n", path);
  *size = (uint32_t)len;
  return buf;
}

static inline int nn_write_file(const char* path, const void* data, uint32_t size) {
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size) {
    fprintf(stderr, "cannot write %s\n", path);
    if (f) fclose(f);
    return 0;
  }
  return fclose(f) == 0;
}

/* -1 if unknown. Numbers are accepted as they are. */
static inline int nn_parse_encoding(const char* s) {
  static const char* names[] = {"openvino", "onnx", "tensorflow", "pytorch", "tensorflowlite", "autodetect", "ggml"};
  for (int i = 0; i < 7; ++i)
    if (strcmp(s, names[i]) == 0) return i;
  if (strcmp(s, "tflite") == 0) return WASI_NN_ENCODING_TENSORFLOWLITE;
  char* end;
  long v = strtol(s, &end, 10);
  return (*s && !*end && v >= 0) ? (int)v : -1;
}

static inline int nn_parse_target(const char* s) {
  if (strcmp(s, "cpu") == 0) return WASI_NN_TARGET_CPU;
  if (strcmp(s, "gpu") == 0) return WASI_NN_TARGET_GPU;
  if (strcmp(s, "tpu") == 0) return WASI_NN_TARGET_TPU;
  return -1;
}

/* Current numbering; -1 if unknown. */
static inline int nn_parse_type(const char* s) {
  static const char* names[] = {"f16", "f32", "f64", "u8", "i32", "i64"};
  for (int i = 0; i < 6; ++i)
    if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

/* "1,3,224,224" -> dims, rank; 0 on a malformed list. */
static inline int nn_parse_dims(const char* s, uint32_t* dims, uint32_t* rank) {
  *rank = 0;
  while (*s) {
    char* end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *rank == NN_MAX_RANK || v > 0xFFFFFFFFul) return 0;
    dims[(*rank)++] = (uint32_t)v;
    s = end;
    if (*s == ',')
      ++s;
    else if (*s)
      return 0;
  }
  return *rank > 0;
}

static inline uint64_t nn_elements(const uint32_t* dims, uint32_t rank) {
  uint64_t n = 1;
  for (uint32_t i = 0; i < rank; ++i) n *= dims[i];
  return n;
}

/* get_output into a malloc'ed buffer, growing it when the host says too_large. */
static inline wasi_nn_error nn_get_output_alloc(wasi_nn_context ctx, uint32_t index, uint8_t** out, uint32_t* size) {
  uint32_t cap = 4096;
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint8_t* buf = malloc(cap ? cap : 1);
    if (!buf) return WASI_NN_RUNTIME_ERROR;
    uint32_t written = 0;
    wasi_nn_error err = wasi_nn_get_output(ctx, index, buf, cap, &written);
    if (err == WASI_NN_SUCCESS) {
      *out = buf;
      *size = written;
      return err;
    }
    free(buf);
    if (err != WASI_NN_TOO_LARGE) return err;
    cap = written; /* the host stored the size it needs */
  }
  return WASI_NN_TOO_LARGE;
}

#endif /* WASMNN_GUEST_NN_UTIL_H */
