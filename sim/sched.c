/*
 * sched.c - cores and the preemptive OS scheduler.
 *
 * Two policies share one run queue (ordered by key, then by the order
 * threads were queued):
 *
 *   fair  In the style of Linux CFS/EEVDF.  key = virtual runtime (ns of CPU
 *         time; every thread has the default weight).  A thread picked gets
 *         a slice of sched_base_slice x (1 + log2(min(cores, 8))); the slice
 *         ends on the first scheduler tick after it is used up, and then the
 *         thread is preempted only if a queued thread has a lower vruntime.
 *         A waking thread is placed no further than sched_sleeper_credit
 *         behind min_vruntime, and preempts the running thread with the
 *         highest vruntime if it is lower than that by more than
 *         sched_wakeup_gran (wake-up preemption).
 *   rr    Textbook round-robin: key = 0, so the queue is FIFO; a thread runs
 *         for rr_quantum and goes to the back if anyone is waiting.  No
 *         wake-up preemption.
 *
 * One global run queue stands for Linux's per-core queues plus load
 * balancing: an idle core never stays idle while a thread is runnable.
 * Placement of a waking thread: its previous core if idle (no migration),
 * else another idle core (migration cost), else the run queue.
 *
 * Thread states (thread.c draws the full diagram):
 *
 *   RUNNABLE --dispatch--> RUNNING --slice over, someone better--> RUNNABLE
 *                             |  \--blocking call--> BLOCKED --wake--> RUNNABLE
 *                             \--exit--> DONE
 *
 * Costs charged here: ctx_switch (sys, to the thread switched in) at every
 * dispatch; migration (sys) when it lands on another core than before;
 * wakeup_latency (the core is reserved but not busy) when a woken thread
 * lands on an idle core.  An idle core sinks into deeper sleep states the
 * longer it stays idle; the model takes the exit time as the time it has
 * been idle, capped at wakeup_latency: a core that went idle a microsecond
 * ago is still awake, one idle for a millisecond pays the full latency.
 * That is why an I/O that blocks only briefly wakes its thread faster than
 * a thread that has slept long (MODEL-NOTES section 1, the convoy effect).
 */
#include "kernel.h"
#include "trace.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- Run queue --------------------------------------------------------- */

/*
 * Round-robin queues every thread with key 0, so its order is the order of
 * queueing: a ring, O(1) both ways.  Fair keeps a binary heap of slots
 * ordered by (vruntime, seq), O(log n); the slots carry the keys, so
 * sifting never touches the (scattered, cache-cold) thread structures.
 */

static inline bool rq_before(const gsK_rqslot *a, const gsK_rqslot *b)
{
  return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void rq_up(gsK_runq *rq, size_t i, gsK_rqslot x)
{
  gsK_rqslot *h = rq->slot;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!rq_before(&x, &h[p]))
      break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

static void rq_down(gsK_runq *rq, size_t i, gsK_rqslot x)
{
  gsK_rqslot *h = rq->slot;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= rq->n)
      break;
    if (c + 1 < rq->n && rq_before(&h[c + 1], &h[c]))
      c++;
    if (!rq_before(&h[c], &x))
      break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

/* Double the slots; a ring is unrolled so that it starts at 0 again. */
static bool rq_grow(gsK_sim *s)
{
  gsK_runq *rq = &s->rq;
  size_t cap = rq->cap ? 2 * rq->cap : 64;
  gsK_rqslot *h = realloc(rq->slot, cap * sizeof *h);
  if (!h) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory growing the run queue");
    return false;
  }
  if (s->policy == GS_SCHED_RR && rq->head + rq->n > rq->cap) {
    /* The ring wrapped: move its wrapped part [0, wrap) after the end. */
    size_t wrap = rq->head + rq->n - rq->cap;
    memcpy(h + rq->cap, h, wrap * sizeof *h);
  }
  rq->slot = h;
  rq->cap = cap;
  return true;
}

static void rq_push(gsK_sim *s, gsK_thread *t)
{
  gsK_runq *rq = &s->rq;
  if (rq->n == rq->cap && !rq_grow(s))
    return;
  gsK_rqslot x = {s->policy == GS_SCHED_FAIR ? t->vruntime : 0, s->rq_seq++, t};
  if (s->policy == GS_SCHED_RR) {
    rq->slot[(rq->head + rq->n) & (rq->cap - 1)] = x;
    rq->n++;
    return;
  }
  rq->n++;
  rq_up(rq, rq->n - 1, x);
}

/* The first queued slot; the queue must not be empty. */
static inline const gsK_rqslot *rq_first(const gsK_sim *s)
{
  return &s->rq.slot[s->policy == GS_SCHED_RR ? s->rq.head : 0];
}

static gsK_thread *rq_pop(gsK_sim *s)
{
  gsK_runq *rq = &s->rq;
  if (rq->n == 0)
    return NULL;
  if (s->policy == GS_SCHED_RR) {
    gsK_thread *t = rq->slot[rq->head].t;
    rq->head = (rq->head + 1) & (rq->cap - 1);
    rq->n--;
    return t;
  }
  gsK_thread *t = rq->slot[0].t;
  rq->n--;
  if (rq->n > 0)
    rq_down(rq, 0, rq->slot[rq->n]);
  return t;
}

/* ---- Idle set (O(1) add and remove) ------------------------------------ */

static void idle_add(gsK_sim *s, gsK_core *c)
{
  assert(c->idle_idx < 0);
  c->idle_idx = s->idle_n;
  c->idle_since = gsK_now(s);
  s->idle[s->idle_n++] = c->id;
}

static void idle_remove(gsK_sim *s, gsK_core *c)
{
  assert(c->idle_idx >= 0);
  int last = s->idle[--s->idle_n];
  s->idle[c->idle_idx] = last;
  s->cores[last].idle_idx = c->idle_idx;
  c->idle_idx = -1;
}

/* ---- Helpers ----------------------------------------------------------- */

static int ilog2(int n)
{
  int l = 0;
  while (n > 1) {
    n >>= 1;
    l++;
  }
  return l;
}

void gsK_sched_init(gsK_sim *s)
{
  int n = s->ncores < 8 ? s->ncores : 8;
  gs_time factor = 1 + ilog2(n);
  s->slice = (gs_time)s->p.v[GS_P_SCHED_BASE_SLICE] * factor;
  s->wakeup_gran = (gs_time)s->p.v[GS_P_SCHED_WAKEUP_GRAN] * factor;
  s->sleeper_credit = (gs_time)s->p.v[GS_P_SCHED_SLEEPER_CREDIT] * factor;
  s->idle_n = 0;
  for (int i = 0; i < s->ncores; i++) {
    s->cores[i].idle_idx = -1;
    idle_add(s, &s->cores[i]);
    s->cores[i].idle_since = INT64_MIN / 4; /* idle since long before the run */
  }
}

/* Virtual runtime of the thread on c, including the segment in progress. */
static gs_time cur_vruntime(const gsK_sim *s, const gsK_core *c)
{
  gs_time el = gsK_now(s) - c->seg_start;
  return c->cur->vruntime + (el > 0 ? el : 0);
}

/* min_vruntime never goes backwards; it follows the smallest vruntime among
 * queued and running threads.  O(cores). */
static void update_min_vruntime(gsK_sim *s)
{
  gs_time m = INT64_MAX;
  if (s->rq.n)
    m = rq_first(s)->key;
  for (int i = 0; i < s->ncores; i++)
    if (s->cores[i].cur) {
      gs_time v = cur_vruntime(s, &s->cores[i]);
      if (v < m)
        m = v;
    }
  if (m != INT64_MAX && m > s->min_vruntime)
    s->min_vruntime = m;
}

static void set_state(gsK_sim *s, gsK_thread *t, gs_thread_state st)
{
  gs_time el = gsK_now(s) - t->state_since;
  if (t->state == GS_TS_RUNNABLE)
    t->runnable += el;
  else if (t->state == GS_TS_BLOCKED)
    t->blocked += el;
  t->state = st;
  t->state_since = gsK_now(s);
  gsT_state(s, t);
}

/* Trace what a core runs, and how many threads wait for a core. */
static void trace_core(gsK_sim *s, gsK_core *c)
{
  if (!s->trace)
    return;
  /* The busy times let a viewer show CPU times as the run goes: they are
   * up to date here, every switch having charged the outgoing thread. */
  gs_trace_event ev = {.kind = GS_TR_CORE, .core = c->id, .tid = c->cur ? c->cur->tid : -1,
                       .pid = c->cur ? c->cur->proc->pid : 0, .count = c->busy_user,
                       .id = (uint64_t)c->busy_sys};
  gsT_emit(s, &ev);
  if ((int64_t)s->rq.n != s->last_runnable) {
    s->last_runnable = (int64_t)s->rq.n;
    gsT_counter(s, "runnable threads", s->last_runnable);
  }
}

static void new_slice(gsK_sim *s, gsK_core *c, gs_time from)
{
  if (s->policy == GS_SCHED_RR) {
    c->slice_end = from + (gs_time)s->p.v[GS_P_RR_QUANTUM];
  } else {
    gs_time tick = (gs_time)s->p.v[GS_P_SCHED_TICK];
    gs_time end = from + s->slice;
    c->slice_end = (end + tick - 1) / tick * tick;
  }
}

/* The eval breaker is set: end the interruptible operation at its next
 * check point (now, if it is exactly on one) and keep the rest. */
static void cut_at_check_point(gsK_thread *t)
{
  if (t->op_check <= 0 || t->op_rest > 0 || t->op_left <= 0)
    return;
  gs_time to = (t->op_check - t->op_done % t->op_check) % t->op_check;
  if (to >= t->op_left)
    return;
  t->op_rest = t->op_left - to;
  t->op_left = to;
}

/* Schedule the core's next event: the end of the current operation (or the
 * moment the program must step) or the end of the slice, whichever is first. */
static void program_core(gsK_sim *s, gsK_core *c)
{
  gsK_thread *t = c->cur;
  if (t->breaker)
    cut_at_check_point(t);
  gs_time at = gsK_later(gsK_later(c->seg_start, t->pending_sys), t->op_left);
  if (c->slice_end < at)
    at = c->slice_end;
  if (at < gsK_now(s))
    at = gsK_now(s);
  gsK_schedule(s, &c->ev, at);
}

static void dispatch(gsK_sim *s, gsK_core *c, gsK_thread *t, gs_time latency)
{
  if (c->idle_idx >= 0)
    idle_remove(s, c);
  c->cur = t;
  t->core = c;
  set_state(s, t, GS_TS_RUNNING);
  trace_core(s, c);
  t->dispatch_cost = (gs_time)s->p.v[GS_P_CTX_SWITCH];
  c->switches++;
  if (t->last_core >= 0 && t->last_core != c->id) {
    t->dispatch_cost += (gs_time)s->p.v[GS_P_MIGRATION];
    t->migrations++;
  }
  t->pending_sys += t->dispatch_cost;
  t->last_core = c->id;
  c->seg_start = gsK_now(s) + latency;
  c->resched = false;
  new_slice(s, c, c->seg_start);
  program_core(s, c);
}

/* The core has no thread: take the best queued one, or go idle. */
static void core_next(gsK_sim *s, gsK_core *c)
{
  c->cur = NULL;
  gsK_thread *t = rq_pop(s);
  if (t) {
    dispatch(s, c, t, 0);
  } else {
    gsE_cancel(&s->q, &c->ev);
    idle_add(s, c);
    trace_core(s, c);
  }
}

/* Charge the time since seg_start: pending kernel work first, then the
 * operation.  Fair: the thread's vruntime advances by the same amount. */
static void account(gsK_sim *s, gsK_core *c)
{
  gsK_thread *t = c->cur;
  gs_time el = gsK_now(s) - c->seg_start;
  if (el <= 0)
    return;
  c->seg_start = gsK_now(s);
  t->vruntime += el;
  gs_time k = el < t->pending_sys ? el : t->pending_sys;
  t->pending_sys -= k;
  t->sys += k;
  c->busy_sys += k;
  el -= k;
  if (el > 0) {
    k = el < t->op_left ? el : t->op_left;
    t->op_left -= k;
    t->op_done += k;
    if (t->op_sys) {
      t->sys += k;
      c->busy_sys += k;
    } else {
      t->user += k;
      c->busy_user += k;
    }
  }
}

static bool should_preempt(gsK_sim *s, gsK_core *c)
{
  if (s->rq.n == 0)
    return false;
  if (s->policy == GS_SCHED_RR)
    return gsK_now(s) >= c->slice_end;
  return rq_first(s)->key < c->cur->vruntime;
}

/* ---- Entry points ------------------------------------------------------ */

void gsK_make_runnable(gsK_sim *s, gsK_thread *t)
{
  set_state(s, t, GS_TS_RUNNABLE);
  if (s->policy == GS_SCHED_FAIR) {
    update_min_vruntime(s);
    gs_time floor = s->min_vruntime - s->sleeper_credit;
    if (t->vruntime < floor)
      t->vruntime = floor;
  }
  if (s->idle_n > 0) {
    gsK_core *c = NULL;
    if (t->last_core >= 0 && s->cores[t->last_core].idle_idx >= 0)
      c = &s->cores[t->last_core];
    else
      c = &s->cores[s->idle[s->idle_n - 1]];
    gs_time lat = (gs_time)s->p.v[GS_P_WAKEUP_LATENCY];
    if (gsK_now(s) - c->idle_since < lat)
      lat = gsK_now(s) - c->idle_since;
    dispatch(s, c, t, lat);
    return;
  }
  rq_push(s, t);
  if (s->policy != GS_SCHED_FAIR)
    return;
  /* Wake-up preemption: against the running thread furthest ahead. */
  gsK_core *victim = NULL;
  gs_time worst = INT64_MIN;
  for (int i = 0; i < s->ncores; i++) {
    gsK_core *c = &s->cores[i];
    if (c->cur && !c->resched) {
      gs_time v = cur_vruntime(s, c);
      if (v > worst) {
        worst = v;
        victim = c;
      }
    }
  }
  if (victim && t->vruntime + s->wakeup_gran < worst) {
    victim->resched = true;
    gsK_schedule(s, &victim->ev, gsK_now(s));
  }
}

void gsK_interrupt(gsK_sim *s, gsK_thread *t)
{
  t->breaker = true;
  if (t->state == GS_TS_RUNNING && t->core && t->core->cur == t) {
    account(s, t->core);
    program_core(s, t->core);
  }
}

/* Put a blocking thread to sleep and free its core. */
static void go_to_sleep(gsK_sim *s, gsK_core *c, gsK_thread *t)
{
  set_state(s, t, GS_TS_BLOCKED);
  t->nvcsw++;
  t->core = NULL;
  if (t->blk_timeout >= 0)
    gsK_schedule(s, &t->timer, gsK_later(gsK_now(s), t->blk_timeout));
  core_next(s, c);
}

/* A program that keeps stepping without consuming time is a model bug;
 * this bounds it so a run cannot hang. */
#define MAX_STEPS_PER_EVENT 100000

void gsK_core_event(gsK_sim *s, gsK_core *c)
{
  gsK_thread *t = c->cur;
  if (!t)
    return;
  account(s, c);
  if (gsK_now(s) >= c->seg_start) {
    int guard = 0;
    while (t->pending_sys == 0 && t->op_left == 0) {
      if (t->blk) {
        t->blk = false;
        if (!t->blk_woken) {
          go_to_sleep(s, c, t);
          return;
        }
        t->blk_woken = false;
      }
      if (++guard > MAX_STEPS_PER_EVENT) {
        gsK_fail(s, GS_ERR_MODEL, "a thread's program made no progress");
        return;
      }
      t->stepped = false;
      t->step(s, t);
      assert(t->stepped);
      if (s->failed)
        return;
      if (t->state == GS_TS_DONE) {
        t->core = NULL;
        core_next(s, c);
        gsK_reap(s, t);
        return;
      }
    }
  }
  if (c->resched || gsK_now(s) >= c->slice_end) {
    if (should_preempt(s, c)) {
      /* Preempted before it even started (still waking up): the switch
       * to it never happened, so its cost is not owed. */
      if (gsK_now(s) < c->seg_start && t->pending_sys >= t->dispatch_cost)
        t->pending_sys -= t->dispatch_cost;
      c->cur = NULL;
      t->core = NULL;
      t->nivcsw++;
      set_state(s, t, GS_TS_RUNNABLE);
      rq_push(s, t);
      core_next(s, c);
      return;
    }
    if (gsK_now(s) >= c->slice_end)
      new_slice(s, c, gsK_now(s));
    c->resched = false;
  }
  program_core(s, c);
}
