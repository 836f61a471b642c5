// The wasmnn side of the differential runner (differential.py): for each
// module file given, instantiates it (no imports) and calls every exported
// function three times: with zeros, with ones, then with all bits set (ints
// -1, floats -1.5, v128 lanes 0xff) as arguments (the runner's ROUNDS), then
// reads the exported globals and hashes the exported memories. Prints one
// line per module in the runner's canonical form:
//   {"instantiate": "ok"|"trap"|"exhausted"|"error",
//    "calls": [[name, "ok", [values]] | [name, "trap"|"exhausted"], ...],
//    "globals": [[name, value], ...], "memories": [[name, pages, crc32], ...], "skip": [names]}
// Values: integers as unsigned decimal, floats as their bits in hex, v128 as
// 32 hex digits (lane 0 last), references as "null" or "ref". Functions and
// globals with a v128 in their type are "skipped" and listed in "skip", so
// the runner skips them in the reference too: its Python API cannot pass
// v128 values.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasmnn/wasmnn.h"

namespace {

std::string value(const wasmnn_val& v) {
  char buf[48] = "";
  switch (v.kind) {
    case WASMNN_I32: std::snprintf(buf, sizeof buf, "\"%" PRIu32 "\"", uint32_t(v.of.i32)); break;
    case WASMNN_I64: std::snprintf(buf, sizeof buf, "\"%" PRIu64 "\"", uint64_t(v.of.i64)); break;
    case WASMNN_F32: std::snprintf(buf, sizeof buf, "\"f32:%08" PRIx32 "\"", v.of.f32_bits); break;
    case WASMNN_F64: std::snprintf(buf, sizeof buf, "\"f64:%016" PRIx64 "\"", v.of.f64_bits); break;
    case WASMNN_V128: {
      int n = std::snprintf(buf, sizeof buf, "\"v128:");
      for (int i = 15; i >= 0; --i) n += std::snprintf(buf + n, sizeof buf - size_t(n), "%02x", v.of.v128[i]);
      std::snprintf(buf + n, sizeof buf - size_t(n), "\"");
      break;
    }
    case WASMNN_FUNCREF: return v.of.funcref ? "\"ref\"" : "\"null\"";
    case WASMNN_EXTERNREF: return v.of.externref ? "\"ref\"" : "\"null\"";
  }
  return buf;
}

std::string quoted(const wasmnn_name& n) {
  std::string out = "\"";
  for (size_t i = 0; i < n.size; ++i) {
    unsigned char c = static_cast<unsigned char>(n.data[i]);
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) {  // names are valid UTF-8 (validated): other bytes stay
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

// The arguments of each call round, as differential.py's ROUNDS.
struct Round {
  int64_t integer;
  uint32_t f32_bits;
  uint64_t f64_bits;
  uint8_t byte;
};
constexpr Round kRounds[] = {
    {0, 0, 0, 0x00},
    {1, 0x3f800000u, 0x3ff0000000000000ull, 0x01},   // 1.0
    {-1, 0xbfc00000u, 0xbff8000000000000ull, 0xff},  // -1.5
};

wasmnn_val filled(wasmnn_valkind kind, const Round& round) {
  wasmnn_val v{};
  v.kind = kind;
  switch (kind) {
    case WASMNN_I32: v.of.i32 = int32_t(round.integer); break;
    case WASMNN_I64: v.of.i64 = round.integer; break;
    case WASMNN_F32: v.of.f32_bits = round.f32_bits; break;
    case WASMNN_F64: v.of.f64_bits = round.f64_bits; break;
    case WASMNN_V128:
      for (int i = 0; i < 16; ++i) v.of.v128[i] = round.byte;
      break;
    default: break;  // references stay null
  }
  return v;
}

bool hasV128(const wasmnn_extern& x) {
  if (x.kind == WASMNN_EXTERN_GLOBAL) return wasmnn_global_get(x.of.global).kind == WASMNN_V128;
  if (x.kind != WASMNN_EXTERN_FUNC) return false;
  wasmnn_functype t = wasmnn_func_type(x.of.func);
  return std::count(t.params, t.params + t.param_count, WASMNN_V128) ||
         std::count(t.results, t.results + t.result_count, WASMNN_V128);
}

std::string skipped(wasmnn_instance* instance) {
  std::string out;
  for (size_t i = 0; i < wasmnn_instance_export_count(instance); ++i) {
    wasmnn_name name;
    wasmnn_extern x;
    if (!wasmnn_instance_export_nth_sized(instance, i, &name, &x) || !hasV128(x)) continue;
    if (!out.empty()) out += ", ";
    out += quoted(name);
  }
  return out;
}

// A failed call or instantiation as the runner names it: the call stack's
// depth is an implementation limit, so running out of it is told apart.
std::string outcome(const wasmnn_error* e) {
  switch (wasmnn_error_get_kind(e)) {
    case WASMNN_ERROR_TRAP: return "trap";
    case WASMNN_ERROR_EXHAUSTION: return "exhausted";
    default: return "error";
  }
}

std::string callAll(wasmnn_instance* instance) {
  std::string out;
  for (const Round& round : kRounds) {
    for (size_t i = 0; i < wasmnn_instance_export_count(instance); ++i) {
      wasmnn_name name;
      wasmnn_extern x;
      if (!wasmnn_instance_export_nth_sized(instance, i, &name, &x) || x.kind != WASMNN_EXTERN_FUNC) continue;
      wasmnn_functype t = wasmnn_func_type(x.of.func);
      if (!out.empty()) out += ", ";
      out += '[';
      out += quoted(name);
      if (hasV128(x)) {
        out += R"(, "skipped"])";
        continue;
      }
      std::vector<wasmnn_val> args, results(t.result_count);
      for (size_t p = 0; p < t.param_count; ++p) args.push_back(filled(t.params[p], round));
      if (wasmnn_error* e = wasmnn_func_call(x.of.func, args.data(), args.size(), results.data(), results.size())) {
        out += ", \"" + outcome(e) + "\"]";
        wasmnn_error_delete(e);
        continue;
      }
      out += ", \"ok\", [";
      for (size_t r = 0; r < results.size(); ++r) {
        if (r) out += ", ";
        out += value(results[r]);
      }
      out += "]]";
    }
  }
  return out;
}

// zlib's CRC-32 (what the runner's zlib.crc32 computes), bit by bit: memories here are small.
uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

std::string exported(wasmnn_instance* instance, wasmnn_externkind kind) {
  std::string out;
  for (size_t i = 0; i < wasmnn_instance_export_count(instance); ++i) {
    wasmnn_name name;
    wasmnn_extern x;
    if (!wasmnn_instance_export_nth_sized(instance, i, &name, &x) || x.kind != kind) continue;
    out += out.empty() ? "[" : ", [";
    out += quoted(name);
    out += ", ";
    if (kind == WASMNN_EXTERN_GLOBAL) {
      out += hasV128(x) ? R"("skipped")" : value(wasmnn_global_get(x.of.global));
      out += "]";
    } else {
      char hash[16];
      std::snprintf(hash, sizeof hash, "%08" PRIx32,
                    crc32(wasmnn_memory_data(x.of.memory), wasmnn_memory_size(x.of.memory)));
      out += std::to_string(wasmnn_memory_pages(x.of.memory)) + ", \"" + hash + "\"]";
    }
  }
  return out;
}

std::string runModule(wasmnn_engine* engine, const std::vector<uint8_t>& bytes) {
  wasmnn_module* module = nullptr;
  if (wasmnn_error* e = wasmnn_module_new(engine, bytes.data(), bytes.size(), &module)) {
    wasmnn_name message{wasmnn_error_message(e), std::char_traits<char>::length(wasmnn_error_message(e))};
    std::string out = R"({"instantiate": "invalid", "why": )" + quoted(message) + "}";
    wasmnn_error_delete(e);
    return out;
  }
  wasmnn_store* store = wasmnn_store_new(engine);
  wasmnn_linker* linker = wasmnn_linker_new(store);
  wasmnn_instance* instance = nullptr;
  std::string out;
  if (wasmnn_error* e = wasmnn_linker_instantiate(linker, module, &instance)) {
    out = R"({"instantiate": ")" + outcome(e) + "\"}";
    wasmnn_error_delete(e);
  } else {
    // In this order: the globals and memories as the calls left them.
    std::string calls = callAll(instance);
    std::string globals = exported(instance, WASMNN_EXTERN_GLOBAL);
    std::string memories = exported(instance, WASMNN_EXTERN_MEMORY);
    out = R"({"instantiate": "ok", "calls": [)" + calls + R"(], "globals": [)" + globals + R"(], "memories": [)" +
          memories + R"(], "skip": [)" + skipped(instance) + "]}";
  }
  wasmnn_linker_delete(linker);
  wasmnn_store_delete(store);
  wasmnn_module_delete(module);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  wasmnn_engine* engine = wasmnn_engine_new(nullptr);
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    std::printf("%s\n", runModule(engine, bytes).c_str());
  }
  wasmnn_engine_delete(engine);
  return 0;
}
