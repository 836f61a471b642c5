// The interpreter: direct-threaded dispatch (GCC computed goto) over the
// slot code made by compiler.cpp. wasm->wasm calls push a Frame on the
// store's own frame stack and stay in this loop, so recursion depth is bounded
// by max_call_depth and never by the C stack; only host->wasm re-entry nests
// C activations (bounded by kMaxHostReentry).
#include <algorithm>
#include <array>
#include <bit>
#include <csetjmp>
#include <cstring>
#include <new>
#include <vector>

#include "numeric.h"
#include "simd.h"
#include "wasmnn/native/native.h"
#include "wasmnn/runtime/guard.h"
#include "wasmnn/runtime/objects.h"
#include "xops.h"

namespace wasmnn {

namespace {

inline void* handlerAt(const uint32_t* ip) {
  uint64_t v;
  std::memcpy(&v, ip, sizeof v);
  return reinterpret_cast<void*>(uintptr_t(v));
}

inline float f32(uint64_t s) { return std::bit_cast<float>(uint32_t(s)); }
inline double f64(uint64_t s) { return std::bit_cast<double>(s); }
inline uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }
inline uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

std::string frameName(const wasmnn_func* f) { return f->instance->module->ast.functionName(f->index); }

wasmnn_error* exhausted() { return makeError(WASMNN_ERROR_EXHAUSTION, "call stack exhausted"); }

// Appends `func` and its callers down to (excluding) `base`; frames beyond the
// innermost kMaxBacktrace are only counted.
void addBacktrace(wasmnn_error* err, const wasmnn_func* func, const Frame* top, const Frame* base) {
  auto add = [err](const wasmnn_func* f) {
    if (err->frames.size() < kMaxBacktrace)
      err->frames.push_back(frameName(f));
    else
      ++err->omittedFrames;
  };
  if (func) add(func);
  for (const Frame* f = top - 1; f > base; --f) add(f->func);
}

// The handler tables run() hands out: `labels` indexed by X, and the
// unchecked load/store handlers for X::Load32 .. X::Store64Abs.
struct HandlerTables {
  const void* const* labels;
  const void* const* unchecked;
  size_t uncheckedCount;
};

// Runs `entry` with its arguments already in fp[0..). With labelsOut set,
// only hands out the handler table (for the compiler) and returns.
__attribute__((noinline)) wasmnn_error* run(wasmnn_func* entry, uint64_t* fp, HandlerTables* labelsOut) {
  static const void* const labels[] = {
#define WASMNN_XOP(name, shape) &&L_##name,
      WASMNN_XOPS
#undef WASMNN_XOP
  };
  static_assert(sizeof(labels) / sizeof(labels[0]) == size_t(X::Count));
  static const void* const unchecked[] = {
#define WASMNN_XOP(name, shape) &&L_##name##G,
      WASMNN_XOPS_MEMORY
#undef WASMNN_XOP
  };
  static_assert(size_t(X::Store64Abs) - size_t(X::Load32) + 1 == sizeof(unchecked) / sizeof(unchecked[0]));
  if (labelsOut) {
    *labelsOut = {labels, unchecked, sizeof(unchecked) / sizeof(unchecked[0])};
    return nullptr;
  }

  ExecStack& st = entry->store->stack;
  // Polled by the branches that close loops (the *Back instructions); calls
  // see an interrupt through frameLimit, which it sets to null (runtime/interrupt.h).
  const std::atomic<uint32_t>& interrupt = entry->store->interrupt.requested;
  const std::atomic<const void*>& frameLimit = entry->store->interrupt.frameLimit;
  Frame* const frameBase = st.frameTop;
  Frame* frameTop = frameBase;
  uint64_t* const valueEnd = st.valueEnd;
  const uint32_t* ip = nullptr;
  const uint32_t* retIp = nullptr;  // nullptr: return from this activation
  wasmnn_func* func = nullptr;      // the running function
  wasmnn_func* callee = entry;
  const CompiledFunc* code = nullptr;  // callee's code while setting up a call
  uint64_t* args = fp;
  wasmnn_instance* inst = nullptr;
  wasmnn_func* const* funcs = nullptr;
  wasmnn_global* const* globals = nullptr;
  wasmnn_table* const* tables = nullptr;
  wasmnn_memory* mem = nullptr;
#if defined(__x86_64__) && !defined(__clang__)
  // Pinned to callee-saved registers: GCC otherwise keeps one of them on the
  // C stack, adding a load to every memory access.
  register uint8_t* memBase asm("r15") = nullptr;
  register uint64_t memSize asm("r12") = 0;
#else
  uint8_t* memBase = nullptr;
  uint64_t memSize = 0;
#endif
  const char* trapMsg = nullptr;
  int64_t trapIndex = -1;  // appended to trapMsg when set
  wasmnn_error* err = nullptr;

#define NEXT(n)          \
  do {                   \
    ip += (n);           \
    goto* handlerAt(ip); \
  } while (0)
// A handler's block starts with OPERANDS(its instruction) and reads the
// operands by the names its shape declares (xops.h): the word positions are
// compile-time constants, checked against the operand's kind.
#define OPERANDS(name) using I = Operands<X::name>
#define SLOT(f) fp[ip[slotWord(I::f)]]
#define SLOT_HI(f) fp[ip[slotWord(I::f)] + 1]  // a v128's upper half
#define IMM(f) ip[immWord(I::f)]
#define IMM64(f) (uint64_t(ip[imm64Word(I::f)]) | uint64_t(ip[imm64Word(I::f) + 1]) << 32)
#define ARGS(f) (fp + ip[baseWord(I::f)])
#define JUMP(f) NEXT(int32_t(ip[targetWord(I::f)]))
// A jump back to a loop's start: one more iteration, so the store's
// interrupt is polled first.
#define JUMP_BACK(f)                                                                       \
  do {                                                                                     \
    if (__builtin_expect(interrupt.load(std::memory_order_relaxed), 0)) goto do_interrupt; \
    JUMP(f);                                                                               \
  } while (0)
#define NEXT_INSTR() NEXT(I::words)
#define TRAP(msg)  \
  do {             \
    trapMsg = msg; \
    goto do_trap;  \
  } while (0)
#define LOAD_INSTANCE()             \
  do {                              \
    funcs = inst->funcs.data();     \
    globals = inst->globals.data(); \
    tables = inst->tables.data();   \
    mem = inst->mem0;               \
    memBase = mem->mem.data();      \
    memSize = mem->mem.size();      \
  } while (0)
#define U32(x) uint64_t(uint32_t(x))
#define S32(x) int32_t(uint32_t(x))
#define S64(x) int64_t(x)

  goto do_call;

do_call:
  code = callee->code;
  if (__builtin_expect(code == nullptr, 0)) {
    if (callee->isHost()) goto do_host_call;
    code = callee->code = &compiledCode(callee);
  }
  if (__builtin_expect(callee->instance != inst, 0)) {
    inst = callee->instance;
    LOAD_INSTANCE();
  }
// `callee` is a wasm function of the current instance with `code` compiled.
do_call_local : {
  const CompiledFunc* c = code;
  if (__builtin_expect(frameTop >= static_cast<const Frame*>(frameLimit.load(std::memory_order_relaxed)) ||
                           args + c->frameSlots > valueEnd,
                       0)) {
    if (!interrupt.load(std::memory_order_relaxed)) {
      err = exhausted();
      goto unwind;
    }
    if (!func) func = callee;  // interrupted on entry: name the function entered
    goto do_interrupt;
  }
  frameTop->retIp = retIp;
  frameTop->fp = fp;
  frameTop->func = func;
  ++frameTop;
  // Published for guard-page traps, whose signal handler cannot see these
  // locals: the depth, and the running function in the record above the top
  // (the next call stores the same value there; a return leaves it true).
  st.frameTop = frameTop;
  frameTop->func = callee;
  fp = args;
  func = callee;
  // Declared locals start at zero. Most functions have only a few, so a
  // plain loop beats a memset call; the empty asm keeps GCC from turning the
  // loop back into one.
  for (uint32_t i = c->numParams, n = c->numLocals; i < n; ++i) {
    fp[i] = 0;
    __asm__ volatile("");
  }
  ip = c->code.data();
  NEXT(0);
}

do_host_call : {
  const FuncType& t = *callee->type;
  st.valueTop = args + std::max(slotsOf(t.params), slotsOf(t.results));
  if (wasmnn_error* e = callHost(callee, inst, args)) {
    err = e;
    goto unwind;
  }
  frameTop->func = func;      // a re-entry from the host reused the record
  memSize = mem->mem.size();  // the host may have grown it
  ip = retIp;
  NEXT(0);
}

L_Ret : {
  --frameTop;
  st.frameTop = frameTop;
  ip = frameTop->retIp;
  if (__builtin_expect(ip == nullptr, 0)) return nullptr;
  fp = frameTop->fp;
  func = frameTop->func;
  if (__builtin_expect(func->instance != inst, 0)) {
    inst = func->instance;
    LOAD_INSTANCE();
  }
  NEXT(0);
}

L_Call : {
  OPERANDS(Call);
  callee = funcs[IMM(func)];
  args = ARGS(args);
  retIp = ip + I::words;
  goto do_call;
}

L_CallLocal : {
  OPERANDS(CallLocal);
  callee = funcs[IMM(func)];
  args = ARGS(args);
  retIp = ip + I::words;
  code = callee->code;
  if (__builtin_expect(code == nullptr, 0)) code = callee->code = &compiledCode(callee);
  goto do_call_local;
}

L_CallIndirect : {
  OPERANDS(CallIndirect);
  wasmnn_table* t = tables[IMM(table)];
  uint32_t i = uint32_t(SLOT(index));
  if (i >= t->elems.size()) TRAP("undefined element");
  callee = reinterpret_cast<wasmnn_func*>(uintptr_t(t->elems[i]));
  if (callee == nullptr) {
    trapIndex = i;  // the reference interpreter names the element
    TRAP("uninitialized element");
  }
  if (callee->typeId != IMM(type)) TRAP("indirect call type mismatch");
  args = ARGS(args);
  retIp = ip + I::words;
  goto do_call;
}

L_Unreachable:
  TRAP("unreachable");
L_Br : {
  OPERANDS(Br);
  JUMP(target);
}
L_BrIf : {
  OPERANDS(BrIf);
  if (uint32_t(SLOT(cond))) JUMP(target);
  NEXT_INSTR();
}
L_BrUnless : {
  OPERANDS(BrUnless);
  if (!uint32_t(SLOT(cond))) JUMP(target);
  NEXT_INSTR();
}
L_BrTable : {
  OPERANDS(BrTable);  // the n + 1 targets follow the instruction
  uint32_t i = uint32_t(SLOT(index));
  uint32_t n = IMM(count);
  NEXT(int32_t(ip[I::words + (i < n ? i : n)]));
}
L_BrBack : {
  OPERANDS(BrBack);
  JUMP_BACK(target);
}
L_BrIfBack : {
  OPERANDS(BrIfBack);
  if (uint32_t(SLOT(cond))) JUMP_BACK(target);
  NEXT_INSTR();
}
L_BrTableBack : {  // some entries jump back to a loop's start: those poll
  OPERANDS(BrTableBack);
  uint32_t i = uint32_t(SLOT(index));
  uint32_t n = IMM(count);
  int32_t offset = int32_t(ip[I::words + (i < n ? i : n)]);
  if (offset <= 0 && __builtin_expect(interrupt.load(std::memory_order_relaxed), 0)) goto do_interrupt;
  NEXT(offset);
}
L_Copy : {
  OPERANDS(Copy);
  SLOT(dst) = SLOT(src);
  NEXT_INSTR();
}
L_Copy2 : {
  OPERANDS(Copy2);
  SLOT(dst) = SLOT(src);
  SLOT(dst2) = SLOT(src2);
  NEXT_INSTR();
}
L_Copy3 : {
  OPERANDS(Copy3);
  SLOT(dst) = SLOT(src);
  SLOT(dst2) = SLOT(src2);
  SLOT(dst3) = SLOT(src3);
  NEXT_INSTR();
}
L_Const32 : {
  OPERANDS(Const32);
  SLOT(dst) = IMM(imm);
  NEXT_INSTR();
}
L_Const64 : {
  OPERANDS(Const64);
  SLOT(dst) = IMM64(imm);
  NEXT_INSTR();
}
L_Select : {
  OPERANDS(Select);
  SLOT(dst) = uint32_t(SLOT(cond)) ? SLOT(a) : SLOT(b);
  NEXT_INSTR();
}
L_RefFunc : {
  OPERANDS(RefFunc);
  SLOT(dst) = reinterpret_cast<uintptr_t>(funcs[IMM(func)]);
  NEXT_INSTR();
}
L_GlobalGet : {
  OPERANDS(GlobalGet);
  SLOT(dst) = globals[IMM(global)]->value;
  NEXT_INSTR();
}
L_GlobalSet : {
  OPERANDS(GlobalSet);
  globals[IMM(global)]->value = SLOT(src);
  NEXT_INSTR();
}
L_GlobalGetV : {
  OPERANDS(GlobalGetV);
  SLOT(dst) = globals[IMM(global)]->value;
  SLOT_HI(dst) = globals[IMM(global)]->hi;
  NEXT_INSTR();
}
L_GlobalSetV : {
  OPERANDS(GlobalSetV);
  globals[IMM(global)]->value = SLOT(src);
  globals[IMM(global)]->hi = SLOT_HI(src);
  NEXT_INSTR();
}
// SIMD runs out of line (simd.cpp), keeping this loop's hot handlers unchanged.
L_Simd : {
  OPERANDS(Simd);
  if (const char* msg = simdExec(ip, fp, mem)) TRAP(msg);
  NEXT(IMM(length));
}
L_TableGet : {
  OPERANDS(TableGet);
  wasmnn_table* t = tables[IMM(table)];
  uint32_t i = uint32_t(SLOT(index));
  if (i >= t->elems.size()) TRAP("out of bounds table access");
  SLOT(dst) = t->elems[i];
  NEXT_INSTR();
}
L_TableSet : {
  OPERANDS(TableSet);
  wasmnn_table* t = tables[IMM(table)];
  uint32_t i = uint32_t(SLOT(index));
  if (i >= t->elems.size()) TRAP("out of bounds table access");
  t->elems[i] = SLOT(value);
  NEXT_INSTR();
}

// ---- memory: 64-bit effective addresses, so address + offset + size cannot wrap.
// The G variants skip the check: their memory faults beyond its size (guard.h).
#define MEM_CHECK(T) \
  if (__builtin_expect(ea + sizeof(T) > memSize, 0)) TRAP("out of bounds memory access");
#define NO_CHECK(T)
#define LOAD_AT(op, T, conv, eaExpr, check)  \
  {                                          \
    OPERANDS(op);                            \
    uint64_t ea = (eaExpr);                  \
    check(T) T v;                            \
    std::memcpy(&v, memBase + ea, sizeof v); \
    SLOT(dst) = conv(v);                     \
    NEXT_INSTR();                            \
  }
#define LOAD_VARIANTS(name, T, conv, check, G)                                                                     \
  L_##name##G : LOAD_AT(name, T, conv, uint64_t(uint32_t(SLOT(addr))) + IMM(offset), check) L_##name##Add##G       \
      : LOAD_AT(name##Add, T, conv, uint64_t(uint32_t(SLOT(a) + SLOT(b))) + IMM(offset), check) L_##name##AddI##G  \
      : LOAD_AT(name##AddI, T, conv, uint64_t(uint32_t(SLOT(a) + IMM(imm))) + IMM(offset), check) L_##name##Abs##G \
      : LOAD_AT(name##Abs, T, conv, IMM64(ea), check)
#define LOAD(name, T, conv) LOAD_VARIANTS(name, T, conv, MEM_CHECK, ) LOAD_VARIANTS(name, T, conv, NO_CHECK, G)
#define STORE_AT(op, T, eaExpr, check)       \
  {                                          \
    OPERANDS(op);                            \
    uint64_t ea = (eaExpr);                  \
    check(T) T v = T(SLOT(value));           \
    std::memcpy(memBase + ea, &v, sizeof v); \
    NEXT_INSTR();                            \
  }
#define STORE_VARIANTS(name, T, check, G)                                                                     \
  L_##name##G : STORE_AT(name, T, uint64_t(uint32_t(SLOT(addr))) + IMM(offset), check) L_##name##Add##G       \
      : STORE_AT(name##Add, T, uint64_t(uint32_t(SLOT(a) + SLOT(b))) + IMM(offset), check) L_##name##AddI##G  \
      : STORE_AT(name##AddI, T, uint64_t(uint32_t(SLOT(a) + IMM(imm))) + IMM(offset), check) L_##name##Abs##G \
      : STORE_AT(name##Abs, T, IMM64(ea), check)
#define STORE(name, T) STORE_VARIANTS(name, T, MEM_CHECK, ) STORE_VARIANTS(name, T, NO_CHECK, G)
#define ZEXT(v) uint64_t(v)
#define SEXT32(v) U32(int32_t(v))
#define SEXT64(v) uint64_t(int64_t(v))
  LOAD(Load32, uint32_t, ZEXT)
  LOAD(Load64, uint64_t, ZEXT)
  LOAD(Load8S32, int8_t, SEXT32)
  LOAD(Load8U, uint8_t, ZEXT)
  LOAD(Load16S32, int16_t, SEXT32)
  LOAD(Load16U, uint16_t, ZEXT)
  LOAD(Load8S64, int8_t, SEXT64)
  LOAD(Load16S64, int16_t, SEXT64)
  LOAD(Load32S64, int32_t, SEXT64)
  STORE(Store8, uint8_t)
  STORE(Store16, uint16_t)
  STORE(Store32, uint32_t)
  STORE(Store64, uint64_t)

L_MemorySize : {
  OPERANDS(MemorySize);
  SLOT(dst) = memSize / kPageSize;
  NEXT_INSTR();
}
L_MemoryGrow : {
  OPERANDS(MemoryGrow);
  int64_t r = growMemory(mem, uint32_t(SLOT(delta)));
  memSize = mem->mem.size();
  SLOT(dst) = U32(r);
  NEXT_INSTR();
}
L_MemoryInit : {
  OPERANDS(MemoryInit);
  if (!memoryInit(inst, IMM(data), uint32_t(SLOT(d)), uint32_t(SLOT(s)), uint32_t(SLOT(n))))
    TRAP("out of bounds memory access");
  NEXT_INSTR();
}
L_DataDrop : {
  OPERANDS(DataDrop);
  inst->datas[IMM(data)] = {};
  NEXT_INSTR();
}
L_MemoryCopy : {
  OPERANDS(MemoryCopy);
  uint64_t d = uint32_t(SLOT(d)), s = uint32_t(SLOT(s)), n = uint32_t(SLOT(n));
  if (s + n > memSize || d + n > memSize) TRAP("out of bounds memory access");
  if (n) std::memmove(memBase + d, memBase + s, n);
  NEXT_INSTR();
}
L_MemoryFill : {
  OPERANDS(MemoryFill);
  uint64_t d = uint32_t(SLOT(d)), n = uint32_t(SLOT(n));
  if (d + n > memSize) TRAP("out of bounds memory access");
  if (n) std::memset(memBase + d, int(uint8_t(SLOT(v))), n);
  NEXT_INSTR();
}
L_TableInit : {
  OPERANDS(TableInit);
  if (!tableInit(inst, IMM(elem), IMM(table), uint32_t(SLOT(d)), uint32_t(SLOT(s)), uint32_t(SLOT(n))))
    TRAP("out of bounds table access");
  NEXT_INSTR();
}
L_ElemDrop : {
  OPERANDS(ElemDrop);
  inst->elems[IMM(elem)] = {};
  NEXT_INSTR();
}
L_TableCopy : {
  OPERANDS(TableCopy);
  if (!tableCopy(inst, IMM(dstTable), IMM(srcTable), uint32_t(SLOT(d)), uint32_t(SLOT(s)), uint32_t(SLOT(n))))
    TRAP("out of bounds table access");
  NEXT_INSTR();
}
L_TableGrow : {
  OPERANDS(TableGrow);
  SLOT(dst) = U32(growTable(tables[IMM(table)], uint32_t(SLOT(n)), SLOT(init)));
  NEXT_INSTR();
}
L_TableSize : {
  OPERANDS(TableSize);
  SLOT(dst) = U32(tables[IMM(table)]->elems.size());
  NEXT_INSTR();
}
L_TableFill : {
  OPERANDS(TableFill);
  if (!tableFill(tables[IMM(table)], uint32_t(SLOT(i)), SLOT(v), uint32_t(SLOT(n)))) TRAP("out of bounds table access");
  NEXT_INSTR();
}

// ---- numeric. Operands a, b are raw slots; every i32 result is zero-extended.
#define UN(name, expr)    \
  L_##name : {            \
    OPERANDS(name);       \
    uint64_t a = SLOT(a); \
    SLOT(dst) = (expr);   \
    NEXT_INSTR();         \
  }
#define BIN(name, expr)                \
  L_##name : {                         \
    OPERANDS(name);                    \
    uint64_t a = SLOT(a), b = SLOT(b); \
    SLOT(dst) = (expr);                \
    NEXT_INSTR();                      \
  }
// The same operation as BIN plus its immediate form (readImm: IMM for an
// i32 immediate, IMM64 for an i64 one); CMP_* add the compare-and-branch forms.
#define BIN_AND_IMM(name, expr, readImm)    \
  BIN(name, expr)                           \
  L_##name##I : {                           \
    OPERANDS(name##I);                      \
    uint64_t a = SLOT(a), b = readImm(imm); \
    SLOT(dst) = (expr);                     \
    NEXT_INSTR();                           \
  }
#define BIN_I32(name, expr) BIN_AND_IMM(name, expr, IMM)
#define BIN_I64(name, expr) BIN_AND_IMM(name, expr, IMM64)
#define CMP_BRANCHES(name, expr, immExt, suffix, jump) \
  L_BrIf##name##suffix : {                             \
    OPERANDS(BrIf##name##suffix);                      \
    uint64_t a = SLOT(a), b = SLOT(b);                 \
    if (expr) jump(target);                            \
    NEXT_INSTR();                                      \
  }                                                    \
  L_BrIf##name##I##suffix : {                          \
    OPERANDS(BrIf##name##I##suffix);                   \
    uint64_t a = SLOT(a), b = immExt(IMM(imm));        \
    if (expr) jump(target);                            \
    NEXT_INSTR();                                      \
  }
#define CMP(name, expr, immExt) \
  CMP_BRANCHES(name, expr, immExt, , JUMP) CMP_BRANCHES(name, expr, immExt, Back, JUMP_BACK)
#define IMM_I32(v) uint64_t(v)
#define IMM_I64(v) uint64_t(int64_t(int32_t(v)))
#define CMP_I32(name, expr) BIN_I32(name, expr) CMP(name, expr, IMM_I32)
#define CMP_I64(name, expr) BIN_I64(name, expr) CMP(name, expr, IMM_I64)

  UN(RefIsNull, a == 0)
  UN(I32Eqz, uint32_t(a) == 0)
  UN(I64Eqz, a == 0)
  UN(I32Clz, std::countl_zero(uint32_t(a)))
  UN(I32Ctz, std::countr_zero(uint32_t(a)))
  UN(I32Popcnt, std::popcount(uint32_t(a)))
  UN(I64Clz, std::countl_zero(a))
  UN(I64Ctz, std::countr_zero(a))
  UN(I64Popcnt, std::popcount(a))
  UN(F32Abs, U32(a) & 0x7fffffffu)
  UN(F32Neg, U32(a) ^ 0x80000000u)
  UN(F32Ceil, bits(num::ceil(f32(a))))
  UN(F32Floor, bits(num::floor(f32(a))))
  UN(F32Trunc, bits(num::trunc(f32(a))))
  UN(F32Nearest, bits(num::nearest(f32(a))))
  UN(F32Sqrt, bits(std::sqrt(f32(a))))
  UN(F64Abs, a & 0x7fffffffffffffffull)
  UN(F64Neg, a ^ 0x8000000000000000ull)
  UN(F64Ceil, bits(num::ceil(f64(a))))
  UN(F64Floor, bits(num::floor(f64(a))))
  UN(F64Trunc, bits(num::trunc(f64(a))))
  UN(F64Nearest, bits(num::nearest(f64(a))))
  UN(F64Sqrt, bits(std::sqrt(f64(a))))
  UN(I32WrapI64, U32(a))
  UN(I64ExtendI32S, uint64_t(int64_t(S32(a))))
  UN(I64ExtendI32U, U32(a))
  UN(F32ConvertI32S, bits(float(S32(a))))
  UN(F32ConvertI32U, bits(float(uint32_t(a))))
  UN(F32ConvertI64S, bits(float(S64(a))))
  UN(F32ConvertI64U, bits(float(a)))
  UN(F32DemoteF64, bits(float(f64(a))))
  UN(F64ConvertI32S, bits(double(S32(a))))
  UN(F64ConvertI32U, bits(double(uint32_t(a))))
  UN(F64ConvertI64S, bits(double(S64(a))))
  UN(F64ConvertI64U, bits(double(a)))
  UN(F64PromoteF32, bits(double(f32(a))))
  UN(I32Extend8S, U32(int32_t(int8_t(a))))
  UN(I32Extend16S, U32(int32_t(int16_t(a))))
  UN(I64Extend8S, uint64_t(int64_t(int8_t(a))))
  UN(I64Extend16S, uint64_t(int64_t(int16_t(a))))
  UN(I64Extend32S, uint64_t(int64_t(int32_t(a))))
  UN(I32TruncSatF32S, U32(num::truncSat<int32_t>(f32(a))))
  UN(I32TruncSatF32U, U32(num::truncSat<uint32_t>(f32(a))))
  UN(I32TruncSatF64S, U32(num::truncSat<int32_t>(f64(a))))
  UN(I32TruncSatF64U, U32(num::truncSat<uint32_t>(f64(a))))
  UN(I64TruncSatF32S, uint64_t(num::truncSat<int64_t>(f32(a))))
  UN(I64TruncSatF32U, uint64_t(num::truncSat<uint64_t>(f32(a))))
  UN(I64TruncSatF64S, uint64_t(num::truncSat<int64_t>(f64(a))))
  UN(I64TruncSatF64U, uint64_t(num::truncSat<uint64_t>(f64(a))))

#define TRUNC(name, Int, conv, widen)                                    \
  L_##name : {                                                           \
    OPERANDS(name);                                                      \
    Int r{};                                                             \
    switch (num::truncChecked<Int>(conv(SLOT(a)), r)) {                  \
      case num::TruncResult::Ok: break;                                  \
      case num::TruncResult::Nan: TRAP("invalid conversion to integer"); \
      case num::TruncResult::Overflow: TRAP("integer overflow");         \
    }                                                                    \
    SLOT(dst) = widen(r);                                                \
    NEXT_INSTR();                                                        \
  }
  TRUNC(I32TruncF32S, int32_t, f32, U32)
  TRUNC(I32TruncF32U, uint32_t, f32, U32)
  TRUNC(I32TruncF64S, int32_t, f64, U32)
  TRUNC(I32TruncF64U, uint32_t, f64, U32)
  TRUNC(I64TruncF32S, int64_t, f32, uint64_t)
  TRUNC(I64TruncF32U, uint64_t, f32, uint64_t)
  TRUNC(I64TruncF64S, int64_t, f64, uint64_t)
  TRUNC(I64TruncF64U, uint64_t, f64, uint64_t)

  CMP_I32(I32Eq, uint32_t(a) == uint32_t(b))
  CMP_I32(I32Ne, uint32_t(a) != uint32_t(b))
  CMP_I32(I32LtS, S32(a) < S32(b))
  CMP_I32(I32LtU, uint32_t(a) < uint32_t(b))
  CMP_I32(I32GtS, S32(a) > S32(b))
  CMP_I32(I32GtU, uint32_t(a) > uint32_t(b))
  CMP_I32(I32LeS, S32(a) <= S32(b))
  CMP_I32(I32LeU, uint32_t(a) <= uint32_t(b))
  CMP_I32(I32GeS, S32(a) >= S32(b))
  CMP_I32(I32GeU, uint32_t(a) >= uint32_t(b))
  CMP_I64(I64Eq, a == b)
  CMP_I64(I64Ne, a != b)
  CMP_I64(I64LtS, S64(a) < S64(b))
  CMP_I64(I64LtU, a < b)
  CMP_I64(I64GtS, S64(a) > S64(b))
  CMP_I64(I64GtU, a > b)
  CMP_I64(I64LeS, S64(a) <= S64(b))
  CMP_I64(I64LeU, a <= b)
  CMP_I64(I64GeS, S64(a) >= S64(b))
  CMP_I64(I64GeU, a >= b)
  BIN(F32Eq, f32(a) == f32(b))
  BIN(F32Ne, f32(a) != f32(b))
  BIN(F32Lt, f32(a) < f32(b))
  BIN(F32Gt, f32(a) > f32(b))
  BIN(F32Le, f32(a) <= f32(b))
  BIN(F32Ge, f32(a) >= f32(b))
  BIN(F64Eq, f64(a) == f64(b))
  BIN(F64Ne, f64(a) != f64(b))
  BIN(F64Lt, f64(a) < f64(b))
  BIN(F64Gt, f64(a) > f64(b))
  BIN(F64Le, f64(a) <= f64(b))
  BIN(F64Ge, f64(a) >= f64(b))

  BIN_I32(I32Add, U32(uint32_t(a) + uint32_t(b)))
  BIN(I32Sub, U32(uint32_t(a) - uint32_t(b)))
  BIN_I32(I32Mul, U32(uint32_t(a) * uint32_t(b)))
  BIN_I32(I32And, U32(a & b))
  BIN_I32(I32Or, U32(a | b))
  BIN_I32(I32Xor, U32(a ^ b))
  BIN_I32(I32Shl, U32(uint32_t(a) << (b & 31)))
  BIN_I32(I32ShrS, U32(S32(a) >> (b & 31)))
  BIN_I32(I32ShrU, U32(uint32_t(a) >> (b & 31)))
  BIN_I32(I32Rotl, U32(std::rotl(uint32_t(a), int(b & 31))))
  BIN_I32(I32Rotr, U32(std::rotr(uint32_t(a), int(b & 31))))
  BIN_I64(I64Add, a + b)
  BIN(I64Sub, a - b)
  BIN_I64(I64Mul, a * b)
  BIN_I64(I64And, a & b)
  BIN_I64(I64Or, a | b)
  BIN_I64(I64Xor, a ^ b)
  BIN_I64(I64Shl, a << (b & 63))
  BIN_I64(I64ShrS, uint64_t(S64(a) >> (b & 63)))
  BIN_I64(I64ShrU, a >> (b & 63))
  BIN_I64(I64Rotl, std::rotl(a, int(b & 63)))
  BIN_I64(I64Rotr, std::rotr(a, int(b & 63)))
  BIN_I32(F32Add, bits(f32(a) + f32(b)))
  BIN_I32(F32Sub, bits(f32(a) - f32(b)))
  BIN_I32(F32Mul, bits(f32(a) * f32(b)))
  BIN_I32(F32Div, bits(f32(a) / f32(b)))
  BIN(F32Min, bits(num::fmin(f32(a), f32(b))))
  BIN(F32Max, bits(num::fmax(f32(a), f32(b))))
  BIN(F32Copysign, (U32(a) & 0x7fffffffu) | (U32(b) & 0x80000000u))
  BIN_I64(F64Add, bits(f64(a) + f64(b)))
  BIN_I64(F64Sub, bits(f64(a) - f64(b)))
  BIN_I64(F64Mul, bits(f64(a) * f64(b)))
  BIN_I64(F64Div, bits(f64(a) / f64(b)))
  BIN(F64Min, bits(num::fmin(f64(a), f64(b))))
  BIN(F64Max, bits(num::fmax(f64(a), f64(b))))
  BIN(F64Copysign, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

// a ^ rotl(x, imm): the rotate-xor chains of hash functions (SHA-2 sigmas).
L_I32XorRotlI : {
  OPERANDS(I32XorRotlI);
  SLOT(dst) = U32(uint32_t(SLOT(a)) ^ std::rotl(uint32_t(SLOT(x)), int(IMM(imm) & 31)));
  NEXT_INSTR();
}

L_I32DivS : {
  OPERANDS(I32DivS);
  int32_t a = S32(SLOT(a)), b = S32(SLOT(b));
  if (b == 0) TRAP("integer divide by zero");
  if (a == INT32_MIN && b == -1) TRAP("integer overflow");
  SLOT(dst) = U32(a / b);
  NEXT_INSTR();
}
L_I32DivU : {
  OPERANDS(I32DivU);
  uint32_t a = uint32_t(SLOT(a)), b = uint32_t(SLOT(b));
  if (b == 0) TRAP("integer divide by zero");
  SLOT(dst) = a / b;
  NEXT_INSTR();
}
L_I32RemS : {
  OPERANDS(I32RemS);
  int32_t a = S32(SLOT(a)), b = S32(SLOT(b));
  if (b == 0) TRAP("integer divide by zero");
  SLOT(dst) = b == -1 ? 0 : U32(a % b);
  NEXT_INSTR();
}
L_I32RemU : {
  OPERANDS(I32RemU);
  uint32_t a = uint32_t(SLOT(a)), b = uint32_t(SLOT(b));
  if (b == 0) TRAP("integer divide by zero");
  SLOT(dst) = a % b;
  NEXT_INSTR();
}
L_I64DivS : {
  OPERANDS(I64DivS);
  int64_t a = S64(SLOT(a)), b = S64(SLOT(b));
  if (b == 0) TRAP("integer divide by zero");
  if (a == INT64_MIN && b == -1) TRAP("integer overflow");
  SLOT(dst) = uint64_t(a / b);
  NEXT_INSTR();
}
L_I64DivU : {
  OPERANDS(I64DivU);
  uint64_t a = SLOT(a), b = SLOT(b);
  if (b == 0) TRAP("integer divide by zero");
  SLOT(dst) = a / b;
  NEXT_INSTR();
}
L_I64RemS : {
  OPERANDS(I64RemS);
  int64_t a = S64(SLOT(a)), b = S64(SLOT(b));
  if (b == 0) TRAP("integer divide by zero");
  SLOT(dst) = b == -1 ? 0 : uint64_t(a % b);
  NEXT_INSTR();
}
L_I64RemU : {
  OPERANDS(I64RemU);
  uint64_t a = SLOT(a), b = SLOT(b);
  if (b == 0) TRAP("integer divide by zero");
  SLOT(dst) = a % b;
  NEXT_INSTR();
}

do_trap:
  err = makeError(WASMNN_ERROR_TRAP,
                  trapIndex < 0 ? std::string(trapMsg) : std::string(trapMsg) + " " + std::to_string(trapIndex));
  goto unwind;
do_interrupt:
  err = interruptError(interrupt.load(std::memory_order_relaxed));
unwind:
  addBacktrace(err, func, frameTop, frameBase);
  return err;
}

// run() such that a fault on a guarded memory's inaccessible part comes back
// as a trap: the signal handler jumps here, and the backtrace comes from what
// run() publishes in the store's stack. The caller restores that stack state.
wasmnn_error* runTrappingFaults(wasmnn_func* func, uint64_t* fp) {
  ExecStack& st = func->store->stack;
  Frame* const base = st.frameTop;
  sigjmp_buf jump;
  sigjmp_buf* const saved = activeGuardJump();
  if (sigsetjmp(jump, 0) != 0) {
    activeGuardJump() = saved;
    wasmnn_error* err = makeError(WASMNN_ERROR_TRAP, "out of bounds memory access");
    addBacktrace(err, st.frameTop->func, st.frameTop, base);
    return err;
  }
  activeGuardJump() = &jump;
  wasmnn_error* e = nullptr;
  try {
    e = run(func, fp, nullptr);
  } catch (const std::bad_alloc&) {  // compiling a function, or a trap's own error object
    e = makeError(WASMNN_ERROR_HOST, "out of host memory");
  }
  activeGuardJump() = saved;
  return e;
}

}  // namespace

const void* const* interpreterLabels(bool guard) {
  static const HandlerTables tables = [] {
    HandlerTables t{};
    run(nullptr, nullptr, &t);
    return t;
  }();
  // The same table with the unchecked load/store handlers swapped in.
  static const auto guarded = [] {
    std::array<const void*, size_t(X::Count)> g;
    std::copy_n(tables.labels, g.size(), g.begin());
    std::copy_n(tables.unchecked, tables.uncheckedCount, g.begin() + size_t(X::Load32));
    return g;
  }();
  return guard ? guarded.data() : tables.labels;
}

wasmnn_error* callHost(wasmnn_func* func, wasmnn_instance* caller, uint64_t* args) {
  GuardSuspend hostCode;
  const FuncType& t = *func->type;
  size_t np = t.params.size(), nr = t.results.size();
  wasmnn_val small[16];
  std::vector<wasmnn_val> big;
  wasmnn_val* vals = small;
  if (np + nr > 16) {
    big.resize(np + nr);
    vals = big.data();
  }
  for (size_t i = 0, s = 0; i < np; s += slotsOf(t.params[i]), ++i) vals[i] = loadVal(t.params[i], args + s);
  for (size_t i = 0; i < nr; ++i) vals[np + i] = toVal(t.results[i], 0);
  wasmnn_caller c{func->store, caller};
  wasmnn_error* e = nullptr;
  try {
    e = func->callback(&c, func->env, vals, vals + np);
  } catch (const std::bad_alloc&) {
    return makeError(WASMNN_ERROR_TRAP, "out of host memory in a host function");
  } catch (...) {
    return makeError(WASMNN_ERROR_TRAP, "a host function threw a C++ exception");
  }
  if (e) return e;
  // A host call that returned because the store was interrupted (a blocking
  // WASI call woken up) must not hand the guest an error it could act on.
  if (uint32_t reason = func->store->interrupt.requested.load(std::memory_order_relaxed)) return interruptError(reason);
  for (size_t i = 0; i < nr; ++i) {
    // A wrong kind could smuggle an arbitrary pointer in as a funcref.
    if (vals[np + i].kind != valKindOf(t.results[i]))
      return makeError(WASMNN_ERROR_TRAP, "host function returned a " + std::string(valTypeName(t.results[i])) +
                                              " result of the wrong kind");
  }
  for (size_t i = 0, s = 0; i < nr; s += slotsOf(t.results[i]), ++i) storeVal(vals[np + i], args + s);
  return nullptr;
}

wasmnn_error* invoke(wasmnn_func* func, const uint64_t* args, uint64_t* results) {
  if (func->nativeCode) {  // the compiled tier, which does not poll the interrupt: an interrupted store stops here
    if (uint32_t reason = func->store->interrupt.requested.load(std::memory_order_relaxed)) {
      wasmnn_error* err = interruptError(reason);
      err->frames.push_back(frameName(func));  // as the interpreter names the function entered
      return err;
    }
    return native::invokeNative(func, args, results);
  }
  const FuncType& t = *func->type;
  size_t np = slotsOf(t.params), nr = slotsOf(t.results), n = std::max(np, nr);
  if (func->isHost()) {
    std::vector<uint64_t> buf(args, args + np);
    buf.resize(n);
    wasmnn_error* e = callHost(func, nullptr, buf.data());
    if (!e) std::copy_n(buf.begin(), nr, results);
    return e;
  }
  wasmnn_store* store = func->store;
  ExecStack& st = store->stack;
  if (!st.values.data()) {
    size_t frames = size_t(store->config.max_call_depth) + 1;
    if (!st.values.reserve(store->config.value_stack_bytes) || !st.frames.reserve(frames * sizeof(Frame)))
      return makeError(WASMNN_ERROR_HOST, "cannot reserve the execution stack");
    st.valueTop = static_cast<uint64_t*>(st.values.data());
    st.valueEnd = st.valueTop + st.values.size() / sizeof(uint64_t);
    st.frameTop = static_cast<Frame*>(st.frames.data());
    st.frameEnd = st.frameTop + store->config.max_call_depth;
    store->interrupt.setFrameEnd(st.frameEnd);
  }
  uint64_t* base = st.valueTop;
  if (st.hostDepth >= kMaxHostReentry || size_t(st.valueEnd - base) < n) return exhausted();
  std::copy_n(args, np, base);
  prepareGuardThread();
  Frame* savedFrameTop = st.frameTop;
  ++st.hostDepth;
  wasmnn_error* e = runTrappingFaults(func, base);
  --st.hostDepth;
  st.frameTop = savedFrameTop;
  st.valueTop = base;
  if (!e) std::copy_n(base, nr, results);
  return e;
}

}  // namespace wasmnn
