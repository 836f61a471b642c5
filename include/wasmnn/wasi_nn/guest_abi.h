// The guest-facing WASI-NN functions of one instance: the import modules
// wasi_ephemeral_nn and wasi_nn (WAMR legacy), exactly as
// docs/wasi-nn-abi.md describes. Each method takes the guest's
// memory and raw i32 arguments and returns the guest errno; every pointer is
// checked against the memory before use and nothing a guest passes can trap
// the host. Handles live in per-instance tables but their values are unique
// in the process and never reused, so stale or foreign handles are detected.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

#include "wasmnn/common/guest_memory.h"
#include "wasmnn/common/internal_api.h"
#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/graph.h"
#include "wasmnn/wasi_nn/nn_host.h"

namespace wasmnn::nn {

using wasmnn::GuestMemory;

// Resolves the guest's tensor_type byte. Values 2 and 3 mean different types
// in the old (<2023) and current numbering; data_len = elements x element
// size tells which one the guest meant. nullopt: no reading fits data_len.
WASMNN_INTERNAL_API std::optional<wasmnn_nn_tensor_type> resolveTensorType(uint8_t raw, uint64_t elements,
                                                                           uint64_t dataLen);
// The legacy module's old numbering: f16 0, f32 1, u8 2, i32 3.
WASMNN_INTERNAL_API std::optional<wasmnn_nn_tensor_type> legacyTensorType(uint8_t raw);

class WASMNN_INTERNAL_API NnInstance {
 public:
  explicit NnInstance(std::shared_ptr<NnHost> host) : host_(std::move(host)) {}

  // wasi_ephemeral_nn
  uint32_t load(GuestMemory mem, uint32_t buildersPtr, uint32_t buildersLen, uint32_t encoding, uint32_t target,
                uint32_t graphOut);
  uint32_t loadByName(GuestMemory mem, uint32_t namePtr, uint32_t nameLen, uint32_t graphOut);
  uint32_t loadByNameWithConfig(GuestMemory mem, uint32_t namePtr, uint32_t nameLen, uint32_t configPtr,
                                uint32_t configLen, uint32_t graphOut);
  uint32_t initExecutionContext(GuestMemory mem, uint32_t graph, uint32_t ctxOut);
  uint32_t setInput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t tensorPtr);
  uint32_t compute(uint32_t ctx);
  uint32_t getOutput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t outMax,
                     uint32_t writtenPtr);
  uint32_t computeSingle(uint32_t ctx);
  uint32_t getOutputSingle(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t outMax,
                           uint32_t writtenPtr);
  uint32_t finiSingle(uint32_t ctx);
  uint32_t unload(uint32_t graph);
  uint32_t finalizeExecutionContext(uint32_t ctx);

  // wasi_nn (WAMR legacy)
  uint32_t legacyLoad(GuestMemory mem, uint32_t builderArrayPtr, uint32_t encoding, uint32_t target, uint32_t graphOut);
  uint32_t legacySetInput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t tensorPtr);
  // *inout_size is counted in 4-byte (f32) elements on entry and on return,
  // like WAMR's legacy guests and its TFLite backend (rounded up for outputs
  // that are not a multiple of 4 bytes).
  uint32_t legacyGetOutput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t inoutSizePtr);

 private:
  struct TensorArgs {
    uint32_t dimsPtr, rank, dataPtr;
    uint64_t dataLen;
    uint8_t type;
  };
  enum class Numbering { Current, Legacy };
  using GetFn = decltype(wasmnn_nn_backend::get_output);

  uint32_t loadNamed(GuestMemory mem, uint32_t namePtr, uint32_t nameLen, uint32_t configPtr, uint32_t configLen,
                     uint32_t graphOut, const char* fn);
  uint32_t loadBuilders(GuestMemory mem, uint32_t buildersPtr, uint32_t count, uint32_t encoding, uint32_t target,
                        uint32_t graphOut, const char* fn);
  uint32_t setTensor(GuestMemory mem, uint32_t ctx, uint32_t index, const TensorArgs& t, Numbering numbering,
                     const char* fn);
  // Runs get_output/get_output_single into guest memory; *size gets the
  // result size (or the needed size with too_large).
  uint32_t readOutput(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint64_t cap, bool single,
                      uint64_t* size, const char* fn);
  // get_output / get_output_single: readOutput plus the bytes_written out-pointer.
  uint32_t outputWithSize(GuestMemory mem, uint32_t ctx, uint32_t index, uint32_t outPtr, uint32_t outMax,
                          uint32_t writtenPtr, bool single);
  uint32_t callOnContext(uint32_t ctx, const char* fn, wasmnn_nn_errno (*op)(const Backend&, wasmnn_nn_context*));
  uint32_t addGraph(GuestMemory mem, std::shared_ptr<Graph> graph, uint32_t graphOut, const char* fn);
  template <typename T> using Table = std::unordered_map<uint32_t, std::shared_ptr<T>>;
  template <typename T>
  std::shared_ptr<T> find(const Table<T>& table, uint32_t handle, const char* fn, const char* what, const char* ended);
  template <typename T> uint32_t drop(Table<T>& table, uint32_t handle, const char* fn, const char* what);
  std::shared_ptr<Graph> graph(uint32_t handle, const char* fn);
  std::shared_ptr<Context> context(uint32_t handle, const char* fn);
  bool graphSlotFree(const char* fn);

  std::shared_ptr<NnHost> host_;
  std::mutex mu_;  // guards the tables, never held during a backend call
  Table<Graph> graphs_;
  Table<Context> contexts_;
};

}  // namespace wasmnn::nn
