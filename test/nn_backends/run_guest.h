// Runs `wasmnn run ... nn_run.wasm STEPS...` as a child process and
// collects its exit status, stdout and stderr (through files: no pipe can
// fill up and block the child).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "manifest.h"

extern char** environ;

namespace wasmnn::test {

struct GuestRun {
  int exit_code = -1;   // -1: did not exit normally (signal)
  long max_rss_kb = 0;  // the wasmnn process's peak resident memory (its workers are not its children)
  std::string command, out, err;
};

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wasmnn-nn-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline GuestRun runProcess(const std::vector<std::string>& argv, const std::filesystem::path& scratch) {
  std::string out = (scratch / "stdout.txt").string(), err = (scratch / "stderr.txt").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&fa, scratch.c_str());  // wasmnn's working directory
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  GuestRun r;
  for (const auto& a : argv) r.command += " " + a;
  if (rc != 0) {
    r.err = "posix_spawn failed: " + std::to_string(rc);
    return r;
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.max_rss_kb = usage.ru_maxrss;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// `wasmnn run` in the isolation mode under test (wasmnn_nn_discover_tests).
inline std::vector<std::string> cliRun() {
  std::vector<std::string> v = {WASMNN_CLI, "run"};
  if (const char* mode = std::getenv("WASMNN_TEST_NN_ISOLATION")) v.push_back(std::string("--nn-isolation=") + mode);
  return v;
}

// The command line pieces of one guest run.
struct GuestCommand {
  std::vector<std::string> host_options;  // --dir=..., --nn-preload=...
  std::vector<std::string> guest_args;    // nn_run's options and steps

  std::vector<std::string> argv() const {
    std::vector<std::string> v = cliRun();
    v.insert(v.end(), host_options.begin(), host_options.end());
    v.push_back(NN_RUN_WASM);
    v.insert(v.end(), guest_args.begin(), guest_args.end());
    return v;
  }
  void add(std::initializer_list<std::string> args) { guest_args.insert(guest_args.end(), args); }
};

inline std::string describe(const GuestRun& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- command:" + r.command + "\n--- stdout:\n" + r.out +
         "\n--- stderr:\n" + r.err;
}

}  // namespace wasmnn::test
