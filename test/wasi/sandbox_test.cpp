// Host-side tests of the WASI layer without an engine: the path resolver and
// the calls themselves, driven with a plain byte array as guest memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "wasmnn/wasi/calls.h"
#include "wasmnn/wasi/sandbox.h"

namespace fs = std::filesystem;
using namespace wasmnn::wasi;
using wasmnn::UniqueFd;

namespace {

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wasmnn_wasi_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directories(root_ / "outside");
    fs::create_directories(root_ / "box" / "sub");
    std::ofstream(root_ / "outside" / "secret.txt") << "SECRET";
    std::ofstream(root_ / "box" / "in.txt") << "IN";
    fs::create_symlink("../outside/secret.txt", root_ / "box" / "out");
    fs::create_symlink("../../outside", root_ / "box" / "sub" / "updir");
    fs::create_symlink("in.txt", root_ / "box" / "ok");
    fs::create_symlink("sub/../in.txt", root_ / "box" / "ok2");
    fs::create_symlink((root_ / "outside").string(), root_ / "box" / "abs");
    fs::create_symlink("l2", root_ / "box" / "l1");
    fs::create_symlink("l1", root_ / "box" / "l2");
    box_ = open((root_ / "box").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(box_, 0);
  }
  void TearDown() override {
    close(box_);
    fs::remove_all(root_);
  }

  // Resolves and opens for reading, as path_open would; returns the WASI errno.
  Errno open_read(const char* path, bool follow) {
    ResolveResult r = resolve_beneath(box_, path, follow);
    if (r.error != Errno::success) return r.error;
    int fd = openat(r.path.dir, r.path.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ELOOP ? Errno::loop : errno == ENOENT ? Errno::noent : Errno::io;
    close(fd);
    return Errno::success;
  }

  fs::path root_;
  int box_ = -1;
};

TEST_F(SandboxTest, EscapesArePerm) {
  for (const char* p : {"..", "../outside/secret.txt", "sub/../../outside", "/etc/passwd", "out", "abs/secret.txt",
                        "sub/updir/secret.txt", "sub/updir", "./sub/./../.."}) {
    EXPECT_EQ(open_read(p, true), Errno::perm) << p;
  }
}

TEST_F(SandboxTest, InsidePathsResolve) {
  for (const char* p : {"in.txt", "sub/../in.txt", "ok", "ok2", "./in.txt", "sub//..//in.txt"}) {
    EXPECT_EQ(open_read(p, true), Errno::success) << p;
  }
  EXPECT_EQ(open_read("out", false), Errno::loop);  // the link itself is not followed
  EXPECT_EQ(open_read("l1", true), Errno::loop);
  EXPECT_EQ(open_read("missing/x", true), Errno::noent);
  EXPECT_EQ(open_read("", true), Errno::noent);
  EXPECT_EQ(resolve_beneath(box_, "in.txt/x", true).error, Errno::notdir);
  EXPECT_EQ(resolve_beneath(box_, std::string_view("in\0x", 4), true).error, Errno::ilseq);
}

TEST_F(SandboxTest, FinalComponentAndTrailingSlash) {
  ResolveResult r = resolve_beneath(box_, "sub/", false);
  ASSERT_EQ(r.error, Errno::success);
  EXPECT_EQ(r.path.name, "sub/");
  EXPECT_TRUE(r.path.trailing_slash);
  r = resolve_beneath(box_, "sub/..", false);
  ASSERT_EQ(r.error, Errno::success);
  EXPECT_EQ(r.path.name, ".");
  EXPECT_EQ(r.path.dir, box_);
}

// The calls, with a 64 KiB array standing in for guest memory.
class CallTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    auto e = std::make_unique<FdEntry>();
    e->host = UniqueFd(dup(box_));
    e->type = Filetype::directory;
    e->base = right::dir_base;
    e->inheriting = right::dir_inheriting;
    e->is_preopen = true;
    e->preopen_name = "box";
    ctx_.fds.set(3, std::move(e));
    mem_.assign(65536, 0);
  }
  Call call() { return Call{ctx_, wasmnn::GuestMemory(mem_.data(), mem_.size())}; }
  uint32_t put(const std::string& s, uint32_t at) {
    std::memcpy(mem_.data() + at, s.data(), s.size());
    return static_cast<uint32_t>(s.size());
  }

  wasmnn_wasi ctx_;
  std::vector<uint8_t> mem_;
};

TEST_F(CallTest, OpenWriteReadBack) {
  Call c = call();
  uint32_t len = put("new.txt", 100);
  ASSERT_EQ(path_open(c, 3, 0, 100, len, oflag::creat, right::fd_write | right::fd_read | right::fd_seek, 0, 0, 200),
            Errno::success);
  uint32_t fd;
  std::memcpy(&fd, &mem_[200], 4);
  EXPECT_GE(fd, 4u);
  put("hello", 300);
  uint32_t iov[2] = {300, 5};
  std::memcpy(&mem_[400], iov, 8);
  ASSERT_EQ(fd_write(c, fd, 400, 1, 500), Errno::success);
  EXPECT_EQ(mem_[500], 5);
  std::ifstream in(root_ / "box" / "new.txt");
  std::string got;
  in >> got;
  EXPECT_EQ(got, "hello");
  // Out-of-range iovec and result pointers fault; huge counts are invalid.
  EXPECT_EQ(fd_write(c, fd, 65532, 1, 500), Errno::fault);
  EXPECT_EQ(fd_write(c, fd, 400, 1, 65534), Errno::fault);
  EXPECT_EQ(fd_write(c, fd, 400, 5000, 500), Errno::inval);
  EXPECT_EQ(fd_close(c, fd), Errno::success);
  EXPECT_EQ(fd_close(c, fd), Errno::badf);
}

TEST_F(CallTest, PathCallsRefuseEscapes) {
  Call c = call();
  uint32_t len = put("../outside/new", 100);
  EXPECT_EQ(path_create_directory(c, 3, 100, len), Errno::perm);
  EXPECT_EQ(path_open(c, 3, 0, 100, len, oflag::creat, right::fd_write, 0, 0, 200), Errno::perm);
  uint32_t len2 = put("in.txt", 150);
  EXPECT_EQ(path_rename(c, 3, 150, len2, 3, 100, len), Errno::perm);
  EXPECT_EQ(path_link(c, 3, 0, 150, len2, 3, 100, len), Errno::perm);
  uint32_t abs = put("/tmp/x", 250);
  EXPECT_EQ(path_symlink(c, 250, abs, 3, 150, len2), Errno::perm);
  // Without the rights, the same calls are notcapable.
  ctx_.fds.find(3)->base &= ~(right::path_create_directory | right::path_rename_source);
  uint32_t ok = put("fine", 300);
  EXPECT_EQ(path_create_directory(c, 3, 300, ok), Errno::notcapable);
  EXPECT_EQ(path_rename(c, 3, 150, len2, 3, 300, ok), Errno::notcapable);
  EXPECT_FALSE(fs::exists(root_ / "outside" / "new"));
  EXPECT_TRUE(fs::exists(root_ / "box" / "in.txt"));
}

// A relative symlink is refused when following it (as the guest's own
// resolution would, or a host program reading the guest's output later)
// climbs out of the directory: directly, through a not-yet-existing
// component, or through a symlink inside that points up.
TEST_F(CallTest, SymlinksThatLeadOutsideAreRefused) {
  Call c = call();
  fs::create_directories(root_ / "box" / "a" / "b");
  fs::create_symlink("..", root_ / "box" / "a" / "b" / "up");
  auto symlink = [&](const std::string& target, const std::string& link) {
    uint32_t t = put(target, 1000), l = put(link, 2000);
    return path_symlink(c, 1000, t, 3, 2000, l);
  };
  struct Case {
    const char* target;
    const char* link;
    Errno expected;
  };
  for (const Case& k : std::initializer_list<Case>{{"../../etc/passwd", "l_up2", Errno::perm},
                                                   {"../outside/secret.txt", "l_up1", Errno::perm},
                                                   {"../../x", "a/l_deep", Errno::perm},
                                                   {"missing/../../x", "l_missing", Errno::perm},
                                                   {"b/up/../../x", "a/l_via_link", Errno::perm},
                                                   {"sub/updir", "l_via_updir", Errno::perm},
                                                   {"../x", "a/l_ok", Errno::success},
                                                   {"../../in.txt", "a/b/l_ok", Errno::success},
                                                   {"missing/../in.txt", "l_ok_missing", Errno::success},
                                                   {"b/up/b/../in.txt", "a/l_ok_link", Errno::success},
                                                   {"in.txt", "l_ok_plain", Errno::success}}) {
    EXPECT_EQ(symlink(k.target, k.link), k.expected) << k.link << " -> " << k.target;
    EXPECT_EQ(fs::is_symlink(root_ / "box" / k.link), k.expected == Errno::success) << k.link;
  }
}

TEST_F(CallTest, ReaddirCookiesResume) {
  for (int i = 0; i < 50; ++i) std::ofstream(root_ / "box" / "sub" / std::string("f").append(std::to_string(i)));
  Call c = call();
  uint32_t len = put("sub", 100);
  ASSERT_EQ(path_open(c, 3, 0, 100, len, oflag::directory, right::fd_readdir, 0, 0, 200), Errno::success);
  uint32_t fd;
  std::memcpy(&fd, &mem_[200], 4);
  uint64_t cookie = 0;
  size_t names = 0;
  for (int round = 0; round < 1000; ++round) {
    ASSERT_EQ(fd_readdir(c, fd, 1000, 64, cookie, 300), Errno::success);
    uint32_t used;
    std::memcpy(&used, &mem_[300], 4);
    size_t off = 0;
    while (off + layout::dirent_size <= used) {
      uint32_t namlen;
      std::memcpy(&namlen, &mem_[1000 + off + 16], 4);
      if (off + layout::dirent_size + namlen > used) break;
      std::memcpy(&cookie, &mem_[1000 + off], 8);
      off += layout::dirent_size + namlen;
      ++names;
    }
    if (used < 64) break;
  }
  EXPECT_EQ(names, 53u);  // 50 files, the symlink "updir", "." and ".."
}

// "d/" is checked not to be a symlink, then used. Another process (or a
// guest sharing the directory) swapping d for a symlink to the outside in
// between must not make open or stat reach the outside directory.
TEST_F(CallTest, TrailingSlashRaceNeverReachesOutside) {
  fs::create_directory(root_ / "box" / "d");
  fs::create_symlink("../outside", root_ / "box" / "d_link");
  struct stat outside;
  ASSERT_EQ(stat((root_ / "outside").c_str(), &outside), 0);
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    while (!stop.load(std::memory_order_relaxed)) ASSERT_EQ(renameat2(box_, "d", box_, "d_link", RENAME_EXCHANGE), 0);
  });
  Call c = call();
  uint32_t len = put("d/", 100);
  int opened = 0, refused = 0, escapes = 0;
  for (int i = 0; i < 20000; ++i) {
    Errno e = path_open(c, 3, 0, 100, len, oflag::directory, right::fd_readdir, 0, 0, 200);
    if (e == Errno::success) {
      uint32_t fd;
      std::memcpy(&fd, &mem_[200], 4);
      struct stat st;
      ASSERT_EQ(fstat(ctx_.fds.find(fd)->host.get(), &st), 0);
      escapes += st.st_ino == outside.st_ino && st.st_dev == outside.st_dev;
      ++opened;
      ASSERT_EQ(fd_close(c, fd), Errno::success);
    } else {
      ++refused;
    }
    if (path_filestat_get(c, 3, 0, 100, len, 300) == Errno::success) {
      uint64_t ino;
      std::memcpy(&ino, &mem_[308], 8);
      escapes += ino == outside.st_ino;
    }
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(escapes, 0);
  // Both states were seen, so the race was really run.
  EXPECT_GT(opened, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
