// A module's native code: loading it, the CPU levels it may be compiled for,
// and binding it to instances.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "internal.h"
#include "wasmnn/runtime/objects.h"

namespace wasmnn::native {

namespace {

// The x86-64 micro-architecture levels, oldest first.
constexpr const char* kCpuLevels[] = {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"};

int levelIndex(std::string_view level) {
  for (size_t i = 0; i < std::size(kCpuLevels); ++i)
    if (level == kCpuLevels[i]) return int(i);
  return -1;
}

// The number after `prefix` in `name`, or nullopt.
std::optional<uint32_t> indexAfter(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  uint32_t index = 0;
  auto [end, ec] = std::from_chars(name.data() + prefix.size(), name.data() + name.size(), index);
  if (ec != std::errc() || end != name.data() + name.size()) return std::nullopt;
  return index;
}

}  // namespace

const char* hostCpuLevel() {
#if defined(__x86_64__)
  __builtin_cpu_init();
#if defined(__clang__)  // clang 14 (scripts/fuzz.sh's build) knows no level names: test what defines each level
  bool v2 = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.2");
  bool v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("fma");
  bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vl");
#else
  bool v2 = __builtin_cpu_supports("x86-64-v2"), v3 = __builtin_cpu_supports("x86-64-v3"),
       v4 = __builtin_cpu_supports("x86-64-v4");
#endif
  if (v4) return kCpuLevels[3];
  if (v3) return kCpuLevels[2];
  if (v2) return kCpuLevels[1];
#endif
  return kCpuLevels[0];
}

bool isCpuLevel(const std::string& level) { return levelIndex(level) >= 0; }

bool cpuSupports(const std::string& level) {
  int wanted = levelIndex(level);
  return wanted >= 0 && wanted <= levelIndex(hostCpuLevel());
}

NativeModule::~NativeModule() { unregisterCode(this); }

Result<std::unique_ptr<NativeModule>> loadNativeModule(const Module& module, Artifact artifact) {
  auto image = CodeImage::load(artifact.object, runtimeSymbol);
  if (!image) return image.error();
  auto native = std::make_unique<NativeModule>();
  native->image = std::move(*image);
  native->artifact = std::move(artifact);
  native->ast = &module;
  native->funcs.assign(module.functions.size(), nullptr);
  native->entries.assign(module.types.size(), nullptr);
  for (const CodeImage::Function& f : native->image->functions()) {
    if (auto i = indexAfter(f.name, kFuncSymbol); i && *i < module.functions.size()) {
      native->funcs[*i] = reinterpret_cast<void*>(f.address);
      native->ranges.push_back({f.address, f.address + f.size, module.importedFuncs + *i});
    } else if (auto t = indexAfter(f.name, kEntrySymbol); t && *t < module.types.size()) {
      native->entries[*t] = reinterpret_cast<void*>(f.address);
    }
  }
  for (size_t i = 0; i < module.functions.size(); ++i) {
    if (!native->funcs[i] || !native->entries[module.functions[i].type])
      return Error{ErrorKind::Host, "the native code lacks function " + std::to_string(module.importedFuncs + i) +
                                        " or its entry: the artifact does not belong to this module"};
  }
  std::sort(native->ranges.begin(), native->ranges.end(),
            [](const NativeModule::Range& a, const NativeModule::Range& b) { return a.begin < b.begin; });
  if (!registerCode(native.get())) return Error{ErrorKind::Host, "too many modules with native code are loaded"};
  return native;
}

namespace {

// The module's code, or its variant with explicit checks when the code needs
// guard pages that this instance's memory lacks (no room for the reservation,
// or a memory from a store with explicit checks).
Result<const NativeModule*> codeFor(const wasmnn_instance& inst) {
  wasmnn_module& module = *inst.module;
  NativeModule& code = *module.native;
  if (!code.artifact.options.guard || inst.memories.empty() || inst.mem0->mem.guarded()) return &code;
  std::lock_guard lock(module.compileMutex);
  if (!code.checkedVariant) {
    CodegenOptions options = code.artifact.options;
    options.guard = false;
    auto variant = compileNative(module.ast, code.artifact.wasm, options);
    if (!variant)
      return Error{ErrorKind::Host,
                   "this module's native code relies on guard pages, which its memory lacks, and compiling it with "
                   "explicit bounds checks failed: " +
                       variant.error().message};
    code.checkedVariant = std::move(*variant);
  }
  return code.checkedVariant.get();
}

}  // namespace

wasmnn_error* bindInstance(wasmnn_instance& inst) {
  auto chosen = codeFor(inst);
  if (!chosen) return makeError(chosen.error());
  const NativeModule& code = **chosen;
  auto* native = new NativeInstance;
  inst.native = native;
  native->code = &code;
  for (wasmnn_global* g : inst.globals) native->globals.push_back(&g->value);
  for (wasmnn_table* t : inst.tables) native->tables.push_back(&t->view);
  for (wasmnn_func* f : inst.funcs) native->funcs.push_back(f);
  native->ctx = VmContext{inst.mem0->mem.data(),
                          inst.mem0->mem.sizeAddress(),
                          native->globals.data(),
                          native->tables.data(),
                          native->funcs.data(),
                          inst.module->typeIds.data(),
                          &inst.store->nativeState,
                          &inst,
                          &inst.store->interrupt.stackLimit};
  const uint32_t imported = inst.module->ast.importedFuncs;
  for (size_t i = 0; i < code.funcs.size(); ++i) {
    wasmnn_func* f = inst.funcs[imported + i];
    f->nativeCode = code.funcs[i];
    f->nativeCtx = &native->ctx;
  }
  return nullptr;
}

void deleteNativeInstance(NativeInstance* instance) { delete instance; }
void deleteNativeModule(NativeModule* module) { delete module; }

}  // namespace wasmnn::native
