/* Tests of the gilsim tool's report formatting (tool/report.c), on
 * hand-made results: durations the IPython way, the text tables, JSON
 * escaping and exact seconds, CSV quoting, and write errors. */
#include "gs.h"
#include "report.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Durations ------------------------------------------------------------ */

static void check_time(double t, const char *want)
{
  char buf[64];
  gs_fmt_time(buf, sizeof buf, t);
  cr_expect_str_eq(buf, want, "gs_fmt_time(%.17g) = \"%s\", want \"%s\"", t, buf, want);
}

/* Expected values are what IPython 8's _format_time prints. */
Test(report, fmt_time_matches_ipython)
{
  check_time(0.994, "994 ms");
  check_time(16.4, "16.4 s");
  check_time(0.0001, "100 \xc2\xb5s");
  check_time(0, "0 ns");
  check_time(1e-3, "1 ms");
  check_time(1e-6, "1 \xc2\xb5s");
  check_time(999e-9, "999 ns");
  check_time(1.5e-9, "1.5 ns");
  check_time(1e-10, "0.1 ns");
  check_time(0.732, "732 ms");
  check_time(0.0121, "12.1 ms");
  check_time(0.0999, "99.9 ms");
  check_time(0.01, "10 ms");
  check_time(1, "1 s");
  check_time(4.21, "4.21 s");
  check_time(59.99, "60 s");      /* %.3g rounds up, still below a minute */
  check_time(0.9996, "1e+03 ms"); /* as Python's %.3g prints it */
  check_time(60, "1min");
  check_time(60.5, "1min");       /* fractions of a second are dropped */
  check_time(65, "1min 5s");
  check_time(3661, "1h 1min 1s");
  check_time(86400, "1d");
  check_time(90061.5, "1d 1h 1min 1s");
  check_time(123456.789, "1d 10h 17min 36s");
  check_time(1e7, "115d 17h 46min 40s");
}

Test(report, fmt_time_truncates_safely)
{
  char buf[5];
  gs_fmt_time(buf, sizeof buf, 0.994);
  cr_expect_str_eq(buf, "994 ");
  gs_fmt_time(buf, sizeof buf, 90061.5);
  cr_expect_eq(strlen(buf), 4);
  gs_fmt_time(buf, 0, 1.0); /* must not write */
}

/* ---- A hand-made run -------------------------------------------------------- */

static const uint64_t numbers[] = {72057596722278677ULL, 36028797018963968ULL, 7ULL};

static gs_scenario scenario = {
  .path = "scenarios/primes.cfg",
  .name = "primes",
  .runtime = GS_RT_CPYTHON,
  .model = GS_MODEL_PROCESSES,
  .sched = GS_SCHED_FAIR,
  .cores = 2,
  .workers = 1,
  .seed = 1,
  .workload = GS_WL_PRIMES,
  .ntasks = 3,
  .numbers = (uint64_t *)numbers,
};

static gs_thread_result threads[] = {
  {.pid = 1, .tid = 0, .name = "main", .created = 0, .ended = 16400000000,
   .user = 12100000, .sys = 6100000, .runnable = 1000, .blocked = 16000000000,
   .nvcsw = 3, .nivcsw = 1, .migrations = 0, .tasks = 0},
  {.pid = 2, .tid = 1, .name = "worker-1", .created = 1500000, .ended = 16300000000,
   .user = 719900000, .sys = 255900000, .runnable = 2500, .blocked = 400,
   .nvcsw = 10, .nivcsw = 20, .migrations = 5, .tasks = 3,
   .gil_wait = 7500000, .gil_wait_max = 5000000, .gil_acquisitions = 12},
};

static gs_proc_result procs[] = {
  {.pid = 1, .parent = 0, .name = "main", .nthreads = 1, .user = 12100000, .sys = 6100000,
   .started = 0, .ended = 16400000000,
   .gil = {.acquisitions = 4, .switches = 0, .wait = 0}},
  {.pid = 2, .parent = 1, .name = "worker-1", .nthreads = 1, .user = 719900000,
   .sys = 255900000, .started = 1500000, .ended = 16300000000,
   .gil = {.acquisitions = 12, .switches = 3, .drop_requests = 2, .forced_switches = 1,
           .failed_wakeups = 5, .wait = 7500000}},
};

static gs_core_result cores[] = {
  {.busy_user = 8200000000, .busy_sys = 0, .switches = 7},
  {.busy_user = 0, .busy_sys = 0, .switches = 0},
};

static gs_task_result tasks[] = {
  {.task = 0, .value = 268435399ULL, .started = 2000000, .finished = 8000000000, .tid = 1},
  {.task = 1, .value = 2, .started = 8000000000, .finished = 8000001000, .tid = 1},
  {.task = 2, .value = 7, .started = 8000001000, .finished = 8000002000, .tid = 1},
};

static gs_results make_results(void)
{
  gs_results r = {
    .wall = 16400000000, /* 16.4 s */
    .user = 732000000,   /* 732 ms */
    .sys = 262000000,    /* 262 ms */
    .events = 1234,
    .seed = 1,
    .cores = 2,
    .workers = 1,
    .runtime = GS_RT_CPYTHON,
    .model = GS_MODEL_PROCESSES,
    .sched = GS_SCHED_FAIR,
    .gil = GS_GIL_NEW,
    .nthreads = 2,
    .nprocs = 2,
    .ntasks = 3,
    .threads = threads,
    .procs = procs,
    .core = cores,
    .tasks = tasks,
  };
  gs_params_resolve(&r.params, r.runtime);
  return r;
}

/* Run a report function into a string (to be freed). */
typedef int (*report_fn)(FILE *, const gs_scenario *, const gs_results *);

static char *render(report_fn fn, const gs_scenario *sc, const gs_results *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  cr_assert_eq(fn(f, sc, r), 0);
  cr_assert_eq(fclose(f), 0);
  cr_assert_eq(strlen(buf), len, "no NUL bytes in a report");
  return buf;
}

static void expect_contains(const char *text, const char *want)
{
  cr_expect_not_null(strstr(text, want), "missing \"%s\" in:\n%s", want, text);
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- Text --------------------------------------------------------------------- */

Test(report, text_has_header_tables_and_ipython_lines)
{
  gs_results r = make_results();
  char *t = render(gs_report_text, &scenario, &r);
  cr_expect(strncmp(t, "gilsim " GILSIM_VERSION " \xe2\x80\x94 scenario primes (scenarios/primes.cfg)\n",
                    strlen("gilsim " GILSIM_VERSION " \xe2\x80\x94 scenario primes (scenarios/primes.cfg)\n")) == 0,
            "first line of:\n%s", t);
  expect_contains(t, "\nruntime cpython, model processes, 1 worker, 2 cores, scheduler fair, seed 1\n");
  expect_contains(t, "\nGIL: new \xe2\x80\x94 one thread of a process runs Python code at a time; "
                     "switch interval 5 ms\n");
  expect_contains(t, "\nGIL per process\n"
                     "  pid  name      acquired  switches  drop req  forced  failed wake    wait\n"
                     "    1  main             4         0         0       0            0    0 ns\n"
                     "    2  worker-1        12         3         2       1            5  7.5 ms\n");
  expect_contains(t, "\nProcesses\n  pid  parent  name      threads     user     sys    total\n");
  expect_contains(t, "\n    2       1  worker-1        1   720 ms  256 ms   976 ms\n");
  expect_contains(t, "\nThreads\n");
  expect_contains(t, "\n    1    2  worker-1   720 ms  256 ms    2.5 \xc2\xb5s   400 ns    10     20     5      3\n");
  expect_contains(t, "\nCores\n  core   busy   user   sys  switches\n");
  expect_contains(t, "\n     0  50.0%  8.2 s  0 ns         7\n");
  expect_contains(t, "\n     1   0.0%   0 ns  0 ns         0\n");
  expect_contains(t, "\nTasks: 3 done, results checked\n"
                     "  72057596722278677  268435399\n"
                     "  36028797018963968  2\n"
                     "                  7  prime\n");
  expect_contains(t, "\nEvents: 1234\n");
  cr_expect(ends_with(t, "\n\nCPU times: user 732 ms, sys: 262 ms, total: 994 ms\n"
                         "Wall time: 16.4 s\n"), "IPython lines at the end of:\n%s", t);
  cr_expect_null(strstr(t, "  \n"), "no trailing spaces");
  free(t);
}

Test(report, text_aligns_micro_sign_by_characters)
{
  gs_results r = make_results();
  gs_thread_result th[2];
  memcpy(th, threads, sizeof th);
  th[0].runnable = 1000;         /* "1 µs": 4 columns, 5 bytes */
  th[1].runnable = 2500000000;   /* "2.5 s" */
  r.threads = th;
  char *t = render(gs_report_text, &scenario, &r);
  expect_contains(t, "   1 \xc2\xb5s");
  expect_contains(t, "  2.5 s");
  free(t);
}

Test(report, text_flags_wrong_results_and_zero_wall)
{
  gs_results r = make_results();
  gs_task_result tk[3];
  memcpy(tk, tasks, sizeof tk);
  tk[1].value = 3;
  r.tasks = tk;
  r.wall = 0;
  char *t = render(gs_report_text, &scenario, &r);
  expect_contains(t, "\nTasks: 3 done, 1 WRONG\n");
  expect_contains(t, "  36028797018963968  3  WRONG, expected 2\n");
  expect_contains(t, "0.0%");
  cr_expect_null(strstr(t, "nan"));
  cr_expect(ends_with(t, "Wall time: 0 ns\n"));
  free(t);
}

Test(report, text_of_sequential_run_without_tasks)
{
  gs_results r = make_results();
  gs_scenario sc = scenario;
  sc.workload = GS_WL_COUNTDOWN;
  sc.numbers = NULL;
  sc.ntasks = 0;
  r.model = GS_MODEL_SEQUENTIAL;
  r.runtime = GS_RT_C;
  r.gil = GS_GIL_NONE;
  r.cores = 1;
  r.ntasks = 0;
  r.nthreads = 1;
  r.nprocs = 1;
  char *t = render(gs_report_text, &sc, &r);
  expect_contains(t, "\nruntime c, model sequential, 1 core, scheduler fair, seed 1\n");
  expect_contains(t, "\nGIL: none \xe2\x80\x94 threads of a process run in parallel\n");
  cr_expect_null(strstr(t, "GIL per process"));
  expect_contains(t, "\nTasks: 0 done\n\nEvents:");
  free(t);
}

Test(report, text_names_the_gil_variant)
{
  gs_results r = make_results();
  r.gil = GS_GIL_OLD;
  char *t = render(gs_report_text, &scenario, &r);
  expect_contains(t, "\nGIL: old \xe2\x80\x94 one thread of a process runs Python code at a time; "
                     "released every 100 ticks\n");
  free(t);
  r.gil = GS_GIL_DEFAULT; /* resolved by runtime, as the library does */
  t = render(gs_report_text, &scenario, &r);
  expect_contains(t, "\nGIL: new ");
  free(t);
  r.runtime = GS_RT_C;
  t = render(gs_report_json, &scenario, &r);
  expect_contains(t, "\"gil\": {\"mode\": \"none\"");
  free(t);
}

Test(report, text_and_json_of_loop_network_and_convoy)
{
  gs_results r = make_results();
  gs_scenario sc = scenario;
  sc.workload = GS_WL_DOWNLOAD;
  sc.numbers = NULL;
  r.model = GS_MODEL_ASYNCIO;
  r.loop = (gs_loop_stats){.iterations = 10, .epoll_waits = 4, .resumes = 8,
                           .lag_total = 8000, .lag_max = 2500};
  r.net = (gs_net_stats){.requests = 3, .bytes = 3000000, .max_in_flight = 2, .busy = 1500000000};
  r.convoy_ops = 4;
  r.convoy_time = 2000000;
  char *t = render(gs_report_text, &sc, &r);
  expect_contains(t, "\nEvent loop: 10 iterations, 4 epoll_wait calls, 8 resumes, lag mean 1 \xc2\xb5s, "
                     "max 2.5 \xc2\xb5s\n");
  expect_contains(t, "\nNetwork: 3 requests, 3000000 bytes, at most 2 in flight, busy 1.5 s\n");
  expect_contains(t, "\nConvoy: 4 I/O operations in 2 ms, 500 \xc2\xb5s each (2000.0 per second)\n");
  free(t);
  char *j = render(gs_report_json, &sc, &r);
  expect_contains(j, "\"loop\": {\"iterations\": 10, \"epoll_waits\": 4, \"resumes\": 8, "
                     "\"lag_total_s\": 0.000008000, \"mean_lag_s\": 0.000001000, \"max_lag_s\": 0.000002500},\n");
  expect_contains(j, "\"net\": {\"requests\": 3, \"bytes\": 3000000, \"max_in_flight\": 2, "
                     "\"busy_s\": 1.500000000},\n");
  expect_contains(j, "\"convoy\": {\"ops\": 4, \"time_s\": 0.002000000, \"ops_per_s\": 2000.000}\n}\n");
  free(j);
}

Test(report, text_omits_sections_a_run_does_not_have)
{
  gs_results r = make_results();
  char *t = render(gs_report_text, &scenario, &r);
  cr_expect_null(strstr(t, "Event loop:"));
  cr_expect_null(strstr(t, "Network:"));
  cr_expect_null(strstr(t, "Convoy:"));
  free(t);
}

/* ---- JSON --------------------------------------------------------------------- */

Test(report, json_settings_params_and_exact_seconds)
{
  gs_results r = make_results();
  char *j = render(gs_report_json, &scenario, &r);
  cr_expect(j[0] == '{');
  cr_expect(ends_with(j, "}\n"));
  expect_contains(j, "\"gilsim\": \"" GILSIM_VERSION "\"");
  expect_contains(j, "\"scenario\": \"primes\"");
  expect_contains(j, "\"file\": \"scenarios/primes.cfg\"");
  expect_contains(j, "\"runtime\": \"cpython\"");
  expect_contains(j, "\"model\": \"processes\"");
  expect_contains(j, "\"scheduler\": \"fair\"");
  expect_contains(j, "\"gil\": {\"mode\": \"new\", \"acquisitions\": ");
  expect_contains(j, "\"cores\": 2,");
  expect_contains(j, "\"workers\": 1,");
  expect_contains(j, "\"seed\": 1,");
  expect_contains(j, "\"wall_s\": 16.400000000,");
  expect_contains(j, "\"user_s\": 0.732000000,");
  expect_contains(j, "\"sys_s\": 0.262000000,");
  expect_contains(j, "\"events\": 1234,");
  expect_contains(j, "\"ctx_switch\": 1500");
  expect_contains(j, "\"div\": 75");
  expect_contains(j, "\"countdown_step\": 22");
  expect_contains(j, "\"max_events\": 2000000000");
  for (int i = 0; i < GS_P_COUNT; i++) {
    char key[80];
    snprintf(key, sizeof key, "\"%s\": ", gs_param_info_get((gs_param_id)i)->name);
    expect_contains(j, key);
  }
  expect_contains(j, "{\"pid\": 2, \"parent\": 1, \"name\": \"worker-1\", \"threads\": 1, "
                     "\"user_s\": 0.719900000, \"sys_s\": 0.255900000, \"started_s\": 0.001500000, "
                     "\"ended_s\": 16.300000000, \"gil\": {\"acquisitions\": 12, \"switches\": 3, "
                     "\"drop_requests\": 2, \"forced_switches\": 1, \"failed_wakeups\": 5, "
                     "\"wait_s\": 0.007500000}}");
  expect_contains(j, "{\"tid\": 1, \"pid\": 2, \"name\": \"worker-1\", \"user_s\": 0.719900000, "
                     "\"sys_s\": 0.255900000, \"runnable_s\": 0.000002500, \"blocked_s\": 0.000000400, "
                     "\"nvcsw\": 10, \"nivcsw\": 20, \"migrations\": 5, \"tasks\": 3, "
                     "\"created_s\": 0.001500000, \"ended_s\": 16.300000000, \"gil_acquisitions\": 12, "
                     "\"gil_wait_s\": 0.007500000, \"gil_wait_max_s\": 0.005000000}");
  expect_contains(j, "{\"core\": 0, \"busy\": 0.500000, \"user_s\": 8.200000000, \"sys_s\": 0.000000000, "
                     "\"switches\": 7}");
  expect_contains(j, "{\"task\": 0, \"value\": 268435399, \"tid\": 1, \"started_s\": 0.002000000, "
                     "\"finished_s\": 8.000000000}");
  free(j);
}

Test(report, json_escapes_strings)
{
  gs_results r = make_results();
  gs_scenario sc = scenario;
  sc.name = "a\"b\\c\nd\x01" "e\x7f \xc2\xb5 \xff!";
  sc.path = "dir/\xe2\x80\x94.cfg";
  r.ntasks = 0;
  r.nthreads = 0;
  r.nprocs = 0;
  r.cores = 0;
  char *j = render(gs_report_json, &sc, &r);
  expect_contains(j, "\"scenario\": \"a\\\"b\\\\c\\u000ad\\u0001e\x7f \xc2\xb5 \\ufffd!\"");
  expect_contains(j, "\"file\": \"dir/\xe2\x80\x94.cfg\"");
  expect_contains(j, "\"processes\": [],");
  expect_contains(j, "\"tasks\": [],\n");
  cr_expect(ends_with(j, "\"convoy\": {\"ops\": 0, \"time_s\": 0.000000000, \"ops_per_s\": 0.000}\n}\n"), "%s", j);
  free(j);
}

Test(report, json_extreme_seconds_and_fractional_params)
{
  gs_results r = make_results();
  r.wall = INT64_MAX;
  r.user = -1;
  r.params.v[GS_P_COUNTDOWN_STEP] = 0.3;
  char *j = render(gs_report_json, &scenario, &r);
  expect_contains(j, "\"wall_s\": 9223372036.854775807,");
  expect_contains(j, "\"user_s\": -0.000000001,");
  expect_contains(j, "\"countdown_step\": 0.3,");
  free(j);
}

/* ---- CSV ---------------------------------------------------------------------- */

static int csv_header(FILE *f, const gs_scenario *sc, const gs_results *r)
{
  (void)sc, (void)r;
  return gs_report_csv_header(f);
}

Test(report, csv_header_and_row)
{
  gs_results r = make_results();
  char *h = render(csv_header, &scenario, &r);
  cr_expect_str_eq(h, "scenario,file,runtime,model,scheduler,gil,cores,workers,seed,"
                      "wall_s,user_s,sys_s,events,nvcsw,nivcsw,migrations\n");
  char *row = render(gs_report_csv_row, &scenario, &r);
  cr_expect_str_eq(row, "primes,scenarios/primes.cfg,cpython,processes,fair,new,2,1,1,"
                        "16.400000000,0.732000000,0.262000000,1234,13,21,5\n");
  free(h);
  free(row);
}

Test(report, csv_quotes_fields_per_rfc4180)
{
  gs_results r = make_results();
  gs_scenario sc = scenario;
  sc.name = "a,b";
  sc.path = "say \"hi\".cfg";
  char *row = render(gs_report_csv_row, &sc, &r);
  cr_expect(strncmp(row, "\"a,b\",\"say \"\"hi\"\".cfg\",cpython,", 31) == 0, "row: %s", row);
  free(row);
  sc.name = "two\nlines";
  sc.path = "plain";
  row = render(gs_report_csv_row, &sc, &r);
  cr_expect(strncmp(row, "\"two\nlines\",plain,", 18) == 0, "row: %s", row);
  free(row);
}

/* ---- Write errors -------------------------------------------------------------- */

Test(report, write_errors_are_reported)
{
  FILE *f = fopen("/dev/full", "w");
  if (!f)
    cr_skip_test("no /dev/full here");
  setvbuf(f, NULL, _IONBF, 0);
  gs_results r = make_results();
  cr_expect_eq(gs_report_text(f, &scenario, &r), -1);
  clearerr(f);
  cr_expect_eq(gs_report_json(f, &scenario, &r), -1);
  clearerr(f);
  cr_expect_eq(gs_report_csv_header(f), -1);
  clearerr(f);
  cr_expect_eq(gs_report_csv_row(f, &scenario, &r), -1);
  fclose(f);
}
