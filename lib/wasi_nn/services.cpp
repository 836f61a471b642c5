// Core services exported to backends (see nn_backend.h): leveled logging to
// stderr, enum names, and guarded allocation.
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "wasmnn/common/text.h"
#include "wasmnn/nn_backend.h"
#include "wasmnn/wasi_nn/log.h"
#include "wasmnn/wasi_nn/vocabulary.h"

namespace {

wasmnn_nn_log_level levelFromEnv() {
  const char* env = std::getenv("WASMNN_NN_LOG");
  if (!env) return WASMNN_NN_LOG_WARN;
  std::string_view v(env);
  if (v == "error") return WASMNN_NN_LOG_ERROR;
  if (v == "info") return WASMNN_NN_LOG_INFO;
  if (v == "debug") return WASMNN_NN_LOG_DEBUG;
  return WASMNN_NN_LOG_WARN;
}

std::atomic<int>& currentLevel() {
  static std::atomic<int> level{levelFromEnv()};
  return level;
}

const char* levelName(wasmnn_nn_log_level level) {
  switch (level) {
    case WASMNN_NN_LOG_ERROR: return "error";
    case WASMNN_NN_LOG_WARN: return "warn";
    case WASMNN_NN_LOG_INFO: return "info";
    case WASMNN_NN_LOG_DEBUG: return "debug";
  }
  return "log";
}

size_t maxAllocation() {
  static const size_t limit = [] {
    const char* env = std::getenv("WASMNN_NN_MAX_ALLOC");
    if (env && *env) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(env, &end, 10);
      if (end && *end == '\0' && v > 0) return static_cast<size_t>(v);
    }
    return size_t{4} << 30;
  }();
  return limit;
}

// Writes the whole line with as few write() calls as possible; one call for
// any line under PIPE_BUF, so parallel threads never interleave inside a line.
void writeLine(const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

extern "C" {

WASMNN_API int wasmnn_nn_log_enabled(wasmnn_nn_log_level level) {
  return static_cast<int>(level) <= currentLevel().load(std::memory_order_relaxed);
}

WASMNN_API void wasmnn_nn_log_set_level(wasmnn_nn_log_level level) {
  currentLevel().store(static_cast<int>(level), std::memory_order_relaxed);
}

WASMNN_API void wasmnn_nn_log(wasmnn_nn_log_level level, const char* source, const char* format, ...) {
  if (!wasmnn_nn_log_enabled(level) || !format) return;
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string message;
  if (n > 0) {
    message.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(message.data(), message.size(), format, args);
    message.resize(static_cast<size_t>(n));
  }
  va_end(args);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  // Messages quote guest strings and relay framework errors about guest
  // models: escaped here, once, for every caller (core and backends).
  std::string line = "wasmnn-nn: ";
  line += levelName(level);
  line += ": ";
  line += wasmnn::escapeText(source ? source : "?");
  line += ": ";
  line += wasmnn::escapeText(message);
  line += '\n';
  writeLine(line);
}

WASMNN_API const char* wasmnn_nn_errno_name(wasmnn_nn_errno err) {
  switch (err) {
    case WASMNN_NN_SUCCESS: return "success";
    case WASMNN_NN_INVALID_ARGUMENT: return "invalid_argument";
    case WASMNN_NN_INVALID_ENCODING: return "invalid_encoding";
    case WASMNN_NN_MISSING_MEMORY: return "missing_memory";
    case WASMNN_NN_BUSY: return "busy";
    case WASMNN_NN_RUNTIME_ERROR: return "runtime_error";
    case WASMNN_NN_UNSUPPORTED_OPERATION: return "unsupported_operation";
    case WASMNN_NN_TOO_LARGE: return "too_large";
    case WASMNN_NN_NOT_FOUND: return "not_found";
    case WASMNN_NN_END_OF_SEQUENCE: return "end_of_sequence";
    case WASMNN_NN_CONTEXT_FULL: return "context_full";
    case WASMNN_NN_PROMPT_TOO_LONG: return "prompt_too_long";
    case WASMNN_NN_MODEL_NOT_FOUND: return "model_not_found";
  }
  return "unknown";
}

WASMNN_API const char* wasmnn_nn_encoding_name(wasmnn_nn_encoding encoding) {
  const wasmnn::nn::EncodingInfo* info = wasmnn::nn::findEncoding(encoding);
  return info ? info->name : "unknown";
}

WASMNN_API size_t wasmnn_nn_tensor_type_size(wasmnn_nn_tensor_type type) {
  switch (type) {
    case WASMNN_NN_TYPE_U8: return 1;
    case WASMNN_NN_TYPE_F16: return 2;
    case WASMNN_NN_TYPE_F32:
    case WASMNN_NN_TYPE_I32: return 4;
    case WASMNN_NN_TYPE_F64:
    case WASMNN_NN_TYPE_I64: return 8;
  }
  return 0;
}

WASMNN_API const char* wasmnn_nn_tensor_type_name(wasmnn_nn_tensor_type type) {
  switch (type) {
    case WASMNN_NN_TYPE_F16: return "f16";
    case WASMNN_NN_TYPE_F32: return "f32";
    case WASMNN_NN_TYPE_F64: return "f64";
    case WASMNN_NN_TYPE_U8: return "u8";
    case WASMNN_NN_TYPE_I32: return "i32";
    case WASMNN_NN_TYPE_I64: return "i64";
  }
  return "unknown";
}

WASMNN_API void* wasmnn_nn_alloc(const char* source, size_t size) {
  constexpr size_t kAlign = 64;
  if (size == 0 || size > maxAllocation() || size > SIZE_MAX - kAlign) {
    wasmnn_nn_log(WASMNN_NN_LOG_ERROR, source, "refused allocation of %zu bytes (limit %zu, WASMNN_NN_MAX_ALLOC)", size,
                  maxAllocation());
    return nullptr;
  }
  size_t rounded = (size + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) wasmnn_nn_log(WASMNN_NN_LOG_ERROR, source, "out of memory allocating %zu bytes", size);
  return p;
}

WASMNN_API void wasmnn_nn_free(void* ptr) { std::free(ptr); }

}  // extern "C"

namespace wasmnn::nn {

wasmnn_nn_errno fail(wasmnn_nn_errno err, const std::string& message) {
  wasmnn_nn_log(WASMNN_NN_LOG_WARN, kLogSource, "%s (%s)", message.c_str(), wasmnn_nn_errno_name(err));
  return err;
}

std::string clipped(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  return text.size() > max ? out + "..." : out;
}

void warn(const std::string& message) { wasmnn_nn_log(WASMNN_NN_LOG_WARN, kLogSource, "%s", message.c_str()); }

void debug(const std::string& message) {
  if (wasmnn_nn_log_enabled(WASMNN_NN_LOG_DEBUG)) wasmnn_nn_log(WASMNN_NN_LOG_DEBUG, kLogSource, "%s", message.c_str());
}

}  // namespace wasmnn::nn
