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

bool gsW_step(gsK_sim *s, gsK_thread *t)
{
  const gs_scenario *sc = s->sc;
  int64_t k = t->task;
  if (t->stepi >= nsteps(sc, k)) {
    s->tasks[k].finished = gsK_now(s);
    t->tasks++;
    t->task = -1;
    return false;
  }
  size_t i = t->stepi++;
  switch (sc->workload) {
  case GS_WL_PRIMES:
    gsK_work(t, cpu_cost((double)s->work[k], s->p.v[GS_P_DIV]), false);
    break;
  case GS_WL_COUNTDOWN:
    gsK_work(t, cpu_cost((double)s->work[k], s->p.v[GS_P_COUNTDOWN_STEP]), false);
    break;
  case GS_WL_SLEEP:
    gsK_block(s, t, NULL, sc->durations[k]);
    break;
  case GS_WL_CUSTOM: {
    const gs_step *st = &sc->custom[k].steps[i];
    gs_time d = gsR_sample(&s->rng, &st->dur);
    if (st->kind == GS_STEP_CPU)
      gsK_work(t, d, false);
    else
      gsK_block(s, t, NULL, d);
    break;
  }
  }
  return true;
}
