// Running native code: the entry from the runtime (invokeNative), the
// runtime functions generated code calls (native/abi.h), traps and their
// backtraces.
//
// A trap jumps (siglongjmp) from wasmnn_rt_trap, or from the guard-page fault
// handler, back to the innermost invokeNative, past generated frames only:
// every runtime function here finishes its C++ work before it jumps. The
// backtrace is taken before the jump by walking the frame-pointer chain of
// the generated code (every generated function keeps its frame pointer),
// recording return addresses while they lie in native code; the code map
// turns them into functions afterwards.
#include <pthread.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <csetjmp>
#include <cstring>
#include <mutex>
#include <string_view>

#include "internal.h"
#include "wasmnn/native/native.h"
#include "wasmnn/runtime/guard.h"
#include "wasmnn/runtime/objects.h"

// The main thread's initial stack pointer (glibc's loader exports it).
extern "C" void* __libc_stack_end;

namespace wasmnn::native {

namespace {

// ---------------------------------------------------------------- code map

// Every loaded NativeModule's address range, readable from the signal handler
// (lock-free; writers hold the mutex). A module's entry stays valid while its
// code runs, since its instances keep the module alive.
class CodeMap {
 public:
  bool add(const NativeModule* m) {
    std::lock_guard lock(mutex_);
    size_t n = used_.load(std::memory_order_relaxed);
    size_t i = 0;
    while (i < n && entries_[i].module.load(std::memory_order_relaxed)) ++i;
    if (i == kCapacity) return false;
    entries_[i].begin.store(m->image->begin(), std::memory_order_relaxed);
    entries_[i].end.store(m->image->end(), std::memory_order_relaxed);
    entries_[i].module.store(m, std::memory_order_release);
    if (i == n) used_.store(n + 1, std::memory_order_release);
    return true;
  }
  void remove(const NativeModule* m) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0, n = used_.load(std::memory_order_relaxed); i < n; ++i)
      if (entries_[i].module.load(std::memory_order_relaxed) == m) entries_[i].module.store(nullptr);
  }
  // The module whose code contains pc; `hint` is checked first.
  const NativeModule* find(uintptr_t pc, const NativeModule* hint = nullptr) const {
    if (hint && pc >= hint->image->begin() && pc < hint->image->end()) return hint;
    for (size_t i = 0, n = used_.load(std::memory_order_acquire); i < n; ++i) {
      const NativeModule* m = entries_[i].module.load(std::memory_order_acquire);
      if (m && pc >= entries_[i].begin.load(std::memory_order_relaxed) &&
          pc < entries_[i].end.load(std::memory_order_relaxed))
        return m;
    }
    return nullptr;
  }

 private:
  static constexpr size_t kCapacity = 16384;
  struct Entry {
    std::atomic<uintptr_t> begin{0}, end{0};
    std::atomic<const NativeModule*> module{nullptr};
  };
  Entry entries_[kCapacity];
  std::atomic<size_t> used_{0};
  std::mutex mutex_;
};

CodeMap& codeMap() {
  static CodeMap map;
  return map;
}

// ---------------------------------------------------------------- traps

// What a trap leaves for invokeNative: the error (null for a guard-page
// fault, whose handler cannot allocate) and the wasm frames' addresses.
struct TrapRecord {
  wasmnn_error* error = nullptr;
  size_t count = 0;
  size_t omitted = 0;
  uintptr_t pcs[kMaxBacktrace];
};

// The innermost invokeNative's record (it lives in that frame).
__attribute__((tls_model("initial-exec"))) thread_local TrapRecord* tRecord = nullptr;

// Records pc (an address inside the trapping function) and the callers found
// by walking the frame-pointer chain from fp. Async-signal-safe.
void captureFrames(TrapRecord& record, uintptr_t pc, uintptr_t fp) {
  record.count = record.omitted = 0;
  auto add = [&](uintptr_t at) {
    if (record.count < kMaxBacktrace)
      record.pcs[record.count++] = at;
    else
      ++record.omitted;
  };
  const NativeModule* m = codeMap().find(pc);
  if (!m) return;
  if (m->functionAt(pc)) add(pc);
  // A return address is checked before the frame it came from is read: the
  // chain is followed only through generated code (entry trampolines too).
  while (fp != 0 && fp % alignof(uintptr_t) == 0) {
    const uintptr_t* frame = reinterpret_cast<const uintptr_t*>(fp);
    uintptr_t inCaller = frame[1] - 1;  // the call instruction, not what follows it
    m = codeMap().find(inCaller, m);
    if (!m) break;
    if (m->functionAt(inCaller)) add(inCaller);
    fp = frame[0];
  }
}

// Jumps to the innermost invokeNative with `error` and the backtrace from the
// caller of the runtime function that raises it.
[[noreturn]] void raise(wasmnn_error* error, void* returnAddress, void* fp) {
  TrapRecord& record = *tRecord;
  captureFrames(record, reinterpret_cast<uintptr_t>(returnAddress) - 1, reinterpret_cast<uintptr_t>(fp));
  record.error = error;
  siglongjmp(*activeGuardJump(), 1);
}

void observeFault(const void* context) {
  TrapRecord* record = tRecord;
  if (!record) return;
  const mcontext_t& mc = static_cast<const ucontext_t*>(context)->uc_mcontext;
  captureFrames(*record, uintptr_t(mc.gregs[REG_RIP]), uintptr_t(mc.gregs[REG_RBP]));
  record->error = nullptr;
}

__attribute__((noinline)) wasmnn_error* trapError(uint32_t code, uint64_t detail) {
  switch (TrapCode(code)) {
    case TrapCode::Unreachable: return makeError(WASMNN_ERROR_TRAP, "unreachable");
    case TrapCode::MemoryOutOfBounds: return makeError(WASMNN_ERROR_TRAP, "out of bounds memory access");
    case TrapCode::TableOutOfBounds: return makeError(WASMNN_ERROR_TRAP, "out of bounds table access");
    case TrapCode::UndefinedElement: return makeError(WASMNN_ERROR_TRAP, "undefined element");
    case TrapCode::UninitializedElement:
      return makeError(WASMNN_ERROR_TRAP, "uninitialized element " + std::to_string(detail));
    case TrapCode::IndirectCallTypeMismatch: return makeError(WASMNN_ERROR_TRAP, "indirect call type mismatch");
    case TrapCode::IntegerDivideByZero: return makeError(WASMNN_ERROR_TRAP, "integer divide by zero");
    case TrapCode::IntegerOverflow: return makeError(WASMNN_ERROR_TRAP, "integer overflow");
    case TrapCode::InvalidConversion: return makeError(WASMNN_ERROR_TRAP, "invalid conversion to integer");
    case TrapCode::StackExhausted: return makeError(WASMNN_ERROR_EXHAUSTION, "call stack exhausted");
    case TrapCode::Interrupted: break;  // wasmnn_rt_trap's
  }
  return makeError(WASMNN_ERROR_TRAP, "unknown trap " + std::to_string(code));
}

// The trap's error with the recorded frames appended (after any frames a
// nested activation already put there), at most kMaxBacktrace in all.
wasmnn_error* finishTrap(TrapRecord& record) {
  wasmnn_error* err = record.error ? record.error : makeError(WASMNN_ERROR_TRAP, "out of bounds memory access");
  const NativeModule* m = nullptr;
  for (size_t i = 0; i < record.count; ++i) {
    m = codeMap().find(record.pcs[i], m);
    const NativeModule::Range* range = m ? m->functionAt(record.pcs[i]) : nullptr;
    if (!range) continue;
    if (err->frames.size() < kMaxBacktrace)
      err->frames.push_back(m->ast->functionName(range->funcIndex));
    else
      ++err->omittedFrames;
  }
  err->omittedFrames += record.omitted;
  return err;
}

// Where this thread's stack ends: for the main thread, the rlimit below the
// process's initial stack pointer (pthread_getattr_np would parse
// /proc/self/maps, a third of a `hello` run's instructions), keeping a
// quarter for what sits above that pointer (arguments, environment, up to
// ARG_MAX = rlimit / 4); for other threads, their attributes. 0 if unknown.
uintptr_t stackBottom() {
  if (getpid() == gettid()) {
    rlimit limit{};
    if (getrlimit(RLIMIT_STACK, &limit) != 0) return 0;
    constexpr size_t kUnlimitedAssumed = size_t(8) << 20;  // RLIM_INFINITY: assume the usual 8 MiB
    size_t size = limit.rlim_cur == RLIM_INFINITY ? kUnlimitedAssumed : size_t(limit.rlim_cur);
    return reinterpret_cast<uintptr_t>(__libc_stack_end) - size / 4 * 3;
  }
  pthread_attr_t attr;
  void* low = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  return reinterpret_cast<uintptr_t>(low);
}

// The lowest stack address native code may use on this thread, leaving room
// for the runtime, host functions and the signal handler below it.
uintptr_t threadStackLimit() {
  static constexpr size_t kReserve = 256 * 1024;
  thread_local const uintptr_t limit = [] {
    uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    uintptr_t bottom = stackBottom();
    if (bottom == 0 || bottom >= here) return here - 1024 * 1024;  // unknown: allow 1 MiB below this frame
    return bottom + std::min(kReserve, (here - bottom) / 2);
  }();
  return limit;
}

wasmnn_error* exhausted() { return makeError(WASMNN_ERROR_EXHAUSTION, "call stack exhausted"); }

using EntryFn = void (*)(VmContext*, void*, uint64_t*, uint32_t);

wasmnn_instance& instanceOf(VmContext* ctx) { return *static_cast<wasmnn_instance*>(ctx->instance); }

// A host or interpreted function called from native code; the depth budget
// it leaves for a re-entry into native code is the caller's.
__attribute__((noinline)) wasmnn_error* callOut(VmContext* ctx, wasmnn_func* f, uint64_t* slots, uint32_t depthLeft) {
  ExecState& state = *ctx->state;
  uint32_t saved = state.depthLeft;
  state.depthLeft = depthLeft;
  wasmnn_error* e = f->isHost() ? callHost(f, &instanceOf(ctx), slots) : invoke(f, slots, slots);
  state.depthLeft = saved;
  return e;
}

uint32_t status(bool ok, TrapCode code) { return ok ? 0 : uint32_t(code) + 1; }

// Calls the entry trampoline; false when the code trapped (jumped back here).
__attribute__((noinline)) bool runEntry(void* entry, wasmnn_func* func, uint64_t* slots, uint32_t depthLeft) {
  sigjmp_buf jump;
  sigjmp_buf* const outer = activeGuardJump();
  if (sigsetjmp(jump, 0) != 0) {
    activeGuardJump() = outer;
    return false;
  }
  activeGuardJump() = &jump;
  reinterpret_cast<EntryFn>(entry)(func->nativeCtx, func->nativeCode, slots, depthLeft);
  activeGuardJump() = outer;
  return true;
}

}  // namespace

const NativeModule::Range* NativeModule::functionAt(uintptr_t pc) const {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), pc, [](uintptr_t p, const Range& r) { return p < r.begin; });
  if (it == ranges.begin()) return nullptr;
  --it;
  return pc < it->end ? &*it : nullptr;
}

bool registerCode(const NativeModule* m) { return codeMap().add(m); }
void unregisterCode(const NativeModule* m) { codeMap().remove(m); }

wasmnn_error* invokeNative(wasmnn_func* func, const uint64_t* args, uint64_t* results) {
  static std::once_flag observing;
  std::call_once(observing, [] { setFaultObserver(observeFault); });
  wasmnn_store* store = func->store;
  ExecState& state = store->nativeState;
  ExecStack& stack = store->stack;
  if (stack.hostDepth >= kMaxHostReentry) return exhausted();
  const FuncType& t = *func->type;
  size_t n = std::max<size_t>({slotsOf(t.params), slotsOf(t.results), 1});
  std::vector<uint64_t> slots(args, args + slotsOf(t.params));
  slots.resize(n);
  const Module& ast = func->instance->module->ast;
  void* entry = func->instance->native->code->entries[ast.functions[func->index - ast.importedFuncs].type];
  // The outermost activation owns the whole depth; a re-entry from a host
  // function continues with what its native caller had left.
  uint32_t depthLeft = state.nesting > 0 ? state.depthLeft : store->config.max_call_depth;
  if (state.nesting == 0) store->interrupt.setStackLimit(threadStackLimit());
  prepareGuardThread();

  TrapRecord record;
  TrapRecord* const outerRecord = tRecord;
  ++stack.hostDepth;
  ++state.nesting;
  tRecord = &record;
  wasmnn_error* err = runEntry(entry, func, slots.data(), depthLeft) ? nullptr : finishTrap(record);
  tRecord = outerRecord;
  --state.nesting;
  --stack.hostDepth;
  if (!err) std::copy_n(slots.begin(), slotsOf(t.results), results);
  return err;
}

}  // namespace wasmnn::native

// ---------------------------------------------------------------- runtime functions (native/abi.h)

using namespace wasmnn;
using namespace wasmnn::native;

extern "C" {

[[noreturn]] void wasmnn_rt_trap(VmContext* ctx, uint32_t code, uint64_t detail, void* fp) {
  // A poisoned stack limit fails a function's stack check too: while the store
  // is interrupted, that is an interruption (Interrupt::stackLimit).
  uint32_t reason = instanceOf(ctx).store->interrupt.requested.load();
  if (TrapCode(code) == TrapCode::Interrupted || (TrapCode(code) == TrapCode::StackExhausted && reason))
    raise(interruptError(reason ? reason : Interrupt::kRequested), __builtin_return_address(0), fp);
  raise(trapError(code, detail), __builtin_return_address(0), fp);
}

void wasmnn_rt_call(VmContext* ctx, CallTarget* target, uint64_t* slots, uint32_t depthLeft, void* fp) {
  if (wasmnn_error* e = callOut(ctx, static_cast<wasmnn_func*>(target), slots, depthLeft))
    raise(e, __builtin_return_address(0), fp);
}

uint32_t wasmnn_rt_memory_grow(VmContext* ctx, uint32_t delta) {
  return uint32_t(growMemory(instanceOf(ctx).mem0, delta));
}

uint32_t wasmnn_rt_memory_init(VmContext* ctx, uint32_t seg, uint32_t d, uint32_t s, uint32_t n) {
  return status(memoryInit(&instanceOf(ctx), seg, d, s, n), TrapCode::MemoryOutOfBounds);
}

uint32_t wasmnn_rt_memory_copy(VmContext* ctx, uint32_t d, uint32_t s, uint32_t n) {
  LinearMemory& m = instanceOf(ctx).mem0->mem;
  if (uint64_t(s) + n > m.size() || uint64_t(d) + n > m.size()) return status(false, TrapCode::MemoryOutOfBounds);
  if (n) std::memmove(m.data() + d, m.data() + s, n);
  return 0;
}

uint32_t wasmnn_rt_memory_fill(VmContext* ctx, uint32_t d, uint32_t value, uint32_t n) {
  LinearMemory& m = instanceOf(ctx).mem0->mem;
  if (uint64_t(d) + n > m.size()) return status(false, TrapCode::MemoryOutOfBounds);
  if (n) std::memset(m.data() + d, int(uint8_t(value)), n);
  return 0;
}

void wasmnn_rt_data_drop(VmContext* ctx, uint32_t seg) { instanceOf(ctx).datas[seg] = {}; }

uint32_t wasmnn_rt_table_init(VmContext* ctx, uint32_t seg, uint32_t table, uint32_t d, uint32_t s, uint32_t n) {
  return status(tableInit(&instanceOf(ctx), seg, table, d, s, n), TrapCode::TableOutOfBounds);
}

uint32_t wasmnn_rt_table_copy(VmContext* ctx, uint32_t dst, uint32_t src, uint32_t d, uint32_t s, uint32_t n) {
  return status(tableCopy(&instanceOf(ctx), dst, src, d, s, n), TrapCode::TableOutOfBounds);
}

uint32_t wasmnn_rt_table_fill(VmContext* ctx, uint32_t table, uint32_t i, uint64_t value, uint32_t n) {
  return status(tableFill(instanceOf(ctx).tables[table], i, value, n), TrapCode::TableOutOfBounds);
}

uint32_t wasmnn_rt_table_grow(VmContext* ctx, uint32_t table, uint64_t init, uint32_t n) {
  return uint32_t(growTable(instanceOf(ctx).tables[table], n, init));
}

void wasmnn_rt_elem_drop(VmContext* ctx, uint32_t seg) { instanceOf(ctx).elems[seg] = {}; }

}  // extern "C"

void* wasmnn::native::runtimeSymbol(std::string_view name) {
  static_assert(std::string_view(kRuntimePrefix) == "wasmnn_rt_");
  struct Symbol {
    std::string_view name;
    void* address;
  };
  // Besides the runtime functions: what LLVM itself may call. Rounding
  // functions are needed only by code for CPUs without SSE4.1.
  static const Symbol kSymbols[] = {
#define WASMNN_RT_SYMBOL(n) {"wasmnn_rt_" #n, reinterpret_cast<void*>(&wasmnn_rt_##n)},
      WASMNN_NATIVE_RUNTIME(WASMNN_RT_SYMBOL)
#undef WASMNN_RT_SYMBOL
          {"memcpy", reinterpret_cast<void*>(&std::memcpy)},
      {"memmove", reinterpret_cast<void*>(&std::memmove)},
      {"memset", reinterpret_cast<void*>(&std::memset)},
      {"ceilf", reinterpret_cast<void*>(static_cast<float (*)(float)>(&::ceilf))},
      {"ceil", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::ceil))},
      {"floorf", reinterpret_cast<void*>(static_cast<float (*)(float)>(&::floorf))},
      {"floor", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::floor))},
      {"truncf", reinterpret_cast<void*>(static_cast<float (*)(float)>(&::truncf))},
      {"trunc", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::trunc))},
      {"roundevenf", reinterpret_cast<void*>(static_cast<float (*)(float)>(&::roundevenf))},
      {"roundeven", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::roundeven))},
  };
  for (const Symbol& s : kSymbols)
    if (s.name == name) return s.address;
  return nullptr;
}
