// Store interruption: the flag the tiers poll, the eventfd blocking host
// calls wait on, and the watchdog thread that turns deadlines into interrupts.
#include "wasmnn/runtime/interrupt.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "wasmnn/runtime/objects.h"

namespace wasmnn {

namespace {

using Clock = std::chrono::steady_clock;

// One thread for every deadline of the process. It sleeps until the earliest
// one and raises it; set/cancel wake it to re-plan. A store's deadline entry
// is removed (under the mutex) before its Interrupt dies, so the thread never
// touches a deleted store.
class Watchdog {
 public:
  // Never destroyed: the thread may still wait on it during static destruction.
  static Watchdog& get() {
    static Watchdog* const instance = new Watchdog;
    return *instance;
  }

  void set(Interrupt* target, Clock::time_point when) {
    std::lock_guard lock(mu_);
    deadlines_[target] = when;
    if (!started_) {
      std::thread([this] { loop(); }).detach();
      started_ = true;
    }
    wake_.notify_one();
  }

  void cancel(Interrupt* target) {
    std::lock_guard lock(mu_);
    deadlines_.erase(target);
  }

 private:
  [[noreturn]] void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (deadlines_.empty()) {
        wake_.wait(lock);
        continue;
      }
      Clock::time_point now = Clock::now(), next = Clock::time_point::max();
      for (auto it = deadlines_.begin(); it != deadlines_.end();) {
        if (it->second <= now) {
          it->first->raise(Interrupt::kDeadline);
          it = deadlines_.erase(it);
        } else {
          next = std::min(next, it->second);
          ++it;
        }
      }
      if (next != Clock::time_point::max()) wake_.wait_until(lock, next);
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::map<Interrupt*, Clock::time_point> deadlines_;  // one entry per store with a pending deadline
  bool started_ = false;
};

}  // namespace

Interrupt::~Interrupt() {
  if (deadlineSet_.load()) Watchdog::get().cancel(this);
  if (int fd = wakeFd_.load(); fd >= 0) close(fd);
}

// Every store to frameLimit or stackLimit is followed by a look at
// `requested` (or made after setting it), so whatever the interleaving of
// raise(), clear(), setFrameEnd() and setStackLimit(), both end up poisoned
// while `requested` is set.
void Interrupt::poisonLimits() {
  frameLimit.store(nullptr);
  stackLimit.store(UINTPTR_MAX);
}

void Interrupt::restoreLimits() {
  frameLimit.store(frameEnd_.load());
  stackLimit.store(stackEnd_.load());
  if (requested.load() != kNone) poisonLimits();  // raised meanwhile
}

void Interrupt::raise(Reason reason) {
  uint32_t none = kNone;
  requested.compare_exchange_strong(none, reason);
  poisonLimits();
  if (int fd = wakeFd_.load(); fd >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(fd, &one, sizeof one);  // cannot fail short of a counter overflow
  }
}

void Interrupt::clear() {
  if (deadlineSet_.exchange(false)) Watchdog::get().cancel(this);
  requested.store(kNone);
  restoreLimits();
  if (int fd = wakeFd_.load(); fd >= 0) {
    uint64_t drained;
    [[maybe_unused]] ssize_t n = read(fd, &drained, sizeof drained);  // non-blocking: EAGAIN when already clear
  }
}

void Interrupt::setDeadline(uint64_t ns) {
  if (ns == 0) {
    if (deadlineSet_.exchange(false)) Watchdog::get().cancel(this);
    return;
  }
  deadlineSet_.store(true);
  // Far-future deadlines saturate instead of overflowing the clock.
  auto wait = std::chrono::nanoseconds(std::min<uint64_t>(ns, uint64_t(1) << 62));
  Watchdog::get().set(this, Clock::now() + wait);
}

void Interrupt::setFrameEnd(const void* end) {
  frameEnd_.store(end);
  restoreLimits();
}

void Interrupt::setStackLimit(uintptr_t limit) {
  stackEnd_.store(limit);
  restoreLimits();
}

int Interrupt::wakeFd() {
  int fd = wakeFd_.load();
  if (fd >= 0) return fd;
  int made = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (made < 0) return -1;
  if (!wakeFd_.compare_exchange_strong(fd, made)) {
    close(made);
    return fd;
  }
  // An interrupt raised before the fd existed could not signal it.
  if (requested.load() != kNone) raise(Reason(requested.load()));
  return made;
}

wasmnn_error* interruptError(uint32_t reason) {
  return makeError(WASMNN_ERROR_INTERRUPT,
                   reason == Interrupt::kDeadline ? "interrupted: deadline exceeded" : "interrupted");
}

}  // namespace wasmnn
