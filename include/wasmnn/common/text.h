// Guest-controlled text on the host's terminal and logs (issue: a guest's
// ESC/BEL bytes reaching the operator's terminal through trap backtraces,
// link errors and relayed framework messages). Engine errors keep the raw
// bytes; whatever prints them (the CLI, wasmnn_nn_log, an embedder through
// wasmnn_escape_text) escapes them once, with this one function.
#pragma once

#include <string>
#include <string_view>

#include "wasmnn/common/internal_api.h"

namespace wasmnn {

// `text` as one line of plain text that maps back to its bytes: C0 controls
// (newline and tab included), DEL, C1 controls (raw or UTF-8 encoded), bytes
// that are not valid UTF-8 and the bidirectional-override code points become
// \xNN escapes of their bytes, a backslash becomes \\; other UTF-8 is kept.
WASMNN_INTERNAL_API std::string escapeText(std::string_view text);

}  // namespace wasmnn
