# The sources whose hash is the codegen id (see CodegenIdScript.cmake).
# Extra arguments go to file(GLOB_RECURSE), e.g. CONFIGURE_DEPENDS.
function(wasmnn_codegen_sources source_dir out)
  file(GLOB_RECURSE files ${ARGN}
    ${source_dir}/include/wasmnn/ast/*
    ${source_dir}/include/wasmnn/native/*
    ${source_dir}/include/wasmnn/llvm/*
    ${source_dir}/lib/native/*
    ${source_dir}/lib/llvm/*)
  list(SORT files)
  set(${out} ${files} PARENT_SCOPE)
endfunction()
