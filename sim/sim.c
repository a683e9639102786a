/*
 * sim.c - one run from start to results: sets up the machine, starts the
 * concurrency model, dispatches events until the main thread exits, and
 * copies the accounting out as gs_results.
 *
 * The event loop, top to bottom: pop the earliest event; a core event
 * advances the thread on that core (sched.c), a timer event wakes a sleeper
 * (thread.c); stop when the main thread is done, when something failed, or
 * when the event limit is reached.  An empty queue while the main thread
 * still lives means every thread is blocked forever: a deadlock, reported
 * as an error rather than a result.
 */
#include "kernel.h"
#include "gil.h"
#include "loop.h"
#include "net.h"
#include "model.h"
#include "workload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gsK_fail(gsK_sim *s, int code, const char *msg)
{
  if (s->failed)
    return;
  s->failed = code;
  if (s->err)
    snprintf(s->err->msg, sizeof s->err->msg, "%s", msg);
}

int gsK_init(gsK_sim *s, const gs_scenario *sc, gs_error *err)
{
  memset(s, 0, sizeof *s);
  s->sc = sc;
  s->err = err;
  s->p = sc->params;
  gs_params_resolve_with(&s->p, sc->runtime, sc->calibration);
  s->policy = sc->sched;
  s->ncores = sc->cores;
  gsE_init(&s->q);
  s->cores = calloc((size_t)s->ncores, sizeof *s->cores);
  s->idle = calloc((size_t)s->ncores, sizeof *s->idle);
  if (!s->cores || !s->idle || gsR_init(&s->rng, sc->seed) < 0 ||
      gsR_init(&s->noise, sc->seed ^ UINT64_C(0x9e3779b97f4a7c15)) < 0) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory setting up the machine");
    return GS_ERR_NOMEM;
  }
  for (int i = 0; i < s->ncores; i++) {
    s->cores[i].id = i;
    gsE_event_init(&s->cores[i].ev, GSK_EV_CORE, &s->cores[i]);
  }
  gsK_sched_init(s);
  return GS_OK;
}

void gsK_free(gsK_sim *s)
{
  gsM_free(s);
  gsL_free(s);
  gsN_free(s);
  gsW_free(s);
  gsE_free(&s->q);
  for (size_t i = 0; i < s->nthreads; i++)
    free(s->threads[i]);
  free(s->threads);
  free(s->rec);
  while (s->spare) {
    gsK_thread *t = s->spare;
    s->spare = t->wq_next;
    free(t);
  }
  for (size_t i = 0; i < s->nprocs; i++) {
    free(s->procs[i]->gil);
    free(s->procs[i]);
  }
  free(s->procs);
  free(s->rq.slot);
  free(s->cores);
  free(s->idle);
  free(s->tasks);
  gsR_free(&s->rng);
  gsR_free(&s->noise);
}

int gsK_run(gsK_sim *s)
{
  uint64_t limit = (uint64_t)s->p.v[GS_P_MAX_EVENTS];
  while (!s->failed && s->main->state != GS_TS_DONE) {
    gsE_event *ev = gsE_pop(&s->q);
    if (!ev && s->q.nomem) {
      gsK_fail(s, GS_ERR_NOMEM, "out of memory growing the event queue");
      break;
    }
    if (!ev) {
      char msg[160];
      snprintf(msg, sizeof msg, "deadlock: %zu threads blocked with no event pending at %.9f s",
               s->live_threads, (double)gsK_now(s) / 1e9);
      gsK_fail(s, GS_ERR_MODEL, msg);
      break;
    }
    if (s->q.processed > limit) {
      char msg[200];
      snprintf(msg, sizeof msg, "event limit reached: more than %.0f events (raise it with --set max_events=N)",
               (double)limit);
      gsK_fail(s, GS_ERR_LIMIT, msg);
      break;
    }
    switch (ev->kind) {
    case GSK_EV_CORE:
      gsK_core_event(s, ev->obj);
      break;
    case GSK_EV_TIMER:
      gsK_timer_fired(s, ev->obj);
      break;
    case GSK_EV_CORO:
      gsL_timer(s, ev->obj);
      break;
    case GSK_EV_NET_LATENCY:
      gsN_latency_done(s, ev->obj);
      break;
    case GSK_EV_NET:
      gsN_event(s);
      break;
    }
  }
  return s->failed;
}

static gs_results *collect(gsK_sim *s)
{
  const gs_scenario *sc = s->sc;
  gs_results *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->nthreads = s->nthreads;
  r->nprocs = s->nprocs;
  r->ntasks = sc->ntasks;
  /* The records become the results: threads still there are recorded
   * now, those reaped already were when they exited. */
  for (size_t i = 0; i < s->nthreads; i++)
    if (s->threads[i])
      gsK_record(s->threads[i], &s->rec[i]);
  r->threads = s->rec ? s->rec : calloc(1, sizeof *r->threads);
  s->rec = NULL;
  r->procs = calloc(s->nprocs ? s->nprocs : 1, sizeof *r->procs);
  r->core = calloc((size_t)s->ncores, sizeof *r->core);
  if (!r->threads || !r->procs || !r->core) {
    gs_results_free(r);
    return NULL;
  }
  r->tasks = s->tasks;
  s->tasks = NULL;
  r->wall = s->main->ended;
  r->events = s->q.processed;
  r->seed = sc->seed;
  r->cores = sc->cores;
  r->workers = sc->workers;
  r->runtime = sc->runtime;
  r->model = sc->model;
  r->sched = sc->sched;
  r->gil = gs_gil_effective(sc->gil, sc->runtime);
  r->params = s->p;
  for (size_t i = 0; i < s->nprocs; i++) {
    gsK_proc *p = s->procs[i];
    gs_proc_result *pr = &r->procs[i];
    pr->pid = p->pid;
    pr->parent = p->parent ? p->parent->pid : 0;
    snprintf(pr->name, sizeof pr->name, "%s", p->name);
    pr->nthreads = p->nthreads;
    pr->started = p->started;
    pr->ended = p->ended;
    if (p->gil)
      pr->gil = p->gil->st;
  }
  for (size_t i = 0; i < s->nthreads; i++) {
    const gs_thread_result *tr = &r->threads[i];
    r->procs[tr->pid - 1].user += tr->user;
    r->procs[tr->pid - 1].sys += tr->sys;
    r->user += tr->user;
    r->sys += tr->sys;
  }
  gsL_stats(s, &r->loop);
  gsN_stats(s, &r->net);
  if (sc->workload == GS_WL_CONVOY && sc->ntasks > 0) {
    r->convoy_ops = (uint64_t)sc->convoy.ops;
    r->convoy_time = r->tasks[0].finished - r->tasks[0].started;
  }
  for (int i = 0; i < s->ncores; i++) {
    r->core[i].busy_user = s->cores[i].busy_user;
    r->core[i].busy_sys = s->cores[i].busy_sys;
    r->core[i].switches = s->cores[i].switches;
  }
  return r;
}

gs_err gs_run(const gs_scenario *sc, gs_results **out, gs_error *err)
{
  return gs_run_traced(sc, NULL, NULL, out, err);
}

gs_err gs_run_traced(const gs_scenario *sc, gs_trace_fn fn, void *ctx, gs_results **out,
                     gs_error *err)
{
  *out = NULL;
  gs_err e = gs_scenario_check(sc, err);
  if (e == GS_OK)
    e = gs_scenario_limits(sc, err);
  if (e != GS_OK)
    return e;
  gsK_sim s;
  e = gsK_init(&s, sc, err);
  s.trace = fn;
  s.trace_ctx = ctx;
  s.last_runnable = -1;
  if (e == GS_OK)
    e = gsW_prepare(&s);
  if (e == GS_OK && (e = gsN_init(&s)) != GS_OK)
    gsK_fail(&s, e, "out of memory setting up the network");
  if (e == GS_OK) {
    e = gsM_start(&s);
    if (e != GS_OK)
      gsK_fail(&s, e, "out of memory starting the model");
  }
  if (e == GS_OK)
    e = gsK_run(&s);
  if (e == GS_OK) {
    *out = collect(&s);
    if (!*out) {
      e = GS_ERR_NOMEM;
      if (err)
        snprintf(err->msg, sizeof err->msg, "out of memory collecting results");
    }
  }
  gsK_free(&s);
  return e;
}

void gs_results_free(gs_results *r)
{
  if (!r)
    return;
  free(r->threads);
  free(r->procs);
  free(r->core);
  free(r->tasks);
  free(r);
}
