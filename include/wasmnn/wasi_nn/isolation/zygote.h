// The host's handle on one backend's zygote (see isolation.h): the process
// that holds the backend library loaded and forks its workers.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "wasmnn/wasi_nn/isolation/protocol.h"

namespace wasmnn::nn::isolation {

class Worker;

// The helper program, next to libwasmnn.so.
std::string workerProgram();

// Starts wasmnn-nn-worker with `args` (after the program name), `channel` as
// its descriptor 3 and `status` (if >= 0) as 4, stdin from /dev/null, stdout
// onto stderr, only the environment a framework reads, its own process group
// (terminal signals meant for the host do not reach it). Returns its pid, or
// -1 with *why.
pid_t spawnWorkerProgram(const std::vector<std::string>& args, int channel, std::string* why);

class Zygote {
 public:
  // Starts the zygote of the library at `path`; nullptr with *why when the
  // program cannot start. hello().error says whether the library is a backend.
  static std::shared_ptr<Zygote> start(const std::string& path, const std::string& name, std::string* why);
  ~Zygote();
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;

  const ZygoteHello& hello() const { return hello_; }

  struct Spawned {
    pid_t pid = -1;
    UniqueFd pidfd;
    Channel channel;
    SharedMemory status;  // the worker's StatusPage
    UniqueFd log;         // read end of the worker's stderr (non-blocking)
    UniqueFd out;         // read end of the worker's stdout (non-blocking)
  };
  // A new worker (not yet confined: it sends Hello when it is). Restarts a
  // zygote that died since, once.
  std::optional<Spawned> spawn(uint64_t maxMemory, std::string* why);
  // The wait status of a worker that has been killed; -1 if the zygote is gone.
  int reap(pid_t pid);

  // The first worker, started with the backend to learn its framework: its
  // Hello is kept for good; the first tenant whose memory limit it has takes it.
  void keepSpare(std::shared_ptr<Worker> worker);
  std::shared_ptr<Worker> takeSpare(uint64_t maxMemory);
  const Hello& firstHello() const { return firstHello_; }

 private:
  Zygote(std::string path, std::string name) : path_(std::move(path)), name_(std::move(name)) {}
  bool launch(std::string* why);  // (re)starts the process; under mu_
  std::optional<Spawned> spawnLocked(uint64_t maxMemory, std::string* why);

  const std::string path_, name_;
  std::mutex mu_;
  pid_t pid_ = -1;
  pid_t owner_ = -1;  // the host process that started it (a forked embedder must start its own)
  Channel control_;
  ZygoteHello hello_{};
  Hello firstHello_{};
  std::shared_ptr<Worker> spare_;
};

}  // namespace wasmnn::nn::isolation
