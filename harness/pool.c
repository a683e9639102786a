/*
 * pool.c - the in-process models, run for real: sequential (the calling
 * thread runs every task in order) and threads (a pthread pool of W
 * workers pulling from a shared task queue, like ThreadPoolExecutor).
 *
 * With a GIL the programs are those of sim/model.c: the main thread takes
 * the GIL, starts the workers, and drops it around each (blocking) join;
 * each worker takes it at start, pops tasks and runs them holding it, and
 * drops it at exit.  The queue is then protected by the GIL alone, as
 * CPython's queue.SimpleQueue is; without a GIL a mutex protects it.
 *
 * asyncio (download workload only): the main thread is the event loop;
 * it fetches every file at once with gsn_get_all_epoll (non-blocking
 * sockets, one epoll loop, all in C) and drops the GIL, if any, for the
 * whole loop - the coroutines' Python between waits is not modelled.
 * Each task's started/finished are its file's connect and last byte.
 *
 * Thread rows: tid 0 is the main thread ("main"), tids 1..W the workers
 * ("worker-1".."worker-W"), all in process 1, as the simulator names them.
 */
#include "internal.h"
#include "client.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The main thread's share of a run: its GIL identity and its samples. */
typedef struct {
  gsh__worker w;
  gsh__sample start;
} main_thread;

static void main_begin(gsh__run *run, gsh_gil *gil, main_thread *m)
{
  memset(m, 0, sizeof *m);
  m->w.run = run;
  m->w.gil = gil;
  m->w.tid = 0;
  gsh_gil_thread_init(&m->w.gt, 0);
  gsh__sample_thread(&m->start);
}

static void main_end(gsh__run *run, main_thread *m)
{
  gsh__sample end;
  gsh__sample_thread(&end);
  gs_thread_result *tr = &run->r->threads[0];
  tr->pid = 1;
  tr->tid = 0;
  snprintf(tr->name, sizeof tr->name, "main");
  gsh__fill_thread(tr, &m->start, &end, 0, gsh__now() - run->t0);
  tr->tasks = m->w.tasks;
  gsh__thread_gil(&m->w.gt, tr);
}

/* Rows for process 1 and `nthreads` threads; the caller fills them. */
static gs_err alloc_rows(gsh__run *run, size_t nthreads)
{
  gs_results *r = run->r;
  r->threads = calloc(nthreads, sizeof *r->threads);
  r->procs = calloc(1, sizeof *r->procs);
  if (!r->threads || !r->procs) {
    snprintf(run->err->msg, sizeof run->err->msg, "out of memory for %zu thread rows", nthreads);
    return GS_ERR_NOMEM;
  }
  r->nthreads = nthreads;
  r->nprocs = 1;
  gs_proc_result *p = &r->procs[0];
  p->pid = 1;
  p->parent = 0;
  snprintf(p->name, sizeof p->name, "main");
  p->nthreads = (int)nthreads;
  p->started = 0;
  return GS_OK;
}

static gs_err new_gil(gsh__run *run, gsh_gil **g)
{
  *g = NULL;
  if (run->gil == GS_GIL_NONE)
    return GS_OK;
  return gsh_gil_create(run->gil, run->interval_us, run->check_interval, g, run->err);
}

/* ---- sequential ------------------------------------------------------------ */

gs_err gsh__run_sequential(gsh__run *run)
{
  gsh_gil *gil;
  gs_err e = alloc_rows(run, 1);
  if (e == GS_OK)
    e = new_gil(run, &gil);
  if (e != GS_OK)
    return e;
  main_thread m;
  main_begin(run, gil, &m);
  if (gil)
    gsh_gil_take(gil, &m.w.gt);
  for (size_t i = 0; i < run->sc->ntasks; i++)
    gsh__run_task(&m.w, i, &run->r->tasks[i]);
  if (gil)
    gsh_gil_drop(gil, &m.w.gt);
  main_end(run, &m);
  run->r->procs[0].ended = gsh__now() - run->t0;
  if (gil) {
    gsh__gil_figures(gil, &run->r->procs[0].gil);
    gsh_gil_destroy(gil);
  }
  return GS_OK;
}

/* ---- threads ---------------------------------------------------------------- */

typedef struct {
  gsh__run *run;
  gsh_gil *gil;
  pthread_mutex_t qlock; /* the queue's lock when there is no GIL */
  size_t next;           /* the queue: tasks are popped in index order */
} pool;

typedef struct {
  pool *pool;
  gsh__worker w;
  pthread_t thread;
} pool_worker;

/* Pop the next task index, or return 0 when the queue is empty. */
static int pop(pool *p, size_t *task)
{
  if (!p->gil)
    pthread_mutex_lock(&p->qlock);
  int got = p->next < p->run->sc->ntasks;
  if (got)
    *task = p->next++;
  if (!p->gil)
    pthread_mutex_unlock(&p->qlock);
  return got;
}

static void *worker_main(void *arg)
{
  pool_worker *pw = arg;
  gsh__worker *w = &pw->w;
  const gsh__run *run = pw->pool->run;
  int64_t created = gsh__now() - run->t0;
  size_t task;
  if (w->gil)
    gsh_gil_take(w->gil, &w->gt);
  while (pop(pw->pool, &task))
    gsh__run_task(w, task, &run->r->tasks[task]);
  if (w->gil)
    gsh_gil_drop(w->gil, &w->gt);
  /* Its own row: written by this thread only, read after the join. */
  gsh__sample end;
  gsh__sample_thread(&end);
  gs_thread_result *tr = &run->r->threads[w->tid];
  gsh__fill_thread(tr, NULL, &end, created, gsh__now() - run->t0);
  tr->tasks = w->tasks;
  gsh__thread_gil(&w->gt, tr);
  return NULL;
}

gs_err gsh__run_threads(gsh__run *run)
{
  int nworkers = run->sc->workers;
  gsh_gil *gil = NULL;
  gs_err e = alloc_rows(run, (size_t)nworkers + 1);
  if (e == GS_OK)
    e = new_gil(run, &gil);
  if (e != GS_OK)
    return e;
  pool p = {.run = run, .gil = gil, .next = 0};
  pthread_mutex_init(&p.qlock, NULL);
  pool_worker *ws = calloc((size_t)nworkers, sizeof *ws);
  if (!ws) {
    snprintf(run->err->msg, sizeof run->err->msg, "out of memory for %d workers", nworkers);
    pthread_mutex_destroy(&p.qlock);
    gsh_gil_destroy(gil);
    return GS_ERR_NOMEM;
  }

  main_thread m;
  main_begin(run, gil, &m);
  if (gil)
    gsh_gil_take(gil, &m.w.gt);
  int started = 0;
  for (int i = 0; i < nworkers; i++) {
    pool_worker *pw = &ws[i];
    pw->pool = &p;
    pw->w.run = run;
    pw->w.gil = gil;
    pw->w.tid = i + 1;
    gsh_gil_thread_init(&pw->w.gt, i + 1);
    gs_thread_result *tr = &run->r->threads[i + 1];
    tr->pid = 1;
    tr->tid = i + 1;
    snprintf(tr->name, sizeof tr->name, "worker-%d", i + 1);
    int rc = pthread_create(&pw->thread, NULL, worker_main, pw);
    if (rc != 0) {
      /* The workers already started drain the queue; join them, then fail. */
      snprintf(run->err->msg, sizeof run->err->msg, "could not start worker thread %d of %d: %s",
               i + 1, nworkers, strerror(rc));
      e = GS_ERR_LIMIT;
      break;
    }
    started++;
  }
  for (int i = 0; i < started; i++) {
    if (gil)
      gsh_gil_drop(gil, &m.w.gt);
    pthread_join(ws[i].thread, NULL);
    if (gil)
      gsh_gil_take(gil, &m.w.gt);
  }
  if (gil)
    gsh_gil_drop(gil, &m.w.gt);
  main_end(run, &m);
  run->r->procs[0].ended = gsh__now() - run->t0;
  if (gil) {
    gsh__gil_figures(gil, &run->r->procs[0].gil);
    gsh_gil_destroy(gil);
  }
  free(ws);
  pthread_mutex_destroy(&p.qlock);
  return e;
}

/* ---- asyncio ------------------------------------------------------------------ */

gs_err gsh__run_asyncio(gsh__run *run)
{
  const gs_scenario *sc = run->sc;
  gsh_gil *gil;
  gs_err e = alloc_rows(run, 1);
  if (e == GS_OK)
    e = new_gil(run, &gil);
  if (e != GS_OK)
    return e;
  gsn_get_result *per = calloc(sc->ntasks ? sc->ntasks : 1, sizeof *per);
  if (!per) {
    snprintf(run->err->msg, sizeof run->err->msg, "out of memory for %zu downloads", sc->ntasks);
    gsh_gil_destroy(gil);
    return GS_ERR_NOMEM;
  }
  main_thread m;
  main_begin(run, gil, &m);
  if (gil)
    gsh_gil_take(gil, &m.w.gt);
  if (sc->ntasks > 0) {
    if (gil)
      gsh_gil_drop(gil, &m.w.gt);
    e = gsn_get_all_epoll(run->port, sc->ntasks, sc->sizes, 30.0, per, run->err);
    if (gil)
      gsh_gil_take(gil, &m.w.gt);
  }
  for (size_t i = 0; i < sc->ntasks && e == GS_OK; i++) {
    gs_task_result *t = &run->r->tasks[i];
    t->task = i;
    t->tid = 0;
    t->value = per[i].bytes > 0 ? (uint64_t)per[i].bytes : 0;
    t->started = per[i].start_ns ? per[i].start_ns - run->t0 : 0;
    t->finished = per[i].finish_ns ? per[i].finish_ns - run->t0 : 0;
    m.w.tasks++;
  }
  if (gil)
    gsh_gil_drop(gil, &m.w.gt);
  main_end(run, &m);
  run->r->procs[0].ended = gsh__now() - run->t0;
  if (gil) {
    gsh__gil_figures(gil, &run->r->procs[0].gil);
    gsh_gil_destroy(gil);
  }
  free(per);
  return e;
}
