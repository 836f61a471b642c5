// Path resolution beneath a directory fd, component by component, so no path
// a guest can write — "..", absolute paths, symlinks (absolute, relative,
// chained, dangling) — ever reaches a host file outside that directory.
//
// Intermediate directories are opened with O_PATH|O_NOFOLLOW|O_DIRECTORY and
// symlinks are expanded here (never by the kernel), so the final syscall gets
// a directory fd known to be beneath the root plus one plain name.
//
// A final component written with a trailing slash ("dir/") is checked here
// not to be a symlink, but another process (or another guest sharing the
// directory) may swap one in before the syscall, and the kernel follows a
// symlink before a trailing slash. So the calls that act on the object itself
// or would follow it (open, stat, set times, readlink, a link's source) use
// bare_name() and refuse to follow; the others (mkdir, rmdir, unlink, rename,
// a new link's or symlink's name) never follow the final component and keep
// the slash for its POSIX meaning.
//
// A path that would leave the root is `perm` (as in wasmtime, whose errno the
// testsuite expects); `notcapable` is kept for missing rights.
#pragma once

#include <string>
#include <string_view>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/common/unique_fd.h"
#include "wasmnn/wasi/abi.h"

namespace wasmnn::wasi {

struct ResolvedPath {
  UniqueFd owned;    // the parent directory when it is not the root itself
  int dir = -1;      // fd to pass to the *at() call (owned or the root)
  std::string name;  // one component, "." for the directory itself; keeps a trailing '/'
  bool trailing_slash = false;

  std::string bare_name() const { return trailing_slash ? name.substr(0, name.size() - 1) : name; }
};

struct ResolveResult {
  Errno error = Errno::success;
  ResolvedPath path;
};

// Resolves `path` beneath `root`. If follow_final, a symlink in the last
// component is expanded too (it always is when the path ends in '/').
WASMNN_INTERNAL_API ResolveResult resolve_beneath(int root, std::string_view path, bool follow_final);

// Whether a symlink named `link_path` (beneath root) holding `target` leads
// to a place beneath root when followed as the guest would (symlinks on the
// way expanded; components that do not exist yet taken by name). Checked when
// a guest plants a link, because host programs that later read the guest's
// output would follow it with the kernel's own resolution. (A guest can still
// move or replace directories afterwards; the check is at creation time.)
WASMNN_INTERNAL_API bool symlink_stays_beneath(int root, std::string_view link_path, std::string_view target);

}  // namespace wasmnn::wasi
