// wasmnn_spectest: runs the WebAssembly core spec scripts (.wast) against
// libwasmnn through its public C API. See README.md.
#include "file_process.h"
#include "known_failures.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace wasmnn::spec {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::vector<std::string> paths;
  bool simd = false;
  std::string wast2json = WASMNN_SPEC_WAST2JSON;
  std::string known_failures = WASMNN_SPEC_KNOWN_FAILURES;
  int timeout_seconds = 120;
  int jobs = 1;
  bool verbose = false;
  bool quiet = false;
};

struct Totals {
  int files = 0;
  int passed = 0;
  int failed = 0;
  int known = 0;  // failures listed in known_failures.txt
  int not_applicable = 0;
  int message_mismatches = 0;
};

std::vector<fs::path> wast_files_in(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".wast") found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string group_of(const fs::path& file) { return file.parent_path().filename() == "simd" ? "simd" : "core"; }

// Directories give their *.wast (and simd/*.wast with --simd); files are taken as given.
std::vector<SpecFile> collect_files(const Options& options) {
  std::vector<SpecFile> files;
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(WASMNN_SPEC_CORE_DIR);
  for (const fs::path path : paths) {
    if (!fs::is_directory(path)) {
      if (!fs::is_regular_file(path)) throw std::runtime_error("no such .wast file or directory: " + path.string());
      files.push_back({path, group_of(path)});
      continue;
    }
    for (const fs::path& file : wast_files_in(path)) files.push_back({file, group_of(file)});
    if (options.simd && fs::is_directory(path / "simd")) {
      for (const fs::path& file : wast_files_in(path / "simd")) files.push_back({file, "simd"});
    }
  }
  return files;
}

class Summary {
 public:
  Summary(const KnownFailures& known, bool verbose) : known_(known), verbose_(verbose) {}

  void add(const FileResult& result) {
    std::fwrite(result.log.data(), 1, result.log.size(), stdout);
    if (!result.abnormal_end.empty()) std::printf("%s: FAIL: %s\n", result.name.c_str(), result.abnormal_end.c_str());
    const FileProgress& progress = result.progress;
    std::printf("%s: %d passed, %d failed", result.name.c_str(), progress.passed, progress.failed);
    if (progress.not_applicable > 0) std::printf(", %d not applicable", progress.not_applicable);
    std::printf("\n");
    Totals& totals = groups_[result.group];
    ++totals.files;
    totals.passed += progress.passed;
    totals.failed += progress.failed;
    totals.not_applicable += progress.not_applicable;
    totals.message_mismatches += progress.message_mismatches;
    totals.known += check_known(result);
    if (verbose_) std::printf("%s: %.2f s\n", result.name.c_str(), result.seconds);
    std::fflush(stdout);
  }

  // Prints the totals; the very last line is "N passed, M failed". Returns the exit code.
  int finish(double wall_seconds) const {
    Totals all;
    for (const auto& [group, totals] : groups_) {
      std::printf(
          "%s: %d files, %d passed, %d failed (%d known), %d not applicable (text format), "
          "%d message mismatches%s\n",
          group.c_str(), totals.files, totals.passed, totals.failed, totals.known, totals.not_applicable,
          totals.message_mismatches, verbose_ || totals.message_mismatches == 0 ? "" : " (-v shows them)");
      all.passed += totals.passed;
      all.failed += totals.failed;
    }
    if (unexpected_ > 0) std::printf("%d failures are not in the known-failures list\n", unexpected_);
    if (fixed_ > 0) std::printf("%d known failures now pass: remove them from the list\n", fixed_);
    std::printf("total time: %.1f s\n", wall_seconds);
    std::printf("%d passed, %d failed\n", all.passed, all.failed);
    return unexpected_ > 0 || fixed_ > 0 ? 1 : 0;
  }

 private:
  // Counts the listed failures of one file, notes the unlisted ones, and
  // reports listed entries that ran and passed. Returns the listed count.
  int check_known(const FileResult& result) {
    int listed = 0;
    for (int line : result.failed_lines) {
      if (known_.contains(result.name, line)) {
        ++listed;
      } else {
        ++unexpected_;
      }
    }
    const std::set<int> failed(result.failed_lines.begin(), result.failed_lines.end());
    for (const auto& [line, reason] : known_.entries_for(result.name)) {
      if (line <= result.last_line_run && !failed.contains(line)) {
        std::printf("%s:%d: fixed, remove from list (%s)\n", result.name.c_str(), line, reason.c_str());
        ++fixed_;
      }
    }
    if (listed > 0) std::printf("%s: %d of the failures are known (known_failures.txt)\n", result.name.c_str(), listed);
    return listed;
  }

  const KnownFailures& known_;
  bool verbose_;
  std::map<std::string, Totals> groups_;
  int unexpected_ = 0;
  int fixed_ = 0;
};

// A fresh directory for the conversions, removed again by the destructor.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/wasmnn-spectest-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

int run(const Options& options) {
  if (access(options.wast2json.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "wast2json not found at '%s': install wabt (scripts/setup.sh) or pass --wast2json\n",
                 options.wast2json.c_str());
    return 2;
  }
  KnownFailures known;
  if (const std::string error = known.load(options.known_failures); !error.empty()) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  const std::vector<SpecFile> files = collect_files(options);
  if (files.empty()) {
    std::fprintf(stderr, "no .wast files to run\n");
    return 2;
  }
  const ChildOptions child{options.wast2json, {options.verbose, 20}, options.quiet, options.timeout_seconds};
  const ScratchDir scratch;
  Summary summary(known, options.verbose);
  const auto start = std::chrono::steady_clock::now();
  run_files(files, scratch.path(), child, options.jobs, [&](const FileResult& result) { summary.add(result); });
  return summary.finish(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace
}  // namespace wasmnn::spec

int main(int argc, char** argv) {
  wasmnn::spec::Options options;
  CLI::App app{"Runs WebAssembly spec .wast scripts against libwasmnn (one child process per file)."};
  app.add_option("paths", options.paths, ".wast files or directories of them (default: the shared core suite)");
  app.add_flag("--simd", options.simd, "also run simd/*.wast of each directory given");
  app.add_option("--wast2json", options.wast2json, "wabt's wast2json")->capture_default_str();
  app.add_option("-k,--known-failures", options.known_failures, "list of expected failures")->capture_default_str();
  app.add_option("-t,--timeout", options.timeout_seconds, "seconds per .wast file")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-j,--jobs", options.jobs, "files run in parallel")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("-v,--verbose", options.verbose, "show every failure, message mismatches and timings");
  app.add_flag("-q,--quiet", options.quiet, "spectest print functions print nothing");
  CLI11_PARSE(app, argc, argv);
  try {
    return wasmnn::spec::run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wasmnn_spectest: %s\n", e.what());
    return 2;
  }
}
