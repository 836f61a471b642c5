// The LLVM tier's entry point: libwasmnn_llvm.so, loaded by libwasmnn.so with
// dlopen only when a module is compiled (lib/native/tier.cpp), so running the
// interpreter or an AOT artifact never loads LLVM. The interface is one C
// function; the module is passed as the decoded AST, which the plugin only
// reads (both libraries are built from this tree with the same compiler).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wasmnn/ast/module.h"

extern "C" {

// Bumped when this interface changes.
#define WASMNN_LLVM_PLUGIN_ABI 1

typedef struct wasmnn_llvm_request {
  uint32_t abi;                  // WASMNN_LLVM_PLUGIN_ABI
  const wasmnn::Module* module;  // decoded and validated
  const char* cpu;               // LLVM CPU to generate code for, e.g. "x86-64-v3"
  uint32_t opt_level;            // 1-3, as LLVM's -O1..-O3
  bool guard;                    // memory 0 has guard pages: no bounds checks
} wasmnn_llvm_request;

// bytes and error are malloc'ed; the caller frees them.
typedef struct wasmnn_llvm_result {
  uint8_t* object;  // an ELF relocatable object (see native/abi.h), or null on error
  size_t size;
  char* error;  // why compiling failed, or null
} wasmnn_llvm_result;

// Compiles every defined function of the module, plus one entry trampoline per
// function type, into one object. Returns 0 on success.
int wasmnn_llvm_compile(const wasmnn_llvm_request* request, wasmnn_llvm_result* result);
typedef int (*wasmnn_llvm_compile_fn)(const wasmnn_llvm_request*, wasmnn_llvm_result*);

// The codegen id the plugin was built with (must equal the runtime's).
const char* wasmnn_llvm_codegen_id(void);
typedef const char* (*wasmnn_llvm_codegen_id_fn)(void);

}  // extern "C"
