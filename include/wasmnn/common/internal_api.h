// libwasmnn.so hides every symbol by default; only the public C API is
// exported. WASMNN_INTERNAL_API marks the few internal C++ entry points that
// the unit tests (test/unit, linked against libwasmnn.so) call directly.
// They are not a stable interface.
#pragma once

#if defined(_WIN32)
#define WASMNN_INTERNAL_API
#else
#define WASMNN_INTERNAL_API __attribute__((visibility("default")))
#endif
