// libFuzzer target: WASI path resolution and the path_* calls on a real
// directory tree. Each input is a program of path operations on a fresh
// "box" (the preopen) beside an "outside" directory. Findings: a resolved
// directory outside the box, anything created, changed or removed outside
// it, or a symlink planted by the guest whose target leads outside.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "wasmnn/common/unique_fd.h"
#include "wasmnn/wasi/calls.h"
#include "wasmnn/wasi/sandbox.h"

namespace fs = std::filesystem;
using namespace wasmnn::wasi;

namespace {

struct World {
  fs::path root, box, outside;
  World() {
    char tmpl[] = "/tmp/wasmnn_fuzz_path_XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    root = fs::canonical(tmpl);
    box = root / "box";
    outside = root / "outside";
    fs::create_directories(outside);
    std::ofstream(outside / "secret") << "SECRET";
  }
  // The same tree for every input: files, a directory, links in and out.
  void reset() const {
    fs::remove_all(box);
    fs::create_directories(box / "d" / "e");
    std::ofstream(box / "f") << "F";
    std::ofstream(box / "d" / "g") << "G";
    fs::create_symlink("f", box / "in");
    fs::create_symlink("..", box / "d" / "up");
    fs::create_symlink("../outside", box / "out");
    fs::create_symlink(outside, box / "abs");
    fs::create_symlink("loop2", box / "loop1");
    fs::create_symlink("loop1", box / "loop2");
  }
  bool beneathBox(const std::string& path) const {
    std::string b = box.string();
    return path == b || path.compare(0, b.size() + 1, b + "/") == 0;
  }
  // Nothing outside the box may change: the outside's one file, and the root's two entries.
  void checkOutsideUntouched() const {
    size_t entries = 0;
    for (const auto& e : fs::directory_iterator(root)) entries += e.path() == box || e.path() == outside ? 1 : 100;
    size_t outsideEntries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(outside)) ++outsideEntries;
    std::ifstream secret(outside / "secret");
    std::string text((std::istreambuf_iterator<char>(secret)), {});
    if (entries != 2 || outsideEntries != 1 || text != "SECRET") std::abort();
  }
};

std::string fdPath(int fd) {
  char link[64], target[PATH_MAX];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n < 0) std::abort();
  return std::string(target, size_t(n));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const World world;
  world.reset();
  wasmnn_wasi ctx;
  auto preopen = std::make_unique<FdEntry>();
  preopen->host = wasmnn::UniqueFd(open(world.box.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  preopen->type = Filetype::directory;
  preopen->base = right::dir_base;
  preopen->inheriting = right::dir_inheriting;
  preopen->is_preopen = true;
  preopen->preopen_name = ".";
  int box = preopen->host.get();
  ctx.fds.set(3, std::move(preopen));
  std::vector<uint8_t> memory(4096);
  Call c{ctx, wasmnn::GuestMemory(memory.data(), memory.size())};

  // Program: op, then two length-prefixed paths (placed at 0 and 1024).
  size_t at = 0;
  auto path = [&](uint32_t where) {
    if (at == size) return 0u;
    size_t n = std::min<size_t>(data[at] % 64, size - at - 1);  // the length byte, then n bytes
    ++at;
    std::memcpy(memory.data() + where, data + at, n);
    at += n;
    return uint32_t(n);
  };
  for (int steps = 0; at < size && steps < 16; ++steps) {
    uint8_t op = data[at++];
    uint32_t a = path(0), b = path(1024);
    bool follow = op & 0x80;
    switch (op % 11) {
      case 0: {
        std::string_view p(reinterpret_cast<const char*>(memory.data()), a);
        ResolveResult r = resolve_beneath(box, p, follow);
        if (r.error == Errno::success && !world.beneathBox(fdPath(r.path.dir))) std::abort();
        break;
      }
      case 1: {
        uint32_t oflags = (op >> 4) & 0xf;
        if (path_open(c, 3, follow, 0, a, oflags, right::fd_read | right::fd_write, 0, 0, 2048) == Errno::success) {
          uint32_t fd;
          std::memcpy(&fd, memory.data() + 2048, 4);
          if (!world.beneathBox(fdPath(ctx.fds.find(fd)->host.get()))) std::abort();
          fd_close(c, fd);
        }
        break;
      }
      case 2: path_create_directory(c, 3, 0, a); break;
      case 3: path_remove_directory(c, 3, 0, a); break;
      case 4: path_unlink_file(c, 3, 0, a); break;
      case 5: {
        if (path_symlink(c, 1024, b, 3, 0, a) != Errno::success) break;
        // Where the kernel itself takes the new link (a host program reading the output).
        std::string link(reinterpret_cast<const char*>(memory.data()), a);
        char resolved[PATH_MAX];
        if (realpath((world.box / link).c_str(), resolved) && !world.beneathBox(resolved)) std::abort();
        break;
      }
      case 6: path_rename(c, 3, 0, a, 3, 1024, b); break;
      case 7: path_link(c, 3, follow, 0, a, 3, 1024, b); break;
      case 8: path_filestat_get(c, 3, follow, 0, a, 2048); break;
      case 9: path_readlink(c, 3, 0, a, 2048, 256, 3000); break;
      case 10: path_filestat_set_times(c, 3, follow, 0, a, 1, 1, 5); break;
    }
  }
  world.checkOutsideUntouched();
  return 0;
}
