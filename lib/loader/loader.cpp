// loadModule: the loader's entry point (see loader/loader.h).
#include "wasmnn/loader/loader.h"

#include "wasmnn/loader/decoder.h"

namespace wasmnn {

Result<Module> loadModule(std::span<const uint8_t> bytes) {
  // Offsets are stored as uint32_t; a module this large cannot be valid anyway.
  if (bytes.size() > 0xFFFFFFFFu) return Error{ErrorKind::Malformed, "module too large (over 4 GiB)"};
  return ModuleDecoder(bytes).decode();
}

}  // namespace wasmnn
