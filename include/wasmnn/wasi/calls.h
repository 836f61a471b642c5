// The wasi_snapshot_preview1 functions. Each takes the call context and the
// wasm arguments (i32 -> uint32_t, i64 -> uint64_t) and returns the WASI errno.
// Exported (WASMNN_INTERNAL_API) only so test/wasi can call them directly.
// proc_exit is not here: it ends the run instead of returning (see api.cpp).
#pragma once

#include <cstdint>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/wasi/abi.h"
#include "wasmnn/wasi/context.h"

namespace wasmnn::wasi {

// args, environment, clocks, randomness, scheduling (calls_misc.cpp)
WASMNN_INTERNAL_API Errno args_get(Call& c, uint32_t argv, uint32_t buf);
WASMNN_INTERNAL_API Errno args_sizes_get(Call& c, uint32_t argc_out, uint32_t size_out);
WASMNN_INTERNAL_API Errno environ_get(Call& c, uint32_t environ, uint32_t buf);
WASMNN_INTERNAL_API Errno environ_sizes_get(Call& c, uint32_t count_out, uint32_t size_out);
WASMNN_INTERNAL_API Errno clock_res_get(Call& c, uint32_t id, uint32_t res_out);
WASMNN_INTERNAL_API Errno clock_time_get(Call& c, uint32_t id, uint64_t precision, uint32_t time_out);
WASMNN_INTERNAL_API Errno random_get(Call& c, uint32_t buf, uint32_t len);
WASMNN_INTERNAL_API Errno sched_yield(Call& c);
WASMNN_INTERNAL_API Errno proc_raise(Call& c, uint32_t sig);
WASMNN_INTERNAL_API Errno sock_accept(Call& c, uint32_t fd, uint32_t flags, uint32_t fd_out);
WASMNN_INTERNAL_API Errno sock_recv(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t flags,
                                    uint32_t size_out, uint32_t flags_out);
WASMNN_INTERNAL_API Errno sock_send(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t flags,
                                    uint32_t size_out);
WASMNN_INTERNAL_API Errno sock_shutdown(Call& c, uint32_t fd, uint32_t how);

// poll_oneoff (poll.cpp)
WASMNN_INTERNAL_API Errno poll_oneoff(Call& c, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                                      uint32_t nevents_out);

// fd_* (calls_fd.cpp)
WASMNN_INTERNAL_API Errno fd_advise(Call& c, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
WASMNN_INTERNAL_API Errno fd_allocate(Call& c, uint32_t fd, uint64_t offset, uint64_t len);
WASMNN_INTERNAL_API Errno fd_close(Call& c, uint32_t fd);
WASMNN_INTERNAL_API Errno fd_datasync(Call& c, uint32_t fd);
WASMNN_INTERNAL_API Errno fd_fdstat_get(Call& c, uint32_t fd, uint32_t out);
WASMNN_INTERNAL_API Errno fd_fdstat_set_flags(Call& c, uint32_t fd, uint32_t flags);
WASMNN_INTERNAL_API Errno fd_fdstat_set_rights(Call& c, uint32_t fd, uint64_t base, uint64_t inheriting);
WASMNN_INTERNAL_API Errno fd_filestat_get(Call& c, uint32_t fd, uint32_t out);
WASMNN_INTERNAL_API Errno fd_filestat_set_size(Call& c, uint32_t fd, uint64_t size);
WASMNN_INTERNAL_API Errno fd_filestat_set_times(Call& c, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst_flags);
WASMNN_INTERNAL_API Errno fd_pread(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                                   uint32_t nread_out);
WASMNN_INTERNAL_API Errno fd_prestat_get(Call& c, uint32_t fd, uint32_t out);
WASMNN_INTERNAL_API Errno fd_prestat_dir_name(Call& c, uint32_t fd, uint32_t path, uint32_t path_len);
WASMNN_INTERNAL_API Errno fd_pwrite(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                                    uint32_t nwritten_out);
WASMNN_INTERNAL_API Errno fd_read(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out);
WASMNN_INTERNAL_API Errno fd_readdir(Call& c, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                                     uint32_t bufused_out);
WASMNN_INTERNAL_API Errno fd_renumber(Call& c, uint32_t fd, uint32_t to);
WASMNN_INTERNAL_API Errno fd_seek(Call& c, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t newoffset_out);
WASMNN_INTERNAL_API Errno fd_sync(Call& c, uint32_t fd);
WASMNN_INTERNAL_API Errno fd_tell(Call& c, uint32_t fd, uint32_t offset_out);
WASMNN_INTERNAL_API Errno fd_write(Call& c, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out);

// path_* (calls_path.cpp)
WASMNN_INTERNAL_API Errno path_create_directory(Call& c, uint32_t fd, uint32_t path, uint32_t path_len);
WASMNN_INTERNAL_API Errno path_filestat_get(Call& c, uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len,
                                            uint32_t out);
WASMNN_INTERNAL_API Errno path_filestat_set_times(Call& c, uint32_t fd, uint32_t flags, uint32_t path,
                                                  uint32_t path_len, uint64_t atim, uint64_t mtim, uint32_t fst_flags);
WASMNN_INTERNAL_API Errno path_link(Call& c, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                                    uint32_t old_path_len, uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
WASMNN_INTERNAL_API Errno path_open(Call& c, uint32_t dirfd, uint32_t dirflags, uint32_t path, uint32_t path_len,
                                    uint32_t oflags, uint64_t rights_base, uint64_t rights_inheriting, uint32_t fdflags,
                                    uint32_t fd_out);
WASMNN_INTERNAL_API Errno path_readlink(Call& c, uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf,
                                        uint32_t buf_len, uint32_t bufused_out);
WASMNN_INTERNAL_API Errno path_remove_directory(Call& c, uint32_t fd, uint32_t path, uint32_t path_len);
WASMNN_INTERNAL_API Errno path_rename(Call& c, uint32_t fd, uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                                      uint32_t new_path, uint32_t new_path_len);
WASMNN_INTERNAL_API Errno path_symlink(Call& c, uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                                       uint32_t new_path, uint32_t new_path_len);
WASMNN_INTERNAL_API Errno path_unlink_file(Call& c, uint32_t fd, uint32_t path, uint32_t path_len);

}  // namespace wasmnn::wasi
