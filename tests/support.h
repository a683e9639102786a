/*
 * support.h - building scenarios in memory for the library's tests.
 */
#ifndef GS_TEST_SUPPORT_H
#define GS_TEST_SUPPORT_H

#include "gs.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* A scenario of n custom tasks, each a single step, owned by the caller
 * (free with ts_free). */
static inline gs_scenario *ts_custom(size_t n, gs_step_kind kind, gs_time ns)
{
  gs_scenario *sc = calloc(1, sizeof *sc);
  sc->runtime = GS_RT_C;
  sc->model = GS_MODEL_THREADS;
  sc->sched = GS_SCHED_FAIR;
  sc->cores = 1;
  sc->workers = (int)n;
  sc->seed = 1;
  sc->workload = GS_WL_CUSTOM;
  sc->ntasks = n;
  sc->custom = calloc(n, sizeof *sc->custom);
  for (size_t i = 0; i < n; i++) {
    sc->custom[i].nsteps = 1;
    sc->custom[i].steps = calloc(1, sizeof(gs_step));
    sc->custom[i].steps[0].kind = kind;
    sc->custom[i].steps[0].dur.kind = GS_DIST_CONST;
    sc->custom[i].steps[0].dur.a = (double)ns;
  }
  return sc;
}

/* Replace task i's steps: alternate cpu and sleep `rounds` times. */
static inline void ts_interactive(gs_scenario *sc, size_t i, int rounds, gs_time cpu, gs_time sleep)
{
  free(sc->custom[i].steps);
  sc->custom[i].nsteps = (size_t)rounds * 2;
  sc->custom[i].steps = calloc((size_t)rounds * 2, sizeof(gs_step));
  for (int r = 0; r < rounds; r++) {
    gs_step *a = &sc->custom[i].steps[2 * r], *b = a + 1;
    a->kind = GS_STEP_CPU;
    a->dur.kind = GS_DIST_CONST;
    a->dur.a = (double)cpu;
    b->kind = GS_STEP_SLEEP;
    b->dur.kind = GS_DIST_CONST;
    b->dur.a = (double)sleep;
  }
}

static inline gs_scenario *ts_primes(gs_runtime rt, gs_model m, int workers, int cores)
{
  static const uint64_t demo[] = {
    72057596722278677ULL, 36028797018963968ULL, 54043195528445869ULL, 72057594037927931ULL,
    18014399314786597ULL, 27021597764222939ULL, 54043195528445952ULL, 144115189976253901ULL};
  gs_scenario *sc = calloc(1, sizeof *sc);
  sc->runtime = rt;
  sc->model = m;
  sc->sched = GS_SCHED_FAIR;
  sc->workers = workers;
  sc->cores = cores;
  sc->seed = 1;
  sc->workload = GS_WL_PRIMES;
  sc->ntasks = 8;
  sc->numbers = malloc(sizeof demo);
  memcpy(sc->numbers, demo, sizeof demo);
  return sc;
}

static inline gs_scenario *ts_countdown(gs_gil gil, int cores, int64_t count)
{
  gs_scenario *sc = calloc(1, sizeof *sc);
  sc->runtime = GS_RT_CPYTHON;
  sc->model = GS_MODEL_THREADS;
  sc->gil = gil;
  sc->workers = 2;
  sc->cores = cores;
  sc->seed = 1;
  sc->workload = GS_WL_COUNTDOWN;
  sc->ntasks = 2;
  sc->counts = malloc(2 * sizeof *sc->counts);
  sc->counts[0] = sc->counts[1] = count;
  return sc;
}

/* One I/O thread doing `ops` blocking operations of `latency` ns beside
 * `cpu_threads` threads computing `cpu` ns each. */
static inline gs_scenario *ts_convoy(gs_gil gil, gs_model m, int64_t ops, gs_time latency,
                                     int cpu_threads, gs_time cpu)
{
  gs_scenario *sc = calloc(1, sizeof *sc);
  sc->runtime = GS_RT_CPYTHON;
  sc->model = m;
  sc->gil = gil;
  sc->cores = 2;
  sc->seed = 1;
  sc->workload = GS_WL_CONVOY;
  sc->convoy.ops = ops;
  sc->convoy.latency.kind = GS_DIST_CONST;
  sc->convoy.latency.a = (double)latency;
  sc->convoy.op_cpu = 5 * GS_US;
  sc->convoy.cpu_threads = cpu_threads;
  sc->convoy.cpu = cpu;
  sc->ntasks = (size_t)cpu_threads + 1;
  sc->workers = cpu_threads + 1;
  return sc;
}

/* n downloads of `bytes` each at `conn_bps`, first byte after `latency`. */
static inline gs_scenario *ts_download(gs_model m, size_t n, int64_t bytes, double conn_bps,
                                       gs_time latency)
{
  gs_scenario *sc = calloc(1, sizeof *sc);
  sc->runtime = GS_RT_CPYTHON;
  sc->model = m;
  sc->cores = 2;
  sc->workers = (int)n;
  sc->seed = 1;
  sc->workload = GS_WL_DOWNLOAD;
  sc->ntasks = n;
  sc->sizes = malloc(n * sizeof *sc->sizes);
  for (size_t i = 0; i < n; i++)
    sc->sizes[i] = bytes;
  sc->net.latency.kind = GS_DIST_CONST;
  sc->net.latency.a = (double)latency;
  sc->net.conn_bps = conn_bps;
  sc->net.cpu_per_byte = 1.0;
  sc->net.cpu_holds_gil = 1;
  return sc;
}

static inline void ts_set(gs_scenario *sc, gs_param_id id, double v)
{
  sc->params.v[id] = v;
  sc->params.set |= UINT64_C(1) << id;
}

/* A set of parameter values, as a calibration gives them. */
typedef struct {
  gs_param_id id;
  double v;
} ts_param;

static inline void ts_set_all(gs_scenario *sc, const ts_param *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ts_set(sc, p[i].id, p[i].v);
}

static inline gs_results *ts_run(const gs_scenario *sc)
{
  gs_results *r = NULL;
  gs_error err = {{0}};
  gs_err e = gs_run(sc, &r, &err);
  cr_assert_eq(e, GS_OK, "gs_run failed: %s", err.msg);
  return r;
}

/* The result row of the thread called name (the test fails without one). */
static inline const gs_thread_result *thread_named(const gs_results *r, const char *name)
{
  for (size_t i = 0; i < r->nthreads; i++)
    if (strcmp(r->threads[i].name, name) == 0)
      return &r->threads[i];
  cr_assert_fail("no thread %s", name);
  return NULL;
}

static inline void ts_free(gs_scenario *sc)
{
  if (sc->custom)
    for (size_t i = 0; i < sc->ntasks; i++)
      free(sc->custom[i].steps);
  free(sc->custom);
  free(sc->numbers);
  free(sc->counts);
  free(sc->sizes);
  free(sc);
}

#endif
