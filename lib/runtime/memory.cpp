// Linear memory and stack reservations on top of mmap/mprotect.
#include "wasmnn/runtime/memory.h"

#include "wasmnn/runtime/guard.h"

#include <sys/mman.h>

#include <algorithm>
#include <string>
#include <utility>

namespace wasmnn {

namespace {

void* reserveNone(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

Result<LinearMemory> LinearMemory::create(uint32_t minPages, uint32_t maxPages, bool guard) {
  if (minPages > maxPages) return Error{ErrorKind::Host, "memory minimum exceeds the allowed maximum"};
  LinearMemory m;
  if (guard && guardPagesSupported()) {
    // Fails under a tight RLIMIT_AS or a full registry: use explicit checks then.
    m.base_ = static_cast<uint8_t*>(reserveNone(kGuardReservation));
    if (m.base_ && !registerGuardRegion(m.base_)) {
      munmap(m.base_, kGuardReservation);
      m.base_ = nullptr;
    }
    m.guarded_ = m.base_ != nullptr;
  }
  // At least one page of address space so data() is never null.
  size_t reserve = m.guarded_ ? kGuardReservation : size_t(std::max<uint32_t>(maxPages, 1)) * kPageSize;
  if (!m.base_) m.base_ = static_cast<uint8_t*>(reserveNone(reserve));
  if (!m.base_) return Error{ErrorKind::Host, "cannot reserve " + std::to_string(reserve) + " bytes for a memory"};
  m.reserved_ = reserve;
  m.max_ = maxPages;
  if (minPages != 0 && !m.grow(minPages))
    return Error{ErrorKind::Host, "cannot commit " + std::to_string(minPages) + " memory pages"};
  return m;
}

LinearMemory::LinearMemory(LinearMemory&& other) noexcept { *this = std::move(other); }

LinearMemory& LinearMemory::operator=(LinearMemory&& other) noexcept {
  if (this != &other) {
    release();
    base_ = std::exchange(other.base_, nullptr);
    reserved_ = std::exchange(other.reserved_, 0);
    size_ = std::exchange(other.size_, 0);
    max_ = std::exchange(other.max_, 0);
    guarded_ = std::exchange(other.guarded_, false);
  }
  return *this;
}

LinearMemory::~LinearMemory() { release(); }

void LinearMemory::release() {
  if (!base_) return;
  // Unregister first: once unmapped, the range may be handed to someone else.
  if (guarded_) unregisterGuardRegion(base_);
  munmap(base_, reserved_);
  base_ = nullptr;
}

std::optional<uint32_t> LinearMemory::grow(uint32_t deltaPages) {
  uint32_t old = pages();
  if (uint64_t(old) + deltaPages > max_) return std::nullopt;
  if (deltaPages == 0) return old;
  uint64_t bytes = uint64_t(deltaPages) * kPageSize;
  if (mprotect(base_ + size_, bytes, PROT_READ | PROT_WRITE) != 0) return std::nullopt;
  size_ += bytes;
  return old;
}

ReservedRegion::~ReservedRegion() {
  if (base_) munmap(base_, size_);
}

bool ReservedRegion::reserve(size_t bytes) {
  if (base_) return true;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  base_ = p;
  size_ = bytes;
  return true;
}

}  // namespace wasmnn
