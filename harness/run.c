/*
 * run.c - one measured run in the calling process: refuse what the harness
 * cannot run, confine the CPUs, take the clocks and getrusage around the
 * model, then check the answers and assemble the gs_results.
 *
 * Accounting, as `time` and IPython's %time see it: wall is
 * CLOCK_MONOTONIC from before the first thread or fork to after the last
 * join or wait4; user and sys are the growth of getrusage(RUSAGE_SELF)
 * (every thread of this process, exited ones included) plus that of
 * getrusage(RUSAGE_CHILDREN) (worker processes, once they are waited for).
 * The process rows: process 1 gets the RUSAGE_SELF growth; worker
 * processes what wait4 reported for each.
 *
 * Downloads: the loopback server (net/server.h) is started in this process
 * before the clocks, threads and forks, and stopped after the last
 * getrusage, so its CPU is counted nowhere; the results' net figures are
 * its statistics (requests, body bytes, most transfers at once).  A server
 * that dies during the run fails it, with how it ended said first and the
 * first client's error after it.  Convoy:
 * the countdown rate is calibrated before the clocks start; convoy_time is
 * the I/O task's span.
 *
 * A run whose answers are wrong is not a measurement: a least prime factor
 * that differs from gs_least_prime_factor, or a task not done exactly once,
 * a download that did not bring exactly its file's bytes,
 * fails the run (GS_ERR_MODEL) instead of being reported.
 */
#include "internal.h"
#include "server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

struct gsh__first_error {
  pthread_mutex_t lock;
  int set;
  gs_error err;
};

void gsh__task_error(gsh__first_error *f, const gs_error *err)
{
  pthread_mutex_lock(&f->lock);
  if (!f->set) {
    f->set = 1;
    f->err = *err;
  }
  pthread_mutex_unlock(&f->lock);
}

static gs_err invalid(gs_error *err, const char *what)
{
  snprintf(err->msg, sizeof err->msg, "%s", what);
  return GS_ERR_INVALID;
}

/* What the harness runs; everything else is refused before anything runs. */
static gs_err refuse(const gs_scenario *sc, const gsh_options *o, gs_error *err)
{
  gs_err e = gs_scenario_check(sc, err);
  if (e != GS_OK)
    return e;
  if (sc->runtime == GS_RT_CPYTHON)
    return invalid(err, "runtime cpython is measured by the Python scripts");
  if (sc->model == GS_MODEL_ASYNCIO) {
    if (sc->workload != GS_WL_DOWNLOAD)
      return invalid(err, "asyncio in runtime c measures the download workload only");
  } else if (sc->model != GS_MODEL_SEQUENTIAL && sc->model != GS_MODEL_THREADS &&
             sc->model != GS_MODEL_PROCESSES) {
    snprintf(err->msg, sizeof err->msg,
             "model %s is not measured in C: the harness runs sequential, threads, processes "
             "and asyncio (download)",
             gs_model_name(sc->model));
    return GS_ERR_INVALID;
  }
  if (sc->workload != GS_WL_PRIMES && sc->workload != GS_WL_COUNTDOWN &&
      sc->workload != GS_WL_SLEEP && sc->workload != GS_WL_DOWNLOAD &&
      sc->workload != GS_WL_CONVOY) {
    snprintf(err->msg, sizeof err->msg,
             "workload %s is not measured yet: the harness runs primes, countdown, sleep, "
             "download and convoy",
             gs_workload_name(sc->workload));
    return GS_ERR_INVALID;
  }
  if (sc->workload == GS_WL_CONVOY && sc->convoy.latency.kind != GS_DIST_CONST)
    return invalid(err, "convoy in runtime c needs a constant latency (a duration, not a "
                        "distribution)");
  if (o->cores < 0)
    return invalid(err, "cores: expected 0 (leave the CPUs alone) or a positive count");
  if (o->check_every < 0)
    return invalid(err, "check_every: expected 0 (the default) or a positive count");
  if (o->switch_interval_us < 0)
    return invalid(err, "switch interval: expected 0 (the scenario's) or a positive count of µs");
  if (o->check_interval < 0)
    return invalid(err, "check interval: expected 0 (the scenario's) or a positive count");
  return GS_OK;
}

gs_err gsh_check(const gs_scenario *sc, gs_error *err)
{
  gsh_options o = {0};
  return refuse(sc, &o, err);
}

static void usage(int who, gsh__sample *s)
{
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  getrusage(who, &ru);
  gsh__sample_rusage(&ru, s);
}

/* Every task done exactly once, by a thread of the run, with the right
 * answer. */
static gs_err check_answers(const gs_scenario *sc, const gs_results *r, gs_error *err)
{
  for (size_t i = 0; i < sc->ntasks; i++) {
    const gs_task_result *t = &r->tasks[i];
    if (t->task != i || t->tid < 0 || (size_t)t->tid >= r->nthreads) {
      snprintf(err->msg, sizeof err->msg, "task %zu was not done", i);
      return GS_ERR_MODEL;
    }
    if (sc->workload == GS_WL_PRIMES) {
      uint64_t want = gs_least_prime_factor(sc->numbers[i], NULL);
      if (t->value != want) {
        snprintf(err->msg, sizeof err->msg,
                 "task %zu: trial division gave %llu as the least prime factor of %llu, not %llu",
                 i, (unsigned long long)t->value, (unsigned long long)sc->numbers[i],
                 (unsigned long long)want);
        return GS_ERR_MODEL;
      }
    }
    if (sc->workload == GS_WL_DOWNLOAD && t->value != (uint64_t)sc->sizes[i]) {
      snprintf(err->msg, sizeof err->msg, "download of file %zu: %llu of %lld bytes received", i,
               (unsigned long long)t->value, (long long)sc->sizes[i]);
      return GS_ERR_MODEL;
    }
  }
  return GS_OK;
}

gs_err gsh_run_here(const gs_scenario *sc, const gsh_options *opt, gs_results **out,
                    gs_error *err)
{
  static const gsh_options defaults;
  const gsh_options *o = opt ? opt : &defaults;
  *out = NULL;
  gs_err e = refuse(sc, o, err);
  if (e != GS_OK)
    return e;
  if (o->cores > 0 && (e = gsh_confine_cores(o->cores, err)) != GS_OK)
    return e;
  int ncpus = gsh_cpus_available(err);
  if (ncpus < 0)
    return GS_ERR_IO;

  gs_params params = sc->params;
  gs_params_resolve(&params, sc->runtime);
  gsh__run run = {
    .sc = sc,
    .o = o,
    .gil = gs_gil_effective(sc->gil, sc->runtime),
    .interval_us = o->switch_interval_us ? o->switch_interval_us
                                         : (int64_t)(params.v[GS_P_SWITCH_INTERVAL] / 1000),
    .check_interval = o->check_interval ? o->check_interval
                                        : (int64_t)params.v[GS_P_CHECK_INTERVAL],
    .check_every = o->check_every ? o->check_every : GSH_CHECK_EVERY,
    .err = err,
  };
  if (run.interval_us < 1)
    run.interval_us = 1; /* a sub-µs interval parameter: the finest a timed wait takes here */
  params.v[GS_P_SWITCH_INTERVAL] = (double)run.interval_us * 1000;
  params.v[GS_P_CHECK_INTERVAL] = (double)run.check_interval;

  gs_results *r = calloc(1, sizeof *r);
  if (r) {
    r->tasks = calloc(sc->ntasks ? sc->ntasks : 1, sizeof *r->tasks);
    r->core = calloc((size_t)ncpus, sizeof *r->core);
  }
  if (!r || !r->tasks || !r->core) {
    gs_results_free(r);
    snprintf(err->msg, sizeof err->msg, "out of memory for the results of %zu tasks", sc->ntasks);
    return GS_ERR_NOMEM;
  }
  for (size_t i = 0; i < sc->ntasks; i++)
    r->tasks[i].tid = -1;
  r->ntasks = sc->ntasks;
  r->seed = sc->seed;
  r->cores = ncpus;
  r->workers = sc->workers;
  r->runtime = sc->runtime;
  r->model = sc->model;
  r->sched = sc->sched;
  r->gil = run.gil;
  r->params = params;
  run.r = r;

  /* Set up before the clocks start: the download server (forked before
   * any thread or worker of the run exists) and the convoy's rate. */
  gsn_server *server = NULL;
  gsh__first_error first = {.set = 0};
  pthread_mutex_init(&first.lock, NULL);
  run.first = &first;
  if (sc->workload == GS_WL_DOWNLOAD) {
    server = gsn_server_start(sc, sc->seed, err);
    if (!server) {
      pthread_mutex_destroy(&first.lock);
      gs_results_free(r);
      return GS_ERR_IO;
    }
    run.port = gsn_server_port(server);
  }
  if (sc->workload == GS_WL_CONVOY)
    run.units_per_ns = gsh__calibrate();

  gsh__sample self0, kids0, self1, kids1;
  usage(RUSAGE_SELF, &self0);
  usage(RUSAGE_CHILDREN, &kids0);
  run.t0 = gsh__now();
  switch (sc->model) {
  case GS_MODEL_THREADS:
    e = gsh__run_threads(&run);
    break;
  case GS_MODEL_PROCESSES:
    e = gsh__run_processes(&run);
    break;
  case GS_MODEL_ASYNCIO:
    e = gsh__run_asyncio(&run);
    break;
  default:
    e = gsh__run_sequential(&run);
    break;
  }
  r->wall = gsh__now() - run.t0;
  usage(RUSAGE_SELF, &self1);
  usage(RUSAGE_CHILDREN, &kids1);

  if (server) {
    gsn_server_stats st = {0};
    gs_error serr = {{0}};
    gs_err se = gsn_server_stop(server, &st, &serr);
    if (se != GS_OK) {
      /* A server that died is the cause of what the clients saw: say it
       * first, then the first client's own sentence. */
      const char *client = e != GS_OK ? err->msg : first.set ? first.err.msg : NULL;
      gs_error both;
      if (client) /* each cut to half the message: both fit */
        snprintf(both.msg, sizeof both.msg, "%.480s during the run; the client saw: %.480s",
                 serr.msg, client);
      else
        both = serr;
      *err = both;
      e = se;
      first.set = 0;
    }
    r->net.requests = st.requests;
    r->net.bytes = st.bytes;
    r->net.max_in_flight = st.max_transfers;
  }
  if (e == GS_OK && first.set) {
    /* A download failed in this process: its client's own sentence. */
    e = GS_ERR_IO;
    *err = first.err;
  }
  pthread_mutex_destroy(&first.lock);
  if (e == GS_OK)
    e = check_answers(sc, r, err);
  if (e != GS_OK) {
    gs_results_free(r);
    return e;
  }
  r->user = (self1.user - self0.user) + (kids1.user - kids0.user);
  r->sys = (self1.sys - self0.sys) + (kids1.sys - kids0.sys);
  r->procs[0].user = self1.user - self0.user;
  r->procs[0].sys = self1.sys - self0.sys;
  if (sc->workload == GS_WL_CONVOY && sc->ntasks > 0) {
    r->convoy_ops = (uint64_t)sc->convoy.ops;
    r->convoy_time = r->tasks[0].finished - r->tasks[0].started;
  }
  *out = r;
  return GS_OK;
}
