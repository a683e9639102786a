/*
 * rng.h - the one owner of randomness in a run.
 *
 * A run has one GSL generator (MT19937) seeded from the scenario or the
 * command line; every variate is drawn through here, in event order, so a
 * (scenario, seed) pair always produces the same run.
 */
#ifndef GS_RNG_H
#define GS_RNG_H

#include "gs.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>

typedef struct {
  gsl_rng *r;
  uint64_t seed;
  double log_of, log_is; /* the last log taken: log(log_of) == log_is */
} gsR_rng;

int gsR_init(gsR_rng *g, uint64_t seed); /* -1 on allocation failure */
void gsR_free(gsR_rng *g);
/* x rounded to the nearest integer, halves away from zero: llround(x),
 * inline, for the durations charged at every step (a call to llround
 * costs more than a step of some workloads).  Exact: for 0 <= x < 2^63,
 * (int64_t)x is floor(x) and x - floor(x) is computed without rounding. */
static inline int64_t gsR_round(double x)
{
  if (!(x >= 0 && x < 9.2e18))
    return llround(x);
  int64_t r = (int64_t)x;
  return x - (double)r >= 0.5 ? r + 1 : r;
}

/* A duration in ns drawn from d: non-negative, rounded to the nearest ns. */
gs_time gsR_sample(gsR_rng *g, const gs_dist *d);

#endif
