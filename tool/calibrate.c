/*
 * calibrate.c - gilsim calibrate: time primitive costs on this host and
 * write them as a calibration file of model parameters.
 *
 *   gilsim calibrate [-o FILE] [--quick] [--rounds N]
 *   gilsim calibrate --check FILE     (validate a calibration file)
 *
 * Only primitives are timed (one division, one syscall, one fork, one
 * pipe ping-pong...), each as the median of repeated runs; nothing is
 * fitted to a workload.  Runtime c is timed here in C; runtime cpython by
 * harness/python/calibrate.py, started with an argument vector (never a
 * shell), which prints one JSON object.  The file is libconfig:
 *
 *   c = { params = { div = 2.1; ... }; };
 *   cpython = { params = { div = 75.3; ... }; };
 *
 * values in the parameters' units (ns for durations), each with a comment
 * saying what was timed.  FILE is checked before anything is timed, and
 * written to a temporary file in the same folder, renamed over it only when
 * complete and removed if a signal ends the run (output.h).
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET, syscall, gethostname */

#include "cli.h"
#include "cgil.h"
#include "child.h"
#include "harness.h"
#include "output.h"

#include <errno.h>
#include <math.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef GILSIM_PYTHON_DIR
#error "GILSIM_PYTHON_DIR must name the folder of calibrate.py (the build sets it)"
#endif

static const char calibrate_usage[] =
  "usage: gilsim calibrate [-o FILE] [--quick] [--rounds N]\n"
  "       gilsim calibrate --check FILE\n";

void put_calibrate_details(FILE *f)
{
  fputs("\nTime primitive costs on this host (one trial division, one countdown\n"
        "step, a context switch, a cross-core wake-up, a system call, thread\n"
        "create and join, fork and exit, IPC, event-loop iterations...) for\n"
        "runtime c (in C) and runtime cpython (python3\n"
        "harness/python/calibrate.py), each the median of repeated runs, and\n"
        "write them as a libconfig file: c = { params = {...}; }; cpython = {\n"
        "params = {...}; }; with the parameter names of 'gilsim params'.\n\n"
        "Options of calibrate:\n"
        "  -o FILE            write to FILE (default data/calibration/HOST.cfg\n"
        "                     under the current folder, created if missing);\n"
        "                     FILE is replaced only when complete\n"
        "  --quick            fewer repetitions, one round (a few seconds; for\n"
        "                     tests)\n"
        "  --rounds N         time the whole set N times over (1 to 9, default\n"
        "                     3) and keep each value's median of the rounds: a\n"
        "                     slow minute on a shared host moves one round\n"
        "  --check FILE       validate a calibration file: every name must be a\n"
        "                     model parameter and every value in its range\n"
        "  -h, --help         show this help and exit\n\n"
        "Exit status: 0 success; 1 a measurement failed (python3 missing...) or\n"
        "FILE could not be written at the end; 2 bad command line, an invalid\n"
        "file (--check) or a FILE that cannot be written (refused at once).\n"
        "Killed by ^C, SIGTERM or SIGHUP, it first kills python3 and leaves FILE\n"
        "as it was.\n",
        f);
}

/* ---- Timing helpers ------------------------------------------------------ */

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { MAXREP = 512, MAXROUNDS = 9 };

/* What one measured value is: ns, repetitions, how it was taken. */
typedef struct {
  const char *name; /* parameter name, or NULL for comment-only */
  double ns;
  int n;
  char what[512];
  char rounds[160]; /* "0.52, 0.38, 0.28" when the median of rounds */
} calib_value;

typedef struct {
  calib_value v[40];
  int count;
} calib_list;

static calib_value *add(calib_list *l, const char *name, double ns, int n, const char *fmt, ...)
  __attribute__((format(printf, 5, 6)));
static calib_value *add(calib_list *l, const char *name, double ns, int n, const char *fmt, ...)
{
  if (l->count >= (int)(sizeof l->v / sizeof l->v[0]))
    return NULL;
  calib_value *c = &l->v[l->count++];
  c->name = name;
  c->ns = ns;
  c->n = n;
  c->rounds[0] = '\0';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->what, sizeof c->what, fmt, ap);
  va_end(ap);
  return c;
}

/* ---- Runtime c ----------------------------------------------------------- */

/* The harness's own trial-division loop (harness/work.c) on a prime p:
 * every odd i from 3 to isqrt(p), (isqrt(p) - 1) / 2 divisions. */
static double time_div(uint64_t p)
{
  uint64_t r = (uint64_t)sqrtl((long double)p);
  while (r * r > p)
    r--;
  while ((r + 1) * (r + 1) <= p)
    r++;
  uint64_t divisions = r >= 3 ? (r - 3) / 2 + 1 : 0;
  double t0 = now_ns();
  uint64_t f = gsh_least_factor(p);
  double t1 = now_ns();
  if (f != p || divisions == 0)
    return -1; /* not a prime: the count would be wrong */
  return (t1 - t0) / (double)divisions;
}

/* The harness's own countdown loop. */
static double time_countdown(long iters)
{
  double t0 = now_ns();
  gsh_countdown(iters);
  return (now_ns() - t0) / (double)iters;
}

static double time_syscall(long iters)
{
  double t0 = now_ns();
  for (long i = 0; i < iters; i++)
    syscall(SYS_getppid);
  return (now_ns() - t0) / (double)iters;
}

static int pin(int cpu)
{
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  return sched_setaffinity(0, sizeof s, &s);
}

static int read_full(int fd, void *buf, size_t n)
{
  char *p = buf;
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
  const char *p = buf;
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Half the round trip of a one-byte pipe ping-pong between two processes,
 * the parent on cpu a and the child on cpu b; the median of reps runs of
 * iters round trips.  < 0 on failure. */
static double time_pingpong(int a, int b, int reps, long iters)
{
  int p2c[2], c2p[2];
  if (pipe(p2c) < 0)
    return -1;
  if (pipe(c2p) < 0) {
    close(p2c[0]);
    close(p2c[1]);
    return -1;
  }
  cpu_set_t old;
  sched_getaffinity(0, sizeof old, &old);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    close(p2c[1]);
    close(c2p[0]);
    pin(b);
    char c;
    while (read_full(p2c[0], &c, 1) == 0)
      if (write_full(c2p[1], &c, 1) < 0)
        break;
    _exit(0);
  }
  close(p2c[0]);
  close(c2p[1]);
  pin(a);
  double v[MAXREP];
  int ok = 1;
  char c = 'x';
  for (int i = 0; i < 100 && ok; i++) /* warm up */
    ok = write_full(p2c[1], &c, 1) == 0 && read_full(c2p[0], &c, 1) == 0;
  for (int r = 0; r < reps && ok; r++) {
    double t0 = now_ns();
    for (long i = 0; i < iters && ok; i++)
      ok = write_full(p2c[1], &c, 1) == 0 && read_full(c2p[0], &c, 1) == 0;
    v[r] = (now_ns() - t0) / (double)iters / 2;
  }
  close(p2c[1]);
  close(c2p[0]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  sched_setaffinity(0, sizeof old, &old);
  return ok ? median(v, reps) : -1;
}

static void *thread_noop(void *arg) { return arg; }

static int time_threads(int reps, double *create, double *join)
{
  double c[MAXREP], j[MAXREP];
  for (int r = 0; r < reps; r++) {
    pthread_t t;
    double t0 = now_ns();
    if (pthread_create(&t, NULL, thread_noop, NULL) != 0)
      return -1;
    double t1 = now_ns();
    pthread_join(t, NULL);
    double t2 = now_ns();
    c[r] = t1 - t0;
    j[r] = t2 - t1;
  }
  *create = median(c, reps);
  *join = median(j, reps);
  return 0;
}

static int time_fork(int reps, double *fork_ns, double *exit_ns)
{
  double f[MAXREP], e[MAXREP];
  for (int r = 0; r < reps; r++) {
    double t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
      return -1;
    if (pid == 0)
      _exit(0);
    double t1 = now_ns();
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    double t2 = now_ns();
    f[r] = t1 - t0;
    e[r] = t2 - t1;
  }
  *fork_ns = median(f, reps);
  *exit_ns = median(e, reps);
  return 0;
}

/* ns per 8-byte pipe write + read in one process. */
static double time_pipe_msg(int reps, long iters)
{
  int p[2];
  if (pipe(p) < 0)
    return -1;
  double v[MAXREP];
  uint64_t msg = 42;
  int ok = 1;
  for (int r = 0; r < reps && ok; r++) {
    double t0 = now_ns();
    for (long i = 0; i < iters && ok; i++)
      ok = write_full(p[1], &msg, sizeof msg) == 0 && read_full(p[0], &msg, sizeof msg) == 0;
    v[r] = (now_ns() - t0) / (double)iters;
  }
  close(p[0]);
  close(p[1]);
  return ok ? median(v, reps) : -1;
}

/* ns to pack one 8-byte message (a task index) into a buffer. */
static double time_pack(long iters)
{
  volatile uint64_t src = 12345;
  unsigned char buf[8];
  volatile unsigned char sink = 0;
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    uint64_t x = src;
    memcpy(buf, &x, sizeof buf);
    sink = buf[i & 7];
  }
  (void)sink;
  return (now_ns() - t0) / (double)iters;
}

/* Condition-variable hand-off: two threads pass a token back and forth. */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  long turn; /* even: main's turn, odd: the other's */
  long end;
} handoff;

static void *handoff_peer(void *arg)
{
  handoff *h = arg;
  pthread_mutex_lock(&h->mu);
  for (;;) {
    while (h->turn % 2 == 0 && h->turn < h->end)
      pthread_cond_wait(&h->cv, &h->mu);
    if (h->turn >= h->end)
      break;
    h->turn++;
    pthread_cond_broadcast(&h->cv);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

static double time_condvar(int reps, long iters)
{
  double v[MAXREP];
  for (int r = 0; r < reps; r++) {
    handoff h = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 2 * iters};
    pthread_t t;
    if (pthread_create(&t, NULL, handoff_peer, &h) != 0)
      return -1;
    double t0 = now_ns();
    pthread_mutex_lock(&h.mu);
    while (h.turn < h.end) {
      if (h.turn % 2 == 0) {
        h.turn++;
        pthread_cond_broadcast(&h.cv);
      }
      while (h.turn % 2 == 1 && h.turn < h.end)
        pthread_cond_wait(&h.cv, &h.mu);
    }
    pthread_mutex_unlock(&h.mu);
    v[r] = (now_ns() - t0) / (double)(2 * iters);
    pthread_join(t, NULL);
    pthread_mutex_destroy(&h.mu);
    pthread_cond_destroy(&h.cv);
  }
  return median(v, reps);
}

/* One uncontended GIL operation, timed on the harness's own C GIL
 * (harness/cgil.c): an old-kind GIL with a check interval of 1, so that
 * every gsh_gil_check is the release and immediate re-take of a running
 * holder (drop: lock, clear, unlock, signal; take: lock, set, unlock; and
 * the GIL's counters), halved.  No other thread waits: the uncontended
 * fast path, as the model charges it. */
static double time_gil_op(int reps, long iters)
{
  double v[MAXREP];
  gsh_gil *g = NULL;
  gs_error err = {{0}};
  if (gsh_gil_create(GS_GIL_OLD, 0, 1, &g, &err) != GS_OK)
    return 0;
  gsh_gil_thread t;
  gsh_gil_thread_init(&t, 1);
  gsh_gil_take(g, &t);
  for (int r = 0; r < reps; r++) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++)
      gsh_gil_check(g, &t, 1);
    v[r] = (now_ns() - t0) / (double)(2 * iters);
  }
  gsh_gil_drop(g, &t);
  gsh_gil_destroy(g);
  return median(v, reps);
}

/* A cache line handed back and forth between two threads pinned to two
 * CPUs: each waits (spinning) until a shared counter shows its turn and
 * then bumps it, so every bump first fetches the line the other CPU has
 * just written.  ns per hand-over, the median of reps runs of iters round
 * trips; -1 if a thread cannot be pinned or started. */
typedef struct {
  _Alignas(64) atomic_long turn; /* -1: the partner could not be pinned */
  int cpu;
  long rounds;
} line_game;

static void *line_partner(void *arg)
{
  line_game *lg = arg;
  if (pin(lg->cpu) != 0) {
    atomic_store(&lg->turn, -1);
    return NULL;
  }
  for (long i = 0; i < lg->rounds; i++) {
    long v;
    while ((v = atomic_load_explicit(&lg->turn, memory_order_acquire)) != 2 * i + 1)
      if (v < 0)
        return NULL;
    atomic_store_explicit(&lg->turn, 2 * i + 2, memory_order_release);
  }
  return NULL;
}

/* Start lg's partner and play the first round: true once the partner has
 * answered it (turn 2); false, with no thread left running, if it could
 * not be started or pinned. */
static bool line_start(line_game *lg, pthread_t *th)
{
  atomic_init(&lg->turn, 0);
  if (pthread_create(th, NULL, line_partner, lg) != 0)
    return false;
  /* One that could not be pinned has left -1, which must not be
   * overwritten. */
  long zero = 0;
  if (!atomic_compare_exchange_strong(&lg->turn, &zero, 1)) {
    pthread_join(*th, NULL);
    return false;
  }
  while (atomic_load(&lg->turn) == 1)
    ;
  return true;
}

static double time_line_transfer(int a, int b, int reps, long iters)
{
  cpu_set_t old;
  if (sched_getaffinity(0, sizeof old, &old) != 0 || pin(a) != 0)
    return -1;
  double v[MAXREP];
  int r;
  for (r = 0; r < reps; r++) {
    line_game lg = {.cpu = b, .rounds = iters};
    pthread_t th;
    if (!line_start(&lg, &th))
      break;
    double t0 = now_ns();
    long i;
    for (i = 1; i < iters; i++) {
      long x;
      while ((x = atomic_load_explicit(&lg.turn, memory_order_acquire)) != 2 * i)
        if (x < 0)
          break;
      if (x < 0)
        break;
      atomic_store_explicit(&lg.turn, 2 * i + 1, memory_order_release);
    }
    long x;
    while ((x = atomic_load(&lg.turn)) != 2 * iters && x >= 0)
      ;
    double t1 = now_ns();
    pthread_join(th, NULL);
    if (x < 0)
      break;
    v[r] = (t1 - t0) / (double)(2 * (iters - 1));
  }
  sched_setaffinity(0, sizeof old, &old);
  return r == reps ? median(v, reps) : -1;
}

/* The spread of one hand-over: the same game, each round trip (two
 * hand-overs) timed on its own with the time-stamp counter, whose ticks
 * cancel out of a ratio.  Round trips over 10 times the median (an
 * interrupt, a preemption: not the line) are left out; the coefficient of
 * variation (standard deviation / mean) of the rest, times sqrt(2) for
 * one hand-over of two independent ones.  -1 where there is no
 * time-stamp counter or a thread cannot be pinned. */
#if defined(__x86_64__) || defined(__i386__)
static int by_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static double time_line_cv(int a, int b, long iters)
{
  cpu_set_t old;
  if (sched_getaffinity(0, sizeof old, &old) != 0 || pin(a) != 0)
    return -1;
  uint64_t *d = malloc((size_t)iters * sizeof *d);
  double cv = -1;
  line_game lg = {.cpu = b, .rounds = iters};
  pthread_t th;
  if (!d || !line_start(&lg, &th))
    goto out;
  long n = 0;
  for (long i = 1; i < iters; i++) {
    uint64_t t0 = __builtin_ia32_rdtsc();
    atomic_store_explicit(&lg.turn, 2 * i + 1, memory_order_release);
    while (atomic_load_explicit(&lg.turn, memory_order_acquire) != 2 * i + 2)
      ;
    d[n++] = __builtin_ia32_rdtsc() - t0;
  }
  pthread_join(th, NULL);
  if (n < 100)
    goto out;
  qsort(d, (size_t)n, sizeof *d, by_u64);
  double cut = 10.0 * (double)d[n / 2], sum = 0, sq = 0;
  long k = 0;
  for (long i = 0; i < n && (double)d[i] <= cut; i++, k++)
    sum += (double)d[i];
  double mean = sum / (double)k;
  for (long i = 0; i < k; i++)
    sq += ((double)d[i] - mean) * ((double)d[i] - mean);
  if (mean > 0)
    cv = sqrt(sq / (double)(k - 1)) / mean * sqrt(2.0);
out:
  free(d);
  sched_setaffinity(0, sizeof old, &old);
  return cv;
}
#else
static double time_line_cv(int a, int b, long iters)
{
  (void)a, (void)b, (void)iters;
  return -1;
}
#endif

/* What the old GIL's release and immediate re-take add to one of the
 * workloads' own loops in runtime c: the loop run by a holder of an old C
 * GIL (harness/cgil.c) at the harness's check interval and spacing of
 * check points (GSH_GIL_CHECK_INTERVAL, every check point a release), less
 * the same loop without a GIL, per release; runs alternate, and the median
 * of the differences is taken.  The pair's atomic operations overlap with
 * the loop's own work, so this is not 2 x gil_op: with trial divisions
 * in flight it is close to nothing.  *out gets the median in ns and
 * *releases the count of one run; -1 if the GIL could not be made. */
typedef enum { LOOP_DIV, LOOP_STEP } loop_kind;

static int time_gil_release(loop_kind k, uint64_t n, int reps, double *out, uint64_t *releases)
{
  double v[MAXREP];
  *releases = 0;
  for (int r = 0; r < reps; r++) {
    gsh_gil *g = NULL;
    gs_error err = {{0}};
    if (gsh_gil_create(GS_GIL_OLD, 0, GSH_GIL_CHECK_INTERVAL, &g, &err) != GS_OK)
      return -1;
    double t0 = now_ns();
    if (k == LOOP_DIV)
      gsh_least_factor(n);
    else
      gsh_countdown((int64_t)n);
    double t1 = now_ns();
    if (k == LOOP_DIV)
      gsh_least_factor_gil(n, g, GSH_GIL_CHECK_INTERVAL);
    else
      gsh_countdown_gil((int64_t)n, g, GSH_GIL_CHECK_INTERVAL);
    double t2 = now_ns();
    gsh_gil_stats st;
    gsh_gil_get_stats(g, &st);
    gsh_gil_destroy(g);
    if (st.drops < 2)
      return -1;
    /* Every drop but the last one (at the end) is a release and re-take. */
    *releases = st.drops - 1;
    v[r] = ((t2 - t1) - (t1 - t0)) / (double)*releases;
  }
  *out = median(v, reps);
  return 0;
}

/* Measure runtime c; kernel-level costs (ctx_switch, wakeup_latency,
 * syscall) are copied for cpython by the caller. */
static int measure_c(int quick, calib_list *c, double *pipe_rtt_half, gs_error *err)
{
  int reps = quick ? 3 : 9;
  long big = quick ? 2000000 : 20000000;

  double v[MAXREP];
  /* primes of about 2^49 (quick) and 2^51: 5.95 and 11.9 million divisions */
  uint64_t prime = quick ? UINT64_C(566893424036297) : UINT64_C(2267573696145133);
  for (int r = 0; r < reps; r++)
    if ((v[r] = time_div(prime)) < 0) {
      snprintf(err->msg, sizeof err->msg, "calibrate: %llu is not prime", (unsigned long long)prime);
      return -1;
    }
  add(c, "div", median(v, reps), reps,
      "the harness's trial-division loop (harness/work.c) on the prime %llu, every odd i up to "
      "its square root", (unsigned long long)prime);
  for (int r = 0; r < reps; r++)
    v[r] = time_countdown(big);
  add(c, "countdown_step", median(v, reps), reps,
      "the harness's countdown loop (harness/work.c: a volatile counter decremented), %ld steps "
      "per run", big);

  /* Ping-pong: two allowed CPUs for the cross-core one. */
  cpu_set_t s;
  int cpus[2] = {-1, -1}, ncpu = 0;
  if (sched_getaffinity(0, sizeof s, &s) == 0)
    for (int i = 0; i < CPU_SETSIZE && ncpu < 2; i++)
      if (CPU_ISSET(i, &s))
        cpus[ncpu++] = i;
  long pp = quick ? 2000 : 20000;
  int ppreps = quick ? 3 : 7;
  double same = ncpu >= 1 ? time_pingpong(cpus[0], cpus[0], ppreps, pp) : -1;
  double cross = ncpu >= 2 ? time_pingpong(cpus[0], cpus[1], ppreps, pp) : -1;
  if (same > 0)
    add(c, "ctx_switch", same, ppreps,
        "half the round trip of a 1-byte pipe ping-pong between two processes "
        "pinned to the same CPU %d (a switch plus a pipe write and read), %ld round trips per run",
        cpus[0], pp);
  else
    add(c, NULL, 0, 0, "ctx_switch: same-CPU ping-pong failed; default kept");
  if (cross > 0)
    add(c, "wakeup_latency", cross, ppreps,
        "half the round trip of a 1-byte pipe ping-pong between two processes "
        "pinned to CPUs %d and %d (cross-core wake-up plus switch), %ld round trips per run",
        cpus[0], cpus[1], pp);
  else
    add(c, NULL, 0, 0, "wakeup_latency: fewer than two CPUs available, default kept");
  *pipe_rtt_half = cross > 0 ? cross : same;
  double line = ncpu >= 2 ? time_line_transfer(cpus[0], cpus[1], ppreps, quick ? 20000 : 200000) : -1;
  if (line > 0)
    add(c, "line_transfer", line, ppreps,
        "a cache line handed back and forth between two threads pinned to CPUs %d and %d (each "
        "spins until a shared counter shows its turn, then bumps it), per hand-over, %ld round "
        "trips per run", cpus[0], cpus[1], quick ? 20000L : 200000L);
  else
    add(c, NULL, 0, 0, "line_transfer: fewer than two CPUs available, default kept");
  if (line > 0) {
    long cvn = quick ? 20000 : 200000;
    for (int r = 0; r < ppreps; r++)
      v[r] = time_line_cv(cpus[0], cpus[1], cvn);
    double cv = median(v, ppreps);
    if (cv > 0)
      add(c, "line_transfer_cv", cv, ppreps,
          "spread of one hand-over of that game: each round trip timed alone (time-stamp "
          "counter), those over 10 x the median left out (interrupts), standard deviation / mean "
          "of the rest x sqrt(2) (two hand-overs a round trip), %ld round trips per run",
          cvn);
    else
      add(c, NULL, 0, 0, "line_transfer_cv: round trips could not be timed alone here, default kept");
  }

  for (int r = 0; r < reps; r++)
    v[r] = time_syscall(quick ? 20000 : 200000);
  add(c, "syscall", median(v, reps), reps, "syscall(SYS_getppid), %d calls per run",
      quick ? 20000 : 200000);

  double cr, jn;
  int n = quick ? 50 : 400;
  if (time_threads(n, &cr, &jn) != 0) {
    snprintf(err->msg, sizeof err->msg, "cannot create a thread: %s", strerror(errno));
    return -1;
  }
  add(c, "thread_create", cr, n, "pthread_create of a thread that returns at once (the call only)");
  add(c, "thread_join", jn, n, "pthread_join right after pthread_create");

  n = quick ? 20 : 150;
  double fk, ex;
  if (time_fork(n, &fk, &ex) != 0) {
    snprintf(err->msg, sizeof err->msg, "cannot fork: %s", strerror(errno));
    return -1;
  }
  add(c, "fork", fk, n, "fork() until it returns in the parent");
  add(c, "proc_exit", ex, n, "child _exit(0) plus the parent's waitpid(), timed in the parent");

  double pk = time_pack(big / 4);
  double pm = time_pipe_msg(reps, quick ? 5000 : 50000);
  /* One clock_gettime pair is the finest a single message can be timed. */
  double t0 = now_ns(), res = now_ns() - t0;
  for (int r = 0; r < 100; r++) {
    t0 = now_ns();
    double d = now_ns() - t0;
    if (d > 0 && (res <= 0 || d < res))
      res = d;
  }
  const gs_param_info *ip = gs_param_info_get(GS_P_IPC_PACK);
  const gs_param_info *iu = gs_param_info_get(GS_P_IPC_UNPACK);
  add(c, "ipc_pack", ip->def_c, 0,
      "default kept: packing an 8-byte message took %.2f ns (batched), below the %.0f ns "
      "resolution of timing one message; an 8-byte pipe write+read took %.0f ns (median of %d), "
      "charged by the model as syscalls", pk, res, pm, reps);
  add(c, "ipc_unpack", iu->def_c, 0, "default kept, as for ipc_pack");
  /* The kernel's scheduler, a fact of the host rather than a timing:
   * EEVDF (Linux 6.6 and later) places a waking thread by its lag, with no
   * sleeper credit; CFS gave up to half sched_latency. */
  struct utsname u;
  int major = 0, minor = 0;
  if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2) {
    if (major > 6 || (major == 6 && minor >= 6))
      add(c, "sched_sleeper_credit", 0, 0,
          "kernel %s: EEVDF (6.6 and later) places a waking thread by its lag, with no "
          "sleeper credit", u.release);
    else
      add(c, NULL, 0, 0, "kernel %s: CFS, the default sleeper credit kept", u.release);
  }
  long gn = quick ? 200000 : 2000000;
  add(c, "gil_op", time_gil_op(reps, gn), reps,
      "uncontended GIL take or drop: half of one release and re-take by the holder "
      "(gsh_gil_check of the harness's old C GIL at check interval 1), %ld pairs per run", gn);
  static const struct {
    loop_kind k;
    const char *name, *loop;
  } rel[] = {{LOOP_DIV, "gil_release_div", "trial-division loop"},
             {LOOP_STEP, "gil_release_step", "countdown loop"}};
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    uint64_t units = rel[i].k == LOOP_DIV ? prime : (uint64_t)big;
    uint64_t nrel;
    double ns;
    if (time_gil_release(rel[i].k, units, reps, &ns, &nrel) != 0) {
      snprintf(err->msg, sizeof err->msg, "calibrate: could not time the old C GIL in the %s",
               rel[i].loop);
      return -1;
    }
    add(c, rel[i].name, ns > 0 ? ns : 0, reps,
        "old GIL release + re-take inside the harness's %s: the loop held by an old C GIL "
        "(check interval %d, a release at every check point), less the loop without a GIL, "
        "per release (%llu per run; median of the differences%s)",
        rel[i].loop, GSH_GIL_CHECK_INTERVAL, (unsigned long long)nrel,
        ns > 0 ? "" : "; below zero, so 0");
  }
  double cv = time_condvar(reps, quick ? 1000 : 5000);
  if (cv > 0)
    add(c, NULL, cv, reps,
        "comment only: condition-variable hand-off between two threads "
        "(mutex + cond_wait/broadcast), one-way, %ld hand-offs per run",
        2L * (quick ? 1000 : 5000));
  return 0;
}

/* ---- Runtime cpython ----------------------------------------------------- */

static char *read_all_fd(int fd)
{
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (!buf)
    return NULL;
  for (;;) {
    if (len + 1 >= cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) {
        free(buf);
        return NULL;
      }
      buf = nb;
    }
    ssize_t k = read(fd, buf + len, cap - len - 1);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    len += (size_t)k;
  }
  buf[len] = 0;
  return buf;
}

static json_object *run_python(int quick, gs_error *err)
{
  int outp[2];
  if (pipe(outp) < 0) {
    snprintf(err->msg, sizeof err->msg, "cannot create a pipe: %s", strerror(errno));
    return NULL;
  }
  const char *python = getenv("GILSIM_PYTHON");
  if (!python || !*python)
    python = "python3";
  /* A child of child.h: ^C reaches the tool alone, which kills the
   * script with the pool workers it times. */
  pid_t pid = gsh_child_fork();
  if (pid < 0) {
    snprintf(err->msg, sizeof err->msg, "cannot fork: %s", strerror(errno));
    close(outp[0]);
    close(outp[1]);
    return NULL;
  }
  if (pid == 0) {
    dup2(outp[1], 1);
    close(outp[0]);
    close(outp[1]);
    char *argv[] = {(char *)python, (char *)GILSIM_PYTHON_DIR "/calibrate.py",
                    quick ? (char *)"--quick" : NULL, NULL};
    execvp(python, argv);
    fprintf(stderr, "gilsim: cannot run %s: %s\n", python, strerror(errno));
    _exit(127);
  }
  close(outp[1]);
  char *reply = read_all_fd(outp[0]);
  close(outp[0]);
  int status = 0;
  if (gsh_child_wait(pid, &status) < 0) {
    free(reply);
    snprintf(err->msg, sizeof err->msg, "waiting for python3 (pid %ld) failed: %s", (long)pid,
             strerror(errno));
    return NULL;
  }
  return cli_python_reply(python, "calibrate.py", status, reply, err);
}

/* Entry key of the Python result: its ns, n and what; 0 when found. */
static int py_get(json_object *res, const char *key, double *ns, int *n, const char **what)
{
  json_object *o, *v;
  if (!json_object_object_get_ex(res, key, &o) || !json_object_is_type(o, json_type_object))
    return -1;
  if (!json_object_object_get_ex(o, "ns", &v))
    return -1;
  *ns = json_object_get_double(v);
  *n = json_object_object_get_ex(o, "n", &v) ? json_object_get_int(v) : 1;
  *what = json_object_object_get_ex(o, "what", &v) ? json_object_get_string(v) : "";
  return 0;
}

static int measure_cpython(int quick, const calib_list *c, double pipe_half, calib_list *p,
                           char *pyver, size_t npv, gs_error *err)
{
  json_object *res = run_python(quick, err);
  if (!res)
    return -1;
  json_object *ver;
  snprintf(pyver, npv, "%s",
           json_object_object_get_ex(res, "python", &ver) ? json_object_get_string(ver) : "?");
  static const char *const direct[] = {"div", "countdown_step", "thread_create", "thread_join",
                                       "proc_exit"};
  double ns;
  int n;
  const char *what;
  for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++) {
    if (py_get(res, direct[i], &ns, &n, &what) != 0)
      goto missing;
    add(p, direct[i], ns, n, "%s", what);
  }
  /* Kernel costs do not depend on the runtime: those timed in C. */
  for (int i = 0; i < c->count; i++) {
    const char *nm = c->v[i].name;
    if (nm && (strcmp(nm, "ctx_switch") == 0 || strcmp(nm, "wakeup_latency") == 0 ||
               strcmp(nm, "syscall") == 0 || strcmp(nm, "sched_sleeper_credit") == 0))
      add(p, nm, c->v[i].ns, c->v[i].n, "kernel cost, the same as for c: %s", c->v[i].what);
    else if (nm && strcmp(nm, "gil_op") == 0) /* CPython's GIL is the same C */
      add(p, nm, c->v[i].ns, c->v[i].n, "the same C code as for c: %s", c->v[i].what);
  }

  double p1, pk, child, rtt, dumps, loads, exit_ns, bare_fork;
  int n1p, nkp, nch, nrtt, nd, nl, nex, nfk;
  const char *w1p, *wkp, *wch, *wrtt, *wd, *wl, *wex, *wfk;
  json_object *kv0;
  if (py_get(res, "proc_exit", &exit_ns, &nex, &wex) || py_get(res, "fork", &bare_fork, &nfk, &wfk) ||
      py_get(res, "pool_parent_1", &p1, &n1p, &w1p) ||
      py_get(res, "pool_parent_k", &pk, &nkp, &wkp) ||
      py_get(res, "pool_child_k", &child, &nch, &wch) ||
      !json_object_object_get_ex(res, "pool_k", &kv0) ||
      py_get(res, "pool_rtt", &rtt, &nrtt, &wrtt) ||
      py_get(res, "pickle_dumps", &dumps, &nd, &wd) || py_get(res, "pickle_loads", &loads, &nl, &wl))
    goto missing;
  int pk_n = json_object_get_int(kv0);
  if (pk_n < 2)
    goto missing;
  /* Two messages per task (the task and its result): what the round trip
   * costs beyond a plain pipe ping-pong (charged by the model as wake-ups
   * and syscalls) is pool machinery and pickling, split between packing
   * and unpacking as pickle.dumps and pickle.loads of a task split. */
  double per_msg = (rtt - 2 * pipe_half) / 2;
  if (per_msg < dumps + loads)
    per_msg = dumps + loads;
  double pack = per_msg * dumps / (dumps + loads), unpack = per_msg - pack;
  /* The pool's start, from CPU times (not wall clock: the parent and the
   * workers overlap on several cores).  The parent pays per worker what a
   * pool of k costs more than a pool of 1, and once the rest; every
   * worker's own CPU is its start-up, one task message each way and its
   * exit.  The model charges these same pieces to the same processes. */
  double per_worker = (pk - p1) / (pk_n - 1) - per_msg;
  if (per_worker < 0)
    per_worker = 0;
  double pool = p1 - per_worker - per_msg;
  if (pool < 0)
    pool = 0;
  double init = child - exit_ns - per_msg;
  if (init < 0)
    init = 0;
  add(p, "fork", per_worker, nkp,
      "the parent's CPU per worker: (%s: median %.0f ns, less that of 1 worker, %.0f ns) / "
      "%d, less one task's messages (%.0f ns); Process.start with its fork and the "
      "copy-on-write faults that follow", wkp, pk, p1, pk_n - 1, per_msg);
  add(p, NULL, bare_fork, nfk, "comment only: %s", wfk);
  add(p, "pool_init", pool, n1p,
      "%s (median %.0f ns), less one worker's start (%.0f ns) and one task's messages "
      "(%.0f ns)", w1p, p1, per_worker, per_msg);
  add(p, "proc_init", init, nch,
      "%s (median %.0f ns), less proc_exit (%.0f ns) and one task's messages (%.0f ns)", wch,
      child, exit_ns, per_msg);
  add(p, "ipc_pack", pack, nrtt,
      "per message: (round trip of %s, median %.0f ns, less a pipe ping-pong round trip of "
      "%.0f ns) / 2 messages, times dumps/(dumps+loads) = %.0f/(%.0f+%.0f) ns", wrtt, rtt,
      2 * pipe_half, dumps, dumps, loads);
  add(p, "ipc_unpack", unpack, nrtt, "per message: the rest of that share (loads part)");

  double one, many, kq;
  int n1, nk;
  const char *w1, *wk;
  json_object *kv;
  if (py_get(res, "loop_1", &one, &n1, &w1) || py_get(res, "loop_k", &many, &nk, &wk) ||
      !json_object_object_get_ex(res, "loop_k_count", &kv))
    goto missing;
  int k = json_object_get_int(kv);
  double resume = k > 1 ? (many - one) / (k - 1) : 0;
  if (resume < 0)
    resume = 0;
  double iter = one - resume;
  if (iter < 0)
    iter = 0;
  add(p, "coro_resume", resume, n1,
      "(per-iteration time with %d coroutines, %.0f ns, less that with 1, %.0f ns) / %d; "
      "each coroutine awaits asyncio.sleep(0) in a loop", k, many, one, k - 1);
  add(p, "loop_iter", iter, n1, "%s (%.0f ns) less one coro_resume", w1, one);
  if (py_get(res, "queue_pair", &kq, &n, &what))
    goto missing;
  add(p, "queue_op", kq / 2, n, "half of %s (%.0f ns)", what, kq);
  json_object_put(res);
  return 0;
missing:
  json_object_put(res);
  snprintf(err->msg, sizeof err->msg, "python3 calibrate.py gave an incomplete result");
  return -1;
}

/* ---- Writing the file ---------------------------------------------------- */


/* A comment line, with no newline inside. */
static void comment(FILE *f, const char *indent, const char *text)
{
  fputs(indent, f);
  fputs("# ", f);
  for (const char *s = text; *s; s++)
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
  fputc('\n', f);
}

static void put_group(FILE *f, const char *runtime, const calib_list *l)
{
  fprintf(f, "%s = {\n  params = {\n", runtime);
  char line[sizeof l->v[0].what + sizeof l->v[0].rounds + 64];
  for (int i = 0; i < l->count; i++) {
    const calib_value *v = &l->v[i];
    if (v->name) {
      if (v->n > 1)
        snprintf(line, sizeof line, "%s (median of %d)", v->what, v->n);
      else
        snprintf(line, sizeof line, "%s", v->what);
      if (v->rounds[0]) {
        size_t k = strlen(line);
        snprintf(line + k, sizeof line - k, "; rounds: %s, the median kept", v->rounds);
      }
      comment(f, "    ", line);
      /* small costs with three decimals: 0.3 against 0.294 ns per step is
       * 2 % of a countdown */
      double ns = v->ns < 0 ? 0.0 : v->ns;
      fprintf(f, ns < 100 ? "    %s = %.3f;\n" : "    %s = %.1f;\n", v->name, ns);
    } else {
      if (v->n > 0)
        snprintf(line, sizeof line, "%s: %.1f ns (median of %d)", v->what, v->ns, v->n);
      else
        snprintf(line, sizeof line, "%s", v->what);
      comment(f, "    ", line);
    }
  }
  fprintf(f, "  };\n};\n\n");
}

/* Each named value of out becomes the median of its values in the n
 * rounds r[0..n-1] (out is a copy of r[0]), the rounds' values noted for
 * its comment unless they are all the same.  A name missing from some
 * round keeps round 0's value. */
static void median_of_rounds(calib_list *out, const calib_list *r, int n)
{
  if (n < 2)
    return;
  for (int i = 0; i < out->count; i++) {
    calib_value *v = &out->v[i];
    if (!v->name)
      continue;
    double x[MAXROUNDS];
    int m = 0;
    for (int k = 0; k < n; k++)
      for (int j = 0; j < r[k].count; j++)
        if (r[k].v[j].name && strcmp(r[k].v[j].name, v->name) == 0) {
          x[m++] = r[k].v[j].ns;
          break;
        }
    int same = 1;
    for (int k = 1; k < m; k++)
      same &= x[k] == x[0];
    if (m != n || same) /* a default kept, or a host fact: nothing to list */
      continue;
    size_t used = 0;
    for (int k = 0; k < n && used < sizeof v->rounds; k++)
      used += (size_t)snprintf(v->rounds + used, sizeof v->rounds - used,
                               x[k] < 100 ? "%s%.3f" : "%s%.1f", k ? ", " : "", x[k]);
    v->ns = median(x, n);
  }
}

/* ---- --check ------------------------------------------------------------- */

static int check_file(const char *path)
{
  gs_calibration *cal = NULL;
  gs_error err = {{0}};
  gs_err e = gs_calibration_load(path, &cal, &err);
  if (e != GS_OK) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return e == GS_ERR_NOMEM ? EXIT_FAIL : EXIT_USAGE;
  }
  int counts[2];
  for (int r = 0; r < 2; r++)
    counts[r] = __builtin_popcountll(cal->rt[r].set);
  gs_calibration_free(cal);
  errno = 0;
  printf("%s: valid calibration: %d parameters for c, %d for cpython\n", path, counts[0],
         counts[1]);
  return cli_finish_stdout(EXIT_OK);
}

/* ---- The command ---------------------------------------------------------- */

static int calib_usage_error(const char *msg, const char *arg)
{
  if (arg)
    fprintf(stderr, "gilsim: %s '%s'\n", msg, arg);
  else
    fprintf(stderr, "gilsim: %s\n", msg);
  fputs(calibrate_usage, stderr);
  fputs("Try 'gilsim calibrate --help'.\n", stderr);
  return EXIT_USAGE;
}

/* mkdir -p of the folder part of path (best effort). */
static void make_parent_dirs(const char *path)
{
  char buf[4096];
  if (strlen(path) >= sizeof buf)
    return;
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      mkdir(buf, 0777);
      *p = '/';
    }
}

int cmd_calibrate(int argc, char **argv)
{
  const char *out = NULL, *check = NULL;
  int quick = 0, rounds = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(calibrate_usage, stdout);
      put_calibrate_details(stdout);
      return cli_finish_stdout(EXIT_OK);
    } else if (strcmp(a, "--quick") == 0) {
      quick = 1;
    } else if (strcmp(a, "--rounds") == 0 || strncmp(a, "--rounds=", 9) == 0) {
      const char *v = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : "";
      char *end;
      long k = strtol(v, &end, 10);
      if (!*v || *end || k < 1 || k > MAXROUNDS)
        return calib_usage_error("--rounds: expected an integer from 1 to 9, got", v);
      rounds = (int)k;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--check") == 0) {
      if (i + 1 >= argc || !argv[i + 1][0])
        return calib_usage_error("option needs a file name:", a);
      if (strcmp(a, "--check") == 0)
        check = argv[++i];
      else
        out = argv[++i];
    } else if (strncmp(a, "-o", 2) == 0 && a[2]) {
      out = a + 2;
    } else if (strncmp(a, "--output=", 9) == 0 && a[9]) {
      out = a + 9;
    } else if (strncmp(a, "--check=", 8) == 0 && a[8]) {
      check = a + 8;
    } else if (a[0] == '-') {
      return calib_usage_error("unknown option", a);
    } else {
      return calib_usage_error("unexpected argument", a);
    }
  }
  if (check) {
    if (out || quick || rounds > 0)
      return calib_usage_error("--check takes no other option", NULL);
    return check_file(check);
  }

  char host[256], cpu[256], kernel[256], defpath[512];
  cli_host_facts(host, sizeof host, cpu, sizeof cpu, kernel, sizeof kernel, 1);
  if (!out) {
    for (char *p = host; *p; p++)
      if (*p == '/')
        *p = '_';
    snprintf(defpath, sizeof defpath, "data/calibration/%s.cfg", host);
    out = defpath;
    make_parent_dirs(out);
  }

  /* Check FILE and create the temporary first: an unwritable FILE fails at
   * once, and the temporary is removed if a signal ends the run (guard.h). */
  int status = cli_output_check(out, 0);
  if (status)
    return status;
  char calib_tmp[4400];
  int fd = cli_output_temp(out, calib_tmp, sizeof calib_tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    int e = errno;
    if (fd >= 0) {
      close(fd);
      cli_output_discard(calib_tmp);
    }
    fprintf(stderr, "gilsim: cannot write '%s': %s\n", out, strerror(e));
    return EXIT_USAGE;
  }

  /* The whole set is timed `rounds` times over and each value is the
   * median of its rounds: on a shared host a slow minute then moves one
   * round's value, not every repetition of one primitive. */
  if (rounds < 0)
    rounds = quick ? 1 : 3;
  static calib_list c, p, cr[MAXROUNDS], pr[MAXROUNDS];
  char pyver[64] = "?";
  gs_error err = {{0}};
  double started = now_ns();
  for (int r = 0; r < rounds; r++) {
    double pipe_half = 0;
    if (isatty(2))
      fprintf(stderr, "\rgilsim: calibrating, round %d of %d...", r + 1, rounds);
    if (measure_c(quick, &cr[r], &pipe_half, &err) != 0 ||
        measure_cpython(quick, &cr[r], pipe_half, &pr[r], pyver, sizeof pyver, &err) != 0) {
      if (isatty(2))
        fputs("\r\033[K", stderr);
      fclose(f);
      cli_output_discard(calib_tmp);
      fprintf(stderr, "gilsim: calibration failed: %s\n", err.msg);
      return EXIT_FAIL;
    }
  }
  if (isatty(2))
    fputs("\r\033[K", stderr);
  c = cr[0];
  p = pr[0];
  median_of_rounds(&c, cr, rounds);
  median_of_rounds(&p, pr, rounds);
  double took = (now_ns() - started) / 1e9;

  char date[64];
  time_t t = time(NULL);
  struct tm tmv;
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tmv));
  char line[1024];
  fprintf(f, "# gilsim calibration: primitive costs timed on this host by 'gilsim calibrate'.\n");
  snprintf(line, sizeof line, "host: %s", host);
  comment(f, "", line);
  snprintf(line, sizeof line, "cpu: %s (%ld online)", cpu, sysconf(_SC_NPROCESSORS_ONLN));
  comment(f, "", line);
  snprintf(line, sizeof line, "kernel: %s", kernel);
  comment(f, "", line);
  snprintf(line, sizeof line, "python: %s", pyver);
  comment(f, "", line);
  snprintf(line, sizeof line, "date: %s (took %.1f s, %d round%s)", date, took, rounds,
           rounds == 1 ? "" : "s");
  comment(f, "", line);
  size_t used = (size_t)snprintf(line, sizeof line, "command: gilsim");
  for (int i = 0; i < argc && used < sizeof line; i++)
    used += (size_t)snprintf(line + used, sizeof line - used, " %s", argv[i]);
  comment(f, "", line);
  fputs("# Values are in each parameter's unit (ns); each is the median of N timed\n"
        "# runs of one primitive (and, over several rounds of the whole set, the\n"
        "# median of the rounds), never a fit to a workload.  Parameters not listed\n"
        "# keep their defaults ('gilsim params').  Check with 'gilsim calibrate --check'.\n\n",
        f);
  put_group(f, "c", &c);
  put_group(f, "cpython", &p);

  int bad = fflush(f) != 0 || ferror(f);
  int e = errno;
  if (!bad && fsync(fileno(f)) != 0 && errno != EINVAL)
    bad = 1, e = errno;
  if (fclose(f) != 0 && !bad)
    bad = 1, e = errno;
  if (bad)
    cli_output_discard(calib_tmp);
  else if (cli_output_commit(calib_tmp, out) != 0)
    bad = 1, e = errno;
  if (bad) {
    fprintf(stderr, "gilsim: cannot write '%s': %s\n", out, strerror(e ? e : EIO));
    return EXIT_FAIL;
  }
  errno = 0;
  int nc = 0, np = 0;
  for (int i = 0; i < c.count; i++)
    nc += c.v[i].name != NULL;
  for (int i = 0; i < p.count; i++)
    np += p.v[i].name != NULL;
  printf("wrote %s (%d parameters for c, %d for cpython, %.1f s)\n", out, nc, np, took);
  return cli_finish_stdout(EXIT_OK);
}
