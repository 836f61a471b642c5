// The compiled tier as the rest of libwasmnn sees it: a module's native code
// (made by the LLVM tier, loaded from an AOT artifact or the cache), binding
// it to instances, and running it. The runtime and executor call only the
// hooks below; everything else stays inside lib/native.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "wasmnn/ast/module.h"
#include "wasmnn/common/error.h"
#include "wasmnn/native/abi.h"
#include "wasmnn/native/code_image.h"
#include "wasmnn/wasmnn.h"

namespace wasmnn::native {

// How code is (or was) generated; part of an artifact's identity.
struct CodegenOptions {
  std::string cpu;        // an x86-64 level: "x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"
  uint32_t optLevel = 2;  // 1-3
  bool guard = false;     // no bounds checks: memory 0 must have guard pages
};

// An AOT artifact (artifact.cpp) whose checks passed: its bytes and what
// they hold. Move-only: wasm and object point into bytes.
struct Artifact {
  std::vector<uint8_t> bytes;
  CodegenOptions options;
  std::span<const uint8_t> wasm;    // the module
  std::span<const uint8_t> object;  // its native code, an ELF object
  Artifact() = default;
  Artifact(Artifact&&) = default;
  Artifact& operator=(Artifact&&) = default;
};

// Checks `bytes` as an artifact: refused (ErrorKind::Host, with the reason
// and the fix) when of another format or wasmnn build (codegen id), for a CPU
// level this one lacks, truncated or corrupt (checksum).
Result<Artifact> readArtifact(std::vector<uint8_t> bytes);

// A module's loaded native code, shared by all its instances.
struct NativeModule {
  std::unique_ptr<CodeImage> image;
  Artifact artifact;  // what the code came from (wasmnn_module_serialize returns its bytes)
  // The same module compiled with explicit checks, for instances whose memory
  // could not get guard pages (made on demand when this code relies on them).
  std::unique_ptr<NativeModule> checkedVariant;
  std::vector<void*> funcs;    // per defined function
  std::vector<void*> entries;  // per type index: the entry trampoline, or null
  struct Range {
    uintptr_t begin, end;
    uint32_t funcIndex;  // in the module's function index space
  };
  std::vector<Range> ranges;  // of the wasm functions, sorted by address
  const Module* ast = nullptr;
  ~NativeModule();
  // The wasm function containing pc, or nullptr.
  const Range* functionAt(uintptr_t pc) const;
};

// Giving modules native code (compiler.cpp). compileModule compiles `module`
// (made from `wasm`) for the engine's settings with the LLVM tier, or takes it
// from the engine's cache; attachArtifact loads an artifact's code for the
// module made from artifact.wasm. Both fail with the reason.
wasmnn_error* compileModule(const wasmnn_engine& engine, wasmnn_module& module, std::span<const uint8_t> wasm);
wasmnn_error* attachArtifact(wasmnn_module& module, Artifact artifact);
// The artifact of a module with native code (empty otherwise).
std::span<const uint8_t> moduleArtifact(const wasmnn_module& module);
bool isArtifact(std::span<const uint8_t> bytes);

// The x86-64 levels code is compiled for: the best this CPU runs, whether
// `level` is one, and whether this CPU runs it.
const char* hostCpuLevel();
bool isCpuLevel(const std::string& level);
bool cpuSupports(const std::string& level);

// Per instance: the context its native functions run with.
struct NativeInstance {
  const NativeModule* code = nullptr;  // the module's code or its checked variant
  VmContext ctx{};
  std::vector<uint64_t*> globals;
  std::vector<TableView*> tables;
  std::vector<CallTarget*> funcs;
};

// Hooks for the runtime (instantiate.cpp, objects.h, interpreter.cpp).
// Gives the instance's functions their native code; fails if the code needs
// guard pages and memory 0 has none.
wasmnn_error* bindInstance(wasmnn_instance& instance);
void deleteNativeInstance(NativeInstance* instance);
void deleteNativeModule(NativeModule* module);
// Runs a function that has native code (func->nativeCode), like executor's invoke().
wasmnn_error* invokeNative(wasmnn_func* func, const uint64_t* args, uint64_t* results);

}  // namespace wasmnn::native
