/*
 * A WASI-NN backend for tests only: implements the plugin ABI with a trivial,
 * deterministic operation so the host layer, the loader and concurrency can
 * be tested without any ML framework. Written in C to prove nn_backend.h is
 * usable from C.
 *
 * Model (one builder, encoding "tensorflow", or FAKE_ENCODING): the magic "WNNFAKE1" somewhere in
 * the first 64 bytes, followed by f32 scale, f32 bias, u32 delay_ms (LE).
 * Config JSON may override the bias: {"bias": 2.5}.
 * compute: output 0 = input 0 * scale + bias for f32 inputs, else a byte
 * copy of input 0; output 1 = {"backend":NAME,"computes":N,"max_parallel":M,"loads":L}
 * (process-wide counters); output 2 = input 0's tensor type as u32 (what the
 * host resolved). A second call entering the same context while one runs fails
 * with runtime_error, which is how tests see that the host serializes a
 * context. Streaming: compute_single yields input 0 one byte at a time.
 *
 * Hostile model behaviour, for the isolation tests: a u8 input 0 starting
 * with one of these 8-byte commands makes compute do what a malicious or
 * broken framework could, and output 0 says what the system answered:
 *   WNNCRASH          write through a null pointer
 *   WNNALLOC<u64 n>   malloc(n) and fill it without checking (a careless framework)
 *   WNNREAD:<path>    open the file read-only: its first bytes, or "errno N"
 *   WNNWRITE<path>    create/truncate the file and write "pwned": "ok" or "errno N"
 *   WNNSOCKT          open a TCP socket: "ok" or "errno N"
 *   WNNSPAWN          start /bin/true: "ok" or "errno N"
 * FAKE_THREAD_AT_LOAD: the library starts a thread when it is loaded (as
 * OpenBLAS and TBB do), so a zygote cannot fork from it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasmnn/nn_backend.h"

#ifndef FAKE_NAME
#define FAKE_NAME "testfake"
#endif
#ifndef FAKE_ENCODING
#define FAKE_ENCODING WASMNN_NN_ENCODING_TENSORFLOW
#endif
#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION WASMNN_NN_BACKEND_ABI_VERSION
#endif

#define MAX_INPUTS 4
static const char kMagic[8] = {'W', 'N', 'N', 'F', 'A', 'K', 'E', '1'};

struct wasmnn_nn_graph {
  float scale, bias;
  uint32_t delay_ms;
};

typedef struct {
  uint8_t* data;
  size_t size;
  wasmnn_nn_tensor_type type;
  int set;
} Buffer;

struct wasmnn_nn_context {
  const struct wasmnn_nn_graph* graph;
  Buffer inputs[MAX_INPUTS];
  Buffer output;
  atomic_int inside; /* >0 while a call runs on this context */
  size_t stream_pos; /* compute_single position in input 0 */
};

static atomic_int g_running;
static atomic_int g_max_parallel;
static atomic_int g_computes;
static atomic_int g_loads;

static float read_f32(const uint8_t* p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}

static wasmnn_nn_errno fake_init(wasmnn_nn_backend_info* info, char* why, size_t why_cap) {
  (void)why;
  (void)why_cap;
  info->framework_name = "none";
  info->framework_version = "0";
  info->target_mask = WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU);
  return WASMNN_NN_SUCCESS;
}

static wasmnn_nn_errno fake_load(wasmnn_nn_encoding encoding, wasmnn_nn_target target,
                                 const wasmnn_nn_builder* builders, uint32_t count, const char* config,
                                 size_t config_len, wasmnn_nn_graph** out) {
  (void)encoding;
  (void)target;
  if (count != 1) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "expected 1 builder, got %u", count);
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  const uint8_t* bytes = builders[0].data;
  size_t size = builders[0].size, at = 0;
  while (at + sizeof kMagic <= size && at < 64 && memcmp(bytes + at, kMagic, sizeof kMagic) != 0) ++at;
  if (at + sizeof kMagic > size || at >= 64 || size - at - sizeof kMagic < 12) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "not a fake model (%zu bytes): magic WNNFAKE1 + 12 bytes missing",
                  size);
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  const uint8_t* p = bytes + at + sizeof kMagic;
  struct wasmnn_nn_graph* g = wasmnn_nn_alloc(FAKE_NAME, sizeof *g);
  if (!g) return WASMNN_NN_RUNTIME_ERROR;
  g->scale = read_f32(p);
  g->bias = read_f32(p + 4);
  memcpy(&g->delay_ms, p + 8, 4);
#ifdef FAKE_NO_DELAY
  g->delay_ms = 0; /* test/fuzz: a model-chosen sleep would only look like a hang */
#endif
  if (config_len > 0) {
    char text[256];
    if (config_len >= sizeof text || config[0] != '{') {
      wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "config is not a small JSON object");
      wasmnn_nn_free(g);
      return WASMNN_NN_INVALID_ARGUMENT;
    }
    memcpy(text, config, config_len);
    text[config_len] = '\0';
    const char* bias = strstr(text, "\"bias\":");
    if (bias) g->bias = strtof(bias + 7, NULL);
  }
  atomic_fetch_add(&g_loads, 1);
  *out = g;
  return WASMNN_NN_SUCCESS;
}

static void fake_destroy_graph(wasmnn_nn_graph* g) { wasmnn_nn_free(g); }

static wasmnn_nn_errno fake_init_context(wasmnn_nn_graph* g, wasmnn_nn_context** out) {
  struct wasmnn_nn_context* c = wasmnn_nn_alloc(FAKE_NAME, sizeof *c);
  if (!c) return WASMNN_NN_RUNTIME_ERROR;
  memset(c, 0, sizeof *c);
  c->graph = g;
  *out = c;
  return WASMNN_NN_SUCCESS;
}

static void fake_destroy_context(wasmnn_nn_context* c) {
  for (int i = 0; i < MAX_INPUTS; ++i) wasmnn_nn_free(c->inputs[i].data);
  wasmnn_nn_free(c->output.data);
  wasmnn_nn_free(c);
}

/* Detects a host that lets two calls into one context at once. */
static int enter(wasmnn_nn_context* c, const char* op) {
  if (atomic_fetch_add(&c->inside, 1) != 0) {
    atomic_fetch_sub(&c->inside, 1);
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "%s: another call is running on this context", op);
    return 0;
  }
  return 1;
}
static void leave(wasmnn_nn_context* c) { atomic_fetch_sub(&c->inside, 1); }

static wasmnn_nn_errno fake_set_input(wasmnn_nn_context* c, uint32_t index, const wasmnn_nn_tensor* t) {
  if (index >= MAX_INPUTS) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "input index %u out of range (model has %d)", index, MAX_INPUTS);
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  if (!enter(c, "set_input")) return WASMNN_NN_RUNTIME_ERROR;
  Buffer* in = &c->inputs[index];
  wasmnn_nn_free(in->data);
  in->data = NULL;
  in->size = 0;
  in->type = t->type;
  in->set = 1;
  wasmnn_nn_errno err = WASMNN_NN_SUCCESS;
  if (t->size > 0) {
    in->data = wasmnn_nn_alloc(FAKE_NAME, t->size);
    if (in->data) {
      memcpy(in->data, t->data, t->size);
      in->size = t->size;
    } else {
      err = WASMNN_NN_RUNTIME_ERROR;
    }
  }
  leave(c);
  return err;
}

static void sleep_ms(uint32_t ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- hostile behaviour (see the top of the file) */

static void* volatile g_sink;

static int set_output(wasmnn_nn_context* c, const void* bytes, size_t size) {
  c->output.data = wasmnn_nn_alloc(FAKE_NAME, size);
  if (!c->output.data) return 0;
  memcpy(c->output.data, bytes, size);
  c->output.size = size;
  return 1;
}

static int set_result(wasmnn_nn_context* c, int ok) {
  char text[32];
  int n = ok ? snprintf(text, sizeof text, "ok") : snprintf(text, sizeof text, "errno %d", errno);
  return set_output(c, text, (size_t)n);
}

/* Runs a command; 1 if input 0 was one (its output is set), 0 otherwise. */
static int hostile(wasmnn_nn_context* c, const Buffer* in) {
  if (in->type != WASMNN_NN_TYPE_U8 || in->size < 8 || memcmp(in->data, "WNN", 3) != 0) return 0;
  char arg[256] = {0};
  memcpy(arg, in->data + 8, in->size - 8 < sizeof arg - 1 ? in->size - 8 : sizeof arg - 1);
  if (memcmp(in->data, "WNNCRASH", 8) == 0) {
    *(volatile int*)(uintptr_t)0 = 1;
  } else if (memcmp(in->data, "WNNALLOC", 8) == 0 && in->size >= 16) {
    uint64_t n;
    memcpy(&n, in->data + 8, 8);
    char* p = malloc((size_t)n);
    memset(p, 0x5a, (size_t)n);
    g_sink = p; /* the compiler may not drop the allocation */
    set_output(c, &n, 8);
    free(p);
  } else if (memcmp(in->data, "WNNREAD:", 8) == 0) {
    char bytes[64];
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, bytes, sizeof bytes) : -1;
    if (n >= 0)
      set_output(c, bytes, (size_t)n);
    else
      set_result(c, 0);
    if (fd >= 0) close(fd);
  } else if (memcmp(in->data, "WNNWRITE", 8) == 0) {
    int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    set_result(c, fd >= 0 && write(fd, "pwned", 5) == 5);
    if (fd >= 0) close(fd);
  } else if (memcmp(in->data, "WNNSOCKT", 8) == 0) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    set_result(c, fd >= 0);
    if (fd >= 0) close(fd);
  } else if (memcmp(in->data, "WNNSPAWN", 8) == 0) {
    pid_t pid;
    char* argv[] = {"true", NULL};
    int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, NULL);
    if (rc == 0) waitpid(pid, NULL, 0);
    errno = rc;
    set_result(c, rc == 0);
  } else {
    return 0;
  }
  return 1;
}

#ifdef FAKE_THREAD_AT_LOAD
static void* idle(void* arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}
__attribute__((constructor)) static void start_thread_at_load(void) {
  pthread_t t;
  pthread_create(&t, NULL, idle, NULL);
}
#endif

static wasmnn_nn_errno fake_compute(wasmnn_nn_context* c) {
  if (!enter(c, "compute")) return WASMNN_NN_RUNTIME_ERROR;
  int running = atomic_fetch_add(&g_running, 1) + 1;
  int seen = atomic_load(&g_max_parallel);
  while (running > seen && !atomic_compare_exchange_weak(&g_max_parallel, &seen, running)) {
  }
  atomic_fetch_add(&g_computes, 1);
  if (c->graph->delay_ms) sleep_ms(c->graph->delay_ms);
  wasmnn_nn_errno err = WASMNN_NN_SUCCESS;
  const Buffer* in = &c->inputs[0];
  wasmnn_nn_free(c->output.data);
  c->output.data = NULL;
  c->output.size = 0;
  if (!in->set) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "compute before input 0 was set");
    err = WASMNN_NN_RUNTIME_ERROR;
  } else if (hostile(c, in)) {
  } else if (in->size > 0) {
    c->output.data = wasmnn_nn_alloc(FAKE_NAME, in->size);
    if (!c->output.data) {
      err = WASMNN_NN_RUNTIME_ERROR;
    } else if (in->type == WASMNN_NN_TYPE_F32) {
      for (size_t i = 0; i + 4 <= in->size; i += 4) {
        float v = read_f32(in->data + i) * c->graph->scale + c->graph->bias;
        memcpy(c->output.data + i, &v, 4);
      }
    } else {
      memcpy(c->output.data, in->data, in->size);
    }
    if (c->output.data) c->output.size = in->size;
  }
  atomic_fetch_sub(&g_running, 1);
  leave(c);
  return err;
}

static wasmnn_nn_errno copy_out(const void* src, size_t size, void* buf, size_t cap, size_t* size_out) {
  *size_out = size;
  if (size > cap) return WASMNN_NN_TOO_LARGE;
  if (size) memcpy(buf, src, size);
  return WASMNN_NN_SUCCESS;
}

static wasmnn_nn_errno fake_get_output(wasmnn_nn_context* c, uint32_t index, void* buf, size_t cap, size_t* size_out) {
  if (index == 0) return copy_out(c->output.data, c->output.size, buf, cap, size_out);
  if (index == 1) {
    char meta[160];
    int n = snprintf(meta, sizeof meta, "{\"backend\":\"%s\",\"computes\":%d,\"max_parallel\":%d,\"loads\":%d}",
                     FAKE_NAME, atomic_load(&g_computes), atomic_load(&g_max_parallel), atomic_load(&g_loads));
    return copy_out(meta, (size_t)n, buf, cap, size_out);
  }
  if (index == 2) {
    uint32_t type = (uint32_t)c->inputs[0].type;
    return copy_out(&type, 4, buf, cap, size_out);
  }
  wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "output index %u out of range (model has 3)", index);
  return WASMNN_NN_INVALID_ARGUMENT;
}

static wasmnn_nn_errno fake_compute_single(wasmnn_nn_context* c) {
  if (c->stream_pos >= c->inputs[0].size) return WASMNN_NN_END_OF_SEQUENCE;
  c->stream_pos++;
  return WASMNN_NN_SUCCESS;
}

static wasmnn_nn_errno fake_get_output_single(wasmnn_nn_context* c, uint32_t index, void* buf, size_t cap,
                                              size_t* size_out) {
  if (index != 0 || c->stream_pos == 0) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, FAKE_NAME, "no streamed token for output %u", index);
    return WASMNN_NN_INVALID_ARGUMENT;
  }
  return copy_out(c->inputs[0].data + c->stream_pos - 1, 1, buf, cap, size_out);
}

static wasmnn_nn_errno fake_fini_single(wasmnn_nn_context* c) {
  c->stream_pos = 0;
  return WASMNN_NN_SUCCESS;
}

static const wasmnn_nn_encoding kEncodings[] = {FAKE_ENCODING};

static const wasmnn_nn_backend kTable = {
    .abi_version = FAKE_ABI_VERSION,
    .struct_size = sizeof(wasmnn_nn_backend),
    .name = FAKE_NAME,
    .version = "1.0",
    .encodings = kEncodings,
    .encoding_count = 1,
    .init = fake_init,
    .load = fake_load,
    .destroy_graph = fake_destroy_graph,
    .init_context = fake_init_context,
    .destroy_context = fake_destroy_context,
    .set_input = fake_set_input,
    .compute = fake_compute,
    .get_output = fake_get_output,
    .compute_single = fake_compute_single,
    .get_output_single = fake_get_output_single,
    .fini_single = fake_fini_single,
};

WASMNN_NN_BACKEND_ENTRY(host_abi_version) {
  (void)host_abi_version;
  return &kTable;
}
