#include "wasmnn/wasi_nn/vocabulary.h"

#include <algorithm>
#include <cctype>

#include "wasmnn/wasi_nn/shipped_backends.h"  // generated from backends/backends.list

namespace wasmnn::nn {
namespace {

#define WASMNN_NN_ENCODING(Enum, value, name, backend, guest, aliases)                               \
  static_assert(WASMNN_NN_ENCODING_##Enum == (value), "nn_backend.h disagrees with vocabulary.def"); \
  static_assert(sizeof(name) > 1 && sizeof(backend) > 1);
#define WASMNN_NN_TARGET(Enum, value, name, guest) \
  static_assert(WASMNN_NN_TARGET_##Enum == (value), "nn_backend.h disagrees with vocabulary.def");
#include "wasmnn/wasi_nn/vocabulary.def"

constexpr EncodingInfo kEncodings[] = {
#define WASMNN_NN_ENCODING(Enum, value, name, backend, guest, aliases) \
  {WASMNN_NN_ENCODING_##Enum, name, backend, guest, aliases},
#include "wasmnn/wasi_nn/vocabulary.def"
};

constexpr TargetInfo kTargets[] = {
#define WASMNN_NN_TARGET(Enum, value, name, guest) {WASMNN_NN_TARGET_##Enum, name, guest},
#include "wasmnn/wasi_nn/vocabulary.def"
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool namedBy(const EncodingInfo& e, std::string_view name) {
  if (equalsIgnoreCase(e.name, name)) return true;
  std::string_view aliases = e.aliases;
  while (!aliases.empty()) {
    size_t space = aliases.find(' ');
    if (equalsIgnoreCase(aliases.substr(0, space), name)) return true;
    aliases = space == std::string_view::npos ? std::string_view{} : aliases.substr(space + 1);
  }
  return false;
}

}  // namespace

std::span<const EncodingInfo> encodings() { return kEncodings; }

const EncodingInfo* findEncoding(wasmnn_nn_encoding value) {
  for (const EncodingInfo& e : kEncodings)
    if (e.value == value) return &e;
  return nullptr;
}

const EncodingInfo* guestEncoding(uint32_t value) {
  for (const EncodingInfo& e : kEncodings)
    if (static_cast<uint32_t>(e.value) == value && e.guest) return &e;
  return nullptr;
}

const EncodingInfo* encodingByName(std::string_view name) {
  for (const EncodingInfo& e : kEncodings)
    if (namedBy(e, name)) return &e;
  return nullptr;
}

std::span<const TargetInfo> targets() { return kTargets; }

const char* targetName(wasmnn_nn_target target) {
  for (const TargetInfo& t : kTargets)
    if (t.value == target) return t.name;
  return "?";
}

const TargetInfo* targetByName(std::string_view name) {
  for (const TargetInfo& t : kTargets)
    if (equalsIgnoreCase(t.name, name)) return &t;
  return nullptr;
}

bool guestTarget(uint32_t value) {
  return std::any_of(std::begin(kTargets), std::end(kTargets),
                     [&](const TargetInfo& t) { return static_cast<uint32_t>(t.value) == value && t.guest; });
}

std::span<const char* const> shippedBackends() { return kShippedBackends; }

bool isShipped(std::string_view backend) {
  return std::any_of(std::begin(kShippedBackends), std::end(kShippedBackends),
                     [&](const char* b) { return backend == b; });
}

std::string cmakeOption(std::string_view backend) {
  std::string option = "WASMNN_BACKEND_";
  for (char c : backend) option += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return option;
}

}  // namespace wasmnn::nn
