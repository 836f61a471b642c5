// The list of spec failures that are expected for now (known_failures.txt).
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace wasmnn::spec {

// One entry per line: "file.wast:line reason". Blank lines and lines starting
// with '#' are ignored. Line 0 stands for a failure outside any command (for
// example the file's process crashed during setup).
class KnownFailures {
 public:
  // Returns an empty string on success, else what is wrong (with the line).
  std::string load(const std::filesystem::path& path);

  // Line -> reason for one .wast file (by file name, e.g. "i32.wast").
  const std::map<int, std::string>& entries_for(const std::string& file) const;
  bool contains(const std::string& file, int line) const;

 private:
  std::map<std::string, std::map<int, std::string>> entries_;
};

}  // namespace wasmnn::spec
