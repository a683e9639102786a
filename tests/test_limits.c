/*
 * test_limits.c - a run that would need more memory or events than its
 * limits is refused before it starts, with a message naming the limit and
 * how to raise it (limits.c); sizes parse with their units.
 */
#include "support.h"

Test(limits, sizes_parse_with_decimal_and_binary_units)
{
  double v = 0;
  cr_assert_eq(gs_size_parse("4096", &v), 0);
  cr_assert_float_eq(v, 4096.0, 1e-9);
  cr_assert_eq(gs_size_parse("512MB", &v), 0);
  cr_assert_float_eq(v, 512e6, 1e-3);
  cr_assert_eq(gs_size_parse("1.5 GB", &v), 0);
  cr_assert_float_eq(v, 1.5e9, 1e-3);
  cr_assert_eq(gs_size_parse("16GiB", &v), 0);
  cr_assert_float_eq(v, 16.0 * 1073741824.0, 1e-3);
  cr_assert_eq(gs_size_parse("3KiB", &v), 0);
  cr_assert_float_eq(v, 3072.0, 1e-9);
  cr_assert_eq(gs_size_parse("8 gb", &v), -1);
  cr_assert_eq(gs_size_parse("MB", &v), -1);
  cr_assert_eq(gs_size_parse("1e999GB", &v), -1);
}

Test(limits, max_memory_is_checked_against_its_range_and_unit)
{
  double v = 0;
  gs_error err = {{0}};
  cr_assert_eq(gs_param_parse_value(GS_P_MAX_MEMORY, "8GB", &v, &err), GS_OK);
  cr_assert_float_eq(v, 8e9, 1e-3);
  cr_assert_eq(gs_param_parse_value(GS_P_MAX_MEMORY, "10x", &v, &err), GS_ERR_INVALID);
  cr_assert_str_eq(err.msg, "max_memory: expected a size such as 512MB, 8GB or 16GiB, got '10x'");
  cr_assert_eq(gs_param_parse_value(GS_P_MAX_MEMORY, "1kB", &v, &err), GS_ERR_INVALID);
  cr_assert_str_eq(err.msg, "max_memory: expected a value between 1.04858e+06 and 1e+15 bytes, got 1000");
}

/* The estimate grows with what the scenario names: a thread per worker,
 * a record per task, a coroutine per task under asyncio. */
Test(limits, the_footprint_grows_with_threads_tasks_and_coroutines)
{
  gs_scenario *sc = ts_custom(1000, GS_STEP_CPU, 1000);
  gs_footprint a, b, c;
  gs_scenario_footprint(sc, &a);
  cr_assert_eq(a.threads, 1001);
  sc->workers = 2000;
  gs_scenario_footprint(sc, &b);
  cr_assert_eq(b.threads, 2001);
  /* per thread: at least its structure and its record */
  cr_assert_geq(b.bytes - a.bytes, 1000 * (sizeof(gs_thread_result) + 200));
  sc->model = GS_MODEL_ASYNCIO;
  sc->workers = 1;
  gs_scenario_footprint(sc, &c);
  cr_assert_eq(c.threads, 2);
  cr_assert_gt(c.bytes, 1000 * sizeof(gs_task_result));
  cr_assert_lt(c.bytes, a.bytes);
  cr_assert_eq(c.min_events, 1000); /* one step each */
  ts_free(sc);
}

/* A million threads under a 64 MB limit: refused with the limit's name
 * and what to type to raise it. */
Test(limits, a_run_over_max_memory_is_refused_before_it_starts)
{
  gs_scenario *sc = ts_custom(1000000, GS_STEP_CPU, 1000);
  ts_set(sc, GS_P_MAX_MEMORY, 64e6);
  gs_results *r = (gs_results *)sc;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_ERR_LIMIT);
  cr_assert_null(r);
  cr_expect(strstr(err.msg, "this run would need about ") == err.msg, "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "(1000001 threads alive at once, 1000000 tasks), more than the limit "
                                     "max_memory = 64 MB: raise it with --set max_memory="),
                     "%s", err.msg);
  cr_expect_not_null(strstr(err.msg, "GiB (or params = { max_memory = \""), "%s", err.msg);

  /* raised as the message says, the same check passes */
  ts_set(sc, GS_P_MAX_MEMORY, 8e9);
  cr_assert_eq(gs_scenario_limits(sc, &err), GS_OK, "%s", err.msg);
  ts_free(sc);
}

/* Every step takes at least one event: 2000 tasks of 1000 steps cannot
 * fit in 1,000,000 events. */
Test(limits, a_run_that_must_exceed_max_events_is_refused_before_it_starts)
{
  gs_scenario *sc = ts_custom(2000, GS_STEP_CPU, 1000);
  for (size_t i = 0; i < sc->ntasks; i++)
    ts_interactive(sc, i, 500, 1000, 1000);
  ts_set(sc, GS_P_MAX_EVENTS, 1e6);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_ERR_LIMIT);
  cr_assert_str_eq(err.msg, "this run must process at least 2000000 events (every task's steps), more than "
                            "the limit max_events = 1000000: raise it with --set max_events=4000000");
  ts_set(sc, GS_P_MAX_EVENTS, 4e6);
  cr_assert_eq(gs_scenario_limits(sc, &err), GS_OK, "%s", err.msg);
  ts_free(sc);
}

/* The default limits let the benchmark's largest scenario through. */
Test(limits, a_million_threads_fit_the_default_limits)
{
  gs_scenario *sc = ts_custom(1000000, GS_STEP_CPU, 1000);
  gs_error err = {{0}};
  cr_assert_eq(gs_scenario_limits(sc, &err), GS_OK, "%s", err.msg);
  ts_free(sc);
}
