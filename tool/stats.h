/*
 * stats.h - the arithmetic of comparing simulated with measured figures.
 */
#ifndef GS_STATS_H
#define GS_STATS_H

/* (simulated - measured) / measured x 100; NAN when measured is not > 0 or
 * either value is not finite. */
double vs_error_pct(double simulated, double measured);
/* The p-th percentile (0..100) of v[0..n), by linear interpolation between
 * the closest ranks (rank p/100 x (n-1) of the sorted values; numpy's
 * default).  NAN values are left out; NAN when none is left.  v is not
 * changed. */
double vs_percentile(const double *v, int n, double p);
/* The median: vs_percentile(v, n, 50). */
double vs_median(const double *v, int n);

#endif
