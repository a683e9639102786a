# Tests of gilsim sweep: the CSV's columns, parallel = serial, sharded then
# merged = unsharded, plots, and bad lists (exit 2).
set(GS_EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/expect_exit.sh)
set(GS_SW_DIR ${CMAKE_CURRENT_BINARY_DIR}/sweep)
file(MAKE_DIRECTORY ${GS_SW_DIR})
set(GS_SW_ARGS ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --cores 1,2,4 --models sequential,threads,processes --workers 1..2 --set switch_interval=1ms,5ms)

add_test(NAME sweep_csv_columns
  COMMAND sh -c "\"$@\" --csv \"$0/cols.csv\" > \"$0/cols.out\" && head -1 \"$0/cols.csv\" | grep -qx 'scenario,file,runtime,gil,model,cores,workers,sim_wall_s,sim_user_s,sim_sys_s,events,speedup,run,runs,switch_interval' && [ \"$(wc -l < \"$0/cols.csv\")\" -eq 31 ] && grep -q '^threads    new        2     4 ' \"$0/cols.out\""
    ${GS_SW_DIR} $<TARGET_FILE:gilsim> sweep ${GS_SW_ARGS})

add_test(NAME sweep_parallel_equals_serial
  COMMAND sh -c "\"$@\" --jobs 1 --csv \"$0/j1.csv\" > \"$0/j1.out\" && \"$@\" --jobs 3 --csv \"$0/j3.csv\" > \"$0/j3.out\" && cmp \"$0/j1.csv\" \"$0/j3.csv\" && cmp \"$0/j1.out\" \"$0/j3.out\""
    ${GS_SW_DIR} $<TARGET_FILE:gilsim> sweep ${GS_SW_ARGS})

add_test(NAME sweep_sharded_then_merged_equals_unsharded
  COMMAND sh -c "d=\"$0\"; g=\"$1\"; shift 1; \"$g\" sweep \"$@\" --csv \"$d/all.csv\" > \"$d/all.out\" && for i in 1 2 3; do \"$g\" sweep \"$@\" --shard $i/3 --csv \"$d/part$i.csv\" > /dev/null || exit 1; done && \"$g\" sweep --merge \"$d/part3.csv\" \"$d/part1.csv\" \"$d/part2.csv\" --csv \"$d/merged.csv\" > \"$d/merged.out\" && cmp \"$d/all.csv\" \"$d/merged.csv\" && ! grep -q ',[0-9.]*x,' \"$d/part1.csv\""
    ${GS_SW_DIR} $<TARGET_FILE:gilsim> ${GS_SW_ARGS})

add_test(NAME sweep_merge_missing_shard
  COMMAND sh -c "\"$1\" sweep \"$2\" --cores 1,2 --shard 1/2 --csv \"$3/half.csv\" > /dev/null && sh \"$4\" 2 'runs are missing' -- \"$1\" sweep --merge \"$3/half.csv\""
    sh $<TARGET_FILE:gilsim> ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg ${GS_SW_DIR} ${GS_EXPECT})
add_test(NAME sweep_merge_twice
  COMMAND sh -c "\"$1\" sweep \"$2\" --cores 1,2 --shard 1/2 --csv \"$3/h1.csv\" > /dev/null && \"$1\" sweep \"$2\" --cores 1,2 --shard 2/2 --csv \"$3/h2.csv\" > /dev/null && sh \"$4\" 2 'is in the merged files twice' -- \"$1\" sweep --merge \"$3/h1.csv\" \"$3/h2.csv\" \"$3/h1.csv\""
    sh $<TARGET_FILE:gilsim> ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg ${GS_SW_DIR} ${GS_EXPECT})
add_test(NAME sweep_merge_not_a_sweep
  COMMAND sh ${GS_EXPECT} 2 "expected the header of a 'gilsim sweep --csv' file" -- $<TARGET_FILE:gilsim> sweep --merge ${PROJECT_SOURCE_DIR}/data/measured/vm.csv)

add_test(NAME sweep_plots
  COMMAND sh -c "rm -f \"$0\"/p*.png && \"$@\" --plot \"$0/p.png\" > /dev/null && head -c 8 \"$0/p.png\" | od -An -c | grep -q 'P   N   G' && head -c 8 \"$0/p-switch_interval.png\" | od -An -c | grep -q 'P   N   G' && ! ls \"$0\" | grep -q tmp"
    ${GS_SW_DIR} $<TARGET_FILE:gilsim> sweep ${GS_SW_ARGS})

add_test(NAME sweep_cores_zero
  COMMAND sh ${GS_EXPECT} 2 "--cores: expected a list of core counts from 1 to 1024 such as 1,2,4 or 1-64, got '0'" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --cores 0)
add_test(NAME sweep_cores_letters
  COMMAND sh ${GS_EXPECT} 2 "--cores: expected a list of core counts from 1 to 1024 such as 1,2,4 or 1-64, got 'a'" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --cores a)
add_test(NAME sweep_cores_empty_item
  COMMAND sh ${GS_EXPECT} 2 "--cores: expected a list" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --cores 1,,2)
add_test(NAME sweep_shard_beyond
  COMMAND sh ${GS_EXPECT} 2 "--shard: expected I/N with 1 <= I <= N, such as 2/4, got '3/2'" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --shard 3/2)
add_test(NAME sweep_shard_malformed
  COMMAND sh ${GS_EXPECT} 2 "--shard: expected I/N" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --shard 1/2x)
add_test(NAME sweep_set_unknown
  COMMAND sh ${GS_EXPECT} 2 "--set: unknown parameter 'bogus'" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --set bogus=1,2)
add_test(NAME sweep_set_bad_value
  COMMAND sh ${GS_EXPECT} 2 "--set: switch_interval: expected a duration" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --set switch_interval=1ms,fast)
add_test(NAME sweep_models_bad
  COMMAND sh ${GS_EXPECT} 2 "--models: expected a list of" -- $<TARGET_FILE:gilsim> sweep ${PROJECT_SOURCE_DIR}/scenarios/countdown.cfg --models threads,)
add_test(NAME sweep_no_file
  COMMAND sh ${GS_EXPECT} 2 "missing scenario FILE" -- $<TARGET_FILE:gilsim> sweep --cores 1)
add_test(NAME sweep_help
  COMMAND sh ${GS_EXPECT} 0 "--shard I/N" -- $<TARGET_FILE:gilsim> sweep --help)
