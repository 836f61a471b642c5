// Host errno -> WASI errno.
#pragma once

#include "wasmnn/wasi/abi.h"

namespace wasmnn::wasi {

Errno errno_from_host(int host_errno);
// errno_from_host(errno), for the common "a syscall just failed" case.
Errno last_errno();

}  // namespace wasmnn::wasi
