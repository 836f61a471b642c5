// The model registry behind load_by_name: models the operator named with
// --nn-preload NAME:ENCODING:TARGET:PATH[:PATH2]. A guest only ever names a
// registry entry, never a host path. Each model is built once, on first use,
// and the graph is shared by every instance and thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmnn/common/error.h"
#include "wasmnn/common/internal_api.h"
#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/expected.h"
#include "wasmnn/wasi_nn/graph.h"
#include "wasmnn/wasi_nn/isolation/isolation.h"

namespace wasmnn::nn {

class NnHost;

struct PreloadSpec {
  std::string name;
  std::optional<wasmnn_nn_encoding> encoding;  // empty = autodetect
  wasmnn_nn_target target = WASMNN_NN_TARGET_CPU;
  std::vector<std::string> paths;  // 1 or 2
};

// Encoding and target names are case-insensitive; "autodetect"/"auto" detect from the bytes.
WASMNN_INTERNAL_API Result<PreloadSpec> parsePreloadSpec(std::string_view spec);

// A read-only mapping of a whole file (models may exceed any guest memory).
class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  ~MappedFile();
  std::span<const uint8_t> bytes() const { return {static_cast<const uint8_t*>(data_), size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, void* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  void* data_;
  size_t size_;
};

class PreloadedModel {
 public:
  PreloadedModel(PreloadSpec spec, std::vector<MappedFile> files) : spec_(std::move(spec)), files_(std::move(files)) {}
  // A model whose file `missingPath` did not exist at start-up: every load
  // of it fails with model_not_found, as in WasmEdge.
  PreloadedModel(PreloadSpec spec, std::string missingPath)
      : spec_(std::move(spec)), missingPath_(std::move(missingPath)) {}
  const PreloadSpec& spec() const { return spec_; }
  // The shared graph, built on first call; concurrent first callers wait for
  // the one build. A failed build is remembered (and re-reported). Under
  // process isolation each tenant builds and keeps its own, in its worker.
  NnExpected<std::shared_ptr<Graph>> sharedGraph(NnHost& host, isolation::Tenant& tenant);
  // A private graph built with a load_by_name_with_config configuration.
  NnExpected<std::shared_ptr<Graph>> buildWithConfig(NnHost& host, isolation::Tenant& tenant, std::string_view config);

 private:
  std::vector<wasmnn_nn_builder> builders() const;

  PreloadSpec spec_;
  std::vector<MappedFile> files_;
  std::string missingPath_;  // non-empty: see the second constructor
  std::mutex mu_;
  std::shared_ptr<Graph> graph_;
  wasmnn_nn_errno failed_ = WASMNN_NN_SUCCESS;
};

class WASMNN_INTERNAL_API ModelRegistry {
 public:
  // Maps the files now, so a bad path is reported at startup. A file that does
  // not exist is only a warning (as in WasmEdge): the model is registered and
  // load_by_name answers model_not_found.
  Result<void> add(PreloadSpec spec);
  std::shared_ptr<PreloadedModel> find(std::string_view name) const;
  std::string names() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<PreloadedModel>, std::less<>> models_;
};

}  // namespace wasmnn::nn
