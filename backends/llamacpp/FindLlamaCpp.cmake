# FindLlamaCpp — llama.cpp as imported targets:
#   LlamaCpp::llama   libllama + libggml + libggml-base and their headers
#   LlamaCpp::common  libllama-common (sampling chain, JSON schema → grammar,
#                     embedding normalization), headers as <common/...>
#
# backends/llamacpp/setup.sh unpacks the release into <source>/.deps/llamacpp
# ({lib,include,gguf-py}); another one is used with -DLlamaCpp_ROOT=DIR.
#
# Result variables: LlamaCpp_FOUND, LlamaCpp_LIB_DIR (every library the
# backend must have next to it, CPU variants included), LlamaCpp_RELEASE
# ("v0.5.0"), LlamaCpp_GGUF_PY (llama.cpp's gguf-py, for generating models).
set(_llama_hints ${LlamaCpp_ROOT} $ENV{LlamaCpp_ROOT} ${PROJECT_SOURCE_DIR}/.deps/llamacpp)

find_path(LlamaCpp_INCLUDE_DIR llama.h HINTS ${_llama_hints} PATH_SUFFIXES include NO_DEFAULT_PATH)
foreach(lib llama ggml ggml-base llama-common)
  string(MAKE_C_IDENTIFIER ${lib} var)
  find_library(LlamaCpp_${var}_LIBRARY NAMES ${lib} lib${lib}.v0.5.0.so lib${lib}.so
    HINTS ${_llama_hints} PATH_SUFFIXES lib NO_DEFAULT_PATH)
endforeach()
find_path(LlamaCpp_GGUF_PY gguf/__init__.py HINTS ${_llama_hints} PATH_SUFFIXES gguf-py NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LlamaCpp
  REQUIRED_VARS LlamaCpp_INCLUDE_DIR LlamaCpp_llama_LIBRARY LlamaCpp_ggml_LIBRARY LlamaCpp_ggml_base_LIBRARY
                LlamaCpp_llama_common_LIBRARY LlamaCpp_GGUF_PY
  REASON_FAILURE_MESSAGE "run backends/llamacpp/setup.sh (or scripts/setup.sh --backends), or set LlamaCpp_ROOT")

if(LlamaCpp_FOUND AND NOT TARGET LlamaCpp::llama)
  get_filename_component(LlamaCpp_LIB_DIR "${LlamaCpp_llama_LIBRARY}" DIRECTORY)
  set(LlamaCpp_RELEASE unknown)
  get_filename_component(_llama_root "${LlamaCpp_INCLUDE_DIR}" DIRECTORY)
  if(EXISTS ${_llama_root}/RELEASE)
    file(STRINGS ${_llama_root}/RELEASE LlamaCpp_RELEASE LIMIT_COUNT 1)
  endif()
  foreach(lib llama ggml ggml_base llama_common)
    add_library(LlamaCpp::_${lib} SHARED IMPORTED)
    set_target_properties(LlamaCpp::_${lib} PROPERTIES IMPORTED_LOCATION "${LlamaCpp_${lib}_LIBRARY}")
  endforeach()
  add_library(LlamaCpp::llama INTERFACE IMPORTED)
  set_target_properties(LlamaCpp::llama PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${LlamaCpp_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "LlamaCpp::_llama;LlamaCpp::_ggml;LlamaCpp::_ggml_base"
    INTERFACE_COMPILE_DEFINITIONS "WASMNN_LLAMACPP_RELEASE=\"${LlamaCpp_RELEASE}\"")
  add_library(LlamaCpp::common INTERFACE IMPORTED)
  set_target_properties(LlamaCpp::common PROPERTIES INTERFACE_LINK_LIBRARIES "LlamaCpp::_llama_common;LlamaCpp::llama")
endif()
mark_as_advanced(LlamaCpp_INCLUDE_DIR LlamaCpp_GGUF_PY)
