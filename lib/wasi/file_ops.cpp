#include "wasmnn/wasi/file_ops.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstdint>

#include "wasmnn/wasi/errno_map.h"
#include "wasmnn/wasi/fd_table.h"

namespace wasmnn::wasi {
namespace {

uint64_t to_ns(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct timespec from_ns(uint64_t ns) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000ull);
  ts.tv_nsec = static_cast<long>(ns % 1000000000ull);
  return ts;
}

// Largest total one read/write call moves (Linux's own MAX_RW_COUNT is just below 2 GiB).
constexpr uint64_t kMaxTransfer = 0x7ffff000;

}  // namespace

Errno store_filestat(const GuestMemory& mem, uint32_t out, const struct stat& st) {
  uint8_t* p = mem.at(out, layout::filestat_size);
  if (!p) return Errno::fault;
  std::memset(p, 0, layout::filestat_size);
  GuestMemory::put<uint64_t>(p, 0, static_cast<uint64_t>(st.st_dev));
  GuestMemory::put<uint64_t>(p, 8, static_cast<uint64_t>(st.st_ino));
  GuestMemory::put<uint8_t>(p, 16, static_cast<uint8_t>(filetype_of_mode(st.st_mode)));
  GuestMemory::put<uint64_t>(p, 24, static_cast<uint64_t>(st.st_nlink));
  GuestMemory::put<uint64_t>(p, 32, static_cast<uint64_t>(st.st_size));
  GuestMemory::put<uint64_t>(p, 40, to_ns(st.st_atim));
  GuestMemory::put<uint64_t>(p, 48, to_ns(st.st_mtim));
  GuestMemory::put<uint64_t>(p, 56, to_ns(st.st_ctim));
  return Errno::success;
}

Errno times_from_fst(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec (&ts)[2]) {
  constexpr uint32_t known = fstflag::atim | fstflag::atim_now | fstflag::mtim | fstflag::mtim_now;
  if ((fst & ~known) != 0) return Errno::inval;
  if ((fst & fstflag::atim) && (fst & fstflag::atim_now)) return Errno::inval;
  if ((fst & fstflag::mtim) && (fst & fstflag::mtim_now)) return Errno::inval;
  auto pick = [](uint64_t value, bool set, bool now) {
    if (now) return timespec{0, UTIME_NOW};
    if (set) return from_ns(value);
    return timespec{0, UTIME_OMIT};
  };
  ts[0] = pick(atim, fst & fstflag::atim, fst & fstflag::atim_now);
  ts[1] = pick(mtim, fst & fstflag::mtim, fst & fstflag::mtim_now);
  return Errno::success;
}

Errno gather_iovecs(const GuestMemory& mem, uint32_t iovs, uint32_t iovs_len, std::vector<struct iovec>& out) {
  if (iovs_len > max_iovecs) return Errno::inval;
  const uint8_t* arr = mem.at(iovs, uint64_t{iovs_len} * layout::iovec_size);
  if (!arr) return Errno::fault;
  out.clear();
  out.reserve(iovs_len);
  uint64_t total = 0;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint32_t buf = GuestMemory::get<uint32_t>(arr, i * layout::iovec_size);
    uint64_t len = GuestMemory::get<uint32_t>(arr, i * layout::iovec_size + 4);
    uint8_t* p = mem.at(buf, len);
    if (!p) return Errno::fault;
    // A short transfer is legal in WASI, so an oversized request is trimmed, not refused.
    if (total + len > kMaxTransfer) len = kMaxTransfer - total;
    total += len;
    if (len) out.push_back(iovec{p, static_cast<size_t>(len)});
  }
  return Errno::success;
}

Errno wait_ready(const Call& c, const FdEntry& e, short events) {
  if (!c.store || e.type == Filetype::regular_file || e.type == Filetype::directory) return Errno::success;
  int flags = fcntl(e.host.get(), F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK)) return Errno::success;  // the transfer itself reports the error
  int wake = wasmnn_store_interrupt_fd(c.store);
  if (wake < 0) return Errno::success;
  struct pollfd fds[2] = {{e.host.get(), events, 0}, {wake, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) >= 0) break;
    if (errno != EINTR) return last_errno();
  }
  return fds[1].revents ? Errno::intr : Errno::success;
}

}  // namespace wasmnn::wasi
