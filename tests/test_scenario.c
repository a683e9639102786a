/*
 * Tests of scenario loading and checking (sim/scenario.c): the shipped
 * scenarios, defaults, every value form the format allows, and the exact
 * message of each kind of malformed file, including the catalogue of them
 * in tests/bad/ (each file's first line says what it must be rejected with).
 */
#include "gs.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHIPPED(name) GS_SOURCE_DIR "/scenarios/" name
#define BAD_DIR GS_SOURCE_DIR "/tests/bad"

/* ---- Helpers ------------------------------------------------------------- */

/* Write text to a fresh file under the build directory; its name goes in
 * path (so that expected messages can name it). */
static void write_temp(const char *text, char *path, size_t n)
{
  snprintf(path, n, "%s/test_scenario-XXXXXX", GS_BINARY_DIR);
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0, "mkstemp %s: %s", path, strerror(errno));
  FILE *f = fdopen(fd, "w");
  cr_assert_not_null(f);
  cr_assert_eq(fputs(text, f) >= 0, 1);
  cr_assert_eq(fclose(f), 0);
}

/* Load a scenario from text; path receives the file's name (now removed). */
static gs_err load_text(const char *text, gs_scenario **sc, gs_error *err, char *path, size_t n)
{
  write_temp(text, path, n);
  gs_err e = gs_scenario_load(path, sc, err);
  unlink(path);
  return e;
}

/* A scenario that must load. */
static gs_scenario *load_ok(const char *text)
{
  char path[512];
  gs_error err = {{0}};
  gs_scenario *sc = NULL;
  gs_err e = load_text(text, &sc, &err, path, sizeof path);
  cr_assert_eq(e, GS_OK, "load failed: %s", err.msg);
  cr_assert_not_null(sc);
  return sc;
}

static gs_scenario *load_file_ok(const char *path)
{
  gs_error err = {{0}};
  gs_scenario *sc = NULL;
  gs_err e = gs_scenario_load(path, &sc, &err);
  cr_assert_eq(e, GS_OK, "load of %s failed: %s", path, err.msg);
  cr_assert_not_null(sc);
  return sc;
}

/* A scenario that must fail with code and the message "FILE:" + rest. */
static void expect_error(const char *text, gs_err code, const char *rest)
{
  char path[512], want[1024];
  gs_error err = {{0}};
  gs_scenario *sc = (gs_scenario *)&err; /* must be reset to NULL */
  gs_err e = load_text(text, &sc, &err, path, sizeof path);
  snprintf(want, sizeof want, "%s:%s", path, rest);
  cr_assert_null(sc);
  cr_assert_str_eq(err.msg, want);
  cr_assert_eq(e, code, "code %d, wanted %d (%s)", e, code, err.msg);
}

#define WL_SLEEP "workload = { type = \"sleep\"; tasks = 1; };\n"

/* ---- Shipped scenarios ------------------------------------------------------ */

Test(scenario, shipped_primes_has_the_eight_demo_numbers_in_order)
{
  static const uint64_t demo[] = {
    72057596722278677ULL, 36028797018963968ULL, 54043195528445869ULL, 72057594037927931ULL,
    18014399314786597ULL, 27021597764222939ULL, 54043195528445952ULL, 144115189976253901ULL};
  gs_scenario *sc = load_file_ok(SHIPPED("primes.cfg"));
  cr_assert_str_eq(sc->name, "primes");
  cr_assert_str_eq(sc->path, SHIPPED("primes.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_SEQUENTIAL);
  cr_assert_eq(sc->workers, 4);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->seed, 1);
  cr_assert_eq(sc->workload, GS_WL_PRIMES);
  cr_assert_eq(sc->ntasks, 8);
  for (size_t i = 0; i < 8; i++)
    cr_assert_eq(sc->numbers[i], demo[i], "numbers[%zu]", i);
  gs_scenario_free(sc);
}

Test(scenario, shipped_countdown_runs_two_threads_of_1e8)
{
  gs_scenario *sc = load_file_ok(SHIPPED("countdown.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_THREADS);
  cr_assert_eq(sc->workers, 2);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->workload, GS_WL_COUNTDOWN);
  cr_assert_eq(sc->ntasks, 2);
  cr_assert_eq(sc->counts[0], 100000000);
  cr_assert_eq(sc->counts[1], 100000000);
  gs_scenario_free(sc);
}

Test(scenario, shipped_sleep_sleeps_0_1_2_and_3_seconds)
{
  gs_scenario *sc = load_file_ok(SHIPPED("sleep.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_THREADS);
  cr_assert_eq(sc->workers, 4);
  cr_assert_eq(sc->workload, GS_WL_SLEEP);
  cr_assert_eq(sc->ntasks, 4);
  for (size_t i = 0; i < 4; i++)
    cr_assert_eq(sc->durations[i], (gs_time)i * GS_SEC, "durations[%zu]", i);
  gs_scenario_free(sc);
}

Test(scenario, shipped_custom_mixes_cpu_steps_distributions_and_sleeps)
{
  gs_scenario *sc = load_file_ok(SHIPPED("custom.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_C);
  cr_assert_eq(sc->model, GS_MODEL_THREADS);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->workers, 4);
  cr_assert_eq(sc->workload, GS_WL_CUSTOM);
  cr_assert_eq(sc->ntasks, 8);
  int cpu_const = 0, cpu_dist = 0, sleeps = 0;
  for (size_t i = 0; i < sc->ntasks; i++)
    for (size_t k = 0; k < sc->custom[i].nsteps; k++) {
      const gs_step *st = &sc->custom[i].steps[k];
      if (st->kind == GS_STEP_SLEEP)
        sleeps++;
      else if (st->dur.kind == GS_DIST_CONST)
        cpu_const++;
      else
        cpu_dist++;
    }
  cr_assert_gt(cpu_const, 0);
  cr_assert_gt(cpu_dist, 0);
  cr_assert_gt(sleeps, 0);
  gs_scenario_free(sc);
}

Test(scenario, shipped_scenarios_pass_check)
{
  static const char *const files[] = {SHIPPED("primes.cfg"), SHIPPED("countdown.cfg"),
                                      SHIPPED("sleep.cfg"), SHIPPED("custom.cfg")};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    gs_scenario *sc = load_file_ok(files[i]);
    gs_error err = {{0}};
    cr_expect_eq(gs_scenario_check(sc, &err), GS_OK, "%s: %s", files[i], err.msg);
    gs_scenario_free(sc);
  }
}

/* ---- Defaults ------------------------------------------------------------------ */

Test(scenario, omitted_keys_take_their_defaults)
{
  gs_scenario *sc = load_ok(WL_SLEEP);
  cr_assert_str_eq(sc->description, "");
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_SEQUENTIAL);
  cr_assert_eq(sc->gil, GS_GIL_DEFAULT);
  cr_assert_eq(sc->workers, 4);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->sched, GS_SCHED_FAIR);
  cr_assert_eq(sc->seed, 1);
  cr_assert_eq(sc->params.set, 0);
  gs_scenario_free(sc);
}

Test(scenario, name_defaults_to_the_file_base_name_without_extension)
{
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/test_scenario-XXXXXX", GS_BINARY_DIR);
  cr_assert_not_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/my.run.cfg", dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(WL_SLEEP, f);
  fclose(f);
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  gs_err e = gs_scenario_load(path, &sc, &err);
  unlink(path);
  rmdir(dir);
  cr_assert_eq(e, GS_OK, "%s", err.msg);
  cr_assert_str_eq(sc->name, "my.run");
  cr_assert_str_eq(sc->path, path);
  gs_scenario_free(sc);
}

Test(scenario, top_level_keys_set_every_field)
{
  gs_scenario *sc = load_ok("name = \"n\"; description = \"d\"; runtime = \"c\"; gil = \"old\";\n"
                            "model = \"processes\"; workers = 7; cores = 1024; scheduler = \"rr\";\n"
                            "seed = 0;\n" WL_SLEEP);
  cr_assert_str_eq(sc->name, "n");
  cr_assert_str_eq(sc->description, "d");
  cr_assert_eq(sc->runtime, GS_RT_C);
  cr_assert_eq(sc->gil, GS_GIL_OLD);
  cr_assert_eq(sc->model, GS_MODEL_PROCESSES);
  cr_assert_eq(sc->workers, 7);
  cr_assert_eq(sc->cores, 1024);
  cr_assert_eq(sc->sched, GS_SCHED_RR);
  cr_assert_eq(sc->seed, 0);
  gs_scenario_free(sc);
}

/* ---- Integer literals ------------------------------------------------------------ */

Test(scenario, integers_beyond_32_bits_need_no_L_suffix)
{
  gs_scenario *sc = load_ok("workload = { type = \"primes\"; numbers = [72057596722278677, 4294967296]; };\n");
  cr_assert_eq(sc->numbers[0], 72057596722278677ULL);
  cr_assert_eq(sc->numbers[1], 4294967296ULL);
  gs_scenario_free(sc);
}

Test(scenario, integers_with_the_L_suffix_are_accepted)
{
  gs_scenario *sc = load_ok("workload = { type = \"primes\"; numbers = [72057596722278677L, 2L]; };\n");
  cr_assert_eq(sc->numbers[0], 72057596722278677ULL);
  cr_assert_eq(sc->numbers[1], 2);
  gs_scenario_free(sc);
}

Test(scenario, an_array_may_mix_small_and_large_integers)
{
  gs_scenario *sc = load_ok("workload = { type = \"primes\";\n"
                            "  numbers = [10, 72057596722278677L, 3, 144115189976253901, 0x10]; };\n");
  cr_assert_eq(sc->ntasks, 5);
  cr_assert_eq(sc->numbers[0], 10);
  cr_assert_eq(sc->numbers[1], 72057596722278677ULL);
  cr_assert_eq(sc->numbers[2], 3);
  cr_assert_eq(sc->numbers[3], 144115189976253901ULL);
  cr_assert_eq(sc->numbers[4], 16);
  gs_scenario_free(sc);
}

Test(scenario, numbers_above_int64_may_be_written_as_strings)
{
  gs_scenario *sc = load_ok("workload = { type = \"primes\"; numbers = (\"18446744073709551557\", 9); };\n");
  cr_assert_eq(sc->numbers[0], 18446744073709551557ULL);
  cr_assert_eq(sc->numbers[1], 9);
  gs_scenario_free(sc);
}

Test(scenario, a_64_bit_seed_is_read_whole)
{
  gs_scenario *sc = load_ok("seed = 4294967297;\n" WL_SLEEP);
  cr_assert_eq(sc->seed, 4294967297ULL);
  gs_scenario_free(sc);
}

Test(scenario, digits_in_comments_strings_and_names_are_left_alone)
{
  gs_scenario *sc = load_ok("# 99999999999999999999\n"
                            "/* 99999999999999999999 */ // 99999999999999999999\n"
                            "description = \"99999999999999999999 \\\" 99999999999999999999\";\n"
                            "seed = 3000000000; workload = { type = \"countdown\"; tasks = 1; count = 5; };\n");
  cr_assert_str_eq(sc->description, "99999999999999999999 \" 99999999999999999999");
  cr_assert_eq(sc->seed, 3000000000ULL);
  gs_scenario_free(sc);
}

Test(scenario, negative_64_bit_literals_keep_their_sign)
{
  expect_error("seed = -3000000000;\n" WL_SLEEP, GS_ERR_INVALID,
               "1: seed: expected an integer >= 0, got -3000000000");
}

/* ---- Durations --------------------------------------------------------------------- */

Test(scenario, durations_accept_units_and_bare_nanoseconds)
{
  gs_scenario *sc = load_ok("workload = { type = \"sleep\";\n"
                            "  durations = (1500, 2.4, \"250us\", \"1.5ms\", \"2s\", \"1min\", \"7\", 3000000000); };\n");
  static const gs_time want[] = {1500, 2, 250 * GS_US, 1500 * GS_US, 2 * GS_SEC, 60 * GS_SEC, 7, 3 * GS_SEC};
  cr_assert_eq(sc->ntasks, 8);
  for (size_t i = 0; i < 8; i++)
    cr_assert_eq(sc->durations[i], want[i], "durations[%zu] = %lld", i, (long long)sc->durations[i]);
  gs_scenario_free(sc);
}

Test(scenario, sleep_task_i_sleeps_i_times_step)
{
  gs_scenario *sc = load_ok("workload = { type = \"sleep\"; tasks = 3; step = \"250ms\"; };\n");
  cr_assert_eq(sc->ntasks, 3);
  cr_assert_eq(sc->durations[0], 0);
  cr_assert_eq(sc->durations[1], 250 * GS_MS);
  cr_assert_eq(sc->durations[2], 500 * GS_MS);
  gs_scenario_free(sc);
}

Test(scenario, sleep_step_defaults_to_one_second)
{
  gs_scenario *sc = load_ok("workload = { type = \"sleep\"; tasks = 2; };\n");
  cr_assert_eq(sc->durations[1], GS_SEC);
  gs_scenario_free(sc);
}

/* ---- Countdown ------------------------------------------------------------------------ */

Test(scenario, countdown_tasks_and_count_give_equal_counts)
{
  gs_scenario *sc = load_ok("workload = { type = \"countdown\"; tasks = 3; count = 5000000000; };\n");
  cr_assert_eq(sc->ntasks, 3);
  for (size_t i = 0; i < 3; i++)
    cr_assert_eq(sc->counts[i], 5000000000LL);
  gs_scenario_free(sc);
}

Test(scenario, countdown_counts_are_kept_in_order)
{
  gs_scenario *sc = load_ok("workload = { type = \"countdown\"; counts = [3, 1, 2]; };\n");
  cr_assert_eq(sc->ntasks, 3);
  cr_assert_eq(sc->counts[0], 3);
  cr_assert_eq(sc->counts[1], 1);
  cr_assert_eq(sc->counts[2], 2);
  gs_scenario_free(sc);
}

/* ---- Custom ------------------------------------------------------------------------------ */

Test(scenario, custom_repeat_copies_a_task_group)
{
  gs_scenario *sc = load_ok("workload = { type = \"custom\"; tasks = (\n"
                            "  { repeat = 3; steps = ( { cpu = \"10ms\"; }, { sleep = \"5ms\"; } ); },\n"
                            "  { steps = ( { sleep = 7; } ); } ); };\n");
  cr_assert_eq(sc->ntasks, 4);
  for (size_t i = 0; i < 3; i++) {
    cr_assert_eq(sc->custom[i].nsteps, 2);
    cr_assert_eq(sc->custom[i].steps[0].kind, GS_STEP_CPU);
    cr_assert_eq(sc->custom[i].steps[0].dur.a, 10e6);
    cr_assert_eq(sc->custom[i].steps[1].kind, GS_STEP_SLEEP);
    cr_assert_eq(sc->custom[i].steps[1].dur.a, 5e6);
  }
  cr_assert_eq(sc->custom[3].nsteps, 1);
  cr_assert_eq(sc->custom[3].steps[0].kind, GS_STEP_SLEEP);
  cr_assert_eq(sc->custom[3].steps[0].dur.a, 7);
  gs_scenario_free(sc);
}

Test(scenario, a_plain_duration_step_is_a_constant_distribution)
{
  gs_scenario *sc = load_ok("workload = { type = \"custom\"; tasks = ( { steps = ( { cpu = \"1.5ms\"; } ); } ); };\n");
  const gs_dist *d = &sc->custom[0].steps[0].dur;
  cr_assert_eq(d->kind, GS_DIST_CONST);
  cr_assert_eq(d->a, 1.5e6);
  cr_assert_eq(d->b, 0);
  gs_scenario_free(sc);
}

Test(scenario, distributions_fill_kind_a_and_b_as_documented)
{
  gs_scenario *sc = load_ok(
    "workload = { type = \"custom\"; tasks = ( { steps = (\n"
    "  { cpu = { dist = \"constant\"; value = \"2ms\"; }; },\n"
    "  { cpu = { dist = \"uniform\"; min = \"1ms\"; max = \"3ms\"; }; },\n"
    "  { cpu = { dist = \"exponential\"; mean = \"5ms\"; }; },\n"
    "  { sleep = { dist = \"normal\"; mean = \"4ms\"; sd = \"1ms\"; }; },\n"
    "  { cpu = { dist = \"lognormal\"; median = \"1ms\"; sigma = 0.5; }; },\n"
    "  { cpu = { dist = \"gamma\"; shape = 2; scale = \"250us\"; }; },\n"
    "  { sleep = { dist = \"pareto\"; shape = 1.5; scale = 1000; }; }\n"
    "); } ); };\n");
  static const struct {
    gs_step_kind step;
    gs_dist_kind kind;
    double a, b;
  } want[] = {
    {GS_STEP_CPU, GS_DIST_CONST, 2e6, 0},       {GS_STEP_CPU, GS_DIST_UNIFORM, 1e6, 3e6},
    {GS_STEP_CPU, GS_DIST_EXP, 5e6, 0},         {GS_STEP_SLEEP, GS_DIST_NORMAL, 4e6, 1e6},
    {GS_STEP_CPU, GS_DIST_LOGNORMAL, 1e6, 0.5}, {GS_STEP_CPU, GS_DIST_GAMMA, 2, 250e3},
    {GS_STEP_SLEEP, GS_DIST_PARETO, 1.5, 1000},
  };
  cr_assert_eq(sc->custom[0].nsteps, 7);
  for (size_t i = 0; i < 7; i++) {
    const gs_step *st = &sc->custom[0].steps[i];
    cr_assert_eq(st->kind, want[i].step, "step %zu", i);
    cr_assert_eq(st->dur.kind, want[i].kind, "step %zu", i);
    cr_assert_eq(st->dur.a, want[i].a, "step %zu: a = %g", i, st->dur.a);
    cr_assert_eq(st->dur.b, want[i].b, "step %zu: b = %g", i, st->dur.b);
  }
  gs_scenario_free(sc);
}

/* ---- Parameters ------------------------------------------------------------------------------ */

Test(scenario, params_accept_strings_and_numbers)
{
  gs_scenario *sc = load_ok(WL_SLEEP "params = { ctx_switch = \"3us\"; div = 80.5; max_events = 5000;\n"
                                     "  rr_quantum = 2000000; };\n");
  cr_assert_eq(sc->params.v[GS_P_CTX_SWITCH], 3000);
  cr_assert_eq(sc->params.v[GS_P_DIV], 80.5);
  cr_assert_eq(sc->params.v[GS_P_MAX_EVENTS], 5000);
  cr_assert_eq(sc->params.v[GS_P_RR_QUANTUM], 2e6);
  cr_assert_eq(sc->params.set, (UINT64_C(1) << GS_P_CTX_SWITCH) | (UINT64_C(1) << GS_P_DIV) |
                                 (UINT64_C(1) << GS_P_MAX_EVENTS) | (UINT64_C(1) << GS_P_RR_QUANTUM));
  gs_scenario_free(sc);
}

Test(scenario, params_not_given_are_left_for_the_runner_to_resolve)
{
  gs_scenario *sc = load_ok(WL_SLEEP "params = { div = 9; };\n");
  for (int i = 0; i < GS_P_COUNT; i++)
    if (i != GS_P_DIV)
      cr_assert_eq(sc->params.v[i], 0, "%s", gs_param_info_get((gs_param_id)i)->name);
  gs_scenario_free(sc);
}

/* ---- Errors ------------------------------------------------------------------------------------- */

Test(scenario, syntax_error_reports_file_and_line)
{
  expect_error("cores = 2;\nworkers = ;\n" WL_SLEEP, GS_ERR_PARSE, "2: syntax error");
}

Test(scenario, unknown_key_reports_file_and_line)
{
  expect_error("cores = 2;\n\nwokers = 4;\n" WL_SLEEP, GS_ERR_INVALID,
               "3: unknown key 'wokers' (expected one of: name, description, runtime, gil, model, "
               "workers, cores, scheduler, seed, workload, params)");
}

Test(scenario, unknown_key_in_a_nested_group_names_the_group)
{
  expect_error("workload = { type = \"countdown\";\n  tasks = 2; cuont = 5; };\n", GS_ERR_INVALID,
               "2: unknown key 'cuont' in workload (expected one of: type, counts, tasks, count)");
}

Test(scenario, unknown_parameter_lists_every_parameter)
{
  char rest[1024];
  int n = snprintf(rest, sizeof rest, "2: unknown key 'ctx' in params (expected one of: ");
  for (int i = 0; i < GS_P_COUNT; i++)
    n += snprintf(rest + n, sizeof rest - (size_t)n, "%s%s", i ? ", " : "",
                  gs_param_info_get((gs_param_id)i)->name);
  snprintf(rest + n, sizeof rest - (size_t)n, ")");
  expect_error(WL_SLEEP "params = { ctx = \"1us\"; };\n", GS_ERR_INVALID, rest);
}

Test(scenario, wrong_type_names_what_was_expected_and_given)
{
  expect_error("workers = \"4\";\n" WL_SLEEP, GS_ERR_INVALID, "1: workers: expected an integer, got a string");
}

Test(scenario, unknown_model_lists_the_known_models)
{
  char rest[512];
  int n = snprintf(rest, sizeof rest, "1: model: expected ");
  int count = 0;
  while (gs_model_parse(gs_model_name((gs_model)count)) == count)
    count++;
  for (int i = 0; i < count; i++)
    n += snprintf(rest + n, sizeof rest - (size_t)n, "%s\"%s\"", i == 0 ? "" : i + 1 == count ? " or " : ", ",
                  gs_model_name((gs_model)i));
  snprintf(rest + n, sizeof rest - (size_t)n, ", got \"fibers\"");
  expect_error("model = \"fibers\";\n" WL_SLEEP, GS_ERR_INVALID, rest);
}

Test(scenario, zero_workers_are_rejected)
{
  expect_error("workers = 0;\n" WL_SLEEP, GS_ERR_INVALID,
               "1: workers: expected an integer between 1 and 100000, got 0");
}

Test(scenario, a_negative_count_is_rejected)
{
  expect_error("workload = { type = \"countdown\"; tasks = 2;\n count = -5; };\n", GS_ERR_INVALID,
               "2: workload.count: expected an integer >= 1, got -5");
}

Test(scenario, cores_above_1024_are_rejected)
{
  expect_error("cores = 2048;\n" WL_SLEEP, GS_ERR_INVALID,
               "1: cores: expected an integer between 1 and 1024, got 2048");
}

Test(scenario, more_tasks_than_the_limit_is_a_limit_error)
{
  expect_error("workload = { type = \"sleep\";\n tasks = 1000001; };\n", GS_ERR_LIMIT,
               "2: 1000001 tasks exceed the limit of 1000000 (GS_MAX_TASKS)");
}

Test(scenario, a_billion_repeats_are_refused_before_allocating)
{
  /* GS_ERR_LIMIT, not GS_ERR_NOMEM: nothing per task was allocated */
  expect_error("workload = { type = \"custom\"; tasks = (\n"
               "  { repeat = 1000000000; steps = ( { cpu = \"1ms\"; } ); } ); };\n",
               GS_ERR_LIMIT, "2: 1000000000 tasks exceed the limit of 1000000 (GS_MAX_TASKS)");
}

Test(scenario, more_steps_than_the_limit_is_a_limit_error)
{
  size_t cap = 64 + (GS_MAX_STEPS + 1) * 24;
  char *text = malloc(cap);
  cr_assert_not_null(text);
  size_t n = (size_t)snprintf(text, cap, "workload = { type = \"custom\"; tasks = ( { steps = (\n");
  for (int i = 0; i <= GS_MAX_STEPS; i++)
    n += (size_t)snprintf(text + n, cap - n, "%s{ cpu = 1; }", i ? ", " : "");
  snprintf(text + n, cap - n, "); } ); };\n");
  expect_error(text, GS_ERR_LIMIT, "1: 1001 steps exceed the limit of 1000 (GS_MAX_STEPS)");
  free(text);
}

Test(scenario, a_number_below_2_is_rejected_for_primes)
{
  expect_error("workload = { type = \"primes\";\n numbers = [7, 11, 1]; };\n", GS_ERR_INVALID,
               "2: workload.numbers[2]: expected an integer >= 2, got 1");
}

Test(scenario, an_unknown_distribution_is_rejected)
{
  expect_error("workload = { type = \"custom\"; tasks = ( { steps = (\n"
               "  { cpu = { dist = \"weibull\"; }; } ); } ); };\n",
               GS_ERR_INVALID,
               "2: workload.tasks[0].steps[0].cpu.dist: expected \"constant\", \"uniform\", \"exponential\", "
               "\"normal\", \"lognormal\", \"gamma\" or \"pareto\", got \"weibull\"");
}

Test(scenario, a_bad_distribution_parameter_is_rejected)
{
  expect_error("workload = { type = \"custom\"; tasks = ( { steps = (\n"
               "  { sleep = { dist = \"normal\"; mean = \"1ms\";\n"
               "              sd = \"-2ms\"; }; } ); } ); };\n",
               GS_ERR_INVALID, "3: workload.tasks[0].steps[0].sleep.sd: expected a duration >= 0, got \"-2ms\"");
}

Test(scenario, a_nul_byte_is_a_syntax_error)
{
  char path[512], want[600];
  write_temp("", path, sizeof path);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fwrite("cores = 2;\nseed = 1\0;\n", 1, 23, f);
  fclose(f);
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  gs_err e = gs_scenario_load(path, &sc, &err);
  unlink(path);
  snprintf(want, sizeof want, "%s:2: unexpected NUL byte", path);
  cr_assert_eq(e, GS_ERR_PARSE);
  cr_assert_null(sc);
  cr_assert_str_eq(err.msg, want);
}

Test(scenario, a_missing_file_is_an_io_error)
{
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_scenario_load("no/such/scenario.cfg", &sc, &err), GS_ERR_IO);
  cr_assert_null(sc);
  cr_assert_str_eq(err.msg, "cannot read 'no/such/scenario.cfg': No such file or directory");
}

Test(scenario, a_directory_is_an_io_error)
{
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_scenario_load(GS_SOURCE_DIR "/scenarios", &sc, &err), GS_ERR_IO);
  cr_assert_null(sc);
  cr_assert_str_eq(err.msg, "cannot read '" GS_SOURCE_DIR "/scenarios': Is a directory");
}

/* Every file in tests/bad/ starts with "# expect: MESSAGE" (FILE standing
 * for its path) and "# code: parse|invalid|limit". */
Test(scenario, every_file_in_the_bad_catalogue_is_rejected_as_documented)
{
  DIR *d = opendir(BAD_DIR);
  cr_assert_not_null(d, "cannot open %s", BAD_DIR);
  int files = 0;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    size_t len = strlen(ent->d_name);
    if (len < 5 || strcmp(ent->d_name + len - 4, ".cfg") != 0)
      continue;
    char path[512], line[512], code_line[64] = "", want[1024];
    snprintf(path, sizeof path, "%s/%s", BAD_DIR, ent->d_name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    cr_assert_not_null(fgets(line, sizeof line, f), "%s is empty", path);
    if (!fgets(code_line, sizeof code_line, f))
      code_line[0] = 0;
    fclose(f);
    line[strcspn(line, "\n")] = 0;
    code_line[strcspn(code_line, "\n")] = 0;
    cr_assert_eq(strncmp(line, "# expect: ", 10), 0, "%s: no '# expect: ' first line", path);

    /* the expectation, FILE replaced by the path */
    size_t n = 0;
    for (const char *p = line + 10; *p && n + 1 < sizeof want;) {
      if (strncmp(p, "FILE", 4) == 0) {
        n += (size_t)snprintf(want + n, sizeof want - n, "%s", path);
        p += 4;
      } else {
        want[n++] = *p++;
      }
    }
    want[n < sizeof want ? n : sizeof want - 1] = 0;

    gs_err code = GS_ERR_INVALID;
    if (strcmp(code_line, "# code: parse") == 0)
      code = GS_ERR_PARSE;
    else if (strcmp(code_line, "# code: limit") == 0)
      code = GS_ERR_LIMIT;
    else
      cr_assert_str_eq(code_line, "# code: invalid", "%s: bad '# code:' line", path);

    gs_scenario *sc = (gs_scenario *)&files;
    gs_error err = {{0}};
    gs_err e = gs_scenario_load(path, &sc, &err);
    cr_expect_eq(e, code, "%s: code %d, wanted %d (%s)", path, e, code, err.msg);
    cr_expect_null(sc, "%s: *out not NULL", path);
    cr_expect_str_eq(err.msg, want, "%s", path);
    if (e == GS_OK)
      gs_scenario_free(sc);
    files++;
  }
  closedir(d);
  cr_assert_geq(files, 20, "only %d files in %s", files, BAD_DIR);
}

/* ---- gs_scenario_check ------------------------------------------------------------------------- */

static gs_scenario *primes_demo(void)
{
  return load_file_ok(SHIPPED("primes.cfg"));
}

static void expect_check(gs_scenario *sc, gs_err code, const char *msg)
{
  gs_error err = {{0}};
  cr_assert_eq(gs_scenario_check(sc, &err), code, "%s", err.msg);
  cr_assert_str_eq(err.msg, msg);
  gs_scenario_free(sc);
}

Test(scenario, check_rejects_zero_cores)
{
  gs_scenario *sc = primes_demo();
  sc->cores = 0;
  expect_check(sc, GS_ERR_INVALID, "cores: expected an integer between 1 and 1024, got 0");
}

Test(scenario, check_rejects_cores_above_1024)
{
  gs_scenario *sc = primes_demo();
  sc->cores = 1025;
  expect_check(sc, GS_ERR_INVALID, "cores: expected an integer between 1 and 1024, got 1025");
}

Test(scenario, check_rejects_workers_above_the_limit)
{
  gs_scenario *sc = primes_demo();
  sc->workers = GS_MAX_WORKERS + 1;
  expect_check(sc, GS_ERR_INVALID, "workers: expected an integer between 1 and 100000, got 100001");
}

Test(scenario, check_rejects_an_unknown_runtime)
{
  gs_scenario *sc = primes_demo();
  sc->runtime = (gs_runtime)7;
  expect_check(sc, GS_ERR_INVALID, "runtime: expected \"c\" or \"cpython\", got 7");
}

Test(scenario, check_rejects_an_unknown_scheduler)
{
  gs_scenario *sc = primes_demo();
  sc->sched = (gs_sched_policy)-1;
  expect_check(sc, GS_ERR_INVALID, "scheduler: expected \"fair\" or \"rr\", got -1");
}

Test(scenario, check_accepts_overrides_within_range)
{
  gs_scenario *sc = primes_demo();
  sc->cores = GS_MAX_CORES;
  sc->workers = GS_MAX_WORKERS;
  sc->model = GS_MODEL_PROCESSES;
  sc->sched = GS_SCHED_RR;
  sc->runtime = GS_RT_C;
  sc->gil = GS_GIL_OLD;
  expect_check(sc, GS_OK, "");
}

Test(scenario, free_accepts_null)
{
  gs_scenario_free(NULL);
}
