/* Phenomena of the concurrency models (sim/model.c) that must come out of
 * the mechanism: nothing in the models encodes a speedup. */
#include "support.h"

static gs_time wall_of(gs_runtime rt, gs_model m, int workers, int cores)
{
  gs_scenario *sc = ts_primes(rt, m, workers, cores);
  gs_results *r = ts_run(sc);
  gs_time w = r->wall;
  gs_results_free(r);
  ts_free(sc);
  return w;
}

Test(model, processes_speed_up_primes_with_cores_up_to_the_worker_count)
{
  gs_time seq = wall_of(GS_RT_CPYTHON, GS_MODEL_SEQUENTIAL, 1, 4);
  gs_time p1 = wall_of(GS_RT_CPYTHON, GS_MODEL_PROCESSES, 4, 1);
  gs_time p2 = wall_of(GS_RT_CPYTHON, GS_MODEL_PROCESSES, 4, 2);
  gs_time p4 = wall_of(GS_RT_CPYTHON, GS_MODEL_PROCESSES, 4, 4);
  gs_time p8 = wall_of(GS_RT_CPYTHON, GS_MODEL_PROCESSES, 4, 8);
  cr_assert_gt(p1, seq);             /* start-up and IPC, no parallelism */
  cr_assert_lt(p2, p1 * 7 / 10); /* the longest worker bounds it */
  cr_assert_lt(p4, p2);
  cr_assert_lt(p4, seq / 2);
  /* 8 cores, 4 workers: the extra cores stay idle. */
  cr_assert_lt(p8 > p4 ? p8 - p4 : p4 - p8, p4 / 100);
}

Test(model, c_threads_speed_up_primes_without_a_gil)
{
  gs_time seq = wall_of(GS_RT_C, GS_MODEL_SEQUENTIAL, 1, 2);
  gs_time t1 = wall_of(GS_RT_C, GS_MODEL_THREADS, 4, 1);
  gs_time t2 = wall_of(GS_RT_C, GS_MODEL_THREADS, 4, 2);
  cr_assert_geq(t1, seq);
  cr_assert_lt(t2, t1 * 7 / 10);
}

Test(model, sequential_does_not_speed_up_with_cores)
{
  gs_time s1 = wall_of(GS_RT_CPYTHON, GS_MODEL_SEQUENTIAL, 1, 1);
  gs_time s8 = wall_of(GS_RT_CPYTHON, GS_MODEL_SEQUENTIAL, 1, 8);
  cr_assert_lt(s1 > s8 ? s1 - s8 : s8 - s1, s1 / 1000);
}

Test(model, process_pool_pays_fork_and_ipc_costs)
{
  gs_scenario *sc = ts_primes(GS_RT_CPYTHON, GS_MODEL_PROCESSES, 2, 2);
  gs_results *r = ts_run(sc);
  cr_assert_eq(r->nprocs, 3);
  const gs_proc_result *main = &r->procs[0];
  /* The parent pays a fork per worker (sys) and packs 8 tasks + 2 stops. */
  cr_assert_geq(main->sys, 2 * (gs_time)r->params.v[GS_P_FORK]);
  cr_assert_geq(main->user, 10 * (gs_time)r->params.v[GS_P_IPC_PACK]);
  for (size_t i = 1; i < r->nprocs; i++) {
    cr_assert_eq(r->procs[i].parent, 1);
    cr_assert_geq(r->procs[i].sys, (gs_time)r->params.v[GS_P_PROC_EXIT]);
  }
  gs_results_free(r);
  ts_free(sc);
}

Test(model, every_task_runs_exactly_once)
{
  for (int m = 0; m < 3; m++) {
    gs_scenario *sc = ts_custom(50, GS_STEP_CPU, 3 * GS_MS);
    sc->model = (gs_model)m;
    sc->workers = 7;
    sc->cores = 3;
    gs_results *r = ts_run(sc);
    uint64_t done = 0;
    for (size_t i = 0; i < r->nthreads; i++)
      done += r->threads[i].tasks;
    cr_assert_eq(done, 50);
    for (size_t i = 0; i < r->ntasks; i++) {
      cr_assert_geq(r->tasks[i].tid, 0);
      cr_assert_geq(r->tasks[i].finished - r->tasks[i].started, 3 * GS_MS);
    }
    gs_results_free(r);
    ts_free(sc);
  }
}

Test(model, io_bound_sleeps_overlap_in_threads)
{
  gs_scenario *sc = ts_custom(4, GS_STEP_SLEEP, 1 * GS_SEC);
  sc->cores = 1;
  gs_results *threads = ts_run(sc);
  sc->model = GS_MODEL_SEQUENTIAL;
  gs_results *seq = ts_run(sc);
  cr_assert_lt(threads->wall, GS_SEC + 5 * GS_MS);
  cr_assert_geq(seq->wall, 4 * GS_SEC);
  gs_results_free(threads);
  gs_results_free(seq);
  ts_free(sc);
}

Test(model, same_seed_gives_identical_results)
{
  gs_scenario *sc = ts_custom(20, GS_STEP_CPU, 0);
  for (size_t i = 0; i < 20; i++) {
    sc->custom[i].steps[0].dur.kind = GS_DIST_EXP;
    sc->custom[i].steps[0].dur.a = 5e6;
  }
  sc->workers = 5;
  sc->cores = 2;
  gs_results *a = ts_run(sc), *b = ts_run(sc);
  cr_assert_eq(a->wall, b->wall);
  cr_assert_eq(a->events, b->events);
  cr_assert_eq(a->nthreads, b->nthreads);
  cr_assert_arr_eq(a->threads, b->threads, a->nthreads * sizeof *a->threads);
  sc->seed = 2;
  gs_results *c = ts_run(sc);
  cr_assert_neq(a->user, c->user);
  gs_results_free(a);
  gs_results_free(b);
  gs_results_free(c);
  ts_free(sc);
}
