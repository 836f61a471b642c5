#include "file_process.h"

#include "script_runner.h"
#include "spectest_host.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <list>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

namespace wasmnn::spec {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kLogName = "output.log";
constexpr const char* kFailedLinesName = "failed_lines";

// FileProgress in anonymous shared memory: written by the child, still
// readable by the parent after the child died.
class SharedProgress {
 public:
  SharedProgress() {
    void* memory = mmap(nullptr, sizeof(FileProgress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
    progress_ = new (memory) FileProgress{};
  }
  SharedProgress(const SharedProgress&) = delete;
  SharedProgress& operator=(const SharedProgress&) = delete;
  ~SharedProgress() { munmap(progress_, sizeof(FileProgress)); }

  FileProgress& get() { return *progress_; }

 private:
  FileProgress* progress_;
};

struct Running {
  size_t index = 0;
  pid_t pid = 0;
  fs::path dir;
  std::unique_ptr<SharedProgress> progress;
  Clock::time_point start;
};

int open_for_writing(const fs::path& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

// The child: output goes to a log in its scratch dir, which the parent prints.
[[noreturn]] void child_main(const SpecFile& file, const fs::path& dir, const ChildOptions& options,
                             FileProgress& progress) {
  setpgid(0, 0);  // the parent kills the whole group (wast2json too) on timeout
  const int log = open_for_writing(dir / kLogName);
  const int failed_lines = open_for_writing(dir / kFailedLinesName);
  if (log < 0 || failed_lines < 0 || dup2(log, STDOUT_FILENO) < 0 || dup2(log, STDERR_FILENO) < 0) _exit(3);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines printed before a crash survive it
  Recorder recorder(file.path.filename().string(), progress, failed_lines, options.report);
  SpectestHost host(options.quiet ? nullptr : stdout);
  try {
    run_wast_file(file.path, dir, options.wast2json, recorder, host);
  } catch (const std::exception& e) {
    recorder.fail("runner", e.what());
  }
  recorder.finish();
  std::fflush(stdout);
  _exit(0);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<int> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<int> lines;
  for (int line = 0; in >> line;) lines.push_back(line);
  return lines;
}

std::string where(int line) {
  return line > 0 ? "at line " + std::to_string(line) : "outside any command (wast2json, setup or teardown)";
}

// Why the child ended early, or empty if it ran the whole file.
std::string abnormal_end(int status, bool timed_out, const FileProgress& progress, int timeout_seconds) {
  const std::string rest = "; the rest of the file did not run";
  if (timed_out)
    return "timed out after " + std::to_string(timeout_seconds) + " s " + where(progress.current_line) + rest;
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return "crashed with signal " + std::to_string(signal) + " (" + strsignal(signal) + ") " +
           where(progress.current_line) + rest;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !progress.finished) {
    return "exited with status " + std::to_string(WEXITSTATUS(status)) + " " + where(progress.current_line) + rest;
  }
  return {};
}

FileResult collect(const SpecFile& file, Running& running, int status, bool timed_out, int timeout_seconds) {
  FileResult result;
  result.name = file.path.filename().string();
  result.group = file.group;
  result.progress = running.progress->get();
  result.failed_lines = read_lines(running.dir / kFailedLinesName);
  result.log = read_text(running.dir / kLogName);
  result.seconds = std::chrono::duration<double>(Clock::now() - running.start).count();
  result.abnormal_end = abnormal_end(status, timed_out, result.progress, timeout_seconds);
  result.last_line_run = result.progress.highest_line;
  if (!result.abnormal_end.empty()) {
    // The command that was running counts as failed; later ones never ran.
    ++result.progress.failed;
    result.failed_lines.push_back(result.progress.current_line);
  }
  std::error_code ignored;
  fs::remove_all(running.dir, ignored);
  return result;
}

Running start(const SpecFile& file, size_t index, const fs::path& scratch_root, const ChildOptions& options) {
  Running running;
  running.index = index;
  running.dir = scratch_root / (std::to_string(index) + "-" + file.path.stem().string());
  fs::create_directories(running.dir);
  running.progress = std::make_unique<SharedProgress>();
  running.start = Clock::now();
  std::fflush(stdout);
  std::fflush(stderr);
  running.pid = fork();
  if (running.pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (running.pid == 0) child_main(file, running.dir, options, running.progress->get());
  setpgid(running.pid, running.pid);  // also here, so a kill never races the child's own call
  return running;
}

}  // namespace

void run_files(const std::vector<SpecFile>& files, const fs::path& scratch_root, const ChildOptions& options, int jobs,
               const std::function<void(const FileResult&)>& report) {
  std::vector<std::optional<FileResult>> results(files.size());
  std::list<Running> running;
  size_t next_to_start = 0;
  size_t next_to_report = 0;
  const auto timeout = std::chrono::seconds(options.timeout_seconds);
  while (next_to_report < files.size()) {
    while (running.size() < static_cast<size_t>(jobs) && next_to_start < files.size()) {
      running.push_back(start(files[next_to_start], next_to_start, scratch_root, options));
      ++next_to_start;
    }
    bool any_ended = false;
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      bool timed_out = false;
      pid_t ended = waitpid(it->pid, &status, WNOHANG);
      if (ended == 0 && Clock::now() - it->start > timeout) {
        kill(-it->pid, SIGKILL);
        ended = waitpid(it->pid, &status, 0);
        timed_out = true;
      }
      if (ended == 0) {
        ++it;
        continue;
      }
      results[it->index] = collect(files[it->index], *it, status, timed_out, options.timeout_seconds);
      it = running.erase(it);
      any_ended = true;
    }
    for (; next_to_report < files.size() && results[next_to_report]; ++next_to_report) {
      report(*results[next_to_report]);
      results[next_to_report].reset();
    }
    if (!any_ended) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace wasmnn::spec
