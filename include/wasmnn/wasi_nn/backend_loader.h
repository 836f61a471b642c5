// Finds, dlopens, validates and initialises backend libraries
// (libwasmnn_backend_<name>.so) and picks the one serving an encoding.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "wasmnn/common/internal_api.h"
#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/expected.h"

namespace wasmnn::nn {

namespace isolation {
class Zygote;
}

// A validated, initialised backend. Lives for the whole process: libraries
// are never dlclosed (frameworks like libtorch do not survive it).
struct Backend {
  std::string name;
  std::string path;
  wasmnn_nn_backend fns{};  // copy of the backend's table; members past its struct_size are NULL
  wasmnn_nn_backend_info info{};
  std::vector<wasmnn_nn_encoding> encodings;
  // Process isolation: the zygote starting this backend's workers, and `fns`
  // is the proxy table that calls them (isolation/isolation.h). Null in-process.
  std::shared_ptr<isolation::Zygote> zygote;

  bool takes(wasmnn_nn_encoding encoding) const;
  bool runsOn(wasmnn_nn_target target) const;
};

// The backend, or the reason this file cannot be one.
struct BackendOutcome {
  std::shared_ptr<const Backend> backend;
  std::string error;
  // The file could not be found or opened (dlopen failed): that may pass (a
  // guest that used up the process's file descriptors, a backend installed
  // later), so the failure is not remembered. A library that loaded but is
  // no backend, speaks another ABI or failed init() fails the same way every
  // time (init runs once per process) and is remembered.
  bool transient = false;
};

// Validates a table returned by an entry function; returns "" or the problem.
WASMNN_INTERNAL_API std::string checkBackendTable(const wasmnn_nn_backend* table, const std::string& expectedName);
// The checked table of the library at `path`, dlopened but not initialised
// (a bare file name goes through the dynamic loader's search), or why it is none.
struct BackendTable {
  const wasmnn_nn_backend* table = nullptr;
  std::string error;
  std::string path;        // the file actually loaded
  bool transient = false;  // dlopen failed: see BackendOutcome::transient
};
WASMNN_INTERNAL_API BackendTable loadBackendTable(const std::string& path, const std::string& name);
// Opens `path` (once per process; later calls return the first outcome
// unless it was transient).
WASMNN_INTERNAL_API BackendOutcome openBackendLibrary(const std::string& path, const std::string& name);

struct SearchDir {
  std::string path;
  std::string origin;  // "--nn-backend-dir", "WASMNN_BACKEND_PATH", "next to libwasmnn.so"
};

// The one message for an encoding no backend can serve: encoding, file looked
// for, directories searched, why (dlerror / ABI problem), and the fix.
WASMNN_INTERNAL_API std::string missingBackendReport(wasmnn_nn_encoding encoding, const std::vector<SearchDir>& dirs,
                                                     const std::string& why);

class WASMNN_INTERNAL_API BackendLoader {
 public:
  void addDir(std::string dir);
  // Process isolation: backends are opened through zygotes (openIsolatedBackend)
  // instead of in this process. Off by default; NnHost turns it on.
  void setIsolated(bool isolated);
  // Flag dirs first, then $WASMNN_BACKEND_PATH, then the directory of libwasmnn.so.
  std::vector<SearchDir> searchDirs() const;
  // The backend for `encoding`: its conventional library first, else any
  // installed backend that declares the encoding. On failure logs the
  // one-message report and returns invalid_encoding.
  NnExpected<std::shared_ptr<const Backend>> forEncoding(wasmnn_nn_encoding encoding);
  // The `wasmnn backends` report: search path, installed, failed, missing.
  std::string describe();

 private:
  BackendOutcome byNameLocked(const std::string& name, const std::vector<SearchDir>& dirs);
  std::vector<std::string> installedNamesLocked(const std::vector<SearchDir>& dirs) const;

  mutable std::mutex mu_;
  std::vector<std::string> dirs_;
  bool isolated_ = false;
  std::map<std::string, BackendOutcome> byName_;                         // attempts, by backend name
  std::map<wasmnn_nn_encoding, std::shared_ptr<const Backend>> chosen_;  // successful routes
};

}  // namespace wasmnn::nn
