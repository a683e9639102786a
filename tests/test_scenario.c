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
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
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

Test(scenario, shipped_download_fetches_ten_images_of_about_5_mb)
{
  static const int64_t want[] = {5000000, 4600000, 5300000, 4900000, 5500000,
                                 4700000, 5100000, 4500000, 5200000, 4800000};
  gs_scenario *sc = load_file_ok(SHIPPED("download.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_THREADS);
  cr_assert_eq(sc->workers, 10);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->workload, GS_WL_DOWNLOAD);
  cr_assert_eq(sc->ntasks, 10);
  for (size_t i = 0; i < 10; i++)
    cr_assert_eq(sc->sizes[i], want[i], "sizes[%zu] = %lld", i, (long long)sc->sizes[i]);
  cr_assert_eq(sc->net.latency.kind, GS_DIST_LOGNORMAL);
  cr_assert_eq(sc->net.latency.a, 80e6);
  cr_assert_eq(sc->net.latency.b, 0.4);
  cr_assert_eq(sc->net.conn_bps, 1.2e6);
  cr_assert_eq(sc->net.link_bps, 0);
  cr_assert_eq(sc->net.server_limit, 0);
  cr_assert_eq(sc->net.cpu_per_byte, 2);
  cr_assert_eq(sc->net.cpu_holds_gil, 1);
  gs_scenario_free(sc);
}

Test(scenario, shipped_convoy_puts_one_io_thread_beside_one_cpu_thread)
{
  gs_scenario *sc = load_file_ok(SHIPPED("convoy.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_THREADS);
  cr_assert_eq(sc->workers, 2);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->workload, GS_WL_CONVOY);
  cr_assert_eq(sc->ntasks, 2);
  cr_assert_eq(sc->convoy.ops, 1000);
  cr_assert_eq(sc->convoy.latency.kind, GS_DIST_CONST);
  cr_assert_eq(sc->convoy.latency.a, 100e3);
  cr_assert_eq(sc->convoy.op_cpu, 5 * GS_US);
  cr_assert_eq(sc->convoy.cpu_threads, 1);
  cr_assert_eq(sc->convoy.cpu, 10 * GS_SEC);
  gs_scenario_free(sc);
}

Test(scenario, shipped_asyncio_has_twenty_io_coroutines_and_one_cpu_hog)
{
  gs_scenario *sc = load_file_ok(SHIPPED("asyncio.cfg"));
  cr_assert_eq(sc->runtime, GS_RT_CPYTHON);
  cr_assert_eq(sc->model, GS_MODEL_ASYNCIO);
  cr_assert_eq(sc->workers, 4);
  cr_assert_eq(sc->cores, 2);
  cr_assert_eq(sc->workload, GS_WL_CUSTOM);
  cr_assert_eq(sc->ntasks, 21);
  for (size_t i = 0; i < 20; i++) {
    const gs_task_spec *t = &sc->custom[i];
    cr_assert_eq(t->nsteps, 3);
    cr_assert_eq(t->steps[0].kind, GS_STEP_IO);
    cr_assert_eq(t->steps[0].dur.a, 50e6);
    cr_assert_eq(t->steps[1].kind, GS_STEP_CPU);
    cr_assert_eq(t->steps[1].dur.a, 2e6);
    cr_assert_eq(t->steps[2].kind, GS_STEP_IO);
    cr_assert_eq(t->steps[2].dur.a, 50e6);
  }
  cr_assert_eq(sc->custom[20].nsteps, 1);
  cr_assert_eq(sc->custom[20].steps[0].kind, GS_STEP_CPU);
  cr_assert_eq(sc->custom[20].steps[0].dur.a, 200e6);
  gs_scenario_free(sc);
}

Test(scenario, shipped_download_empirical_replays_the_measured_latencies)
{
  gs_scenario *sc = load_file_ok(SHIPPED("download-empirical.cfg"));
  cr_assert_eq(sc->model, GS_MODEL_ASYNCIO);
  cr_assert_eq(sc->workload, GS_WL_DOWNLOAD);
  cr_assert_eq(sc->ntasks, 100);
  for (size_t i = 0; i < 100; i++)
    cr_assert_eq(sc->sizes[i], 100000);
  cr_assert_eq(sc->net.conn_bps, 0);
  cr_assert_eq(sc->net.link_bps, 100e6);
  const gs_dist *d = &sc->net.latency;
  cr_assert_eq(d->kind, GS_DIST_EMPIRICAL);
  cr_assert_eq(sc->nsamples_arrays, 1);
  cr_assert_eq(d->samples, sc->samples[0]);

  /* the same numbers as the data file, in us, scaled to ns */
  FILE *f = fopen(GS_SOURCE_DIR "/data/latency/loopback-first-byte.txt", "r");
  cr_assert_not_null(f);
  char line[256];
  size_t n = 0;
  while (fgets(line, sizeof line, f))
    if (line[0] != '#' && line[0] != '\n') {
      cr_assert_lt(n, d->nsamples);
      cr_assert_float_eq(d->samples[n], strtod(line, NULL) * 1e3, 1e-6, "sample %zu", n);
      n++;
    }
  fclose(f);
  cr_assert_eq(n, d->nsamples);
  cr_assert_eq(n, 500);
  gs_scenario_free(sc);
}

static const char *const shipped[] = {
  SHIPPED("primes.cfg"), SHIPPED("countdown.cfg"), SHIPPED("sleep.cfg"),    SHIPPED("custom.cfg"),
  SHIPPED("download.cfg"), SHIPPED("convoy.cfg"),  SHIPPED("asyncio.cfg"), SHIPPED("download-empirical.cfg"),
};

Test(scenario, shipped_scenarios_pass_check)
{
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    gs_scenario *sc = load_file_ok(shipped[i]);
    gs_error err = {{0}};
    cr_expect_eq(gs_scenario_check(sc, &err), GS_OK, "%s: %s", shipped[i], err.msg);
    gs_scenario_free(sc);
  }
}

Test(scenario, shipped_scenarios_run_to_completion)
{
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    gs_scenario *sc = load_file_ok(shipped[i]);
    gs_results *r = NULL;
    gs_error err = {{0}};
    cr_expect_eq(gs_run(sc, &r, &err), GS_OK, "%s: %s", shipped[i], err.msg);
    if (r) {
      cr_expect_eq(r->ntasks, sc->ntasks, "%s", shipped[i]);
      for (size_t t = 0; t < r->ntasks; t++)
        cr_expect_geq(r->tasks[t].finished, r->tasks[t].started, "%s: task %zu", shipped[i], t);
      gs_results_free(r);
    }
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

/* ---- Step kinds ---------------------------------------------------------------------------------- */

Test(scenario, steps_of_every_kind_take_durations_and_distributions)
{
  gs_scenario *sc = load_ok("workload = { type = \"custom\"; tasks = ( { steps = (\n"
                            "  { cpu = \"1ms\"; }, { sleep = \"2ms\"; }, { io = \"3ms\"; },\n"
                            "  { cpu_nogil = \"4ms\"; }, { thread = \"5ms\"; },\n"
                            "  { io = { dist = \"exponential\"; mean = \"6ms\"; }; }\n"
                            "); } ); };\n");
  static const gs_step_kind want[] = {GS_STEP_CPU, GS_STEP_SLEEP, GS_STEP_IO, GS_STEP_CPU_NOGIL, GS_STEP_THREAD,
                                      GS_STEP_IO};
  cr_assert_eq(sc->custom[0].nsteps, 6);
  for (size_t i = 0; i < 6; i++) {
    const gs_step *st = &sc->custom[0].steps[i];
    cr_assert_eq(st->kind, want[i], "step %zu", i);
    cr_assert_eq(st->dur.a, (double)(i + 1) * 1e6, "step %zu", i);
    cr_assert_eq(st->dur.kind, i < 5 ? GS_DIST_CONST : GS_DIST_EXP, "step %zu", i);
  }
  gs_scenario_free(sc);
}

Test(scenario, a_step_with_two_kinds_names_them)
{
  expect_error("workload = { type = \"custom\"; tasks = ( { steps = (\n"
               "  { io = \"1ms\"; cpu_nogil = \"1ms\"; } ); } ); };\n",
               GS_ERR_INVALID,
               "2: workload.tasks[0].steps[0]: expected exactly one of 'cpu', 'sleep', 'io', 'cpu_nogil' or "
               "'thread', got 'io' and 'cpu_nogil'");
}

Test(scenario, a_step_with_no_kind_is_rejected)
{
  expect_error("workload = { type = \"custom\"; tasks = ( { steps = ( {} ); } ); };\n", GS_ERR_INVALID,
               "1: workload.tasks[0].steps[0]: expected exactly one of 'cpu', 'sleep', 'io', 'cpu_nogil' or "
               "'thread', got none");
}

/* ---- Downloads: sizes ------------------------------------------------------------------------------ */

#define NET_DL "workload = { type = \"download\"; files = 1; size = 1; };\n"

Test(scenario, sizes_accept_decimal_and_binary_units_and_bare_bytes)
{
  gs_scenario *sc = load_ok("workload = { type = \"download\"; sizes = (\n"
                            "  512, \"512\", \"5MB\", \"1.5 MiB\", \"2kB\", \"2KB\", \"1KiB\", \"3B\",\n"
                            "  \"1GB\", \"1GiB\", \"2TB\", \"1TiB\", 7.6, \"1e3B\", 5000000000 ); };\n");
  static const int64_t want[] = {512,        512,        5000000,       1572864,          2000,
                                 2000,       1024,       3,             1000000000,       1073741824,
                                 2000000000000LL, 1099511627776LL, 8, 1000, 5000000000LL};
  cr_assert_eq(sc->ntasks, 15);
  for (size_t i = 0; i < 15; i++)
    cr_assert_eq(sc->sizes[i], want[i], "sizes[%zu] = %lld", i, (long long)sc->sizes[i]);
  gs_scenario_free(sc);
}

Test(scenario, files_and_one_size_give_equal_files)
{
  gs_scenario *sc = load_ok("workload = { type = \"download\"; files = 3; size = \"4.8MB\"; };\n");
  cr_assert_eq(sc->ntasks, 3);
  for (size_t i = 0; i < 3; i++)
    cr_assert_eq(sc->sizes[i], 4800000);
  gs_scenario_free(sc);
}

/* The sizes the loader must draw: MT19937 seeded as rng.c seeds a run, a
 * normal truncated at 0 by resampling, rounded, at least 1 byte. */
static int64_t expected_normal_size(gsl_rng *r, double mean, double sd)
{
  double x = 0;
  for (int i = 0; i < 64; i++) {
    double y = mean + gsl_ran_gaussian(r, sd);
    if (y >= 0) {
      x = y;
      break;
    }
  }
  int64_t b = (int64_t)llround(x);
  return b < 1 ? 1 : b;
}

Test(scenario, drawn_sizes_come_from_the_scenario_seed)
{
  const uint64_t seed = 0x100000005ULL; /* the high half must count */
  gs_scenario *sc = load_ok("seed = 4294967301;\n"
                            "workload = { type = \"download\"; files = 200;\n"
                            "  size = { dist = \"normal\"; mean = \"5MB\"; sd = \"0.5MB\"; }; };\n");
  cr_assert_eq(sc->seed, seed);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  cr_assert_not_null(r);
  gsl_rng_set(r, (unsigned long)(seed ^ (seed >> 32)));
  double sum = 0;
  for (size_t i = 0; i < 200; i++) {
    cr_assert_eq(sc->sizes[i], expected_normal_size(r, 5e6, 0.5e6), "sizes[%zu]", i);
    sum += (double)sc->sizes[i];
  }
  gsl_rng_free(r);
  cr_assert_float_eq(sum / 200, 5e6, 0.15e6);
  gs_scenario_free(sc);
}

Test(scenario, drawn_sizes_are_the_same_on_every_load_and_differ_with_the_seed)
{
#define LOGNORMAL_FILES                                                                                    \
  "workload = { type = \"download\"; files = 50;\n"                                                           \
  "  size = { dist = \"lognormal\"; median = \"1MiB\"; sigma = 1; }; };\n"
  gs_scenario *a = load_ok(LOGNORMAL_FILES), *b = load_ok(LOGNORMAL_FILES);
  gs_scenario *c = load_ok("seed = 2;\n" LOGNORMAL_FILES);
  int same = 0;
  for (size_t i = 0; i < 50; i++) {
    cr_assert_eq(a->sizes[i], b->sizes[i], "sizes[%zu]", i);
    same += a->sizes[i] == c->sizes[i];
  }
  cr_assert_lt(same, 50);
  gs_scenario_free(a);
  gs_scenario_free(b);
  gs_scenario_free(c);
}

Test(scenario, drawn_sizes_below_one_byte_become_one_byte)
{
  gs_scenario *sc = load_ok("workload = { type = \"download\"; files = 100;\n"
                            "  size = { dist = \"normal\"; mean = 0; sd = \"2B\"; }; };\n");
  int ones = 0;
  for (size_t i = 0; i < 100; i++) {
    cr_assert_geq(sc->sizes[i], 1, "sizes[%zu]", i);
    ones += sc->sizes[i] == 1;
  }
  cr_assert_gt(ones, 10);
  gs_scenario_free(sc);
}

Test(scenario, a_size_distribution_takes_sizes_not_durations)
{
  gs_scenario *sc = load_ok("workload = { type = \"download\"; files = 20;\n"
                            "  size = { dist = \"uniform\"; min = \"1kB\"; max = \"2kB\"; }; };\n");
  for (size_t i = 0; i < 20; i++) {
    cr_assert_geq(sc->sizes[i], 1000);
    cr_assert_leq(sc->sizes[i], 2000);
  }
  gs_scenario_free(sc);
  expect_error("workload = { type = \"download\"; files = 20;\n"
               "  size = { dist = \"uniform\"; min = \"1kB\"; max = \"2ms\"; }; };\n",
               GS_ERR_INVALID,
               "2: workload.size.max: expected a size such as \"5MB\", \"1.5MiB\" or 512 (bytes), got \"2ms\"");
}

Test(scenario, a_malformed_size_is_rejected)
{
  expect_error("workload = { type = \"download\";\n sizes = [\"5MB\", \"5 megabytes\"]; };\n", GS_ERR_INVALID,
               "2: workload.sizes[1]: expected a size such as \"5MB\", \"1.5MiB\" or 512 (bytes), "
               "got \"5 megabytes\"");
  expect_error("workload = { type = \"download\"; files = 2;\n size = true; };\n", GS_ERR_INVALID,
               "2: workload.size: expected a size such as \"5MB\", \"1.5MiB\" or 512 (bytes), or a "
               "distribution group, got a boolean");
}

Test(scenario, a_file_of_zero_bytes_is_rejected)
{
  expect_error("workload = { type = \"download\";\n sizes = [1, 0]; };\n", GS_ERR_INVALID,
               "2: workload.sizes[1]: expected a size of at least 1 byte, got 0");
}

Test(scenario, download_needs_sizes_or_files_and_size_not_both)
{
  expect_error("workload = { type = \"download\"; sizes = [1];\n size = 1; };\n", GS_ERR_INVALID,
               "2: workload: expected either 'sizes' or 'files' and 'size', not both");
  expect_error("workload = { type = \"download\"; };\n", GS_ERR_INVALID,
               "1: workload: missing required key 'sizes' (or 'files' and 'size')");
  expect_error("workload = { type = \"download\";\n files = 0; size = 1; };\n", GS_ERR_INVALID,
               "2: workload.files: expected an integer >= 1, got 0");
}

/* ---- Downloads: the network ------------------------------------------------------------------------ */

Test(scenario, network_defaults_apply_without_a_network_group)
{
  gs_scenario *sc = load_ok(NET_DL);
  cr_assert_eq(sc->net.latency.kind, GS_DIST_CONST);
  cr_assert_eq(sc->net.latency.a, 50e6);
  cr_assert_eq(sc->net.conn_bps, 1.2e6);
  cr_assert_eq(sc->net.link_bps, 0);
  cr_assert_eq(sc->net.server_limit, 0);
  cr_assert_eq(sc->net.cpu_per_byte, 1.0);
  cr_assert_eq(sc->net.cpu_holds_gil, 1);
  gs_scenario_free(sc);
}

Test(scenario, network_keys_set_every_field)
{
  gs_scenario *sc = load_ok(NET_DL "network = { latency = { dist = \"uniform\"; min = \"10ms\"; max = \"30ms\"; };\n"
                                   "  bandwidth = \"100Mbit/s\"; link = \"1GB/s\"; server_limit = 6;\n"
                                   "  cpu_per_byte = \"2ns\"; cpu_holds_gil = false; };\n");
  cr_assert_eq(sc->net.latency.kind, GS_DIST_UNIFORM);
  cr_assert_eq(sc->net.latency.a, 10e6);
  cr_assert_eq(sc->net.latency.b, 30e6);
  cr_assert_eq(sc->net.conn_bps, 12.5e6);
  cr_assert_eq(sc->net.link_bps, 1e9);
  cr_assert_eq(sc->net.server_limit, 6);
  cr_assert_eq(sc->net.cpu_per_byte, 2);
  cr_assert_eq(sc->net.cpu_holds_gil, 0);
  gs_scenario_free(sc);
}

Test(scenario, rates_accept_bytes_bits_plain_numbers_and_unlimited)
{
  static const struct {
    const char *text;
    double bps;
  } cases[] = {
    {"\"1.2MB/s\"", 1.2e6}, {"\"100Mbit/s\"", 12.5e6}, {"\"unlimited\"", 0},  {"5000", 5000},
    {"2.5", 2.5},           {"\"2.5e6\"", 2.5e6},      {"\"1KiB/s\"", 1024},  {"\"8bit/s\"", 1},
    {"\"1Gbit/s\"", 1.25e8}, {"\"3 kB/s\"", 3000},     {"\"1MiB/s\"", 1048576}, {"\"2kbit/s\"", 250},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, NET_DL "network = { bandwidth = %s; link = %s; };\n", cases[i].text,
             cases[i].text);
    gs_scenario *sc = load_ok(text);
    cr_assert_float_eq(sc->net.conn_bps, cases[i].bps, 1e-9 * cases[i].bps, "%s", cases[i].text);
    cr_assert_float_eq(sc->net.link_bps, cases[i].bps, 1e-9 * cases[i].bps, "%s", cases[i].text);
    gs_scenario_free(sc);
  }
}

Test(scenario, a_zero_or_malformed_rate_is_rejected)
{
  static const char *const bad[] = {"0", "\"0\"", "\"0MB/s\"", "-1", "\"1.2MB\"", "\"fast\"", "\"1.2mb/s\"",
                                    "\"5MB/h\"", "\"Unlimited\"", "true"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[256], want[256];
    snprintf(text, sizeof text, NET_DL "network = {\n bandwidth = %s; };\n", bad[i]);
    snprintf(want, sizeof want,
             "3: network.bandwidth: expected a rate > 0 such as \"1.2MB/s\" or \"100Mbit/s\", or "
             "\"unlimited\", got %s",
             strcmp(bad[i], "true") == 0 ? "a boolean" : bad[i]);
    expect_error(text, GS_ERR_INVALID, want);
  }
  expect_error(NET_DL "network = {\n link = 0; };\n", GS_ERR_INVALID,
               "3: network.link: expected a rate > 0 such as \"1.2MB/s\" or \"100Mbit/s\", or \"unlimited\", "
               "got 0");
}

Test(scenario, a_negative_latency_is_rejected)
{
  expect_error(NET_DL "network = {\n latency = \"-1ms\"; };\n", GS_ERR_INVALID,
               "3: network.latency: expected a duration >= 0, got \"-1ms\"");
}

Test(scenario, a_network_needs_the_download_workload)
{
  expect_error(WL_SLEEP "\nnetwork = { bandwidth = \"1MB/s\"; };\n", GS_ERR_INVALID,
               "3: network: only the download workload uses a network");
}

Test(scenario, network_server_limit_and_gil_flag_are_checked)
{
  expect_error(NET_DL "network = {\n server_limit = 2.5; };\n", GS_ERR_INVALID,
               "3: network.server_limit: expected an integer, got a float");
  expect_error(NET_DL "network = {\n cpu_holds_gil = 1; };\n", GS_ERR_INVALID,
               "3: network.cpu_holds_gil: expected true or false, got 1");
}

/* ---- Convoy ------------------------------------------------------------------------------------------ */

Test(scenario, convoy_defaults)
{
  gs_scenario *sc = load_ok("workload = { type = \"convoy\"; };\n");
  cr_assert_eq(sc->workload, GS_WL_CONVOY);
  cr_assert_eq(sc->convoy.ops, 1000);
  cr_assert_eq(sc->convoy.latency.kind, GS_DIST_CONST);
  cr_assert_eq(sc->convoy.latency.a, 100e3);
  cr_assert_eq(sc->convoy.op_cpu, 5000);
  cr_assert_eq(sc->convoy.cpu_threads, 1);
  cr_assert_eq(sc->convoy.cpu, 10 * GS_SEC);
  cr_assert_eq(sc->ntasks, 2);
  gs_scenario_free(sc);
}

Test(scenario, convoy_keys_set_every_field_and_the_task_count)
{
  gs_scenario *sc = load_ok("workload = { type = \"convoy\"; ops = 20;\n"
                            "  latency = { dist = \"exponential\"; mean = \"1ms\"; };\n"
                            "  op_cpu = 300; cpu_threads = 3; cpu = \"1.5s\"; };\n");
  cr_assert_eq(sc->convoy.ops, 20);
  cr_assert_eq(sc->convoy.latency.kind, GS_DIST_EXP);
  cr_assert_eq(sc->convoy.latency.a, 1e6);
  cr_assert_eq(sc->convoy.op_cpu, 300);
  cr_assert_eq(sc->convoy.cpu_threads, 3);
  cr_assert_eq(sc->convoy.cpu, 1500 * GS_MS);
  cr_assert_eq(sc->ntasks, 4);
  gs_scenario_free(sc);
  sc = load_ok("workload = { type = \"convoy\"; cpu_threads = 0; };\n");
  cr_assert_eq(sc->ntasks, 1);
  gs_scenario_free(sc);
}

Test(scenario, convoy_ops_must_be_at_least_one)
{
  expect_error("workload = { type = \"convoy\";\n ops = 0; };\n", GS_ERR_INVALID,
               "2: workload.ops: expected an integer between 1 and 1000000000, got 0");
}

Test(scenario, convoy_cpu_threads_count_against_the_task_limit)
{
  expect_error("workload = { type = \"convoy\";\n cpu_threads = 1000000; };\n", GS_ERR_LIMIT,
               "2: 1000001 tasks exceed the limit of 1000000 (GS_MAX_TASKS)");
  expect_error("workload = { type = \"convoy\";\n cpu_threads = -1; };\n", GS_ERR_INVALID,
               "2: workload.cpu_threads: expected an integer >= 0, got -1");
}

/* ---- Empirical distributions ------------------------------------------------------------------------- */

/* A scratch directory under the build directory, for a scenario and the
 * sample files it names. */
static void scratch_dir(char *dir, size_t n)
{
  snprintf(dir, n, "%s/test_scenario-XXXXXX", GS_BINARY_DIR);
  cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
}

static void put_file(const char *dir, const char *name, const char *text)
{
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
}

static void rm_file(const char *dir, const char *name)
{
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  unlink(path);
}

/* Load dir/s.cfg (text) beside dir/lat.txt (samples); both are removed. */
static gs_err load_with_samples(const char *text, const char *samples, gs_scenario **sc, gs_error *err,
                                char *dir, size_t n)
{
  char path[700];
  scratch_dir(dir, n);
  put_file(dir, "s.cfg", text);
  if (samples)
    put_file(dir, "lat.txt", samples);
  snprintf(path, sizeof path, "%s/s.cfg", dir);
  gs_err e = gs_scenario_load(path, sc, err);
  rm_file(dir, "s.cfg");
  rm_file(dir, "lat.txt");
  rmdir(dir);
  return e;
}

#define EMPIRICAL_DL(file, unit)                                                                              \
  NET_DL "network = { latency = { dist = \"empirical\";\n  file = \"" file "\"; " unit " }; };\n"

Test(scenario, empirical_samples_are_read_relative_to_the_scenario_and_scaled)
{
  char dir[512];
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  gs_err e = load_with_samples(EMPIRICAL_DL("lat.txt", "unit = \"us\";"),
                               "# measured somewhere\n\n  # indented comment\n12.5\n 7 \r\n0\n\n3e2\n\t40\t\n",
                               &sc, &err, dir, sizeof dir);
  cr_assert_eq(e, GS_OK, "%s", err.msg);
  static const double want[] = {12500, 7000, 0, 300000, 40000};
  const gs_dist *d = &sc->net.latency;
  cr_assert_eq(d->kind, GS_DIST_EMPIRICAL);
  cr_assert_eq(d->nsamples, 5);
  for (size_t i = 0; i < 5; i++)
    cr_assert_eq(d->samples[i], want[i], "samples[%zu] = %g", i, d->samples[i]);
  cr_assert_eq(sc->nsamples_arrays, 1);
  cr_assert_eq(sc->samples[0], d->samples);
  gs_scenario_free(sc);
}

Test(scenario, empirical_unit_defaults_to_nanoseconds_and_absolute_paths_stand)
{
  char dir[512], other[512], text[1200], abs_path[700];
  scratch_dir(other, sizeof other);
  put_file(other, "abs.txt", "1\n2.5\n");
  snprintf(abs_path, sizeof abs_path, "%s/abs.txt", other);
  snprintf(text, sizeof text,
           "workload = { type = \"custom\"; tasks = ( { steps = (\n"
           "  { io = { dist = \"empirical\"; file = \"%s\"; }; },\n"
           "  { cpu = { dist = \"empirical\"; file = \"lat.txt\"; unit = \"s\"; }; } ); } ); };\n",
           abs_path);
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  gs_err e = load_with_samples(text, "0.25\n", &sc, &err, dir, sizeof dir);
  rm_file(other, "abs.txt");
  rmdir(other);
  cr_assert_eq(e, GS_OK, "%s", err.msg);
  const gs_dist *io = &sc->custom[0].steps[0].dur, *cpu = &sc->custom[0].steps[1].dur;
  cr_assert_eq(io->nsamples, 2);
  cr_assert_eq(io->samples[0], 1);
  cr_assert_eq(io->samples[1], 2.5);
  cr_assert_eq(cpu->nsamples, 1);
  cr_assert_eq(cpu->samples[0], 0.25e9);
  /* each distribution its own array, all owned by the scenario */
  cr_assert_eq(sc->nsamples_arrays, 2);
  cr_assert_neq(io->samples, cpu->samples);
  gs_scenario_free(sc);
}

Test(scenario, empirical_arrays_loaded_before_a_later_error_are_freed)
{
  /* the sanitizer build checks that nothing leaks */
  char dir[512];
  gs_scenario *sc = (gs_scenario *)&dir;
  gs_error err = {{0}};
  gs_err e = load_with_samples("workload = { type = \"custom\"; tasks = ( { steps = (\n"
                               "  { io = { dist = \"empirical\"; file = \"lat.txt\"; }; },\n"
                               "  { io = { dist = \"empirical\"; file = \"lat.txt\"; }; },\n"
                               "  { io = -1; } ); } ); };\n",
                               "5\n", &sc, &err, dir, sizeof dir);
  cr_assert_eq(e, GS_ERR_INVALID);
  cr_assert_null(sc);
  cr_assert(strstr(err.msg, ":4: workload.tasks[0].steps[2].io: expected a duration >= 0, got -1"), "%s",
            err.msg);
}

/* The message for a samples problem: "DIR/s.cfg:LINE: BODY" with DIR
 * substituted in BODY too. */
static void expect_samples_error(const char *text, const char *samples, const char *fmt)
{
  char dir[512], want[2048];
  gs_scenario *sc = (gs_scenario *)&dir;
  gs_error err = {{0}};
  gs_err e = load_with_samples(text, samples, &sc, &err, dir, sizeof dir);
  snprintf(want, sizeof want, fmt, dir, dir);
  cr_assert_null(sc);
  cr_assert_eq(e, GS_ERR_INVALID, "%s", err.msg);
  cr_assert_str_eq(err.msg, want);
}

Test(scenario, empirical_file_that_cannot_be_read_is_named)
{
  expect_samples_error(EMPIRICAL_DL("nope.txt", ""), NULL,
                       "%s/s.cfg:3: network.latency.file: cannot read '%s/nope.txt': No such file or directory");
}

/* A name such as /dev/zero must not fill memory: at most 64 MiB is read. */
Test(scenario, empirical_file_that_never_ends_is_refused_after_64_mib)
{
  expect_samples_error(EMPIRICAL_DL("/dev/zero", ""), NULL,
                       "%s/s.cfg:3: network.latency.file: cannot read '/dev/zero': File too large");
}

Test(scenario, empirical_file_without_samples_is_rejected)
{
  expect_samples_error(EMPIRICAL_DL("lat.txt", ""), "# only a header\n\n",
                       "%s/s.cfg:3: network.latency.file: '%s/lat.txt' holds no samples");
  expect_samples_error(EMPIRICAL_DL("lat.txt", ""), "",
                       "%s/s.cfg:3: network.latency.file: '%s/lat.txt' holds no samples");
}

Test(scenario, empirical_malformed_or_negative_sample_names_its_line)
{
  expect_samples_error(EMPIRICAL_DL("lat.txt", ""), "# header\n1\n2\nabc\n",
                       "%s/s.cfg:3: network.latency.file: %s/lat.txt:4: expected a non-negative number, got 'abc'");
  expect_samples_error(EMPIRICAL_DL("lat.txt", ""), "1\n-2\n",
                       "%s/s.cfg:3: network.latency.file: %s/lat.txt:2: expected a non-negative number, got '-2'");
  expect_samples_error(EMPIRICAL_DL("lat.txt", ""), "1 2\n",
                       "%s/s.cfg:3: network.latency.file: %s/lat.txt:1: expected a non-negative number, got '1 2'");
  expect_samples_error(EMPIRICAL_DL("lat.txt", ""), "nan\n",
                       "%s/s.cfg:3: network.latency.file: %s/lat.txt:1: expected a non-negative number, got 'nan'");
  expect_samples_error(EMPIRICAL_DL("lat.txt", "unit = \"s\";"), "2e6\n",
                       "%s/s.cfg:3: network.latency.file: %s/lat.txt:1: expected a duration of at most 1000000s, "
                       "got '2e6'");
}

Test(scenario, empirical_group_is_checked)
{
  expect_error(NET_DL "network = { latency = { dist = \"empirical\";\n file = \"x.txt\"; unit = \"min\"; }; };\n",
               GS_ERR_INVALID, "3: network.latency.unit: expected \"ns\", \"us\", \"ms\" or \"s\", got \"min\"");
  expect_error(NET_DL "network = { latency = { dist = \"empirical\";\n file = \"\"; }; };\n", GS_ERR_INVALID,
               "3: network.latency.file: expected a non-empty string");
  expect_error(NET_DL "network = {\n latency = { dist = \"empirical\"; }; };\n", GS_ERR_INVALID,
               "3: network.latency: missing required key 'file'");
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
               "workers, cores, scheduler, seed, workload, network, params, calibration)");
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
               "1: workers: expected an integer between 1 and 1000000, got 0");
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
               "\"normal\", \"lognormal\", \"gamma\", \"pareto\" or \"empirical\", got \"weibull\"");
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

Test(scenario, a_file_that_never_ends_is_an_io_error_after_64_mib)
{
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_scenario_load("/dev/zero", &sc, &err), GS_ERR_IO);
  cr_assert_null(sc);
  cr_assert_str_eq(err.msg, "cannot read '/dev/zero': File too large");
}

/* Every file in tests/bad/ starts with "# expect: MESSAGE" (FILE standing
 * for its path, DIR for the catalogue's directory, where the files an
 * empirical distribution names are looked up) and "# code:
 * parse|invalid|limit".  The *.txt files beside them are such data. */
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

    /* the expectation, FILE replaced by the path and DIR by its directory */
    size_t n = 0;
    for (const char *p = line + 10; *p && n + 1 < sizeof want;) {
      if (strncmp(p, "FILE", 4) == 0) {
        n += (size_t)snprintf(want + n, sizeof want - n, "%s", path);
        p += 4;
      } else if (strncmp(p, "DIR", 3) == 0) {
        n += (size_t)snprintf(want + n, sizeof want - n, "%s", BAD_DIR);
        p += 3;
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
  expect_check(sc, GS_ERR_INVALID, "workers: expected an integer between 1 and 1000000, got 1000001");
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

Test(scenario, check_rejects_a_download_without_sizes)
{
  gs_scenario *sc = load_file_ok(SHIPPED("download.cfg"));
  free(sc->sizes);
  sc->sizes = NULL;
  expect_check(sc, GS_ERR_INVALID, "workload: 10 download tasks but no array of them");
}

Test(scenario, check_rejects_a_convoy_without_operations)
{
  gs_scenario *sc = load_file_ok(SHIPPED("convoy.cfg"));
  sc->convoy.ops = 0;
  expect_check(sc, GS_ERR_INVALID, "workload.ops: expected an integer between 1 and 1000000000, got 0");
}

Test(scenario, check_rejects_a_convoy_whose_tasks_do_not_match_its_threads)
{
  gs_scenario *sc = load_file_ok(SHIPPED("convoy.cfg"));
  sc->convoy.cpu_threads = 3;
  expect_check(sc, GS_ERR_INVALID, "workload: 2 convoy tasks, expected cpu_threads + 1 = 4");
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

/* ---- Calibrations -------------------------------------------------------- */

static gs_err load_cal_text(const char *text, gs_calibration **cal, gs_error *err, char *path,
                            size_t n)
{
  write_temp(text, path, n);
  gs_err e = gs_calibration_load(path, cal, err);
  unlink(path);
  return e;
}

static void expect_cal_error(const char *text, const char *rest)
{
  char path[512], want[1024];
  gs_error err = {{0}};
  gs_calibration *cal = (gs_calibration *)&err;
  gs_err e = load_cal_text(text, &cal, &err, path, sizeof path);
  snprintf(want, sizeof want, "%s:%s", path, rest);
  cr_assert_null(cal);
  cr_assert_neq(e, GS_OK);
  cr_assert_str_eq(err.msg, want);
}

Test(calibration, shipped_calibration_loads_with_its_values)
{
  gs_error err = {{0}};
  gs_calibration *cal = NULL;
  cr_assert_eq(gs_calibration_load(GS_SOURCE_DIR "/data/calibration/vm.cfg", &cal, &err), GS_OK,
               "%s", err.msg);
  int div = gs_param_lookup("div");
  cr_assert(cal->rt[GS_RT_C].set & (UINT64_C(1) << div));
  cr_assert(cal->rt[GS_RT_CPYTHON].set & (UINT64_C(1) << div));
  cr_assert_gt(cal->rt[GS_RT_CPYTHON].v[div], cal->rt[GS_RT_C].v[div]);
  gs_calibration_free(cal);
}

Test(calibration, values_round_trip_exactly)
{
  char path[512];
  gs_error err = {{0}};
  gs_calibration *cal = NULL;
  cr_assert_eq(load_cal_text("c = { params = { div = 2.5; ctx_switch = \"3us\"; }; };\n"
                             "cpython = { params = { countdown_step = 21.625; }; };\n",
                             &cal, &err, path, sizeof path),
               GS_OK, "%s", err.msg);
  cr_assert_str_eq(cal->path, path);
  cr_assert_float_eq(cal->rt[GS_RT_C].v[gs_param_lookup("div")], 2.5, 0);
  cr_assert_float_eq(cal->rt[GS_RT_C].v[gs_param_lookup("ctx_switch")], 3000.0, 0);
  cr_assert_float_eq(cal->rt[GS_RT_CPYTHON].v[gs_param_lookup("countdown_step")], 21.625, 0);
  cr_assert_eq(cal->rt[GS_RT_CPYTHON].set, UINT64_C(1) << gs_param_lookup("countdown_step"));
  gs_calibration_free(cal);
}

Test(calibration, precedence_is_explicit_then_calibration_then_default)
{
  gs_calibration cal = {0};
  int div = gs_param_lookup("div"), step = gs_param_lookup("countdown_step"),
      cs = gs_param_lookup("ctx_switch");
  cal.rt[GS_RT_CPYTHON].v[div] = 60;
  cal.rt[GS_RT_CPYTHON].v[step] = 30;
  cal.rt[GS_RT_CPYTHON].set = (UINT64_C(1) << div) | (UINT64_C(1) << step);
  gs_params p = {0};
  p.v[step] = 11;
  p.set = UINT64_C(1) << step;
  gs_params_resolve_with(&p, GS_RT_CPYTHON, &cal);
  cr_assert_float_eq(p.v[step], 11, 0);   /* explicit */
  cr_assert_float_eq(p.v[div], 60, 0);    /* calibration */
  cr_assert_float_eq(p.v[cs], gs_param_info_get((gs_param_id)cs)->def_cpython, 0); /* default */
  cr_assert_eq(p.set, UINT64_C(1) << step, "only explicit values count as set");

  gs_params q = {0};
  gs_params_resolve_with(&q, GS_RT_C, &cal); /* nothing calibrated for c */
  cr_assert_float_eq(q.v[div], gs_param_info_get((gs_param_id)div)->def_c, 0);
}

Test(calibration, errors_name_file_line_and_expectation)
{
  expect_cal_error("c = { params = { div = 2.0; }; };\n", "1: missing required key 'cpython'");
  expect_cal_error("c = { params = { div = 2.0; }; };\ncpython = { params = {\n  bogus = 1; }; };\n",
                   "3: unknown key 'bogus' in cpython.params (expected one of: ctx_switch, "
                   "wakeup_latency, migration, syscall, thread_create, thread_join, fork, "
                   "proc_init, pool_init, proc_exit, ipc_pack, ipc_unpack, queue_op, div, countdown_step, "
                   "sched_base_slice, sched_wakeup_gran, sched_sleeper_credit, sched_tick, "
                   "rr_quantum, switch_interval, gil_check, check_interval, tick, gil_op, gil_release_div, "
                   "gil_release_step, line_transfer, line_transfer_cv, loop_iter, "
                   "coro_resume, max_events, max_memory)");
  expect_cal_error("c = { params = { div = -1.0; }; };\ncpython = { params = { }; };\n",
                   "1: c.params.div: expected a value between 0 and 1e+09 ns, got -1");
  expect_cal_error("c = 5;\ncpython = { params = { }; };\n", "1: c: expected a group, got an integer");
  expect_cal_error("c = { params = { }; };\ncpython = { params = { }; };\nhost = 1;\n",
                   "3: unknown key 'host' (expected one of: c, cpython)");
}

Test(calibration, scenario_key_loads_relative_to_the_file)
{
  gs_scenario *sc = load_file_ok(GS_SOURCE_DIR "/tests/data/with-calibration.cfg");
  cr_assert_not_null(sc->calibration);
  cr_assert_str_eq(sc->calibration->path, GS_SOURCE_DIR "/tests/data/cal-test.cfg");
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_OK, "%s", err.msg);
  cr_assert_float_eq(r->params.v[gs_param_lookup("countdown_step")], 44.0, 0);
  gs_results_free(r);
  gs_scenario_free(sc);
}
