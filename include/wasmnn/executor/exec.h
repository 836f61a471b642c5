// The executor's interface to the runtime and the C API: compiled code,
// the per-store execution stacks and the entry point that runs a function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wasmnn/common/error.h"
#include "wasmnn/runtime/memory.h"
#include "wasmnn/wasmnn.h"

namespace wasmnn {

// A function body translated into the interpreter's slot-based code. It
// depends only on the module (never on an instance), so it is shared by all
// instances of the module in every store and thread.
struct CompiledFunc {
  std::vector<uint32_t> code;  // handler addresses (2 words) followed by operands
  uint32_t numParams = 0;
  uint32_t numLocals = 0;   // params + declared locals
  uint32_t frameSlots = 0;  // locals + the deepest operand stack
  uint32_t numResults = 0;
};

// One activation record of the interpreter's own call stack (not the C stack).
struct Frame {
  const uint32_t* retIp;  // nullptr marks the bottom of one host->wasm entry
  uint64_t* fp;
  wasmnn_func* func;  // the function to return into
};

// Per-store stacks, reserved on first use so an idle store touches nothing.
struct ExecStack {
  ReservedRegion values;
  ReservedRegion frames;
  uint64_t* valueTop = nullptr;  // first free slot for the next host->wasm entry
  uint64_t* valueEnd = nullptr;
  Frame* frameTop = nullptr;
  Frame* frameEnd = nullptr;  // frames + max_call_depth
  uint32_t hostDepth = 0;     // nested host->wasm entries
};

// How deeply host functions may re-enter wasm (each level uses C stack).
inline constexpr uint32_t kMaxHostReentry = 200;

// A trap's backtrace keeps this many innermost frames; outer ones are only counted.
inline constexpr size_t kMaxBacktrace = 128;

// Runs `func` (wasm or host) with args (one 8-byte slot per value) and stores
// its results in `results`. Returns NULL or an error (TRAP/EXHAUSTION with a
// backtrace, or whatever a host function returned).
wasmnn_error* invoke(wasmnn_func* func, const uint64_t* args, uint64_t* results);

// Calls a host function with slot-encoded args; results are written back
// into args[0..results). Used by the interpreter and by invoke().
wasmnn_error* callHost(wasmnn_func* func, wasmnn_instance* caller, uint64_t* args);

// Compiles (once per module function, thread-safely) and returns the code of
// a wasm function.
const CompiledFunc& compiledCode(const wasmnn_func* func);

// Translates defined function `definedIndex` of `module`; labels is the
// interpreter's handler table (see interpreterLabels()).
CompiledFunc compileFunction(const wasmnn_module& module, uint32_t definedIndex, const void* const* labels);
// With `guard`, loads and stores use handlers without a bounds check: only
// for instances whose memory 0 is guarded (LinearMemory::guarded()).
const void* const* interpreterLabels(bool guard = false);

// The code of function `funcIndex` (the module's index space) as text, one
// instruction per line (lib/executor/disassembler.cpp). An error for an
// imported or missing function, or if the code does not decode by the
// declarations in xops.h.
Result<std::string> disassemble(const wasmnn_module& module, uint32_t funcIndex);

}  // namespace wasmnn
