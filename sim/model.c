/*
 * model.c - the concurrency models, written as the programs their threads
 * run (see kernel.h for the step-function contract).
 *
 *   sequential  The main thread runs every task in order.
 *   threads     Like ThreadPoolExecutor / a pthread pool: the main thread
 *               starts W workers (thread_create each) and joins them; each
 *               worker locks the shared queue, pops a task (queue_op), unlocks
 *               and runs it, until the queue is empty.
 *   asyncio     One thread runs every task as a coroutine (loop.c).
 *   processes   Like ProcessPoolExecutor: the main process forks W workers
 *               (fork each), sets up the pool (pool_init); writes every
 *               task, then W stop messages, into a
 *               shared task pipe (ipc_pack + a write each); reads the W..N
 *               results from a result pipe (a read + ipc_unpack each); and
 *               waits for every child.  A worker starts up (proc_init), then
 *               reads a task (read + ipc_unpack), runs it, writes its result
 *               (ipc_pack + write), until it reads a stop message; then it
 *               exits (proc_exit).
 *
 * In a process with a GIL every thread takes it before running Python code
 * and drops it around each blocking call (join, waitpid, pipe read, sleep),
 * as Py_BEGIN/END_ALLOW_THREADS do; the shared task queue is then protected
 * by the GIL alone (queue.SimpleQueue), otherwise by a mutex.
 *
 * Speedups, the limit of min(cores, workers), and the start-up and IPC
 * overheads all come from these programs meeting the scheduler; no model
 * contains a formula for its own speed.
 */
#include "model.h"
#include "workload.h"
#include "gil.h"
#include "loop.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
  int nworkers;
  /* threads */
  gsK_mutex qlock;
  size_t next_task;
  int *workers;        /* tids: a worker's structure goes once it is joined */
  /* processes */
  gsK_pipe task_pipe, result_pipe;
  gsK_proc **children;
} model;

#define P(s, id) ((gs_time)(s)->p.v[id])

/* Give a new process its own GIL if the run has one. */
static bool attach_gil(gsK_sim *s, gsK_proc *p)
{
  gs_gil kind = gs_gil_effective(s->sc->gil, s->sc->runtime);
  if (kind == GS_GIL_NONE || kind == GS_GIL_DEFAULT)
    return true;
  p->gil = malloc(sizeof *p->gil);
  if (!p->gil) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory creating a GIL");
    return false;
  }
  gsG_init(s, p->gil, kind);
  return true;
}

/* Pay kernel time still owed before the thread exits. */
static bool settle(gsK_thread *t)
{
  if (t->pending_sys > 0) {
    gsK_work(t, 0, true);
    return true;
  }
  return false;
}

/* ---- sequential -------------------------------------------------------- */

static void sequential_main(gsK_sim *s, gsK_thread *t)
{
  for (;;) {
    switch (t->pc) {
    case 0:
      GSG_TAKE();
      if ((size_t)t->i >= s->sc->ntasks) {
        t->pc = 2;
        continue;
      }
      gsW_begin(s, &t->run, t->i);
      t->pc = 1;
      /* fall through */
    case 1:
      if (gsW_step(s, &t->run) == GSW_OP)
        return;
      t->i++;
      t->pc = 0;
      continue;
    case 2:
      GSG_DROP();
      if (settle(t))
        return;
      gsK_exit(s, t);
      return;
    }
  }
}

/* ---- threads ------------------------------------------------------------ */

static void pool_worker(gsK_sim *s, gsK_thread *t)
{
  model *m = s->model;
  for (;;) {
    switch (t->pc) {
    case 0: /* take the queue lock (or the GIL), then pop under it */
      GSG_TAKE();
      if (!t->proc->gil && !gsK_mutex_lock(s, t, &m->qlock))
        return;
      t->pc = 1;
      gsK_work(t, P(s, GS_P_QUEUE_OP), false);
      return;
    case 1: {
      int64_t k = m->next_task < s->sc->ntasks ? (int64_t)m->next_task++ : -1;
      if (!t->proc->gil)
        gsK_mutex_unlock(s, t, &m->qlock);
      if (k < 0) {
        t->pc = 3;
        continue;
      }
      gsW_begin(s, &t->run, k);
      t->pc = 2;
    }
      /* fall through */
    case 2:
      if (gsW_step(s, &t->run) == GSW_OP)
        return;
      t->pc = 0;
      continue;
    case 3:
      GSG_DROP();
      if (settle(t))
        return;
      gsK_exit(s, t);
      return;
    }
  }
}

static void pool_main(gsK_sim *s, gsK_thread *t)
{
  model *m = s->model;
  char name[32];
  for (;;) {
    switch (t->pc) {
    case 0: /* start the workers */
      GSG_TAKE();
      if (t->i == m->nworkers) {
        t->i = 0;
        t->pc = 2;
        continue;
      }
      t->pc = 1;
      gsK_work(t, P(s, GS_P_THREAD_CREATE), true);
      return;
    case 1:
      snprintf(name, sizeof name, "worker-%d", (int)t->i + 1);
      {
        gsK_thread *w = gsK_spawn(s, t->proc, name, pool_worker);
        if (!w) {
          gsK_exit(s, t);
          return;
        }
        m->workers[t->i] = w->tid;
      }
      t->i++;
      t->pc = 0;
      continue;
    case 2: /* join them, without the GIL while blocked */
      if (t->i < m->nworkers) {
        GSG_DROP();
        if (!gsK_join(s, t, m->workers[t->i]))
          return;
        t->pc = 3;
        continue;
      }
      t->pc = 4;
      continue;
    case 3:
      GSG_TAKE();
      t->i++;
      t->pc = 2;
      continue;
    case 4:
      GSG_DROP();
      if (settle(t))
        return;
      gsK_exit(s, t);
      return;
    }
  }
}

/* ---- processes ---------------------------------------------------------- */

static void proc_worker(gsK_sim *s, gsK_thread *t)
{
  model *m = s->model;
  int64_t msg;
  for (;;) {
    switch (t->pc) {
    case 0:
      GSG_TAKE();
      t->pc = 1;
      gsK_work(t, P(s, GS_P_PROC_INIT), false);
      return;
    case 1: /* read a task */
      GSG_DROP();
      if (!gsK_pipe_read(s, t, &m->task_pipe, &msg))
        return;
      t->i = msg;
      t->pc = 6;
      continue;
    case 6:
      GSG_TAKE();
      t->pc = 2;
      gsK_work(t, P(s, GS_P_IPC_UNPACK), false);
      return;
    case 2:
      if (t->i < 0) {
        t->pc = 5;
        gsK_work(t, P(s, GS_P_PROC_EXIT), true);
        return;
      }
      gsW_begin(s, &t->run, t->i);
      t->pc = 3;
      /* fall through */
    case 3:
      if (gsW_step(s, &t->run) == GSW_OP)
        return;
      t->pc = 4;
      gsK_work(t, P(s, GS_P_IPC_PACK), false);
      return;
    case 4: /* send the result */
      if (gsK_pipe_write(s, t, &m->result_pipe, t->i) < 0) {
        gsK_exit(s, t);
        return;
      }
      t->pc = 1;
      continue;
    case 5:
      GSG_DROP();
      gsK_exit(s, t);
      return;
    }
  }
}

static void proc_main(gsK_sim *s, gsK_thread *t)
{
  model *m = s->model;
  int64_t ntasks = (int64_t)s->sc->ntasks, msg;
  char name[32];
  for (;;) {
    switch (t->pc) {
    case 0: /* fork the workers */
      GSG_TAKE();
      if (t->i == m->nworkers) {
        t->i = 0;
        t->pc = 2;
        if (P(s, GS_P_POOL_INIT) > 0) {
          gsK_work(t, P(s, GS_P_POOL_INIT), false);
          return;
        }
        continue;
      }
      t->pc = 1;
      gsK_work(t, P(s, GS_P_FORK), true);
      return;
    case 1:
      snprintf(name, sizeof name, "worker-%d", (int)t->i + 1);
      m->children[t->i] = gsK_proc_new(s, t->proc, name);
      if (!m->children[t->i] || !attach_gil(s, m->children[t->i]) || !gsK_spawn(s, m->children[t->i], "main", proc_worker)) {
        gsK_exit(s, t);
        return;
      }
      t->i++;
      t->pc = 0;
      continue;
    case 2: /* send every task, then one stop message per worker */
      if (t->i == ntasks + m->nworkers) {
        t->i = 0;
        t->pc = 4;
        continue;
      }
      t->pc = 3;
      gsK_work(t, P(s, GS_P_IPC_PACK), false);
      return;
    case 3:
      if (gsK_pipe_write(s, t, &m->task_pipe, t->i < ntasks ? t->i : -1) < 0) {
        gsK_exit(s, t);
        return;
      }
      t->i++;
      t->pc = 2;
      continue;
    case 4: /* collect the results */
      if (t->i == ntasks) {
        t->i = 0;
        t->pc = 6;
        continue;
      }
      GSG_DROP();
      if (!gsK_pipe_read(s, t, &m->result_pipe, &msg))
        return;
      t->pc = 8;
      continue;
    case 8:
      GSG_TAKE();
      t->pc = 5;
      gsK_work(t, P(s, GS_P_IPC_UNPACK), false);
      return;
    case 5:
      t->i++;
      t->pc = 4;
      continue;
    case 6: /* reap the children */
      if (t->i < m->nworkers) {
        GSG_DROP();
        if (!gsK_waitpid(s, t, m->children[t->i]))
          return;
        t->i++;
        continue;
      }
      t->pc = 7;
      /* fall through */
    case 7:
      GSG_DROP();
      if (settle(t))
        return;
      gsK_exit(s, t);
      return;
    }
  }
}

/* ---- Start and free ----------------------------------------------------- */

int gsM_start(gsK_sim *s)
{
  model *m = calloc(1, sizeof *m);
  if (!m)
    return GS_ERR_NOMEM;
  s->model = m;
  m->nworkers = s->sc->workers;
  gsK_step_fn main_fn = sequential_main;
  if (s->sc->model == GS_MODEL_THREADS) {
    m->workers = calloc((size_t)m->nworkers, sizeof *m->workers);
    if (!m->workers)
      return GS_ERR_NOMEM;
    main_fn = pool_main;
  } else if (s->sc->model == GS_MODEL_PROCESSES) {
    m->children = calloc((size_t)m->nworkers, sizeof *m->children);
    if (!m->children)
      return GS_ERR_NOMEM;
    main_fn = proc_main;
  } else if (s->sc->model == GS_MODEL_ASYNCIO) {
    main_fn = gsL_main;
  }
  gsK_proc *p = gsK_proc_new(s, NULL, "main");
  if (!p || !attach_gil(s, p))
    return GS_ERR_NOMEM;
  s->main = gsK_spawn(s, p, "main", main_fn);
  return s->main ? GS_OK : GS_ERR_NOMEM;
}

void gsM_free(gsK_sim *s)
{
  model *m = s->model;
  if (!m)
    return;
  free(m->workers);
  free(m->children);
  gsK_pipe_free(&m->task_pipe);
  gsK_pipe_free(&m->result_pipe);
  free(m);
  s->model = NULL;
}
