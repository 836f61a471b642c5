# FindOnnxRuntime — the ONNX Runtime C API as the imported target
# OnnxRuntime::OnnxRuntime.
#
# scripts/setup-backends.sh puts the library (npm onnxruntime-node, SONAME
# libonnxruntime.so.1) and the C API headers (Debian trixie libonnxruntime-dev)
# into <source>/.deps/onnxruntime/{lib,include}; that is searched first.
# Another install is used with -DOnnxRuntime_ROOT=DIR (DIR/include, DIR/lib).
# Debian's packaged onnxruntimeConfig.cmake is not used: it hard-codes /usr/lib.
#
# Result variables: OnnxRuntime_FOUND, OnnxRuntime_LIBRARY (the real file, for
# installing next to the backend), OnnxRuntime_INCLUDE_DIR,
# OnnxRuntime_API_VERSION (ORT_API_VERSION of the headers).
set(_ort_hints ${OnnxRuntime_ROOT} $ENV{OnnxRuntime_ROOT} ${PROJECT_SOURCE_DIR}/.deps/onnxruntime)

find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_c_api.h
  HINTS ${_ort_hints}
  PATH_SUFFIXES include include/onnxruntime)
find_library(OnnxRuntime_LIBRARY
  NAMES onnxruntime libonnxruntime.so.1
  HINTS ${_ort_hints}
  PATH_SUFFIXES lib)

if(OnnxRuntime_INCLUDE_DIR)
  file(STRINGS ${OnnxRuntime_INCLUDE_DIR}/onnxruntime_c_api.h _ort_api_line REGEX "^#define ORT_API_VERSION [0-9]+")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" OnnxRuntime_API_VERSION "${_ort_api_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime
  REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "run scripts/setup-backends.sh (or set OnnxRuntime_ROOT)")

if(OnnxRuntime_FOUND AND NOT TARGET OnnxRuntime::OnnxRuntime)
  # Resolve the unversioned symlink: the backend must record and install the
  # SONAME file itself.
  get_filename_component(OnnxRuntime_LIBRARY "${OnnxRuntime_LIBRARY}" REALPATH)
  add_library(OnnxRuntime::OnnxRuntime SHARED IMPORTED)
  set_target_properties(OnnxRuntime::OnnxRuntime PROPERTIES
    IMPORTED_LOCATION "${OnnxRuntime_LIBRARY}"
    IMPORTED_SONAME libonnxruntime.so.1
    INTERFACE_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}")
endif()
mark_as_advanced(OnnxRuntime_INCLUDE_DIR OnnxRuntime_LIBRARY)
