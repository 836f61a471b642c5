// wasmnn-nn-worker: the process side of WASI-NN process isolation
// (include/wasmnn/wasi_nn/isolation/isolation.h). Started by libwasmnn.so,
// never by hand; the first argument is the role:
//   zygote LIBRARY NAME                          fd 3: control socket
//   serve LIBRARY NAME POLICY MEMORY LEVEL DIR...  fd 3: worker channel, fd 4: status page
//                                                (a zygote whose library started threads execs this)
//   probe POLICY                                 fd 3: channel; reports what the sandbox achieves here
#include <link.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "memory_guard.h"
#include "sandbox.h"
#include "wasmnn/wasi_nn/backend_loader.h"
#include "worker.h"

namespace wasmnn::nn::worker {
namespace {

using namespace isolation;

constexpr int kChannelFd = 3, kStatusFd = 4;

template <size_t N> void copyText(char (&field)[N], const std::string& text) {
  std::snprintf(field, N, "%s", text.c_str());
}

// Closes every descriptor but stdio and `keep` (ascending).
void closeOthers(std::initializer_list<int> keep) {
  int from = 3;
  for (int fd : keep) {
    if (fd > from) close_range(static_cast<unsigned>(from), static_cast<unsigned>(fd - 1), 0);
    from = fd + 1;
  }
  close_range(static_cast<unsigned>(from), ~0u, 0);
}

int threadCount() {
  FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f) return -1;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may contain anything
  int field = 2, threads = -1;
  for (; p && *p && field < 20; ++p)
    if (*p == ' ') ++field;
  if (p) threads = std::atoi(p);
  return threads;
}

// The number of threads when the last fork began: the zygote's handler is
// registered before the backend library loads, so it runs after the
// library's own prepare handlers — which may have stopped its thread pool
// (OpenBLAS does) and made the fork safe after all.
std::atomic<int> g_threadsAtFork{0};
void noteThreadsAtFork() { g_threadsAtFork.store(threadCount(), std::memory_order_relaxed); }

Hello initBackend(const wasmnn_nn_backend& table) {
  Hello hello{};
  wasmnn_nn_backend_info info{};
  info.struct_size = sizeof info;
  try {
    hello.err = table.init(&info, hello.why, sizeof hello.why);
  } catch (...) {
    hello.err = WASMNN_NN_RUNTIME_ERROR;
    copyText(hello.why, "init threw a C++ exception (contract violation)");
  }
  hello.why[sizeof hello.why - 1] = '\0';
  hello.targetMask = info.target_mask;
  copyText(hello.frameworkName, info.framework_name ? info.framework_name : "?");
  copyText(hello.frameworkVersion, info.framework_version ? info.framework_version : "?");
  return hello;
}

}  // namespace

[[noreturn]] void runWorker(const TableSource& source, Channel channel, UniqueFd statusFd, const WorkerSpec& spec) {
  closeOthers({std::min(channel.fd(), statusFd.get()), std::max(channel.fd(), statusFd.get())});
  auto status = SharedMemory::map(statusFd.get(), sizeof(StatusPage), true);
  statusFd.reset();
  rlimit noCore{0, 0};
  setrlimit(RLIMIT_CORE, &noCore);  // a crashing model leaves no core file behind
  wasmnn_nn_log_set_level(static_cast<wasmnn_nn_log_level>(spec.logLevel));
  std::string memoryProblem =
      limitMemory(spec.maxMemory, status ? reinterpret_cast<StatusPage*>(status->data()) : nullptr);

  Hello hello{};
  hello.sandbox = confine(spec.policy, spec.readableDirs);
  if (spec.maxMemory && memoryProblem.empty()) hello.sandbox.applied |= kSandboxMemoryLimit;
  if (!memoryProblem.empty()) std::strncat(hello.sandbox.missing, ("; " + memoryProblem).c_str(), 64);

  std::string why;
  const wasmnn_nn_backend* table = source(&why);
  if (!table) {
    hello.err = WASMNN_NN_RUNTIME_ERROR;
    copyText(hello.why, why);
    channel.send(hello);
    _exit(0);
  }
  SandboxReport report = hello.sandbox;
  hello = initBackend(*table);
  hello.sandbox = report;
  channel.send(hello);
  if (hello.err == WASMNN_NN_SUCCESS) serve(*table, channel);
  _exit(0);  // no static destructors: a framework's teardown may wait for threads that never stop
}

namespace {

// The zygote's child when the library runs threads already: a fork of a
// multi-threaded process may inherit locks held by threads that do not exist
// in it, so the child starts this program anew, which confines itself before
// loading the library.
[[noreturn]] void execWorker(const std::string& path, const std::string& name, const ZygoteRequest& r,
                             std::vector<UniqueFd>& fds, const std::vector<std::string>& dirs) {
  dup2(fds[0].get(), kChannelFd);
  dup2(fds[1].get(), kStatusFd);
  closeOthers({kChannelFd, kStatusFd});
  std::vector<std::string> args = {
      "wasmnn-nn-worker",        "serve", path, name, std::to_string(r.policy), std::to_string(r.maxMemory),
      std::to_string(r.logLevel)};
  args.insert(args.end(), dirs.begin(), dirs.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  _exit(127);
}

// The new worker's first steps in the zygote's child.
[[noreturn]] void startWorker(const BackendTable& loaded, const std::string& path, const std::string& name,
                              pid_t zygote, const ZygoteRequest& r, std::vector<UniqueFd> fds,
                              const std::vector<std::string>& dirs) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // the zygote is single-threaded: its death is the process's
  if (getppid() != zygote) _exit(1);
  dup2(fds[2].get(), STDERR_FILENO);  // the host forwards both (protocol.h)
  dup2(fds[3].get(), STDOUT_FILENO);
  fds[2].reset();
  fds[3].reset();
  if (g_threadsAtFork.load(std::memory_order_relaxed) != 1) execWorker(path, name, r, fds, dirs);
  WorkerSpec spec{r.policy, r.maxMemory, r.logLevel, dirs};
  runWorker([&](std::string*) { return loaded.table; }, Channel(std::move(fds[0])), std::move(fds[1]), spec);
}

}  // namespace

[[noreturn]] void runZygote(const std::string& path, const std::string& name, Channel control) {
  ZygoteHello hello{};
  pthread_atfork(noteThreadsAtFork, nullptr, nullptr);
  BackendTable loaded = loadBackendTable(path, name);
  if (!loaded.table) {
    copyText(hello.error, loaded.error);
    control.send(hello);
    _exit(0);
  }
  const wasmnn_nn_backend& t = *loaded.table;
  copyText(hello.name, t.name);
  copyText(hello.version, t.version);
  copyText(hello.path, loaded.path);
  hello.encodingCount = std::min(t.encoding_count, kMaxBuilders);
  for (uint32_t i = 0; i < hello.encodingCount; ++i) hello.encodings[i] = t.encodings[i];
  const bool hasFlags = t.struct_size >= offsetof(wasmnn_nn_backend, sandbox_flags) + sizeof t.sandbox_flags;
  hello.sandboxFlags = hasFlags ? t.sandbox_flags : 0;
  const bool hasStreaming = t.struct_size >= offsetof(wasmnn_nn_backend, fini_single) + sizeof(void*);
  if (hasStreaming) {
    hello.optional = (t.compute_single ? kHasComputeSingle : 0) | (t.get_output_single ? kHasGetOutputSingle : 0) |
                     (t.fini_single ? kHasFiniSingle : 0);
  }
  if (!control.send(hello)) _exit(0);

  const std::vector<std::string> dirs = loadedLibraryDirs();
  const pid_t self = getpid();
  std::set<pid_t> children;
  while (true) {
    ZygoteRequest r{};
    std::vector<UniqueFd> fds;
    if (control.receive(&r, sizeof r, &fds) <= 0) break;  // the host is gone: so are its workers
    ZygoteReply reply{-EINVAL, 0};
    if (r.op == ZygoteOp::Spawn && fds.size() == 4) {
      pid_t pid = fork();
      if (pid == 0) startWorker(loaded, path, name, self, r, std::move(fds), dirs);
      reply.pid = pid < 0 ? -errno : pid;
      if (pid > 0) children.insert(pid);
    } else if (r.op == ZygoteOp::Reap && children.erase(r.pid)) {
      reply.pid = r.pid;
      while (waitpid(r.pid, &reply.status, 0) < 0 && errno == EINTR) {
      }
    }
    control.send(reply);
  }
  for (pid_t pid : children) kill(pid, SIGKILL);
  _exit(0);
}

namespace {

// Reports what confinement achieves on this kernel, as `wasmnn backends` shows it.
[[noreturn]] void runProbe(uint32_t policy, Channel channel) {
  closeOthers({channel.fd()});
  Hello hello{};
  hello.sandbox = confine(policy, loadedLibraryDirs());
  channel.send(hello);
  _exit(0);
}

}  // namespace
}  // namespace wasmnn::nn::worker

int main(int argc, char** argv) {
  using namespace wasmnn::nn;
  using namespace wasmnn::nn::worker;
  const std::string role = argc > 1 ? argv[1] : "";
  isolation::Channel channel{isolation::UniqueFd(kChannelFd)};
  if (role == "zygote" && argc == 4) runZygote(argv[2], argv[3], std::move(channel));
  if (role == "probe" && argc == 3)
    runProbe(static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)), std::move(channel));
  if (role == "serve" && argc >= 7) {
    WorkerSpec spec{static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10)), std::strtoull(argv[5], nullptr, 10),
                    std::atoi(argv[6]), std::vector<std::string>(argv + 7, argv + argc)};
    std::string path = argv[2], name = argv[3];
    BackendTable loaded;
    runWorker(
        [&](std::string* why) {
          loaded = loadBackendTable(path, name);
          *why = loaded.error;
          return loaded.table;
        },
        std::move(channel), isolation::UniqueFd(kStatusFd), spec);
  }
  std::fprintf(stderr, "wasmnn-nn-worker: started by hand or by a mismatched libwasmnn.so; it is libwasmnn's helper\n");
  return 2;
}
