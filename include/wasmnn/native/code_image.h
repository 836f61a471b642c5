// Native code loaded from an ELF relocatable object (x86-64), the form the
// LLVM tier emits and AOT artifacts store: its sections are placed in one
// mapping, relocated, and made executable or read-only. References to
// symbols the object does not define go through the resolver (the runtime's
// functions of native/abi.h and a few libc ones) and, for calls, through
// stubs next to the code, so the mapping may lie anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmnn/common/error.h"

namespace wasmnn::native {

class CodeImage {
 public:
  struct Function {
    std::string name;
    uintptr_t address;
    size_t size;
  };
  // The address of an external symbol, or nullptr if it must not be used.
  using Resolver = void* (*)(std::string_view name);

  // Fails (ErrorKind::Host) with the reason for a malformed object, a
  // relocation or symbol the loader does not support, or no memory.
  static Result<std::unique_ptr<CodeImage>> load(std::span<const uint8_t> object, Resolver resolve);
  ~CodeImage();
  CodeImage(const CodeImage&) = delete;
  CodeImage& operator=(const CodeImage&) = delete;

  // The object's global functions, with their sizes.
  const std::vector<Function>& functions() const { return functions_; }
  uintptr_t begin() const { return reinterpret_cast<uintptr_t>(base_); }
  uintptr_t end() const { return begin() + size_; }

 private:
  CodeImage() = default;
  void* base_ = nullptr;
  size_t size_ = 0;
  std::vector<Function> functions_;
  friend class ImageBuilder;
};

}  // namespace wasmnn::native
