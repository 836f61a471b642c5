// The contract between the native code the LLVM tier generates (lib/llvm, in
// libwasmnn_llvm.so) and the runtime that loads and runs it (lib/native, in
// libwasmnn.so): the structures generated code reads, the runtime functions
// it calls and how wasm functions are called. Both sides are compiled from
// this header; an artifact records the codegen id (cmake/CodegenId.cmake), a
// hash of this header and of both sides' sources, so code made by any other
// build is refused.
//
// Calling convention (C calling convention, x86-64 System V):
//   wasm function   R f(VmContext* ctx, uint32_t depthLeft, P... params)
//     R is void, the single result, or a struct of the results; i32 -> i32,
//     i64 -> i64, f32 -> float, f64 -> double, v128 -> <2 x i64>, references
//     -> i64 (a wasmnn_func* or an externref value; 0 is null). depthLeft is
//     how many more nested wasm calls may start: 0 traps "call stack exhausted".
//   entry trampoline (one per function type)
//     void t(VmContext* ctx, void* f, uint64_t* slots, uint32_t depthLeft)
//     calls f with the parameters read from slots and writes the results back
//     in the interpreter's slot encoding (runtime/objects.h: one 8-byte slot
//     per value, a v128 takes two, i32/f32 zero-extended).
// Symbols of the object: kFuncSymbol + defined function index (0-based among
// the module's own functions), kEntrySymbol + type index.
//
// Traps: generated code calls wasmnn_rt_trap, which never returns (it jumps
// back to the runtime's entry point). Frame pointers are kept in every
// generated function, so the runtime walks the frame chain for backtraces.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace wasmnn::native {

struct VmContext;

// What generated code reads of a function to call it. wasmnn_func derives
// from it (first and only base), so a wasmnn_func* is a CallTarget* and a
// funcref value points at one.
struct CallTarget {
  uint32_t typeId = 0;             // interned function type (call_indirect's check)
  void* nativeCode = nullptr;      // the native function, or null: call through wasmnn_rt_call
  VmContext* nativeCtx = nullptr;  // the context nativeCode runs with
};

// A table's elements as generated code reads them; wasmnn_table keeps it in
// sync with its element vector.
struct TableView {
  uint64_t* data = nullptr;
  uint64_t size = 0;
};

// Per store: the runtime's share of the execution state (generated code
// reads none of it).
struct ExecState {
  uint32_t depthLeft = 0;  // depthLeft at the latest call out of native code (host re-entry continues from it)
  uint32_t nesting = 0;    // native activations running on the store
};

// Per instance: the first argument of every generated function. Every field
// is fixed once the instance is bound, so generated code may load each once.
struct VmContext {
  uint8_t* memBase;          // memory 0 (never moves; see LinearMemory)
  const uint64_t* memSize;   // memory 0's current size in bytes
  uint64_t* const* globals;  // each global's value slot (a v128: 16 bytes)
  TableView* const* tables;
  CallTarget* const* funcs;  // the instance's functions, imports first (also the funcref values)
  const uint32_t* typeIds;   // interned id of each of the module's types
  ExecState* state;          // the store's
  void* instance;            // the wasmnn_instance
  // The store's Interrupt::stackLimit (runtime/interrupt.h): a native function
  // entered below this stack pointer traps "call stack exhausted". It is
  // UINTPTR_MAX while the store is interrupted, so the next call fails that
  // check, and loops' back edges, which read it afresh (volatile), trap
  // TrapCode::Interrupted. The runtime reports both as the interruption.
  const std::atomic<uintptr_t>* stackLimit;
};

// Why generated code traps (wasmnn_rt_trap's `code`).
enum class TrapCode : uint32_t {
  Unreachable,
  MemoryOutOfBounds,
  TableOutOfBounds,
  UndefinedElement,
  UninitializedElement,  // detail: the element index
  IndirectCallTypeMismatch,
  IntegerDivideByZero,
  IntegerOverflow,
  InvalidConversion,
  StackExhausted,  // or interrupted: the runtime tells them apart
  Interrupted,     // a loop's back edge saw the stack limit poisoned
};

static_assert(sizeof(std::atomic<uintptr_t>) == sizeof(uintptr_t) && std::atomic<uintptr_t>::is_always_lock_free,
              "generated code reads the stack limit as a plain 64-bit word");

inline constexpr const char* kFuncSymbol = "wasmnn_f";
inline constexpr const char* kEntrySymbol = "wasmnn_t";

// Runtime functions generated code calls, resolved by name (kRuntimePrefix +
// the name below) when the code is loaded; lib/native/runtime.cpp defines
// them. Every `fp` is the caller's frame address (llvm.frameaddress(0)), where
// its backtrace starts. Checked operations return 0, or the TrapCode + 1 to raise.
//   trap         [[noreturn]] void (VmContext*, uint32_t code, uint64_t detail, void* fp)
//   call         void (VmContext*, CallTarget* f, uint64_t* slots, uint32_t depthLeft, void* fp):
//                calls a host or interpreted function, arguments and results in slots
//   memory_grow  uint32_t (VmContext*, uint32_t delta): the old size in pages or -1
//   memory_init  uint32_t (VmContext*, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
//   memory_copy  uint32_t (VmContext*, uint32_t d, uint32_t s, uint32_t n)
//   memory_fill  uint32_t (VmContext*, uint32_t d, uint32_t value, uint32_t n)
//   data_drop    void (VmContext*, uint32_t seg)
//   table_init   uint32_t (VmContext*, uint32_t seg, uint32_t table, uint32_t d, uint32_t s, uint32_t n)
//   table_copy   uint32_t (VmContext*, uint32_t dstTable, uint32_t srcTable, uint32_t d, uint32_t s, uint32_t n)
//   table_fill   uint32_t (VmContext*, uint32_t table, uint32_t i, uint64_t value, uint32_t n)
//   table_grow   uint32_t (VmContext*, uint32_t table, uint64_t init, uint32_t n): the old size or -1
//   elem_drop    void (VmContext*, uint32_t seg)
// Generated code may also call memcpy, memmove and memset.
// clang-format off
#define WASMNN_NATIVE_RUNTIME(X) \
  X(trap) X(call) X(memory_grow) X(memory_init) X(memory_copy) X(memory_fill) X(data_drop) \
  X(table_init) X(table_copy) X(table_fill) X(table_grow) X(elem_drop)
// clang-format on
inline constexpr const char* kRuntimePrefix = "wasmnn_rt_";

}  // namespace wasmnn::native
