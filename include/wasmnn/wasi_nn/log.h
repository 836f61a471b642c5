// Logging inside the WASI-NN host: one line per event on stderr through the
// same service backends use (wasmnn_nn_log), so core and backend lines look
// alike and never mix with the guest's stdout.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wasmnn/nn_backend.h"

namespace wasmnn::nn {

// The component name the core logs under.
inline constexpr const char* kLogSource = "wasi-nn";

// Logs `message` at `level` and returns `err`, so a failure site reads
// `return fail(WASMNN_NN_INVALID_ARGUMENT, "...")`.
wasmnn_nn_errno fail(wasmnn_nn_errno err, const std::string& message);
void warn(const std::string& message);
// Text a guest (or a guest's model) chose, cut after `max` bytes to a log
// line's worth. Not escaped here: wasmnn_nn_log escapes every line once.
std::string clipped(std::string_view text, size_t max = 80);
void debug(const std::string& message);

}  // namespace wasmnn::nn
