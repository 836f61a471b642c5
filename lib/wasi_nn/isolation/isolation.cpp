// Opening a backend through a zygote, the tenants' workers, and the report
// of what the sandbox achieves here.
#include "wasmnn/wasi_nn/isolation/isolation.h"

#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "wasmnn/wasi_nn/graph.h"
#include "wasmnn/wasi_nn/isolation/proxy.h"
#include "wasmnn/wasi_nn/isolation/worker.h"
#include "wasmnn/wasi_nn/isolation/zygote.h"
#include "wasmnn/wasi_nn/log.h"

namespace wasmnn::nn::isolation {
namespace {

BackendOutcome openUncached(const std::string& path, const std::string& name) {
  std::string why;
  std::shared_ptr<Zygote> zygote = Zygote::start(path, name, &why);
  if (!zygote) return {nullptr, path + ": " + why};
  const ZygoteHello& hello = zygote->hello();
  if (hello.error[0]) return {nullptr, hello.error};
  std::shared_ptr<Worker> first = Worker::start(zygote, name, Settings{}, &why);
  if (!first) return {nullptr, std::string(hello.path) + ": " + why};
  if (first->hello().sandbox.missing[0])
    warn("backend " + name + ": its workers run with a partial sandbox: missing " + first->hello().sandbox.missing);
  zygote->keepSpare(std::move(first));
  const Hello& info = zygote->firstHello();
  auto backend = std::make_shared<Backend>();
  backend->name = hello.name;
  backend->path = hello.path;
  backend->fns = proxyTable(hello);
  backend->encodings.assign(backend->fns.encodings, backend->fns.encodings + backend->fns.encoding_count);
  backend->info.struct_size = sizeof backend->info;
  backend->info.framework_name = info.frameworkName;
  backend->info.framework_version = info.frameworkVersion;
  backend->info.target_mask = info.targetMask ? info.targetMask : WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU);
  backend->zygote = zygote;
  return {std::move(backend), {}};
}

std::string yesNo(uint32_t applied, uint32_t bit) { return (applied & bit) ? "yes" : "NO"; }

std::string bytesOrNone(uint64_t bytes) {
  if (bytes == 0) return "none";
  if (bytes % (uint64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes % (uint64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// A worker that confines itself and reports, with no backend at all.
std::optional<SandboxReport> probeSandbox(std::string* why) {
  auto ends = Channel::pair();
  if (!ends) {
    *why = std::strerror(errno);
    return std::nullopt;
  }
  pid_t pid = spawnWorkerProgram({"probe", "0"}, ends->second.fd(), why);
  if (pid < 0) return std::nullopt;
  ends->second = Channel();
  Hello hello{};
  long n = ends->first.receive(&hello, sizeof hello);
  waitpid(pid, nullptr, 0);
  if (n != static_cast<long>(sizeof hello)) {
    *why = "the probe worker ended without a report";
    return std::nullopt;
  }
  hello.sandbox.readable[sizeof hello.sandbox.readable - 1] = hello.sandbox.missing[sizeof hello.sandbox.missing - 1] =
      '\0';
  return hello.sandbox;
}

}  // namespace

BackendOutcome openIsolatedBackend(const std::string& path, const std::string& name) {
  // Zygotes live as long as the process, like dlopened libraries: never destroyed.
  static std::mutex& mu = *new std::mutex;
  static auto& opened = *new std::map<std::string, BackendOutcome>;
  std::lock_guard lock(mu);
  if (auto it = opened.find(path); it != opened.end()) return it->second;
  BackendOutcome outcome = openUncached(path, name);
  if (outcome.backend)
    wasmnn_nn_log(WASMNN_NN_LOG_INFO, kLogSource, "loaded backend %s %s (%s %s) from %s in its zygote", name.c_str(),
                  outcome.backend->fns.version, outcome.backend->info.framework_name,
                  outcome.backend->info.framework_version, outcome.backend->path.c_str());
  return opened.emplace(path, std::move(outcome)).first->second;
}

Tenant::Tenant() = default;
Tenant::~Tenant() = default;

NnExpected<std::shared_ptr<Worker>> Tenant::worker(const Backend& backend, const Settings& settings) {
  std::lock_guard lock(workersMu_);
  std::shared_ptr<Worker>& slot = workers_[backend.zygote.get()];
  if (slot && slot->alive() && slot->maxMemory() == settings.maxMemory && slot->timeoutMs() == settings.timeoutMs)
    return slot;
  slot = backend.zygote->takeSpare(settings.maxMemory);
  if (slot && slot->timeoutMs() == settings.timeoutMs) return slot;
  std::string why;
  slot = Worker::start(backend.zygote, backend.name, settings, &why);
  if (!slot) return fail(WASMNN_NN_RUNTIME_ERROR, "backend " + backend.name + ": cannot start a worker: " + why);
  return slot;
}

NnExpected<std::shared_ptr<Graph>> Tenant::preloaded(const void* key,
                                                     const std::function<NnExpected<std::shared_ptr<Graph>>()>& build) {
  std::lock_guard lock(preloadedMu_);
  if (auto it = preloaded_.find(key); it != preloaded_.end() && graphAlive(*it->second)) return it->second;
  auto built = build();
  if (built) preloaded_[key] = *built;
  return built;
}

std::string describeIsolation(const Settings& settings) {
  if (settings.mode == Mode::None)
    return "isolation: none (--nn-isolation none)\n"
           "  warning: backends run inside this process: a guest's model can read and write whatever this process "
           "can, crash it and use all its memory; use this only with trusted models\n";
  std::string out = "isolation: process (each instance's backends run in a confined worker: " + workerProgram() + ")\n";
  std::string why;
  std::optional<SandboxReport> report = probeSandbox(&why);
  if (!report) return out + "  warning: no worker can start here: " + why + "\n";
  const uint32_t a = report->applied;
  out += "  sandbox on this kernel: seccomp-bpf " + yesNo(a, kSandboxSeccomp) + ", Landlock " +
         (report->landlockAbi > 0 ? "ABI " + std::to_string(report->landlockAbi) : std::string("NO")) +
         ", user namespace " + yesNo(a, kSandboxUserNs) + ", network namespace " + yesNo(a, kSandboxNetNs) +
         ", IPC namespace " + yesNo(a, kSandboxIpcNs) + "\n";
  out += "  workers may read (nothing else, and write nothing): " +
         std::string(report->readable[0] ? report->readable : "nothing") + "\n";
  std::string missing = report->missing;
  for (size_t start = 0; start < missing.size();) {
    size_t end = missing.find("; ", start);
    if (end == std::string::npos) end = missing.size();
    out += "  warning: not available here: " + missing.substr(start, end - start) + "\n";
    start = end + 2;
  }
  out += "  limits per worker: memory " + bytesOrNone(settings.maxMemory) + " (--nn-max-memory), time per call " +
         (settings.timeoutMs ? std::to_string(settings.timeoutMs) + " ms" : std::string("unlimited")) +
         " (--nn-timeout)\n";
  return out;
}

}  // namespace wasmnn::nn::isolation
