// The host's handle on one worker process (see isolation.h): its channels,
// its status page, and the one place that decides it is gone and says why.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "wasmnn/wasi_nn/expected.h"
#include "wasmnn/wasi_nn/isolation/isolation.h"
#include "wasmnn/wasi_nn/isolation/protocol.h"

namespace wasmnn::nn::isolation {

class Zygote;

class Worker {
 public:
  // Forks a worker from `zygote` and waits until it is confined and has run
  // init(); nullptr with *why when that fails.
  static std::shared_ptr<Worker> start(std::shared_ptr<Zygote> zygote, const std::string& backend,
                                       const Settings& settings, std::string* why);
  ~Worker();  // kills and reaps the process
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  const Hello& hello() const { return hello_; }
  uint64_t maxMemory() const { return settings_.maxMemory; }
  uint64_t timeoutMs() const { return settings_.timeoutMs; }
  bool alive() const { return alive_.load(std::memory_order_acquire); }

  // Control requests (load, destroy_graph, init_context) are one at a time.
  std::mutex& controlMutex() { return controlMu_; }

  // Sends `request` with `fds` and waits for the reply with its tag (the
  // caller has no other request with that tag in flight). Success means the
  // worker answered: the backend's errno is reply.err. If the worker died,
  // exceeded its memory limit or missed the deadline, it is ended: one log
  // line, runtime_error.
  wasmnn_nn_errno call(const Request& request, std::span<const int> fds, Reply& reply, const char* op);
  // For a call on a handle of a worker that has ended: logs and returns invalid_argument.
  wasmnn_nn_errno gone(const char* op) const;

  // The tensor arenas the host shares with this worker are MAP_SHARED, so
  // outside its RLIMIT_DATA: they count against the same --nn-max-memory
  // here. Reserves `bytes`, or nothing when that would pass the limit;
  // releaseShared() gives back what an arena held.
  bool reserveShared(uint64_t bytes);
  // The too_large of a reservation refused for `bytes` (logged).
  wasmnn_nn_errno sharedRefused(uint64_t bytes, const char* op) const;
  void releaseShared(uint64_t bytes) { sharedBytes_.fetch_sub(bytes, std::memory_order_relaxed); }

 private:
  Worker(std::shared_ptr<Zygote> zygote, std::string backend, const Settings& settings)
      : zygote_(std::move(zygote)), backend_(std::move(backend)), settings_(settings) {}
  // Kills the process (once), reaps it and logs why it ended: `cause`, or
  // what its wait status and status page say.
  void end(const char* op, std::string cause);
  std::string causeOfDeath(int status) const;
  // When a call starting now must be answered (time_point::max(): never).
  std::chrono::steady_clock::time_point deadline() const;
  // Receives one message of exactly `size` bytes: the size received, 0
  // (gone) or -1 (errno ETIMEDOUT once `deadline` passed).
  long receive(void* buf, size_t size, std::chrono::steady_clock::time_point deadline);
  // Waits until the reply tagged `tag` arrived (one waiter at a time reads
  // the channel for all) or `deadline` (if any) passed; false if the worker ended.
  bool awaitReply(uint64_t tag, std::chrono::steady_clock::time_point deadline, Reply& reply, const char* op);
  // Writes the worker's complete log lines (its stderr) to this process's stderr, escaped.
  void forwardOutput();
  // Copies what the worker wrote to its stdout (up to 4 KiB) to this
  // process's stdout, as it is: what a backend prints there is the guest's,
  // as in-process. The bytes copied; 0 when none are pending; -1 once the
  // worker closed it.
  long forwardStdout();

  std::shared_ptr<Zygote> zygote_;
  const std::string backend_;
  const Settings settings_;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  Channel channel_;
  SharedMemory status_;
  UniqueFd output_;
  std::mutex outputMu_;
  std::string partialLine_;  // under outputMu_
  UniqueFd stdout_;          // read end of the worker's stdout (non-blocking)
  std::atomic<bool> stdoutOpen_{true};
  Hello hello_{};
  std::mutex controlMu_;
  std::mutex mailMu_;  // the mailbox of replies, below
  std::condition_variable mailCv_;
  bool reading_ = false;                            // a waiter is reading the channel for all
  std::map<uint64_t, std::optional<Reply>> inbox_;  // tags in flight, and their replies once here
  mutable std::mutex endMu_;
  std::atomic<bool> alive_{true};
  std::string cause_;  // why it ended, under endMu_
  std::atomic<uint64_t> sharedBytes_{0};
};

}  // namespace wasmnn::nn::isolation
