// Helpers shared by the fd_* and path_* calls.
#pragma once

#include <sys/stat.h>
#include <sys/uio.h>

#include <ctime>
#include <vector>

#include "wasmnn/common/guest_memory.h"
#include "wasmnn/wasi/abi.h"
#include "wasmnn/wasi/context.h"

namespace wasmnn::wasi {

// Writes the WASI filestat of st at guest address out (fault if out of bounds).
Errno store_filestat(const GuestMemory& mem, uint32_t out, const struct stat& st);

// Turns the (atim, mtim, fst_flags) triple into utimensat/futimens times.
Errno times_from_fst(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec (&ts)[2]);

// Reads a guest iovec array into host iovecs pointing at guest memory. Every
// buffer is bounds-checked; the total is capped so one call moves < 2 GiB.
Errno gather_iovecs(const GuestMemory& mem, uint32_t iovs, uint32_t iovs_len, std::vector<struct iovec>& out);

// Before a read or write that could block (a pipe, terminal or socket in
// blocking mode): waits until `e` is ready for `events` (POLLIN/POLLOUT) or
// the store is interrupted, which returns intr (the binding then ends the
// run with the interrupt). Regular files and directories never wait.
Errno wait_ready(const Call& c, const FdEntry& e, short events);

}  // namespace wasmnn::wasi
