// The guest's file descriptor table: WASI fd numbers -> host fds, with the
// rights each one carries and the per-fd state WASI needs (preopen name,
// readdir listing).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/common/unique_fd.h"
#include "wasmnn/wasi/abi.h"

namespace wasmnn::wasi {

struct DirEntry {
  uint64_t ino;
  Filetype type;
  std::string name;
};

struct FdEntry {
  UniqueFd host;
  Filetype type = Filetype::unknown;
  Rights base = 0;
  Rights inheriting = 0;
  uint16_t sync_flags = 0;  // rsync is not a host flag; remembered here
  bool is_preopen = false;
  std::string preopen_name;       // the guest-visible name of a preopened dir
  std::vector<DirEntry> listing;  // fd_readdir snapshot, refreshed at cookie 0
  bool listing_valid = false;
};

class WASMNN_INTERNAL_API FdTable {
 public:
  // Looks up fd and checks it carries every right in `needed`.
  // On failure sets err to badf or notcapable and returns nullptr.
  FdEntry* get(uint32_t fd, Rights needed, Errno& err);
  FdEntry* find(uint32_t fd);
  // Installs entry at the lowest free number >= 3; returns it, or -1 if the table is full.
  int64_t insert(std::unique_ptr<FdEntry> entry);
  bool close(uint32_t fd);
  // Moves `from` onto `to` (closing what was at `to`). Both must be open.
  bool renumber(uint32_t from, uint32_t to);
  void set(uint32_t fd, std::unique_ptr<FdEntry> entry);

 private:
  static constexpr size_t kMaxFds = 1u << 20;
  std::vector<std::unique_ptr<FdEntry>> slots_;
};

// What WASI calls the file type of a host fd.
Filetype filetype_of_mode(unsigned mode);
Filetype filetype_of_fd(int fd);

}  // namespace wasmnn::wasi
