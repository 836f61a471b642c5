// AOT artifacts (artifact.cpp): building one, and parsing one with every
// check that decides whether it may be loaded here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "wasmnn/common/error.h"
#include "wasmnn/native/native.h"

namespace wasmnn::native {

struct ArtifactView {
  CodegenOptions options;
  std::string moduleHash;
  std::span<const uint8_t> wasm;    // into the artifact's bytes
  std::span<const uint8_t> object;  // ditto
};

// This build's codegen id (cmake/CodegenId.cmake).
const char* codegenId();
// The module hash artifacts record (XXH3-128 of the bytes, 32 hex digits).
std::string moduleHash(std::span<const uint8_t> wasm);
// 16 hex digits naming the codegen id and options (part of a cache file's name).
std::string settingsKey(const CodegenOptions& options);

bool isArtifact(std::span<const uint8_t> bytes);
std::vector<uint8_t> buildArtifact(std::span<const uint8_t> wasm, std::span<const uint8_t> object,
                                   const CodegenOptions& options);
// Refuses (ErrorKind::Host, with the reason and the fix) an artifact of
// another format or wasmnn build, for a CPU level this one lacks, or corrupt.
Result<ArtifactView> parseArtifact(std::span<const uint8_t> bytes);

}  // namespace wasmnn::native
