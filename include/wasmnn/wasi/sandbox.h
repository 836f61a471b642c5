// Path resolution beneath a directory fd, component by component, so no path
// a guest can write — "..", absolute paths, symlinks (absolute, relative,
// chained, dangling) — ever reaches a host file outside that directory.
//
// Intermediate directories are opened with O_PATH|O_NOFOLLOW|O_DIRECTORY and
// symlinks are expanded here (never by the kernel), so the final syscall gets
// a directory fd known to be beneath the root plus one plain name.
//
// One window remains: a final component written with a trailing slash
// ("dir/") reaches the kernel with its slash, so if a *concurrent host
// process* swaps that checked directory for a symlink between our check and
// the syscall, open/stat/utimens follow it. The guest itself cannot race
// (preview1 has no threads).
//
// A path that would leave the root is `perm` (as in wasmtime, whose errno the
// testsuite expects); `notcapable` is kept for missing rights.
#pragma once

#include <string>
#include <string_view>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/wasi/abi.h"
#include "wasmnn/wasi/unique_fd.h"

namespace wasmnn::wasi {

struct ResolvedPath {
  UniqueFd owned;     // the parent directory when it is not the root itself
  int dir = -1;       // fd to pass to the *at() call (owned or the root)
  std::string name;   // one component, "." for the directory itself; keeps a trailing '/'
  bool trailing_slash = false;
};

struct ResolveResult {
  Errno error = Errno::success;
  ResolvedPath path;
};

// Resolves `path` beneath `root`. If follow_final, a symlink in the last
// component is expanded too (it always is when the path ends in '/').
WASMNN_INTERNAL_API ResolveResult resolve_beneath(int root, std::string_view path, bool follow_final);

}  // namespace wasmnn::wasi
