// A worker's calls: the host's requests turned into calls of the real
// backend table, exactly as the plugin ABI describes them. A small pool of
// threads all read the one channel (the kernel hands each request to one of
// them) and each runs what it received, so calls on different contexts
// proceed in parallel as in-process while threads stay bounded whatever
// number of contexts a guest creates. The host sends at most one request per
// context and one control request at a time, so the ABI's "one call per
// context at a time" holds by construction. Graph ids are the backend's
// pointers, context ids point at this file's ContextState; only the host
// that received them sends them back.
#include <sys/ioctl.h>
#include <unistd.h>

#include <thread>

#include "wasmnn/wasi_nn/isolation/protocol.h"
#include "worker.h"

namespace wasmnn::nn::worker {
namespace {

using namespace isolation;

// A backend function under the ABI's rule that no exception leaves it.
template <typename Call> int32_t guarded(const wasmnn_nn_backend& table, const char* op, Call&& call) {
  try {
    return static_cast<int32_t>(call());
  } catch (...) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, table.name, "%s let a C++ exception escape (contract violation)", op);
    return WASMNN_NN_RUNTIME_ERROR;
  }
}

template <typename T> T* fromId(uint64_t id) { return reinterpret_cast<T*>(static_cast<uintptr_t>(id)); }
uint64_t toId(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

struct ContextState {
  wasmnn_nn_context* ctx;
  SharedMemory arena;  // tensors in and out, shared with the host
};

class Server {
 public:
  Server(const wasmnn_nn_backend& table, const Channel& channel) : table_(table), channel_(channel) {}

  [[noreturn]] void run() {
    // Two keep a long load from blocking computes; more than the cores would only wait.
    const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 1; i < threads; ++i) std::thread([this] { serve(); }).detach();
    serve();
  }

 private:
  [[noreturn]] void serve() {
    while (true) {
      Request r{};
      std::vector<UniqueFd> fds;
      if (channel_.receive(&r, sizeof r, &fds) <= 0) _exit(0);  // the host is gone: so is this worker
      Reply reply = execute(r, fds);
      reply.tag = r.tag;
      int pending = 0;
      if (ioctl(STDERR_FILENO, FIONREAD, &pending) == 0 && pending > 0) reply.flags |= kOutputPending;
      channel_.send(reply);
    }
  }

  Reply execute(const Request& r, std::vector<UniqueFd>& fds) {
    switch (r.op) {
      case Op::Load: return load(r, fds);
      case Op::DestroyGraph:
        return {guarded(table_, "destroy_graph",
                        [&] {
                          table_.destroy_graph(fromId<wasmnn_nn_graph>(r.handle));
                          return WASMNN_NN_SUCCESS;
                        }),
                0, 0, 0, 0};
      case Op::InitContext: return initContext(r, fds);
      default: return onContext(*fromId<ContextState>(r.handle), r, fds);
    }
  }

  // Maps each descriptor as far as the builders reach and calls load().
  Reply load(const Request& r, const std::vector<UniqueFd>& fds) {
    std::vector<uint64_t> reach(fds.size(), 0);
    if (r.configSize) reach.at(0) = r.configOffset + r.configSize;
    for (uint32_t i = 0; i < r.builderCount; ++i)
      reach.at(r.builders[i].fd) = std::max(reach.at(r.builders[i].fd), r.builders[i].offset + r.builders[i].size);
    std::vector<SharedMemory> maps;
    for (size_t i = 0; i < fds.size(); ++i) {
      auto m = SharedMemory::map(fds[i].get(), reach[i], false);
      if (!m) {
        wasmnn_nn_log(WASMNN_NN_LOG_ERROR, table_.name, "load: cannot map the model bytes");
        return {WASMNN_NN_RUNTIME_ERROR, 0, 0, 0, 0};
      }
      maps.push_back(std::move(*m));
    }
    std::vector<wasmnn_nn_builder> builders;
    for (uint32_t i = 0; i < r.builderCount; ++i) {
      const BuilderRef& b = r.builders[i];
      builders.push_back({b.size ? maps[b.fd].data() + b.offset : nullptr, b.size, nullptr});
    }
    const char* config = r.configSize ? reinterpret_cast<const char*>(maps[0].data() + r.configOffset) : nullptr;
    wasmnn_nn_graph* graph = nullptr;
    int32_t err = guarded(table_, "load", [&] {
      return table_.load(static_cast<wasmnn_nn_encoding>(r.encoding), static_cast<wasmnn_nn_target>(r.target),
                         builders.data(), r.builderCount, config, r.configSize, &graph);
    });
    return {err, 0, 0, err == WASMNN_NN_SUCCESS ? toId(graph) : 0, 0};
  }

  Reply initContext(const Request& r, const std::vector<UniqueFd>& fds) {
    auto arena = fds.size() == 1 ? SharedMemory::map(fds[0].get(), r.arenaSize, true) : std::nullopt;
    if (!arena) return {WASMNN_NN_RUNTIME_ERROR, 0, 0, 0, 0};
    wasmnn_nn_context* ctx = nullptr;
    int32_t err = guarded(table_, "init_execution_context",
                          [&] { return table_.init_context(fromId<wasmnn_nn_graph>(r.handle), &ctx); });
    if (err != WASMNN_NN_SUCCESS) return {err, 0, 0, 0, 0};
    return {err, 0, 0, toId(new ContextState{ctx, std::move(*arena)}), 0};
  }

  Reply onContext(ContextState& c, const Request& r, const std::vector<UniqueFd>& fds) {
    if (r.newArena) {
      auto m = fds.empty() ? std::nullopt : SharedMemory::map(fds[0].get(), r.arenaSize, true);
      if (!m) return {WASMNN_NN_RUNTIME_ERROR, 0, 0, 0, 0};
      c.arena = std::move(*m);
    }
    void* buf = r.size ? c.arena.data() : nullptr;
    size_t size = 0;
    int32_t err = WASMNN_NN_RUNTIME_ERROR;
    switch (r.op) {
      case Op::SetInput: {
        wasmnn_nn_tensor t{static_cast<wasmnn_nn_tensor_type>(r.tensorType), r.rank, r.dims, buf, r.size};
        err = guarded(table_, "set_input", [&] { return table_.set_input(c.ctx, r.index, &t); });
        break;
      }
      case Op::Compute: err = guarded(table_, "compute", [&] { return table_.compute(c.ctx); }); break;
      case Op::GetOutput:
        err = guarded(table_, "get_output", [&] { return table_.get_output(c.ctx, r.index, buf, r.size, &size); });
        break;
      case Op::ComputeSingle:
        err = guarded(table_, "compute_single", [&] { return table_.compute_single(c.ctx); });
        break;
      case Op::GetOutputSingle:
        err = guarded(table_, "get_output_single",
                      [&] { return table_.get_output_single(c.ctx, r.index, buf, r.size, &size); });
        break;
      case Op::FiniSingle: err = guarded(table_, "fini_single", [&] { return table_.fini_single(c.ctx); }); break;
      case Op::DestroyContext:
        err = guarded(table_, "destroy_context", [&] {
          table_.destroy_context(c.ctx);
          return WASMNN_NN_SUCCESS;
        });
        delete &c;
        break;
      default: break;
    }
    return {err, 0, 0, 0, size};
  }

  const wasmnn_nn_backend& table_;
  const Channel& channel_;
};

}  // namespace

void serve(const wasmnn_nn_backend& table, const Channel& channel) {
  // Never destroyed: the pool's threads use it until the process exits.
  (new Server(table, channel))->run();
}

}  // namespace wasmnn::nn::worker
