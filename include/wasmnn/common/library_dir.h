// Where libwasmnn.so itself lives: the libraries it loads on demand (WASI-NN
// backends, the compiled tier's libwasmnn_llvm.so) are installed next to it.
#pragma once

#include <string>

namespace wasmnn {

// The directory of libwasmnn.so (symlinks resolved), or "" if unknown.
std::string libraryDir();

}  // namespace wasmnn
