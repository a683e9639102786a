/* Tests of the workload arithmetic (sim/workload.c). */
#include "gs.h"
#include "support.h"

#include <criterion/criterion.h>

/* The reference algorithm itself, for checking the closed form. */
static uint64_t reference(uint64_t n, uint64_t *divisions)
{
  uint64_t d = 1;
  if (n % 2 == 0) {
    *divisions = d;
    return 2;
  }
  for (uint64_t i = 3; i * i <= n; i += 2) {
    d++;
    if (n % i == 0) {
      *divisions = d;
      return i;
    }
  }
  *divisions = d;
  return n;
}

Test(workload, least_prime_factor_and_divisions_match_trial_division)
{
  for (uint64_t n = 2; n < 200000; n++) {
    uint64_t d1, d2;
    uint64_t p1 = gs_least_prime_factor(n, &d1);
    uint64_t p2 = reference(n, &d2);
    cr_assert_eq(p1, p2, "n=%lu", (unsigned long)n);
    cr_assert_eq(d1, d2, "n=%lu", (unsigned long)n);
  }
}

Test(workload, demo_numbers_have_their_known_factors)
{
  uint64_t d;
  cr_assert_eq(gs_least_prime_factor(72057596722278677ULL, &d), 268435399ULL);
  cr_assert_eq(d, 1 + (268435399ULL - 3) / 2 + 1);
  cr_assert_eq(gs_least_prime_factor(36028797018963968ULL, &d), 2);
  cr_assert_eq(d, 1);
  cr_assert_eq(gs_least_prime_factor(72057594037927931ULL, &d), 72057594037927931ULL);
  /* isqrt(72057594037927931) = 268435455: odd 3..268435455 */
  cr_assert_eq(d, 1 + (268435455ULL - 3) / 2 + 1);
  cr_assert_eq(gs_least_prime_factor(144115189976253901ULL, &d), 379625047ULL);
}

Test(workload, a_large_prime_costs_far_more_than_an_even_number)
{
  uint64_t de, dp;
  gs_least_prime_factor(54043195528445952ULL, &de);
  gs_least_prime_factor(54043195528445869ULL, &dp);
  cr_assert_eq(de, 1);
  cr_assert_gt(dp, 100000000ULL);
}

Test(workload, extreme_64_bit_values_are_exact)
{
  uint64_t d;
  cr_assert_eq(gs_least_prime_factor(18446744073709551557ULL, &d), 18446744073709551557ULL);
  cr_assert_eq(d, 1 + (4294967295ULL - 3) / 2 + 1);
  cr_assert_eq(gs_least_prime_factor(18446744073709551615ULL, &d), 3); /* 2^64 - 1 */
  cr_assert_eq(d, 2);
  /* The square of the largest 32-bit prime: the factor is sqrt(n) itself. */
  uint64_t p = 4294967291ULL;
  cr_assert_eq(gs_least_prime_factor(p * p, &d), p);
  cr_assert_eq(d, 1 + (p - 3) / 2 + 1);
}

Test(workload, primes_results_are_the_least_prime_factors)
{
  gs_scenario *sc = ts_primes(GS_RT_C, GS_MODEL_SEQUENTIAL, 1, 1);
  gs_results *r = ts_run(sc);
  cr_assert_eq(r->ntasks, 8);
  cr_assert_eq(r->tasks[0].value, 268435399ULL);
  cr_assert_eq(r->tasks[1].value, 2);
  cr_assert_eq(r->tasks[6].value, 2);
  gs_results_free(r);
  ts_free(sc);
}

Test(workload, primes_user_time_is_divisions_times_cost)
{
  gs_scenario *sc = ts_primes(GS_RT_C, GS_MODEL_SEQUENTIAL, 1, 1);
  ts_set(sc, GS_P_DIV, 10.0);
  gs_results *r = ts_run(sc);
  gs_time expect = 0;
  for (size_t i = 0; i < sc->ntasks; i++) {
    uint64_t d;
    gs_least_prime_factor(sc->numbers[i], &d);
    expect += (gs_time)d * 10;
  }
  cr_assert_eq(r->user, expect);
  gs_results_free(r);
  ts_free(sc);
}
