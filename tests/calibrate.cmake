# Tests of gilsim calibrate: a quick calibration writes a file that loads
# back (--check validates every name and range), bad destinations and bad
# files fail cleanly.  No test asserts a timing.
set(GS_EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_CAL_DIR ${CMAKE_CURRENT_BINARY_DIR}/calibrate)
file(MAKE_DIRECTORY ${GS_CAL_DIR})

# Writes a complete file, no temporary left, and the file round-trips.
add_test(NAME calibrate_quick_roundtrip
  COMMAND sh -c "rm -f \"$2\"/cal.cfg* && \"$1\" calibrate --quick -o \"$2/cal.cfg\" > \"$2/out\" && grep -q '^c = {' \"$2/cal.cfg\" && grep -q '^cpython = {' \"$2/cal.cfg\" && grep -q '^# host: ' \"$2/cal.cfg\" && ! ls \"$2\" | grep -q 'cal.cfg.tmp' && \"$1\" calibrate --check \"$2/cal.cfg\" | grep -q 'valid calibration' && \"$1\" run \"$3\" --calibration \"$2/cal.cfg\" | grep -q \"^Calibration: $2/cal.cfg$\""
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR} ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg)
set_tests_properties(calibrate_quick_roundtrip PROPERTIES RUN_SERIAL TRUE)

# --rounds: each value is the median of the rounds its comment lists.
add_test(NAME calibrate_rounds
  COMMAND sh -c "\"$1\" calibrate --quick --rounds 3 -o \"$2/rounds.cfg\" > /dev/null && grep -q '^# date: .*, 3 rounds)$' \"$2/rounds.cfg\" && \"$3\" \"$4\" \"$2/rounds.cfg\" 3 && \"$1\" calibrate --check \"$2/rounds.cfg\" | grep -q 'valid calibration'"
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR} ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_rounds.py)
set_tests_properties(calibrate_rounds PROPERTIES RUN_SERIAL TRUE)
add_test(NAME calibrate_rounds_bad
  COMMAND sh ${GS_EXPECT} 2 "--rounds: expected an integer from 1 to 9, got '10'" -- $<TARGET_FILE:gilsim> calibrate --rounds 10)

# An unwritable path: exit 2, the message, nothing on stdout, no file.
add_test(NAME calibrate_unwritable
  COMMAND sh -c "\"$1\" calibrate --quick -o /nonexistent/dir/cal.cfg > \"$2/unw.out\" 2> \"$2/unw.err\"; rc=$?; [ $rc -eq 2 ] && [ ! -s \"$2/unw.out\" ] && grep -q \"gilsim: cannot write '/nonexistent/dir/cal.cfg': \" \"$2/unw.err\" && [ ! -e /nonexistent/dir/cal.cfg ]"
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR})

# python3 missing: exit 1 and the destination is not created.
add_test(NAME calibrate_missing_python
  COMMAND sh -c "rm -f \"$2\"/nopy.cfg*; \"$1\" calibrate --quick -o \"$2/nopy.cfg\" > /dev/null 2> \"$2/nopy.err\"; rc=$?; [ $rc -eq 1 ] && grep -q 'python3 is missing' \"$2/nopy.err\" && ! ls \"$2\" | grep -q nopy.cfg"
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR})
set_tests_properties(calibrate_missing_python PROPERTIES
  ENVIRONMENT "GILSIM_PYTHON=/nonexistent/python3" RUN_SERIAL TRUE)

# --check rejects an unknown name, a value out of range, a missing group.
add_test(NAME calibrate_check_unknown_name
  COMMAND sh -c "printf 'c = { params = { div = 2.0; bogus = 1.0; }; };\\ncpython = { params = { div = 70.0; }; };\\n' > \"$2/bad1.cfg\" && sh \"$3\" 2 \"bad1.cfg:1: unknown key 'bogus' in c.params\" -- \"$1\" calibrate --check \"$2/bad1.cfg\""
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR} ${GS_EXPECT})
add_test(NAME calibrate_check_out_of_range
  COMMAND sh -c "printf 'c = { params = { div = -5.0; }; };\\ncpython = { params = { div = 70.0; }; };\\n' > \"$2/bad2.cfg\" && sh \"$3\" 2 \"c.params.div\" -- \"$1\" calibrate --check \"$2/bad2.cfg\""
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR} ${GS_EXPECT})
add_test(NAME calibrate_check_missing_group
  COMMAND sh -c "printf 'c = { params = { div = 2.0; }; };\\n' > \"$2/bad3.cfg\" && sh \"$3\" 2 \"bad3.cfg:1: missing required key 'cpython'\" -- \"$1\" calibrate --check \"$2/bad3.cfg\""
    sh $<TARGET_FILE:gilsim> ${GS_CAL_DIR} ${GS_EXPECT})

add_test(NAME calibrate_bad_option
  COMMAND sh ${GS_EXPECT} 2 "unknown option '--bogus'" -- $<TARGET_FILE:gilsim> calibrate --bogus)
add_test(NAME calibrate_help
  COMMAND sh ${GS_EXPECT} 0 "--check FILE" -- $<TARGET_FILE:gilsim> calibrate --help)
add_test(NAME calibrate_in_main_help
  COMMAND sh ${GS_EXPECT} 0 "calibrate [-o FILE]" -- $<TARGET_FILE:gilsim> --help)
