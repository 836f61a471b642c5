// The wire protocol between the host and its isolation processes (see
// isolation.h): fixed-layout messages on SOCK_SEQPACKET unix sockets, one
// message per request or reply, descriptors passed with SCM_RIGHTS, tensor
// bytes in shared memory (memfd). Host, zygote and worker are built from the
// same tree, so the layout is not versioned. The host trusts nothing a worker
// sends: every reply is checked before use (isolation/worker.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/common/unique_fd.h"
#include "wasmnn/nn_backend.h"

namespace wasmnn::nn::isolation {

using wasmnn::UniqueFd;

inline constexpr uint32_t kMaxBuilders = 64;  // Limits::maxBuilders
inline constexpr size_t kMaxFds = kMaxBuilders + 1;
inline constexpr size_t kNameCap = 64;
inline constexpr size_t kTextCap = 1024;

// Sandbox policy bits: the backend table's sandbox_flags (nn_backend.h).
inline constexpr uint32_t kPolicyNetwork = WASMNN_NN_SANDBOX_NETWORK;

// ---------------------------------------------------------------- zygote

// The zygote's first message: the backend table as its dlopen found it.
struct ZygoteHello {
  char error[2 * kTextCap];  // empty on success; otherwise why the file is no usable backend
  char name[kNameCap];
  char version[kNameCap];
  char path[kTextCap];  // the library actually loaded (a bare file name resolves through ld.so)
  uint32_t encodingCount;
  int32_t encodings[kMaxBuilders];
  uint32_t optional;  // kHas* bits: which optional functions the table has
  uint32_t sandboxFlags;
};
inline constexpr uint32_t kHasComputeSingle = 1, kHasGetOutputSingle = 2, kHasFiniSingle = 4;

enum class ZygoteOp : uint32_t { Spawn = 1, Reap = 2 };

// Spawn comes with four descriptors: the worker's end of its channel, the
// status page (a memfd of sizeof(StatusPage)), the write end of the pipe
// that becomes the worker's stderr, and that of the pipe that becomes its
// stdout. The host forwards the stderr pipe to its own stderr, line by line,
// with control bytes escaped, when a reply says some is pending (so a call
// costs no extra system call when there is none); its write end does not
// block: output beyond the pipe's 1 MiB between two replies is dropped, never
// a reason to hang. The stdout pipe carries what a backend prints for the
// guest (llama.cpp's stream-stdout): the host copies it, as it is, to its own
// stdout while it waits for a reply, so its write end blocks until the host
// has made room, as a write to the host's stdout would in-process.
struct ZygoteRequest {
  ZygoteOp op;
  int32_t pid;         // Reap
  int32_t logLevel;    // Spawn: the host's wasmnn_nn_log level
  uint32_t policy;     // Spawn: kPolicy* bits
  uint64_t maxMemory;  // Spawn: the worker's data limit in bytes (0: none)
};

struct ZygoteReply {
  int32_t pid;     // Spawn: the new worker, or -errno
  int32_t status;  // Reap: the waitpid status
};

// Shared between the host and one worker. The worker's allocator records the
// first allocation its memory limit refused, so the host can name the limit
// even when the framework then crashes instead of returning an error.
struct StatusPage {
  uint64_t refusedAllocation;  // bytes; 0 = none (written once by the worker, read by the host)
};

// ---------------------------------------------------------------- worker

// What the worker's sandbox achieved (sent in Hello, printed by `wasmnn backends`).
inline constexpr uint32_t kSandboxSeccomp = 1, kSandboxLandlock = 2, kSandboxUserNs = 4, kSandboxNetNs = 8,
                          kSandboxIpcNs = 16, kSandboxMemoryLimit = 32;

struct SandboxReport {
  uint32_t applied;         // kSandbox* bits
  int32_t landlockAbi;      // <= 0: unavailable
  char readable[kTextCap];  // what the worker may still read ("; "-separated)
  char missing[kTextCap];   // each unavailable feature and why ("; "-separated); empty when complete
};

// The worker's first message, after it confined itself and ran init().
struct Hello {
  int32_t err;  // init()'s errno
  uint32_t targetMask;
  char frameworkName[kNameCap];
  char frameworkVersion[kNameCap];
  char why[512];  // init()'s reason on failure
  SandboxReport sandbox;
};

// Requests and replies all travel on the worker's one channel; a reply
// carries its request's tag. The host has at most one request in flight per
// context (tag: the context's id) and one control request (tag 0) per worker.
enum class Op : uint32_t {
  Load = 1,
  DestroyGraph,
  InitContext,  // comes with the context's arena
  SetInput,
  Compute,
  GetOutput,
  ComputeSingle,
  GetOutputSingle,
  FiniSingle,
  DestroyContext,
};

// A model part inside one of the descriptors sent with Load.
struct BuilderRef {
  uint32_t fd;  // index into the message's descriptors
  uint32_t pad;
  uint64_t offset;
  uint64_t size;
};

struct Request {
  Op op;
  uint32_t index;      // SetInput / GetOutput*: the tensor index
  uint64_t tag;        // echoed in the reply
  uint64_t handle;     // the worker's graph (DestroyGraph, InitContext) or context id
  uint64_t size;       // SetInput: tensor bytes in the arena; GetOutput*: usable capacity of the arena
  uint64_t arenaSize;  // InitContext, or any call with newArena: the size of the arena memfd sent along
  uint32_t newArena;   // 1: a new arena memfd comes with this message
  uint32_t tensorType;
  uint32_t rank;
  uint32_t dims[WASMNN_NN_MAX_RANK];
  // Load only: descriptor 0 holds the guest's bytes and the config, further
  // descriptors are preloaded model files.
  uint32_t encoding;
  uint32_t target;
  uint32_t builderCount;
  uint64_t configOffset;
  uint64_t configSize;
  BuilderRef builders[kMaxBuilders];
};

// Bytes of a request actually sent: Load carries its builders, others stop before `encoding`.
WASMNN_INTERNAL_API size_t requestSize(const Request& r);

struct Reply {
  int32_t err;
  uint32_t flags;   // kOutputPending
  uint64_t tag;     // the request's
  uint64_t handle;  // Load / InitContext: the new object's id
  uint64_t size;    // GetOutput*: the output's size in bytes (the needed size with too_large)
};

// Reply.flags: the worker's stdout/stderr pipe holds output to forward.
inline constexpr uint32_t kOutputPending = 1;

// ---------------------------------------------------------------- transport

// Milliseconds left until `deadline`, rounded up (a wait never ends early);
// -1 for time_point::max() (no deadline).
WASMNN_INTERNAL_API int millisecondsUntil(std::chrono::steady_clock::time_point deadline);

// One end of a SOCK_SEQPACKET socketpair.
class WASMNN_INTERNAL_API Channel {
 public:
  Channel() = default;
  explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}
  // A connected pair; both ends close on exec.
  static std::optional<std::pair<Channel, Channel>> pair();

  // False when the peer is gone (or the message could not be sent).
  bool send(const void* data, size_t size, std::span<const int> fds = {}) const;
  template <typename T> bool send(const T& message, std::span<const int> fds = {}) const {
    return send(&message, sizeof message, fds);
  }
  // One message into buf (blocking): its size, 0 when the peer closed, -1 on
  // error. Descriptors that came with it are appended to *fds (closed when
  // fds is null).
  long receive(void* buf, size_t cap, std::vector<UniqueFd>* fds = nullptr) const;

  int fd() const { return fd_.get(); }
  UniqueFd release() { return std::move(fd_); }

 private:
  UniqueFd fd_;
};

// A MAP_SHARED mapping of a memfd: tensors and model bytes between the host and a worker.
class WASMNN_INTERNAL_API SharedMemory {
 public:
  SharedMemory() = default;
  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory();

  // A new memfd of `size` bytes, mapped read-write; *fd receives the descriptor to send.
  static std::optional<SharedMemory> create(const char* name, size_t size, UniqueFd* fd);
  // Maps a received descriptor (size 0 maps nothing).
  static std::optional<SharedMemory> map(int fd, size_t size, bool writable);

  uint8_t* data() const { return static_cast<uint8_t*>(data_); }
  size_t size() const { return size_; }

 private:
  SharedMemory(void* data, size_t size) : data_(data), size_(size) {}
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wasmnn::nn::isolation
