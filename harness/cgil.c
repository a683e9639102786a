/*
 * cgil.c - the new (CPython 3.2+) and old (Python 2) global interpreter
 * locks, implemented for real with pthread mutexes, condition variables and
 * C11 atomics, so that measured runs meet the same mechanism the simulator
 * models (sim/gil.c) and the two can be compared figure by figure.
 *
 * A thread and the NEW GIL (function behind each arrow):
 *
 *               take: GIL free (no queue, no fairness)
 *   OUTSIDE -----------------------------------------------> HOLDING
 *    |  ^  ^                                                  |  |  |
 *    |  |  +-------- drop: no request pending, or another -----+  |  |
 *    |  |            thread took the GIL already                  |  |
 *    |  |                                                         |  |
 *    |  +--- FORCED <-------- drop: request pending and ----------+  |
 *    |       (wait on          last_holder still me                  |
 *    |       switch_cond until                                       |
 *    |       last_holder != me)         check: drop_request set ->   |
 *    |                                  drop, then take  <-----------+
 *    | take: locked
 *    v
 *   WAITING: timed wait of `interval` on cond; every wake-up restarts it.
 *     - timed out, still locked, switch_number unchanged: set drop_request
 *     - woken by a signal but locked again: a failed wake-up
 *     - found free: HOLDING (switch_number++ if last_holder was another
 *       thread; signal switch_cond; clear drop_request)
 *
 * The OLD GIL: OUTSIDE --take: free--> HOLDING; take: locked --> wait on
 * cond (no timeout) and look again (locked: a failed wake-up); HOLDING
 * --drop: locked = 0, signal cond--> OUTSIDE; check counts units down and
 * at zero does drop + take at once, so the releaser, still running, usually
 * wins the lock back before the signalled waiter has even woken up.
 *
 * Invariants:
 *   1. `locked`, `switch_number` and the old GIL's `ticker` change only
 *      under `mutex` (the ticker: only by the holder).
 *   2. `last_holder` changes under `switch_mutex` when the GIL is taken (so
 *      that a dropper deciding whether to wait for a switch cannot miss
 *      one), and by the dropper itself in drop, as in CPython.
 *   3. `drop_request` is set only by a waiter, under `mutex`; the holder
 *      reads it with no lock at its check points (CPython's eval breaker).
 *   4. Every counter is an atomic updated with relaxed order: they are
 *      figures, not synchronisation.
 *
 * Wait time is measured from the moment a taker finds the GIL held until it
 * holds it, with CLOCK_MONOTONIC: an uncontended take costs one mutex
 * lock/unlock and counts no wait at all.
 */
#include "cgil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct gsh_gil {
  gs_gil kind;
  int64_t interval_ns;    /* new: the switch interval */
  int64_t check_interval; /* old: units between release and re-acquire */

  pthread_mutex_t mutex;
  pthread_cond_t cond;    /* waiters for the GIL; CLOCK_MONOTONIC timeouts */
  int locked;             /* under mutex (invariant 1) */
  unsigned long switch_number;
  int64_t ticker;         /* old: units left before the next release */

  pthread_mutex_t switch_mutex;
  pthread_cond_t switch_cond; /* new: a forced dropper waits here */
  _Atomic(gsh_gil_thread *) last_holder;
  atomic_int drop_request;

  atomic_uint_least64_t acquisitions, switches, drop_requests, forced_switches, failed_wakeups,
    drops;
  atomic_int_least64_t wait_ns;
};

/* A pthread call failed: a bug in this file, never a condition of the run. */
static void must(int rc)
{
  if (rc != 0)
    abort();
}

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec deadline_after(int64_t ns)
{
  int64_t t = now_ns() + ns;
  struct timespec ts = {.tv_sec = (time_t)(t / 1000000000), .tv_nsec = (long)(t % 1000000000)};
  return ts;
}

static void count(atomic_uint_least64_t *c)
{
  atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static uint64_t read_count(const atomic_uint_least64_t *c)
{
  return atomic_load_explicit((atomic_uint_least64_t *)c, memory_order_relaxed);
}

gs_err gsh_gil_create(gs_gil kind, int64_t interval_us, int64_t check_interval, gsh_gil **out,
                      gs_error *err)
{
  *out = NULL;
  if (kind != GS_GIL_NEW && kind != GS_GIL_OLD) {
    snprintf(err->msg, sizeof err->msg, "a C GIL is 'new' or 'old', not '%s'", gs_gil_name(kind));
    return GS_ERR_INVALID;
  }
  if (interval_us == 0)
    interval_us = GSH_GIL_INTERVAL_US;
  if (check_interval == 0)
    check_interval = GSH_GIL_CHECK_INTERVAL;
  /* 10^9 µs (17 minutes) keeps the nanosecond arithmetic far from overflow. */
  if (interval_us < 1 || interval_us > 1000000000) {
    snprintf(err->msg, sizeof err->msg,
             "switch interval: expected 1 to 1000000000 µs, got %lld", (long long)interval_us);
    return GS_ERR_INVALID;
  }
  if (check_interval < 1) {
    snprintf(err->msg, sizeof err->msg, "check interval: expected at least 1, got %lld",
             (long long)check_interval);
    return GS_ERR_INVALID;
  }
  gsh_gil *g = calloc(1, sizeof *g);
  if (!g) {
    snprintf(err->msg, sizeof err->msg, "out of memory creating a GIL");
    return GS_ERR_NOMEM;
  }
  g->kind = kind;
  g->interval_ns = interval_us * 1000;
  g->check_interval = check_interval;
  g->ticker = check_interval;

  /* The timed waits must not jump with the wall clock (NTP, settimeofday). */
  pthread_condattr_t ca;
  must(pthread_condattr_init(&ca));
  must(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
  must(pthread_mutex_init(&g->mutex, NULL));
  must(pthread_cond_init(&g->cond, &ca));
  must(pthread_mutex_init(&g->switch_mutex, NULL));
  must(pthread_cond_init(&g->switch_cond, &ca));
  must(pthread_condattr_destroy(&ca));
  atomic_init(&g->last_holder, NULL);
  atomic_init(&g->drop_request, 0);
  atomic_init(&g->acquisitions, 0);
  atomic_init(&g->switches, 0);
  atomic_init(&g->drop_requests, 0);
  atomic_init(&g->forced_switches, 0);
  atomic_init(&g->failed_wakeups, 0);
  atomic_init(&g->drops, 0);
  atomic_init(&g->wait_ns, 0);
  *out = g;
  return GS_OK;
}

void gsh_gil_destroy(gsh_gil *g)
{
  if (!g)
    return;
  must(pthread_cond_destroy(&g->switch_cond));
  must(pthread_mutex_destroy(&g->switch_mutex));
  must(pthread_cond_destroy(&g->cond));
  must(pthread_mutex_destroy(&g->mutex));
  free(g);
}

void gsh_gil_thread_init(gsh_gil_thread *t, int id)
{
  *t = (gsh_gil_thread){.id = id};
}

/* The GIL is now t's (mutex held): the bookkeeping common to both kinds. */
static void acquired(gsh_gil *g, gsh_gil_thread *t, int64_t wait_since)
{
  g->locked = 1;
  t->holding = 1;
  t->acquisitions++;
  count(&g->acquisitions);
  if (wait_since >= 0) {
    int64_t w = now_ns() - wait_since;
    t->wait += w;
    if (w > t->wait_max)
      t->wait_max = w;
    atomic_fetch_add_explicit(&g->wait_ns, w, memory_order_relaxed);
  }
}

/* ---- New GIL ------------------------------------------------------------- */

static void take_new(gsh_gil *g, gsh_gil_thread *t)
{
  int64_t wait_since = -1;
  must(pthread_mutex_lock(&g->mutex));
  if (g->locked)
    wait_since = now_ns();
  while (g->locked) {
    unsigned long seen = g->switch_number;
    /* A fresh deadline on every pass: any wake-up restarts the interval. */
    struct timespec until = deadline_after(g->interval_ns);
    int rc = pthread_cond_timedwait(&g->cond, &g->mutex, &until);
    if (rc != 0 && rc != ETIMEDOUT)
      abort();
    if (rc == ETIMEDOUT) {
      /* Ask once per holder: a request already pending is not a new one. */
      if (g->locked && g->switch_number == seen &&
          atomic_exchange(&g->drop_request, 1) == 0)
        count(&g->drop_requests);
    } else if (g->locked) {
      /* Signalled (or woken spuriously; POSIX cannot tell them apart) and
       * someone else got there first. */
      count(&g->failed_wakeups);
    }
  }
  /* switch_mutex before last_holder (invariant 2): a dropper that looks at
   * last_holder under switch_mutex either sees this change or waits and is
   * woken by the signal below. */
  must(pthread_mutex_lock(&g->switch_mutex));
  acquired(g, t, wait_since);
  if (atomic_load(&g->last_holder) != t) {
    atomic_store(&g->last_holder, t);
    g->switch_number++;
    count(&g->switches);
  }
  must(pthread_cond_signal(&g->switch_cond));
  must(pthread_mutex_unlock(&g->switch_mutex));
  atomic_store(&g->drop_request, 0);
  must(pthread_mutex_unlock(&g->mutex));
}

static void drop_new(gsh_gil *g, gsh_gil_thread *t)
{
  atomic_store(&g->last_holder, t);
  must(pthread_mutex_lock(&g->mutex));
  g->locked = 0;
  t->holding = 0;
  must(pthread_cond_signal(&g->cond));
  must(pthread_mutex_unlock(&g->mutex));
  t->releases++;
  count(&g->drops);

  /* Forced switching: with a request pending, do not race the waiter that
   * asked for the GIL; wait until some other thread holds it.  The request
   * was set by a thread still inside take, so someone will take it. */
  if (atomic_load(&g->drop_request)) {
    must(pthread_mutex_lock(&g->switch_mutex));
    if (atomic_load(&g->last_holder) == t) {
      atomic_store(&g->drop_request, 0);
      count(&g->forced_switches);
      while (atomic_load(&g->last_holder) == t) /* also absorbs spurious wake-ups */
        must(pthread_cond_wait(&g->switch_cond, &g->switch_mutex));
    }
    must(pthread_mutex_unlock(&g->switch_mutex));
  }
}

/* ---- Old GIL ------------------------------------------------------------- */

static void take_old(gsh_gil *g, gsh_gil_thread *t)
{
  int64_t wait_since = -1;
  must(pthread_mutex_lock(&g->mutex));
  if (g->locked)
    wait_since = now_ns();
  while (g->locked) {
    must(pthread_cond_wait(&g->cond, &g->mutex));
    if (g->locked)
      count(&g->failed_wakeups);
  }
  acquired(g, t, wait_since);
  if (atomic_load(&g->last_holder) != t) {
    atomic_store(&g->last_holder, t);
    g->switch_number++;
    count(&g->switches);
  }
  must(pthread_mutex_unlock(&g->mutex));
}

static void drop_old(gsh_gil *g, gsh_gil_thread *t)
{
  must(pthread_mutex_lock(&g->mutex));
  g->locked = 0;
  t->holding = 0;
  must(pthread_mutex_unlock(&g->mutex));
  /* Signal after unlocking, as Python 2's thread_pthread.h does: the
   * waiter only becomes runnable; nothing is handed over. */
  must(pthread_cond_signal(&g->cond));
  t->releases++;
  count(&g->drops);
}

/* ---- Common entry points --------------------------------------------------- */

void gsh_gil_take(gsh_gil *g, gsh_gil_thread *t)
{
  if (t->holding)
    abort(); /* a second take by the holder would deadlock */
  if (g->kind == GS_GIL_NEW)
    take_new(g, t);
  else
    take_old(g, t);
}

void gsh_gil_drop(gsh_gil *g, gsh_gil_thread *t)
{
  if (!t->holding)
    abort(); /* dropping a GIL one does not hold breaks invariant 1 */
  if (g->kind == GS_GIL_NEW)
    drop_new(g, t);
  else
    drop_old(g, t);
}

int gsh_gil_check(gsh_gil *g, gsh_gil_thread *t, int64_t units)
{
  if (g->kind == GS_GIL_NEW) {
    if (!atomic_load_explicit(&g->drop_request, memory_order_relaxed))
      return 0;
  } else {
    /* Only the holder touches the ticker, and the GIL's mutex orders one
     * holder's writes before the next holder's reads. */
    g->ticker -= units;
    if (g->ticker > 0)
      return 0;
    g->ticker = g->check_interval;
  }
  gsh_gil_drop(g, t);
  gsh_gil_take(g, t);
  return 1;
}

void gsh_gil_get_stats(const gsh_gil *g, gsh_gil_stats *out)
{
  out->st.acquisitions = read_count(&g->acquisitions);
  out->st.switches = read_count(&g->switches);
  out->st.drop_requests = read_count(&g->drop_requests);
  out->st.forced_switches = read_count(&g->forced_switches);
  out->st.failed_wakeups = read_count(&g->failed_wakeups);
  out->st.wait = atomic_load_explicit((atomic_int_least64_t *)&g->wait_ns, memory_order_relaxed);
  out->drops = read_count(&g->drops);
}

gs_gil gsh_gil_kind(const gsh_gil *g) { return g->kind; }

int gsh_gil_is_locked(gsh_gil *g)
{
  must(pthread_mutex_lock(&g->mutex));
  int locked = g->locked;
  must(pthread_mutex_unlock(&g->mutex));
  return locked;
}
