/*
 * cgil.h - a Python global interpreter lock written in C with pthreads, for
 * real runs of the simulated workloads (the measured side of gilsim).
 *
 * Two variants, the same two the simulator models (sim/gil.c), built from
 * the same mechanisms that CPython uses rather than from a description of
 * their effects:
 *
 *   GS_GIL_NEW  CPython 3.2+ (Python/ceval_gil.c): waiters do timed waits of
 *               `interval` on a condition variable; one that times out with
 *               no switch in between sets an atomic drop request; the holder
 *               sees it at its next check point, drops, and (forced
 *               switching) waits until another thread has taken the GIL.
 *   GS_GIL_OLD  Python 2 (Python/ceval.c): a lock that signals a waiter but
 *               hands nothing over; every `check_interval` work units the
 *               holder releases it and at once takes it back.
 *
 * A thread that uses a GIL owns a gsh_gil_thread (its identity for
 * last_holder, and its own wait figures); it takes the GIL before running
 * "Python code", calls gsh_gil_check every few work units while it holds it,
 * and drops it around blocking calls and at exit.
 *
 * Failures of the pthread primitives underneath (EINVAL, EDEADLK) can only
 * come from a bug here; they abort() rather than return, because a lock that
 * failed half-way has no state a caller could recover.
 */
#ifndef GSH_CGIL_H
#define GSH_CGIL_H

#include "gs.h"

#include <stdint.h>

typedef struct gsh_gil gsh_gil;

/* One thread's view of a GIL.  Zero it (or call gsh_gil_thread_init) before
 * the thread's first take; only that thread writes it. */
typedef struct {
  int id;                    /* for the caller's own bookkeeping */
  int holding;               /* 1 between a take and the matching drop */
  uint64_t acquisitions;     /* takes completed */
  uint64_t releases;         /* drops completed */
  gs_time wait;              /* ns spent waiting for the GIL, summed */
  gs_time wait_max;          /* ns of the longest single wait */
} gsh_gil_thread;

/* Everything counted on one GIL.  `st` has the simulator's meaning
 * (gs.h gs_gil_stats); `drops` completes the picture for tests. */
typedef struct {
  gs_gil_stats st;
  uint64_t drops;            /* drops completed (forced or not) */
} gsh_gil_stats;

/* The defaults of CPython: sys.setswitchinterval(0.005) and Python 2's
 * sys.setcheckinterval(100). */
#define GSH_GIL_INTERVAL_US 5000
#define GSH_GIL_CHECK_INTERVAL 100

/* ---- Life cycle ---------------------------------------------------------- */

/* A new, free GIL of `kind` (GS_GIL_NEW or GS_GIL_OLD).  interval_us is the
 * new GIL's switch interval (>= 1 µs; 0: 5000), check_interval the old
 * GIL's units between release and re-acquire (>= 1; 0: 100).  Returns
 * GS_OK, GS_ERR_INVALID for a bad kind or value, GS_ERR_NOMEM. */
gs_err gsh_gil_create(gs_gil kind, int64_t interval_us, int64_t check_interval, gsh_gil **out,
                      gs_error *err);
/* Destroy a GIL that nobody holds or waits for. */
void gsh_gil_destroy(gsh_gil *g);
void gsh_gil_thread_init(gsh_gil_thread *t, int id);

/* ---- The handshake ------------------------------------------------------- */

/* Block until t holds the GIL. */
void gsh_gil_take(gsh_gil *g, gsh_gil_thread *t);
/* Release the GIL t holds.  New GIL: when a drop request is pending and
 * nobody has taken the GIL yet, wait until another thread has (forced
 * switching); the caller then takes it again like any waiter. */
void gsh_gil_drop(gsh_gil *g, gsh_gil_thread *t);
/* A check point of the holder t, after `units` work units since its last
 * one.  New GIL: drop and take again if a drop request is pending (the
 * eval breaker); units are ignored.  Old GIL: count units down on the
 * GIL's one ticker (shared by its holders, as Python 2's _Py_Ticker is);
 * at zero or below, reset it to the check interval, release and at once
 * re-acquire (so at most once per call).  Returns 1 when
 * it released the GIL, 0 otherwise.  Costs one atomic load when nothing is
 * pending (new), an add and a compare (old). */
int gsh_gil_check(gsh_gil *g, gsh_gil_thread *t, int64_t units);

/* ---- Figures ------------------------------------------------------------- */

/* A snapshot of the counters (each read atomically; consistent with each
 * other once no thread is inside take or drop). */
void gsh_gil_get_stats(const gsh_gil *g, gsh_gil_stats *out);
gs_gil gsh_gil_kind(const gsh_gil *g);
/* 1 if some thread holds the GIL now (a snapshot; for tests). */
int gsh_gil_is_locked(gsh_gil *g);

#endif
