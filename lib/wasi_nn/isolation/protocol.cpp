// Transport of the isolation protocol: SEQPACKET messages with descriptors,
// and memfd-backed shared memory.
#include "wasmnn/wasi_nn/isolation/protocol.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace wasmnn::nn::isolation {

size_t requestSize(const Request& r) {
  if (r.op != Op::Load) return offsetof(Request, encoding);
  return offsetof(Request, builders) + sizeof(BuilderRef) * std::min(r.builderCount, kMaxBuilders);
}

std::optional<std::pair<Channel, Channel>> Channel::pair() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return std::nullopt;
  return std::pair{Channel(UniqueFd(fds[0])), Channel(UniqueFd(fds[1]))};
}

bool Channel::send(const void* data, size_t size, std::span<const int> fds) const {
  iovec iov{const_cast<void*>(data), size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (!fds.empty()) {
    if (fds.size() > kMaxFds) return false;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);  // a dead peer is EPIPE, never SIGPIPE
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(size);
}

int millisecondsUntil(std::chrono::steady_clock::time_point deadline) {
  if (deadline == std::chrono::steady_clock::time_point::max()) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, INT32_MAX));
}

long Channel::receive(void* buf, size_t cap, std::vector<UniqueFd>* fds) const {
  iovec iov{buf, cap};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      UniqueFd owned(fd);
      if (fds) fds->push_back(std::move(owned));
    }
  }
  if (n >= 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    errno = EMSGSIZE;
    return -1;
  }
  return n;
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    if (data_) munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedMemory::~SharedMemory() {
  if (data_) munmap(data_, size_);
}

std::optional<SharedMemory> SharedMemory::create(const char* name, size_t size, UniqueFd* fd) {
  UniqueFd memfd(memfd_create(name, MFD_CLOEXEC));
  if (!memfd.valid() || ftruncate(memfd.get(), static_cast<off_t>(size)) != 0) return std::nullopt;
  auto mapped = map(memfd.get(), size, true);
  if (mapped) *fd = std::move(memfd);
  return mapped;
}

std::optional<SharedMemory> SharedMemory::map(int fd, size_t size, bool writable) {
  if (size == 0) return SharedMemory();
  void* p =
      mmap(nullptr, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, writable ? MAP_SHARED : MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return std::nullopt;
  return SharedMemory(p, size);
}

}  // namespace wasmnn::nn::isolation
