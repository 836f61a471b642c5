// Process isolation of WASI-NN backends: every ML framework runs in a
// confined worker process, by default (--nn-isolation process).
//
// Why: model bytes a guest hands to load() are code. A TorchScript forward
// can call torch.from_file on any host path, a malformed archive crashes
// libtorch, a model can allocate gigabytes or loop forever. Inside the host
// process each of these is the host's problem; in a worker it is the
// worker's, and the worker can reach nothing.
//
// Where: at the backend table. BackendLoader opens a backend either in this
// process (mode none: dlopen + init, as before) or through a zygote (mode
// process): the Backend it returns then carries a proxy table whose
// functions forward each plugin-ABI call to a worker. Graph, Context, the
// handle tables and the guest ABI are the same code in both modes, and every
// backend — today's and future ones — is isolated without code of its own.
//
// Processes, per backend library:
//   zygote   wasmnn-nn-worker (found next to libwasmnn.so) started clean with
//            posix_spawn, never a fork of the multi-threaded host. It dlopens
//            the library once (libtorch: 0.6 s, 160 MB) and forks one worker
//            per instance (tenant) on request — a fork of a single-threaded
//            process that has run no framework code but static constructors.
//            A library that starts threads while loading makes the zygote
//            exec each worker anew instead (it then loads the library itself,
//            confined). The zygote dies with the host (its socket closes) and
//            takes its workers along (they die with it: PR_SET_PDEATHSIG).
//   worker   confines itself first — new user/network/IPC namespaces, Landlock
//            (read-only: its libraries' directories, the loader cache, CPU
//            description), seccomp-bpf (no exec, fork, sockets, writable
//            opens, signals to others), RLIMIT_DATA = --nn-max-memory, no core
//            dumps — then calls init() and serves the host. It never sees a
//            path: guest bytes arrive in a memfd, preloaded files as
//            read-only descriptors.
// One worker per (instance, backend): a guest that crashes or exhausts its
// worker loses only its own graphs; other instances keep theirs. A preloaded
// model is built once per instance that uses it, in that instance's worker.
//
// Calls: a control channel per worker (load, destroy_graph, init_context)
// and, per execution context, its own channel and shared arena served by its
// own worker thread, so contexts run in parallel as in-process. Tensors:
// set_input copies guest memory into the arena, the backend copies the arena
// into framework storage; get_output has the backend write the arena, which
// is copied into guest memory: one copy more each way than in-process.
//
// Failure: a worker that dies (signal, memory limit, deadline) fails the
// running calls with runtime_error and one log line naming the backend and
// the cause; calls on its other handles fail with invalid_argument saying
// the worker is gone; the instance's next load starts a fresh worker.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/wasi_nn/backend_loader.h"
#include "wasmnn/wasi_nn/expected.h"

namespace wasmnn::nn {
class Graph;
}

namespace wasmnn::nn::isolation {

enum class Mode { Process, None };

struct Settings {
  Mode mode = Mode::Process;
  uint64_t maxMemory = uint64_t{4} << 30;  // bytes per worker; 0: no limit
  uint64_t timeoutMs = 0;                  // per call; 0: none
};

class Zygote;
class Worker;

// Opens the backend library at `path` through a zygote and starts its first
// worker (which reports the framework; it then serves the first instance).
// One outcome per library and process, like openBackendLibrary.
WASMNN_INTERNAL_API BackendOutcome openIsolatedBackend(const std::string& path, const std::string& name);

// The workers of one instance, one per backend, and its copies of preloaded models.
class WASMNN_INTERNAL_API Tenant {
 public:
  Tenant();
  ~Tenant();
  Tenant(const Tenant&) = delete;
  Tenant& operator=(const Tenant&) = delete;

  // The live worker serving `backend` for this instance, started on first use
  // and again after the previous one died.
  NnExpected<std::shared_ptr<Worker>> worker(const Backend& backend, const Settings& settings);
  // This instance's graph of a preloaded model (`key`), built with `build` on
  // first use and again when its worker died.
  NnExpected<std::shared_ptr<Graph>> preloaded(const void* key,
                                               const std::function<NnExpected<std::shared_ptr<Graph>>()>& build);

 private:
  std::mutex workersMu_;
  std::map<const Zygote*, std::shared_ptr<Worker>> workers_;
  std::mutex preloadedMu_;  // held while building: a build takes workersMu_
  std::map<const void*, std::shared_ptr<Graph>> preloaded_;
};

// While it lives, the proxy table's load() on this thread runs in `tenant`'s
// worker for `backend` (the plugin ABI's load has no argument to say which).
class LoadScope {
 public:
  LoadScope(Tenant& tenant, const Backend& backend, const Settings& settings);
  ~LoadScope();
  LoadScope(const LoadScope&) = delete;
  LoadScope& operator=(const LoadScope&) = delete;

  Tenant& tenant;
  const Backend& backend;
  const Settings& settings;

 private:
  LoadScope* outer_;
};

// The `wasmnn backends` section: the mode, what the sandbox achieves on this
// kernel (a probe worker confines itself and reports), warnings for whatever
// is missing, the limits.
WASMNN_INTERNAL_API std::string describeIsolation(const Settings& settings);

}  // namespace wasmnn::nn::isolation
