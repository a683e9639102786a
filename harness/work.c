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
 *   download   one blocking GET of file i from the run's loopback server
 *              (gsn_get_blocking_timed, 30 s stall time-out), expecting
 *              sizes[i] bytes; the value is the bytes received.  The GIL
 *              is dropped around the whole download, as urllib's socket
 *              calls drop it.  The client CPU per byte of the scenario
 *              (cpu_per_byte) is not modelled in C: the C client's own
 *              cost of reading the bytes is all there is.
 *   convoy     task 0 is the I/O thread: `ops` times { drop the GIL;
 *              nanosleep for the (constant) latency - a real blocking call
 *              of that length; take the GIL; op_cpu ns of work }.  Tasks
 *              1..K compute `cpu` ns of work each.  "ns of work" is a
 *              countdown of ns * units_per_ns decrements, the rate
 *              calibrated once per run (gsh__calibrate) on this CPU, with
 *              the GIL check points of any countdown.
 *
 * A thread that holds a GIL reaches a check point every check_every work
 * units (gsh_gil_check: CPython's eval breaker, Python 2's ticker) and
 * drops the GIL around a sleep, as Py_BEGIN/END_ALLOW_THREADS do.  Without
 * a GIL the loops have no check points at all.
 */
#include "internal.h"

#include "client.h"

#include <errno.h>
#include <math.h>
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

uint64_t gsh_least_factor(uint64_t n)
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

void gsh_countdown(int64_t n)
{
  gsh__worker w = {0};
  countdown_task(&w, n);
}

/* A worker of a run whose only setting is the spacing of check points;
 * it holds g from here to gil_end. */
static void gil_begin(gsh__worker *w, gsh__run *run, gsh_gil *g, int64_t every)
{
  *run = (gsh__run){.check_every = every > 0 ? every : GSH_CHECK_EVERY};
  *w = (gsh__worker){.run = run, .gil = g};
  gsh_gil_thread_init(&w->gt, 0);
  gsh_gil_take(g, &w->gt);
}

static void gil_end(gsh__worker *w)
{
  gsh_gil_drop(w->gil, &w->gt);
}

uint64_t gsh_least_factor_gil(uint64_t n, gsh_gil *g, int64_t every)
{
  gsh__run run;
  gsh__worker w;
  gil_begin(&w, &run, g, every);
  uint64_t f = primes_task(&w, n);
  gil_end(&w);
  return f;
}

void gsh_countdown_gil(int64_t n, gsh_gil *g, int64_t every)
{
  gsh__run run;
  gsh__worker w;
  gil_begin(&w, &run, g, every);
  countdown_task(&w, n);
  gil_end(&w);
}

static void sleep_ns(gs_time ns)
{
  if (ns <= 0)
    return;
  struct timespec left = {.tv_sec = (time_t)(ns / GS_SEC), .tv_nsec = (long)(ns % GS_SEC)};
  while (nanosleep(&left, &left) != 0 && errno == EINTR)
    ;
}

static void sleep_task(gsh__worker *w, gs_time ns)
{
  if (w->gil)
    gsh_gil_drop(w->gil, &w->gt);
  sleep_ns(ns);
  if (w->gil)
    gsh_gil_take(w->gil, &w->gt);
}

static int64_t thread_cpu_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * GS_SEC + ts.tv_nsec;
}

double gsh__calibrate(void)
{
  /* 2^20 decrements take about a millisecond; the fastest of five tries
   * is the least disturbed by interrupts and frequency ramps.  First 50 ms
   * of CPU in the loop: a core that was idle runs the first tens of
   * milliseconds markedly slower (a first try measured up to a third
   * below the rate seconds later), and a rate taken then makes every
   * convoy step worth less CPU than the scenario says. */
  const int64_t units = INT64_C(1) << 20;
  for (int64_t start = thread_cpu_ns(); thread_cpu_ns() - start < 50 * INT64_C(1000000);) {
    gsh__worker w = {0};
    countdown_task(&w, units);
  }
  double best = 0;
  for (int k = 0; k < 5; k++) {
    gsh__worker w = {0};
    int64_t t = thread_cpu_ns();
    countdown_task(&w, units);
    t = thread_cpu_ns() - t;
    double rate = (double)units / (double)(t > 0 ? t : 1);
    if (rate > best)
      best = rate;
  }
  return best > 0 ? best : 1.0;
}

/* ns of work as a countdown at the run's calibrated rate. */
static void work_ns(gsh__worker *w, gs_time ns)
{
  double units = (double)ns * w->run->units_per_ns;
  if (units >= 1)
    countdown_task(w, units < 9e18 ? (int64_t)llround(units) : INT64_MAX);
}

static void convoy_task(gsh__worker *w, size_t task)
{
  const gs_convoy *c = &w->run->sc->convoy;
  if (task > 0) {
    work_ns(w, c->cpu);
    return;
  }
  gs_time latency = (gs_time)llround(c->latency.a); /* GS_DIST_CONST: checked by run.c */
  for (int64_t op = 0; op < c->ops; op++) {
    if (w->gil)
      gsh_gil_drop(w->gil, &w->gt);
    sleep_ns(latency);
    if (w->gil)
      gsh_gil_take(w->gil, &w->gt);
    work_ns(w, c->op_cpu);
  }
}

static uint64_t download_task(gsh__worker *w, size_t task)
{
  const gsh__run *run = w->run;
  gsn_get_result res = {0};
  gs_error err = {{0}};
  if (w->gil)
    gsh_gil_drop(w->gil, &w->gt); /* Py_BEGIN_ALLOW_THREADS around the socket calls */
  gs_err e = gsn_get_blocking_timed(run->port, (int64_t)task, run->sc->sizes[task], 30.0, &res,
                                    &err);
  if (w->gil)
    gsh_gil_take(w->gil, &w->gt);
  if (e != GS_OK && run->first)
    gsh__task_error(run->first, &err);
  return res.bytes > 0 ? (uint64_t)res.bytes : 0;
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
  case GS_WL_DOWNLOAD:
    out->value = download_task(w, task);
    break;
  case GS_WL_CONVOY:
    convoy_task(w, task);
    break;
  default:
    break; /* refused by gsh_run_here before anything runs */
  }
  out->finished = gsh__now() - run->t0;
  w->tasks++;
}
