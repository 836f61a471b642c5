// Runs the commands of one wast2json script against the public C API.
#pragma once

#include "recorder.h"
#include "spectest_host.h"

#include <wasmnn/wasmnn.h>

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wasmnn::spec {

struct ErrorDeleter {
  void operator()(wasmnn_error* error) const { wasmnn_error_delete(error); }
};
using ErrorPtr = std::unique_ptr<wasmnn_error, ErrorDeleter>;

// Result of a command, as the recorder counts it.
struct Outcome {
  enum class Status { pass, fail, not_applicable };
  Status status = Status::pass;
  std::string detail;  // why it failed; for a pass, a message mismatch note
};

// One engine, store and linker (with spectest) for the whole script, as the
// reference interpreter keeps one registry per script.
class ScriptRunner {
 public:
  ScriptRunner(std::filesystem::path dir, Recorder& recorder, SpectestHost& host);
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;
  ~ScriptRunner();

  // Records one outcome per command; a setup failure counts as one failure.
  void run(const nlohmann::json& script);

 private:
  // What an invoke/get produced: values, a wasm error, or a harness problem
  // (missing export, ...) that fails the command whatever it asserts.
  struct ActionResult {
    std::vector<wasmnn_val> values;
    ErrorPtr error;
    std::string problem;
  };
  struct Loaded {
    wasmnn_module* module = nullptr;  // owned by modules_
    ErrorPtr error;
    std::string problem;
  };

  bool set_up();
  Outcome run_command(const nlohmann::json& command);
  Outcome module_command(const nlohmann::json& command);
  Outcome register_command(const nlohmann::json& command);
  Outcome action_command(const nlohmann::json& command);
  Outcome assert_return(const nlohmann::json& command);
  Outcome assert_action_error(const nlohmann::json& command, wasmnn_error_kind kind);
  Outcome assert_module_error(const nlohmann::json& command, wasmnn_error_kind kind);

  Loaded load(const nlohmann::json& command);
  ErrorPtr instantiate(wasmnn_module* module, wasmnn_instance** out);
  ActionResult perform(const nlohmann::json& action);
  void invoke(wasmnn_func* func, const nlohmann::json& args, ActionResult& result);

  std::filesystem::path dir_;
  Recorder& recorder_;
  SpectestHost& host_;
  wasmnn_engine* engine_ = nullptr;
  std::vector<wasmnn_module*> modules_;  // kept until the store is gone: instances refer to them
  wasmnn_store* store_ = nullptr;
  wasmnn_linker* linker_ = nullptr;
  wasmnn_instance* current_ = nullptr;
  std::map<std::string, wasmnn_instance*> named_;
};

// Child-process entry: converts `wast` with wast2json into `scratch` and runs it.
void run_wast_file(const std::filesystem::path& wast, const std::filesystem::path& scratch,
                   const std::string& wast2json, Recorder& recorder, SpectestHost& host);

}  // namespace wasmnn::spec
