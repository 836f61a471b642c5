// The fd_* calls: operations on an already-open descriptor.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "wasmnn/wasi/calls.h"
#include "wasmnn/wasi/errno_map.h"
#include "wasmnn/wasi/file_ops.h"

namespace wasmnn::wasi {
namespace {

Errno store_count(const GuestMemory& mem, uint32_t out, ssize_t n) {
  return mem.store<uint32_t>(out, static_cast<uint32_t>(n)) ? Errno::success : Errno::fault;
}

// readv/writev/preadv/pwritev share the same shape: iovecs in, a count out.
template <typename Io> Errno transfer(Call& c, uint32_t iovs, uint32_t iovs_len, uint32_t count_out, Io io) {
  std::vector<struct iovec> vec;
  if (Errno e = gather_iovecs(c.mem, iovs, iovs_len, vec); e != Errno::success) return e;
  if (!c.mem.contains(count_out, 4)) return Errno::fault;
  ssize_t n;
  do {
    n = io(vec.data(), static_cast<int>(vec.size()));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_errno();
  return store_count(c.mem, count_out, n);
}

Filetype dirent_type(int dir, const struct dirent& d) {
  switch (d.d_type) {
    case DT_REG: return Filetype::regular_file;
    case DT_DIR: return Filetype::directory;
    case DT_LNK: return Filetype::symbolic_link;
    case DT_CHR: return Filetype::character_device;
    case DT_BLK: return Filetype::block_device;
    case DT_SOCK: return Filetype::socket_stream;
    case DT_FIFO: return Filetype::unknown;
    default: break;
  }
  struct stat st;
  if (fstatat(dir, d.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Filetype::unknown;
  return filetype_of_mode(st.st_mode);
}

// Snapshots the directory's entries; cookies are indexes into the snapshot.
Errno load_listing(FdEntry& e) {
  int fd = openat(e.host.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_errno();
  DIR* dir = fdopendir(fd);
  if (!dir) {
    Errno err = last_errno();
    ::close(fd);
    return err;
  }
  e.listing.clear();
  errno = 0;
  while (struct dirent* d = readdir(dir)) {
    e.listing.push_back(DirEntry{static_cast<uint64_t>(d->d_ino), dirent_type(dirfd(dir), *d), d->d_name});
    errno = 0;
  }
  Errno err = last_errno();
  closedir(dir);
  e.listing_valid = err == Errno::success;
  return err;
}

uint16_t host_fdflags(const FdEntry& e) {
  int fl = fcntl(e.host.get(), F_GETFL);
  uint16_t out = e.sync_flags;
  if (fl < 0) return out;
  if (fl & O_APPEND) out |= fdflag::append;
  if (fl & O_NONBLOCK) out |= fdflag::nonblock;
  if ((fl & O_SYNC) == O_SYNC) out |= fdflag::sync;
  if (fl & O_DSYNC) out |= fdflag::dsync;
  return out;
}

}  // namespace

Errno fd_advise(Call& c, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_advise, err);
  if (!e) return err;
  static constexpr int host_advice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                        POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  if (advice > 5 || offset > INT64_MAX || len > INT64_MAX) return Errno::inval;
  if (e->type == Filetype::directory) return Errno::badf;
  int rc = posix_fadvise(e->host.get(), static_cast<off_t>(offset), static_cast<off_t>(len), host_advice[advice]);
  return errno_from_host(rc);
}

Errno fd_allocate(Call& c, uint32_t fd, uint64_t offset, uint64_t len) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_allocate, err);
  if (!e) return err;
  if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX) return Errno::inval;
  if (e->type == Filetype::directory) return Errno::badf;
  int rc = posix_fallocate(e->host.get(), static_cast<off_t>(offset), static_cast<off_t>(len));
  return errno_from_host(rc);
}

Errno fd_close(Call& c, uint32_t fd) { return c.ctx.fds.close(fd) ? Errno::success : Errno::badf; }

Errno fd_datasync(Call& c, uint32_t fd) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_datasync, err);
  if (!e) return err;
  return fdatasync(e->host.get()) == 0 ? Errno::success : last_errno();
}

Errno fd_sync(Call& c, uint32_t fd) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_sync, err);
  if (!e) return err;
  return fsync(e->host.get()) == 0 ? Errno::success : last_errno();
}

Errno fd_fdstat_get(Call& c, uint32_t fd, uint32_t out) {
  FdEntry* e = c.ctx.fds.find(fd);
  if (!e) return Errno::badf;
  uint8_t* p = c.mem.at(out, layout::fdstat_size);
  if (!p) return Errno::fault;
  std::memset(p, 0, layout::fdstat_size);
  GuestMemory::put<uint8_t>(p, 0, static_cast<uint8_t>(e->type));
  GuestMemory::put<uint16_t>(p, 2, host_fdflags(*e));
  GuestMemory::put<uint64_t>(p, 8, e->base);
  GuestMemory::put<uint64_t>(p, 16, e->inheriting);
  return Errno::success;
}

Errno fd_fdstat_set_flags(Call& c, uint32_t fd, uint32_t flags) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_fdstat_set_flags, err);
  if (!e) return err;
  constexpr uint32_t known = fdflag::append | fdflag::dsync | fdflag::nonblock | fdflag::rsync | fdflag::sync;
  if (flags & ~known) return Errno::inval;
  // Linux cannot change O_SYNC/O_DSYNC on an open file: only a request that
  // keeps them as they are can succeed.
  constexpr uint32_t sync_bits = fdflag::dsync | fdflag::rsync | fdflag::sync;
  if ((flags & sync_bits) != (host_fdflags(*e) & sync_bits)) return Errno::notsup;
  int fl = fcntl(e->host.get(), F_GETFL);
  if (fl < 0) return last_errno();
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & fdflag::append) fl |= O_APPEND;
  if (flags & fdflag::nonblock) fl |= O_NONBLOCK;
  return fcntl(e->host.get(), F_SETFL, fl) == 0 ? Errno::success : last_errno();
}

Errno fd_fdstat_set_rights(Call& c, uint32_t fd, uint64_t base, uint64_t inheriting) {
  FdEntry* e = c.ctx.fds.find(fd);
  if (!e) return Errno::badf;
  // Rights only ever shrink.
  if ((base & ~e->base) != 0 || (inheriting & ~e->inheriting) != 0) return Errno::notcapable;
  e->base = base;
  e->inheriting = inheriting;
  return Errno::success;
}

Errno fd_filestat_get(Call& c, uint32_t fd, uint32_t out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_filestat_get, err);
  if (!e) return err;
  struct stat st;
  if (fstat(e->host.get(), &st) != 0) return last_errno();
  return store_filestat(c.mem, out, st);
}

Errno fd_filestat_set_size(Call& c, uint32_t fd, uint64_t size) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_filestat_set_size, err);
  if (!e) return err;
  if (size > INT64_MAX) return Errno::inval;
  return ftruncate(e->host.get(), static_cast<off_t>(size)) == 0 ? Errno::success : last_errno();
}

Errno fd_filestat_set_times(Call& c, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst_flags) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_filestat_set_times, err);
  if (!e) return err;
  struct timespec ts[2];
  if (Errno t = times_from_fst(atim, mtim, fst_flags, ts); t != Errno::success) return t;
  return futimens(e->host.get(), ts) == 0 ? Errno::success : last_errno();
}

Errno fd_pread(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nread_out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_read | right::fd_seek, err);
  if (!e) return err;
  if (offset > INT64_MAX) return Errno::inval;
  if (e->type == Filetype::directory) return Errno::isdir;
  int host = e->host.get();
  return transfer(c, iovs, iovs_len, nread_out,
                  [&](const iovec* v, int n) { return preadv(host, v, n, static_cast<off_t>(offset)); });
}

Errno fd_pwrite(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nwritten_out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_write | right::fd_seek, err);
  if (!e) return err;
  if (offset > INT64_MAX) return Errno::inval;
  if (e->type == Filetype::directory) return Errno::isdir;
  int host = e->host.get();
  return transfer(c, iovs, iovs_len, nwritten_out,
                  [&](const iovec* v, int n) { return pwritev(host, v, n, static_cast<off_t>(offset)); });
}

Errno fd_read(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_read, err);
  if (!e) return err;
  if (Errno w = wait_ready(c, *e, POLLIN); w != Errno::success) return w;
  int host = e->host.get();
  return transfer(c, iovs, iovs_len, nread_out, [&](const iovec* v, int n) { return readv(host, v, n); });
}

Errno fd_write(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_write, err);
  if (!e) return err;
  if (Errno w = wait_ready(c, *e, POLLOUT); w != Errno::success) return w;
  int host = e->host.get();
  return transfer(c, iovs, iovs_len, nwritten_out, [&](const iovec* v, int n) { return writev(host, v, n); });
}

Errno fd_prestat_get(Call& c, uint32_t fd, uint32_t out) {
  FdEntry* e = c.ctx.fds.find(fd);
  if (!e || !e->is_preopen) return Errno::badf;
  uint8_t* p = c.mem.at(out, layout::prestat_size);
  if (!p) return Errno::fault;
  std::memset(p, 0, layout::prestat_size);
  GuestMemory::put<uint32_t>(p, 4, static_cast<uint32_t>(e->preopen_name.size()));
  return Errno::success;
}

Errno fd_prestat_dir_name(Call& c, uint32_t fd, uint32_t path, uint32_t path_len) {
  FdEntry* e = c.ctx.fds.find(fd);
  if (!e || !e->is_preopen) return Errno::badf;
  if (path_len < e->preopen_name.size()) return Errno::nametoolong;
  uint8_t* p = c.mem.at(path, e->preopen_name.size());
  if (!p) return Errno::fault;
  std::memcpy(p, e->preopen_name.data(), e->preopen_name.size());
  return Errno::success;
}

Errno fd_readdir(Call& c, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie, uint32_t bufused_out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_readdir, err);
  if (!e) return err;
  if (e->type != Filetype::directory) return Errno::notdir;
  uint8_t* out = c.mem.at(buf, buf_len);
  if (!out || !c.mem.contains(bufused_out, 4)) return Errno::fault;
  if (cookie == 0 || !e->listing_valid) {
    if (Errno l = load_listing(*e); l != Errno::success) return l;
  }
  // Entries are packed back to back; the last one is cut off at buf_len,
  // which tells the guest (bufused == buf_len) to come back with a bigger buffer.
  uint32_t used = 0;
  for (uint64_t i = cookie; i < e->listing.size() && used < buf_len; ++i) {
    const DirEntry& d = e->listing[i];
    uint8_t header[layout::dirent_size] = {};
    GuestMemory::put<uint64_t>(header, 0, i + 1);
    GuestMemory::put<uint64_t>(header, 8, d.ino);
    GuestMemory::put<uint32_t>(header, 16, static_cast<uint32_t>(d.name.size()));
    GuestMemory::put<uint8_t>(header, 20, static_cast<uint8_t>(d.type));
    uint32_t n = std::min<uint32_t>(layout::dirent_size, buf_len - used);
    std::memcpy(out + used, header, n);
    used += n;
    n = static_cast<uint32_t>(std::min<size_t>(d.name.size(), buf_len - used));
    std::memcpy(out + used, d.name.data(), n);
    used += n;
  }
  return store_count(c.mem, bufused_out, used);
}

Errno fd_renumber(Call& c, uint32_t fd, uint32_t to) {
  return c.ctx.fds.renumber(fd, to) ? Errno::success : Errno::badf;
}

Errno fd_seek(Call& c, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t newoffset_out) {
  FdEntry* e = c.ctx.fds.find(fd);
  if (!e) return Errno::badf;
  if (e->type == Filetype::directory) return Errno::badf;
  // Asking where we are is fd_tell; anything that moves needs fd_seek.
  Rights needed = (whence == static_cast<uint32_t>(Whence::cur) && offset == 0) ? right::fd_tell : right::fd_seek;
  if (!(e->base & (needed | right::fd_seek))) return Errno::notcapable;
  int how;
  switch (static_cast<Whence>(whence)) {
    case Whence::set: how = SEEK_SET; break;
    case Whence::cur: how = SEEK_CUR; break;
    case Whence::end: how = SEEK_END; break;
    default: return Errno::inval;
  }
  if (!c.mem.contains(newoffset_out, 8)) return Errno::fault;
  off_t pos = lseek(e->host.get(), static_cast<off_t>(static_cast<int64_t>(offset)), how);
  if (pos < 0) return last_errno();
  c.mem.store<uint64_t>(newoffset_out, static_cast<uint64_t>(pos));
  return Errno::success;
}

Errno fd_tell(Call& c, uint32_t fd, uint32_t offset_out) {
  Errno err;
  FdEntry* e = c.ctx.fds.get(fd, right::fd_tell, err);
  if (!e) return err;
  if (e->type == Filetype::directory) return Errno::badf;
  if (!c.mem.contains(offset_out, 8)) return Errno::fault;
  off_t pos = lseek(e->host.get(), 0, SEEK_CUR);
  if (pos < 0) return last_errno();
  c.mem.store<uint64_t>(offset_out, static_cast<uint64_t>(pos));
  return Errno::success;
}

}  // namespace wasmnn::wasi
