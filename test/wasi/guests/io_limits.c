// Large, scattered and partial reads/writes, and hostile pointers/lengths:
// every bad guest pointer must come back as an errno, never crash the host.
#include <stdint.h>
#include <string.h>

#include "check.h"

#define RW_RIGHTS                                                                                   \
  (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
   __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
IMPORT(fd_write) int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t out);
IMPORT(fd_read) int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t n, int32_t out);
IMPORT(args_get) int32_t raw_args_get(int32_t argv, int32_t buf);
IMPORT(args_sizes_get) int32_t raw_args_sizes_get(int32_t argc, int32_t size);
IMPORT(random_get) int32_t raw_random_get(int32_t buf, int32_t len);
IMPORT(fd_prestat_dir_name) int32_t raw_prestat_dir_name(int32_t fd, int32_t buf, int32_t len);
IMPORT(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t out);
IMPORT(clock_time_get) int32_t raw_clock_time_get(int32_t id, int64_t precision, int32_t out);
IMPORT(poll_oneoff) int32_t raw_poll_oneoff(int32_t in, int32_t out, int32_t n, int32_t nevents);

#define BIG (8u << 20)
static uint8_t big[BIG];
static uint8_t back[BIG];

static uint32_t memory_end(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }

static void large_scattered_io(int dir) {
  __wasi_fd_t f;
  CHECK_OK(__wasi_path_open(dir, 0, "big.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RW_RIGHTS, 0, 0, &f));
  for (uint32_t i = 0; i < BIG; ++i) big[i] = (uint8_t)(i * 2654435761u >> 13);
  // Three uneven pieces in one call.
  __wasi_ciovec_t out[3] = {{big, 1}, {big + 1, BIG / 2 - 1}, {big + BIG / 2, BIG / 2}};
  size_t written = 0;
  while (written < BIG) {
    __wasi_size_t n = 0;
    CHECK_OK(__wasi_fd_write(f, out, 3, &n));
    if (n == 0) break;
    written += n;
    // Partial write: advance the iovecs past what went out.
    for (int i = 0; i < 3 && n; ++i) {
      size_t take = out[i].buf_len < n ? out[i].buf_len : n;
      out[i].buf += take;
      out[i].buf_len -= take;
      n -= take;
    }
  }
  CHECK(written == BIG);
  __wasi_filestat_t st;
  CHECK_OK(__wasi_fd_filestat_get(f, &st));
  CHECK(st.size == BIG);

  // Read back with odd-sized buffers, through short reads.
  __wasi_filesize_t pos;
  CHECK_OK(__wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos));
  size_t got = 0;
  while (got < BIG) {
    __wasi_iovec_t in[2] = {{back + got, 7}, {back + got + 7, (BIG - got > 7 ? BIG - got - 7 : 0)}};
    if (BIG - got < 7) in[0].buf_len = BIG - got;
    __wasi_size_t n = 0;
    CHECK_OK(__wasi_fd_read(f, in, 2, &n));
    if (n == 0) break;
    got += n;
  }
  CHECK(got == BIG);
  CHECK(memcmp(big, back, BIG) == 0);

  // At EOF a read returns 0 bytes; a read that straddles EOF is partial.
  __wasi_iovec_t one = {back, 4096};
  __wasi_size_t n = 99;
  CHECK_OK(__wasi_fd_read(f, &one, 1, &n));
  CHECK(n == 0);
  CHECK_OK(__wasi_fd_pread(f, &one, 1, BIG - 100, &n));
  CHECK(n == 100);
  CHECK(memcmp(back, big + BIG - 100, 100) == 0);
  CHECK_OK(__wasi_fd_pread(f, &one, 1, (__wasi_filesize_t)BIG + 5, &n));
  CHECK(n == 0);
  // pwrite does not move the file position.
  CHECK_OK(__wasi_fd_tell(f, &pos));
  __wasi_ciovec_t pw = {(const uint8_t*)"XYZ", 3};
  CHECK_OK(__wasi_fd_pwrite(f, &pw, 1, 10, &n));
  CHECK(n == 3);
  __wasi_filesize_t pos2;
  CHECK_OK(__wasi_fd_tell(f, &pos2));
  CHECK(pos == pos2);
  CHECK_OK(__wasi_fd_pread(f, &one, 1, 9, &n));
  CHECK(n == 4096 && back[0] == big[9] && memcmp(back + 1, "XYZ", 3) == 0 && back[4] == big[13]);
  // Zero iovecs, zero-length buffers: nothing moves, no error.
  CHECK_OK(__wasi_fd_write(f, out, 0, &n));
  CHECK(n == 0);
  CHECK_OK(__wasi_fd_filestat_set_size(f, 0));
  CHECK_OK(__wasi_fd_close(f));
  CHECK_OK(__wasi_path_unlink_file(dir, "big.bin"));
}

static void hostile_pointers(int dir) {
  uint32_t end = memory_end();
  uint32_t n;
  // An iovec array that runs off the end of memory.
  CHECK_ERRNO(raw_fd_write(1, (int32_t)(end - 4), 1, (int32_t)&n), __WASI_ERRNO_FAULT);
  // An iovec whose buffer runs off the end (and one that wraps around 4 GiB).
  uint32_t iov[2] = {end - 10, 20};
  CHECK_ERRNO(raw_fd_write(1, (int32_t)iov, 1, (int32_t)&n), __WASI_ERRNO_FAULT);
  iov[0] = 0xfffffff0u;
  iov[1] = 0x20;
  CHECK_ERRNO(raw_fd_write(1, (int32_t)iov, 1, (int32_t)&n), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_fd_read(0, (int32_t)iov, 1, (int32_t)&n), __WASI_ERRNO_FAULT);
  // The result pointer itself out of bounds.
  iov[0] = (uint32_t)big;
  iov[1] = 0;
  CHECK_ERRNO(raw_fd_write(1, (int32_t)iov, 1, (int32_t)(end - 2)), __WASI_ERRNO_FAULT);
  // Absurd iovec counts are refused before anything is touched.
  CHECK_ERRNO(raw_fd_write(1, (int32_t)big, 100000, (int32_t)&n), __WASI_ERRNO_INVAL);
  CHECK_ERRNO(raw_fd_write(1, (int32_t)big, -1, (int32_t)&n), __WASI_ERRNO_INVAL);
  CHECK_ERRNO(raw_args_sizes_get((int32_t)(end - 2), (int32_t)&n), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_args_get((int32_t)&n, (int32_t)end), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_random_get((int32_t)(end - 8), 16), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_random_get((int32_t)big, -1), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_clock_time_get(1, 0, (int32_t)(end - 4)), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_prestat_dir_name(dir, (int32_t)(end - 1), 100), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_path_open(dir, 0, (int32_t)(end - 3), 10, 0, 0, 0, 0, (int32_t)&n), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_path_open(dir, 0, (int32_t) "sub", 3, 0, 0, 0, 0, (int32_t)end), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_poll_oneoff((int32_t)(end - 48), (int32_t)big, 2, (int32_t)&n), __WASI_ERRNO_FAULT);
  CHECK_ERRNO(raw_poll_oneoff((int32_t)big, (int32_t)big, 0, (int32_t)&n), __WASI_ERRNO_INVAL);
  // Bad fds.
  __wasi_ciovec_t c = {(const uint8_t*)"x", 1};
  __wasi_size_t w;
  CHECK_ERRNO(__wasi_fd_write(12345, &c, 1, &w), __WASI_ERRNO_BADF);
  CHECK_ERRNO(__wasi_fd_write(0xffffffffu, &c, 1, &w), __WASI_ERRNO_BADF);
  CHECK_ERRNO(__wasi_fd_close(12345), __WASI_ERRNO_BADF);
}

int main(void) {
  int dir = preopen_fd("sandbox");
  if (dir < 0) {
    fprintf(stderr, "no preopen named sandbox\n");
    return 2;
  }
  large_scattered_io(dir);
  hostile_pointers(dir);
  return check_report("io_limits");
}
