// AOT artifacts: a module's bytes and its native code with what they were
// compiled for. Layout: the magic, a text header of key=value lines ended by
// an empty line, then the wasm bytes and the object bytes. The header names
// the format, the codegen id (the exact wasmnn build, cmake/CodegenId.cmake),
// the x86-64 level, the optimisation level, the bounds checks, the module's
// hash (XXH3-128) and a checksum (XXH3-64) over the payload.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <charconv>
#include <cstring>
#include <map>
#include <string_view>

#include "artifact.h"
#include "wasmnn/codegen_id.h"

namespace wasmnn::native {

namespace {

constexpr std::string_view kMagic{"\0wasmnn-aot\n", 12};
constexpr uint32_t kFormat = 1;
constexpr size_t kMaxHeader = 4096;

std::string hex(uint64_t v, int digits = 16) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(size_t(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[size_t(i)] = kDigits[v & 15];
  return s;
}

uint64_t checksum(std::span<const uint8_t> wasm, std::span<const uint8_t> object) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, wasm.data(), wasm.size());
  XXH3_64bits_update(&state, object.data(), object.size());
  return XXH3_64bits_digest(&state);
}

Error refused(const std::string& why) { return Error{ErrorKind::Host, "cannot load the AOT artifact: " + why}; }

template <typename T> bool parseNumber(std::string_view text, T& out, int base = 10) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

const char* codegenId() { return WASMNN_CODEGEN_ID; }

std::string moduleHash(std::span<const uint8_t> wasm) {
  XXH128_hash_t h = XXH3_128bits(wasm.data(), wasm.size());
  return hex(h.high64) + hex(h.low64);
}

std::string settingsKey(const CodegenOptions& options) {
  std::string settings = std::string(codegenId()) + "/" + options.cpu + "/" + std::to_string(options.optLevel) + "/" +
                         (options.guard ? "guard" : "explicit");
  return hex(XXH3_64bits(settings.data(), settings.size()));
}

bool isArtifact(std::span<const uint8_t> bytes) {
  return bytes.size() >= kMagic.size() && std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) == 0;
}

std::vector<uint8_t> buildArtifact(std::span<const uint8_t> wasm, std::span<const uint8_t> object,
                                   const CodegenOptions& options) {
  std::string header = std::string(kMagic) + "format=" + std::to_string(kFormat) + "\ncodegen=" + codegenId() +
                       "\ncpu=" + options.cpu + "\nopt=" + std::to_string(options.optLevel) +
                       "\nbounds=" + (options.guard ? "guard" : "explicit") + "\nmodule=" + moduleHash(wasm) +
                       "\nwasm=" + std::to_string(wasm.size()) + "\nobject=" + std::to_string(object.size()) +
                       "\nchecksum=" + hex(checksum(wasm, object)) + "\n\n";
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), wasm.begin(), wasm.end());
  out.insert(out.end(), object.begin(), object.end());
  return out;
}

// The module hash in the header names the artifact (the cache's file names);
// the checksum covers the module's bytes, so they are not hashed again here.
Result<Artifact> readArtifact(std::vector<uint8_t> owned) {
  std::span<const uint8_t> bytes(owned);
  if (!isArtifact(bytes)) return refused("not a wasmnn AOT artifact (compile one with `wasmnn compile`)");
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), std::min(bytes.size(), kMaxHeader));
  size_t end = text.find("\n\n", kMagic.size() - 1);
  if (end == std::string_view::npos) return refused("its header is truncated or corrupt");
  std::map<std::string_view, std::string_view> fields;
  for (size_t pos = kMagic.size(); pos < end + 1;) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol - pos);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return refused("its header is corrupt");
    fields[line.substr(0, eq)] = line.substr(eq + 1);
    pos = eol + 1;
  }
  uint32_t format = 0;
  if (!parseNumber(fields["format"], format) || format != kFormat)
    return refused("it was made by an incompatible wasmnn (artifact format `" + std::string(fields["format"]) +
                   "`): compile it again with `wasmnn compile`");
  if (fields["codegen"] != codegenId())
    return refused("it was compiled by another wasmnn build (codegen " + std::string(fields["codegen"]) + ", this is " +
                   codegenId() + "): compile it again with this `wasmnn compile`");
  Artifact view;
  view.options.cpu = std::string(fields["cpu"]);
  if (!cpuSupports(view.options.cpu))
    return refused("it was compiled for " + view.options.cpu + ", which this CPU (" + hostCpuLevel() +
                   ") cannot run: compile it on this machine, or with --target-cpu " + hostCpuLevel());
  std::string_view bounds = fields["bounds"];
  size_t wasmSize = 0, objectSize = 0;
  uint64_t sum = 0;
  if (!parseNumber(fields["opt"], view.options.optLevel) || view.options.optLevel < 1 || view.options.optLevel > 3 ||
      (bounds != "guard" && bounds != "explicit") || !parseNumber(fields["wasm"], wasmSize) ||
      !parseNumber(fields["object"], objectSize) || !parseNumber(fields["checksum"], sum, 16))
    return refused("its header is corrupt");
  view.options.guard = bounds == "guard";
  size_t payload = end + 2;
  if (bytes.size() - payload != uint64_t(wasmSize) + objectSize || wasmSize > bytes.size() || objectSize > bytes.size())
    return refused("it is truncated or has trailing bytes (corrupt)");
  view.wasm = bytes.subspan(payload, wasmSize);
  view.object = bytes.subspan(payload + wasmSize, objectSize);
  if (checksum(view.wasm, view.object) != sum) return refused("its checksum does not match (corrupt)");
  view.bytes = std::move(owned);  // the buffer, and so the spans into it, stay
  return view;
}

}  // namespace wasmnn::native
