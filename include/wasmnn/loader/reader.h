// Bounds-checked cursor over the bytes of a module, used by the loader.
// Every read either succeeds or records one Malformed error (the first error
// wins) and returns false, so callers simply propagate `false`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "wasmnn/common/error.h"
#include "wasmnn/common/leb128.h"

namespace wasmnn {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes)
      : begin_(bytes.data()), pos_(bytes.data()), limit_(bytes.data() + bytes.size()) {}

  size_t offset() const { return size_t(pos_ - begin_); }
  size_t remaining() const { return size_t(limit_ - pos_); }
  bool atLimit() const { return pos_ == limit_; }
  const uint8_t* pos() const { return pos_; }
  const uint8_t* limit() const { return limit_; }

  // Restricts reads to the next `size` bytes (a subsection); returns the
  // previous limit for restoreLimit. Caller ensures size <= remaining().
  const uint8_t* pushLimit(size_t size) {
    const uint8_t* old = limit_;
    limit_ = pos_ + size;
    return old;
  }
  void restoreLimit(const uint8_t* old) { limit_ = old; }

  bool peekU8(uint8_t& out) const {
    if (pos_ == limit_) return false;
    out = *pos_;
    return true;
  }
  bool u8(uint8_t& out) {
    if (pos_ == limit_) return failEnd();
    out = *pos_++;
    return true;
  }
  bool u32(uint32_t& out) {
    uint64_t v = 0;
    if (!leb(readUnsignedLeb<32>(pos_, limit_, v))) return false;
    out = uint32_t(v);
    return true;
  }
  bool s32(int32_t& out) {
    int64_t v = 0;
    if (!leb(readSignedLeb<32>(pos_, limit_, v))) return false;
    out = int32_t(v);
    return true;
  }
  bool s33(int64_t& out) { return leb(readSignedLeb<33>(pos_, limit_, out)); }
  bool s64(int64_t& out) { return leb(readSignedLeb<64>(pos_, limit_, out)); }
  bool fixed32(uint32_t& out);  // little-endian, e.g. f32 bits
  bool fixed64(uint64_t& out);
  // A u32 encoded as the single byte 0x00 (reserved memory indices).
  bool zeroByte();
  // `n` raw bytes; "unexpected end" if fewer remain.
  bool bytes(size_t n, std::span<const uint8_t>& out);
  // A length-prefixed UTF-8 name ("length out of bounds", "malformed UTF-8 encoding").
  bool name(std::string& out);
  // A vector length: at most the remaining bytes, since every element takes >= 1 byte.
  bool count(uint32_t& out);

  // Records an error at `offset` (first error wins) and returns false.
  bool fail(std::string_view message, size_t offset);
  bool failEnd();
  bool failed() const { return failed_; }
  Error takeError() { return std::move(error_); }

 private:
  // The success test is inline; only failures pay for a call.
  bool leb(LebStatus status) { return status == LebStatus::Ok || lebError(status); }
  bool lebError(LebStatus status);

  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* limit_;  // reads stop here: the end of the bytes, or a pushed limit
  Error error_{ErrorKind::Malformed, {}};
  bool failed_ = false;
};

// "message (at offset 0x1f)": the form of every loader and validator message.
std::string messageAt(std::string_view message, size_t offset);

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool isValidUtf8(std::span<const uint8_t> text);

}  // namespace wasmnn
