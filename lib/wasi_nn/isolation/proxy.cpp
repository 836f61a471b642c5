// The proxy table. Its graph and context objects live in the host and name
// their worker; the worker's own ids travel in requests. Tensor bytes go
// through a per-context shared arena that grows to the largest tensor seen.
#include "wasmnn/wasi_nn/isolation/proxy.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "wasmnn/wasi_nn/graph.h"
#include "wasmnn/wasi_nn/isolation/isolation.h"
#include "wasmnn/wasi_nn/isolation/worker.h"
#include "wasmnn/wasi_nn/log.h"

namespace wasmnn::nn::isolation {
namespace {

// A first arena big enough for most tensors, so small models never grow it.
constexpr size_t kFirstArena = 64 * 1024;

struct ProxyGraph {
  std::shared_ptr<Worker> worker;
  uint64_t id;
};

wasmnn_nn_errno noMemory(const char* op) {
  return fail(WASMNN_NN_RUNTIME_ERROR, std::string(op) + ": no shared memory for the worker: " + std::strerror(errno));
}

// Replaces `arena` by a new one of `size` bytes counted against its
// worker's memory limit (Worker::reserveShared); false if over the limit.
bool replaceArena(Worker& worker, size_t size, SharedMemory& arena, UniqueFd& fd, wasmnn_nn_errno& err,
                  const char* op) {
  if (!worker.reserveShared(size)) return false;
  auto created = SharedMemory::create("wasmnn-nn-tensors", size, &fd);
  if (!created) {
    worker.releaseShared(size);
    err = noMemory(op);
    return true;
  }
  worker.releaseShared(arena.size());
  arena = std::move(*created);
  err = WASMNN_NN_SUCCESS;
  return true;
}

struct ProxyContext {
  std::shared_ptr<Worker> worker;
  uint64_t id;
  SharedMemory arena;

  ~ProxyContext() { worker->releaseShared(arena.size()); }

  // Makes the arena hold `bytes` (doubled while the limit allows); the new
  // memfd goes with the next request.
  wasmnn_nn_errno grow(size_t bytes, Request& r, UniqueFd& fd, const char* op) {
    size_t size = std::max(bytes, arena.size() * 2);
    wasmnn_nn_errno err = WASMNN_NN_SUCCESS;
    if (!replaceArena(*worker, size, arena, fd, err, op) && !replaceArena(*worker, size = bytes, arena, fd, err, op))
      return worker->sharedRefused(bytes, op);
    if (err) return err;
    r.newArena = 1;
    r.arenaSize = size;
    return WASMNN_NN_SUCCESS;
  }
};

ProxyGraph* graphOf(wasmnn_nn_graph* g) { return reinterpret_cast<ProxyGraph*>(g); }
ProxyContext* contextOf(wasmnn_nn_context* c) { return reinterpret_cast<ProxyContext*>(c); }

thread_local LoadScope* t_scope = nullptr;

// Guest bytes and the config go into one memfd (descriptor 0); a preloaded
// model's file goes as a read-only descriptor of its own.
wasmnn_nn_errno packLoad(const wasmnn_nn_builder* builders, uint32_t count, const char* config, size_t configLen,
                         Request& r, std::vector<UniqueFd>& fds, SharedMemory& bytes) {
  size_t inlineSize = configLen;
  std::vector<UniqueFd> files(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (builders[i].path) files[i] = UniqueFd(open(builders[i].path, O_RDONLY | O_CLOEXEC));
    if (!files[i].valid()) inlineSize += builders[i].size;  // guest bytes, or a file that went away since
  }
  UniqueFd memfd;
  auto mem = SharedMemory::create("wasmnn-nn-model", inlineSize, &memfd);
  if (!mem) return noMemory("load");
  fds.push_back(std::move(memfd));
  size_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (files[i].valid()) {
      r.builders[i] = {static_cast<uint32_t>(fds.size()), 0, 0, builders[i].size};
      fds.push_back(std::move(files[i]));
    } else {
      if (builders[i].size) std::memcpy(mem->data() + offset, builders[i].data, builders[i].size);
      r.builders[i] = {0, 0, offset, builders[i].size};
      offset += builders[i].size;
    }
  }
  if (configLen) std::memcpy(mem->data() + offset, config, configLen);
  r.configOffset = offset;
  r.configSize = configLen;
  bytes = std::move(*mem);
  return WASMNN_NN_SUCCESS;
}

std::vector<int> raw(const std::vector<UniqueFd>& fds) {
  std::vector<int> out;
  for (const UniqueFd& f : fds) out.push_back(f.get());
  return out;
}

wasmnn_nn_errno proxyLoad(wasmnn_nn_encoding encoding, wasmnn_nn_target target, const wasmnn_nn_builder* builders,
                          uint32_t count, const char* config, size_t configLen, wasmnn_nn_graph** out) {
  if (!t_scope) return fail(WASMNN_NN_RUNTIME_ERROR, "load: an isolated backend was called outside a LoadScope");
  if (count > kMaxBuilders) return fail(WASMNN_NN_INVALID_ARGUMENT, "load: too many builders");
  auto worker = t_scope->tenant.worker(t_scope->backend, t_scope->settings);
  if (!worker) return worker.error();
  Request r{};
  r.op = Op::Load;
  r.encoding = encoding;
  r.target = target;
  r.builderCount = count;
  std::vector<UniqueFd> fds;
  SharedMemory bytes;
  if (wasmnn_nn_errno e = packLoad(builders, count, config, configLen, r, fds, bytes)) return e;
  Reply reply{};
  std::lock_guard lock((*worker)->controlMutex());
  if (wasmnn_nn_errno e = (*worker)->call(r, raw(fds), reply, "load")) return e;
  if (reply.err == WASMNN_NN_SUCCESS) *out = reinterpret_cast<wasmnn_nn_graph*>(new ProxyGraph{*worker, reply.handle});
  return static_cast<wasmnn_nn_errno>(reply.err);
}

void proxyDestroyGraph(wasmnn_nn_graph* graph) {
  std::unique_ptr<ProxyGraph> g(graphOf(graph));
  if (!g->worker->alive()) return;
  Request r{};
  r.op = Op::DestroyGraph;
  r.handle = g->id;
  Reply reply{};
  std::lock_guard lock(g->worker->controlMutex());
  g->worker->call(r, {}, reply, "unload");
}

wasmnn_nn_errno proxyInitContext(wasmnn_nn_graph* graph, wasmnn_nn_context** out) {
  ProxyGraph* g = graphOf(graph);
  const char* op = "init_execution_context";
  if (!g->worker->alive()) return g->worker->gone(op);
  UniqueFd arenaFd;
  auto c = std::unique_ptr<ProxyContext>(new ProxyContext{
      g->worker, 0, SharedMemory()});  // braces: clang 14 (fuzz build) lacks C++20 paren-init of aggregates
  wasmnn_nn_errno err = WASMNN_NN_SUCCESS;
  if (!replaceArena(*g->worker, kFirstArena, c->arena, arenaFd, err, op))
    return g->worker->sharedRefused(kFirstArena, op);
  if (err) return err;
  Request r{};
  r.op = Op::InitContext;
  r.handle = g->id;
  r.arenaSize = kFirstArena;
  const int fds[] = {arenaFd.get()};
  Reply reply{};
  {
    std::lock_guard lock(g->worker->controlMutex());
    if (wasmnn_nn_errno e = g->worker->call(r, fds, reply, op)) return e;
  }
  if (reply.err == WASMNN_NN_SUCCESS) {
    c->id = reply.handle;
    *out = reinterpret_cast<wasmnn_nn_context*>(c.release());
  }
  return static_cast<wasmnn_nn_errno>(reply.err);
}

// A request about context c (tagged with its id); the backend's errno, or the worker's end.
wasmnn_nn_errno onContext(ProxyContext& c, Request& r, std::span<const int> fds, Reply& reply, const char* op) {
  if (!c.worker->alive()) return c.worker->gone(op);
  r.tag = r.handle = c.id;
  if (wasmnn_nn_errno e = c.worker->call(r, fds, reply, op)) return e;
  return static_cast<wasmnn_nn_errno>(reply.err);
}

void proxyDestroyContext(wasmnn_nn_context* ctx) {
  std::unique_ptr<ProxyContext> c(contextOf(ctx));
  if (!c->worker->alive()) return;
  Request r{};
  r.op = Op::DestroyContext;
  Reply reply{};
  onContext(*c, r, {}, reply, "finalize_execution_context");
}

wasmnn_nn_errno proxySetInput(wasmnn_nn_context* ctx, uint32_t index, const wasmnn_nn_tensor* t) {
  ProxyContext& c = *contextOf(ctx);
  Request r{};
  r.op = Op::SetInput;
  r.index = index;
  r.size = t->size;
  r.tensorType = t->type;
  r.rank = t->rank;
  std::copy(t->dims, t->dims + t->rank, r.dims);
  UniqueFd fd;
  if (t->size > c.arena.size())
    if (wasmnn_nn_errno e = c.grow(t->size, r, fd, "set_input")) return e;
  if (t->size) std::memcpy(c.arena.data(), t->data, t->size);
  Reply reply{};
  const int fds[] = {fd.get()};
  return onContext(c, r, fd.valid() ? std::span<const int>(fds) : std::span<const int>(), reply, "set_input");
}

wasmnn_nn_errno simpleCall(wasmnn_nn_context* ctx, Op op, const char* name) {
  Request r{};
  r.op = op;
  Reply reply{};
  return onContext(*contextOf(ctx), r, {}, reply, name);
}

wasmnn_nn_errno proxyCompute(wasmnn_nn_context* ctx) { return simpleCall(ctx, Op::Compute, "compute"); }
wasmnn_nn_errno proxyComputeSingle(wasmnn_nn_context* ctx) {
  return simpleCall(ctx, Op::ComputeSingle, "compute_single");
}
wasmnn_nn_errno proxyFiniSingle(wasmnn_nn_context* ctx) { return simpleCall(ctx, Op::FiniSingle, "fini_single"); }

// The backend writes into the arena (grown once when the output is bigger
// than the arena but fits the caller's buffer), then the bytes are copied out.
wasmnn_nn_errno readOutput(wasmnn_nn_context* ctx, Op op, const char* name, uint32_t index, void* buf, size_t cap,
                           size_t* sizeOut) {
  ProxyContext& c = *contextOf(ctx);
  Request r{};
  r.op = op;
  r.index = index;
  r.size = std::min(cap, c.arena.size());
  Reply reply{};
  wasmnn_nn_errno err = onContext(c, r, {}, reply, name);
  if (err == WASMNN_NN_TOO_LARGE && reply.size > r.size && reply.size <= cap) {
    UniqueFd fd;
    if (wasmnn_nn_errno e = c.grow(reply.size, r, fd, name)) return e;
    r.size = std::min(cap, c.arena.size());
    const int fds[] = {fd.get()};
    err = onContext(c, r, fds, reply, name);
  }
  if (err == WASMNN_NN_SUCCESS && reply.size > r.size)
    return fail(WASMNN_NN_RUNTIME_ERROR, std::string(name) + ": the worker reported " + std::to_string(reply.size) +
                                             " bytes for a buffer of " + std::to_string(r.size));
  if (err == WASMNN_NN_SUCCESS && reply.size) std::memcpy(buf, c.arena.data(), reply.size);
  *sizeOut = reply.size;
  return err;
}

wasmnn_nn_errno proxyGetOutput(wasmnn_nn_context* ctx, uint32_t index, void* buf, size_t cap, size_t* sizeOut) {
  return readOutput(ctx, Op::GetOutput, "get_output", index, buf, cap, sizeOut);
}
wasmnn_nn_errno proxyGetOutputSingle(wasmnn_nn_context* ctx, uint32_t index, void* buf, size_t cap, size_t* sizeOut) {
  return readOutput(ctx, Op::GetOutputSingle, "get_output_single", index, buf, cap, sizeOut);
}

wasmnn_nn_errno proxyInit(wasmnn_nn_backend_info*, char*, size_t) {
  return WASMNN_NN_SUCCESS;  // each worker runs the real init() itself
}

}  // namespace

wasmnn_nn_backend proxyTable(const ZygoteHello& hello) {
  wasmnn_nn_backend t{};
  t.abi_version = WASMNN_NN_BACKEND_ABI_VERSION;
  t.struct_size = sizeof t;
  t.name = hello.name;
  t.version = hello.version;
  t.encodings = reinterpret_cast<const wasmnn_nn_encoding*>(hello.encodings);
  t.encoding_count = hello.encodingCount;
  t.init = proxyInit;
  t.load = proxyLoad;
  t.destroy_graph = proxyDestroyGraph;
  t.init_context = proxyInitContext;
  t.destroy_context = proxyDestroyContext;
  t.set_input = proxySetInput;
  t.compute = proxyCompute;
  t.get_output = proxyGetOutput;
  t.compute_single = (hello.optional & kHasComputeSingle) ? proxyComputeSingle : nullptr;
  t.get_output_single = (hello.optional & kHasGetOutputSingle) ? proxyGetOutputSingle : nullptr;
  t.fini_single = (hello.optional & kHasFiniSingle) ? proxyFiniSingle : nullptr;
  t.sandbox_flags = hello.sandboxFlags;
  return t;
}

bool graphAlive(const Graph& graph) { return graphOf(graph.impl())->worker->alive(); }

LoadScope::LoadScope(Tenant& t, const Backend& b, const Settings& s)
    : tenant(t), backend(b), settings(s), outer_(std::exchange(t_scope, this)) {}

LoadScope::~LoadScope() { t_scope = outer_; }

}  // namespace wasmnn::nn::isolation
