# Warnings for our own targets only (third-party headers are SYSTEM includes).
function(wasmnn_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()
