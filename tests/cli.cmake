# cli.cmake - tests of the gilsim command-line tool (included by
# tests/CMakeLists.txt): help and version, rejected input with exit status 2
# and nothing on stdout, successful runs in each format, traces (--trace)
# checked by check_trace.py, and write errors.  Also builds tool/report.c
# and tool/trace.c into test_report and test_trace, their unit tests.

target_sources(test_report PRIVATE ${PROJECT_SOURCE_DIR}/tool/report.c ${PROJECT_SOURCE_DIR}/tool/jsonstr.c)
target_include_directories(test_report PRIVATE ${PROJECT_SOURCE_DIR}/tool)
target_compile_definitions(test_report PRIVATE GILSIM_VERSION="${PROJECT_VERSION}")
target_sources(test_trace PRIVATE ${PROJECT_SOURCE_DIR}/tool/trace.c ${PROJECT_SOURCE_DIR}/tool/jsonstr.c)
target_include_directories(test_trace PRIVATE ${PROJECT_SOURCE_DIR}/tool)
target_compile_definitions(test_trace PRIVATE GILSIM_VERSION="${PROJECT_VERSION}")

set(GS_EXPECT sh ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_PRIMES scenarios/primes.cfg) # relative: the tests run in the source tree
set(GS_COUNTDOWN scenarios/countdown.cfg)

# gs_cli(NAME CODE PATTERN args...): `gilsim args...` exits with CODE; on
# failure stdout is empty and stderr contains PATTERN, on success stdout
# contains PATTERN (see expect_exit.sh).
function(gs_cli name code pattern)
  add_test(NAME cli_${name}
    COMMAND ${GS_EXPECT} ${code} "${pattern}" -- $<TARGET_FILE:gilsim> ${ARGN}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

# ---- Help and version ------------------------------------------------------
add_test(NAME cli_version_exact COMMAND gilsim --version)
set_tests_properties(cli_version_exact PROPERTIES
  PASS_REGULAR_EXPRESSION "^gilsim ${PROJECT_VERSION}\n$")
gs_cli(version 0 "gilsim ${PROJECT_VERSION}" --version)
gs_cli(help 0 "gilsim params" --help)
gs_cli(help_short 0 "Exit status" -h)
gs_cli(run_help 0 "usage: gilsim run FILE" run --help)
gs_cli(run_help_after_file 0 "usage: gilsim run FILE" run ${GS_PRIMES} -h)
gs_cli(params_help 0 "usage: gilsim params" params --help)
foreach(flag cores model workers scheduler runtime gil seed set format trace)
  gs_cli(run_help_documents_${flag} 0 "  --${flag} " run --help)
endforeach()
foreach(flag gil trace)
  gs_cli(help_documents_${flag} 0 "  --${flag} " --help)
  gs_cli(run_usage_shows_${flag} 0 " [--${flag} " run --help)
endforeach()
foreach(word "Exit status" "text" "json" "csv" "gilsim params")
  string(REPLACE " " "_" id "${word}")
  gs_cli(run_help_mentions_${id} 0 "${word}" run --help)
endforeach()
gs_cli(params 0 "ctx_switch" params)
gs_cli(params_lists_defaults 0 "default cpython" params)

# ---- Bad input: exit 2, a message, nothing on stdout -------------------------
gs_cli(no_arguments 2 "usage: gilsim")
gs_cli(unknown_command 2 "unknown command 'frobnicate'" frobnicate)
gs_cli(unknown_top_option 2 "unknown option '--bogus'" --bogus)
gs_cli(unknown_flag 2 "unknown option '--bogus'" run ${GS_PRIMES} --bogus)
gs_cli(unknown_flag_usage 2 "usage: gilsim run FILE [--cores N]" run ${GS_PRIMES} --bogus)
gs_cli(unknown_flag_hint 2 "Try 'gilsim run --help'." run ${GS_PRIMES} --bogus)
gs_cli(unknown_short_flag 2 "unknown option '-x'" run ${GS_PRIMES} -x)
gs_cli(missing_file_argument 2 "missing scenario FILE" run)
gs_cli(missing_file 2 "gilsim: " run no/such/scenario.cfg)
gs_cli(two_files 2 "unexpected argument" run ${GS_PRIMES} ${GS_PRIMES})
gs_cli(missing_value 2 "option '--cores' needs a value" run ${GS_PRIMES} --cores)
gs_cli(cores_zero 2 "--cores: expected an integer from 1 to" run ${GS_PRIMES} --cores 0)
gs_cli(cores_too_many 2 "--cores: expected an integer from 1 to" run ${GS_PRIMES} --cores 2000)
gs_cli(cores_suffix 2 "got '4x'" run ${GS_PRIMES} --cores 4x)
gs_cli(cores_empty 2 "--cores" run ${GS_PRIMES} --cores=)
gs_cli(workers_negative 2 "--workers: expected an integer" run ${GS_PRIMES} --workers -1)
gs_cli(workers_too_many 2 "--workers: expected an integer from 1 to 1000000, got '1000001'"
  run ${GS_PRIMES} --workers 1000001)
gs_cli(seed_negative 2 "--seed: expected an integer" run ${GS_PRIMES} --seed -1)
gs_cli(seed_too_big 2 "--seed" run ${GS_PRIMES} --seed 18446744073709551616)
gs_cli(model_unknown 2 "--model: expected sequential, threads, processes" run ${GS_PRIMES} --model nope)
gs_cli(model_unknown_echoed 2 "got 'nope'" run ${GS_PRIMES} --model nope)
gs_cli(scheduler_unknown 2 "--scheduler: expected fair or rr" run ${GS_PRIMES} --scheduler eevdf)
gs_cli(runtime_unknown 2 "--runtime: expected c or cpython" run ${GS_PRIMES} --runtime pypy)
gs_cli(gil_unknown 2 "--gil: expected none, new or old, got 'fast'" run ${GS_PRIMES} --gil fast)
gs_cli(gil_unknown_usage 2 "usage: gilsim run FILE [--cores N]" run ${GS_PRIMES} --gil fast)
gs_cli(gil_default_is_no_value 2 "--gil: expected none, new or old" run ${GS_PRIMES} --gil default)
gs_cli(gil_missing_value 2 "option '--gil' needs a value" run ${GS_PRIMES} --gil)
gs_cli(trace_missing_value 2 "option '--trace' needs a value" run ${GS_PRIMES} --trace)
gs_cli(trace_empty 2 "--trace: expected a file name" run ${GS_PRIMES} --trace=)
gs_cli(trace_unwritable 2
  "gilsim: cannot write trace '/nonexistent/dir/t.json': No such file or directory"
  run ${GS_PRIMES} --trace /nonexistent/dir/t.json)
gs_cli(trace_is_directory 2 "cannot write trace '${CMAKE_CURRENT_BINARY_DIR}': Is a directory"
  run ${GS_PRIMES} --trace ${CMAKE_CURRENT_BINARY_DIR})
gs_cli(set_unknown 2 "unknown parameter 'nosuch'" run ${GS_PRIMES} --set nosuch=1)
gs_cli(set_bad_value 2 "ctx_switch: expected a duration" run ${GS_PRIMES} --set ctx_switch=abc)
gs_cli(set_no_equals 2 "--set: expected key=value" run ${GS_PRIMES} --set ctx_switch)
gs_cli(set_out_of_range 2 "ctx_switch: expected a value between" run ${GS_PRIMES} --set ctx_switch=5s)
gs_cli(format_unknown 2 "--format: expected text, json or csv, got 'xml'" run ${GS_PRIMES} --format xml)
gs_cli(memory_limit 2
  "of memory (1000001 threads alive at once, 8 tasks), more than the limit max_memory = 100 MB: raise it with --set max_memory="
  run ${GS_PRIMES} --model threads --workers 1000000 --set max_memory=100MB)
gs_cli(memory_limit_bad_size 2 "max_memory: expected a size such as 512MB, 8GB or 16GiB, got '4 bananas'"
  run ${GS_PRIMES} --set "max_memory=4 bananas")

# ---- Successful runs -----------------------------------------------------------
gs_cli(run_text 0 "Wall time: " run ${GS_PRIMES})
gs_cli(run_text_cpu_times 0 "CPU times: user " run ${GS_PRIMES})
gs_cli(run_options_before_file 0 "3 cores" run --cores 3 ${GS_PRIMES})
gs_cli(run_options_after_file 0 "model threads, 2 workers, 3 cores, scheduler rr, seed 7"
  run ${GS_PRIMES} --cores=3 --model threads --workers 2 --scheduler rr --seed 7)
gs_cli(run_file_after_double_dash 0 "Wall time: " run --cores 2 -- ${GS_PRIMES})
gs_cli(run_json 0 "\"gilsim\": \"${PROJECT_VERSION}\"" run ${GS_PRIMES} --format json)
gs_cli(run_csv 0 "scenario,file,runtime,model,scheduler,gil,cores" run ${GS_PRIMES} --format csv)
gs_cli(run_set 0 "\"ctx_switch\": 2000," run ${GS_PRIMES} --set ctx_switch=2us --format json)
gs_cli(run_runtime_c_defaults 0 "\"div\": 2," run ${GS_PRIMES} --runtime c --format json)
gs_cli(run_runtime_cpython_defaults 0 "\"div\": 75," run ${GS_PRIMES} --runtime cpython --format json)
gs_cli(run_set_beats_runtime 0 "\"div\": 9," run ${GS_PRIMES} --runtime c --set div=9 --format json)
gs_cli(run_gil_default 0 "GIL: new" run ${GS_COUNTDOWN})
gs_cli(run_gil_none 0 "GIL: none" run ${GS_COUNTDOWN} --gil none)
gs_cli(run_gil_old 0 "GIL: old" run ${GS_COUNTDOWN} --gil old)
gs_cli(run_gil_beats_runtime 0 "GIL: new" run ${GS_COUNTDOWN} --runtime c --gil new)
gs_cli(run_gil_json 0 "\"gil\": {\"mode\": \"none\"" run ${GS_COUNTDOWN} --gil none --format json)

add_test(NAME cli_run_is_deterministic
  COMMAND sh -c "a=$(\"$0\" run \"$1\" --format json) && b=$(\"$0\" run \"$1\" --format json) && [ -n \"$a\" ] && [ \"$a\" = \"$b\" ]"
          $<TARGET_FILE:gilsim> ${GS_PRIMES}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  # The JSON report parses, and the CSV has a header and one row of equal width.
  add_test(NAME cli_run_json_parses
    COMMAND ${Python3_EXECUTABLE} -c
      "import json, subprocess, sys; d = json.loads(subprocess.run(sys.argv[1:], check=True, stdout=subprocess.PIPE).stdout); assert d['file'] == sys.argv[3] and d['threads'] and d['cores'], d"
      $<TARGET_FILE:gilsim> run ${GS_PRIMES} --format json
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME cli_run_csv_parses
    COMMAND ${Python3_EXECUTABLE} -c
      "import csv, io, subprocess, sys; rows = list(csv.reader(io.StringIO(subprocess.run(sys.argv[1:], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout))); assert len(rows) == 2 and len(rows[0]) == len(rows[1]) == 16, rows"
      $<TARGET_FILE:gilsim> run ${GS_PRIMES} --format csv
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

  # ---- Traces: each checked by check_trace.py, the report unchanged ----------
  # gs_trace(NAME CORES [CHECK_FLAGS...] -- FILE [run args...]): see
  # trace_test.sh; each test works in its own directory under the build tree.
  function(gs_trace name cores)
    add_test(NAME cli_trace_${name}
      COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/trace_test.sh ${Python3_EXECUTABLE}
              ${CMAKE_CURRENT_BINARY_DIR}/trace/${name} ${cores} ${ARGN}
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endfunction()
  # trace_test.sh puts the flags before "--" and the command after it.
  gs_trace(countdown 2 --expect-gil -- $<TARGET_FILE:gilsim> run ${GS_COUNTDOWN})
  # The old GIL wakes the waiter every check_interval ticks: hundreds of
  # megabytes of trace with the default of 100, hence the longer interval.
  gs_trace(countdown_old_gil 2 --expect-gil --
    $<TARGET_FILE:gilsim> run ${GS_COUNTDOWN} --gil old --set check_interval=100000)
  gs_trace(countdown_no_gil 2 --expect-no-gil -- $<TARGET_FILE:gilsim> run ${GS_COUNTDOWN} --gil none)
  gs_trace(countdown_json 2 -- $<TARGET_FILE:gilsim> run ${GS_COUNTDOWN} --format json)
  gs_trace(primes_processes 4 --
    $<TARGET_FILE:gilsim> run ${GS_PRIMES} --model processes --workers 4 --cores 4)
  gs_trace(primes_asyncio 2 -- $<TARGET_FILE:gilsim> run ${GS_PRIMES} --model asyncio)
  gs_trace(primes_sequential_8_cores 8 -- $<TARGET_FILE:gilsim> run ${GS_PRIMES} --cores 8)
  gs_trace(sleep 2 -- $<TARGET_FILE:gilsim> run scenarios/sleep.cfg)
  gs_trace(custom_rr 2 -- $<TARGET_FILE:gilsim> run scenarios/custom.cfg --scheduler rr)
  # Scenarios still being written get their tests once they exist; the core
  # count is the file's own (re-run cmake when it changes).
  foreach(name download download-empirical convoy asyncio)
    set(file ${PROJECT_SOURCE_DIR}/scenarios/${name}.cfg)
    if(EXISTS ${file})
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
      file(STRINGS ${file} line REGEX "^[ \t]*cores[ \t]*=[ \t]*[0-9]+")
      if(line MATCHES "=[ \t]*([0-9]+)")
        gs_trace(${name} ${CMAKE_MATCH_1} -- $<TARGET_FILE:gilsim> run scenarios/${name}.cfg)
      else()
        gs_trace(${name} 2 -- $<TARGET_FILE:gilsim> run scenarios/${name}.cfg --cores 2)
      endif()
    endif()
  endforeach()
endif()

# ---- Failures: exit 1 -------------------------------------------------------------
gs_cli(simulation_failure 1 "gilsim: simulation failed: " run ${GS_PRIMES} --set max_events=1000)
# A failed run leaves neither the trace nor its temporary file, and an
# existing trace file keeps its old contents.
set(GS_TRACE_FAIL_DIR ${CMAKE_CURRENT_BINARY_DIR}/trace/failed_run)
add_test(NAME cli_trace_failed_run_leaves_nothing
  COMMAND sh -c "rm -rf \"$3\" && mkdir -p \"$3\" &&
    sh \"$2\" 1 'simulation failed: ' -- \"$0\" run \"$1\" --model threads \
      --set max_events=1000 --trace \"$3/t.json\" &&
    [ -z \"$(ls -A \"$3\")\" ]"
          $<TARGET_FILE:gilsim> ${GS_PRIMES} ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh ${GS_TRACE_FAIL_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set(GS_TRACE_KEEP_DIR ${CMAKE_CURRENT_BINARY_DIR}/trace/failed_run_keeps)
add_test(NAME cli_trace_failed_run_keeps_old_file
  COMMAND sh -c "rm -rf \"$3\" && mkdir -p \"$3\" && echo old > \"$3/t.json\" &&
    sh \"$2\" 1 'simulation failed: ' -- \"$0\" run \"$1\" --model threads \
      --set max_events=1000 --trace \"$3/t.json\" &&
    [ \"$(ls -A \"$3\")\" = t.json ] && [ \"$(cat \"$3/t.json\")\" = old ]"
          $<TARGET_FILE:gilsim> ${GS_PRIMES} ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh ${GS_TRACE_KEEP_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
# A write error in the middle of a trace (the file-size limit of the shell,
# with SIGXFSZ ignored: EFBIG from write) is reported, and leaves neither
# the trace nor its temporary file.  The countdown's trace is ~700 kB,
# several times the limit.
set(GS_TRACE_WERR_DIR ${CMAKE_CURRENT_BINARY_DIR}/trace/write_error)
add_test(NAME cli_trace_write_error_leaves_nothing
  COMMAND sh -c "rm -rf \"$3\" && mkdir -p \"$3\" && trap '' XFSZ && ulimit -f 200 &&
    sh \"$2\" 1 \"cannot write trace '$3/t.json': File too large\" -- \"$0\" run \"$1\" \
      --trace \"$3/t.json\" &&
    [ -z \"$(ls -A \"$3\")\" ]"
          $<TARGET_FILE:gilsim> ${GS_COUNTDOWN} ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh ${GS_TRACE_WERR_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
if(EXISTS /dev/full)
  add_test(NAME cli_write_error
    COMMAND ${GS_EXPECT} 1 "gilsim: error writing output" --
            sh -c "exec \"$0\" run \"$1\" > /dev/full" $<TARGET_FILE:gilsim> ${GS_PRIMES}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME cli_write_error_version
    COMMAND ${GS_EXPECT} 1 "gilsim: error writing output" --
            sh -c "exec \"$0\" --version > /dev/full" $<TARGET_FILE:gilsim>
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
