// Helpers for spelling WebAssembly binaries in loader and validator tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "wasmnn/common/error.h"

namespace wasmnn::test {

using Bytes = std::vector<uint8_t>;

inline void appendU32(Bytes& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? uint8_t(b | 0x80) : b);
  } while (v);
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A vector: the element count, then the already encoded elements.
inline Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out;
  appendU32(out, uint32_t(items.size()));
  for (const Bytes& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}

// A length-prefixed name.
inline Bytes name(const std::string& s) {
  Bytes out;
  appendU32(out, uint32_t(s.size()));
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// A function body: its size, then the locals and instructions.
inline Bytes body(const Bytes& localsAndCode) {
  Bytes out;
  appendU32(out, uint32_t(localsAndCode.size()));
  out.insert(out.end(), localsAndCode.begin(), localsAndCode.end());
  return out;
}

// A module under construction: the header, then sections in call order.
struct ModuleBytes {
  Bytes bytes = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

  ModuleBytes& section(uint8_t id, const Bytes& content) {
    bytes.push_back(id);
    appendU32(bytes, uint32_t(content.size()));
    bytes.insert(bytes.end(), content.begin(), content.end());
    return *this;
  }
  ModuleBytes& raw(const Bytes& more) {
    bytes.insert(bytes.end(), more.begin(), more.end());
    return *this;
  }
};

// Section ids.
enum : uint8_t {
  kCustom,
  kType,
  kImport,
  kFunction,
  kTable,
  kMemory,
  kGlobal,
  kExport,
  kStart,
  kElem,
  kCode,
  kData,
  kDataCount
};

// A module with one type [params] -> [results] and one function of that type
// whose body is `code` (no locals); `code` must end with 0x0B.
inline Bytes oneFunction(const Bytes& params, const Bytes& results, const Bytes& code,
                         const Bytes& memorySection = {}) {
  ModuleBytes m;
  m.section(kType, concat({{0x01, 0x60}, {uint8_t(params.size())}, params, {uint8_t(results.size())}, results}));
  m.section(kFunction, {0x01, 0x00});
  if (!memorySection.empty()) m.section(kMemory, memorySection);
  m.section(kCode, concat({{0x01}, body(concat({{0x00}, code}))}));
  return m.bytes;
}

inline bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace wasmnn::test
