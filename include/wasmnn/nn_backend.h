/*
 * wasmnn WASI-NN backend plugin ABI (version 1) — plain C.
 *
 * A backend is a shared library  libwasmnn_backend_<name>.so  that links
 * libwasmnn.so (for the core services declared at the end of this file) and
 * exports exactly one symbol:
 *
 *     const wasmnn_nn_backend* wasmnn_backend_v1_entry(uint32_t host_abi_version);
 *
 * The core dlopens the library the first time a guest needs one of its
 * encodings (or for `wasmnn backends`), calls the entry once, checks the
 * returned table (abi_version == WASMNN_NN_BACKEND_ABI_VERSION and
 * struct_size >= WASMNN_NN_BACKEND_V1_MIN_SIZE — otherwise the backend is
 * rejected with an error naming the file and both versions; it is never
 * called), then calls init() once. A library is never dlclosed: frameworks
 * such as libtorch do not survive it.
 *
 * Versioning: an incompatible change bumps WASMNN_NN_BACKEND_ABI_VERSION and
 * the entry symbol's name (wasmnn_backend_v2_entry). Compatible additions are
 * appended to wasmnn_nn_backend and grow struct_size; the host treats members
 * beyond a backend's struct_size as NULL.
 *
 * ---------------------------------------------------------------- ownership
 * - The table returned by the entry, and every string and array it points to,
 *   are owned by the backend and must stay valid while the library is loaded.
 * - Graphs and contexts are created and freed by the backend (load /
 *   destroy_graph, init_context / destroy_context). The host calls each
 *   destroy exactly once and uses no handle after destroying it.
 * - Every pointer the host passes INTO a call (builders, tensors, dims,
 *   config, output buffers) is valid only for the duration of that call.
 *   Tensor data and output buffers usually point straight into guest linear
 *   memory: they may be unaligned, and guest memory can move or change
 *   between calls, so a backend must not keep them. set_input must therefore
 *   take the bytes into framework-owned storage during the call (the single
 *   copy; e.g. torch::from_blob(...).clone() or an ORT tensor filled once);
 *   get_output writes the result straight into `buf`, no staging buffer.
 * - Nothing allocated by a backend is freed by the host and vice versa.
 *
 * ---------------------------------------------------------------- threading
 * - The entry and init(): once per process, under a host lock.
 * - load() may run concurrently with any other call (other loads, computes on
 *   other graphs). destroy_graph() is called only when no context of that
 *   graph exists and no call on it is running (the host holds shared
 *   references: an unload by the guest never frees under a running compute).
 * - init_context() may run concurrently for the SAME graph from several
 *   threads (a preloaded graph is shared by every instance in the process).
 *   The graph must be safe for concurrent read use by its contexts.
 * - Calls on ONE context (set_input, compute, get_output, compute_single,
 *   get_output_single, fini_single, destroy_context) are serialized by the
 *   host: never two at once. Calls on DIFFERENT contexts — also different
 *   contexts of one graph — run concurrently. A framework that cannot run
 *   two contexts of one graph at once must lock inside the backend; the host
 *   never returns `busy`.
 *
 * ---------------------------------------------------------------- isolation
 * By default (--nn-isolation process) the host never loads a backend
 * itself: a zygote process dlopens the library, and every instance that uses
 * the backend gets its own worker process, forked from the zygote, which
 * confines itself (seccomp, Landlock, namespaces, a memory limit) and only
 * then calls init() and serves the calls below unchanged. Consequences for a
 * backend:
 * - init() runs once per worker, inside the sandbox: it can read the
 *   directories its libraries were loaded from, /etc/ld.so.cache and CPU
 *   information under /proc and /sys, and nothing else; it cannot write any
 *   file, open a socket or start a program. GPU devices are not reachable.
 * - Builders carry bytes only: `path` is NULL even for preloaded models (the
 *   bytes are then a read-only mapping of the file, as cheap as opening it).
 * - A crash, an allocation beyond the limit or a call past its deadline ends
 *   the worker; the host reports it and never calls that worker again.
 * - stderr reaches the host's stderr line by line, escaped; stdout (the
 *   guest's, e.g. streamed text) the host's stdout unchanged, copied while
 *   the host waits for the worker; a write there may block until it has.
 * - A backend that must talk to a server (a client of a remote inference
 *   service) sets WASMNN_NN_SANDBOX_NETWORK in sandbox_flags: its workers may
 *   then open TCP/UDP sockets (and unnamed AF_UNIX socket pairs, which
 *   libcurl's resolver thread uses), read the resolver's files (/etc/hosts,
 *   /etc/resolv.conf, ...) and the system's TLS trust store (/etc/ssl/certs,
 *   OpenSSL's configuration); everything else stays closed.
 * With --nn-isolation none the backend runs inside the host process, as
 * described everywhere else in this file.
 *
 * ---------------------------------------------------------------- errors
 * Every call returns a wasmnn_nn_errno, handed to the guest unchanged
 * (unknown values become runtime_error). Before returning an error the
 * backend logs ONE line with wasmnn_nn_log(WASMNN_NN_LOG_ERROR, ...) carrying
 * the framework's own message. Mapping:
 *   invalid_argument      bad input/output index, shape or type the model
 *                         does not accept, model bytes that do not parse as
 *                         the declared encoding, malformed config JSON
 *   unsupported_operation target the backend cannot serve (e.g. gpu without
 *                         CUDA), an optional operation it does not implement,
 *                         a tensor type the framework has but this op refuses
 *   runtime_error         the framework failed while running (bad_alloc,
 *                         kernel failure, compute before all inputs were set)
 *   too_large             get_output*: buffer smaller than the result; *size_out
 *                         must then hold the needed size in bytes
 *   end_of_sequence, context_full, prompt_too_long  LLM backends (WasmEdge);
 *                         end_of_sequence ends every stream: log it at debug
 * No C++ exception may leave a backend function: catch everything and map it.
 */
#ifndef WASMNN_NN_BACKEND_H
#define WASMNN_NN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "wasmnn/wasmnn.h" /* WASMNN_API */

#ifdef __cplusplus
extern "C" {
#endif

#define WASMNN_NN_BACKEND_ABI_VERSION 1u
#define WASMNN_NN_BACKEND_ENTRY_SYMBOL "wasmnn_backend_v1_entry"
/* Highest rank the host passes; larger guest ranks are rejected before any backend call. */
#define WASMNN_NN_MAX_RANK 16u

/* ---------------------------------------------------------------- enums
 * Values equal the WASI-NN guest ABI (spec >= 2023-08) so logs read the same
 * on both sides. The host has already resolved the guest's ambiguities:
 * a backend never sees "autodetect" nor the old tensor_type numbering. */

typedef enum wasmnn_nn_errno {
  WASMNN_NN_SUCCESS = 0,
  WASMNN_NN_INVALID_ARGUMENT = 1,
  WASMNN_NN_INVALID_ENCODING = 2,
  WASMNN_NN_MISSING_MEMORY = 3,
  WASMNN_NN_BUSY = 4, /* never produced by wasmnn; listed for completeness */
  WASMNN_NN_RUNTIME_ERROR = 5,
  WASMNN_NN_UNSUPPORTED_OPERATION = 6,
  WASMNN_NN_TOO_LARGE = 7,
  WASMNN_NN_NOT_FOUND = 8,
  /* WasmEdge LLM extensions */
  WASMNN_NN_END_OF_SEQUENCE = 100,
  WASMNN_NN_CONTEXT_FULL = 101,
  WASMNN_NN_PROMPT_TOO_LONG = 102,
  WASMNN_NN_MODEL_NOT_FOUND = 103,
} wasmnn_nn_errno;

/* Canonical encodings (spec/WasmEdge numbering; ggml is 6 here whatever the guest sent). */
typedef enum wasmnn_nn_encoding {
  WASMNN_NN_ENCODING_OPENVINO = 0, /* builders: model.xml, model.bin */
  WASMNN_NN_ENCODING_ONNX = 1,     /* builders: .onnx protobuf */
  WASMNN_NN_ENCODING_TENSORFLOW = 2,
  WASMNN_NN_ENCODING_PYTORCH = 3,        /* builders: TorchScript zip */
  WASMNN_NN_ENCODING_TENSORFLOWLITE = 4, /* builders: .tflite flatbuffer */
  WASMNN_NN_ENCODING_GGML = 6,           /* builders: GGUF [, JSON metadata] */
  WASMNN_NN_ENCODING_WHISPER = 9,
  WASMNN_NN_ENCODING_MLX = 10,
  WASMNN_NN_ENCODING_PIPER = 11,
  WASMNN_NN_ENCODING_CHATTTS = 12,
  WASMNN_NN_ENCODING_OPENVINOGENAI = 13,
  WASMNN_NN_ENCODING_BITNET = 14,
  /* Host-only pseudo-encodings (>= 1024): a guest's load() never reaches them.
   * remote: builder 0's bytes are the operator's URL (not NUL-terminated; path
   * NULL) of a model on an Open Inference Protocol (KServe v2) server. */
  WASMNN_NN_ENCODING_REMOTE = 1024,
} wasmnn_nn_encoding;

typedef enum wasmnn_nn_target {
  WASMNN_NN_TARGET_CPU = 0,
  WASMNN_NN_TARGET_GPU = 1,
  WASMNN_NN_TARGET_TPU = 2,
  WASMNN_NN_TARGET_AUTO = 3, /* host extension (--nn-preload ...:auto:...): backend picks its best device */
} wasmnn_nn_target;
#define WASMNN_NN_TARGET_BIT(t) (1u << (t))

/* Current numbering only. Element sizes: f16 2, f32 4, f64 8, u8 1, i32 4, i64 8. */
typedef enum wasmnn_nn_tensor_type {
  WASMNN_NN_TYPE_F16 = 0,
  WASMNN_NN_TYPE_F32 = 1,
  WASMNN_NN_TYPE_F64 = 2,
  WASMNN_NN_TYPE_U8 = 3,
  WASMNN_NN_TYPE_I32 = 4,
  WASMNN_NN_TYPE_I64 = 5,
} wasmnn_nn_tensor_type;

/* ---------------------------------------------------------------- records */

/* One model part. `data`/`size` are always valid during load() (for an
 * encoding whose preload is an address, e.g. remote, they hold it). For a model
 * preloaded by the operator (--nn-preload) `path` is the host file the bytes
 * are mapped from — a backend may open it itself (mmap a multi-GiB GGUF)
 * instead of reading `data`. For guest-supplied bytes `path` is NULL: a
 * backend must never open a host path a guest chose. */
typedef struct wasmnn_nn_builder {
  const uint8_t* data;
  size_t size;
  const char* path; /* NULL unless preloaded */
} wasmnn_nn_builder;

/* An input tensor, checked by the host: rank <= WASMNN_NN_MAX_RANK, the
 * product of dims does not overflow, and size == product(dims) * element size
 * of `type` exactly. `data` may be unaligned (guest memory) and is NULL only
 * when size == 0. */
typedef struct wasmnn_nn_tensor {
  wasmnn_nn_tensor_type type;
  uint32_t rank;
  const uint32_t* dims;
  const void* data;
  size_t size; /* bytes */
} wasmnn_nn_tensor;

/* Opaque per-backend objects: each backend defines these structs privately. */
typedef struct wasmnn_nn_graph wasmnn_nn_graph;
typedef struct wasmnn_nn_context wasmnn_nn_context;

/* Filled by init(); the strings must live as long as the library. */
typedef struct wasmnn_nn_backend_info {
  uint32_t struct_size;          /* set by the host before init(): sizeof(wasmnn_nn_backend_info) */
  const char* framework_name;    /* "libtorch", "onnxruntime", ... */
  const char* framework_version; /* the version of the library actually loaded, e.g. "1.30.0" */
  uint32_t target_mask;          /* WASMNN_NN_TARGET_BIT(...) of the devices usable right now */
} wasmnn_nn_backend_info;

/* ---------------------------------------------------------------- table */

typedef struct wasmnn_nn_backend {
  /* Must be WASMNN_NN_BACKEND_ABI_VERSION and sizeof(wasmnn_nn_backend) as
   * compiled into the backend. */
  uint32_t abi_version;
  uint32_t struct_size;

  /* Static description, valid as long as the library: backend name (the
   * <name> in the file name), the backend's own version, and the canonical
   * encodings it loads. */
  const char* name;
  const char* version;
  const wasmnn_nn_encoding* encodings;
  uint32_t encoding_count;

  /* Once per process, before anything else. On failure return an errno and
   * write a one-line reason (NUL-terminated, truncated to why_cap) to `why`;
   * the host then reports the backend as failed and never calls it again. */
  wasmnn_nn_errno (*init)(wasmnn_nn_backend_info* info, char* why, size_t why_cap);

  /* Build a graph. `encoding` is one of `encodings`; `target` is one the
   * backend listed in target_mask (the host answers other targets with
   * unsupported_operation itself) or WASMNN_NN_TARGET_AUTO. On failure *out
   * is left untouched. config_json (UTF-8,
   * not NUL-terminated, may be NULL with config_len 0) comes from
   * load_by_name_with_config; a backend without options accepts an empty or
   * "{}" config and rejects others with invalid_argument. */
  wasmnn_nn_errno (*load)(wasmnn_nn_encoding encoding, wasmnn_nn_target target, const wasmnn_nn_builder* builders,
                          uint32_t builder_count, const char* config_json, size_t config_len, wasmnn_nn_graph** out);
  void (*destroy_graph)(wasmnn_nn_graph* graph);

  wasmnn_nn_errno (*init_context)(wasmnn_nn_graph* graph, wasmnn_nn_context** out);
  void (*destroy_context)(wasmnn_nn_context* ctx);

  /* index is the guest's input index (unchecked by the host). */
  wasmnn_nn_errno (*set_input)(wasmnn_nn_context* ctx, uint32_t index, const wasmnn_nn_tensor* tensor);
  wasmnn_nn_errno (*compute)(wasmnn_nn_context* ctx);
  /* Write output `index` (raw little-endian elements, row-major) into buf
   * (capacity `cap` bytes; buf may be NULL when cap == 0). Always store the
   * full size of the output in bytes in *size_out; if it exceeds cap, write
   * nothing and return WASMNN_NN_TOO_LARGE. For text outputs (LLMs) the
   * bytes are UTF-8 without a terminating NUL. */
  wasmnn_nn_errno (*get_output)(wasmnn_nn_context* ctx, uint32_t index, void* buf, size_t cap, size_t* size_out);

  /* Optional (NULL = unsupported_operation for the guest): WasmEdge-style
   * streaming. compute_single produces one more token (END_OF_SEQUENCE when
   * done, CONTEXT_FULL when the context window is exhausted);
   * get_output_single returns the latest token only, same contract as
   * get_output; fini_single drops the streaming state so the context can
   * take a new prompt. Metadata (e.g. token counts as JSON) is an extra
   * output index of get_output, documented by the backend. */
  wasmnn_nn_errno (*compute_single)(wasmnn_nn_context* ctx);
  wasmnn_nn_errno (*get_output_single)(wasmnn_nn_context* ctx, uint32_t index, void* buf, size_t cap, size_t* size_out);
  wasmnn_nn_errno (*fini_single)(wasmnn_nn_context* ctx);

  /* Appended (compatible: absent in a smaller struct_size, then read as 0).
   * WASMNN_NN_SANDBOX_* bits: what the backend's sandboxed worker needs
   * beyond computing (see "isolation" above). */
  uint32_t sandbox_flags;
} wasmnn_nn_backend;

/* sandbox_flags: the worker may open TCP/UDP connections (no files). */
#define WASMNN_NN_SANDBOX_NETWORK (1u << 0)

/* Size of the version-1 table up to its last mandatory member (get_output). */
#define WASMNN_NN_BACKEND_V1_MIN_SIZE (offsetof(wasmnn_nn_backend, get_output) + sizeof(void*))

/* The one symbol a backend exports. host_abi_version is the host's
 * WASMNN_NN_BACKEND_ABI_VERSION; a backend may return NULL if it cannot
 * serve that host (the host reports it as an ABI mismatch). */
typedef const wasmnn_nn_backend* (*wasmnn_nn_backend_entry_fn)(uint32_t host_abi_version);

#if defined(_WIN32)
#define WASMNN_NN_BACKEND_EXPORT __declspec(dllexport)
#else
#define WASMNN_NN_BACKEND_EXPORT __attribute__((visibility("default")))
#endif

/* Backends declare their entry with this (C linkage, visible). */
#define WASMNN_NN_BACKEND_ENTRY(host_abi_version_param) \
  WASMNN_NN_BACKEND_EXPORT const wasmnn_nn_backend* wasmnn_backend_v1_entry(uint32_t host_abi_version_param)

/* ---------------------------------------------------------------- core services
 * Exported by libwasmnn.so; thread-safe; callable from any backend call. */

typedef enum wasmnn_nn_log_level {
  WASMNN_NN_LOG_ERROR = 0,
  WASMNN_NN_LOG_WARN = 1,
  WASMNN_NN_LOG_INFO = 2,
  WASMNN_NN_LOG_DEBUG = 3,
} wasmnn_nn_log_level;

/* One line to stderr (never stdout: that is the guest's), formatted as
 *   "wasmnn-nn: <level>: <source>: <message>\n"
 * written with a single write() so lines of parallel threads never mix.
 * source is the backend name (or a core component); printf-style format; a
 * trailing newline in the message is dropped. Lines above the current level
 * are discarded. The level defaults to WARN, is read once from the
 * environment variable WASMNN_NN_LOG (error|warn|info|debug) and can be set
 * with wasmnn_nn_log_set_level. */
WASMNN_API void wasmnn_nn_log(wasmnn_nn_log_level level, const char* source, const char* format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
WASMNN_API int wasmnn_nn_log_enabled(wasmnn_nn_log_level level);
WASMNN_API void wasmnn_nn_log_set_level(wasmnn_nn_log_level level);

/* Stable lower-case name ("invalid_argument", "too_large", ...; "unknown" otherwise). */
WASMNN_API const char* wasmnn_nn_errno_name(wasmnn_nn_errno err);
/* "onnx", "pytorch", "ggml", ... ; "unknown" otherwise. */
WASMNN_API const char* wasmnn_nn_encoding_name(wasmnn_nn_encoding encoding);
/* Bytes per element; 0 for an unknown type. */
WASMNN_API size_t wasmnn_nn_tensor_type_size(wasmnn_nn_tensor_type type);
WASMNN_API const char* wasmnn_nn_tensor_type_name(wasmnn_nn_tensor_type type);

/* Allocation for buffers whose size a guest controls (e.g. a framework
 * staging area sized from input dims): never throws across the C boundary;
 * returns NULL — after logging one line naming `source` and the size — when
 * size is 0, exceeds the core's per-allocation limit (default 4 GiB;
 * env WASMNN_NN_MAX_ALLOC in bytes) or the system is out of memory. The
 * memory is 64-byte aligned. Free with wasmnn_nn_free (NULL is a no-op). */
WASMNN_API void* wasmnn_nn_alloc(const char* source, size_t size);
WASMNN_API void wasmnn_nn_free(void* ptr);

#ifdef __cplusplus
}
#endif

#endif /* WASMNN_NN_BACKEND_H */
