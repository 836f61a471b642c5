// Linear memory and stack reservations on top of mmap/mprotect.
#include "wasmnn/runtime/memory.h"

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

Result<LinearMemory> LinearMemory::create(uint32_t minPages, uint32_t maxPages) {
  if (minPages > maxPages) return Error{ErrorKind::Host, "memory minimum exceeds the allowed maximum"};
  // At least one page of address space so data() is never null.
  size_t reserve = size_t(std::max<uint32_t>(maxPages, 1)) * kPageSize;
  LinearMemory m;
  m.base_ = static_cast<uint8_t*>(reserveNone(reserve));
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
    if (base_) munmap(base_, reserved_);
    base_ = std::exchange(other.base_, nullptr);
    reserved_ = std::exchange(other.reserved_, 0);
    size_ = std::exchange(other.size_, 0);
    max_ = std::exchange(other.max_, 0);
  }
  return *this;
}

LinearMemory::~LinearMemory() {
  if (base_) munmap(base_, reserved_);
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
