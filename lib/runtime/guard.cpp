// Guard-page registry and the SIGSEGV/SIGBUS handler (see guard.h).
#include "wasmnn/runtime/guard.h"

#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <mutex>

namespace wasmnn {

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define WASMNN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WASMNN_ASAN 1
#endif
#endif

// 47-bit user address space / 8 GiB: at most ~16k reservations can exist.
constexpr size_t kMaxRegions = 16384;
// Read by the signal handler, so only lock-free atomics; writers hold gMutex.
std::atomic<uintptr_t> gRegions[kMaxRegions];
std::atomic<size_t> gUsed{0};  // high-water mark of gRegions
std::mutex gMutex;
struct sigaction gPrevSegv, gPrevBus;
std::atomic<bool> gInstalled{false};
std::atomic<FaultObserver> gObserver{nullptr};

// initial-exec: the handler must not call __tls_get_addr.
__attribute__((tls_model("initial-exec"))) thread_local sigjmp_buf* tJump = nullptr;

bool inGuardRegion(uintptr_t addr) {
  size_t n = gUsed.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    uintptr_t b = gRegions[i].load(std::memory_order_relaxed);
    if (b != 0 && addr - b < kGuardReservation) return true;
  }
  return false;
}

// Passes a fault we do not own to whoever handled it before us.
void chain(int sig, siginfo_t* info, void* ctx) {
  const struct sigaction& prev = sig == SIGSEGV ? gPrevSegv : gPrevBus;
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, info, ctx);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // Default action: a hardware fault re-executes and now kills the process;
  // a signal sent by kill() has to be raised again.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  if (info->si_code <= 0) raise(sig);
}

void onFault(int sig, siginfo_t* info, void* ctx) {
  sigjmp_buf* jump = tJump;
  if (jump && info->si_code > 0 && inGuardRegion(reinterpret_cast<uintptr_t>(info->si_addr))) {
    tJump = nullptr;
    // The jump buffer does not save the mask (that would cost a syscall per
    // call into wasm), so unblock the signals the kernel blocked for us.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigaddset(&set, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    if (FaultObserver observe = gObserver.load(std::memory_order_acquire)) observe(ctx);
    siglongjmp(*jump, 1);
  }
  chain(sig, info, ctx);
}

void installHandlers() {
  struct sigaction sa {};
  sa.sa_sigaction = onFault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &gPrevSegv);
  sigaction(SIGBUS, &sa, &gPrevBus);
  gInstalled.store(true, std::memory_order_release);
}

// Frees the thread's alternate signal stack when the thread exits.
struct AltStack {
  void* base = nullptr;
  size_t size = 0;
  ~AltStack() {
    if (!base) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
    munmap(base, size);
  }
};

}  // namespace

bool guardPagesSupported() {
#if defined(__x86_64__) && defined(__linux__) && !defined(WASMNN_ASAN)
  return true;
#else
  return false;
#endif
}

bool registerGuardRegion(const void* base) {
  std::lock_guard lock(gMutex);
  if (!gInstalled.load(std::memory_order_relaxed)) installHandlers();
  size_t n = gUsed.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    if (gRegions[i].load(std::memory_order_relaxed) == 0) {
      gRegions[i].store(reinterpret_cast<uintptr_t>(base), std::memory_order_release);
      return true;
    }
  }
  if (n == kMaxRegions) return false;
  gRegions[n].store(reinterpret_cast<uintptr_t>(base), std::memory_order_release);
  gUsed.store(n + 1, std::memory_order_release);
  return true;
}

void unregisterGuardRegion(const void* base) {
  std::lock_guard lock(gMutex);
  size_t n = gUsed.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i)
    if (gRegions[i].load(std::memory_order_relaxed) == reinterpret_cast<uintptr_t>(base))
      gRegions[i].store(0, std::memory_order_release);
}

sigjmp_buf*& activeGuardJump() { return tJump; }

void setFaultObserver(FaultObserver observer) { gObserver.store(observer, std::memory_order_release); }

void prepareGuardThread() {
  thread_local AltStack alt;
  if (alt.base || !gInstalled.load(std::memory_order_acquire)) return;
  stack_t cur{};
  if (sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE)) return;  // the host set one up
  size_t size = 64 * 1024;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;  // the handler then runs on the thread's own stack
  stack_t ss{};
  ss.ss_sp = p;
  ss.ss_size = size;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(p, size);
    return;
  }
  alt.base = p;
  alt.size = size;
}

}  // namespace wasmnn
