// wasmnn CLI: just another embedder of the C API (wasmnn.h, wasi.h, wasi_nn.h).
//   wasmnn run [options] module.wasm [args...]
//   wasmnn backends [--nn-backend-dir DIR]...
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
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
  std::string invoke;
  uint32_t maxCallDepth = 0;
  uint32_t maxMemoryPages = 0;
  uint32_t boundsChecks = WASMNN_BOUNDS_AUTO;
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
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

int fail(const std::string& message) {
  std::fprintf(stderr, "wasmnn: error: %s\n", message.c_str());
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
      std::fprintf(stderr, "  at %s\n", name);
    else
      std::fprintf(stderr, "  at %s (%zu frames)\n", name, run);
    i += run;
  }
}

// Reports an error from the engine and returns the process exit code it maps to.
int report(wasmnn_error* raw, const std::string& context) {
  Owned<wasmnn_error> error(raw);
  switch (wasmnn_error_get_kind(error.get())) {
    case WASMNN_ERROR_EXIT:
      return wasmnn_error_exit_code(error.get());
    case WASMNN_ERROR_TRAP:
    case WASMNN_ERROR_EXHAUSTION: {
      std::fprintf(stderr, "wasmnn: trap: %s\n", wasmnn_error_message(error.get()));
      printBacktrace(error.get());
      return kTrapExitCode;
    }
    default:
      return fail(context + ": " + wasmnn_error_message(error.get()));
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

template <typename T>
bool parseNumber(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Integers accept signed or unsigned spellings ("-1" and "4294967295" are the same i32).
template <typename Signed, typename Unsigned>
bool parseInteger(const std::string& text, Signed& out) {
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

bool parseArgument(const std::string& text, wasmnn_valkind kind, wasmnn_val& out) {
  out.kind = kind;
  switch (kind) {
    case WASMNN_I32: return parseInteger<int32_t, uint32_t>(text, out.of.i32);
    case WASMNN_I64: return parseInteger<int64_t, uint64_t>(text, out.of.i64);
    case WASMNN_F32: {
      float f;
      if (!parseNumber(text, f)) return false;
      std::memcpy(&out.of.f32_bits, &f, sizeof f);
      return true;
    }
    case WASMNN_F64: {
      double d;
      if (!parseNumber(text, d)) return false;
      std::memcpy(&out.of.f64_bits, &d, sizeof d);
      return true;
    }
    case WASMNN_FUNCREF: out.of.funcref = nullptr; return text == "null";
    case WASMNN_EXTERNREF: out.of.externref = nullptr; return text == "null";
    case WASMNN_V128: return parseV128(text, out.of.v128);
  }
  return false;
}

// Prints a result the way `wasmtime --invoke` does: integers in decimal, floats as numbers.
void printValue(const wasmnn_val& v) {
  char buf[64];
  switch (v.kind) {
    case WASMNN_I32: std::printf("%d\n", v.of.i32); return;
    case WASMNN_I64: std::printf("%lld\n", static_cast<long long>(v.of.i64)); return;
    case WASMNN_F32: {
      float f;
      std::memcpy(&f, &v.of.f32_bits, sizeof f);
      auto r = std::to_chars(buf, buf + sizeof buf, f);
      std::printf("%.*s\n", int(r.ptr - buf), buf);
      return;
    }
    case WASMNN_F64: {
      double d;
      std::memcpy(&d, &v.of.f64_bits, sizeof d);
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      std::printf("%.*s\n", int(r.ptr - buf), buf);
      return;
    }
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
      return fail("argument " + std::to_string(i + 1) + " (`" + args[i] + "`) is not a valid value of the parameter's type");
  if (wasmnn_error* error = wasmnn_func_call(item.of.func, params.data(), params.size(), results.data(), results.size()))
    return report(error, "invoking `" + name + "`");
  for (const wasmnn_val& v : results) printValue(v);
  return 0;
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
    size_t sep = dir.find("::");
    std::string host = sep == std::string::npos ? dir : dir.substr(0, sep);
    std::string guest = sep == std::string::npos ? dir : dir.substr(sep + 2);
    if (wasmnn_error* error = wasmnn_wasi_preopen_dir(wasi, host.c_str(), guest.c_str())) return error;
  }
  return nullptr;
}

wasmnn_error* configureNn(wasmnn_nn_host* nn, const RunOptions& opt) {
  for (const std::string& dir : opt.backendDirs) wasmnn_nn_host_add_backend_dir(nn, dir.c_str());
  for (const std::string& spec : opt.preloads)
    if (wasmnn_error* error = wasmnn_nn_host_preload(nn, spec.c_str())) return error;
  return nullptr;
}

int run(const RunOptions& opt) {
  const std::string& path = opt.command.front();
  auto bytes = readFile(path);
  if (!bytes) return fail("cannot read `" + path + "`: " + std::strerror(errno));

  wasmnn_config config{};
  config.max_call_depth = opt.maxCallDepth;
  config.max_memory_pages = opt.maxMemoryPages;
  config.bounds_checks = opt.boundsChecks;
  Owned<wasmnn_engine> engine(wasmnn_engine_new(&config));

  wasmnn_module* rawModule = nullptr;
  if (wasmnn_error* error = wasmnn_module_new(engine.get(), bytes->data(), bytes->size(), &rawModule))
    return report(error, "`" + path + "` is not a valid module");
  Owned<wasmnn_module> module(rawModule);

  Owned<wasmnn_wasi> wasi(wasmnn_wasi_new());
  if (wasmnn_error* error = configureWasi(wasi.get(), opt)) return report(error, "WASI setup");
  Owned<wasmnn_nn_host> nn(wasmnn_nn_host_new());
  if (wasmnn_error* error = configureNn(nn.get(), opt)) return report(error, "WASI-NN setup");

  // The store goes before wasi and nn: host functions reference them until it is deleted.
  Owned<wasmnn_store> store(wasmnn_store_new(engine.get()));
  Owned<wasmnn_linker> linker(wasmnn_linker_new(store.get()));
  if (wasmnn_error* error = wasmnn_linker_define_wasi(linker.get(), wasi.get())) return report(error, "WASI setup");
  if (wasmnn_error* error = wasmnn_linker_define_wasi_nn(linker.get(), nn.get()))
    return report(error, "WASI-NN setup");

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

int listBackends(const std::vector<std::string>& backendDirs) {
  Owned<wasmnn_nn_host> nn(wasmnn_nn_host_new());
  for (const std::string& dir : backendDirs) wasmnn_nn_host_add_backend_dir(nn.get(), dir.c_str());
  char* text = wasmnn_nn_host_describe_backends(nn.get());
  std::fputs(text, stdout);
  wasmnn_nn_string_delete(text);
  return 0;
}

// Index of the module in `wasmnn run [options] [--] module args...`: the first
// word that is neither an option nor an option's value (or the word after "--").
// Returns args.size() if there is none; CLI11 then reports the missing module.
size_t findModuleArgument(const std::vector<std::string>& args, size_t first, const CLI::App& run) {
  for (size_t i = first; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") return i + 1 < args.size() ? i + 1 : args.size();
    if (word.size() < 2 || word[0] != '-') return i;
    if (word.find('=') != std::string::npos) continue;  // --option=value
    const CLI::Option* option = run.get_option_no_throw(word);
    if (option && option->get_items_expected_min() > 0) ++i;  // skip the option's value
  }
  return args.size();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wasmnn — a WebAssembly runtime with WASI and WASI-NN", "wasmnn"};
  app.set_version_flag("--version", std::string("wasmnn ") + wasmnn_version());
  app.require_subcommand(1);

  RunOptions opt;
  CLI::App* runCmd = app.add_subcommand("run", "Run a WebAssembly module (its _start, or --invoke an export)");
  runCmd->add_option("--dir", opt.dirs, "Grant a host directory: HOST::GUEST, or PATH for the same name in both")
      ->allow_extra_args(false);
  runCmd->add_option("--env", opt.envs, "Set a guest environment variable KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  runCmd->add_flag("--inherit-env", opt.inheritEnv, "Pass the host's environment to the guest (before --env)");
  runCmd->add_option("--nn-preload", opt.preloads, "Preload a model: NAME:ENCODING:TARGET:PATH[:PATH2]")
      ->allow_extra_args(false);
  runCmd->add_option("--nn-backend-dir", opt.backendDirs, "Search this directory for WASI-NN backends first")
      ->allow_extra_args(false);
  runCmd->add_option("--invoke", opt.invoke, "Call this export with the arguments after the module, print results")
      ->allow_extra_args(false);
  runCmd->add_option("--max-call-depth", opt.maxCallDepth, "Wasm call depth before 'call stack exhausted'");
  runCmd->add_option("--max-memory-pages", opt.maxMemoryPages, "Upper bound on any linear memory (64 KiB pages)");
  runCmd->add_option("--bounds-checks", opt.boundsChecks, "Memory bounds checks: explicit, or guard (guard pages, default where supported)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, uint32_t>{{"explicit", WASMNN_BOUNDS_EXPLICIT},
                                                                          {"guard", WASMNN_BOUNDS_GUARD}}))
      ->option_text("explicit|guard");
  std::string modulePath;
  runCmd->add_option("module", modulePath, "The .wasm module, then the guest's arguments")->required();

  std::vector<std::string> backendDirs;
  CLI::App* backendsCmd = app.add_subcommand("backends", "List installed WASI-NN backends and why others failed");
  backendsCmd->add_option("--nn-backend-dir", backendDirs, "Search this directory for WASI-NN backends first");

  // CLI11 sees `run`'s options and the module only; the guest's arguments are
  // passed on untouched and in order, even ones that look like our options.
  std::vector<std::string> ours(argv, argv + argc);
  std::vector<std::string> guestArgs;
  if (argc > 1 && ours[1] == "run") {
    size_t module = findModuleArgument(ours, 2, *runCmd);
    if (module < ours.size()) {
      guestArgs.assign(ours.begin() + long(module) + 1, ours.end());
      ours.resize(module + 1);
      if (ours[module - 1] == "--") ours.erase(ours.begin() + long(module) - 1);
    }
  }
  ours.erase(ours.begin());  // CLI11 takes the arguments without argv[0], in reverse order
  std::reverse(ours.begin(), ours.end());
  try {
    app.parse(ours);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*backendsCmd) return listBackends(backendDirs);
  opt.command = {modulePath};
  opt.command.insert(opt.command.end(), guestArgs.begin(), guestArgs.end());
  return run(opt);
}
