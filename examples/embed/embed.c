/* Embedding wasmnn from plain C: runs a WASI program, with WASI-NN available,
 * the way `wasmnn run` does. It sees the current directory as ".".
 *
 *   embed MODULE.wasm [ARGS...]     exits with the guest's exit code
 *
 * Build against an installed wasmnn with `pkg-config --cflags --libs wasmnn`
 * or CMake's find_package(wasmnn) -> wasmnn::wasmnn. */
#include <stdio.h>
#include <stdlib.h>

#include <wasmnn/wasi.h>
#include <wasmnn/wasi_nn.h>
#include <wasmnn/wasmnn.h>

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char* bytes = NULL;
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    bytes = malloc(n > 0 ? (size_t)n : 1);
    if (bytes && fread(bytes, 1, (size_t)n, f) != (size_t)n) {
      free(bytes);
      bytes = NULL;
    }
  }
  fclose(f);
  *size = (size_t)n;
  return bytes;
}

/* The process exit code for the outcome of a call: the guest's own on
 * proc_exit, 134 on a trap (like the CLI), 1 on any other error. */
static int exit_code(wasmnn_error* err) {
  if (!err) return 0;
  int code = wasmnn_error_get_kind(err) == WASMNN_ERROR_EXIT ? wasmnn_error_exit_code(err) : 1;
  if (wasmnn_error_get_kind(err) != WASMNN_ERROR_EXIT) {
    fprintf(stderr, "embed: %s\n", wasmnn_error_message(err));
    for (size_t i = 0; i < wasmnn_error_frame_count(err); ++i)
      fprintf(stderr, "  at %s\n", wasmnn_error_frame_function(err, i));
    if (wasmnn_error_get_kind(err) == WASMNN_ERROR_TRAP || wasmnn_error_get_kind(err) == WASMNN_ERROR_EXHAUSTION)
      code = 134;
  }
  wasmnn_error_delete(err);
  return code;
}

static wasmnn_error* run(wasmnn_engine* engine, const wasmnn_module* module, int argc, char** argv) {
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_wasi* wasi = wasmnn_wasi_new();
  wasmnn_nn_host* nn = wasmnn_nn_host_new();
  wasmnn_wasi_set_args(wasi, (size_t)argc, (const char* const*)argv);
  wasmnn_instance* instance = NULL;
  wasmnn_extern start;
  wasmnn_error* err = wasmnn_wasi_preopen_dir(wasi, ".", ".");
  if (!err) err = wasmnn_linker_define_wasi(linker, wasi);
  if (!err) err = wasmnn_linker_define_wasi_nn(linker, nn);
  if (!err) err = wasmnn_linker_instantiate(linker, module, &instance);
  if (!err && !(wasmnn_instance_export(instance, "_start", &start) && start.kind == WASMNN_EXTERN_FUNC))
    err = wasmnn_error_new(WASMNN_ERROR_HOST, "the module exports no _start function");
  if (!err) err = wasmnn_func_call(start.of.func, NULL, 0, NULL, 0);
  /* The store's functions refer to wasi and the WASI-NN state: delete it first. */
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_nn_host_delete(nn);
  wasmnn_wasi_delete(wasi);
  return err;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: embed MODULE.wasm [ARGS...]\n");
    return 2;
  }
  size_t size = 0;
  unsigned char* bytes = read_file(argv[1], &size);
  if (!bytes) {
    perror(argv[1]);
    return 1;
  }
  wasmnn_engine* engine = wasmnn_engine_new(NULL);
  wasmnn_module* module = NULL;
  wasmnn_error* err = wasmnn_module_new(engine, bytes, size, &module);
  free(bytes);
  if (!err) err = run(engine, module, argc - 1, argv + 1);
  int code = exit_code(err);
  wasmnn_module_delete(module);
  wasmnn_engine_delete(engine);
  return code;
}
