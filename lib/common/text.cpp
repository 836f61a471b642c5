// escapeText (text.h) and its C form, wasmnn_escape_text (wasmnn.h).
#include "wasmnn/common/text.h"

#include <algorithm>
#include <cstring>

#include "wasmnn/wasmnn.h"

namespace wasmnn {

namespace {

// The length of the valid UTF-8 sequence at text[i], or 0 if there is none.
size_t utf8Length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return uint8_t(text[k]); };
  uint8_t lead = byte(i);
  size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  uint32_t cp = n == 1 ? lead : lead & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (byte(i + k) & 0x3f);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong, surrogate
  return n;
}

// Code points a terminal acts on, or that reorder what the reader sees.
bool isControl(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

uint32_t codePoint(std::string_view seq) {
  if (seq.size() == 1) return uint8_t(seq[0]);
  uint32_t cp = uint8_t(seq[0]) & (0x7f >> seq.size());
  for (size_t k = 1; k < seq.size(); ++k) cp = cp << 6 | (uint8_t(seq[k]) & 0x3f);
  return cp;
}

void appendHex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    uint8_t b = uint8_t(c);
    out += "\\x";
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
}

}  // namespace

std::string escapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8Length(text, i);
    std::string_view seq = text.substr(i, std::max<size_t>(n, 1));
    if (n == 0 || isControl(codePoint(seq)))
      appendHex(out, seq);
    else if (seq == "\\")
      out += "\\\\";
    else
      out += seq;
    i += seq.size();
  }
  return out;
}

}  // namespace wasmnn

extern "C" size_t wasmnn_escape_text(const char* text, size_t len, char* out, size_t out_size) {
  std::string escaped = wasmnn::escapeText(text ? std::string_view(text, len) : std::string_view());
  if (out && out_size) {
    size_t n = std::min(escaped.size(), out_size - 1);
    std::memcpy(out, escaped.data(), n);
    out[n] = '\0';
  }
  return escaped.size();
}
