// Runs each .wast file in its own child process, so that a crash or a hang of
// the engine on one file cannot hide the results of the others.
#pragma once

#include "recorder.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace wasmnn::spec {

struct SpecFile {
  std::filesystem::path path;
  std::string group;  // "core" or "simd": totals are kept per group
};

struct ChildOptions {
  std::string wast2json;
  ReportOptions report;
  bool quiet = false;  // spectest print functions print nothing
  int timeout_seconds = 120;
};

struct FileResult {
  std::string name;  // file name, e.g. "i32.wast": the key of known_failures.txt
  std::string group;
  FileProgress progress;  // a crash or timeout adds one failure at the line it happened
  std::vector<int> failed_lines;
  int last_line_run = 0;     // commands after this line did not run (crash, timeout)
  std::string log;           // the child's output: failures, warnings, print lines
  std::string abnormal_end;  // why the child ended early; empty when it finished
  double seconds = 0;
};

// Runs `files` at most `jobs` at a time under `scratch_root`, and hands each
// result to `report` in the order of `files`.
void run_files(const std::vector<SpecFile>& files, const std::filesystem::path& scratch_root,
               const ChildOptions& options, int jobs, const std::function<void(const FileResult&)>& report);

}  // namespace wasmnn::spec
