/* Tests of the cores and the OS scheduler (sim/sched.c, sim/thread.c). */
#include "support.h"

static uint64_t total_ivcsw(const gs_results *r)
{
  uint64_t n = 0;
  for (size_t i = 0; i < r->nthreads; i++)
    n += r->threads[i].nivcsw;
  return n;
}

Test(sched, rr_smaller_quantum_gives_more_switches_and_more_sys_time)
{
  gs_scenario *sc = ts_custom(3, GS_STEP_CPU, 200 * GS_MS);
  sc->sched = GS_SCHED_RR;
  ts_set(sc, GS_P_RR_QUANTUM, 10e6);
  gs_results *big = ts_run(sc);
  ts_set(sc, GS_P_RR_QUANTUM, 1e6);
  gs_results *small = ts_run(sc);
  cr_assert_gt(total_ivcsw(small), 5 * total_ivcsw(big));
  cr_assert_gt(small->sys, big->sys);
  cr_assert_gt(small->wall, big->wall); /* the extra switches cost time */
  gs_results_free(big);
  gs_results_free(small);
  ts_free(sc);
}

Test(sched, rr_switches_once_per_quantum_when_threads_compete)
{
  gs_scenario *sc = ts_custom(2, GS_STEP_CPU, 100 * GS_MS);
  sc->sched = GS_SCHED_RR;
  ts_set(sc, GS_P_RR_QUANTUM, 5e6);
  gs_results *r = ts_run(sc);
  /* 200 ms of work in 5 ms quanta: about 40 slices, all but the last
   * couple ending in a preemption. */
  uint64_t n = total_ivcsw(r);
  cr_assert(n >= 36 && n <= 40, "involuntary switches %lu", (unsigned long)n);
  gs_results_free(r);
  ts_free(sc);
}

Test(sched, fair_shares_one_core_evenly_between_cpu_threads)
{
  gs_scenario *sc = ts_custom(2, GS_STEP_CPU, 1 * GS_SEC);
  sc->custom[1].steps[0].dur.a = 2e9; /* the second needs twice as long */
  gs_results *r = ts_run(sc);
  const gs_thread_result *a = thread_named(r, "worker-1"), *b = thread_named(r, "worker-2");
  /* While both run they alternate, so the short one finishes at about 2 s,
   * not 1 s: fairness, not FIFO. */
  cr_assert_gt(a->ended, 19 * GS_SEC / 10);
  cr_assert_lt(a->ended, 21 * GS_SEC / 10);
  cr_assert_gt(b->ended, 3 * GS_SEC);
  gs_results_free(r);
  ts_free(sc);
}

Test(sched, fair_slices_end_on_scheduler_ticks)
{
  gs_scenario *sc = ts_custom(2, GS_STEP_CPU, 400 * GS_MS);
  gs_results *r = ts_run(sc);
  /* One core: slice 0.75 ms x 1, rounded up to the 4 ms tick: about 200
   * slices for 800 ms of work. */
  uint64_t n = total_ivcsw(r);
  cr_assert(n >= 180 && n <= 205, "involuntary switches %lu", (unsigned long)n);
  gs_results_free(r);
  ts_free(sc);
}

Test(sched, wakeup_preemption_lets_a_sleeper_run_before_the_slice_ends)
{
  /* Worker 1 computes 100 us then sleeps 3 ms, 50 times; worker 2 burns
   * CPU.  Fair: the sleeper is placed behind the hog's vruntime and
   * preempts it on waking, so it hardly waits.  Round-robin: it queues
   * behind the rest of the hog's 10 ms quantum each time. */
  gs_scenario *sc = ts_custom(2, GS_STEP_CPU, 2 * GS_SEC);
  ts_interactive(sc, 0, 50, 100 * GS_US, 3 * GS_MS);
  gs_results *fair = ts_run(sc);
  sc->sched = GS_SCHED_RR;
  gs_results *rr = ts_run(sc);
  const gs_thread_result *f = thread_named(fair, "worker-1"), *q = thread_named(rr, "worker-1");
  cr_assert_lt(f->runnable, 50 * 50 * GS_US, "fair: sleeper waited %ld ns", (long)f->runnable);
  cr_assert_gt(q->runnable, 10 * f->runnable, "rr %ld fair %ld", (long)q->runnable, (long)f->runnable);
  cr_assert_geq(thread_named(fair, "worker-2")->nivcsw, 49);
  gs_results_free(fair);
  gs_results_free(rr);
  ts_free(sc);
}

Test(sched, idle_cores_run_threads_without_queueing)
{
  gs_scenario *sc = ts_custom(4, GS_STEP_CPU, 50 * GS_MS);
  sc->cores = 8;
  gs_results *r = ts_run(sc);
  for (size_t i = 0; i < r->nthreads; i++)
    cr_assert_lt(r->threads[i].runnable, 100 * GS_US);
  cr_assert_eq(total_ivcsw(r), 0);
  gs_results_free(r);
  ts_free(sc);
}

Test(sched, woken_thread_pays_the_wakeup_latency)
{
  gs_scenario *sc = ts_custom(1, GS_STEP_SLEEP, 1 * GS_SEC);
  sc->model = GS_MODEL_SEQUENTIAL;
  ts_set(sc, GS_P_WAKEUP_LATENCY, 1e6);
  gs_results *r = ts_run(sc);
  /* Start on an idle core (1 ms), sleep 1 s, wake onto an idle core (1 ms). */
  cr_assert_geq(r->wall, GS_SEC + 2 * GS_MS);
  cr_assert_lt(r->wall, GS_SEC + 2 * GS_MS + 50 * GS_US);
  gs_results_free(r);
  ts_free(sc);
}

Test(sched, wall_time_is_never_below_cpu_time_over_cores)
{
  for (int cores = 1; cores <= 8; cores *= 2)
    for (int model = 0; model < 3; model++)
      for (int sched = 0; sched < 2; sched++) {
        gs_scenario *sc = ts_primes(GS_RT_C, (gs_model)model, 4, cores);
        sc->sched = (gs_sched_policy)sched;
        gs_results *r = ts_run(sc);
        cr_assert_geq(r->wall * cores, r->user + r->sys, "cores %d model %d", cores, model);
        gs_time busy = 0;
        for (int c = 0; c < cores; c++)
          busy += r->core[c].busy_user + r->core[c].busy_sys;
        cr_assert_eq(busy, r->user + r->sys);
        gs_results_free(r);
        ts_free(sc);
      }
}

Test(sched, context_switch_cost_is_charged_as_sys_time)
{
  gs_scenario *sc = ts_custom(2, GS_STEP_CPU, 100 * GS_MS);
  sc->sched = GS_SCHED_RR;
  ts_set(sc, GS_P_RR_QUANTUM, 1e6);
  ts_set(sc, GS_P_CTX_SWITCH, 0);
  ts_set(sc, GS_P_MIGRATION, 0);
  gs_results *cheap = ts_run(sc);
  ts_set(sc, GS_P_CTX_SWITCH, 10e3);
  gs_results *dear = ts_run(sc);
  uint64_t switches = dear->core[0].switches;
  cr_assert_geq(dear->sys - cheap->sys, (gs_time)(switches - 1) * 10000);
  cr_assert_eq(dear->user, cheap->user);
  gs_results_free(cheap);
  gs_results_free(dear);
  ts_free(sc);
}

/* Simulated time ends at 2^62 ns (kernel.h): a blocking call whose
 * timeout would carry it further fails the run with a limit error; the
 * second sleep's end used to overflow int64. */
Test(sched, a_sleep_past_the_time_horizon_fails_the_run)
{
  gs_scenario *sc = ts_custom(1, GS_STEP_CPU, 1000);
  ts_interactive(sc, 0, 2, 1000, (gs_time)8e18); /* two sleeps in a row */
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_ERR_LIMIT, "%s", err.msg);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "simulated time would pass 2^62 ns (146 years)"), "%s", err.msg);
  ts_free(sc);
}

/* Work that would end past the horizon is cut into slices as any other:
 * the run goes on (here to its event limit) rather than fail or overflow. */
Test(sched, work_ending_past_the_time_horizon_runs_in_slices)
{
  gs_scenario *sc = ts_custom(1, GS_STEP_CPU, (gs_time)8e18);
  ts_interactive(sc, 0, 1, (gs_time)8e18, 0);
  sc->custom[0].steps[1].kind = GS_STEP_CPU; /* two 8e18 ns steps in a row */
  ts_set(sc, GS_P_MAX_EVENTS, 1000);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_ERR_LIMIT, "%s", err.msg);
  cr_assert(strstr(err.msg, "event limit reached"), "%s", err.msg);
  ts_free(sc);
}
