// AOT artifacts (artifact.cpp): building one; readArtifact (native.h) checks one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "wasmnn/common/error.h"
#include "wasmnn/native/native.h"

namespace wasmnn::native {

// This build's codegen id (cmake/CodegenId.cmake).
const char* codegenId();
// The module hash artifacts record (XXH3-128 of the bytes, 32 hex digits).
std::string moduleHash(std::span<const uint8_t> wasm);
// 16 hex digits naming the codegen id and options (part of a cache file's name).
std::string settingsKey(const CodegenOptions& options);

bool isArtifact(std::span<const uint8_t> bytes);
std::vector<uint8_t> buildArtifact(std::span<const uint8_t> wasm, std::span<const uint8_t> object,
                                   const CodegenOptions& options);

}  // namespace wasmnn::native
