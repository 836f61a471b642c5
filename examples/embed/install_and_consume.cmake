# cmake -DBUILD=<build dir> -DSOURCE=<examples/embed> -DGUEST=... -DWORK=... -DCC=... [-DSANITIZE=ON]
#       -P install_and_consume.cmake
# Installs wasmnn into a scratch prefix, then builds examples/embed/embed.c
# against it twice, as a user would: with pkg-config and with find_package.
# Both programs must run the hello guest. A sanitizer build's library needs
# its consumers built with the sanitizer runtime too.
set(cflags -std=c11 -Wall -Wextra -Wpedantic -Werror)
if(SANITIZE)
  list(APPEND cflags -fsanitize=address,undefined)
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${ARGN}: exit ${code}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})

# pkg-config, from wherever the prefix was installed to.
file(GLOB_RECURSE pc_files ${prefix}/*/wasmnn.pc)
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run(pkg-config --cflags --libs wasmnn)
separate_arguments(pc_flags UNIX_COMMAND "${out}")
run(${CC} ${cflags} ${SOURCE}/embed.c ${pc_flags} -Wl,-rpath,${prefix}/lib -o ${WORK}/embed_pkgconfig)

# CMake's find_package.
list(JOIN cflags " " cflags_text)
run(${CMAKE_COMMAND} -S ${SOURCE}/consumer -B ${WORK}/consumer -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_RPATH=${prefix}/lib "-DCMAKE_C_FLAGS=${cflags_text}")
run(${CMAKE_COMMAND} --build ${WORK}/consumer)

foreach(program ${WORK}/embed_pkgconfig ${WORK}/consumer/embed)
  run(${program} ${GUEST})
  if(NOT out MATCHES "^hello from ")
    message(FATAL_ERROR "${program} ${GUEST}: unexpected output: ${out}")
  endif()
endforeach()
