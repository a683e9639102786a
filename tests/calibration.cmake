# Tests of calibrations in runs: --calibration, GILSIM_CALIBRATION, a
# scenario's calibration key, this host's data/calibration/HOST.cfg, and
# the fallback to the built-in defaults with a warning.
set(GS_EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_TDATA ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(GS_CALRUN_DIR ${CMAKE_CURRENT_BINARY_DIR}/calrun)
file(MAKE_DIRECTORY ${GS_CALRUN_DIR})

# --calibration FILE: the report names it and its values are charged
# (1e6 steps x 44 ns = 44 ms instead of 22 ms with the defaults).
add_test(NAME calibration_option
  COMMAND sh -c "\"$1\" run \"$2/with-calibration.cfg\" --calibration \"$2/cal-test.cfg\" > \"$3/opt.out\" && grep -q '^Calibration: .*cal-test.cfg$' \"$3/opt.out\" && grep -q '^Wall time: 44 ms$' \"$3/opt.out\""
    sh $<TARGET_FILE:gilsim> ${GS_TDATA} ${GS_CALRUN_DIR})

# A scenario's own calibration key, relative to the scenario file.
add_test(NAME calibration_scenario_key
  COMMAND sh -c "env -u GILSIM_CALIBRATION \"$1\" run \"$2/with-calibration.cfg\" > \"$3/key.out\" && grep -q '^Calibration: .*data/cal-test.cfg$' \"$3/key.out\" && grep -q '^Wall time: 44 ms$' \"$3/key.out\""
    sh $<TARGET_FILE:gilsim> ${GS_TDATA} ${GS_CALRUN_DIR})

# The scenario's params win over its calibration.
add_test(NAME calibration_params_win
  COMMAND sh -c "env -u GILSIM_CALIBRATION \"$1\" run \"$2/with-calibration-override.cfg\" | grep -q '^Wall time: 11 ms$'"
    sh $<TARGET_FILE:gilsim> ${GS_TDATA})

# --calibration none: the built-in defaults, said so, no warning.
add_test(NAME calibration_none
  COMMAND sh -c "env -u GILSIM_CALIBRATION \"$1\" run \"$2/with-calibration.cfg\" --calibration none > \"$3/none.out\" 2> \"$3/none.err\" && grep -q '^Calibration: none' \"$3/none.out\" && grep -q '^Wall time: 22 ms$' \"$3/none.out\" && [ ! -s \"$3/none.err\" ]"
    sh $<TARGET_FILE:gilsim> ${GS_TDATA} ${GS_CALRUN_DIR})

# This host's calibration is picked up from data/calibration/HOST.cfg in
# the current folder.
add_test(NAME calibration_host_file
  COMMAND sh -c "d=\"$3/host\"; rm -rf \"$d\"; mkdir -p \"$d/data/calibration\" && cp \"$2/cal-test.cfg\" \"$d/data/calibration/$(hostname).cfg\" && cd \"$d\" && env -u GILSIM_CALIBRATION GILSIM_DATA_DIR=/nonexistent \"$1\" run \"$2/../../scenarios/countdown.cfg\" --model sequential > out 2> err && grep -q \"^Calibration: data/calibration/$(hostname).cfg$\" out && [ ! -s err ]"
    sh $<TARGET_FILE:gilsim> ${GS_TDATA} ${GS_CALRUN_DIR})

# No calibration for this host: the defaults, with a warning on stderr.
add_test(NAME calibration_missing_warns
  COMMAND sh -c "d=\"$3/nohost\"; rm -rf \"$d\"; mkdir -p \"$d\" && cd \"$d\" && env -u GILSIM_CALIBRATION GILSIM_DATA_DIR=/nonexistent \"$1\" run \"$2/with-calibration-override.cfg\" --seed 1 > /dev/null && env -u GILSIM_CALIBRATION GILSIM_DATA_DIR=/nonexistent \"$1\" run \"$2/../../scenarios/countdown.cfg\" > out 2> err; rc=$?; [ $rc -eq 0 ] && grep -q '^Calibration: none' out && grep -q 'warning: no calibration for this host' err"
    sh $<TARGET_FILE:gilsim> ${GS_TDATA} ${GS_CALRUN_DIR})

# Bad calibrations: file:line and what was expected, exit 2, nothing printed.
add_test(NAME calibration_bad_value
  COMMAND sh ${GS_EXPECT} 2 "cal-bad.cfg:8: cpython.params.div: expected a duration"
    -- $<TARGET_FILE:gilsim> run ${GS_TDATA}/with-calibration.cfg --calibration ${GS_TDATA}/cal-bad.cfg)
add_test(NAME calibration_bad_in_scenario
  COMMAND sh -c "env -u GILSIM_CALIBRATION sh \"$1\" 2 'bad-calibration.cfg:2: calibration: ' -- \"$2\" run \"$3/bad-calibration.cfg\""
    sh ${GS_EXPECT} $<TARGET_FILE:gilsim> ${GS_TDATA})
add_test(NAME calibration_missing_file
  COMMAND sh ${GS_EXPECT} 2 "gilsim: calibration: cannot read '/nonexistent/cal.cfg'"
    -- $<TARGET_FILE:gilsim> run ${GS_TDATA}/with-calibration.cfg --calibration /nonexistent/cal.cfg)
add_test(NAME calibration_empty_option
  COMMAND sh ${GS_EXPECT} 2 "--calibration: expected a file name or 'none'"
    -- $<TARGET_FILE:gilsim> run ${GS_TDATA}/with-calibration.cfg --calibration=)
