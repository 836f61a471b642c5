// One guest's WASI state; the definition behind the public wasmnn_wasi handle.
#pragma once

#include <string>
#include <vector>

#include "wasmnn/common/guest_memory.h"
#include "wasmnn/wasi.h"
#include "wasmnn/wasi/fd_table.h"

struct wasmnn_wasi {
  std::vector<std::string> args;
  std::vector<std::string> env;  // "KEY=VALUE"
  wasmnn::wasi::FdTable fds;
};

namespace wasmnn::wasi {

using Context = wasmnn_wasi;

// What every WASI call gets: its context and the caller's memory.
struct Call {
  using Env = Context;
  Context& ctx;
  GuestMemory mem;
};

}  // namespace wasmnn::wasi
