// wasmnn CLI: just another embedder of the C API (wasmnn.h, wasi.h, wasi_nn.h).
//   wasmnn run [options] module.wasm|module.cwasm [args...]
//   wasmnn compile [options] module.wasm [-o module.cwasm]
//   wasmnn backends [--nn-backend-dir DIR]...
//   wasmnn inspect --code module.wasm [--func N]
// Options are parsed with getopt_long: it stops at the module, so the guest's
// arguments pass through untouched, and it keeps start-up small (no iostreams).
#include <getopt.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "wasmnn/wasi.h"
#include "wasmnn/wasi_nn.h"
#include "wasmnn/wasmnn.h"

extern char** environ;

namespace {

// Exit code for a trap, as wasmtime uses (128 + SIGABRT).
constexpr int kTrapExitCode = 134;

struct RunOptions {
  std::vector<std::string> dirs;
  std::vector<std::string> envs;
  bool inheritEnv = false;
  std::vector<std::string> preloads;
  std::vector<std::string> backendDirs;
  wasmnn_nn_isolation nnIsolation = WASMNN_NN_ISOLATION_PROCESS;
  uint64_t nnMaxMemory = uint64_t{4} << 30;
  uint64_t nnTimeoutMs = 0;
  wasmnn_nn_limits nnLimits{};
  std::string invoke;
  uint32_t maxCallDepth = 0;
  uint32_t maxMemoryPages = 0;
  uint64_t maxTableElements = 0;  // per store
  uint64_t maxMemoryBytes = 0;    // per store
  uint64_t timeoutNs = 0;         // 0 = none
  uint32_t boundsChecks = WASMNN_BOUNDS_AUTO;
  bool compile = false;  // the compiled tier
  uint32_t optLevel = 0;
  std::string cacheDir;
  bool noCache = false;
  std::string output;                // `compile -o`
  std::string targetCpu;             // `compile --target-cpu`
  std::vector<std::string> command;  // module path, then guest args
};

struct Deleter {
  void operator()(wasmnn_engine* p) const { wasmnn_engine_delete(p); }
  void operator()(wasmnn_module* p) const { wasmnn_module_delete(p); }
  void operator()(wasmnn_store* p) const { wasmnn_store_delete(p); }
  void operator()(wasmnn_linker* p) const { wasmnn_linker_delete(p); }
  void operator()(wasmnn_wasi* p) const { wasmnn_wasi_delete(p); }
  void operator()(wasmnn_nn_host* p) const { wasmnn_nn_host_delete(p); }
  void operator()(wasmnn_error* p) const { wasmnn_error_delete(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Deleter>;

// Every message may quote the guest (import and function names, WASI-NN log
// text) or paths: printed only through escaped(), so no byte of it can drive
// the terminal.
std::string escaped(const std::string& text) {
  std::string out(4 * text.size() + 1, '\0');
  out.resize(wasmnn_escape_text(text.data(), text.size(), out.data(), out.size()));
  return out;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "wasmnn: error: %s\n", escaped(message).c_str());
  return 1;
}

// Prints the wasm backtrace, folding runs of one function (deep recursion)
// into a single line so a stack overflow stays readable.
void printBacktrace(const wasmnn_error* error) {
  size_t frames = wasmnn_error_frame_count(error);
  for (size_t i = 0; i < frames;) {
    const char* name = wasmnn_error_frame_function(error, i);
    size_t run = 1;
    while (i + run < frames && std::strcmp(wasmnn_error_frame_function(error, i + run), name) == 0) ++run;
    if (run == 1)
      std::fprintf(stderr, "  at %s\n", escaped(name).c_str());
    else
      std::fprintf(stderr, "  at %s (%zu frames)\n", escaped(name).c_str(), run);
    i += run;
  }
  if (size_t omitted = wasmnn_error_frames_omitted(error))
    std::fprintf(stderr, "  ... and %zu outer frames not shown\n", omitted);
}

// Reports an error from the engine and returns the process exit code it maps to.
int report(wasmnn_error* raw, const std::string& context) {
  Owned<wasmnn_error> error(raw);
  std::string message = wasmnn_error_message(error.get());
  switch (wasmnn_error_get_kind(error.get())) {
    case WASMNN_ERROR_EXIT: return wasmnn_error_exit_code(error.get());
    case WASMNN_ERROR_INTERRUPT:
      std::fprintf(stderr, "wasmnn: %s (--timeout)\n", escaped(message).c_str());
      printBacktrace(error.get());
      return kTrapExitCode;
    case WASMNN_ERROR_TRAP:
    case WASMNN_ERROR_EXHAUSTION:
      std::fprintf(stderr, "wasmnn: trap: %s\n", escaped(message).c_str());
      printBacktrace(error.get());
      return kTrapExitCode;
    default: return fail(context + ": " + message);
  }
}

// Reads a whole regular file; on failure returns nullopt with errno set.
std::optional<std::vector<uint8_t>> readFile(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return std::nullopt;
  struct stat st;
  if (fstat(fileno(file.get()), &st) != 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) {
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    return std::nullopt;
  }
  std::vector<uint8_t> bytes(size_t(st.st_size));
  if (std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
    errno = EIO;
    return std::nullopt;
  }
  return bytes;
}

template <typename T> bool parseNumber(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

struct Unit {
  const char* suffix;
  uint64_t scale;
};
constexpr Unit kSizeUnits[] = {{"", 1}, {"K", 1ull << 10}, {"M", 1ull << 20}, {"G", 1ull << 30}, {"T", 1ull << 40}};
constexpr Unit kDurationUnits[] = {
    {"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000}};

// A decimal number (fractions allowed) and one of `units`' suffixes, scaled to
// an integer; false for anything else or a result beyond 2^63.
template <size_t N> bool parseScaled(const std::string& text, const Unit (&units)[N], uint64_t& out) {
  size_t digits = text.find_first_not_of("0123456789.");
  if (digits == 0) return false;
  std::string number = text.substr(0, digits), suffix = digits == std::string::npos ? "" : text.substr(digits);
  double value;
  if (!parseNumber(number, value)) return false;
  for (const Unit& u : units) {
    if (suffix != u.suffix) continue;
    double scaled = value * double(u.scale);
    if (!(scaled < 9.2e18)) return false;
    out = uint64_t(scaled);
    return true;
  }
  return false;
}

// Integers accept signed or unsigned spellings ("-1" and "4294967295" are the same i32).
template <typename Signed, typename Unsigned> bool parseInteger(const std::string& text, Signed& out) {
  Unsigned u;
  if (parseNumber(text, out)) return true;
  if (!parseNumber(text, u)) return false;
  std::memcpy(&out, &u, sizeof out);
  return true;
}

// A v128 is written as one 128-bit hexadecimal integer, "0x" then up to 32
// digits, the same way printValue shows it (lane 0 in the low bits).
bool parseV128(const std::string& text, uint8_t (&bytes)[16]) {
  if (text.size() < 3 || text.size() > 34 || text.compare(0, 2, "0x") != 0) return false;
  std::memset(bytes, 0, 16);
  size_t nibble = 0;
  for (size_t i = text.size(); i-- > 2; ++nibble) {
    uint8_t digit;
    auto [end, ec] = std::from_chars(&text[i], &text[i] + 1, digit, 16);
    if (ec != std::errc() || end != &text[i] + 1) return false;
    bytes[nibble / 2] |= uint8_t(digit << (4 * (nibble % 2)));
  }
  return true;
}

// Floats travel as their bit patterns.
template <typename Float, typename Bits> bool parseFloat(const std::string& text, Bits& bits) {
  Float f;
  if (!parseNumber(text, f)) return false;
  std::memcpy(&bits, &f, sizeof f);
  return true;
}

bool parseArgument(const std::string& text, wasmnn_valkind kind, wasmnn_val& out) {
  out.kind = kind;
  switch (kind) {
    case WASMNN_I32: return parseInteger<int32_t, uint32_t>(text, out.of.i32);
    case WASMNN_I64: return parseInteger<int64_t, uint64_t>(text, out.of.i64);
    case WASMNN_F32: return parseFloat<float>(text, out.of.f32_bits);
    case WASMNN_F64: return parseFloat<double>(text, out.of.f64_bits);
    case WASMNN_FUNCREF: out.of.funcref = nullptr; return text == "null";
    case WASMNN_EXTERNREF: out.of.externref = nullptr; return text == "null";
    case WASMNN_V128: return parseV128(text, out.of.v128);
  }
  return false;
}

// The shortest text that reads back as the same float.
template <typename Float, typename Bits> void printFloat(Bits bits) {
  Float f;
  std::memcpy(&f, &bits, sizeof f);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  std::printf("%.*s\n", int(r.ptr - buf), buf);
}

// Prints a result the way `wasmtime --invoke` does: integers in decimal, floats as numbers.
void printValue(const wasmnn_val& v) {
  switch (v.kind) {
    case WASMNN_I32: std::printf("%d\n", v.of.i32); return;
    case WASMNN_I64: std::printf("%lld\n", static_cast<long long>(v.of.i64)); return;
    case WASMNN_F32: printFloat<float>(v.of.f32_bits); return;
    case WASMNN_F64: printFloat<double>(v.of.f64_bits); return;
    case WASMNN_V128: {
      std::printf("0x");
      for (int i = 15; i >= 0; --i) std::printf("%02x", v.of.v128[i]);
      std::printf("\n");
      return;
    }
    case WASMNN_FUNCREF: std::printf(v.of.funcref ? "<funcref>\n" : "null\n"); return;
    case WASMNN_EXTERNREF: std::printf(v.of.externref ? "<externref>\n" : "null\n"); return;
  }
}

int invokeExport(wasmnn_instance* instance, const std::string& name, const std::vector<std::string>& args) {
  wasmnn_extern item;
  if (!wasmnn_instance_export(instance, name.c_str(), &item) || item.kind != WASMNN_EXTERN_FUNC)
    return fail("the module has no exported function `" + name + "` (see the module's exports)");
  wasmnn_functype type = wasmnn_func_type(item.of.func);
  if (args.size() != type.param_count)
    return fail("`" + name + "` takes " + std::to_string(type.param_count) + " argument(s), " +
                std::to_string(args.size()) + " given");
  std::vector<wasmnn_val> params(type.param_count), results(type.result_count);
  for (size_t i = 0; i < args.size(); ++i)
    if (!parseArgument(args[i], type.params[i], params[i]))
      return fail("argument " + std::to_string(i + 1) + " (`" + args[i] +
                  "`) is not a valid value of the parameter's type");
  if (wasmnn_error* error =
          wasmnn_func_call(item.of.func, params.data(), params.size(), results.data(), results.size()))
    return report(error, "invoking `" + name + "`");
  for (const wasmnn_val& v : results) printValue(v);
  return 0;
}

bool isDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// --dir HOST::GUEST (wasmtime's form), --dir PATH, or WasmEdge's A:B. WasmEdge
// has read A:B as GUEST:HOST (current releases) and as HOST:GUEST (older
// ones), so it is taken only where unambiguous: A equal to B, or exactly one
// side a host directory. Returns "" or the message naming the form to use.
std::string parseDir(const std::string& spec, std::string& host, std::string& guest) {
  if (size_t sep = spec.find("::"); sep != std::string::npos) {
    host = spec.substr(0, sep);
    guest = spec.substr(sep + 2);
    return "";
  }
  size_t colon = spec.find(':');
  if (colon == std::string::npos || isDirectory(spec)) {
    host = guest = spec;
    return "";
  }
  const std::string use = "; write --dir HOST::GUEST (or --dir PATH for the same name in the guest)";
  if (spec.find(':', colon + 1) != std::string::npos) return "--dir `" + spec + "` has more than one ':'" + use;
  std::string a = spec.substr(0, colon), b = spec.substr(colon + 1);
  bool aIsDir = isDirectory(a), bIsDir = isDirectory(b);
  if (a == b || (aIsDir && !bIsDir)) {
    host = a;
    guest = b;
  } else if (bIsDir && !aIsDir) {
    host = b;
    guest = a;
  } else if (aIsDir) {
    return "--dir `" + spec + "` is ambiguous: both `" + a + "` and `" + b + "` are host directories" + use;
  } else {
    return "--dir `" + spec + "`: neither `" + a + "` nor `" + b + "` is a host directory" + use;
  }
  return "";
}

wasmnn_error* configureWasi(wasmnn_wasi* wasi, const RunOptions& opt) {
  std::vector<const char*> argv;
  for (const std::string& a : opt.command) argv.push_back(a.c_str());
  wasmnn_wasi_set_args(wasi, argv.size(), argv.data());
  if (opt.inheritEnv)
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      size_t eq = kv.find('=');
      if (eq != std::string::npos) wasmnn_wasi_add_env(wasi, kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str());
    }
  for (const std::string& kv : opt.envs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return wasmnn_error_new(WASMNN_ERROR_HOST, ("--env `" + kv + "` must have the form KEY=VALUE").c_str());
    wasmnn_wasi_add_env(wasi, kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str());
  }
  for (const std::string& dir : opt.dirs) {
    std::string host, guest;
    if (std::string problem = parseDir(dir, host, guest); !problem.empty())
      return wasmnn_error_new(WASMNN_ERROR_HOST, problem.c_str());
    if (wasmnn_error* error = wasmnn_wasi_preopen_dir(wasi, host.c_str(), guest.c_str())) return error;
  }
  return nullptr;
}

wasmnn_error* configureNn(wasmnn_nn_host* nn, const RunOptions& opt) {
  wasmnn_nn_host_set_isolation(nn, opt.nnIsolation);
  wasmnn_nn_host_set_worker_limits(nn, opt.nnMaxMemory, opt.nnTimeoutMs);
  wasmnn_nn_host_set_limits(nn, &opt.nnLimits);
  for (const std::string& dir : opt.backendDirs) wasmnn_nn_host_add_backend_dir(nn, dir.c_str());
  for (const std::string& spec : opt.preloads)
    if (wasmnn_error* error = wasmnn_nn_host_preload(nn, spec.c_str())) return error;
  return nullptr;
}

// Where --compile keeps compiled modules: --cache-dir, else $WASMNN_CACHE_DIR,
// else $XDG_CACHE_HOME/wasmnn, else ~/.cache/wasmnn ("" = no cache).
std::string cacheDirFor(const RunOptions& opt) {
  if (opt.noCache) return "";
  if (!opt.cacheDir.empty()) return opt.cacheDir;
  if (const char* dir = std::getenv("WASMNN_CACHE_DIR"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) return std::string(dir) + "/wasmnn";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/wasmnn";
  return "";
}

wasmnn_config engineConfig(const RunOptions& opt, bool compiled) {
  wasmnn_config config{};
  config.max_call_depth = opt.maxCallDepth;
  config.max_memory_pages = opt.maxMemoryPages;
  config.max_store_table_elements = opt.maxTableElements;
  config.max_table_elements = uint32_t(std::min<uint64_t>(opt.maxTableElements, UINT32_MAX));
  config.max_store_memory_bytes = opt.maxMemoryBytes;
  config.bounds_checks = opt.boundsChecks;
  config.tier = compiled ? WASMNN_TIER_COMPILED : WASMNN_TIER_AUTO;
  config.opt_level = opt.optLevel;
  config.target_cpu = opt.targetCpu.empty() ? nullptr : opt.targetCpu.c_str();
  return config;
}

int run(const RunOptions& opt) {
  const std::string& path = opt.command.front();
  auto bytes = readFile(path);
  if (!bytes) return fail("cannot read `" + path + "`: " + std::strerror(errno));

  // An AOT artifact (`wasmnn compile`) runs compiled; a .wasm with --compile
  // is compiled, or taken from the cache.
  bool artifact = wasmnn_is_artifact(bytes->data(), bytes->size());
  wasmnn_config config = engineConfig(opt, opt.compile || artifact);
  std::string cacheDir = opt.compile ? cacheDirFor(opt) : "";
  if (!cacheDir.empty()) config.cache_dir = cacheDir.c_str();
  Owned<wasmnn_engine> engine(wasmnn_engine_new(&config));

  wasmnn_module* rawModule = nullptr;
  if (artifact) {
    if (wasmnn_error* error = wasmnn_module_deserialize(engine.get(), bytes->data(), bytes->size(), &rawModule))
      return report(error, "`" + path + "`");
  } else if (wasmnn_error* error = wasmnn_module_new(engine.get(), bytes->data(), bytes->size(), &rawModule)) {
    return report(error, "`" + path + "` is not a valid module");
  }
  Owned<wasmnn_module> module(rawModule);

  Owned<wasmnn_wasi> wasi(wasmnn_wasi_new());
  if (wasmnn_error* error = configureWasi(wasi.get(), opt)) return report(error, "WASI setup");
  Owned<wasmnn_nn_host> nn(wasmnn_nn_host_new());
  if (wasmnn_error* error = configureNn(nn.get(), opt)) return report(error, "WASI-NN setup");

  // The store goes before wasi and nn: host functions reference them until it is deleted.
  Owned<wasmnn_store> store(wasmnn_store_new(engine.get()));
  // From here on: the start function and _start (or --invoke) both count.
  if (opt.timeoutNs) wasmnn_store_set_deadline(store.get(), opt.timeoutNs);
  Owned<wasmnn_linker> linker(wasmnn_linker_new(store.get()));
  if (wasmnn_error* error = wasmnn_linker_define_wasi(linker.get(), wasi.get())) return report(error, "WASI setup");
  if (wasmnn_error* error = wasmnn_linker_define_wasi_nn(linker.get(), nn.get())) return report(error, "WASI-NN setup");

  wasmnn_instance* instance = nullptr;
  if (wasmnn_error* error = wasmnn_linker_instantiate(linker.get(), module.get(), &instance))
    return report(error, "cannot instantiate `" + path + "`");

  std::vector<std::string> guestArgs(opt.command.begin() + 1, opt.command.end());
  if (!opt.invoke.empty()) return invokeExport(instance, opt.invoke, guestArgs);
  wasmnn_extern start;
  if (!wasmnn_instance_export(instance, "_start", &start)) return 0;  // a library module: instantiating was the run
  if (start.kind != WASMNN_EXTERN_FUNC) return fail("the export `_start` is not a function");
  if (wasmnn_error* error = wasmnn_func_call(start.of.func, nullptr, 0, nullptr, 0))
    return report(error, "running `" + path + "`");
  return 0;
}

// `wasmnn compile`: the module's native code as an AOT artifact.
int compile(const RunOptions& opt) {
  const std::string& path = opt.command.front();
  auto bytes = readFile(path);
  if (!bytes) return fail("cannot read `" + path + "`: " + std::strerror(errno));
  if (wasmnn_is_artifact(bytes->data(), bytes->size())) return fail("`" + path + "` is already compiled");
  wasmnn_config config = engineConfig(opt, true);
  Owned<wasmnn_engine> engine(wasmnn_engine_new(&config));
  wasmnn_module* rawModule = nullptr;
  if (wasmnn_error* error = wasmnn_module_new(engine.get(), bytes->data(), bytes->size(), &rawModule))
    return report(error, "cannot compile `" + path + "`");
  Owned<wasmnn_module> module(rawModule);
  uint8_t* artifact = nullptr;
  size_t size = 0;
  if (wasmnn_error* error = wasmnn_module_serialize(module.get(), &artifact, &size)) return report(error, "compile");
  std::unique_ptr<uint8_t, void (*)(uint8_t*)> owned(artifact, wasmnn_bytes_delete);
  std::string out = opt.output;
  if (out.empty()) {
    size_t dot = path.rfind('.');
    out =
        (dot != std::string::npos && path.compare(dot, std::string::npos, ".wasm") == 0 ? path.substr(0, dot) : path) +
        ".cwasm";
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(out.c_str(), "wb"), std::fclose);
  if (!file || std::fwrite(artifact, 1, size, file.get()) != size || std::fflush(file.get()) != 0)
    return fail("cannot write `" + out + "`: " + std::strerror(errno));
  return 0;
}

int listBackends(const RunOptions& opt) {
  Owned<wasmnn_nn_host> nn(wasmnn_nn_host_new());
  if (wasmnn_error* error = configureNn(nn.get(), opt)) return report(error, "WASI-NN setup");
  char* text = wasmnn_nn_host_describe_backends(nn.get());
  // Line by line: the report's own line breaks stay, a dlerror() or path cannot add any.
  std::string report = text;
  wasmnn_nn_string_delete(text);
  for (size_t start = 0, end; start < report.size(); start = end + 1) {
    end = report.find('\n', start);
    if (end == std::string::npos) end = report.size();
    std::printf("%s\n", escaped(report.substr(start, end - start)).c_str());
  }
  return 0;
}

// Prints the interpreter's internal code of function `index`, or of every
// defined function, of the module at `path`.
int inspectCode(const std::string& path, std::optional<uint32_t> index) {
  auto bytes = readFile(path);
  if (!bytes) return fail("cannot read `" + path + "`: " + std::strerror(errno));
  Owned<wasmnn_engine> engine(wasmnn_engine_new(nullptr));
  wasmnn_module* rawModule = nullptr;
  if (wasmnn_error* error = wasmnn_module_new(engine.get(), bytes->data(), bytes->size(), &rawModule))
    return report(error, "`" + path + "` is not a valid module");
  Owned<wasmnn_module> module(rawModule);
  uint32_t first = uint32_t(wasmnn_module_imported_func_count(module.get()));
  uint32_t end = first + uint32_t(wasmnn_module_func_count(module.get()));
  if (index) first = *index, end = *index + 1;
  for (uint32_t i = first; i < end; ++i) {
    char* text = nullptr;
    if (wasmnn_error* error = wasmnn_module_code_text(module.get(), i, &text))
      return report(error, "inspecting `" + path + "`");
    std::printf("%s%s", i == first ? "" : "\n", text);
    wasmnn_string_delete(text);
  }
  return 0;
}

constexpr const char* kUsage =
    "wasmnn " WASMNN_VERSION_STRING
    " — a WebAssembly runtime with WASI and WASI-NN\n"
    "\n"
    "Usage:\n"
    "  wasmnn run [options] [--] module.wasm [args...]   run _start (or --invoke an export)\n"
    "  wasmnn run [options] [--] module.cwasm [args...]  run a module compiled by `wasmnn compile`\n"
    "  wasmnn compile [options] module.wasm [-o FILE]    compile to native code (an AOT artifact,\n"
    "                                                    default module.cwasm)\n"
    "  wasmnn backends [--nn-backend-dir DIR]... [--nn-isolation ...] [--nn-max-memory ...] [--nn-timeout ...]\n"
    "                                                    list WASI-NN backends, why others failed, the sandbox\n"
    "  wasmnn inspect --code module.wasm [--func N]      print the interpreter's internal code of every\n"
    "                                                    defined function (or function N)\n"
    "  wasmnn --version | --help\n"
    "\n"
    "Options of `run`:\n"
    "  --dir HOST::GUEST | --dir PATH     grant a host directory to the guest (repeatable; WasmEdge's\n"
    "                                     A:B where unambiguous)\n"
    "  --env KEY=VALUE                    set a guest environment variable (repeatable)\n"
    "  --inherit-env                      pass the host's environment to the guest (before --env)\n"
    "  --nn-preload NAME:ENCODING:TARGET:PATH[:PATH2]\n"
    "                                     preload a WASI-NN model for load_by_name (repeatable)\n"
    "                                     (NAME:remote:TARGET:URL: a model on an OIP/KServe v2 server)\n"
    "  --nn-backend-dir DIR               search DIR for WASI-NN backends first (repeatable)\n"
    "  --nn-isolation process|none        run each instance's backends in a confined worker process\n"
    "                                     (default) or inside this process (trusted models only)\n"
    "  --nn-max-memory SIZE               memory of each worker, e.g. 512M, 4G (default 4G; 0 = no limit)\n"
    "  --nn-timeout DURATION              time limit of each WASI-NN call, e.g. 500ms, 2s (default none)\n"
    "  --nn-max-graphs N                  live graphs per instance (default 1024)\n"
    "  --nn-max-contexts N                live execution contexts per instance (default 4096)\n"
    "  --invoke NAME                      call export NAME with the arguments after the module\n"
    "                                     and print its results\n"
    "  --max-call-depth N                 wasm call depth before 'call stack exhausted' (default 30000)\n"
    "  --max-memory-pages N               upper bound on any linear memory, in 64 KiB pages\n"
    "  --max-memory SIZE                  upper bound on all linear memory together (e.g. 512M, 2G)\n"
    "  --max-table-elements N             upper bound on all table elements together (default 10000000)\n"
    "  --timeout DURATION                 stop the guest after DURATION (e.g. 1s, 500ms, 2m) with\n"
    "                                     'interrupted: deadline exceeded' (exit 134)\n"
    "  --bounds-checks explicit|guard     memory bounds checks (default: explicit when interpreted,\n"
    "                                     guard when compiled)\n"
    "  --compile                          compile to native code with LLVM (the compiled tier) and\n"
    "                                     keep it in the cache; the interpreter starts faster\n"
    "  --cache-dir DIR                    the cache of --compile (default: $WASMNN_CACHE_DIR,\n"
    "                                     $XDG_CACHE_HOME/wasmnn or ~/.cache/wasmnn)\n"
    "  --no-cache                         compile anew every run\n"
    "  --opt-level 1|2|3                  the compiled tier's LLVM optimisation level (default 2)\n"
    "\n"
    "\n"
    "Options of `compile`: --bounds-checks, --opt-level, -o FILE, and\n"
    "  --target-cpu LEVEL                 x86-64, x86-64-v2, x86-64-v3 or x86-64-v4 (default: the\n"
    "                                     best this CPU runs; a lower level runs on more machines)\n";

int usageError(const std::string& message) {
  std::fprintf(stderr, "wasmnn: error: %s\nRun `wasmnn --help` for the usage.\n", escaped(message).c_str());
  return 2;
}

enum OptionId {
  kDir = 1,
  kEnv,
  kInheritEnv,
  kNnPreload,
  kNnBackendDir,
  kNnIsolation,
  kNnMaxMemory,
  kNnTimeout,
  kNnMaxGraphs,
  kNnMaxContexts,
  kInvoke,
  kMaxCallDepth,
  kMaxMemoryPages,
  kMaxMemory,
  kMaxTableElements,
  kTimeout,
  kBoundsChecks,
  kOptLevel,
  kCacheDir,
  kOutput,
  kTargetCpu,
  kCompile,
  kNoCache,
  kHelp
};

constexpr option kOptions[] = {
    {"dir", required_argument, nullptr, kDir},
    {"env", required_argument, nullptr, kEnv},
    {"inherit-env", no_argument, nullptr, kInheritEnv},
    {"nn-preload", required_argument, nullptr, kNnPreload},
    {"nn-backend-dir", required_argument, nullptr, kNnBackendDir},
    {"nn-isolation", required_argument, nullptr, kNnIsolation},
    {"nn-max-memory", required_argument, nullptr, kNnMaxMemory},
    {"nn-timeout", required_argument, nullptr, kNnTimeout},
    {"nn-max-graphs", required_argument, nullptr, kNnMaxGraphs},
    {"nn-max-contexts", required_argument, nullptr, kNnMaxContexts},
    {"invoke", required_argument, nullptr, kInvoke},
    {"max-call-depth", required_argument, nullptr, kMaxCallDepth},
    {"max-memory-pages", required_argument, nullptr, kMaxMemoryPages},
    {"max-memory", required_argument, nullptr, kMaxMemory},
    {"max-table-elements", required_argument, nullptr, kMaxTableElements},
    {"timeout", required_argument, nullptr, kTimeout},
    {"bounds-checks", required_argument, nullptr, kBoundsChecks},
    {"opt-level", required_argument, nullptr, kOptLevel},
    {"cache-dir", required_argument, nullptr, kCacheDir},
    {"output", required_argument, nullptr, kOutput},
    {"target-cpu", required_argument, nullptr, kTargetCpu},
    {"compile", no_argument, nullptr, kCompile},
    {"no-cache", no_argument, nullptr, kNoCache},
    {"help", no_argument, nullptr, kHelp},
    {nullptr, 0, nullptr, 0},
};

// Applies one option to opt; returns an error message, or "" on success.
std::string applyOption(int id, const std::string& value, RunOptions& opt) {
  switch (id) {
    case kDir: opt.dirs.push_back(value); return "";
    case kEnv: opt.envs.push_back(value); return "";
    case kInheritEnv: opt.inheritEnv = true; return "";
    case kNnPreload: opt.preloads.push_back(value); return "";
    case kNnBackendDir: opt.backendDirs.push_back(value); return "";
    case kNnIsolation:
      if (value == "process")
        opt.nnIsolation = WASMNN_NN_ISOLATION_PROCESS;
      else if (value == "none")
        opt.nnIsolation = WASMNN_NN_ISOLATION_NONE;
      else
        return "--nn-isolation wants `process` or `none`, got `" + value + "`";
      return "";
    case kNnMaxMemory:
      return parseScaled(value, kSizeUnits, opt.nnMaxMemory)
                 ? ""
                 : "--nn-max-memory wants a size like 512M or 4G (0 = no limit), got `" + value + "`";
    case kNnTimeout: {
      uint64_t ns = 0;
      if (value != "none" && !(parseScaled(value, kDurationUnits, ns) && ns >= 1'000'000))
        return "--nn-timeout wants a duration like 500ms, 2s or 1m (none = no limit), got `" + value + "`";
      opt.nnTimeoutMs = ns / 1'000'000;
      return "";
    }
    case kNnMaxGraphs:
      return parseNumber(value, opt.nnLimits.max_graphs) && opt.nnLimits.max_graphs
                 ? ""
                 : "--nn-max-graphs wants a number above 0, got `" + value + "`";
    case kNnMaxContexts:
      return parseNumber(value, opt.nnLimits.max_contexts) && opt.nnLimits.max_contexts
                 ? ""
                 : "--nn-max-contexts wants a number above 0, got `" + value + "`";
    case kInvoke: opt.invoke = value; return "";
    case kMaxCallDepth:
      return parseNumber(value, opt.maxCallDepth) ? "" : "--max-call-depth wants a number, got `" + value + "`";
    case kMaxMemoryPages:
      return parseNumber(value, opt.maxMemoryPages) ? "" : "--max-memory-pages wants a number, got `" + value + "`";
    case kMaxMemory:
      return parseScaled(value, kSizeUnits, opt.maxMemoryBytes) && opt.maxMemoryBytes
                 ? ""
                 : "--max-memory wants a size like 512M or 2G (units K, M, G: powers of 1024), got `" + value + "`";
    case kMaxTableElements:
      return parseNumber(value, opt.maxTableElements) && opt.maxTableElements
                 ? ""
                 : "--max-table-elements wants a positive number, got `" + value + "`";
    case kTimeout:
      return parseScaled(value, kDurationUnits, opt.timeoutNs) && opt.timeoutNs
                 ? ""
                 : "--timeout wants a duration like 1s, 500ms or 2m, got `" + value + "`";
    case kBoundsChecks:
      if (value == "explicit")
        opt.boundsChecks = WASMNN_BOUNDS_EXPLICIT;
      else if (value == "guard")
        opt.boundsChecks = WASMNN_BOUNDS_GUARD;
      else
        return "--bounds-checks wants `explicit` or `guard`, got `" + value + "`";
      return "";
    case kOptLevel:
      if (!parseNumber(value, opt.optLevel) || opt.optLevel < 1 || opt.optLevel > 3)
        return "--opt-level wants 1, 2 or 3, got `" + value + "`";
      return "";
    case kCacheDir: opt.cacheDir = value; return "";
    case kTargetCpu: opt.targetCpu = value; return "";
    case kOutput:
    case 'o': opt.output = value; return "";
    case kCompile: opt.compile = true; return "";
    case kNoCache: opt.noCache = true; return "";
  }
  return "unknown option";
}

bool compileOption(int id) {
  return id == kOptLevel || id == kBoundsChecks || id == kOutput || id == 'o' || id == kTargetCpu;
}

// Parses `wasmnn run ...` or `wasmnn compile ...` (argv[0] is the command);
// fills opt.command with the module and the guest's arguments. Returns an
// exit code when the run must not start.
std::optional<int> parseCommand(int argc, char** argv, RunOptions& opt, bool compiling) {
  opterr = 0;  // our own messages, which name the fix
  // `run` stops at the module (the rest is the guest's); `compile` takes options anywhere.
  const char* shortOptions = compiling ? "ho:" : "+h";
  int id;
  while ((id = getopt_long(argc, argv, shortOptions, kOptions, nullptr)) != -1) {
    if (id == kHelp || id == 'h') {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (id == '?' || id == ':') {
      const char* word = argv[optind - 1];
      bool missingValue = (optopt >= kDir && optopt <= kTargetCpu) || optopt == 'o';
      return usageError(missingValue ? std::string("option `") + word + "` needs a value"
                                     : std::string("unknown option `") + word + "`");
    }
    if (compiling && !compileOption(id))
      return usageError("`wasmnn compile` takes only --opt-level, --bounds-checks, --target-cpu and -o FILE");
    if (!compiling && (id == kOutput || id == kTargetCpu))
      return usageError(std::string("--") + (id == kOutput ? "output" : "target-cpu") + " belongs to `wasmnn compile`");
    if (std::string error = applyOption(id, optarg ? optarg : "", opt); !error.empty()) return usageError(error);
  }
  if (optind >= argc)
    return usageError(compiling ? "no module given: wasmnn compile [options] module.wasm [-o FILE]"
                                : "no module given: wasmnn run [options] module.wasm [args...]");
  if (compiling && argc - optind > 1) return usageError(std::string("unexpected argument `") + argv[optind + 1] + "`");
  opt.command.assign(argv + optind, argv + argc);
  return std::nullopt;
}

int backendsCommand(int argc, char** argv) {
  RunOptions opt;
  opterr = 0;
  int id;
  while ((id = getopt_long(argc, argv, "+h", kOptions, nullptr)) != -1) {
    if (id == kHelp || id == 'h') {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (id < kNnBackendDir || id > kNnTimeout)
      return usageError("`wasmnn backends` takes only --nn-backend-dir, --nn-isolation, --nn-max-memory, --nn-timeout");
    if (std::string error = applyOption(id, optarg, opt); !error.empty()) return usageError(error);
  }
  if (optind < argc) return usageError(std::string("unexpected argument `") + argv[optind] + "`");
  return listBackends(opt);
}

int inspectCommand(int argc, char** argv) {
  static constexpr option kInspectOptions[] = {
      {"code", no_argument, nullptr, 'c'},
      {"func", required_argument, nullptr, 'f'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  constexpr const char* kForm = "wasmnn inspect --code module.wasm [--func N]";
  bool code = false;
  std::optional<uint32_t> func;
  opterr = 0;
  int id;
  while ((id = getopt_long(argc, argv, "h", kInspectOptions, nullptr)) != -1) {
    uint32_t n = 0;
    switch (id) {
      case 'c': code = true; break;
      case 'f':
        if (!parseNumber(optarg, n))
          return usageError(std::string("--func wants a function index, got `") + optarg + "`");
        func = n;
        break;
      case 'h': std::fputs(kUsage, stdout); return 0;
      default: return usageError(std::string("unknown option or missing value `") + argv[optind - 1] + "`: " + kForm);
    }
  }
  if (!code) return usageError(std::string("say what to inspect: ") + kForm);
  if (optind + 1 != argc) return usageError(std::string("give exactly one module: ") + kForm);
  return inspectCode(argv[optind], func);
}

int dispatch(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "--version" || command == "-V") {
    std::printf("wasmnn %s\n", wasmnn_version());
    return 0;
  }
  if (command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "backends") return backendsCommand(argc - 1, argv + 1);
  if (command == "inspect") return inspectCommand(argc - 1, argv + 1);
  if (command != "run" && command != "compile")
    return usageError(command.empty() ? "no command given" : "unknown command `" + command + "`");
  RunOptions opt;
  bool compiling = command == "compile";
  if (std::optional<int> exitCode = parseCommand(argc - 1, argv + 1, opt, compiling)) return *exitCode;
  return compiling ? compile(opt) : run(opt);
}

}  // namespace

// The CLI's own buffers (the module file, option strings) can exceed what the
// host grants (ulimit -v): that is a message, never an abort.
int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("wasmnn: error: out of host memory\n", stderr);
    return 1;
  }
}
