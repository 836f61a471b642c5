// poll_oneoff: relative and absolute clock timeouts really wait (and not
// much longer), several clocks wake for the earliest, fds are reported.
#include <stdint.h>
#include <string.h>

#include "check.h"

static uint64_t now(__wasi_clockid_t id) {
  __wasi_timestamp_t t = 0;
  CHECK_OK(__wasi_clock_time_get(id, 1, &t));
  return t;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout, int absolute) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = absolute ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

#define MS 1000000ull

int main(void) {
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;

  // Relative monotonic 100 ms.
  uint64_t t0 = now(__WASI_CLOCKID_MONOTONIC);
  __wasi_subscription_t s = clock_sub(42, __WASI_CLOCKID_MONOTONIC, 100 * MS, 0);
  CHECK_OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  uint64_t waited = now(__WASI_CLOCKID_MONOTONIC) - t0;
  CHECK(n == 1 && ev[0].userdata == 42 && ev[0].type == __WASI_EVENTTYPE_CLOCK && ev[0].error == 0);
  CHECK(waited >= 100 * MS);
  CHECK(waited < 2000 * MS);

  // Absolute realtime deadline 80 ms ahead.
  t0 = now(__WASI_CLOCKID_MONOTONIC);
  s = clock_sub(7, __WASI_CLOCKID_REALTIME, now(__WASI_CLOCKID_REALTIME) + 80 * MS, 1);
  CHECK_OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  waited = now(__WASI_CLOCKID_MONOTONIC) - t0;
  CHECK(n == 1 && ev[0].userdata == 7);
  CHECK(waited >= 70 * MS);  // realtime and monotonic tick at slightly different rates
  CHECK(waited < 2000 * MS);

  // An absolute deadline in the past fires at once.
  t0 = now(__WASI_CLOCKID_MONOTONIC);
  s = clock_sub(8, __WASI_CLOCKID_MONOTONIC, 1, 1);
  CHECK_OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  CHECK(n == 1 && ev[0].userdata == 8);
  CHECK(now(__WASI_CLOCKID_MONOTONIC) - t0 < 50 * MS);

  // Two clocks: the earlier one wakes us, alone.
  __wasi_subscription_t two[2] = {clock_sub(1, __WASI_CLOCKID_MONOTONIC, 5000 * MS, 0),
                                  clock_sub(2, __WASI_CLOCKID_MONOTONIC, 30 * MS, 0)};
  t0 = now(__WASI_CLOCKID_MONOTONIC);
  CHECK_OK(__wasi_poll_oneoff(two, ev, 2, &n));
  CHECK(n == 1 && ev[0].userdata == 2);
  CHECK(now(__WASI_CLOCKID_MONOTONIC) - t0 < 2000 * MS);

  // A bad fd is reported as an event error, immediately; stdout is writable.
  __wasi_subscription_t fds[2];
  memset(fds, 0, sizeof fds);
  fds[0].userdata = 10;
  fds[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  fds[0].u.u.fd_read.file_descriptor = 9999;
  fds[1] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 5000 * MS, 0);
  CHECK_OK(__wasi_poll_oneoff(fds, ev, 2, &n));
  CHECK(n == 1 && ev[0].userdata == 10 && ev[0].error == __WASI_ERRNO_BADF);
  fds[0].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  fds[0].u.u.fd_write.file_descriptor = 1;
  CHECK_OK(__wasi_poll_oneoff(fds, ev, 2, &n));
  CHECK(n == 1 && ev[0].userdata == 10 && ev[0].error == 0 && ev[0].type == __WASI_EVENTTYPE_FD_WRITE);

  // Unknown clock ids are rejected.
  __wasi_timestamp_t t;
  CHECK_ERRNO(__wasi_clock_time_get(99, 1, &t), __WASI_ERRNO_INVAL);
  CHECK_ERRNO(__wasi_clock_res_get(99, &t), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_clock_res_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, &t));
  CHECK_OK(__wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t));
  CHECK_OK(__wasi_sched_yield());
  return check_report("poll_clock");
}
