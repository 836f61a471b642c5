// The worker's memory limit (--nn-max-memory): RLIMIT_DATA caps every
// private writable mapping (heap, mmap'ed tensors, thread stacks), and the
// worker's malloc family — this executable defines it, so the frameworks'
// allocations come through here — records the first allocation the limit
// refused in the status page the host reads, so the host can say "memory
// limit" even when a framework crashes on the failed allocation instead of
// reporting it. Sanitizer builds keep their own allocator and no limit.
#pragma once

#include <cstdint>
#include <string>

#include "wasmnn/wasi_nn/isolation/protocol.h"

namespace wasmnn::nn::worker {

// Sets the limit (0: none) and starts recording into `page`; "" or why not.
std::string limitMemory(uint64_t maxBytes, isolation::StatusPage* page);

}  // namespace wasmnn::nn::worker
