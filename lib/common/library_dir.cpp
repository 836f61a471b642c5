#include "wasmnn/common/library_dir.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>

namespace wasmnn {

std::string libraryDir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&libraryDir), &info) || !info.dli_fname) return {};
  std::string path = info.dli_fname;
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved)) path = resolved;
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace wasmnn
