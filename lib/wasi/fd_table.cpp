#include "wasmnn/wasi/fd_table.h"

#include <sys/socket.h>
#include <sys/stat.h>

namespace wasmnn::wasi {

FdEntry* FdTable::find(uint32_t fd) { return fd < slots_.size() ? slots_[fd].get() : nullptr; }

FdEntry* FdTable::get(uint32_t fd, Rights needed, Errno& err) {
  FdEntry* e = find(fd);
  if (!e) {
    err = Errno::badf;
    return nullptr;
  }
  if ((e->base & needed) != needed) {
    err = Errno::notcapable;
    return nullptr;
  }
  return e;
}

int64_t FdTable::insert(std::unique_ptr<FdEntry> entry) {
  // 0-2 stay reserved for stdio even when one is closed, as guests assume.
  if (slots_.size() < 3) slots_.resize(3);
  for (size_t i = 3; i < slots_.size(); ++i) {
    if (!slots_[i]) {
      slots_[i] = std::move(entry);
      return static_cast<int64_t>(i);
    }
  }
  if (slots_.size() >= kMaxFds) return -1;
  slots_.push_back(std::move(entry));
  return static_cast<int64_t>(slots_.size() - 1);
}

void FdTable::set(uint32_t fd, std::unique_ptr<FdEntry> entry) {
  if (fd >= slots_.size()) slots_.resize(fd + 1);
  slots_[fd] = std::move(entry);
}

bool FdTable::close(uint32_t fd) {
  if (!find(fd)) return false;
  slots_[fd].reset();
  return true;
}

bool FdTable::renumber(uint32_t from, uint32_t to) {
  if (!find(from) || !find(to)) return false;
  if (from != to) slots_[to] = std::move(slots_[from]);
  return true;
}

Filetype filetype_of_mode(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return Filetype::regular_file;
    case S_IFDIR: return Filetype::directory;
    case S_IFLNK: return Filetype::symbolic_link;
    case S_IFCHR: return Filetype::character_device;
    case S_IFBLK: return Filetype::block_device;
    case S_IFSOCK: return Filetype::socket_stream;
    default: return Filetype::unknown;  // FIFOs have no WASI type
  }
}

Filetype filetype_of_fd(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Filetype::unknown;
  Filetype t = filetype_of_mode(st.st_mode);
  if (t == Filetype::socket_stream) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM) return Filetype::socket_dgram;
  }
  return t;
}

}  // namespace wasmnn::wasi
