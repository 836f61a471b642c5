// wasmnn_differential: runs each given module in the interpreter and in the
// compiled tier and checks that both behave identically: instantiation
// errors, then every exported function called in export order with the same
// arguments (results bit for bit, or the same trap kind and message), and
// after each call the exported globals, memories and tables. The modules come
// from wasm-tools smith (differential.py) with NaNs canonicalised, so every
// result is deterministic.
//
//   wasmnn_differential module.wasm...   prints one line per module, exits 1 on any mismatch
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "wasmnn/wasmnn.h"

namespace {

// Small call depth: both tiers must exhaust at the same depth, long before
// either runs out of native stack.
constexpr uint32_t kMaxCallDepth = 500;

struct Tier {
  wasmnn_engine* engine = nullptr;
  wasmnn_module* module = nullptr;
  wasmnn_store* store = nullptr;
  wasmnn_linker* linker = nullptr;
  wasmnn_instance* instance = nullptr;

  ~Tier() {
    wasmnn_linker_delete(linker);
    wasmnn_store_delete(store);
    wasmnn_module_delete(module);
    wasmnn_engine_delete(engine);
  }
};

// What a step did: "ok" with the results, or the error's kind and message.
std::string describe(wasmnn_error* err) {
  std::string s = "error " + std::to_string(int(wasmnn_error_get_kind(err))) + ": " + wasmnn_error_message(err);
  wasmnn_error_delete(err);
  return s;
}

std::string valueText(const wasmnn_val& v) {
  char buf[80];
  switch (v.kind) {
    case WASMNN_I32: std::snprintf(buf, sizeof buf, "i32:%" PRIu32, uint32_t(v.of.i32)); break;
    case WASMNN_I64: std::snprintf(buf, sizeof buf, "i64:%" PRIu64, uint64_t(v.of.i64)); break;
    case WASMNN_F32: std::snprintf(buf, sizeof buf, "f32:%08" PRIx32, v.of.f32_bits); break;
    case WASMNN_F64: std::snprintf(buf, sizeof buf, "f64:%016" PRIx64, v.of.f64_bits); break;
    case WASMNN_V128: {
      uint64_t lo, hi;
      std::memcpy(&lo, v.of.v128, 8);
      std::memcpy(&hi, v.of.v128 + 8, 8);
      std::snprintf(buf, sizeof buf, "v128:%016" PRIx64 "%016" PRIx64, hi, lo);
      break;
    }
    // References differ between stores by address; only null-ness is comparable.
    case WASMNN_FUNCREF: std::snprintf(buf, sizeof buf, "funcref:%s", v.of.funcref ? "func" : "null"); break;
    case WASMNN_EXTERNREF: std::snprintf(buf, sizeof buf, "externref:%p", v.of.externref); break;
  }
  return buf;
}

// FNV-1a over a memory's bytes: cheap, and any difference shows.
uint64_t hashBytes(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// The observable state: exported globals, memories (size and contents), tables (size, null-ness).
std::string exportedState(const Tier& t) {
  std::string s;
  size_t n = wasmnn_instance_export_count(t.instance);
  for (size_t i = 0; i < n; ++i) {
    const char* name;
    wasmnn_extern e;
    wasmnn_instance_export_nth(t.instance, i, &name, &e);
    switch (e.kind) {
      case WASMNN_EXTERN_GLOBAL: s += " global:" + valueText(wasmnn_global_get(e.of.global)); break;
      case WASMNN_EXTERN_MEMORY: {
        size_t size = wasmnn_memory_size(e.of.memory);
        s += " memory:" + std::to_string(size) + ":" + std::to_string(hashBytes(wasmnn_memory_data(e.of.memory), size));
        break;
      }
      case WASMNN_EXTERN_TABLE: {
        uint32_t size = wasmnn_table_size(e.of.table);
        s += " table:" + std::to_string(size) + ":";
        for (uint32_t j = 0; j < size; ++j) {
          wasmnn_val v;
          if (wasmnn_table_get(e.of.table, j, &v) == nullptr) s += valueText(v) == "funcref:null" ? '0' : '1';
        }
        break;
      }
      case WASMNN_EXTERN_FUNC: break;
    }
  }
  return s;
}

// Instantiates `bytes` in a fresh engine of the tier; "" or what failed.
std::string start(Tier& t, const std::vector<uint8_t>& bytes, uint32_t tier) {
  wasmnn_config config{};
  config.tier = tier;
  config.max_call_depth = kMaxCallDepth;
  t.engine = wasmnn_engine_new(&config);
  if (wasmnn_error* err = wasmnn_module_new(t.engine, bytes.data(), bytes.size(), &t.module))
    return "module: " + describe(err);
  t.store = wasmnn_store_new(t.engine);
  t.linker = wasmnn_linker_new(t.store);
  if (wasmnn_error* err = wasmnn_linker_instantiate(t.linker, t.module, &t.instance))
    return "instantiate: " + describe(err);
  return "";
}

wasmnn_val argument(wasmnn_valkind kind, std::mt19937_64& rng) {
  // Mostly edge values, where the two tiers' code paths differ most.
  static const uint64_t kEdges[] = {
      0, 1, 2, 7, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x8000000000000000ull, ~0ull};
  uint64_t bits = rng() % 3 == 0 ? rng() : kEdges[rng() % std::size(kEdges)];
  wasmnn_val v{};
  v.kind = kind;
  switch (kind) {
    case WASMNN_I32: v.of.i32 = int32_t(uint32_t(bits)); break;
    case WASMNN_I64: v.of.i64 = int64_t(bits); break;
    case WASMNN_F32: v.of.f32_bits = uint32_t(bits); break;
    case WASMNN_F64: v.of.f64_bits = bits; break;
    case WASMNN_V128: {
      uint64_t hi = rng();
      std::memcpy(v.of.v128, &bits, 8);
      std::memcpy(v.of.v128 + 8, &hi, 8);
      break;
    }
    case WASMNN_FUNCREF: v.of.funcref = nullptr; break;
    case WASMNN_EXTERNREF: v.of.externref = nullptr; break;
  }
  return v;
}

// Calls export `index` in both tiers with the same arguments; the outcome or "".
std::string callBoth(Tier& a, Tier& b, size_t index, std::mt19937_64& rng, std::string& mismatch) {
  const char* name;
  wasmnn_extern ea, eb;
  wasmnn_instance_export_nth(a.instance, index, &name, &ea);
  wasmnn_instance_export_nth(b.instance, index, &name, &eb);
  if (ea.kind != WASMNN_EXTERN_FUNC) return "";
  wasmnn_functype type = wasmnn_func_type(ea.of.func);
  std::vector<wasmnn_val> args;
  for (size_t i = 0; i < type.param_count; ++i) args.push_back(argument(type.params[i], rng));
  std::string outcome[2];
  Tier* tiers[2] = {&a, &b};
  wasmnn_func* funcs[2] = {ea.of.func, eb.of.func};
  for (int t = 0; t < 2; ++t) {
    std::vector<wasmnn_val> results(type.result_count);
    if (wasmnn_error* err = wasmnn_func_call(funcs[t], args.data(), args.size(), results.data(), results.size())) {
      outcome[t] = describe(err);
    } else {
      outcome[t] = "ok";
      for (const wasmnn_val& r : results) outcome[t].append(" ").append(valueText(r));
    }
    outcome[t].append(" |").append(exportedState(*tiers[t]));
  }
  if (outcome[0] != outcome[1])
    mismatch = std::string("export `") + name + "`:\n  interpreter: " + outcome[0] + "\n  compiled:    " + outcome[1];
  return outcome[0];
}

// "" when both tiers agree on everything, else the first difference.
std::string compare(const std::vector<uint8_t>& bytes, uint64_t seed) {
  Tier interpreted, compiled;
  std::string ia = start(interpreted, bytes, WASMNN_TIER_INTERPRETER);
  std::string ib = start(compiled, bytes, WASMNN_TIER_COMPILED);
  if (ia != ib) return "instantiation:\n  interpreter: " + ia + "\n  compiled:    " + ib;
  if (!ia.empty()) return "";
  if (exportedState(interpreted) != exportedState(compiled)) return "state after instantiation";
  std::mt19937_64 rng(seed);
  size_t exports = wasmnn_instance_export_count(interpreted.instance);
  for (size_t i = 0; i < exports; ++i) {
    std::string mismatch;
    callBoth(interpreted, compiled, i, rng, mismatch);
    if (!mismatch.empty()) return mismatch;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: wasmnn_differential module.wasm...\n");
    return 2;
  }
  int mismatches = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream file(argv[i], std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.empty()) {
      std::printf("%s: cannot read\n", argv[i]);
      ++mismatches;
      continue;
    }
    std::string mismatch = compare(bytes, uint64_t(i));
    std::printf("%s: %s\n", argv[i], mismatch.empty() ? "same" : ("MISMATCH " + mismatch).c_str());
    std::fflush(stdout);
    if (!mismatch.empty()) ++mismatches;
  }
  return mismatches == 0 ? 0 : 1;
}
