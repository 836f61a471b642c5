// Address-space reservations for linear memories and execution stacks.
// Both reserve virtual memory up front and let the kernel commit pages on
// first touch, so creating a store or a memory costs no page faults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wasmnn/common/error.h"

namespace wasmnn {

inline constexpr uint64_t kPageSize = 65536;

// A wasm linear memory. The whole maximum is reserved PROT_NONE at creation
// and pages are made accessible as the memory grows, so data() never moves.
// With `guard`, the reservation covers every address a wasm32 access can
// form (see guard.h) so the interpreter may skip bounds checks; if that
// cannot be had, the memory silently falls back to the exact reservation.
class LinearMemory {
 public:
  // maxPages: the effective maximum (declared max clamped by the engine's cap).
  static Result<LinearMemory> create(uint32_t minPages, uint32_t maxPages, bool guard = false);
  LinearMemory() = default;
  LinearMemory(LinearMemory&& other) noexcept;
  LinearMemory& operator=(LinearMemory&& other) noexcept;
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;
  ~LinearMemory();

  uint8_t* data() const { return base_; }
  uint64_t size() const { return size_; }
  // Where size() lives, for compiled code that must see every growth.
  const uint64_t* sizeAddress() const { return &size_; }
  uint32_t pages() const { return uint32_t(size_ / kPageSize); }
  uint32_t maxPages() const { return max_; }
  // True when accesses up to 8 GiB past data() fault instead of needing a check.
  bool guarded() const { return guarded_; }
  // The previous size in pages, or nullopt if the maximum would be exceeded
  // or the kernel refuses to commit the pages.
  std::optional<uint32_t> grow(uint32_t deltaPages);

 private:
  uint8_t* base_ = nullptr;
  size_t reserved_ = 0;
  uint64_t size_ = 0;
  uint32_t max_ = 0;
  bool guarded_ = false;
  void release();
};

// A read-write anonymous region reserved with MAP_NORESERVE: untouched pages
// cost nothing, so large stacks can be reserved without start-up cost.
class ReservedRegion {
 public:
  ReservedRegion() = default;
  ReservedRegion(const ReservedRegion&) = delete;
  ReservedRegion& operator=(const ReservedRegion&) = delete;
  ~ReservedRegion();
  // Maps `bytes` on the first call; later calls are no-ops. False on failure.
  bool reserve(size_t bytes);
  void* data() const { return base_; }
  size_t size() const { return size_; }

 private:
  void* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wasmnn
