// Guest ABI of WASI-NN. Every guest pointer is checked with 64-bit arithmetic
// (a 32-bit pointer plus a 32-bit length cannot wrap) before any byte is
// touched; every failure returns an errno and logs one line saying why.
#include "wasmnn/wasi_nn/guest_abi.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/vocabulary.h"
#include "wasmnn/wasi_nn/wire.h"

namespace wasmnn::nn {
namespace {

uint32_t clampU32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v); }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string range(uint64_t ptr, uint64_t len, const GuestMemory& m) {
  std::string out = "[";
  out.append(hex(ptr)).append(", +").append(std::to_string(len)).append(") is outside guest memory of ");
  out.append(std::to_string(m.size())).append(" bytes");
  return out;
}

// What every call with an out-pointer checks first: the instance has a
// memory and the u32 slot lies in it. 0, or the errno (logged).
uint32_t checkOutSlot(const GuestMemory& mem, uint32_t ptr, std::string_view fn, const char* what) {
  if (!mem.present()) return fail(WASMNN_NN_MISSING_MEMORY, std::string(fn) + ": the instance has no linear memory");
  if (!mem.contains(ptr, 4))
    return fail(WASMNN_NN_INVALID_ARGUMENT, std::string(fn) + ": " + what + " " + range(ptr, 4, mem));
  return WASMNN_NN_SUCCESS;
}

// Process-wide handle values: never reused, so a stale handle or one from
// another instance never names a live object here.
std::optional<uint32_t> newHandle() {
  static std::atomic<uint32_t> next{1};
  uint32_t h = next.load(std::memory_order_relaxed);
  do {
    if (h == 0) return std::nullopt;  // all 2^32-1 values used up
  } while (!next.compare_exchange_weak(h, h + 1, std::memory_order_relaxed));
  return h;
}

// False for an unknown value; otherwise *out is the encoding, or empty for
// "detect from the bytes". 5 and 6 are autodetect/ggml in one camp and
// ggml/autodetect in the other: both detect from the bytes (a GGUF file
// selects the ggml backend).
bool guestEncodingOf(uint32_t v, std::optional<wasmnn_nn_encoding>& out) {
  out.reset();
  if (v == 5 || v == 6) return true;
  const EncodingInfo* info = guestEncoding(v);
  if (info) out = info->value;
  return info != nullptr;
}

std::optional<uint64_t> product(std::span<const uint32_t> dims) {
  uint64_t n = 1;
  for (uint32_t d : dims) {
    if (d != 0 && n > UINT64_MAX / d) return std::nullopt;
    n *= d;
  }
  return n;
}

bool sizeIs(uint64_t elements, size_t elementSize, uint64_t dataLen) {
  return elements <= UINT64_MAX / elementSize && elements * elementSize == dataLen;
}

std::string dimsText(std::span<const uint32_t> dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(dims[i]);
  }
  out += ']';
  return out;
}

}  // namespace

std::optional<wasmnn_nn_tensor_type> resolveTensorType(uint8_t raw, uint64_t elements, uint64_t dataLen) {
  switch (raw) {
    case 0: return sizeIs(elements, 2, dataLen) ? std::optional(WASMNN_NN_TYPE_F16) : std::nullopt;
    case 1: return sizeIs(elements, 4, dataLen) ? std::optional(WASMNN_NN_TYPE_F32) : std::nullopt;
    case 2:  // current f64, old u8
      if (sizeIs(elements, 8, dataLen)) return WASMNN_NN_TYPE_F64;
      if (sizeIs(elements, 1, dataLen)) return WASMNN_NN_TYPE_U8;
      return std::nullopt;
    case 3:  // current u8, old i32
      if (sizeIs(elements, 1, dataLen)) return WASMNN_NN_TYPE_U8;
      if (sizeIs(elements, 4, dataLen)) return WASMNN_NN_TYPE_I32;
      return std::nullopt;
    case 4: return sizeIs(elements, 4, dataLen) ? std::optional(WASMNN_NN_TYPE_I32) : std::nullopt;
    case 5: return sizeIs(elements, 8, dataLen) ? std::optional(WASMNN_NN_TYPE_I64) : std::nullopt;
    default: return std::nullopt;
  }
}

// WasmEdge's GGML plugin reads its inputs (prompt, options) as bytes whatever
// their dimensions, and WasmEdge's prebuilt example guests (built before June
// 2025) send a prompt of N bytes as u8 [1]: for ggml graphs a u8 tensor is its
// data_len bytes.
bool inputIsText(wasmnn_nn_encoding encoding, uint8_t raw) {
  return encoding == WASMNN_NN_ENCODING_GGML && raw == WASMNN_NN_TYPE_U8;
}

std::optional<wasmnn_nn_tensor_type> legacyTensorType(uint8_t raw) {
  switch (raw) {
    case 0: return WASMNN_NN_TYPE_F16;
    case 1: return WASMNN_NN_TYPE_F32;
    case 2: return WASMNN_NN_TYPE_U8;
    case 3: return WASMNN_NN_TYPE_I32;
    default: return std::nullopt;
  }
}

// ---------------------------------------------------------------- handles

// The live object a handle names in `table`, or nullptr after logging why.
template <typename T>
std::shared_ptr<T> NnInstance::find(const Table<T>& table, uint32_t handle, const char* fn, const char* what,
                                    const char* ended) {
  {
    std::lock_guard lock(mu_);
    if (auto it = table.find(handle); it != table.end()) return it->second;
  }
  fail(WASMNN_NN_INVALID_ARGUMENT, std::string(fn) + ": " + what + " handle " + std::to_string(handle) +
                                       " is not live in this instance (never issued here, or " + ended + ")");
  return nullptr;
}

// Removes a handle; the object itself is released after the lock, and lives on
// while contexts or running calls hold their own reference.
template <typename T> uint32_t NnInstance::drop(Table<T>& table, uint32_t handle, const char* fn, const char* what) {
  std::shared_ptr<T> dropped;
  {
    std::lock_guard lock(mu_);
    if (auto it = table.find(handle); it != table.end()) {
      dropped = std::move(it->second);
      table.erase(it);
    }
  }
  if (!dropped)
    return fail(WASMNN_NN_INVALID_ARGUMENT,
                std::string(fn) + ": " + what + " handle " + std::to_string(handle) + " is not live in this instance");
  return WASMNN_NN_SUCCESS;
}

std::shared_ptr<Graph> NnInstance::graph(uint32_t handle, const char* fn) {
  return find(graphs_, handle, fn, "graph", "unloaded");
}

std::shared_ptr<Context> NnInstance::context(uint32_t handle, const char* fn) {
  return find(contexts_, handle, fn, "execution context", "finalized");
}

bool NnInstance::graphSlotFree(const char* fn) {
  uint32_t cap = host_->limits().maxGraphs;
  std::lock_guard lock(mu_);
  if (graphs_.size() < cap) return true;
  fail(WASMNN_NN_RUNTIME_ERROR, std::string(fn) + ": this instance already holds " + std::to_string(cap) +
                                    " graphs (the limit); unload some or raise it with --nn-max-graphs "
                                    "(C API: wasmnn_nn_host_set_limits)");
  return false;
}

uint32_t NnInstance::addGraph(GuestMemory mem, std::shared_ptr<Graph> graph, uint32_t graphOut, const char* fn) {
  std::optional<uint32_t> handle = newHandle();
  if (!handle) return fail(WASMNN_NN_RUNTIME_ERROR, std::string(fn) + ": graph handle space exhausted");
  {
    std::lock_guard lock(mu_);
    graphs_.emplace(*handle, std::move(graph));
  }
  mem.store<uint32_t>(graphOut, *handle);  // checked by the caller before the load
  return WASMNN_NN_SUCCESS;
}

uint32_t NnInstance::unload(uint32_t handle) { return drop(graphs_, handle, "unload", "graph"); }

uint32_t NnInstance::finalizeExecutionContext(uint32_t handle) {
  return drop(contexts_, handle, "finalize_execution_context", "execution context");
}

// ---------------------------------------------------------------- load

uint32_t NnInstance::loadBuilders(GuestMemory mem, uint32_t buildersPtr, uint32_t count, uint32_t encoding,
                                  uint32_t target, uint32_t graphOut, const char* fn) {
  const std::string f = fn;
  if (uint32_t err = checkOutSlot(mem, graphOut, f, "graph out-pointer")) return err;
  if (count == 0) return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": no graph builders (builders_len is 0)");
  uint32_t maxBuilders = host_->limits().maxBuilders;
  if (count > maxBuilders)
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": " + std::to_string(count) + " graph builders, at most " +
                                                std::to_string(maxBuilders) + " are accepted");
  const uint64_t arrayBytes = uint64_t{count} * sizeof(wire::Builder);
  if (!mem.contains(buildersPtr, arrayBytes))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": builder array " + range(buildersPtr, arrayBytes, mem));
  std::vector<wasmnn_nn_builder> parts;
  for (uint32_t i = 0; i < count; ++i) {
    wire::Builder b = *mem.read<wire::Builder>(buildersPtr + uint64_t{i} * sizeof(wire::Builder));
    const uint8_t* bytes = mem.at(b.ptr, b.len);
    if (!bytes)
      return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": builder " + std::to_string(i) + " " + range(b.ptr, b.len, mem));
    parts.push_back({bytes, b.len, nullptr});
  }
  std::optional<wasmnn_nn_encoding> enc;
  if (!guestEncodingOf(encoding, enc))
    return fail(WASMNN_NN_INVALID_ENCODING, f + ": unknown graph encoding " + std::to_string(encoding));
  if (!guestTarget(target))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": unknown execution target " + std::to_string(target));
  if (!graphSlotFree(fn)) return WASMNN_NN_RUNTIME_ERROR;
  auto built = host_->build(enc, static_cast<wasmnn_nn_target>(target), parts, {}, f, tenant_);
  if (!built) return built.error();
  return addGraph(mem, std::move(*built), graphOut, fn);
}

uint32_t NnInstance::load(GuestMemory mem, uint32_t buildersPtr, uint32_t buildersLen, uint32_t encoding,
                          uint32_t target, uint32_t graphOut) {
  return loadBuilders(mem, buildersPtr, buildersLen, encoding, target, graphOut, "load");
}

uint32_t NnInstance::legacyLoad(GuestMemory mem, uint32_t builderArrayPtr, uint32_t encoding, uint32_t target,
                                uint32_t graphOut) {
  if (!mem.present()) return fail(WASMNN_NN_MISSING_MEMORY, "wasi_nn.load: the instance has no linear memory");
  std::optional<wire::LegacyBuilderArray> array = mem.read<wire::LegacyBuilderArray>(builderArrayPtr);
  if (!array)
    return fail(WASMNN_NN_INVALID_ARGUMENT,
                "wasi_nn.load: graph_builder_array " + range(builderArrayPtr, sizeof(wire::LegacyBuilderArray), mem));
  return loadBuilders(mem, array->buildersPtr, array->count, encoding, target, graphOut, "wasi_nn.load");
}

uint32_t NnInstance::loadByName(GuestMemory mem, uint32_t namePtr, uint32_t nameLen, uint32_t graphOut) {
  return loadNamed(mem, namePtr, nameLen, 0, 0, graphOut, "load_by_name");
}

uint32_t NnInstance::loadByNameWithConfig(GuestMemory mem, uint32_t namePtr, uint32_t nameLen, uint32_t configPtr,
                                          uint32_t configLen, uint32_t graphOut) {
  return loadNamed(mem, namePtr, nameLen, configPtr, configLen, graphOut, "load_by_name_with_config");
}

uint32_t NnInstance::loadNamed(GuestMemory mem, uint32_t namePtr, uint32_t nameLen, uint32_t configPtr,
                               uint32_t configLen, uint32_t graphOut, const char* fn) {
  const std::string f = fn;
  if (uint32_t err = checkOutSlot(mem, graphOut, f, "graph out-pointer")) return err;
  if (!mem.contains(namePtr, nameLen))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": name " + range(namePtr, nameLen, mem));
  if (!mem.contains(configPtr, configLen))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": config " + range(configPtr, configLen, mem));
  std::string_view name, config;
  mem.string(namePtr, nameLen, name);  // both checked above
  mem.string(configPtr, configLen, config);
  std::shared_ptr<PreloadedModel> model = host_->models().find(name);
  if (!model)
    return fail(WASMNN_NN_NOT_FOUND,
                f + ": no preloaded model named '" + clipped(name) + "' (preloaded: " + host_->models().names() + ")");
  if (!graphSlotFree(fn)) return WASMNN_NN_RUNTIME_ERROR;
  auto built = model->buildWithConfig(*host_, tenant_, config);
  if (!built) return built.error();
  return addGraph(mem, std::move(*built), graphOut, fn);
}

// ---------------------------------------------------------------- contexts

uint32_t NnInstance::initExecutionContext(GuestMemory mem, uint32_t graphHandle, uint32_t ctxOut) {
  const char* fn = "init_execution_context";
  if (uint32_t err = checkOutSlot(mem, ctxOut, fn, "context out-pointer")) return err;
  std::shared_ptr<Graph> g = graph(graphHandle, fn);
  if (!g) return WASMNN_NN_INVALID_ARGUMENT;
  uint32_t cap = host_->limits().maxContexts;
  {
    std::lock_guard lock(mu_);
    if (contexts_.size() >= cap)
      return fail(WASMNN_NN_RUNTIME_ERROR, std::string(fn) + ": this instance already holds " + std::to_string(cap) +
                                               " execution contexts (the limit); finalize some or raise it with "
                                               "--nn-max-contexts (C API: wasmnn_nn_host_set_limits)");
  }
  auto ctx = Context::create(std::move(g));
  if (!ctx) return ctx.error();
  std::optional<uint32_t> handle = newHandle();
  if (!handle) return fail(WASMNN_NN_RUNTIME_ERROR, std::string(fn) + ": context handle space exhausted");
  {
    std::lock_guard lock(mu_);
    contexts_.emplace(*handle, std::move(*ctx));
  }
  mem.store<uint32_t>(ctxOut, *handle);
  return WASMNN_NN_SUCCESS;
}

uint32_t NnInstance::setTensor(GuestMemory mem, uint32_t ctxHandle, uint32_t index, const TensorArgs& t,
                               Numbering numbering, const char* fn) {
  const std::string f = fn;
  std::shared_ptr<Context> ctx = context(ctxHandle, fn);
  if (!ctx) return WASMNN_NN_INVALID_ARGUMENT;
  if (t.rank > WASMNN_NN_MAX_RANK)
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": tensor rank " + std::to_string(t.rank) + " exceeds the limit of " +
                                                std::to_string(WASMNN_NN_MAX_RANK));
  if (!mem.contains(t.dimsPtr, uint64_t{t.rank} * 4))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": dimensions " + range(t.dimsPtr, uint64_t{t.rank} * 4, mem));
  uint32_t dims[WASMNN_NN_MAX_RANK];
  for (uint32_t i = 0; i < t.rank; ++i) dims[i] = *mem.read<uint32_t>(t.dimsPtr + 4 * uint64_t{i});
  std::span<const uint32_t> shape(dims, t.rank);
  std::optional<uint64_t> elements = product(shape);
  if (!elements)
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": the product of dimensions " + dimsText(shape) + " overflows");
  std::optional<wasmnn_nn_tensor_type> type;
  uint64_t dataLen = t.dataLen;
  if (numbering == Numbering::Current) {
    type = resolveTensorType(t.type, *elements, dataLen);
    if (!type && inputIsText(ctx->encoding(), t.type) && dataLen <= UINT32_MAX) {
      debug(f + ": u8 text of " + std::to_string(dataLen) + " bytes with dimensions " + dimsText(shape) + " read as [" +
            std::to_string(dataLen) + "] (WasmEdge's ggml inputs are bytes)");
      dims[0] = static_cast<uint32_t>(dataLen);
      shape = std::span<const uint32_t>(dims, 1);
      type = WASMNN_NN_TYPE_U8;
    }
    if (!type)
      return fail(WASMNN_NN_INVALID_ARGUMENT,
                  f + ": data_len " + std::to_string(dataLen) + " does not fit tensor type " + std::to_string(t.type) +
                      " with dimensions " + dimsText(shape) + " (" + std::to_string(*elements) + " elements)");
  } else {
    type = legacyTensorType(t.type);
    if (!type) return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": unknown legacy tensor type " + std::to_string(t.type));
    if (*elements > UINT64_MAX / 8)
      return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": tensor of " + dimsText(shape) + " is too large");
    dataLen = *elements * wasmnn_nn_tensor_type_size(*type);
  }
  if (!mem.contains(t.dataPtr, dataLen))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": tensor data " + range(t.dataPtr, dataLen, mem));
  if (t.type != *type && numbering == Numbering::Current)
    debug(f + ": tensor type " + std::to_string(t.type) + " read as " + wasmnn_nn_tensor_type_name(*type) +
          " (pre-2023 numbering, told apart by data_len)");
  wasmnn_nn_tensor tensor{*type, static_cast<uint32_t>(shape.size()), dims,
                          dataLen ? mem.at(t.dataPtr, dataLen) : nullptr, static_cast<size_t>(dataLen)};
  const Backend& b = ctx->backend();
  std::lock_guard lock(ctx->callMutex());
  return callBackend(b, "set_input", [&] { return b.fns.set_input(ctx->impl(), index, &tensor); });
}

uint32_t NnInstance::setInput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t tensorPtr) {
  if (!mem.present()) return fail(WASMNN_NN_MISSING_MEMORY, "set_input: the instance has no linear memory");
  std::optional<wire::Tensor> record = mem.read<wire::Tensor>(tensorPtr);
  if (!record)
    return fail(WASMNN_NN_INVALID_ARGUMENT, "set_input: tensor record " + range(tensorPtr, sizeof(wire::Tensor), mem));
  TensorArgs t{record->dimsPtr, record->rank, record->dataPtr, record->dataLen, record->type};
  return setTensor(mem, ctx, index, t, Numbering::Current, "set_input");
}

uint32_t NnInstance::legacySetInput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t tensorPtr) {
  const std::string fn = "wasi_nn.set_input";
  if (!mem.present()) return fail(WASMNN_NN_MISSING_MEMORY, fn + ": the instance has no linear memory");
  std::optional<wire::LegacyTensor> record = mem.read<wire::LegacyTensor>(tensorPtr);
  if (!record)
    return fail(WASMNN_NN_INVALID_ARGUMENT,
                fn + ": tensor record " + range(tensorPtr, sizeof(wire::LegacyTensor), mem));
  std::optional<wire::LegacyDims> dims = mem.read<wire::LegacyDims>(record->dimsRecordPtr);
  if (!dims)
    return fail(WASMNN_NN_INVALID_ARGUMENT,
                fn + ": dimensions record " + range(record->dimsRecordPtr, sizeof(wire::LegacyDims), mem));
  TensorArgs t{dims->dimsPtr, dims->rank, record->dataPtr, 0, record->type};
  return setTensor(mem, ctx, index, t, Numbering::Legacy, fn.c_str());
}

uint32_t NnInstance::callOnContext(uint32_t ctxHandle, const char* fn,
                                   wasmnn_nn_errno (*op)(const Backend&, wasmnn_nn_context*)) {
  std::shared_ptr<Context> ctx = context(ctxHandle, fn);  // outlives the lock below
  if (!ctx) return WASMNN_NN_INVALID_ARGUMENT;
  std::lock_guard lock(ctx->callMutex());
  return op(ctx->backend(), ctx->impl());
}

uint32_t NnInstance::compute(uint32_t ctx) {
  return callOnContext(ctx, "compute", [](const Backend& b, wasmnn_nn_context* c) {
    return callBackend(b, "compute", [&] { return b.fns.compute(c); });
  });
}

uint32_t NnInstance::computeSingle(uint32_t ctx) {
  return callOnContext(ctx, "compute_single", [](const Backend& b, wasmnn_nn_context* c) {
    if (!b.fns.compute_single)
      return fail(WASMNN_NN_UNSUPPORTED_OPERATION, "compute_single: backend " + b.name + " does not stream");
    return callBackend(b, "compute_single", [&] { return b.fns.compute_single(c); });
  });
}

uint32_t NnInstance::finiSingle(uint32_t ctx) {
  return callOnContext(ctx, "fini_single", [](const Backend& b, wasmnn_nn_context* c) {
    if (!b.fns.fini_single)
      return fail(WASMNN_NN_UNSUPPORTED_OPERATION, "fini_single: backend " + b.name + " does not stream");
    return callBackend(b, "fini_single", [&] { return b.fns.fini_single(c); });
  });
}

// ---------------------------------------------------------------- outputs

uint32_t NnInstance::readOutput(GuestMemory mem, uint32_t ctxHandle, uint32_t index, uint32_t outPtr, uint64_t cap,
                                bool single, uint64_t* size, const char* fn) {
  const std::string f = fn;
  std::shared_ptr<Context> ctx = context(ctxHandle, fn);
  if (!ctx) return WASMNN_NN_INVALID_ARGUMENT;
  if (!mem.contains(outPtr, cap))
    return fail(WASMNN_NN_INVALID_ARGUMENT, f + ": output buffer " + range(outPtr, cap, mem));
  const Backend& b = ctx->backend();
  GetFn get = single ? b.fns.get_output_single : b.fns.get_output;
  if (!get) return fail(WASMNN_NN_UNSUPPORTED_OPERATION, f + ": backend " + b.name + " does not stream");
  size_t written = 0;
  wasmnn_nn_errno err;
  {
    std::lock_guard lock(ctx->callMutex());
    err =
        callBackend(b, fn, [&] { return get(ctx->impl(), index, cap ? mem.at(outPtr, cap) : nullptr, cap, &written); });
  }
  if (err == WASMNN_NN_SUCCESS && written > cap)
    return fail(WASMNN_NN_RUNTIME_ERROR, f + ": backend " + b.name + " reported " + std::to_string(written) +
                                             " bytes for a buffer of " + std::to_string(cap));
  if (err == WASMNN_NN_TOO_LARGE)
    fail(err, f + ": output " + std::to_string(index) + " needs " + std::to_string(written) +
                  " bytes but the buffer holds " + std::to_string(cap) + "; the needed size was stored");
  *size = written;
  return err;
}

uint32_t NnInstance::outputWithSize(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t outMax,
                                    uint32_t writtenPtr, bool single) {
  const std::string fn = single ? "get_output_single" : "get_output";
  if (uint32_t err = checkOutSlot(mem, writtenPtr, fn, "bytes_written pointer")) return err;
  uint64_t size = 0;
  uint32_t err = readOutput(mem, ctx, index, outPtr, outMax, single, &size, fn.c_str());
  if (err == WASMNN_NN_SUCCESS || err == WASMNN_NN_TOO_LARGE) mem.store<uint32_t>(writtenPtr, clampU32(size));
  return err;
}

uint32_t NnInstance::getOutput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t outMax,
                               uint32_t writtenPtr) {
  return outputWithSize(mem, ctx, index, outPtr, outMax, writtenPtr, false);
}

uint32_t NnInstance::getOutputSingle(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t outMax,
                                     uint32_t writtenPtr) {
  return outputWithSize(mem, ctx, index, outPtr, outMax, writtenPtr, true);
}

uint32_t NnInstance::legacyGetOutput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr,
                                     uint32_t inoutSizePtr) {
  const char* fn = "wasi_nn.get_output";
  if (uint32_t err = checkOutSlot(mem, inoutSizePtr, fn, "size pointer")) return err;
  if (!mem.contains(outPtr, 0))
    return fail(WASMNN_NN_INVALID_ARGUMENT, std::string(fn) + ": output buffer " + range(outPtr, 0, mem));
  // The capacity counts f32 elements. A guest that counted bytes claims 4x its
  // buffer: clamp to the end of its memory so it is served, never trapped.
  uint64_t cap = std::min<uint64_t>(uint64_t{*mem.read<uint32_t>(inoutSizePtr)} * 4, mem.size() - outPtr);
  uint64_t size = 0;
  uint32_t err = readOutput(mem, ctx, index, outPtr, cap, false, &size, fn);
  if (err == WASMNN_NN_SUCCESS || err == WASMNN_NN_TOO_LARGE)
    mem.store<uint32_t>(inoutSizePtr, clampU32((size + 3) / 4));
  return err;
}

}  // namespace wasmnn::nn
