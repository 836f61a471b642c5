// A directory with thousands of entries, listed through wasi-libc's readdir
// and through raw fd_readdir with small buffers and resumed cookies.
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define COUNT 3000

static unsigned char seen[COUNT];

// Marks "f<number>" entries; returns 1 for ".", "..", or a name seen for the first time.
static int note(const char* name, size_t len) {
  if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) return 1;
  if (len < 2 || name[0] != 'f') return 0;
  unsigned v = 0;
  for (size_t i = 1; i < len; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    v = v * 10 + (unsigned)(name[i] - '0');
  }
  if (v >= COUNT || seen[v]) return 0;
  seen[v] = 1;
  return 1;
}

static int all_seen(void) {
  for (int i = 0; i < COUNT; ++i)
    if (!seen[i]) return 0;
  return 1;
}

int main(void) {
  int dir = preopen_fd("sandbox");
  CHECK(dir >= 0);
  CHECK_OK(__wasi_path_create_directory(dir, "many"));
  char name[32];
  for (int i = 0; i < COUNT; ++i) {
    snprintf(name, sizeof name, "sandbox/many/f%d", i);
    int fd = open(name, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    close(fd);
  }

  // 1. wasi-libc's readdir.
  DIR* d = opendir("sandbox/many");
  CHECK(d != NULL);
  int entries = 0;
  struct dirent* e;
  while (d && (e = readdir(d)) != NULL) {
    CHECK(note(e->d_name, strlen(e->d_name)));
    entries++;
  }
  if (d) closedir(d);
  CHECK(entries == COUNT + 2);
  CHECK(all_seen());

  // 2. Raw fd_readdir, a 100-byte buffer, resuming from the last whole entry's cookie.
  memset(seen, 0, sizeof seen);
  __wasi_fd_t many;
  CHECK_OK(__wasi_path_open(dir, 0, "many", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &many));
  uint8_t buf[100];
  __wasi_dircookie_t cookie = 0;
  entries = 0;
  for (int rounds = 0; rounds < 100000; ++rounds) {
    __wasi_size_t used = 0;
    CHECK_OK(__wasi_fd_readdir(many, buf, sizeof buf, cookie, &used));
    size_t off = 0;
    int whole = 0;
    while (off + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t ent;
      memcpy(&ent, buf + off, sizeof ent);
      if (off + sizeof ent + ent.d_namlen > used) break;  // cut off: fetch again from its cookie
      CHECK(note((const char*)buf + off + sizeof ent, ent.d_namlen));
      CHECK(ent.d_next > cookie);
      cookie = ent.d_next;
      off += sizeof ent + ent.d_namlen;
      entries++;
      whole++;
    }
    if (used < sizeof buf) break;  // a short buffer means the end
    CHECK(whole > 0);
    if (!whole) break;
  }
  CHECK(entries == COUNT + 2);
  CHECK(all_seen());
  // Past the end: nothing.
  __wasi_size_t used = 1;
  CHECK_OK(__wasi_fd_readdir(many, buf, sizeof buf, cookie, &used));
  CHECK(used == 0);
  // Readdir is not for files or closed fds.
  CHECK_ERRNO(__wasi_fd_readdir(1, buf, sizeof buf, 0, &used), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERRNO(__wasi_fd_readdir(9999, buf, sizeof buf, 0, &used), __WASI_ERRNO_BADF);
  CHECK_OK(__wasi_fd_close(many));

  for (int i = 0; i < COUNT; ++i) {
    snprintf(name, sizeof name, "many/f%d", i);
    CHECK_OK(__wasi_path_unlink_file(dir, name));
  }
  CHECK_ERRNO(__wasi_path_remove_directory(dir, "many/"), __WASI_ERRNO_SUCCESS);
  return check_report("readdir_big");
}
