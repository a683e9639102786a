/*
 * work.c - the workloads of a scenario, done for real by the calling
 * thread: the exact computations whose costs the simulator charges.
 *
 *   primes     the reference trial division: 2, then odd i while
 *              i*i <= n, stopping at the least prime factor (n if prime);
 *              one division is one work unit.
 *   countdown  n decrements of a volatile counter (the compiler may not
 *              fold the loop away); one decrement is one work unit.
 *   sleep      nanosleep for the task's duration, resumed after signals.
 *
 * A thread that holds a GIL reaches a check point every check_every work
 * units (gsh_gil_check: CPython's eval breaker, Python 2's ticker) and
 * drops the GIL around a sleep, as Py_BEGIN/END_ALLOW_THREADS do.  Without
 * a GIL the loops have no check points at all.
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

/* Largest r with r*r <= n.  The loop bound `i <= isqrt(n)` is the same
 * test as `i*i <= n`, without the overflow of i*i for n near 2^64. */
static uint64_t isqrt(uint64_t n)
{
  uint64_t r = 0;
  /* Bit by bit from the top: 32 steps, exact for every uint64_t. */
  for (int b = 31; b >= 0; b--) {
    uint64_t c = r | (UINT64_C(1) << b);
    if (c * c <= n)
      r = c;
  }
  return r;
}

/* Check points every `every` units; `every` is INT64_MAX without a GIL. */
static int64_t check_every(const gsh__worker *w)
{
  return w->gil ? w->run->check_every : INT64_MAX;
}

static uint64_t primes_task(gsh__worker *w, uint64_t n)
{
  if (n % 2 == 0)
    return 2;
  int64_t every = check_every(w), since = 1; /* the division by 2 */
  uint64_t limit = isqrt(n);
  for (uint64_t i = 3; i <= limit; i += 2) {
    if (n % i == 0)
      return i;
    if (++since >= every) {
      gsh_gil_check(w->gil, &w->gt, since);
      since = 0;
    }
  }
  return n;
}

uint64_t gsh__least_factor(uint64_t n)
{
  gsh__worker w = {0};
  return primes_task(&w, n);
}

static void countdown_task(gsh__worker *w, int64_t n)
{
  int64_t every = check_every(w);
  volatile int64_t left = n;
  while (left > 0) {
    int64_t chunk = left < every ? left : every;
    for (int64_t k = 0; k < chunk; k++)
      left = left - 1;
    if (w->gil)
      gsh_gil_check(w->gil, &w->gt, chunk);
  }
}

static void sleep_task(gsh__worker *w, gs_time ns)
{
  if (w->gil)
    gsh_gil_drop(w->gil, &w->gt);
  struct timespec left = {.tv_sec = (time_t)(ns / GS_SEC), .tv_nsec = (long)(ns % GS_SEC)};
  while (nanosleep(&left, &left) != 0 && errno == EINTR)
    ;
  if (w->gil)
    gsh_gil_take(w->gil, &w->gt);
}

void gsh__run_task(gsh__worker *w, size_t task, gs_task_result *out)
{
  const gsh__run *run = w->run;
  const gs_scenario *sc = run->sc;
  out->task = task;
  out->value = 0;
  out->tid = w->tid;
  out->started = gsh__now() - run->t0;
  if (run->o->crash && run->o->crash_task == task)
    raise(SIGKILL); /* the test hook: a worker dies in the middle of a run */
  switch (sc->workload) {
  case GS_WL_PRIMES:
    out->value = primes_task(w, sc->numbers[task]);
    break;
  case GS_WL_COUNTDOWN:
    countdown_task(w, sc->counts[task]);
    break;
  case GS_WL_SLEEP:
    sleep_task(w, sc->durations[task]);
    break;
  default:
    break; /* refused by gsh_run_here before anything runs */
  }
  out->finished = gsh__now() - run->t0;
  w->tasks++;
}
