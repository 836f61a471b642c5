#include "wasmnn/wasi_nn/model_registry.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/nn_host.h"
#include "wasmnn/wasi_nn/vocabulary.h"

namespace wasmnn::nn {
namespace {

Error specError(std::string_view spec, const std::string& why) {
  return Error{ErrorKind::Host,
               "--nn-preload `" + std::string(spec) + "`: " + why + " (expected NAME:ENCODING:TARGET:PATH[:PATH2])"};
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// False for an unknown name; otherwise *out is the encoding, or empty for autodetect.
bool encodingNamed(std::string_view name, std::optional<wasmnn_nn_encoding>& out) {
  out.reset();
  if (lower(name) == "autodetect" || lower(name) == "auto") return true;
  const EncodingInfo* info = encodingByName(name);
  if (info) out = info->value;
  return info != nullptr;
}

// The spec names an address for the backend (vocabulary.def: preload url), not files to map.
bool isAddress(const PreloadSpec& spec) {
  return spec.encoding && findEncoding(*spec.encoding)->preload == PreloadKind::url;
}

bool isConfigEmpty(std::string_view config) {
  std::string compact;
  for (char c : config)
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  return compact.empty() || compact == "{}";
}

}  // namespace

Result<PreloadSpec> parsePreloadSpec(std::string_view spec) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = spec.find(':', start);
    parts.push_back(spec.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 4) return specError(spec, "wrong number of fields");
  PreloadSpec out;
  out.name = std::string(parts[0]);
  if (out.name.empty()) return specError(spec, "empty model name");
  if (!encodingNamed(parts[1], out.encoding))
    return specError(spec, "unknown encoding `" + std::string(parts[1]) + "`");
  const TargetInfo* target = targetByName(parts[2]);
  if (!target) return specError(spec, "unknown target `" + std::string(parts[2]) + "` (cpu, gpu, tpu or auto)");
  out.target = target->value;
  if (isAddress(out)) {
    // An address keeps its own colons (scheme, port): it is the whole rest of the spec.
    out.paths.emplace_back(spec.substr(parts[0].size() + parts[1].size() + parts[2].size() + 3));
    if (out.paths[0].empty()) return specError(spec, "empty address");
    return out;
  }
  if (parts.size() > 5) return specError(spec, "wrong number of fields");
  for (size_t i = 3; i < parts.size(); ++i) {
    if (parts[i].empty()) return specError(spec, "empty path");
    out.paths.emplace_back(parts[i]);
  }
  return out;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{ErrorKind::Host, "cannot open model file `" + path + "`: " + std::strerror(errno)};
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{ErrorKind::Host, "model file `" + path + "` is not a regular file"};
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* data = nullptr;
  if (size > 0) {
    data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Error{ErrorKind::Host, "cannot map model file `" + path + "`: " + std::strerror(e)};
    }
  }
  ::close(fd);
  return MappedFile(path, data, size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
}

std::vector<wasmnn_nn_builder> PreloadedModel::builders() const {
  std::vector<wasmnn_nn_builder> out;
  if (isAddress(spec_)) {
    // The address is the builder's bytes, not a path: bytes reach a backend in
    // every isolation mode, a path only when the backend runs in this process.
    const std::string& url = spec_.paths[0];
    return {{reinterpret_cast<const uint8_t*>(url.data()), url.size(), nullptr}};
  }
  for (const MappedFile& f : files_) out.push_back({f.bytes().data(), f.bytes().size(), f.path().c_str()});
  return out;
}

NnExpected<std::shared_ptr<Graph>> PreloadedModel::sharedGraph(NnHost& host, isolation::Tenant& tenant) {
  if (!missingPath_.empty())
    return fail(WASMNN_NN_MODEL_NOT_FOUND,
                "preloaded model '" + spec_.name + "': its file `" + missingPath_ + "` was missing at start-up");
  if (host.isolation().mode == isolation::Mode::Process)
    return tenant.preloaded(this, [&] {
      return host.build(spec_.encoding, spec_.target, builders(), {}, "preloaded model '" + spec_.name + "'", tenant);
    });
  std::lock_guard lock(mu_);
  if (graph_) return graph_;
  if (failed_ != WASMNN_NN_SUCCESS)
    return fail(failed_, "preloaded model '" + spec_.name + "' failed to build earlier; see the first error");
  std::vector<wasmnn_nn_builder> parts = builders();
  auto built = host.build(spec_.encoding, spec_.target, parts, {}, "preloaded model '" + spec_.name + "'", tenant);
  if (!built) {
    failed_ = built.error();
    return failed_;
  }
  graph_ = *built;
  return graph_;
}

NnExpected<std::shared_ptr<Graph>> PreloadedModel::buildWithConfig(NnHost& host, isolation::Tenant& tenant,
                                                                   std::string_view config) {
  if (isConfigEmpty(config) || !missingPath_.empty()) return sharedGraph(host, tenant);
  std::vector<wasmnn_nn_builder> parts = builders();
  return host.build(spec_.encoding, spec_.target, parts, config, "preloaded model '" + spec_.name + "' (with config)",
                    tenant);
}

Result<void> ModelRegistry::add(PreloadSpec spec) {
  std::vector<MappedFile> files;
  std::string missing;
  for (const std::string& path : spec.paths) {
    if (isAddress(spec)) break;  // the backend connects to it; nothing to map
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      missing = path;
      break;
    }
    auto file = MappedFile::open(path);
    if (!file) return Error{ErrorKind::Host, "--nn-preload " + spec.name + ": " + file.error().message};
    files.push_back(std::move(*file));
  }
  std::lock_guard lock(mu_);
  std::string name = spec.name;
  if (models_.count(name)) return Error{ErrorKind::Host, "--nn-preload: model name '" + name + "' is used twice"};
  if (!missing.empty()) {
    warn("--nn-preload " + name + ": model file `" + missing + "` does not exist; load_by_name(\"" + name +
         "\") will fail with model_not_found");
    models_.emplace(name, std::make_shared<PreloadedModel>(std::move(spec), std::move(missing)));
  } else {
    models_.emplace(name, std::make_shared<PreloadedModel>(std::move(spec), std::move(files)));
  }
  return {};
}

std::shared_ptr<PreloadedModel> ModelRegistry::find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second;
}

std::string ModelRegistry::names() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, model] : models_) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

}  // namespace wasmnn::nn
