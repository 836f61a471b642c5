// poll_oneoff: clock subscriptions (relative or absolute) and fd readiness,
// waited for together with one ppoll(2).
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <vector>

#include "wasmnn/wasi/calls.h"
#include "wasmnn/wasi/errno_map.h"

namespace wasmnn::wasi {
namespace {

constexpr uint64_t kNever = UINT64_MAX;

struct Event {
  uint64_t userdata;
  Errno error;
  EventType type;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

struct ClockSub {
  uint64_t userdata;
  uint64_t deadline;  // CLOCK_MONOTONIC nanoseconds
};

struct FdSub {
  uint64_t userdata;
  EventType type;
  int host;
};

uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t saturating_add(uint64_t a, uint64_t b) { return b > kNever - a ? kNever : a + b; }

// A regular file is always ready; report how much is left to read from it.
Event file_ready(uint64_t userdata, EventType type, int host) {
  Event ev{userdata, Errno::success, type};
  if (type == EventType::fd_read) {
    struct stat st;
    off_t pos = lseek(host, 0, SEEK_CUR);
    if (fstat(host, &st) == 0 && pos >= 0 && st.st_size > pos) ev.nbytes = static_cast<uint64_t>(st.st_size - pos);
  }
  return ev;
}

Event fd_event(const FdSub& s, short revents) {
  Event ev{s.userdata, Errno::success, s.type};
  if (revents & POLLNVAL) {
    ev.error = Errno::badf;
  } else if (revents & POLLERR) {
    ev.error = Errno::io;
  } else if (s.type == EventType::fd_read) {
    int avail = 0;
    if (ioctl(s.host, FIONREAD, &avail) == 0 && avail > 0) ev.nbytes = static_cast<uint64_t>(avail);
  }
  if (revents & POLLHUP) ev.flags |= eventrw_hangup;
  return ev;
}

// Parses one subscription; appends an immediate event or a pending wait.
Errno parse(Call& c, const uint8_t* sub, uint64_t mono_now, std::vector<Event>& events, std::vector<ClockSub>& clocks,
            std::vector<FdSub>& fds) {
  uint64_t userdata = GuestMemory::get<uint64_t>(sub, 0);
  uint8_t tag = sub[8];
  if (tag == static_cast<uint8_t>(EventType::clock)) {
    uint32_t id = GuestMemory::get<uint32_t>(sub, 16);
    uint64_t timeout = GuestMemory::get<uint64_t>(sub, 24);
    uint16_t flags = GuestMemory::get<uint16_t>(sub, 40);
    clockid_t clock;
    switch (static_cast<ClockId>(id)) {
      case ClockId::realtime: clock = CLOCK_REALTIME; break;
      case ClockId::monotonic: clock = CLOCK_MONOTONIC; break;
      case ClockId::process_cputime: clock = CLOCK_PROCESS_CPUTIME_ID; break;
      case ClockId::thread_cputime: clock = CLOCK_THREAD_CPUTIME_ID; break;
      default: events.push_back(Event{userdata, Errno::inval, EventType::clock}); return Errno::success;
    }
    uint64_t relative = timeout;
    if (flags & subclock_abstime) {
      uint64_t now = now_ns(clock);
      relative = timeout > now ? timeout - now : 0;
    }
    // CPU-time clocks advance no faster than wall time, so waiting this long
    // on the monotonic clock never wakes early.
    clocks.push_back(ClockSub{userdata, saturating_add(mono_now, relative)});
    return Errno::success;
  }
  if (tag != static_cast<uint8_t>(EventType::fd_read) && tag != static_cast<uint8_t>(EventType::fd_write))
    return Errno::inval;
  EventType type = static_cast<EventType>(tag);
  Errno err;
  FdEntry* e = c.ctx.fds.get(GuestMemory::get<uint32_t>(sub, 16), right::poll_fd_readwrite, err);
  if (!e) {
    events.push_back(Event{userdata, err, type});
  } else if (e->type == Filetype::regular_file) {
    events.push_back(file_ready(userdata, type, e->host.get()));
  } else {
    fds.push_back(FdSub{userdata, type, e->host.get()});
  }
  return Errno::success;
}

}  // namespace

Errno poll_oneoff(Call& c, uint32_t in, uint32_t out, uint32_t nsubscriptions, uint32_t nevents_out) {
  if (nsubscriptions == 0 || nsubscriptions > max_subscriptions) return Errno::inval;
  const uint8_t* subs = c.mem.at(in, uint64_t{nsubscriptions} * layout::subscription_size);
  uint8_t* evs = c.mem.at(out, uint64_t{nsubscriptions} * layout::event_size);
  if (!subs || !evs || !c.mem.contains(nevents_out, 4)) return Errno::fault;

  std::vector<Event> events;
  std::vector<ClockSub> clocks;
  std::vector<FdSub> fds;
  uint64_t start = now_ns(CLOCK_MONOTONIC);
  // Everything is read before anything is written: in and out may overlap.
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    if (Errno e = parse(c, subs + i * layout::subscription_size, start, events, clocks, fds); e != Errno::success)
      return e;
  }

  std::vector<struct pollfd> pfds;
  for (const FdSub& s : fds) {
    pfds.push_back(pollfd{s.host, static_cast<short>(s.type == EventType::fd_read ? POLLIN : POLLOUT), 0});
  }
  // Last: the store's interrupt, which ends even a wait without any deadline.
  int wake = c.store ? wasmnn_store_interrupt_fd(c.store) : -1;
  if (wake >= 0) pfds.push_back(pollfd{wake, POLLIN, 0});
  uint64_t deadline = kNever;
  for (const ClockSub& s : clocks) deadline = std::min(deadline, s.deadline);

  for (;;) {
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    struct timespec wait {};
    bool immediate = !events.empty() || deadline <= now;
    if (!immediate && deadline != kNever) {
      uint64_t left = deadline - now;
      wait.tv_sec = static_cast<time_t>(left / 1000000000ull);
      wait.tv_nsec = static_cast<long>(left % 1000000000ull);
    }
    bool forever = !immediate && deadline == kNever;
    int n = ppoll(pfds.data(), pfds.size(), forever ? nullptr : &wait, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    if (wake >= 0 && pfds.back().revents) return Errno::intr;  // the binding turns this into the interrupt
    for (size_t i = 0; i < fds.size(); ++i) {
      if (pfds[i].revents) events.push_back(fd_event(fds[i], pfds[i].revents));
    }
    now = now_ns(CLOCK_MONOTONIC);
    for (const ClockSub& s : clocks) {
      if (s.deadline <= now) events.push_back(Event{s.userdata, Errno::success, EventType::clock});
    }
    if (!events.empty()) break;
  }

  for (size_t i = 0; i < events.size(); ++i) {
    uint8_t* p = evs + i * layout::event_size;
    std::memset(p, 0, layout::event_size);
    GuestMemory::put<uint64_t>(p, 0, events[i].userdata);
    GuestMemory::put<uint16_t>(p, 8, static_cast<uint16_t>(events[i].error));
    GuestMemory::put<uint8_t>(p, 10, static_cast<uint8_t>(events[i].type));
    GuestMemory::put<uint64_t>(p, 16, events[i].nbytes);
    GuestMemory::put<uint16_t>(p, 24, events[i].flags);
  }
  c.mem.store<uint32_t>(nevents_out, static_cast<uint32_t>(events.size()));
  return Errno::success;
}

}  // namespace wasmnn::wasi
