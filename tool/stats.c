/*
 * stats.c - error percentages and percentiles for validate and sweep.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

double vs_error_pct(double simulated, double measured)
{
  if (!isfinite(simulated) || !isfinite(measured) || !(measured > 0))
    return NAN;
  return (simulated - measured) / measured * 100.0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double vs_percentile(const double *v, int n, double p)
{
  if (n <= 0 || !(p >= 0 && p <= 100))
    return NAN;
  double *w = malloc(sizeof *w * (size_t)n);
  if (!w)
    return NAN;
  int m = 0;
  for (int i = 0; i < n; i++)
    if (!isnan(v[i]))
      w[m++] = v[i];
  double r = NAN;
  if (m > 0) {
    qsort(w, (size_t)m, sizeof *w, cmp_double);
    double rank = p / 100.0 * (m - 1);
    int lo = (int)floor(rank);
    int hi = lo + 1 < m ? lo + 1 : lo;
    r = w[lo] + (w[hi] - w[lo]) * (rank - lo);
  }
  free(w);
  return r;
}

double vs_median(const double *v, int n) { return vs_percentile(v, n, 50); }
