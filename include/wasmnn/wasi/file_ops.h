// Helpers shared by the fd_* and path_* calls.
#pragma once

#include <sys/stat.h>
#include <sys/uio.h>

#include <ctime>
#include <vector>

#include "wasmnn/common/guest_memory.h"
#include "wasmnn/wasi/abi.h"

namespace wasmnn::wasi {

// Writes the WASI filestat of st at guest address out (fault if out of bounds).
Errno store_filestat(const GuestMemory& mem, uint32_t out, const struct stat& st);

// Turns the (atim, mtim, fst_flags) triple into utimensat/futimens times.
Errno times_from_fst(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec (&ts)[2]);

// Reads a guest iovec array into host iovecs pointing at guest memory. Every
// buffer is bounds-checked; the total is capped so one call moves < 2 GiB.
Errno gather_iovecs(const GuestMemory& mem, uint32_t iovs, uint32_t iovs_len, std::vector<struct iovec>& out);

}  // namespace wasmnn::wasi
