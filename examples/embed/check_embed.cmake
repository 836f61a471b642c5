# cmake -DEMBED=... -DGUEST=... -DWORK=... -P check_embed.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/greeting.txt "hi from the host\n")
execute_process(COMMAND ${EMBED} ${GUEST} 7 WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(expected "hello from ${GUEST}\ngreeting: hi from the host\n")
if(NOT code EQUAL 7 OR NOT out STREQUAL expected)
  message(FATAL_ERROR "embed ${GUEST} 7: exit ${code} (want 7)\nstdout:\n${out}\nwant:\n${expected}stderr:\n${err}")
endif()
execute_process(COMMAND ${EMBED} ${WORK}/greeting.txt WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE code ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "magic")
  message(FATAL_ERROR "embed on a non-wasm file: exit ${code} (want 1), stderr: ${err}")
endif()
