// Runtime objects. The opaque types of the C API (wasmnn.h) are these
// structs, so a handle is the object itself and needs no translation.
// Everything except modules and engines is owned by its store.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "wasmnn/ast/module.h"
#include "wasmnn/common/error.h"
#include "wasmnn/common/internal_api.h"
#include "wasmnn/executor/exec.h"
#include "wasmnn/native/abi.h"
#include "wasmnn/runtime/interrupt.h"
#include "wasmnn/runtime/memory.h"
#include "wasmnn/wasmnn.h"

namespace wasmnn::native {
// The compiled tier's per-module and per-instance state (native/native.h).
struct NativeModule;
struct NativeInstance;
void deleteNativeModule(NativeModule* module);
void deleteNativeInstance(NativeInstance* instance);
}  // namespace wasmnn::native

struct wasmnn_error {
  wasmnn_error_kind kind = WASMNN_ERROR_HOST;
  std::string message;
  int exitCode = 0;
  std::vector<std::string> frames;  // innermost first
  size_t omittedFrames = 0;         // outer frames beyond the backtrace's cap
};

struct wasmnn_engine {
  wasmnn_config config;  // defaults filled in; cache_dir and target_cpu point into the strings below
  std::string cacheDir;
  std::string targetCpu;
};

namespace wasmnn {
// A function's code, compiled on first call. `ready` is the lock-free fast
// path; compiling happens under the module's compileMutex. (Not call_once:
// glibc's pthread_once makes a futex syscall per call even uncontended, and
// a hello world compiles ~20 functions.)
struct CodeSlot {
  std::atomic<bool> ready{false};
  CompiledFunc code;
};
}  // namespace wasmnn

// Reference-counted: instances keep their module alive after wasmnn_module_delete.
struct wasmnn_module {
  std::atomic<uint32_t> refs{1};
  wasmnn::Module ast;
  std::vector<uint32_t> typeIds;             // interned id of each type (for call_indirect)
  std::unique_ptr<wasmnn::CodeSlot[]> code;  // one per defined function, compiled lazily
  // The same without load/store checks, allocated on demand (under compileMutex).
  std::atomic<wasmnn::CodeSlot*> guardCode{nullptr};
  std::mutex compileMutex;
  wasmnn::native::NativeModule* native = nullptr;  // native code (compiled tier), or null
  ~wasmnn_module() {
    delete[] guardCode.load(std::memory_order_relaxed);
    wasmnn::native::deleteNativeModule(native);
  }
  void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

// The CallTarget base (typeId and native code) is what compiled code reads.
struct wasmnn_func : wasmnn::native::CallTarget {
  const wasmnn::FuncType* type = nullptr;  // into the module, or hostType
  wasmnn_store* store = nullptr;
  wasmnn_instance* instance = nullptr;         // wasm functions only
  uint32_t index = 0;                          // function index within its module
  const wasmnn::CompiledFunc* code = nullptr;  // set on first call (wasm only)
  wasmnn_host_callback callback = nullptr;     // host functions only
  void* env = nullptr;
  wasmnn_finalizer finalizer = nullptr;
  wasmnn::FuncType hostType;
  std::vector<wasmnn_valkind> cParams, cResults;  // for wasmnn_func_type, built on demand
  bool isHost() const { return callback != nullptr; }
};

struct wasmnn_memory {
  wasmnn::LinearMemory mem;
  std::optional<uint32_t> declaredMax;
  wasmnn_store* store = nullptr;  // whose totals it counts against (null: the shared empty memory)
};

struct wasmnn_table {
  wasmnn_store* store = nullptr;  // whose totals it counts against
  wasmnn::ValType elem = wasmnn::ValType::FuncRef;
  std::optional<uint32_t> declaredMax;
  uint32_t maxElems = 0;        // effective cap
  std::vector<uint64_t> elems;  // wasmnn_func* or externref bits; 0 = null
  // elems' data and size for compiled code: resize elems only in newTable
  // and growTable, which refresh it.
  wasmnn::native::TableView view;
};

struct wasmnn_global {
  wasmnn::GlobalType type;
  uint64_t value = 0;  // slot encoding (a v128's low half)
  uint64_t hi = 0;     // a v128's high half
};

struct wasmnn_instance {
  wasmnn_module* module = nullptr;  // retained
  wasmnn_store* store = nullptr;
  std::vector<wasmnn_func*> funcs;
  std::vector<wasmnn_table*> tables;
  std::vector<wasmnn_memory*> memories;
  std::vector<wasmnn_global*> globals;
  std::vector<std::vector<uint64_t>> elems;          // element segments; dropped = empty
  std::vector<std::span<const uint8_t>> datas;       // data segments; dropped = empty
  std::vector<wasmnn_extern> exports;                // parallel to module->ast.exports
  wasmnn_memory* mem0 = nullptr;                     // memory 0, or a shared empty memory
  wasmnn::native::NativeInstance* native = nullptr;  // when the module has native code
  ~wasmnn_instance() {
    wasmnn::native::deleteNativeInstance(native);
    if (module) module->release();
  }
};

struct wasmnn_caller {
  wasmnn_store* store;
  wasmnn_instance* instance;  // NULL when called directly from the host
};

struct wasmnn_store {
  wasmnn_config config;
  wasmnn::Interrupt interrupt;
  // What the store holds, against the config's max_store_* totals.
  uint64_t tableElements = 0;
  uint64_t memoryPages = 0;
  std::vector<std::unique_ptr<wasmnn_func>> funcs;
  std::vector<std::unique_ptr<wasmnn_memory>> memories;
  std::vector<std::unique_ptr<wasmnn_table>> tables;
  std::vector<std::unique_ptr<wasmnn_global>> globals;
  std::vector<std::unique_ptr<wasmnn_instance>> instances;
  wasmnn::ExecStack stack;
  wasmnn::native::ExecState nativeState;                          // compiled code's share of the execution state
  std::vector<std::pair<wasmnn_finalizer, void*>> envFinalizers;  // of wasmnn_linker_define_funcs
  ~wasmnn_store();
};

struct wasmnn_linker {
  // What define, define_func and define_instance gave.
  struct Single {
    wasmnn_extern item;
    uint64_t order;
  };
  // What define_funcs gave: functions are created on first import.
  struct FuncTable {
    std::span<const wasmnn_host_func_def> defs;
    void* env;
    std::vector<wasmnn_func*> made;  // parallel to defs, null until imported
    uint64_t order;
  };
  wasmnn_store* store = nullptr;
  std::map<std::pair<std::string, std::string>, Single, std::less<>> defs;
  std::vector<FuncTable> tables;
  uint64_t nextOrder = 0;  // the latest definition of a name wins
};

namespace wasmnn {

inline constexpr uint32_t kDefaultMaxCallDepth = 30000;
inline constexpr size_t kDefaultValueStackBytes = size_t(8) << 20;
inline constexpr uint32_t kDefaultMaxMemoryPages = 65536;
inline constexpr uint32_t kDefaultMaxTableElements = 10'000'000;
inline constexpr uint64_t kDefaultMaxStoreTableElements = 10'000'000;
inline constexpr uint32_t kDefaultMaxStoreInstances = 10'000;
inline constexpr uint32_t kDefaultOptLevel = 2;

wasmnn_config normalizeConfig(const wasmnn_config* config);

// A process-wide id per distinct function type, so call_indirect and import
// matching compare types across modules with one integer comparison.
uint32_t internFuncType(const FuncType& type);

wasmnn_error* makeError(wasmnn_error_kind kind, std::string message);
wasmnn_error* makeError(const Error& error);

// Whether that many more memory pages / table elements stay within the store's totals.
bool memoryFits(const wasmnn_store& store, uint64_t morePages);
bool tableFits(const wasmnn_store& store, uint64_t moreElements);

// Store-owned allocation.
wasmnn_func* newHostFunc(wasmnn_store* store, FuncType type, wasmnn_host_callback cb, void* env, wasmnn_finalizer fin);
Result<wasmnn_memory*> newMemory(wasmnn_store* store, uint32_t min, std::optional<uint32_t> max);
Result<wasmnn_table*> newTable(wasmnn_store* store, ValType elem, uint32_t min, std::optional<uint32_t> max);
wasmnn_global* newGlobal(wasmnn_store* store, GlobalType type, uint64_t value);

// The memory every instance without a memory points at (size 0).
wasmnn_memory* emptyMemory();

// Grows a memory/table; returns the old size or -1 (spec semantics).
int64_t growMemory(wasmnn_memory* memory, uint32_t delta);
int64_t growTable(wasmnn_table* table, uint32_t delta, uint64_t init);

// Bulk operations (bulk.cpp): false, having written nothing, when a range
// leaves its segment, memory or table.
bool memoryInit(wasmnn_instance* inst, uint32_t seg, uint64_t d, uint64_t s, uint64_t n);
bool tableInit(wasmnn_instance* inst, uint32_t seg, uint32_t table, uint64_t d, uint64_t s, uint64_t n);
bool tableCopy(wasmnn_instance* inst, uint32_t dstTable, uint32_t srcTable, uint64_t d, uint64_t s, uint64_t n);
bool tableFill(wasmnn_table* table, uint64_t i, uint64_t v, uint64_t n);

// Instantiation per the 2.0 spec (imports resolved by the linker's names).
wasmnn_error* instantiate(wasmnn_linker* linker, wasmnn_module* module, wasmnn_instance** out);

}  // namespace wasmnn

namespace wasmnn {

// Conversions between the C API's wasmnn_val and 8-byte slot values.
WASMNN_INTERNAL_API wasmnn_valkind valKindOf(ValType type);
// A kind the embedder wrote, read as an integer: C allows any int in an enum
// object, C++ only the enumerators' range (loading 99 would be undefined).
uint32_t rawKind(const wasmnn_valkind& kind);
bool valTypeOf(const wasmnn_valkind& kind, ValType& out);  // false for an unknown kind
std::optional<FuncType> funcTypeOf(const wasmnn_functype& type);
wasmnn_val toVal(ValType type, uint64_t slot);
uint64_t fromVal(const wasmnn_val& val);
// Values in the interpreter's 8-byte slots: a v128 takes two (low half
// first), every other value one (slots.cpp).
inline uint32_t slotsOf(ValType t) { return t == ValType::V128 ? 2 : 1; }
uint32_t slotsOf(const std::vector<ValType>& types);
wasmnn_val loadVal(ValType type, const uint64_t* slots);
void storeVal(const wasmnn_val& val, uint64_t* slots);

}  // namespace wasmnn
