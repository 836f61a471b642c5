// Guard-page bounds checking: each guarded linear memory reserves the whole
// range a wasm32 access can reach (32-bit address + 32-bit offset + 8 bytes),
// keeps the part beyond its current size PROT_NONE, and the interpreter runs
// loads and stores without a check. A SIGSEGV/SIGBUS whose address lies in a
// registered reservation, raised while this thread runs wasm code, becomes an
// "out of bounds memory access" trap: the handler siglongjmps to the
// innermost GuardTrapPoint. Any other fault goes to the previous handler.
#pragma once

#include <csetjmp>
#include <cstddef>
#include <cstdint>

namespace wasmnn {

// Covers every effective address base + u32 + u32 offset + access size.
inline constexpr size_t kGuardReservation = (size_t(1) << 33) + (size_t(1) << 16);

// True when this build and platform can use guard pages (x86-64 Linux, not ASan).
bool guardPagesSupported();

// Registers a reservation of kGuardReservation bytes at `base` (and installs
// the signal handlers on first use). False if the registry is full.
bool registerGuardRegion(const void* base);
void unregisterGuardRegion(const void* base);

// The jump target of the thread's innermost wasm activation, or nullptr while
// host code runs. Set by invoke() (via GuardTrapPoint) and cleared around host calls.
sigjmp_buf*& activeGuardJump();

// Clears the jump target while host code runs inside wasm, so a fault in the
// host is never mistaken for a wasm trap.
class GuardSuspend {
 public:
  GuardSuspend() : saved_(activeGuardJump()) { activeGuardJump() = nullptr; }
  ~GuardSuspend() { activeGuardJump() = saved_; }
  GuardSuspend(const GuardSuspend&) = delete;
  GuardSuspend& operator=(const GuardSuspend&) = delete;

 private:
  sigjmp_buf* saved_;
};

// Gives the calling thread an alternate signal stack once (if guard regions exist).
void prepareGuardThread();

// Called by the fault handler (so async-signal-safe) with the faulting
// ucontext_t just before it jumps to the trap point: the compiled tier takes
// its backtrace there, while the faulting frames still exist.
using FaultObserver = void (*)(const void* ucontext);
void setFaultObserver(FaultObserver observer);

}  // namespace wasmnn
