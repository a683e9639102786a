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

typedef struct {
  gsl_rng *r;
  uint64_t seed;
} gsR_rng;

int gsR_init(gsR_rng *g, uint64_t seed); /* -1 on allocation failure */
void gsR_free(gsR_rng *g);
/* A duration in ns drawn from d: non-negative, rounded to the nearest ns. */
gs_time gsR_sample(gsR_rng *g, const gs_dist *d);

#endif
