/*
 * test_stats.c - the error arithmetic of gilsim validate and sweep.
 */
#include "stats.h"

#include <criterion/criterion.h>
#include <math.h>

Test(stats, error_is_signed_and_relative_to_the_measurement)
{
  cr_assert_float_eq(vs_error_pct(1.1, 1.0), 10.0, 1e-9);
  cr_assert_float_eq(vs_error_pct(0.9, 1.0), -10.0, 1e-9);
  cr_assert_float_eq(vs_error_pct(2.0, 2.0), 0.0, 0);
  cr_assert_float_eq(vs_error_pct(3.0, 1.5), 100.0, 1e-9);
}

Test(stats, error_of_a_zero_or_bad_measurement_is_nan)
{
  cr_assert(isnan(vs_error_pct(1.0, 0.0)));
  cr_assert(isnan(vs_error_pct(1.0, -1.0)));
  cr_assert(isnan(vs_error_pct(NAN, 1.0)));
  cr_assert(isnan(vs_error_pct(1.0, INFINITY)));
}

Test(stats, percentiles_interpolate_between_ranks)
{
  double v[] = {5, 1, 4, 2, 3}; /* sorted: 1 2 3 4 5 */
  cr_assert_float_eq(vs_percentile(v, 5, 0), 1.0, 1e-12);
  cr_assert_float_eq(vs_percentile(v, 5, 100), 5.0, 1e-12);
  cr_assert_float_eq(vs_median(v, 5), 3.0, 1e-12);
  cr_assert_float_eq(vs_percentile(v, 5, 90), 4.6, 1e-12); /* rank 3.6 */
  cr_assert_float_eq(vs_percentile(v, 5, 25), 2.0, 1e-12);
  cr_assert_float_eq(v[0], 5.0, 0, "the input is left as it was");
  double even[] = {1, 2, 3, 10};
  cr_assert_float_eq(vs_median(even, 4), 2.5, 1e-12);
  double one[] = {7};
  cr_assert_float_eq(vs_percentile(one, 1, 90), 7.0, 0);
}

Test(stats, nan_values_are_left_out)
{
  double v[] = {NAN, 2, NAN, 4};
  cr_assert_float_eq(vs_median(v, 4), 3.0, 1e-12);
  double none[] = {NAN, NAN};
  cr_assert(isnan(vs_median(none, 2)));
  cr_assert(isnan(vs_median(v, 0)));
  cr_assert(isnan(vs_percentile(v, 4, 101)));
}
