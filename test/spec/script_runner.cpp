#include "script_runner.h"

#include "values.h"

#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace wasmnn::spec {
namespace {

using nlohmann::json;
using Status = Outcome::Status;

Outcome pass() { return {Status::pass, {}}; }
Outcome fail(std::string detail) { return {Status::fail, std::move(detail)}; }

const char* kind_text(wasmnn_error_kind kind) {
  switch (kind) {
    case WASMNN_ERROR_MALFORMED: return "malformed";
    case WASMNN_ERROR_INVALID: return "invalid";
    case WASMNN_ERROR_LINK: return "link error";
    case WASMNN_ERROR_TRAP: return "trap";
    case WASMNN_ERROR_EXHAUSTION: return "exhaustion";
    case WASMNN_ERROR_EXIT: return "exit";
    case WASMNN_ERROR_HOST: return "host error";
    case WASMNN_ERROR_INTERRUPT: return "interrupted";
  }
  return "unknown error kind";
}

std::string describe(const wasmnn_error* error) {
  const char* message = wasmnn_error_message(error);
  return std::string(kind_text(wasmnn_error_get_kind(error))) + " \"" + (message ? message : "") + "\"";
}

std::string describe_expected(wasmnn_error_kind kind, const std::string& text) {
  return std::string(kind_text(kind)) + " \"" + text + "\"";
}

// The spec's text is a prefix of the engine's message, possibly after a
// location prefix such as "section 3: ".
bool message_matches(std::string_view expected, std::string_view actual) {
  if (actual.starts_with(expected)) return true;
  for (size_t colon = actual.find(": "); colon != std::string_view::npos; colon = actual.find(": ", colon + 1)) {
    if (actual.substr(colon + 2).starts_with(expected)) return true;
  }
  return false;
}

// The error must be of `kind` to pass; a different text only warns.
Outcome check_error(const wasmnn_error* error, wasmnn_error_kind kind, const std::string& text) {
  if (wasmnn_error_get_kind(error) != kind) {
    return fail("expected " + describe_expected(kind, text) + ", got " + describe(error));
  }
  const char* message = wasmnn_error_message(error);
  if (message_matches(text, message ? message : "")) return pass();
  return {Status::pass, "message \"" + std::string(message ? message : "") + "\" does not start with \"" + text + "\""};
}

std::string format_values(const std::vector<wasmnn_val>& values, const std::vector<Expected>& shapes) {
  std::string text = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ", ";
    text += format_value(values[i], i < shapes.size() ? shapes[i].lane_type : std::string());
  }
  return text + ")";
}

std::string format_expected_list(const std::vector<Expected>& expected) {
  std::string text = "(";
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i > 0) text += ", ";
    text += format_expected(expected[i]);
  }
  return text + ")";
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs wast2json; its diagnostics go to our stdout/stderr (the file's log).
std::string convert(const std::string& wast2json, const std::filesystem::path& wast, const std::filesystem::path& out) {
  std::vector<std::string> words = {wast2json, wast.string(), "-o", out.string()};
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, wast2json.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    return "cannot start " + wast2json;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return "lost the wast2json process";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return "wast2json failed on " + wast.string();
}

// Every defined function's internal code must decode by its declared layout
// (wasmnn_module_code_text compiles it and walks it): the spec modules are the
// broadest corpus the compiler sees, and most functions are never called.
std::string check_code(const wasmnn_module* module) {
  const size_t first = wasmnn_module_imported_func_count(module);
  const size_t end = first + wasmnn_module_func_count(module);
  for (size_t i = first; i < end; ++i) {
    char* text = nullptr;
    ErrorPtr error{wasmnn_module_code_text(module, uint32_t(i), &text)};
    wasmnn_string_delete(text);
    if (error) return "the compiled code of function " + std::to_string(i) + " is broken: " + describe(error.get());
  }
  return "";
}

}  // namespace

ScriptRunner::ScriptRunner(std::filesystem::path dir, Recorder& recorder, SpectestHost& host)
    : dir_(std::move(dir)), recorder_(recorder), host_(host) {}

ScriptRunner::~ScriptRunner() {
  recorder_.start(0);  // a crash from here on is in teardown, not in a command
  if (linker_) wasmnn_linker_delete(linker_);
  if (store_) wasmnn_store_delete(store_);
  for (wasmnn_module* module : modules_) wasmnn_module_delete(module);
  if (engine_) wasmnn_engine_delete(engine_);
}

bool ScriptRunner::set_up() {
  engine_ = wasmnn_engine_new(nullptr);
  if (engine_) store_ = wasmnn_store_new(engine_);
  if (store_) linker_ = wasmnn_linker_new(store_);
  if (!linker_) {
    recorder_.fail("setup", "cannot create engine, store and linker");
    return false;
  }
  if (ErrorPtr error{host_.define(store_, linker_)}) {
    recorder_.fail("setup", "cannot define the spectest module: " + describe(error.get()));
    return false;
  }
  return true;
}

void ScriptRunner::run(const json& script) {
  if (!set_up()) return;
  for (const json& command : script.at("commands")) {
    recorder_.start(command.value("line", 0));
    Outcome outcome;
    const std::string type = command.value("type", "");
    try {
      outcome = run_command(command);
    } catch (const std::exception& e) {  // malformed script JSON or an unsupported value
      outcome = fail(std::string("cannot run command: ") + e.what());
    }
    switch (outcome.status) {
      case Status::pass:
        if (outcome.detail.empty()) {
          recorder_.pass();
        } else {
          recorder_.pass_with_mismatch(type, outcome.detail);
        }
        break;
      case Status::fail: recorder_.fail(type, outcome.detail); break;
      case Status::not_applicable: recorder_.not_applicable(); break;
    }
  }
}

Outcome ScriptRunner::run_command(const json& command) {
  const std::string type = command.at("type").get<std::string>();
  if (type == "module") return module_command(command);
  if (type == "register") return register_command(command);
  if (type == "action") return action_command(command);
  if (type == "assert_return") return assert_return(command);
  if (type == "assert_trap") return assert_action_error(command, WASMNN_ERROR_TRAP);
  if (type == "assert_exhaustion") return assert_action_error(command, WASMNN_ERROR_EXHAUSTION);
  if (type == "assert_malformed") return assert_module_error(command, WASMNN_ERROR_MALFORMED);
  if (type == "assert_invalid") return assert_module_error(command, WASMNN_ERROR_INVALID);
  if (type == "assert_unlinkable") return assert_module_error(command, WASMNN_ERROR_LINK);
  if (type == "assert_uninstantiable") return assert_module_error(command, WASMNN_ERROR_TRAP);
  return fail("unknown command type");
}

ScriptRunner::Loaded ScriptRunner::load(const json& command) {
  Loaded loaded;
  const auto bytes = read_bytes(dir_ / command.at("filename").get<std::string>());
  wasmnn_module* module = nullptr;
  loaded.error.reset(wasmnn_module_new(engine_, bytes.data(), bytes.size(), &module));
  if (!loaded.error && module == nullptr) loaded.problem = "wasmnn_module_new returned no module and no error";
  if (module != nullptr) {
    modules_.push_back(module);
    loaded.module = module;
  }
  return loaded;
}

ErrorPtr ScriptRunner::instantiate(wasmnn_module* module, wasmnn_instance** out) {
  *out = nullptr;
  ErrorPtr error{wasmnn_linker_instantiate(linker_, module, out)};
  if (!error && *out == nullptr) {
    error.reset(wasmnn_error_new(WASMNN_ERROR_HOST, "wasmnn_linker_instantiate returned no instance and no error"));
  }
  return error;
}

Outcome ScriptRunner::module_command(const json& command) {
  // Later actions must not reach an older module when this one fails.
  current_ = nullptr;
  const std::string name = command.value("name", "");
  named_.erase(name);
  Loaded loaded = load(command);
  if (!loaded.problem.empty()) return fail(loaded.problem);
  if (loaded.error) return fail("module did not load: " + describe(loaded.error.get()));
  if (std::string broken = check_code(loaded.module); !broken.empty()) return fail(broken);
  wasmnn_instance* instance = nullptr;
  if (ErrorPtr error = instantiate(loaded.module, &instance)) {
    return fail("module did not instantiate: " + describe(error.get()));
  }
  current_ = instance;
  if (!name.empty()) named_[name] = instance;
  return pass();
}

Outcome ScriptRunner::register_command(const json& command) {
  wasmnn_instance* instance = current_;
  if (command.contains("name")) {
    const auto found = named_.find(command["name"].get<std::string>());
    instance = found == named_.end() ? nullptr : found->second;
  }
  if (instance == nullptr) return fail("no module instance to register");
  const std::string as = command.at("as").get<std::string>();
  if (ErrorPtr error{wasmnn_linker_define_instance(linker_, as.c_str(), instance)}) {
    return fail("register failed: " + describe(error.get()));
  }
  return pass();
}

void ScriptRunner::invoke(wasmnn_func* func, const json& args, ActionResult& result) {
  std::vector<wasmnn_val> arguments;
  for (const json& arg : args) arguments.push_back(parse_argument(arg));
  const wasmnn_functype type = wasmnn_func_type(func);
  std::vector<wasmnn_val> results(type.result_count);
  for (size_t i = 0; i < results.size(); ++i) results[i].kind = type.results[i];
  result.error.reset(wasmnn_func_call(func, arguments.data(), arguments.size(), results.data(), results.size()));
  if (!result.error) result.values = std::move(results);
}

ScriptRunner::ActionResult ScriptRunner::perform(const json& action) {
  ActionResult result;
  wasmnn_instance* instance = current_;
  if (action.contains("module")) {
    const auto found = named_.find(action["module"].get<std::string>());
    instance = found == named_.end() ? nullptr : found->second;
  }
  const std::string field = action.at("field").get<std::string>();
  wasmnn_extern item{};
  if (instance == nullptr) {
    result.problem = "no module instance to act on";
  } else if (!wasmnn_instance_export_sized(instance, field.data(), field.size(), &item)) {  // names may hold NULs
    result.problem = "no export \"" + field + "\"";
  } else if (const std::string type = action.at("type").get<std::string>(); type == "invoke") {
    if (item.kind != WASMNN_EXTERN_FUNC) {
      result.problem = "export \"" + field + "\" is not a function";
    } else {
      invoke(item.of.func, action.value("args", json::array()), result);
    }
  } else if (type == "get") {
    if (item.kind != WASMNN_EXTERN_GLOBAL) {
      result.problem = "export \"" + field + "\" is not a global";
    } else {
      result.values.push_back(wasmnn_global_get(item.of.global));
    }
  } else {
    result.problem = "unknown action type \"" + type + "\"";
  }
  return result;
}

Outcome ScriptRunner::action_command(const json& command) {
  const ActionResult result = perform(command.at("action"));
  if (!result.problem.empty()) return fail(result.problem);
  if (result.error) return fail("unexpected " + describe(result.error.get()));
  return pass();
}

Outcome ScriptRunner::assert_return(const json& command) {
  std::vector<Expected> expected;
  for (const json& value : command.at("expected")) expected.push_back(parse_expected(value));
  const ActionResult result = perform(command.at("action"));
  if (!result.problem.empty()) return fail(result.problem);
  if (result.error) {
    return fail("expected " + format_expected_list(expected) + ", got " + describe(result.error.get()));
  }
  bool same = result.values.size() == expected.size();
  for (size_t i = 0; same && i < expected.size(); ++i) same = matches(expected[i], result.values[i]);
  if (same) return pass();
  return fail("expected " + format_expected_list(expected) + ", got " + format_values(result.values, expected));
}

Outcome ScriptRunner::assert_action_error(const json& command, wasmnn_error_kind kind) {
  const std::string text = command.at("text").get<std::string>();
  const ActionResult result = perform(command.at("action"));
  if (!result.problem.empty()) return fail(result.problem);
  if (!result.error) {
    return fail("expected " + describe_expected(kind, text) + ", got " + format_values(result.values, {}));
  }
  return check_error(result.error.get(), kind, text);
}

Outcome ScriptRunner::assert_module_error(const json& command, wasmnn_error_kind kind) {
  // wasmnn reads the binary format only; malformed text is not its business.
  if (command.at("module_type") == "text") return {Status::not_applicable, {}};
  const std::string text = command.at("text").get<std::string>();
  Loaded loaded = load(command);
  if (!loaded.problem.empty()) return fail(loaded.problem);
  const bool decode_error_expected = kind == WASMNN_ERROR_MALFORMED || kind == WASMNN_ERROR_INVALID;
  if (decode_error_expected) {
    if (!loaded.error) return fail("expected " + describe_expected(kind, text) + ", but the module loaded");
    return check_error(loaded.error.get(), kind, text);
  }
  if (loaded.error) return fail("expected " + describe_expected(kind, text) + ", got " + describe(loaded.error.get()));
  wasmnn_instance* instance = nullptr;
  ErrorPtr error = instantiate(loaded.module, &instance);
  if (!error) return fail("expected " + describe_expected(kind, text) + ", but instantiation succeeded");
  return check_error(error.get(), kind, text);
}

void run_wast_file(const std::filesystem::path& wast, const std::filesystem::path& scratch,
                   const std::string& wast2json, Recorder& recorder, SpectestHost& host) {
  recorder.start(0);
  const std::filesystem::path json_path = scratch / (wast.stem().string() + ".json");
  if (const std::string problem = convert(wast2json, wast, json_path); !problem.empty()) {
    recorder.fail("wast2json", problem);
    return;
  }
  json script;
  try {
    std::ifstream in(json_path);
    script = json::parse(in);
  } catch (const std::exception& e) {
    recorder.fail("wast2json", std::string("cannot parse its output: ") + e.what());
    return;
  }
  if (!script.contains("commands") || !script["commands"].is_array()) {
    recorder.fail("wast2json", "its output has no command list");
    return;
  }
  ScriptRunner runner(scratch, recorder, host);
  runner.run(script);
}

}  // namespace wasmnn::spec
