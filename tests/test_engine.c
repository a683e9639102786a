/* Tests of the pending-event set (sim/engine.c). */
#include "engine.h"
#include "rng.h"

#include <math.h>

#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

Test(engine, pops_events_in_time_order)
{
  gsE_queue q;
  gsE_init(&q);
  gsE_event ev[5];
  gs_time at[5] = {50, 10, 40, 20, 30};
  for (int i = 0; i < 5; i++) {
    gsE_event_init(&ev[i], 1, NULL);
    cr_assert_eq(gsE_schedule(&q, &ev[i], at[i]), 0);
  }
  gs_time last = -1;
  for (int i = 0; i < 5; i++) {
    gsE_event *e = gsE_pop(&q);
    cr_assert_gt(e->at, last);
    cr_assert_eq(q.now, e->at);
    last = e->at;
  }
  cr_assert_null(gsE_pop(&q));
  gsE_free(&q);
}

Test(engine, equal_times_fire_in_insertion_order)
{
  gsE_queue q;
  gsE_init(&q);
  gsE_event ev[100];
  for (int i = 0; i < 100; i++) {
    gsE_event_init(&ev[i], 1, &ev[i]);
    gsE_schedule(&q, &ev[i], 7);
  }
  for (int i = 0; i < 100; i++)
    cr_assert_eq(gsE_pop(&q), &ev[i]);
  gsE_free(&q);
}

Test(engine, rescheduled_event_counts_as_new_insertion)
{
  gsE_queue q;
  gsE_init(&q);
  gsE_event a, b;
  gsE_event_init(&a, 1, NULL);
  gsE_event_init(&b, 1, NULL);
  gsE_schedule(&q, &a, 5);
  gsE_schedule(&q, &b, 5);
  gsE_schedule(&q, &a, 5); /* moved: now after b */
  cr_assert_eq(gsE_pop(&q), &b);
  cr_assert_eq(gsE_pop(&q), &a);
  gsE_free(&q);
}

Test(engine, cancelled_event_never_fires)
{
  gsE_queue q;
  gsE_init(&q);
  gsE_event a, b;
  gsE_event_init(&a, 1, NULL);
  gsE_event_init(&b, 1, NULL);
  gsE_schedule(&q, &a, 1);
  gsE_schedule(&q, &b, 2);
  gsE_cancel(&q, &a);
  cr_assert(!gsE_pending(&a));
  cr_assert_eq(gsE_pop(&q), &b);
  cr_assert_null(gsE_pop(&q));
  gsE_free(&q);
}

/* Random schedules, moves and cancels against a brute-force model. */
Test(engine, random_operations_keep_heap_order)
{
  enum { N = 2000 };
  gsE_queue q;
  gsE_init(&q);
  gsE_event *ev = calloc(N, sizeof *ev);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (int i = 0; i < N; i++)
    gsE_event_init(&ev[i], 1, NULL);
  for (int k = 0; k < 20000; k++) {
    gsE_event *e = &ev[gsl_rng_uniform_int(r, N)];
    if (gsl_rng_uniform(r) < 0.2)
      gsE_cancel(&q, e);
    else
      gsE_schedule(&q, e, (gs_time)gsl_rng_uniform_int(r, 1000));
  }
  size_t pending = 0;
  for (int i = 0; i < N; i++)
    pending += gsE_pending(&ev[i]);
  cr_assert_eq(pending, q.n);
  gs_time lt = -1;
  uint64_t ls = 0;
  gsE_event *e;
  while ((e = gsE_pop(&q))) {
    cr_assert(e->at > lt || (e->at == lt && e->seq > ls));
    lt = e->at;
    ls = e->seq;
    pending--;
  }
  cr_assert_eq(pending, 0);
  gsl_rng_free(r);
  free(ev);
  gsE_free(&q);
}

/* Schedules, moves, cancels and pops interleaved as a run makes them (time
 * moving on, most new events a little after now and some far off, many at
 * equal times), each pop checked against a brute-force search of the
 * pending events for the least (at, seq): the front slot, the run and the
 * buckets together must give exactly that order. */
Test(engine, interleaved_operations_pop_the_least_pending_key)
{
  enum { N = 500 };
  gsE_queue q;
  gsE_init(&q);
  gsE_event *ev = calloc(N, sizeof *ev);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (int i = 0; i < N; i++)
    gsE_event_init(&ev[i], 1, &ev[i]);
  size_t pops = 0, fronts = 0;
  for (int k = 0; k < 200000; k++) {
    double u = gsl_rng_uniform(r);
    gsE_event *e = &ev[gsl_rng_uniform_int(r, N)];
    if (u < 0.45) {
      /* near (often equal times), mid, or far ahead of now */
      double v = gsl_rng_uniform(r);
      gs_time d = v < 0.5 ? (gs_time)gsl_rng_uniform_int(r, 4)
                : v < 0.9 ? (gs_time)gsl_rng_uniform_int(r, 5000)
                          : (gs_time)gsl_rng_uniform_int(r, 1u << 30);
      cr_assert_eq(gsE_schedule(&q, e, q.now + d), 0);
    } else if (u < 0.5) {
      gsE_cancel(&q, e);
    } else {
      gsE_event *best = NULL;
      for (int i = 0; i < N; i++)
        if (ev[i].pending && (!best || ev[i].at < best->at ||
                              (ev[i].at == best->at && ev[i].seq < best->seq)))
          best = &ev[i];
      fronts += q.front.ev != NULL;
      gsE_event *got = gsE_pop(&q);
      cr_assert_eq(got, best, "pop %zu: got %p, the least pending key is %p", pops, (void *)got,
                   (void *)best);
      if (got) {
        cr_assert_eq(q.now, got->at);
        cr_assert(!got->pending);
        pops++;
      }
    }
  }
  size_t pending = 0;
  for (int i = 0; i < N; i++)
    pending += gsE_pending(&ev[i]);
  cr_assert_eq(pending, q.n);
  cr_assert_gt(pops, 50000);
  cr_assert_gt(fronts, 1000, "the front slot was used %zu times", fronts);
  gsl_rng_free(r);
  free(ev);
  gsE_free(&q);
}

/* gsR_round (rng.h) is llround, inline: the same value everywhere, halves
 * and the neighbours of halves included. */
Test(engine, round_is_llround)
{
  static const double edge[] = {0.0, 0.5, 1.5, 2.5, 0.49999999999999994, 0.5000000000000001,
                                4503599627370495.5, 4503599627370497.0, 9007199254740993.0,
                                1e15 + 0.5, 9e18, 9.2e18, -0.5, -2.5, -1e-300, 1e-300};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
    cr_assert_eq(gsR_round(edge[i]), llround(edge[i]), "x = %.17g", edge[i]);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (int k = 0; k < 1000000; k++) {
    /* magnitudes from 1e-3 to 1e18, and exact halves */
    double x = pow(10, -3 + 21 * gsl_rng_uniform(r));
    if (k % 4 == 0)
      x = floor(x) + 0.5;
    cr_assert_eq(gsR_round(x), llround(x), "x = %.17g", x);
    cr_assert_eq(gsR_round(nextafter(x, 0)), llround(nextafter(x, 0)), "x = %.17g", nextafter(x, 0));
  }
  gsl_rng_free(r);
}
