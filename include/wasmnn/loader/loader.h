// Binary decoder: turns the bytes of a WebAssembly 2.0 module into a Module
// (ast/module.h). It checks only the binary format (ErrorKind::Malformed, with
// the spec's wording and the byte offset, e.g. "unexpected end (at offset 0x1f)");
// type rules are the validator's job (validator/validator.h).
#pragma once

#include <cstdint>
#include <span>

#include "wasmnn/ast/module.h"
#include "wasmnn/common/error.h"
#include "wasmnn/common/internal_api.h"

namespace wasmnn {

// Decodes `bytes` in one pass. The result does not reference `bytes`.
WASMNN_INTERNAL_API Result<Module> loadModule(std::span<const uint8_t> bytes);

}  // namespace wasmnn
