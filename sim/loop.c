/*
 * loop.c - one thread running coroutines, as asyncio does.
 *
 * Every task is a coroutine, all created ready at the start (asyncio.gather).
 * A coroutine runs until it awaits: a sleep, an I/O, a download, or work
 * handed to the thread pool; CPU work inside a coroutine runs on the loop
 * thread and so holds up every other coroutine.  There is no preemption
 * among coroutines.
 *
 * The loop thread's program, one iteration (BaseEventLoop._run_once):
 *
 *     ITER --ready empty--> DROP GIL, epoll_wait blocks --woken--> TAKE GIL --+
 *       |                                                                     |
 *       +--ready not empty--> epoll_wait(timeout 0) --------------------------+
 *                                                                             v
 *     RUN: resume each coroutine that was ready when the iteration began ---> ITER
 *
 * Costs: one epoll_wait system call per iteration (sys), loop_iter of user
 * work per iteration, coro_resume per resumption.  Lag = time from a
 * coroutine becoming ready to it being resumed.
 *
 * The thread pool behind to_thread starts a thread per job while none is
 * idle, up to `workers` threads (ThreadPoolExecutor's policy); its threads
 * take the GIL to run Python code like any other thread.
 */
#include "loop.h"
#include "gil.h"
#include "mem.h"
#include "trace.h"
#include "workload.h"

#include <stdio.h>
#include <stdlib.h>

struct gsL_coro {
  gsK_cursor cur;
  gs_time ready_since;
  gsE_event timer;
  gsL_coro *next;     /* ready FIFO */
  gs_time job;        /* work handed to the pool */
};

typedef struct job {
  gsL_coro *c;
  struct job *next;
} job;

typedef struct {
  gsK_thread *thread;
  gsL_coro *coros;
  size_t ncoros, live;
  gsL_coro *ready_head, *ready_tail;
  size_t nready, batch;
  size_t nawait;       /* coroutines whose timer (sleep or I/O) is pending */
  gsL_coro *current;
  gsK_waitq epoll;     /* the loop thread blocks here in epoll_wait */
  /* thread pool */
  job *jobs_head, *jobs_tail;
  gsK_waitq jobs_wq;
  int *pool;           /* tids of the pool's threads */
  int npool, idle, max_pool;
  bool shutdown;
  gs_loop_stats st;
} loop;

#define P(s, id) ((gs_time)(s)->p.v[id])

void gsL_ready(gsK_sim *s, gsL_coro *c)
{
  loop *l = s->loop;
  c->ready_since = gsK_now(s);
  c->next = NULL;
  if (l->ready_tail)
    l->ready_tail->next = c;
  else
    l->ready_head = c;
  l->ready_tail = c;
  l->nready++;
  gsT_counter(s, "ready coroutines", (int64_t)l->nready);
  gsK_wake_all(s, &l->epoll);
}

static gsL_coro *pop_ready(loop *l)
{
  gsL_coro *c = l->ready_head;
  l->ready_head = c->next;
  if (!l->ready_head)
    l->ready_tail = NULL;
  else
    /* The next pop reads the next coroutine, which may lie anywhere in
     * the array: ask for it now, while this one runs (timing only). */
    __builtin_prefetch(l->ready_head);
  l->nready--;
  return c;
}

void gsL_sleep(gsK_sim *s, gsL_coro *c, gs_time ns)
{
  loop *l = s->loop;
  gsK_schedule(s, &c->timer, gsK_later(gsK_now(s), ns));
  l->nawait++;
  gsT_counter(s, "awaiting coroutines", (int64_t)l->nawait);
}

void gsL_timer(gsK_sim *s, void *coro)
{
  loop *l = s->loop;
  l->nawait--;
  gsT_counter(s, "awaiting coroutines", (int64_t)l->nawait);
  gsL_ready(s, coro);
}

/* ---- the thread pool (asyncio.to_thread) ------------------------------- */

static void pool_thread(gsK_sim *s, gsK_thread *t)
{
  loop *l = s->loop;
  for (;;) {
    switch (t->pc) {
    case 0: /* wait for a job */
      if (!l->jobs_head) {
        if (l->shutdown) {
          t->pc = 3;
          continue;
        }
        GSG_DROP();
        l->idle++;
        t->pc = 4;
        gsK_block(s, t, &l->jobs_wq, -1);
        return;
      }
      GSG_TAKE();
      {
        job *j = l->jobs_head;
        l->jobs_head = j->next;
        if (!l->jobs_head)
          l->jobs_tail = NULL;
        gsW_begin_job(&t->run, j->c->job);
        t->i = (int64_t)(j->c - l->coros);
        free(j);
      }
      t->pc = 1;
      /* fall through */
    case 1:
      if (gsW_step(s, &t->run) == GSW_OP)
        return;
      gsL_ready(s, &l->coros[t->i]);
      t->pc = 0;
      continue;
    case 4: /* woken */
      l->idle--;
      t->pc = 0;
      continue;
    case 3:
      GSG_DROP();
      gsK_exit(s, t);
      return;
    }
  }
}

void gsL_offload(gsK_sim *s, gsL_coro *c, gs_time ns)
{
  loop *l = s->loop;
  job *j = calloc(1, sizeof *j);
  if (!j) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory queueing a job");
    return;
  }
  c->job = ns;
  j->c = c;
  if (l->jobs_tail)
    l->jobs_tail->next = j;
  else
    l->jobs_head = j;
  l->jobs_tail = j;
  if (l->idle == 0 && l->npool < l->max_pool) {
    char name[32];
    snprintf(name, sizeof name, "pool-%d", l->npool + 1);
    gsK_charge_sys(l->thread, P(s, GS_P_THREAD_CREATE));
    gsK_thread *t = gsK_spawn(s, l->thread->proc, name, pool_thread);
    if (t)
      l->pool[l->npool++] = t->tid;
  } else {
    gsK_wake_one(s, &l->jobs_wq);
  }
}

size_t gsL_coro_size(void) { return sizeof(gsL_coro); }

/* ---- the loop thread --------------------------------------------------- */

static int start(gsK_sim *s, gsK_thread *t)
{
  loop *l = calloc(1, sizeof *l);
  if (!l)
    return -1;
  s->loop = l;
  l->thread = t;
  l->ncoros = s->sc->ntasks;
  l->coros = gs__huge_alloc(l->ncoros * sizeof *l->coros);
  l->max_pool = s->sc->workers;
  l->pool = calloc((size_t)l->max_pool, sizeof *l->pool);
  if (!l->coros || !l->pool)
    return -1;
  for (size_t i = 0; i < l->ncoros; i++) {
    gsL_coro *c = &l->coros[i];
    *c = (gsL_coro){.cur = {.owner = t, .coro = c}};
    gsE_event_init(&c->timer, GSK_EV_CORO, c);
    gsW_begin(s, &c->cur, (int64_t)i);
    gsL_ready(s, c);
  }
  l->live = l->ncoros;
  return 0;
}

void gsL_main(gsK_sim *s, gsK_thread *t)
{
  loop *l = s->loop;
  for (;;) {
    switch (t->pc) {
    case 0:
      GSG_TAKE();
      if (start(s, t) < 0) {
        gsK_fail(s, GS_ERR_NOMEM, "out of memory starting the event loop");
        gsK_exit(s, t);
        return;
      }
      l = s->loop;
      t->pc = 1;
      continue;
    case 1: /* a new iteration: poll, blocking only if nothing is ready */
      if (l->live == 0) {
        l->shutdown = true;
        gsK_wake_all(s, &l->jobs_wq);
        t->i = 0;
        t->pc = 7;
        continue;
      }
      l->st.iterations++;
      l->st.epoll_waits++;
      if (l->nready > 0) {
        gsK_charge_sys(t, P(s, GS_P_SYSCALL));
        gsK_work(t, P(s, GS_P_LOOP_ITER), false);
        t->pc = 3;
        return;
      }
      t->pc = 2;
      /* fall through */
    case 2:
      GSG_DROP();
      if (l->nready == 0) {
        t->blk_io = true; /* epoll_wait */
        gsK_block(s, t, &l->epoll, -1);
        return;
      }
      t->blk_io = false;
      t->pc = 6;
      /* fall through */
    case 6:
      GSG_TAKE();
      t->pc = 3;
      gsK_work(t, P(s, GS_P_LOOP_ITER), false);
      return;
    case 3: /* run what was ready when the iteration began */
      l->batch = l->nready;
      t->pc = 4;
      /* fall through */
    case 4:
      if (l->batch == 0) {
        t->pc = 1;
        continue;
      }
      l->batch--;
      l->current = pop_ready(l);
      gsT_counter(s, "ready coroutines", (int64_t)l->nready);
      {
        gs_time lag = gsK_now(s) - l->current->ready_since;
        l->st.resumes++;
        l->st.lag_total += lag;
        if (lag > l->st.lag_max)
          l->st.lag_max = lag;
      }
      t->pc = 5;
      gsK_work(t, P(s, GS_P_CORO_RESUME), false);
      return;
    case 5: {
      int r = gsW_step(s, &l->current->cur);
      if (r == GSW_OP)
        return;
      if (r == GSW_DONE)
        l->live--;
      t->pc = 4;
      continue;
    }
    case 7: /* shut the pool down and join it */
      if (t->i < l->npool) {
        GSG_DROP();
        if (!gsK_join(s, t, l->pool[t->i]))
          return;
        t->i++;
        continue;
      }
      GSG_DROP();
      if (t->pending_sys > 0) {
        gsK_work(t, 0, true);
        t->pc = 8;
        return;
      }
      /* fall through */
    case 8:
      gsK_exit(s, t);
      return;
    }
  }
}

void gsL_free(gsK_sim *s)
{
  loop *l = s->loop;
  if (!l)
    return;
  while (l->jobs_head) {
    job *j = l->jobs_head;
    l->jobs_head = j->next;
    free(j);
  }
  free(l->coros);
  free(l->pool);
  free(l);
  s->loop = NULL;
}

void gsL_stats(gsK_sim *s, gs_loop_stats *out)
{
  loop *l = s->loop;
  if (l)
    *out = l->st;
}
