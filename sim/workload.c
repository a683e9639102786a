/*
 * workload.c - task costs for the primes, countdown, sleep and custom
 * workloads.
 *
 * primes: the reference algorithm divides by 2, then by every odd i with
 * i*i <= n, stopping at the first divisor.  Its number of divisions is
 * fixed by the least prime factor p of n:
 *     n even                 1
 *     n odd, composite       1 + (p - 3)/2 + 1     (odd i = 3, 5, ..., p)
 *     n odd, prime           1 + #{odd i : 3 <= i <= isqrt(n)}
 * so the simulator needs p, not the divisions themselves: it finds p with
 * Miller-Rabin (deterministic for 64 bits with the first 12 primes as
 * bases) and Pollard-Brent rho, in microseconds even where trial division
 * would take seconds.  Each division then costs `div` ns of user time.
 *
 * countdown: n decrements of `countdown_step` ns.  sleep: one sleep of the
 * task's duration.  custom: the task's steps, durations drawn when the step
 * starts.  download: one transfer (net.c), then cpu_per_byte of client work
 * per byte received, with or without the GIL.  convoy: task 0 is the I/O
 * thread (ops x {blocking I/O, a little Python}); tasks 1..K compute.
 */
#include "workload.h"
#include "gil.h"
#include "loop.h"
#include "mem.h"
#include "net.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
  return (uint64_t)((u128)a * b % m);
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m)
{
  uint64_t r = 1;
  b %= m;
  while (e) {
    if (e & 1)
      r = mulmod(r, b, m);
    b = mulmod(b, b, m);
    e >>= 1;
  }
  return r;
}

static bool is_prime(uint64_t n)
{
  static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2)
    return false;
  for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
    if (n % bases[i] == 0)
      return n == bases[i];
  }
  uint64_t d = n - 1;
  int r = 0;
  while (!(d & 1)) {
    d >>= 1;
    r++;
  }
  for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
    uint64_t x = powmod(bases[i], d, n);
    if (x == 1 || x == n - 1)
      continue;
    bool composite = true;
    for (int j = 1; j < r; j++) {
      x = mulmod(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite)
      return false;
  }
  return true;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* A non-trivial factor of the odd composite n (Brent's variant of rho). */
static uint64_t rho(uint64_t n)
{
  for (uint64_t c = 1;; c++) {
    uint64_t y = 2, x = 2, g = 1, q = 1, ys = 2;
    uint64_t r = 1, m = 128;
    do {
      x = y;
      for (uint64_t i = 0; i < r; i++)
        y = (mulmod(y, y, n) + c) % n;
      uint64_t k = 0;
      do {
        ys = y;
        for (uint64_t i = 0; i < m && i < r - k; i++) {
          y = (mulmod(y, y, n) + c) % n;
          q = mulmod(q, x > y ? x - y : y - x, n);
        }
        g = gcd(q, n);
        k += m;
      } while (k < r && g == 1);
      r *= 2;
    } while (g == 1);
    if (g == n) {
      do {
        ys = (mulmod(ys, ys, n) + c) % n;
        g = gcd(x > ys ? x - ys : ys - x, n);
      } while (g == 1);
    }
    if (g != n)
      return g;
  }
}

/* Smallest prime factor of n >= 2 with no factor below 1000. */
static uint64_t smallest_factor(uint64_t n)
{
  if (is_prime(n))
    return n;
  uint64_t d = rho(n);
  uint64_t a = smallest_factor(d), b = smallest_factor(n / d);
  return a < b ? a : b;
}

static uint64_t isqrt(uint64_t n)
{
  uint64_t r = (uint64_t)sqrtl((long double)n);
  while (r * r > n)
    r--;
  while ((r + 1) <= UINT32_MAX && (r + 1) * (r + 1) <= n)
    r++;
  return r;
}

static uint64_t odd_from_3_to(uint64_t m)
{
  return m < 3 ? 0 : (m - 3) / 2 + 1;
}

uint64_t gs_least_prime_factor(uint64_t n, uint64_t *divisions)
{
  uint64_t p;
  if (n < 2) {
    p = n;
  } else if (n % 2 == 0) {
    p = 2;
  } else {
    p = 0;
    for (uint64_t i = 3; i < 1000 && i * i <= n; i += 2)
      if (n % i == 0) {
        p = i;
        break;
      }
    if (!p)
      p = smallest_factor(n);
  }
  if (divisions) {
    if (n < 2)
      *divisions = 0;
    else if (p == 2)
      *divisions = 1;
    else if (p == n) /* prime: every odd i up to isqrt(n) is tried */
      *divisions = 1 + odd_from_3_to(isqrt(n));
    else
      *divisions = 1 + odd_from_3_to(p);
  }
  return p;
}

/* User time the old GIL's release and immediate re-take add to the
 * holder's work: in runtime c, what the pair adds to the loop it
 * interrupts (measured there: the lock's atomic operations overlap with
 * the loop's own work, with a trial division's latency most of all);
 * elsewhere two uncontended GIL operations. */
static gs_time old_release_cost(const gsK_sim *s)
{
  double ns = 2 * s->p.v[GS_P_GIL_OP];
  if (s->sc->runtime == GS_RT_C) {
    switch (s->sc->workload) {
    case GS_WL_PRIMES:
      ns = s->p.v[GS_P_GIL_RELEASE_DIV];
      break;
    case GS_WL_COUNTDOWN:
    case GS_WL_CONVOY:
      ns = s->p.v[GS_P_GIL_RELEASE_STEP];
      break;
    default:
      break;
    }
  }
  return gsR_round(ns);
}

int gsW_prepare(gsK_sim *s)
{
  const gs_scenario *sc = s->sc;
  size_t n = sc->ntasks ? sc->ntasks : 1;
  /* Huge pages when large: a run touches every task's record (mem.c).
   * The work counts stay untouched (not resident) but in primes and
   * countdown. */
  if (n <= SIZE_MAX / sizeof *s->tasks)
    s->tasks = gs__huge_alloc(n * sizeof *s->tasks);
  s->work = calloc(n, sizeof *s->work);
  if (!s->tasks || !s->work) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory allocating tasks");
    return GS_ERR_NOMEM;
  }
  memset(s->tasks, 0, n * sizeof *s->tasks);
  s->old_release = old_release_cost(s);
  for (size_t i = 0; i < sc->ntasks; i++) {
    s->tasks[i].task = i;
    s->tasks[i].tid = -1;
    switch (sc->workload) {
    case GS_WL_PRIMES:
      s->tasks[i].value = gs_least_prime_factor(sc->numbers[i], &s->work[i]);
      break;
    case GS_WL_COUNTDOWN:
      s->work[i] = (uint64_t)sc->counts[i];
      break;
    case GS_WL_SLEEP:
    case GS_WL_CUSTOM:
    case GS_WL_DOWNLOAD:
    case GS_WL_CONVOY:
      break;
    }
  }
  return GS_OK;
}

void gsW_free(gsK_sim *s)
{
  free(s->work);
  s->work = NULL;
}

void gsW_begin(gsK_sim *s, gsK_cursor *cur, int64_t task)
{
  cur->task = task;
  cur->stepi = 0;
  cur->wpc = 0;
  s->tasks[task].started = gsK_now(s);
  s->tasks[task].tid = cur->owner->tid;
}

static size_t nsteps(const gsK_sim *s, int64_t task)
{
  const gs_scenario *sc = s->sc;
  switch (sc->workload) {
  case GS_WL_CUSTOM:
    return sc->custom[task].nsteps;
  case GS_WL_DOWNLOAD:
    return 2; /* the transfer, then the client's CPU on the bytes */
  case GS_WL_CONVOY:
    return task == 0 ? 2 * (size_t)sc->convoy.ops : 1;
  default:
    return 1;
  }
}

static gs_time cpu_cost(double units, double ns_per_unit)
{
  double ns = units * ns_per_unit;
  return ns > 9e18 ? (gs_time)9e18 : gsR_round(ns);
}

/* The old GIL's release interval, check_interval ticks of work.  A tick:
 * one iteration of the workload's loop in runtime c
 * (a division, a decrement: the unit the harness's C GIL counts), else the
 * `tick` parameter (about one bytecode). */
static gs_time old_interval(const gsK_sim *s, const gsG_gil *g)
{
  double unit = 0;
  if (s->sc->runtime == GS_RT_C) {
    switch (s->sc->workload) {
    case GS_WL_PRIMES:
      unit = s->p.v[GS_P_DIV];
      break;
    case GS_WL_COUNTDOWN:
    case GS_WL_CONVOY:
      unit = s->p.v[GS_P_COUNTDOWN_STEP];
      break;
    default:
      break;
    }
  }
  double ns = (double)g->check_interval * (unit > 0 ? unit : (double)g->tick_ns);
  return ns < 1 ? 1 : ns > 9e18 ? (gs_time)9e18 : gsR_round(ns);
}


/* Positions of the step sub-machine (cur->wpc). */
enum {
  WS_NEXT = 0, WS_CPU, WS_CPU_RAN, WS_TICKED, WS_YIELD, /* compute with the GIL */
  WS_WAIT, WS_WAITED,                                  /* sleep or blocking I/O */
  WS_NOGIL,                                            /* compute without it */
  WS_DOWNLOAD, WS_DOWNLOADING,                         /* a network transfer */
  WS_OFFLOAD,                                          /* asyncio.to_thread */
  WS_RETAKE,                                           /* take the GIL back */
  WS_OLD_DROP, WS_OLD_RETAKE                           /* old GIL: release, re-take */
};

/* Decide what step i of the task is: its kind and cost. */
static int step_kind(gsK_sim *s, gsK_cursor *cur, size_t i)
{
  const gs_scenario *sc = s->sc;
  int64_t k = cur->task;
  switch (sc->workload) {
  case GS_WL_PRIMES:
    cur->left = cpu_cost((double)s->work[k], s->p.v[GS_P_DIV]);
    return GS_STEP_CPU;
  case GS_WL_COUNTDOWN:
    cur->left = cpu_cost((double)s->work[k], s->p.v[GS_P_COUNTDOWN_STEP]);
    return GS_STEP_CPU;
  case GS_WL_SLEEP:
    cur->left = sc->durations[k];
    return GS_STEP_SLEEP;
  case GS_WL_CUSTOM: {
    const gs_step *st = &sc->custom[k].steps[i];
    cur->left = gsR_sample(&s->rng, &st->dur);
    return (int)st->kind;
  }
  case GS_WL_DOWNLOAD:
    if (i == 0) {
      cur->left = sc->sizes[k];
      return -1; /* the transfer */
    }
    cur->left = cpu_cost((double)sc->sizes[k], sc->net.cpu_per_byte);
    return sc->net.cpu_holds_gil ? GS_STEP_CPU : GS_STEP_CPU_NOGIL;
  case GS_WL_CONVOY:
    if (k > 0) {
      cur->left = sc->convoy.cpu;
      return GS_STEP_CPU;
    }
    if (i % 2 == 0) {
      cur->left = gsR_sample(&s->rng, &sc->convoy.latency);
      return GS_STEP_IO;
    }
    cur->left = sc->convoy.op_cpu;
    return GS_STEP_CPU;
  }
  return GS_STEP_CPU;
}

void gsW_begin_job(gsK_cursor *cur, gs_time ns)
{
  cur->job = true;
  cur->wpc = WS_CPU;
  cur->left = ns;
}

void gsW_notify(gsK_sim *s, gsK_cursor *cur)
{
  if (cur->coro) {
    gsL_ready(s, cur->coro);
    return;
  }
  gsK_thread *t = cur->owner;
  t->io_done = true;
  gsK_wake_all(s, &t->io_wq);
}

/*
 * One task step, with the GIL where the process has one:
 *
 *   cpu:    take the GIL; compute.  New GIL: the work is interruptible at
 *           check points; when cut there by a drop request, drop the GIL
 *           (forced switching) and take it again with no priority, then go
 *           on.  Old GIL: compute in chunks of check_interval ticks; after
 *           each, release the lock and at once take it back.  If the release
 *           woke a waiter, the wake-up system call is paid first, which is
 *           the window in which the OS may preempt the releaser.
 *   sleep, io: a thread drops the GIL, blocks, takes the GIL back.  A
 *           coroutine sets a timer and awaits; its loop thread goes on.
 *   cpu_nogil: drop the GIL, compute, take it back.
 *   download: a thread drops the GIL, waits for the transfer, takes it
 *           back; a coroutine starts the transfer and awaits it.
 *   thread: a coroutine hands the work to the loop's thread pool and
 *           awaits it; a thread just computes.
 */
int gsW_step(gsK_sim *s, gsK_cursor *cur)
{
  gsK_thread *t = cur->owner;
  gsG_gil *g = t->proc->gil;
  for (;;) {
    switch (cur->wpc) {
    case WS_NEXT: {
      if (cur->job) {
        cur->job = false;
        return GSW_DONE;
      }
      int64_t k = cur->task;
      if (cur->stepi >= nsteps(s, k)) {
        s->tasks[k].finished = gsK_now(s);
        t->tasks++;
        cur->task = -1;
        return GSW_DONE;
      }
      int kind = step_kind(s, cur, cur->stepi++);
      switch (kind) {
      case GS_STEP_CPU:
        cur->wpc = WS_CPU;
        break;
      case GS_STEP_SLEEP:
      case GS_STEP_IO:
        t->blk_io = kind == GS_STEP_IO;
        cur->wpc = WS_WAIT;
        break;
      case GS_STEP_CPU_NOGIL:
        cur->wpc = cur->coro ? WS_CPU : WS_NOGIL; /* a coroutine keeps the loop's GIL */
        break;
      case GS_STEP_THREAD:
        cur->wpc = cur->coro ? WS_OFFLOAD : WS_CPU;
        break;
      default:
        cur->wpc = WS_DOWNLOAD;
        break;
      }
      continue;
    }
    case WS_CPU:
      if (!gsG_take(s, t))
        return GSW_OP;
      if (cur->left <= 0) {
        cur->wpc = WS_NEXT;
        continue;
      }
      if (!g) {
        gsK_work(t, cur->left, false);
        cur->left = 0;
        cur->wpc = WS_NEXT;
      } else if (g->kind == GS_GIL_NEW) {
        gsK_work_checked(t, cur->left, g->check_ns);
        cur->wpc = WS_CPU_RAN;
      } else {
        gs_time chunk = old_interval(s, g) - g->ticker;
        if (chunk > cur->left)
          chunk = cur->left;
        gsK_work(t, chunk, false);
        g->ticker += chunk;
        cur->left -= chunk;
        cur->wpc = WS_TICKED;
      }
      return GSW_OP;
    case WS_CPU_RAN: /* the op ended, or was cut at a check point */
      cur->left = t->op_rest;
      t->op_rest = 0;
      cur->wpc = WS_CPU;
      if (t->breaker) {
        t->breaker = false;
        if (gsG_must_yield(t))
          cur->wpc = WS_YIELD;
      }
      continue;
    case WS_TICKED:
      cur->wpc = WS_CPU;
      if (g->ticker >= old_interval(s, g)) {
        g->ticker = 0;
        cur->wpc = WS_OLD_DROP;
      }
      continue;
    case WS_OLD_DROP:
      /* The release, which waits if a woken waiter holds the GIL's mutex. */
      if (!gsG_drop(s, t))
        return GSW_OP;
      cur->wpc = WS_OLD_RETAKE;
      if (t->pending_sys > 0) {
        /* The drop woke a waiter: a system call, on whose return the
         * OS may switch to the woken thread before the releaser takes
         * the GIL back (a hand-off), or not (the usual failed wake-up). */
        gsK_work(t, 0, true);
        return GSW_OP;
      }
      /* The release's half of the pair's cost, with the lock free: a
       * woken waiter that looks at it now takes it. */
      if (s->old_release / 2 > 0) {
        gsK_work(t, s->old_release / 2, false);
        return GSW_OP;
      }
      continue;
    case WS_OLD_RETAKE:
      /* ...and takes it back; then the re-take's half (user), and the
       * GIL's cache lines if a woken waiter had them meanwhile. */
      if (!gsG_take(s, t))
        return GSW_OP;
      cur->wpc = WS_CPU;
      {
        gs_time cost = s->old_release - s->old_release / 2 + gsG_line_cost(s, t);
        if (cost > 0) {
          gsK_work(t, cost, false);
          return GSW_OP;
        }
      }
      continue;
    case WS_YIELD:
      if (!gsG_drop(s, t))
        return GSW_OP;
      cur->wpc = WS_CPU;
      continue;
    case WS_WAIT:
      if (cur->coro) {
        gsL_sleep(s, cur->coro, cur->left);
        cur->wpc = WS_NEXT;
        return GSW_AWAIT;
      }
      if (!gsG_drop(s, t))
        return GSW_OP;
      if (cur->left == 0 && t->blk_io) {
        /* A call that does not block (data already there): just the
         * system call, GIL dropped around it. */
        gsK_work(t, (gs_time)s->p.v[GS_P_SYSCALL], true);
      } else {
        gsK_block(s, t, NULL, cur->left);
      }
      cur->wpc = WS_RETAKE;
      return GSW_OP;
    case WS_NOGIL:
      if (!gsG_drop(s, t))
        return GSW_OP;
      gsK_work(t, cur->left, false);
      cur->left = 0;
      cur->wpc = WS_RETAKE;
      return GSW_OP;
    case WS_DOWNLOAD:
      if (cur->coro) {
        gsN_request(s, cur, cur->left);
        cur->wpc = WS_NEXT;
        return GSW_AWAIT;
      }
      if (!gsG_drop(s, t))
        return GSW_OP;
      t->io_done = false;
      t->blk_io = true;
      gsN_request(s, cur, cur->left);
      cur->wpc = WS_DOWNLOADING;
      /* fall through */
    case WS_DOWNLOADING:
      if (!t->io_done) {
        gsK_block(s, t, &t->io_wq, -1);
        return GSW_OP;
      }
      cur->wpc = WS_RETAKE;
      continue;
    case WS_OFFLOAD:
      gsL_offload(s, cur->coro, cur->left);
      cur->wpc = WS_NEXT;
      return GSW_AWAIT;
    case WS_RETAKE:
      if (!gsG_take(s, t))
        return GSW_OP;
      t->blk_io = false;
      cur->wpc = WS_NEXT;
      continue;
    }
  }
}
