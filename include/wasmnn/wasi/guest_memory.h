// A bounds-checked view of the calling instance's linear memory. Every guest
// pointer goes through here: an out-of-range access is reported, never made.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace wasmnn::wasi {

static_assert(std::endian::native == std::endian::little, "guest memory is little-endian; add byte swaps");

class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool contains(uint64_t ptr, uint64_t len) const { return ptr <= size_ && len <= size_ - ptr; }

  // The bytes [ptr, ptr+len), or nullptr when any of them is out of range.
  uint8_t* at(uint64_t ptr, uint64_t len) const { return contains(ptr, len) ? data_ + ptr : nullptr; }

  template <typename T> bool store(uint64_t ptr, T value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    uint8_t* p = at(ptr, sizeof(T));
    if (!p) return false;
    std::memcpy(p, &value, sizeof(T));
    return true;
  }

  // Stores value at base+offset into a region the caller already checked.
  template <typename T> static void put(uint8_t* base, size_t offset, T value) {
    std::memcpy(base + offset, &value, sizeof(T));
  }
  template <typename T> static T get(const uint8_t* base, size_t offset) {
    T v;
    std::memcpy(&v, base + offset, sizeof(T));
    return v;
  }

  bool string(uint64_t ptr, uint64_t len, std::string_view& out) const {
    const uint8_t* p = at(ptr, len);
    if (!p) return false;
    out = std::string_view(reinterpret_cast<const char*>(p), len);
    return true;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wasmnn::wasi
