// ONNX external data: a TensorProto may keep its bytes in a file named by
// the model (data_location = EXTERNAL, external_data {location: ...}), which
// ONNX Runtime (and OpenVINO's ONNX reader) then opens relative to the working
// directory or at an absolute path. A guest's model must never name host
// files, so the host refuses such models before any backend sees them, in
// both isolation modes. Models preloaded by the operator are not checked:
// their external data lives next to the model file (--nn-isolation none).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "wasmnn/common/internal_api.h"

namespace wasmnn::nn {

struct ExternalTensor {
  std::string tensor;    // the tensor's name
  std::string location;  // the file it names
};

// The first tensor of an ONNX ModelProto (graphs, subgraphs in attributes,
// functions, training graphs, sparse tensors) whose data is external;
// nullopt when there is none or the bytes do not parse as a ModelProto
// (the backend then rejects them itself).
WASMNN_INTERNAL_API std::optional<ExternalTensor> findExternalTensor(std::span<const uint8_t> model);

}  // namespace wasmnn::nn
