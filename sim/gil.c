/*
 * gil.c - the global interpreter lock of a simulated CPython process.
 *
 * NEW GIL (CPython 3.2 and later, Python/ceval_gil.c).  State: locked,
 * holder/last_holder, switch_number (bumped when a *different* thread takes
 * it), drop_request, the condition variable `cond` that waiters sleep on,
 * and `switch_cond` for forced switching.  The GIL's own mutex is held only
 * across instants here: each step below runs atomically in simulated time,
 * which is what holding that mutex guarantees.
 *
 *   take (gsG_take)                          drop (gsG_drop)
 *   ---------------                          ---------------
 *   0: while locked:                         0: last_holder = t; locked = 0
 *        seen = switch_number                   signal cond (one waiter, if any)
 *        timed wait on cond, `interval`  ->1    if drop_request and nobody has
 *   1:   if timed out and still locked and         taken it yet (last_holder == t):
 *           switch_number == seen:                 clear drop_request;
 *          set drop_request; interrupt holder      wait on switch_cond       ->1
 *        if signalled but locked: failed wake   1: done
 *   ready: locked = 1; holder = t;
 *        if last_holder != t: switch_number++
 *        signal switch_cond; clear drop_request
 *
 * The holder sees drop_request only at its next check point (gsK_interrupt
 * cuts its interruptible work there); it then drops and takes the GIL again
 * with no priority.  Every wake-up goes through the OS scheduler model, so a
 * woken waiter needs a core and pays the wake-up latency: that, and nothing
 * else, is where convoys and thrashing come from.
 *
 * OLD GIL (Python 2): a lock that signals but hands nothing over.  The
 * holder releases it every check_interval ticks and at once tries to take
 * it back; a waiter woken by the release must first get a core, and by then
 * the releaser usually has the lock again (a failed wake-up).
 *
 * Its own mutex is modelled too, because a woken waiter holds it for a
 * while: returning from the condition wait it re-locks the mutex, tests the
 * flag and waits again, and the lines it reads (the mutex word, the flag
 * beside the condition variable) were last written by the holder on
 * another core, so that look lasts gil_op + 2 x line_transfer.  A holder
 * that reaches a release or re-take meanwhile finds the mutex locked and
 * makes a futex wait (a system call; it sleeps unless the waiter unlocks
 * first), and the waiter's unlock wakes it (a system call the waiter
 * pays).  The holder's next release fetches the two lines back
 * (gsG_line_cost).  The holder's own mutex sections are instants.
 *
 * A thread asleep on the mutex is woken by the next unlock, and an unlock
 * with others still asleep wakes one of them (the mutex stays marked
 * contended), as a futex mutex does.
 *
 *   take: 0: lock mutex (wait if a waiter holds it);
 *            if !locked: take it, done; else wait on cond (no timeout) ->1
 *         1: woken: lock mutex (wait if another waiter holds it) for the
 *            look, gil_op + 2 x line_transfer of work                  ->2
 *         2: unlock mutex (wake one thread asleep on it);
 *            if locked: failed wake-up, wait on cond again           ->1
 *            else take it, done
 *   drop: lock mutex (wait if a waiter holds it); locked = 0; unlock;
 *         signal cond (below)
 *
 * The condition variable is glibc's (2.25 to 2.40; Debian 12 has 2.36),
 * because its signal can wait.  Waiters are kept in two groups: a signal
 * goes only to a waiter of G1; one that waits again after a failed
 * wake-up joins G2.  When G1 has nobody left to signal and G2 has
 * waiters, the signaller switches the groups, but first it waits (asleep,
 * holding the condition variable's internal lock) until every signalled
 * G1 waiter that had gone to sleep has run again and let go of its group
 * reference; the last one to let go wakes it.  Meanwhile the GIL is free
 * (the drop unlocked it before signalling), so a woken waiter takes it,
 * and another signaller waits for the internal lock.  With several
 * waiters on two cores this is where the GIL changes hands and both cores
 * fall idle.
 *
 * Costs: each wait is a system call (gsK_block), and each signal that wakes
 * a waiter is a system call charged to the signalling thread; the old
 * GIL's signal only when the waiter is asleep in the kernel (cond_signal).
 */
#include "gil.h"
#include "trace.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void gsG_init(gsK_sim *s, gsG_gil *g, gs_gil kind)
{
  memset(g, 0, sizeof *g);
  g->kind = kind;
  g->last_holder = -1;
  g->interval = (gs_time)s->p.v[GS_P_SWITCH_INTERVAL];
  g->check_ns = (gs_time)s->p.v[GS_P_GIL_CHECK];
  g->tick_ns = (gs_time)s->p.v[GS_P_TICK];
  g->check_interval = (int64_t)s->p.v[GS_P_CHECK_INTERVAL];
  g->line_tid = -1;
}

/* One fetch of a cache line another core wrote last: line_transfer, or a
 * draw from a gamma distribution with that mean and a coefficient of
 * variation of line_transfer_cv (shape 1/cv^2), from the noise stream. */
static double line_fetch(gsK_sim *s)
{
  double mean = s->p.v[GS_P_LINE_TRANSFER], cv = s->p.v[GS_P_LINE_TRANSFER_CV];
  if (!(cv > 0) || !(mean > 0))
    return mean;
  return gsl_ran_gamma(s->noise.r, 1 / (cv * cv), mean * cv * cv);
}

static void signal_one(gsK_sim *s, gsK_thread *t, gsK_waitq *wq)
{
  if (gsK_wake_one(s, wq))
    gsK_charge_sys(t, (gs_time)s->p.v[GS_P_SYSCALL]);
}

/* What a viewer cannot read off the threads' states, as counters of the
 * process: "GIL drop request, pid N" (1 while a request is pending), "GIL
 * failed wake-ups, pid N" (how many so far) and, old GIL, "GIL mutex waits,
 * pid N" (futex waits on its own mutex so far).  A waiter that times out
 * or is woken in vain while still on its way to sleep never changes state,
 * so these are the only trace of it. */
static void trace_counter(gsK_sim *s, const gsK_thread *t, const char *what, int64_t v)
{
  if (!s->trace)
    return;
  char name[64];
  snprintf(name, sizeof name, "GIL %s, pid %d", what, t->proc->pid);
  gsT_counter(s, name, v);
}

static void trace_holder(gsK_sim *s, gsK_thread *t, gsK_thread *holder)
{
  if (!s->trace)
    return;
  gs_trace_event ev = {.kind = GS_TR_GIL, .pid = t->proc->pid, .tid = holder ? holder->tid : -1};
  gsT_emit(s, &ev);
  gsT_state(s, t);
}

static void acquired(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  g->locked = true;
  g->holder = t;
  if (g->last_holder != t->tid) {
    g->last_holder = t->tid;
    g->switch_number++;
    g->st.switches++;
  }
  g->st.acquisitions++;
  t->gil_held = true;
  t->gil_acquisitions++;
  t->gil_pc = 0;
  gs_time w = gsK_now(s) - t->gil_wait_since;
  t->gil_wait += w;
  g->st.wait += w;
  if (w > t->gil_wait_max)
    t->gil_wait_max = w;
  trace_holder(s, t, t);
}

static bool take_new(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  for (;;) {
    switch (t->gil_pc) {
    case 0:
      if (!g->locked) {
        acquired(s, g, t);
        if (g->switch_cond.head)
          signal_one(s, t, &g->switch_cond);
        if (g->drop_request) {
          g->drop_request = false;
          trace_counter(s, t, "drop request", 0);
        }
        return true;
      }
      t->gil_seen_switch = g->switch_number;
      t->gil_pc = 1;
      gsK_block(s, t, &g->cond, g->interval);
      return false;
    case 1:
      if (t->wake_reason == GSK_WAKE_TIMEOUT) {
        if (g->locked && g->switch_number == t->gil_seen_switch && !g->drop_request) {
          g->drop_request = true;
          g->st.drop_requests++;
          trace_counter(s, t, "drop request", 1);
          gsK_interrupt(s, g->holder);
        }
      } else if (g->locked) {
        g->st.failed_wakeups++;
        trace_counter(s, t, "failed wake-ups", (int64_t)g->st.failed_wakeups);
      }
      t->gil_pc = 0;
      continue;
    }
  }
}

static bool drop_new(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  if (t->gil_pc == 1) { /* back from the forced-switch wait */
    t->gil_pc = 0;
    return true;
  }
  g->last_holder = t->tid;
  g->locked = false;
  g->holder = NULL;
  t->gil_held = false;
  trace_holder(s, t, NULL);
  signal_one(s, t, &g->cond);
  if (g->drop_request && g->last_holder == t->tid) {
    g->drop_request = false;
    trace_counter(s, t, "drop request", 0);
    g->st.forced_switches++;
    t->gil_pc = 1;
    gsK_block(s, t, &g->switch_cond, -1);
    return false;
  }
  return true;
}

/* The old GIL's own mutex, for t at an instant of its take or drop: true
 * if t may go on (free, or t holds it), else t makes a futex wait on it and
 * calls again when woken. */
static bool mutex_free(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  if (!g->mutex_owner || g->mutex_owner == t) {
    /* With others asleep on it, the mutex stays marked contended, so the
     * unlock that ends this instant wakes the next one (futex wake). */
    if (!g->mutex_owner)
      signal_one(s, t, &g->mutex_wq);
    return true;
  }
  g->mutex_waits++;
  trace_counter(s, t, "mutex waits", (int64_t)g->mutex_waits);
  gsK_block(s, t, &g->mutex_wq, -1);
  return false;
}

/* ---- The old GIL's condition variable (glibc) --------------------------- */

/* Positions of gsG_drop for the old GIL after the release itself. */
enum { OLD_SIGNAL_LOCK = 3, OLD_SIGNAL_QUIESCE = 4 };

/* t waits on cond: it takes the next position, in G2 until the groups
 * switch. */
static void cond_wait(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  t->cond_seq = g->cond_next++;
  t->cond_ref = false;
  gsK_block(s, t, &g->cond, -1);
}

/* The signalled waiter t runs again: it gives its group reference back,
 * and the last one wakes a signaller asleep until G1 is empty (a futex
 * wake, the system call t pays). */
static void cond_woken(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  if (!t->cond_ref)
    return;
  t->cond_ref = false;
  if (--g->refs == 0)
    signal_one(s, t, &g->quiesce_wq);
}

/* pthread_cond_signal by the releaser t: true when done, false when t has
 * gone to sleep, on the internal lock or until G1 is empty (call again
 * when woken).  Signalling a waiter asleep in the kernel costs t a system
 * call (futex wake).  glibc makes that call for a waiter still on its way
 * to sleep too, but this model charges it nothing there: at the cost of a
 * bare system call it would hand the GIL over at every release (see the
 * README's limitations). */
static bool cond_signal(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  if (t->gil_pc != OLD_SIGNAL_QUIESCE) {
    /* No waiter, not even one woken and yet to run: nothing to do. */
    if (!g->cond.head && g->refs == 0) {
      t->gil_pc = 0;
      return true;
    }
    if (g->cv_owner && g->cv_owner != t) {
      t->gil_pc = OLD_SIGNAL_LOCK;
      gsK_block(s, t, &g->cv_lock_wq, -1);
      return false;
    }
    g->cv_owner = t;
  }
  gsK_thread *w;
  for (;;) {
    w = g->cond.head;
    if (!w || w->cond_seq < g->g1_end)
      break; /* a G1 waiter to signal, or nobody at all */
    /* G1 has nobody left to signal but G2 has: switch the groups, once
     * every G1 waiter that slept has run again. */
    if (g->refs > 0) {
      g->quiesce_waits++;
      trace_counter(s, t, "signal waits", (int64_t)g->quiesce_waits);
      t->gil_pc = OLD_SIGNAL_QUIESCE;
      gsK_block(s, t, &g->quiesce_wq, -1);
      return false;
    }
    g->g1_end = g->cond_next;
  }
  if (w) {
    bool asleep = w->state == GS_TS_BLOCKED;
    if (asleep) {
      w->cond_ref = true;
      g->refs++;
    }
    gsK_wake_one(s, &g->cond);
    if (asleep)
      gsK_charge_sys(t, (gs_time)s->p.v[GS_P_SYSCALL]);
  }
  g->cv_owner = NULL;
  signal_one(s, t, &g->cv_lock_wq);
  t->gil_pc = 0;
  return true;
}

static bool take_old(gsK_sim *s, gsG_gil *g, gsK_thread *t)
{
  for (;;) {
    switch (t->gil_pc) {
    case 0:
      if (!mutex_free(s, g, t))
        return false;
      if (g->line_tid >= 0 && g->line_tid != t->tid)
        g->refetch = true;
      g->line_tid = t->tid;
      if (!g->locked) {
        acquired(s, g, t);
        return true;
      }
      t->gil_pc = 1;
      cond_wait(s, g, t);
      return false;
    case 1: /* woken: the look at the lock, holding the mutex */
      cond_woken(s, g, t);
      if (!mutex_free(s, g, t))
        return false;
      g->mutex_owner = t;
      t->gil_pc = 2;
      gsK_work(t, gsR_round(s->p.v[GS_P_GIL_OP] + line_fetch(s) + line_fetch(s)), false);
      return false;
    case 2: /* the look's end: unlock, then wait again or take it */
      g->mutex_owner = NULL;
      g->line_tid = t->tid;
      signal_one(s, t, &g->mutex_wq);
      if (g->locked) {
        /* Still held: wait on cond again, which gives the mutex up as
         * it goes to sleep (the unlock above), so no second lock. */
        g->st.failed_wakeups++;
        trace_counter(s, t, "failed wake-ups", (int64_t)g->st.failed_wakeups);
        t->gil_pc = 1;
        cond_wait(s, g, t);
        return false;
      }
      acquired(s, g, t);
      return true;
    }
  }
}

gs_time gsG_line_cost(gsK_sim *s, gsK_thread *t)
{
  gsG_gil *g = t->proc->gil;
  if (!g || !g->refetch)
    return 0;
  g->refetch = false;
  return gsR_round(line_fetch(s) + line_fetch(s));
}

bool gsG_take(gsK_sim *s, gsK_thread *t)
{
  gsG_gil *g = t->proc->gil;
  if (!g || t->gil_held)
    return true;
  if (t->gil_pc == 0 && !t->gil_asked) {
    /* First call of this acquisition: start the wait clock. */
    t->gil_wait_since = gsK_now(s);
    t->gil_asked = true;
  }
  bool done = g->kind == GS_GIL_NEW ? take_new(s, g, t) : take_old(s, g, t);
  if (done)
    t->gil_asked = false;
  return done;
}

bool gsG_drop(gsK_sim *s, gsK_thread *t)
{
  gsG_gil *g = t->proc->gil;
  if (!g || (!t->gil_held && t->gil_pc == 0))
    return true;
  if (g->kind == GS_GIL_NEW)
    return drop_new(s, g, t);
  if (t->gil_pc == 0) {
    if (!mutex_free(s, g, t))
      return false;
    g->refetch = g->line_tid >= 0 && g->line_tid != t->tid;
    g->line_tid = t->tid;
    g->locked = false;
    g->holder = NULL;
    g->last_holder = t->tid;
    t->gil_held = false;
    trace_holder(s, t, NULL);
  }
  /* The signal comes after the mutex is unlocked (Python 2's
   * thread_pthread.h), so the lock is free while it lasts or waits. */
  return cond_signal(s, g, t);
}

bool gsG_must_yield(const gsK_thread *t)
{
  const gsG_gil *g = t->proc->gil;
  return g && g->kind == GS_GIL_NEW && t->gil_held && g->drop_request;
}
