#include "wasmnn/wasi/sandbox.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "wasmnn/wasi/errno_map.h"

namespace wasmnn::wasi {
namespace {

// Longest path we accept, counting text added by symlink expansion. Linux
// itself refuses paths over PATH_MAX; the bound keeps expansion finite.
constexpr size_t kMaxPathBytes = 16 * PATH_MAX;

// If dir/name is a symlink, stores its target and returns success; otherwise
// the errno readlinkat gave (inval = exists but is not a symlink).
Errno read_link(int dir, const std::string& name, std::string& target) {
  char buf[PATH_MAX];
  ssize_t n = readlinkat(dir, name.c_str(), buf, sizeof buf);
  if (n < 0) return last_errno();
  if (static_cast<size_t>(n) == sizeof buf) return Errno::nametoolong;
  target.assign(buf, static_cast<size_t>(n));
  return Errno::success;
}

class Resolver {
 public:
  // With `lexical_past_missing`, a path may go on past a component that does
  // not exist; the rest is then followed by name only ("a/../.." from a
  // missing "a" climbs one level): what a future symlink's target would do.
  Resolver(int root, bool lexical_past_missing = false) : root_(root), lexical_(lexical_past_missing) {}

  ResolveResult run(std::string_view path, bool follow_final) {
    if (path.empty()) return fail(Errno::noent);
    if (path.find('\0') != std::string_view::npos) return fail(Errno::ilseq);
    if (path.size() > PATH_MAX) return fail(Errno::nametoolong);
    if (path.front() == '/') return fail(Errno::perm);
    std::string rem(path);
    int expansions = 0;
    for (;;) {
      size_t start = rem.find_first_not_of('/');
      if (start == std::string::npos) return finish(".", false);
      size_t end = rem.find('/', start);
      std::string comp = rem.substr(start, end == std::string::npos ? std::string::npos : end - start);
      std::string rest = end == std::string::npos ? std::string() : rem.substr(end);
      bool last = rest.find_first_not_of('/') == std::string::npos;
      bool trailing = last && !rest.empty();

      if (comp == "." || comp == "..") {
        if (comp == ".." && missing_ > 0) {
          --missing_;
        } else if (comp == "..") {
          if (stack_.empty()) return fail(Errno::perm);  // would climb out of the root
          stack_.pop_back();
        }
        if (last) return finish(".", false);
        rem = std::move(rest);
        continue;
      }
      if (missing_ > 0) {
        ++missing_;
        if (last) return finish(comp, trailing);
        rem = std::move(rest);
        continue;
      }

      if (last && !follow_final && !trailing) return finish(comp, false);

      if (!last) {
        int fd = openat(cur(), comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
          stack_.emplace_back(fd);
          rem = std::move(rest);
          continue;
        }
        if (errno == ENOENT && lexical_) {
          missing_ = 1;
          rem = std::move(rest);
          continue;
        }
        if (errno != ENOTDIR && errno != ELOOP) return fail(last_errno());
      }

      // A symlink we must expand, or (last component) maybe one.
      std::string target;
      Errno e = read_link(cur(), comp, target);
      if (e != Errno::success) {
        if (last) return finish(comp, trailing);  // not a link (or absent): the final syscall decides
        return fail(e == Errno::inval ? Errno::notdir : e);
      }
      if (++expansions > max_symlink_expansions) return fail(Errno::loop);
      if (target.empty()) return fail(Errno::noent);
      if (target.front() == '/') return fail(Errno::perm);  // absolute links lead outside
      rem = target + rest;
      if (rem.size() > kMaxPathBytes) return fail(Errno::nametoolong);
    }
  }

 private:
  int cur() const { return stack_.empty() ? root_ : stack_.back().get(); }

  static ResolveResult fail(Errno e) {
    ResolveResult r;
    r.error = e;
    return r;
  }

  ResolveResult finish(const std::string& name, bool trailing) {
    ResolveResult r;
    if (stack_.empty()) {
      r.path.dir = root_;
    } else {
      r.path.owned = std::move(stack_.back());
      r.path.dir = r.path.owned.get();
    }
    r.path.name = trailing ? name + "/" : name;
    r.path.trailing_slash = trailing;
    return r;
  }

  int root_;
  bool lexical_;
  uint32_t missing_ = 0;  // depth below the first missing component (lexical_ only)
  // Every directory between the root and the current one, so ".." pops back
  // to an fd we opened instead of asking the kernel (which could leave the root).
  std::vector<UniqueFd> stack_;
};

}  // namespace

ResolveResult resolve_beneath(int root, std::string_view path, bool follow_final) {
  return Resolver(root).run(path, follow_final);
}

bool symlink_stays_beneath(int root, std::string_view link_path, std::string_view target) {
  if (!target.empty() && target.front() == '/') return false;
  size_t end = link_path.find_last_not_of('/');
  size_t slash = end == std::string_view::npos ? std::string_view::npos : link_path.rfind('/', end);
  std::string path = slash == std::string_view::npos ? std::string() : std::string(link_path.substr(0, slash + 1));
  path += target;
  return Resolver(root, true).run(path, true).error != Errno::perm;
}

}  // namespace wasmnn::wasi
