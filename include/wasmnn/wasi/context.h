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

// What every WASI call gets: its context, the caller's memory, and the
// caller's store, whose interruption ends a blocking wait (null: none).
struct Call {
  using Env = Context;
  Context& ctx;
  GuestMemory mem;
  wasmnn_store* store = nullptr;
};

}  // namespace wasmnn::wasi
