# Tests of gilsim measure: end to end on tiny inputs, and its bad input.
# No test asserts a timing.
set(GS_EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_MC ${CMAKE_CURRENT_SOURCE_DIR}/data/measure-c.cfg)
set(GS_MPY ${CMAKE_CURRENT_SOURCE_DIR}/data/measure-py.cfg)

function(gs_measure name code pattern)
  add_test(NAME measure_${name}
    COMMAND sh ${GS_EXPECT} ${code} ${pattern} -- $<TARGET_FILE:gilsim> ${ARGN}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

gs_measure(c_threads 0 "Measured on this machine: 2 repetitions" measure ${GS_MC} --repeat 2)
gs_measure(c_processes_results 0 "results checked" measure ${GS_MC} --model processes --repeat 1)
gs_measure(c_gil_new 0 "GIL: new" measure ${GS_MC} --gil new --repeat 1)
gs_measure(c_gil_old 0 "GIL: old" measure ${GS_MC} --gil old --repeat 1)
gs_measure(c_json 0 "\"measured\": {\"repeat\": 1" measure ${GS_MC} --repeat 1 --format json)
gs_measure(cpython_threads 0 "results checked" measure ${GS_MPY} --repeat 1)
gs_measure(cpython_processes 0 "results checked" measure ${GS_MPY} --model processes --repeat 1)
gs_measure(too_many_cores 2 "this machine lets the run use" measure ${GS_MC} --cores 1024)
gs_measure(repeat_zero 2 "--repeat: expected an integer from 1 to 1000" measure ${GS_MC} --repeat 0)
gs_measure(run_has_no_repeat 2 "unknown option '--repeat'" run ${GS_MC} --repeat 2)
gs_measure(cpython_old_gil 2 "runtime cpython measures the real GIL" measure ${GS_MPY} --gil old)
gs_measure(missing_python 1 "python3 is missing" measure ${GS_MPY} --repeat 1)
set_tests_properties(measure_missing_python PROPERTIES ENVIRONMENT "GILSIM_PYTHON=/nonexistent/python3")
gs_measure(asyncio_in_c 2 "asyncio" measure ${GS_MC} --model asyncio --repeat 1)

# --csv appends one complete row per run (header once); an unwritable
# destination is refused before the first repetition (exit 2), with
# nothing written and no temporary left behind.
add_test(NAME measure_csv_appends_rows
  COMMAND sh -c "rm -f \"$2/m.csv\" && \"$1\" measure \"$3\" --repeat 1 --csv \"$2/m.csv\" >/dev/null && \"$1\" measure \"$3\" --repeat 1 --csv \"$2/m.csv\" >/dev/null && [ $(wc -l < \"$2/m.csv\") -eq 3 ] && head -1 \"$2/m.csv\" | grep -q '^host,cpu_model,kernel,date,' && ! ls \"$2\" | grep -q 'm.csv.tmp'"
    sh $<TARGET_FILE:gilsim> ${CMAKE_CURRENT_BINARY_DIR} ${GS_MC})
add_test(NAME measure_csv_unwritable
  COMMAND sh -c "\"$1\" measure \"$2\" --repeat 1 --csv /nonexistent/dir/m.csv > \"$3/unwritable.out\" 2> \"$3/unwritable.err\"; rc=$?; [ $rc -eq 2 ] && [ ! -s \"$3/unwritable.out\" ] && grep -q \"cannot write '/nonexistent/dir/m.csv'\" \"$3/unwritable.err\""
    sh $<TARGET_FILE:gilsim> ${GS_MC} ${CMAKE_CURRENT_BINARY_DIR})

# Downloads from the loopback server: byte counts are checked by the client.
set(GS_MDL ${CMAKE_CURRENT_SOURCE_DIR}/data/measure-download.cfg)
gs_measure(download_threads 0 "Network: 5 requests, 500000 bytes" measure ${GS_MDL} --repeat 1)
gs_measure(download_asyncio 0 "Network: 5 requests, 500000 bytes" measure ${GS_MDL} --model asyncio --repeat 1)

# --trace of a real run: per-task slices in the simulator's trace format.
add_test(NAME measure_trace_is_valid
  COMMAND sh -c "\"$1\" measure \"$2\" --repeat 1 --model processes --trace \"$3/measured.json\" >/dev/null && python3 \"$4\" --measured \"$3/measured.json\" 1"
    sh $<TARGET_FILE:gilsim> ${GS_MC} ${CMAKE_CURRENT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/check_trace.py)
