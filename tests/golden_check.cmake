# Run gilsim on SCENARIO with seed 1 and compare its report with EXPECTED.
execute_process(COMMAND ${GILSIM} run ${SCENARIO} --seed 1
  OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gilsim exited with ${rc} on ${SCENARIO}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${EXPECTED} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  execute_process(COMMAND diff -u ${EXPECTED} ${OUT})
  message(FATAL_ERROR "report of ${SCENARIO} differs from ${EXPECTED} (regenerate with tests/update-golden.sh if intended)")
endif()
