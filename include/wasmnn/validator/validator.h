// Validation of a decoded module by the rules of the WebAssembly 2.0 spec
// (the appendix's validation algorithm for function bodies). A module must be
// validated before it is instantiated; the executor relies on its guarantees
// (indices in range, balanced blocks, stack types consistent).
#pragma once

#include "wasmnn/ast/module.h"
#include "wasmnn/common/error.h"
#include "wasmnn/common/internal_api.h"

namespace wasmnn {

// Ok, or ErrorKind::Invalid with the spec's wording, e.g.
// "type mismatch (at offset 0x2a, func 3)".
WASMNN_INTERNAL_API Result<void> validateModule(const Module& module);

}  // namespace wasmnn
