// Starting wasmnn-nn-worker cleanly, and the host side of the zygote protocol.
#include "wasmnn/wasi_nn/isolation/zygote.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "wasmnn/common/library_dir.h"
#include "wasmnn/wasi_nn/backend_loader.h"
#include "wasmnn/wasi_nn/isolation/worker.h"
#include "wasmnn/wasi_nn/log.h"

extern char** environ;

// glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
extern "C" {
#include <sys/pidfd.h>
}
namespace wasmnn::nn::isolation {
namespace {

constexpr int kChannelFd = 3;

// What a worker inherits of the host's environment: the variables frameworks
// and their thread pools are configured with, and wasmnn's own. Everything
// else (credentials, tokens) stays in the host.
bool passedToWorkers(std::string_view entry) {
  static constexpr std::string_view kPrefixes[] = {"WASMNN_", "OMP_",   "GOMP_",    "KMP_", "MKL_", "OPENBLAS_",
                                                   "ORT_",    "TORCH_", "PYTORCH_", "OV_",  "TBB_", "GGML_",
                                                   "LLAMA_",  "CUDA_",  "LANG=",    "LC_",  "TZ=",  "LD_LIBRARY_PATH="};
  for (std::string_view p : kPrefixes)
    if (entry.substr(0, p.size()) == p) return true;
  return false;
}

std::vector<char*> workerEnvironment() {
  std::vector<char*> env;
  for (char** e = environ; e && *e; ++e)
    if (passedToWorkers(*e)) env.push_back(*e);
  env.push_back(nullptr);
  return env;
}

}  // namespace

std::string workerProgram() { return libraryDir() + "/wasmnn-nn-worker"; }

pid_t spawnWorkerProgram(const std::vector<std::string>& args, int channel, std::string* why) {
  std::string program = workerProgram();
  if (access(program.c_str(), X_OK) != 0) {
    *why = "process isolation needs " + program + " (built and installed with libwasmnn.so): " + std::strerror(errno) +
           "; reinstall wasmnn, or run backends in-process with --nn-isolation none";
    return -1;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, 2, 1);  // frameworks' chatter never mixes with the guest's stdout
  posix_spawn_file_actions_adddup2(&fa, channel, kChannelFd);
  posix_spawn_file_actions_addclosefrom_np(&fa, kChannelFd + 1);  // none of the embedder's descriptors
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> argvStrings = {"wasmnn-nn-worker"};
  argvStrings.insert(argvStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argvStrings) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> env = workerEnvironment();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &fa, &attr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *why = "cannot start " + program + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::shared_ptr<Zygote> Zygote::start(const std::string& path, const std::string& name, std::string* why) {
  std::shared_ptr<Zygote> z(new Zygote(path, name));
  std::lock_guard lock(z->mu_);
  if (!z->launch(why)) return nullptr;
  return z;
}

Zygote::~Zygote() {
  // Closing the control socket ends the zygote and its workers; reap it.
  control_ = Channel();
  if (pid_ > 0 && owner_ == getpid()) waitpid(pid_, nullptr, 0);
}

bool Zygote::launch(std::string* why) {
  auto ends = Channel::pair();
  if (!ends) {
    *why = std::string("cannot create a socket pair: ") + std::strerror(errno);
    return false;
  }
  if (pid_ > 0 && owner_ == getpid()) waitpid(pid_, nullptr, WNOHANG);  // the one that died
  pid_ = spawnWorkerProgram({"zygote", path_, name_}, ends->second.fd(), why);
  if (pid_ < 0) return false;
  owner_ = getpid();
  control_ = std::move(ends->first);
  ZygoteHello hello{};
  if (control_.receive(&hello, sizeof hello) != static_cast<long>(sizeof hello)) {
    *why = path_ + ": the worker program ended while loading the library (see the lines above)";
    return false;
  }
  hello.error[sizeof hello.error - 1] = hello.name[sizeof hello.name - 1] = hello.version[sizeof hello.version - 1] =
      hello.path[sizeof hello.path - 1] = '\0';
  hello.encodingCount = std::min(hello.encodingCount, kMaxBuilders);
  hello_ = hello;
  return true;
}

std::optional<Zygote::Spawned> Zygote::spawn(uint64_t maxMemory, std::string* why) {
  std::lock_guard lock(mu_);
  if (owner_ == getpid())
    if (auto s = spawnLocked(maxMemory, why)) return s;
  // The zygote died (or belongs to the process this one was forked from): once more with a new one.
  if (!launch(why)) return std::nullopt;
  return spawnLocked(maxMemory, why);
}

std::optional<Zygote::Spawned> Zygote::spawnLocked(uint64_t maxMemory, std::string* why) {
  auto ends = Channel::pair();
  UniqueFd statusFd;
  auto status = SharedMemory::create("wasmnn-nn-status", sizeof(StatusPage), &statusFd);
  int log[2] = {-1, -1}, out[2] = {-1, -1};
  const bool piped = pipe2(log, O_CLOEXEC | O_NONBLOCK) == 0 && pipe2(out, O_CLOEXEC) == 0;
  UniqueFd logRead(log[0]), logWrite(log[1]), outRead(out[0]), outWrite(out[1]);
  if (!ends || !status || !piped) {
    *why = std::string("cannot create the worker's channel: ") + std::strerror(errno);
    return std::nullopt;
  }
  ZygoteRequest request{ZygoteOp::Spawn, 0, WASMNN_NN_LOG_WARN, hello_.sandboxFlags, maxMemory};
  for (int level = WASMNN_NN_LOG_DEBUG; level >= WASMNN_NN_LOG_ERROR; --level)
    if (wasmnn_nn_log_enabled(static_cast<wasmnn_nn_log_level>(level))) {
      request.logLevel = level;
      break;
    }
  fcntl(log[0], F_SETPIPE_SZ, 1 << 20);  // protocol.h: room for 1 MiB between two replies, then dropped
  fcntl(out[0], F_SETFL, O_NONBLOCK);    // the host reads what is there; the worker's writes wait for room
  const int fds[] = {ends->second.fd(), statusFd.get(), logWrite.get(), outWrite.get()};
  ZygoteReply reply{};
  if (!control_.send(request, fds) || control_.receive(&reply, sizeof reply) != static_cast<long>(sizeof reply)) {
    *why = "the zygote of " + name_ + " is gone";
    return std::nullopt;
  }
  if (reply.pid <= 0) {
    *why = std::string("the zygote of ") + name_ + " cannot fork: " + std::strerror(-reply.pid);
    return std::nullopt;
  }
  Spawned s;
  s.pid = reply.pid;
  s.pidfd = UniqueFd(pidfd_open(reply.pid, 0));  // signals reach this process even if its pid were reused
  s.channel = std::move(ends->first);
  s.status = std::move(*status);
  s.log = std::move(logRead);
  s.out = std::move(outRead);
  return s;
}

int Zygote::reap(pid_t pid) {
  std::lock_guard lock(mu_);
  ZygoteRequest request{ZygoteOp::Reap, pid, 0, 0, 0};
  ZygoteReply reply{};
  if (owner_ != getpid() || !control_.send(request) ||
      control_.receive(&reply, sizeof reply) != static_cast<long>(sizeof reply) || reply.pid != pid)
    return -1;
  return reply.status;
}

void Zygote::keepSpare(std::shared_ptr<Worker> worker) {
  std::lock_guard lock(mu_);
  firstHello_ = worker->hello();
  spare_ = std::move(worker);
}

std::shared_ptr<Worker> Zygote::takeSpare(uint64_t maxMemory) {
  std::lock_guard lock(mu_);
  if (!spare_ || !spare_->alive() || spare_->maxMemory() != maxMemory) return nullptr;
  return std::move(spare_);
}

}  // namespace wasmnn::nn::isolation
