/* The C GIL of the harness (harness/cgil.c): its handshake, checked with
 * real threads.  No test asserts a duration: each waits for an event (a
 * flag, a join) and then checks counters and the order of what happened. */
#include "cgil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

static gsh_gil *make(gs_gil kind, int64_t interval_us, int64_t check_interval)
{
  gsh_gil *g = NULL;
  gs_error err = {{0}};
  gs_err e = gsh_gil_create(kind, interval_us, check_interval, &g, &err);
  cr_assert_eq(e, GS_OK, "gsh_gil_create: %s", err.msg);
  return g;
}

static gsh_gil_stats stats(const gsh_gil *g)
{
  gsh_gil_stats s;
  gsh_gil_get_stats(g, &s);
  return s;
}

static void spin_until(atomic_int *flag)
{
  while (!atomic_load(flag))
    sched_yield();
}

/* ---- One thread ------------------------------------------------------------ */

static void single_thread(gs_gil kind)
{
  gsh_gil *g = make(kind, 1000, 10);
  gsh_gil_thread t;
  gsh_gil_thread_init(&t, 1);
  int released = 0;
  for (int i = 0; i < 1000; i++) {
    gsh_gil_take(g, &t);
    for (int k = 0; k < 5; k++)
      released += gsh_gil_check(g, &t, 10);
    gsh_gil_drop(g, &t);
  }
  gsh_gil_stats s = stats(g);
  cr_assert_eq(s.st.acquisitions, 1000 + (uint64_t)released);
  cr_assert_eq(s.drops, s.st.acquisitions);
  cr_assert_eq(s.st.switches, 1, "only the first take changes the holder");
  cr_assert_eq(s.st.wait, 0);
  cr_assert_eq(t.wait, 0);
  cr_assert_eq(t.wait_max, 0);
  cr_assert_eq(s.st.drop_requests, 0);
  cr_assert_eq(s.st.forced_switches, 0);
  cr_assert_eq(s.st.failed_wakeups, 0);
  cr_assert_eq(gsh_gil_is_locked(g), 0);
  gsh_gil_destroy(g);
}

Test(harness_gil, new_gil_single_thread_never_waits_nor_asks_for_a_drop)
{
  single_thread(GS_GIL_NEW);
}

Test(harness_gil, old_gil_single_thread_never_waits_and_releases_every_check_interval)
{
  single_thread(GS_GIL_OLD);
}

Test(harness_gil, old_gil_check_releases_once_per_check_interval_units)
{
  gsh_gil *g = make(GS_GIL_OLD, 0, 100);
  gsh_gil_thread t;
  gsh_gil_thread_init(&t, 1);
  gsh_gil_take(g, &t);
  int released = 0;
  for (int i = 0; i < 1000; i++) /* 10,000 units in steps of 10 */
    released += gsh_gil_check(g, &t, 10);
  gsh_gil_drop(g, &t);
  cr_assert_eq(released, 100);
  gsh_gil_destroy(g);
}

Test(harness_gil, new_gil_check_without_request_keeps_the_gil)
{
  gsh_gil *g = make(GS_GIL_NEW, 0, 0);
  gsh_gil_thread t;
  gsh_gil_thread_init(&t, 1);
  gsh_gil_take(g, &t);
  for (int i = 0; i < 1000; i++)
    cr_assert_eq(gsh_gil_check(g, &t, 100), 0);
  gsh_gil_drop(g, &t);
  cr_assert_eq(stats(g).st.acquisitions, 1);
  gsh_gil_destroy(g);
}

Test(harness_gil, create_refuses_a_gil_that_is_neither_new_nor_old)
{
  gsh_gil *g = (gsh_gil *)1;
  gs_error err = {{0}};
  cr_assert_eq(gsh_gil_create(GS_GIL_NONE, 0, 0, &g, &err), GS_ERR_INVALID);
  cr_assert_null(g);
  cr_assert(strstr(err.msg, "none") != NULL, "%s", err.msg);
  cr_assert_eq(gsh_gil_create(GS_GIL_NEW, -5, 0, &g, &err), GS_ERR_INVALID);
}

/* ---- A holder that only lets go when asked (new GIL) ------------------------ */

/* The sequence log: who did what, in the order it happened. */
enum { EV_WAITER_TOOK = 1, EV_HOLDER_RETOOK };

typedef struct {
  gsh_gil *g;
  atomic_int holding;     /* the holder has the GIL */
  atomic_int waiter_done; /* the waiter has had the GIL and let it go */
  pthread_mutex_t log_lock;
  int log[64];
  int nlog;
  int holder_switched;    /* check() calls of the holder that released */
  gsh_gil_thread ht, wt;
} duel;

static void log_event(duel *d, int ev)
{
  pthread_mutex_lock(&d->log_lock);
  if (d->nlog < 64)
    d->log[d->nlog++] = ev;
  pthread_mutex_unlock(&d->log_lock);
}

/* Holds the GIL and spins on check points; the GIL leaves it only through
 * a drop request. */
static void *holder(void *arg)
{
  duel *d = arg;
  gsh_gil_take(d->g, &d->ht);
  atomic_store(&d->holding, 1);
  while (!atomic_load(&d->waiter_done))
    if (gsh_gil_check(d->g, &d->ht, 1)) {
      d->holder_switched++;
      log_event(d, EV_HOLDER_RETOOK);
    }
  gsh_gil_drop(d->g, &d->ht);
  return NULL;
}

static void *waiter(void *arg)
{
  duel *d = arg;
  spin_until(&d->holding);
  gsh_gil_take(d->g, &d->wt);
  log_event(d, EV_WAITER_TOOK);
  gsh_gil_drop(d->g, &d->wt);
  atomic_store(&d->waiter_done, 1);
  return NULL;
}

static void run_duel(duel *d)
{
  memset(d, 0, sizeof *d);
  d->g = make(GS_GIL_NEW, 1000, 0); /* 1 ms: the test waits about that long */
  pthread_mutex_init(&d->log_lock, NULL);
  gsh_gil_thread_init(&d->ht, 1);
  gsh_gil_thread_init(&d->wt, 2);
  pthread_t h, w;
  cr_assert_eq(pthread_create(&h, NULL, holder, d), 0);
  cr_assert_eq(pthread_create(&w, NULL, waiter, d), 0);
  pthread_join(w, NULL);
  pthread_join(h, NULL);
  pthread_mutex_destroy(&d->log_lock);
}

Test(harness_gil, waiter_sets_drop_request_after_timed_out_wait_while_holder_spins,
     .timeout = 10)
{
  duel d;
  run_duel(&d);
  gsh_gil_stats s = stats(d.g);
  cr_assert_geq(s.st.drop_requests, 1);
  cr_assert_geq(s.st.switches, 2, "holder, then waiter");
  cr_assert_gt(d.wt.wait, 0, "the waiter waited for the holder");
  cr_assert_geq(d.holder_switched, 1, "the holder let go only at a check point");
  gsh_gil_destroy(d.g);
}

Test(harness_gil, forced_switch_hands_gil_to_requester_before_dropper_retakes, .timeout = 10)
{
  /* Whether the dropper has to wait depends on a race CPython has too: the
   * requester may take the GIL (clearing the request) between the drop and
   * the dropper's look at the request, and then no wait is needed.  So
   * duel until one forced switch has happened; the order of the log must
   * hold in every duel, forced or not. */
  uint64_t forced = 0;
  for (int round = 0; round < 50 && forced == 0; round++) {
    duel d;
    run_duel(&d);
    gsh_gil_stats s = stats(d.g);
    forced = s.st.forced_switches;
    cr_assert_leq(s.st.forced_switches, s.st.drop_requests,
                  "each forced switch answers a request");
    cr_assert_geq(d.nlog, 2);
    /* Without forced switching the dropper, still running, could take the
     * GIL straight back and log first. */
    cr_assert_eq(d.log[0], EV_WAITER_TOOK, "round %d", round);
    cr_assert_eq(d.log[1], EV_HOLDER_RETOOK, "round %d", round);
    gsh_gil_destroy(d.g);
  }
  cr_assert_geq(forced, 1, "no forced switch in 50 duels");
}

/* ---- Many threads: every take has its drop ----------------------------------- */

typedef struct {
  gsh_gil *g;
  gsh_gil_thread t;
  long *counter;   /* shared, protected by the GIL alone */
  long rounds;
  int sleepy;      /* also drop and re-take every 1000 rounds, like a sleep */
} counter_thread;

static void *count_under_gil(void *arg)
{
  counter_thread *c = arg;
  gsh_gil_take(c->g, &c->t);
  for (long i = 1; i <= c->rounds; i++) {
    long v = *c->counter; /* a lost update would show if two held the GIL */
    *c->counter = v + 1;
    if (i % 10 == 0)
      gsh_gil_check(c->g, &c->t, 10);
    if (c->sleepy && i % 1000 == 0) {
      gsh_gil_drop(c->g, &c->t);
      sched_yield();
      gsh_gil_take(c->g, &c->t);
    }
  }
  gsh_gil_drop(c->g, &c->t);
  return NULL;
}

static void run_counters(gs_gil kind, int n, long rounds, int sleepy, gsh_gil **gout,
                         counter_thread *cs, long *counter)
{
  *gout = make(kind, 50, 100);
  *counter = 0;
  pthread_t th[8];
  cr_assert_leq(n, 8);
  for (int i = 0; i < n; i++) {
    cs[i] = (counter_thread){.g = *gout, .counter = counter, .rounds = rounds, .sleepy = sleepy};
    gsh_gil_thread_init(&cs[i].t, i + 1);
    cr_assert_eq(pthread_create(&th[i], NULL, count_under_gil, &cs[i]), 0);
  }
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
}

Test(harness_gil, old_gil_two_threads_counting_both_finish_with_consistent_acquisitions,
     .timeout = 10)
{
  gsh_gil *g;
  counter_thread cs[2];
  long counter;
  run_counters(GS_GIL_OLD, 2, 200000, 0, &g, cs, &counter);
  cr_assert_eq(counter, 400000, "no update lost: one holder at a time");
  gsh_gil_stats s = stats(g);
  cr_assert_eq(s.st.acquisitions, cs[0].t.acquisitions + cs[1].t.acquisitions);
  /* One ticker for the process, as Python 2's: 400,000 units in steps of
   * 10, a release every 100, whoever holds the GIL; plus each first take. */
  cr_assert_eq(s.st.acquisitions, 2 + 400000 / 100);
  cr_assert_eq(s.drops, s.st.acquisitions);
  cr_assert_geq(s.st.switches, 2);
  cr_assert_eq(s.st.drop_requests, 0, "the old GIL has no drop requests");
  cr_assert_eq(s.st.forced_switches, 0);
  gsh_gil_destroy(g);
}

static void every_take_has_a_drop(gs_gil kind)
{
  gsh_gil *g;
  counter_thread cs[4];
  long counter;
  run_counters(kind, 4, 50000, 1, &g, cs, &counter);
  cr_assert_eq(counter, 4 * 50000);
  gsh_gil_stats s = stats(g);
  uint64_t takes = 0, drops = 0;
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(cs[i].t.acquisitions, cs[i].t.releases, "thread %d", i + 1);
    cr_assert_eq(cs[i].t.holding, 0);
    takes += cs[i].t.acquisitions;
    drops += cs[i].t.releases;
  }
  cr_assert_eq(s.st.acquisitions, takes);
  cr_assert_eq(s.drops, drops);
  cr_assert_eq(s.st.acquisitions, s.drops);
  cr_assert_eq(gsh_gil_is_locked(g), 0);
  cr_assert_leq(s.st.forced_switches, s.st.drop_requests);
  cr_assert_leq(s.st.switches, s.st.acquisitions);
  gsh_gil_destroy(g);
}

Test(harness_gil, new_gil_every_take_has_a_matching_drop, .timeout = 10)
{
  every_take_has_a_drop(GS_GIL_NEW);
}

Test(harness_gil, old_gil_every_take_has_a_matching_drop, .timeout = 10)
{
  every_take_has_a_drop(GS_GIL_OLD);
}
