// LEB128 decoding with the spec's strictness: at most ceil(N/7) bytes for an
// N-bit integer, and the unused bits of the last byte must be zero (unsigned)
// or copies of the sign bit (signed). Inline because the loader calls these
// for nearly every immediate of every instruction.
#pragma once

#include <cstdint>

namespace wasmnn {

enum class LebStatus : uint8_t {
  Ok,
  End,       // ran out of bytes
  TooLong,   // "integer representation too long"
  TooLarge,  // "integer too large"
};

// Reads an unsigned LEB128 of at most Bits bits from [p, end); advances p.
template <unsigned Bits> inline LebStatus readUnsignedLeb(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
  static_assert(Bits > 0 && Bits <= 64);
  uint64_t result = 0;
  out = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (shift >= Bits) return LebStatus::TooLong;
    if (p == end) return LebStatus::End;
    const uint8_t byte = *p++;
    const unsigned left = Bits - shift;  // value bits this byte may still carry
    if (left < 7 && (byte & 0x7F) >= (1u << left)) return LebStatus::TooLarge;
    result |= uint64_t(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      out = result;
      return LebStatus::Ok;
    }
  }
}

// Reads a signed LEB128 of at most Bits bits from [p, end); advances p.
template <unsigned Bits> inline LebStatus readSignedLeb(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  static_assert(Bits > 0 && Bits <= 64);
  uint64_t result = 0;
  out = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (shift >= Bits) return LebStatus::TooLong;
    if (p == end) return LebStatus::End;
    const uint8_t byte = *p++;
    const unsigned left = Bits - shift;
    if (left < 7) {
      // Bits above the value's sign bit must all equal it.
      const uint8_t mask = uint8_t((0xFFu << (left - 1)) & 0x7F);
      if ((byte & mask) != 0 && (byte & mask) != mask) return LebStatus::TooLarge;
    }
    result |= uint64_t(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      const unsigned width = shift + 7;
      if (width < 64 && (byte & 0x40) != 0) result |= ~uint64_t(0) << width;  // sign-extend
      out = int64_t(result);
      return LebStatus::Ok;
    }
  }
}

}  // namespace wasmnn
