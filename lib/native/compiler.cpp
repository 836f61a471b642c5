// Giving a module native code: from the cache, from an AOT artifact, or by
// compiling it with the LLVM tier, whose library (libwasmnn_llvm.so, next to
// libwasmnn.so) is loaded only here, the first time a module is compiled.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "internal.h"
#include "wasmnn/common/library_dir.h"
#include "wasmnn/llvm/compiler.h"
#include "wasmnn/runtime/objects.h"

namespace wasmnn::native {

namespace {

struct Plugin {
  wasmnn_llvm_compile_fn compile = nullptr;
  std::string error;  // why compile is null
};

const Plugin& plugin() {
  static const Plugin loaded = [] {
    Plugin p;
    std::string path = libraryDir() + "/libwasmnn_llvm.so";
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      p.error = "the compiled tier is not available: " + std::string(why ? why : path + " cannot be loaded") +
                " (build wasmnn with -DWASMNN_LLVM=ON; it needs llvm-19-dev)";
      return p;
    }
    auto id = reinterpret_cast<wasmnn_llvm_codegen_id_fn>(dlsym(handle, "wasmnn_llvm_codegen_id"));
    auto compile = reinterpret_cast<wasmnn_llvm_compile_fn>(dlsym(handle, "wasmnn_llvm_compile"));
    if (!id || !compile) {
      p.error = path + " is not wasmnn's LLVM tier (entry points missing)";
    } else if (std::strcmp(id(), codegenId()) != 0) {
      p.error = path + " comes from another wasmnn build (codegen " + id() + ", libwasmnn.so has " + codegenId() +
                "): install both from the same build";
    } else {
      p.compile = compile;
    }
    return p;
  }();
  return loaded;
}

Result<std::vector<uint8_t>> compileWithLlvm(const Module& module, const CodegenOptions& options) {
  const Plugin& p = plugin();
  if (!p.compile) return Error{ErrorKind::Host, p.error};
  wasmnn_llvm_request request{WASMNN_LLVM_PLUGIN_ABI, &module, options.cpu.c_str(), options.optLevel, options.guard};
  wasmnn_llvm_result result{};
  int rc = p.compile(&request, &result);
  std::unique_ptr<uint8_t, decltype(&std::free)> object(result.object, &std::free);
  std::unique_ptr<char, decltype(&std::free)> error(result.error, &std::free);
  if (rc != 0 || !object)
    return Error{ErrorKind::Host,
                 std::string("compiling the module failed: ") + (error ? error.get() : "no reason given")};
  return std::vector<uint8_t>(object.get(), object.get() + result.size);
}

// ---------------------------------------------------------------- cache

bool makeDirs(const std::string& dir) {
  for (size_t slash = 1; slash != std::string::npos;) {
    slash = dir.find('/', slash + 1);
    std::string prefix = dir.substr(0, slash);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}

std::vector<uint8_t> readFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::vector<uint8_t> bytes;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    bytes.resize(size_t(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += size_t(n);
    }
    bytes.resize(done);
  }
  close(fd);
  return bytes;
}

// Written under a temporary name and renamed, so readers never see half a file.
void writeFile(const std::string& path, std::span<const uint8_t> bytes) {
  std::string temp = path + ".tmp" + std::to_string(getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  bool ok = close(fd) == 0 && done == bytes.size();
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) unlink(temp.c_str());
}

// The cached artifact of exactly these bytes and options, or nothing if there
// is none or it does not fit (corrupt, another module or settings: it is then
// compiled again and replaced).
std::optional<Artifact> readCached(const std::string& path, std::span<const uint8_t> wasm,
                                   const CodegenOptions& options) {
  auto artifact = readArtifact(readFile(path));
  if (!artifact || !std::equal(wasm.begin(), wasm.end(), artifact->wasm.begin(), artifact->wasm.end()) ||
      artifact->options.cpu != options.cpu || artifact->options.optLevel != options.optLevel ||
      artifact->options.guard != options.guard)
    return std::nullopt;
  return std::move(*artifact);
}

}  // namespace

namespace {

// The module compiled by the LLVM tier, as a checked artifact.
Result<Artifact> compileArtifact(const Module& module, std::span<const uint8_t> wasm, const CodegenOptions& options) {
  auto object = compileWithLlvm(module, options);
  if (!object) return object.error();
  return readArtifact(buildArtifact(wasm, *object, options));
}

}  // namespace

Result<std::unique_ptr<NativeModule>> compileNative(const Module& module, std::span<const uint8_t> wasm,
                                                    const CodegenOptions& options) {
  auto artifact = compileArtifact(module, wasm, options);
  if (!artifact) return artifact.error();
  return loadNativeModule(module, std::move(*artifact));
}

wasmnn_error* attachArtifact(wasmnn_module& module, Artifact artifact) {
  auto native = loadNativeModule(module.ast, std::move(artifact));
  if (!native) return makeError(native.error());
  module.native = native->release();
  return nullptr;
}

wasmnn_error* compileModule(const wasmnn_engine& engine, wasmnn_module& module, std::span<const uint8_t> wasm) {
  const wasmnn_config& config = engine.config;
  CodegenOptions options{config.target_cpu ? config.target_cpu : hostCpuLevel(), config.opt_level,
                         config.bounds_checks == WASMNN_BOUNDS_GUARD};
  if (!isCpuLevel(options.cpu))
    return makeError(WASMNN_ERROR_HOST,
                     "unknown target CPU `" + options.cpu + "`: use x86-64, x86-64-v2, x86-64-v3 or x86-64-v4");
  std::string cachePath;
  if (config.cache_dir) {
    cachePath = std::string(config.cache_dir) + "/" + moduleHash(wasm) + "-" + settingsKey(options) + ".cwasm";
    if (std::optional<Artifact> cached = readCached(cachePath, wasm, options))
      return attachArtifact(module, std::move(*cached));
  }
  auto artifact = compileArtifact(module.ast, wasm, options);
  if (!artifact) return makeError(artifact.error());
  // A cache that cannot be written only costs the next run a compile.
  if (!cachePath.empty() && makeDirs(config.cache_dir)) writeFile(cachePath, artifact->bytes);
  return attachArtifact(module, std::move(*artifact));
}

std::span<const uint8_t> moduleArtifact(const wasmnn_module& module) {
  return module.native ? std::span<const uint8_t>(module.native->artifact.bytes) : std::span<const uint8_t>();
}

}  // namespace wasmnn::native
