/*
 * WASI preview1 (wasi_snapshot_preview1) for wasmnn guests, built on the
 * embedding API in wasmnn.h.
 *
 * A wasmnn_wasi is one guest's view of the world: its arguments, its
 * environment (exactly what the embedder adds — nothing is inherited), its
 * preopened directories (the only host paths it can reach) and its fd table.
 * It must outlive every call into the instance linked against it.
 *
 * Sandbox: a guest path is resolved beneath the directory fd it is relative
 * to, one component at a time, with symlinks expanded by wasmnn (never by the
 * kernel). ".." above that directory, absolute paths and symlinks leading
 * outside fail with `perm`; a missing right fails with `notcapable`.
 * Fds 0-2 are duplicates of the host's stdin/stdout/stderr; preopens follow
 * from fd 3 in the order they were added.
 */
#ifndef WASMNN_WASI_H
#define WASMNN_WASI_H

#include "wasmnn/wasmnn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmnn_wasi wasmnn_wasi;

WASMNN_API wasmnn_wasi* wasmnn_wasi_new(void);
WASMNN_API void wasmnn_wasi_delete(wasmnn_wasi* wasi);
/* argv[0] is the program name the guest sees. Copied. */
WASMNN_API void wasmnn_wasi_set_args(wasmnn_wasi* wasi, size_t argc, const char* const* argv);
/* Adds KEY=VALUE to the guest environment; a key added again replaces its value. Copied. */
WASMNN_API void wasmnn_wasi_add_env(wasmnn_wasi* wasi, const char* key, const char* value);
/* Grant the guest the host directory host_path under the name guest_path.
 * Fails (naming the path and the OS error) if host_path is not a directory. */
WASMNN_API wasmnn_error* wasmnn_wasi_preopen_dir(wasmnn_wasi* wasi, const char* host_path, const char* guest_path);
/* Define every wasi_snapshot_preview1 function in the linker, bound to wasi. */
WASMNN_API wasmnn_error* wasmnn_linker_define_wasi(wasmnn_linker* linker, wasmnn_wasi* wasi);

#ifdef __cplusplus
}
#endif

#endif /* WASMNN_WASI_H */
