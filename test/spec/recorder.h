// What a child process records about the one .wast file it runs.
#pragma once

#include <string>
#include <string_view>

namespace wasmnn::spec {

// Counters of one .wast run. It lives in memory shared with the parent, which
// reads it after the child ended: also after a crash, when current_line says
// which command was running.
struct FileProgress {
  int current_line = 0;
  int highest_line = 0;  // commands up to here ran (known failures after it cannot be "fixed")
  int passed = 0;
  int failed = 0;
  int not_applicable = 0;
  int message_mismatches = 0;
  bool finished = false;
};

struct ReportOptions {
  bool verbose = false;     // every failure and message mismatch
  int failures_shown = 20;  // per file, when not verbose
};

// Counts outcomes into FileProgress, prints failures to stdout and appends
// each failing line number to a file (unbuffered, so it survives a crash).
class Recorder {
 public:
  Recorder(std::string file_name, FileProgress& progress, int failed_lines_fd, ReportOptions options);

  void start(int line) {
    progress_.current_line = line;
    if (line > progress_.highest_line) progress_.highest_line = line;
  }
  void pass() { ++progress_.passed; }
  // Passed (the error kind matched) but the message text differs.
  void pass_with_mismatch(std::string_view command, std::string_view note);
  void fail(std::string_view command, std::string_view detail);
  void not_applicable() { ++progress_.not_applicable; }
  // Notes the failures not shown, then marks the run complete.
  void finish();

 private:
  std::string file_name_;
  FileProgress& progress_;
  int failed_lines_fd_;
  ReportOptions options_;
};

}  // namespace wasmnn::spec
