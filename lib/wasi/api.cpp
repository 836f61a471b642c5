// The public WASI API (wasmnn/wasi.h) and the binding of every
// wasi_snapshot_preview1 import to its implementation.
#include <fcntl.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "wasmnn/common/host_binding.h"
#include "wasmnn/wasi/calls.h"
#include "wasmnn/wasi/context.h"

using namespace wasmnn::wasi;
using wasmnn::UniqueFd;

namespace {

constexpr const char* kModule = "wasi_snapshot_preview1";

// proc_exit ends the run: the embedder sees an EXIT error carrying the code.
wasmnn_error* proc_exit(wasmnn_caller*, void*, const wasmnn_val* args, wasmnn_val*) {
  return wasmnn_error_new_exit(args[0].of.i32);
}

template <auto Fn> wasmnn_host_func_def def(const char* name) { return wasmnn::hostFunc<Fn>(kModule, name); }

constexpr wasmnn_valkind kI32 = WASMNN_I32;

const wasmnn_host_func_def* definitions(size_t& count) {
  static const wasmnn_host_func_def table[] = {
      def<args_get>("args_get"),
      def<args_sizes_get>("args_sizes_get"),
      def<environ_get>("environ_get"),
      def<environ_sizes_get>("environ_sizes_get"),
      def<clock_res_get>("clock_res_get"),
      def<clock_time_get>("clock_time_get"),
      def<fd_advise>("fd_advise"),
      def<fd_allocate>("fd_allocate"),
      def<fd_close>("fd_close"),
      def<fd_datasync>("fd_datasync"),
      def<fd_fdstat_get>("fd_fdstat_get"),
      def<fd_fdstat_set_flags>("fd_fdstat_set_flags"),
      def<fd_fdstat_set_rights>("fd_fdstat_set_rights"),
      def<fd_filestat_get>("fd_filestat_get"),
      def<fd_filestat_set_size>("fd_filestat_set_size"),
      def<fd_filestat_set_times>("fd_filestat_set_times"),
      def<fd_pread>("fd_pread"),
      def<fd_prestat_get>("fd_prestat_get"),
      def<fd_prestat_dir_name>("fd_prestat_dir_name"),
      def<fd_pwrite>("fd_pwrite"),
      def<fd_read>("fd_read"),
      def<fd_readdir>("fd_readdir"),
      def<fd_renumber>("fd_renumber"),
      def<fd_seek>("fd_seek"),
      def<fd_sync>("fd_sync"),
      def<fd_tell>("fd_tell"),
      def<fd_write>("fd_write"),
      def<path_create_directory>("path_create_directory"),
      def<path_filestat_get>("path_filestat_get"),
      def<path_filestat_set_times>("path_filestat_set_times"),
      def<path_link>("path_link"),
      def<path_open>("path_open"),
      def<path_readlink>("path_readlink"),
      def<path_remove_directory>("path_remove_directory"),
      def<path_rename>("path_rename"),
      def<path_symlink>("path_symlink"),
      def<path_unlink_file>("path_unlink_file"),
      def<poll_oneoff>("poll_oneoff"),
      wasmnn_host_func_def{kModule, "proc_exit", wasmnn_functype{1, &kI32, 0, nullptr}, &proc_exit},
      def<proc_raise>("proc_raise"),
      def<&wasmnn::wasi::sched_yield>("sched_yield"),
      def<random_get>("random_get"),
      def<sock_accept>("sock_accept"),
      def<sock_recv>("sock_recv"),
      def<sock_send>("sock_send"),
      def<sock_shutdown>("sock_shutdown"),
  };
  count = std::size(table);
  return table;
}

// fds 0-2 are duplicates of the host's, so a guest closing its stdout cannot
// close ours. A host stdio fd that is not open is simply absent in the guest.
void add_stdio(Context& ctx) {
  for (int fd = 0; fd < 3; ++fd) {
    auto entry = std::make_unique<FdEntry>();
    entry->host.reset(fcntl(fd, F_DUPFD_CLOEXEC, 3));
    if (!entry->host.valid()) continue;
    entry->type = filetype_of_fd(entry->host.get());
    entry->base = fd == 0 ? right::stdin_base : right::stdout_base;
    ctx.fds.set(static_cast<uint32_t>(fd), std::move(entry));
  }
}

}  // namespace

extern "C" {

wasmnn_wasi* wasmnn_wasi_new(void) {
  auto* ctx = new (std::nothrow) wasmnn_wasi();
  if (ctx) add_stdio(*ctx);
  return ctx;
}

void wasmnn_wasi_delete(wasmnn_wasi* wasi) { delete wasi; }

void wasmnn_wasi_set_args(wasmnn_wasi* wasi, size_t argc, const char* const* argv) {
  if (!wasi || (argc && !argv)) return;
  wasi->args.clear();
  for (size_t i = 0; i < argc; ++i) wasi->args.emplace_back(argv[i] ? argv[i] : "");
}

void wasmnn_wasi_add_env(wasmnn_wasi* wasi, const char* key, const char* value) {
  if (!wasi || !key || !value) return;
  // A later definition of the same key replaces the earlier one (--env after --inherit-env).
  std::string prefix = std::string(key) + "=";
  for (std::string& kv : wasi->env) {
    if (kv.compare(0, prefix.size(), prefix) == 0) {
      kv = prefix + value;
      return;
    }
  }
  wasi->env.push_back(prefix + value);
}

wasmnn_error* wasmnn_wasi_preopen_dir(wasmnn_wasi* wasi, const char* host_path, const char* guest_path) {
  if (!wasi || !host_path || !guest_path) return wasmnn_error_new(WASMNN_ERROR_HOST, "preopen: null argument");
  UniqueFd fd(open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    std::string msg = std::string("cannot preopen directory '") + host_path + "': " + std::strerror(errno);
    return wasmnn_error_new(WASMNN_ERROR_HOST, msg.c_str());
  }
  auto entry = std::make_unique<FdEntry>();
  entry->host = std::move(fd);
  entry->type = Filetype::directory;
  entry->base = right::dir_base;
  entry->inheriting = right::dir_inheriting;
  entry->is_preopen = true;
  entry->preopen_name = guest_path;
  if (wasi->fds.insert(std::move(entry)) < 0) return wasmnn_error_new(WASMNN_ERROR_HOST, "preopen: fd table full");
  return nullptr;
}

wasmnn_error* wasmnn_linker_define_wasi(wasmnn_linker* linker, wasmnn_wasi* wasi) {
  if (!linker || !wasi) return wasmnn_error_new(WASMNN_ERROR_HOST, "define_wasi: null argument");
  size_t count = 0;
  const wasmnn_host_func_def* defs = definitions(count);
  return wasmnn_linker_define_funcs(linker, defs, count, wasi, nullptr);
}

}  // extern "C"
