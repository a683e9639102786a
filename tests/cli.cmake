# cli.cmake - tests of the gilsim command-line tool (included by
# tests/CMakeLists.txt): help and version, rejected input with exit status 2
# and nothing on stdout, successful runs in each format, and write errors.
# Also builds tool/report.c into test_report, the unit tests of the reports.

target_sources(test_report PRIVATE ${PROJECT_SOURCE_DIR}/tool/report.c)
target_include_directories(test_report PRIVATE ${PROJECT_SOURCE_DIR}/tool)
target_compile_definitions(test_report PRIVATE GILSIM_VERSION="${PROJECT_VERSION}")

set(GS_EXPECT sh ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_PRIMES scenarios/primes.cfg) # relative: the tests run in the source tree

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
foreach(flag cores model workers scheduler runtime seed set format)
  gs_cli(run_help_documents_${flag} 0 "  --${flag} " run --help)
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
gs_cli(seed_negative 2 "--seed: expected an integer" run ${GS_PRIMES} --seed -1)
gs_cli(seed_too_big 2 "--seed" run ${GS_PRIMES} --seed 18446744073709551616)
gs_cli(model_unknown 2 "--model: expected sequential, threads, processes" run ${GS_PRIMES} --model nope)
gs_cli(model_unknown_echoed 2 "got 'nope'" run ${GS_PRIMES} --model nope)
gs_cli(scheduler_unknown 2 "--scheduler: expected fair or rr" run ${GS_PRIMES} --scheduler eevdf)
gs_cli(runtime_unknown 2 "--runtime: expected c or cpython" run ${GS_PRIMES} --runtime pypy)
gs_cli(set_unknown 2 "unknown parameter 'nosuch'" run ${GS_PRIMES} --set nosuch=1)
gs_cli(set_bad_value 2 "ctx_switch: expected a duration" run ${GS_PRIMES} --set ctx_switch=abc)
gs_cli(set_no_equals 2 "--set: expected key=value" run ${GS_PRIMES} --set ctx_switch)
gs_cli(set_out_of_range 2 "ctx_switch: expected a value between" run ${GS_PRIMES} --set ctx_switch=5s)
gs_cli(format_unknown 2 "--format: expected text, json or csv, got 'xml'" run ${GS_PRIMES} --format xml)

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
endif()

# ---- Failures: exit 1 -------------------------------------------------------------
gs_cli(simulation_failure 1 "gilsim: simulation failed: " run ${GS_PRIMES} --set max_events=1000)
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
