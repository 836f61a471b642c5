# The codegen id: what an AOT artifact must match to be loaded (an artifact
# from any other build of the translator or runtime is refused). Target
# wasmnn_codegen_id regenerates <build>/include/wasmnn/codegen_id.h.
include(${CMAKE_CURRENT_LIST_DIR}/CodegenIdSources.cmake)
wasmnn_codegen_sources(${CMAKE_SOURCE_DIR} WASMNN_CODEGEN_SOURCES CONFIGURE_DEPENDS)
set(WASMNN_CODEGEN_ID_HEADER ${PROJECT_BINARY_DIR}/include/wasmnn/codegen_id.h)
add_custom_command(OUTPUT ${WASMNN_CODEGEN_ID_HEADER}
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DVERSION=${PROJECT_VERSION}
          -DOUT=${WASMNN_CODEGEN_ID_HEADER} -P ${CMAKE_CURRENT_LIST_DIR}/CodegenIdScript.cmake
  DEPENDS ${WASMNN_CODEGEN_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/CodegenIdScript.cmake
          ${CMAKE_CURRENT_LIST_DIR}/CodegenIdSources.cmake
  COMMENT "Codegen id")
add_custom_target(wasmnn_codegen_id DEPENDS ${WASMNN_CODEGEN_ID_HEADER})
