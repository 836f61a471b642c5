// What lib/native's files share among themselves.
#pragma once

#include <string_view>

#include "artifact.h"
#include "wasmnn/native/native.h"

namespace wasmnn::native {

// The code map behind backtraces (runtime.cpp): false when it is full.
bool registerCode(const NativeModule* module);
void unregisterCode(const NativeModule* module);

// Loads an artifact's code for `module`. Fails if a function or trampoline is missing.
Result<std::unique_ptr<NativeModule>> loadNativeModule(const Module& module, Artifact artifact);

// Compiles `module` (made from `wasm`) with the LLVM tier and loads the code.
Result<std::unique_ptr<NativeModule>> compileNative(const Module& module, std::span<const uint8_t> wasm,
                                                    const CodegenOptions& options);

// The runtime's symbols generated code may reference (CodeImage's resolver).
void* runtimeSymbol(std::string_view name);

}  // namespace wasmnn::native
