# hardening.cmake - what a user can type must not crash the tool or leak
# (included by tests/CMakeLists.txt):
#   bad_catalogue_cli    every malformed scenario of tests/bad/ through
#                        `gilsim run`: exit 2, the documented message,
#                        nothing written (tests/bad_cli.sh)
#   output_links         --trace, --csv and --plot named through symbolic
#                        links: the targets written, the links kept, a loop
#                        refused with exit 2 (tests/output_links.sh)
#   valgrind_*           the default scenario (what ./run.sh runs) under
#                        valgrind --leak-check=full, plain and with a trace
#                        and JSON report: no error, no leak.  Not in the
#                        sanitizer build (ASan and valgrind exclude each
#                        other; that build checks leaks with ASan instead).

add_test(NAME bad_catalogue_cli
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/bad_cli.sh $<TARGET_FILE:gilsim> tests/bad
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

add_test(NAME output_links
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/output_links.sh $<TARGET_FILE:gilsim>
    ${PROJECT_SOURCE_DIR}/scenarios/primes.cfg)

if(NOT GILSIM_SANITIZE)
  find_program(GS_VALGRIND valgrind)
  set(GS_VG_FLAGS --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
      --error-exitcode=99 --quiet)
  if(GS_VALGRIND)
    add_test(NAME valgrind_default_scenario
      COMMAND ${GS_VALGRIND} ${GS_VG_FLAGS} $<TARGET_FILE:gilsim> run scenarios/primes.cfg
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    add_test(NAME valgrind_default_scenario_traced
      COMMAND sh -c "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT && \"$0\" --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --quiet \"$1\" run scenarios/primes.cfg --format json --trace \"$d/t.json\" >\"$d/r.json\" && test -s \"$d/t.json\" && test -s \"$d/r.json\""
        ${GS_VALGRIND} $<TARGET_FILE:gilsim>
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  else()
    # Missing, it fails rather than vanish: scripts/deps.sh installs it.
    add_test(NAME valgrind_default_scenario
      COMMAND sh -c "echo 'valgrind is not installed (scripts/deps.sh installs it)' >&2; exit 1")
  endif()
endif()
