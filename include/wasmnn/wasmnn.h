/*
 * wasmnn embedding API — stable, plain C, usable from C and C++.
 *
 * Objects and ownership
 *   wasmnn_engine   configuration shared by everything below; thread-safe.
 *   wasmnn_module   a decoded and validated module; immutable, thread-safe,
 *                   may be instantiated in any number of stores.
 *   wasmnn_store    owns all runtime objects (instances, functions, memories,
 *                   tables, globals) and the execution stack. A store and
 *                   everything in it is used by one thread at a time; use one
 *                   store per thread to run in parallel.
 *   wasmnn_linker   the names imports are resolved against (per store).
 *   wasmnn_instance / wasmnn_func / wasmnn_memory / wasmnn_table /
 *   wasmnn_global   handles owned by their store: never freed individually,
 *                   valid until wasmnn_store_delete.
 *   wasmnn_error    owned by the caller that receives it; free it with
 *                   wasmnn_error_delete.
 *
 * Every function that can fail returns a wasmnn_error* (NULL = success).
 */
#ifndef WASMNN_WASMNN_H
#define WASMNN_WASMNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define WASMNN_API __declspec(dllexport)
#else
#define WASMNN_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define WASMNN_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------- values */

typedef enum wasmnn_valkind {
  WASMNN_I32 = 0,
  WASMNN_I64 = 1,
  WASMNN_F32 = 2,
  WASMNN_F64 = 3,
  WASMNN_V128 = 4,
  WASMNN_FUNCREF = 5,
  WASMNN_EXTERNREF = 6,
} wasmnn_valkind;

typedef struct wasmnn_func wasmnn_func;

/* Floats are carried as raw IEEE bits so NaN payloads survive every copy. */
typedef struct wasmnn_val {
  wasmnn_valkind kind;
  union {
    int32_t i32;
    int64_t i64;
    uint32_t f32_bits;
    uint64_t f64_bits;
    uint8_t v128[16];
    wasmnn_func* funcref; /* NULL = ref.null func */
    void* externref;      /* NULL = ref.null extern; otherwise an opaque host value */
  } of;
} wasmnn_val;

typedef struct wasmnn_functype {
  size_t param_count;
  const wasmnn_valkind* params;
  size_t result_count;
  const wasmnn_valkind* results;
} wasmnn_functype;

/* ---------------------------------------------------------------- errors */

typedef enum wasmnn_error_kind {
  WASMNN_ERROR_MALFORMED = 0,  /* not a valid binary encoding */
  WASMNN_ERROR_INVALID = 1,    /* fails validation */
  WASMNN_ERROR_LINK = 2,       /* an import cannot be resolved or has the wrong type */
  WASMNN_ERROR_TRAP = 3,       /* runtime trap (also a trap during instantiation) */
  WASMNN_ERROR_EXHAUSTION = 4, /* call stack exhausted */
  WASMNN_ERROR_EXIT = 5,       /* the guest exited (WASI proc_exit); see wasmnn_error_exit_code */
  WASMNN_ERROR_HOST = 6,       /* misuse of this API, resource failure */
  WASMNN_ERROR_INTERRUPT = 7,  /* the store was interrupted (wasmnn_store_interrupt, a deadline) */
} wasmnn_error_kind;

typedef struct wasmnn_error wasmnn_error;

WASMNN_API wasmnn_error* wasmnn_error_new(wasmnn_error_kind kind, const char* message);
/* For host functions: end the run with this exit code (WASI proc_exit). */
WASMNN_API wasmnn_error* wasmnn_error_new_exit(int exit_code);
WASMNN_API void wasmnn_error_delete(wasmnn_error* error);
WASMNN_API wasmnn_error_kind wasmnn_error_get_kind(const wasmnn_error* error);
WASMNN_API const char* wasmnn_error_message(const wasmnn_error* error);
WASMNN_API int wasmnn_error_exit_code(const wasmnn_error* error);
/* Wasm backtrace of a trap, innermost frame first; function names come from the
 * name section (else the export name, else "func[N]"). */
WASMNN_API size_t wasmnn_error_frame_count(const wasmnn_error* error);
WASMNN_API const char* wasmnn_error_frame_function(const wasmnn_error* error, size_t index);
/* A backtrace keeps the innermost 128 frames; this many outer frames were cut. */
WASMNN_API size_t wasmnn_error_frames_omitted(const wasmnn_error* error);

/* Text that came from a guest (names in error messages and backtraces, and
 * messages quoting them) made safe to print on a terminal or in a log: control
 * characters (also newline, tab and C1 controls), bytes that are not valid
 * UTF-8 and bidirectional overrides become \xNN escapes, a backslash becomes
 * \\. Like snprintf: writes at most out_size bytes including the final NUL
 * and returns the length of the whole escaped text (at most 4 * len). */
WASMNN_API size_t wasmnn_escape_text(const char* text, size_t len, char* out, size_t out_size);

/* ---------------------------------------------------------------- engine */

typedef struct wasmnn_config {
  /* Maximum nesting of wasm calls before "call stack exhausted". 0 = default (30000). */
  uint32_t max_call_depth;
  /* Size of each store's value stack in bytes. 0 = default (8 MiB, reserved lazily). */
  size_t value_stack_bytes;
  /* Upper bound on any memory's size in 64 KiB pages. 0 = default (65536 = 4 GiB). */
  uint32_t max_memory_pages;
  /* Upper bound on any table's size in elements. 0 = default (10,000,000). */
  uint32_t max_table_elements;
  /* How loads and stores are bounds-checked (see wasmnn_bounds_checks). */
  uint32_t bounds_checks;
  /* Totals over everything one store holds, so a guest cannot make the host
   * allocate more by declaring many tables or memories: a table, memory or
   * instance beyond a total fails to instantiate, a grow beyond it returns -1.
   * Table elements: 0 = default (10,000,000, i.e. 80 MB of references).
   * Memory bytes (committed linear memory, rounded down to pages): 0 = no total
   * beyond max_memory_pages per memory. Instances: 0 = default (10,000). */
  uint64_t max_store_table_elements;
  uint64_t max_store_memory_bytes;
  uint32_t max_store_instances;
  /* How functions run: interpreted or compiled to native code (see wasmnn_tier). */
  uint32_t tier;
  /* The compiled tier's optimisation level, as LLVM's -O1..-O3. 0 = default (2). */
  uint32_t opt_level;
  /* The compiled tier's cache directory (like Wasmtime's cache): a module is
   * compiled once and loaded from there afterwards (an AOT artifact named by
   * the module's hash and the compile settings). NULL = no cache. Copied. */
  const char* cache_dir;
  /* The x86-64 level the compiled tier generates code for: "x86-64",
   * "x86-64-v2", "x86-64-v3" or "x86-64-v4" (an artifact for a lower level runs
   * on more machines). NULL = the best this CPU runs. Copied. */
  const char* target_cpu;
} wasmnn_config;

/* Values of wasmnn_config.bounds_checks. EXPLICIT compares every address with
 * the memory's size. GUARD reserves 8 GiB of address space per memory, drops
 * the comparisons and turns faults on the inaccessible part into traps with a
 * SIGSEGV/SIGBUS handler (x86-64 Linux only; elsewhere, under ASan, or when the
 * reservation fails, memories fall back to EXPLICIT). AUTO = what measured
 * fastest for the tier: EXPLICIT for the interpreter, GUARD for the compiled
 * tier; the environment variable WASMNN_BOUNDS_CHECKS ("explicit" or "guard")
 * overrides it. */
typedef enum wasmnn_bounds_checks {
  WASMNN_BOUNDS_AUTO = 0,
  WASMNN_BOUNDS_EXPLICIT = 1,
  WASMNN_BOUNDS_GUARD = 2,
} wasmnn_bounds_checks;

/* Values of wasmnn_config.tier. INTERPRETER runs every function in the
 * interpreter: nothing to compile, so it starts fastest. COMPILED gives every
 * module native code when it is created: compiled with LLVM (loading
 * libwasmnn_llvm.so on first use), or taken from the cache, or loaded from an
 * AOT artifact (wasmnn_module_deserialize). AUTO = INTERPRETER, unless the
 * environment variable WASMNN_TIER says "compiled". */
typedef enum wasmnn_tier {
  WASMNN_TIER_AUTO = 0,
  WASMNN_TIER_INTERPRETER = 1,
  WASMNN_TIER_COMPILED = 2,
} wasmnn_tier;

typedef struct wasmnn_engine wasmnn_engine;

/* config may be NULL for defaults. */
WASMNN_API wasmnn_engine* wasmnn_engine_new(const wasmnn_config* config);
WASMNN_API void wasmnn_engine_delete(wasmnn_engine* engine);
WASMNN_API const char* wasmnn_version(void);

/* ---------------------------------------------------------------- module */

typedef struct wasmnn_module wasmnn_module;

typedef enum wasmnn_externkind {
  WASMNN_EXTERN_FUNC = 0,
  WASMNN_EXTERN_TABLE = 1,
  WASMNN_EXTERN_MEMORY = 2,
  WASMNN_EXTERN_GLOBAL = 3,
} wasmnn_externkind;

/* Decode and validate. The bytes are copied; the caller may free them. */
WASMNN_API wasmnn_error* wasmnn_module_new(wasmnn_engine* engine, const uint8_t* bytes, size_t size,
                                           wasmnn_module** out);
WASMNN_API void wasmnn_module_delete(wasmnn_module* module);

typedef struct wasmnn_import_desc {
  const char* module; /* valid while the module lives */
  const char* name;
  wasmnn_externkind kind;
} wasmnn_import_desc;

typedef struct wasmnn_export_desc {
  const char* name;
  wasmnn_externkind kind;
} wasmnn_export_desc;

/* True when the module has native code (the compiled tier). */
WASMNN_API bool wasmnn_module_is_compiled(const wasmnn_module* module);
/* The module's native code as an AOT artifact (what `wasmnn compile` writes):
 * the module's bytes, the object code and what it was compiled for (wasmnn
 * build, CPU level, optimisation level, bounds checks). The module must be
 * compiled. Free *out with wasmnn_bytes_delete. */
WASMNN_API wasmnn_error* wasmnn_module_serialize(const wasmnn_module* module, uint8_t** out, size_t* size);
/* Loads an AOT artifact without LLVM. Refused with a HOST error naming the
 * reason and the fix if it is not an artifact, was made by another wasmnn
 * build, needs CPU features this machine lacks, or is corrupt. An artifact is
 * native code that runs unchecked: load only artifacts you made or trust. */
WASMNN_API wasmnn_error* wasmnn_module_deserialize(wasmnn_engine* engine, const uint8_t* bytes, size_t size,
                                                   wasmnn_module** out);
/* True when the bytes start like an AOT artifact (not a .wasm). */
WASMNN_API bool wasmnn_is_artifact(const uint8_t* bytes, size_t size);
WASMNN_API void wasmnn_bytes_delete(uint8_t* bytes);

WASMNN_API size_t wasmnn_module_import_count(const wasmnn_module* module);
/* Defined functions (those with code); their indices follow the imported ones. */
WASMNN_API size_t wasmnn_module_func_count(const wasmnn_module* module);
WASMNN_API size_t wasmnn_module_imported_func_count(const wasmnn_module* module);
WASMNN_API size_t wasmnn_module_export_count(const wasmnn_module* module);
/* Names are NUL-terminated strings here, cut at a NUL byte they contain (valid
 * Wasm): two such names can look identical. The _sized forms below return
 * every byte. */
WASMNN_API wasmnn_import_desc wasmnn_module_import(const wasmnn_module* module, size_t index);
WASMNN_API wasmnn_export_desc wasmnn_module_export(const wasmnn_module* module, size_t index);

/* A name of `size` bytes, which may contain NUL bytes (still NUL-terminated). */
typedef struct wasmnn_name {
  const char* data;
  size_t size;
} wasmnn_name;

/* The sized forms: false (nothing written) when index is out of range. The
 * names point into the module; valid while the module lives. */
WASMNN_API bool wasmnn_module_import_sized(const wasmnn_module* module, size_t index, wasmnn_name* module_name,
                                           wasmnn_name* name, wasmnn_externkind* kind);
WASMNN_API bool wasmnn_module_export_sized(const wasmnn_module* module, size_t index, wasmnn_name* name,
                                           wasmnn_externkind* kind);

/* A debugging aid: the interpreter's internal code (slot code) of function
 * func_index in the module's function index space, as text, one instruction
 * per line under a header line; the function is compiled for this. The format
 * is for people and the compiler's tests, not a stable interface. An error of
 * kind HOST for an imported or missing function, or (an internal error) if the
 * code does not decode by its declared layout. Free *text_out with
 * wasmnn_string_delete. */
WASMNN_API wasmnn_error* wasmnn_module_code_text(const wasmnn_module* module, uint32_t func_index, char** text_out);
WASMNN_API void wasmnn_string_delete(char* text);

/* ---------------------------------------------------------------- store */

typedef struct wasmnn_store wasmnn_store;

WASMNN_API wasmnn_store* wasmnn_store_new(wasmnn_engine* engine);
/* Frees every object the store owns, running host finalizers. */
WASMNN_API void wasmnn_store_delete(wasmnn_store* store);

/* Interruption. These may be called from any thread while the store runs
 * (wasmnn_store_interrupt also from a signal handler). Wasm code running in an
 * interrupted store stops at its next loop iteration or call with an error of
 * kind INTERRUPT ("interrupted", or "interrupted: deadline exceeded"), and the
 * blocking WASI calls (poll_oneoff, fd_read/fd_write on a pipe, terminal or
 * socket) return at once. The store stays interrupted, so every later call
 * fails the same way at once, until wasmnn_store_resume. Both tiers poll: the
 * interpreter on loops' back edges and calls, compiled code on loops' back edges
 * and function entries. */
WASMNN_API void wasmnn_store_interrupt(wasmnn_store* store);
/* Interrupts the store timeout_ns nanoseconds from now (replacing an earlier
 * deadline); 0 cancels the pending deadline. */
WASMNN_API void wasmnn_store_set_deadline(wasmnn_store* store, uint64_t timeout_ns);
/* Clears an interruption and cancels the pending deadline. */
WASMNN_API void wasmnn_store_resume(wasmnn_store* store);
/* For host functions that block: a file descriptor that is readable while the
 * store is interrupted, to poll beside their own (owned by the store; -1 if
 * none could be created). Return an error once it fires. */
WASMNN_API int wasmnn_store_interrupt_fd(wasmnn_store* store);

/* ---------------------------------------------------------------- externs */

typedef struct wasmnn_memory wasmnn_memory;
typedef struct wasmnn_table wasmnn_table;
typedef struct wasmnn_global wasmnn_global;
typedef struct wasmnn_instance wasmnn_instance;

typedef struct wasmnn_extern {
  wasmnn_externkind kind;
  union {
    wasmnn_func* func;
    wasmnn_table* table;
    wasmnn_memory* memory;
    wasmnn_global* global;
  } of;
} wasmnn_extern;

/* ---------------------------------------------------------------- functions */

/* What a host function sees of its caller. Valid only during the callback. */
typedef struct wasmnn_caller wasmnn_caller;

/* The calling instance's memory 0 (NULL if it has none). Guest memory may move
 * when the guest grows it: re-read the data pointer after calling into wasm. */
WASMNN_API wasmnn_memory* wasmnn_caller_memory(wasmnn_caller* caller);
WASMNN_API wasmnn_instance* wasmnn_caller_instance(wasmnn_caller* caller);
WASMNN_API wasmnn_store* wasmnn_caller_store(wasmnn_caller* caller);

/* A host function. args has param_count values, results has room for
 * result_count values (kinds pre-set). Return NULL on success or an error,
 * which becomes a trap in the guest (or an exit, see wasmnn_error_new_exit). */
typedef wasmnn_error* (*wasmnn_host_callback)(wasmnn_caller* caller, void* env, const wasmnn_val* args,
                                              wasmnn_val* results);
typedef void (*wasmnn_finalizer)(void* env);

/* The type is copied. finalizer (may be NULL) runs on env when the store is deleted. */
WASMNN_API wasmnn_func* wasmnn_func_new(wasmnn_store* store, const wasmnn_functype* type, wasmnn_host_callback callback,
                                        void* env, wasmnn_finalizer finalizer);
/* The returned type points into the function; valid while the store lives. */
WASMNN_API wasmnn_functype wasmnn_func_type(const wasmnn_func* func);
/* Call a function (wasm or host). Checks argument count and kinds. results
 * must have room for the type's result_count values. Traps come back as errors
 * with kind TRAP or EXHAUSTION and a backtrace. */
WASMNN_API wasmnn_error* wasmnn_func_call(wasmnn_func* func, const wasmnn_val* args, size_t arg_count,
                                          wasmnn_val* results, size_t result_count);

/* ---------------------------------------------------------------- memories */

#define WASMNN_PAGE_SIZE 65536u
#define WASMNN_NO_MAX UINT32_MAX

/* max_pages = WASMNN_NO_MAX for no maximum. */
WASMNN_API wasmnn_error* wasmnn_memory_new(wasmnn_store* store, uint32_t min_pages, uint32_t max_pages,
                                           wasmnn_memory** out);
WASMNN_API uint8_t* wasmnn_memory_data(wasmnn_memory* memory);
WASMNN_API size_t wasmnn_memory_size(const wasmnn_memory* memory); /* bytes */
WASMNN_API uint32_t wasmnn_memory_pages(const wasmnn_memory* memory);
/* On success stores the previous size in pages in *old_pages (may be NULL). */
WASMNN_API wasmnn_error* wasmnn_memory_grow(wasmnn_memory* memory, uint32_t delta_pages, uint32_t* old_pages);

/* ---------------------------------------------------------------- tables */

WASMNN_API wasmnn_error* wasmnn_table_new(wasmnn_store* store, wasmnn_valkind element_kind, uint32_t min, uint32_t max,
                                          wasmnn_table** out);
WASMNN_API uint32_t wasmnn_table_size(const wasmnn_table* table);
WASMNN_API wasmnn_error* wasmnn_table_get(const wasmnn_table* table, uint32_t index, wasmnn_val* out);
WASMNN_API wasmnn_error* wasmnn_table_set(wasmnn_table* table, uint32_t index, const wasmnn_val* value);

/* ---------------------------------------------------------------- globals */

WASMNN_API wasmnn_error* wasmnn_global_new(wasmnn_store* store, const wasmnn_val* init, bool mutable_,
                                           wasmnn_global** out);
WASMNN_API wasmnn_val wasmnn_global_get(const wasmnn_global* global);
WASMNN_API wasmnn_error* wasmnn_global_set(wasmnn_global* global, const wasmnn_val* value);

/* ---------------------------------------------------------------- linking */

typedef struct wasmnn_linker wasmnn_linker;

WASMNN_API wasmnn_linker* wasmnn_linker_new(wasmnn_store* store);
WASMNN_API void wasmnn_linker_delete(wasmnn_linker* linker);
/* Define (or redefine) module.name. */
WASMNN_API wasmnn_error* wasmnn_linker_define(wasmnn_linker* linker, const char* module, const char* name,
                                              const wasmnn_extern* item);
/* The same with sized names, for imports whose names contain NUL bytes. */
WASMNN_API wasmnn_error* wasmnn_linker_define_sized(wasmnn_linker* linker, wasmnn_name module, wasmnn_name name,
                                                    const wasmnn_extern* item);
/* Shorthand: wasmnn_func_new + wasmnn_linker_define. */
WASMNN_API wasmnn_error* wasmnn_linker_define_func(wasmnn_linker* linker, const char* module, const char* name,
                                                   const wasmnn_functype* type, wasmnn_host_callback callback,
                                                   void* env, wasmnn_finalizer finalizer);
/* One host function of a table for wasmnn_linker_define_funcs. */
typedef struct wasmnn_host_func_def {
  const char* module;
  const char* name;
  wasmnn_functype type;
  wasmnn_host_callback callback;
} wasmnn_host_func_def;
/* Defines a table of host functions sharing one env, like WAMR's native symbol
 * registration. The table, its strings and types must stay valid while the
 * linker lives (typically a static array). A function is created in the store
 * only when a module imports it: defining a large API costs one call, not one
 * function object each. As with every define, the latest definition of a name
 * wins. finalizer (may be NULL) runs on env once, when the store is deleted.
 * On error (an invalid type or null argument) nothing is defined and env stays
 * the caller's. */
WASMNN_API wasmnn_error* wasmnn_linker_define_funcs(wasmnn_linker* linker, const wasmnn_host_func_def* defs,
                                                    size_t count, void* env, wasmnn_finalizer finalizer);
/* Define every export of an instance under a module name (spec "register"). */
WASMNN_API wasmnn_error* wasmnn_linker_define_instance(wasmnn_linker* linker, const char* module,
                                                       wasmnn_instance* instance);
/* Resolve imports, allocate, initialise segments and run the start function.
 * A link error names module, field, expected and found types. If
 * instantiation traps after segments were written, *out is still NULL but the
 * writes to shared (imported) memories and tables remain, as the spec says. */
WASMNN_API wasmnn_error* wasmnn_linker_instantiate(wasmnn_linker* linker, const wasmnn_module* module,
                                                   wasmnn_instance** out);

/* ---------------------------------------------------------------- instances */

/* Returns false if there is no export of that name. */
WASMNN_API bool wasmnn_instance_export(const wasmnn_instance* instance, const char* name, wasmnn_extern* out);
/* The same for a name of name_len bytes, which may contain NUL bytes. */
WASMNN_API bool wasmnn_instance_export_sized(const wasmnn_instance* instance, const char* name, size_t name_len,
                                             wasmnn_extern* out);
WASMNN_API size_t wasmnn_instance_export_count(const wasmnn_instance* instance);
/* name points into the instance's module; valid while the store lives. A name
 * with NUL bytes is cut at the first: see the sized form. */
WASMNN_API void wasmnn_instance_export_nth(const wasmnn_instance* instance, size_t index, const char** name,
                                           wasmnn_extern* out);
/* False (nothing written) when index is out of range. */
WASMNN_API bool wasmnn_instance_export_nth_sized(const wasmnn_instance* instance, size_t index, wasmnn_name* name,
                                                 wasmnn_extern* out);
WASMNN_API const wasmnn_module* wasmnn_instance_module(const wasmnn_instance* instance);

#ifdef __cplusplus
}
#endif

#endif /* WASMNN_WASMNN_H */
