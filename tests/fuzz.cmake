# fuzz.cmake - the inputs the fuzzers (fuzz/, README "Fuzzing") found a
# problem with, kept as regressions (included by tests/CMakeLists.txt).
#
# Each file of tests/fuzz-regressions/ is a scenario exactly as the fuzzer
# wrote it.  It goes through the normal tool, `gilsim run FILE [args]`,
# which must end with the status given below, the message on stderr and
# nothing on stdout (expect_exit.sh): no crash, and in the sanitizer build
# no report.  When the fuzz targets are built too (GILSIM_FUZZ), every file
# also goes through fuzz_scenario, which loads, runs, traces and reports it.

set(GS_FUZZ_REG ${CMAKE_CURRENT_SOURCE_DIR}/fuzz-regressions)
set(GS_FUZZ_LISTED "")

# gs_fuzz_regression(FILE CODE PATTERN [run args...])
function(gs_fuzz_regression file code pattern)
  string(REGEX REPLACE "\\.cfg$" "" name ${file})
  add_test(NAME fuzz_regression_${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh ${code} ${pattern} --
            $<TARGET_FILE:gilsim> run ${GS_FUZZ_REG}/${file} ${ARGN}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set(GS_FUZZ_LISTED ${GS_FUZZ_LISTED} ${file} PARENT_SCOPE)
endfunction()

# libconfig 1.5 leaks a string token that a syntax error discards (see
# parse_file in sim/scenario.c): the sanitizer build exited 1 (LSan) where
# the tool says 2.
gs_fuzz_regression(libconfig-leak-string-token.cfg 2 ":5: syntax error")
gs_fuzz_regression(libconfig-leak-empty-string-token.cfg 2 ":3: syntax error")

# A lognormal latency with sigma 4000 draws 9e18 ns (the most a sample
# may be); the next request's end, now + 9e18, overflowed int64 (UBSan in
# net.c; a plain build ran on with a time in the past).  Time now ends at
# 2^62 ns (kernel.h) and the run fails with a limit error.
gs_fuzz_regression(net-latency-past-int64.cfg 1 "simulated time would pass 2^62 ns")

# Every file has its test: one added without a line above fails here.
file(GLOB GS_FUZZ_FILES RELATIVE ${GS_FUZZ_REG} CONFIGURE_DEPENDS ${GS_FUZZ_REG}/*)
foreach(file ${GS_FUZZ_FILES})
  if(NOT file IN_LIST GS_FUZZ_LISTED)
    add_test(NAME fuzz_regression_unlisted_${file}
      COMMAND sh -c "echo '${file}: no gs_fuzz_regression line in tests/fuzz.cmake' >&2; exit 1")
  endif()
endforeach()

if(TARGET fuzz_scenario)
  list(TRANSFORM GS_FUZZ_LISTED PREPEND ${GS_FUZZ_REG}/ OUTPUT_VARIABLE GS_FUZZ_PATHS)
  add_test(NAME fuzz_regressions_through_fuzz_scenario
    COMMAND fuzz_scenario ${GS_FUZZ_PATHS})
endif()
