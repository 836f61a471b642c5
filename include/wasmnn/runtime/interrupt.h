// Interruption of a store (wasmnn_store_interrupt, wasmnn_store_set_deadline).
//
// The whole mechanism an execution tier needs is one atomic word: every tier
// polls `Interrupt::requested` (a relaxed load; nonzero = stop) on each loop
// back edge (or at each loop header) and at each function entry, and when it
// is set unwinds with interruptError(). A compiled tier reaches it as
// `store->interrupt.requested`. Blocking host calls wait on wakeFd() beside
// their own fds.
// Deadlines are kept by one process-wide watchdog thread, started on first
// use, that sets `requested` when a store's deadline passes.
//
// A tier that compares its call depth with a limit in memory anyway may poll
// calls through that limit instead, at no cost, as both tiers do: the
// interpreter's `frameLimit` is its frame stack's end and null while
// `requested` is set; compiled code's `stackLimit` is the lowest native stack
// address it may use and UINTPTR_MAX while `requested` is set. Either way the
// next call fails the comparison and the tier then tells the two cases apart.
// Compiled loops poll `stackLimit` on their back edges too (UINTPTR_MAX = stop): one word for
// generated code to read, found through native::VmContext.
#pragma once

#include <atomic>
#include <cstdint>

#include "wasmnn/wasmnn.h"

namespace wasmnn {

class Interrupt {
 public:
  enum Reason : uint32_t { kNone = 0, kRequested = 1, kDeadline = 2 };

  Interrupt() = default;
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;
  ~Interrupt();

  // Polled by the execution tiers; the Reason, kNone while running normally.
  std::atomic<uint32_t> requested{kNone};
  // The end of the store's frame stack, null while interrupted (see above).
  std::atomic<const void*> frameLimit{nullptr};
  // Native code's stack limit, UINTPTR_MAX while interrupted (see above).
  std::atomic<uintptr_t> stackLimit{0};

  // Thread- and async-signal-safe: sets `requested` and wakes blocked host calls.
  void raise(Reason reason);
  // Clears an interruption and cancels a pending deadline.
  void clear();
  // Raises kDeadline `ns` nanoseconds from now (0 cancels).
  void setDeadline(uint64_t ns);
  // Records the frame stack's end once it exists (frameLimit follows it).
  void setFrameEnd(const void* end);
  // Records the native stack's limit for the running thread (stackLimit follows it).
  void setStackLimit(uintptr_t limit);
  // An eventfd that is readable while `requested` is set (created on first
  // use), or -1 when none can be had.
  int wakeFd();

 private:
  void poisonLimits();
  // Sets both limits to their ends, or poisons them while `requested` is set.
  void restoreLimits();

  std::atomic<int> wakeFd_{-1};
  std::atomic<const void*> frameEnd_{nullptr};
  std::atomic<uintptr_t> stackEnd_{0};
  std::atomic<bool> deadlineSet_{false};  // the watchdog may hold an entry for this
};

// The error a tier returns when it sees `requested` set: kind INTERRUPT,
// "interrupted" or "interrupted: deadline exceeded".
wasmnn_error* interruptError(uint32_t reason);

}  // namespace wasmnn
