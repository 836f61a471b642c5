/*
 * WASI-NN host for wasmnn guests: the import modules wasi_ephemeral_nn and
 * wasi_nn (WAMR legacy), a backend registry that dlopens
 * libwasmnn_backend_<name>.so on first use, and the model registry that
 * load_by_name resolves through.
 *
 * A wasmnn_nn_host is process-wide and thread-safe: backend search paths,
 * loaded backends and preloaded models (built once, shared by all instances).
 * Each wasmnn_linker_define_wasi_nn call gives the instance made with that
 * linker its own graph/context handle tables. Instances keep what they use of
 * the host alive, so the host may be deleted before their store.
 *
 * Backends are found in this order: directories added with
 * wasmnn_nn_host_add_backend_dir, then the colon-separated list in the
 * environment variable WASMNN_BACKEND_PATH, then the directory holding
 * libwasmnn.so (build tree or install libdir), then the system library path.
 * Diagnostics go to stderr with levels (env WASMNN_NN_LOG=error|warn|info|debug,
 * default warn); see nn_backend.h for the backend plugin ABI.
 */
#ifndef WASMNN_WASI_NN_H
#define WASMNN_WASI_NN_H

#include "wasmnn/wasmnn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmnn_nn_host wasmnn_nn_host;

WASMNN_API wasmnn_nn_host* wasmnn_nn_host_new(void);
WASMNN_API void wasmnn_nn_host_delete(wasmnn_nn_host* host);
/* Searched first, in the order added (CLI --nn-backend-dir). */
WASMNN_API void wasmnn_nn_host_add_backend_dir(wasmnn_nn_host* host, const char* dir);
/* NAME:ENCODING:TARGET:PATH[:PATH2] (WasmEdge's --nn-preload syntax; encoding
 * and target names case-insensitive, `autodetect` allowed, target
 * cpu|gpu|tpu|auto). The files are mapped now; the model is built on the
 * first load_by_name and then shared by every instance. */
WASMNN_API wasmnn_error* wasmnn_nn_host_preload(wasmnn_nn_host* host, const char* spec);
/* Per-instance caps on live graphs and execution contexts; 0 keeps the default
 * (1024 graphs, 4096 contexts). Reaching a cap is runtime_error for the guest. */
typedef struct wasmnn_nn_limits {
  uint32_t max_graphs;
  uint32_t max_contexts;
} wasmnn_nn_limits;
WASMNN_API void wasmnn_nn_host_set_limits(wasmnn_nn_host* host, const wasmnn_nn_limits* limits);
/* Where backends run. PROCESS (the default): each instance's backends run in
 * a worker process that can read only its own libraries, write nothing,
 * open no socket and start no program; a crash, the memory limit or the
 * deadline below ends that worker only (the call returns runtime_error, one
 * log line says why). NONE: backends run inside this process, as trusted
 * code (a guest's model can then read and write whatever this process can).
 * Applies to backends first used after the call. */
typedef enum wasmnn_nn_isolation {
  WASMNN_NN_ISOLATION_PROCESS = 0,
  WASMNN_NN_ISOLATION_NONE = 1,
} wasmnn_nn_isolation;
WASMNN_API void wasmnn_nn_host_set_isolation(wasmnn_nn_host* host, wasmnn_nn_isolation isolation);
/* Limits of each worker under process isolation, for workers started after
 * the call: max_memory_bytes of memory (default 4 GiB; 0 = no limit) and
 * timeout_ms per call (default 0 = none). Exceeding either ends the worker. */
WASMNN_API void wasmnn_nn_host_set_worker_limits(wasmnn_nn_host* host, uint64_t max_memory_bytes, uint64_t timeout_ms);
/* Human-readable report of installed backends and failures (`wasmnn backends`).
 * The returned string is freed with wasmnn_nn_string_delete. */
WASMNN_API char* wasmnn_nn_host_describe_backends(wasmnn_nn_host* host);
WASMNN_API void wasmnn_nn_string_delete(char* text);
/* Define wasi_ephemeral_nn.* and wasi_nn.* in the linker. */
WASMNN_API wasmnn_error* wasmnn_linker_define_wasi_nn(wasmnn_linker* linker, wasmnn_nn_host* host);

#ifdef __cplusplus
}
#endif

#endif /* WASMNN_WASI_NN_H */
