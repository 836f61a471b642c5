// The host side of one worker: requests with a deadline, and the single
// place where a worker's end is decided, reported and made final.
#include "wasmnn/wasi_nn/isolation/worker.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstring>
#include <string_view>

#include "wasmnn/common/text.h"
#include "wasmnn/wasi_nn/isolation/zygote.h"
#include "wasmnn/wasi_nn/log.h"

// glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
extern "C" {
#include <sys/pidfd.h>
}
namespace wasmnn::nn::isolation {
namespace {

std::string bytesText(uint64_t bytes) {
  static const char* const kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) v /= 1024, ++unit;
  char buf[48];
  std::snprintf(buf, sizeof buf, unit ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  return buf;
}

// Writes all of `bytes`, waiting for room when `fd` does not block (an
// embedder may have made its stdio non-blocking); gives up on an error.
void writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, -1);
    } else if (!(n < 0 && errno == EINTR)) {
      return;
    }
  }
}

// One line of the worker's log, whole and escaped (a worker may run a
// hostile model: the host's terminal must not interpret what it prints).
void writeEscapedLine(std::string_view line) { writeAll(STDERR_FILENO, escapeText(line) + '\n'); }

std::string signalText(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return "signal " + std::to_string(sig) + " (" + (abbrev ? std::string("SIG") + abbrev : "?") + ": " + strsignal(sig) +
         ")";
}

}  // namespace

std::shared_ptr<Worker> Worker::start(std::shared_ptr<Zygote> zygote, const std::string& backend,
                                      const Settings& settings, std::string* why) {
  std::shared_ptr<Worker> w(new Worker(zygote, backend, settings));
  auto spawned = zygote->spawn(settings.maxMemory, why);
  if (!spawned) return nullptr;
  w->pid_ = spawned->pid;
  w->pidfd_ = std::move(spawned->pidfd);
  w->channel_ = std::move(spawned->channel);
  w->status_ = std::move(spawned->status);
  w->output_ = std::move(spawned->log);
  w->stdout_ = std::move(spawned->out);
  Hello& h = w->hello_;
  long n = w->receive(&h, sizeof h, w->deadline());
  w->forwardOutput();  // what init() printed
  const bool timedOut = n < 0 && errno == ETIMEDOUT;
  w->alive_ = n == static_cast<long>(sizeof h) && h.err == WASMNN_NN_SUCCESS;
  if (!w->alive_) {
    pidfd_send_signal(w->pidfd_.get(), SIGKILL, nullptr, 0);
    int status = zygote->reap(w->pid_);
    h.why[sizeof h.why - 1] = '\0';
    if (n == static_cast<long>(sizeof h))
      *why = std::string("init failed (") + wasmnn_nn_errno_name(static_cast<wasmnn_nn_errno>(h.err)) +
             "): " + (h.why[0] ? h.why : "no reason given");
    else
      *why = "its worker " + (timedOut ? "did not start within --nn-timeout" : w->causeOfDeath(status)) +
             " while starting";
    return nullptr;
  }
  h.frameworkName[sizeof h.frameworkName - 1] = h.frameworkVersion[sizeof h.frameworkVersion - 1] = '\0';
  h.sandbox.readable[sizeof h.sandbox.readable - 1] = h.sandbox.missing[sizeof h.sandbox.missing - 1] = '\0';
  return w;
}

std::chrono::steady_clock::time_point Worker::deadline() const {
  using Clock = std::chrono::steady_clock;
  return timeoutMs() ? Clock::now() + std::chrono::milliseconds(timeoutMs()) : Clock::time_point::max();
}

Worker::~Worker() {
  if (alive_.exchange(false)) {
    pidfd_send_signal(pidfd_.get(), SIGKILL, nullptr, 0);
    zygote_->reap(pid_);
  }
}

wasmnn_nn_errno Worker::call(const Request& request, std::span<const int> fds, Reply& reply, const char* op) {
  if (!alive()) return gone(op);
  const auto deadline = this->deadline();
  {
    std::lock_guard lock(mailMu_);
    inbox_[request.tag].reset();
  }
  bool answered = channel_.send(&request, requestSize(request), fds) && awaitReply(request.tag, deadline, reply, op);
  {
    std::lock_guard lock(mailMu_);
    inbox_.erase(request.tag);
  }
  if (!answered) {
    end(op, "");  // a no-op when the cause was already reported
    return WASMNN_NN_RUNTIME_ERROR;
  }
  if (std::atomic_ref<uint64_t>(reinterpret_cast<StatusPage*>(status_.data())->refusedAllocation).load() != 0) {
    end(op, "");
    return WASMNN_NN_RUNTIME_ERROR;
  }
  return WASMNN_NN_SUCCESS;
}

bool Worker::awaitReply(uint64_t tag, std::chrono::steady_clock::time_point deadline, Reply& reply, const char* op) {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mailMu_);
  while (true) {
    if (std::optional<Reply>& mine = inbox_[tag]) {
      reply = *mine;
      return true;
    }
    if (!alive()) return false;
    const bool timed = deadline != Clock::time_point::max();
    if (reading_) {  // another waiter reads for everyone
      if (timed && mailCv_.wait_until(lock, deadline) == std::cv_status::timeout && !inbox_[tag]) break;
      if (!timed) mailCv_.wait(lock);
      continue;
    }
    reading_ = true;
    lock.unlock();
    Reply got{};
    long n = receive(&got, sizeof got, deadline);
    const bool timedOut = n < 0 && errno == ETIMEDOUT;
    lock.lock();
    reading_ = false;
    mailCv_.notify_all();
    if (n != static_cast<long>(sizeof got)) {
      if (timedOut) break;
      return false;  // gone
    }
    if (got.flags & kOutputPending) forwardOutput();
    auto it = inbox_.find(got.tag);
    if (it == inbox_.end() || it->second) {
      lock.unlock();
      end(op, "sent a reply to no request (protocol violation)");
      return false;
    }
    it->second = got;
  }
  lock.unlock();
  end(op, "exceeded its time limit (--nn-timeout " + std::to_string(timeoutMs()) + " ms)");
  return false;
}

wasmnn_nn_errno Worker::gone(const char* op) const {
  std::lock_guard lock(endMu_);
  return fail(WASMNN_NN_INVALID_ARGUMENT, std::string(op) + ": the handle lived in the " + backend_ +
                                              " worker that ended (it " + cause_ +
                                              "); load the model again to get a new one");
}

bool Worker::reserveShared(uint64_t bytes) {
  const uint64_t limit = maxMemory();
  uint64_t held = sharedBytes_.load(std::memory_order_relaxed);
  do {
    if (limit && (bytes > limit || held > limit - bytes)) return false;
  } while (!sharedBytes_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  return true;
}

wasmnn_nn_errno Worker::sharedRefused(uint64_t bytes, const char* op) const {
  return fail(WASMNN_NN_TOO_LARGE,
              std::string(op) + ": the tensors of this instance's " + backend_ + " worker would need " +
                  bytesText(sharedBytes_.load(std::memory_order_relaxed) + bytes) +
                  " of shared memory, beyond its memory limit (--nn-max-memory " + bytesText(maxMemory()) + ")");
}

long Worker::receive(void* buf, size_t size, std::chrono::steady_clock::time_point deadline) {
  // The worker's stdout is forwarded while the call runs (a backend streams
  // text there as it generates it), and before the reply: the worker wrote it first.
  pollfd p[2] = {{channel_.fd(), POLLIN, 0}, {stdoutOpen_ ? stdout_.get() : -1, POLLIN, 0}};
  while (true) {
    int ready = poll(p, 2, millisecondsUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    // A worker that writes without end keeps its pipe readable: the deadline still holds.
    const bool late = ready == 0 || (ready > 0 && std::chrono::steady_clock::now() >= deadline);
    if (late) errno = ETIMEDOUT;
    if (late || ready < 0) return -1;
    if (!p[1].revents) break;
    if (forwardStdout() < 0) p[1].fd = -1;
  }
  long n = channel_.receive(buf, size);
  if (n > 0 && n != static_cast<long>(size)) {
    errno = EPROTO;  // a message of the wrong size: not this protocol
    return -1;
  }
  return n;
}

void Worker::forwardOutput() {
  std::lock_guard lock(outputMu_);
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(output_.get(), chunk, sizeof chunk)) > 0) {
    partialLine_.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partialLine_.find('\n', start)) != std::string::npos; start = nl + 1)
      writeEscapedLine(std::string_view(partialLine_).substr(start, nl - start));
    partialLine_.erase(0, start);
  }
}

long Worker::forwardStdout() {
  std::lock_guard lock(outputMu_);
  char chunk[4096];
  while (stdoutOpen_) {
    ssize_t n = ::read(stdout_.get(), chunk, sizeof chunk);
    if (n > 0) writeAll(STDOUT_FILENO, std::string_view(chunk, static_cast<size_t>(n)));  // raw, as in-process
    if (n > 0 || (n < 0 && errno == EAGAIN)) return n > 0 ? n : 0;
    if (!(n < 0 && errno == EINTR)) stdoutOpen_ = false;  // the worker closed it: it ended
  }
  return -1;
}

std::string Worker::causeOfDeath(int status) const {
  const uint64_t refused = reinterpret_cast<StatusPage*>(status_.data())->refusedAllocation;
  if (refused)
    return "exceeded its memory limit (--nn-max-memory " + bytesText(maxMemory()) + ": an allocation of " +
           bytesText(refused) + " was refused)";
  if (status < 0) return "ended (its zygote is gone, no exit status)";
  if (WIFSIGNALED(status)) return "crashed with " + signalText(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

void Worker::end(const char* op, std::string cause) {
  std::lock_guard lock(endMu_);
  if (!alive_.exchange(false, std::memory_order_acq_rel)) return;  // someone else reported it
  pidfd_send_signal(pidfd_.get(), SIGKILL, nullptr, 0);            // a no-op if it is dead already
  int status = zygote_->reap(pid_);
  while (forwardStdout() > 0) {  // all it printed before it ended
  }
  forwardOutput();  // what it said before it ended comes first
  if (cause.empty()) cause = causeOfDeath(status);
  cause_ = cause;
  {
    std::lock_guard mail(mailMu_);  // waiters see alive() false once they wake
  }
  mailCv_.notify_all();
  wasmnn_nn_log(WASMNN_NN_LOG_ERROR, kLogSource,
                "backend %s: its worker (pid %d) %s during %s; the instance's %s graphs and contexts are gone, its "
                "next load starts a new worker",
                backend_.c_str(), static_cast<int>(pid_), cause.c_str(), op, backend_.c_str());
}

}  // namespace wasmnn::nn::isolation
