// Reader's out-of-line parts: error recording, fixed-width and string reads, UTF-8.
#include "wasmnn/loader/reader.h"

#include <cstdio>
#include <cstring>

namespace wasmnn {

std::string messageAt(std::string_view message, size_t offset) {
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, " (at offset 0x%zx)", offset);
  std::string out;
  out.reserve(message.size() + std::strlen(suffix));
  out += message;
  out += suffix;
  return out;
}

bool Reader::fail(std::string_view message, size_t offset) {
  if (!failed_) {
    failed_ = true;
    error_ = Error{ErrorKind::Malformed, messageAt(message, offset)};
  }
  return false;
}

bool Reader::failEnd() {
  // The spec interpreter says "unexpected end of section or function" when a read
  // crosses the end of a section or body; the testsuite accepts that for plain
  // "unexpected end" too.
  return fail("unexpected end of section or function", offset());
}

bool Reader::lebError(LebStatus status) {
  switch (status) {
    case LebStatus::Ok: return true;
    case LebStatus::End: return failEnd();
    case LebStatus::TooLong: return fail("integer representation too long", offset() - 1);
    case LebStatus::TooLarge: return fail("integer too large", offset() - 1);
  }
  return false;
}

bool Reader::fixed32(uint32_t& out) {
  if (remaining() < 4) return failEnd();
  out = uint32_t(pos_[0]) | uint32_t(pos_[1]) << 8 | uint32_t(pos_[2]) << 16 | uint32_t(pos_[3]) << 24;
  pos_ += 4;
  return true;
}

bool Reader::fixed64(uint64_t& out) {
  uint32_t lo = 0, hi = 0;
  if (remaining() < 8) return failEnd();
  fixed32(lo);
  fixed32(hi);
  out = uint64_t(hi) << 32 | lo;
  return true;
}

bool Reader::zeroByte() {
  const size_t at = offset();
  uint8_t b = 0;
  if (!u8(b)) return false;
  // A multi-byte LEB128 zero such as 0x80 0x00 is also rejected: the spec wants one 0x00 byte.
  return b == 0 || fail("zero byte expected", at);
}

bool Reader::bytes(size_t n, std::span<const uint8_t>& out) {
  if (n > remaining()) {
    pos_ = limit_;
    return failEnd();
  }
  out = {pos_, n};
  pos_ += n;
  return true;
}

bool Reader::count(uint32_t& out) {
  if (!u32(out)) return false;
  return out <= remaining() || failEnd();
}

bool Reader::name(std::string& out) {
  const size_t at = offset();
  uint32_t length = 0;
  if (!u32(length)) return false;
  if (length > remaining()) return fail("length out of bounds", at);
  std::span<const uint8_t> text{pos_, length};
  if (!isValidUtf8(text)) return fail("malformed UTF-8 encoding", at);
  out.assign(reinterpret_cast<const char*>(pos_), length);
  pos_ += length;
  return true;
}

bool isValidUtf8(std::span<const uint8_t> text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const uint8_t b = text[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp = 0;
    if ((b & 0xE0) == 0xC0) {
      len = 2, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, cp = b & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((text[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (text[i + k] & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace wasmnn
