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
 * starts.
 */
#include "workload.h"
#include "gil.h"

#include <math.h>
#include <stdlib.h>

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

int gsW_prepare(gsK_sim *s)
{
  const gs_scenario *sc = s->sc;
  s->tasks = calloc(sc->ntasks ? sc->ntasks : 1, sizeof *s->tasks);
  s->work = calloc(sc->ntasks ? sc->ntasks : 1, sizeof *s->work);
  if (!s->tasks || !s->work) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory allocating tasks");
    return GS_ERR_NOMEM;
  }
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

void gsW_begin(gsK_sim *s, gsK_thread *t, int64_t task)
{
  t->task = task;
  t->stepi = 0;
  t->wpc = 0;
  s->tasks[task].started = gsK_now(s);
  s->tasks[task].tid = t->tid;
}

static size_t nsteps(const gs_scenario *sc, int64_t task)
{
  return sc->workload == GS_WL_CUSTOM ? sc->custom[task].nsteps : 1;
}

static gs_time cpu_cost(double units, double ns_per_unit)
{
  double ns = units * ns_per_unit;
  return ns > 9e18 ? (gs_time)9e18 : (gs_time)llround(ns);
}

/* Positions of the step sub-machine (t->wpc). */
enum { WS_NEXT = 0, WS_CPU, WS_CPU_RAN, WS_TICKED, WS_YIELD, WS_SLEEP, WS_SLEPT };

/*
 * One task step, with the GIL where the process has one:
 *
 *   cpu:   take the GIL; compute.  New GIL: the work is interruptible at
 *          check points; when cut there by a drop request, drop the GIL
 *          (forced switching) and take it again with no priority, then go
 *          on.  Old GIL: compute in chunks of check_interval ticks; after
 *          each, release the lock and at once take it back.  If the release
 *          woke a waiter, the wake-up system call is paid first, which is
 *          the window in which the OS may preempt the releaser.
 *   sleep: drop the GIL, sleep, take the GIL back.
 */
bool gsW_step(gsK_sim *s, gsK_thread *t)
{
  const gs_scenario *sc = s->sc;
  int64_t k = t->task;
  gsG_gil *g = t->proc->gil;
  for (;;) {
    switch (t->wpc) {
    case WS_NEXT: {
      if (t->stepi >= nsteps(sc, k)) {
        s->tasks[k].finished = gsK_now(s);
        t->tasks++;
        t->task = -1;
        return false;
      }
      size_t i = t->stepi++;
      bool cpu = true;
      switch (sc->workload) {
      case GS_WL_PRIMES:
        t->left = cpu_cost((double)s->work[k], s->p.v[GS_P_DIV]);
        break;
      case GS_WL_COUNTDOWN:
        t->left = cpu_cost((double)s->work[k], s->p.v[GS_P_COUNTDOWN_STEP]);
        break;
      case GS_WL_SLEEP:
        t->left = sc->durations[k];
        cpu = false;
        break;
      case GS_WL_CUSTOM: {
        const gs_step *st = &sc->custom[k].steps[i];
        t->left = gsR_sample(&s->rng, &st->dur);
        cpu = st->kind == GS_STEP_CPU;
        break;
      }
      }
      t->wpc = cpu ? WS_CPU : WS_SLEEP;
      continue;
    }
    case WS_CPU:
      if (!gsG_take(s, t))
        return true;
      if (t->left <= 0) {
        t->wpc = WS_NEXT;
        continue;
      }
      if (!g) {
        gsK_work(t, t->left, false);
        t->left = 0;
        t->wpc = WS_NEXT;
      } else if (g->kind == GS_GIL_NEW) {
        gsK_work_checked(t, t->left, g->check_ns);
        t->wpc = WS_CPU_RAN;
      } else {
        gs_time chunk = g->check_interval * g->tick_ns - g->ticker;
        if (chunk > t->left)
          chunk = t->left;
        gsK_work(t, chunk, false);
        g->ticker += chunk;
        t->left -= chunk;
        t->wpc = WS_TICKED;
      }
      return true;
    case WS_CPU_RAN: /* the op ended, or was cut at a check point */
      t->left = t->op_rest;
      t->op_rest = 0;
      t->wpc = WS_CPU;
      if (t->breaker) {
        t->breaker = false;
        if (gsG_must_yield(t))
          t->wpc = WS_YIELD;
      }
      continue;
    case WS_TICKED:
      t->wpc = WS_CPU;
      if (g->ticker >= g->check_interval * g->tick_ns) {
        g->ticker = 0;
        gsG_drop(s, t); /* the old GIL's drop never blocks */
        if (t->pending_sys > 0) {
          gsK_work(t, 0, true);
          return true;
        }
      }
      continue;
    case WS_YIELD:
      if (!gsG_drop(s, t))
        return true;
      t->wpc = WS_CPU;
      continue;
    case WS_SLEEP:
      if (!gsG_drop(s, t))
        return true;
      gsK_block(s, t, NULL, t->left);
      t->wpc = WS_SLEPT;
      return true;
    case WS_SLEPT:
      if (!gsG_take(s, t))
        return true;
      t->wpc = WS_NEXT;
      continue;
    }
  }
}
