// wasi_snapshot_preview1 constants and struct layouts, as the guest sees them
// (little-endian, offsets from the witx definitions).
#pragma once

#include <cstdint>

namespace wasmnn::wasi {

enum class Errno : uint16_t {
  success = 0,
  toobig = 1,
  acces = 2,
  addrinuse = 3,
  addrnotavail = 4,
  afnosupport = 5,
  again = 6,
  already = 7,
  badf = 8,
  badmsg = 9,
  busy = 10,
  canceled = 11,
  child = 12,
  connaborted = 13,
  connrefused = 14,
  connreset = 15,
  deadlk = 16,
  destaddrreq = 17,
  dom = 18,
  dquot = 19,
  exist = 20,
  fault = 21,
  fbig = 22,
  hostunreach = 23,
  idrm = 24,
  ilseq = 25,
  inprogress = 26,
  intr = 27,
  inval = 28,
  io = 29,
  isconn = 30,
  isdir = 31,
  loop = 32,
  mfile = 33,
  mlink = 34,
  msgsize = 35,
  multihop = 36,
  nametoolong = 37,
  netdown = 38,
  netreset = 39,
  netunreach = 40,
  nfile = 41,
  nobufs = 42,
  nodev = 43,
  noent = 44,
  noexec = 45,
  nolck = 46,
  nolink = 47,
  nomem = 48,
  nomsg = 49,
  noprotoopt = 50,
  nospc = 51,
  nosys = 52,
  notconn = 53,
  notdir = 54,
  notempty = 55,
  notrecoverable = 56,
  notsock = 57,
  notsup = 58,
  notty = 59,
  nxio = 60,
  overflow = 61,
  ownerdead = 62,
  perm = 63,
  pipe = 64,
  proto = 65,
  protonosupport = 66,
  prototype = 67,
  range = 68,
  rofs = 69,
  spipe = 70,
  srch = 71,
  stale = 72,
  timedout = 73,
  txtbsy = 74,
  xdev = 75,
  notcapable = 76,
};

enum class Filetype : uint8_t {
  unknown = 0,
  block_device = 1,
  character_device = 2,
  directory = 3,
  regular_file = 4,
  socket_dgram = 5,
  socket_stream = 6,
  symbolic_link = 7,
};

using Rights = uint64_t;
namespace right {
inline constexpr Rights fd_datasync = 1ull << 0;
inline constexpr Rights fd_read = 1ull << 1;
inline constexpr Rights fd_seek = 1ull << 2;
inline constexpr Rights fd_fdstat_set_flags = 1ull << 3;
inline constexpr Rights fd_sync = 1ull << 4;
inline constexpr Rights fd_tell = 1ull << 5;
inline constexpr Rights fd_write = 1ull << 6;
inline constexpr Rights fd_advise = 1ull << 7;
inline constexpr Rights fd_allocate = 1ull << 8;
inline constexpr Rights path_create_directory = 1ull << 9;
inline constexpr Rights path_create_file = 1ull << 10;
inline constexpr Rights path_link_source = 1ull << 11;
inline constexpr Rights path_link_target = 1ull << 12;
inline constexpr Rights path_open = 1ull << 13;
inline constexpr Rights fd_readdir = 1ull << 14;
inline constexpr Rights path_readlink = 1ull << 15;
inline constexpr Rights path_rename_source = 1ull << 16;
inline constexpr Rights path_rename_target = 1ull << 17;
inline constexpr Rights path_filestat_get = 1ull << 18;
inline constexpr Rights path_filestat_set_size = 1ull << 19;
inline constexpr Rights path_filestat_set_times = 1ull << 20;
inline constexpr Rights fd_filestat_get = 1ull << 21;
inline constexpr Rights fd_filestat_set_size = 1ull << 22;
inline constexpr Rights fd_filestat_set_times = 1ull << 23;
inline constexpr Rights path_symlink = 1ull << 24;
inline constexpr Rights path_remove_directory = 1ull << 25;
inline constexpr Rights path_unlink_file = 1ull << 26;
inline constexpr Rights poll_fd_readwrite = 1ull << 27;
inline constexpr Rights sock_shutdown = 1ull << 28;
inline constexpr Rights sock_accept = 1ull << 29;
inline constexpr Rights all = (1ull << 30) - 1;

// What makes sense on a regular file (or device/pipe/socket) and on a directory.
inline constexpr Rights file_base = fd_datasync | fd_read | fd_seek | fd_fdstat_set_flags | fd_sync | fd_tell |
                                    fd_write | fd_advise | fd_allocate | fd_filestat_get | fd_filestat_set_size |
                                    fd_filestat_set_times | poll_fd_readwrite;
inline constexpr Rights dir_base = fd_fdstat_set_flags | fd_sync | fd_datasync | fd_advise | path_create_directory |
                                   path_create_file | path_link_source | path_link_target | path_open | fd_readdir |
                                   path_readlink | path_rename_source | path_rename_target | path_filestat_get |
                                   path_filestat_set_size | path_filestat_set_times | fd_filestat_get |
                                   fd_filestat_set_times | path_symlink | path_remove_directory | path_unlink_file;
inline constexpr Rights dir_inheriting = dir_base | file_base;
// The stdio streams: a read end (fd 0) and write ends (1, 2). They share the
// host's open file description, so nothing may move, resize, re-time or
// re-flag it: with `wasmnn run guest.wasm >> app.log` a guest could otherwise
// truncate the log, clear its O_APPEND or overwrite it from offset 0.
inline constexpr Rights stdin_base = fd_read | fd_filestat_get | poll_fd_readwrite;
inline constexpr Rights stdout_base = fd_write | fd_filestat_get | poll_fd_readwrite;
}  // namespace right

namespace fdflag {
inline constexpr uint16_t append = 1, dsync = 2, nonblock = 4, rsync = 8, sync = 16;
}
namespace oflag {
inline constexpr uint16_t creat = 1, directory = 2, excl = 4, trunc = 8;
}
namespace lookupflag {
inline constexpr uint32_t symlink_follow = 1;
}
namespace fstflag {
inline constexpr uint16_t atim = 1, atim_now = 2, mtim = 4, mtim_now = 8;
}

enum class Whence : uint8_t { set = 0, cur = 1, end = 2 };
enum class ClockId : uint32_t { realtime = 0, monotonic = 1, process_cputime = 2, thread_cputime = 3 };
enum class EventType : uint8_t { clock = 0, fd_read = 1, fd_write = 2 };
inline constexpr uint16_t subclock_abstime = 1;
inline constexpr uint16_t eventrw_hangup = 1;

// Struct sizes and field offsets in guest memory.
namespace layout {
inline constexpr uint32_t iovec_size = 8;    // buf u32 @0, len u32 @4
inline constexpr uint32_t fdstat_size = 24;  // filetype u8 @0, flags u16 @2, base u64 @8, inheriting u64 @16
inline constexpr uint32_t filestat_size =
    64;  // dev @0 ino @8 filetype u8 @16 nlink @24 size @32 atim @40 mtim @48 ctim @56
inline constexpr uint32_t prestat_size = 8;        // tag u8 @0 (0 = dir), name_len u32 @4
inline constexpr uint32_t dirent_size = 24;        // next u64 @0, ino u64 @8, namlen u32 @16, type u8 @20
inline constexpr uint32_t subscription_size = 48;  // userdata u64 @0, tag u8 @8, payload @16
inline constexpr uint32_t event_size = 32;  // userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24
}  // namespace layout

// Bounds on what one call may ask of the host.
inline constexpr uint32_t max_iovecs = 1024;         // IOV_MAX
inline constexpr uint32_t max_subscriptions = 4096;  // poll_oneoff
inline constexpr int max_symlink_expansions = 40;    // MAXSYMLINKS

}  // namespace wasmnn::wasi
