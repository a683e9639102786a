/*
 * gil.h - a Python global interpreter lock, one per simulated process.
 *
 * Both variants are resumable sub-machines: gsG_take / gsG_drop return true
 * once done, or false when they have set the thread to block, in which case
 * the caller returns from its step function and calls them again (at the
 * same pc) when the thread runs next.  Calling them when there is nothing
 * to do (no GIL, already held, already dropped) returns true at once.
 */
#ifndef GS_GIL_H
#define GS_GIL_H

#include "kernel.h"

typedef struct gsG_gil {
  gs_gil kind;            /* GS_GIL_NEW or GS_GIL_OLD */
  bool locked;
  gsK_thread *holder;
  int last_holder;        /* tid of the last thread to hold it, -1 before any */
  uint64_t switch_number;
  bool drop_request;
  gsK_waitq cond;        /* waiters for the GIL (new: timed; old: plain) */
  gsK_waitq switch_cond; /* new: a forced dropper waits here */
  gs_time interval;      /* new: switch interval, ns */
  gs_time check_ns;      /* new: work between eval-breaker check points */
  gs_time tick_ns;       /* old: work per tick */
  int64_t check_interval;/* old: ticks between release/re-acquire */
  gs_time ticker;        /* old: work done since the last release, ns */
  gsK_thread *mutex_owner;/* old: a woken waiter inside its look at the lock */
  gsK_waitq mutex_wq;    /* old: threads asleep on the GIL's own mutex */
  int line_tid;          /* old: tid of the last thread to write the GIL's lines, -1 */
  bool refetch;          /* old: the holder's release or re-take found them written by another */
  uint64_t mutex_waits;  /* old: futex waits on the GIL's own mutex */
  /* old: the condition variable `cond` as glibc (2.25 to 2.40) builds it.
   * Waiters queue in arrival order, each with its position cond_seq; those
   * below g1_end form group G1, the only one a signal can go to; later
   * ones form G2.  When G1 has no waiter left to signal, a signal first
   * switches the groups, and before it may it waits (holding the
   * condition variable's internal lock) until no signalled G1 waiter that
   * had gone to sleep is still to run again (refs). */
  uint64_t cond_next;    /* position the next waiter gets */
  uint64_t g1_end;       /* waiters with cond_seq below it are in G1 */
  int refs;              /* signalled G1 waiters that slept and have not yet run */
  gsK_thread *cv_owner;  /* signaller holding the internal lock, or NULL */
  gsK_waitq cv_lock_wq;  /* signallers asleep on the internal lock */
  gsK_waitq quiesce_wq;  /* the owner, asleep until refs is 0 */
  uint64_t quiesce_waits;/* signals that waited for G1 to empty */
  gs_gil_stats st;
} gsG_gil;

void gsG_init(gsK_sim *s, gsG_gil *g, gs_gil kind);
/* Take the GIL for t (blocks while another thread holds it). */
bool gsG_take(gsK_sim *s, gsK_thread *t);
/* Drop the GIL held by t; with a pending drop request (new GIL) this waits
 * until another thread has taken it (forced switching). */
bool gsG_drop(gsK_sim *s, gsK_thread *t);
/* The old GIL's holder t, after a release and re-take: user ns of fetching
 * the GIL's cache lines back if another thread had written them last
 * (0 if not). */
gs_time gsG_line_cost(gsK_sim *s, gsK_thread *t);
/* The holder t reached an eval-breaker check point (new GIL): true if a
 * drop request is pending and t must drop and re-take the GIL. */
bool gsG_must_yield(const gsK_thread *t);

/* In a step function (variables s and t in scope): take or drop the GIL,
 * or return to come back to the same pc when the thread runs again. */
#define GSG_TAKE()             \
  do {                         \
    if (!gsG_take(s, t))       \
      return;                  \
  } while (0)
#define GSG_DROP()             \
  do {                         \
    if (!gsG_drop(s, t))       \
      return;                  \
  } while (0)

#endif
