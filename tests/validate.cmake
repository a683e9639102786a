# Tests of gilsim validate: a tiny matrix end to end (table, summary, CSV,
# PNG and SVG plots), and bad command lines.  No test asserts an error size:
# real timings on a shared machine are not the suite's business.
set(GS_EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_VAL_DIR ${CMAKE_CURRENT_BINARY_DIR}/validate)
file(MAKE_DIRECTORY ${GS_VAL_DIR})
set(GS_TINY ${CMAKE_CURRENT_SOURCE_DIR}/data/validate-tiny.cfg)

# sequential + threads (1 and 2 workers) + processes (1 and 2) at 1 core:
# 5 configurations, each simulated and measured; CSV with 5 rows; plots.
add_test(NAME validate_tiny_end_to_end
  COMMAND sh -c "d=\"$3\"; rm -rf \"$d/e2e\"; mkdir -p \"$d/e2e\" && \"$1\" validate \"$2\" --cores 1 --workers 1,2 --models sequential,threads,processes --repeat 1 --csv \"$d/e2e/v.csv\" --plot \"$d/e2e/v\" > \"$d/e2e/out\" && grep -q '^validate-tiny c  *none sequential  *1  *- |' \"$d/e2e/out\" && grep -q '^validate-tiny c  *none threads  *1  *2 |' \"$d/e2e/out\" && grep -q '^5 configurations compared' \"$d/e2e/out\" && grep -q '^Wall time |error|: median' \"$d/e2e/out\" && grep -q '^Host check (the harness' \"$d/e2e/out\" && [ \"$(wc -l < \"$d/e2e/v.csv\")\" -eq 6 ] && head -1 \"$d/e2e/v.csv\" | grep -q '^scenario,file,runtime,gil,model,cores,workers,sim_wall_s,sim_user_s,sim_sys_s,repeat,measured_wall_s,' && grep -c ',ok,' \"$d/e2e/v.csv\" | grep -qx 5 && head -c 8 \"$d/e2e/v.png\" | od -An -c | grep -q 'P   N   G' && grep -q '<svg' \"$d/e2e/v.svg\" && ! ls \"$d/e2e\" | grep -q tmp"
    sh $<TARGET_FILE:gilsim> ${GS_TINY} ${GS_VAL_DIR})
set_tests_properties(validate_tiny_end_to_end PROPERTIES RUN_SERIAL TRUE)

# The simulated side really uses the calibration it names: the report says
# so, and the host check compares with its countdown step.
add_test(NAME validate_names_its_calibration
  COMMAND sh -c "\"$1\" validate \"$2\" --cores 1 --models sequential --repeat 1 --calibration \"$3\" > \"$4/names.out\" && head -1 \"$4/names.out\" | grep -q 'calibration: .*cal-test.cfg' && grep -q '^Host check .*countdown step 0.600 ns calibrated' \"$4/names.out\""
    sh $<TARGET_FILE:gilsim> ${GS_TINY} ${CMAKE_CURRENT_SOURCE_DIR}/data/cal-test.cfg ${GS_VAL_DIR})
set_tests_properties(validate_names_its_calibration PROPERTIES RUN_SERIAL TRUE)

# The host check: a C CPU-bound row gets a host column (its loop's speed
# against the calibration's, in %) and the CSV its probe columns; an
# I/O-bound row gets '-'.
add_test(NAME validate_host_check
  COMMAND sh -c "d=\"$4\"; \"$1\" validate \"$2\" \"$3\" --cores 1 --models sequential --repeat 2 --calibration none --csv \"$d/host.csv\" > \"$d/host.out\" && grep -Eq '^validate-tiny-primes .*[|] [-+][0-9]+%( ~)?$' \"$d/host.out\" && grep -Eq '^validate-tiny .*[|] -$' \"$d/host.out\" && grep -Eq '^Host check [(]the harness.s C loops before each run, mean of the CPUs[)]: division 2.000 ns calibrated, median [0-9.]+ [(][0-9.]+ to [0-9.]+[)]; countdown step ' \"$d/host.out\" && grep -Eq '^[01] of 1 C CPU-bound configuration measured while the host ran its loop more than 10 % off the calibrated speed' \"$d/host.out\" && head -1 \"$d/host.csv\" | grep -q ',calibration,host_div_ns,calibrated_div_ns,host_step_ns,calibrated_step_ns,host_drift_pct$' && grep '^validate-tiny-primes,' \"$d/host.csv\" | grep -Eq ',[0-9.]+,2.000000,[0-9.]+,[0-9.]+,-?[0-9.]+$' && grep '^validate-tiny,' \"$d/host.csv\" | grep -Eq ',[0-9.]+,[0-9.]+,$'"
    sh $<TARGET_FILE:gilsim> ${GS_TINY} ${CMAKE_CURRENT_SOURCE_DIR}/data/validate-tiny-primes.cfg ${GS_VAL_DIR})
set_tests_properties(validate_host_check PROPERTIES RUN_SERIAL TRUE)

# Bad lists and files: exit 2, a clear message, nothing on stdout.
add_test(NAME validate_cores_zero
  COMMAND sh ${GS_EXPECT} 2 "--cores: expected a list of core counts" -- $<TARGET_FILE:gilsim> validate ${GS_TINY} --cores 0)
add_test(NAME validate_cores_letters
  COMMAND sh ${GS_EXPECT} 2 "--cores: expected a list of core counts from 1 to 1024 such as 1,2,4 or 1-64, got 'a'" -- $<TARGET_FILE:gilsim> validate ${GS_TINY} --cores a)
add_test(NAME validate_cores_beyond_host
  COMMAND sh ${GS_EXPECT} 2 "--cores: this machine lets a run use" -- $<TARGET_FILE:gilsim> validate ${GS_TINY} --cores 1024)
add_test(NAME validate_workers_reversed
  COMMAND sh ${GS_EXPECT} 2 "--workers: expected a list of worker counts" -- $<TARGET_FILE:gilsim> validate ${GS_TINY} --workers 4..2)
add_test(NAME validate_models_unknown
  COMMAND sh ${GS_EXPECT} 2 "--models: expected a list of sequential, threads, processes or asyncio, got 'thread'" -- $<TARGET_FILE:gilsim> validate ${GS_TINY} --models thread)
add_test(NAME validate_bad_scenario
  COMMAND sh ${GS_EXPECT} 2 "cannot read '/nonexistent.cfg'" -- $<TARGET_FILE:gilsim> validate /nonexistent.cfg)
add_test(NAME validate_bad_calibration
  COMMAND sh ${GS_EXPECT} 2 "gilsim: calibration: cannot read '/nonexistent/cal.cfg'" -- $<TARGET_FILE:gilsim> validate ${GS_TINY} --calibration /nonexistent/cal.cfg)
add_test(NAME validate_help
  COMMAND sh ${GS_EXPECT} 0 "--plot FILE" -- $<TARGET_FILE:gilsim> validate --help)

# An unwritable CSV: exit 2 before any run, the message, nothing created.
add_test(NAME validate_unwritable_csv
  COMMAND sh -c "\"$1\" validate \"$2\" --cores 1 --models sequential --repeat 1 --csv /nonexistent/dir/v.csv > /dev/null 2> \"$3/unw.err\"; rc=$?; [ $rc -eq 2 ] && grep -q \"cannot write '/nonexistent/dir/v.csv'\" \"$3/unw.err\""
    sh $<TARGET_FILE:gilsim> ${GS_TINY} ${GS_VAL_DIR})
