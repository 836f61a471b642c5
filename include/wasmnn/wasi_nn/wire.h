// WASI-NN records as they lie in guest memory (docs/wasi-nn-abi.md; the
// vendored copy of ../shared/docs), declared once with their sizes and
// offsets checked; the guest SDK (guest/include/wasmnn_nn.h) asserts the same
// layout from the guest's side. Read with GuestMemory::read<T>; pointers in
// them are guest addresses (u32), lengths are bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasmnn::nn::wire {

// wasi_ephemeral_nn graph_builder: a model part.
struct Builder {
  uint32_t ptr;
  uint32_t len;
};
static_assert(sizeof(Builder) == 8);

// wasi_ephemeral_nn tensor.
struct Tensor {
  uint32_t dimsPtr;  // -> u32[rank]
  uint32_t rank;
  uint8_t type;        // tensor_type, current or old numbering (told apart by dataLen)
  uint8_t padding[3];  // not guaranteed zero: never read
  uint32_t dataPtr;
  uint32_t dataLen;
};
static_assert(sizeof(Tensor) == 20 && offsetof(Tensor, type) == 8 && offsetof(Tensor, dataPtr) == 12 &&
              offsetof(Tensor, dataLen) == 16);

// wasi_nn (WAMR legacy) load's builder array: {graph_builder*, count}.
struct LegacyBuilderArray {
  uint32_t buildersPtr;
  uint32_t count;
};
static_assert(sizeof(LegacyBuilderArray) == 8);

// wasi_nn (WAMR legacy) tensor dimensions: {u32* dims, rank}.
struct LegacyDims {
  uint32_t dimsPtr;
  uint32_t rank;
};
static_assert(sizeof(LegacyDims) == 8);

// wasi_nn (WAMR legacy) tensor: no data length, it is product(dims) x element size.
struct LegacyTensor {
  uint32_t dimsRecordPtr;  // -> LegacyDims
  uint8_t type;            // old numbering: f16 0, f32 1, u8 2, i32 3
  uint8_t padding[3];
  uint32_t dataPtr;
};
static_assert(sizeof(LegacyTensor) == 12 && offsetof(LegacyTensor, type) == 4 && offsetof(LegacyTensor, dataPtr) == 8);

}  // namespace wasmnn::nn::wire
