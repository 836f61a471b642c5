#include "recorder.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace wasmnn::spec {

Recorder::Recorder(std::string file_name, FileProgress& progress, int failed_lines_fd, ReportOptions options)
    : file_name_(std::move(file_name)), progress_(progress), failed_lines_fd_(failed_lines_fd), options_(options) {}

void Recorder::pass_with_mismatch(std::string_view command, std::string_view note) {
  ++progress_.passed;
  ++progress_.message_mismatches;
  if (options_.verbose) {
    std::printf("%s:%d: warning: %.*s: %.*s\n", file_name_.c_str(), progress_.current_line,
                static_cast<int>(command.size()), command.data(), static_cast<int>(note.size()), note.data());
  }
}

void Recorder::fail(std::string_view command, std::string_view detail) {
  ++progress_.failed;
  const std::string line = std::to_string(progress_.current_line) + "\n";
  // A short write would only lose known-failure matching for this line; the
  // failure itself is counted above either way.
  [[maybe_unused]] const ssize_t written = write(failed_lines_fd_, line.data(), line.size());
  if (options_.verbose || progress_.failed <= options_.failures_shown) {
    std::printf("%s:%d: FAIL %.*s: %.*s\n", file_name_.c_str(), progress_.current_line,
                static_cast<int>(command.size()), command.data(), static_cast<int>(detail.size()), detail.data());
  }
}

void Recorder::finish() {
  const int hidden = progress_.failed - options_.failures_shown;
  if (!options_.verbose && hidden > 0) {
    std::printf("%s: %d more failures not shown (-v shows all)\n", file_name_.c_str(), hidden);
  }
  std::fflush(stdout);
  progress_.finished = true;
}

}  // namespace wasmnn::spec
