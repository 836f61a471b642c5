// Worker confinement: namespaces, Landlock, seccomp-bpf (libseccomp).
#include "sandbox.h"

#include <fcntl.h>
#include <link.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace wasmnn::nn::worker {
namespace {

using isolation::kPolicyNetwork;
using isolation::SandboxReport;
using isolation::UniqueFd;

// ---------------------------------------------------------------- report

void append(char (&field)[isolation::kTextCap], const std::string& item) {
  size_t used = std::strlen(field);
  std::string text = (used ? "; " : "") + item;
  std::strncat(field, text.c_str(), sizeof field - used - 1);
}

std::string errnoText(int err) { return std::strerror(err); }

// ---------------------------------------------------------------- namespaces

uint32_t enterNamespaces(uint32_t policy, SandboxReport& report) {
  const bool network = policy & kPolicyNetwork;
  const int flags = CLONE_NEWIPC | (network ? 0 : CLONE_NEWNET);
  const uint32_t bits = isolation::kSandboxIpcNs | (network ? 0 : isolation::kSandboxNetNs);
  if (unshare(CLONE_NEWUSER | flags) == 0) return bits | isolation::kSandboxUserNs;
  const int userErr = errno;
  // Root may enter the others without a user namespace.
  if (unshare(flags) == 0) {
    append(report.missing, "user namespace (" + errnoText(userErr) + ")");
    return bits;
  }
  append(report.missing, "namespaces (" + errnoText(userErr) + "; without a user namespace: " + errnoText(errno) + ")");
  return 0;
}

// ---------------------------------------------------------------- Landlock

// Access rights and fields newer than Debian 12's <linux/landlock.h> (ABI 2).
constexpr uint64_t kFsExecute = 1ull << 0, kFsReadFile = 1ull << 2, kFsReadDir = 1ull << 3;
constexpr uint64_t kFsTruncate = 1ull << 14, kFsIoctlDev = 1ull << 15;
constexpr uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0, kScopeSignal = 1ull << 1;

struct RulesetAttr {
  uint64_t handledAccessFs;
  uint64_t handledAccessNet;  // ABI 4
  uint64_t scoped;            // ABI 6
};

struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowedAccess;
  int32_t parentFd;
};

int landlockAbi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? -errno : static_cast<int>(abi);
}

// Every filesystem right the running kernel knows: all of them are denied
// unless a rule below grants them.
uint64_t handledFs(int abi) {
  uint64_t fs = (1ull << 13) - 1;  // ABI 1: execute .. make_sym
  if (abi >= 2) fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) fs |= kFsTruncate;
  if (abi >= 5) fs |= kFsIoctlDev;
  return fs;
}

// Grants read (and for libraries execute) beneath `path`; a path that does not
// exist here is skipped.
bool allow(int ruleset, const std::string& path, uint64_t rights, SandboxReport& report) {
  UniqueFd fd(open(path.c_str(), O_PATH | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0) return false;
  if (!S_ISDIR(st.st_mode)) rights &= ~kFsReadDir;
  PathBeneathAttr rule{rights, fd.get()};
  if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) return false;
  append(report.readable, path);
  return true;
}

// What every worker may read besides its libraries: the dynamic loader's
// cache (a backend may dlopen a plugin by soname) and the CPU description
// that thread pools size themselves from (libtorch reads it at the first
// compute).
constexpr const char* kSystemReadable[] = {"/etc/ld.so.cache", "/proc/cpuinfo", "/sys/devices/system/cpu",
                                           "/sys/devices/system/node"};
// What a network client reads besides its libraries: the resolver's files,
// and the system's TLS trust store with OpenSSL's configuration (https
// verified without a CA file of the backend's own).
constexpr const char* kNetworkReadable[] = {
    "/etc/hosts",    "/etc/resolv.conf", "/etc/nsswitch.conf",   "/etc/host.conf", "/etc/gai.conf",
    "/etc/services", "/etc/ssl/certs",   "/etc/ssl/openssl.cnf", "/usr/lib/ssl",   "/usr/share/ca-certificates"};

int applyLandlock(uint32_t policy, const std::vector<std::string>& readableDirs, SandboxReport& report) {
  const int abi = landlockAbi();
  if (abi <= 0) {
    append(report.missing, "Landlock (" +
                               (abi == -EOPNOTSUPP ? std::string("disabled at boot: add landlock to the lsm= list")
                                                   : "unsupported by this kernel: " + errnoText(-abi)) +
                               "): workers can open no file at all");
    return abi;
  }
  RulesetAttr attr{handledFs(abi), 0, 0};
  size_t size = sizeof attr.handledAccessFs;
  if (abi >= 4) {
    if (!(policy & kPolicyNetwork)) attr.handledAccessNet = kNetBindTcp | kNetConnectTcp;
    size = offsetof(RulesetAttr, scoped);
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size = sizeof attr;
  }
  UniqueFd ruleset(static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (!ruleset.valid()) {
    append(report.missing, "Landlock (creating the ruleset: " + errnoText(errno) + ")");
    return -errno;
  }
  const uint64_t read = kFsReadFile | kFsReadDir;
  for (const std::string& dir : readableDirs) allow(ruleset.get(), dir, read | kFsExecute, report);
  for (const char* path : kSystemReadable) allow(ruleset.get(), path, read, report);
  if (policy & kPolicyNetwork)
    for (const char* path : kNetworkReadable) allow(ruleset.get(), path, read, report);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0) {
    append(report.missing, "Landlock (restricting: " + errnoText(errno) + ")");
    return -errno;
  }
  return abi;
}

// ---------------------------------------------------------------- seccomp

// System calls a framework needs to compute: memory, threads, time, its own
// descriptors and the channel to the host. Anything else fails with EPERM.
constexpr int kAllowed[] = {
    // memory
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    SCMP_SYS(membarrier),
    SCMP_SYS(mlock),
    SCMP_SYS(mlock2),
    SCMP_SYS(munlock),
    SCMP_SYS(get_mempolicy),
    SCMP_SYS(set_mempolicy),
    SCMP_SYS(mbind),
    // threads and synchronization (clone is checked below)
    SCMP_SYS(futex),
    SCMP_SYS(futex_waitv),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(get_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(set_tid_address),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(sched_setaffinity),
    SCMP_SYS(sched_getparam),
    SCMP_SYS(sched_getscheduler),
    SCMP_SYS(sched_get_priority_max),
    SCMP_SYS(sched_get_priority_min),
    SCMP_SYS(getcpu),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    // identity and time
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getppid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(getresuid),
    SCMP_SYS(getresgid),
    SCMP_SYS(getgroups),
    SCMP_SYS(uname),
    SCMP_SYS(sysinfo),
    SCMP_SYS(getrusage),
    SCMP_SYS(times),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(time),
    SCMP_SYS(getrandom),
    // signals (kill and tgkill are checked below)
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(restart_syscall),
    // descriptors it already has: the host channel, shared memory, stderr
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(lseek),
    SCMP_SYS(close),
    SCMP_SYS(dup),
    SCMP_SYS(dup3),
    SCMP_SYS(fcntl),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(pselect6),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(eventfd2),
    SCMP_SYS(pipe2),
    // metadata (Landlock has no right for it: file names and sizes are not hidden) and readable files
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(lstat),
    SCMP_SYS(stat),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(getdents64),
    SCMP_SYS(fstatfs),
    SCMP_SYS(getcwd),
};

// Sockets a network backend may create, and what it does with them.
constexpr int kNetworkAllowed[] = {SCMP_SYS(connect),     SCMP_SYS(getsockopt),  SCMP_SYS(setsockopt),
                                   SCMP_SYS(getsockname), SCMP_SYS(getpeername), SCMP_SYS(shutdown),
                                   SCMP_SYS(sendmmsg),    SCMP_SYS(recvmmsg)};

bool applySeccomp(uint32_t policy, bool canOpen, SandboxReport& report) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) {
    append(report.missing, "seccomp (libseccomp could not start a filter)");
    return false;
  }
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  auto add = [&](uint32_t action, int sys, std::initializer_list<scmp_arg_cmp> args = {}) {
    if (rc == 0) rc = seccomp_rule_add_array(ctx, action, sys, static_cast<unsigned>(args.size()), args.begin());
  };
  for (int sys : kAllowed) add(SCMP_ACT_ALLOW, sys);
  const scmp_datum_t self = static_cast<scmp_datum_t>(getpid());
  add(SCMP_ACT_ALLOW, SCMP_SYS(clone), {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)});  // threads only
  add(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3));  // its flags are out of reach: glibc falls back to clone
  add(SCMP_ACT_ALLOW, SCMP_SYS(tgkill), {SCMP_A0(SCMP_CMP_EQ, self)});
  add(SCMP_ACT_ALLOW, SCMP_SYS(kill), {SCMP_A0(SCMP_CMP_EQ, self)});
  add(SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), {SCMP_A2(SCMP_CMP_EQ, 0)});  // read limits, never raise them
  // How much output waits in the host's pipe (server.cpp), nothing else.
  add(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), {SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO), SCMP_A1(SCMP_CMP_EQ, FIONREAD)});
  for (scmp_datum_t option : {PR_SET_NAME, PR_GET_NAME, PR_SET_VMA})
    add(SCMP_ACT_ALLOW, SCMP_SYS(prctl), {SCMP_A0(SCMP_CMP_EQ, option)});
  if (canOpen) {  // Landlock decides which paths; nothing may be opened for writing
    const scmp_datum_t writing = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
    add(SCMP_ACT_ALLOW, SCMP_SYS(openat), {SCMP_A2(SCMP_CMP_MASKED_EQ, writing, 0)});
    add(SCMP_ACT_ALLOW, SCMP_SYS(open), {SCMP_A1(SCMP_CMP_MASKED_EQ, writing, 0)});
  }
  if (policy & kPolicyNetwork) {
    for (scmp_datum_t family : {AF_INET, AF_INET6})
      add(SCMP_ACT_ALLOW, SCMP_SYS(socket), {SCMP_A0(SCMP_CMP_EQ, family)});
    // libcurl wakes its resolver thread through an unnamed AF_UNIX pair (no
    // path, no abstract name: it reaches nothing outside the worker).
    add(SCMP_ACT_ALLOW, SCMP_SYS(socketpair), {SCMP_A0(SCMP_CMP_EQ, AF_UNIX)});
    for (int sys : kNetworkAllowed) add(SCMP_ACT_ALLOW, sys);
  }
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) append(report.missing, "seccomp (" + errnoText(-rc) + ")");
  return rc == 0;
}

}  // namespace

std::vector<std::string> loadedLibraryDirs() {
  std::set<std::string> dirs;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        std::string path = info->dlpi_name ? info->dlpi_name : "";
        size_t slash = path.rfind('/');
        if (slash != std::string::npos && slash > 0)
          static_cast<std::set<std::string>*>(out)->insert(path.substr(0, slash));
        return 0;
      },
      &dirs);
  return {dirs.begin(), dirs.end()};
}

SandboxReport confine(uint32_t policy, const std::vector<std::string>& readableDirs) {
  SandboxReport report{};
  report.applied |= enterNamespaces(policy, report);
  report.landlockAbi = applyLandlock(policy, readableDirs, report);
  if (report.landlockAbi > 0) report.applied |= isolation::kSandboxLandlock;
  if (applySeccomp(policy, report.landlockAbi > 0, report)) report.applied |= isolation::kSandboxSeccomp;
  return report;
}

}  // namespace wasmnn::nn::worker
