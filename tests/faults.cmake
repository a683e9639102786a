# Real runs under faults (tests/faults.py): the download server killed in
# the middle of a transfer, a worker process killed, outputs that cannot be
# written, ^C and SIGTERM in the middle of validate and calibrate.  Each
# checks the message, the exit status, that no process is left and that
# every named file (and data/) is byte for byte as it was.  Faults are
# injected on conditions seen in /proc, never after fixed delays; no test
# asserts a timing of the host.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
foreach(case server worker output-measure output-others output-late interrupt-validate-c
    interrupt-validate-py interrupt-calibrate)
  string(REPLACE "-" "_" name ${case})
  add_test(NAME fault_${name}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/faults.py
      $<TARGET_FILE:gilsim> ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/faults/${case} ${case})
  set_tests_properties(fault_${name} PROPERTIES TIMEOUT 180)
endforeach()
