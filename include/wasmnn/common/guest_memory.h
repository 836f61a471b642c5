// A bounds-checked view of the calling instance's linear memory, for every
// host module (WASI, WASI-NN). Every guest pointer goes through here: an
// out-of-range access is reported (nullptr, false or nullopt), never made.
// Ranges are checked with 64-bit arithmetic, so a 32-bit pointer plus a
// 32-bit length cannot wrap. Records are copied in and out with memcpy:
// guest pointers need not be aligned.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

namespace wasmnn {

static_assert(std::endian::native == std::endian::little, "guest memory is little-endian; add byte swaps");

class GuestMemory {
 public:
  // No memory: the calling instance has none (every access fails).
  GuestMemory() = default;
  GuestMemory(uint8_t* data, size_t size) : data_(data), size_(size), present_(true) {}

  bool present() const { return present_; }
  size_t size() const { return size_; }
  bool contains(uint64_t ptr, uint64_t len) const { return present_ && ptr <= size_ && len <= size_ - ptr; }

  // The bytes [ptr, ptr+len), or nullptr when any of them is out of range.
  uint8_t* at(uint64_t ptr, uint64_t len) const { return contains(ptr, len) ? data_ + ptr : nullptr; }

  // `count` byte-sized elements at ptr (wider types may be unaligned: read<T> them).
  template <typename T> std::optional<std::span<T>> span(uint64_t ptr, uint64_t count) const {
    static_assert(sizeof(T) == 1 && alignof(T) == 1, "guest memory is unaligned: use read<T> for wider types");
    if (!contains(ptr, count)) return std::nullopt;
    return std::span<T>(reinterpret_cast<T*>(data_ + ptr), count);
  }

  // A record (a wire struct with u8/u16/u32/u64 fields, or a scalar) at ptr.
  template <typename T> std::optional<T> read(uint64_t ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    const uint8_t* p = at(ptr, sizeof(T));
    if (!p) return std::nullopt;
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
  }

  template <typename T> bool store(uint64_t ptr, const T& value) const {
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
  bool present_ = false;
};

}  // namespace wasmnn
