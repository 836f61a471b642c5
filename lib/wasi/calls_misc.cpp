// args, environment, clocks, randomness, scheduling, signals and sockets.
#include <sched.h>
#include <sys/random.h>

#include <cerrno>
#include <ctime>

#include "wasmnn/wasi/calls.h"
#include "wasmnn/wasi/errno_map.h"

namespace wasmnn::wasi {
namespace {

// Writes a NUL-terminated string table: pointers at `ptrs`, bytes at `buf`.
Errno store_strings(const GuestMemory& mem, const std::vector<std::string>& strings, uint32_t ptrs, uint32_t buf) {
  uint64_t bytes = 0;
  for (const auto& s : strings) bytes += s.size() + 1;
  uint8_t* table = mem.at(ptrs, uint64_t{strings.size()} * 4);
  uint8_t* out = mem.at(buf, bytes);
  if (!table || !out) return Errno::fault;
  uint32_t offset = 0;
  for (size_t i = 0; i < strings.size(); ++i) {
    GuestMemory::put<uint32_t>(table, i * 4, buf + offset);
    std::memcpy(out + offset, strings[i].c_str(), strings[i].size() + 1);
    offset += static_cast<uint32_t>(strings[i].size() + 1);
  }
  return Errno::success;
}

Errno store_sizes(const GuestMemory& mem, const std::vector<std::string>& strings, uint32_t count_out,
                  uint32_t size_out) {
  uint64_t bytes = 0;
  for (const auto& s : strings) bytes += s.size() + 1;
  if (bytes > UINT32_MAX) return Errno::overflow;
  if (!mem.store<uint32_t>(count_out, static_cast<uint32_t>(strings.size())) ||
      !mem.store<uint32_t>(size_out, static_cast<uint32_t>(bytes)))
    return Errno::fault;
  return Errno::success;
}

bool host_clock(uint32_t id, clockid_t& out) {
  switch (static_cast<ClockId>(id)) {
    case ClockId::realtime: out = CLOCK_REALTIME; return true;
    case ClockId::monotonic: out = CLOCK_MONOTONIC; return true;
    case ClockId::process_cputime: out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case ClockId::thread_cputime: out = CLOCK_THREAD_CPUTIME_ID; return true;
  }
  return false;
}

uint64_t to_ns(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

Errno args_get(Call& c, uint32_t argv, uint32_t buf) { return store_strings(c.mem, c.ctx.args, argv, buf); }
Errno args_sizes_get(Call& c, uint32_t argc_out, uint32_t size_out) {
  return store_sizes(c.mem, c.ctx.args, argc_out, size_out);
}
Errno environ_get(Call& c, uint32_t environ, uint32_t buf) { return store_strings(c.mem, c.ctx.env, environ, buf); }
Errno environ_sizes_get(Call& c, uint32_t count_out, uint32_t size_out) {
  return store_sizes(c.mem, c.ctx.env, count_out, size_out);
}

Errno clock_res_get(Call& c, uint32_t id, uint32_t res_out) {
  clockid_t clock;
  if (!host_clock(id, clock)) return Errno::inval;
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return last_errno();
  return c.mem.store<uint64_t>(res_out, to_ns(ts)) ? Errno::success : Errno::fault;
}

Errno clock_time_get(Call& c, uint32_t id, uint64_t /*precision: the host clock is as precise as it gets*/,
                     uint32_t time_out) {
  clockid_t clock;
  if (!host_clock(id, clock)) return Errno::inval;
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return last_errno();
  return c.mem.store<uint64_t>(time_out, to_ns(ts)) ? Errno::success : Errno::fault;
}

Errno random_get(Call& c, uint32_t buf, uint32_t len) {
  uint8_t* p = c.mem.at(buf, len);
  if (!p) return Errno::fault;
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    done += static_cast<size_t>(n);
  }
  return Errno::success;
}

Errno sched_yield(Call&) {
  ::sched_yield();
  return Errno::success;
}

// Raising a signal in the host process would let the guest kill or stop it.
Errno proc_raise(Call&, uint32_t) { return Errno::notsup; }

// No socket is ever handed to the guest (no --tcplisten), so every sock_* call
// is either on a bad fd or on something that is not a socket.
namespace {
Errno no_sockets(Call& c, uint32_t fd) {
  FdEntry* e = c.ctx.fds.find(fd);
  if (!e) return Errno::badf;
  if (e->type != Filetype::socket_stream && e->type != Filetype::socket_dgram) return Errno::notsock;
  return Errno::notsup;
}
}  // namespace

Errno sock_accept(Call& c, uint32_t fd, uint32_t, uint32_t) { return no_sockets(c, fd); }
Errno sock_recv(Call& c, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) { return no_sockets(c, fd); }
Errno sock_send(Call& c, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t) { return no_sockets(c, fd); }
Errno sock_shutdown(Call& c, uint32_t fd, uint32_t) { return no_sockets(c, fd); }

}  // namespace wasmnn::wasi
