// Tiny assertion helpers for the WASI guest tests: a failed check prints
// where and what, and ends the guest with exit code 1.
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int check_failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      check_failures++;                                                        \
    }                                                                          \
  } while (0)

// Checks a WASI call returned exactly `want` (a __WASI_ERRNO_* value).
#define CHECK_ERRNO(call, want)                                                                                    \
  do {                                                                                                             \
    int got_ = (int)(call);                                                                                        \
    if (got_ != (int)(want)) {                                                                                     \
      fprintf(stderr, "%s:%d: %s returned errno %d, want %d (%s)\n", __FILE__, __LINE__, #call, got_, (int)(want), \
              #want);                                                                                              \
      check_failures++;                                                                                            \
    }                                                                                                              \
  } while (0)

#define CHECK_OK(call) CHECK_ERRNO(call, __WASI_ERRNO_SUCCESS)

static inline int check_report(const char* name) {
  if (check_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

// The fd of the preopened directory with this guest name, or -1.
static inline int preopen_fd(const char* want) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != __WASI_ERRNO_SUCCESS) continue;
    char name[256];
    size_t len = ps.u.dir.pr_name_len;
    if (len >= sizeof name) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)name, len) != __WASI_ERRNO_SUCCESS) continue;
    name[len] = 0;
    if (strcmp(name, want) == 0) return (int)fd;
  }
  return -1;
}
