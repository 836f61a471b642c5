# wasmnn_add_guest(NAME SOURCES... [INCLUDES dir...] [FLAGS flag...] [OUTPUT_DIR dir])
# Builds a wasm32-wasi program with Debian's clang, wasi-libc and lld.
# The result is ${OUTPUT_DIR}/NAME.wasm (default: ${CMAKE_CURRENT_BINARY_DIR}) and
# a custom target guest_NAME that is part of ALL.
find_program(WASMNN_CLANG NAMES clang-14 clang REQUIRED)
set(WASMNN_WASI_SYSROOT "/usr" CACHE PATH "wasi-libc sysroot (Debian's wasi-libc installs into /usr)")

function(wasmnn_add_guest name)
  cmake_parse_arguments(G "" "OUTPUT_DIR" "SOURCES;INCLUDES;FLAGS" ${ARGN})
  if(NOT G_SOURCES)
    set(G_SOURCES ${G_UNPARSED_ARGUMENTS})
  endif()
  if(NOT G_OUTPUT_DIR)
    set(G_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(out ${G_OUTPUT_DIR}/${name}.wasm)
  set(srcs "")
  foreach(s ${G_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
  endforeach()
  set(incs "")
  foreach(i ${G_INCLUDES})
    list(APPEND incs -I${i})
  endforeach()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR}
    COMMAND ${WASMNN_CLANG} --target=wasm32-wasi --sysroot=${WASMNN_WASI_SYSROOT} -O2 -Wall -Wextra
            ${incs} ${G_FLAGS} ${srcs} -o ${out} -lm
    DEPENDS ${srcs}
    COMMENT "Building wasm guest ${name}.wasm"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
endfunction()
