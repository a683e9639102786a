/*
 * rng.c - seeded GSL generator and the duration distributions.
 *
 * Parameters follow gs_dist in gs.h.  The normal distribution is truncated
 * at zero by resampling (a duration cannot be negative); after 64 negative
 * draws in a row (a mean far below zero) it yields 0 rather than loop.
 */
#include "rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>

int gsR_init(gsR_rng *g, uint64_t seed)
{
  g->r = gsl_rng_alloc(gsl_rng_mt19937);
  if (!g->r)
    return -1;
  g->seed = seed;
  g->log_of = 1;
  g->log_is = 0;
  /* gsl_rng_set takes an unsigned long; fold the high half in so that
   * 64-bit seeds that differ only above bit 32 still differ. */
  gsl_rng_set(g->r, (unsigned long)(seed ^ (seed >> 32)));
  return 0;
}

void gsR_free(gsR_rng *g)
{
  if (g->r)
    gsl_rng_free(g->r);
  g->r = NULL;
}

static double draw(gsR_rng *g, const gs_dist *d)
{
  switch (d->kind) {
  case GS_DIST_CONST:
    return d->a;
  case GS_DIST_UNIFORM:
    return gsl_ran_flat(g->r, d->a, d->b);
  case GS_DIST_EXP:
    return gsl_ran_exponential(g->r, d->a);
  case GS_DIST_NORMAL:
    for (int i = 0; i < 64; i++) {
      double x = d->a + gsl_ran_gaussian(g->r, d->b);
      if (x >= 0)
        return x;
    }
    return 0;
  case GS_DIST_LOGNORMAL:
    /* Most runs draw from one lognormal: its log median once. */
    if (d->a != g->log_of) {
      g->log_of = d->a;
      g->log_is = log(d->a);
    }
    return gsl_ran_lognormal(g->r, g->log_is, d->b);
  case GS_DIST_GAMMA:
    return gsl_ran_gamma(g->r, d->a, d->b);
  case GS_DIST_PARETO:
    return gsl_ran_pareto(g->r, d->a, d->b);
  case GS_DIST_EMPIRICAL:
    return d->nsamples ? d->samples[gsl_rng_uniform_int(g->r, d->nsamples)] : 0;
  }
  return 0;
}

gs_time gsR_sample(gsR_rng *g, const gs_dist *d)
{
  double x = draw(g, d);
  if (!(x > 0))
    return 0;
  if (x > 9e18) /* a heavy tail (pareto) must not overflow int64 */
    return (gs_time)9e18;
  return gsR_round(x);
}
