/* Real runs of the harness (harness/run.c, pool.c, procs.c, once.c,
 * cpus.c): every model end to end on small inputs, checked for right
 * answers, complete accounting and clean failures.  Inputs are chosen to
 * take milliseconds; no test asserts a duration. */
#include "harness.h"
#include "internal.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

/* Below 10^12: at most 5 * 10^5 trial divisions each. */
static const uint64_t small_numbers[] = {
  999999999989ULL,  /* the largest prime below 10^12 */
  999966000289ULL,  /* 999983^2 */
  600851475143ULL,  /* 71 x 839 x 1471 x 6857 */
  1000000ULL,       /* even: one division */
  999999999999ULL,  /* 3 x ... */
  2ULL,
};
#define NSMALL (sizeof small_numbers / sizeof small_numbers[0])

static gs_scenario *scenario(gs_model m, gs_gil gil, int workers, gs_workload wl, size_t n)
{
  gs_scenario *sc = calloc(1, sizeof *sc);
  cr_assert_not_null(sc);
  sc->runtime = GS_RT_C;
  sc->model = m;
  sc->gil = gil;
  sc->sched = GS_SCHED_FAIR;
  sc->cores = 2;
  sc->workers = workers;
  sc->seed = 1;
  sc->workload = wl;
  sc->ntasks = n;
  return sc;
}

static gs_scenario *primes(gs_model m, gs_gil gil, int workers)
{
  gs_scenario *sc = scenario(m, gil, workers, GS_WL_PRIMES, NSMALL);
  sc->numbers = malloc(sizeof small_numbers);
  memcpy(sc->numbers, small_numbers, sizeof small_numbers);
  return sc;
}

static gs_scenario *countdown(gs_model m, gs_gil gil, int workers, size_t n, int64_t count)
{
  gs_scenario *sc = scenario(m, gil, workers, GS_WL_COUNTDOWN, n);
  sc->counts = malloc(n * sizeof *sc->counts);
  for (size_t i = 0; i < n; i++)
    sc->counts[i] = count;
  return sc;
}

static gs_scenario *sleeps(gs_model m, gs_gil gil, int workers, size_t n)
{
  gs_scenario *sc = scenario(m, gil, workers, GS_WL_SLEEP, n);
  sc->durations = malloc(n * sizeof *sc->durations);
  for (size_t i = 0; i < n; i++)
    sc->durations[i] = (gs_time)(i + 1) * GS_MS; /* 1, 2, 3 ... ms */
  return sc;
}

static void drop(gs_scenario *sc)
{
  free(sc->numbers);
  free(sc->counts);
  free(sc->durations);
  free(sc->sizes);
  free(sc);
}

static gs_results *run_here(const gs_scenario *sc, const gsh_options *o)
{
  gs_results *r = NULL;
  gs_error err = {{0}};
  gs_err e = gsh_run_here(sc, o, &r, &err);
  cr_assert_eq(e, GS_OK, "gsh_run_here: %s", err.msg);
  cr_assert_not_null(r);
  return r;
}

static gs_results *run_once(const gs_scenario *sc, const gsh_options *o)
{
  gs_results *r = NULL;
  gs_error err = {{0}};
  gs_err e = gsh_run_once(sc, o, &r, &err);
  cr_assert_eq(e, GS_OK, "gsh_run_once: %s", err.msg);
  cr_assert_not_null(r);
  return r;
}

/* What every successful run must satisfy. */
static void check_common(const gs_scenario *sc, const gs_results *r, int cpu_work)
{
  cr_assert_eq(r->ntasks, sc->ntasks);
  cr_assert_eq(r->model, sc->model);
  cr_assert_gt(r->wall, 0);
  cr_assert_geq(r->cores, 1);
  cr_assert_not_null(r->core);
  if (cpu_work)
    cr_assert_gt(r->user + r->sys, 0, "CPU work used no CPU time");
  uint64_t by_threads = 0;
  for (size_t i = 0; i < r->nthreads; i++)
    by_threads += r->threads[i].tasks;
  cr_assert_eq(by_threads, sc->ntasks, "every task done exactly once, by some thread");
  for (size_t i = 0; i < sc->ntasks; i++) {
    const gs_task_result *t = &r->tasks[i];
    cr_assert_eq(t->task, i);
    cr_assert(t->tid >= 0 && (size_t)t->tid < r->nthreads, "task %zu: thread %d", i, t->tid);
    cr_assert_geq(t->finished, t->started);
    cr_assert_geq(t->started, 0);
    if (sc->workload == GS_WL_PRIMES)
      cr_assert_eq(t->value, gs_least_prime_factor(sc->numbers[i], NULL), "task %zu", i);
    if (sc->workload == GS_WL_SLEEP)
      cr_assert_geq(t->finished - t->started, sc->durations[i], "a sleep ended early");
  }
}

static uint64_t total_acquisitions(const gs_results *r)
{
  uint64_t a = 0;
  for (size_t i = 0; i < r->nprocs; i++)
    a += r->procs[i].gil.acquisitions;
  return a;
}

/* ---- The workloads themselves ------------------------------------------------ */

Test(harness_run, trial_division_agrees_with_the_reference_arithmetic)
{
  for (uint64_t n = 2; n < 100000; n++)
    cr_assert_eq(gsh_least_factor(n), gs_least_prime_factor(n, NULL), "n=%lu", (unsigned long)n);
  for (size_t i = 0; i < NSMALL; i++)
    cr_assert_eq(gsh_least_factor(small_numbers[i]),
                 gs_least_prime_factor(small_numbers[i], NULL));
  /* A prime just under 2^64 would overflow i*i in a naive loop; only the
   * bound is checked here (the loop itself would take minutes). */
  cr_assert_eq(gsh_least_factor(UINT64_C(18446744073709551615)), 3);
}

/* ---- Each model, primes ------------------------------------------------------ */

Test(harness_run, sequential_primes_gives_least_prime_factors)
{
  gs_scenario *sc = primes(GS_MODEL_SEQUENTIAL, GS_GIL_DEFAULT, 4);
  gs_results *r = run_here(sc, NULL);
  check_common(sc, r, 1);
  cr_assert_eq(r->nthreads, 1);
  cr_assert_eq(r->nprocs, 1);
  cr_assert_eq(r->gil, GS_GIL_NONE, "runtime c defaults to no GIL");
  cr_assert_eq(r->threads[0].tasks, NSMALL);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, threads_primes_gives_least_prime_factors_and_one_row_per_worker)
{
  gs_scenario *sc = primes(GS_MODEL_THREADS, GS_GIL_NONE, 3);
  gs_results *r = run_here(sc, NULL);
  check_common(sc, r, 1);
  cr_assert_eq(r->nthreads, 4, "main and three workers");
  cr_assert_str_eq(r->threads[0].name, "main");
  cr_assert_str_eq(r->threads[3].name, "worker-3");
  for (size_t i = 0; i < r->nthreads; i++)
    cr_assert_eq(r->threads[i].pid, 1);
  cr_assert_eq(r->threads[0].tasks, 0, "the main thread only waits");
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, processes_primes_gives_least_prime_factors_and_one_row_per_worker)
{
  gs_scenario *sc = primes(GS_MODEL_PROCESSES, GS_GIL_NONE, 3);
  gs_results *r = run_here(sc, NULL);
  check_common(sc, r, 1);
  cr_assert_eq(r->nprocs, 4);
  cr_assert_eq(r->nthreads, 4);
  for (int k = 1; k <= 3; k++) {
    cr_assert_eq(r->procs[k].pid, k + 1);
    cr_assert_eq(r->procs[k].parent, 1);
    cr_assert_eq(r->threads[k].pid, k + 1);
  }
  /* The workers' CPU came back through wait4 and RUSAGE_CHILDREN. */
  gs_time workers_cpu = 0;
  for (int k = 1; k <= 3; k++)
    workers_cpu += r->procs[k].user + r->procs[k].sys;
  cr_assert_gt(workers_cpu, 0);
  cr_assert_geq(r->user + r->sys, workers_cpu);
  /* Nothing left to reap. */
  cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
  cr_assert_eq(errno, ECHILD);
  gs_results_free(r);
  drop(sc);
}

/* ---- GILs on the threads model ------------------------------------------------- */

static void gil_threads_countdown(gs_gil gil)
{
  gs_scenario *sc = countdown(GS_MODEL_THREADS, gil, 2, 4, 1000000);
  gsh_options o = {.switch_interval_us = 200};
  gs_results *r = run_here(sc, &o);
  check_common(sc, r, 1);
  cr_assert_eq(r->gil, gil);
  const gs_gil_stats *g = &r->procs[0].gil;
  cr_assert_geq(g->acquisitions, (uint64_t)sc->workers, "every worker took the GIL");
  cr_assert_geq(g->switches, (uint64_t)sc->workers);
  uint64_t by_threads = 0;
  for (size_t i = 0; i < r->nthreads; i++) {
    cr_assert_geq(r->threads[i].gil_acquisitions, 1, "thread %zu", i);
    by_threads += r->threads[i].gil_acquisitions;
  }
  cr_assert_eq(by_threads, g->acquisitions);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, threads_under_new_gil_each_worker_acquires_it)
{
  gil_threads_countdown(GS_GIL_NEW);
}

Test(harness_run, threads_under_old_gil_each_worker_acquires_it)
{
  gil_threads_countdown(GS_GIL_OLD);
}

Test(harness_run, old_gil_releases_every_check_interval_of_work)
{
  /* One worker, 10^6 decrements, a check every 100, a release every 1000:
   * 1000 releases, each followed by a take. */
  gs_scenario *sc = countdown(GS_MODEL_THREADS, GS_GIL_OLD, 1, 1, 1000000);
  gsh_options o = {.check_every = 100, .check_interval = 1000};
  gs_results *r = run_here(sc, &o);
  check_common(sc, r, 1);
  cr_assert_eq(r->threads[1].gil_acquisitions, 1 + 1000);
  cr_assert_eq(r->params.v[GS_P_CHECK_INTERVAL], 1000);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, new_gil_on_sequential_and_processes_runs_tasks_with_the_gil_held)
{
  gs_scenario *sc = primes(GS_MODEL_SEQUENTIAL, GS_GIL_NEW, 2);
  gs_results *r = run_here(sc, NULL);
  check_common(sc, r, 1);
  cr_assert_eq(r->procs[0].gil.acquisitions, 1, "one thread takes it once");
  cr_assert_eq(r->procs[0].gil.wait, 0);
  gs_results_free(r);
  sc->model = GS_MODEL_PROCESSES;
  r = run_here(sc, NULL);
  check_common(sc, r, 1);
  for (size_t k = 0; k < r->nprocs; k++)
    cr_assert_geq(r->procs[k].gil.acquisitions, 1, "process %zu has its own GIL", k);
  cr_assert_geq(total_acquisitions(r), 3);
  gs_results_free(r);
  drop(sc);
}

/* ---- Sleep and countdown on every model ----------------------------------------- */

Test(harness_run, sleep_tasks_complete_on_every_model)
{
  static const gs_model models[] = {GS_MODEL_SEQUENTIAL, GS_MODEL_THREADS, GS_MODEL_PROCESSES};
  for (size_t m = 0; m < 3; m++) {
    gs_scenario *sc = sleeps(models[m], GS_GIL_NEW, 3, 3);
    gs_results *r = run_here(sc, NULL);
    check_common(sc, r, 0);
    gs_results_free(r);
    drop(sc);
  }
}

Test(harness_run, countdown_uses_cpu_on_every_model)
{
  static const gs_model models[] = {GS_MODEL_SEQUENTIAL, GS_MODEL_THREADS, GS_MODEL_PROCESSES};
  for (size_t m = 0; m < 3; m++) {
    gs_scenario *sc = countdown(models[m], GS_GIL_NONE, 2, 2, 1000000);
    gs_results *r = run_here(sc, NULL);
    check_common(sc, r, 1);
    gs_results_free(r);
    drop(sc);
  }
}

/* ---- One repetition in a child --------------------------------------------------- */

Test(harness_run, run_once_brings_back_every_array_of_the_results)
{
  gs_scenario *sc = primes(GS_MODEL_PROCESSES, GS_GIL_NEW, 2);
  gs_results *r = run_once(sc, NULL);
  check_common(sc, r, 1);
  cr_assert_eq(r->nprocs, 3);
  cr_assert_eq(r->nthreads, 3);
  cr_assert_str_eq(r->procs[2].name, "worker-2");
  cr_assert_geq(total_acquisitions(r), 3);
  cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "the child was reaped");
  cr_assert_eq(errno, ECHILD);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, run_once_passes_back_a_refusal)
{
  gs_scenario *sc = primes(GS_MODEL_ASYNCIO, GS_GIL_NONE, 2);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_once(sc, NULL, &r, &err), GS_ERR_INVALID);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "asyncio") != NULL, "%s", err.msg);
  drop(sc);
}

/* ---- Refusals ------------------------------------------------------------------------ */

Test(harness_run, runtime_cpython_is_left_to_the_python_scripts)
{
  gs_scenario *sc = primes(GS_MODEL_THREADS, GS_GIL_NEW, 2);
  sc->runtime = GS_RT_CPYTHON;
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_here(sc, NULL, &r, &err), GS_ERR_INVALID);
  cr_assert_null(r);
  cr_assert_str_eq(err.msg, "runtime cpython is measured by the Python scripts");
  cr_assert_eq(gsh_run_once(sc, NULL, &r, &err), GS_ERR_INVALID);
  cr_assert_str_eq(err.msg, "runtime cpython is measured by the Python scripts");
  drop(sc);
}

Test(harness_run, custom_workload_is_refused)
{
  gs_scenario *sc = scenario(GS_MODEL_THREADS, GS_GIL_NONE, 2, GS_WL_CUSTOM, 0);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_here(sc, NULL, &r, &err), GS_ERR_INVALID);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "custom") != NULL, "%s", err.msg);
  drop(sc);
}

/* ---- Downloads from the loopback server ----------------------------------------- */

static gs_scenario *downloads(gs_model m, gs_gil gil, int workers, size_t n, int64_t size)
{
  gs_scenario *sc = scenario(m, gil, workers, GS_WL_DOWNLOAD, n);
  sc->sizes = malloc(n * sizeof *sc->sizes);
  cr_assert_not_null(sc->sizes);
  for (size_t i = 0; i < n; i++)
    sc->sizes[i] = size;
  sc->net.latency.kind = GS_DIST_CONST;
  sc->net.latency.a = 2.0 * GS_MS;
  sc->net.cpu_per_byte = 2;
  sc->net.cpu_holds_gil = 1;
  return sc;
}

static void check_downloads(const gs_scenario *sc, const gs_results *r)
{
  check_common(sc, r, 0);
  uint64_t total = 0;
  for (size_t i = 0; i < sc->ntasks; i++) {
    cr_assert_eq(r->tasks[i].value, (uint64_t)sc->sizes[i], "file %zu: bytes", i);
    total += (uint64_t)sc->sizes[i];
  }
  cr_assert_eq(r->net.requests, sc->ntasks);
  cr_assert_eq(r->net.bytes, total);
  cr_assert_geq(r->net.max_in_flight, 1);
}

static void download_model(gs_model m, gs_gil gil)
{
  gs_scenario *sc = downloads(m, gil, 3, 5, 50000);
  gs_results *r = run_here(sc, NULL);
  check_downloads(sc, r);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, sequential_downloads_every_byte)
{
  download_model(GS_MODEL_SEQUENTIAL, GS_GIL_NEW);
}

Test(harness_run, threads_download_every_byte)
{
  download_model(GS_MODEL_THREADS, GS_GIL_NEW);
  download_model(GS_MODEL_THREADS, GS_GIL_NONE);
}

Test(harness_run, processes_download_every_byte)
{
  download_model(GS_MODEL_PROCESSES, GS_GIL_NEW);
}

Test(harness_run, download_in_a_repetition_brings_back_the_net_figures)
{
  gs_scenario *sc = downloads(GS_MODEL_THREADS, GS_GIL_NEW, 5, 5, 50000);
  gs_results *r = run_once(sc, NULL);
  check_downloads(sc, r);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, asyncio_downloads_every_file_at_once_on_one_thread)
{
  gs_scenario *sc = downloads(GS_MODEL_ASYNCIO, GS_GIL_NEW, 1, 20, 10000);
  /* Paced at 1 MB/s a body takes 10 ms, so the transfers overlap; unpaced,
   * each 10 kB body leaves in one send and none is in flight with another. */
  sc->net.conn_bps = 1e6;
  gs_results *r = run_here(sc, NULL);
  check_downloads(sc, r);
  cr_assert_eq(r->nthreads, 1);
  cr_assert_gt(r->net.max_in_flight, 1, "the event loop had one transfer at a time");
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, asyncio_measures_the_download_workload_only)
{
  gs_scenario *sc = countdown(GS_MODEL_ASYNCIO, GS_GIL_NEW, 1, 2, 1000);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_here(sc, NULL, &r, &err), GS_ERR_INVALID);
  cr_assert_null(r);
  cr_assert_str_eq(err.msg, "asyncio in runtime c measures the download workload only");
  drop(sc);
}

/* ---- Convoy ------------------------------------------------------------------------- */

static gs_scenario *convoy(gs_model m, gs_gil gil)
{
  gs_scenario *sc = scenario(m, gil, 2, GS_WL_CONVOY, 2);
  sc->convoy.ops = 20;
  sc->convoy.latency.kind = GS_DIST_CONST;
  sc->convoy.latency.a = 100.0 * GS_US;
  sc->convoy.op_cpu = 5 * GS_US;
  sc->convoy.cpu_threads = 1;
  sc->convoy.cpu = 50 * GS_MS;
  return sc;
}

static void convoy_model(gs_model m, gs_gil gil)
{
  gs_scenario *sc = convoy(m, gil);
  gs_results *r = run_here(sc, NULL);
  check_common(sc, r, 1);
  cr_assert_eq(r->convoy_ops, 20);
  cr_assert_gt(r->convoy_time, 0);
  cr_assert_eq(r->convoy_time, r->tasks[0].finished - r->tasks[0].started);
  gs_results_free(r);
  drop(sc);
}

Test(harness_run, convoy_under_new_gil_completes_on_threads)
{
  convoy_model(GS_MODEL_THREADS, GS_GIL_NEW);
}

Test(harness_run, convoy_completes_on_processes_and_without_a_gil)
{
  convoy_model(GS_MODEL_PROCESSES, GS_GIL_NEW);
  convoy_model(GS_MODEL_THREADS, GS_GIL_NONE);
}

Test(harness_run, convoy_with_a_random_latency_is_refused)
{
  gs_scenario *sc = convoy(GS_MODEL_THREADS, GS_GIL_NEW);
  sc->convoy.latency.kind = GS_DIST_EXP;
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_here(sc, NULL, &r, &err), GS_ERR_INVALID);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "constant latency") != NULL, "%s", err.msg);
  drop(sc);
}

/* ---- CPUs ------------------------------------------------------------------------------ */

Test(harness_run, cores_confines_the_run_to_that_many_cpus)
{
  gs_error err = {{0}};
  int have = gsh_cpus_available(&err);
  cr_assert_geq(have, 1, "%s", err.msg);
  gs_scenario *sc = countdown(GS_MODEL_PROCESSES, GS_GIL_NONE, 2, 2, 100000);
  gsh_options o = {.cores = 1};
  gs_results *r = run_once(sc, &o);
  cr_assert_eq(r->cores, 1);
  gs_results_free(r);
  /* The child was confined, not the caller. */
  cr_assert_eq(gsh_cpus_available(&err), have);
  drop(sc);
}

Test(harness_run, cores_beyond_what_the_process_may_use_is_refused)
{
  gs_error err = {{0}};
  int have = gsh_cpus_available(&err);
  cr_assert_geq(have, 1);
  cr_assert_eq(gsh_confine_cores(have + 1, &err), GS_ERR_INVALID);
  cr_assert(strstr(err.msg, "may use") != NULL, "%s", err.msg);
  cr_assert_eq(gsh_confine_cores(0, &err), GS_ERR_INVALID);
  gs_scenario *sc = countdown(GS_MODEL_SEQUENTIAL, GS_GIL_NONE, 1, 1, 1000);
  gsh_options o = {.cores = have + 1};
  gs_results *r = NULL;
  cr_assert_eq(gsh_run_once(sc, &o, &r, &err), GS_ERR_INVALID);
  cr_assert_null(r);
  drop(sc);
}

/* ---- Crashes --------------------------------------------------------------------------- */

Test(harness_run, killed_worker_process_is_named_and_reaped)
{
  gs_scenario *sc = primes(GS_MODEL_PROCESSES, GS_GIL_NONE, 2);
  gsh_options o = {.crash = 1, .crash_task = 2};
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_here(sc, &o, &r, &err), GS_ERR_MODEL);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "worker process worker-") != NULL, "%s", err.msg);
  cr_assert(strstr(err.msg, "killed by signal 9") != NULL, "%s", err.msg);
  cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a zombie was left");
  cr_assert_eq(errno, ECHILD);
  drop(sc);
}

/* Task 0 kills its worker at once; task 1 would keep the other busy for
 * seconds, but a dead worker breaks the pool: the others are stopped. */
Test(harness_run, dead_worker_process_stops_the_others_at_once)
{
  gs_scenario *sc = countdown(GS_MODEL_PROCESSES, GS_GIL_NONE, 2, 4, 20000000000LL);
  gsh_options o = {.crash = 1, .crash_task = 0};
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_here(sc, &o, &r, &err), GS_ERR_MODEL);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "worker process worker-") != NULL, "%s", err.msg);
  cr_assert(strstr(err.msg, "killed by signal 9") != NULL, "%s", err.msg);
  cr_assert(strstr(err.msg, "0 of 4 tasks done, the other workers stopped") != NULL, "%s",
            err.msg);
  cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a zombie was left");
  cr_assert_eq(errno, ECHILD);
  drop(sc);
}

Test(harness_run, killed_worker_process_in_a_repetition_is_named)
{
  gs_scenario *sc = primes(GS_MODEL_PROCESSES, GS_GIL_NEW, 2);
  gsh_options o = {.crash = 1, .crash_task = 0};
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_once(sc, &o, &r, &err), GS_ERR_MODEL);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "worker process worker-") != NULL, "%s", err.msg);
  cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
  cr_assert_eq(errno, ECHILD);
  drop(sc);
}

Test(harness_run, killed_thread_run_is_an_error_not_a_crash_of_the_caller)
{
  gs_scenario *sc = primes(GS_MODEL_THREADS, GS_GIL_NEW, 2);
  gsh_options o = {.crash = 1, .crash_task = 1};
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gsh_run_once(sc, &o, &r, &err), GS_ERR_MODEL);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "measuring process") != NULL, "%s", err.msg);
  cr_assert(strstr(err.msg, "killed by signal 9") != NULL, "%s", err.msg);
  cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
  cr_assert_eq(errno, ECHILD);
  drop(sc);
}
