// Every way out of the preopened directory must fail with the right errno:
// perm for a path that leaves the sandbox (as wasmtime), notcapable for a
// missing right.
// The driver (run_guest_tests.py) builds the tree, preopens only "sandbox"
// and afterwards verifies on the host that nothing outside it changed:
//   sandbox/inside.txt "INSIDE\n", sandbox/sub/file.txt "SUBFILE\n"
//   sandbox/link_out -> ../outside/secret.txt      sandbox/link_abs -> /abs/.../outside/secret.txt
//   sandbox/link_dir_out -> ../outside             sandbox/sub/up -> ../..
//   sandbox/chain1 -> chain2 -> sub/chain3 -> ../../outside/secret.txt
//   sandbox/link_in -> sub/file.txt                sandbox/sub/link_up_in -> ../inside.txt
//   sandbox/loop1 <-> sandbox/loop2                sandbox/dangling_out -> ../outside/dangling_target.txt
#include <string.h>

#include "check.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define R_READ (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FILESTAT_GET)
#define R_WRITE (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)

__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t raw_path_open(
    int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base, int64_t inheriting,
    int32_t fdflags, int32_t out);

static int dir;

static __wasi_errno_t open_path(const char* path, __wasi_lookupflags_t flags, __wasi_oflags_t oflags,
                                __wasi_rights_t rights) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(dir, flags, path, oflags, rights, 0, 0, &fd);
  if (e == __WASI_ERRNO_SUCCESS) (void)__wasi_fd_close(fd);
  return e;
}

// Reads the whole (small) file at path beneath dir into buf; returns the errno.
static __wasi_errno_t read_path(int base, const char* path, char* buf, size_t size) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(base, FOLLOW, path, 0, R_READ, 0, 0, &fd);
  if (e != __WASI_ERRNO_SUCCESS) return e;
  __wasi_iovec_t iov = {(uint8_t*)buf, size - 1};
  __wasi_size_t n = 0;
  e = __wasi_fd_read(fd, &iov, 1, &n);
  buf[e == __WASI_ERRNO_SUCCESS ? n : 0] = 0;
  (void)__wasi_fd_close(fd);
  return e;
}

static void escapes_by_open(void) {
  const char* outside[] = {
      "../outside/secret.txt",
      "sub/../../outside/secret.txt",
      "/etc/passwd",
      "link_out",
      "link_abs",
      "link_dir_out/secret.txt",
      "chain1",
      "sub/up/outside/secret.txt",
      "sub/up",
      "./../outside",
      "..",
      "sub/../..",
      "link_dir_out",
      "sub/up/sandbox/inside.txt",
  };
  for (size_t i = 0; i < sizeof outside / sizeof *outside; ++i) {
    __wasi_errno_t e = open_path(outside[i], FOLLOW, 0, R_READ);
    if (e != __WASI_ERRNO_PERM) {
      fprintf(stderr, "open(%s, follow) gave errno %d, want perm\n", outside[i], e);
      check_failures++;
    }
  }
  // Without follow a final symlink is not opened at all.
  CHECK_ERRNO(open_path("link_out", 0, 0, R_READ), __WASI_ERRNO_LOOP);
  CHECK_ERRNO(open_path("loop1", FOLLOW, 0, R_READ), __WASI_ERRNO_LOOP);
  // Creating or truncating through a way out.
  CHECK_ERRNO(open_path("../outside/created.txt", 0, __WASI_OFLAGS_CREAT, R_WRITE), __WASI_ERRNO_PERM);
  CHECK_ERRNO(open_path("link_dir_out/created.txt", 0, __WASI_OFLAGS_CREAT, R_WRITE), __WASI_ERRNO_PERM);
  CHECK_ERRNO(open_path("dangling_out", FOLLOW, __WASI_OFLAGS_CREAT, R_WRITE), __WASI_ERRNO_PERM);
  CHECK_ERRNO(open_path("link_out", FOLLOW, __WASI_OFLAGS_TRUNC, R_WRITE), __WASI_ERRNO_PERM);
  // A path with a NUL inside is refused, not cut short at the NUL.
  static const char nul_path[] = "inside.txt\0../outside/secret.txt";
  int32_t fd_out;
  CHECK_ERRNO(raw_path_open(dir, FOLLOW, (int32_t)nul_path, sizeof nul_path - 1, 0, R_READ, 0, 0, (int32_t)&fd_out),
              __WASI_ERRNO_ILSEQ);
}

static void escapes_by_other_calls(void) {
  CHECK_ERRNO(__wasi_path_create_directory(dir, "../outside/newdir"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_create_directory(dir, "link_dir_out/newdir"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_rename(dir, "inside.txt", dir, "../outside/moved.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_rename(dir, "inside.txt", dir, "link_dir_out/moved.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_rename(dir, "../outside/secret.txt", dir, "stolen.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_rename(dir, "link_dir_out/secret.txt", dir, "stolen.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_link(dir, 0, "inside.txt", dir, "../outside/hard.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_link(dir, 0, "link_dir_out/secret.txt", dir, "hard.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_link(dir, FOLLOW, "link_out", dir, "hard.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_symlink("/etc/passwd", dir, "abs_link"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_symlink("secret.txt", dir, "link_dir_out/planted"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_unlink_file(dir, "../outside/secret.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_unlink_file(dir, "link_dir_out/secret.txt"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_remove_directory(dir, "../outside/dir"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_remove_directory(dir, "link_dir_out/dir"), __WASI_ERRNO_PERM);
  __wasi_filestat_t st;
  CHECK_ERRNO(__wasi_path_filestat_get(dir, 0, "../outside", &st), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_filestat_get(dir, FOLLOW, "link_out", &st), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_filestat_get(dir, FOLLOW, "chain1", &st), __WASI_ERRNO_PERM);
  CHECK_ERRNO(
      __wasi_path_filestat_set_times(dir, FOLLOW, "link_out", 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM),
      __WASI_ERRNO_PERM);
  char buf[64];
  __wasi_size_t used;
  CHECK_ERRNO(__wasi_path_readlink(dir, "link_dir_out/x", (uint8_t*)buf, sizeof buf, &used), __WASI_ERRNO_PERM);
  // A relative link leading outside is not planted either: the guest could
  // not follow it, but host programs reading its output would.
  CHECK_ERRNO(__wasi_path_symlink("../outside/secret.txt", dir, "made_out"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_symlink("sub/../../outside/secret.txt", dir, "made_out"), __WASI_ERRNO_PERM);
  CHECK_ERRNO(__wasi_path_unlink_file(dir, "made_out"), __WASI_ERRNO_NOENT);
}

static void legitimate_paths(void) {
  char buf[64];
  CHECK_OK(read_path(dir, "sub/../inside.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "INSIDE\n") == 0);
  CHECK_OK(read_path(dir, "link_in", buf, sizeof buf));
  CHECK(strcmp(buf, "SUBFILE\n") == 0);
  CHECK_OK(read_path(dir, "sub/link_up_in", buf, sizeof buf));
  CHECK(strcmp(buf, "INSIDE\n") == 0);
  CHECK_OK(read_path(dir, "./sub/./file.txt", buf, sizeof buf));
  CHECK_OK(read_path(dir, "sub//file.txt", buf, sizeof buf));
  CHECK_ERRNO(read_path(dir, "inside.txt/", buf, sizeof buf), __WASI_ERRNO_NOTDIR);
  CHECK_ERRNO(read_path(dir, "missing/file", buf, sizeof buf), __WASI_ERRNO_NOENT);
  CHECK_ERRNO(open_path(".", 0, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR), __WASI_ERRNO_SUCCESS);
  __wasi_filestat_t st;
  CHECK_OK(__wasi_path_filestat_get(dir, 0, "link_out", &st));
  CHECK(st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  __wasi_size_t used = 0;
  CHECK_OK(__wasi_path_readlink(dir, "link_out", (uint8_t*)buf, sizeof buf, &used));
  CHECK(used == strlen("../outside/secret.txt") && memcmp(buf, "../outside/secret.txt", used) == 0);

  // A subdirectory fd is a root of its own: ".." from it is refused too.
  __wasi_fd_t sub;
  CHECK_OK(__wasi_path_open(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR,
                            __WASI_RIGHTS_FD_READ, 0, &sub));
  CHECK_ERRNO(read_path(sub, "../inside.txt", buf, sizeof buf), __WASI_ERRNO_PERM);
  CHECK_OK(read_path(sub, "file.txt", buf, sizeof buf));
  CHECK(strcmp(buf, "SUBFILE\n") == 0);
  // ... and it only grants what it was opened with.
  __wasi_fd_t f;
  CHECK_ERRNO(__wasi_path_open(sub, 0, "new.txt", __WASI_OFLAGS_CREAT, R_WRITE, 0, 0, &f), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERRNO(__wasi_path_create_directory(sub, "newdir"), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(sub));
}

static void rights(void) {
  __wasi_fd_t f;
  CHECK_OK(__wasi_path_open(dir, 0, "inside.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f));
  __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
  __wasi_size_t n;
  CHECK_ERRNO(__wasi_fd_write(f, &iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERRNO(__wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0),
              __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_fdstat_set_rights(f, 0, 0));
  char c;
  __wasi_iovec_t riov = {(uint8_t*)&c, 1};
  CHECK_ERRNO(__wasi_fd_read(f, &riov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
  // A file is not a directory to resolve paths in.
  __wasi_fd_t g;
  CHECK_ERRNO(__wasi_path_open(f, 0, "x", 0, 0, 0, 0, &g), __WASI_ERRNO_NOTDIR);
  CHECK_OK(__wasi_fd_close(f));
}

int main(void) {
  dir = preopen_fd("sandbox");
  if (dir < 0) {
    fprintf(stderr, "no preopen named sandbox\n");
    return 2;
  }
  escapes_by_open();
  escapes_by_other_calls();
  legitimate_paths();
  rights();
  // Removing the link removes only the link (the host checks the target is intact).
  CHECK_OK(__wasi_path_unlink_file(dir, "link_out"));
  return check_report("sandbox_escape");
}
