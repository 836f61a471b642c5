// Backend discovery and loading. Every failure ends up as one message that
// tells the operator what was looked for, where, why it failed and how to fix it.
#include "wasmnn/wasi_nn/backend_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>

#include "wasmnn/common/library_dir.h"
#include "wasmnn/wasi_nn/isolation/isolation.h"
#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/vocabulary.h"

namespace wasmnn::nn {
namespace {

constexpr const char* kPrefix = "libwasmnn_backend_";
constexpr const char* kSuffix = ".so";
constexpr uint32_t kMaxEncodings = 64;

std::string fileNameFor(const std::string& name) { return kPrefix + name + kSuffix; }

bool validName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string canonicalPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) ? std::string(resolved) : path;
}

std::string dlerrorText() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

// The process-wide cache: a library is opened and initialised once, however
// many hosts ask for it.
std::mutex& processMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, BackendOutcome>& processLibraries() {
  static std::map<std::string, BackendOutcome> libs;
  return libs;
}

// Tells a newer or older backend apart from a library that is no backend at all.
std::string missingEntryReport(void* handle) {
  for (int v = 0; v <= 9; ++v) {
    if (v == static_cast<int>(WASMNN_NN_BACKEND_ABI_VERSION)) continue;
    std::string sym = "wasmnn_backend_v" + std::to_string(v) + "_entry";
    if (dlsym(handle, sym.c_str()))
      return "it exports " + sym + ": built for backend ABI version " + std::to_string(v) +
             ", this wasmnn speaks version " + std::to_string(WASMNN_NN_BACKEND_ABI_VERSION) +
             "; rebuild the backend against this wasmnn";
  }
  return std::string("it does not export ") + WASMNN_NN_BACKEND_ENTRY_SYMBOL + " (not a wasmnn backend?)";
}

BackendOutcome initBackend(const wasmnn_nn_backend* table, const std::string& path) {
  auto backend = std::make_shared<Backend>();
  backend->path = path;
  std::memcpy(&backend->fns, table, std::min<size_t>(table->struct_size, sizeof(wasmnn_nn_backend)));
  backend->name = table->name;
  backend->encodings.assign(table->encodings, table->encodings + table->encoding_count);
  backend->info.struct_size = sizeof(wasmnn_nn_backend_info);
  char why[512] = {0};
  wasmnn_nn_errno err = WASMNN_NN_RUNTIME_ERROR;
  try {
    err = backend->fns.init(&backend->info, why, sizeof why);
  } catch (...) {
    std::snprintf(why, sizeof why, "init threw a C++ exception (contract violation)");
  }
  why[sizeof why - 1] = '\0';
  if (err != WASMNN_NN_SUCCESS)
    return {nullptr, path + ": init failed (" + wasmnn_nn_errno_name(err) + "): " + (why[0] ? why : "no reason given")};
  if (!backend->info.framework_name) backend->info.framework_name = "?";
  if (!backend->info.framework_version) backend->info.framework_version = "?";
  if (backend->info.target_mask == 0) backend->info.target_mask = WASMNN_NN_TARGET_BIT(WASMNN_NN_TARGET_CPU);
  return {std::move(backend), {}};
}

BackendOutcome openUncached(const std::string& path, const std::string& name) {
  BackendTable loaded = loadBackendTable(path, name);
  if (!loaded.table) return {nullptr, loaded.error, loaded.transient};
  return initBackend(loaded.table, path);
}

std::string joinEncodings(const std::vector<wasmnn_nn_encoding>& encodings) {
  std::string out;
  for (wasmnn_nn_encoding e : encodings) out += (out.empty() ? "" : ", ") + std::string(wasmnn_nn_encoding_name(e));
  return out.empty() ? "none" : out;
}

std::string joinTargets(uint32_t mask) {
  std::string out;
  for (const TargetInfo& t : targets())
    if (mask & WASMNN_NN_TARGET_BIT(t.value)) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out.empty() ? "none" : out;
}

// The backend an encoding is served by unless another installed one declares it.
std::string defaultBackend(wasmnn_nn_encoding encoding) {
  const EncodingInfo* info = findEncoding(encoding);
  return info ? info->backend : wasmnn_nn_encoding_name(encoding);
}

// The encodings whose default backend is `backend`, for reports.
std::string encodingsServedBy(const std::string& backend) {
  std::string out;
  for (const EncodingInfo& e : encodings())
    if (backend == e.backend) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

std::string describeDirs(const std::vector<SearchDir>& dirs) {
  std::string out;
  for (const SearchDir& d : dirs) out += (out.empty() ? "" : ", ") + d.path + " (" + d.origin + ")";
  return out.empty() ? "no directories" : out;
}

}  // namespace

bool Backend::takes(wasmnn_nn_encoding encoding) const {
  return std::find(encodings.begin(), encodings.end(), encoding) != encodings.end();
}

bool Backend::runsOn(wasmnn_nn_target target) const {
  return target == WASMNN_NN_TARGET_AUTO || (info.target_mask & WASMNN_NN_TARGET_BIT(target)) != 0;
}

std::string checkBackendTable(const wasmnn_nn_backend* table, const std::string& expectedName) {
  if (table->abi_version != WASMNN_NN_BACKEND_ABI_VERSION)
    return "built for backend ABI version " + std::to_string(table->abi_version) + ", this wasmnn speaks version " +
           std::to_string(WASMNN_NN_BACKEND_ABI_VERSION) + "; rebuild the backend against this wasmnn";
  if (table->struct_size < WASMNN_NN_BACKEND_V1_MIN_SIZE)
    return "its function table is " + std::to_string(table->struct_size) + " bytes, ABI version " +
           std::to_string(WASMNN_NN_BACKEND_ABI_VERSION) + " needs at least " +
           std::to_string(WASMNN_NN_BACKEND_V1_MIN_SIZE) + " (built against a mismatched nn_backend.h)";
  if (!table->name || expectedName != table->name)
    return "it calls itself '" + std::string(table->name ? table->name : "(null)") + "' but the file name says '" +
           expectedName + "'";
  if (table->encoding_count > kMaxEncodings || (table->encoding_count > 0 && !table->encodings))
    return "its encoding list is invalid (" + std::to_string(table->encoding_count) + " entries)";
  if (!table->init || !table->load || !table->destroy_graph || !table->init_context || !table->destroy_context ||
      !table->set_input || !table->compute || !table->get_output)
    return "its function table lacks a mandatory function";
  if (!table->version) return "its function table has no version string";
  return {};
}

BackendTable loadBackendTable(const std::string& path, const std::string& name) {
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return {nullptr, path + ": dlopen failed: " + dlerrorText(), path, true};
  auto entry = reinterpret_cast<wasmnn_nn_backend_entry_fn>(dlsym(handle, WASMNN_NN_BACKEND_ENTRY_SYMBOL));
  if (!entry) return {nullptr, path + ": " + missingEntryReport(handle), path};
  Dl_info info{};
  std::string where = dladdr(reinterpret_cast<void*>(entry), &info) && info.dli_fname ? info.dli_fname : path;
  const wasmnn_nn_backend* table = nullptr;
  try {
    table = entry(WASMNN_NN_BACKEND_ABI_VERSION);
  } catch (...) {
    return {nullptr, where + ": its entry threw a C++ exception (contract violation)", where};
  }
  if (!table)
    return {nullptr,
            where + ": the backend declined backend ABI version " + std::to_string(WASMNN_NN_BACKEND_ABI_VERSION) +
                " (entry returned NULL)",
            where};
  std::string problem = checkBackendTable(table, name);
  if (!problem.empty()) return {nullptr, where + ": " + problem, where};
  return {table, {}, where};
}

BackendOutcome openBackendLibrary(const std::string& path, const std::string& name) {
  std::lock_guard lock(processMutex());
  std::string key = canonicalPath(path);
  auto& libs = processLibraries();
  if (auto it = libs.find(key); it != libs.end()) return it->second;
  BackendOutcome outcome = openUncached(path, name);
  if (outcome.backend)
    wasmnn_nn_log(WASMNN_NN_LOG_INFO, kLogSource, "loaded backend %s %s (%s %s) from %s", name.c_str(),
                  outcome.backend->fns.version, outcome.backend->info.framework_name,
                  outcome.backend->info.framework_version, path.c_str());
  if (outcome.transient) return outcome;
  return libs.emplace(key, std::move(outcome)).first->second;
}

void BackendLoader::setIsolated(bool isolated) {
  std::lock_guard lock(mu_);
  if (isolated_ == isolated) return;
  isolated_ = isolated;
  byName_.clear();
  chosen_.clear();
}

void BackendLoader::addDir(std::string dir) {
  std::string absolute = canonicalPath(dir);  // reports and dlopen paths stay unambiguous
  std::lock_guard lock(mu_);
  dirs_.push_back(std::move(absolute));
  // A new directory may shadow earlier choices and heal earlier failures.
  byName_.clear();
  chosen_.clear();
}

std::vector<SearchDir> BackendLoader::searchDirs() const {
  std::vector<SearchDir> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& path, const char* origin) {
    if (!path.empty() && seen.insert(path).second) out.push_back({path, origin});
  };
  {
    std::lock_guard lock(mu_);
    for (const std::string& d : dirs_) add(d, "--nn-backend-dir");
  }
  if (const char* env = std::getenv("WASMNN_BACKEND_PATH")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t colon = list.find(':', start);
      if (colon == std::string::npos) colon = list.size();
      add(list.substr(start, colon - start), "WASMNN_BACKEND_PATH");
      start = colon + 1;
    }
  }
  add(libraryDir(), "next to libwasmnn.so");
  return out;
}

BackendOutcome BackendLoader::byNameLocked(const std::string& name, const std::vector<SearchDir>& dirs) {
  if (auto it = byName_.find(name); it != byName_.end()) return it->second;
  const std::string file = fileNameFor(name);
  BackendOutcome outcome;
  auto hit = std::find_if(dirs.begin(), dirs.end(),
                          [&](const SearchDir& d) { return access((d.path + "/" + file).c_str(), F_OK) == 0; });
  auto open = isolated_ ? isolation::openIsolatedBackend : openBackendLibrary;
  if (hit != dirs.end()) {
    outcome = open(hit->path + "/" + file, name);
  } else if (isolated_) {
    outcome = open(file, name);  // the zygote's dlopen searches the system library path
  } else {
    // Last resort: the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache).
    dlerror();
    if (void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      Dl_info info{};
      void* entry = dlsym(handle, WASMNN_NN_BACKEND_ENTRY_SYMBOL);
      std::string where = (entry && dladdr(entry, &info) && info.dli_fname) ? info.dli_fname : file;
      outcome = openBackendLibrary(where, name);
    } else {
      outcome = {nullptr, file + " not found; dlopen(" + file + "): " + dlerrorText(), true};
    }
  }
  if (outcome.transient) return outcome;
  return byName_.emplace(name, outcome).first->second;
}

std::vector<std::string> BackendLoader::installedNamesLocked(const std::vector<SearchDir>& dirs) const {
  // Directory order first (an earlier directory shadows a later one), names
  // sorted within a directory so the choice never depends on readdir order.
  std::vector<std::string> names;
  const std::string prefix = kPrefix, suffix = kSuffix;
  for (const SearchDir& d : dirs) {
    DIR* dir = opendir(d.path.c_str());
    if (!dir) continue;
    std::vector<std::string> here;
    while (dirent* e = readdir(dir)) {
      std::string f = e->d_name;
      if (f.size() <= prefix.size() + suffix.size() || f.compare(0, prefix.size(), prefix) != 0 ||
          f.compare(f.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      std::string name = f.substr(prefix.size(), f.size() - prefix.size() - suffix.size());
      if (validName(name) && std::find(names.begin(), names.end(), name) == names.end()) here.push_back(name);
    }
    closedir(dir);
    std::sort(here.begin(), here.end());
    for (std::string& n : here)
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  }
  return names;
}

std::string missingBackendReport(wasmnn_nn_encoding encoding, const std::vector<SearchDir>& dirs,
                                 const std::string& why) {
  const std::string backend = defaultBackend(encoding);
  const char* enc = wasmnn_nn_encoding_name(encoding);
  std::string msg = std::string("no usable WASI-NN backend for encoding ") + enc + ": looked for " +
                    fileNameFor(backend) + " in " + describeDirs(dirs) + " and the system library path: " + why +
                    "; no other installed backend takes " + enc;
  if (isShipped(backend))
    msg += "; build it with cmake -D" + cmakeOption(backend) +
           "=ON, or point --nn-backend-dir / WASMNN_BACKEND_PATH at its directory";
  else
    msg += "; this wasmnn ships no backend for it (add one with --nn-backend-dir / WASMNN_BACKEND_PATH)";
  return msg;
}

NnExpected<std::shared_ptr<const Backend>> BackendLoader::forEncoding(wasmnn_nn_encoding encoding) {
  std::vector<SearchDir> dirs = searchDirs();
  std::lock_guard lock(mu_);
  if (auto it = chosen_.find(encoding); it != chosen_.end()) return it->second;
  const std::string route = defaultBackend(encoding);
  BackendOutcome primary = byNameLocked(route, dirs);
  if (primary.backend && primary.backend->takes(encoding)) return chosen_[encoding] = primary.backend;
  std::string others;  // why the other installed backends could not be asked
  for (const std::string& name : installedNamesLocked(dirs)) {
    if (name == route) continue;
    BackendOutcome other = byNameLocked(name, dirs);
    if (other.backend && other.backend->takes(encoding)) return chosen_[encoding] = other.backend;
    if (!other.backend) others += "; also unusable: " + other.error;
  }
  std::string why = primary.backend
                        ? primary.backend->path + " does not declare encoding " + wasmnn_nn_encoding_name(encoding)
                        : primary.error;
  why += others;
  wasmnn_nn_log(WASMNN_NN_LOG_ERROR, kLogSource, "%s", missingBackendReport(encoding, dirs, why).c_str());
  return WASMNN_NN_INVALID_ENCODING;
}

std::string BackendLoader::describe() {
  std::vector<SearchDir> dirs = searchDirs();
  std::lock_guard lock(mu_);
  std::string out = "WASI-NN backends (backend ABI version " + std::to_string(WASMNN_NN_BACKEND_ABI_VERSION) + ")\n";
  out += "search path:\n";
  for (const SearchDir& d : dirs) out += "  " + d.path + "  (" + d.origin + ")\n";
  std::string installed, failed;
  std::vector<std::string> names = installedNamesLocked(dirs);
  for (const std::string& name : names) {
    BackendOutcome o = byNameLocked(name, dirs);
    if (o.backend) {
      const Backend& b = *o.backend;
      installed += "  " + b.name + " " + b.fns.version + "  framework " + b.info.framework_name + " " +
                   b.info.framework_version + "  encodings: " + joinEncodings(b.encodings) +
                   "  targets: " + joinTargets(b.info.target_mask) + "\n    " + b.path + "\n";
    } else {
      failed += "  " + name + ": " + o.error + "\n";
    }
  }
  out += "installed:\n" + (installed.empty() ? std::string("  (none)\n") : installed);
  if (!failed.empty()) out += "failed:\n" + failed;
  std::string missing;
  for (const char* backend : shippedBackends()) {
    if (std::find(names.begin(), names.end(), backend) != names.end()) continue;
    std::string served = encodingsServedBy(backend);
    missing += std::string("  ") + backend + (served.empty() ? "" : " (encoding " + served + ")") +
               ": build with cmake -D" + cmakeOption(backend) + "=ON\n";
  }
  if (!missing.empty()) out += "not installed:\n" + missing;
  return out;
}

}  // namespace wasmnn::nn
