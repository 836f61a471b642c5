# How the core library and the CLI are linked so that `wasmnn run` starts fast.
#
# Measured on `wasmnn run hello.wasm` (bench/run.py, Debian 12, GCC 12): loading
# libstdc++.so.6 costs more than everything wasmnn itself does. The dynamic
# loader resolves its ~3300 symbolic relocations and touches its GOT and vtable
# pages at every start, and libgcc_s runs CPUID probes (slow in VMs). Linking
# the C++ runtime statically, with its symbols kept private, halves the
# instructions executed by a hello run (3.07 M -> 1.46 M) and saves ~0.6 ms.
#
# It stays safe because nothing C++ crosses a module boundary: embedders and
# backends talk to libwasmnn.so through C headers only (wasmnn.h, wasi.h,
# wasi_nn.h, nn_backend.h), and every copy of the C++ runtime in a process
# allocates through the same glibc malloc. Backends keep using the system
# libstdc++.so that their frameworks need.
#
# Sanitizer builds keep the shared runtime: ASan replaces operator new/delete
# and needs to see every call.
option(WASMNN_STATIC_LIBSTDCXX "Link libstdc++/libgcc statically (and privately) into libwasmnn.so and the CLI" ON)

# Sections per function and datum, so the link can drop what is unused
# (also for the OBJECT libraries linked into a target).
function(wasmnn_startup_compile target)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
  endif()
endfunction()

function(wasmnn_startup_link target)
  if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
    return()
  endif()
  # Optimized hash tables, no DT_NEEDED entries we do not use, unused sections dropped.
  wasmnn_startup_compile(${target})
  target_link_options(${target} PRIVATE -Wl,-O1 -Wl,--hash-style=gnu -Wl,--as-needed -Wl,--gc-sections)
  if(WASMNN_STATIC_LIBSTDCXX AND NOT WASMNN_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--exclude-libs,ALL)
  endif()
endfunction()
