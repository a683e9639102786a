/*
 * thread.c - simulated processes and threads: creation, blocking system
 * calls, wake-ups and exit.
 *
 * Thread life cycle (function behind each transition):
 *
 *     NEW --gsK_spawn--> RUNNABLE <-----------------------------+
 *                          |  ^                                 |
 *              dispatch    |  | preempt (sched.c)               | wake_thread / gsK_timer_fired
 *              (sched.c)   v  |                                 |
 *                         RUNNING --gsK_block, syscall paid--> BLOCKED
 *                          |
 *                          +--gsK_exit--> DONE (joiners and waitpid woken)
 *                                          |
 *                                          +--gsK_reap (off its core)--> record
 *
 * A reaped thread is only its record, rec[tid] (the gs_thread_result the
 * caller gets); its structure is reused by the next spawn.  So a run's
 * memory grows with the threads alive at once, plus one record per thread
 * ever created.  Nothing may keep a thread's address past its exit: joins
 * go by tid, the GIL remembers its last holder by tid.  (A stale slot of
 * the event queue may still point at the timer inside a reused structure;
 * engine.c only reads it, to see that it is not that slot's event.)
 *
 * A blocking call is two-phase: gsK_block links the thread on its wait
 * queue at once and charges the system call; the thread actually sleeps
 * when that kernel time has been paid.  A wake-up arriving in between is
 * remembered (blk_woken), so, as with a futex, no wake-up is ever lost.
 */
#include "kernel.h"
#include "trace.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void wq_link(gsK_waitq *wq, gsK_thread *t)
{
  assert(!t->wq);
  t->wq = wq;
  t->wq_next = NULL;
  t->wq_prev = wq->tail;
  if (wq->tail)
    wq->tail->wq_next = t;
  else
    wq->head = t;
  wq->tail = t;
}

static void wq_unlink(gsK_thread *t)
{
  gsK_waitq *wq = t->wq;
  if (!wq)
    return;
  if (t->wq_prev)
    t->wq_prev->wq_next = t->wq_next;
  else
    wq->head = t->wq_next;
  if (t->wq_next)
    t->wq_next->wq_prev = t->wq_prev;
  else
    wq->tail = t->wq_prev;
  t->wq = NULL;
  t->wq_next = t->wq_prev = NULL;
}

gsK_proc *gsK_proc_new(gsK_sim *s, gsK_proc *parent, const char *name)
{
  if (s->nprocs == s->cap_procs) {
    size_t cap = s->cap_procs ? 2 * s->cap_procs : 16;
    gsK_proc **a = realloc(s->procs, cap * sizeof *a);
    if (!a)
      goto nomem;
    s->procs = a;
    s->cap_procs = cap;
  }
  gsK_proc *p = calloc(1, sizeof *p);
  if (!p)
    goto nomem;
  p->pid = (int)s->nprocs + 1;
  p->parent = parent;
  snprintf(p->name, sizeof p->name, "%s", name);
  p->started = gsK_now(s);
  s->procs[s->nprocs++] = p;
  gs_trace_event ev = {.kind = GS_TR_PROC, .pid = p->pid, .value = parent ? parent->pid : 0,
                       .name = p->name};
  gsT_emit(s, &ev);
  return p;
nomem:
  gsK_fail(s, GS_ERR_NOMEM, "out of memory creating a process");
  return NULL;
}

gsK_thread *gsK_spawn(gsK_sim *s, gsK_proc *p, const char *name, gsK_step_fn step)
{
  if (s->nthreads == s->cap_threads) {
    size_t cap = s->cap_threads ? 2 * s->cap_threads : 16;
    gsK_thread **a = realloc(s->threads, cap * sizeof *a);
    if (!a)
      goto nomem;
    s->threads = a;
    gs_thread_result *r = realloc(s->rec, cap * sizeof *r);
    if (!r)
      goto nomem;
    s->rec = r;
    s->cap_threads = cap;
  }
  gsK_thread *t = s->spare;
  if (t) {
    s->spare = t->wq_next;
    memset(t, 0, sizeof *t);
  } else if (!(t = calloc(1, sizeof *t))) {
    goto nomem;
  }
  t->tid = (int)s->nthreads;
  t->proc = p;
  snprintf(t->name, sizeof t->name, "%s", name);
  t->step = step;
  t->run.task = -1;
  t->run.owner = t;
  t->last_core = -1;
  t->blk_timeout = -1;
  t->created = t->state_since = gsK_now(s);
  t->state = GS_TS_NEW;
  /* A new thread starts level with the others (CFS places it at
   * min_vruntime), so it neither starves nor monopolises a core. */
  t->vruntime = s->min_vruntime;
  gsE_event_init(&t->timer, GSK_EV_TIMER, t);
  t->tr_state = -1;
  s->threads[s->nthreads++] = t;
  gs_trace_event ev = {.kind = GS_TR_THREAD, .pid = p->pid, .tid = t->tid, .name = t->name};
  gsT_emit(s, &ev);
  s->live_threads++;
  p->nthreads++;
  p->live++;
  gsK_make_runnable(s, t);
  return t;
nomem:
  gsK_fail(s, GS_ERR_NOMEM, "out of memory creating a thread");
  return NULL;
}

void gsK_record(const gsK_thread *t, gs_thread_result *tr)
{
  memset(tr, 0, sizeof *tr);
  tr->pid = t->proc->pid;
  tr->tid = t->tid;
  snprintf(tr->name, sizeof tr->name, "%s", t->name);
  tr->created = t->created;
  tr->ended = t->ended;
  tr->user = t->user;
  tr->sys = t->sys;
  tr->runnable = t->runnable;
  tr->blocked = t->blocked;
  tr->nvcsw = t->nvcsw;
  tr->nivcsw = t->nivcsw;
  tr->migrations = t->migrations;
  tr->tasks = t->tasks;
  tr->gil_wait = t->gil_wait;
  tr->gil_wait_max = t->gil_wait_max;
  tr->gil_acquisitions = t->gil_acquisitions;
}

void gsK_reap(gsK_sim *s, gsK_thread *t)
{
  assert(t->state == GS_TS_DONE && !t->core && !t->wq && !t->joiners.head && !gsE_pending(&t->timer));
  if (t == s->main)
    return;
  gsK_record(t, &s->rec[t->tid]);
  s->threads[t->tid] = NULL;
  t->wq_next = s->spare;
  s->spare = t;
}

void gsK_work(gsK_thread *t, gs_time ns, bool sys)
{
  assert(!t->stepped);
  t->op_left = ns > 0 ? ns : 0;
  t->op_sys = sys;
  t->op_check = 0;
  t->op_done = 0;
  t->op_rest = 0;
  t->stepped = true;
}

void gsK_work_checked(gsK_thread *t, gs_time ns, gs_time check)
{
  gsK_work(t, ns, false);
  t->op_check = check > 0 ? check : 1;
}

void gsK_block(gsK_sim *s, gsK_thread *t, gsK_waitq *wq, gs_time timeout)
{
  assert(!t->stepped);
  t->op_left = 0;
  t->op_check = t->op_rest = 0;
  t->blk = true;
  t->blk_woken = false;
  t->blk_timeout = timeout;
  t->wake_reason = GSK_WAKE_NONE;
  if (wq)
    wq_link(wq, t);
  t->pending_sys += (gs_time)s->p.v[GS_P_SYSCALL];
  t->stepped = true;
}

/* Make t runnable (or note the wake-up if it has not gone to sleep yet). */
static void wake_thread(gsK_sim *s, gsK_thread *t, int reason)
{
  wq_unlink(t);
  t->wake_reason = reason;
  if (t->state == GS_TS_BLOCKED) {
    gsE_cancel(&s->q, &t->timer);
    gsK_make_runnable(s, t);
  } else if (t->blk) {
    t->blk_woken = true;
  }
}

int gsK_wake_one(gsK_sim *s, gsK_waitq *wq)
{
  if (!wq->head)
    return 0;
  wake_thread(s, wq->head, GSK_WAKE_SIGNAL);
  return 1;
}

int gsK_wake_all(gsK_sim *s, gsK_waitq *wq)
{
  int n = 0;
  while (wq->head) {
    wake_thread(s, wq->head, GSK_WAKE_SIGNAL);
    n++;
  }
  return n;
}

void gsK_timer_fired(gsK_sim *s, gsK_thread *t)
{
  if (t->state == GS_TS_BLOCKED)
    wake_thread(s, t, GSK_WAKE_TIMEOUT);
}

void gsK_exit(gsK_sim *s, gsK_thread *t)
{
  assert(!t->stepped);
  t->stepped = true;
  t->op_left = 0;
  t->state = GS_TS_DONE;
  t->state_since = t->ended = gsK_now(s);
  gsT_state(s, t);
  s->live_threads--;
  gsK_wake_all(s, &t->joiners);
  gsK_proc *p = t->proc;
  if (--p->live == 0) {
    p->exited = true;
    p->ended = gsK_now(s);
    gsK_wake_all(s, &p->waiters);
  }
}
